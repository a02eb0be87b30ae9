//! Waking a task that already finished does nothing.

use std::task::Poll;

use cvp_interleave::{spawn, yield_now, Runtime};

#[test]
fn waking_a_finished_task_does_nothing() {
    let rt = Runtime::new();
    let polls = rt
        .block_on(async {
            let waker =
                spawn(async { std::future::poll_fn(|cx| Poll::Ready(cx.waker().clone())).await })
                    .await
                    .unwrap();
            let before = cvp_interleave::Instant::now();
            waker.wake_by_ref();
            waker.wake_by_ref();
            yield_now().await;
            let _ = before;
            waker.wake();
        })
        .map(|()| rt.stats().polls);
    // main: 3 polls (start, after join, after yield); the task: 1.
    assert_eq!(polls.unwrap(), 4);
}

#[test]
fn wake_finished_from_another_thread() {
    let rt = Runtime::new();
    rt.block_on(async {
        let waker =
            spawn(async { std::future::poll_fn(|cx| Poll::Ready(cx.waker().clone())).await })
                .await
                .unwrap();
        std::thread::spawn(move || waker.wake()).join().unwrap();
        yield_now().await;
    })
    .unwrap();
}

//! Wakes from other threads are safe and reach the runtime.

use std::sync::{Arc, Mutex};
use std::task::{Poll, Waker};
use std::time::Duration;

use cvp_interleave::{spawn, Runtime};

/// A one-shot flag that another thread sets.
#[derive(Default)]
struct Flag {
    set: bool,
    waker: Option<Waker>,
}

async fn wait(flag: Arc<Mutex<Flag>>) {
    std::future::poll_fn(|cx| {
        let mut f = flag.lock().unwrap();
        if f.set {
            Poll::Ready(())
        } else {
            f.waker = Some(cx.waker().clone());
            Poll::Pending
        }
    })
    .await
}

fn set_from_thread(flag: Arc<Mutex<Flag>>, delay: Duration) -> std::thread::JoinHandle<()> {
    std::thread::spawn(move || {
        std::thread::sleep(delay);
        let w = {
            let mut f = flag.lock().unwrap();
            f.set = true;
            f.waker.take()
        };
        if let Some(w) = w {
            w.wake();
        }
    })
}

#[test]
fn smoke() {
    let rt = Runtime::new();
    let flag = Arc::new(Mutex::new(Flag::default()));
    let t = set_from_thread(flag.clone(), Duration::from_millis(5));
    rt.block_on(async move { spawn(wait(flag)).await.unwrap() })
        .unwrap();
    t.join().unwrap();
}

#[test]
fn main_future_woken_from_thread() {
    let rt = Runtime::new();
    let flag = Arc::new(Mutex::new(Flag::default()));
    let t = set_from_thread(flag.clone(), Duration::from_millis(5));
    rt.block_on(wait(flag)).unwrap();
    t.join().unwrap();
}

#[test]
fn many_tasks_woken_from_many_threads() {
    let n = if cfg!(miri) { 4 } else { 64 };
    let rt = Runtime::new();
    let flags: Vec<_> = (0..n)
        .map(|_| Arc::new(Mutex::new(Flag::default())))
        .collect();
    let threads: Vec<_> = flags
        .iter()
        .map(|f| set_from_thread(f.clone(), Duration::from_millis(1)))
        .collect();
    rt.block_on(async move {
        let hs: Vec<_> = flags.into_iter().map(|f| spawn(wait(f))).collect();
        for h in hs {
            h.await.unwrap();
        }
    })
    .unwrap();
    for t in threads {
        t.join().unwrap();
    }
}

#[test]
fn waker_outlives_runtime() {
    let flag = Arc::new(Mutex::new(Flag::default()));
    {
        let rt = Runtime::new();
        let f = flag.clone();
        rt.spawn(wait(f));
        // Poll the task once so it parks its waker, then drop the runtime.
        rt.block_on(cvp_interleave::yield_now()).unwrap();
    }
    // Waking a task of a dropped runtime from another thread is harmless.
    set_from_thread(flag, Duration::ZERO).join().unwrap();
}

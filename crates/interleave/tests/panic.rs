//! A panicking task: caught, reported through its JoinHandle; the rest go on.

use cvp_interleave::{spawn, yield_now, Runtime};

#[test]
fn a_panicking_task_does_not_stop_the_others() {
    let rt = Runtime::new();
    let (bad, good) = rt
        .block_on(async {
            let bad = spawn(async {
                yield_now().await;
                panic!("task failed on purpose");
            });
            let good = spawn(async {
                for _ in 0..5 {
                    yield_now().await;
                }
                42
            });
            (bad.await, good.await)
        })
        .unwrap();
    let err = bad.unwrap_err();
    assert!(err.is_panic());
    assert_eq!(err.panic_message(), Some("task failed on purpose"));
    assert_eq!(good.unwrap(), 42);
    // The runtime is still usable.
    assert_eq!(
        rt.block_on(async { spawn(async { 1 }).await.unwrap() })
            .unwrap(),
        1
    );
}

#[test]
fn detached_panic_is_swallowed() {
    let rt = Runtime::new();
    rt.block_on(async {
        drop(spawn(async { panic!("nobody listens") }));
        yield_now().await;
        yield_now().await;
    })
    .unwrap();
}

#[test]
fn panic_payload_string() {
    let rt = Runtime::new();
    let err = rt
        .block_on(async { spawn(async { panic!("{} {}", "formatted", 1) }).await })
        .unwrap()
        .unwrap_err();
    assert_eq!(err.panic_message(), Some("formatted 1"));
    assert_eq!(err.to_string(), "task panicked: formatted 1");
}

//! `Handle`: other threads spawn `Send` futures onto a runtime and wake it.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Barrier};
use std::task::Poll;
use std::time::Duration;

use cvp_interleave::{RemoteJoinHandle, Runtime};

const THREADS: usize = 8;

#[test]
fn eight_threads_spawn_and_wake_at_once() {
    let per_thread: u64 = if cfg!(miri) { 3 } else { 200 };
    let rt = Runtime::new();
    let barrier = Arc::new(Barrier::new(THREADS));
    let done = Arc::new(AtomicUsize::new(0));
    let threads: Vec<_> = (0..THREADS as u64)
        .map(|t| {
            let (handle, barrier, done) = (rt.handle(), barrier.clone(), done.clone());
            std::thread::spawn(move || {
                barrier.wait();
                let jobs: Vec<RemoteJoinHandle<u64>> = (0..per_thread)
                    .map(|i| {
                        handle.spawn(async move {
                            // The runtime's timers work inside.
                            cvp_interleave::sleep(Duration::from_micros(i % 3)).await;
                            cvp_interleave::yield_now().await;
                            t * 1000 + i
                        })
                    })
                    .collect();
                let got: Vec<u64> = jobs.into_iter().map(|j| j.join().unwrap()).collect();
                let want: Vec<u64> = (0..per_thread).map(|i| t * 1000 + i).collect();
                assert_eq!(got, want);
                done.fetch_add(1, Ordering::AcqRel);
                handle.wake();
            })
        })
        .collect();
    let polls = AtomicUsize::new(0);
    rt.block_on(std::future::poll_fn(|_| {
        polls.fetch_add(1, Ordering::Relaxed);
        if done.load(Ordering::Acquire) == THREADS {
            Poll::Ready(())
        } else {
            Poll::Pending
        }
    }))
    .unwrap();
    for t in threads {
        t.join().unwrap();
    }
    assert_eq!(rt.stats().tasks_spawned, THREADS as u64 * per_thread);
    assert!(polls.load(Ordering::Relaxed) >= 2, "woken by the handles");
}

#[test]
fn handle_is_send_and_sync() {
    fn assert_send_sync<T: Send + Sync>(_: &T) {}
    let rt = Runtime::new();
    let h = rt.handle();
    assert_send_sync(&h);
    let j = h.spawn(async { 1u8 });
    fn assert_send<T: Send>(_: &T) {}
    assert_send(&j);
    assert_eq!(rt.block_on(j).unwrap().unwrap(), 1);
}

#[test]
fn spawn_onto_a_dropped_runtime_is_cancelled() {
    let rt = Runtime::new();
    let h = rt.handle();
    let queued = h.spawn(async { 1 });
    drop(rt);
    assert!(queued.join().unwrap_err().is_cancelled());
    assert!(h.spawn(async { 2 }).join().unwrap_err().is_cancelled());
}

#[test]
fn panicking_remote_task_reports_its_panic() {
    let rt = Runtime::new();
    let j = rt.handle().spawn(async {
        if true {
            panic!("remote boom");
        }
    });
    let err = rt.block_on(j).unwrap().unwrap_err();
    assert_eq!(err.panic_message(), Some("remote boom"));
}

/// Without a handle, a `block_on` future nobody can wake is a deadlock; a
/// live handle could still wake it, so the runtime waits for it.
#[test]
fn live_handle_keeps_deadlock_detection_waiting() {
    let rt = Runtime::new();
    let err = rt.block_on(std::future::pending::<()>()).unwrap_err();
    assert!(matches!(err, cvp_interleave::Error::Deadlock { .. }));
    let handle = rt.handle();
    let flag = Arc::new(AtomicUsize::new(0));
    let f = flag.clone();
    let t = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(20));
        f.store(1, Ordering::Release);
        handle.wake();
    });
    rt.block_on(std::future::poll_fn(|_| {
        if flag.load(Ordering::Acquire) == 1 {
            Poll::Ready(())
        } else {
            Poll::Pending
        }
    }))
    .unwrap();
    t.join().unwrap();
}

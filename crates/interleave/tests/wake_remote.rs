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
fn a_task_woken_from_another_thread_finishes() {
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

/// The race behind false deadlock reports, made frequent: `threads` threads
/// each wake their own task `rounds` times, each time as soon as the task
/// has parked its waker, so the runtime is often deciding whether anything
/// can still wake it while a wake is half done. Returns the number of runs
/// that reported a deadlock (all false: every task is woken until done).
fn remote_wake_race(runs: usize, threads: usize, rounds: usize) -> usize {
    let mut false_reports = 0;
    for _ in 0..runs {
        let rt = Runtime::new();
        let flags: Vec<_> = (0..threads)
            .map(|_| Arc::new(Mutex::new(Flag::default())))
            .collect();
        let hs: Vec<_> = flags
            .iter()
            .map(|f| {
                let f = f.clone();
                rt.spawn(async move {
                    for _ in 0..rounds {
                        wait(f.clone()).await;
                        f.lock().unwrap().set = false;
                    }
                })
            })
            .collect();
        let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let ts: Vec<_> = flags
            .into_iter()
            .map(|f| {
                let stop = stop.clone();
                std::thread::spawn(move || {
                    let mut woken = 0;
                    while woken < rounds && !stop.load(std::sync::atomic::Ordering::Relaxed) {
                        let w = {
                            let mut f = f.lock().unwrap();
                            match f.waker.take() {
                                Some(w) if !f.set => {
                                    f.set = true;
                                    Some(w)
                                }
                                other => {
                                    f.waker = other;
                                    None
                                }
                            }
                        };
                        match w {
                            Some(w) => {
                                w.wake();
                                woken += 1;
                            }
                            None => std::hint::spin_loop(),
                        }
                    }
                })
            })
            .collect();
        let r = rt.block_on(async move {
            for h in hs {
                h.await.unwrap();
            }
        });
        if let Err(e) = r {
            eprintln!("false report: {e}");
            false_reports += 1;
        }
        stop.store(true, std::sync::atomic::Ordering::Relaxed);
        for t in ts {
            t.join().unwrap();
        }
    }
    false_reports
}

#[test]
fn remote_wakes_are_never_reported_as_deadlock() {
    let (runs, rounds) = if cfg!(miri) { (1, 3) } else { (20, 500) };
    assert_eq!(remote_wake_race(runs, 2, rounds), 0);
}

/// The long form: `cargo test -p cvp-interleave --release --test wake_remote
/// -- --ignored`.
#[test]
#[ignore = "long stress run (10,000 runs)"]
fn remote_wakes_are_never_reported_as_deadlock_10000_runs() {
    assert_eq!(remote_wake_race(10_000, 2, 500), 0);
}
/// A task whose only waker was dropped by another thread is a true deadlock,
/// and it is reported.
#[test]
fn waker_dropped_on_another_thread_is_a_deadlock() {
    let rt = Runtime::new();
    let flag = Arc::new(Mutex::new(Flag::default()));
    let h = rt.spawn(wait(flag.clone()));
    rt.block_on(cvp_interleave::yield_now()).unwrap();
    std::thread::spawn(move || drop(flag.lock().unwrap().waker.take()))
        .join()
        .unwrap();
    let err = rt.block_on(h).unwrap_err();
    assert!(
        matches!(err, cvp_interleave::Error::Deadlock { .. }),
        "{err}"
    );
}

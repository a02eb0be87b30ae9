//! `Pool::spawn_future`: CPU work awaited from async code on any executor;
//! panics reach the awaiter; a dropped future neither loses nor leaks its
//! job.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{mpsc, Arc, Mutex};
use std::time::Duration;

use cvp_decompose::prelude::*;
use cvp_decompose::{Builder, Pool};

fn busy_sum(n: u64) -> u64 {
    (0..n).into_par_iter().map(|x| x ^ (x >> 3)).sum()
}

const N: u64 = if cfg!(miri) { 100 } else { 1_000_000 };

#[test]
fn awaits_on_futures_block_on() {
    let pool = Pool::new(2).unwrap();
    let want = (0..N).map(|x| x ^ (x >> 3)).sum::<u64>();
    let got = futures::executor::block_on(pool.spawn_future(|| busy_sum(N)));
    assert_eq!(got, want);
    // Many at once, joined.
    let all = futures::executor::block_on(futures::future::join_all(
        (0..8u64).map(|k| pool.spawn_future(move || k * 2)),
    ));
    assert_eq!(all, (0..8u64).map(|k| k * 2).collect::<Vec<_>>());
}

#[cfg(not(miri))]
#[test]
fn awaits_on_tokio_without_blocking_its_thread() {
    let pool = Arc::new(Pool::new(2).unwrap());
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .unwrap();
    let (sum, ticks) = rt.block_on(async {
        let ticker = tokio::spawn(async {
            let mut ticks = 0;
            for _ in 0..5 {
                tokio::time::sleep(Duration::from_millis(2)).await;
                ticks += 1;
            }
            ticks
        });
        let pool = Arc::clone(&pool);
        let sum = pool
            .spawn_future(|| {
                std::thread::sleep(Duration::from_millis(30));
                busy_sum(N)
            })
            .await;
        (sum, ticker.await.unwrap())
    });
    assert_eq!(sum, (0..N).map(|x| x ^ (x >> 3)).sum::<u64>());
    // The one-thread runtime kept ticking while the pool worked.
    assert_eq!(ticks, 5);
}

#[cfg(not(miri))]
#[test]
fn awaits_on_cvp_interleave() {
    let pool = Arc::new(Pool::new(2).unwrap());
    let rt = cvp_interleave::Runtime::new();
    let out = rt
        .block_on({
            let pool = Arc::clone(&pool);
            async move {
                let ticker = cvp_interleave::spawn(async {
                    let mut ticks = 0;
                    for _ in 0..5 {
                        cvp_interleave::sleep(Duration::from_millis(2)).await;
                        ticks += 1;
                    }
                    ticks
                });
                let sum = pool
                    .spawn_future(|| {
                        std::thread::sleep(Duration::from_millis(30));
                        busy_sum(N)
                    })
                    .await;
                (sum, ticker.await.unwrap())
            }
        })
        .unwrap();
    assert_eq!(out, ((0..N).map(|x| x ^ (x >> 3)).sum::<u64>(), 5));
}

#[test]
fn a_panic_in_the_job_reaches_the_awaiter_and_the_pool_stays_usable() {
    let pool = Pool::new(2).unwrap();
    let err = catch_unwind(AssertUnwindSafe(|| {
        futures::executor::block_on(pool.spawn_future(|| -> u32 { panic!("offloaded") }))
    }))
    .unwrap_err();
    assert_eq!(err.downcast_ref::<&str>(), Some(&"offloaded"));
    assert_eq!(futures::executor::block_on(pool.spawn_future(|| 5)), 5);
}

/// A result that counts its drops.
struct Counted(Arc<AtomicUsize>);

impl Drop for Counted {
    fn drop(&mut self) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

#[test]
fn a_dropped_future_still_runs_its_job_and_drops_its_result() {
    let pool = Pool::new(1).unwrap();
    let dropped = Arc::new(AtomicUsize::new(0));
    let (started_tx, started_rx) = mpsc::channel();
    let (go_tx, go_rx) = mpsc::channel::<()>();
    let (ran_tx, ran_rx) = mpsc::channel();
    // Dropped while the job runs.
    let future = {
        let dropped = Arc::clone(&dropped);
        pool.spawn_future(move || {
            started_tx.send(()).unwrap();
            go_rx.recv().unwrap();
            ran_tx.send(()).unwrap();
            Counted(dropped)
        })
    };
    started_rx.recv().unwrap();
    drop(future);
    go_tx.send(()).unwrap();
    ran_rx.recv().unwrap();
    // Dropped before the job starts, and after it finished.
    let queued = pool.spawn_future({
        let dropped = Arc::clone(&dropped);
        move || Counted(dropped)
    });
    drop(queued);
    let finished = pool.spawn_future({
        let dropped = Arc::clone(&dropped);
        move || Counted(dropped)
    });
    drop(pool); // runs every queued job, then joins the worker
    assert_eq!(dropped.load(Ordering::SeqCst), 2);
    drop(finished);
    assert_eq!(dropped.load(Ordering::SeqCst), 3);
}

#[test]
fn the_panic_of_an_abandoned_job_goes_to_the_panic_handler() {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let pool = {
        let seen = Arc::clone(&seen);
        Builder::new()
            .num_threads(1)
            .panic_handler(move |payload| {
                let text = payload.downcast_ref::<&str>().copied().unwrap_or("?");
                seen.lock().unwrap().push(text.to_owned());
            })
            .build()
            .unwrap()
    };
    drop(pool.spawn_future(|| panic!("abandoned")));
    drop(pool);
    assert_eq!(*seen.lock().unwrap(), ["abandoned"]);
}

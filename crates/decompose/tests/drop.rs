//! Dropping a pool: queued work runs, workers exit, nothing hangs.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use cvp_decompose::Pool;

#[test]
fn dropping_an_idle_pool_returns() {
    drop(Pool::new(2).unwrap());
}

#[test]
fn drop_with_work_queued_runs_it_all() {
    let jobs = if cfg!(miri) { 6 } else { 200 };
    let pool = Pool::new(2).unwrap();
    let done = Arc::new(AtomicUsize::new(0));
    for _ in 0..jobs {
        let done = Arc::clone(&done);
        pool.spawn(move || {
            std::thread::sleep(Duration::from_micros(100));
            done.fetch_add(1, Ordering::SeqCst);
        });
    }
    drop(pool);
    assert_eq!(done.load(Ordering::SeqCst), jobs);
}

#[test]
fn queued_closures_are_dropped_after_running() {
    let pool = Pool::new(1).unwrap();
    let token = Arc::new(());
    for _ in 0..5 {
        let token = Arc::clone(&token);
        pool.spawn(move || drop(token));
    }
    drop(pool);
    assert_eq!(Arc::strong_count(&token), 1);
}

#[test]
fn spawned_job_spawning_more_before_shutdown() {
    let pool = Arc::new(Pool::new(2).unwrap());
    let done = Arc::new(AtomicUsize::new(0));
    {
        let done = Arc::clone(&done);
        let inner = Arc::clone(&pool);
        pool.spawn(move || {
            for _ in 0..3 {
                let done = Arc::clone(&done);
                inner.spawn(move || {
                    done.fetch_add(1, Ordering::SeqCst);
                });
            }
            // The last reference to the pool may drop here, on a worker.
            drop(inner);
        });
    }
    drop(pool);
    // Whoever dropped last, every job ran or will run on a live worker.
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while done.load(Ordering::SeqCst) < 3 && std::time::Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(1));
    }
    assert_eq!(done.load(Ordering::SeqCst), 3);
}

#[test]
fn build_and_drop_many_pools() {
    let rounds = if cfg!(miri) { 2 } else { 50 };
    for i in 0..rounds {
        let pool = Pool::new(1 + i % 3).unwrap();
        assert_eq!(pool.join(|| i, || i + 1), (i, i + 1));
    }
}

//! The adaptive strategy's small-input guard, seen from outside: a job the
//! probe finds cheap runs to the end on the calling thread, and one it finds
//! big is handed to the pool. Both hang on the probe clock's cut-off being
//! in the same units as its timings, so a rate learnt wrongly, by a large
//! factor either way, fails one of them. The tiny job is tiny only in an
//! optimised build (`cargo test --release -p cvp-decompose --test guard --
//! --include-ignored`, as `cargo xtask ci` runs it).

use std::sync::atomic::{AtomicBool, Ordering};
use std::thread;

use cvp_decompose::{Pool, Strategy};

/// Whether a leaf of `map_reduce` over `len` items, each costing `work(i)`,
/// on `pool`, called from this thread, ran on another thread. The leaf's own
/// bookkeeping is one comparison of thread ids: the probe times it with the
/// items, and a heavier one (a lock, say) would weigh as items of its own in
/// an unoptimised build.
fn left_the_caller(pool: &Pool, len: usize, work: impl Fn(usize) -> u64 + Sync) -> bool {
    let me = thread::current().id();
    let left = AtomicBool::new(false);
    let total = pool.map_reduce(
        len,
        Strategy::default(),
        |range| {
            if thread::current().id() != me {
                left.store(true, Ordering::Relaxed);
            }
            range.map(&work).fold(0u64, u64::wrapping_add)
        },
        u64::wrapping_add,
    );
    let expected = (0..len).map(&work).fold(0u64, u64::wrapping_add);
    assert_eq!(total, expected);
    left.into_inner()
}

#[test]
#[cfg_attr(
    debug_assertions,
    ignore = "unoptimised, 1,000 items take longer than the cut-off: `cargo xtask ci` runs this with --release"
)]
fn a_tiny_job_stays_on_the_caller() {
    let pool = Pool::new(1).unwrap();
    // A preemption during the probe can make one run look big; a guard that
    // works keeps nearly every run here, a broken one none.
    let stayed = (0..50)
        .filter(|_| !left_the_caller(&pool, 1000, |i| i as u64))
        .count();
    eprintln!("{stayed} of 50 runs stayed on the caller");
    assert!(
        stayed >= 1,
        "none of 50 runs of a tiny job stayed on the caller"
    );
    // The pool is as usable as before.
    assert_eq!(pool.install(|| 1 + 1), 2);
}

#[test]
#[cfg_attr(
    miri,
    ignore = "tens of milliseconds of real work: far too slow under Miri"
)]
fn a_big_job_goes_to_the_pool() {
    let pool = Pool::new(2).unwrap();
    // About 40 ms of work sequentially: hundreds of times the cut-off.
    let spin = |i: usize| {
        let mut x = i as u64 | 1;
        for _ in 0..20_000 {
            x = std::hint::black_box(x.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1));
        }
        x
    };
    assert!(
        left_the_caller(&pool, 4096, spin),
        "a job of tens of milliseconds ran on the caller alone"
    );
}

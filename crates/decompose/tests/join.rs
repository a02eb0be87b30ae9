//! `join`: results, recursion, borrowing.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use cvp_decompose::{current_thread_index, join, Pool};

fn fib(n: u64) -> u64 {
    if n < 2 {
        return n;
    }
    let (a, b) = join(|| fib(n - 1), || fib(n - 2));
    a + b
}

fn fib_seq(n: u64) -> u64 {
    if n < 2 {
        n
    } else {
        fib_seq(n - 1) + fib_seq(n - 2)
    }
}

const N: u64 = if cfg!(miri) { 8 } else { 20 };

#[test]
fn join_returns_both_results() {
    let pool = Pool::new(2).unwrap();
    assert_eq!(pool.join(|| "a", || 1), ("a", 1));
}

#[test]
fn fib_matches_sequential_at_every_thread_count() {
    for threads in [1, 2, 3, 4] {
        let pool = Pool::new(threads).unwrap();
        assert_eq!(pool.install(|| fib(N)), fib_seq(N), "threads = {threads}");
    }
}

#[test]
fn halves_borrow_the_callers_data() {
    let pool = Pool::new(2).unwrap();
    let mut left = vec![1, 2, 3];
    let mut right = vec![4, 5, 6];
    pool.join(|| left.iter_mut().for_each(|x| *x *= 10), || right.push(7));
    assert_eq!(left, [10, 20, 30]);
    assert_eq!(right, [4, 5, 6, 7]);
}

#[test]
fn deep_sum_tree() {
    fn sum(v: &[u64]) -> u64 {
        if v.len() <= 4 {
            return v.iter().sum();
        }
        let (l, r) = v.split_at(v.len() / 2);
        let (a, b) = join(|| sum(l), || sum(r));
        a + b
    }
    let n = if cfg!(miri) { 64 } else { 100_000 };
    let data: Vec<u64> = (0..n).collect();
    let pool = Pool::new(3).unwrap();
    assert_eq!(pool.install(|| sum(&data)), n * (n - 1) / 2);
}

#[test]
fn join_method_from_outside_blocks_until_both_are_done() {
    let pool = Pool::new(2).unwrap();
    let (a, b) = pool.join(|| fib(N), || fib(N - 1));
    assert_eq!(a, fib_seq(N));
    assert_eq!(b, fib_seq(N - 1));
}

/// A chain of `depth` nested joins; each B adds its level to `sum`.
fn chain(depth: u64, sum: &AtomicU64) -> u64 {
    if depth == 0 {
        return 0;
    }
    let (a, ()) = join(
        || chain(depth - 1, sum),
        || {
            sum.fetch_add(depth, Ordering::Relaxed);
        },
    );
    a + 1
}

#[test]
fn deep_recursion_is_correct_at_1_2_and_4_threads() {
    let depth = if cfg!(miri) { 24 } else { 400 };
    for threads in [1, 2, 4] {
        let pool = Pool::new(threads).unwrap();
        let sum = AtomicU64::new(0);
        assert_eq!(
            pool.install(|| chain(depth, &sum)),
            depth,
            "threads = {threads}"
        );
        assert_eq!(
            sum.load(Ordering::Relaxed),
            depth * (depth + 1) / 2,
            "threads = {threads}"
        );
        assert_eq!(pool.install(|| fib(N)), fib_seq(N), "threads = {threads}");
    }
}

/// Runs `leaf` inside `depth` nested joins with empty second halves.
fn nested<R: Send>(depth: usize, leaf: &(dyn Fn() -> R + Sync)) -> R {
    if depth == 0 {
        return leaf();
    }
    join(|| nested(depth - 1, leaf), || ()).0
}

/// With 2 threads, a B whose A runs until B has run must be taken by the
/// idle worker: at once for an outer join, at one of A's joins for a deep
/// (private) one. A keeps joining, as any divide-and-conquer A does.
#[test]
fn a_long_running_a_leaves_b_to_the_idle_worker() {
    let pool = Pool::new(2).unwrap();
    for depth in [0, 1, 6, 12] {
        let b_ran = AtomicBool::new(false);
        let (a_thread, b_thread) = pool.install(|| {
            nested(depth, &|| {
                join(
                    || {
                        while !b_ran.load(Ordering::Acquire) {
                            join(|| (), || ());
                            std::hint::spin_loop();
                        }
                        current_thread_index()
                    },
                    || {
                        b_ran.store(true, Ordering::Release);
                        current_thread_index()
                    },
                )
            })
        });
        assert!(a_thread.is_some(), "depth = {depth}");
        assert_ne!(
            a_thread, b_thread,
            "depth = {depth}: B ran on the other worker"
        );
    }
}

fn message(payload: &(dyn std::any::Any + Send)) -> &str {
    payload
        .downcast_ref::<&str>()
        .copied()
        .or_else(|| payload.downcast_ref::<String>().map(String::as_str))
        .unwrap_or_default()
}

#[test]
fn panics_in_a_and_in_b_at_depth_reach_the_caller() {
    for threads in [1, 2] {
        let pool = Pool::new(threads).unwrap();
        for depth in [0, 3, 9] {
            let b_ran = AtomicBool::new(false);
            let err = catch_unwind(AssertUnwindSafe(|| {
                pool.install(|| {
                    nested(depth, &|| {
                        join(
                            || -> u64 { panic!("a failed") },
                            || b_ran.store(true, Ordering::SeqCst),
                        )
                    })
                })
            }))
            .unwrap_err();
            assert_eq!(message(&*err), "a failed");
            assert!(
                b_ran.load(Ordering::SeqCst),
                "B ran before A's panic went on"
            );

            let err = catch_unwind(AssertUnwindSafe(|| {
                pool.install(|| {
                    nested(depth, &|| join(|| fib(5), || -> u64 { panic!("b failed") }))
                })
            }))
            .unwrap_err();
            assert_eq!(message(&*err), "b failed");
            assert_eq!(pool.install(|| fib(N)), fib_seq(N), "the pool stays usable");
        }
    }
}

#[test]
fn joins_nest_inside_scope_and_install() {
    let pool = Pool::new(2).unwrap();
    let other = Pool::new(2).unwrap();
    let results: Vec<AtomicU64> = (0..4).map(|_| AtomicU64::new(0)).collect();
    let other = &other;
    pool.install(|| {
        cvp_decompose::scope(|s| {
            for (i, slot) in results.iter().enumerate() {
                s.spawn(move |_| {
                    let n = N - i as u64;
                    // A join inside a join inside a spawned task, and a
                    // join on another pool from this one's worker.
                    let (a, b) = join(|| fib(n), || other.install(|| fib(n)));
                    slot.store(a + b, Ordering::Relaxed);
                });
            }
        });
    });
    for (i, slot) in results.iter().enumerate() {
        assert_eq!(slot.load(Ordering::Relaxed), 2 * fib_seq(N - i as u64));
    }
    let deep = pool.install(|| nested(7, &|| other.install(|| nested(7, &|| fib(N)))));
    assert_eq!(deep, fib_seq(N));
}

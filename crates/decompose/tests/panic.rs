//! A panic in any subtask reaches the caller after its siblings finish, and
//! the pool stays usable.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;

use cvp_decompose::{Pool, Strategy};

fn message(payload: Box<dyn std::any::Any + Send>) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_default()
}

fn still_usable(pool: &Pool) {
    assert_eq!(pool.join(|| 1, || 2), (1, 2));
    assert_eq!(
        pool.map_reduce(10, Strategy::default(), |r| r.len(), |a, b| a + b),
        10
    );
}

#[test]
fn a_panic_in_install_reaches_the_caller_and_the_pool_stays_usable() {
    let pool = Pool::new(2).unwrap();
    let err = catch_unwind(AssertUnwindSafe(|| pool.install(|| panic!("boom")))).unwrap_err();
    assert_eq!(message(err), "boom");
    still_usable(&pool);
}

#[test]
fn panic_in_a_waits_for_b() {
    let pool = Pool::new(2).unwrap();
    let b_done = AtomicBool::new(false);
    let err = catch_unwind(AssertUnwindSafe(|| {
        pool.join(
            || panic!("a failed"),
            || {
                std::thread::sleep(Duration::from_millis(if cfg!(miri) { 1 } else { 20 }));
                b_done.store(true, Ordering::SeqCst);
            },
        )
    }))
    .unwrap_err();
    assert_eq!(message(err), "a failed");
    assert!(
        b_done.load(Ordering::SeqCst),
        "B must finish before A's panic reaches the caller"
    );
    still_usable(&pool);
}

#[test]
fn panic_in_b_reaches_the_caller() {
    let pool = Pool::new(2).unwrap();
    let a_done = AtomicBool::new(false);
    let err = catch_unwind(AssertUnwindSafe(|| {
        pool.join(
            || {
                std::thread::sleep(Duration::from_millis(if cfg!(miri) { 1 } else { 20 }));
                a_done.store(true, Ordering::SeqCst);
            },
            || panic!("b failed"),
        )
    }))
    .unwrap_err();
    assert_eq!(message(err), "b failed");
    assert!(a_done.load(Ordering::SeqCst));
    still_usable(&pool);
}

#[test]
fn panic_in_a_leaf_of_every_strategy() {
    let pool = Pool::new(2).unwrap();
    let len = if cfg!(miri) { 40 } else { 1000 };
    for strategy in Strategy::ALL {
        let ran = AtomicUsize::new(0);
        let err = catch_unwind(AssertUnwindSafe(|| {
            pool.map_reduce(
                len,
                strategy.with_grain(4),
                |r| {
                    ran.fetch_add(r.len(), Ordering::SeqCst);
                    if r.contains(&(len / 2)) {
                        panic!("leaf {r:?}");
                    }
                    r.len()
                },
                |a, b| a + b,
            )
        }))
        .unwrap_err();
        assert!(message(err).starts_with("leaf"), "{strategy}");
        still_usable(&pool);
    }
}

#[test]
fn panic_in_a_scope_task_waits_for_the_others() {
    let pool = Pool::new(2).unwrap();
    let finished = AtomicUsize::new(0);
    let err = catch_unwind(AssertUnwindSafe(|| {
        pool.scope(|s| {
            s.spawn(|_| panic!("task failed"));
            for _ in 0..4 {
                s.spawn(|_| {
                    std::thread::sleep(Duration::from_millis(if cfg!(miri) { 1 } else { 5 }));
                    finished.fetch_add(1, Ordering::SeqCst);
                });
            }
        })
    }))
    .unwrap_err();
    assert_eq!(message(err), "task failed");
    assert_eq!(finished.load(Ordering::SeqCst), 4);
    still_usable(&pool);
}

#[test]
fn panic_in_a_spawned_job_leaves_the_pool_usable() {
    let pool = Pool::new(1).unwrap();
    pool.spawn(|| panic!("detached failure"));
    still_usable(&pool);
}

#[test]
fn nested_panic_crosses_many_levels() {
    fn dive(depth: u32) -> u32 {
        if depth == 0 {
            panic!("bottom");
        }
        let (a, b) = cvp_decompose::join(|| dive(depth - 1), || depth);
        a + b
    }
    let pool = Pool::new(3).unwrap();
    let err = catch_unwind(AssertUnwindSafe(|| pool.install(|| dive(6)))).unwrap_err();
    assert_eq!(message(err), "bottom");
    still_usable(&pool);
}

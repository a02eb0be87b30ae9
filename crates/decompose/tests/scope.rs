//! `scope`: borrowing tasks, nested spawns, spawns from other threads.

use std::sync::atomic::{AtomicUsize, Ordering};

use cvp_decompose::{scope, Pool};

#[test]
fn a_scoped_spawn_writes_a_borrowed_local() {
    let pool = Pool::new(2).unwrap();
    let mut x = 0;
    pool.scope(|s| s.spawn(|_| x = 5));
    assert_eq!(x, 5);
}

#[test]
fn many_tasks_borrow_disjoint_slots() {
    let pool = Pool::new(3).unwrap();
    let n = if cfg!(miri) { 8 } else { 1000 };
    let mut slots = vec![0usize; n];
    pool.scope(|s| {
        for (i, slot) in slots.iter_mut().enumerate() {
            s.spawn(move |_| *slot = i * i);
        }
    });
    assert!(slots.iter().enumerate().all(|(i, &x)| x == i * i));
}

#[test]
fn tasks_spawn_tasks() {
    fn tree<'s>(s: &cvp_decompose::Scope<'s>, depth: u32, count: &'s AtomicUsize) {
        count.fetch_add(1, Ordering::Relaxed);
        if depth > 0 {
            s.spawn(move |s| tree(s, depth - 1, count));
            s.spawn(move |s| tree(s, depth - 1, count));
        }
    }
    let pool = Pool::new(2).unwrap();
    let count = AtomicUsize::new(0);
    let depth = if cfg!(miri) { 3 } else { 10 };
    pool.scope(|s| tree(s, depth, &count));
    assert_eq!(count.load(Ordering::Relaxed), (1 << (depth + 1)) - 1);
}

#[test]
fn scope_returns_the_body_result() {
    let pool = Pool::new(2).unwrap();
    let n = pool.install(|| {
        scope(|s| {
            s.spawn(|_| {});
            17
        })
    });
    assert_eq!(n, 17);
}

#[test]
fn spawn_from_a_thread_outside_the_pool() {
    let pool = Pool::new(2).unwrap();
    let count = AtomicUsize::new(0);
    pool.scope(|s| {
        std::thread::scope(|ts| {
            ts.spawn(|| {
                for _ in 0..4 {
                    s.spawn(|_| {
                        count.fetch_add(1, Ordering::Relaxed);
                    });
                }
            });
        });
    });
    assert_eq!(count.load(Ordering::Relaxed), 4);
}

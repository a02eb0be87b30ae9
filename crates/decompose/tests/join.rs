//! `join`: results, recursion, borrowing.

use cvp_decompose::{join, Pool};

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

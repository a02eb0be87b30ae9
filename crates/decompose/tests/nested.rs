//! Nested join / scope / map_reduce never deadlock, even on one thread.

use cvp_decompose::{join, map_reduce, scope, Pool, Strategy};

#[test]
fn nested_joins_on_one_thread() {
    let pool = Pool::new(1).unwrap();
    assert_eq!(
        pool.install(|| join(|| join(|| 1, || 2), || 3)),
        ((1, 2), 3)
    );
}

fn mixed(depth: u32) -> usize {
    if depth == 0 {
        return 1;
    }
    let (a, b) = join(
        || {
            map_reduce(
                3,
                Strategy::Dynamic { grain: 1 },
                |_| mixed(depth - 1),
                |x, y| x + y,
            )
        },
        || {
            let mut parts = [0usize; 2];
            scope(|s| {
                for part in parts.iter_mut() {
                    s.spawn(move |_| *part = mixed(depth - 1));
                }
            });
            parts.iter().sum::<usize>()
        },
    );
    a + b
}

#[test]
fn join_scope_and_map_reduce_nest_at_every_thread_count() {
    let depth = if cfg!(miri) { 2 } else { 4 };
    // Each level multiplies the leaves by 3 + 2.
    let expected = 5usize.pow(depth);
    for threads in [1, 2, 4] {
        let pool = Pool::new(threads).unwrap();
        assert_eq!(
            pool.install(|| mixed(depth)),
            expected,
            "threads = {threads}"
        );
    }
}

#[test]
fn every_strategy_nests_in_every_strategy() {
    let pool = Pool::new(2).unwrap();
    let n = if cfg!(miri) { 4 } else { 30 };
    for outer in Strategy::ALL {
        for inner in Strategy::ALL {
            let total = pool.map_reduce(
                n,
                outer,
                |rows| {
                    rows.map(|i| map_reduce(i + 1, inner, |r| r.len(), |a, b| a + b))
                        .sum::<usize>()
                },
                |a, b| a + b,
            );
            assert_eq!(total, n * (n + 1) / 2, "{outer} in {inner}");
        }
    }
}

#[test]
fn pools_nest_in_pools() {
    let a = Pool::new(2).unwrap();
    let b = Pool::new(1).unwrap();
    let sum = a.map_reduce(
        if cfg!(miri) { 4 } else { 64 },
        Strategy::STATIC,
        |r| b.install(|| r.map(|i| join(|| i, || 1).0).sum::<usize>()),
        |x, y| x + y,
    );
    let n = if cfg!(miri) { 4 } else { 64 };
    assert_eq!(sum, n * (n - 1) / 2);
}

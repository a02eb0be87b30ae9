//! `map_reduce` and `for_each_chunk_mut`: the contract, for every strategy.

use std::ops::Range;

use cvp_decompose::{Pool, Strategy};

const LEN: usize = if cfg!(miri) { 37 } else { 10_007 };

/// Every leaf range, in combine order.
fn ranges(pool: &Pool, range: Range<usize>, strategy: Strategy) -> Vec<Range<usize>> {
    pool.map_reduce(
        range,
        strategy,
        |r| vec![r],
        |mut a, b| {
            a.extend(b);
            a
        },
    )
}

fn all_strategies(grain: usize) -> Vec<Strategy> {
    Strategy::ALL.iter().map(|s| s.with_grain(grain)).collect()
}

#[test]
fn map_reduce_sums_a_small_range() {
    let pool = Pool::new(2).unwrap();
    let sum = pool.map_reduce(100, Strategy::default(), |r| r.sum::<usize>(), |a, b| a + b);
    assert_eq!(sum, 4950);
}

#[test]
fn leaves_tile_the_range_in_order() {
    for threads in [1, 2, 3] {
        let pool = Pool::new(threads).unwrap();
        for grain in [1, 7, 64] {
            for strategy in all_strategies(grain) {
                for range in [0..LEN, 5..LEN + 5, 3..4] {
                    let leaves = ranges(&pool, range.clone(), strategy);
                    assert!(
                        leaves.iter().all(|r| !r.is_empty()),
                        "{strategy}: empty leaf"
                    );
                    assert_eq!(leaves.first().unwrap().start, range.start);
                    assert_eq!(leaves.last().unwrap().end, range.end);
                    assert!(
                        leaves.windows(2).all(|w| w[0].end == w[1].start),
                        "{strategy}: {leaves:?}"
                    );
                }
            }
        }
    }
}

#[test]
fn empty_range_calls_the_leaf_once_on_it() {
    let pool = Pool::new(2).unwrap();
    for strategy in all_strategies(3) {
        assert_eq!(ranges(&pool, 4..4, strategy), vec![4..4]);
    }
}

#[test]
fn non_commutative_combine_gives_the_sequential_answer() {
    let pool = Pool::new(3).unwrap();
    let expected: String = (0..LEN)
        .map(|i| char::from(b'a' + (i % 26) as u8))
        .collect();
    for strategy in all_strategies(5) {
        let text = pool.map_reduce(
            LEN,
            strategy,
            |r| {
                r.map(|i| char::from(b'a' + (i % 26) as u8))
                    .collect::<String>()
            },
            |a, b| a + &b,
        );
        assert_eq!(text, expected, "{strategy}");
    }
}

#[test]
fn non_adaptive_strategies_run_their_plan() {
    let pool = Pool::new(2).unwrap();
    for strategy in [
        Strategy::STATIC,
        Strategy::Dynamic { grain: 10 },
        Strategy::Guided { min: 3 },
    ] {
        let plan = strategy.plan(LEN, 2);
        assert_eq!(ranges(&pool, 0..LEN, strategy), plan, "{strategy}");
    }
}

#[test]
fn grain_is_honoured() {
    let pool = Pool::new(3).unwrap();
    for strategy in all_strategies(16) {
        let leaves = ranges(&pool, 0..LEN, strategy);
        let (last, rest) = leaves.split_last().unwrap();
        assert!(rest.iter().all(|r| r.len() >= 16), "{strategy}: {leaves:?}");
        assert!(!last.is_empty());
    }
}

#[test]
fn nested_map_reduce() {
    let pool = Pool::new(2).unwrap();
    let n = if cfg!(miri) { 6 } else { 200 };
    let total = pool.map_reduce(
        n,
        Strategy::default(),
        |rows| {
            rows.map(|i| {
                cvp_decompose::map_reduce(
                    i,
                    Strategy::Dynamic { grain: 4 },
                    |r| r.len(),
                    |a, b| a + b,
                )
            })
            .sum::<usize>()
        },
        |a, b| a + b,
    );
    assert_eq!(total, n * (n - 1) / 2);
}

#[test]
fn for_each_chunk_mut_visits_every_chunk_once() {
    let pool = Pool::new(3).unwrap();
    for chunk in [0, 1, 3, 64] {
        let mut data = vec![0usize; LEN];
        pool.for_each_chunk_mut(&mut data, chunk, |start, part| {
            assert!(part.len() <= chunk.max(1));
            for (i, x) in part.iter_mut().enumerate() {
                *x += start + i + 1;
            }
        });
        assert!(
            data.iter().enumerate().all(|(i, &x)| x == i + 1),
            "chunk {chunk}"
        );
    }
    let mut empty: [u8; 0] = [];
    pool.for_each_chunk_mut(&mut empty, 4, |_, _| panic!("no chunk in an empty slice"));
}

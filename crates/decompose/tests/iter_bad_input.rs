//! Parallel iterators on bad input: empty inputs, a grain of 0, zips of
//! unequal lengths, a chunk size of 0, a strategy name that does not parse,
//! and panics in closures. Each gives the documented answer or error, no
//! item is leaked or dropped twice, and the pool stays usable.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use cvp_decompose::prelude::*;
use cvp_decompose::{ParseStrategyError, Pool, Strategy};

const N: usize = if cfg!(miri) { 64 } else { 10_000 };

fn message(payload: Box<dyn std::any::Any + Send>) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_default()
}

fn still_usable(pool: &Pool) {
    let v: Vec<u64> = (0..N as u64).collect();
    let sum: u64 = pool.install(|| v.par_iter().sum());
    assert_eq!(sum, v.iter().sum::<u64>());
}

/// An item that counts how many of its kind were created and dropped.
struct Tracked {
    id: usize,
    live: Arc<AtomicUsize>,
}

impl Tracked {
    fn many(n: usize, live: &Arc<AtomicUsize>) -> Vec<Tracked> {
        (0..n)
            .map(|id| {
                live.fetch_add(1, Ordering::SeqCst);
                Tracked {
                    id,
                    live: Arc::clone(live),
                }
            })
            .collect()
    }
}

impl Drop for Tracked {
    fn drop(&mut self) {
        self.live.fetch_sub(1, Ordering::SeqCst);
    }
}

#[test]
fn empty_inputs_give_the_identities() {
    let pool = Pool::new(2).unwrap();
    let empty: Vec<u32> = Vec::new();
    pool.install(|| {
        assert_eq!(empty.par_iter().copied().sum::<u32>(), 0);
        assert_eq!(empty.par_iter().copied().product::<u32>(), 1);
        assert_eq!(empty.par_iter().count(), 0);
        assert_eq!(empty.par_iter().min(), None);
        assert_eq!(empty.par_iter().max_by_key(|x| **x), None);
        assert_eq!(empty.par_iter().copied().reduce(|| 7, |a, b| a + b), 7);
        assert_eq!(empty.par_iter().copied().reduce_with(|a, b| a + b), None);
        assert!(!empty.par_iter().any(|_| true));
        assert!(empty.par_iter().all(|_| false));
        assert_eq!(empty.par_iter().find_any(|_| true), None);
        assert!(empty.par_iter().collect::<Vec<_>>().is_empty());
        assert!(empty
            .par_iter()
            .filter(|_| true)
            .collect::<Vec<_>>()
            .is_empty());
        empty
            .par_iter()
            .for_each(|_| panic!("called on an empty input"));
        assert!((5..5u64).into_par_iter().collect::<Vec<_>>().is_empty());
        let (start, end) = (std::hint::black_box(5i32), 0i32);
        assert!((start..end).into_par_iter().collect::<Vec<_>>().is_empty());
        let mut nothing: Vec<u32> = Vec::new();
        nothing.par_sort();
        nothing.par_sort_unstable();
    });
}

#[test]
fn a_grain_of_zero_is_a_grain_of_one() {
    let pool = Pool::new(2).unwrap();
    for strategy in Strategy::ALL {
        let got: Vec<usize> = pool.install(|| {
            (0..N)
                .into_par_iter()
                .with_strategy(strategy.with_grain(0))
                .collect()
        });
        assert_eq!(got, (0..N).collect::<Vec<_>>());
        let sum: usize = pool.install(|| (0..N).into_par_iter().with_grain(0).sum());
        assert_eq!(sum, (0..N).sum::<usize>());
    }
    assert_eq!(Strategy::Dynamic { grain: 0 }.grain(), 1);
}

#[test]
fn zip_of_unequal_lengths_stops_at_the_shorter_and_drops_the_rest() {
    let pool = Pool::new(2).unwrap();
    let live = Arc::new(AtomicUsize::new(0));
    let long = Tracked::many(N, &live);
    let short: Vec<usize> = (0..N / 3).collect();
    let pairs: Vec<(usize, usize)> = pool.install(|| {
        long.into_par_iter()
            .zip(short.par_iter().copied())
            .map(|(t, s)| (t.id, s))
            .collect()
    });
    assert_eq!(pairs.len(), N / 3);
    assert!(pairs.iter().all(|&(a, b)| a == b));
    assert_eq!(live.load(Ordering::SeqCst), 0, "items leaked");
    assert_eq!(
        pool.install(|| short.par_iter().zip(Vec::<u8>::new()).count()),
        0
    );
}

#[test]
fn a_chunk_size_of_zero_panics_as_in_std() {
    let v = [1, 2, 3];
    let err = catch_unwind(|| v.par_chunks(0).count()).unwrap_err();
    assert_eq!(message(err), "chunk size must be non-zero");
    let mut w = [1, 2, 3];
    assert!(catch_unwind(AssertUnwindSafe(|| w.par_chunks_mut(0).count())).is_err());
}

#[test]
fn a_strategy_name_that_does_not_parse_is_a_typed_error() {
    let err = "fastest".parse::<Strategy>().unwrap_err();
    assert!(matches!(err, ParseStrategyError::UnknownName(ref name) if name == "fastest"));
    assert_eq!(
        err.to_string(),
        "unknown strategy `fastest` (expected static, dynamic, guided or adaptive)"
    );
    assert!(matches!(
        "dynamic:0".parse::<Strategy>(),
        Err(ParseStrategyError::BadGrain(_))
    ));
    assert!(matches!(
        "static:x".parse::<Strategy>(),
        Err(ParseStrategyError::BadGrain(_))
    ));
}

#[test]
fn a_panic_in_any_closure_reaches_the_caller_and_the_pool_stays_usable() {
    let pool = Pool::new(2).unwrap();
    let v: Vec<usize> = (0..N).collect();
    let bad = N / 2;
    type Case<'a> = (&'a str, Box<dyn Fn(Strategy) + Sync + 'a>);
    let cases: Vec<Case<'_>> = vec![
        (
            "map",
            Box::new(|s| {
                let _: Vec<usize> = v
                    .par_iter()
                    .with_strategy(s)
                    .map(|&x| if x == bad { panic!("map") } else { x })
                    .collect();
            }),
        ),
        (
            "filter",
            Box::new(|s| {
                let _ = v
                    .par_iter()
                    .with_strategy(s)
                    .filter(|&&x| if x == bad { panic!("filter") } else { true })
                    .count();
            }),
        ),
        (
            "filter_map",
            Box::new(|s| {
                let _: Vec<usize> = v
                    .par_iter()
                    .with_strategy(s)
                    .filter_map(|&x| {
                        if x == bad {
                            panic!("filter_map")
                        } else {
                            Some(x)
                        }
                    })
                    .collect();
            }),
        ),
        (
            "flat_map",
            Box::new(|s| {
                let _: Vec<usize> = v
                    .par_iter()
                    .with_strategy(s)
                    .flat_map_iter(|&x| {
                        if x == bad {
                            panic!("flat_map")
                        } else {
                            vec![x]
                        }
                    })
                    .collect();
            }),
        ),
        (
            "for_each",
            Box::new(|s| {
                v.par_iter().with_strategy(s).for_each(|&x| {
                    if x == bad {
                        panic!("for_each")
                    }
                })
            }),
        ),
        (
            "reduce",
            Box::new(|s| {
                let _ = v
                    .par_iter()
                    .copied()
                    .with_strategy(s)
                    .reduce(|| 0, |a, b| if b == bad { panic!("reduce") } else { a + b });
            }),
        ),
        (
            "fold",
            Box::new(|s| {
                let _: usize = v
                    .par_iter()
                    .with_strategy(s)
                    .fold(|| 0, |a, &x| if x == bad { panic!("fold") } else { a + x })
                    .sum();
            }),
        ),
        (
            "any",
            Box::new(|s| {
                let _ =
                    v.par_iter()
                        .with_strategy(s)
                        .any(|&x| if x == bad { panic!("any") } else { false });
            }),
        ),
        (
            "min_by_key",
            Box::new(|s| {
                let _ = v.par_iter().with_strategy(s).min_by_key(|&&x| {
                    if x == bad {
                        panic!("min_by_key")
                    } else {
                        x
                    }
                });
            }),
        ),
        (
            "sort",
            Box::new(|_| {
                let mut w: Vec<usize> = v.iter().rev().copied().collect();
                w.par_sort_by(|a, b| if *a == bad { panic!("sort") } else { a.cmp(b) });
            }),
        ),
        (
            "sort_unstable",
            Box::new(|_| {
                let mut w: Vec<usize> = v.iter().rev().copied().collect();
                w.par_sort_unstable_by(|a, b| {
                    if *a == bad {
                        panic!("sort_unstable")
                    } else {
                        a.cmp(b)
                    }
                });
            }),
        ),
    ];
    // Under Miri (slow), the default strategy only.
    let strategies: &[Strategy] = if cfg!(miri) {
        &[Strategy::ADAPTIVE]
    } else {
        &Strategy::ALL
    };
    for &strategy in strategies {
        for (name, case) in &cases {
            let err =
                catch_unwind(AssertUnwindSafe(|| pool.install(|| case(strategy)))).expect_err(name);
            assert_eq!(&message(err), name, "{strategy}");
            still_usable(&pool);
        }
    }
}

#[test]
fn a_panic_mid_collect_drops_every_item_exactly_once() {
    let pool = Pool::new(2).unwrap();
    for strategy in Strategy::ALL {
        let live = Arc::new(AtomicUsize::new(0));
        let items = Tracked::many(N, &live);
        let result = catch_unwind(AssertUnwindSafe(|| {
            pool.install(|| {
                items
                    .into_par_iter()
                    .with_strategy(strategy)
                    .map(|t| {
                        if t.id == N / 3 {
                            panic!("mid-collect")
                        } else {
                            t
                        }
                    })
                    .collect::<Vec<_>>()
            })
        }));
        assert!(result.is_err());
        assert_eq!(live.load(Ordering::SeqCst), 0, "{strategy}: items leaked");
        still_usable(&pool);
    }
}

#[test]
fn an_early_exit_drops_the_items_it_did_not_reach() {
    let pool = Pool::new(2).unwrap();
    let live = Arc::new(AtomicUsize::new(0));
    let items = Tracked::many(N, &live);
    let found = pool.install(|| items.into_par_iter().find_any(|t| t.id % 7 == 3));
    assert_eq!(found.as_ref().map(|t| t.id % 7), Some(3));
    drop(found);
    assert_eq!(live.load(Ordering::SeqCst), 0);
}

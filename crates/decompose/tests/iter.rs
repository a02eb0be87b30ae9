//! Property tests: every adaptor and consumer of the parallel iterators
//! gives what `std`'s sequential iterator gives, for any input, strategy,
//! grain and thread count.

use std::num::Wrapping;

use proptest::prelude::*;

use cvp_decompose::prelude::*;
use cvp_decompose::{Pool, Strategy as Split};

fn config() -> ProptestConfig {
    ProptestConfig {
        cases: if cfg!(miri) { 2 } else { 40 },
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

const MAX_LEN: usize = if cfg!(miri) { 40 } else { 3000 };

fn split() -> impl Strategy<Value = Split> {
    (0..4usize, 1..64usize).prop_map(|(i, grain)| Split::ALL[i].with_grain(grain))
}

fn input() -> impl Strategy<Value = Vec<u32>> {
    prop::collection::vec(0..1000u32, 0..MAX_LEN)
}

/// A pool and a strategy for one case.
fn setup() -> impl Strategy<Value = (Pool, Split)> {
    (1..4usize, split()).prop_map(|(threads, split)| (Pool::new(threads).unwrap(), split))
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn map_collect_keeps_order(v in input(), (pool, s) in setup()) {
        let got: Vec<u64> = pool.install(|| v.par_iter().with_strategy(s).map(|&x| x as u64 * 3).collect());
        let want: Vec<u64> = v.iter().map(|&x| x as u64 * 3).collect();
        prop_assert_eq!(got, want);
    }

    #[test]
    fn filter_collect_keeps_order(v in input(), (pool, s) in setup()) {
        let got: Vec<u32> = pool.install(|| v.par_iter().with_strategy(s).copied().filter(|x| x % 3 == 0).collect());
        let want: Vec<u32> = v.iter().copied().filter(|x| x % 3 == 0).collect();
        prop_assert_eq!(got, want);
    }

    #[test]
    fn filter_map_is_sequential(v in input(), (pool, s) in setup()) {
        let f = |x: &u32| (x % 4 != 1).then(|| x.to_string());
        let got: Vec<String> = pool.install(|| v.par_iter().with_strategy(s).filter_map(f).collect());
        let want: Vec<String> = v.iter().filter_map(f).collect();
        prop_assert_eq!(got, want);
    }

    #[test]
    fn flat_map_is_sequential(v in input(), (pool, s) in setup()) {
        let got: Vec<u32> = pool.install(|| {
            v.par_iter().with_strategy(s).flat_map(|&x| (0..x % 5).into_par_iter().map(move |k| x + k)).collect()
        });
        let want: Vec<u32> = v.iter().flat_map(|&x| (0..x % 5).map(move |k| x + k)).collect();
        prop_assert_eq!(got, want);
    }

    #[test]
    fn flat_map_iter_is_sequential(v in input(), (pool, s) in setup()) {
        let got: Vec<u32> = pool.install(|| v.par_iter().with_strategy(s).flat_map_iter(|&x| vec![x; (x % 3) as usize]).collect());
        let want: Vec<u32> = v.iter().flat_map(|&x| vec![x; (x % 3) as usize]).collect();
        prop_assert_eq!(got, want);
    }

    #[test]
    fn enumerate_is_sequential(v in input(), (pool, s) in setup()) {
        let got: Vec<(usize, u32)> = pool.install(|| v.par_iter().copied().enumerate().with_strategy(s).collect());
        let want: Vec<(usize, u32)> = v.iter().copied().enumerate().collect();
        prop_assert_eq!(got, want);
    }

    #[test]
    fn zip_stops_at_the_shorter(a in input(), b in input(), (pool, s) in setup()) {
        let got: Vec<(u32, u32)> = pool.install(|| a.par_iter().copied().zip(b.par_iter().copied()).with_strategy(s).collect());
        let want: Vec<(u32, u32)> = a.iter().copied().zip(b.iter().copied()).collect();
        prop_assert_eq!(got, want);
    }

    #[test]
    fn cloned_and_owned_items_move_in_order(v in input(), (pool, s) in setup()) {
        let strings: Vec<String> = v.iter().map(|x| x.to_string()).collect();
        let cloned: Vec<String> = pool.install(|| strings.par_iter().cloned().with_strategy(s).collect());
        prop_assert_eq!(&cloned, &strings);
        let moved: Vec<String> = pool.install(|| strings.clone().into_par_iter().with_strategy(s).map(|x| x + "!").collect());
        let want: Vec<String> = strings.into_iter().map(|x| x + "!").collect();
        prop_assert_eq!(moved, want);
    }

    #[test]
    fn par_iter_mut_touches_every_item_once(mut v in input(), (pool, s) in setup()) {
        let want: Vec<u32> = v.iter().map(|x| x * 2 + 1).collect();
        pool.install(|| v.par_iter_mut().with_strategy(s).for_each(|x| *x = *x * 2 + 1));
        prop_assert_eq!(v, want);
    }

    #[test]
    fn chunks_are_sequential(v in input(), size in 1..50usize, (pool, s) in setup()) {
        let got: Vec<u32> = pool.install(|| v.par_chunks(size).with_strategy(s).map(|c| c.iter().sum::<u32>()).collect());
        let want: Vec<u32> = v.chunks(size).map(|c| c.iter().sum::<u32>()).collect();
        prop_assert_eq!(got, want);
        let mut w = v.clone();
        pool.install(|| w.par_chunks_mut(size).enumerate().with_strategy(s).for_each(|(i, c)| c.iter_mut().for_each(|x| *x += i as u32)));
        let mut want = v.clone();
        want.chunks_mut(size).enumerate().for_each(|(i, c)| c.iter_mut().for_each(|x| *x += i as u32));
        prop_assert_eq!(w, want);
    }

    #[test]
    fn ranges_of_every_width(start in -500i64..500, len in 0..MAX_LEN as i64, (pool, s) in setup()) {
        let range = start..start + len;
        let got: i64 = pool.install(|| range.clone().into_par_iter().with_strategy(s).sum());
        prop_assert_eq!(got, range.clone().sum::<i64>());
        let r32 = start as i32..(start + len) as i32;
        let got: Vec<i32> = pool.install(|| r32.clone().into_par_iter().with_strategy(s).collect());
        prop_assert_eq!(got, r32.collect::<Vec<_>>());
        let ru = 0..len as u64;
        let got: u64 = pool.install(|| ru.clone().into_par_iter().with_strategy(s).map(|x| x * x).sum());
        prop_assert_eq!(got, ru.map(|x| x * x).sum::<u64>());
    }

    #[test]
    fn sum_product_count(v in input(), (pool, s) in setup()) {
        let sum: u64 = pool.install(|| v.par_iter().with_strategy(s).map(|&x| x as u64).sum());
        prop_assert_eq!(sum, v.iter().map(|&x| x as u64).sum::<u64>());
        let product: Wrapping<u64> = pool.install(|| v.par_iter().with_strategy(s).map(|&x| Wrapping(x as u64 | 1)).product());
        prop_assert_eq!(product, v.iter().map(|&x| Wrapping(x as u64 | 1)).product::<Wrapping<u64>>());
        let count = pool.install(|| v.par_iter().with_strategy(s).filter(|&&x| x > 500).count());
        prop_assert_eq!(count, v.iter().filter(|&&x| x > 500).count());
    }

    #[test]
    fn reduce_and_fold_are_sequential(v in input(), (pool, s) in setup()) {
        // String concatenation is associative but not commutative: order
        // matters.
        let text = |x: &u32| format!("{x},");
        let got = pool.install(|| v.par_iter().with_strategy(s).map(text).reduce(String::new, |a, b| a + &b));
        let want: String = v.iter().map(text).collect();
        prop_assert_eq!(&got, &want);
        let got = pool.install(|| v.par_iter().with_strategy(s).map(text).reduce_with(|a, b| a + &b));
        prop_assert_eq!(got, v.iter().map(text).reduce(|a, b| a + &b));
        let got = pool.install(|| {
            v.par_iter().with_strategy(s).fold(String::new, |acc, x| acc + &text(x)).reduce(String::new, |a, b| a + &b)
        });
        prop_assert_eq!(got, want);
        let sums: u64 = pool.install(|| v.par_iter().with_strategy(s).fold(|| 0u64, |acc, &x| acc + x as u64).sum());
        prop_assert_eq!(sums, v.iter().map(|&x| x as u64).sum::<u64>());
    }

    #[test]
    fn min_and_max_pick_the_same_item_as_std(v in input(), (pool, s) in setup()) {
        // Keys repeat, so which of the equals is picked shows.
        let pairs: Vec<(u32, usize)> = v.iter().enumerate().map(|(i, &x)| (x % 7, i)).collect();
        let key = |p: &&(u32, usize)| p.0;
        prop_assert_eq!(pool.install(|| pairs.par_iter().with_strategy(s).min_by_key(key)), pairs.iter().min_by_key(key));
        prop_assert_eq!(pool.install(|| pairs.par_iter().with_strategy(s).max_by_key(key)), pairs.iter().max_by_key(key));
        let cmp = |a: &&(u32, usize), b: &&(u32, usize)| a.0.cmp(&b.0);
        prop_assert_eq!(pool.install(|| pairs.par_iter().with_strategy(s).min_by(cmp)), pairs.iter().min_by(cmp));
        prop_assert_eq!(pool.install(|| pairs.par_iter().with_strategy(s).max_by(cmp)), pairs.iter().max_by(cmp));
        prop_assert_eq!(pool.install(|| v.par_iter().with_strategy(s).min()), v.iter().min());
        prop_assert_eq!(pool.install(|| v.par_iter().with_strategy(s).max()), v.iter().max());
    }

    #[test]
    fn any_all_find_any_agree_with_std(v in input(), needle in 0..1000u32, (pool, s) in setup()) {
        prop_assert_eq!(pool.install(|| v.par_iter().with_strategy(s).any(|&x| x == needle)), v.contains(&needle));
        prop_assert_eq!(pool.install(|| v.par_iter().with_strategy(s).all(|&x| x != needle)), v.iter().all(|&x| x != needle));
        let found = pool.install(|| v.par_iter().with_strategy(s).find_any(|&&x| x % 100 == needle % 100));
        match found {
            Some(&x) => prop_assert_eq!(x % 100, needle % 100),
            None => prop_assert!(!v.iter().any(|&x| x % 100 == needle % 100)),
        }
    }

    #[test]
    fn collect_into_vec_reuses_the_target(v in input(), (pool, s) in setup()) {
        let mut target = vec![7u64; 5];
        pool.install(|| v.par_iter().map(|&x| x as u64).with_strategy(s).collect_into_vec(&mut target));
        prop_assert_eq!(target, v.iter().map(|&x| x as u64).collect::<Vec<_>>());
    }

    #[test]
    fn the_grain_bounds_every_piece(len in 0..MAX_LEN, grain in 1..200usize, threads in 1..4usize) {
        let pool = Pool::new(threads).unwrap();
        let pieces: Vec<usize> = pool.install(|| {
            (0..len).into_par_iter().with_strategy(Split::ADAPTIVE).with_grain(grain).fold(|| 0usize, |n, _| n + 1).collect()
        });
        prop_assert_eq!(pieces.iter().sum::<usize>(), len);
        if len >= grain {
            prop_assert!(pieces.iter().all(|&n| n >= grain), "{pieces:?}");
        }
    }
}

#[test]
fn sort_matches_std_on_every_shape() {
    let pool = Pool::new(2).unwrap();
    let n = if cfg!(miri) { 200 } else { 100_000 };
    let mut seed = 0x2545_F491_4F6C_DD1Du64;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    let random: Vec<u64> = (0..n).map(|_| next() % 1000).collect();
    let shapes: Vec<Vec<u64>> = vec![
        random.clone(),
        (0..n as u64).collect(),
        (0..n as u64).rev().collect(),
        vec![5; n],
        Vec::new(),
        vec![1],
    ];
    for shape in shapes {
        let mut want = shape.clone();
        want.sort_unstable();
        let mut got = shape.clone();
        pool.install(|| got.par_sort_unstable());
        assert_eq!(got, want);
        let mut got = shape.clone();
        pool.install(|| got.par_sort());
        assert_eq!(got, want);
        // Stability: equal keys keep their original order.
        let pairs: Vec<(u64, usize)> = shape
            .iter()
            .enumerate()
            .map(|(i, &x)| (x % 10, i))
            .collect();
        let mut want = pairs.clone();
        want.sort_by_key(|p| p.0);
        let mut got = pairs.clone();
        pool.install(|| got.par_sort_by_key(|p| p.0));
        assert_eq!(got, want);
        let mut got = pairs.clone();
        pool.install(|| got.par_sort_by(|a, b| b.0.cmp(&a.0)));
        want.sort_by_key(|p| std::cmp::Reverse(p.0));
        assert_eq!(got, want);
        let mut got = pairs.clone();
        pool.install(|| got.par_sort_unstable_by_key(|p| p.1));
        assert_eq!(got, pairs);
        let mut got = pairs.clone();
        pool.install(|| got.par_sort_unstable_by(|a, b| b.1.cmp(&a.1)));
        assert_eq!(got, pairs.iter().rev().copied().collect::<Vec<_>>());
    }
}

#[test]
fn free_use_runs_on_the_global_pool() {
    let v: Vec<u32> = (0..10_000).collect();
    let sum: u64 = v.par_iter().map(|&x| x as u64).sum();
    assert_eq!(sum, 49_995_000);
}

/// Long enough for the adaptive strategy's probe to run in several steps
/// and for its cuts to be rounded to whole cache lines.
const LONG_LEN: usize = if cfg!(miri) { 50 } else { 1 << 21 };

proptest! {
    #![proptest_config(ProptestConfig { cases: if cfg!(miri) { 1 } else { 12 }, ..config() })]

    #[test]
    fn long_jobs_are_cut_into_pieces_of_at_least_the_grain(
        len in 0..LONG_LEN,
        grain in prop_oneof![Just(1usize), 1..5000usize],
        threads in 1..4usize,
    ) {
        let pool = Pool::new(threads).unwrap();
        let pieces: Vec<usize> = pool.install(|| {
            (0..len).into_par_iter().with_grain(grain).fold(|| 0usize, |n, _| n + 1).collect()
        });
        prop_assert_eq!(pieces.iter().sum::<usize>(), len);
        if len >= grain {
            prop_assert!(pieces.iter().all(|&n| n >= grain), "{pieces:?}");
        }
    }

    #[test]
    fn long_collects_and_sums_are_sequential(len in 0..LONG_LEN, (pool, s) in setup()) {
        let v: Vec<u64> = (0..len as u64).collect();
        let got: Vec<u64> = pool.install(|| v.par_iter().map(|&x| x * 3).with_strategy(s).collect());
        prop_assert!(got.iter().enumerate().all(|(i, &x)| x == 3 * i as u64));
        prop_assert_eq!(got.len(), len);
        let sum: u64 = pool.install(|| v.par_iter().with_strategy(s).sum());
        prop_assert_eq!(sum, v.iter().sum::<u64>());
        let count = pool.install(|| v.par_iter().with_strategy(s).filter(|&&x| x % 3 == 0).count());
        prop_assert_eq!(count, len.div_ceil(3));
    }
}

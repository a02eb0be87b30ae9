//! Property tests: any size, grain, strategy and thread count gives the
//! sequential answer.

use proptest::prelude::*;

use cvp_decompose::{join, Pool, Strategy as Split};

fn config() -> ProptestConfig {
    ProptestConfig {
        cases: if cfg!(miri) { 3 } else { 48 },
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

fn split() -> impl Strategy<Value = Split> {
    (0..4usize, 1..64usize).prop_map(|(i, grain)| Split::ALL[i].with_grain(grain))
}

#[test]
fn map_reduce_of_three_items_counts_three() {
    let pool = Pool::new(2).unwrap();
    assert_eq!(
        pool.map_reduce(3, Split::STATIC, |r| r.len(), |a, b| a + b),
        3
    );
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn map_reduce_is_sequential(
        start in 0..100usize,
        len in 0..if cfg!(miri) { 50usize } else { 5000 },
        strategy in split(),
        threads in 1..5usize,
    ) {
        let pool = Pool::new(threads).unwrap();
        let range = start..start + len;
        // Non-commutative but associative: the list of leaf ranges, and a
        // checksum that depends on order.
        let (leaves, hash) = pool.map_reduce(
            range.clone(),
            strategy,
            |r| (vec![r.clone()], r.fold(0u64, |h, i| h.wrapping_mul(31).wrapping_add(i as u64))),
            |(mut la, ha), (lb, hb)| {
                let shift = lb.iter().map(|r| r.len()).sum::<usize>();
                la.extend(lb);
                (la, ha.wrapping_mul(31u64.wrapping_pow(shift as u32)).wrapping_add(hb))
            },
        );
        let expected = range.clone().fold(0u64, |h, i| h.wrapping_mul(31).wrapping_add(i as u64));
        prop_assert_eq!(hash, expected);
        prop_assert_eq!(leaves.first().unwrap().start, range.start);
        prop_assert_eq!(leaves.last().unwrap().end, range.end);
        prop_assert!(leaves.windows(2).all(|w| w[0].end == w[1].start));
        if len > 0 {
            prop_assert!(leaves.iter().all(|r| !r.is_empty()));
        }
    }

    #[test]
    fn join_tree_is_sequential(
        data in proptest::collection::vec(any::<u32>(), 0..if cfg!(miri) { 40usize } else { 2000 }),
        cutoff in 1..32usize,
        threads in 1..5usize,
    ) {
        fn total(v: &[u32], cutoff: usize) -> u64 {
            if v.len() <= cutoff {
                return v.iter().map(|&x| u64::from(x)).sum();
            }
            let (l, r) = v.split_at(v.len() / 2);
            let (a, b) = join(|| total(l, cutoff), || total(r, cutoff));
            a + b
        }
        let pool = Pool::new(threads).unwrap();
        let expected: u64 = data.iter().map(|&x| u64::from(x)).sum();
        prop_assert_eq!(pool.install(|| total(&data, cutoff)), expected);
    }
}

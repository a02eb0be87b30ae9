//! `map_reduce` splits: any grain gives the answer of one whole leaf.

use cvp_workloads::{chunks, Exec, Sequential};
use proptest::prelude::*;

#[test]
fn sequential_map_reduce_of_nothing_and_join_of_two() {
    assert_eq!(Sequential.map_reduce(0, 4, |r| r.len(), |a, b| a + b), 0);
    assert_eq!(Sequential.join(|| 1, || 2), (1, 2));
}

proptest! {
    #[test]
    fn any_grain_gives_the_sequential_answer(len in 1usize..2_000, grain_frac in 0.0f64..=1.0) {
        let grain = ((len as f64 * grain_frac) as usize).clamp(1, len);
        let leaf = |r: std::ops::Range<usize>| r.map(|i| (i as u64).wrapping_mul(2_654_435_761)).collect::<Vec<_>>();
        let whole = leaf(0..len);
        let split = Sequential.map_reduce(len, grain, leaf, |mut a, b| { a.extend(b); a });
        prop_assert_eq!(split, whole);
    }

    #[test]
    fn chunks_cover_the_range_in_order(len in 0usize..500, grain in 0usize..600) {
        let parts: Vec<_> = chunks(len, grain).collect();
        let flat: Vec<usize> = parts.iter().cloned().flatten().collect();
        prop_assert_eq!(flat, (0..len).collect::<Vec<_>>());
        prop_assert!(parts.iter().all(|r| !r.is_empty() && r.len() <= grain.max(1)));
    }
}

//! cvp-decompose for the `decompose` and `hybrid` models: jobs on its
//! work-stealing pool.

use std::ops::Range;

use cvp_decompose::{Pool, Strategy};
use cvp_workloads::Exec;

/// The [`Exec`] of the pool: `map_reduce` with the adaptive strategy (the
/// job's grain as its minimum chunk), `join` as the pool's work-first join.
#[derive(Debug)]
pub(crate) struct DecomposeExec<'p>(pub(crate) &'p Pool);

impl Exec for DecomposeExec<'_> {
    fn parallelism(&self) -> usize {
        self.0.num_threads()
    }

    fn map_reduce<T, L, C>(&self, len: usize, grain: usize, leaf: L, combine: C) -> T
    where
        T: Send,
        L: Fn(Range<usize>) -> T + Sync,
        C: Fn(T, T) -> T + Sync,
    {
        self.0.map_reduce(
            0..len,
            Strategy::ADAPTIVE.with_grain(grain.max(1)),
            leaf,
            combine,
        )
    }

    fn join<A, B, RA, RB>(&self, a: A, b: B) -> (RA, RB)
    where
        A: FnOnce() -> RA + Send,
        B: FnOnce() -> RB + Send,
        RA: Send,
        RB: Send,
    {
        self.0.join(a, b)
    }
}

/// Builds a pool of `threads` workers named `prefix-N`.
pub(crate) fn pool(threads: usize, prefix: &'static str) -> Result<Pool, crate::Error> {
    Pool::builder()
        .num_threads(threads)
        .thread_name(move |i| format!("{prefix}-{i}"))
        .build()
        .map_err(|e| crate::Error::Run(e.to_string()))
}

//! The job capability: what a model must offer to run a data-shaped job.

use std::ops::Range;

use crate::Slots;

/// The capability every execution model implements so that a data-shaped job
/// can run on it without naming it.
///
/// A job is written once, generic over `E: Exec`, and calls only these two
/// operations. A model decides where the pieces run: one after another, as
/// tasks on one thread, or on several cores.
///
/// # Contract
///
/// * [`map_reduce`](Exec::map_reduce) calls `leaf` on contiguous, non-empty
///   ranges that together cover `0..len` exactly once, and folds their results
///   with `combine(left, right)` keeping the order of the ranges, so any
///   associative `combine` gives the same answer as one call `leaf(0..len)`.
///   `grain` is a hint: a range of at most `grain` items is not split further.
///   When `len == 0` it returns `leaf(0..0)`.
/// * [`join`](Exec::join) runs both closures, possibly at the same time, and
///   returns both results. A panic in either one is resumed in the caller
///   after both have finished.
pub trait Exec: Sync {
    /// How many cores this executor may run leaves on at once.
    fn parallelism(&self) -> usize;

    /// Splits `0..len` into ranges, runs `leaf` on each and folds the results
    /// in order with `combine`.
    fn map_reduce<T, L, C>(&self, len: usize, grain: usize, leaf: L, combine: C) -> T
    where
        T: Send,
        L: Fn(Range<usize>) -> T + Sync,
        C: Fn(T, T) -> T + Sync;

    /// [`map_reduce`](Exec::map_reduce) of a job run as a `dyn` program:
    /// `leaf` and `combine` return indices into `slots`, which holds the
    /// values behind them.
    ///
    /// An executor whose workers share memory needs nothing more than the
    /// indices, and the default runs `map_reduce` on them. One whose workers
    /// do not (processes) overrides this to send the values themselves:
    /// it reads a value through [`Slots::with_value`], and an index that it
    /// gets from [`Slots::put_with`] for a value it received may be passed
    /// to `combine` like one that a leaf returned. The contract is that of
    /// `map_reduce`, on the values.
    fn map_reduce_slots(
        &self,
        len: usize,
        grain: usize,
        leaf: &(dyn Fn(Range<usize>) -> usize + Sync),
        combine: &(dyn Fn(usize, usize) -> usize + Sync),
        slots: &dyn Slots,
    ) -> usize {
        let _ = slots;
        self.map_reduce(len, grain, leaf, combine)
    }

    /// Runs `a` and `b`, possibly in parallel, and returns both results.
    fn join<A, B, RA, RB>(&self, a: A, b: B) -> (RA, RB)
    where
        A: FnOnce() -> RA + Send,
        B: FnOnce() -> RB + Send,
        RA: Send,
        RB: Send;
}

/// The trivial [`Exec`]: everything on the calling thread, in order.
///
/// `map_reduce` walks `0..len` in chunks of `grain` and folds them left to
/// right; `join` runs `a` then `b`. It is the reference every other model is
/// checked against.
///
/// ```
/// use cvp_workloads::{Exec, Sequential};
/// let sum = Sequential.map_reduce(10, 3, |r| r.sum::<usize>(), |a, b| a + b);
/// assert_eq!(sum, 45);
/// ```
#[derive(Debug, Clone, Copy, Default)]
pub struct Sequential;

impl Exec for Sequential {
    fn parallelism(&self) -> usize {
        1
    }

    fn map_reduce<T, L, C>(&self, len: usize, grain: usize, leaf: L, combine: C) -> T
    where
        T: Send,
        L: Fn(Range<usize>) -> T + Sync,
        C: Fn(T, T) -> T + Sync,
    {
        let mut ranges = chunks(len, grain);
        let first = ranges.next().unwrap_or(0..0);
        ranges.fold(leaf(first), |acc, r| combine(acc, leaf(r)))
    }

    fn join<A, B, RA, RB>(&self, a: A, b: B) -> (RA, RB)
    where
        A: FnOnce() -> RA + Send,
        B: FnOnce() -> RB + Send,
        RA: Send,
        RB: Send,
    {
        let ra = a();
        (ra, b())
    }
}

/// Splits `0..len` into consecutive ranges of `grain` items (the last one may
/// be shorter). A `grain` of zero is taken as one.
///
/// ```
/// let parts: Vec<_> = cvp_workloads::chunks(7, 3).collect();
/// assert_eq!(parts, vec![0..3, 3..6, 6..7]);
/// ```
pub fn chunks(len: usize, grain: usize) -> impl Iterator<Item = Range<usize>> {
    let grain = grain.max(1);
    (0..len.div_ceil(grain)).map(move |i| i * grain..((i + 1) * grain).min(len))
}

//! `map_reduce` over an index range, and `for_each_chunk_mut` over a slice.

use std::ops::Range;
use std::sync::Arc;

use crate::bridge::{bridge, on_worker, run_leaf, Plan};
use crate::iter::plumbing::Producer;
use crate::join::join_context;
use crate::pool::with_registry;
use crate::registry::{Registry, WorkerThread};
use crate::strategy::{Splitter, Strategy};

/// Something that names an index range: a `usize` length (`0..len`) or a
/// `Range<usize>`.
pub trait IndexRange {
    /// The range.
    fn into_index_range(self) -> Range<usize>;
}

impl IndexRange for usize {
    fn into_index_range(self) -> Range<usize> {
        0..self
    }
}

impl IndexRange for Range<usize> {
    fn into_index_range(self) -> Range<usize> {
        self
    }
}

/// Maps `leaf` over chunks of `range` and folds the results with `combine`,
/// on the current pool (or the global one).
///
/// The contract: `leaf` is called on contiguous, non-empty ranges that cover
/// `range` exactly once, and the results are combined in range order, so
/// any associative `combine` gives the sequential answer. An empty range
/// calls `leaf` once, on that empty range. How the range is cut is the
/// `strategy`'s business ([`Strategy`]). If `leaf` or `combine` panics, the
/// panic reaches the caller after the other chunks in flight have finished.
///
/// ```
/// use cvp_decompose::{map_reduce, Strategy};
/// let sum = map_reduce(0..1000, Strategy::default(), |r| r.sum::<usize>(), |a, b| a + b);
/// assert_eq!(sum, 499_500);
/// let text = map_reduce(5, Strategy::Dynamic { grain: 2 }, |r| format!("{r:?}"), |a, b| a + &b);
/// assert_eq!(text, "0..22..44..5");
/// ```
pub fn map_reduce<T, L, C>(range: impl IndexRange, strategy: Strategy, leaf: L, combine: C) -> T
where
    T: Send,
    L: Fn(Range<usize>) -> T + Sync,
    C: Fn(T, T) -> T + Sync,
{
    let range = range.into_index_range();
    with_registry(|registry| map_reduce_in(registry, range, strategy, &leaf, &combine))
}

/// An index range as a producer: splitting it is arithmetic.
struct Indices(Range<usize>);

impl Producer for Indices {
    type Item = usize;
    type IntoIter = Range<usize>;

    fn into_iter(self) -> Range<usize> {
        self.0
    }

    fn len(&self) -> usize {
        self.0.len()
    }

    fn split_at(self, index: usize) -> (Self, Self) {
        let mid = self.0.start + index;
        (Indices(self.0.start..mid), Indices(mid..self.0.end))
    }
}

/// `map_reduce` on `registry`.
pub(crate) fn map_reduce_in<T, L, C>(
    registry: &Arc<Registry>,
    range: Range<usize>,
    strategy: Strategy,
    leaf: &L,
    combine: &C,
) -> T
where
    T: Send,
    L: Fn(Range<usize>) -> T + Sync,
    C: Fn(T, T) -> T + Sync,
{
    let plan = Plan {
        registry,
        strategy,
        base: range.start,
    };
    bridge(
        &plan,
        Indices(range),
        &|_, indices: Indices| leaf(indices.0),
        combine,
    )
}

/// Calls `f` on each `chunk_len`-long chunk of `slice` (the last may be
/// shorter) with the chunk's start index, in parallel on the current pool
/// (or the global one). Splits adaptively, like [`Strategy::Adaptive`] with
/// whole chunks as the unit. A `chunk_len` of 0 is taken as 1.
///
/// ```
/// let mut rows = vec![0u32; 10];
/// cvp_decompose::for_each_chunk_mut(&mut rows, 3, |start, chunk| {
///     for (i, x) in chunk.iter_mut().enumerate() {
///         *x = (start + i) as u32;
///     }
/// });
/// assert_eq!(rows, (0..10).collect::<Vec<u32>>());
/// ```
pub fn for_each_chunk_mut<T, F>(slice: &mut [T], chunk_len: usize, f: F)
where
    T: Send,
    F: Fn(usize, &mut [T]) + Sync,
{
    with_registry(|registry| for_each_chunk_mut_in(registry, slice, chunk_len, &f));
}

/// `for_each_chunk_mut` on `registry`.
pub(crate) fn for_each_chunk_mut_in<T, F>(
    registry: &Arc<Registry>,
    slice: &mut [T],
    chunk_len: usize,
    f: &F,
) where
    T: Send,
    F: Fn(usize, &mut [T]) + Sync,
{
    if slice.is_empty() {
        return;
    }
    let chunk_len = chunk_len.max(1);
    let threads = registry.num_threads();
    registry.in_worker(|worker| {
        split_chunks(
            worker,
            slice,
            0,
            chunk_len,
            Splitter::new(threads),
            false,
            f,
        )
    });
}

fn split_chunks<T, F>(
    worker: &WorkerThread,
    slice: &mut [T],
    offset: usize,
    chunk_len: usize,
    mut splitter: Splitter,
    migrated: bool,
    f: &F,
) where
    T: Send,
    F: Fn(usize, &mut [T]) + Sync,
{
    let chunks = slice.len().div_ceil(chunk_len);
    if chunks >= 2 && splitter.try_split(migrated) {
        let mid = chunks / 2 * chunk_len;
        let (left, right) = slice.split_at_mut(mid);
        join_context(
            worker,
            || split_chunks(worker, left, offset, chunk_len, splitter, false, f),
            |migrated| {
                WorkerThread::with_current(|w| {
                    split_chunks(
                        on_worker(w),
                        right,
                        offset + mid,
                        chunk_len,
                        splitter,
                        migrated,
                        f,
                    )
                })
            },
        );
    } else {
        let range = offset..offset + slice.len();
        run_leaf(worker.registry(), range, || {
            for (i, chunk) in slice.chunks_mut(chunk_len).enumerate() {
                f(offset + i * chunk_len, chunk);
            }
        });
    }
}

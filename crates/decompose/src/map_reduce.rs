//! `map_reduce` over an index range, and `for_each_chunk_mut` over a slice.

use std::ops::Range;
use std::sync::atomic::AtomicUsize;
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::join::join_context;
use crate::pool::with_registry;
use crate::registry::{Registry, WorkerThread};
use crate::strategy::{static_blocks, Splitter, Strategy};

/// The adaptive strategy's probe is `1 / (PROBE_DIVISOR * threads)` of the
/// range (but at least `min_len`). It runs on the caller while the other
/// workers wait, so it adds about `1 / PROBE_DIVISOR` to the time of a big
/// job's parallel run, whatever the thread count. A probe of a fixed
/// fraction of the range would cost more as threads are added: with
/// `1 / 64` it added a quarter to the 16-thread time of an even-cost job.
const PROBE_DIVISOR: usize = 64;

/// Below this predicted total, the adaptive strategy runs the whole job on
/// the calling thread: about what waking a parked worker and handing it work
/// costs on a shared VM, so going parallel could not pay off.
const SEQUENTIAL_CUTOFF: Duration = Duration::from_micros(20);

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
    if range.is_empty() {
        return leaf(range);
    }
    let threads = registry.num_threads();
    match strategy {
        Strategy::Adaptive { .. } => adaptive(registry, range, strategy.grain(), leaf, combine),
        Strategy::Static { .. } => {
            let blocks = static_blocks(range, strategy.grain(), threads);
            registry.in_worker(|worker| reduce_blocks(worker, &blocks, leaf, combine))
        }
        Strategy::Dynamic { .. } | Strategy::Guided { .. } => registry.in_worker(|worker| {
            let next = AtomicUsize::new(0);
            let start = range.start;
            let len = range.len();
            let participant = || {
                let mut results = Vec::new();
                while let Some(chunk) = strategy.grab(&next, len, threads) {
                    let chunk = start + chunk.start..start + chunk.end;
                    let chunk_start = chunk.start;
                    results.push((chunk_start, run_leaf(registry, chunk, leaf)));
                }
                results
            };
            let mut results = participants(worker, threads, &participant);
            results.sort_unstable_by_key(|(start, _)| *start);
            results
                .into_iter()
                .map(|(_, value)| value)
                .reduce(combine)
                .expect("a non-empty range has at least one chunk")
        }),
    }
}

/// Runs `count` copies of `participant`, each offered to thieves, and
/// concatenates what they return.
fn participants<T, P>(worker: &WorkerThread, count: usize, participant: &P) -> Vec<(usize, T)>
where
    T: Send,
    P: Fn() -> Vec<(usize, T)> + Sync,
{
    if count <= 1 {
        return participant();
    }
    let half = count / 2;
    let (mut left, right) = join_context(
        worker,
        || participants(worker, half, participant),
        |_| WorkerThread::with_current(|w| participants(on_worker(w), count - half, participant)),
    );
    left.extend(right);
    left
}

/// Runs `blocks` (one job each, as a balanced tree of joins) and folds them
/// in order.
fn reduce_blocks<T, L, C>(
    worker: &WorkerThread,
    blocks: &[Range<usize>],
    leaf: &L,
    combine: &C,
) -> T
where
    T: Send,
    L: Fn(Range<usize>) -> T + Sync,
    C: Fn(T, T) -> T + Sync,
{
    if let [block] = blocks {
        return run_leaf(worker.registry(), block.clone(), leaf);
    }
    let (left, right) = blocks.split_at(blocks.len() / 2);
    let (a, b) = join_context(
        worker,
        || reduce_blocks(worker, left, leaf, combine),
        |_| WorkerThread::with_current(|w| reduce_blocks(on_worker(w), right, leaf, combine)),
    );
    combine(a, b)
}

/// The adaptive strategy: probe on the caller, then stay sequential or
/// split recursively on the pool.
fn adaptive<T, L, C>(
    registry: &Arc<Registry>,
    range: Range<usize>,
    min_len: usize,
    leaf: &L,
    combine: &C,
) -> T
where
    T: Send,
    L: Fn(Range<usize>) -> T + Sync,
    C: Fn(T, T) -> T + Sync,
{
    let len = range.len();
    if len < 2 * min_len {
        // Cannot be split: no thread could help.
        return run_leaf(registry, range, leaf);
    }
    let threads = registry.num_threads();
    let probe_len = (len / PROBE_DIVISOR.saturating_mul(threads)).max(min_len);
    let mut first = None;
    let mut rest = range;
    if probe_len * 8 <= len {
        // Probe: time a first chunk here and extrapolate. A job predicted to
        // be cheaper than a hand-off runs to the end on this thread.
        let probe = rest.start..rest.start + probe_len;
        rest.start = probe.end;
        let started = Instant::now();
        let value = run_leaf(registry, probe, leaf);
        let spent = started.elapsed().as_nanos();
        let predicted = spent.saturating_mul(rest.len() as u128) / probe_len as u128;
        if predicted < SEQUENTIAL_CUTOFF.as_nanos() {
            let tail = run_leaf(registry, rest, leaf);
            return combine(value, tail);
        }
        first = Some(value);
    }
    let tail = registry.in_worker(|worker| {
        split_adaptive(
            worker,
            rest,
            Splitter::new(threads),
            false,
            min_len,
            leaf,
            combine,
        )
    });
    match first {
        Some(value) => combine(value, tail),
        None => tail,
    }
}

fn split_adaptive<T, L, C>(
    worker: &WorkerThread,
    range: Range<usize>,
    mut splitter: Splitter,
    migrated: bool,
    min_len: usize,
    leaf: &L,
    combine: &C,
) -> T
where
    T: Send,
    L: Fn(Range<usize>) -> T + Sync,
    C: Fn(T, T) -> T + Sync,
{
    if range.len() >= 2 * min_len && splitter.try_split(migrated) {
        let mid = range.start + range.len() / 2;
        let (left, right) = (range.start..mid, mid..range.end);
        let (a, b) = join_context(
            worker,
            || split_adaptive(worker, left, splitter, false, min_len, leaf, combine),
            |migrated| {
                WorkerThread::with_current(|w| {
                    split_adaptive(
                        on_worker(w),
                        right,
                        splitter,
                        migrated,
                        min_len,
                        leaf,
                        combine,
                    )
                })
            },
        );
        combine(a, b)
    } else {
        run_leaf(worker.registry(), range, leaf)
    }
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
        run_leaf(worker.registry(), range, |_range: Range<usize>| {
            for (i, chunk) in slice.chunks_mut(chunk_len).enumerate() {
                f(offset + i * chunk_len, chunk);
            }
        });
    }
}

/// Jobs of a pool only ever run on that pool's workers.
fn on_worker(worker: Option<&WorkerThread>) -> &WorkerThread {
    worker.expect("pool jobs run on pool workers")
}

/// Calls a leaf, counting it in the running worker's stats and recording it
/// in `registry`'s trace when one is on. Off, the cost is one thread-local
/// read, a pointer comparison and one relaxed load.
#[inline]
fn run_leaf<T>(
    registry: &Registry,
    range: Range<usize>,
    leaf: impl FnOnce(Range<usize>) -> T,
) -> T {
    WorkerThread::with_current(|worker| {
        let index = worker
            .filter(|worker| std::ptr::eq(Arc::as_ptr(worker.registry()), registry))
            .map(|worker| {
                worker.counters().add_chunk();
                worker.index()
            });
        let trace = registry.trace();
        if trace.is_enabled() {
            let started = Instant::now();
            let value = leaf(range.clone());
            trace.record(index, range, started, Instant::now());
            value
        } else {
            leaf(range)
        }
    })
}

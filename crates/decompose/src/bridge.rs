//! The driver under `map_reduce` and the parallel iterators: it cuts a
//! splittable [`Producer`] by a [`Strategy`], runs a leaf on each piece and
//! folds the results in order.
//!
//! The driver tracks each piece's offset and length itself, from the
//! lengths it asked to split at, and hands them to the leaf: a leaf that
//! writes into a shared output (an in-place `collect`) relies on pieces
//! being disjoint by construction, whatever a producer reports.

use std::ops::Range;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::clock::ProbeClock;
use crate::iter::plumbing::Producer;
use crate::join::join_context;
use crate::registry::{Registry, WorkerThread};
use crate::strategy::{
    aligned_probe_len, split_point, static_blocks, Splitter, Strategy, ALIGN_UNITS,
};

/// The adaptive strategy's probe is at most `1 / (PROBE_DIVISOR * threads)`
/// of the range (but at least `min_len`). It runs on the caller while the
/// other workers wait. A job that looks cheap probes all of it, which adds
/// about `1 / PROBE_DIVISOR` to the time of its parallel run whatever the
/// thread count (with a fixed `1 / 64` of the range, it added a quarter to
/// the 16-thread time of an even-cost job); a job that looks big stops
/// after the first step that says so (see [`FIRST_PROBE_STEP`]).
const PROBE_DIVISOR: usize = 64;

/// Below this predicted total, the adaptive strategy runs the whole job on
/// the calling thread: about what waking a parked worker and handing it work
/// costs on a shared VM, so going parallel could not pay off.
pub(crate) const SEQUENTIAL_CUTOFF: Duration = Duration::from_micros(20);

/// Whether `rest` more units, at the `spent` clock units that `probed`
/// units took, would take at least `cutoff` clock units (in products, not
/// a quotient: no division on the path of a tiny job).
#[inline]
fn worth_splitting(spent: u64, rest: usize, probed: usize, cutoff: u64) -> bool {
    u128::from(spent) * rest as u128 >= u128::from(cutoff) * probed as u128
}

/// A probe of at least four times this many units starts with a step of
/// this many (a multiple of [`ALIGN_UNITS`], so every step starts aligned)
/// and doubles the units probed at each further step. Such a probe only
/// happens on a job of at least `4 * PROBE_DIVISOR` steps (262,144 units),
/// which takes longer than [`SEQUENTIAL_CUTOFF`] at any realistic cost per
/// unit, so the tens of nanoseconds of the two clock reads around a step
/// cannot tip a job that should stay on the caller into going parallel;
/// and the step takes well under a microsecond on cheap items.
const FIRST_PROBE_STEP: usize = 16 * ALIGN_UNITS;

/// The first step of a probe of `probe_len` units (see [`FIRST_PROBE_STEP`]),
/// never below `min_len`: a short probe runs in one step.
#[inline]
fn first_probe_step(probe_len: usize, min_len: usize) -> usize {
    if probe_len >= 4 * FIRST_PROBE_STEP {
        FIRST_PROBE_STEP
            .max(min_len)
            .next_multiple_of(ALIGN_UNITS)
            .min(probe_len)
    } else {
        probe_len
    }
}

/// A piece of the job: where it starts (relative to the whole) and how many
/// units it covers, as the driver cut it.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Piece {
    pub(crate) offset: usize,
    pub(crate) len: usize,
}

impl Piece {
    fn split(self, at: usize) -> (Piece, Piece) {
        debug_assert!(at <= self.len);
        (
            Piece {
                offset: self.offset,
                len: at,
            },
            Piece {
                offset: self.offset + at,
                len: self.len - at,
            },
        )
    }
}

/// What the driver needs besides the producer: where to run, how to cut,
/// what the trace calls offset 0.
pub(crate) struct Plan<'r> {
    pub(crate) registry: &'r Arc<Registry>,
    pub(crate) strategy: Strategy,
    /// Added to piece offsets in the trace (a `map_reduce` range's start).
    pub(crate) base: usize,
}

/// Runs `leaf` on pieces of `producer` covering it exactly once, and folds
/// the results with `combine` in order. An empty producer is one empty
/// piece.
pub(crate) fn bridge<P, T, L, C>(plan: &Plan<'_>, producer: P, leaf: &L, combine: &C) -> T
where
    P: Producer,
    T: Send,
    L: Fn(Piece, P) -> T + Sync,
    C: Fn(T, T) -> T + Sync,
{
    let whole = Piece {
        offset: 0,
        len: producer.len(),
    };
    if whole.len == 0 {
        return leaf(whole, producer);
    }
    let registry = plan.registry;
    let threads = registry.num_threads();
    let strategy = plan.strategy;
    let driver = Driver {
        plan,
        leaf,
        combine,
    };
    match strategy {
        Strategy::Adaptive { .. } => driver.adaptive(producer, whole, strategy.grain()),
        Strategy::Static { .. } => {
            let blocks = static_blocks(0..whole.len, strategy.grain(), threads);
            registry.in_worker(|worker| driver.blocks(worker, &blocks, producer, whole))
        }
        Strategy::Dynamic { .. } | Strategy::Guided { .. } => registry.in_worker(|worker| {
            // The rest of the job, cut from the front under the lock: each
            // grab takes the next chunk, as `Strategy::plan` lists them.
            let rest = Mutex::new((Some(producer), whole));
            let participant = || {
                let mut results = Vec::new();
                loop {
                    let grabbed = {
                        let mut guard = rest.lock().unwrap_or_else(|e| e.into_inner());
                        let (slot, left) = &mut *guard;
                        match slot.take() {
                            None => None,
                            Some(producer) => {
                                let size = strategy.chunk_len(left.len, threads);
                                let (piece, tail) = left.split(size);
                                let (chunk, more) = producer.split_at(size);
                                if tail.len > 0 {
                                    *slot = Some(more);
                                    *left = tail;
                                }
                                Some((piece, chunk))
                            }
                        }
                    };
                    match grabbed {
                        Some((piece, chunk)) => {
                            results.push((piece.offset, driver.run(piece, chunk)));
                        }
                        None => return results,
                    }
                }
            };
            let mut results = participants(worker, threads, &participant);
            results.sort_unstable_by_key(|(offset, _)| *offset);
            results
                .into_iter()
                .map(|(_, value)| value)
                .reduce(combine)
                .expect("a non-empty job has at least one chunk")
        }),
    }
}

/// The driver's borrowed parts, so the recursive halves stay small.
struct Driver<'a, 'r, L, C> {
    plan: &'a Plan<'r>,
    leaf: &'a L,
    combine: &'a C,
}

impl<L, C> Driver<'_, '_, L, C> {
    /// Calls the leaf on one piece, counted in the running worker's stats
    /// and recorded in the trace when one is on.
    #[inline]
    fn run<P, T>(&self, piece: Piece, producer: P) -> T
    where
        L: Fn(Piece, P) -> T,
    {
        let start = self.plan.base + piece.offset;
        run_leaf(self.plan.registry, start..start + piece.len, || {
            (self.leaf)(piece, producer)
        })
    }

    /// Probe on the caller, then stay sequential or split recursively.
    fn adaptive<P, T>(&self, producer: P, whole: Piece, min_len: usize) -> T
    where
        P: Producer,
        T: Send,
        L: Fn(Piece, P) -> T + Sync,
        C: Fn(T, T) -> T + Sync,
    {
        let len = whole.len;
        if len < 2 * min_len {
            // Cannot be split: no thread could help.
            return self.run(whole, producer);
        }
        let registry = self.plan.registry;
        let threads = registry.num_threads();
        let probe_len = aligned_probe_len(
            (len / PROBE_DIVISOR.saturating_mul(threads)).max(min_len),
            len,
        );
        let mut first = None;
        let (mut rest, mut rest_piece) = (producer, whole);
        if probe_len * 8 <= len {
            // Probe: time a first chunk here and extrapolate. A job predicted
            // to be cheaper than a hand-off runs to the end on this thread.
            // A long probe runs in steps that double the units probed, and
            // stops at the first that predicts a job worth splitting, so a
            // big job is handed to the other workers after microseconds,
            // not after 1/64 of its parallel time; only a job that still
            // looks cheap probes all `probe_len` units before it stays here.
            let clock = ProbeClock::new();
            let step = first_probe_step(probe_len, min_len);
            let (mut value, mut spent);
            (value, spent, rest, rest_piece) = self.timed_front(clock, rest, rest_piece, step);
            let mut probed = step;
            loop {
                if worth_splitting(spent, rest_piece.len, probed, clock.cutoff()) {
                    first = Some(value);
                    break;
                }
                let step = probed.min(probe_len - probed);
                if step < min_len.max(1) {
                    // The whole probe predicts a cheap job.
                    let tail = self.run(rest_piece, rest);
                    return (self.combine)(value, tail);
                }
                let (more, ns);
                (more, ns, rest, rest_piece) = self.timed_front(clock, rest, rest_piece, step);
                value = (self.combine)(value, more);
                spent = spent.saturating_add(ns);
                probed += step;
            }
        }
        let tail = registry.in_worker(|worker| {
            self.halves(
                worker,
                rest,
                rest_piece,
                Splitter::new(threads),
                false,
                min_len,
            )
        });
        match first {
            Some(value) => (self.combine)(value, tail),
            None => tail,
        }
    }

    /// Runs the first `len` units of `producer` (covering `piece`) here:
    /// their result, the `clock` units it took, and the rest.
    #[inline(always)]
    fn timed_front<P, T>(
        &self,
        clock: ProbeClock,
        producer: P,
        piece: Piece,
        len: usize,
    ) -> (T, u64, P, Piece)
    where
        P: Producer,
        L: Fn(Piece, P) -> T,
    {
        let (front_piece, rest_piece) = piece.split(len);
        let (front, rest) = producer.split_at(len);
        let started = clock.now();
        let value = self.run(front_piece, front);
        let spent = clock.now().saturating_sub(started);
        (value, spent, rest, rest_piece)
    }

    /// Recursive halving with thief splitting.
    fn halves<P, T>(
        &self,
        worker: &WorkerThread,
        producer: P,
        piece: Piece,
        mut splitter: Splitter,
        migrated: bool,
        min_len: usize,
    ) -> T
    where
        P: Producer,
        T: Send,
        L: Fn(Piece, P) -> T + Sync,
        C: Fn(T, T) -> T + Sync,
    {
        if piece.len >= 2 * min_len && splitter.try_split(migrated) {
            let mid = split_point(piece.offset, piece.len, min_len);
            let (left_piece, right_piece) = piece.split(mid);
            let (left, right) = producer.split_at(mid);
            let (a, b) = join_context(
                worker,
                || self.halves(worker, left, left_piece, splitter, false, min_len),
                |migrated| {
                    WorkerThread::with_current(|w| {
                        self.halves(
                            on_worker(w),
                            right,
                            right_piece,
                            splitter,
                            migrated,
                            min_len,
                        )
                    })
                },
            );
            (self.combine)(a, b)
        } else {
            self.run(piece, producer)
        }
    }

    /// Runs `blocks` (one job each, as a balanced tree of joins) and folds
    /// them in order. `blocks` are relative to the whole job and cover
    /// `piece` exactly.
    fn blocks<P, T>(
        &self,
        worker: &WorkerThread,
        blocks: &[Range<usize>],
        producer: P,
        piece: Piece,
    ) -> T
    where
        P: Producer,
        T: Send,
        L: Fn(Piece, P) -> T + Sync,
        C: Fn(T, T) -> T + Sync,
    {
        if let [_] = blocks {
            return self.run(piece, producer);
        }
        let (left_blocks, right_blocks) = blocks.split_at(blocks.len() / 2);
        let at = right_blocks[0].start - piece.offset;
        let (left_piece, right_piece) = piece.split(at);
        let (left, right) = producer.split_at(at);
        let (a, b) = join_context(
            worker,
            || self.blocks(worker, left_blocks, left, left_piece),
            |_| {
                WorkerThread::with_current(|w| {
                    self.blocks(on_worker(w), right_blocks, right, right_piece)
                })
            },
        );
        (self.combine)(a, b)
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

/// Jobs of a pool only ever run on that pool's workers.
pub(crate) fn on_worker(worker: Option<&WorkerThread>) -> &WorkerThread {
    worker.expect("pool jobs run on pool workers")
}

/// Calls a leaf, counting it in the running worker's stats and recording it
/// in `registry`'s trace when one is on. Off, the cost is one thread-local
/// read, a pointer comparison and one relaxed load.
#[inline]
pub(crate) fn run_leaf<T>(registry: &Registry, range: Range<usize>, leaf: impl FnOnce() -> T) -> T {
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
            let value = leaf();
            trace.record(index, range, started, Instant::now());
            value
        } else {
            leaf()
        }
    })
}

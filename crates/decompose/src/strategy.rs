//! Split strategies: how `map_reduce` cuts an index range into chunks.

use std::fmt;
use std::ops::Range;
use std::str::FromStr;
use std::sync::atomic::{AtomicUsize, Ordering};

/// How [`map_reduce`](crate::map_reduce) divides a range among workers.
///
/// Every variant carries a size hint (`min_len`, `grain` or `min`): no chunk
/// is cut smaller than it, except the last one of a range that does not
/// divide evenly. [`Strategy::with_grain`] sets the hint of any variant.
///
/// | strategy | chunks | wins when |
/// |---|---|---|
/// | `Static` | P equal blocks | every index costs the same and the pool is otherwise idle: one chunk per worker, no coordination |
/// | `Dynamic { grain }` | fixed chunks from a shared counter | costs vary unpredictably and `grain` is known to be worth a counter increment |
/// | `Guided { min }` | large first, shrinking to `remaining / 2P`, not below `min` | costs vary but not wildly: few grabs, balanced tail |
/// | `Adaptive { min_len }` | halves recursively, splits more only where work is stolen | the default: unknown costs, nested parallelism, tiny inputs (it probes first and stays sequential when the job is too small to be worth a thread) |
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Strategy {
    /// `P` equal contiguous blocks, one job each (OpenMP `static`).
    Static {
        /// No block shorter than this (fewer blocks if needed).
        min_len: usize,
    },
    /// Workers repeatedly take the next `grain` indices from a shared
    /// counter (OpenMP `dynamic`).
    Dynamic {
        /// Indices per chunk.
        grain: usize,
    },
    /// Like `Dynamic`, but each chunk is `remaining / (2P)` indices, not
    /// below `min` (OpenMP `guided`).
    Guided {
        /// The smallest chunk.
        min: usize,
    },
    /// Recursive halving with thief splitting: split into about `P` pieces,
    /// and split a piece further only when it was stolen (work is moving,
    /// so more parallelism is wanted). A first probe chunk runs on the
    /// caller; when it predicts the whole job is cheaper than waking a
    /// worker, the rest runs sequentially too.
    Adaptive {
        /// Do not split below this many indices.
        min_len: usize,
    },
}

impl Default for Strategy {
    fn default() -> Self {
        Strategy::ADAPTIVE
    }
}

impl Strategy {
    /// `Static` with no minimum block length.
    pub const STATIC: Strategy = Strategy::Static { min_len: 1 };
    /// `Adaptive` with no minimum chunk length: the default.
    pub const ADAPTIVE: Strategy = Strategy::Adaptive { min_len: 1 };
    /// One of each strategy, with a hint of 1, in the order of the table.
    pub const ALL: [Strategy; 4] = [
        Strategy::STATIC,
        Strategy::Dynamic { grain: 1 },
        Strategy::Guided { min: 1 },
        Strategy::ADAPTIVE,
    ];

    /// The same strategy with its size hint set to `grain`.
    #[must_use]
    pub fn with_grain(self, grain: usize) -> Strategy {
        match self {
            Strategy::Static { .. } => Strategy::Static { min_len: grain },
            Strategy::Dynamic { .. } => Strategy::Dynamic { grain },
            Strategy::Guided { .. } => Strategy::Guided { min: grain },
            Strategy::Adaptive { .. } => Strategy::Adaptive { min_len: grain },
        }
    }

    /// The size hint, at least 1.
    pub fn grain(&self) -> usize {
        let grain = match *self {
            Strategy::Static { min_len } | Strategy::Adaptive { min_len } => min_len,
            Strategy::Dynamic { grain } => grain,
            Strategy::Guided { min } => min,
        };
        grain.max(1)
    }

    /// The strategy's name: `static`, `dynamic`, `guided` or `adaptive`.
    pub fn name(&self) -> &'static str {
        match self {
            Strategy::Static { .. } => "static",
            Strategy::Dynamic { .. } => "dynamic",
            Strategy::Guided { .. } => "guided",
            Strategy::Adaptive { .. } => "adaptive",
        }
    }

    /// The chunks this strategy cuts `0..len` into for `threads` workers, in
    /// range order.
    ///
    /// For `Static`, `Dynamic` and `Guided` this is exactly what
    /// `map_reduce` runs (for `Dynamic` and `Guided`, also the order in which
    /// chunks are handed out). For `Adaptive` it is the split when nothing is
    /// stolen and the probe decides to go parallel; steals split further.
    /// An empty range is one empty chunk.
    ///
    /// ```
    /// use cvp_decompose::Strategy;
    /// assert_eq!(Strategy::STATIC.plan(10, 3), vec![0..3, 3..6, 6..10]);
    /// assert_eq!(Strategy::Guided { min: 2 }.plan(20, 2), vec![0..5, 5..8, 8..11, 11..13, 13..15, 15..17, 17..19, 19..20]);
    /// ```
    pub fn plan(&self, len: usize, threads: usize) -> Vec<Range<usize>> {
        let threads = threads.max(1);
        if len == 0 {
            return std::iter::once(0..0).collect();
        }
        match *self {
            Strategy::Static { .. } => static_blocks(0..len, self.grain(), threads),
            Strategy::Dynamic { .. } | Strategy::Guided { .. } => {
                let next = AtomicUsize::new(0);
                std::iter::from_fn(|| self.grab(&next, len, threads)).collect()
            }
            Strategy::Adaptive { .. } => {
                let mut leaves = Vec::new();
                adaptive_leaves(0..len, threads, self.grain(), &mut leaves);
                leaves
            }
        }
    }

    /// The length of the next `Dynamic` or `Guided` chunk when `remaining`
    /// indices are left (the same sizes as [`Strategy::grab`] hands out).
    pub(crate) fn chunk_len(&self, remaining: usize, threads: usize) -> usize {
        match *self {
            Strategy::Guided { .. } => guided_chunk(remaining, threads, self.grain()),
            _ => self.grain().min(remaining),
        }
    }

    /// The next chunk of `0..len` from the shared counter `next`, for
    /// `Dynamic` and `Guided`; `None` once the range is exhausted.
    pub(crate) fn grab(
        &self,
        next: &AtomicUsize,
        len: usize,
        threads: usize,
    ) -> Option<Range<usize>> {
        match *self {
            Strategy::Guided { .. } => {
                let min = self.grain();
                let mut start = next.load(Ordering::Relaxed);
                loop {
                    if start >= len {
                        return None;
                    }
                    let size = guided_chunk(len - start, threads, min);
                    match next.compare_exchange_weak(
                        start,
                        start + size,
                        Ordering::Relaxed,
                        Ordering::Relaxed,
                    ) {
                        Ok(_) => return Some(start..start + size),
                        Err(seen) => start = seen,
                    }
                }
            }
            _ => {
                let grain = self.grain().min(len);
                // At most one overshoot per participant, so no overflow for
                // any realistic `len`.
                let start = next.fetch_add(grain, Ordering::Relaxed);
                (start < len).then(|| start..(start + grain).min(len))
            }
        }
    }
}

/// A guided chunk: `remaining / (2P)`, not below `min`, not past the end.
fn guided_chunk(remaining: usize, threads: usize, min: usize) -> usize {
    (remaining / (2 * threads)).max(min).min(remaining)
}

/// `range` cut into at most `threads` near-equal blocks of at least
/// `min_len` (lengths differ by at most one).
pub(crate) fn static_blocks(
    range: Range<usize>,
    min_len: usize,
    threads: usize,
) -> Vec<Range<usize>> {
    let len = range.len();
    let blocks = threads.min(len / min_len.max(1)).max(1);
    (0..blocks)
        .map(|i| range.start + i * len / blocks..range.start + (i + 1) * len / blocks)
        .collect()
}

/// The budget of the adaptive splitter (rayon's "thief splitting").
#[derive(Debug, Clone, Copy)]
pub(crate) struct Splitter {
    splits: usize,
    threads: usize,
}

impl Splitter {
    pub(crate) fn new(threads: usize) -> Self {
        Splitter {
            splits: threads,
            threads,
        }
    }

    /// Whether to split once more: always after a steal (resetting the
    /// budget to `P` more splits), else while the budget lasts, halving it.
    #[inline]
    pub(crate) fn try_split(&mut self, migrated: bool) -> bool {
        if migrated {
            self.splits = (self.splits / 2).max(self.threads);
            true
        } else if self.splits > 0 {
            self.splits /= 2;
            true
        } else {
            false
        }
    }
}

/// Pieces of an adaptive split start at multiples of this many units
/// (counted from the start of the whole job) once the piece being halved
/// is long enough that moving the cut costs nothing in balance.
///
/// For a slice of any item type that keeps every piece's first item at the
/// same offset within a 64-byte cache line as the job's first item, so the
/// vectorised loop of each piece (a `collect`'s stores above all) sees the
/// alignment the whole slice has: an odd cut splits every other 16-byte
/// store across two cache lines, and one in 256 across two pages.
pub(crate) const ALIGN_UNITS: usize = 64;

/// Below this many units a piece is halved exactly: rounding the cut to
/// [`ALIGN_UNITS`] would unbalance the halves by more than 1/128.
pub(crate) const ALIGN_FROM: usize = 64 * ALIGN_UNITS;

/// Where to halve the piece of `len` units that starts `offset` units into
/// the job: the middle, moved to the nearest multiple of [`ALIGN_UNITS`]
/// from the job's start when `len` is at least [`ALIGN_FROM`] (both halves
/// keep at least `min_len` units; the caller splits only when
/// `len >= 2 * min_len`).
#[inline]
pub(crate) fn split_point(offset: usize, len: usize, min_len: usize) -> usize {
    let mid = len / 2;
    if len < ALIGN_FROM {
        return mid;
    }
    let target = offset + mid;
    let aligned = (target + ALIGN_UNITS / 2) / ALIGN_UNITS * ALIGN_UNITS - offset;
    if aligned >= min_len && len - aligned >= min_len {
        aligned
    } else {
        mid
    }
}

/// The adaptive strategy's probe length, `want` units rounded up to a
/// multiple of [`ALIGN_UNITS`] when the job is long enough (see
/// [`split_point`]), so the rest starts aligned too.
#[inline]
pub(crate) fn aligned_probe_len(want: usize, len: usize) -> usize {
    if len < ALIGN_FROM {
        want
    } else {
        want.next_multiple_of(ALIGN_UNITS)
    }
}

fn adaptive_leaves(
    range: Range<usize>,
    threads: usize,
    min_len: usize,
    out: &mut Vec<Range<usize>>,
) {
    fn go(
        range: Range<usize>,
        mut splitter: Splitter,
        min_len: usize,
        out: &mut Vec<Range<usize>>,
    ) {
        if range.len() >= 2 * min_len && splitter.try_split(false) {
            let mid = range.start + split_point(range.start, range.len(), min_len);
            go(range.start..mid, splitter, min_len, out);
            go(mid..range.end, splitter, min_len, out);
        } else {
            out.push(range);
        }
    }
    go(range, Splitter::new(threads), min_len, out);
}

impl fmt::Display for Strategy {
    /// `name` or `name:grain` when the hint is not 1 (what [`FromStr`]
    /// reads back).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.grain() {
            1 => f.write_str(self.name()),
            grain => write!(f, "{}:{grain}", self.name()),
        }
    }
}

/// The error of parsing a [`Strategy`] from text.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ParseStrategyError {
    /// Not one of `static`, `dynamic`, `guided`, `adaptive`.
    UnknownName(String),
    /// The part after `:` is not a positive integer.
    BadGrain(String),
}

impl fmt::Display for ParseStrategyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ParseStrategyError::UnknownName(name) => write!(
                f,
                "unknown strategy `{name}` (expected static, dynamic, guided or adaptive)"
            ),
            ParseStrategyError::BadGrain(grain) => {
                write!(f, "bad grain `{grain}` (expected a positive integer)")
            }
        }
    }
}

impl std::error::Error for ParseStrategyError {}

impl FromStr for Strategy {
    type Err = ParseStrategyError;

    /// Reads `static`, `dynamic:64`, `guided:8`, `adaptive`, ...
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let (name, grain) = match s.split_once(':') {
            Some((name, grain)) => {
                let grain = grain
                    .trim()
                    .parse::<usize>()
                    .ok()
                    .filter(|g| *g > 0)
                    .ok_or_else(|| ParseStrategyError::BadGrain(grain.to_owned()))?;
                (name, grain)
            }
            None => (s, 1),
        };
        let strategy = Strategy::ALL
            .into_iter()
            .find(|strategy| strategy.name().eq_ignore_ascii_case(name.trim()))
            .ok_or_else(|| ParseStrategyError::UnknownName(name.to_owned()))?;
        Ok(strategy.with_grain(grain))
    }
}

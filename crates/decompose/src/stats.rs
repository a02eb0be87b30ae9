//! Per-worker counters: chunks run, steals, idle time.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// One worker's live counters. Only that worker adds to them; readers take
/// a relaxed snapshot (the numbers are statistics, not synchronisation).
#[derive(Debug, Default)]
pub(crate) struct WorkerCounters {
    jobs: AtomicU64,
    chunks: AtomicU64,
    steals: AtomicU64,
    sleeps: AtomicU64,
    idle_ns: AtomicU64,
}

impl WorkerCounters {
    pub(crate) fn add_job(&self) {
        self.jobs.fetch_add(1, Ordering::Relaxed);
    }

    pub(crate) fn add_chunk(&self) {
        self.chunks.fetch_add(1, Ordering::Relaxed);
    }

    pub(crate) fn add_steal(&self) {
        self.steals.fetch_add(1, Ordering::Relaxed);
    }

    pub(crate) fn add_sleep(&self) {
        self.sleeps.fetch_add(1, Ordering::Relaxed);
    }

    pub(crate) fn add_idle(&self, idle: Duration) {
        let nanos = u64::try_from(idle.as_nanos()).unwrap_or(u64::MAX);
        self.idle_ns.fetch_add(nanos, Ordering::Relaxed);
    }

    pub(crate) fn snapshot(&self) -> WorkerStats {
        WorkerStats {
            jobs: self.jobs.load(Ordering::Relaxed),
            chunks: self.chunks.load(Ordering::Relaxed),
            steals: self.steals.load(Ordering::Relaxed),
            sleeps: self.sleeps.load(Ordering::Relaxed),
            idle: Duration::from_nanos(self.idle_ns.load(Ordering::Relaxed)),
        }
    }

    pub(crate) fn reset(&self) {
        for counter in [
            &self.jobs,
            &self.chunks,
            &self.steals,
            &self.sleeps,
            &self.idle_ns,
        ] {
            counter.store(0, Ordering::Relaxed);
        }
    }
}

/// What one worker did since the pool was built (or since
/// [`Pool::reset_stats`](crate::Pool::reset_stats)).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct WorkerStats {
    /// Jobs taken from a deque or the injector and run (a `join` half that
    /// its owner took back is not counted: it ran inline).
    pub jobs: u64,
    /// Leaf chunks of `map_reduce` / `for_each_chunk_mut` run.
    pub chunks: u64,
    /// Jobs stolen from another worker's deque.
    pub steals: u64,
    /// Times the worker went to sleep.
    pub sleeps: u64,
    /// Time spent looking for work or asleep.
    pub idle: Duration,
}

/// A snapshot of every worker's counters, indexed by worker.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PoolStats {
    /// One entry per worker, in worker-index order.
    pub workers: Vec<WorkerStats>,
}

impl PoolStats {
    /// The counters summed over all workers.
    pub fn total(&self) -> WorkerStats {
        self.workers
            .iter()
            .fold(WorkerStats::default(), |a, w| WorkerStats {
                jobs: a.jobs + w.jobs,
                chunks: a.chunks + w.chunks,
                steals: a.steals + w.steals,
                sleeps: a.sleeps + w.sleeps,
                idle: a.idle + w.idle,
            })
    }
}

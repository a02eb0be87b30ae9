//! OS threads: jobs split into static blocks on scoped threads, task scripts
//! one OS thread each. Shared by `threads` and `threads-1core`, which differ
//! only in the CPUs their threads are pinned to.

use std::cell::Cell;
use std::net::SocketAddr;
use std::ops::Range;
use std::panic::resume_unwind;
use std::thread::{self, Scope, ScopedJoinHandle};
use std::time::Instant;

use cvp_workloads::{chunks, Exec, Sequential, TaskOutcome, TaskSet};

use super::affinity::CpuSet;
use super::run_blocking;
use crate::trace::Recorder;
use crate::Error;

/// Stack of a task thread. Scripts need little stack (a compute loop, a
/// socket and a reply buffer on the heap), and thousands of threads with the
/// default 2 MiB would reserve gigabytes of address space.
const TASK_STACK: usize = 256 * 1024;

thread_local! {
    /// How many threads the calling thread may still fan out to; `None`
    /// outside a job (the executor's thread count applies).
    static BUDGET: Cell<Option<usize>> = const { Cell::new(None) };
}

/// Runs `f` with a thread budget, restoring the previous one afterwards
/// (also when `f` unwinds).
fn with_budget<R>(budget: usize, f: impl FnOnce() -> R) -> R {
    struct Restore(Option<usize>);
    impl Drop for Restore {
        fn drop(&mut self) {
            BUDGET.set(self.0);
        }
    }
    let _restore = Restore(BUDGET.replace(Some(budget)));
    f()
}

/// The [`Exec`] of the thread models: `map_reduce` cuts the range into as
/// many equal blocks as it has threads (OpenMP `static`), runs the first on
/// the caller and the others on scoped threads; `join` runs `b` on a new
/// thread while the budget allows, so a recursion fans out to at most
/// `threads` threads and then runs inline.
#[derive(Debug)]
pub(crate) struct StaticThreads {
    threads: usize,
    cpus: Option<CpuSet>,
}

impl StaticThreads {
    /// An executor with `threads` threads, each pinned to `cpus` if given.
    pub(crate) fn new(threads: usize, cpus: Option<CpuSet>) -> Self {
        Self {
            threads: threads.max(1),
            cpus,
        }
    }

    fn budget(&self) -> usize {
        BUDGET.get().unwrap_or(self.threads)
    }

    fn spawn<'s, 'e, T: Send + 's>(
        &'s self,
        scope: &'s Scope<'s, 'e>,
        budget: usize,
        f: impl FnOnce() -> T + Send + 's,
    ) -> ScopedJoinHandle<'s, T> {
        thread::Builder::new()
            .spawn_scoped(scope, move || {
                if let Some(cpus) = &self.cpus {
                    cpus.apply()
                        .expect("pinning a fresh thread to an allowed CPU");
                }
                with_budget(budget, f)
            })
            .expect("spawning a job thread")
    }
}

/// `0..len` in `blocks` contiguous ranges whose boundaries fall on multiples
/// of `grain`, with near-equal numbers of grains each.
fn static_blocks(len: usize, grain: usize, blocks: usize) -> Vec<Range<usize>> {
    let grain = grain.max(1);
    let pieces = len.div_ceil(grain);
    (0..blocks)
        .map(|b| {
            (b * pieces / blocks * grain).min(len)..((b + 1) * pieces / blocks * grain).min(len)
        })
        .filter(|r| !r.is_empty())
        .collect()
}

impl Exec for StaticThreads {
    fn parallelism(&self) -> usize {
        if self.cpus.as_ref().is_some_and(|c| c.cpus().len() == 1) {
            1
        } else {
            self.threads
        }
    }

    fn map_reduce<T, L, C>(&self, len: usize, grain: usize, leaf: L, combine: C) -> T
    where
        T: Send,
        L: Fn(Range<usize>) -> T + Sync,
        C: Fn(T, T) -> T + Sync,
    {
        let blocks = static_blocks(
            len,
            grain,
            self.budget().min(len.div_ceil(grain.max(1))).max(1),
        );
        if blocks.len() <= 1 {
            return with_budget(1, || Sequential.map_reduce(len, grain, leaf, combine));
        }
        // Each block folds its own grains in order, as the sequential model
        // would; the blocks are then folded in order on the caller.
        let block = |r: Range<usize>| {
            let start = r.start;
            let mut parts = chunks(r.len(), grain).map(|c| c.start + start..c.end + start);
            let first = parts.next().expect("blocks are not empty");
            parts.fold(leaf(first), |acc, c| combine(acc, leaf(c)))
        };
        thread::scope(|s| {
            let handles: Vec<_> = blocks[1..]
                .iter()
                .map(|r| self.spawn(s, 1, || block(r.clone())))
                .collect();
            let mut acc = with_budget(1, || block(blocks[0].clone()));
            for h in handles {
                acc = combine(acc, h.join().unwrap_or_else(|p| resume_unwind(p)));
            }
            acc
        })
    }

    fn join<A, B, RA, RB>(&self, a: A, b: B) -> (RA, RB)
    where
        A: FnOnce() -> RA + Send,
        B: FnOnce() -> RB + Send,
        RA: Send,
        RB: Send,
    {
        let budget = self.budget();
        if budget < 2 {
            let ra = a();
            return (ra, b());
        }
        thread::scope(|s| {
            // b gets its own thread and half the budget; a keeps the rest.
            let hb = self.spawn(s, budget / 2, b);
            let ra = with_budget(budget - budget / 2, a);
            (ra, hb.join().unwrap_or_else(|p| resume_unwind(p)))
        })
    }
}

/// Runs every script on its own OS thread (pinned to `cpus` if given) and
/// waits for all of them.
pub(crate) fn tasks_on_threads(
    set: &TaskSet,
    server: Option<SocketAddr>,
    cpus: Option<&CpuSet>,
    rec: Option<&Recorder>,
) -> Result<Vec<TaskOutcome>, Error> {
    let epoch = Instant::now();
    thread::scope(|s| {
        let mut handles = Vec::with_capacity(set.scripts.len());
        for script in &set.scripts {
            let spawned =
                thread::Builder::new()
                    .stack_size(TASK_STACK)
                    .spawn_scoped(s, move || {
                        if let Some(cpus) = cpus {
                            cpus.apply()
                                .map_err(|e| Error::Run(format!("pinning a task thread: {e}")))?;
                        }
                        run_blocking(script, server, epoch, rec)
                    });
            match spawned {
                Ok(h) => handles.push(h),
                // The scope still waits for the threads already started.
                Err(e) => {
                    return Err(Error::Run(format!(
                        "spawning task thread {}: {e}",
                        script.id
                    )))
                }
            }
        }
        let results: Vec<_> = handles
            .into_iter()
            .map(|h| h.join().unwrap_or_else(|p| resume_unwind(p)))
            .collect();
        results.into_iter().collect()
    })
}

#[cfg(test)]
mod test {
    use super::*;

    #[test]
    fn blocks_cover_the_range_on_grain_boundaries() {
        for (len, grain, blocks) in [(10, 1, 3), (10, 3, 2), (7, 16, 4), (1000, 7, 5), (0, 1, 2)] {
            let b = static_blocks(len, grain, blocks);
            let covered: Vec<usize> = b.iter().flat_map(|r| r.clone()).collect();
            assert_eq!(
                covered,
                (0..len).collect::<Vec<_>>(),
                "{len} {grain} {blocks}"
            );
            assert!(b.iter().all(|r| r.start % grain == 0));
        }
    }

    #[test]
    fn static_threads_match_sequential() {
        for threads in 1..5 {
            let exec = StaticThreads::new(threads, None);
            let got = exec.map_reduce(
                1000,
                7,
                |r| r.map(|i| i as u64).collect::<Vec<_>>(),
                |mut a, b| {
                    a.extend(b);
                    a
                },
            );
            assert_eq!(got, (0..1000).collect::<Vec<u64>>());
            let (a, b) = exec.join(|| exec.join(|| 1, || 2), || 3);
            assert_eq!((a, b), ((1, 2), 3));
        }
    }
}

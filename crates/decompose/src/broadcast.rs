//! `broadcast`: run a closure once on every worker of a pool.

use crate::job::StackJob;
use crate::latch::CountLatch;
use crate::registry::WorkerThread;

/// Runs `op(index)` on each worker of `worker`'s pool (`worker` included)
/// and returns the results in worker order. Each job goes into its
/// worker's own inbox, which only that worker takes from, and the caller
/// keeps working (its own job included) until every one has run.
pub(crate) fn broadcast_on<OP, R>(worker: &WorkerThread, op: &OP) -> Vec<R>
where
    OP: Fn(usize) -> R + Sync,
    R: Send,
{
    let registry = worker.registry();
    let threads = registry.num_threads();
    let latch = CountLatch::new(worker, threads);
    let jobs: Vec<_> = (0..threads)
        .map(|index| StackJob::new(move |_migrated| op(index), &latch))
        .collect();
    for (index, job) in jobs.iter().enumerate() {
        // SAFETY: `jobs` is neither moved nor dropped until `latch` is set,
        // which happens after every job has run; each is pushed once.
        registry.inject_to(index, unsafe { job.as_job_ref() });
    }
    worker.wait_until(latch.core());
    // The first panic, in worker order, reaches the caller; the other
    // results drop with the rest of the iterator.
    jobs.into_iter().map(StackJob::into_result).collect()
}

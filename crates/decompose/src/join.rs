//! `join`: run two closures, potentially in parallel.
//!
//! Work-first: the current worker pushes B where thieves can see it, runs A
//! itself, then takes B back if nobody stole it. On that fast path the only
//! shared-memory traffic is the deque's own, B lives in this frame (no
//! allocation), and the only bookkeeping is one load to see whether a
//! sleeping worker should be woken.

use crate::job::StackJob;
use crate::latch::SpinLatch;
use crate::pool::in_worker;
use crate::registry::WorkerThread;
use crate::unwind;

/// Runs `a` and `b`, potentially in parallel, and returns both results.
///
/// On a worker of a pool, `b` is offered to thieves while the current
/// thread runs `a`. Outside any pool the call runs on the global pool and
/// blocks the caller until both are done. If either closure panics, the
/// panic reaches the caller once the other has finished.
///
/// ```
/// fn fib(n: u64) -> u64 {
///     if n < 2 { return n; }
///     let (a, b) = cvp_decompose::join(|| fib(n - 1), || fib(n - 2));
///     a + b
/// }
/// let pool = cvp_decompose::Pool::new(2).unwrap();
/// assert_eq!(pool.install(|| fib(15)), 610);
/// ```
pub fn join<A, B, RA, RB>(a: A, b: B) -> (RA, RB)
where
    A: FnOnce() -> RA + Send,
    B: FnOnce() -> RB + Send,
    RA: Send,
    RB: Send,
{
    in_worker(|worker| join_context(worker, a, |_migrated| b()))
}

/// The heart of `join`, on `worker`. `b` learns whether a thief ran it
/// (`true`) or its owner took it back (`false`), which the adaptive splitter
/// uses to split more where work is stolen.
#[inline]
pub(crate) fn join_context<A, B, RA, RB>(worker: &WorkerThread, a: A, b: B) -> (RA, RB)
where
    A: FnOnce() -> RA,
    B: FnOnce(bool) -> RB + Send,
    RB: Send,
{
    // Push B where thieves can see it, then run A; hopefully B is stolen
    // meanwhile.
    let job_b = StackJob::new(b, SpinLatch::new(worker));
    // SAFETY: `job_b` stays in this frame, unmoved, until it has run or been
    // taken back: every path below waits for its latch or runs it inline.
    let job_b_ref = unsafe { job_b.as_job_ref() };
    worker.push(job_b_ref);

    let result_a = match unwind::halt_unwinding(a) {
        Ok(value) => value,
        Err(payload) => join_recover_from_panic(worker, &job_b, payload),
    };

    // Take B back if nobody stole it. Jobs above it on our deque were pushed
    // by A and are already done, so the first pop is B unless it was stolen;
    // then help the thieves until B's latch is set.
    while !job_b.latch.core().probe() {
        match worker.take_local_job() {
            Some(job) if job.same(job_b_ref) => {
                let result_b = job_b.run_inline(false);
                return (result_a, result_b);
            }
            Some(job) => worker.execute(job),
            None => {
                worker.wait_until(job_b.latch.core());
                break;
            }
        }
    }
    (result_a, job_b.into_result())
}

/// A panicked: B may be running on a thief and borrows this frame, so wait
/// for it (running it ourselves if it is still queued) before unwinding.
#[cold]
fn join_recover_from_panic<F, R>(
    worker: &WorkerThread,
    job_b: &StackJob<SpinLatch<'_>, F, R>,
    payload: Box<dyn std::any::Any + Send>,
) -> !
where
    F: FnOnce(bool) -> R,
{
    worker.wait_until(job_b.latch.core());
    unwind::resume_unwinding(payload)
}

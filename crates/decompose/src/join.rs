//! `join`: run two closures, potentially in parallel.
//!
//! Work-first: the current worker records B, runs A itself, then takes B
//! back if nobody stole it. B lives in this frame (no allocation).
//!
//! The public [`join`] is heartbeat-style (after Acar, Charguéraud and
//! Rainey, PLDI 2018): B goes on the worker's *private* join stack, which
//! no other thread reads, and reaches the shared deque only when a thief
//! could use it: at once for the outermost joins of the stack, later on
//! demand (an idle worker, an empty deque, seen at one of this worker's
//! next joins), and all at once before the worker waits. A join whose B
//! stays private touches no shared memory but one relaxed load.
//!
//! [`join_context`], used by the adaptive splitter, always pushes B on the
//! deque: it reports whether B migrated, and splits are coarse anyway.

use crate::job::{JobRef, StackJob};
use crate::latch::{CoreLatch, SpinLatch};
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
    in_worker(|worker| join_private(worker, a, b))
}

/// `join` on `worker`, heartbeat-style: B is recorded on the worker's
/// private join stack instead of the shared deque. The outermost joins of
/// the stack publish B at once; a deeper B is published only when a later
/// join on this worker sees an idle worker and an empty deque (oldest
/// private half first), or when this worker must wait. A B still private
/// after A is run inline: a function call, a `Vec` push and pop, one
/// relaxed load, and no atomic read-modify-write or fence.
#[inline]
pub(crate) fn join_private<A, B, RA, RB>(worker: &WorkerThread, a: A, b: B) -> (RA, RB)
where
    A: FnOnce() -> RA,
    B: FnOnce() -> RB + Send,
    RB: Send,
{
    let job_b = StackJob::new(|_migrated| b(), SpinLatch::new(worker));
    // SAFETY: `job_b` stays in this frame, unmoved, until it has run or been
    // taken back: while it is on the join stack, every path below removes
    // it with `pop_join` and then either runs it inline (still private: no
    // other thread ever saw it) or waits for its latch / takes it back from
    // the deque (public), exactly as `join_context` does.
    let job_b_ref = unsafe { job_b.as_job_ref() };
    let depth = worker.push_join(job_b_ref);

    let result_a = match unwind::halt_unwinding(a) {
        Ok(value) => value,
        Err(payload) => join_private_recover_from_panic(worker, depth, &job_b, job_b_ref, payload),
    };

    if !worker.pop_join(depth) {
        // SAFETY: never published: no other thread can reach it, and it has
        // not run (only this call runs it, and only here or below).
        let result_b = unsafe { job_b.run_in_place(false) };
        // Nothing left to drop: `func` was taken, the result is `None`, and
        // the latch owns nothing.
        std::mem::forget(job_b);
        return (result_a, result_b);
    }
    // Public: pop it back from the deque if nobody stole it. Jobs above it
    // on our deque were pushed during A and are done (the public halves are
    // the outermost of the join stack, so every half published after B is
    // deeper); if B was stolen, help the thieves until its latch is set.
    if take_back(worker, job_b_ref, job_b.latch.core()) {
        let result_b = job_b.run_inline(false);
        return (result_a, result_b);
    }
    (result_a, job_b.into_result())
}

/// After A, for a B that was pushed on `worker`'s deque: pops B back
/// (`true`: the caller runs it inline) unless a thief took it, and then
/// runs other local jobs or waits until B's latch is set (`false`: B's
/// result is in its job).
#[inline]
fn take_back(worker: &WorkerThread, job_b: JobRef, latch: &CoreLatch) -> bool {
    while !latch.probe() {
        match worker.take_local_job() {
            Some(job) if job.same(job_b) => return true,
            Some(job) => worker.execute(job),
            None => {
                worker.wait_until(latch);
                break;
            }
        }
    }
    false
}

/// A panicked in a `join_private`: B still runs (or is waited for, if
/// public: a thief may be running it, borrowing this frame) before the
/// panic goes on. B's own result or panic is dropped, as in `join_context`.
#[cold]
fn join_private_recover_from_panic<F, R>(
    worker: &WorkerThread,
    depth: usize,
    job_b: &StackJob<SpinLatch<'_>, F, R>,
    job_b_ref: JobRef,
    payload: Box<dyn std::any::Any + Send>,
) -> !
where
    F: FnOnce(bool) -> R,
{
    if worker.pop_join(depth) {
        worker.wait_until(job_b.latch.core());
    } else {
        // SAFETY: B was never published and has not run (it is only run
        // after A returns, which it did not), and `job_b` lives in the
        // caller's frame until after this call. Running it through its
        // `JobRef` catches a panic of B into its result, dropped with it.
        unsafe { job_b_ref.execute() };
    }
    unwind::resume_unwinding(payload)
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
    if take_back(worker, job_b_ref, job_b.latch.core()) {
        let result_b = job_b.run_inline(false);
        return (result_a, result_b);
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

#[cfg(test)]
mod tests {
    use std::panic::{catch_unwind, AssertUnwindSafe};
    use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

    use super::join;
    use crate::registry::{WorkerThread, PUBLIC_DEPTH};
    use crate::{current_thread_index, scope, Pool};

    /// (joins in progress, how many are public) on the current worker.
    fn stack() -> (usize, usize) {
        WorkerThread::with_current(|worker| worker.expect("on a worker").join_stack())
    }

    /// Runs `leaf` inside `depth` nested joins, whose second halves count
    /// themselves in `b_runs`.
    fn nest<R: Send>(depth: usize, b_runs: &AtomicUsize, leaf: &(dyn Fn() -> R + Sync)) -> R {
        if depth == 0 {
            return leaf();
        }
        let (r, ()) = join(
            || nest(depth - 1, b_runs, leaf),
            || {
                b_runs.fetch_add(1, Ordering::Relaxed);
            },
        );
        r
    }

    fn fib(n: u64) -> u64 {
        if n < 2 {
            return n;
        }
        let (a, b) = join(|| fib(n - 1), || fib(n - 2));
        a + b
    }

    #[test]
    fn outer_joins_are_public_deeper_ones_private() {
        let pool = Pool::new(1).unwrap();
        let b_runs = AtomicUsize::new(0);
        let depth = PUBLIC_DEPTH + 3;
        let seen = pool.install(|| nest(depth, &b_runs, &stack));
        assert_eq!(seen, (depth, PUBLIC_DEPTH));
        assert_eq!(b_runs.load(Ordering::Relaxed), depth);
        assert_eq!(pool.install(stack), (0, 0), "the stack unwinds fully");
    }

    #[test]
    fn deep_fib_on_one_thread_keeps_the_stack_balanced() {
        let pool = Pool::new(1).unwrap();
        let n = if cfg!(miri) { 10 } else { 22 };
        assert_eq!(
            pool.install(|| fib(n)),
            if cfg!(miri) { 55 } else { 17_711 }
        );
        assert_eq!(pool.install(stack), (0, 0));
    }

    #[test]
    fn a_worker_that_waits_publishes_its_private_halves_first() {
        let pool = Pool::new(1).unwrap();
        let b_runs = AtomicUsize::new(0);
        let depth = PUBLIC_DEPTH + 3;
        let (before, after, runs_inside) = pool.install(|| {
            nest(depth, &b_runs, &|| {
                let before = stack();
                // The scope's wait is a wait: every private half goes on
                // the deque, and this worker runs them while it waits.
                scope(|s| s.spawn(|_| {}));
                (before, stack(), b_runs.load(Ordering::Relaxed))
            })
        });
        assert_eq!(before, (depth, PUBLIC_DEPTH));
        assert_eq!(after, (depth, depth), "all halves published");
        // The private halves were published after the scope's task, so the
        // waiter (taking its newest jobs first) ran them before that task;
        // the public ones lie below it and wait for their joins.
        assert_eq!(runs_inside, depth - PUBLIC_DEPTH, "run while waiting");
        assert_eq!(b_runs.load(Ordering::Relaxed), depth, "each exactly once");
        assert_eq!(pool.install(stack), (0, 0));
    }

    #[test]
    fn a_panic_in_a_runs_a_private_b_before_unwinding() {
        let pool = Pool::new(1).unwrap();
        let b_runs = AtomicUsize::new(0);
        let inner_b = AtomicBool::new(false);
        let depth = PUBLIC_DEPTH + 2;
        let err = catch_unwind(AssertUnwindSafe(|| {
            pool.install(|| {
                nest(depth, &b_runs, &|| {
                    join(
                        || panic!("a at depth"),
                        || inner_b.store(true, Ordering::Relaxed),
                    )
                })
            })
        }))
        .unwrap_err();
        assert_eq!(err.downcast_ref::<&str>(), Some(&"a at depth"));
        assert!(inner_b.load(Ordering::Relaxed), "the private B ran");
        assert_eq!(b_runs.load(Ordering::Relaxed), depth, "and every outer B");
        assert_eq!(pool.install(stack), (0, 0));
    }

    #[test]
    fn a_panic_in_a_private_b_reaches_the_caller() {
        let pool = Pool::new(1).unwrap();
        let b_runs = AtomicUsize::new(0);
        let depth = PUBLIC_DEPTH + 2;
        let err = catch_unwind(AssertUnwindSafe(|| {
            pool.install(|| nest(depth, &b_runs, &|| join(|| 1, || panic!("b at depth"))))
        }))
        .unwrap_err();
        assert_eq!(err.downcast_ref::<&str>(), Some(&"b at depth"));
        assert_eq!(b_runs.load(Ordering::Relaxed), depth);
        assert_eq!(pool.install(stack), (0, 0));
        assert_eq!(pool.install(|| fib(10)), 55, "the pool stays usable");
    }

    #[test]
    fn an_idle_worker_gets_a_private_half_at_the_next_join() {
        let pool = Pool::new(2).unwrap();
        let b_runs = AtomicUsize::new(0);
        let stolen = AtomicBool::new(false);
        let (a_thread, b_thread) = pool.install(|| {
            nest(PUBLIC_DEPTH, &b_runs, &|| {
                // Depth PUBLIC_DEPTH: this B starts private.
                join(
                    || {
                        // A keeps joining (each join a chance to promote)
                        // until the other worker has run B.
                        while !stolen.load(Ordering::Acquire) {
                            join(|| (), || ());
                            std::hint::spin_loop();
                        }
                        current_thread_index()
                    },
                    || {
                        stolen.store(true, Ordering::Release);
                        current_thread_index()
                    },
                )
            })
        });
        assert!(a_thread.is_some() && b_thread.is_some());
        assert_ne!(a_thread, b_thread, "B was promoted and stolen");
        assert_eq!(b_runs.load(Ordering::Relaxed), PUBLIC_DEPTH);
    }
}

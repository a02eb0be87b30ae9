//! Jobs: type-erased pieces of work that sit in deques.
//!
//! A [`JobRef`] is two words: a data pointer and the function that runs it.
//! A `join`'s second half is a [`StackJob`] in the joining frame, so the
//! fast path allocates nothing; a scope's spawned closures are boxed
//! [`HeapJob`]s that free themselves when run.

use std::any::Any;
use std::cell::UnsafeCell;
use std::mem;

use crate::latch::Latch;
use crate::unwind;

/// A job that can be run through a raw pointer.
pub(crate) trait Job {
    /// Runs the job.
    ///
    /// # Safety
    ///
    /// `this` points to a live job of this type that has not run yet; each
    /// job is run at most once.
    unsafe fn execute(this: *const ());
}

/// A type-erased pointer to a job, as stored in the deques.
#[derive(Debug, Clone, Copy)]
pub(crate) struct JobRef {
    pointer: *const (),
    execute_fn: unsafe fn(*const ()),
}

// SAFETY: a `JobRef` only moves between the workers of one pool; the jobs it
// points to are `Send` (their closures and results are `Send`), and the
// creator keeps them alive until they have run (see `StackJob`, `HeapJob`).
unsafe impl Send for JobRef {}
// SAFETY: as above; sharing a `JobRef` gives no access beyond moving it.
unsafe impl Sync for JobRef {}

impl JobRef {
    /// # Safety
    ///
    /// `data` must stay valid until the job has run, and be run at most once.
    pub(crate) unsafe fn new<T: Job>(data: *const T) -> JobRef {
        JobRef {
            pointer: data.cast(),
            execute_fn: <T as Job>::execute,
        }
    }

    /// Whether both refer to the same job.
    #[inline]
    pub(crate) fn same(self, other: JobRef) -> bool {
        std::ptr::eq(self.pointer, other.pointer)
    }

    /// # Safety
    ///
    /// The job has not run yet (see [`JobRef::new`]).
    #[inline]
    pub(crate) unsafe fn execute(self) {
        // SAFETY: forwarded from the caller and from `JobRef::new`.
        unsafe { (self.execute_fn)(self.pointer) }
    }
}

/// The outcome of a job.
pub(crate) enum JobResult<T> {
    None,
    Ok(T),
    Panic(Box<dyn Any + Send>),
}

impl<T> JobResult<T> {
    fn call(func: impl FnOnce(bool) -> T) -> Self {
        match unwind::halt_unwinding(|| func(true)) {
            Ok(value) => JobResult::Ok(value),
            Err(payload) => JobResult::Panic(payload),
        }
    }

    /// The value, or the job's panic resumed on this thread.
    pub(crate) fn into_return_value(self) -> T {
        match self {
            JobResult::None => unreachable!("job result read before the job ran"),
            JobResult::Ok(value) => value,
            JobResult::Panic(payload) => unwind::resume_unwinding(payload),
        }
    }
}

/// A job that lives in the frame of the thread that waits for it.
///
/// `func` receives `true` when a thief runs it (the job "migrated") and
/// `false` when its owner takes it back.
pub(crate) struct StackJob<L, F, R> {
    pub(crate) latch: L,
    func: UnsafeCell<Option<F>>,
    result: UnsafeCell<JobResult<R>>,
}

impl<L: Latch, F: FnOnce(bool) -> R, R> StackJob<L, F, R> {
    pub(crate) fn new(func: F, latch: L) -> Self {
        StackJob {
            latch,
            func: UnsafeCell::new(Some(func)),
            result: UnsafeCell::new(JobResult::None),
        }
    }

    /// # Safety
    ///
    /// The job must not move and must stay alive until it has run or been
    /// taken back with [`StackJob::run_inline`] while never executed.
    pub(crate) unsafe fn as_job_ref(&self) -> JobRef {
        // SAFETY: forwarded to the caller.
        unsafe { JobRef::new(self) }
    }

    /// Runs the job on its owner, which took it back before anyone ran it.
    pub(crate) fn run_inline(self, migrated: bool) -> R {
        let func = self.func.into_inner().expect("job taken back twice");
        func(migrated)
    }

    /// Runs the job in place on its owner, which took it back before anyone
    /// ran it, without moving it: the fast path of a join whose second
    /// half nobody else saw.
    ///
    /// # Safety
    ///
    /// No other thread can reach the job (it was never published, or it
    /// was taken back from the deque), and it has not run. Its result stays
    /// `JobResult::None`, so the job may be forgotten afterwards instead of
    /// dropped.
    #[inline(always)]
    pub(crate) unsafe fn run_in_place(&self, migrated: bool) -> R {
        // SAFETY: nobody else can access `func` (caller's contract), and no
        // reference into it is live; it is `Some` because the job has not
        // run and `run_inline` consumes the job.
        let func = unsafe { (*self.func.get()).take().unwrap_unchecked() };
        func(migrated)
    }

    /// The result after the latch was observed set.
    pub(crate) fn into_result(self) -> R {
        self.result.into_inner().into_return_value()
    }
}

impl<L: Latch, F: FnOnce(bool) -> R, R> Job for StackJob<L, F, R> {
    unsafe fn execute(this: *const ()) {
        let this = this.cast::<Self>();
        let abort = unwind::AbortIfPanic;
        // SAFETY: the job is live and runs once (caller's contract); its owner
        // only reads `func`/`result` again after the latch is set below, and
        // the latch set is our last access.
        unsafe {
            let func = (*(*this).func.get()).take().expect("job run twice");
            *(*this).result.get() = JobResult::call(func);
            Latch::set(&raw const (*this).latch);
        }
        mem::forget(abort);
    }
}

/// A boxed job that frees itself when run.
pub(crate) struct HeapJob<F> {
    func: F,
}

impl<F: FnOnce() + Send> HeapJob<F> {
    /// Boxes `func` and leaks it into a `JobRef`.
    ///
    /// # Safety
    ///
    /// The returned job must run exactly once (or its box leaks), and
    /// everything `func` borrows must outlive that run.
    pub(crate) unsafe fn into_job_ref(func: F) -> JobRef {
        let raw = Box::into_raw(Box::new(HeapJob { func }));
        // SAFETY: the box stays alive until `execute` frees it.
        unsafe { JobRef::new(raw) }
    }
}

impl<F: FnOnce() + Send> Job for HeapJob<F> {
    unsafe fn execute(this: *const ()) {
        // SAFETY: `this` came from `Box::into_raw` in `into_job_ref` and runs
        // once, so we own the box.
        let this = unsafe { Box::from_raw(this.cast::<Self>().cast_mut()) };
        let HeapJob { func } = *this;
        func();
    }
}

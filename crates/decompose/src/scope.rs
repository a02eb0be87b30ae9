//! `scope`: spawn any number of borrowing tasks and wait for all of them.

use std::any::Any;
use std::fmt;
use std::marker::PhantomData;
use std::ptr;
use std::sync::atomic::{AtomicPtr, AtomicUsize, Ordering};
use std::sync::Arc;

use crate::job::HeapJob;
use crate::latch::{CoreLatch, Latch, LockLatch};
use crate::pool::in_worker;
use crate::registry::{Registry, WorkerThread};
use crate::unwind;

/// A set of spawned tasks that may borrow from the enclosing frame; see
/// [`scope`].
///
/// ## Memory ordering
///
/// `pending` counts the scope's body plus every spawned task still to
/// finish. A spawn increments it (Relaxed: the push that follows publishes
/// the job, and the count only ever reaches zero after that job ran); a
/// finishing task decrements it with AcqRel, so the last decrement has seen
/// every task's writes and publishes them through the `done` latch
/// (Release), which the owner observes with Acquire before it returns.
pub struct Scope<'scope> {
    registry: Arc<Registry>,
    /// The worker that runs the body and waits on `done`, or `None` for an
    /// in-place scope on a thread outside the pool, which blocks on
    /// `blocking` instead.
    owner: Option<usize>,
    pending: AtomicUsize,
    done: CoreLatch,
    blocking: LockLatch,
    /// The first panic of the body or a task, boxed once more to fit a thin
    /// pointer.
    panic: AtomicPtr<Box<dyn Any + Send + 'static>>,
    /// Invariant in `'scope`; tasks are `Send` closures borrowing `'scope`.
    marker: PhantomData<Box<ScopeTask<'scope>>>,
}

/// What a scope's tasks look like, for variance and auto traits.
type ScopeTask<'scope> = dyn FnOnce(&Scope<'scope>) + Send + Sync + 'scope;

impl fmt::Debug for Scope<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Scope")
            .field("owner", &self.owner)
            .field("pending", &self.pending.load(Ordering::Relaxed))
            .finish_non_exhaustive()
    }
}

/// Creates a scope on the current pool (or the global one), runs `op` in
/// it, and returns once `op` and every task it spawned have finished.
///
/// Tasks may borrow anything that outlives the scope. If `op` or any task
/// panics, the first panic is resumed on the caller after all of them have
/// finished.
///
/// ```
/// let mut hits = [0u32; 4];
/// let pool = cvp_decompose::Pool::new(2).unwrap();
/// pool.scope(|s| {
///     for (i, slot) in hits.iter_mut().enumerate() {
///         s.spawn(move |_| *slot = i as u32 * 10);
///     }
/// });
/// assert_eq!(hits, [0, 10, 20, 30]);
/// ```
pub fn scope<'scope, OP, R>(op: OP) -> R
where
    OP: FnOnce(&Scope<'scope>) -> R + Send,
    R: Send,
{
    in_worker(|worker| scope_on(worker, op))
}

/// `scope` on `worker`.
pub(crate) fn scope_on<'scope, OP, R>(worker: &WorkerThread, op: OP) -> R
where
    OP: FnOnce(&Scope<'scope>) -> R,
{
    let scope = Scope::new(Arc::clone(worker.registry()), Some(worker.index()));
    let result = scope.run_body(op);
    worker.wait_until(&scope.done);
    scope.finish(result)
}

/// Creates a scope whose body runs on the calling thread, even outside any
/// pool; its tasks run on the current pool (the global one outside any).
///
/// A [`scope`] called from outside a pool moves its body onto a worker;
/// this one does not, so the body may use what is not `Send` (a
/// thread-local, an `Rc`), and the caller blocks only once the body is done
/// and tasks are still running.
///
/// ```
/// let local = std::rc::Rc::new(5); // not Send: fine in the body
/// let mut out = [0; 3];
/// cvp_decompose::in_place_scope(|s| {
///     for (i, slot) in out.iter_mut().enumerate() {
///         s.spawn(move |_| *slot = i * 2);
///     }
///     assert_eq!(*local, 5);
/// });
/// assert_eq!(out, [0, 2, 4]);
/// ```
pub fn in_place_scope<'scope, OP, R>(op: OP) -> R
where
    OP: FnOnce(&Scope<'scope>) -> R,
{
    let worker = WorkerThread::current();
    // SAFETY: a non-null pointer is the current thread's live worker.
    match unsafe { worker.as_ref() } {
        Some(worker) => scope_on(worker, op),
        None => in_place_scope_on(Arc::clone(crate::Pool::global().registry()), op),
    }
}

/// `in_place_scope` on `registry`, from the current thread.
pub(crate) fn in_place_scope_on<'scope, OP, R>(registry: Arc<Registry>, op: OP) -> R
where
    OP: FnOnce(&Scope<'scope>) -> R,
{
    let worker = WorkerThread::current();
    // SAFETY: a non-null pointer is the current thread's live worker.
    match unsafe { worker.as_ref() } {
        Some(worker) if Arc::ptr_eq(worker.registry(), &registry) => scope_on(worker, op),
        // A worker of another pool, or no worker at all: block.
        _ => {
            let scope = Scope::new(registry, None);
            let result = scope.run_body(op);
            scope.blocking.wait();
            scope.finish(result)
        }
    }
}

/// A `*const Scope` that may cross threads: the scope is `Sync` and outlives
/// its tasks.
struct ScopePtr<'scope>(*const Scope<'scope>);

// SAFETY: `Scope` is `Sync`, and the scope outlives every task holding this
// pointer (it waits for `pending` to reach zero).
unsafe impl Send for ScopePtr<'_> {}

impl<'scope> ScopePtr<'scope> {
    /// Taking `self` whole makes closures capture the `Send` wrapper, not
    /// its raw field.
    fn get(self) -> *const Scope<'scope> {
        self.0
    }
}

impl<'scope> Scope<'scope> {
    fn new(registry: Arc<Registry>, owner: Option<usize>) -> Self {
        Scope {
            registry,
            owner,
            pending: AtomicUsize::new(1),
            done: CoreLatch::new(),
            blocking: LockLatch::new(),
            panic: AtomicPtr::new(ptr::null_mut()),
            marker: PhantomData,
        }
    }

    /// Runs the body, keeping its panic for `finish`, and counts it done.
    fn run_body<OP, R>(&self, op: OP) -> Option<R>
    where
        OP: FnOnce(&Scope<'scope>) -> R,
    {
        let result = match unwind::halt_unwinding(|| op(self)) {
            Ok(value) => Some(value),
            Err(payload) => {
                self.store_panic(payload);
                None
            }
        };
        // SAFETY: `self` is live; this is the body's own count.
        unsafe { Scope::task_done(self) };
        result
    }

    /// After every task finished: the first panic, or the body's result.
    fn finish<R>(&self, result: Option<R>) -> R {
        let panic = self.panic.swap(ptr::null_mut(), Ordering::Acquire);
        if !panic.is_null() {
            // SAFETY: the pointer came from `Box::into_raw` in `store_panic`
            // and was swapped out, so we own it.
            let payload = unsafe { Box::from_raw(panic) };
            unwind::resume_unwinding(*payload);
        }
        result.expect("a scope body that panicked stored its panic")
    }

    /// Spawns `body` to run on the pool within this scope.
    ///
    /// The task receives the scope, so it can spawn more tasks. It may run
    /// on any worker, or on the scope's own thread while it waits, so it
    /// must be `Send`:
    ///
    /// ```compile_fail
    /// let rc = std::rc::Rc::new(1);
    /// let pool = cvp_decompose::Pool::new(1).unwrap();
    /// pool.scope(|s| s.spawn(move |_| drop(rc)));
    /// ```
    pub fn spawn<F>(&self, body: F)
    where
        F: FnOnce(&Scope<'scope>) + Send + 'scope,
    {
        self.pending.fetch_add(1, Ordering::Relaxed);
        let scope = ScopePtr(self);
        let task = move || {
            let scope = scope.get();
            // SAFETY: the scope waits until `pending` reaches zero, which
            // happens only after `task_done` below, so it is live here.
            let scope_ref = unsafe { &*scope };
            if let Err(payload) = unwind::halt_unwinding(|| body(scope_ref)) {
                scope_ref.store_panic(payload);
            }
            // SAFETY: live (as above); `task_done` is our last access.
            unsafe { Scope::task_done(scope) };
        };
        // SAFETY: the job runs exactly once (workers drain every queue, even
        // at shutdown), and everything it borrows outlives `'scope`, which
        // outlives the wait in `scope_on`.
        let job = unsafe { HeapJob::into_job_ref(task) };
        self.registry.push_or_inject(job);
    }

    fn store_panic(&self, payload: Box<dyn Any + Send>) {
        if !self.panic.load(Ordering::Relaxed).is_null() {
            return;
        }
        let boxed = Box::into_raw(Box::new(payload));
        if self
            .panic
            .compare_exchange(ptr::null_mut(), boxed, Ordering::AcqRel, Ordering::Relaxed)
            .is_err()
        {
            // SAFETY: we still own `boxed`: the exchange failed.
            drop(unsafe { Box::from_raw(boxed) });
        }
    }

    /// One task (or the body) finished; the last one sets `done`.
    ///
    /// # Safety
    ///
    /// `this` is live when called; it may dangle as soon as the latch is
    /// set, which is the last access. The caller runs on a worker of the
    /// scope's pool.
    unsafe fn task_done(this: *const Self) {
        // SAFETY: live per the contract.
        let last = unsafe { (*this).pending.fetch_sub(1, Ordering::AcqRel) } == 1;
        if !last {
            return;
        }
        // SAFETY: live until the latch is set below; copy what we need first.
        let (registry, owner) = unsafe { (Arc::as_ptr(&(*this).registry), (*this).owner) };
        match owner {
            Some(owner) => {
                // SAFETY: live until this swap.
                if unsafe { CoreLatch::set(&raw const (*this).done) } {
                    // SAFETY: the caller is a worker of this pool, whose own
                    // `Arc` keeps the registry alive.
                    unsafe { (*registry).sleep().wake_specific(owner) };
                }
            }
            // SAFETY: live when the call starts; the blocked owner cannot
            // return before `set` releases the latch's mutex.
            None => unsafe { LockLatch::set(&raw const (*this).blocking) },
        }
    }
}

//! The registry: what a pool's workers share (deques' stealing ends, the
//! injector, the sleep state, stats, trace) and the worker's loop.

use std::any::Any;
use std::cell::{Cell, UnsafeCell};
use std::ptr;
use std::sync::Arc;
use std::thread;
use std::time::Instant;

use crossbeam_deque::{Injector, Steal, Stealer, Worker};
use crossbeam_utils::CachePadded;

use crate::job::{JobRef, StackJob};
use crate::latch::{CoreLatch, LockLatch, SpinLatch};
use crate::sleep::Sleep;
use crate::stats::WorkerCounters;
use crate::trace::TraceRecorder;
use crate::unwind;

/// Rounds of busy searching (with a spin hint) before a worker yields.
const SPIN_ROUNDS: u32 = 16;
/// Rounds of searching before a worker sleeps. Short enough that an idle
/// pool goes quiet within microseconds, long enough that a `join` whose
/// other half is about to be pushed finds it without a system call.
const ROUNDS_UNTIL_SLEEP: u32 = 48;

/// A handler called with a worker's index.
pub(crate) type ThreadHandler = Arc<dyn Fn(usize) + Send + Sync>;
/// A handler called with the payload of a panic nobody waits for.
pub(crate) type PanicHandler = Arc<dyn Fn(Box<dyn Any + Send>) + Send + Sync>;

/// The pool's handlers (see `Builder`).
#[derive(Default, Clone)]
pub(crate) struct Hooks {
    pub(crate) start: Option<ThreadHandler>,
    pub(crate) exit: Option<ThreadHandler>,
    pub(crate) panic: Option<PanicHandler>,
}

/// What the workers of one pool share.
pub(crate) struct Registry {
    injector: Injector<JobRef>,
    /// Per worker: jobs only that worker may run (`broadcast`).
    inboxes: Box<[Injector<JobRef>]>,
    stealers: Box<[Stealer<JobRef>]>,
    sleep: Sleep,
    /// Per worker: set when the pool shuts down.
    terminate: Box<[CachePadded<CoreLatch>]>,
    counters: Box<[CachePadded<WorkerCounters>]>,
    trace: TraceRecorder,
    hooks: Hooks,
}

impl Registry {
    /// A registry for `threads` workers and the local deques they will own.
    pub(crate) fn new(
        threads: usize,
        trace: bool,
        hooks: Hooks,
    ) -> (Arc<Registry>, Vec<Worker<JobRef>>) {
        let workers: Vec<Worker<JobRef>> = (0..threads).map(|_| Worker::new_lifo()).collect();
        let registry = Registry {
            injector: Injector::new(),
            inboxes: (0..threads).map(|_| Injector::new()).collect(),
            stealers: workers.iter().map(Worker::stealer).collect(),
            sleep: Sleep::new(threads),
            terminate: (0..threads)
                .map(|_| CachePadded::new(CoreLatch::new()))
                .collect(),
            counters: (0..threads).map(|_| CachePadded::default()).collect(),
            trace: TraceRecorder::new(threads),
            hooks,
        };
        if trace {
            registry.trace.start();
        }
        (Arc::new(registry), workers)
    }

    pub(crate) fn num_threads(&self) -> usize {
        self.stealers.len()
    }

    pub(crate) fn sleep(&self) -> &Sleep {
        &self.sleep
    }

    pub(crate) fn counters(&self) -> &[CachePadded<WorkerCounters>] {
        &self.counters
    }

    pub(crate) fn trace(&self) -> &TraceRecorder {
        &self.trace
    }

    /// Hands the panic of a job nobody waits for to the panic handler; the
    /// payload is dropped when there is none (the panic hook has already
    /// reported it). A panicking handler aborts: there is nowhere left to
    /// send its panic.
    pub(crate) fn handle_panic(&self, payload: Box<dyn Any + Send>) {
        if let Some(handler) = &self.hooks.panic {
            let abort = unwind::AbortIfPanic;
            handler(payload);
            std::mem::forget(abort);
        }
    }

    /// Pushes a job that only worker `index` may run, and makes sure it
    /// will: a sleeping worker is woken; one about to sleep holds its sleep
    /// mutex from its last check of its inbox to its wait, so the wake-up
    /// cannot fall in between.
    pub(crate) fn inject_to(&self, index: usize, job: JobRef) {
        self.inboxes[index].push(job);
        self.sleep.wake_specific(index);
    }

    fn id(&self) -> *const Registry {
        self
    }

    /// Pushes a job where any worker can find it and makes sure one will.
    pub(crate) fn inject(&self, job: JobRef) {
        self.injector.push(job);
        self.sleep.new_injected_job();
    }

    /// Pushes on the current worker's deque if it belongs to this pool,
    /// else on the injector.
    pub(crate) fn push_or_inject(&self, job: JobRef) {
        let worker = WorkerThread::current();
        // SAFETY: a non-null pointer is the current thread's live worker.
        match unsafe { worker.as_ref() } {
            Some(worker) if ptr::eq(worker.registry.id(), self.id()) => worker.push(job),
            _ => self.inject(job),
        }
    }

    /// Whether any queue holds a job (the last check before sleeping).
    fn has_work(&self) -> bool {
        !self.injector.is_empty() || self.stealers.iter().any(|s| !s.is_empty())
    }

    /// Asks every worker to finish the queued work and exit.
    pub(crate) fn terminate(&self) {
        for (index, latch) in self.terminate.iter().enumerate() {
            // SAFETY: the latches live as long as the registry, which `self`
            // borrows.
            if unsafe { CoreLatch::set(&**latch) } {
                self.sleep.wake_specific(index);
            }
        }
    }

    /// Runs `op` on a worker of this pool: directly if the current thread is
    /// one, else by injecting it and waiting.
    #[inline]
    pub(crate) fn in_worker<OP, R>(self: &Arc<Self>, op: OP) -> R
    where
        OP: FnOnce(&WorkerThread) -> R + Send,
        R: Send,
    {
        let worker = WorkerThread::current();
        // SAFETY: a non-null pointer is the current thread's live worker.
        match unsafe { worker.as_ref() } {
            None => self.in_worker_cold(op),
            Some(worker) if !ptr::eq(worker.registry.id(), self.id()) => {
                self.in_worker_cross(worker, op)
            }
            Some(worker) => op(worker),
        }
    }

    /// From outside any pool: inject, block until done.
    #[cold]
    fn in_worker_cold<OP, R>(self: &Arc<Self>, op: OP) -> R
    where
        OP: FnOnce(&WorkerThread) -> R + Send,
        R: Send,
    {
        let job = StackJob::new(
            |_migrated| {
                let worker = WorkerThread::current();
                // SAFETY: injected jobs only run on workers, whose pointer is
                // live while they run a job.
                op(unsafe { &*worker })
            },
            LockLatch::new(),
        );
        // SAFETY: `job` stays in this frame until its latch is set.
        self.inject(unsafe { job.as_job_ref() });
        job.latch.wait();
        job.into_result()
    }

    /// From a worker of another pool: inject here, keep working there.
    #[cold]
    fn in_worker_cross<OP, R>(self: &Arc<Self>, current: &WorkerThread, op: OP) -> R
    where
        OP: FnOnce(&WorkerThread) -> R + Send,
        R: Send,
    {
        let job = StackJob::new(
            |_migrated| {
                let worker = WorkerThread::current();
                // SAFETY: as in `in_worker_cold`.
                op(unsafe { &*worker })
            },
            SpinLatch::cross(current),
        );
        // SAFETY: `job` stays in this frame until its latch is set.
        self.inject(unsafe { job.as_job_ref() });
        current.wait_until(job.latch.core());
        job.into_result()
    }
}

thread_local! {
    /// The worker running on this thread, or null.
    static WORKER_THREAD: Cell<*const WorkerThread> = const { Cell::new(ptr::null()) };
}

/// Joins at a depth below this (counted over the worker's stack of joins in
/// progress) publish their second half at once: the coarse halves that keep
/// every worker busy are on the deque from the start.
pub(crate) const PUBLIC_DEPTH: usize = 4;

/// A worker's own state, on its thread's stack for the thread's life.
///
/// `!Sync` (its `Cell`s): only the owning thread ever holds a reference to
/// it, which is what makes the private join stack below sound.
pub(crate) struct WorkerThread {
    worker: Worker<JobRef>,
    index: usize,
    registry: Arc<Registry>,
    rng: Cell<u64>,
    /// The second halves of this worker's `join`s in progress, outermost
    /// first. Entries below `promoted` are public (also on the deque); the
    /// rest are private: no other thread knows of them.
    joins: UnsafeCell<Vec<JobRef>>,
    /// How many of the outermost entries of `joins` are public.
    promoted: Cell<usize>,
}

impl WorkerThread {
    /// The current thread's worker, or null outside any pool.
    #[inline]
    pub(crate) fn current() -> *const WorkerThread {
        WORKER_THREAD.with(Cell::get)
    }

    pub(crate) fn index(&self) -> usize {
        self.index
    }

    pub(crate) fn registry(&self) -> &Arc<Registry> {
        &self.registry
    }

    pub(crate) fn counters(&self) -> &WorkerCounters {
        &self.registry.counters[self.index]
    }

    /// Pushes a job where thieves can see it.
    #[inline]
    pub(crate) fn push(&self, job: JobRef) {
        self.worker.push(job);
        self.registry.sleep.new_local_job(|| self.worker.len() > 1);
    }

    /// Records the second half of a `join` on the private stack, and returns
    /// its depth (its index in the stack). The outermost [`PUBLIC_DEPTH`]
    /// go public at once; a deeper one stays private, but the call first
    /// looks (one relaxed load) for an idle worker, and if there is one and
    /// our deque is empty, promotes the oldest private half for it.
    #[inline]
    pub(crate) fn push_join(&self, job: JobRef) -> usize {
        // SAFETY: only the owning thread touches `joins` (`WorkerThread` is
        // `!Sync` and never shared), and no other reference to it is live:
        // every access is a short block that runs no foreign code.
        let joins = unsafe { &mut *self.joins.get() };
        let depth = joins.len();
        joins.push(job);
        if depth < PUBLIC_DEPTH && self.promoted.get() == depth {
            self.promoted.set(depth + 1);
            self.push(job);
        } else if self.registry.sleep.has_idle() {
            self.promote_on_demand();
        }
        depth
    }

    /// Removes the `join` half at `depth` (the newest entry) from the
    /// stack; returns whether it was public (it may have been stolen, and
    /// is on the deque or run already) or still private (nobody else can
    /// reach it: the caller runs it).
    #[inline]
    pub(crate) fn pop_join(&self, depth: usize) -> bool {
        // SAFETY: as in `push_join`.
        let joins = unsafe { &mut *self.joins.get() };
        debug_assert_eq!(joins.len(), depth + 1, "join stack out of order");
        // SAFETY: the entries above `depth` belong to joins nested in this
        // one, which removed them before returning (on every path, panics
        // included), so `depth < len`; `JobRef` is `Copy`, nothing to drop.
        unsafe { joins.set_len(depth) };
        if self.promoted.get() > depth {
            self.promoted.set(depth);
            true
        } else {
            false
        }
    }

    /// Some worker is idle: give it the oldest private half if our deque is
    /// empty (a thief has not yet taken what we published), or wake a
    /// sleeper for what is on it when nobody is searching.
    #[cold]
    #[inline(never)]
    fn promote_on_demand(&self) {
        if self.worker.is_empty() {
            // SAFETY: as in `push_join`.
            let joins = unsafe { &*self.joins.get() };
            let oldest = self.promoted.get();
            if let Some(&job) = joins.get(oldest) {
                self.promoted.set(oldest + 1);
                self.push(job);
            }
        } else {
            self.registry.sleep.new_local_job(|| false);
        }
    }

    /// Publishes every private half, oldest first: called before this
    /// worker waits, so that nothing private is stranded while it blocks.
    fn publish_joins(&self) {
        // SAFETY: as in `push_join`.
        let joins = unsafe { &*self.joins.get() };
        let from = self.promoted.get();
        if from == joins.len() {
            return;
        }
        for &job in &joins[from..] {
            self.worker.push(job);
        }
        self.promoted.set(joins.len());
        self.registry.sleep.new_local_job(|| true);
    }

    /// The private join stack's state: (joins in progress, how many of the
    /// outermost are public).
    #[cfg(test)]
    pub(crate) fn join_stack(&self) -> (usize, usize) {
        // SAFETY: as in `push_join`.
        let len = unsafe { (*self.joins.get()).len() };
        (len, self.promoted.get())
    }

    /// Pops the newest job of our own deque.
    #[inline]
    pub(crate) fn take_local_job(&self) -> Option<JobRef> {
        self.worker.pop()
    }

    /// Runs a job found in a deque.
    pub(crate) fn execute(&self, job: JobRef) {
        self.counters().add_job();
        // SAFETY: jobs in the deques have not run; whoever pushed them keeps
        // them alive until they have.
        unsafe { job.execute() }
    }

    fn next_random(&self) -> u64 {
        // xorshift64*: cheap, and good enough to spread the first victim.
        let mut x = self.rng.get();
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.rng.set(x);
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// Local deque, then our inbox, then another worker's deque (starting at
    /// a random victim), then the injector.
    fn find_work(&self) -> Option<JobRef> {
        self.take_local_job()
            .or_else(|| self.take_inbox_job())
            .or_else(|| self.steal())
            .or_else(|| self.steal_injected())
    }

    fn steal(&self) -> Option<JobRef> {
        let stealers = &self.registry.stealers;
        let n = stealers.len();
        if n <= 1 {
            return None;
        }
        loop {
            let mut retry = false;
            let start = (self.next_random() % n as u64) as usize;
            for victim in (start..n).chain(0..start) {
                if victim == self.index {
                    continue;
                }
                match stealers[victim].steal() {
                    Steal::Success(job) => {
                        self.counters().add_steal();
                        return Some(job);
                    }
                    Steal::Retry => retry = true,
                    Steal::Empty => {}
                }
            }
            if !retry {
                return None;
            }
        }
    }

    fn take_inbox_job(&self) -> Option<JobRef> {
        let inbox = &self.registry.inboxes[self.index];
        loop {
            match inbox.steal() {
                Steal::Success(job) => return Some(job),
                Steal::Empty => return None,
                Steal::Retry => {}
            }
        }
    }

    fn steal_injected(&self) -> Option<JobRef> {
        loop {
            match self.registry.injector.steal() {
                Steal::Success(job) => return Some(job),
                Steal::Empty => return None,
                Steal::Retry => {}
            }
        }
    }

    /// Works (runs our own jobs, steals) until `latch` is set.
    #[inline]
    pub(crate) fn wait_until(&self, latch: &CoreLatch) {
        if !latch.probe() {
            self.wait_until_cold(latch);
        }
    }

    #[cold]
    fn wait_until_cold(&self, latch: &CoreLatch) {
        self.publish_joins();
        let sleep = &self.registry.sleep;
        let mut idle_since = Instant::now();
        let mut rounds = 0;
        sleep.start_looking();
        while !latch.probe() {
            if let Some(job) = self.find_work() {
                sleep.work_found();
                self.counters().add_idle(idle_since.elapsed());
                self.execute(job);
                idle_since = Instant::now();
                sleep.start_looking();
                rounds = 0;
            } else if rounds < ROUNDS_UNTIL_SLEEP {
                if rounds < SPIN_ROUNDS {
                    std::hint::spin_loop();
                } else {
                    thread::yield_now();
                }
                rounds += 1;
            } else {
                self.counters().add_sleep();
                sleep.sleep(self.index, latch, || {
                    self.registry.has_work() || !self.registry.inboxes[self.index].is_empty()
                });
                rounds = 0;
            }
        }
        sleep.stop_looking();
        self.counters().add_idle(idle_since.elapsed());
    }
}

/// The body of worker thread `index`.
pub(crate) fn main_loop(worker: Worker<JobRef>, registry: Arc<Registry>, index: usize) {
    let seed = (index as u64 + 1).wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    let this = WorkerThread {
        worker,
        index,
        registry,
        rng: Cell::new(seed),
        joins: UnsafeCell::new(Vec::with_capacity(64)),
        promoted: Cell::new(0),
    };
    WORKER_THREAD.with(|cell| cell.set(&this));
    run_handler(&this.registry, this.registry.hooks.start.as_ref(), index);
    let abort = unwind::AbortIfPanic;
    let terminate = &this.registry.terminate[index];
    this.wait_until(terminate);
    // Shutting down: finish what is still queued so no job is dropped
    // unrun (its creator may be waiting on it).
    while let Some(job) = this.find_work() {
        this.execute(job);
    }
    std::mem::forget(abort);
    run_handler(&this.registry, this.registry.hooks.exit.as_ref(), index);
    WORKER_THREAD.with(|cell| cell.set(ptr::null()));
}

/// Runs a start or exit handler; its panic goes to the panic handler.
fn run_handler(registry: &Registry, handler: Option<&ThreadHandler>, index: usize) {
    if let Some(handler) = handler {
        if let Err(payload) = unwind::halt_unwinding(|| handler(index)) {
            registry.handle_panic(payload);
        }
    }
}

/// Asserts at compile time that a pool's shared parts cross threads.
#[allow(dead_code)]
fn assert_send_sync() {
    fn send_sync<T: Send + Sync>() {}
    send_sync::<Registry>();
    send_sync::<JobRef>();
}

impl WorkerThread {
    /// Calls `f` with the current thread's worker, if it is one.
    #[inline]
    pub(crate) fn with_current<R>(f: impl FnOnce(Option<&WorkerThread>) -> R) -> R {
        let worker = WorkerThread::current();
        // SAFETY: the pointer is either null or set by `main_loop` to a
        // `WorkerThread` on this thread's stack, which stays alive (and in
        // place) until `main_loop` clears the pointer; `f` runs inside that
        // span and the reference does not escape it.
        f(unsafe { worker.as_ref() })
    }
}

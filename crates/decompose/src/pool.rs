//! The public pool: building it, running work on it, shutting it down.

use std::any::Any;
use std::fmt;
use std::ops::Range;
use std::sync::{Arc, OnceLock};
use std::thread::{self, JoinHandle};

use crate::broadcast::broadcast_on;
use crate::error::BuildError;
use crate::future::{spawn_future_in, PoolFuture};
use crate::job::HeapJob;
use crate::join::join_private;
use crate::map_reduce::{for_each_chunk_mut_in, map_reduce_in, IndexRange};
use crate::registry::{main_loop, Hooks, Registry, WorkerThread};
use crate::scope::{in_place_scope_on, scope_on, Scope};
use crate::sleep::MAX_THREADS;
use crate::stats::PoolStats;
use crate::strategy::Strategy;
use crate::trace::Trace;
use crate::unwind;

/// A work-stealing thread pool.
///
/// Each worker owns a Chase–Lev deque: it pushes and pops at one end, idle
/// workers steal from the other. Work from outside the pool enters through a
/// shared injector, and the caller blocks until it is done. Idle workers
/// sleep. Dropping the pool runs whatever is still queued, then joins the
/// workers.
///
/// ```
/// let pool = cvp_decompose::Pool::new(2)?;
/// let (a, b) = pool.join(|| 1 + 1, || 2 + 2);
/// assert_eq!((a, b), (2, 4));
/// assert_eq!(pool.install(cvp_decompose::current_num_threads), 2);
/// # Ok::<(), cvp_decompose::BuildError>(())
/// ```
pub struct Pool {
    registry: Arc<Registry>,
    handles: Vec<JoinHandle<()>>,
}

impl fmt::Debug for Pool {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Pool")
            .field("threads", &self.num_threads())
            .finish_non_exhaustive()
    }
}

/// The environment variable that sets the size of the global pool.
pub const NUM_THREADS_ENV: &str = "CVP_NUM_THREADS";

/// Configures a [`Pool`]: thread count, thread names, stack size, handlers
/// for worker start, exit and panics, tracing.
///
/// ```
/// use std::sync::atomic::{AtomicUsize, Ordering};
/// use std::sync::Arc;
///
/// let started = Arc::new(AtomicUsize::new(0));
/// let panics = Arc::new(AtomicUsize::new(0));
/// let pool = {
///     let (started, panics) = (Arc::clone(&started), Arc::clone(&panics));
///     cvp_decompose::Builder::new()
///         .num_threads(2)
///         .thread_name(|i| format!("crunch-{i}"))
///         .stack_size(4 << 20)
///         .start_handler(move |_index| { started.fetch_add(1, Ordering::SeqCst); })
///         .panic_handler(move |_payload| { panics.fetch_add(1, Ordering::SeqCst); })
///         .build()?
/// };
/// pool.spawn(|| panic!("lost in the background"));
/// drop(pool); // runs what is queued, then joins the workers
/// assert_eq!(started.load(Ordering::SeqCst), 2);
/// assert_eq!(panics.load(Ordering::SeqCst), 1);
/// # Ok::<(), cvp_decompose::BuildError>(())
/// ```
pub struct Builder {
    num_threads: Option<usize>,
    thread_name: Option<Box<dyn FnMut(usize) -> String>>,
    stack_size: Option<usize>,
    trace: bool,
    hooks: Hooks,
}

impl fmt::Debug for Builder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Builder")
            .field("num_threads", &self.num_threads)
            .field("stack_size", &self.stack_size)
            .field("trace", &self.trace)
            .finish_non_exhaustive()
    }
}

impl Default for Builder {
    fn default() -> Self {
        Builder::new()
    }
}

impl Builder {
    /// Defaults: one thread per available core, threads named
    /// `cvp-decompose-{index}`, the platform's stack size, no trace.
    pub fn new() -> Builder {
        Builder {
            num_threads: None,
            thread_name: None,
            stack_size: None,
            trace: false,
            hooks: Hooks::default(),
        }
    }

    /// The number of worker threads (0 makes [`Builder::build`] fail).
    #[must_use]
    pub fn num_threads(mut self, threads: usize) -> Builder {
        self.num_threads = Some(threads);
        self
    }

    /// Names worker `index`.
    #[must_use]
    pub fn thread_name(mut self, name: impl FnMut(usize) -> String + 'static) -> Builder {
        self.thread_name = Some(Box::new(name));
        self
    }

    /// The stack size of each worker, in bytes.
    #[must_use]
    pub fn stack_size(mut self, bytes: usize) -> Builder {
        self.stack_size = Some(bytes);
        self
    }

    /// Called on each worker thread, with its index, before it takes any
    /// work. A panic in it goes to the panic handler.
    #[must_use]
    pub fn start_handler(mut self, handler: impl Fn(usize) + Send + Sync + 'static) -> Builder {
        self.hooks.start = Some(Arc::new(handler));
        self
    }

    /// Called on each worker thread, with its index, after it ran its last
    /// job, as the pool shuts down. A panic in it goes to the panic
    /// handler.
    #[must_use]
    pub fn exit_handler(mut self, handler: impl Fn(usize) + Send + Sync + 'static) -> Builder {
        self.hooks.exit = Some(Arc::new(handler));
        self
    }

    /// Receives the panic of every job nobody waits for: a
    /// [`Pool::spawn`]ed job, a [`Pool::spawn_future`] whose future was
    /// dropped, a start or exit handler. Without one, such a panic is
    /// reported by the panic hook (as every panic is) and otherwise
    /// ignored. A panic inside the handler aborts the process.
    #[must_use]
    pub fn panic_handler(
        mut self,
        handler: impl Fn(Box<dyn Any + Send>) + Send + Sync + 'static,
    ) -> Builder {
        self.hooks.panic = Some(Arc::new(handler));
        self
    }

    /// Starts the pool with its trace recorder on (see [`Pool::start_trace`]).
    #[must_use]
    pub fn trace(mut self, on: bool) -> Builder {
        self.trace = on;
        self
    }

    /// Starts the workers.
    pub fn build(mut self) -> Result<Pool, BuildError> {
        let threads = match self.num_threads {
            Some(0) => return Err(BuildError::ZeroThreads),
            Some(threads) => threads,
            None => thread::available_parallelism().map_or(1, |n| n.get()),
        };
        if threads > MAX_THREADS {
            return Err(BuildError::TooManyThreads {
                requested: threads,
                max: MAX_THREADS,
            });
        }
        let (registry, workers) = Registry::new(threads, self.trace, self.hooks.clone());
        let mut pool = Pool {
            registry,
            handles: Vec::with_capacity(threads),
        };
        for (index, worker) in workers.into_iter().enumerate() {
            let name = match &mut self.thread_name {
                Some(name) => name(index),
                None => format!("cvp-decompose-{index}"),
            };
            let mut builder = thread::Builder::new().name(name);
            if let Some(bytes) = self.stack_size {
                builder = builder.stack_size(bytes);
            }
            let registry = Arc::clone(&pool.registry);
            // On failure, dropping `pool` stops the workers started so far;
            // the deques of the others are dropped empty.
            let handle = builder
                .spawn(move || main_loop(worker, registry, index))
                .map_err(BuildError::Spawn)?;
            pool.handles.push(handle);
        }
        Ok(pool)
    }
}

impl Pool {
    /// A pool of `threads` workers with default settings.
    pub fn new(threads: usize) -> Result<Pool, BuildError> {
        Builder::new().num_threads(threads).build()
    }

    /// A [`Builder`].
    pub fn builder() -> Builder {
        Builder::new()
    }

    /// The global pool, built on first use. The free functions
    /// ([`join`](crate::join), [`map_reduce`](crate::map_reduce), parallel
    /// iterators, ...) use it when called outside any pool.
    ///
    /// Its size is the environment variable `CVP_NUM_THREADS`
    /// ([`NUM_THREADS_ENV`]) when that is a positive integer, else one
    /// worker per available core. A value that is not a positive integer
    /// is reported in one line on standard error and ignored.
    ///
    /// # Panics
    ///
    /// If the operating system refuses to start its threads.
    pub fn global() -> &'static Pool {
        static GLOBAL: OnceLock<Pool> = OnceLock::new();
        GLOBAL.get_or_init(|| {
            let value = std::env::var(NUM_THREADS_ENV).ok();
            let mut builder =
                Builder::new().thread_name(|index| format!("cvp-decompose-global-{index}"));
            match threads_from_env(value.as_deref()) {
                Ok(Some(threads)) => builder = builder.num_threads(threads),
                Ok(None) => {}
                Err(err) => eprintln!("cvp-decompose: {err}; using one thread per core"),
            }
            builder
                .build()
                .unwrap_or_else(|err| panic!("cvp-decompose: cannot build the global pool: {err}"))
        })
    }

    pub(crate) fn registry(&self) -> &Arc<Registry> {
        &self.registry
    }

    /// The number of worker threads.
    pub fn num_threads(&self) -> usize {
        self.registry.num_threads()
    }

    /// Runs `op` on a worker of this pool and returns its result; the free
    /// functions called inside use this pool. From outside the pool the
    /// caller blocks until `op` is done; from a worker of another pool, that
    /// worker keeps working meanwhile.
    pub fn install<OP, R>(&self, op: OP) -> R
    where
        OP: FnOnce() -> R + Send,
        R: Send,
    {
        self.registry.in_worker(|_| op())
    }

    /// [`join`](crate::join) on this pool.
    pub fn join<A, B, RA, RB>(&self, a: A, b: B) -> (RA, RB)
    where
        A: FnOnce() -> RA + Send,
        B: FnOnce() -> RB + Send,
        RA: Send,
        RB: Send,
    {
        self.registry.in_worker(|worker| join_private(worker, a, b))
    }

    /// Runs `op(index)` once on every worker of this pool (`index` is the
    /// worker's) and returns the results in worker order. Each worker runs
    /// its call as soon as it is between jobs; a worker that is waiting on
    /// other work runs it meanwhile. A panic in any call reaches the caller
    /// once every call has finished.
    ///
    /// ```
    /// let pool = cvp_decompose::Pool::new(3)?;
    /// let indices = pool.broadcast(|index| (index, cvp_decompose::current_thread_index()));
    /// assert_eq!(indices, [(0, Some(0)), (1, Some(1)), (2, Some(2))]);
    /// # Ok::<(), cvp_decompose::BuildError>(())
    /// ```
    pub fn broadcast<OP, R>(&self, op: OP) -> Vec<R>
    where
        OP: Fn(usize) -> R + Sync,
        R: Send,
    {
        self.registry.in_worker(|worker| broadcast_on(worker, &op))
    }

    /// [`in_place_scope`](crate::in_place_scope) with this pool's workers
    /// running the tasks: the body runs on the calling thread.
    pub fn in_place_scope<'scope, OP, R>(&self, op: OP) -> R
    where
        OP: FnOnce(&Scope<'scope>) -> R,
    {
        in_place_scope_on(Arc::clone(&self.registry), op)
    }

    /// Runs `job` on the pool and returns a future of its result, so async
    /// code hands CPU work to the pool without blocking its own thread.
    ///
    /// The future works on any executor (it needs no runtime: the worker
    /// that finishes the job wakes the task that awaits it). A panic in
    /// `job` is resumed where the future is polled. Dropping the future
    /// does not cancel the job: it still runs to the end, its result is
    /// dropped on the worker, and a panic then goes to the pool's panic
    /// handler.
    ///
    /// ```
    /// let pool = cvp_decompose::Pool::new(2)?;
    /// let future = pool.spawn_future(|| (1..=20u64).product::<u64>());
    /// assert_eq!(futures::executor::block_on(future), 2_432_902_008_176_640_000);
    /// # Ok::<(), cvp_decompose::BuildError>(())
    /// ```
    pub fn spawn_future<F, R>(&self, job: F) -> PoolFuture<R>
    where
        F: FnOnce() -> R + Send + 'static,
        R: Send + 'static,
    {
        spawn_future_in(&self.registry, job)
    }

    /// [`scope`](crate::scope) on this pool.
    pub fn scope<'scope, OP, R>(&self, op: OP) -> R
    where
        OP: FnOnce(&Scope<'scope>) -> R + Send,
        R: Send,
    {
        self.registry.in_worker(|worker| scope_on(worker, op))
    }

    /// [`map_reduce`](crate::map_reduce) on this pool.
    pub fn map_reduce<T, L, C>(
        &self,
        range: impl IndexRange,
        strategy: Strategy,
        leaf: L,
        combine: C,
    ) -> T
    where
        T: Send,
        L: Fn(Range<usize>) -> T + Sync,
        C: Fn(T, T) -> T + Sync,
    {
        map_reduce_in(
            &self.registry,
            range.into_index_range(),
            strategy,
            &leaf,
            &combine,
        )
    }

    /// [`for_each_chunk_mut`](crate::for_each_chunk_mut) on this pool.
    pub fn for_each_chunk_mut<T, F>(&self, slice: &mut [T], chunk_len: usize, f: F)
    where
        T: Send,
        F: Fn(usize, &mut [T]) + Sync,
    {
        for_each_chunk_mut_in(&self.registry, slice, chunk_len, &f);
    }

    /// Queues `job` to run on the pool and returns at once. A panic in
    /// `job` goes to the pool's panic handler ([`Builder::panic_handler`]);
    /// without one it is reported by the panic hook and otherwise ignored.
    /// Dropping the pool runs every queued job before the workers exit.
    pub fn spawn<F>(&self, job: F)
    where
        F: FnOnce() + Send + 'static,
    {
        let registry = Arc::clone(&self.registry);
        let task = move || {
            if let Err(payload) = unwind::halt_unwinding(job) {
                registry.handle_panic(payload);
            }
        };
        // SAFETY: `task` is 'static and runs exactly once: workers drain
        // every queue before they exit.
        let job = unsafe { HeapJob::into_job_ref(task) };
        self.registry.push_or_inject(job);
    }

    /// A snapshot of each worker's counters.
    pub fn stats(&self) -> PoolStats {
        PoolStats {
            workers: self
                .registry
                .counters()
                .iter()
                .map(|c| c.snapshot())
                .collect(),
        }
    }

    /// Zeroes every worker's counters (meant for a quiet pool, between
    /// measurements).
    pub fn reset_stats(&self) {
        for counters in self.registry.counters() {
            counters.reset();
        }
    }

    /// Clears the trace and starts recording every `map_reduce` /
    /// `for_each_chunk_mut` chunk run on this pool.
    pub fn start_trace(&self) {
        self.registry.trace().start();
    }

    /// Stops recording and returns the trace since the last start.
    pub fn take_trace(&self) -> Trace {
        self.registry.trace().take()
    }
}

impl Drop for Pool {
    fn drop(&mut self) {
        self.registry.terminate();
        let me = thread::current().id();
        for handle in self.handles.drain(..) {
            // A worker dropping its own pool cannot wait for itself.
            if handle.thread().id() != me {
                let _ = handle.join();
            }
        }
    }
}

/// The number of workers of the current pool (the global one outside any).
pub fn current_num_threads() -> usize {
    with_registry(|registry| registry.num_threads())
}

/// The index of the current worker in its pool, or `None` outside any pool.
pub fn current_thread_index() -> Option<usize> {
    WorkerThread::with_current(|worker| worker.map(WorkerThread::index))
}

/// The size of the global pool that the value of `CVP_NUM_THREADS` asks
/// for: `None` when unset or empty, an error line when it is not a
/// positive integer.
pub(crate) fn threads_from_env(value: Option<&str>) -> Result<Option<usize>, String> {
    let Some(value) = value.map(str::trim).filter(|v| !v.is_empty()) else {
        return Ok(None);
    };
    match value.parse::<usize>() {
        Ok(threads) if threads > 0 => Ok(Some(threads)),
        _ => Err(format!(
            "{NUM_THREADS_ENV}={value:?} is not a positive integer"
        )),
    }
}

/// Runs `op(index)` on every worker of the current pool (the global one
/// outside any); see [`Pool::broadcast`].
pub fn broadcast<OP, R>(op: OP) -> Vec<R>
where
    OP: Fn(usize) -> R + Sync,
    R: Send,
{
    in_worker(|worker| broadcast_on(worker, &op))
}

/// Calls `f` with the current worker's registry, or the global pool's.
#[inline]
pub(crate) fn with_registry<R>(f: impl FnOnce(&Arc<Registry>) -> R) -> R {
    WorkerThread::with_current(|worker| match worker {
        Some(worker) => f(worker.registry()),
        None => f(&Pool::global().registry),
    })
}

/// Runs `op` on a worker: the current thread if it is one, else the global
/// pool's (blocking until done).
#[inline]
pub(crate) fn in_worker<OP, R>(op: OP) -> R
where
    OP: FnOnce(&WorkerThread) -> R + Send,
    R: Send,
{
    let worker = WorkerThread::current();
    if worker.is_null() {
        Pool::global().registry.in_worker(op)
    } else {
        // SAFETY: non-null is this thread's live worker (see
        // `WorkerThread::with_current`), and `op` runs within its life.
        op(unsafe { &*worker })
    }
}

/// Compile-time checks of thread affinity.
const _: () = {
    const fn send_sync<T: Send + Sync>() {}
    send_sync::<Pool>();
    send_sync::<Scope<'static>>();
    send_sync::<Strategy>();
    send_sync::<Trace>();
    send_sync::<PoolStats>();
    send_sync::<BuildError>();
    const fn send<T: Send>() {}
    send::<PoolFuture<()>>();
};

//! The runtime: ready queue, registry of tasks, the `block_on` loop, and the
//! state other threads may touch ([`Shared`]).
//!
//! ## The loop
//!
//! `block_on` polls its own future whenever its waker fired, then runs up to
//! [`BUDGET`] tasks from the ready queue, then does maintenance (drain the
//! injection queue, fire due timers, and, while tasks stay runnable and
//! sockets exist, take the I/O events that are ready without waiting: one
//! `epoll_wait` with a zero timeout per [`BUDGET`] polls, as tokio's
//! `event_interval`). When nothing
//! is runnable it parks: in the poller when sockets exist, on the thread
//! otherwise, until the next timer, an I/O event or a remote wake. In virtual
//! time it does not park for timers: the clock jumps to the next deadline.
//! When nothing can ever wake anything, it returns [`Error::Deadlock`].
//!
//! ## Memory ordering
//!
//! A remote wake pushes under the injection mutex, then stores
//! `has_injected` (`Release`), then runs a `SeqCst` fence before it reads
//! whether the poller's waker exists and wakes it (and unparks the thread).
//! The runtime publishes that waker when it creates the poller, before it
//! runs a `SeqCst` fence and reads `has_injected` and the main future's flag
//! one last time before parking. With the two fences, either the runtime
//! sees the wake, or the waker sees the poller's waker and wakes it (a write
//! to an `eventfd` that the parked `epoll_wait` returns for); a thread unpark
//! is remembered by `std` in any case.
//!
//! Deadlock detection must also not miss a wake that another thread is in
//! the middle of: [`crate::outside`] has that protocol and its argument.

use std::cell::{Cell, RefCell};
use std::collections::{HashMap, VecDeque};
use std::future::Future;
use std::panic::Location;
use std::pin::pin;
use std::ptr::{self, NonNull};
use std::rc::Rc;
use std::sync::atomic::{fence, AtomicBool, AtomicU64, AtomicU8, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::task::{Context, Poll};
use std::thread::Thread;
use std::time::Duration;

use crate::cells::{self, CellCache};
use crate::error::{Error, Interest, StuckTask, WaitsOn};
use crate::outside::MainWake;
use crate::reactor::{self, Direction, Reactor};
use crate::stats::{Stats, StatsCells};
use crate::task::{self, Header, JoinHandle, TaskId, CLOSED, HANDLE, REGISTERED, RUNNING};
use crate::task::{ABORT, OUTPUT, SCHEDULED};
use crate::timer::{Clock, Instant, Timers};
use crate::trace::{self, PollRecord};
use crate::waker;
use crate::waker::ParkedOn;

/// Tasks polled between two maintenance steps (injection queue, timers,
/// I/O). Small enough that timers, sockets that became ready and the
/// `block_on` future stay prompt, large enough that maintenance costs
/// little per poll; tokio uses 61 too.
const BUDGET: usize = 61;

thread_local! {
    /// The runtime running on this thread (inside `block_on` or its drop).
    static CURRENT: Cell<*const Local> = const { Cell::new(ptr::null()) };
}

/// How the ready queue picks the next task.
///
/// ```
/// use cvp_interleave::{Policy, Runtime};
/// let rt = Runtime::builder().policy(Policy::Random { seed: 7 }).build();
/// assert_eq!(rt.block_on(async { 1 }).unwrap(), 1);
/// ```
#[non_exhaustive]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Policy {
    /// First in, first out: fair round-robin (the default).
    #[default]
    Fifo,
    /// A uniformly random ready task, from a generator seeded with `seed`:
    /// the same seed gives the same schedule.
    Random {
        /// Seed of the generator.
        seed: u64,
    },
    /// PCT (probabilistic concurrency testing, Burckhardt et al. 2010): each
    /// task gets a random priority when first queued and the highest ready
    /// priority always runs; at `depth - 1` random points among the first
    /// 1,000 scheduling steps (log-uniform, so short tests get them too),
    /// the task picked is demoted below all others.
    /// Finds ordering bugs of depth `depth` with a known probability per run.
    Pct {
        /// Seed of the generator.
        seed: u64,
        /// Bug depth aimed at (`1` is pure random priorities).
        depth: u32,
    },
}

/// Scheduling steps among which PCT places its priority change points.
const PCT_STEPS: u64 = 1000;

/// Configures a [`Runtime`].
///
/// ```
/// use std::time::Duration;
/// use cvp_interleave::{Policy, Runtime};
/// let rt = Runtime::builder()
///     .virtual_time(true)
///     .policy(Policy::Fifo)
///     .trace(true)
///     .build();
/// rt.block_on(cvp_interleave::sleep(Duration::from_secs(3600))).unwrap();
/// assert_eq!(rt.now().as_duration(), Duration::from_secs(3600));
/// assert!(!rt.take_trace().is_empty());
/// ```
#[derive(Clone, Debug, Default)]
pub struct Builder {
    virtual_time: bool,
    policy: Policy,
    trace: bool,
    time_limit: Option<Duration>,
    stall_timeout: Option<Duration>,
}

impl Builder {
    /// The default configuration: real time, FIFO, no trace.
    ///
    /// ```
    /// let rt = cvp_interleave::Builder::new().build();
    /// assert_eq!(rt.block_on(async { 2 }).unwrap(), 2);
    /// ```
    pub fn new() -> Builder {
        Builder::default()
    }

    /// Virtual time: the clock starts at zero and, when no task is runnable,
    /// jumps to the next timer instead of sleeping. Runs are reproducible.
    ///
    /// ```
    /// use std::time::Duration;
    /// let rt = cvp_interleave::Builder::new().virtual_time(true).build();
    /// let t = std::time::Instant::now();
    /// rt.block_on(cvp_interleave::sleep(Duration::from_secs(60))).unwrap();
    /// assert!(t.elapsed() < Duration::from_secs(60));
    /// ```
    pub fn virtual_time(mut self, on: bool) -> Builder {
        self.virtual_time = on;
        self
    }

    /// The scheduling [`Policy`].
    ///
    /// ```
    /// let b = cvp_interleave::Builder::new().policy(cvp_interleave::Policy::Random { seed: 1 });
    /// # drop(b);
    /// ```
    pub fn policy(mut self, policy: Policy) -> Builder {
        self.policy = policy;
        self
    }

    /// Records every poll (see [`Runtime::take_trace`]). Off by default; when
    /// off it costs one branch per poll.
    ///
    /// ```
    /// let rt = cvp_interleave::Builder::new().trace(true).build();
    /// rt.block_on(async {}).unwrap();
    /// assert_eq!(rt.take_trace().len(), 1);
    /// ```
    pub fn trace(mut self, on: bool) -> Builder {
        self.trace = on;
        self
    }

    /// Ends a run whose clock would pass `limit` (from the runtime's start)
    /// while the `block_on` future still waits: `block_on` returns
    /// [`Error::TimeLimit`] naming every unfinished task and what it waits
    /// on. In virtual time this bounds a run whose tasks keep arming timers
    /// (an endless `interval`, a retry loop): the run stops when the next
    /// timer lies beyond the limit. In real time it is checked whenever
    /// nothing is runnable. Off by default.
    ///
    /// ```
    /// use std::time::Duration;
    /// use cvp_interleave::{Error, Runtime, WaitsOn};
    /// let rt = Runtime::builder()
    ///     .virtual_time(true)
    ///     .time_limit(Duration::from_secs(60))
    ///     .build();
    /// let err = rt.block_on(cvp_interleave::sleep(Duration::from_secs(3600))).unwrap_err();
    /// let Error::TimeLimit { at, stuck } = err else { panic!("{err}") };
    /// assert_eq!(at, Duration::from_secs(60));
    /// assert!(matches!(stuck[0].waits_on, WaitsOn::Timer { due } if due.as_duration() == Duration::from_secs(3600)));
    /// ```
    pub fn time_limit(mut self, limit: Duration) -> Builder {
        self.time_limit = Some(limit);
        self
    }

    /// Ends a run in which no task ran for `timeout` of real time while the
    /// `block_on` future still waits (on timers, sockets or wakers held
    /// elsewhere, which deadlock detection cannot rule out): `block_on`
    /// returns [`Error::Stalled`] naming every unfinished task and what it
    /// waits on. Meant for tests and bounded runs: a server that
    /// legitimately waits longer than `timeout` for a client is reported
    /// too. A true deadlock is still reported at once as
    /// [`Error::Deadlock`]. Off by default.
    ///
    /// ```
    /// # if cfg!(miri) { return; } // real time: slow under Miri
    /// use std::time::Duration;
    /// use cvp_interleave::{Error, Runtime, WaitsOn};
    /// let rt = Runtime::builder().stall_timeout(Duration::from_millis(20)).build();
    /// let err = rt.block_on(cvp_interleave::sleep(Duration::from_secs(3600))).unwrap_err();
    /// let Error::Stalled { idle, stuck } = err else { panic!("{err}") };
    /// assert!(idle >= Duration::from_millis(20));
    /// assert!(matches!(stuck[0].waits_on, WaitsOn::Timer { .. }));
    /// ```
    pub fn stall_timeout(mut self, timeout: Duration) -> Builder {
        self.stall_timeout = Some(timeout);
        self
    }

    /// Builds the runtime. The OS poller is created lazily, with the first
    /// socket, so building cannot fail.
    ///
    /// ```
    /// let rt = cvp_interleave::Builder::new().build();
    /// # drop(rt);
    /// ```
    pub fn build(self) -> Runtime {
        let shared = Arc::new(Shared {
            injected: Mutex::new(Injected {
                tasks: Vec::new(),
                spawns: Vec::new(),
                closed: false,
            }),
            has_injected: AtomicBool::new(false),
            main_parked_on: AtomicU8::new(0),
            main: MainWake::new(),
            thread: std::thread::current(),
            waker: OnceLock::new(),
        });
        let seed = match self.policy {
            Policy::Random { seed } | Policy::Pct { seed, .. } => seed,
            Policy::Fifo => 0,
        };
        Runtime {
            local: Rc::new(Local {
                id: NEXT_RUNTIME_ID.fetch_add(1, Ordering::Relaxed),
                shared,
                ready: RefCell::new(ReadyQueue {
                    queue: VecDeque::new(),
                    policy: self.policy,
                    // xorshift must not start at zero.
                    rng: seed ^ 0x9E37_79B9_7F4A_7C15,
                    pct: None,
                }),
                registry: RefCell::new(Registry::default()),
                names: RefCell::new(HashMap::new()),
                next_id: Cell::new(1),
                wake_ctx: Cell::new(trace::EXTERNAL),
                main_woken_by: Cell::new(trace::SPAWN),
                woken_by: RefCell::new(HashMap::new()),
                tracing: self.trace,
                trace: RefCell::new(Vec::new()),
                clock: Clock::new(self.virtual_time),
                timers: RefCell::new(Timers::default()),
                reactor: Reactor::default(),
                stats: StatsCells::default(),
                last_polled: Cell::new(u64::MAX),
                polls_since_io: Cell::new(0),
                time_limit: self
                    .time_limit
                    .map(|d| u64::try_from(d.as_nanos()).unwrap_or(u64::MAX)),
                stall_timeout: self.stall_timeout,
                idle_since: Cell::new(None),
                cells: CellCache::default(),
                timer_wakers: Cell::new(Vec::new()),
            }),
        }
    }
}

/// A task pointer that may cross threads inside the injection queue.
struct Injectable(NonNull<Header>);

// SAFETY: the injection queue only moves task pointers (each carrying one
// reference) to the runtime thread, which is the only one to dereference
// anything but the atomic fields of the header.
unsafe impl Send for Injectable {}

struct Injected {
    tasks: Vec<Injectable>,
    /// Futures spawned from other threads through a [`crate::Handle`], and
    /// where.
    spawns: Vec<(RemoteSpawn, &'static Location<'static>)>,
    /// The runtime was dropped: refuse new entries.
    closed: bool,
}

/// A future sent by [`crate::Handle::spawn`].
pub(crate) type RemoteSpawn = std::pin::Pin<Box<dyn Future<Output = ()> + Send>>;

/// The part of a runtime that other threads may touch (through wakers).
pub(crate) struct Shared {
    injected: Mutex<Injected>,
    has_injected: AtomicBool,
    /// What the `block_on` future last parked a waker on (a
    /// [`ParkedOn`](crate::waker::ParkedOn) byte), for deadlock reports.
    pub(crate) main_parked_on: AtomicU8,
    /// The main waker's clones and flag ([`crate::outside`]).
    pub(crate) main: MainWake,
    thread: Thread,
    /// Wakes the OS poller ([`crate::reactor`]), once it exists.
    pub(crate) waker: OnceLock<mio::Waker>,
}

impl Shared {
    pub(crate) fn wake_main(&self) {
        let cur = CURRENT.get();
        if !cur.is_null() {
            // SAFETY: `CURRENT` is set only while its runtime is alive.
            let local = unsafe { &*cur };
            if ptr::eq(Arc::as_ptr(&local.shared), self) {
                local.main_woken_by.set(local.wake_ctx.get());
                self.main.wake(Ordering::Relaxed);
                return;
            }
        }
        self.main.wake(Ordering::Release);
        self.unpark();
    }

    /// Queues a remote wake; `false` once the runtime is gone.
    fn inject(&self, ptr: NonNull<Header>) -> bool {
        {
            let mut inj = self.injected.lock().unwrap_or_else(|e| e.into_inner());
            if inj.closed {
                return false;
            }
            inj.tasks.push(Injectable(ptr));
        }
        self.has_injected.store(true, Ordering::Release);
        self.unpark();
        true
    }

    /// Queues a future spawned from another thread; gives it back once the
    /// runtime is gone.
    pub(crate) fn inject_spawn(
        &self,
        fut: RemoteSpawn,
        at: &'static Location<'static>,
    ) -> Result<(), RemoteSpawn> {
        {
            let mut inj = self.injected.lock().unwrap_or_else(|e| e.into_inner());
            if inj.closed {
                return Err(fut);
            }
            inj.spawns.push((fut, at));
        }
        self.has_injected.store(true, Ordering::Release);
        self.unpark();
        Ok(())
    }

    fn unpark(&self) {
        fence(Ordering::SeqCst);
        if let Some(w) = self.waker.get() {
            let _ = w.wake();
        }
        self.thread.unpark();
    }
}

/// Whether `shared` is the runtime running on this thread.
pub(crate) fn is_current(shared: &Shared) -> bool {
    let cur = CURRENT.get();
    // SAFETY: `CURRENT` is set only while its runtime is alive.
    !cur.is_null() && ptr::eq(Arc::as_ptr(unsafe { &(*cur).shared }), shared)
}

/// Runs `f` on the runtime running on this thread, if any (no reference
/// count is touched).
#[inline]
pub(crate) fn with_current<R>(f: impl FnOnce(&Local) -> R) -> Option<R> {
    let cur = CURRENT.get();
    if cur.is_null() {
        return None;
    }
    // SAFETY: `CURRENT` is set only while its runtime is alive, and only on
    // its thread; `f` cannot outlive this call.
    Some(f(unsafe { &*cur }))
}

/// Ids of runtimes, unique in the process (0 means "none").
static NEXT_RUNTIME_ID: AtomicU64 = AtomicU64::new(1);

/// The runtime running on this thread, if any.
pub(crate) fn current() -> Option<Rc<Local>> {
    let cur = CURRENT.get();
    if cur.is_null() {
        return None;
    }
    // SAFETY: `CURRENT` holds `Rc::as_ptr` of a `Local` that its `Runtime`
    // keeps alive while `CURRENT` is set; we add a strong count and take it.
    unsafe {
        Rc::increment_strong_count(cur);
        Some(Rc::from_raw(cur))
    }
}

fn expect_current() -> Rc<Local> {
    current().expect("cvp-interleave: must be called from inside Runtime::block_on")
}

/// Wakes a task: the ready queue on the runtime's own thread, the injection
/// queue from anywhere else.
///
/// # Safety
/// `ptr` is a live task (the caller holds a reference).
pub(crate) unsafe fn wake_task(ptr: NonNull<Header>) {
    // SAFETY: the caller holds a reference.
    let header = unsafe { ptr.as_ref() };
    let cur = CURRENT.get();
    if !cur.is_null() {
        // SAFETY: `CURRENT` is set only while its runtime is alive.
        let local = unsafe { &*cur };
        if Arc::ptr_eq(&local.shared, &header.shared) {
            // SAFETY: the task belongs to the runtime running on this
            // thread, so its thread-local fields are ours.
            unsafe { local.schedule(ptr) };
            return;
        }
    }
    remote_wake(ptr, header);
}

fn remote_wake(ptr: NonNull<Header>, header: &Header) {
    if header.wake.begin_remote_wake() && !header.shared.inject(ptr) {
        header.wake.clear_pending();
        // SAFETY: give back the reference taken for the queue entry.
        unsafe { Header::drop_ref(ptr) };
    }
}

/// Finishes an abort: the task is marked `CLOSED` and not running. Drops the
/// future, wakes the `JoinHandle`'s waiter and makes sure the runtime
/// unregisters the task.
///
/// # Safety
/// Runtime thread of the task; `ptr` is live and not running.
pub(crate) unsafe fn cancel(ptr: NonNull<Header>) {
    // SAFETY: forwarded.
    let header = unsafe { ptr.as_ref() };
    // SAFETY: not running, runtime thread.
    let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| unsafe {
        Header::drop_stage(ptr)
    }));
    // SAFETY: forwarded.
    if let Some(w) = unsafe { Header::take_join_waker(ptr) } {
        w.wake();
    }
    let state = header.state.get();
    if state & REGISTERED == 0 || state & SCHEDULED != 0 {
        // Unregistered already, or the ready queue will reap it.
        return;
    }
    // Hand it to the runtime, which unregisters closed tasks it finds in its
    // queues.
    let cur = CURRENT.get();
    if !cur.is_null() {
        // SAFETY: `CURRENT` is set only while its runtime is alive.
        let local = unsafe { &*cur };
        if Arc::ptr_eq(&local.shared, &header.shared) {
            header.state.set(state | SCHEDULED);
            local.push_ready(ptr);
            return;
        }
    }
    remote_wake(ptr, header);
}

struct ReadyQueue {
    queue: VecDeque<NonNull<Header>>,
    policy: Policy,
    rng: u64,
    /// PCT state, made at the first pop under [`Policy::Pct`].
    pct: Option<Pct>,
}

/// Priorities by task (by cell address: a queued task is live), the change
/// points and the step count.
struct Pct {
    priority: HashMap<usize, u64>,
    change_points: Vec<u64>,
    step: u64,
    /// Next priority given on demotion (below every initial priority).
    low: u64,
}

impl ReadyQueue {
    fn next_random(&mut self) -> u64 {
        // xorshift64*
        self.rng ^= self.rng >> 12;
        self.rng ^= self.rng << 25;
        self.rng ^= self.rng >> 27;
        self.rng.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn pop(&mut self) -> Option<NonNull<Header>> {
        match self.policy {
            Policy::Fifo => self.queue.pop_front(),
            Policy::Random { .. } => {
                let len = self.queue.len();
                if len == 0 {
                    return None;
                }
                let r = self.next_random();
                let i = ((r >> 32) as usize) % len;
                self.queue.swap_remove_back(i)
            }
            Policy::Pct { depth, .. } => {
                if self.queue.is_empty() {
                    return None;
                }
                if self.pct.is_none() {
                    // Log-uniform over the first PCT_STEPS steps, so that
                    // short tests get change points too.
                    let change_points = (1..depth.max(1))
                        .map(|_| {
                            let u = (self.next_random() >> 11) as f64 / (1u64 << 53) as f64;
                            ((PCT_STEPS as f64 + 1.0).powf(u) - 1.0) as u64
                        })
                        .collect();
                    self.pct = Some(Pct {
                        priority: HashMap::new(),
                        change_points,
                        step: 0,
                        low: u64::from(depth.max(1)),
                    });
                }
                let mut best = 0;
                let mut best_priority = 0;
                for i in 0..self.queue.len() {
                    let key = self.queue[i].as_ptr() as usize;
                    let p = match self.pct.as_ref().and_then(|p| p.priority.get(&key)) {
                        Some(&p) => p,
                        None => {
                            // Initial priorities lie above every demoted one.
                            let p = (self.next_random() >> 1) | (1 << 62);
                            self.pct.as_mut().map(|s| s.priority.insert(key, p));
                            p
                        }
                    };
                    if p > best_priority {
                        best_priority = p;
                        best = i;
                    }
                }
                let ptr = self.queue.remove(best)?;
                let pct = self.pct.as_mut().expect("made above");
                if pct.change_points.contains(&pct.step) {
                    pct.low -= 1;
                    pct.priority.insert(ptr.as_ptr() as usize, pct.low);
                }
                pct.step += 1;
                Some(ptr)
            }
        }
    }

    /// A task left for good: forget its PCT priority (its address may be
    /// reused).
    fn forget(&mut self, ptr: NonNull<Header>) {
        if let Some(p) = &mut self.pct {
            p.priority.remove(&(ptr.as_ptr() as usize));
        }
    }
}

/// All live tasks, so that deadlock detection can list them and dropping the
/// runtime can drop them. Holds one reference per task.
#[derive(Default)]
struct Registry {
    slots: Vec<Option<NonNull<Header>>>,
    free: Vec<u32>,
    len: usize,
}

/// The runtime's thread-local core.
pub(crate) struct Local {
    /// Unique in the process: what a [`crate::Sleep`] remembers of its
    /// runtime.
    pub(crate) id: u64,
    pub(crate) shared: Arc<Shared>,
    ready: RefCell<ReadyQueue>,
    registry: RefCell<Registry>,
    names: RefCell<HashMap<u64, Box<str>>>,
    next_id: Cell<u64>,
    /// Encoded wake source of whatever runs now (a task, timers, I/O).
    pub(crate) wake_ctx: Cell<u64>,
    main_woken_by: Cell<u64>,
    /// Encoded [`trace::WakeSource`] of each task's last wake, by id (only
    /// while tracing).
    woken_by: RefCell<HashMap<u64, u64>>,
    tracing: bool,
    trace: RefCell<Vec<PollRecord>>,
    pub(crate) clock: Clock,
    pub(crate) timers: RefCell<Timers>,
    pub(crate) reactor: Reactor,
    pub(crate) stats: StatsCells,
    last_polled: Cell<u64>,
    /// Polls since the poller was last looked at ([`Local::maintain`]).
    polls_since_io: Cell<usize>,
    /// [`Builder::time_limit`], in clock nanoseconds.
    time_limit: Option<u64>,
    /// [`Builder::stall_timeout`].
    stall_timeout: Option<Duration>,
    /// Since when nothing ran (only with a stall timeout).
    idle_since: Cell<Option<std::time::Instant>>,
    /// Freed task cells, for the next spawns ([`crate::cells`]).
    pub(crate) cells: CellCache,
    /// The wakers of the timers firing now ([`Local::fire_timers`]), kept
    /// to reuse the buffer.
    timer_wakers: Cell<Vec<std::task::Waker>>,
}

impl Local {
    /// # Safety
    /// `ptr` is a live task of this runtime; runtime thread.
    unsafe fn schedule(&self, ptr: NonNull<Header>) {
        // SAFETY: forwarded.
        let header = unsafe { ptr.as_ref() };
        let state = header.state.get();
        if state & (SCHEDULED | CLOSED) != 0 {
            return;
        }
        header.state.set(state | SCHEDULED);
        if self.tracing {
            self.woken_by
                .borrow_mut()
                .insert(header.id, self.wake_ctx.get());
        }
        if state & RUNNING == 0 {
            self.push_ready(ptr);
        }
    }

    fn push_ready(&self, ptr: NonNull<Header>) {
        let mut ready = self.ready.borrow_mut();
        ready.queue.push_back(ptr);
        self.stats.note_ready_len(ready.queue.len());
    }

    pub(crate) fn spawn<F>(
        &self,
        fut: F,
        name: Option<String>,
        at: &'static Location<'static>,
    ) -> JoinHandle<F::Output>
    where
        F: Future + 'static,
    {
        let id = self.next_id.get();
        self.next_id.set(id + 1);
        let ptr = task::allocate(fut, id, self.shared.clone(), at, &self.cells);
        {
            let mut reg = self.registry.borrow_mut();
            let slot = match reg.free.pop() {
                Some(s) => {
                    reg.slots[s as usize] = Some(ptr);
                    s
                }
                None => {
                    reg.slots.push(Some(ptr));
                    (reg.slots.len() - 1) as u32
                }
            };
            reg.len += 1;
            // SAFETY: freshly allocated, we hold its references.
            unsafe { ptr.as_ref() }.slot.set(slot);
        }
        if let Some(name) = name {
            self.names.borrow_mut().insert(id, name.into_boxed_str());
        }
        self.stats.spawned.set(self.stats.spawned.get() + 1);
        self.push_ready(ptr);
        // SAFETY: `allocate` set `HANDLE`, and the output type is
        // `F::Output`.
        unsafe { JoinHandle::from_raw(ptr) }
    }

    /// Removes a task from the registry, and drops the owner reference when
    /// the `JoinHandle` is gone too.
    ///
    /// # Safety
    /// Live, registered task of this runtime, not running, not in the ready
    /// queue.
    unsafe fn unregister(&self, ptr: NonNull<Header>) {
        // SAFETY: forwarded.
        let header = unsafe { ptr.as_ref() };
        let state = header.state.get() & !REGISTERED;
        header.state.set(state);
        let id = header.id;
        self.ready.borrow_mut().forget(ptr);
        {
            let mut reg = self.registry.borrow_mut();
            let slot = header.slot.get();
            reg.slots[slot as usize] = None;
            reg.free.push(slot);
            reg.len -= 1;
        }
        if !self.names.borrow().is_empty() {
            self.names.borrow_mut().remove(&id);
        }
        if self.tracing {
            self.woken_by.borrow_mut().remove(&id);
        }
        if state & HANDLE == 0 {
            // SAFETY: the handle let go already: the shared owner reference
            // is ours to drop.
            unsafe { Header::drop_owner_ref(ptr) };
        }
    }

    fn run_batch(&self) -> usize {
        for n in 0..BUDGET {
            let next = self.ready.borrow_mut().pop();
            let Some(ptr) = next else { return n };
            // SAFETY: queued tasks are registered, hence live, and ours.
            unsafe { self.run_task(ptr) };
        }
        BUDGET
    }

    /// # Safety
    /// `ptr` was just popped from the ready queue.
    unsafe fn run_task(&self, ptr: NonNull<Header>) {
        // SAFETY: queued tasks are live (the registry holds them).
        let header = unsafe { ptr.as_ref() };
        let state = header.state.get();
        if state & CLOSED != 0 {
            // Aborted while queued: reap it.
            header.state.set(state & !SCHEDULED);
            if state & REGISTERED != 0 {
                // SAFETY: not running, no longer queued.
                unsafe { self.unregister(ptr) };
            }
            return;
        }
        header.state.set((state & !SCHEDULED) | RUNNING);
        let id = header.id;
        self.stats.polls.set(self.stats.polls.get() + 1);
        if self.last_polled.get() != id {
            self.stats.switches.set(self.stats.switches.get() + 1);
            self.last_polled.set(id);
        }
        self.wake_ctx.set(trace::task(id));
        // SAFETY: we hold (through the registry) a reference for the whole
        // poll; the waker is never dropped.
        let waker = unsafe { waker::borrowed_task_waker(ptr) };
        let mut cx = Context::from_waker(&waker);
        let done = if self.tracing {
            let woken_by = trace::decode(self.woken_by.borrow_mut().remove(&id).unwrap_or(0));
            let start = self.clock.now_nanos();
            // SAFETY: marked running, registered, runtime thread.
            let done = unsafe { Header::poll(ptr, &mut cx) };
            let end = self.clock.now_nanos();
            self.trace.borrow_mut().push(PollRecord {
                task: TaskId(id),
                start: Duration::from_nanos(start),
                end: Duration::from_nanos(end),
                woken_by,
            });
            done
        } else {
            // SAFETY: as above.
            unsafe { Header::poll(ptr, &mut cx) }
        };
        self.wake_ctx.set(trace::EXTERNAL);
        let state = header.state.get() & !RUNNING;
        if done {
            header
                .state
                .set((state | CLOSED | OUTPUT) & !(SCHEDULED | ABORT));
            if state & HANDLE == 0 {
                header.state.set(header.state.get() & !OUTPUT);
                // Detached: nobody will read the output.
                // SAFETY: closed, not running, runtime thread.
                let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| unsafe {
                    Header::drop_stage(ptr)
                }));
            }
            // SAFETY: live, runtime thread.
            if let Some(w) = unsafe { Header::take_join_waker(ptr) } {
                w.wake();
            }
            // SAFETY: not running; not queued (a finished task is not put
            // back, and `SCHEDULED` was cleared).
            unsafe { self.unregister(ptr) };
        } else if state & ABORT != 0 {
            header.state.set((state | CLOSED) & !ABORT);
            // SAFETY: not running; `cancel` puts it in the queue to reap.
            unsafe { cancel(ptr) };
        } else {
            header.state.set(state);
            if state & SCHEDULED != 0 {
                self.push_ready(ptr);
            }
        }
    }

    fn drain_injected(&self) {
        self.shared.has_injected.store(false, Ordering::Relaxed);
        let (tasks, spawns) = {
            let mut inj = self
                .shared
                .injected
                .lock()
                .unwrap_or_else(|e| e.into_inner());
            (
                std::mem::take(&mut inj.tasks),
                std::mem::take(&mut inj.spawns),
            )
        };
        for (fut, at) in spawns {
            drop(self.spawn(fut, None, at));
        }
        for Injectable(ptr) in tasks {
            // SAFETY: each entry holds a reference.
            let header = unsafe { ptr.as_ref() };
            header.wake.clear_pending();
            let state = header.state.get();
            if state & CLOSED != 0 {
                if state & (REGISTERED | SCHEDULED | RUNNING) == REGISTERED {
                    // SAFETY: closed, registered, neither queued nor running.
                    unsafe { self.unregister(ptr) };
                }
            } else {
                // SAFETY: our task, runtime thread.
                unsafe { self.schedule(ptr) };
            }
            // SAFETY: the entry's reference.
            unsafe { Header::drop_ref(ptr) };
        }
    }

    pub(crate) fn fire_timers(&self) {
        let now = self.clock.now_nanos();
        // The wakers run once the timers are no longer borrowed (a waker may
        // do anything, arming a timer included), from a buffer kept between
        // calls: a burst of 100,000 timers allocates it once.
        let mut wakers = self.timer_wakers.take();
        self.timers.borrow_mut().expired(now, &mut wakers);
        if !wakers.is_empty() {
            self.wake_ctx.set(trace::TIMER);
            self.stats
                .timers_fired
                .set(self.stats.timers_fired.get() + wakers.len() as u64);
            for w in wakers.drain(..) {
                w.wake();
            }
            self.wake_ctx.set(trace::EXTERNAL);
        }
        self.timer_wakers.set(wakers);
    }

    /// Drains the injection queue, fires due timers, and looks at the
    /// poller without waiting once [`BUDGET`] polls ran since the last look
    /// while something is still runnable (otherwise the runtime is about to
    /// park in the poller anyway). `polled`: polls since the last call.
    fn maintain(&self, polled: usize) {
        if self.shared.has_injected.load(Ordering::Acquire) {
            self.drain_injected();
        }
        if self.timers.borrow().live() > 0 {
            self.fire_timers();
        }
        if polled > 0 && self.reactor.has_sources() {
            let since = self.polls_since_io.get() + polled;
            if since >= BUDGET && (!self.ready_is_empty() || self.shared.main.is_woken()) {
                self.poll_io(Some(Duration::ZERO));
            } else {
                self.polls_since_io.set(since);
            }
        }
    }

    fn poll_io(&self, timeout: Option<Duration>) -> usize {
        self.polls_since_io.set(0);
        self.wake_ctx.set(trace::IO);
        let n = self.reactor.wait(timeout);
        self.wake_ctx.set(trace::EXTERNAL);
        self.stats
            .io_events
            .set(self.stats.io_events.get() + n as u64);
        n
    }

    pub(crate) fn ready_is_empty(&self) -> bool {
        self.ready.borrow().queue.is_empty()
    }

    /// Nothing is runnable: wait for something, or report a deadlock.
    fn idle(&self) -> Result<(), Error> {
        fence(Ordering::SeqCst);
        if self.shared.has_injected.load(Ordering::Acquire) || self.shared.main.is_woken_acquire() {
            return Ok(());
        }
        let next = self.timers.borrow_mut().next_deadline();
        let io_waiters = self.reactor.has_waiters();
        let is_virtual = self.clock.is_virtual();
        // A paused virtual clock moves only by hand, from a task: its
        // timers cannot wake anything by themselves.
        let timers_fire = next.is_some() && !(is_virtual && self.clock.is_paused());
        if is_virtual && timers_fire {
            let deadline = next.expect("timers_fire");
            if io_waiters && self.poll_io(Some(Duration::ZERO)) > 0 {
                return Ok(());
            }
            if let Some(limit) = self.time_limit.filter(|&l| deadline > l) {
                self.clock.advance_to(limit);
                return Err(Error::TimeLimit {
                    at: Duration::from_nanos(limit),
                    stuck: self.stuck_tasks(),
                });
            }
            self.clock.advance_to(deadline);
            self.fire_timers();
            return Ok(());
        }
        if !timers_fire && !io_waiters && !self.may_be_woken_from_outside() {
            return Err(self.deadlock());
        }
        let now = self.clock.now_nanos();
        let mut timeout = None;
        if !is_virtual {
            if let Some(limit) = self.time_limit {
                if now >= limit {
                    return Err(Error::TimeLimit {
                        at: Duration::from_nanos(now),
                        stuck: self.stuck_tasks(),
                    });
                }
                timeout = Some(Duration::from_nanos(limit - now));
            }
            if let Some(d) = next {
                if d <= now {
                    self.fire_timers();
                    return Ok(());
                }
                timeout = min_timeout(timeout, Duration::from_nanos(d - now));
            }
        }
        if let Some(stall) = self.stall_timeout {
            let real_now = std::time::Instant::now();
            let since = match self.idle_since.get() {
                Some(t) => t,
                None => {
                    self.idle_since.set(Some(real_now));
                    real_now
                }
            };
            let idle = real_now - since;
            if idle >= stall {
                return Err(Error::Stalled {
                    idle,
                    stuck: self.stuck_tasks(),
                });
            }
            timeout = min_timeout(timeout, stall - idle);
        }
        self.stats.parks.set(self.stats.parks.get() + 1);
        // About to wait: time to give back the cells a burst left behind.
        self.cells.trim(cells::KEEP_PER_CLASS);
        if self.reactor.has_poller() {
            self.poll_io(timeout);
        } else {
            match timeout {
                Some(t) => std::thread::park_timeout(t),
                None => std::thread::park(),
            }
        }
        Ok(())
    }

    /// Whether some waker reference is held outside this crate's own
    /// primitives (for example by another thread, or by a `futures`
    /// channel): then a wake may still come.
    fn may_be_woken_from_outside(&self) -> bool {
        // With a paused clock, the wakers in the timers are accounted for
        // too: only a task can move the clock, and none is runnable.
        let in_timers = if self.clock.is_virtual() && self.clock.is_paused() {
            let mut counts: HashMap<usize, u32> = HashMap::new();
            let main_data = Arc::as_ptr(&self.shared).cast::<()>();
            for (_, w) in self.timers.borrow().armed() {
                if let Some(k) = waker_owner(w, main_data) {
                    *counts.entry(k).or_default() += 1;
                }
            }
            counts
        } else {
            HashMap::new()
        };
        let main_in_timers = in_timers.get(&0).copied().unwrap_or(0) as usize;
        // `block_on` holds one main waker itself.
        if self
            .shared
            .main
            .may_be_woken_from_outside(1 + main_in_timers)
        {
            return true;
        }
        let reg = self.registry.borrow();
        reg.slots.iter().flatten().any(|&ptr| {
            // SAFETY: registered tasks are live.
            let h = unsafe { ptr.as_ref() };
            let state = h.state.get();
            if state & CLOSED != 0 {
                return false;
            }
            // The registry and handle, and this crate's primitives.
            let known = 1
                + h.internal_refs.get()
                + in_timers
                    .get(&(ptr.as_ptr() as usize))
                    .copied()
                    .unwrap_or(0);
            h.wake.may_be_woken_from_outside(known)
        })
    }

    fn deadlock(&self) -> Error {
        Error::Deadlock {
            stuck: self.stuck_tasks(),
        }
    }

    /// Every unfinished task (the `block_on` future first) with what it
    /// waits on: its wakers found in the timers and the reactor, this
    /// crate's primitives holding its waker, and any waker reference left
    /// unaccounted for (held elsewhere).
    fn stuck_tasks(&self) -> Vec<StuckTask> {
        // Waits found by waker, keyed by task header address (0: main).
        let mut found: HashMap<usize, Vec<WaitsOn>> = HashMap::new();
        let main_data = Arc::as_ptr(&self.shared).cast::<()>();
        let owner = |w: &std::task::Waker| waker_owner(w, main_data);
        {
            let timers = self.timers.borrow();
            let mut armed = timers.armed();
            armed.sort_by_key(|&(due, _)| due);
            for (due, w) in armed {
                if let Some(k) = owner(w) {
                    found
                        .entry(k)
                        .or_default()
                        .push(WaitsOn::Timer { due: Instant(due) });
                }
            }
        }
        self.reactor.waiting(|fd, dir, w| {
            if let Some(k) = owner(w) {
                let (local, peer) = reactor::socket_addrs(fd);
                found.entry(k).or_default().push(WaitsOn::Socket {
                    interest: match dir {
                        Direction::Read => Interest::Readable,
                        Direction::Write => Interest::Writable,
                    },
                    fd,
                    local,
                    peer,
                });
            }
        });
        let names = self.names.borrow();
        let reg = self.registry.borrow();
        let mut main_waits = found.remove(&0).unwrap_or_default();
        let main_found = main_waits.len();
        if self.shared.main.has_parked() {
            if let Some(on) = ParkedOn::from_u8(self.shared.main_parked_on.load(Ordering::Relaxed))
            {
                main_waits.push(WaitsOn::Primitive(on.describe()));
            }
        }
        // `block_on` holds one main waker itself.
        if self.shared.main.may_be_woken_from_outside(1 + main_found) {
            main_waits.push(WaitsOn::Elsewhere);
        }
        let mut stuck = vec![stuck_task(
            TaskId::MAIN,
            Some("block_on".to_owned()),
            main_waits,
            None,
        )];
        for &ptr in reg.slots.iter().flatten() {
            // SAFETY: registered tasks are live.
            let h = unsafe { ptr.as_ref() };
            if h.state.get() & CLOSED != 0 {
                continue;
            }
            let mut waits = found.remove(&(ptr.as_ptr() as usize)).unwrap_or_default();
            let n_found = waits.len() as u32;
            let internal = h.internal_refs.get();
            if internal > 0 {
                if let Some(on) = ParkedOn::from_u8(h.parked_on.get()) {
                    waits.push(WaitsOn::Primitive(on.describe()));
                }
            }
            // The registry and handle, this crate's primitives, and the
            // wakers found in the timers and the reactor.
            if h.wake.may_be_woken_from_outside(1 + internal + n_found) {
                waits.push(WaitsOn::Elsewhere);
            }
            stuck.push(stuck_task(
                TaskId(h.id),
                names.get(&h.id).map(|n| n.to_string()),
                waits,
                Some(h.spawned_at),
            ));
        }
        stuck.sort_by_key(|s| s.id);
        stuck
    }
}

fn stuck_task(
    id: TaskId,
    name: Option<String>,
    waits: Vec<WaitsOn>,
    spawned_at: Option<&'static Location<'static>>,
) -> StuckTask {
    StuckTask {
        id,
        name,
        waits_on: waits.first().copied().unwrap_or(WaitsOn::Nothing),
        waits,
        spawned_at,
    }
}

/// Whose waker `w` is: a task (its header address), this runtime's
/// `block_on` future (0), or neither.
fn waker_owner(w: &std::task::Waker, main_data: *const ()) -> Option<usize> {
    if ptr::eq(w.vtable(), &waker::TASK_VTABLE) {
        Some(w.data() as usize)
    } else if ptr::eq(w.vtable(), &waker::MAIN_VTABLE) && ptr::eq(w.data(), main_data) {
        Some(0)
    } else {
        None
    }
}

fn min_timeout(a: Option<Duration>, b: Duration) -> Option<Duration> {
    Some(a.map_or(b, |a| a.min(b)))
}

/// Sets `CURRENT` for a scope and restores the previous value.
struct Enter {
    prev: *const Local,
}

impl Enter {
    fn new(local: &Rc<Local>) -> Enter {
        Enter {
            prev: CURRENT.replace(Rc::as_ptr(local)),
        }
    }
}

impl Drop for Enter {
    fn drop(&mut self) {
        CURRENT.set(self.prev);
    }
}

/// A single-threaded executor: many tasks, one OS thread.
///
/// A runtime is `!Send`: its tasks need not be `Send`, so they must stay on
/// the thread that created it. Dropping it drops every task that has not
/// finished.
///
/// ```
/// use cvp_interleave::Runtime;
/// let rt = Runtime::new();
/// let h = rt.spawn(async { "spawned before block_on" });
/// assert_eq!(rt.block_on(h).unwrap().unwrap(), "spawned before block_on");
/// ```
///
/// ```compile_fail
/// fn assert_send<T: Send>(_: T) {}
/// assert_send(cvp_interleave::Runtime::new());
/// ```
pub struct Runtime {
    local: Rc<Local>,
}

impl Default for Runtime {
    fn default() -> Runtime {
        Runtime::new()
    }
}

impl std::fmt::Debug for Runtime {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Runtime")
            .field("tasks", &self.local.registry.borrow().len)
            .finish()
    }
}

impl Runtime {
    /// A runtime with the default configuration (real time, FIFO, no trace).
    ///
    /// ```
    /// let rt = cvp_interleave::Runtime::new();
    /// assert_eq!(rt.block_on(async { 3 }).unwrap(), 3);
    /// ```
    pub fn new() -> Runtime {
        Builder::new().build()
    }

    /// A [`Builder`] for a configured runtime.
    ///
    /// ```
    /// let rt = cvp_interleave::Runtime::builder().virtual_time(true).build();
    /// # drop(rt);
    /// ```
    pub fn builder() -> Builder {
        Builder::new()
    }

    /// Runs `fut` to completion on this thread, running spawned tasks while
    /// it waits.
    ///
    /// Returns [`Error::NestedBlockOn`] when called from inside a runtime on
    /// this thread, and [`Error::Deadlock`] when `fut` is not done and
    /// nothing can wake anything (no runnable task, no timer, no I/O
    /// interest, no waker held outside this crate). A panic of `fut` itself
    /// propagates; panics of tasks go to their [`JoinHandle`]s.
    ///
    /// ```
    /// use cvp_interleave::{Error, Runtime};
    /// let rt = Runtime::new();
    /// assert_eq!(rt.block_on(async { 1 + 1 }).unwrap(), 2);
    /// let err = rt.block_on(std::future::pending::<()>()).unwrap_err();
    /// assert!(matches!(err, Error::Deadlock { .. }));
    /// ```
    pub fn block_on<F: Future>(&self, fut: F) -> Result<F::Output, Error> {
        if !CURRENT.get().is_null() {
            return Err(Error::NestedBlockOn);
        }
        let local = &*self.local;
        let _enter = Enter::new(&self.local);
        let main_waker = waker::main_waker(&local.shared);
        let mut cx = Context::from_waker(&main_waker);
        let mut fut = pin!(fut);
        local.shared.main.wake(Ordering::Relaxed);
        local.main_woken_by.set(trace::SPAWN);
        loop {
            local.clock.tick();
            let main_ran = local.shared.main.take();
            if main_ran {
                local.wake_ctx.set(trace::MAIN);
                let woken_by = trace::decode(local.main_woken_by.get());
                let start = if local.tracing {
                    local.clock.now_nanos()
                } else {
                    0
                };
                local.stats.polls.set(local.stats.polls.get() + 1);
                if local.last_polled.get() != 0 {
                    local.stats.switches.set(local.stats.switches.get() + 1);
                    local.last_polled.set(0);
                }
                let polled = fut.as_mut().poll(&mut cx);
                local.wake_ctx.set(trace::EXTERNAL);
                if local.tracing {
                    let end = local.clock.now_nanos();
                    local.trace.borrow_mut().push(PollRecord {
                        task: TaskId::MAIN,
                        start: Duration::from_nanos(start),
                        end: Duration::from_nanos(end),
                        woken_by,
                    });
                }
                if let Poll::Ready(v) = polled {
                    return Ok(v);
                }
            }
            let ran = local.run_batch();
            if local.stall_timeout.is_some() && (main_ran || ran > 0) {
                local.idle_since.set(None);
            }
            local.maintain(ran + usize::from(main_ran));
            if local.ready_is_empty() && !local.shared.main.is_woken() {
                local.idle()?;
                local.maintain(0);
            }
        }
    }

    /// Spawns a task on this runtime (it runs inside `block_on`).
    ///
    /// ```
    /// let rt = cvp_interleave::Runtime::new();
    /// let h = rt.spawn(async { 5 });
    /// assert_eq!(rt.block_on(h).unwrap().unwrap(), 5);
    /// ```
    #[track_caller]
    pub fn spawn<F>(&self, fut: F) -> JoinHandle<F::Output>
    where
        F: Future + 'static,
    {
        self.local.spawn(fut, None, Location::caller())
    }

    /// Spawns a named task; the name shows in deadlock reports.
    ///
    /// ```
    /// let rt = cvp_interleave::Runtime::new();
    /// rt.spawn_named("stuck", std::future::pending::<()>());
    /// let err = rt.block_on(async { cvp_interleave::yield_now().await }).map(|_| ());
    /// assert!(err.is_ok(), "block_on's own future finished");
    /// ```
    #[track_caller]
    pub fn spawn_named<F>(&self, name: impl Into<String>, fut: F) -> JoinHandle<F::Output>
    where
        F: Future + 'static,
    {
        self.local.spawn(fut, Some(name.into()), Location::caller())
    }

    /// Counters since the runtime was built.
    ///
    /// ```
    /// let rt = cvp_interleave::Runtime::new();
    /// rt.block_on(async { cvp_interleave::spawn(async {}).await.unwrap() }).unwrap();
    /// assert_eq!(rt.stats().tasks_spawned, 1);
    /// ```
    pub fn stats(&self) -> Stats {
        self.local.stats.snapshot()
    }

    /// Takes the polls recorded so far (empty unless built with
    /// [`Builder::trace`]). Times are offsets from the runtime's start, in
    /// virtual time when [`Builder::virtual_time`] is on.
    ///
    /// ```
    /// let rt = cvp_interleave::Runtime::builder().trace(true).build();
    /// rt.block_on(async { cvp_interleave::spawn(async {}).await.unwrap() }).unwrap();
    /// let trace = rt.take_trace();
    /// assert!(trace.iter().any(|p| p.task.as_u64() == 1));
    /// assert!(rt.take_trace().is_empty());
    /// ```
    pub fn take_trace(&self) -> Vec<PollRecord> {
        std::mem::take(&mut *self.local.trace.borrow_mut())
    }

    /// A handle that other threads use to spawn `Send` futures onto this
    /// runtime and to wake its `block_on` future.
    ///
    /// ```
    /// let rt = cvp_interleave::Runtime::new();
    /// let handle = rt.handle();
    /// let job = std::thread::spawn(move || handle.spawn(async { 6 * 7 }))
    ///     .join()
    ///     .unwrap();
    /// // Queued; it runs once the runtime runs.
    /// assert_eq!(rt.block_on(job).unwrap().unwrap(), 42);
    /// ```
    pub fn handle(&self) -> crate::Handle {
        crate::handle::new(self.local.shared.clone())
    }

    /// The runtime's clock (virtual or real).
    ///
    /// ```
    /// let rt = cvp_interleave::Runtime::builder().virtual_time(true).build();
    /// assert_eq!(rt.now().as_duration(), std::time::Duration::ZERO);
    /// ```
    pub fn now(&self) -> Instant {
        Instant(self.local.clock.now_nanos())
    }
}

impl Drop for Runtime {
    fn drop(&mut self) {
        let local = &*self.local;
        let _enter = Enter::new(&self.local);
        loop {
            let live: Vec<NonNull<Header>> = local
                .registry
                .borrow()
                .slots
                .iter()
                .flatten()
                .copied()
                .collect();
            if live.is_empty() {
                break;
            }
            for ptr in live {
                // SAFETY: registered tasks are live; earlier drops in this
                // loop may only have released other references.
                let header = unsafe { ptr.as_ref() };
                let state = header.state.get();
                if state & REGISTERED == 0 {
                    continue;
                }
                if state & CLOSED == 0 {
                    header.state.set(state | CLOSED);
                    // SAFETY: not running (we are not inside a poll), ours.
                    let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| unsafe {
                        Header::drop_stage(ptr)
                    }));
                    // SAFETY: live, runtime thread.
                    if let Some(w) = unsafe { Header::take_join_waker(ptr) } {
                        w.wake();
                    }
                }
                header.state.set(header.state.get() & !SCHEDULED);
                // SAFETY: the queue is cleared below and never read again.
                unsafe { local.unregister(ptr) };
            }
        }
        local.ready.borrow_mut().queue.clear();
        let tasks = {
            let mut inj = local
                .shared
                .injected
                .lock()
                .unwrap_or_else(|e| e.into_inner());
            inj.closed = true;
            // Dropping a remote spawn resolves its handle as cancelled.
            drop(std::mem::take(&mut inj.spawns));
            std::mem::take(&mut inj.tasks)
        };
        for Injectable(ptr) in tasks {
            // SAFETY: each entry holds a reference.
            unsafe { ptr.as_ref() }.wake.clear_pending();
            // SAFETY: the entry's reference.
            unsafe { Header::drop_ref(ptr) };
        }
        let timers = std::mem::take(&mut *local.timers.borrow_mut());
        drop(timers);
        local.reactor.clear();
    }
}

/// Spawns a task on the current runtime.
///
/// # Panics
/// When called outside [`Runtime::block_on`].
///
/// ```
/// let rt = cvp_interleave::Runtime::new();
/// let v = rt.block_on(async {
///     let a = cvp_interleave::spawn(async { 1 });
///     let b = cvp_interleave::spawn(async { 2 });
///     a.await.unwrap() + b.await.unwrap()
/// });
/// assert_eq!(v.unwrap(), 3);
/// ```
#[track_caller]
pub fn spawn<F>(fut: F) -> JoinHandle<F::Output>
where
    F: Future + 'static,
{
    expect_current().spawn(fut, None, Location::caller())
}

/// Spawns on the current runtime, recording `at` as the spawn location.
pub(crate) fn spawn_at<F>(at: &'static Location<'static>, fut: F) -> JoinHandle<F::Output>
where
    F: Future + 'static,
{
    expect_current().spawn(fut, None, at)
}

/// Spawns a named task on the current runtime (names show in deadlock
/// reports).
///
/// # Panics
/// When called outside [`Runtime::block_on`].
///
/// ```
/// use cvp_interleave::{Error, Runtime};
/// let rt = Runtime::new();
/// let err = rt
///     .block_on(async { cvp_interleave::spawn_named("waiter", std::future::pending::<()>()).await })
///     .unwrap_err();
/// let Error::Deadlock { stuck } = err else { panic!() };
/// assert_eq!(stuck[1].name.as_deref(), Some("waiter"));
/// ```
#[track_caller]
pub fn spawn_named<F>(name: impl Into<String>, fut: F) -> JoinHandle<F::Output>
where
    F: Future + 'static,
{
    expect_current().spawn(fut, Some(name.into()), Location::caller())
}

/// Yields once: the current task goes behind every task that is ready.
///
/// ```
/// let rt = cvp_interleave::Runtime::new();
/// rt.block_on(async {
///     for _ in 0..3 {
///         cvp_interleave::yield_now().await;
///     }
/// })
/// .unwrap();
/// ```
pub fn yield_now() -> YieldNow {
    YieldNow { yielded: false }
}

/// The future returned by [`yield_now`].
///
/// ```
/// let y: cvp_interleave::YieldNow = cvp_interleave::yield_now();
/// cvp_interleave::Runtime::new().block_on(y).unwrap();
/// ```
#[derive(Debug)]
#[must_use = "futures do nothing unless awaited"]
pub struct YieldNow {
    yielded: bool,
}

impl Future for YieldNow {
    type Output = ();

    fn poll(mut self: std::pin::Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if self.yielded {
            return Poll::Ready(());
        }
        self.yielded = true;
        cx.waker().wake_by_ref();
        Poll::Pending
    }
}

/// Size in bytes of one task allocation whose future and output take no
/// space (the per-task overhead of the runtime, besides one registry slot and
/// one ready-queue slot of a pointer each).
///
/// ```
/// assert!(cvp_interleave::task_overhead_bytes() <= 128);
/// ```
pub fn task_overhead_bytes() -> usize {
    task::empty_task_size() + 2 * std::mem::size_of::<usize>()
}

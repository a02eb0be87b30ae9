//! Latches: one-shot "this job is done" signals.
//!
//! A worker that waits on a latch keeps stealing while it waits, and may fall
//! asleep; whoever sets the latch must then wake exactly that worker. The
//! [`CoreLatch`] state word makes that hand-off race-free. A thread outside
//! the pool blocks on a [`LockLatch`] instead.

use std::sync::{Arc, Condvar as StdCondvar, Mutex as StdMutex};

use crate::registry::{Registry, WorkerThread};
use crate::sync::{AtomicUsize, Ordering};

/// Something a job sets when it is done.
pub(crate) trait Latch {
    /// Sets the latch, waking its waiter if needed.
    ///
    /// # Safety
    ///
    /// `this` must point to a live latch when the call starts. The waiter may
    /// free the latch as soon as it observes the set, so implementations
    /// must not touch `*this` after the store that publishes it.
    unsafe fn set(this: *const Self);
}

/// No waiter has announced anything.
const UNSET: usize = 0;
/// The owner is about to sleep: it will re-check before blocking.
const SLEEPY: usize = 1;
/// The owner is asleep (or about to block while holding its sleep mutex):
/// the setter must wake it.
const SLEEPING: usize = 2;
/// Terminal: the job is done.
const SET: usize = 3;

/// The state word of a latch that a worker can sleep on.
///
/// States: `UNSET -> SLEEPY -> SLEEPING -> UNSET` (the owner's doze cycle,
/// driven only by the owner) and `any -> SET` (the setter; terminal).
///
/// ## Memory ordering
///
/// `set` is a `swap(SET, AcqRel)`: its Release half publishes everything the
/// setter wrote before it (the job's result) to an owner that observes `SET`
/// with the Acquire load in `probe`. The owner's transitions are CASes on the
/// same word, so the setter's swap and the owner's `SLEEPY -> SLEEPING`
/// are totally ordered: either the owner sees `SET` and does not block, or
/// the setter sees `SLEEPING` and wakes it through the sleep mutex.
#[derive(Debug)]
pub(crate) struct CoreLatch {
    state: AtomicUsize,
}

impl CoreLatch {
    pub(crate) fn new() -> Self {
        CoreLatch {
            state: AtomicUsize::new(UNSET),
        }
    }

    /// Whether the latch is set.
    #[inline]
    pub(crate) fn probe(&self) -> bool {
        self.state.load(Ordering::Acquire) == SET
    }

    /// `UNSET -> SLEEPY`; false if the latch was set meanwhile.
    pub(crate) fn get_sleepy(&self) -> bool {
        self.state
            .compare_exchange(UNSET, SLEEPY, Ordering::SeqCst, Ordering::Acquire)
            .is_ok()
    }

    /// `SLEEPY -> SLEEPING`; false if the latch was set meanwhile.
    pub(crate) fn fall_asleep(&self) -> bool {
        self.state
            .compare_exchange(SLEEPY, SLEEPING, Ordering::SeqCst, Ordering::Acquire)
            .is_ok()
    }

    /// Back to `UNSET` after a doze, unless the latch was set meanwhile.
    pub(crate) fn wake_up(&self) {
        let _ = self
            .state
            .compare_exchange(SLEEPING, UNSET, Ordering::SeqCst, Ordering::Acquire);
        let _ = self
            .state
            .compare_exchange(SLEEPY, UNSET, Ordering::SeqCst, Ordering::Acquire);
    }

    /// Sets the latch; returns whether the owner was asleep and must be woken.
    ///
    /// # Safety
    ///
    /// `this` must be live when the call starts; it may dangle right after
    /// the swap, which is the last access.
    #[inline]
    pub(crate) unsafe fn set(this: *const Self) -> bool {
        // SAFETY: the caller guarantees `this` is live until the swap, which
        // is the only access.
        let old = unsafe { (*this).state.swap(SET, Ordering::AcqRel) };
        old == SLEEPING
    }
}

/// The latch of a `join`'s second half: its owner is a worker that keeps
/// stealing while it waits, and may doze.
pub(crate) struct SpinLatch<'r> {
    core: CoreLatch,
    registry: &'r Arc<Registry>,
    owner: usize,
    /// The setter may belong to another pool: it then keeps the owner's
    /// registry alive with its own reference while it wakes the owner.
    cross: bool,
}

impl<'r> SpinLatch<'r> {
    /// A latch owned by `owner`, set by a worker of the same pool.
    pub(crate) fn new(owner: &'r WorkerThread) -> Self {
        SpinLatch {
            core: CoreLatch::new(),
            registry: owner.registry(),
            owner: owner.index(),
            cross: false,
        }
    }

    /// A latch owned by `owner`, set by a worker of another pool.
    pub(crate) fn cross(owner: &'r WorkerThread) -> Self {
        SpinLatch {
            cross: true,
            ..SpinLatch::new(owner)
        }
    }

    #[inline]
    pub(crate) fn core(&self) -> &CoreLatch {
        &self.core
    }
}

impl Latch for SpinLatch<'_> {
    #[inline]
    unsafe fn set(this: *const Self) {
        // SAFETY: `this` is live until the swap in `CoreLatch::set` (caller's
        // contract); everything we need afterwards is copied out first.
        let (cross, owner, registry) = unsafe { ((*this).cross, (*this).owner, (*this).registry) };
        if cross {
            // The owner may return and drop its pool as soon as it sees SET:
            // hold our own reference across the wake.
            let registry = Arc::clone(registry);
            // SAFETY: `this` is still live (the latch is not yet set).
            if unsafe { CoreLatch::set(&raw const (*this).core) } {
                registry.sleep().wake_specific(owner);
            }
        } else {
            // The setter is a worker of the same pool, so the registry itself
            // outlives this call; only the reference into the owner's frame
            // may dangle, so take the registry's address first.
            let registry: *const Registry = Arc::as_ptr(registry);
            // SAFETY: `this` is still live (the latch is not yet set).
            if unsafe { CoreLatch::set(&raw const (*this).core) } {
                // SAFETY: we run on a worker of this registry, which holds an
                // `Arc` to it for its whole life.
                unsafe { (*registry).sleep().wake_specific(owner) };
            }
        }
    }
}

/// A latch for a thread outside the pool: it blocks on a condition variable.
#[derive(Debug, Default)]
pub(crate) struct LockLatch {
    done: StdMutex<bool>,
    cond: StdCondvar,
}

impl LockLatch {
    pub(crate) fn new() -> Self {
        LockLatch::default()
    }

    /// Blocks until the latch is set.
    pub(crate) fn wait(&self) {
        let mut done = self.done.lock().unwrap_or_else(|e| e.into_inner());
        while !*done {
            done = self.cond.wait(done).unwrap_or_else(|e| e.into_inner());
        }
    }
}

impl Latch for LockLatch {
    unsafe fn set(this: *const Self) {
        // SAFETY: the waiter cannot observe `done` (and free the latch) until
        // we release the mutex, so `this` is live for the whole block.
        unsafe {
            let mut done = (*this).done.lock().unwrap_or_else(|e| e.into_inner());
            *done = true;
            (*this).cond.notify_all();
        }
    }
}

/// Counts down `count` jobs; the last one sets the latch its owner (a
/// worker of the same pool as every setter) waits on.
///
/// ## Memory ordering
///
/// Each count-down is an AcqRel `fetch_sub`, so the last one has seen every
/// job's writes, and publishes them through the core latch (Release), which
/// the owner observes with Acquire.
pub(crate) struct CountLatch {
    counter: AtomicUsize,
    core: CoreLatch,
    registry: *const Registry,
    owner: usize,
}

// SAFETY: the registry pointer is only dereferenced by setters, which run
// on workers of that registry (each holding an `Arc` to it), and the
// counters are atomics.
unsafe impl Sync for CountLatch {}

impl CountLatch {
    pub(crate) fn new(owner: &WorkerThread, count: usize) -> Self {
        CountLatch {
            counter: AtomicUsize::new(count),
            core: CoreLatch::new(),
            registry: Arc::as_ptr(owner.registry()),
            owner: owner.index(),
        }
    }

    pub(crate) fn core(&self) -> &CoreLatch {
        &self.core
    }
}

impl Latch for &CountLatch {
    unsafe fn set(this: *const Self) {
        // SAFETY: `this` (the job's copy of the reference) is live when the
        // call starts; we copy the reference out before counting down, and
        // the latch it points to lives until its core is set, which only
        // the last count-down below does.
        let latch: *const CountLatch = unsafe { *this };
        // SAFETY: live, as above.
        if unsafe { (*latch).counter.fetch_sub(1, Ordering::AcqRel) } != 1 {
            return;
        }
        // SAFETY: live until the swap in `CoreLatch::set`; copy what we need
        // first.
        let (registry, owner) = unsafe { ((*latch).registry, (*latch).owner) };
        // SAFETY: live until this swap, our last access.
        if unsafe { CoreLatch::set(&raw const (*latch).core) } {
            // SAFETY: setters run on workers of this registry, whose `Arc`
            // keeps it alive.
            unsafe { (*registry).sleep().wake_specific(owner) };
        }
    }
}

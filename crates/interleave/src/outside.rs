//! Wakes from outside the runtime thread, and how deadlock detection knows
//! that none can come any more.
//!
//! Deadlock detection reports a deadlock only when nothing can wake anything.
//! For wakes from other threads (or from wakers this crate does not hold) it
//! compares the live waker references of each task, and of the `block_on`
//! future, with those the runtime can account for (its registry, its own
//! primitives). A wake that another thread is in the middle of must never
//! look like "no wake can come".
//!
//! ## Tasks: the count alone carries the evidence
//!
//! A remote wake of a task (`runtime::remote_wake`):
//!
//! 1. `pending.swap(true)` (`AcqRel`); if it was clear, take one reference
//!    for a queue entry, push the entry, announce it;
//! 2. `wake` by value then drops the waker's own reference (`Release`).
//!
//! The runtime clears `pending` and drops the entry's reference only when it
//! takes the entry out of the queue, on its own thread: the wake is then
//! delivered (the task is scheduled). Every change of the count is a
//! read-modify-write (the last owner, seeing a count of 1, frees the task
//! without writing one: nothing reads the count after that), so the count
//! has one modification order, and in it the
//! entry's reference is added *before* the waker's is dropped. There is no
//! point in that order where a wake in flight is represented by neither. So
//! the check counts *every* reference it cannot account for, queue entries
//! included: `refs > 1 + parked` means "may be woken".
//!
//! (Subtracting a queue entry whenever `pending` is up, as an earlier check
//! did, is the false-deadlock defect: between step 1's swap and its
//! increment the waker's own reference is the only one, and it was taken for
//! the entry's. The loom model `subtracting_a_pending_entry_misses_a_wake` shows it.)
//!
//! ## The `block_on` future: flag, then count
//!
//! A remote wake of the main future sets `woken` (`Release`), then `wake` by
//! value drops the waker's count (`Release`). There is no queue entry, so the
//! check reads:
//!
//! 1. the count, with an `Acquire` load;
//! 2. the flag, with an `Acquire` load;
//!
//! and says "no wake can come" only when the count is accounted for *and* the
//! flag is clear. If the count load no longer includes the remote waker, it
//! read from that waker's `Release` decrement (or later in its release
//! sequence), so the flag store, sequenced before the decrement, happens
//! before the flag load, which then reads `true` (only the runtime thread
//! clears it, when it polls the future). Reading the flag first breaks this:
//! the flag can be read before the store and the count after the decrement.
//! The loom models in `test.rs` cover both targets; with the main check's
//! two loads swapped, `main_wake_is_never_reported_as_deadlock` fails.

#[cfg(loom)]
use loom::sync::atomic::{fence, AtomicBool, AtomicU32, AtomicUsize, Ordering};
#[cfg(not(loom))]
use std::sync::atomic::{fence, AtomicBool, AtomicU32, AtomicUsize, Ordering};

/// The cross-thread wake state of one task: its reference count and whether
/// a remote wake of it is queued. The count is 32 bits (8 bytes in all with
/// the flag, which keeps a task cell small); more than 2^31 live wakers of
/// one task abort the process, as `Arc` does at `isize::MAX`.
pub(crate) struct TaskWake {
    refs: AtomicU32,
    pending: AtomicBool,
}

impl TaskWake {
    /// A task with `refs` references and no queued wake.
    pub(crate) fn new(refs: u32) -> TaskWake {
        TaskWake {
            refs: AtomicU32::new(refs),
            pending: AtomicBool::new(false),
        }
    }

    /// Adds a reference (`Relaxed`, as `Arc::clone`: the new reference is
    /// made from a live one).
    #[inline]
    pub(crate) fn inc_ref(&self) {
        let old = self.refs.fetch_add(1, Ordering::Relaxed);
        if old > i32::MAX as u32 {
            std::process::abort();
        }
    }

    /// Drops the owner reference (the registry's and the handle's), most
    /// often the last one: a task's wakers are usually gone by the time
    /// both let go. A count of 1 read with `Acquire` is then the caller's
    /// own reference: no other exists that could add or drop one, so the
    /// caller frees the task without the read-modify-write. The `Acquire`
    /// read synchronises with every earlier `Release` decrement, as
    /// [`TaskWake::dec_ref`]'s fence does. Otherwise as `dec_ref`.
    #[inline]
    pub(crate) fn dec_owner_ref(&self) -> bool {
        self.refs.load(Ordering::Acquire) == 1 || self.dec_ref()
    }

    /// Drops a reference; `true` when it was the last (the caller frees the
    /// task; the `Acquire` fence orders every earlier use before that).
    #[inline]
    pub(crate) fn dec_ref(&self) -> bool {
        if self.refs.fetch_sub(1, Ordering::Release) == 1 {
            fence(Ordering::Acquire);
            return true;
        }
        false
    }

    /// Step 1 of a remote wake: raises the flag. `true` when the caller must
    /// queue an entry (a reference for it is taken here); `false` when a wake
    /// is queued already.
    pub(crate) fn begin_remote_wake(&self) -> bool {
        if self.pending.swap(true, Ordering::AcqRel) {
            return false;
        }
        self.inc_ref();
        true
    }

    /// The runtime took the entry out of the queue (or refused it): the next
    /// remote wake queues a new one. The caller then drops the entry's
    /// reference.
    pub(crate) fn clear_pending(&self) {
        self.pending.store(false, Ordering::Release);
    }

    /// Whether a wake may still come from outside, with `known` references
    /// accounted for by the runtime (queue entries are not among them: see
    /// the module docs).
    pub(crate) fn may_be_woken_from_outside(&self, known: u32) -> bool {
        self.refs.load(Ordering::Acquire) > known
    }
}

/// The cross-thread wake state of the `block_on` future: its live wakers,
/// those parked in this crate's primitives, and whether it was woken.
pub(crate) struct MainWake {
    wakers: AtomicUsize,
    internal: AtomicUsize,
    woken: AtomicBool,
}

impl MainWake {
    pub(crate) fn new() -> MainWake {
        MainWake {
            wakers: AtomicUsize::new(0),
            internal: AtomicUsize::new(0),
            woken: AtomicBool::new(false),
        }
    }

    /// A main waker was made or cloned.
    #[inline]
    pub(crate) fn waker_added(&self) {
        self.wakers.fetch_add(1, Ordering::Relaxed);
    }

    /// A main waker was dropped: `Release`, so that a wake made through it
    /// before is seen by a check that no longer counts it.
    #[inline]
    pub(crate) fn waker_dropped(&self) {
        self.wakers.fetch_sub(1, Ordering::Release);
    }

    /// A main waker was parked in (or released from) one of this crate's
    /// primitives; runtime thread only.
    pub(crate) fn internal_added(&self) {
        self.internal.fetch_add(1, Ordering::Relaxed);
    }

    /// See [`MainWake::internal_added`].
    pub(crate) fn internal_dropped(&self) {
        self.internal.fetch_sub(1, Ordering::Relaxed);
    }

    /// Marks the main future woken (`Release` for a wake from another
    /// thread, so that whatever it published is seen by the poll).
    #[inline]
    pub(crate) fn wake(&self, ordering: Ordering) {
        self.woken.store(true, ordering);
    }

    /// Whether a main waker is parked in one of this crate's primitives
    /// (runtime thread only).
    pub(crate) fn has_parked(&self) -> bool {
        self.internal.load(Ordering::Relaxed) > 0
    }

    /// Whether the flag is up (`Relaxed`: a hint, confirmed by
    /// [`MainWake::take`]).
    #[inline]
    pub(crate) fn is_woken(&self) -> bool {
        self.woken.load(Ordering::Relaxed)
    }

    /// Whether the flag is up, with `Acquire`.
    pub(crate) fn is_woken_acquire(&self) -> bool {
        self.woken.load(Ordering::Acquire)
    }

    /// Lowers the flag; `true` when it was up.
    #[inline]
    pub(crate) fn take(&self) -> bool {
        self.is_woken() && self.woken.swap(false, Ordering::Acquire)
    }

    /// Whether a wake may still come from outside: more live wakers than
    /// `held` by `block_on` itself plus those parked in this crate, or the
    /// flag is up. Count first, then flag (see the module docs).
    pub(crate) fn may_be_woken_from_outside(&self, held: usize) -> bool {
        let out = self.wakers.load(Ordering::Acquire);
        let parked = self.internal.load(Ordering::Relaxed);
        out > parked + held || self.woken.load(Ordering::Acquire)
    }
}

#[cfg(test)]
mod test;

//! Hand-rolled [`Waker`]s.
//!
//! - A **task waker**'s data pointer is the task's [`Header`]; a clone is one
//!   task reference. Waking on the runtime's own thread pushes the task onto
//!   the ready queue with no atomic operation; waking from anywhere else goes
//!   through the injection queue and unparks the runtime thread.
//! - The **main waker** (for the future given to `block_on`) points to the
//!   runtime's [`Shared`] (an `Arc`): waking sets a flag.
//! - A [`ParkedWaker`] is a waker stored by this crate's own primitives
//!   (timers excepted). It tells deadlock detection that the reference is
//!   accounted for: a task whose every waker is parked inside the runtime
//!   cannot be woken from outside it.

use std::marker::PhantomData;
use std::mem::ManuallyDrop;
use std::ptr::NonNull;
use std::sync::Arc;
use std::task::{RawWaker, RawWakerVTable, Waker};

use crate::runtime::{self, Shared};
use crate::task::Header;

pub(crate) static TASK_VTABLE: RawWakerVTable =
    RawWakerVTable::new(task_clone, task_wake, task_wake_by_ref, task_drop);

pub(crate) static MAIN_VTABLE: RawWakerVTable =
    RawWakerVTable::new(main_clone, main_wake, main_wake_by_ref, main_drop);

/// A waker for `ptr` that borrows the caller's reference (it must not be
/// dropped: wrap it in `ManuallyDrop`).
///
/// # Safety
/// `ptr` is a live task for as long as the returned waker is used.
pub(crate) unsafe fn borrowed_task_waker(ptr: NonNull<Header>) -> ManuallyDrop<Waker> {
    // SAFETY: `TASK_VTABLE` upholds the `RawWaker` contract for a task
    // pointer; `ManuallyDrop` keeps us from releasing a reference we do not
    // own.
    ManuallyDrop::new(unsafe { Waker::from_raw(RawWaker::new(ptr.as_ptr().cast(), &TASK_VTABLE)) })
}

unsafe fn task_clone(data: *const ()) -> RawWaker {
    // SAFETY: a waker owns a reference, so the header is live.
    let header = unsafe { &*data.cast::<Header>() };
    header.inc_ref();
    RawWaker::new(data, &TASK_VTABLE)
}

unsafe fn task_wake(data: *const ()) {
    // SAFETY: `data` is a live header (this waker's own reference).
    unsafe { task_wake_by_ref(data) };
    // SAFETY: `wake` consumes the waker and with it its reference.
    unsafe { Header::drop_ref(NonNull::new_unchecked(data.cast_mut().cast())) };
}

unsafe fn task_wake_by_ref(data: *const ()) {
    // SAFETY: a waker points to a live header.
    unsafe { runtime::wake_task(NonNull::new_unchecked(data.cast_mut().cast())) };
}

unsafe fn task_drop(data: *const ()) {
    // SAFETY: dropping the waker gives up its reference.
    unsafe { Header::drop_ref(NonNull::new_unchecked(data.cast_mut().cast())) };
}

/// The waker of a `block_on` future; it counts itself in
/// `Shared::main`.
pub(crate) fn main_waker(shared: &Arc<Shared>) -> Waker {
    shared.main.waker_added();
    let data = Arc::into_raw(shared.clone()).cast::<()>();
    // SAFETY: `MAIN_VTABLE` upholds the `RawWaker` contract for a pointer
    // obtained from `Arc::<Shared>::into_raw`, which we own.
    unsafe { Waker::from_raw(RawWaker::new(data, &MAIN_VTABLE)) }
}

unsafe fn main_clone(data: *const ()) -> RawWaker {
    // SAFETY: the waker owns one strong count of this `Arc<Shared>`.
    unsafe { Arc::increment_strong_count(data.cast::<Shared>()) };
    // SAFETY: still live: we just added a count.
    unsafe { &*data.cast::<Shared>() }.main.waker_added();
    RawWaker::new(data, &MAIN_VTABLE)
}

unsafe fn main_wake(data: *const ()) {
    // SAFETY: the waker owns a count, so it is live.
    unsafe { main_wake_by_ref(data) };
    // SAFETY: `wake` consumes the waker.
    unsafe { main_drop(data) };
}

unsafe fn main_wake_by_ref(data: *const ()) {
    // SAFETY: the waker owns a count of this `Arc<Shared>`.
    unsafe { &*data.cast::<Shared>() }.wake_main();
}

unsafe fn main_drop(data: *const ()) {
    // SAFETY: the waker owns a count of this `Arc<Shared>`.
    unsafe { &*data.cast::<Shared>() }.main.waker_dropped();
    // SAFETY: give the waker's count back.
    unsafe { Arc::decrement_strong_count(data.cast::<Shared>()) };
}

/// What a parked waker waits on, as deadlock reports name it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub(crate) enum ParkedOn {
    Channel = 1,
    Mutex,
    JoinHandle,
    Oneshot,
    BoundedSend,
    BoundedRecv,
    Semaphore,
    Notify,
    JoinSet,
}

impl ParkedOn {
    pub(crate) fn from_u8(v: u8) -> Option<ParkedOn> {
        use ParkedOn::*;
        [
            Channel,
            Mutex,
            JoinHandle,
            Oneshot,
            BoundedSend,
            BoundedRecv,
            Semaphore,
            Notify,
            JoinSet,
        ]
        .into_iter()
        .find(|k| *k as u8 == v)
    }

    pub(crate) fn describe(self) -> &'static str {
        match self {
            ParkedOn::Channel => "a channel (recv)",
            ParkedOn::Mutex => "a mutex (lock)",
            ParkedOn::JoinHandle => "a JoinHandle (another task)",
            ParkedOn::Oneshot => "a oneshot (recv)",
            ParkedOn::BoundedSend => "a bounded channel (send, full)",
            ParkedOn::BoundedRecv => "a bounded channel (recv)",
            ParkedOn::Semaphore => "a semaphore (acquire)",
            ParkedOn::Notify => "a Notify (notified)",
            ParkedOn::JoinSet => "a JoinSet (join_next)",
        }
    }
}

enum Accounted {
    /// Not one of ours, or from a runtime not running on this thread.
    Foreign,
    /// Counted in the task's `internal_refs`.
    Task,
    /// Counted in `Shared::main`'s parked wakers.
    Main,
}

/// A waker held by one of this crate's primitives (see the module docs).
///
/// `!Send`: it must be dropped on the thread that created it, because it
/// updates the task's thread-local bookkeeping.
pub(crate) struct ParkedWaker {
    waker: Waker,
    accounted: Accounted,
    _not_send: PhantomData<*mut ()>,
}

impl ParkedWaker {
    pub(crate) fn new(waker: &Waker, on: ParkedOn) -> Self {
        let waker = waker.clone();
        let mut accounted = Accounted::Foreign;
        if std::ptr::eq(waker.vtable(), &TASK_VTABLE) {
            // SAFETY: our task vtable: the data is a header, kept alive by
            // the clone we hold.
            let header = unsafe { &*waker.data().cast::<Header>() };
            if runtime::is_current(&header.shared) {
                header.internal_refs.set(header.internal_refs.get() + 1);
                header.parked_on.set(on as u8);
                accounted = Accounted::Task;
            }
        } else if std::ptr::eq(waker.vtable(), &MAIN_VTABLE) {
            // SAFETY: our main vtable: the data is a `Shared`, kept alive by
            // the clone we hold.
            let shared = unsafe { &*waker.data().cast::<Shared>() };
            if runtime::is_current(shared) {
                shared.main.internal_added();
                shared
                    .main_parked_on
                    .store(on as u8, std::sync::atomic::Ordering::Relaxed);
                accounted = Accounted::Main;
            }
        }
        ParkedWaker {
            waker,
            accounted,
            _not_send: PhantomData,
        }
    }

    pub(crate) fn will_wake(&self, other: &Waker) -> bool {
        self.waker.will_wake(other)
    }

    pub(crate) fn wake(self) {
        self.waker.wake_by_ref();
    }
}

impl Drop for ParkedWaker {
    fn drop(&mut self) {
        match self.accounted {
            Accounted::Foreign => {}
            Accounted::Task => {
                // SAFETY: our task vtable (checked in `new`); the header is
                // alive while `self.waker` is, and we are on the thread that
                // incremented the counter (`ParkedWaker` is `!Send`).
                let header = unsafe { &*self.waker.data().cast::<Header>() };
                header.internal_refs.set(header.internal_refs.get() - 1);
            }
            Accounted::Main => {
                // SAFETY: our main vtable (checked in `new`); alive while
                // `self.waker` is.
                let shared = unsafe { &*self.waker.data().cast::<Shared>() };
                shared.main.internal_dropped();
            }
        }
    }
}

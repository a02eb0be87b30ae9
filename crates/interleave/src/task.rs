//! Task cells: one heap allocation per task (header + future/output), and the
//! [`JoinHandle`] that awaits one.
//!
//! A task is a `TaskCell<F>`: a type-erased [`Header`] followed by the stage of
//! the task (its future while it runs, its output once it finished). Everything
//! that is not generic over `F` goes through the header's [`TaskVTable`].
//!
//! ## References
//!
//! `Header::refs` counts the owners of the allocation:
//!
//! - the runtime's registry and the [`JoinHandle`] together (one, held while
//!   either the `REGISTERED` or the `HANDLE` flag is set, and dropped by
//!   whichever of the two lets go last: both live on the runtime thread, so
//!   the flags decide without an atomic operation);
//! - every [`Waker`] clone (one each);
//! - every entry in the injection queue (one each).
//!
//! The ready queue holds *no* reference: a task in the ready queue is always
//! registered (a task is unregistered only when it is neither running nor
//! queued), so the registry's reference keeps it alive.
//!
//! ## Threads
//!
//! Only `wake` (references and the remote-wake flag), `shared` and `vtable`
//! are ever touched from
//! another thread (by a [`Waker`]). Every other field, and the stage, is touched
//! only on the runtime's thread: the runtime, the task and its `JoinHandle` are
//! all `!Send`. The last reference may be dropped on another thread; `dealloc`
//! then frees the memory and drops only `Send` fields, never the stage (which
//! is always consumed, on the runtime's thread, before the registry and the
//! handle let go).
//!
//! ## Memory ordering
//!
//! The reference count follows `Arc`: increments are `Relaxed`, decrements
//! `Release`, and the thread that drops the last reference runs an `Acquire`
//! fence before it frees the cell. The remote-wake flag is swapped with
//! `AcqRel` by a remote waker and cleared with `Release` by the runtime
//! before it schedules the task, so a wake that races with the drain is
//! either seen by it or re-injected. How deadlock detection reads both is
//! argued in [`crate::outside`].

use std::alloc::Layout;
use std::any::Any;
use std::cell::{Cell, UnsafeCell};
use std::fmt;
use std::future::Future;
use std::marker::PhantomData;
use std::mem::ManuallyDrop;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::pin::Pin;
use std::ptr::NonNull;
use std::sync::Arc;
use std::task::{Context, Poll};

use crate::cells::{self, CellCache};
use crate::outside::TaskWake;
use crate::runtime::{self, Shared};
use crate::waker::{ParkedOn, ParkedWaker};

/// The task sits in the ready queue, or will be put back there when its
/// current poll returns.
pub(crate) const SCHEDULED: u8 = 1 << 0;
/// The task is being polled right now.
pub(crate) const RUNNING: u8 = 1 << 1;
/// The future is gone (finished, aborted or dropped with the runtime); the
/// stage holds the output, or nothing.
pub(crate) const CLOSED: u8 = 1 << 2;
/// The task's `JoinHandle` is alive.
pub(crate) const HANDLE: u8 = 1 << 3;
/// `abort` was called while the task was running; cancel it after this poll.
pub(crate) const ABORT: u8 = 1 << 4;
/// The task holds a slot (and a reference) in the runtime's registry.
pub(crate) const REGISTERED: u8 = 1 << 5;
/// The stage holds the output (set when the task finishes, cleared when the
/// output is taken or dropped). Only then may a `JoinHandle` touch the stage:
/// a future being dropped may drop its own handle.
pub(crate) const OUTPUT: u8 = 1 << 6;

/// The identity of a task, unique within its runtime.
///
/// Tasks are numbered from 1 in spawn order; `0` is the future passed to
/// [`Runtime::block_on`](crate::Runtime::block_on).
///
/// ```
/// let rt = cvp_interleave::Runtime::new();
/// let a = rt.spawn(async {});
/// let b = rt.spawn(async {});
/// assert!(a.id() < b.id());
/// assert_eq!(a.id().as_u64(), 1);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct TaskId(pub(crate) u64);

impl TaskId {
    /// The id of the future passed to `block_on`.
    pub(crate) const MAIN: TaskId = TaskId(0);

    /// The id as a number (`0` is the `block_on` future).
    ///
    /// ```
    /// let rt = cvp_interleave::Runtime::new();
    /// assert_eq!(rt.spawn(async {}).id().as_u64(), 1);
    /// ```
    pub fn as_u64(self) -> u64 {
        self.0
    }
}

impl fmt::Display for TaskId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0 == 0 {
            f.write_str("main")
        } else {
            write!(f, "#{}", self.0)
        }
    }
}

/// Why awaiting a [`JoinHandle`] gave no value.
///
/// ```
/// let rt = cvp_interleave::Runtime::new();
/// let err = rt
///     .block_on(async { cvp_interleave::spawn(async { panic!("boom") }).await })
///     .unwrap()
///     .unwrap_err();
/// assert!(err.is_panic());
/// assert_eq!(err.to_string(), "task panicked: boom");
/// ```
#[non_exhaustive]
pub enum JoinError {
    /// The task was aborted, or its runtime was dropped, before it finished.
    Cancelled,
    /// The task panicked; this is the panic's payload.
    Panicked(Box<dyn Any + Send + 'static>),
}

impl JoinError {
    /// Whether the task panicked.
    ///
    /// ```
    /// assert!(!cvp_interleave::JoinError::Cancelled.is_panic());
    /// ```
    pub fn is_panic(&self) -> bool {
        matches!(self, JoinError::Panicked(_))
    }

    /// Whether the task was cancelled.
    ///
    /// ```
    /// assert!(cvp_interleave::JoinError::Cancelled.is_cancelled());
    /// ```
    pub fn is_cancelled(&self) -> bool {
        matches!(self, JoinError::Cancelled)
    }

    /// The panic message, when the payload is a string.
    ///
    /// ```
    /// let err = cvp_interleave::JoinError::Panicked(Box::new("boom"));
    /// assert_eq!(err.panic_message(), Some("boom"));
    /// ```
    pub fn panic_message(&self) -> Option<&str> {
        match self {
            JoinError::Panicked(p) => p
                .downcast_ref::<&'static str>()
                .copied()
                .or_else(|| p.downcast_ref::<String>().map(String::as_str)),
            JoinError::Cancelled => None,
        }
    }
}

impl fmt::Debug for JoinError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            JoinError::Cancelled => f.write_str("Cancelled"),
            JoinError::Panicked(_) => f
                .debug_tuple("Panicked")
                .field(&self.panic_message().unwrap_or("<non-string payload>"))
                .finish(),
        }
    }
}

impl fmt::Display for JoinError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            JoinError::Cancelled => f.write_str("task was cancelled"),
            JoinError::Panicked(_) => write!(
                f,
                "task panicked: {}",
                self.panic_message().unwrap_or("<non-string payload>")
            ),
        }
    }
}

impl std::error::Error for JoinError {}

/// The type-erased part of a task.
pub(crate) struct Header {
    /// Owners of the allocation (see the module docs) and whether a remote
    /// wake of this task is queued ([`crate::outside`]).
    pub(crate) wake: TaskWake,
    /// The runtime the task belongs to (its injection queue, its identity).
    pub(crate) shared: Arc<Shared>,
    vtable: &'static TaskVTable,
    /// `SCHEDULED | RUNNING | ...` (runtime thread only).
    pub(crate) state: Cell<u8>,
    /// Slot in the registry (runtime thread only).
    pub(crate) slot: Cell<u32>,
    /// Waker references held by this crate's own primitives (runtime thread
    /// only); what is left over may sit anywhere, for example on another
    /// thread, so deadlock detection cannot rule out a wake.
    pub(crate) internal_refs: Cell<u32>,
    pub(crate) id: u64,
    /// What the task last parked a waker on ([`ParkedOn`] as a byte, 0:
    /// nothing yet; runtime thread only), for deadlock reports.
    pub(crate) parked_on: Cell<u8>,
    /// Where the task was spawned (`#[track_caller]`).
    pub(crate) spawned_at: &'static std::panic::Location<'static>,
    /// Who awaits the `JoinHandle` (runtime thread only).
    pub(crate) join_waker: UnsafeCell<Option<ParkedWaker>>,
}

struct TaskVTable {
    /// Polls the future; `true` when the task finished (output stored).
    poll: unsafe fn(NonNull<Header>, &mut Context<'_>) -> bool,
    /// Drops the future or the output, leaving the stage empty.
    drop_stage: unsafe fn(NonNull<Header>),
    /// Moves the result out into `*mut Option<Result<T, JoinError>>`.
    take_output: unsafe fn(NonNull<Header>, *mut ()),
    /// Frees the cell (the stage must be empty).
    dealloc: unsafe fn(NonNull<Header>),
}

enum Stage<F: Future> {
    Running(F),
    Done(Result<F::Output, Box<dyn Any + Send + 'static>>),
    Consumed,
}

#[repr(C)]
struct TaskCell<F: Future> {
    header: Header,
    stage: ManuallyDrop<UnsafeCell<Stage<F>>>,
}

impl<F: Future + 'static> TaskCell<F> {
    const VTABLE: TaskVTable = TaskVTable {
        poll: Self::poll,
        drop_stage: Self::drop_stage,
        take_output: Self::take_output,
        dealloc: Self::dealloc,
    };

    /// The stage of the cell.
    ///
    /// # Safety
    /// `ptr` points to a live `TaskCell<F>`; the result may be dereferenced
    /// only on the runtime thread and while no other reference to the stage
    /// exists.
    unsafe fn stage(ptr: NonNull<Header>) -> *mut Stage<F> {
        // SAFETY: the header is the first field of a `repr(C)` `TaskCell<F>`
        // (caller: live cell of this `F`); `UnsafeCell::get` hands out a raw
        // pointer without asserting anything about aliasing.
        unsafe { (*ptr.cast::<TaskCell<F>>().as_ptr()).stage.get() }
    }

    /// Drops the stage *in place* (a pinned future must be dropped where it
    /// lies) and leaves `Consumed`, even when the destructor panics.
    ///
    /// # Safety
    /// `stage` is valid and not borrowed.
    unsafe fn clear(stage: *mut Stage<F>) {
        struct Reset<F: Future>(*mut Stage<F>);
        impl<F: Future> Drop for Reset<F> {
            fn drop(&mut self) {
                // SAFETY: the old value was dropped (or its drop unwound):
                // overwrite it without dropping it again.
                unsafe { std::ptr::write(self.0, Stage::Consumed) };
            }
        }
        let reset = Reset(stage);
        // SAFETY: valid, unborrowed (caller); `reset` rewrites it afterwards.
        unsafe { std::ptr::drop_in_place(stage) };
        drop(reset);
    }

    /// # Safety
    /// As for [`Self::stage`]; the task is not running already.
    unsafe fn poll(ptr: NonNull<Header>, cx: &mut Context<'_>) -> bool {
        // SAFETY: forwarded from the caller.
        let stage = unsafe { Self::stage(ptr) };
        // SAFETY: runtime thread, no other borrow of the stage (the future
        // cannot reach it: a `JoinHandle` reads the stage only once the
        // task is `CLOSED`). The borrow ends with the poll.
        let Stage::Running(fut) = (unsafe { &mut *stage }) else {
            return true;
        };
        // SAFETY: the future lives in a heap cell that never moves and is
        // dropped in place (`clear`), so it is pinned.
        let fut = unsafe { Pin::new_unchecked(fut) };
        let result = match catch_unwind(AssertUnwindSafe(|| fut.poll(cx))) {
            Ok(Poll::Pending) => return false,
            Ok(Poll::Ready(v)) => Ok(v),
            Err(p) => Err(p),
        };
        // Drop the future first; a panicking destructor is swallowed: the
        // task already has its result.
        // SAFETY: the poll's borrow has ended.
        let _ = catch_unwind(AssertUnwindSafe(|| unsafe { Self::clear(stage) }));
        // SAFETY: `Consumed` now; overwriting it drops nothing.
        unsafe { std::ptr::write(stage, Stage::Done(result)) };
        true
    }

    /// # Safety
    /// As for [`Self::stage`].
    unsafe fn drop_stage(ptr: NonNull<Header>) {
        // SAFETY: forwarded from the caller.
        unsafe { Self::clear(Self::stage(ptr)) };
    }

    /// # Safety
    /// As for [`Self::stage`]; `out` points to an
    /// `Option<Result<F::Output, JoinError>>`.
    unsafe fn take_output(ptr: NonNull<Header>, out: *mut ()) {
        // SAFETY: forwarded from the caller; an output is not pinned, so it
        // may move out.
        let stage = unsafe { &mut *Self::stage(ptr) };
        let result = match stage {
            Stage::Done(_) => match std::mem::replace(stage, Stage::Consumed) {
                Stage::Done(Ok(v)) => Ok(v),
                Stage::Done(Err(p)) => Err(JoinError::Panicked(p)),
                Stage::Running(_) | Stage::Consumed => unreachable!("matched `Done`"),
            },
            // A running future is pinned: never move it (closed tasks have
            // none anyway).
            Stage::Running(_) | Stage::Consumed => Err(JoinError::Cancelled),
        };
        // SAFETY: the caller passes a valid, initialised slot of this type.
        unsafe { *out.cast::<Option<Result<F::Output, JoinError>>>() = Some(result) };
    }

    /// # Safety
    /// `ptr` is the last reference to a `TaskCell<F>` made by [`allocate`].
    unsafe fn dealloc(ptr: NonNull<Header>) {
        let cell = ptr.cast::<TaskCell<F>>().as_ptr();
        let layout = Layout::new::<TaskCell<F>>();
        if !cells::cacheable(layout) {
            // SAFETY: allocated as `Box<TaskCell<F>>` in `allocate`; the
            // last reference is gone so nobody else can see it. The stage is
            // `ManuallyDrop` and is not dropped here: it may hold `!Send`
            // values and we may be on another thread (it is empty unless a
            // `JoinHandle` with an output was leaked, and then the output
            // leaks too).
            drop(unsafe { Box::from_raw(cell) });
            return;
        }
        // SAFETY: the last reference is gone: the header is ours to drop,
        // in place (its fields are `Send`); the stage is left alone, as
        // above.
        unsafe { std::ptr::drop_in_place(&raw mut (*cell).header) };
        let mem = ptr.cast::<u8>();
        // Any runtime running on this thread may keep the memory: a cache
        // holds bare memory of a layout, tied to no runtime.
        let kept = runtime::with_current(|local| {
            // SAFETY: nothing refers to the cell any more; allocated with
            // `layout` by the global allocator (`allocate`).
            unsafe { local.cells.free(mem, layout) }
        });
        if kept.is_none() {
            // SAFETY: allocated with `layout` by the global allocator
            // (`allocate`), and unused from now on.
            unsafe { std::alloc::dealloc(mem.as_ptr(), layout) };
        }
    }
}

/// Allocates a task for `fut`, with one reference (shared by the registry
/// and the handle), in state `SCHEDULED | HANDLE | REGISTERED`. A cell of a
/// [cacheable](cells::cacheable) layout comes from `cache` when it holds one
/// of that size.
pub(crate) fn allocate<F>(
    fut: F,
    id: u64,
    shared: Arc<Shared>,
    spawned_at: &'static std::panic::Location<'static>,
    cache: &CellCache,
) -> NonNull<Header>
where
    F: Future + 'static,
{
    let cell = TaskCell {
        header: Header {
            wake: TaskWake::new(1),
            shared,
            vtable: &TaskCell::<F>::VTABLE,
            state: Cell::new(SCHEDULED | HANDLE | REGISTERED),
            slot: Cell::new(0),
            internal_refs: Cell::new(0),
            id,
            parked_on: Cell::new(0),
            spawned_at,
            join_waker: UnsafeCell::new(None),
        },
        stage: ManuallyDrop::new(UnsafeCell::new(Stage::Running(fut))),
    };
    let layout = Layout::new::<TaskCell<F>>();
    if !cells::cacheable(layout) {
        return NonNull::from(Box::leak(Box::new(cell))).cast();
    }
    let mem = cache.alloc(layout).cast::<TaskCell<F>>();
    // SAFETY: `mem` is unused memory of `TaskCell<F>`'s own layout.
    unsafe { mem.as_ptr().write(cell) };
    mem.cast()
}

/// Size of a task allocation whose future and output take no space (for the
/// memory-per-task figure).
pub(crate) fn empty_task_size() -> usize {
    std::mem::size_of::<TaskCell<std::future::Pending<()>>>()
}

/// Operations on a task pointer. All are `unsafe`: the pointer must be live.
impl Header {
    /// Adds a reference.
    pub(crate) fn inc_ref(&self) {
        self.wake.inc_ref();
    }

    /// Drops a reference, freeing the cell when it was the last.
    ///
    /// # Safety
    /// The caller owns one reference to a live task and gives it up.
    pub(crate) unsafe fn drop_ref(ptr: NonNull<Header>) {
        // SAFETY: the caller owns a reference, so the header is live.
        let header = unsafe { ptr.as_ref() };
        if header.wake.dec_ref() {
            let dealloc = header.vtable.dealloc;
            // SAFETY: that was the last reference.
            unsafe { dealloc(ptr) };
        }
    }

    /// Drops the owner reference (shared by the registry and the handle,
    /// see the module docs), freeing the cell when it was the last.
    ///
    /// # Safety
    /// As for [`Header::drop_ref`]; the reference given up is the owner's.
    pub(crate) unsafe fn drop_owner_ref(ptr: NonNull<Header>) {
        // SAFETY: the caller owns the owner reference, so the header is live.
        let header = unsafe { ptr.as_ref() };
        if header.wake.dec_owner_ref() {
            let dealloc = header.vtable.dealloc;
            // SAFETY: that was the last reference.
            unsafe { dealloc(ptr) };
        }
    }

    /// Polls the task's future.
    ///
    /// # Safety
    /// Runtime thread; the task is live, registered and marked `RUNNING`.
    pub(crate) unsafe fn poll(ptr: NonNull<Header>, cx: &mut Context<'_>) -> bool {
        // SAFETY: forwarded from the caller.
        unsafe { (ptr.as_ref().vtable.poll)(ptr, cx) }
    }

    /// Drops the future or output.
    ///
    /// # Safety
    /// Runtime thread; the task is live and not running.
    pub(crate) unsafe fn drop_stage(ptr: NonNull<Header>) {
        // SAFETY: forwarded from the caller.
        unsafe { (ptr.as_ref().vtable.drop_stage)(ptr) }
    }

    /// Takes the `JoinHandle`'s waker out.
    ///
    /// # Safety
    /// Runtime thread; the task is live.
    pub(crate) unsafe fn take_join_waker(ptr: NonNull<Header>) -> Option<ParkedWaker> {
        // SAFETY: runtime thread only, and no reference to the slot is held
        // across calls.
        unsafe { (*ptr.as_ref().join_waker.get()).take() }
    }
}

/// An awaitable handle to a spawned task.
///
/// Awaiting it gives the task's output, or a [`JoinError`] when the task
/// panicked or was cancelled. Dropping it detaches the task (it keeps
/// running). A handle is `!Send`, like the task it points to.
///
/// ```
/// let rt = cvp_interleave::Runtime::new();
/// let out = rt.block_on(async {
///     let h = cvp_interleave::spawn(async { 6 * 7 });
///     h.await.unwrap()
/// });
/// assert_eq!(out.unwrap(), 42);
/// ```
///
/// ```compile_fail
/// fn assert_send<T: Send>(_: T) {}
/// let rt = cvp_interleave::Runtime::new();
/// assert_send(rt.spawn(async {}));
/// ```
pub struct JoinHandle<T> {
    ptr: NonNull<Header>,
    _marker: PhantomData<(T, *mut ())>,
}

impl<T> Unpin for JoinHandle<T> {}

impl<T> JoinHandle<T> {
    /// # Safety
    /// `ptr` is a task allocated for a future with output `T`, with the
    /// `HANDLE` flag set for this handle.
    pub(crate) unsafe fn from_raw(ptr: NonNull<Header>) -> Self {
        JoinHandle {
            ptr,
            _marker: PhantomData,
        }
    }

    fn header(&self) -> &Header {
        // SAFETY: the handle owns a reference, so the task is live.
        unsafe { self.ptr.as_ref() }
    }

    /// The task's id.
    ///
    /// ```
    /// let rt = cvp_interleave::Runtime::new();
    /// assert_eq!(rt.spawn(async {}).id().to_string(), "#1");
    /// ```
    pub fn id(&self) -> TaskId {
        TaskId(self.header().id)
    }

    /// Whether the task finished (completed, panicked or was cancelled).
    ///
    /// ```
    /// let rt = cvp_interleave::Runtime::new();
    /// let h = rt.spawn(async {});
    /// assert!(!h.is_finished());
    /// rt.block_on(cvp_interleave::yield_now()).unwrap();
    /// assert!(h.is_finished());
    /// ```
    pub fn is_finished(&self) -> bool {
        self.header().state.get() & CLOSED != 0
    }

    /// Cancels the task: its future is dropped (at once, or right after its
    /// current poll when it aborts itself) and awaiting the handle gives
    /// [`JoinError::Cancelled`]. Does nothing once the task finished.
    ///
    /// ```
    /// use std::time::Duration;
    /// let rt = cvp_interleave::Runtime::new();
    /// let r = rt.block_on(async {
    ///     let h = cvp_interleave::spawn(cvp_interleave::sleep(Duration::from_secs(60)));
    ///     h.abort();
    ///     h.await
    /// });
    /// assert!(r.unwrap().unwrap_err().is_cancelled());
    /// ```
    pub fn abort(&self) {
        let header = self.header();
        let state = header.state.get();
        if state & CLOSED != 0 {
            return;
        }
        if state & RUNNING != 0 {
            header.state.set(state | ABORT);
            return;
        }
        header.state.set(state | CLOSED);
        // SAFETY: runtime thread (the handle is `!Send`), the task is live
        // (we hold a reference) and not running.
        unsafe { runtime::cancel(self.ptr) };
    }
}

impl<T> Future for JoinHandle<T> {
    type Output = Result<T, JoinError>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let header = self.header();
        let state = header.state.get();
        if state & CLOSED != 0 {
            if state & OUTPUT == 0 {
                return Poll::Ready(Err(JoinError::Cancelled));
            }
            header.state.set(state & !OUTPUT);
            let mut out: Option<Result<T, JoinError>> = None;
            // SAFETY: the stage holds the output and is not borrowed; `out`
            // has the type the vtable expects (the handle's `T` is the
            // future's output).
            unsafe { (header.vtable.take_output)(self.ptr, (&mut out as *mut Option<_>).cast()) };
            return Poll::Ready(out.unwrap_or(Err(JoinError::Cancelled)));
        }
        // SAFETY: runtime thread; no other borrow of the slot is alive.
        let slot = unsafe { &mut *header.join_waker.get() };
        match slot {
            Some(w) if w.will_wake(cx.waker()) => {}
            _ => *slot = Some(ParkedWaker::new(cx.waker(), ParkedOn::JoinHandle)),
        }
        Poll::Pending
    }
}

impl<T> Drop for JoinHandle<T> {
    fn drop(&mut self) {
        let header = self.header();
        // SAFETY: runtime thread, live task.
        drop(unsafe { Header::take_join_waker(self.ptr) });
        let state = header.state.get() & !HANDLE;
        header.state.set(state & !OUTPUT);
        if state & OUTPUT != 0 {
            // SAFETY: runtime thread, live, holding its output (so not
            // running): nobody will read the output any more.
            unsafe { Header::drop_stage(self.ptr) };
        }
        if state & REGISTERED == 0 {
            // SAFETY: the registry let go already: the shared owner
            // reference is ours to drop.
            unsafe { Header::drop_owner_ref(self.ptr) };
        }
    }
}

impl<T> fmt::Debug for JoinHandle<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JoinHandle")
            .field("id", &self.id())
            .field("finished", &self.is_finished())
            .finish()
    }
}

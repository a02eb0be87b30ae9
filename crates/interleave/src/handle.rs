//! [`Handle`]: what other threads hold to reach a runtime.
//!
//! A handle is a main waker in disguise: it keeps the runtime's shared part
//! alive and counts as one live waker of the `block_on` future, so deadlock
//! detection never reports a deadlock while another thread could still
//! spawn or wake ([`crate::outside`] has the protocol). A future spawned
//! through it travels in the injection queue, boxed, and becomes an ordinary
//! task on the runtime thread; its output comes back through a
//! [`RemoteJoinHandle`].

use std::fmt;
use std::future::Future;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::pin::Pin;
use std::sync::{Arc, Condvar, Mutex};
use std::task::{Context, Poll, Waker};

use crate::runtime::Shared;
use crate::JoinError;

/// A `Send + Sync` handle to a [`Runtime`](crate::Runtime), for other
/// threads: spawn `Send` futures onto it, wake its `block_on` future.
///
/// While a handle is alive, the runtime counts it as a possible waker of its
/// `block_on` future: deadlock detection waits instead of reporting.
///
/// ```
/// use std::sync::atomic::{AtomicBool, Ordering};
/// use std::sync::Arc;
/// let rt = cvp_interleave::Runtime::new();
/// let handle = rt.handle();
/// let flag = Arc::new(AtomicBool::new(false));
/// let f = flag.clone();
/// let t = std::thread::spawn(move || {
///     f.store(true, Ordering::Release);
///     handle.wake();
/// });
/// // Polled again when woken: sees the flag.
/// rt.block_on(std::future::poll_fn(|_| {
///     if flag.load(Ordering::Acquire) {
///         std::task::Poll::Ready(())
///     } else {
///         std::task::Poll::Pending
///     }
/// }))
/// .unwrap();
/// t.join().unwrap();
/// ```
pub struct Handle {
    shared: Arc<Shared>,
}

pub(crate) fn new(shared: Arc<Shared>) -> Handle {
    shared.main.waker_added();
    Handle { shared }
}

impl Clone for Handle {
    fn clone(&self) -> Handle {
        new(self.shared.clone())
    }
}

impl Drop for Handle {
    fn drop(&mut self) {
        self.shared.main.waker_dropped();
    }
}

impl fmt::Debug for Handle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Handle").finish_non_exhaustive()
    }
}

impl Handle {
    /// Spawns `fut` onto the runtime from any thread. It runs on the
    /// runtime's thread, inside its next (or current) `block_on`. Once the
    /// runtime is dropped, the future is dropped unpolled and the handle
    /// gives [`JoinError::Cancelled`].
    ///
    /// ```
    /// let rt = cvp_interleave::Runtime::new();
    /// let handle = rt.handle();
    /// let jobs: Vec<_> = (0..4u64).map(|i| handle.spawn(async move { i * i })).collect();
    /// let sum = rt.block_on(async {
    ///     let mut sum = 0;
    ///     for j in jobs {
    ///         sum += j.await.unwrap();
    ///     }
    ///     sum
    /// });
    /// assert_eq!(sum.unwrap(), 14);
    /// ```
    #[track_caller]
    pub fn spawn<F>(&self, fut: F) -> RemoteJoinHandle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        let slot = Arc::new(Slot {
            state: Mutex::new(SlotState {
                result: None,
                waker: None,
            }),
            done: Condvar::new(),
        });
        let task = RemoteTask {
            fut: Box::pin(fut),
            slot: Some(slot.clone()),
        };
        // A refused future is dropped here, which cancels it.
        let _ = self
            .shared
            .inject_spawn(Box::pin(task), std::panic::Location::caller());
        RemoteJoinHandle { slot }
    }

    /// Wakes the runtime's `block_on` future (it is polled again soon), from
    /// any thread.
    ///
    /// ```
    /// let rt = cvp_interleave::Runtime::new();
    /// rt.handle().wake();
    /// rt.block_on(async {}).unwrap();
    /// ```
    pub fn wake(&self) {
        self.shared.wake_main();
    }
}

struct SlotState<T> {
    result: Option<Result<T, JoinError>>,
    waker: Option<Waker>,
}

/// Where a remote task's output waits for its [`RemoteJoinHandle`].
struct Slot<T> {
    state: Mutex<SlotState<T>>,
    done: Condvar,
}

impl<T> Slot<T> {
    fn complete(&self, result: Result<T, JoinError>) {
        let waker = {
            let mut st = self.state.lock().unwrap_or_else(|e| e.into_inner());
            st.result = Some(result);
            st.waker.take()
        };
        self.done.notify_all();
        if let Some(w) = waker {
            w.wake();
        }
    }
}

/// The future a remote spawn sends: the user's future, and the slot for its
/// result (filled with `Cancelled` if it is dropped unfinished).
struct RemoteTask<F: Future> {
    fut: Pin<Box<F>>,
    slot: Option<Arc<Slot<F::Output>>>,
}

impl<F: Future> Future for RemoteTask<F> {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let this = &mut *self;
        let result = match catch_unwind(AssertUnwindSafe(|| this.fut.as_mut().poll(cx))) {
            Ok(Poll::Pending) => return Poll::Pending,
            Ok(Poll::Ready(v)) => Ok(v),
            Err(p) => Err(JoinError::Panicked(p)),
        };
        if let Some(slot) = this.slot.take() {
            slot.complete(result);
        }
        Poll::Ready(())
    }
}

impl<F: Future> Drop for RemoteTask<F> {
    fn drop(&mut self) {
        if let Some(slot) = self.slot.take() {
            slot.complete(Err(JoinError::Cancelled));
        }
    }
}

/// The output of a future spawned through a [`Handle`]: await it (on any
/// executor, or on this runtime), or block a thread on [`join`](Self::join).
/// `Send` when the output is.
///
/// ```
/// let rt = cvp_interleave::Runtime::new();
/// let job = rt.handle().spawn(async { panic!("boom") });
/// let err = rt.block_on(job).unwrap().unwrap_err();
/// assert_eq!(err.panic_message(), Some("boom"));
/// ```
pub struct RemoteJoinHandle<T> {
    slot: Arc<Slot<T>>,
}

impl<T> fmt::Debug for RemoteJoinHandle<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RemoteJoinHandle").finish_non_exhaustive()
    }
}

impl<T> RemoteJoinHandle<T> {
    /// Blocks this thread until the task finished. Must not be called on the
    /// runtime's own thread (the task could never run).
    ///
    /// ```
    /// let rt = cvp_interleave::Runtime::new();
    /// let job = rt.handle().spawn(async { 5 });
    /// let t = std::thread::spawn(move || job.join().unwrap());
    /// // Run the runtime (and with it the task) until the thread got its value.
    /// rt.block_on(async {
    ///     while !t.is_finished() {
    ///         cvp_interleave::sleep(std::time::Duration::from_millis(1)).await;
    ///     }
    /// })
    /// .unwrap();
    /// assert_eq!(t.join().unwrap(), 5);
    /// ```
    pub fn join(self) -> Result<T, JoinError> {
        let mut st = self.slot.state.lock().unwrap_or_else(|e| e.into_inner());
        loop {
            if let Some(r) = st.result.take() {
                return r;
            }
            st = self.slot.done.wait(st).unwrap_or_else(|e| e.into_inner());
        }
    }
}

impl<T> Unpin for RemoteJoinHandle<T> {}

impl<T> Future for RemoteJoinHandle<T> {
    type Output = Result<T, JoinError>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let mut st = self.slot.state.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(r) = st.result.take() {
            return Poll::Ready(r);
        }
        match &st.waker {
            Some(w) if w.will_wake(cx.waker()) => {}
            _ => st.waker = Some(cx.waker().clone()),
        }
        Poll::Pending
    }
}

//! [`Semaphore`] and [`Notify`] for tasks of one runtime.

use std::cell::Cell;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};

use crate::wait::{Waiter, Waiters};
use crate::waker::ParkedOn;

/// A counting semaphore: at most `permits` holders at once; waiters are
/// served first come, first served.
///
/// ```
/// use std::rc::Rc;
/// use std::cell::Cell;
/// let rt = cvp_interleave::Runtime::new();
/// let peak = rt.block_on(async {
///     let sem = Rc::new(cvp_interleave::Semaphore::new(2));
///     let (now, peak) = (Rc::new(Cell::new(0)), Rc::new(Cell::new(0)));
///     let tasks: Vec<_> = (0..6).map(|_| {
///         let (sem, now, peak) = (sem.clone(), now.clone(), peak.clone());
///         cvp_interleave::spawn(async move {
///             let _permit = sem.acquire().await;
///             now.set(now.get() + 1);
///             peak.set(peak.get().max(now.get()));
///             cvp_interleave::yield_now().await;
///             now.set(now.get() - 1);
///         })
///     }).collect();
///     for t in tasks { t.await.unwrap(); }
///     peak.get()
/// });
/// assert_eq!(peak.unwrap(), 2);
/// ```
pub struct Semaphore {
    permits: Cell<usize>,
    waiters: Waiters,
}

impl fmt::Debug for Semaphore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Semaphore")
            .field("available", &self.permits.get())
            .finish()
    }
}

impl Semaphore {
    /// A semaphore with `permits` permits.
    ///
    /// ```
    /// assert_eq!(cvp_interleave::Semaphore::new(3).available_permits(), 3);
    /// ```
    pub fn new(permits: usize) -> Semaphore {
        Semaphore {
            permits: Cell::new(permits),
            waiters: Waiters::new(ParkedOn::Semaphore),
        }
    }

    /// Permits free now.
    ///
    /// ```
    /// let s = cvp_interleave::Semaphore::new(1);
    /// let p = s.try_acquire().unwrap();
    /// assert_eq!(s.available_permits(), 0);
    /// drop(p);
    /// assert_eq!(s.available_permits(), 1);
    /// ```
    pub fn available_permits(&self) -> usize {
        self.permits.get()
    }

    /// A permit now, if one is free and nobody waits for one.
    ///
    /// ```
    /// let s = cvp_interleave::Semaphore::new(0);
    /// assert!(s.try_acquire().is_none());
    /// ```
    pub fn try_acquire(&self) -> Option<SemaphorePermit<'_>> {
        if self.permits.get() > 0 && self.waiters.is_empty() {
            self.permits.set(self.permits.get() - 1);
            Some(SemaphorePermit { sem: self })
        } else {
            None
        }
    }

    /// Waits for a permit.
    ///
    /// ```
    /// let rt = cvp_interleave::Runtime::new();
    /// let s = cvp_interleave::Semaphore::new(1);
    /// rt.block_on(async { drop(s.acquire().await) }).unwrap();
    /// ```
    pub fn acquire(&self) -> Acquire<'_> {
        Acquire {
            sem: self,
            waiter: None,
        }
    }

    /// Adds `n` permits (waking as many waiters).
    ///
    /// ```
    /// let s = cvp_interleave::Semaphore::new(0);
    /// s.add_permits(2);
    /// assert_eq!(s.available_permits(), 2);
    /// ```
    pub fn add_permits(&self, n: usize) {
        self.permits.set(self.permits.get() + n);
        for _ in 0..n {
            if !self.waiters.wake_one() {
                break;
            }
        }
    }
}

/// The future of [`Semaphore::acquire`].
#[must_use = "futures do nothing unless awaited"]
pub struct Acquire<'a> {
    sem: &'a Semaphore,
    waiter: Option<Rc<Waiter>>,
}

impl fmt::Debug for Acquire<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Acquire").finish_non_exhaustive()
    }
}

impl<'a> Future for Acquire<'a> {
    type Output = SemaphorePermit<'a>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<SemaphorePermit<'a>> {
        let sem = self.sem;
        let my_turn = match &self.waiter {
            Some(w) => w.is_woken(),
            None => sem.waiters.is_empty(),
        };
        if my_turn && sem.permits.get() > 0 {
            sem.permits.set(sem.permits.get() - 1);
            self.waiter = None;
            return Poll::Ready(SemaphorePermit { sem });
        }
        sem.waiters.park(&mut self.waiter, cx);
        Poll::Pending
    }
}

impl Drop for Acquire<'_> {
    fn drop(&mut self) {
        if let Some(w) = self.waiter.take() {
            // Woken but never took its permit: pass the wake on.
            if self.sem.waiters.cancel(&w) && self.sem.permits.get() > 0 {
                self.sem.waiters.wake_one();
            }
        }
    }
}

/// A permit of a [`Semaphore`], given back on drop.
pub struct SemaphorePermit<'a> {
    sem: &'a Semaphore,
}

impl SemaphorePermit<'_> {
    /// Keeps the permit taken for good.
    ///
    /// ```
    /// let s = cvp_interleave::Semaphore::new(1);
    /// s.try_acquire().unwrap().forget();
    /// assert_eq!(s.available_permits(), 0);
    /// ```
    pub fn forget(self) {
        std::mem::forget(self);
    }
}

impl Drop for SemaphorePermit<'_> {
    fn drop(&mut self) {
        self.sem.add_permits(1);
    }
}

impl fmt::Debug for SemaphorePermit<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SemaphorePermit").finish_non_exhaustive()
    }
}

/// Wakes tasks waiting for an event. [`notify_one`](Notify::notify_one)
/// wakes one waiter, or, when none waits, lets the next
/// [`notified`](Notify::notified) complete at once (one stored permit);
/// [`notify_waiters`](Notify::notify_waiters) wakes every current waiter.
///
/// ```
/// use std::rc::Rc;
/// let rt = cvp_interleave::Runtime::new();
/// rt.block_on(async {
///     let n = Rc::new(cvp_interleave::Notify::new());
///     let n2 = n.clone();
///     let waiter = cvp_interleave::spawn(async move { n2.notified().await; "woken" });
///     cvp_interleave::yield_now().await;
///     n.notify_one();
///     assert_eq!(waiter.await.unwrap(), "woken");
/// })
/// .unwrap();
/// ```
pub struct Notify {
    permit: Cell<bool>,
    waiters: Waiters,
}

impl Default for Notify {
    fn default() -> Notify {
        Notify::new()
    }
}

impl fmt::Debug for Notify {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Notify")
            .field("permit", &self.permit.get())
            .finish()
    }
}

impl Notify {
    /// A notify with no stored permit.
    ///
    /// ```
    /// let _ = cvp_interleave::Notify::new();
    /// ```
    pub fn new() -> Notify {
        Notify {
            permit: Cell::new(false),
            waiters: Waiters::new(ParkedOn::Notify),
        }
    }

    /// Wakes the longest waiter, or stores one permit.
    ///
    /// ```
    /// let rt = cvp_interleave::Runtime::new();
    /// let n = cvp_interleave::Notify::new();
    /// n.notify_one(); // stored
    /// rt.block_on(n.notified()).unwrap();
    /// ```
    pub fn notify_one(&self) {
        if !self.waiters.wake_one() {
            self.permit.set(true);
        }
    }

    /// Wakes every task waiting now (stores nothing).
    ///
    /// ```
    /// let n = cvp_interleave::Notify::new();
    /// n.notify_waiters(); // nobody waits: nothing happens
    /// ```
    pub fn notify_waiters(&self) {
        self.waiters.wake_all();
    }

    /// Waits for a notification.
    ///
    /// ```
    /// let rt = cvp_interleave::Runtime::new();
    /// let n = cvp_interleave::Notify::new();
    /// n.notify_one();
    /// rt.block_on(async { n.notified().await }).unwrap();
    /// ```
    pub fn notified(&self) -> Notified<'_> {
        Notified {
            notify: self,
            waiter: None,
        }
    }
}

/// The future of [`Notify::notified`].
#[must_use = "futures do nothing unless awaited"]
pub struct Notified<'a> {
    notify: &'a Notify,
    waiter: Option<Rc<Waiter>>,
}

impl fmt::Debug for Notified<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Notified").finish_non_exhaustive()
    }
}

impl Future for Notified<'_> {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if self.waiter.as_ref().is_some_and(|w| w.is_woken()) {
            self.waiter = None;
            return Poll::Ready(());
        }
        if self.waiter.is_none() && self.notify.permit.replace(false) {
            return Poll::Ready(());
        }
        let notify = self.notify;
        notify.waiters.park(&mut self.waiter, cx);
        Poll::Pending
    }
}

impl Drop for Notified<'_> {
    fn drop(&mut self) {
        if let Some(w) = self.waiter.take() {
            self.notify.waiters.cancel(&w);
        }
    }
}

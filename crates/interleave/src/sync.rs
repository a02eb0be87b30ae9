//! Local (single-thread) synchronisation: an unbounded channel and a fair
//! mutex. No atomics: they are `!Send` and meant for tasks of one runtime.
//! Their waiters are known to deadlock detection, so tasks stuck on them are
//! reported instead of hanging.

use std::cell::{Cell, RefCell, UnsafeCell};
use std::collections::VecDeque;
use std::fmt;
use std::future::Future;
use std::ops::{Deref, DerefMut};
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};

use futures_core::Stream;

use crate::waker::{ParkedOn, ParkedWaker};

struct Chan<T> {
    queue: RefCell<VecDeque<T>>,
    receiver: RefCell<Option<ParkedWaker>>,
    senders: Cell<usize>,
    receiver_alive: Cell<bool>,
}

/// Creates an unbounded channel for tasks on one thread.
///
/// ```
/// let rt = cvp_interleave::Runtime::new();
/// let got = rt.block_on(async {
///     let (tx, mut rx) = cvp_interleave::channel();
///     cvp_interleave::spawn(async move {
///         for i in 0..3 {
///             tx.send(i).unwrap();
///             cvp_interleave::yield_now().await;
///         }
///     });
///     let mut got = Vec::new();
///     while let Some(v) = rx.recv().await {
///         got.push(v);
///     }
///     got
/// });
/// assert_eq!(got.unwrap(), [0, 1, 2]);
/// ```
pub fn channel<T>() -> (Sender<T>, Receiver<T>) {
    let chan = Rc::new(Chan {
        queue: RefCell::new(VecDeque::new()),
        receiver: RefCell::new(None),
        senders: Cell::new(1),
        receiver_alive: Cell::new(true),
    });
    (Sender { chan: chan.clone() }, Receiver { chan })
}

/// The sending half of [`channel`]; clone it for more senders.
///
/// ```
/// let (tx, rx) = cvp_interleave::channel::<u8>();
/// let tx2 = tx.clone();
/// tx2.send(1).unwrap();
/// drop(rx);
/// assert_eq!(tx.send(2).unwrap_err().0, 2);
/// ```
pub struct Sender<T> {
    chan: Rc<Chan<T>>,
}

/// The error of [`Sender::send`] when the receiver is gone; it gives the
/// value back.
///
/// ```
/// let (tx, rx) = cvp_interleave::channel();
/// drop(rx);
/// let err = tx.send("v").unwrap_err();
/// assert_eq!(err.to_string(), "receiver dropped");
/// assert_eq!(err.0, "v");
/// ```
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct SendError<T>(pub T);

impl<T> fmt::Debug for SendError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SendError(..)")
    }
}

impl<T> fmt::Display for SendError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("receiver dropped")
    }
}

impl<T> std::error::Error for SendError<T> {}

impl<T> Sender<T> {
    /// Queues `value` and wakes the receiver; never waits.
    ///
    /// ```
    /// let (tx, mut rx) = cvp_interleave::channel();
    /// tx.send(5).unwrap();
    /// assert_eq!(rx.try_recv(), Some(5));
    /// ```
    pub fn send(&self, value: T) -> Result<(), SendError<T>> {
        if !self.chan.receiver_alive.get() {
            return Err(SendError(value));
        }
        self.chan.queue.borrow_mut().push_back(value);
        let waker = self.chan.receiver.borrow_mut().take();
        if let Some(w) = waker {
            w.wake();
        }
        Ok(())
    }
}

impl<T> Clone for Sender<T> {
    fn clone(&self) -> Self {
        self.chan.senders.set(self.chan.senders.get() + 1);
        Sender {
            chan: self.chan.clone(),
        }
    }
}

impl<T> Drop for Sender<T> {
    fn drop(&mut self) {
        let n = self.chan.senders.get() - 1;
        self.chan.senders.set(n);
        if n == 0 {
            let waker = self.chan.receiver.borrow_mut().take();
            if let Some(w) = waker {
                w.wake();
            }
        }
    }
}

impl<T> fmt::Debug for Sender<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Sender").finish_non_exhaustive()
    }
}

/// The receiving half of [`channel`]; also a [`Stream`].
///
/// ```
/// use futures::StreamExt;
/// let rt = cvp_interleave::Runtime::new();
/// let sum = rt.block_on(async {
///     let (tx, rx) = cvp_interleave::channel();
///     for i in 1..=4 {
///         tx.send(i).unwrap();
///     }
///     drop(tx);
///     rx.fold(0, |a, b| async move { a + b }).await
/// });
/// assert_eq!(sum.unwrap(), 10);
/// ```
pub struct Receiver<T> {
    chan: Rc<Chan<T>>,
}

impl<T> Receiver<T> {
    /// The next value, or `None` once every sender is gone and the queue is
    /// empty.
    ///
    /// ```
    /// let rt = cvp_interleave::Runtime::new();
    /// rt.block_on(async {
    ///     let (tx, mut rx) = cvp_interleave::channel();
    ///     tx.send('a').unwrap();
    ///     drop(tx);
    ///     assert_eq!(rx.recv().await, Some('a'));
    ///     assert_eq!(rx.recv().await, None);
    /// })
    /// .unwrap();
    /// ```
    pub async fn recv(&mut self) -> Option<T> {
        std::future::poll_fn(|cx| self.poll_recv(cx)).await
    }

    /// A value if one is queued.
    ///
    /// ```
    /// let (tx, mut rx) = cvp_interleave::channel::<i32>();
    /// assert_eq!(rx.try_recv(), None);
    /// tx.send(1).unwrap();
    /// assert_eq!(rx.try_recv(), Some(1));
    /// ```
    pub fn try_recv(&mut self) -> Option<T> {
        self.chan.queue.borrow_mut().pop_front()
    }

    fn poll_recv(&mut self, cx: &mut Context<'_>) -> Poll<Option<T>> {
        if let Some(v) = self.chan.queue.borrow_mut().pop_front() {
            return Poll::Ready(Some(v));
        }
        if self.chan.senders.get() == 0 {
            return Poll::Ready(None);
        }
        let mut slot = self.chan.receiver.borrow_mut();
        match &*slot {
            Some(w) if w.will_wake(cx.waker()) => {}
            _ => *slot = Some(ParkedWaker::new(cx.waker(), ParkedOn::Channel)),
        }
        Poll::Pending
    }
}

impl<T> Stream for Receiver<T> {
    type Item = T;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<T>> {
        self.get_mut().poll_recv(cx)
    }
}

impl<T> Drop for Receiver<T> {
    fn drop(&mut self) {
        self.chan.receiver_alive.set(false);
        self.chan.receiver.borrow_mut().take();
        let queued = std::mem::take(&mut *self.chan.queue.borrow_mut());
        drop(queued);
    }
}

impl<T> fmt::Debug for Receiver<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Receiver").finish_non_exhaustive()
    }
}

/// A waiter of a [`Mutex`]: `granted` is set when the lock is handed to it.
struct Waiter {
    granted: Cell<bool>,
    waker: RefCell<Option<ParkedWaker>>,
}

/// A fair async mutex for tasks on one thread: the lock goes to waiters in
/// the order they asked (handed over on unlock, so nobody barges in).
///
/// ```
/// use std::rc::Rc;
/// let rt = cvp_interleave::Runtime::new();
/// let n = rt.block_on(async {
///     let m = Rc::new(cvp_interleave::Mutex::new(0));
///     let hs: Vec<_> = (0..10)
///         .map(|_| {
///             let m = m.clone();
///             cvp_interleave::spawn(async move {
///                 let mut g = m.lock().await;
///                 cvp_interleave::yield_now().await;
///                 *g += 1;
///             })
///         })
///         .collect();
///     for h in hs {
///         h.await.unwrap();
///     }
///     let v = *m.lock().await;
///     v
/// });
/// assert_eq!(n.unwrap(), 10);
/// ```
pub struct Mutex<T: ?Sized> {
    locked: Cell<bool>,
    waiters: RefCell<VecDeque<Rc<Waiter>>>,
    value: UnsafeCell<T>,
}

impl<T> Mutex<T> {
    /// A new unlocked mutex.
    ///
    /// ```
    /// let m = cvp_interleave::Mutex::new(vec![1]);
    /// assert_eq!(m.into_inner(), [1]);
    /// ```
    pub fn new(value: T) -> Mutex<T> {
        Mutex {
            locked: Cell::new(false),
            waiters: RefCell::new(VecDeque::new()),
            value: UnsafeCell::new(value),
        }
    }

    /// The value.
    ///
    /// ```
    /// assert_eq!(cvp_interleave::Mutex::new(3).into_inner(), 3);
    /// ```
    pub fn into_inner(self) -> T {
        self.value.into_inner()
    }
}

impl<T: ?Sized> Mutex<T> {
    /// Waits for the lock.
    ///
    /// ```
    /// let rt = cvp_interleave::Runtime::new();
    /// rt.block_on(async {
    ///     let m = cvp_interleave::Mutex::new(1);
    ///     *m.lock().await += 1;
    ///     assert_eq!(*m.lock().await, 2);
    /// })
    /// .unwrap();
    /// ```
    pub fn lock(&self) -> Lock<'_, T> {
        Lock {
            mutex: self,
            waiter: None,
        }
    }

    /// The lock if it is free and nobody waits.
    ///
    /// ```
    /// let m = cvp_interleave::Mutex::new(());
    /// let g = m.try_lock().unwrap();
    /// assert!(m.try_lock().is_none());
    /// drop(g);
    /// assert!(m.try_lock().is_some());
    /// ```
    pub fn try_lock(&self) -> Option<MutexGuard<'_, T>> {
        if self.locked.get() || !self.waiters.borrow().is_empty() {
            return None;
        }
        self.locked.set(true);
        Some(MutexGuard { mutex: self })
    }

    /// Passes the lock to the first waiter, or frees it.
    fn unlock(&self) {
        let next = self.waiters.borrow_mut().pop_front();
        match next {
            Some(w) => {
                w.granted.set(true);
                let waker = w.waker.borrow_mut().take();
                if let Some(waker) = waker {
                    waker.wake();
                }
            }
            None => self.locked.set(false),
        }
    }
}

impl<T: ?Sized> fmt::Debug for Mutex<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Mutex")
            .field("locked", &self.locked.get())
            .finish_non_exhaustive()
    }
}

/// The future of [`Mutex::lock`].
///
/// ```
/// let m = cvp_interleave::Mutex::new(0);
/// let fut: cvp_interleave::Lock<'_, i32> = m.lock();
/// # drop(fut);
/// ```
#[must_use = "futures do nothing unless awaited"]
pub struct Lock<'a, T: ?Sized> {
    mutex: &'a Mutex<T>,
    waiter: Option<Rc<Waiter>>,
}

impl<'a, T: ?Sized> Future for Lock<'a, T> {
    type Output = MutexGuard<'a, T>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<MutexGuard<'a, T>> {
        let mutex = self.mutex;
        if let Some(w) = &self.waiter {
            if w.granted.get() {
                self.waiter = None;
                return Poll::Ready(MutexGuard { mutex });
            }
            let mut slot = w.waker.borrow_mut();
            match &*slot {
                Some(p) if p.will_wake(cx.waker()) => {}
                _ => *slot = Some(ParkedWaker::new(cx.waker(), ParkedOn::Mutex)),
            }
            return Poll::Pending;
        }
        if let Some(g) = mutex.try_lock() {
            return Poll::Ready(g);
        }
        let w = Rc::new(Waiter {
            granted: Cell::new(false),
            waker: RefCell::new(Some(ParkedWaker::new(cx.waker(), ParkedOn::Mutex))),
        });
        mutex.waiters.borrow_mut().push_back(w.clone());
        self.waiter = Some(w);
        Poll::Pending
    }
}

impl<T: ?Sized> Drop for Lock<'_, T> {
    fn drop(&mut self) {
        if let Some(w) = self.waiter.take() {
            if w.granted.get() {
                // Handed the lock but never took it: pass it on.
                self.mutex.unlock();
            } else {
                self.mutex
                    .waiters
                    .borrow_mut()
                    .retain(|x| !Rc::ptr_eq(x, &w));
            }
        }
    }
}

impl<T: ?Sized> fmt::Debug for Lock<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Lock").finish_non_exhaustive()
    }
}

/// Access to the value of a locked [`Mutex`]; unlocks on drop.
///
/// ```
/// let m = cvp_interleave::Mutex::new(String::new());
/// let mut g: cvp_interleave::MutexGuard<'_, String> = m.try_lock().unwrap();
/// g.push('x');
/// assert_eq!(&*g, "x");
/// ```
pub struct MutexGuard<'a, T: ?Sized> {
    mutex: &'a Mutex<T>,
}

impl<T: ?Sized> Deref for MutexGuard<'_, T> {
    type Target = T;
    fn deref(&self) -> &T {
        // SAFETY: the guard proves we hold the lock, so no other reference
        // to the value exists; the mutex is `!Sync`, so no other thread can
        // get one either.
        unsafe { &*self.mutex.value.get() }
    }
}

impl<T: ?Sized> DerefMut for MutexGuard<'_, T> {
    fn deref_mut(&mut self) -> &mut T {
        // SAFETY: as in `deref`, and `&mut self` makes this the only borrow
        // through the guard.
        unsafe { &mut *self.mutex.value.get() }
    }
}

impl<T: ?Sized> Drop for MutexGuard<'_, T> {
    fn drop(&mut self) {
        self.mutex.unlock();
    }
}

impl<T: ?Sized + fmt::Debug> fmt::Debug for MutexGuard<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&**self, f)
    }
}

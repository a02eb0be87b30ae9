//! A one-shot channel for tasks of one runtime.

use std::cell::RefCell;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};

use crate::waker::{ParkedOn, ParkedWaker};

struct Inner<T> {
    value: Option<T>,
    waker: Option<ParkedWaker>,
    sender_alive: bool,
    receiver_alive: bool,
}

/// Creates a one-shot channel: one value, from one task to another.
/// Awaiting the receiver gives the value, or [`Canceled`] when the sender
/// was dropped without sending.
///
/// ```
/// let rt = cvp_interleave::Runtime::new();
/// let v = rt.block_on(async {
///     let (tx, rx) = cvp_interleave::oneshot();
///     cvp_interleave::spawn(async move { tx.send(42).unwrap() });
///     rx.await
/// });
/// assert_eq!(v.unwrap(), Ok(42));
/// ```
pub fn oneshot<T>() -> (OneshotSender<T>, OneshotReceiver<T>) {
    let inner = Rc::new(RefCell::new(Inner {
        value: None,
        waker: None,
        sender_alive: true,
        receiver_alive: true,
    }));
    (
        OneshotSender {
            inner: inner.clone(),
        },
        OneshotReceiver { inner },
    )
}

/// The sender was dropped without sending (see [`oneshot`]).
///
/// ```
/// let rt = cvp_interleave::Runtime::new();
/// let r = rt.block_on(async {
///     let (tx, rx) = cvp_interleave::oneshot::<u8>();
///     drop(tx);
///     rx.await
/// });
/// assert_eq!(r.unwrap(), Err(cvp_interleave::Canceled));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Canceled;

impl fmt::Display for Canceled {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("oneshot sender dropped without sending")
    }
}

impl std::error::Error for Canceled {}

/// The sending half of [`oneshot`].
///
/// ```
/// let (tx, rx) = cvp_interleave::oneshot::<u8>();
/// drop(rx);
/// assert_eq!(tx.send(1), Err(1)); // nobody listens
/// ```
pub struct OneshotSender<T> {
    inner: Rc<RefCell<Inner<T>>>,
}

impl<T> OneshotSender<T> {
    /// Sends the value; gives it back when the receiver is gone.
    pub fn send(self, value: T) -> Result<(), T> {
        let waker = {
            let mut i = self.inner.borrow_mut();
            if !i.receiver_alive {
                return Err(value);
            }
            i.value = Some(value);
            i.waker.take()
        };
        if let Some(w) = waker {
            w.wake();
        }
        Ok(())
    }
}

impl<T> Drop for OneshotSender<T> {
    fn drop(&mut self) {
        let waker = {
            let mut i = self.inner.borrow_mut();
            i.sender_alive = false;
            i.waker.take()
        };
        if let Some(w) = waker {
            w.wake();
        }
    }
}

impl<T> fmt::Debug for OneshotSender<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OneshotSender").finish_non_exhaustive()
    }
}

/// The receiving half of [`oneshot`]: a future of the value.
///
/// ```
/// let rt = cvp_interleave::Runtime::new();
/// let (tx, rx) = cvp_interleave::oneshot();
/// tx.send("hi").unwrap();
/// assert_eq!(rt.block_on(rx).unwrap(), Ok("hi"));
/// ```
pub struct OneshotReceiver<T> {
    inner: Rc<RefCell<Inner<T>>>,
}

impl<T> Future for OneshotReceiver<T> {
    type Output = Result<T, Canceled>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let mut i = self.inner.borrow_mut();
        if let Some(v) = i.value.take() {
            return Poll::Ready(Ok(v));
        }
        if !i.sender_alive {
            return Poll::Ready(Err(Canceled));
        }
        if !i.waker.as_ref().is_some_and(|w| w.will_wake(cx.waker())) {
            i.waker = Some(ParkedWaker::new(cx.waker(), ParkedOn::Oneshot));
        }
        Poll::Pending
    }
}

impl<T> Drop for OneshotReceiver<T> {
    fn drop(&mut self) {
        let mut i = self.inner.borrow_mut();
        i.receiver_alive = false;
        i.waker = None;
    }
}

impl<T> fmt::Debug for OneshotReceiver<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OneshotReceiver").finish_non_exhaustive()
    }
}

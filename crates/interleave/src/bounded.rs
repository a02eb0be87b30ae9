//! A bounded channel with backpressure, for tasks of one runtime.

use std::cell::{Cell, RefCell};
use std::collections::VecDeque;
use std::fmt;
use std::rc::Rc;

use crate::sync::SendError;
use crate::wait::{Parked, Waiters};
use crate::waker::ParkedOn;

struct Chan<T> {
    queue: RefCell<VecDeque<T>>,
    capacity: usize,
    /// Senders waiting for room.
    senders_waiting: Waiters,
    /// The receiver waiting for a value.
    receiver_waiting: Waiters,
    senders: Cell<usize>,
    receiver_alive: Cell<bool>,
}

/// Creates a channel that holds at most `capacity` values: `send` waits
/// while it is full, so a fast producer cannot run ahead of its consumer.
///
/// # Panics
/// When `capacity` is zero.
///
/// ```
/// let rt = cvp_interleave::Runtime::new();
/// let got = rt.block_on(async {
///     let (tx, mut rx) = cvp_interleave::bounded(2);
///     cvp_interleave::spawn(async move {
///         for i in 0..5 {
///             tx.send(i).await.unwrap(); // waits while 2 are queued
///         }
///     });
///     let mut got = Vec::new();
///     while let Some(v) = rx.recv().await {
///         got.push(v);
///     }
///     got
/// });
/// assert_eq!(got.unwrap(), [0, 1, 2, 3, 4]);
/// ```
pub fn bounded<T>(capacity: usize) -> (BoundedSender<T>, BoundedReceiver<T>) {
    assert!(
        capacity > 0,
        "a bounded channel needs a capacity of at least 1"
    );
    let chan = Rc::new(Chan {
        queue: RefCell::new(VecDeque::with_capacity(capacity)),
        capacity,
        senders_waiting: Waiters::new(ParkedOn::BoundedSend),
        receiver_waiting: Waiters::new(ParkedOn::BoundedRecv),
        senders: Cell::new(1),
        receiver_alive: Cell::new(true),
    });
    (
        BoundedSender { chan: chan.clone() },
        BoundedReceiver { chan },
    )
}

/// The sending half of [`bounded`]; clone it for more senders.
///
/// ```
/// let (tx, rx) = cvp_interleave::bounded::<u8>(1);
/// assert!(tx.try_send(1).is_ok());
/// assert!(tx.try_send(2).is_err()); // full
/// # drop(rx);
/// ```
pub struct BoundedSender<T> {
    chan: Rc<Chan<T>>,
}

impl<T> BoundedSender<T> {
    /// Sends `value`, waiting while the channel is full; gives it back when
    /// the receiver is gone.
    pub async fn send(&self, value: T) -> Result<(), SendError<T>> {
        let chan = &*self.chan;
        let mut parked = Parked::new(&chan.senders_waiting);
        let mut value = Some(value);
        std::future::poll_fn(|cx| {
            if !chan.receiver_alive.get() {
                parked.done();
                return std::task::Poll::Ready(Err(SendError(value.take().expect("once"))));
            }
            if parked.my_turn() && chan.queue.borrow().len() < chan.capacity {
                chan.queue
                    .borrow_mut()
                    .push_back(value.take().expect("once"));
                parked.done();
                chan.receiver_waiting.wake_one();
                // Room left: let the next waiting sender look.
                if chan.queue.borrow().len() < chan.capacity {
                    chan.senders_waiting.wake_one();
                }
                return std::task::Poll::Ready(Ok(()));
            }
            parked.park(cx);
            std::task::Poll::Pending
        })
        .await
    }

    /// Sends now if there is room; gives the value back otherwise (full, or
    /// the receiver is gone).
    pub fn try_send(&self, value: T) -> Result<(), SendError<T>> {
        let chan = &*self.chan;
        if !chan.receiver_alive.get()
            || !chan.senders_waiting.is_empty()
            || chan.queue.borrow().len() >= chan.capacity
        {
            return Err(SendError(value));
        }
        chan.queue.borrow_mut().push_back(value);
        chan.receiver_waiting.wake_one();
        Ok(())
    }
}

impl<T> Clone for BoundedSender<T> {
    fn clone(&self) -> Self {
        self.chan.senders.set(self.chan.senders.get() + 1);
        BoundedSender {
            chan: self.chan.clone(),
        }
    }
}

impl<T> Drop for BoundedSender<T> {
    fn drop(&mut self) {
        let n = self.chan.senders.get() - 1;
        self.chan.senders.set(n);
        if n == 0 {
            self.chan.receiver_waiting.wake_all();
        }
    }
}

impl<T> fmt::Debug for BoundedSender<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BoundedSender")
            .field("queued", &self.chan.queue.borrow().len())
            .field("capacity", &self.chan.capacity)
            .finish()
    }
}

/// The receiving half of [`bounded`].
///
/// ```
/// let rt = cvp_interleave::Runtime::new();
/// let (tx, mut rx) = cvp_interleave::bounded(4);
/// tx.try_send(1).unwrap();
/// drop(tx);
/// assert_eq!(rt.block_on(async { (rx.recv().await, rx.recv().await) }).unwrap(), (Some(1), None));
/// ```
pub struct BoundedReceiver<T> {
    chan: Rc<Chan<T>>,
}

impl<T> BoundedReceiver<T> {
    /// The next value; `None` once every sender is gone and the queue is
    /// empty.
    pub async fn recv(&mut self) -> Option<T> {
        let chan = &*self.chan;
        let mut parked = Parked::new(&chan.receiver_waiting);
        std::future::poll_fn(|cx| {
            let v = chan.queue.borrow_mut().pop_front();
            if let Some(v) = v {
                parked.done();
                chan.senders_waiting.wake_one();
                return std::task::Poll::Ready(Some(v));
            }
            if chan.senders.get() == 0 {
                parked.done();
                return std::task::Poll::Ready(None);
            }
            parked.park(cx);
            std::task::Poll::Pending
        })
        .await
    }

    /// The next value if one is queued.
    ///
    /// ```
    /// let (tx, mut rx) = cvp_interleave::bounded(1);
    /// assert_eq!(rx.try_recv(), None);
    /// tx.try_send(3).unwrap();
    /// assert_eq!(rx.try_recv(), Some(3));
    /// ```
    pub fn try_recv(&mut self) -> Option<T> {
        let v = self.chan.queue.borrow_mut().pop_front();
        if v.is_some() {
            self.chan.senders_waiting.wake_one();
        }
        v
    }
}

impl<T> Drop for BoundedReceiver<T> {
    fn drop(&mut self) {
        self.chan.receiver_alive.set(false);
        self.chan.senders_waiting.wake_all();
        self.chan.queue.borrow_mut().clear();
    }
}

impl<T> fmt::Debug for BoundedReceiver<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BoundedReceiver")
            .field("queued", &self.chan.queue.borrow().len())
            .finish()
    }
}

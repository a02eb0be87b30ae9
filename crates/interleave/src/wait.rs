//! A FIFO list of parked tasks, for this crate's primitives (semaphore,
//! notify, bounded channel). Wakers are [`ParkedWaker`]s, so deadlock
//! detection knows who waits here.

use std::cell::{Cell, RefCell};
use std::collections::VecDeque;
use std::rc::Rc;
use std::task::Context;

use crate::waker::{ParkedOn, ParkedWaker};

/// One parked future's entry.
pub(crate) struct Waiter {
    /// Set by `wake_one`/`wake_all` when the entry leaves the list.
    woken: Cell<bool>,
    waker: RefCell<Option<ParkedWaker>>,
}

impl Waiter {
    pub(crate) fn is_woken(&self) -> bool {
        self.woken.get()
    }
}

pub(crate) struct Waiters {
    list: RefCell<VecDeque<Rc<Waiter>>>,
    on: ParkedOn,
}

impl Waiters {
    /// An empty list; `on` names it in deadlock reports.
    pub(crate) fn new(on: ParkedOn) -> Waiters {
        Waiters {
            list: RefCell::new(VecDeque::new()),
            on,
        }
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.list.borrow().is_empty()
    }

    /// Parks the caller: a new entry at the back, or a fresh waker in its
    /// entry. A woken entry is parked again at the back.
    pub(crate) fn park(&self, slot: &mut Option<Rc<Waiter>>, cx: &Context<'_>) {
        match slot {
            Some(w) if !w.woken.get() => {
                let mut waker = w.waker.borrow_mut();
                if !waker.as_ref().is_some_and(|p| p.will_wake(cx.waker())) {
                    *waker = Some(ParkedWaker::new(cx.waker(), self.on));
                }
            }
            _ => {
                let w = Rc::new(Waiter {
                    woken: Cell::new(false),
                    waker: RefCell::new(Some(ParkedWaker::new(cx.waker(), self.on))),
                });
                self.list.borrow_mut().push_back(w.clone());
                *slot = Some(w);
            }
        }
    }

    /// Wakes the longest-waiting entry; `false` when none waits.
    pub(crate) fn wake_one(&self) -> bool {
        let w = self.list.borrow_mut().pop_front();
        match w {
            Some(w) => {
                w.woken.set(true);
                let waker = w.waker.borrow_mut().take();
                if let Some(waker) = waker {
                    waker.wake();
                }
                true
            }
            None => false,
        }
    }

    /// Wakes every entry.
    pub(crate) fn wake_all(&self) {
        while self.wake_one() {}
    }

    /// Removes a parked entry (its future is dropped). `true` when it had
    /// been woken already (the caller passes the wake on if it matters).
    pub(crate) fn cancel(&self, w: &Rc<Waiter>) -> bool {
        if w.woken.get() {
            return true;
        }
        self.list.borrow_mut().retain(|x| !Rc::ptr_eq(x, w));
        drop(w.waker.borrow_mut().take());
        false
    }
}

/// A parked entry that leaves its list when dropped, passing on a wake it
/// got but did not use (for futures written with `poll_fn`).
pub(crate) struct Parked<'a> {
    list: &'a Waiters,
    pub(crate) waiter: Option<Rc<Waiter>>,
}

impl<'a> Parked<'a> {
    pub(crate) fn new(list: &'a Waiters) -> Parked<'a> {
        Parked { list, waiter: None }
    }

    /// Whether the caller may go now: it was woken, or nobody waits before
    /// it.
    pub(crate) fn my_turn(&self) -> bool {
        match &self.waiter {
            Some(w) => w.is_woken(),
            None => self.list.is_empty(),
        }
    }

    pub(crate) fn park(&mut self, cx: &Context<'_>) {
        self.list.park(&mut self.waiter, cx);
    }

    /// The caller went: the entry, if any, is used up.
    pub(crate) fn done(&mut self) {
        self.waiter = None;
    }
}

impl Drop for Parked<'_> {
    fn drop(&mut self) {
        if let Some(w) = self.waiter.take() {
            if self.list.cancel(&w) {
                self.list.wake_one();
            }
        }
    }
}

//! The reactor: readiness of sockets, from the OS poller of the `polling`
//! crate (epoll, kqueue, IOCP through wepoll...).
//!
//! Each socket is registered once, for both directions, in edge-triggered
//! mode where the poller supports it (one-shot mode, re-armed on demand,
//! elsewhere). A [`Source`] keeps one readiness flag and one waker per
//! direction. I/O is tried first; only a `WouldBlock` clears the flag and
//! parks the waker, and the next edge sets it again. Events are handled on
//! the runtime thread only, between polls, so a flag never races with its
//! waker.
//!
//! The poller is created with the first socket: a runtime that never touches
//! the network parks on its thread instead, and needs no file descriptor.

use std::cell::{Cell, RefCell};
use std::io;
use std::rc::Rc;
use std::task::{Context, Poll, Waker};
use std::time::Duration;

use polling::{AsRawSource, AsSource, Event, Events, PollMode, Poller};

use crate::runtime::Shared;

/// A direction of readiness.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Direction {
    Read,
    Write,
}

/// One registered socket.
pub(crate) struct Source {
    key: usize,
    /// The raw descriptor, for reports.
    fd: i64,
    readable: Cell<bool>,
    writable: Cell<bool>,
    reader: RefCell<Option<Waker>>,
    writer: RefCell<Option<Waker>>,
}

/// The raw descriptor of `io` (a file descriptor, or a raw socket on
/// Windows), for reports.
fn raw_fd<S>(io: &S) -> i64
where
    for<'a> &'a S: AsRawSource,
{
    io.raw() as i64
}

/// The local and peer addresses of the IP socket `fd`, when it is one.
#[cfg(unix)]
pub(crate) fn socket_addrs(
    fd: i64,
) -> (Option<std::net::SocketAddr>, Option<std::net::SocketAddr>) {
    use std::os::fd::FromRawFd;
    let Ok(fd) = std::os::fd::RawFd::try_from(fd) else {
        return (None, None);
    };
    // SAFETY: `fd` belongs to a source still registered with the reactor,
    // so it is open; `ManuallyDrop` keeps us from closing it. Asking a
    // socket of another kind for its addresses fails harmlessly.
    let s = std::mem::ManuallyDrop::new(unsafe { std::net::TcpStream::from_raw_fd(fd) });
    (s.local_addr().ok(), s.peer_addr().ok())
}

/// The local and peer addresses of a socket (not looked up here).
#[cfg(not(unix))]
pub(crate) fn socket_addrs(
    _fd: i64,
) -> (Option<std::net::SocketAddr>, Option<std::net::SocketAddr>) {
    (None, None)
}

/// The sockets of one runtime.
#[derive(Default)]
pub(crate) struct Reactor {
    sources: RefCell<Vec<Option<Rc<Source>>>>,
    free: RefCell<Vec<usize>>,
    count: Cell<usize>,
    events: RefCell<Option<Events>>,
    /// Chosen with the poller: edge-triggered when supported.
    mode: Cell<Option<PollMode>>,
}

impl Reactor {
    pub(crate) fn has_sources(&self) -> bool {
        self.count.get() > 0
    }

    /// Whether some source has a parked waker (I/O that may still wake a
    /// task). Stops at the first one: a server's listener usually is.
    pub(crate) fn has_waiters(&self) -> bool {
        self.sources
            .borrow()
            .iter()
            .flatten()
            .any(|s| s.reader.borrow().is_some() || s.writer.borrow().is_some())
    }

    /// Every parked waker with the source's descriptor and direction (for
    /// reports).
    pub(crate) fn waiting(&self, mut f: impl FnMut(i64, Direction, &Waker)) {
        for s in self.sources.borrow().iter().flatten() {
            if let Some(w) = &*s.reader.borrow() {
                f(s.fd, Direction::Read, w);
            }
            if let Some(w) = &*s.writer.borrow() {
                f(s.fd, Direction::Write, w);
            }
        }
    }

    fn poller<'a>(&self, shared: &'a Shared) -> io::Result<&'a Poller> {
        if let Some(p) = shared.poller.get() {
            return Ok(p);
        }
        let p = Poller::new()?;
        let mode = if p.supports_edge() {
            PollMode::Edge
        } else {
            PollMode::Oneshot
        };
        self.mode.set(Some(mode));
        let _ = shared.poller.set(p);
        Ok(shared.poller.get().expect("just set"))
    }

    /// Registers `io` for both directions.
    pub(crate) fn register<S>(&self, shared: &Shared, io: &S) -> io::Result<Rc<Source>>
    where
        for<'a> &'a S: AsRawSource + AsSource,
    {
        let poller = self.poller(shared)?;
        let key = {
            let mut sources = self.sources.borrow_mut();
            match self.free.borrow_mut().pop() {
                Some(k) => k,
                None => {
                    sources.push(None);
                    sources.len() - 1
                }
            }
        };
        let mode = self.mode.get().unwrap_or(PollMode::Oneshot);
        // SAFETY: `polling` requires the source to be deleted from the poller
        // before it is closed; `net.rs` calls `deregister` in the `Drop` of
        // the socket's owner, before the socket itself is dropped.
        let added = unsafe { poller.add_with_mode(io, Event::all(key), mode) };
        if let Err(e) = added {
            self.free.borrow_mut().push(key);
            return Err(e);
        }
        let source = Rc::new(Source {
            key,
            fd: raw_fd(io),
            // Optimistic: try the I/O first, the poller tells us when to retry.
            readable: Cell::new(true),
            writable: Cell::new(true),
            reader: RefCell::new(None),
            writer: RefCell::new(None),
        });
        self.sources.borrow_mut()[key] = Some(source.clone());
        self.count.set(self.count.get() + 1);
        Ok(source)
    }

    pub(crate) fn deregister<S>(&self, shared: &Shared, source: &Source, io: &S)
    where
        for<'a> &'a S: AsSource,
    {
        if let Some(p) = shared.poller.get() {
            let _ = p.delete(io);
        }
        let mut sources = self.sources.borrow_mut();
        if let Some(slot) = sources.get_mut(source.key) {
            if slot.take().is_some() {
                self.free.borrow_mut().push(source.key);
                self.count.set(self.count.get() - 1);
            }
        }
    }

    /// Ready in `dir`, or the waker is parked until the next event.
    pub(crate) fn poll_ready<S>(
        &self,
        shared: &Shared,
        source: &Source,
        io: &S,
        dir: Direction,
        cx: &mut Context<'_>,
    ) -> Poll<io::Result<()>>
    where
        for<'a> &'a S: AsSource,
    {
        let (flag, slot) = match dir {
            Direction::Read => (&source.readable, &source.reader),
            Direction::Write => (&source.writable, &source.writer),
        };
        if flag.get() {
            return Poll::Ready(Ok(()));
        }
        {
            let mut slot = slot.borrow_mut();
            match &*slot {
                Some(w) if w.will_wake(cx.waker()) => {}
                _ => *slot = Some(cx.waker().clone()),
            }
        }
        if self.mode.get() == Some(PollMode::Oneshot) {
            let interest = Event::new(
                source.key,
                source.reader.borrow().is_some(),
                source.writer.borrow().is_some(),
            );
            if let Some(p) = shared.poller.get() {
                if let Err(e) = p.modify_with_mode(io, interest, PollMode::Oneshot) {
                    return Poll::Ready(Err(e));
                }
            }
        }
        Poll::Pending
    }

    /// The last I/O attempt in `dir` would block: wait for the next event.
    pub(crate) fn clear_ready(&self, source: &Source, dir: Direction) {
        match dir {
            Direction::Read => source.readable.set(false),
            Direction::Write => source.writable.set(false),
        }
    }

    /// Waits for events (up to `timeout`), marks sources ready and wakes
    /// their tasks. Returns the number of events.
    pub(crate) fn wait(&self, shared: &Shared, timeout: Option<Duration>) -> usize {
        let Some(poller) = shared.poller.get() else {
            return 0;
        };
        let mut events = self.events.borrow_mut().take().unwrap_or_default();
        events.clear();
        if poller.wait(&mut events, timeout).is_err() {
            *self.events.borrow_mut() = Some(events);
            return 0;
        }
        let mut wakers = Vec::new();
        let n = events.len();
        {
            let sources = self.sources.borrow();
            for ev in events.iter() {
                let Some(Some(source)) = sources.get(ev.key) else {
                    continue;
                };
                if ev.readable {
                    source.readable.set(true);
                    wakers.extend(source.reader.borrow_mut().take());
                }
                if ev.writable {
                    source.writable.set(true);
                    wakers.extend(source.writer.borrow_mut().take());
                }
            }
        }
        *self.events.borrow_mut() = Some(events);
        for w in wakers {
            w.wake();
        }
        n
    }

    /// Forgets every source (the runtime is being dropped).
    pub(crate) fn clear(&self) {
        let sources = std::mem::take(&mut *self.sources.borrow_mut());
        drop(sources);
        self.free.borrow_mut().clear();
        self.count.set(0);
    }
}

//! The reactor: readiness of sockets from the OS poller, through `mio`
//! (epoll on Linux, kqueue on macOS and the BSDs).
//!
//! Each socket is registered once, for both directions, edge-triggered
//! (mio registers every source that way), and never re-registered. A
//! [`Source`] keeps one readiness flag and one waker per direction. I/O is
//! tried first; a `WouldBlock` clears the flag and parks the waker, and the
//! next edge sets it again. On a TCP stream a short read or write clears it
//! too, without the `WouldBlock` try (see [`SHORT_IO_DRAINS`]). Events are
//! handled on the runtime thread only, inside [`Reactor::wait`], and the
//! flags are cleared on that thread only, right after the I/O call that
//! showed the socket drained: an edge raised by anything that happened after
//! that call is handled by a later `wait`, so it is never lost.
//!
//! A wait is one `epoll_wait` (or `kevent`). `epoll_wait` counts its
//! timeout in whole milliseconds (mio rounds up), so on Linux a wait for a
//! timer less than [`PRECISE_BELOW`] away that is not a whole number of
//! milliseconds also arms a `timerfd` (one `timerfd_settime`) for the exact
//! time, and a longer one waits the whole milliseconds rounded down, then
//! the rest that way: a timer due in 300 µs fires then, not a millisecond
//! late. Other threads wake a waiting runtime through a
//! [`mio::Waker`] (an `eventfd` on Linux), one write per remote wake and
//! nothing to reset afterwards.
//!
//! The poller is created with the first socket: a runtime that never touches
//! the network parks on its thread instead, and needs no file descriptor.

use std::cell::{Cell, RefCell};
use std::io;
use std::rc::Rc;
use std::task::{Context, Poll, Waker};
use std::time::Duration;

use mio::event::Source as IoSource;
use mio::{Events, Interest, Token};

use crate::runtime::Shared;

/// The token of the [`mio::Waker`] that other threads wake the poller with.
const WAKE: Token = Token(usize::MAX);

/// The token of the `timerfd` that times sub-millisecond waits (Linux).
const TIMER: Token = Token(usize::MAX - 1);

/// Waits shorter than this, with a part under a millisecond, are timed by a
/// `timerfd` (Linux); longer ones wait whole milliseconds first. kqueue
/// takes nanoseconds itself.
pub(crate) const PRECISE_BELOW: Duration = Duration::from_millis(4);

/// A non-blocking `timerfd` on `CLOCK_MONOTONIC`, registered with the
/// poller (readable when it expires; arming it again resets it, so it is
/// never read).
#[cfg(any(target_os = "linux", target_os = "android"))]
struct TimerFd(std::os::fd::OwnedFd);

#[cfg(any(target_os = "linux", target_os = "android"))]
impl TimerFd {
    fn new(registry: &mio::Registry) -> io::Result<TimerFd> {
        use std::os::fd::{AsRawFd, FromRawFd};
        // SAFETY: plain system call; the result is checked.
        let fd = unsafe {
            libc::timerfd_create(
                libc::CLOCK_MONOTONIC,
                libc::TFD_NONBLOCK | libc::TFD_CLOEXEC,
            )
        };
        if fd < 0 {
            return Err(io::Error::last_os_error());
        }
        // SAFETY: `fd` was just created and is owned by nothing else.
        let fd = unsafe { std::os::fd::OwnedFd::from_raw_fd(fd) };
        registry.register(
            &mut mio::unix::SourceFd(&fd.as_raw_fd()),
            TIMER,
            Interest::READABLE,
        )?;
        Ok(TimerFd(fd))
    }

    /// Expires once, `after` from now; `false` when the kernel refused.
    fn arm(&self, after: Duration) -> bool {
        use std::os::fd::AsRawFd;
        let spec = libc::itimerspec {
            it_interval: libc::timespec {
                tv_sec: 0,
                tv_nsec: 0,
            },
            it_value: libc::timespec {
                tv_sec: libc::time_t::try_from(after.as_secs()).unwrap_or(libc::time_t::MAX),
                // A zero value would disarm it instead.
                tv_nsec: libc::c_long::from(after.subsec_nanos().max(1) as i32),
            },
        };
        // SAFETY: `spec` is a valid `itimerspec`, the old value is not
        // asked for, and the descriptor is ours and open.
        unsafe { libc::timerfd_settime(self.0.as_raw_fd(), 0, &spec, std::ptr::null_mut()) == 0 }
    }
}

/// The `timerfd`, made at the first wait that needs it.
#[cfg(any(target_os = "linux", target_os = "android"))]
enum Precise {
    Untried,
    Ready(TimerFd),
    /// The kernel refused one: waits round up to milliseconds.
    Unavailable,
}

/// Events taken from the poller per wait (tokio takes as many); more stay
/// queued in the kernel, in order, for the next wait.
const EVENTS: usize = 1024;

/// Whether a short read or write on a stream socket shows that the kernel's
/// buffer was drained (or filled), so the `WouldBlock` try that would
/// otherwise follow can be skipped. True of epoll and kqueue, whose
/// edge-triggered mode raises a new edge for every segment that arrives
/// (and every freeing of send space after the buffer filled), as tokio
/// relies on too; not of mio's `poll(2)` fallback, nor of Windows, nor of
/// Unix stream sockets carrying descriptors (the kernel stops a read at a
/// message with descriptors attached), so it is applied to TCP only.
pub(crate) const SHORT_IO_DRAINS: bool = cfg!(all(
    not(mio_unsupported_force_poll_poll),
    any(
        target_os = "linux",
        target_os = "android",
        target_os = "illumos",
        target_os = "freebsd",
        target_os = "netbsd",
        target_os = "openbsd",
        target_os = "dragonfly",
        target_os = "macos",
        target_os = "ios",
    )
));

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
    /// The poller reported the direction closed (peer's FIN, reset, error):
    /// sticky until an attempt would block, because no further edge will
    /// come for it.
    read_closed: Cell<bool>,
    write_closed: Cell<bool>,
    reader: RefCell<Option<Waker>>,
    writer: RefCell<Option<Waker>>,
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

/// The OS poller and its event buffer.
struct Poller {
    poll: mio::Poll,
    events: Events,
    #[cfg(any(target_os = "linux", target_os = "android"))]
    precise: Precise,
}

impl Poller {
    /// The timeout to give the poller for a wait of `timeout`, arming the
    /// `timerfd` when the wait is short and not whole milliseconds; `true`
    /// with it when the `timerfd` was armed.
    #[cfg(any(target_os = "linux", target_os = "android"))]
    fn precise_timeout(&mut self, timeout: Option<Duration>) -> (Option<Duration>, bool) {
        let Some(t) = timeout else {
            return (None, false);
        };
        if t.subsec_nanos() % 1_000_000 == 0 {
            return (Some(t), false);
        }
        if t >= PRECISE_BELOW {
            // Wake less than a millisecond early; the next wait times the
            // rest.
            let whole_ms = Duration::from_millis(t.as_millis() as u64);
            return (Some(whole_ms), false);
        }
        if matches!(self.precise, Precise::Untried) {
            self.precise = match TimerFd::new(self.poll.registry()) {
                Ok(fd) => Precise::Ready(fd),
                Err(_) => Precise::Unavailable,
            };
        }
        let armed = match &self.precise {
            Precise::Ready(fd) => fd.arm(t),
            Precise::Untried | Precise::Unavailable => false,
        };
        // The poller's own timeout (rounded up) stays as a backstop.
        (Some(t), armed)
    }

    #[cfg(not(any(target_os = "linux", target_os = "android")))]
    fn precise_timeout(&mut self, timeout: Option<Duration>) -> (Option<Duration>, bool) {
        (timeout, false)
    }
}

/// The sockets of one runtime.
#[derive(Default)]
pub(crate) struct Reactor {
    sources: RefCell<Vec<Option<Rc<Source>>>>,
    free: RefCell<Vec<usize>>,
    count: Cell<usize>,
    /// Created with the first socket.
    poller: RefCell<Option<Poller>>,
    /// Wakers taken from the sources during a wait, woken after it (kept
    /// to reuse the allocation).
    woken: RefCell<Vec<Waker>>,
    /// Waits timed by the `timerfd` (for tests).
    precise_waits: Cell<u64>,
}

impl Reactor {
    pub(crate) fn has_sources(&self) -> bool {
        self.count.get() > 0
    }

    /// Whether the OS poller exists (then the runtime parks in it).
    pub(crate) fn has_poller(&self) -> bool {
        self.poller.borrow().is_some()
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

    /// Creates the poller and the remote waker, once.
    fn ensure_poller(&self, shared: &Shared) -> io::Result<()> {
        let mut slot = self.poller.borrow_mut();
        if slot.is_none() {
            let poll = mio::Poll::new()?;
            let waker = mio::Waker::new(poll.registry(), WAKE)?;
            // The runtime publishes the waker before its next idle fence
            // (see the memory-ordering notes in `runtime.rs`).
            let _ = shared.waker.set(waker);
            *slot = Some(Poller {
                poll,
                events: Events::with_capacity(EVENTS),
                #[cfg(any(target_os = "linux", target_os = "android"))]
                precise: Precise::Untried,
            });
        }
        Ok(())
    }

    /// Registers `io` (descriptor `fd`, for reports) for both directions,
    /// edge-triggered, once for its lifetime.
    pub(crate) fn register(
        &self,
        shared: &Shared,
        io: &mut (impl IoSource + ?Sized),
        fd: i64,
    ) -> io::Result<Rc<Source>> {
        self.ensure_poller(shared)?;
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
        let registered = {
            let poller = self.poller.borrow();
            let poller = poller.as_ref().expect("created above");
            poller
                .poll
                .registry()
                .register(io, Token(key), Interest::READABLE | Interest::WRITABLE)
        };
        if let Err(e) = registered {
            self.free.borrow_mut().push(key);
            return Err(e);
        }
        let source = Rc::new(Source {
            key,
            fd,
            // Optimistic: try the I/O first, the poller tells us when to retry.
            readable: Cell::new(true),
            writable: Cell::new(true),
            read_closed: Cell::new(false),
            write_closed: Cell::new(false),
            reader: RefCell::new(None),
            writer: RefCell::new(None),
        });
        self.sources.borrow_mut()[key] = Some(source.clone());
        self.count.set(self.count.get() + 1);
        Ok(source)
    }

    /// Removes `io` from the poller (before it is closed) and forgets its
    /// source.
    pub(crate) fn deregister(&self, source: &Source, io: &mut (impl IoSource + ?Sized)) {
        if let Some(p) = &*self.poller.borrow() {
            let _ = p.poll.registry().deregister(io);
        }
        let mut sources = self.sources.borrow_mut();
        if let Some(slot) = sources.get_mut(source.key) {
            if slot.take().is_some() {
                self.free.borrow_mut().push(source.key);
                self.count.set(self.count.get() - 1);
            }
        }
    }

    /// Ready in `dir`, or the waker is parked until the next event. No
    /// system call.
    pub(crate) fn poll_ready(
        &self,
        source: &Source,
        dir: Direction,
        cx: &mut Context<'_>,
    ) -> Poll<io::Result<()>> {
        let (flag, slot) = match dir {
            Direction::Read => (&source.readable, &source.reader),
            Direction::Write => (&source.writable, &source.writer),
        };
        if flag.get() {
            return Poll::Ready(Ok(()));
        }
        let mut slot = slot.borrow_mut();
        match &*slot {
            Some(w) if w.will_wake(cx.waker()) => {}
            _ => *slot = Some(cx.waker().clone()),
        }
        Poll::Pending
    }

    /// The last I/O attempt in `dir` would block: wait for the next event.
    pub(crate) fn clear_ready(&self, source: &Source, dir: Direction) {
        match dir {
            Direction::Read => {
                source.readable.set(false);
                source.read_closed.set(false);
            }
            Direction::Write => {
                source.writable.set(false);
                source.write_closed.set(false);
            }
        }
    }

    /// The last transfer in `dir` on a stream was short, so the kernel's
    /// buffer is drained (or full, [`SHORT_IO_DRAINS`]): wait for the next
    /// event, unless the direction was reported closed. A read that took the
    /// last bytes and the peer's FIN together is short, and the FIN's edge
    /// has been handled already: the next read must go ahead and see the
    /// end of the stream.
    pub(crate) fn clear_drained(&self, source: &Source, dir: Direction) {
        match dir {
            Direction::Read if !source.read_closed.get() => source.readable.set(false),
            Direction::Write if !source.write_closed.get() => source.writable.set(false),
            _ => {}
        }
    }

    /// Waits for events (up to `timeout`; `None` waits for ever), marks
    /// sources ready and wakes their tasks. Returns the number of socket
    /// events (a remote wake is not counted).
    pub(crate) fn wait(&self, timeout: Option<Duration>) -> usize {
        let mut woken = std::mem::take(&mut *self.woken.borrow_mut());
        let mut n = 0;
        {
            let mut poller = self.poller.borrow_mut();
            let Some(p) = poller.as_mut() else {
                return 0;
            };
            let (timeout, precise) = p.precise_timeout(timeout);
            if precise {
                self.precise_waits.set(self.precise_waits.get() + 1);
            }
            // An error (in practice `EINTR`) counts as no event: the loop
            // comes back.
            if p.poll.poll(&mut p.events, timeout).is_ok() {
                let sources = self.sources.borrow();
                for ev in p.events.iter() {
                    let token = ev.token();
                    // The timer's expiry only ends the wait (an expiry left
                    // from an earlier wait ends one early, harmlessly).
                    if token == WAKE || token == TIMER {
                        continue;
                    }
                    let Some(Some(source)) = sources.get(token.0) else {
                        continue;
                    };
                    n += 1;
                    let error = ev.is_error();
                    if ev.is_read_closed() || error {
                        source.read_closed.set(true);
                    }
                    if ev.is_write_closed() || error {
                        source.write_closed.set(true);
                    }
                    if ev.is_readable() || ev.is_read_closed() || error {
                        source.readable.set(true);
                        woken.extend(source.reader.borrow_mut().take());
                    }
                    if ev.is_writable() || ev.is_write_closed() || error {
                        source.writable.set(true);
                        woken.extend(source.writer.borrow_mut().take());
                    }
                }
            }
        }
        // Woken with no borrow held: a waker may run any code, even drop a
        // socket.
        for w in woken.drain(..) {
            w.wake();
        }
        let mut keep = self.woken.borrow_mut();
        if keep.capacity() < woken.capacity() {
            *keep = woken;
        }
        n
    }

    /// Waits the `timerfd` timed.
    #[cfg(test)]
    pub(crate) fn precise_waits(&self) -> u64 {
        self.precise_waits.get()
    }

    /// Forgets every source (the runtime is being dropped).
    pub(crate) fn clear(&self) {
        let sources = std::mem::take(&mut *self.sources.borrow_mut());
        drop(sources);
        self.free.borrow_mut().clear();
        self.count.set(0);
    }
}

//! Errors of [`Runtime::block_on`](crate::Runtime::block_on).

use std::fmt;
use std::net::SocketAddr;
use std::time::Duration;

use crate::task::TaskId;
use crate::timer::Instant;

/// Why [`Runtime::block_on`](crate::Runtime::block_on) gave no value.
///
/// ```
/// use cvp_interleave::{Error, Runtime};
/// let rt = Runtime::new();
/// let nested = rt.block_on(async { Runtime::new().block_on(async {}) }).unwrap();
/// assert!(matches!(nested, Err(Error::NestedBlockOn)));
/// ```
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Error {
    /// `block_on` was called from inside a runtime running on this thread.
    /// Blocking there would stop every task of the outer runtime; spawn the
    /// future or await it instead.
    NestedBlockOn,
    /// Nothing can make progress: no task is runnable, no timer is armed, no
    /// socket is awaited and no waker is held outside this crate, yet the
    /// `block_on` future is not finished. `stuck` lists the unfinished
    /// tasks (the `block_on` future first, with id `main`).
    Deadlock {
        /// The tasks that will never be woken, sorted by id.
        stuck: Vec<StuckTask>,
    },
    /// The runtime's clock reached the limit set with
    /// [`Builder::time_limit`](crate::Builder::time_limit) while the
    /// `block_on` future was still waiting: in virtual time, the next timer
    /// lay beyond it. `stuck` lists every unfinished task with what it
    /// waits on (timers and sockets included).
    TimeLimit {
        /// The clock when the run was stopped (the limit).
        at: Duration,
        /// The unfinished tasks, sorted by id.
        stuck: Vec<StuckTask>,
    },
    /// No task ran for the stall timeout set with
    /// [`Builder::stall_timeout`](crate::Builder::stall_timeout) (real
    /// time): every task kept waiting, on timers, sockets or wakers held
    /// elsewhere. `stuck` lists every unfinished task with what it waits on.
    Stalled {
        /// How long nothing ran.
        idle: Duration,
        /// The unfinished tasks, sorted by id.
        stuck: Vec<StuckTask>,
    },
}

impl Error {
    /// The tasks named by a [`Error::Deadlock`], [`Error::TimeLimit`] or
    /// [`Error::Stalled`] (empty otherwise).
    ///
    /// ```
    /// let rt = cvp_interleave::Runtime::new();
    /// let err = rt.block_on(std::future::pending::<()>()).unwrap_err();
    /// assert_eq!(err.stuck()[0].to_string(), "main (block_on)");
    /// ```
    pub fn stuck(&self) -> &[StuckTask] {
        match self {
            Error::Deadlock { stuck }
            | Error::TimeLimit { stuck, .. }
            | Error::Stalled { stuck, .. } => stuck,
            Error::NestedBlockOn => &[],
        }
    }
}

/// A task named in a deadlock report.
///
/// ```
/// use cvp_interleave::{Error, Runtime};
/// let rt = Runtime::new();
/// rt.spawn_named("lonely", std::future::pending::<()>());
/// let Err(Error::Deadlock { stuck }) = rt.block_on(std::future::pending::<()>()) else {
///     panic!("expected a deadlock")
/// };
/// assert_eq!(stuck.len(), 2);
/// assert_eq!(stuck[1].to_string(), "#1 (lonely)");
/// ```
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StuckTask {
    /// The task's id (`main` for the `block_on` future).
    pub id: TaskId,
    /// The name given at spawn, if any.
    pub name: Option<String>,
    /// What it waits on, as far as the runtime knows: the first of
    /// [`StuckTask::waits`] ([`WaitsOn::Nothing`] when that is empty).
    pub waits_on: WaitsOn,
    /// Everything it waits on that the runtime found: its timers, its
    /// sockets, this crate's primitives holding its waker, and
    /// [`WaitsOn::Elsewhere`] when a waker of it is held outside this
    /// crate; empty when no waker of it is held anywhere.
    pub waits: Vec<WaitsOn>,
    /// Where it was spawned (`None` for the `block_on` future).
    pub spawned_at: Option<&'static std::panic::Location<'static>>,
}

/// What a stuck task waits on.
///
/// A [`Error::Deadlock`] is reported only when no timer is armed, no socket
/// is awaited and no waker is held outside this crate (or the clock is
/// paused, see [`check::pause`](crate::check::pause)), so its tasks wait on
/// [`WaitsOn::Primitive`] or [`WaitsOn::Nothing`] (or a timer of a paused
/// clock). The reports of a bounded run ([`Error::TimeLimit`],
/// [`Error::Stalled`]) also name timers, sockets and wakers held elsewhere.
///
/// ```
/// use cvp_interleave::{Error, Runtime, WaitsOn};
/// let rt = Runtime::new();
/// let Err(Error::Deadlock { stuck }) = rt.block_on(async {
///     let (_tx, rx) = cvp_interleave::oneshot::<u8>();
///     let _ = rx.await;
/// }) else {
///     panic!("expected a deadlock")
/// };
/// assert_eq!(stuck[0].waits_on, WaitsOn::Primitive("a oneshot (recv)"));
/// ```
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WaitsOn {
    /// Its waker is parked in one of this crate's primitives (the last one
    /// it parked on): a channel, a mutex, a `JoinHandle`, a semaphore...
    /// whose waker can only come from another stuck task.
    Primitive(&'static str),
    /// A timer of this runtime, due at `due`.
    Timer {
        /// When it fires, on the runtime's clock.
        due: Instant,
    },
    /// A socket (or other source) on this runtime's reactor, to become
    /// readable or writable.
    Socket {
        /// Which readiness it waits for.
        interest: Interest,
        /// The file descriptor (the raw socket on Windows).
        fd: i64,
        /// The socket's local address, when it is an IP socket.
        local: Option<SocketAddr>,
        /// The connected peer's address, when there is one.
        peer: Option<SocketAddr>,
    },
    /// A waker of it is held outside this crate (another thread, a
    /// `futures` channel, a foreign timer...): the runtime cannot tell
    /// whether it will be used.
    Elsewhere,
    /// No waker of it is held anywhere: nothing can ever wake it (for
    /// example `std::future::pending`, or a waker that was dropped).
    Nothing,
}

/// The readiness a [`WaitsOn::Socket`] waits for.
///
/// ```
/// assert_eq!(cvp_interleave::Interest::Readable.to_string(), "readable");
/// ```
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Interest {
    /// Data to read (or a connection to accept).
    Readable,
    /// Room to write.
    Writable,
}

impl fmt::Display for Interest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Interest::Readable => "readable",
            Interest::Writable => "writable",
        })
    }
}

impl fmt::Display for WaitsOn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            WaitsOn::Primitive(what) => write!(f, "waits on {what}"),
            WaitsOn::Timer { due } => write!(f, "waits on a timer due at {:?}", due.as_duration()),
            WaitsOn::Socket {
                interest,
                fd,
                local,
                peer,
            } => {
                write!(f, "waits for fd {fd} to be {interest}")?;
                match (local, peer) {
                    (Some(l), Some(p)) => write!(f, " ({l} to {p})"),
                    (Some(l), None) => write!(f, " ({l})"),
                    _ => Ok(()),
                }
            }
            WaitsOn::Elsewhere => f.write_str("waits on a waker held outside this crate"),
            WaitsOn::Nothing => f.write_str("no waker of it is held anywhere"),
        }
    }
}

impl fmt::Display for StuckTask {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.name {
            Some(n) => write!(f, "{} ({n})", self.id),
            None => write!(f, "{}", self.id),
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::NestedBlockOn => f.write_str(
                "block_on called inside a running cvp-interleave runtime on the same thread",
            ),
            Error::Deadlock { stuck } => {
                f.write_str("deadlock: no task can make progress; stuck: ")?;
                write_stuck(f, stuck)
            }
            Error::TimeLimit { at, stuck } => {
                write!(f, "time limit reached at {at:?} with tasks unfinished: ")?;
                write_stuck(f, stuck)
            }
            Error::Stalled { idle, stuck } => {
                write!(f, "stalled: no task ran for {idle:?}; waiting: ")?;
                write_stuck(f, stuck)
            }
        }
    }
}

fn write_stuck(f: &mut fmt::Formatter<'_>, stuck: &[StuckTask]) -> fmt::Result {
    for (i, t) in stuck.iter().enumerate() {
        if i > 0 {
            f.write_str("; ")?;
        }
        write!(f, "{t}")?;
        if let Some(at) = t.spawned_at {
            write!(f, " spawned at {at}")?;
        }
        if t.waits.is_empty() {
            write!(f, ": {}", WaitsOn::Nothing)?;
        }
        for (j, w) in t.waits.iter().enumerate() {
            f.write_str(if j == 0 { ": " } else { " and " })?;
            write!(f, "{w}")?;
        }
    }
    Ok(())
}

impl std::error::Error for Error {}

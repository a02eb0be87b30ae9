//! Errors of [`Runtime::block_on`](crate::Runtime::block_on).

use std::fmt;

use crate::task::TaskId;

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
    /// What it waits on, as far as the runtime knows.
    pub waits_on: WaitsOn,
    /// Where it was spawned (`None` for the `block_on` future).
    pub spawned_at: Option<&'static std::panic::Location<'static>>,
}

/// What a stuck task waits on.
///
/// A deadlock is reported only when no timer is armed, no socket is awaited
/// and no waker is held outside this crate, so a stuck task is always in one
/// of these two states: a task waiting on a timer, a socket or a waker held
/// elsewhere (another thread, a `futures` channel) keeps the runtime waiting
/// instead.
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
    /// No waker of it is held anywhere: nothing can ever wake it (for
    /// example `std::future::pending`, or a waker that was dropped).
    Nothing,
}

impl fmt::Display for WaitsOn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            WaitsOn::Primitive(what) => write!(f, "waits on {what}"),
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
                for (i, t) in stuck.iter().enumerate() {
                    if i > 0 {
                        f.write_str("; ")?;
                    }
                    write!(f, "{t}")?;
                    if let Some(at) = t.spawned_at {
                        write!(f, " spawned at {at}")?;
                    }
                    write!(f, ": {}", t.waits_on)?;
                }
                Ok(())
            }
        }
    }
}

impl std::error::Error for Error {}

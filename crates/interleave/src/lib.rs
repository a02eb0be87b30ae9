//! A green-thread interleaver: many tasks on one OS thread.
//!
//! A [`Runtime`] runs any [`Future`](std::future::Future) as a *task*. Tasks
//! take turns on a single thread, switching only where they `.await`
//! something that is not ready: this is concurrency without parallelism. It
//! hides latency (a thousand tasks can wait on timers or sockets at once) but
//! it never makes computation faster, and a task that never awaits starves
//! all the others (no preemption: see [`yield_now`]).
//!
//! ```
//! use std::time::Duration;
//! use cvp_interleave::{sleep, spawn, Runtime};
//!
//! let rt = Runtime::new();
//! let total = rt.block_on(async {
//!     // 100 tasks each wait 10 ms: together they take about 10 ms, not 1 s.
//!     let tasks: Vec<_> = (0..100u64)
//!         .map(|i| spawn(async move {
//!             sleep(Duration::from_millis(10)).await;
//!             i
//!         }))
//!         .collect();
//!     let mut total = 0;
//!     for t in tasks {
//!         total += t.await.unwrap();
//!     }
//!     total
//! });
//! assert_eq!(total.unwrap(), 4950);
//! ```
//!
//! # What is inside
//!
//! - **Tasks** ([`spawn`], [`JoinHandle`]): one allocation each (header,
//!   future, output), woken through a hand-rolled waker; a FIFO ready queue
//!   gives round-robin fairness. Tasks need not be `Send`. A panic is caught
//!   and handed to the `JoinHandle`.
//! - **Time** ([`sleep`], [`sleep_until`], [`timeout`], [`interval`]): a timer
//!   heap on the runtime's clock, which is either real or *virtual*
//!   ([`Builder::virtual_time`]): the clock jumps to the next timer whenever
//!   nothing is runnable, so a run takes no wall time and is reproducible.
//! - **Sockets** ([`TcpListener`], [`TcpStream`]): a reactor on `mio`
//!   (epoll, kqueue), each socket registered once, edge-triggered; streams
//!   implement `futures-io`'s `AsyncRead`/`AsyncWrite`. On Unix, `Async`
//!   puts any file descriptor on the reactor and gives UDP and Unix stream
//!   sockets.
//! - **hyper** (feature `hyper`, module `cvp_interleave::hyper`): the TCP
//!   stream is hyper's I/O type as it is, plus hyper's timer and executor on
//!   this runtime.
//! - **Local sync**: `!Send` primitives without atomics, whose waiters
//!   deadlock detection sees: [`channel`] (unbounded), [`bounded`] (with
//!   backpressure), [`oneshot`], [`Mutex`], [`Semaphore`], [`Notify`], and
//!   [`JoinSet`] (tasks awaited in completion order, aborted on drop).
//! - **Testing** ([`check`]): a test body under many seeded schedules
//!   (random and PCT) in virtual time, the first failure printed with a
//!   line that replays it, and [`check::pause`] / [`check::advance`] to
//!   move time by hand.
//! - **Observation**: [`Stats`], a per-poll trace ([`PollRecord`]), a seeded
//!   random scheduling [`Policy`] to shake out order dependence, and deadlock
//!   detection: [`Runtime::block_on`] returns [`Error::Deadlock`] naming the
//!   stuck tasks instead of hanging; bounded runs ([`Builder::time_limit`],
//!   [`Builder::stall_timeout`]) end with a report naming every unfinished
//!   task's timers, sockets, primitives and foreign wakers.
//!
//! Wakers may be used from any thread: a wake from another thread goes
//! through an injection queue and unparks the runtime. Other threads reach
//! a runtime through a [`Handle`] ([`Runtime::handle`]): it spawns `Send`
//! futures onto it and wakes its `block_on` future.
//!
//! # Hazards
//!
//! - A task that computes for a long time without awaiting delays every
//!   other task, timers included.
//! - Deadlock detection only sees waiters it knows about: this crate's own
//!   primitives, timers and sockets. A task parked on, say, a
//!   `futures::channel` whose sender is held by another stuck task may be
//!   woken from anywhere as far as the runtime can tell, so the runtime waits
//!   (up to [`Builder::stall_timeout`], when set).

#[cfg(unix)]
mod async_fd;
mod bounded;
mod cells;
pub mod check;
mod error;
mod handle;
#[cfg(feature = "hyper")]
pub mod hyper;
mod join_set;
mod net;
mod oneshot;
mod outside;
mod reactor;
mod runtime;
mod semaphore;
mod stats;
mod sync;
mod task;
mod timer;
mod trace;
mod wait;
mod waker;

#[cfg(unix)]
pub use async_fd::Async;
pub use bounded::{bounded, BoundedReceiver, BoundedSender};
pub use error::{Error, Interest, StuckTask, WaitsOn};
pub use handle::{Handle, RemoteJoinHandle};
pub use join_set::JoinSet;
pub use net::{TcpListener, TcpStream};
pub use oneshot::{oneshot, Canceled, OneshotReceiver, OneshotSender};
pub use runtime::{
    spawn, spawn_named, task_overhead_bytes, yield_now, Builder, Policy, Runtime, YieldNow,
};
pub use semaphore::{Acquire, Notified, Notify, Semaphore, SemaphorePermit};
pub use stats::Stats;
pub use sync::{channel, Lock, Mutex, MutexGuard, Receiver, SendError, Sender};
pub use task::{JoinError, JoinHandle, TaskId};
pub use timer::{interval, sleep, sleep_until, timeout, Elapsed, Instant, Interval, Sleep};
pub use trace::{PollRecord, WakeSource};

#[cfg(test)]
mod test;

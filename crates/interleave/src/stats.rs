//! Runtime counters.

use std::cell::Cell;

/// Counters of a runtime since it was built (see
/// [`Runtime::stats`](crate::Runtime::stats)).
///
/// ```
/// let rt = cvp_interleave::Runtime::new();
/// rt.block_on(async {
///     let a = cvp_interleave::spawn(async { cvp_interleave::yield_now().await });
///     a.await.unwrap();
/// })
/// .unwrap();
/// let s = rt.stats();
/// assert_eq!(s.tasks_spawned, 1);
/// assert!(s.polls >= 3 && s.switches >= 2 && s.max_ready >= 1);
/// ```
#[non_exhaustive]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Stats {
    /// Tasks spawned.
    pub tasks_spawned: u64,
    /// Polls of tasks and of `block_on` futures.
    pub polls: u64,
    /// Polls of a different task than the one polled just before.
    pub switches: u64,
    /// Largest length the ready queue reached.
    pub max_ready: u64,
    /// Timers that fired.
    pub timers_fired: u64,
    /// I/O readiness events received.
    pub io_events: u64,
    /// Times the runtime parked its thread (or waited in the poller).
    pub parks: u64,
}

#[derive(Default)]
pub(crate) struct StatsCells {
    pub(crate) spawned: Cell<u64>,
    pub(crate) polls: Cell<u64>,
    pub(crate) switches: Cell<u64>,
    pub(crate) max_ready: Cell<u64>,
    pub(crate) timers_fired: Cell<u64>,
    pub(crate) io_events: Cell<u64>,
    pub(crate) parks: Cell<u64>,
}

impl StatsCells {
    #[inline]
    pub(crate) fn note_ready_len(&self, len: usize) {
        if len as u64 > self.max_ready.get() {
            self.max_ready.set(len as u64);
        }
    }

    pub(crate) fn snapshot(&self) -> Stats {
        Stats {
            tasks_spawned: self.spawned.get(),
            polls: self.polls.get(),
            switches: self.switches.get(),
            max_ready: self.max_ready.get(),
            timers_fired: self.timers_fired.get(),
            io_events: self.io_events.get(),
            parks: self.parks.get(),
        }
    }
}

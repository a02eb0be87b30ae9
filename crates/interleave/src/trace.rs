//! Poll records for timelines.

use std::time::Duration;

use crate::task::TaskId;

/// One poll of a task, as recorded when [`Builder::trace`](crate::Builder::trace)
/// is on. Plain data: times are offsets from the runtime's start (virtual
/// time in virtual mode), and nothing refers to OS threads.
///
/// ```
/// use cvp_interleave::{Runtime, WakeSource};
/// let rt = Runtime::builder().trace(true).virtual_time(true).build();
/// rt.block_on(async { cvp_interleave::spawn(async {}).await.unwrap() }).unwrap();
/// let t = rt.take_trace();
/// let task = t.iter().find(|p| p.task.as_u64() == 1).unwrap();
/// assert_eq!(task.woken_by, WakeSource::Spawn);
/// assert!(task.start <= task.end);
/// ```
#[non_exhaustive]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PollRecord {
    /// The task polled (`main` is the `block_on` future).
    pub task: TaskId,
    /// When the poll started.
    pub start: Duration,
    /// When the poll returned.
    pub end: Duration,
    /// What made the task runnable.
    pub woken_by: WakeSource,
}

/// What made a task runnable before a poll.
///
/// ```
/// use cvp_interleave::WakeSource;
/// assert_ne!(WakeSource::Timer, WakeSource::Io);
/// ```
#[non_exhaustive]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum WakeSource {
    /// The first poll after spawn.
    Spawn,
    /// A wake by the task with this id while it ran (its own id: a yield).
    Task(TaskId),
    /// A wake by the `block_on` future.
    Main,
    /// A timer fired.
    Timer,
    /// A socket became ready.
    Io,
    /// A wake from another thread, or from outside any poll.
    External,
}

const TAG_SHIFT: u32 = 56;
pub(crate) const SPAWN: u64 = 0;
const TASK: u64 = 1 << TAG_SHIFT;
pub(crate) const MAIN: u64 = 2 << TAG_SHIFT;
pub(crate) const TIMER: u64 = 3 << TAG_SHIFT;
pub(crate) const IO: u64 = 4 << TAG_SHIFT;
pub(crate) const EXTERNAL: u64 = 5 << TAG_SHIFT;

#[inline]
pub(crate) fn task(id: u64) -> u64 {
    TASK | id
}

pub(crate) fn decode(v: u64) -> WakeSource {
    match v & !((1 << TAG_SHIFT) - 1) {
        SPAWN => WakeSource::Spawn,
        TASK => WakeSource::Task(TaskId(v & ((1 << TAG_SHIFT) - 1))),
        MAIN => WakeSource::Main,
        TIMER => WakeSource::Timer,
        IO => WakeSource::Io,
        _ => WakeSource::External,
    }
}

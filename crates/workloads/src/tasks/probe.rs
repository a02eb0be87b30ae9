//! `probe`: a 1 ms ticker queued behind many short tasks that never yield.

use std::time::Duration;

use crate::script::{Script, Step, TaskSet};
use crate::{Class, Origin, Shape, Tasks, Workload};

/// The probe's period.
pub const PROBE_PERIOD: Duration = Duration::from_millis(1);
/// Compute of each background task, in kernel units (about 2 ms).
const UNITS: u64 = 2_000;

/// The ticker, last in its set: `ticks` deadlines fixed from the set's
/// release, so that where nothing runs beside the work (sequential) every
/// tick waits for the work to end.
pub(crate) fn ticker(id: u32, ticks: u32) -> Script {
    Script {
        id,
        steps: vec![Step::Periodic {
            period: PROBE_PERIOD,
            ticks,
        }],
    }
}

/// `n` background tasks of 2 ms, then the ticker, which ticks for about as
/// long as one core needs for them.
fn task_set(n: usize) -> TaskSet {
    let n = n as u32;
    let ticks = (u64::from(n) * UNITS / 1_000).max(1) as u32;
    TaskSet::new(
        (0..n)
            .map(|id| Script {
                id,
                steps: vec![Step::Compute { units: UNITS }],
            })
            .chain(std::iter::once(ticker(n, ticks)))
            .collect(),
    )
}

/// The catalogue entry.
pub(crate) fn workload() -> Workload {
    Workload {
        name: "probe".into(),
        class: Class::Probe,
        description: "A ticker due every 1 ms from the start, queued behind n tasks of 2 ms that never yield, so its lateness grows with the tasks queued ahead of it: a cooperative scheduler runs them all before it, a pool starts it once a worker is free, a thread per task shares the cores among all of them, and sequential ticks only once the work is done.".into(),
        unit: "background tasks".into(),
        shape: Shape::Tasks(Tasks::new(task_set)),
        presets: [5, 50, 200],
        max: 100_000,
        why_max: "more concurrent tasks than this exceed the models' thread limits".into(),
        serial: false,
        origin: Origin::BuiltIn,
    }
}

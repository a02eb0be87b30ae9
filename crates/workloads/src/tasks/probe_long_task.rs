//! `probe-long-task`: a 1 ms ticker beside one long task that never yields.

use super::probe::ticker;
use crate::script::{Script, Step, TaskSet};
use crate::{Class, Origin, Shape, Tasks, Workload};

/// Kernel units in a millisecond.
const UNITS_PER_MS: u64 = 1_000;

/// One task that computes `ms` milliseconds without a wait, then the
/// ticker, one tick a millisecond for as long.
fn task_set(ms: usize) -> TaskSet {
    let ms = ms as u32;
    TaskSet::new(vec![
        Script {
            id: 0,
            steps: vec![Step::Compute {
                units: u64::from(ms) * UNITS_PER_MS,
            }],
        },
        ticker(1, ms.max(1)),
    ])
}

/// The catalogue entry.
pub(crate) fn workload() -> Workload {
    Workload {
        name: "probe-long-task".into(),
        class: Class::Probe,
        description: "A ticker due every 1 ms from the start beside one task that computes for n ms without yielding: a cooperative scheduler cannot switch away from it, so the ticker waits up to n ms; a preemptive model time-slices it, a parallel one runs the ticker on another core; sequential ticks only once the task is done.".into(),
        unit: "ms of computing".into(),
        shape: Shape::Tasks(Tasks::new(task_set)),
        presets: [10, 100, 400],
        max: 60_000,
        why_max: "a task of more than a minute makes a cell time out".into(),
        serial: false,
        origin: Origin::BuiltIn,
    }
}

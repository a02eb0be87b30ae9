//! `fetch-then-crunch`: n tasks that each wait 5 ms, then compute 2 ms.

use std::time::Duration;

use super::uniform;
use crate::script::Step;
use crate::{Class, Origin, Shape, Tasks, Workload};

/// Wait of each task.
const WAIT: Duration = Duration::from_millis(5);
/// Compute of each task, in kernel units (about 2 ms).
const UNITS: u64 = 2_000;

/// The catalogue entry.
pub(crate) fn workload() -> Workload {
    Workload {
        name: "fetch-then-crunch".into(),
        class: Class::Mixed,
        description: "n tasks that each wait 5 ms, then compute 2 ms: concurrency hides the waits, parallelism spreads the computing, and only both together win.".into(),
        unit: "tasks".into(),
        shape: Shape::Tasks(Tasks::new(|n| uniform(n, &[Step::Wait(WAIT), Step::Compute { units: UNITS }]))),
        presets: [6, 40, 200],
        max: 100_000,
        why_max: "more concurrent tasks than this exceed the models' thread limits".into(),
        serial: false,
        origin: Origin::BuiltIn,
    }
}

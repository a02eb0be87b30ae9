//! `latency-fanout`: n tasks that each wait 10 ms, then compute a little.

use std::time::Duration;

use super::uniform;
use crate::script::Step;
use crate::{Class, Origin, Shape, Tasks, Workload};

/// Wait of each task.
const WAIT: Duration = Duration::from_millis(10);
/// Compute of each task, in kernel units.
const UNITS: u64 = 10;

/// The catalogue entry.
pub(crate) fn workload() -> Workload {
    Workload {
        name: "latency-fanout".into(),
        class: Class::Io,
        description: "n tasks that each wait 10 ms, then compute a little: pure waiting, so interleaving overlaps every wait on one core while cores alone overlap only a few.".into(),
        unit: "tasks".into(),
        shape: Shape::Tasks(Tasks::new(|n| uniform(n, &[Step::Wait(WAIT), Step::Compute { units: UNITS }]))),
        presets: [8, 50, 200],
        max: 100_000,
        why_max: "more concurrent tasks than this exceed the models' thread limits".into(),
        serial: false,
        origin: Origin::BuiltIn,
    }
}

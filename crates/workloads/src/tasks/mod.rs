//! The request-shaped workloads, one file each: their scripts and their
//! catalogue entry.

pub(crate) mod echo_clients;
pub(crate) mod fetch_then_crunch;
pub(crate) mod latency_fanout;
pub(crate) mod probe;
pub(crate) mod probe_long_task;
pub(crate) mod serve;

use crate::script::{Script, Step, TaskSet};

/// `n` tasks with the same steps, ids `0..n`.
pub(crate) fn uniform(n: usize, steps: &[Step]) -> TaskSet {
    TaskSet::new(
        (0..n as u32)
            .map(|id| Script {
                id,
                steps: steps.to_vec(),
            })
            .collect(),
    )
}

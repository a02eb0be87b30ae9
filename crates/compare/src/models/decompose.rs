//! `decompose`: jobs on a cvp-decompose pool of `--threads` workers; task
//! scripts split across the workers, each blocking on its waits:
//! parallelism alone hides little latency.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Instant;

use cvp_decompose::{Pool, Strategy};
use cvp_workloads::{Job, JobInput, TaskOutcome, TaskSet};

use super::{Instance, Model, ModelInfo, Role};
use crate::exec::decompose::{pool, DecomposeExec};
use crate::exec::run_blocking;
use crate::trace::{self, Recorder};
use crate::Error;

/// cvp's work-stealing decomposer.
pub(crate) struct Decompose;

struct Started(Pool);

impl Model for Decompose {
    fn info(&self) -> ModelInfo {
        ModelInfo {
            name: "decompose",
            engine: "cvp-decompose (work stealing)",
            concurrent: false,
            parallel: true,
            preemptive: false,
            threaded: true,
            role: Role::Engine,
            anchor: Some("rayon"),
            traced: true,
        }
    }

    fn start(&self, threads: usize) -> Result<Box<dyn Instance>, Error> {
        Ok(Box::new(Started(pool(threads, "decompose")?)))
    }
}

impl Instance for Started {
    fn run_job(&mut self, job: &Job, input: &mut JobInput, rec: Option<&Recorder>) -> String {
        trace::run_job(&DecomposeExec(&self.0), job, input, rec)
    }

    fn run_tasks(
        &mut self,
        set: &Arc<TaskSet>,
        server: Option<SocketAddr>,
        rec: Option<&Recorder>,
    ) -> Result<Vec<TaskOutcome>, Error> {
        // One script at a time from a shared counter: a worker blocked on a
        // wait holds only the script it is running.
        let epoch = Instant::now();
        self.0.map_reduce(
            0..set.scripts.len(),
            Strategy::Dynamic { grain: 1 },
            |r| {
                r.map(|i| run_blocking(&set.scripts[i], server, epoch, rec))
                    .collect::<Result<Vec<_>, _>>()
            },
            |a, b| {
                let mut a = a?;
                a.extend(b?);
                Ok(a)
            },
        )
    }
}

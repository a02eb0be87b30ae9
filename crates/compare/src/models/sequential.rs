//! `sequential`: the job capability's trivial implementation, and task
//! scripts one after another. The baseline of every speedup.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Instant;

use cvp_workloads::{Job, JobInput, TaskOutcome, TaskSet};

use super::{Instance, Model, ModelInfo, Role};
use crate::exec::run_blocking;
use crate::trace::{self, Recorder};
use crate::Error;

/// Everything on the calling thread, in order.
pub(crate) struct Sequential;

impl Model for Sequential {
    fn info(&self) -> ModelInfo {
        ModelInfo {
            name: "sequential",
            engine: "plain loop",
            concurrent: false,
            parallel: false,
            preemptive: false,
            threaded: false,
            role: Role::Baseline,
            anchor: None,
            traced: true,
        }
    }

    fn start(&self, _threads: usize) -> Result<Box<dyn Instance>, Error> {
        Ok(Box::new(Sequential))
    }
}

impl Instance for Sequential {
    fn run_job(&mut self, job: &Job, input: &mut JobInput, rec: Option<&Recorder>) -> String {
        trace::run_job(&cvp_workloads::Sequential, job, input, rec)
    }

    fn run_tasks(
        &mut self,
        set: &Arc<TaskSet>,
        server: Option<SocketAddr>,
        rec: Option<&Recorder>,
    ) -> Result<Vec<TaskOutcome>, Error> {
        let epoch = Instant::now();
        set.scripts
            .iter()
            .map(|s| run_blocking(s, server, epoch, rec))
            .collect()
    }
}

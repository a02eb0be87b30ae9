//! `interleave`: task scripts as green threads on one cvp-interleave
//! runtime (concurrency on one core); jobs as tasks on the same thread,
//! yielding between chunks: no speedup, which is the lesson.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Instant;

use cvp_workloads::{Job, JobInput, TaskOutcome, TaskSet};

use super::{Instance, Model, ModelInfo, Role};
use crate::exec::interleave::{tasks_on_interleave, with_runtime, InterleaveEnv, ThisThread};
use crate::exec::one_thread::OneThread;
use crate::trace::{self, Recorder};
use crate::Error;

/// cvp's green-thread interleaver.
pub(crate) struct Interleave;

impl Model for Interleave {
    fn info(&self) -> ModelInfo {
        ModelInfo {
            name: "interleave",
            engine: "cvp-interleave (green threads)",
            concurrent: true,
            parallel: false,
            preemptive: false,
            threaded: false,
            role: Role::Engine,
            anchor: Some("tokio-current-thread"),
            traced: true,
        }
    }

    fn start(&self, _threads: usize) -> Result<Box<dyn Instance>, Error> {
        // Build this thread's runtime now, outside the timed runs.
        with_runtime(|_| ());
        Ok(Box::new(Interleave))
    }
}

impl Instance for Interleave {
    fn run_job(&mut self, job: &Job, input: &mut JobInput, rec: Option<&Recorder>) -> String {
        trace::run_job(&OneThread::new(&ThisThread), job, input, rec)
    }

    fn run_tasks(
        &mut self,
        set: &Arc<TaskSet>,
        server: Option<SocketAddr>,
        rec: Option<&Recorder>,
    ) -> Result<Vec<TaskOutcome>, Error> {
        tasks_on_interleave(
            &InterleaveEnv,
            set,
            0..set.scripts.len(),
            server,
            Instant::now(),
            rec,
        )
    }
}

//! `tokio-current-thread`: task scripts as tokio tasks on a current-thread
//! runtime (concurrency on one core); jobs as tasks on it, yielding between
//! chunks.

use std::net::SocketAddr;
use std::sync::Arc;

use cvp_workloads::{Job, JobInput, TaskOutcome, TaskSet};
use tokio::runtime::{Builder, Runtime};

use super::{Instance, Model, ModelInfo, Role};
use crate::exec::one_thread::OneThread;
use crate::exec::tokio::tasks_on_tokio;
use crate::trace::{self, Recorder};
use crate::Error;

/// tokio's single-thread scheduler (the anchor of `interleave`).
pub(crate) struct TokioCurrentThread;

struct Started(Runtime);

impl Model for TokioCurrentThread {
    fn info(&self) -> ModelInfo {
        ModelInfo {
            name: "tokio-current-thread",
            engine: "tokio current-thread runtime",
            concurrent: true,
            parallel: false,
            preemptive: false,
            threaded: false,
            role: Role::Anchor,
            anchor: None,
            traced: true,
        }
    }

    fn start(&self, _threads: usize) -> Result<Box<dyn Instance>, Error> {
        let rt = Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| Error::Run(e.to_string()))?;
        Ok(Box::new(Started(rt)))
    }
}

impl Instance for Started {
    fn run_job(&mut self, job: &Job, input: &mut JobInput, rec: Option<&Recorder>) -> String {
        trace::run_job(&OneThread::new(&self.0), job, input, rec)
    }

    fn run_tasks(
        &mut self,
        set: &Arc<TaskSet>,
        server: Option<SocketAddr>,
        rec: Option<&Recorder>,
    ) -> Result<Vec<TaskOutcome>, Error> {
        tasks_on_tokio(&self.0, set, server, rec)
    }
}

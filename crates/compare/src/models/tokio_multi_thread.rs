//! `tokio-multi-thread`: task scripts as tokio tasks on the multi-thread
//! runtime with `--threads` workers; jobs as tasks on its pool.

use std::net::SocketAddr;
use std::sync::Arc;

use cvp_workloads::{Job, JobInput, TaskOutcome, TaskSet};
use tokio::runtime::{Builder, Runtime};

use super::{Instance, Model, ModelInfo, Role};
use crate::exec::tokio::{tasks_on_tokio, TokioPool};
use crate::trace::{self, Recorder};
use crate::Error;

/// tokio's work-stealing scheduler (the anchor of `hybrid`).
pub(crate) struct TokioMultiThread;

struct Started {
    rt: Runtime,
    threads: usize,
}

impl Model for TokioMultiThread {
    fn info(&self) -> ModelInfo {
        ModelInfo {
            name: "tokio-multi-thread",
            engine: "tokio multi-thread runtime",
            concurrent: true,
            parallel: true,
            preemptive: false,
            threaded: true,
            role: Role::Anchor,
            anchor: None,
            traced: true,
        }
    }

    fn start(&self, threads: usize) -> Result<Box<dyn Instance>, Error> {
        let rt = Builder::new_multi_thread()
            .worker_threads(threads)
            .enable_all()
            .build()
            .map_err(|e| Error::Run(e.to_string()))?;
        Ok(Box::new(Started { rt, threads }))
    }
}

impl Instance for Started {
    fn run_job(&mut self, job: &Job, input: &mut JobInput, rec: Option<&Recorder>) -> String {
        trace::run_job(&TokioPool::new(&self.rt, self.threads), job, input, rec)
    }

    fn run_tasks(
        &mut self,
        set: &Arc<TaskSet>,
        server: Option<SocketAddr>,
        rec: Option<&Recorder>,
    ) -> Result<Vec<TaskOutcome>, Error> {
        tasks_on_tokio(&self.rt, set, server, rec)
    }
}

//! `threads-1core`: the `threads` model with every thread, the caller
//! included, pinned to one CPU: preemptive concurrency without parallelism.

use std::net::SocketAddr;
use std::sync::Arc;

use cvp_workloads::{Job, JobInput, TaskOutcome, TaskSet, Workload};

use super::threads::too_many_threads;
use super::{Instance, Model, ModelInfo};
use crate::exec::affinity::{CpuSet, Pinned};
use crate::exec::static_threads::{tasks_on_threads, StaticThreads};
use crate::trace::{self, Recorder};
use crate::Error;

/// OS threads on one CPU.
pub(crate) struct Threads1Core;

struct Started {
    threads: usize,
    cpu: CpuSet,
}

impl Model for Threads1Core {
    fn info(&self) -> ModelInfo {
        ModelInfo {
            name: "threads-1core",
            engine: "std::thread pinned to one CPU",
            concurrent: true,
            parallel: false, preemptive: true,
            threaded: true,
        }
    }

    fn not_applicable(&self, workload: &Workload, size: usize, _threads: usize) -> Option<String> {
        if let Err(e) = CpuSet::current() {
            return Some(format!("cannot pin threads: {e}"));
        }
        too_many_threads(workload, size)
    }

    fn start(&self, threads: usize) -> Result<Box<dyn Instance>, Error> {
        let cpu = CpuSet::current().map_err(|e| Error::Run(format!("reading CPU affinity: {e}")))?.first(1);
        Ok(Box::new(Started { threads, cpu }))
    }
}

impl Instance for Started {
    fn run_job(&mut self, job: Job, input: &mut JobInput, rec: Option<&Recorder>) -> String {
        let _pinned = Pinned::new(&self.cpu).expect("pinning the caller to an allowed CPU");
        trace::run_job(&StaticThreads::new(self.threads, Some(self.cpu.clone())), job, input, rec)
    }

    fn run_tasks(
        &mut self,
        set: &Arc<TaskSet>,
        server: Option<SocketAddr>,
        rec: Option<&Recorder>,
    ) -> Result<Vec<TaskOutcome>, Error> {
        tasks_on_threads(set, server, Some(&self.cpu), rec)
    }
}

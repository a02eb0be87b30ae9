//! `threads`: one OS thread per task script; jobs split into `--threads`
//! static blocks on scoped threads. Its threads are pinned to the first
//! `--threads` CPUs, so it uses the cores it declares.

use std::net::SocketAddr;
use std::sync::Arc;

use cvp_workloads::{Job, JobInput, TaskOutcome, TaskSet, Workload};

use super::{Instance, Model, ModelInfo, Role};
use crate::exec::affinity::{CpuSet, Pinned};
use crate::exec::static_threads::{tasks_on_threads, StaticThreads};
use crate::trace::{self, Recorder};
use crate::Error;

/// Most threads a task set may ask for: beyond this, one thread per task
/// runs into the process's thread and memory limits.
pub(crate) const MAX_TASK_THREADS: usize = 10_000;

/// Plain OS threads, preemptive and parallel.
pub(crate) struct Threads;

/// Started: `threads` threads, pinned to `cpus`. `threads-1core` is the
/// same with a single CPU.
pub(super) struct Started {
    pub(super) threads: usize,
    pub(super) cpus: CpuSet,
}

/// Why a task set is too big for one thread per task, if it is.
pub(crate) fn too_many_threads(workload: &Workload, size: usize) -> Option<String> {
    (matches!(workload.shape(), cvp_workloads::Shape::Tasks(_)) && size > MAX_TASK_THREADS).then(
        || format!("one OS thread per task: {size} threads exceed the limit of {MAX_TASK_THREADS}"),
    )
}

impl Model for Threads {
    fn info(&self) -> ModelInfo {
        ModelInfo {
            name: "threads",
            engine: "std::thread",
            concurrent: true,
            parallel: true,
            preemptive: true,
            threaded: true,
            role: Role::Other,
            anchor: None,
            traced: true,
        }
    }

    fn not_applicable(&self, workload: &Workload, size: usize, _threads: usize) -> Option<String> {
        too_many_threads(workload, size)
    }

    fn start(&self, threads: usize) -> Result<Box<dyn Instance>, Error> {
        let cpus = CpuSet::current()
            .map_err(|e| Error::Run(format!("reading CPU affinity: {e}")))?
            .first(threads);
        Ok(Box::new(Started { threads, cpus }))
    }
}

impl Instance for Started {
    fn run_job(&mut self, job: &Job, input: &mut JobInput, rec: Option<&Recorder>) -> String {
        let _pinned = Pinned::new(&self.cpus).expect("pinning the caller to its own CPUs");
        trace::run_job(
            &StaticThreads::new(self.threads, Some(self.cpus.clone())),
            job,
            input,
            rec,
        )
    }

    fn run_tasks(
        &mut self,
        set: &Arc<TaskSet>,
        server: Option<SocketAddr>,
        rec: Option<&Recorder>,
    ) -> Result<Vec<TaskOutcome>, Error> {
        tasks_on_threads(set, server, Some(&self.cpus), rec)
    }
}

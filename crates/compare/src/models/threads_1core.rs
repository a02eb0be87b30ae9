//! `threads-1core`: the `threads` model with every thread, the caller
//! included, pinned to one CPU: preemptive concurrency without parallelism.

use cvp_workloads::Workload;

use super::threads::{too_many_threads, Started};
use super::{Instance, Model, ModelInfo, Role};
use crate::exec::affinity::CpuSet;
use crate::Error;

/// OS threads on one CPU.
pub(crate) struct Threads1Core;

impl Model for Threads1Core {
    fn info(&self) -> ModelInfo {
        ModelInfo {
            name: "threads-1core",
            engine: "std::thread pinned to one CPU",
            concurrent: true,
            parallel: false,
            preemptive: true,
            threaded: true,
            role: Role::Other,
            anchor: None,
            traced: false,
        }
    }

    fn not_applicable(&self, workload: &Workload, size: usize, _threads: usize) -> Option<String> {
        if let Err(e) = CpuSet::current() {
            return Some(format!("cannot pin threads: {e}"));
        }
        too_many_threads(workload, size)
    }

    fn start(&self, threads: usize) -> Result<Box<dyn Instance>, Error> {
        // The `threads` model, on a single CPU.
        let cpus = CpuSet::current()
            .map_err(|e| Error::Run(format!("reading CPU affinity: {e}")))?
            .first(1);
        Ok(Box::new(Started { threads, cpus }))
    }
}

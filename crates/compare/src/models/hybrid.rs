//! `hybrid`: one cvp-interleave runtime per cvp-decompose worker, the task
//! scripts divided among them, so waits overlap on every core and the
//! computing spreads across cores; jobs as in `decompose`.

use std::net::SocketAddr;
use std::sync::Arc;

use cvp_decompose::{Pool, Strategy};
use cvp_workloads::{Job, JobInput, TaskOutcome, TaskSet};

use super::{Instance, Model, ModelInfo, Role};
use crate::exec::decompose::{pool, DecomposeExec};
use crate::exec::interleave::{tasks_on_interleave, with_runtime};
use crate::trace::{self, Recorder};
use crate::Error;

/// An interleaver per core, work split by the decomposer.
pub(crate) struct Hybrid;

struct Started {
    pool: Pool,
    threads: usize,
}

impl Model for Hybrid {
    fn info(&self) -> ModelInfo {
        ModelInfo {
            name: "hybrid",
            engine: "cvp-interleave per cvp-decompose worker",
            concurrent: true,
            parallel: true,
            preemptive: false,
            threaded: true,
            role: Role::Engine,
            anchor: Some("tokio-multi-thread"),
            traced: true,
        }
    }

    fn start(&self, threads: usize) -> Result<Box<dyn Instance>, Error> {
        let pool = pool(threads, "hybrid")?;
        // Build every worker's runtime now, outside the timed runs.
        pool.map_reduce(
            0..threads,
            Strategy::STATIC,
            |_| with_runtime(|_| ()),
            |(), ()| (),
        );
        Ok(Box::new(Started { pool, threads }))
    }
}

impl Instance for Started {
    fn run_job(&mut self, job: &Job, input: &mut JobInput, rec: Option<&Recorder>) -> String {
        trace::run_job(&DecomposeExec(&self.pool), job, input, rec)
    }

    fn run_tasks(
        &mut self,
        set: &Arc<TaskSet>,
        server: Option<SocketAddr>,
        rec: Option<&Recorder>,
    ) -> Result<Vec<TaskOutcome>, Error> {
        // Share k of `threads` takes scripts k, k + threads, ...: equal
        // shares, one static block per worker, each run as green threads on
        // that worker's own runtime.
        let shares = self.threads.min(set.scripts.len()).max(1);
        let epoch = std::time::Instant::now();
        self.pool.map_reduce(
            0..shares,
            Strategy::STATIC,
            |r| {
                let mut out = Vec::new();
                for k in r {
                    out.extend(tasks_on_interleave(
                        set,
                        (k..set.scripts.len()).step_by(shares),
                        server,
                        epoch,
                        rec,
                    )?);
                }
                Ok(out)
            },
            |a: Result<Vec<TaskOutcome>, Error>, b| {
                let mut a = a?;
                a.extend(b?);
                Ok(a)
            },
        )
    }
}

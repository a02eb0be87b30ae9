//! `rayon`: jobs on a rayon pool of `--threads` workers; task scripts split
//! across it, each worker blocking on its waits.

use std::net::SocketAddr;
use std::ops::Range;
use std::sync::Arc;
use std::time::Instant;

use cvp_workloads::{Exec, Job, JobInput, TaskOutcome, TaskSet};
use rayon::prelude::*;
use rayon::{ThreadPool, ThreadPoolBuilder};

use super::{Instance, Model, ModelInfo, Role};
use crate::exec::run_blocking;
use crate::trace::{self, Recorder};
use crate::Error;

/// rayon's work-stealing pool (the anchor of `decompose`).
pub(crate) struct Rayon;

struct Started(ThreadPool);

impl Model for Rayon {
    fn info(&self) -> ModelInfo {
        ModelInfo {
            name: "rayon",
            engine: "rayon thread pool",
            concurrent: false,
            parallel: true,
            preemptive: false,
            threaded: true,
            role: Role::Anchor,
            anchor: None,
            traced: true,
        }
    }

    fn start(&self, threads: usize) -> Result<Box<dyn Instance>, Error> {
        let pool = ThreadPoolBuilder::new()
            .num_threads(threads)
            .thread_name(|i| format!("rayon-{i}"))
            .build()
            .map_err(|e| Error::Run(e.to_string()))?;
        Ok(Box::new(Started(pool)))
    }
}

/// Jobs on the pool: `map_reduce` as an indexed parallel iterator over the
/// grains (rayon's adaptive splitting decides how they are grouped),
/// `join` as `rayon::join`.
struct RayonExec<'p>(&'p ThreadPool);

impl Exec for RayonExec<'_> {
    fn parallelism(&self) -> usize {
        self.0.current_num_threads()
    }

    fn map_reduce<T, L, C>(&self, len: usize, grain: usize, leaf: L, combine: C) -> T
    where
        T: Send,
        L: Fn(Range<usize>) -> T + Sync,
        C: Fn(T, T) -> T + Sync,
    {
        let grain = grain.max(1);
        if len <= grain {
            return leaf(0..len);
        }
        self.0.install(|| {
            (0..len.div_ceil(grain))
                .into_par_iter()
                .map(|i| leaf(i * grain..((i + 1) * grain).min(len)))
                .reduce_with(&combine)
                .expect("at least one grain")
        })
    }

    fn join<A, B, RA, RB>(&self, a: A, b: B) -> (RA, RB)
    where
        A: FnOnce() -> RA + Send,
        B: FnOnce() -> RB + Send,
        RA: Send,
        RB: Send,
    {
        self.0.install(|| rayon::join(a, b))
    }
}

impl Instance for Started {
    fn run_job(&mut self, job: &Job, input: &mut JobInput, rec: Option<&Recorder>) -> String {
        trace::run_job(&RayonExec(&self.0), job, input, rec)
    }

    fn run_tasks(
        &mut self,
        set: &Arc<TaskSet>,
        server: Option<SocketAddr>,
        rec: Option<&Recorder>,
    ) -> Result<Vec<TaskOutcome>, Error> {
        let epoch = Instant::now();
        self.0.install(|| {
            set.scripts
                .par_iter()
                .with_max_len(1)
                .map(|s| run_blocking(s, server, epoch, rec))
                .collect()
        })
    }
}

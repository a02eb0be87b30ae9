//! The execution models: one file each, one line each in the registry.
//!
//! A model says what it is ([`ModelInfo`]: concurrent? parallel? which
//! engine?), may refuse a workload with a reason (n/a), and starts an
//! [`Instance`] for a thread count. The instance holds whatever the model
//! builds once per cell — a thread pool, a runtime — so that building it is
//! not timed, and runs jobs (through [`Exec`](cvp_workloads::Exec)) and task
//! sets (through a blocking or an async interpreter).
//!
//! # Adding a model
//!
//! 1. Write `src/models/NAME.rs` with a unit struct that implements
//!    [`Model`] (see `sequential.rs`, the smallest);
//! 2. declare it with `mod NAME;` and add one line `&NAME::Struct,` to
//!    [`MODELS`] below.
//!
//! The CLI, the matrix, the reports and the tests pick it up from there.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use cvp_workloads::{Job, JobInput, TaskOutcome, TaskSet, Workload};
use serde::Serialize;

pub use cluster::{processes, set_processes, DEFAULT_PROCESSES, WORKER_SUBCOMMAND};
use cvp_report::ClusterStats;
pub use cvp_report::Role;

use crate::trace::Recorder;
use crate::Error;

/// What a model is: the row header of every report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub struct ModelInfo {
    /// The stable kebab-case name.
    pub name: &'static str,
    /// The engine underneath, in a few words.
    pub engine: &'static str,
    /// Whether it interleaves many tasks (hides waits).
    pub concurrent: bool,
    /// Whether it runs pieces at the same time on several cores.
    pub parallel: bool,
    /// Whether the OS can switch away from a task that computes without
    /// waiting (threads); a cooperative model switches only at waits.
    pub preemptive: bool,
    /// Whether `--threads` changes what it does; a model for which it does
    /// not runs once per workload, at one thread.
    pub threaded: bool,
    /// What it is in the comparison: the baseline, one of cvp's engines, an
    /// anchor an engine is judged against, or another model.
    pub role: Role,
    /// For an engine, the model it is judged against.
    pub anchor: Option<&'static str>,
    /// Whether the page draws its timeline (a recorded, untimed run). Every
    /// model can be recorded; a model that is slow to record may opt out.
    pub traced: bool,
}

impl ModelInfo {
    /// How many cores the model may use with `threads` threads: the divisor
    /// of parallel efficiency. One per thread, but no more than the machine
    /// has: four threads on two cores can use two.
    pub fn cores(&self, threads: usize) -> usize {
        if self.parallel {
            threads.clamp(1, crate::plan::available_cores())
        } else {
            1
        }
    }
}

/// An execution model.
pub(crate) trait Model: Sync {
    /// What the model is.
    fn info(&self) -> ModelInfo;

    /// Why the model cannot run this workload at this size and thread
    /// count, if it cannot. Reported as n/a, never skipped silently.
    fn not_applicable(
        &self,
        _workload: &Workload,
        _size: usize,
        _threads: usize,
    ) -> Option<String> {
        None
    }

    /// Builds what the model needs for `threads` threads. Not timed.
    fn start(&self, threads: usize) -> Result<Box<dyn Instance>, Error>;
}

/// What a model that runs its work outside this process measured itself
/// about its last run, in place of this process's clock and CPU counters.
#[derive(Debug, Clone)]
pub(crate) struct SelfMeasured {
    /// The computation's wall time.
    pub(crate) wall: Duration,
    /// CPU time, summed over every process that took part.
    pub(crate) cpu: Duration,
    /// Workers that took part (the cell's cores, capped at the machine's).
    pub(crate) cores: usize,
    /// A cluster's own figures.
    pub(crate) cluster: Option<ClusterStats>,
}

/// A started model: runs jobs and task sets, many times.
pub(crate) trait Instance {
    /// Runs a job and returns its answer. With a recorder, the job's
    /// leaves are recorded (see [`crate::trace::run_job`]).
    fn run_job(&mut self, job: &Job, input: &mut JobInput, trace: Option<&Recorder>) -> String;

    /// Runs a job as [`run_job`](Self::run_job) does, for a model whose run
    /// can fail without a panic (its processes may die); `workload` is the
    /// job's, for a model that must find the job again elsewhere.
    fn run_job_measured(
        &mut self,
        _workload: &Workload,
        job: &Job,
        input: &mut JobInput,
        trace: Option<&Recorder>,
    ) -> Result<String, Error> {
        Ok(self.run_job(job, input, trace))
    }

    /// What the last run measured itself, for a model that runs outside
    /// this process; `None` (the default) for a model timed here.
    fn self_measured(&mut self) -> Option<SelfMeasured> {
        None
    }

    /// Runs every script of a set and returns their outcomes, in any order.
    /// With a recorder, what ran when is recorded: a span per step for the
    /// blocking interpreters (computing, or the thread waiting), a span per
    /// poll of a task for the async ones (cvp-interleave's own poll trace,
    /// tokio's task futures wrapped).
    fn run_tasks(
        &mut self,
        set: &Arc<TaskSet>,
        server: Option<SocketAddr>,
        trace: Option<&Recorder>,
    ) -> Result<Vec<TaskOutcome>, Error>;
}

mod cluster;
mod decompose;
mod hybrid;
mod interleave;
mod rayon;
mod sequential;
mod threads;
mod threads_1core;
mod tokio_current_thread;
mod tokio_multi_thread;

/// Every model, in report order: one line per model.
static MODELS: &[&dyn Model] = &[
    &sequential::Sequential,
    &interleave::Interleave,
    &tokio_current_thread::TokioCurrentThread,
    &threads_1core::Threads1Core,
    &decompose::Decompose,
    &rayon::Rayon,
    &threads::Threads,
    &hybrid::Hybrid,
    &tokio_multi_thread::TokioMultiThread,
    &cluster::ClusterModel,
];

/// Every model, in report order.
///
/// ```
/// let names: Vec<_> = cvp_compare::models().map(|m| m.name).collect();
/// assert_eq!(names[0], "sequential");
/// assert!(names.contains(&"rayon"));
/// ```
pub fn models() -> impl Iterator<Item = ModelInfo> {
    MODELS.iter().map(|m| m.info())
}

/// Finds a model by name.
///
/// ```
/// let err = cvp_compare::find_model("rayonn").unwrap_err();
/// assert!(err.to_string().starts_with("unknown model `rayonn`"));
/// ```
pub fn find_model(name: &str) -> Result<ModelInfo, Error> {
    lookup(name).map(|m| m.info())
}

pub(crate) fn lookup(name: &str) -> Result<&'static dyn Model, Error> {
    MODELS
        .iter()
        .copied()
        .find(|m| m.info().name == name)
        .ok_or_else(|| Error::UnknownModel {
            name: name.into(),
            valid: MODELS.iter().map(|m| m.info().name).collect(),
        })
}

//! The whole comparison for a job of your own, from Rust.

use std::sync::atomic::AtomicBool;
use std::time::Duration;

use cvp_report::Report;
use cvp_workloads::{Class, Preset, UserJob, Workload};

use crate::measure::Runs;
use crate::models::{models, ModelInfo};
use crate::plan::{available_cores, Isolation, Plan, DEFAULT_CELL_TIMEOUT};
use crate::Error;

/// How [`compare_job`] runs: which models, at which thread counts, how
/// many runs, how long a cell may take.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct JobOptions {
    /// The workload's name in the report.
    pub name: String,
    /// One line on what the job does.
    pub description: String,
    /// What bounds it, as far as you know (the report's class).
    pub class: Class,
    /// The models (default: every one; `sequential` always runs).
    pub models: Vec<ModelInfo>,
    /// Thread counts (default: the available cores). Three or more let the
    /// recommendation fit a serial fraction.
    pub threads: Vec<usize>,
    /// Runs per cell.
    pub runs: Runs,
    /// Longest one cell may take.
    pub cell_timeout: Duration,
}

impl JobOptions {
    /// Every model at the available cores, automatic runs, the default
    /// timeout, class cpu.
    pub fn new(name: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            description: "a job of your own".into(),
            class: Class::Cpu,
            models: models().collect(),
            threads: vec![available_cores()],
            runs: Runs::Auto,
            cell_timeout: DEFAULT_CELL_TIMEOUT,
        }
    }
}

/// Measures your job on every model and returns the whole report: tables,
/// verdicts and a recommendation, exactly as `cvp compare` writes them
/// (see [`cvp_report::render`] and [`cvp_report::visual::write`]).
///
/// Your job is code of this process, so its cells run on threads of this
/// process ([`Isolation::Thread`]), not in child processes as `cvp
/// compare`'s do. The trade-off: a crash (an abort, a stack overflow) of
/// your job ends the comparison, CPU time, context switches and peak memory
/// are the whole process's (other threads of yours count too), and a cell
/// that times out leaves its thread running. A panic is caught and reported
/// as a failed cell.
///
/// ```
/// use cvp_compare::{compare_job, find_model, JobOptions, Runs};
/// use cvp_workloads::{Exec, UserJob};
/// use std::num::NonZeroUsize;
///
/// struct Squares(usize);
/// impl UserJob for Squares {
///     fn run<E: Exec>(&self, exec: &E) -> String {
///         let n = self.0;
///         exec.map_reduce(n, 256, |r| r.map(|i| (i * i) as u64).sum::<u64>(), |a, b| a + b)
///             .to_string()
///     }
/// }
///
/// let mut options = JobOptions::new("squares");
/// options.models = vec![find_model("rayon")?];
/// options.threads = vec![2];
/// options.runs = Runs::Exactly(NonZeroUsize::new(1).unwrap());
/// let report = compare_job(Squares(10_000), options)?;
/// assert!(report.cells.iter().all(|c| c.verified));
/// assert_eq!(report.recommendations.len(), 1);
/// # Ok::<(), cvp_compare::Error>(())
/// ```
pub fn compare_job(job: impl UserJob, options: JobOptions) -> Result<Report, Error> {
    let workload = Workload::from_job(options.name, options.description, options.class, job);
    let plan = Plan {
        workloads: vec![workload],
        models: options.models,
        threads: options.threads,
        preset: Preset::Default,
        runs: options.runs,
        rounds: std::num::NonZeroUsize::MIN,
        cell_timeout: options.cell_timeout,
        isolation: Isolation::Thread,
        // Memory-bound work is judged against the machine's bandwidth.
        bandwidth: (options.class == Class::Memory).then(crate::bandwidth::default_array_bytes),
    };
    plan.run(&AtomicBool::new(false), &mut |_| {})
}

//! # cvp-compare
//!
//! The comparison runner of cvp: every shared workload of
//! [`cvp_workloads`] on every execution model, measured, checked against
//! the reference answer, and reported with the verdicts the numbers
//! support.
//!
//! A **model** ([`models`], [`ModelInfo`]) is a way to run work: a plain
//! loop, OS threads, rayon, tokio, cvp's own engines. Each declares whether
//! it is concurrent, whether it is parallel and how many cores it may use,
//! and runs both shapes of workload: jobs through the
//! [`Exec`](cvp_workloads::Exec) capability and task sets through a
//! blocking or an async script interpreter.
//!
//! A **cell** is one workload × model × thread count. [`run_cell`] measures
//! one in this process: a warm-up run, then repeated runs ([`Runs`]), each
//! with wall time, CPU time, context switches and peak memory; task sets
//! add achieved concurrency and the probe's lateness. A [`Plan`] runs the
//! matrix, each cell isolated (a child process in the `cvp` binary) with a
//! timeout, and returns a [`cvp_report::Report`]: the report crate turns
//! it into tables, markdown, charts, a page and checked claims, without
//! linking any engine.
//!
//! ```
//! use cvp_compare::{find_model, run_cell, CellSpec, Runs, Status};
//! use std::num::NonZeroUsize;
//!
//! let primes = cvp_workloads::find("primes")?;
//! let mut spec = CellSpec::new(primes, find_model("threads")?, 2, 10_000);
//! spec.runs = Runs::Exactly(NonZeroUsize::new(1).unwrap());
//! let cell = run_cell(&spec);
//! assert_eq!(cell.status, Status::Ok);
//! assert_eq!(cell.answer, "1229");
//! assert_eq!(cell.runs.len(), 1);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! A job of your own ([`cvp_workloads::UserJob`]) gets the same report
//! from [`compare_job`]; a workload described in a TOML spec, from `cvp
//! compare --spec FILE`.
//!
//! Most users want the `cvp` binary (`cvp compare`) or `cargo xtask
//! compare`; see the crate's README.

mod bandwidth;
mod error;
mod exec;
mod machine;
mod measure;
mod models;
mod own_job;
mod plan;
mod serve;
mod server;
mod timeline;
mod trace;
mod usage;

pub use bandwidth::{
    default_array_bytes, measure_bandwidth, MAX_ARRAY_BYTES, MIN_ARRAY_BYTES, PASSES,
};
pub use cvp_report::Status;
pub use error::Error;
pub use machine::detect as detect_machine;
pub use measure::{run_cell, CellSpec, Runs, DEFAULT_RUNS, LONG_RUN, MAX_RUNS, MIN_MEASURED};
pub use models::{
    find_model, models, processes, set_processes, ModelInfo, Role, DEFAULT_PROCESSES,
    WORKER_SUBCOMMAND,
};
pub use own_job::{compare_job, JobOptions};
pub use plan::{
    available_cores, child_args, max_threads, Isolation, Plan, Progress, DEFAULT_CELL_TIMEOUT,
};
pub use serve::sweep as serve_sweep;
pub use serve::{
    measure_point, raise_fd_limit, run_load, serve_not_applicable, Arrivals, Load, LoadReport, Mix,
    Placement, Point, Server, Split, Sweep, FRACTIONS, MAX_LAG_P99,
};
pub use server::EchoServer;
pub use timeline::{record_timelines, record_timelines_of};
pub use trace::Recorder;

/// The report's class of a workload's class.
pub(crate) fn class_of(c: cvp_workloads::Class) -> cvp_report::Class {
    use cvp_report::Class as R;
    use cvp_workloads::Class as W;
    match c {
        W::Cpu => R::Cpu,
        W::Memory => R::Memory,
        W::Io => R::Io,
        W::Mixed => R::Mixed,
        W::Probe => R::Probe,
    }
}

/// The report's summary of a probe's lateness.
pub(crate) fn lateness_stats(l: cvp_workloads::Lateness) -> cvp_report::LatenessStats {
    cvp_report::LatenessStats {
        count: l.count,
        p50_ns: l.p50.as_nanos() as u64,
        p99_ns: l.p99.as_nanos() as u64,
        max_ns: l.max.as_nanos() as u64,
    }
}

//! # cvp-cluster
//!
//! cvp's job workloads on an existing distributed engine, timely-dataflow:
//! P processes of W worker threads each, on one machine over loopback or on
//! several machines from a host file.
//!
//! A job is written once against [`Exec`](cvp_workloads::Exec). Here every
//! worker runs the job's program on its own copy of the input, and each
//! `map_reduce` becomes one round of a timely dataflow: the range is dealt
//! out in blocks, each worker folds its blocks' leaves, the encoded block
//! results are exchanged, and every worker folds them in order. `join` stays
//! on the worker that calls it (its closures' effects cannot cross an
//! address space). A result type the cluster cannot encode is computed
//! whole on every worker instead, and the run says so
//! ([`ClusterRun::replicated`]).
//!
//! A job spreads its work through `map_reduce` (merge-sort sorts one part
//! a worker and exchanges the sorted parts). A job of a TOML spec runs as
//! well as a built-in one ([`Cluster::run_workload`]): every process reads
//! the spec file itself. The `crossover` example sweeps sizes on P x 1 and
//! 1 x P workers and solves fitted lines (`cvp_report::crossover`) for the
//! size where the processes would beat one process.
//!
//! [`Cluster::run`] starts the processes from a worker executable (this
//! crate's `cvp-cluster-worker`, or any program that calls [`worker_main`]),
//! connects them, and returns the answer with the run's wall time, start-up
//! time, CPU time over all processes and bytes exchanged between processes.
//! A process that dies, a port that is taken, a bad host file or a cluster
//! above [`MAX_PROCESSES`] or [`MAX_WORKERS`] is a [`ClusterError`], and no
//! process is left running.
//!
//! ```
//! use cvp_cluster::{Cluster, ClusterError};
//!
//! let too_big = Cluster::new(2, 1_000).run("unused".as_ref(), "mandelbrot", 200);
//! assert!(matches!(too_big, Err(ClusterError::TooLarge { .. })));
//! let not_a_job = Cluster::new(2, 1).run("unused".as_ref(), "echo", 8).unwrap_err();
//! assert!(not_a_job.to_string().contains("not a job"));
//! ```

mod error;
mod exec;
mod hosts;
mod net;
mod runner;
mod wire;
mod worker;

pub use error::ClusterError;
pub use runner::{Cluster, ClusterRun, MAX_PROCESSES, MAX_WORKERS};
pub use worker::worker_main;

/// Checks a cluster's shape against the limits.
fn check_shape(processes: usize, workers: usize) -> Result<(), ClusterError> {
    if processes == 0 {
        return Err(ClusterError::ZeroSize { what: "process" });
    }
    if workers == 0 {
        return Err(ClusterError::ZeroSize {
            what: "worker a process",
        });
    }
    if processes > MAX_PROCESSES {
        return Err(ClusterError::TooLarge {
            what: "processes",
            requested: processes,
            max: MAX_PROCESSES,
        });
    }
    match processes.checked_mul(workers) {
        Some(n) if n <= MAX_WORKERS => Ok(()),
        n => Err(ClusterError::TooLarge {
            what: "workers (processes x workers a process)",
            requested: n.unwrap_or(usize::MAX),
            max: MAX_WORKERS,
        }),
    }
}

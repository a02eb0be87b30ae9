//! `cluster`: jobs on timely-dataflow, as `--processes` processes of
//! `--threads` workers each, started by the runner on this machine over
//! loopback (see cvp-cluster). Every process makes its own input (a spec
//! job's processes read its file) and runs
//! the job's program; each `map_reduce` is spread over all the workers and
//! its partial results are exchanged. A run's wall time is the computation
//! alone, measured by process 0; the start-up and the bytes exchanged are
//! reported beside it, CPU time is summed over the processes.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use cvp_cluster::Cluster;
use cvp_report::ClusterStats;
use cvp_workloads::{catalogue, Job, JobInput, Origin, Shape, TaskOutcome, TaskSet, Workload};

use super::{Instance, Model, ModelInfo, Role, SelfMeasured};
use crate::trace::Recorder;
use crate::Error;

/// Processes of a cluster when `--processes` is not given.
pub const DEFAULT_PROCESSES: usize = 2;

static PROCESSES: AtomicUsize = AtomicUsize::new(DEFAULT_PROCESSES);

/// Sets the number of processes of the `cluster` model (`--processes`).
pub fn set_processes(n: usize) {
    PROCESSES.store(n, Ordering::Relaxed);
}

/// The number of processes of the `cluster` model.
pub fn processes() -> usize {
    PROCESSES.load(Ordering::Relaxed)
}

/// The `cvp` subcommand that runs one process of a cluster.
pub const WORKER_SUBCOMMAND: &str = "cluster-worker";

/// timely-dataflow over processes.
pub(crate) struct ClusterModel;

struct Started {
    cluster: Cluster,
    exe: PathBuf,
    last: Option<SelfMeasured>,
}

/// The `cvp` executable that the processes run: `CVP_EXE` if set, this
/// executable if it is `cvp`, else a `cvp` beside it or one folder up (a
/// test binary in `target/debug/deps`).
fn cvp_exe() -> Result<PathBuf, Error> {
    if let Some(exe) = std::env::var_os("CVP_EXE") {
        return Ok(exe.into());
    }
    let me = std::env::current_exe().map_err(|e| Error::Run(format!("locating cvp: {e}")))?;
    let name = format!("cvp{}", std::env::consts::EXE_SUFFIX);
    if me.file_name().is_some_and(|n| n == name.as_str()) {
        return Ok(me);
    }
    let dir = me.parent().map(PathBuf::from).unwrap_or_default();
    [dir.join(&name), dir.join("..").join(&name)]
        .into_iter()
        .find(|p| p.is_file())
        .ok_or_else(|| {
            Error::Run(
                "the cluster's processes run the cvp executable, and none was found (set CVP_EXE)"
                    .into(),
            )
        })
}

impl Model for ClusterModel {
    fn info(&self) -> ModelInfo {
        ModelInfo {
            name: "cluster",
            engine: "timely-dataflow, P processes x W workers (--processes, --threads)",
            concurrent: false,
            parallel: true,
            preemptive: false,
            threaded: true,
            role: Role::Other,
            anchor: None,
            traced: false,
        }
    }

    fn not_applicable(&self, workload: &Workload, _size: usize, _threads: usize) -> Option<String> {
        match (workload.shape(), workload.origin()) {
            (Shape::Job(_), Origin::BuiltIn | Origin::Spec(_)) => None,
            (Shape::Job(_), _) => Some(
                "a job written in Rust lives in its own program; the cluster's processes run the cvp executable, which cannot build it"
                    .into(),
            ),
            (Shape::Tasks(_), _) => Some("the cluster runs jobs, not task sets".into()),
            (Shape::Serve(_), _) => Some("the cluster runs jobs, not servers".into()),
        }
    }

    fn start(&self, threads: usize) -> Result<Box<dyn Instance>, Error> {
        Ok(Box::new(Started {
            cluster: Cluster {
                exe_args: vec![WORKER_SUBCOMMAND.into()],
                ..Cluster::new(processes(), threads)
            },
            exe: cvp_exe()?,
            last: None,
        }))
    }
}

impl Instance for Started {
    fn run_job(&mut self, job: &Job, input: &mut JobInput, trace: Option<&Recorder>) -> String {
        let workload = catalogue()
            .iter()
            .find(|w| matches!(w.shape(), Shape::Job(j) if j.is(job)))
            .unwrap_or_else(|| {
                panic!("the cluster runs a job it can name; this one is not in the catalogue")
            });
        match self.run_job_measured(workload, job, input, trace) {
            Ok(answer) => answer,
            Err(e) => panic!("{e}"),
        }
    }

    fn run_job_measured(
        &mut self,
        workload: &Workload,
        _job: &Job,
        input: &mut JobInput,
        _trace: Option<&Recorder>,
    ) -> Result<String, Error> {
        self.last = None;
        // Each process makes its own input from the size (a spec's processes
        // read its file): the runner's copy is not sent.
        let run = self
            .cluster
            .run_workload(&self.exe, workload, input.size())
            .map_err(|e| Error::Run(e.to_string()))?;
        self.last = Some(SelfMeasured {
            wall: run.compute,
            cpu: run.cpu,
            cores: self.cluster.processes * self.cluster.workers,
            cluster: Some(ClusterStats {
                processes: self.cluster.processes,
                workers: self.cluster.workers,
                startup_ns: run.startup.as_nanos() as u64,
                total_ns: run.wall.as_nanos() as u64,
                payload_bytes: run.payload_bytes,
                wire_bytes: run.wire_bytes,
                replicated: run.replicated,
            }),
        });
        Ok(run.answer)
    }

    fn self_measured(&mut self) -> Option<SelfMeasured> {
        self.last.take()
    }

    fn run_tasks(
        &mut self,
        _set: &Arc<TaskSet>,
        _server: Option<SocketAddr>,
        _trace: Option<&Recorder>,
    ) -> Result<Vec<TaskOutcome>, Error> {
        Err(Error::Run("the cluster runs jobs, not task sets".into()))
    }
}

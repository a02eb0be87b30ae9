//! The report data model: what `cvp compare` measured, as serde types.
//!
//! One [`Report`] is written as `results/report.json` (schema
//! [`SCHEMA`]) and rendered as tables and verdicts (`report.md`, the
//! terminal). Anything that draws from the results — charts, an HTML page,
//! timelines, snapshots — reads these types (`serde_json::from_str` on the
//! file), so it can be written as a separate module without touching the
//! runner.
//!
//! A [`Cell`] is one workload × model × thread count: its status, its answer
//! and the reference, its summary statistics, every measured [`Run`], the
//! probe's [`LatenessStats`] and, when recorded, a [`Trace`]. `cvp run
//! --json` prints one cell; `cvp compare --json` prints the whole report.
//! Durations are integer nanoseconds (`*_ns`), memory is KiB.

use serde::{Deserialize, Serialize};

/// The version of this schema; bumped on any change that is not an added
/// optional field. Version 2 added verdicts' [`Judgement`], ratio and
/// interval, and the machine's [`Bandwidth`].
pub const SCHEMA: u32 = 2;

/// Everything one `cvp compare` measured.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Report {
    /// [`SCHEMA`].
    pub schema: u32,
    /// Where it ran.
    pub machine: Machine,
    /// How it ran.
    pub settings: Settings,
    /// Seconds since the Unix epoch when the run started.
    pub started_unix: u64,
    /// Wall time of the whole comparison, in seconds.
    pub elapsed_s: f64,
    /// Whether Ctrl-C stopped it before every cell ran.
    pub interrupted: bool,
    /// Every cell, workload by workload, in catalogue and registry order.
    pub cells: Vec<Cell>,
    /// The field's claims, checked against the cells.
    pub verdicts: Vec<Verdict>,
    /// Per workload, which model to use and why (see
    /// [`recommend`](crate::recommend)).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub recommendations: Vec<crate::Recommendation>,
}

/// The machine a report was measured on.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Machine {
    /// CPU model name (`/proc/cpuinfo`).
    pub cpu_model: String,
    /// Cores available to the process.
    pub cores: usize,
    /// Operating system and kernel.
    pub os: String,
    /// `rustc -V` of the compiler that built the runner.
    pub rustc: String,
    /// The 1-minute load average when the measurement started
    /// (`/proc/loadavg`): above `cores`, other processes competed for the
    /// CPUs and timings, parallel ones most, are disturbed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub load_average: Option<f64>,
    /// Memory bandwidth measured by a STREAM-style triad before the cells
    /// ran: what memory-bound work is judged against.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bandwidth: Option<Bandwidth>,
}

/// Memory bandwidth of a machine, measured by a STREAM-style triad
/// (`a[i] = b[i] + s * c[i]` over three `f64` arrays much larger than the
/// caches, 24 bytes moved per element, best of several passes).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Bandwidth {
    /// Bytes of each of the three arrays.
    pub array_bytes: u64,
    /// The triad at each thread count measured, by thread count.
    pub triad: Vec<Triad>,
}

impl Bandwidth {
    /// The triad measured at `threads` threads, or at the nearest count
    /// below it; `None` when nothing at or below it was measured.
    pub fn at(&self, threads: usize) -> Option<&Triad> {
        self.triad
            .iter()
            .filter(|t| t.threads <= threads)
            .max_by_key(|t| t.threads)
    }

    /// How much faster memory serves `threads` threads than one: the most
    /// a job bound by memory bandwidth can speed up at that count. The best
    /// triad at or below `threads` counts, since a job on that many threads
    /// can always leave some idle, so the ceiling is never below 1.
    pub fn ceiling(&self, threads: usize) -> Option<f64> {
        let one = self.at(1)?.bytes_per_s;
        let many = self
            .triad
            .iter()
            .filter(|t| t.threads <= threads)
            .map(|t| t.bytes_per_s)
            .fold(one, f64::max);
        (one > 0.0).then(|| many / one)
    }
}

/// One triad measurement.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Triad {
    /// Threads, each on its own slice of the arrays.
    pub threads: usize,
    /// Bytes moved per second (reads and writes counted, STREAM's rule).
    pub bytes_per_s: f64,
}

/// The settings of a comparison.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Settings {
    /// The size preset.
    pub preset: String,
    /// Thread counts swept.
    pub threads: Vec<usize>,
    /// Measured runs per cell: a number, or `auto` (3, more for short
    /// cells, fewer for long ones).
    pub runs: String,
    /// Longest a cell may take, in seconds.
    pub cell_timeout_s: f64,
    /// How cells were isolated: `process` or `thread`.
    pub isolation: String,
}

/// What bounds a workload, and so which model it favours.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Class {
    /// Bound by computation: parallelism's home.
    Cpu,
    /// Bound by memory bandwidth, not by cores.
    Memory,
    /// Bound by waiting (timers, sockets): concurrency's home.
    Io,
    /// Waiting, then computing: needs both.
    Mixed,
    /// Measures responsiveness while other work runs.
    Probe,
}

impl Class {
    /// The lowercase name used in reports: `cpu`, `memory`, `io`, `mixed`,
    /// `probe`.
    pub fn name(self) -> &'static str {
        match self {
            Class::Cpu => "cpu",
            Class::Memory => "memory",
            Class::Io => "io",
            Class::Mixed => "mixed",
            Class::Probe => "probe",
        }
    }

    /// Whether the class is computation (cpu or memory), where speedup per
    /// core (efficiency) means something.
    pub fn computes(self) -> bool {
        matches!(self, Class::Cpu | Class::Memory)
    }
}

impl std::fmt::Display for Class {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// What a model is in the comparison: verdicts, timelines and tables ask
/// this, never a model's name.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Role {
    /// The plain loop every speedup is measured against.
    Baseline,
    /// One of cvp's own engines; [`Cell::anchor`] names the model it is
    /// judged against, if any.
    Engine,
    /// A model people use today, that an engine is judged against.
    Anchor,
    /// Any other model.
    #[default]
    Other,
}

/// The outcome of a cell.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Status {
    /// Ran, and every run gave the reference answer.
    Ok,
    /// Ran, but some run's answer differs from the reference.
    Wrong,
    /// Panicked or returned an error; see [`Cell::reason`].
    Failed,
    /// Exceeded the cell timeout.
    TimedOut,
    /// The model cannot run this workload; see [`Cell::reason`].
    NotApplicable,
}

impl Status {
    /// The word shown in tables: `ok`, `WRONG`, `FAILED`, `TIMEOUT`, `n/a`.
    pub fn label(self) -> &'static str {
        match self {
            Status::Ok => "ok",
            Status::Wrong => "WRONG",
            Status::Failed => "FAILED",
            Status::TimedOut => "TIMEOUT",
            Status::NotApplicable => "n/a",
        }
    }
}

/// One workload on one model at one thread count.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Cell {
    /// Workload name.
    pub workload: String,
    /// What bounds the workload.
    pub class: Class,
    /// Whether every step of the workload needs the one before it, so that
    /// no model can speed it up (Amdahl's serial fraction of 1).
    #[serde(default)]
    pub serial: bool,
    /// Model name.
    pub model: String,
    /// What the model is in the comparison.
    #[serde(default)]
    pub role: Role,
    /// For an engine of cvp's, the model it is judged against.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub anchor: Option<String>,
    /// Whether the model is concurrent.
    pub concurrent: bool,
    /// Whether the model is parallel.
    pub parallel: bool,
    /// Whether the model is preemptive (OS threads).
    #[serde(default)]
    pub preemptive: bool,
    /// The `--threads` value it ran with.
    pub threads: usize,
    /// Cores the model may use at that thread count.
    pub cores: usize,
    /// Workload size.
    pub size: usize,
    /// What the size counts (`pixels per side`, `tasks`).
    #[serde(default)]
    pub unit: String,
    /// The outcome.
    pub status: Status,
    /// Why it failed, timed out or is n/a.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// The model's answer (the first wrong one, if any was wrong).
    pub answer: String,
    /// The reference answer.
    pub reference: String,
    /// Whether every run's answer matched the reference.
    pub verified: bool,
    /// Median wall time of the measured runs.
    pub wall_ns: u64,
    /// Fastest run.
    pub wall_min_ns: u64,
    /// Slowest run.
    pub wall_max_ns: u64,
    /// Median CPU time (user + sys) of the runs.
    pub cpu_ns: u64,
    /// Sequential median wall over this cell's, same workload and size.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub speedup: Option<f64>,
    /// Speedup over the cores the model may use; only for the classes
    /// that compute ([`Class::computes`]), where it means something.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub efficiency: Option<f64>,
    /// Task sets: median achieved concurrency (Little's law: summed task
    /// latency over wall time; a task's latency counts from its start).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub concurrency: Option<f64>,
    /// The probe's lateness over every measured run.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lateness: Option<LatenessStats>,
    /// Largest peak resident set of the runs, KiB (the whole cell process).
    pub peak_rss_kib: u64,
    /// The warm-up run's wall time (not counted in the statistics).
    pub warmup_ns: u64,
    /// Every measured run.
    pub runs: Vec<Run>,
    /// What ran when, from an extra untimed run, if one was recorded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trace: Option<Trace>,
    /// A server under open-loop load: the serve workload's point.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub serve: Option<ServeStats>,
}

impl Cell {
    /// `workload/model/threads`, the cell's label in verdicts and progress.
    pub fn label(&self) -> String {
        format!("{}/{}/{}", self.workload, self.model, self.threads)
    }
}

/// One measured run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Run {
    /// Wall time (monotonic clock).
    pub wall_ns: u64,
    /// CPU time, user + system, of the whole process during the run.
    pub cpu_ns: u64,
    /// User CPU time.
    pub user_ns: u64,
    /// System CPU time.
    pub sys_ns: u64,
    /// Voluntary context switches (a thread blocked).
    pub voluntary_switches: u64,
    /// Involuntary context switches (a thread was preempted).
    pub involuntary_switches: u64,
    /// Peak resident set of the process so far, KiB.
    pub peak_rss_kib: u64,
    /// Task sets: summed task latency over wall time.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub concurrency: Option<f64>,
    /// The probe's lateness in this run.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lateness: Option<LatenessStats>,
    /// A run on several processes: their shape, start-up and exchange.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cluster: Option<ClusterStats>,
}

/// What a run on a cluster of processes measured beyond wall and CPU time.
///
/// The run's `wall_ns` is the computation alone (every process had started
/// and made its input); `cpu_ns` is summed over every process.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClusterStats {
    /// Processes (P).
    pub processes: usize,
    /// Worker threads a process (W).
    pub workers: usize,
    /// From starting the processes until every worker was connected.
    pub startup_ns: u64,
    /// From starting the processes to the answer (start-up, making the
    /// inputs and the computation).
    pub total_ns: u64,
    /// Bytes of encoded results sent between processes.
    pub payload_bytes: u64,
    /// Bytes written to the sockets between processes (payload, framing,
    /// progress messages).
    pub wire_bytes: u64,
    /// Result types that could not be sent, so their reduces ran whole on
    /// every worker.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub replicated: Vec<String>,
}

/// A lateness distribution: how late the probe's ticks woke.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct LatenessStats {
    /// Number of ticks.
    pub count: usize,
    /// Median.
    pub p50_ns: u64,
    /// 99th percentile.
    pub p99_ns: u64,
    /// Worst.
    pub max_ns: u64,
}

/// One point of a server under open-loop load: requests were due at
/// `offered_rps` whatever the server did, and every latency counts from
/// when its request was due (coordinated omission corrected), failed
/// requests included.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ServeStats {
    /// The handler's mix: `waiting`, `computing`, `mixed`, `trivial`, or a
    /// spec's name (its `[serve]` handler).
    pub mix: String,
    /// Keep-alive connections of the generator.
    pub connections: usize,
    /// `constant` or `poisson`.
    pub arrivals: String,
    /// How long requests were due, seconds.
    pub duration_s: f64,
    /// Offered requests per second.
    pub offered_rps: f64,
    /// Correctly answered requests per second.
    pub achieved_rps: f64,
    /// Requests due.
    pub due: u64,
    /// Requests answered correctly.
    pub ok: u64,
    /// Median latency from due time.
    pub p50_ns: u64,
    /// 99th percentile.
    pub p99_ns: u64,
    /// 99.9th percentile.
    pub p999_ns: u64,
    /// Worst.
    pub max_ns: u64,
    /// Failed requests by kind (`refused`, `emfile`, `timeout`, `closed`,
    /// `reset`, `status`, `wrong`, `unsent`, ...), in name order.
    #[serde(default)]
    pub errors: Vec<(String, u64)>,
    /// The point's noise band: its schedule is split into five equal
    /// windows by due time, and this is the p99 of the point with each
    /// window left out in turn. Empty where windows were not kept.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub p99_leave_one_out_ns: Vec<u64>,
    /// The generator's lag (sent after due, on an idle connection), p99.
    pub lag_p99_ns: u64,
    /// Why the point does not measure the server (the generator lagged).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unreliable: Option<String>,
    /// CPUs the server was pinned to (empty: unpinned).
    #[serde(default)]
    pub server_cpus: Vec<usize>,
    /// CPUs the generator was pinned to (empty: unpinned).
    #[serde(default)]
    pub generator_cpus: Vec<usize>,
    /// The priority the generator ran at, above the server's, so that a
    /// server sharing its CPU cannot hold it back (`None`: not raised).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub generator_priority: Option<String>,
    /// Connections the server could not serve (no thread, no descriptor).
    #[serde(default)]
    pub refused_by_server: u64,
    /// Why, the first time.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refusal: Option<String>,
}

impl ServeStats {
    /// Failed requests, all kinds.
    pub fn failed(&self) -> u64 {
        self.errors.iter().map(|(_, n)| n).sum()
    }
}

/// A recorded timeline: spans of work on lanes (OS threads).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Trace {
    /// Number of lanes; lane numbers are `0..lanes` in order of first use.
    pub lanes: u32,
    /// The spans, by start time.
    pub spans: Vec<Span>,
}

/// One piece of work on one OS thread.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Span {
    /// The OS thread, numbered from 0 in order of first use.
    pub lane: u32,
    /// What ran: a chunk's range, a task's id.
    pub label: String,
    /// Start, from the recorder's origin.
    pub start_ns: u64,
    /// End, from the recorder's origin.
    pub end_ns: u64,
    /// Whether the thread computed or waited; computing when absent.
    #[serde(default, skip_serializing_if = "SpanKind::is_compute")]
    pub kind: SpanKind,
}

/// What a thread did during a [`Span`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum SpanKind {
    /// Ran code: a chunk of a job, a compute step, a poll of a task.
    #[default]
    Compute,
    /// Was blocked: a blocking model's thread sleeping in a wait or on a
    /// socket. A cooperative model's waits leave its lane free instead.
    Wait,
}

impl SpanKind {
    /// Whether this is [`SpanKind::Compute`].
    pub fn is_compute(&self) -> bool {
        *self == SpanKind::Compute
    }
}

/// How a claim came out, judged with the noise of every run.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Judgement {
    /// Every run supports the claim: its whole interval is on the claim's
    /// side of the threshold.
    Holds,
    /// Every run contradicts it: the whole interval is on the other side.
    DoesNotHold,
    /// The interval straddles the threshold: the runs disagree.
    TooNoisy,
    /// The cells it needs are missing or did not run.
    #[default]
    NotJudged,
}

impl Judgement {
    /// The words shown in reports: `holds`, `does not hold`, `too noisy to
    /// tell`, `not judged`.
    pub fn label(self) -> &'static str {
        match self {
            Judgement::Holds => "holds",
            Judgement::DoesNotHold => "does not hold",
            Judgement::TooNoisy => "too noisy to tell",
            Judgement::NotJudged => "not judged",
        }
    }

    /// `Some(true)` for holds, `Some(false)` for does not hold, `None`
    /// otherwise: [`Verdict::holds`].
    pub fn holds(self) -> Option<bool> {
        match self {
            Judgement::Holds => Some(true),
            Judgement::DoesNotHold => Some(false),
            Judgement::TooNoisy | Judgement::NotJudged => None,
        }
    }
}

/// A claim of the field, checked against the measured cells.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Verdict {
    /// Stable identifier of the claim (`io-concurrency-wins`,
    /// `cpu-one-core-no-speedup`, ...), for snapshots.
    pub claim: String,
    /// The workload it is about, if one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub workload: Option<String>,
    /// Whether the measurement supports the claim; `None` when it is too
    /// noisy to tell or the cells it needs are missing
    /// ([`Judgement::holds`] of [`Verdict::judgement`]).
    pub holds: Option<bool>,
    /// How the claim came out.
    #[serde(default)]
    pub judgement: Judgement,
    /// The ratio the claim is decided on (a ratio of median wall times,
    /// or of median lateness), when it rests on one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ratio: Option<f64>,
    /// The interval of that ratio over every run of both cells: `[lowest,
    /// highest]` (see the verdict module for how it is formed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub interval: Option<[f64; 2]>,
    /// The threshold the ratio is judged against.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub threshold: Option<f64>,
    /// The claim as measured, in one sentence with the numbers.
    pub text: String,
    /// Labels of the cells it rests on.
    pub cells: Vec<String>,
}

//! The comparison matrix: which cells to run, running each one isolated
//! with a timeout, and assembling the [`Report`].
//!
//! # Isolation
//!
//! The `cvp` binary runs every cell in a child process (`cvp run --json`,
//! re-invoking its own executable): a panic, an abort or a hang of a model
//! cannot take the comparison down (a hung child is killed at the timeout),
//! each cell's CPU time, context switches and peak memory are its own, a
//! model that pins threads or leaks them leaves nothing behind, and the
//! exact command of a cell can be rerun by hand. A process start costs a
//! few milliseconds per cell, which is not timed.
//!
//! [`Isolation::Thread`] runs cells on a thread of this process instead,
//! for library users and tests, and always for a workload defined in Rust
//! ([`Origin::Rust`]), which exists only in this process. A cell that
//! exceeds its timeout is reported
//! as timed out and its thread is **abandoned**: it runs on in the
//! background (Rust cannot kill a thread) and may slow later cells.

use std::io::Read;
use std::num::NonZeroUsize;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::time::{Duration, Instant, SystemTime};

use cvp_workloads::{Origin, Preset, Workload};

use crate::measure::{run_cell, CellSpec, Runs, DEFAULT_RUNS};
use crate::models::{find_model, models, ModelInfo};
use crate::server::EchoServer;
use crate::Error;
use cvp_report::verdicts;
use cvp_report::{Cell, Report, Role, Settings, Status, SCHEMA};

/// How each cell is isolated from the others.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Isolation {
    /// In a child process of this executable, which must be the `cvp`
    /// binary: `EXE run WORKLOAD --json ...`.
    Process {
        /// Path of the `cvp` executable.
        exe: PathBuf,
    },
    /// On a thread of this process; a timed-out cell's thread is abandoned.
    Thread,
}

/// What [`Plan::run`] reports while it runs.
#[derive(Debug)]
#[non_exhaustive]
pub enum Progress<'a> {
    /// The number of cells planned.
    Planned(usize),
    /// A cell is about to run.
    Started {
        /// Its index, from 0.
        index: usize,
        /// What runs.
        spec: &'a CellSpec,
    },
    /// A cell finished (in any status).
    Finished {
        /// Its index.
        index: usize,
        /// Its result.
        cell: &'a Cell,
    },
}

/// A comparison to run: workloads × models × thread counts at one preset.
#[derive(Debug, Clone)]
pub struct Plan {
    /// The workloads, in order: built-in ones, specs' and users' own.
    pub workloads: Vec<Workload>,
    /// The models, in order. `sequential` is always run as the baseline of
    /// speedups, even when it is not listed.
    pub models: Vec<ModelInfo>,
    /// Thread counts to sweep (models that ignore `--threads` run once, at 1).
    pub threads: Vec<usize>,
    /// The size preset.
    pub preset: Preset,
    /// Runs per cell.
    pub runs: Runs,
    /// Passes over the whole matrix: each cell is run once per round (its
    /// warm-up and runs each time) and its runs pooled, so that the drift of
    /// a shared machine falls on every cell alike instead of on whichever
    /// ran during a quiet or a busy minute. Odd rounds visit the workloads,
    /// and each workload's models after `sequential`, in the reverse order,
    /// so that what ran just before a cell, and how long the machine had
    /// been busy, are the same for every cell over two rounds instead of
    /// favouring the one that comes first.
    pub rounds: NonZeroUsize,
    /// Longest one cell may take, warm-up and runs together.
    pub cell_timeout: Duration,
    /// How cells are isolated.
    pub isolation: Isolation,
    /// Bytes of each array of the memory-bandwidth triad measured before
    /// the cells (see [`measure_bandwidth`](crate::measure_bandwidth)),
    /// or `None` not to measure it.
    pub bandwidth: Option<usize>,
}

/// The most threads a cell may be asked for: more are refused as bad input
/// rather than started (a hundred thousand OS threads take minutes to
/// create and may exhaust the machine). 64 per core leaves room for
/// oversubscription experiments; 1024 leaves room on a small machine.
pub fn max_threads() -> usize {
    (64 * available_cores()).max(1024)
}

/// The default cell timeout.
pub const DEFAULT_CELL_TIMEOUT: Duration = Duration::from_secs(60);

/// The cores available to this process.
pub fn available_cores() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

impl Plan {
    /// Every workload on every model at the available cores, automatic
    /// runs, the default timeout, cells on threads.
    pub fn new(preset: Preset) -> Self {
        Self {
            workloads: cvp_workloads::catalogue().to_vec(),
            models: models().collect(),
            threads: vec![available_cores()],
            preset,
            runs: Runs::Auto,
            rounds: NonZeroUsize::MIN,
            cell_timeout: DEFAULT_CELL_TIMEOUT,
            isolation: Isolation::Thread,
            // The test preset is for checking answers, not for judging.
            bandwidth: (preset != Preset::Test).then(crate::bandwidth::default_array_bytes),
        }
    }

    /// Checks the plan: thread counts must be within `1..=`[`max_threads`]
    /// and the timeout positive.
    pub fn validate(&self) -> Result<(), Error> {
        if self.threads.contains(&0) {
            return Err(Error::ZeroThreads);
        }
        if let Some(&t) = self.threads.iter().find(|&&t| t > max_threads()) {
            return Err(Error::TooManyThreads {
                threads: t,
                max: max_threads(),
            });
        }
        if self.cell_timeout.is_zero() {
            return Err(Error::BadTimeout("0".into()));
        }
        Ok(())
    }

    /// The cells, in the order they run: per workload, `sequential` first
    /// (it supplies the reference and the speedup baseline, and with
    /// automatic runs gets at least [`DEFAULT_RUNS`]), then every other
    /// model at every thread count.
    pub fn cells(&self) -> Vec<CellSpec> {
        let sequential = find_model("sequential").expect("sequential is registered");
        let mut out = Vec::new();
        for w in &self.workloads {
            let size = w.size(self.preset);
            let spec = |m: ModelInfo, t: usize, runs: Runs| {
                let mut s = CellSpec::new(w, m, t, size);
                s.runs = runs;
                s
            };
            let base_runs = match self.runs {
                Runs::Auto => {
                    Runs::AtLeast(NonZeroUsize::new(DEFAULT_RUNS).expect("DEFAULT_RUNS > 0"))
                }
                other => other,
            };
            out.push(spec(sequential, 1, base_runs));
            for &m in self.models.iter().filter(|m| m.name != "sequential") {
                if m.threaded {
                    out.extend(self.threads.iter().map(|&t| spec(m, t, self.runs)));
                } else {
                    out.push(spec(m, 1, self.runs));
                }
            }
        }
        out
    }

    /// Runs every cell and assembles the report. Stops early, with what was
    /// measured and [`Report::interrupted`] set, once `stop` is set.
    pub fn run(
        &self,
        stop: &AtomicBool,
        progress: &mut dyn FnMut(Progress<'_>),
    ) -> Result<Report, Error> {
        self.validate()?;
        let mut machine = crate::machine::detect();
        // Before any cell, so no cell's threads compete with it.
        machine.bandwidth = self
            .bandwidth
            .map(|bytes| crate::bandwidth::measure_bandwidth(&self.threads, bytes));
        let started = Instant::now();
        let started_unix = SystemTime::now()
            .duration_since(SystemTime::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        let specs = self.cells();
        let rounds = self.rounds.get();
        progress(Progress::Planned(specs.len() * rounds));
        // Each workload's cells, `sequential` first (it supplies the
        // reference every other cell's answer is checked against).
        let by_workload: Vec<Vec<usize>> = self
            .workloads
            .iter()
            .map(|w| {
                (0..specs.len())
                    .filter(|&i| specs[i].workload.name() == w.name())
                    .collect()
            })
            .collect();
        let mut measured: Vec<Option<Cell>> = specs.iter().map(|_| None).collect();
        let mut interrupted = false;
        let mut index = 0;
        'rounds: for round in 0..rounds {
            for wi in round_order(self.workloads.len(), round) {
                let w = &self.workloads[wi];
                let Some((&first, rest)) = by_workload[wi].split_first() else {
                    continue;
                };
                // The echo server runs only while the cells that need it do.
                let mut server = None;
                let mut server_error = None;
                if needs_server(w) {
                    match EchoServer::start() {
                        Ok(s) => server = Some(s),
                        Err(e) => server_error = Some(e.to_string()),
                    }
                }
                let mut reference: Option<String> = None;
                let order =
                    std::iter::once(first).chain(round_order(rest.len(), round).map(|i| rest[i]));
                for i in order {
                    if stop.load(Ordering::SeqCst) {
                        interrupted = true;
                        break 'rounds;
                    }
                    let mut spec = specs[i].clone();
                    spec.server = server.as_ref().map(EchoServer::addr);
                    spec.reference = reference.clone();
                    progress(Progress::Started { index, spec: &spec });
                    let cell = match &server_error {
                        Some(e) => Some(spec.unrun(Status::Failed, e.clone())),
                        // A workload defined in Rust exists only in this process.
                        None => match &self.isolation {
                            Isolation::Process { exe } if *w.origin() != Origin::Rust => {
                                in_child(exe, &spec, self.cell_timeout, stop)
                            }
                            _ => in_thread(&spec, self.cell_timeout, stop),
                        },
                    };
                    let Some(cell) = cell else {
                        interrupted = true;
                        break 'rounds;
                    };
                    if reference.is_none() && !cell.reference.is_empty() {
                        reference = Some(cell.reference.clone());
                    }
                    progress(Progress::Finished { index, cell: &cell });
                    match &mut measured[i] {
                        Some(earlier) => pool_round(earlier, cell),
                        slot => *slot = Some(cell),
                    }
                    index += 1;
                }
            }
        }
        // In the order of `cells()`; a cell an interruption never reached
        // is left out.
        let mut cells: Vec<Cell> = measured.into_iter().flatten().collect();
        fill_speedups(&mut cells);
        let verdicts = verdicts(&cells, machine.bandwidth.as_ref());
        let mut report = Report {
            schema: SCHEMA,
            machine,
            settings: Settings {
                preset: self.preset.name().into(),
                threads: self.threads.clone(),
                runs: {
                    let runs = match self.runs {
                        Runs::Auto => "auto".into(),
                        Runs::AtLeast(n) => format!("auto, at least {n}"),
                        Runs::Exactly(n) => n.to_string(),
                    };
                    match rounds {
                        1 => runs,
                        r => format!("{runs} per round, {r} rounds pooled"),
                    }
                },
                cell_timeout_s: self.cell_timeout.as_secs_f64(),
                isolation: match self.isolation {
                    Isolation::Process { .. } => "process".into(),
                    Isolation::Thread => "thread".into(),
                },
            },
            started_unix,
            elapsed_s: started.elapsed().as_secs_f64(),
            interrupted,
            cells,
            verdicts,
            recommendations: Vec::new(),
        };
        report.recommendations = cvp_report::recommend(&report);
        Ok(report)
    }
}

/// The order in which round `round` visits `n` things: forwards on even
/// rounds, backwards on odd ones.
fn round_order(n: usize, round: usize) -> impl Iterator<Item = usize> {
    let backwards = round % 2 == 1;
    (0..n).map(move |i| if backwards { n - 1 - i } else { i })
}

/// Pools a later round's measurement of a cell into the first round's:
/// the runs are appended and the summary statistics recomputed over all of
/// them. A round that failed, timed out or answered wrongly makes the
/// whole cell so (a wrong answer is never averaged away); its reason is
/// kept.
fn pool_round(cell: &mut Cell, next: Cell) {
    debug_assert_eq!(cell.label(), next.label());
    match (cell.status, next.status) {
        (Status::Ok, Status::Ok) | (Status::Wrong, Status::Ok) => {}
        (Status::Ok, _) => {
            cell.status = next.status;
            cell.reason = next.reason.clone();
            if next.status == Status::Wrong {
                cell.answer = next.answer.clone();
            }
        }
        _ => {}
    }
    cell.verified &= next.verified;
    cell.runs.extend(next.runs);
    cell.peak_rss_kib = cell.peak_rss_kib.max(next.peak_rss_kib);
    cell.warmup_ns = cell.warmup_ns.max(next.warmup_ns);
    // The raw ticks are gone: the probe's lateness is the worse round's.
    if let Some(late) = next.lateness {
        if cell
            .lateness
            .as_ref()
            .is_none_or(|l| late.p99_ns > l.p99_ns)
        {
            cell.lateness = Some(late);
        }
    }
    if cell.serve.is_none() {
        cell.serve = next.serve;
    }
    crate::measure::summarize(cell);
}

fn needs_server(w: &Workload) -> bool {
    w.needs_server()
}

/// Speedup over the baseline cell of the same workload and size, and, for
/// the classes that compute (cpu, memory), efficiency over the cores each
/// model may use: for waiting work a speedup per core means nothing.
pub(crate) fn fill_speedups(cells: &mut [Cell]) {
    let bases: Vec<(String, usize, u64)> = cells
        .iter()
        .filter(|c| c.role == Role::Baseline && c.status == Status::Ok && c.wall_ns > 0)
        .map(|c| (c.workload.clone(), c.size, c.wall_ns))
        .collect();
    // A server under load runs for a set time: its wall is no speed.
    for c in cells.iter_mut().filter(|c| {
        matches!(c.status, Status::Ok | Status::Wrong) && c.wall_ns > 0 && c.serve.is_none()
    }) {
        if let Some((_, _, base)) = bases
            .iter()
            .find(|(w, s, _)| *w == c.workload && *s == c.size)
        {
            let speedup = *base as f64 / c.wall_ns as f64;
            c.speedup = Some(speedup);
            c.efficiency = c.class.computes().then(|| speedup / c.cores.max(1) as f64);
        }
    }
}

/// Runs a cell on a thread; `None` when stopped.
fn in_thread(spec: &CellSpec, timeout: Duration, stop: &AtomicBool) -> Option<Cell> {
    let (tx, rx) = mpsc::channel();
    let owned = spec.clone();
    let spawned = std::thread::Builder::new()
        .name("cvp-cell".into())
        .spawn(move || {
            let _ = tx.send(run_cell(&owned));
        });
    if let Err(e) = spawned {
        return Some(spec.unrun(
            Status::Failed,
            format!("could not start the cell thread: {e}"),
        ));
    }
    let deadline = Instant::now() + timeout;
    loop {
        match rx.recv_timeout(Duration::from_millis(20)) {
            Ok(cell) => return Some(cell),
            Err(RecvTimeoutError::Disconnected) => {
                return Some(spec.unrun(Status::Failed, "the cell thread died without a result"))
            }
            Err(RecvTimeoutError::Timeout) if stop.load(Ordering::SeqCst) => return None,
            Err(RecvTimeoutError::Timeout) if Instant::now() >= deadline => {
                return Some(spec.unrun(
                    Status::TimedOut,
                    format!(
                        "exceeded the cell timeout of {} s; its thread was abandoned",
                        timeout.as_secs_f64()
                    ),
                ))
            }
            Err(RecvTimeoutError::Timeout) => {}
        }
    }
}

/// The arguments of `cvp run` that measure `spec` and print it as JSON.
pub fn child_args(spec: &CellSpec) -> Vec<String> {
    let mut args = vec!["run".to_owned()];
    match spec.workload.origin() {
        Origin::Spec(path) => {
            args.extend(["--spec".to_owned(), path.display().to_string()]);
        }
        _ => args.push(spec.workload.name().to_owned()),
    }
    args.extend([
        "--model".to_owned(),
        spec.model.name.to_owned(),
        "--size".to_owned(),
        spec.size.to_string(),
        "--threads".to_owned(),
        spec.threads.to_string(),
        "--processes".to_owned(),
        crate::processes().to_string(),
        "--json".to_owned(),
    ]);
    match spec.runs {
        Runs::Auto => {}
        Runs::AtLeast(n) => args.extend(["--min-runs".to_owned(), n.to_string()]),
        Runs::Exactly(n) => args.extend(["--runs".to_owned(), n.to_string()]),
    }
    if let Some(server) = spec.server {
        args.extend(["--server".to_owned(), server.to_string()]);
    }
    if let Some(reference) = &spec.reference {
        // `=` keeps an answer that starts with `-` from reading as a flag.
        args.push(format!("--expect={reference}"));
    }
    if spec.trace {
        args.push("--trace".to_owned());
    }
    args
}

/// Runs a cell in a child process; `None` when stopped (Ctrl-C).
fn in_child(exe: &PathBuf, spec: &CellSpec, timeout: Duration, stop: &AtomicBool) -> Option<Cell> {
    let child = Command::new(exe)
        .args(child_args(spec))
        .env("RUST_BACKTRACE", "0")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn();
    let mut child = match child {
        Ok(c) => c,
        Err(e) => {
            return Some(spec.unrun(
                Status::Failed,
                format!("could not start `{}`: {e}", exe.display()),
            ))
        }
    };
    // Drain both pipes on threads so a chatty child never blocks on them.
    let drain = |pipe: Option<Box<dyn Read + Send>>| {
        std::thread::spawn(move || {
            let mut s = String::new();
            if let Some(mut p) = pipe {
                let _ = p.read_to_string(&mut s);
            }
            s
        })
    };
    let out = drain(
        child
            .stdout
            .take()
            .map(|p| Box::new(p) as Box<dyn Read + Send>),
    );
    let err = drain(
        child
            .stderr
            .take()
            .map(|p| Box::new(p) as Box<dyn Read + Send>),
    );
    let deadline = Instant::now() + timeout;
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break Some(status),
            Ok(None) => {}
            Err(_) => break None,
        }
        if stop.load(Ordering::SeqCst) {
            let _ = child.kill();
            let _ = child.wait();
            return None;
        }
        if Instant::now() >= deadline {
            let _ = child.kill();
            let _ = child.wait();
            return Some(spec.unrun(
                Status::TimedOut,
                format!(
                    "exceeded the cell timeout of {} s; its process was killed",
                    timeout.as_secs_f64()
                ),
            ));
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    let stdout = out.join().unwrap_or_default();
    let stderr = err.join().unwrap_or_default();
    #[cfg(unix)]
    {
        use std::os::unix::process::ExitStatusExt;
        if status.and_then(|s| s.signal()) == Some(libc::SIGINT) || stop.load(Ordering::SeqCst) {
            return None;
        }
    }
    if let Some(cell) = stdout
        .lines()
        .rev()
        .find_map(|l| serde_json::from_str::<Cell>(l).ok())
    {
        return Some(cell);
    }
    let last = stderr
        .lines()
        .rev()
        .find(|l| !l.trim().is_empty())
        .unwrap_or("no output");
    let how = status.map_or_else(|| "could not be waited for".to_owned(), |s| s.to_string());
    Some(spec.unrun(Status::Failed, format!("cell process {how}: {last}")))
}

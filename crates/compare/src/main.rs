//! `cvp`: run the shared workloads on every execution model and compare.
//!
//! ```text
//! cvp list
//! cvp run WORKLOAD [--model M] [--size N | --preset P] [--threads T] [--runs K] [--json]
//!         [--trace[=FILE]]
//! cvp run --spec FILE [--model M] ...
//! cvp compare [--workloads a,b] [--spec FILE...] [--models x,y] [--threads 1,2]
//!             [--preset quick|default] [--runs K] [--rounds R] [--cell-timeout S] [--out DIR] [--json]
//! cvp render [DIR]
//! cvp serve [--model M] [--mix waiting|computing|mixed|trivial | --spec FILE] [--rate R] ...
//! cvp serve-sweep [--mix a,b] [--spec FILE...] [--models x,y] [--duration S] [--out DIR] ...
//! ```
//!
//! `--processes P` sets the `cluster` model's processes (`--threads` are
//! the workers of each); the hidden `cvp cluster-worker ...` is one of its
//! processes.
//!
//! Exit status: 0 when every cell gave the reference answer, 1 when a cell
//! was WRONG, failed or timed out, 2 on bad input (an unknown name, a size
//! out of range, a thread count of 0 or above [`max_threads`], a report of
//! another schema), 130 after Ctrl-C (what was measured is written first).
//!
//! `cvp compare` writes into `--out` (default `target/cvp`, ignored by
//! git); the reference results under `results/` are refreshed by `cargo
//! xtask reference`.

use std::io::IsTerminal;
use std::net::SocketAddr;
use std::num::NonZeroUsize;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use clap::{Args, Parser, Subcommand};
use cvp_compare::{
    available_cores, find_model, max_threads, models, run_cell, CellSpec, EchoServer, Isolation,
    Plan, Progress, Runs, Status,
};
use cvp_report::{render, Cell, Report};
use cvp_workloads::{catalogue, find, Preset, Workload};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// `println!` that ends the process quietly, as command-line tools do,
/// when stdout is a closed pipe (`cvp run ... | head`).
macro_rules! outln {
    ($($arg:tt)*) => { $crate::emit(format_args!("{}\n", format_args!($($arg)*))) };
}

/// `print!` that ends the process quietly on a closed pipe.
macro_rules! out {
    ($($arg:tt)*) => { $crate::emit(format_args!($($arg)*)) };
}

mod serve_cmd;

/// A clap error as one line: its message up to the usage block, whose
/// continuation lines (the missing arguments, a tip) are joined on.
fn one_line(rendered: &str) -> String {
    let parts: Vec<&str> = rendered
        .lines()
        .take_while(|l| !l.starts_with("Usage:") && !l.starts_with("For more information"))
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    let line = parts.join(" ").replace(" tip: ", "; tip: ");
    let line = line.trim_start_matches("error: ").to_owned();
    if line.is_empty() {
        "bad arguments (see `cvp --help`)".to_owned()
    } else {
        line
    }
}

/// Writes to stdout; on a closed pipe exits with success (the reader has
/// what it wanted), on another error reports it on stderr and exits 1.
fn emit(args: std::fmt::Arguments<'_>) {
    use std::io::Write;
    let mut stdout = std::io::stdout().lock();
    if let Err(e) = stdout.write_fmt(args).and_then(|()| stdout.flush()) {
        if e.kind() == std::io::ErrorKind::BrokenPipe {
            std::process::exit(0);
        }
        eprintln!("cvp: writing to stdout: {e}");
        std::process::exit(1);
    }
}

#[derive(Parser)]
#[command(
    name = "cvp",
    version,
    about = "Concurrency versus parallelism, measured: every workload on every model."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// List the workloads and the models.
    List {
        /// Print JSON instead of tables.
        #[arg(long)]
        json: bool,
    },
    /// Measure one workload on one model (one cell).
    Run(RunArgs),
    /// Measure the matrix of workloads x models x thread counts.
    Compare(CompareArgs),
    /// Draw a saved report again (report.md, charts, index.html) without
    /// measuring; the timelines and traces already in the folder are kept.
    Render {
        /// The folder holding report.json.
        #[arg(default_value = DEFAULT_OUT)]
        dir: PathBuf,
    },
    /// One process of the `cluster` model (started by the runner, or by
    /// hand on the other machines of a host-file cluster).
    #[command(name = "cluster-worker", hide = true)]
    ClusterWorker {
        /// The process's arguments (see cvp-cluster's README).
        #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
        args: Vec<String>,
    },
    /// Offer open-loop HTTP load to one model's server (one point).
    Serve(serve_cmd::ServeArgs),
    /// Latency against offered load for every model's server (bounded; says how long).
    ServeSweep(serve_cmd::SweepArgs),
}

#[derive(Args)]
struct RunArgs {
    /// The workload (see `cvp list`).
    #[arg(required_unless_present = "spec", conflicts_with = "spec")]
    workload: Option<String>,
    /// A workload described in a TOML spec file instead (see examples/specs/).
    #[arg(long, value_name = "FILE")]
    spec: Option<PathBuf>,
    /// The model.
    #[arg(long, default_value = "sequential")]
    model: String,
    /// An explicit size (the workload's unit, see `cvp list`).
    #[arg(long, conflicts_with = "preset")]
    size: Option<usize>,
    /// A size preset: test, quick or default.
    #[arg(long)]
    preset: Option<String>,
    /// Threads (default: the available cores; at most 64 per core, at least
    /// 1024 allowed); for `cluster`, the workers of each process. A model
    /// that does not use threads runs on one.
    #[arg(long, value_parser = positive)]
    threads: Option<usize>,
    /// Processes of the `cluster` model, on this machine over loopback.
    #[arg(long, default_value_t = cvp_compare::DEFAULT_PROCESSES, value_parser = positive)]
    processes: usize,
    /// Measured runs (default: 3, more for short cells, fewer for long ones).
    #[arg(long, value_parser = positive)]
    runs: Option<usize>,
    /// At least this many measured runs, otherwise automatic (set by `cvp compare`).
    #[arg(long, hide = true, value_parser = positive, conflicts_with = "runs")]
    min_runs: Option<usize>,
    /// Print the cell as one JSON object.
    #[arg(long)]
    json: bool,
    /// Record a trace of what ran where in one extra, untimed run: with
    /// `--json` it is in the cell; without, it is written as a Chrome trace
    /// to FILE (default: cvp-trace-WORKLOAD-MODEL-THREADS.json in the
    /// system's temp folder), for <https://ui.perfetto.dev>.
    #[arg(long, value_name = "FILE", num_args = 0..=1, require_equals = true)]
    trace: Option<Option<PathBuf>>,
    /// Use this echo server instead of starting one (set by `cvp compare`).
    #[arg(long, hide = true)]
    server: Option<SocketAddr>,
    /// The reference answer, when already known (set by `cvp compare`).
    #[arg(long, hide = true, allow_hyphen_values = true)]
    expect: Option<String>,
}

#[derive(Args)]
struct CompareArgs {
    /// Workloads, comma-separated (default: all, or none when --spec is given).
    #[arg(long, value_delimiter = ',')]
    workloads: Vec<String>,
    /// Workloads described in TOML spec files (see examples/specs/); a bad
    /// one is reported and the good ones run.
    #[arg(long, value_name = "FILE", num_args = 1..)]
    spec: Vec<PathBuf>,
    /// Models, comma-separated (default: all; sequential always runs as the baseline).
    #[arg(long, value_delimiter = ',')]
    models: Vec<String>,
    /// Thread counts, comma-separated (default: the available cores); for
    /// `cluster`, the workers of each process.
    #[arg(long, value_delimiter = ',', value_parser = positive)]
    threads: Vec<usize>,
    /// Processes of the `cluster` model, on this machine over loopback.
    #[arg(long, default_value_t = cvp_compare::DEFAULT_PROCESSES, value_parser = positive)]
    processes: usize,
    /// Size preset: test, quick or default.
    #[arg(long, default_value = "default")]
    preset: String,
    /// Measured runs per cell (default: 3, more for short cells, fewer for long ones).
    #[arg(long, value_parser = positive)]
    runs: Option<usize>,
    /// At least this many runs per cell, and more for short cells (up to 20,
    /// until about 200 ms is measured).
    #[arg(long, value_parser = positive, conflicts_with = "runs")]
    min_runs: Option<usize>,
    /// Passes over the whole matrix, each cell's runs pooled over them, so
    /// that a shared machine's drift falls on every cell alike.
    #[arg(long, default_value_t = 1, value_parser = positive)]
    rounds: usize,
    /// Seconds one cell may take before it is killed and reported as timed out.
    #[arg(long, default_value = "60", value_parser = seconds)]
    cell_timeout: Duration,
    /// Where to write report.json, report.md, the charts and the page
    /// (default: target/cvp, which git ignores).
    #[arg(long, default_value = DEFAULT_OUT)]
    out: PathBuf,
    /// Print the report as JSON on stdout.
    #[arg(long)]
    json: bool,
    /// Run cells on threads of this process instead of child processes.
    #[arg(long, hide = true)]
    in_process: bool,
    /// MiB of each array of the memory-bandwidth triad (default: 4 times
    /// the last-level cache, within 32 to 128 MiB; 0: do not measure).
    /// For tests, whose debug builds cannot measure bandwidth anyway.
    #[arg(long, hide = true)]
    triad_mib: Option<usize>,
}

/// Where `cvp compare` writes by default: under cargo's target folder,
/// which git ignores, so running the comparison never dirties a checkout.
const DEFAULT_OUT: &str = "target/cvp";

/// A thread count within `1..=`[`max_threads`].
fn threads_ok(t: usize) -> Result<usize, Failure> {
    if t > max_threads() {
        return Err(usage(cvp_compare::Error::TooManyThreads {
            threads: t,
            max: max_threads(),
        }));
    }
    Ok(t)
}

fn positive(s: &str) -> Result<usize, String> {
    match s.parse::<usize>() {
        Ok(0) => Err("must be at least 1".into()),
        Ok(n) => Ok(n),
        Err(e) => Err(e.to_string()),
    }
}

fn seconds(s: &str) -> Result<Duration, String> {
    match s.parse::<f64>() {
        Ok(x) if x.is_finite() && x > 0.0 && x < 1e9 => Ok(Duration::from_secs_f64(x)),
        Ok(_) => Err("must be a positive number of seconds".into()),
        Err(e) => Err(e.to_string()),
    }
}

/// Bad input: one line on stderr, exit 2.
struct Usage(String);

enum Failure {
    Usage(Usage),
    Other(anyhow::Error),
}

impl<E: Into<anyhow::Error>> From<E> for Failure {
    fn from(e: E) -> Self {
        Failure::Other(e.into())
    }
}

fn usage(e: impl std::fmt::Display) -> Failure {
    Failure::Usage(Usage(e.to_string()))
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            use clap::error::ErrorKind;
            if matches!(e.kind(), ErrorKind::DisplayHelp | ErrorKind::DisplayVersion) {
                out!("{e}");
                return ExitCode::SUCCESS;
            }
            if e.kind() == ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand {
                eprint!("{}", e.render());
                return ExitCode::from(2);
            }
            eprintln!("cvp: {}", one_line(&e.render().to_string()));
            return ExitCode::from(2);
        }
    };
    let result = match cli.command {
        Command::List { json } => list(json),
        Command::Run(args) => run(args),
        Command::Compare(args) => compare(args),
        Command::Render { dir } => render_saved(&dir),
        Command::ClusterWorker { args } => return cvp_cluster::worker_main(args),
        Command::Serve(args) => serve_cmd::serve(args),
        Command::ServeSweep(args) => serve_cmd::sweep(args),
    };
    match result {
        Ok(code) => code,
        Err(Failure::Usage(Usage(msg))) => {
            eprintln!("cvp: {msg}");
            ExitCode::from(2)
        }
        Err(Failure::Other(e)) => {
            eprintln!("cvp: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn list(json: bool) -> Result<ExitCode, Failure> {
    if json {
        let workloads: Vec<_> = catalogue()
            .iter()
            .map(|w| {
                serde_json::json!({
                    "name": w.name(), "class": w.class().name(), "description": w.description(),
                    "unit": w.unit(), "max_size": w.max_size(),
                    "presets": Preset::ALL.iter().map(|p| (p.name(), w.size(*p))).collect::<std::collections::BTreeMap<_, _>>(),
                })
            })
            .collect();
        let models: Vec<_> = models().collect();
        outln!(
            "{}",
            serde_json::to_string_pretty(
                &serde_json::json!({ "workloads": workloads, "models": models })
            )?
        );
        return Ok(ExitCode::SUCCESS);
    }
    outln!("workloads:");
    outln!(
        "  {:<18} {:<7} {:>8} {:>9} {:>11}  description",
        "name",
        "class",
        "test",
        "quick",
        "default"
    );
    for w in catalogue() {
        outln!(
            "  {:<18} {:<7} {:>8} {:>9} {:>11}  {}",
            w.name(),
            w.class().name(),
            w.size(Preset::Test),
            w.size(Preset::Quick),
            w.size(Preset::Default),
            w.description()
        );
    }
    outln!("\nmodels:");
    outln!(
        "  {:<22} {:<11} {:<11} {:<10} engine",
        "name",
        "concurrent",
        "parallel",
        "preemptive"
    );
    let yes = |b: bool| if b { "yes" } else { "no" };
    for m in models() {
        outln!(
            "  {:<22} {:<11} {:<11} {:<10} {}",
            m.name,
            yes(m.concurrent),
            if m.parallel { "yes (T)" } else { "no (1 core)" },
            yes(m.preemptive),
            m.engine
        );
    }
    Ok(ExitCode::SUCCESS)
}

fn preset(name: &str) -> Result<Preset, Failure> {
    name.parse::<Preset>().map_err(usage)
}

fn workload(name: &str) -> Result<&'static Workload, Failure> {
    find(name).map_err(usage)
}

fn runs(n: Option<usize>) -> Runs {
    n.and_then(NonZeroUsize::new)
        .map_or(Runs::Auto, Runs::Exactly)
}

fn run(args: RunArgs) -> Result<ExitCode, Failure> {
    let w = match (&args.spec, &args.workload) {
        (Some(path), _) => cvp_workloads::load_spec(path).map_err(usage)?,
        (None, Some(name)) => workload(name)?.clone(),
        (None, None) => return Err(usage("give a workload or --spec FILE")),
    };
    let w = &w;
    let model = find_model(&args.model).map_err(usage)?;
    let size = match (args.size, &args.preset) {
        (Some(n), _) => w.check_size(n).map_err(usage)?,
        (None, Some(p)) => w.size(preset(p)?),
        (None, None) => w.size(Preset::Default),
    };
    // A model that does not use threads runs on one, as in `cvp compare`.
    let threads = threads_ok(args.threads.unwrap_or_else(available_cores))?;
    let threads = if model.threaded { threads } else { 1 };
    cvp_compare::set_processes(args.processes);
    let mut spec = CellSpec::new(w, model, threads, size);
    spec.runs = match args.min_runs.and_then(NonZeroUsize::new) {
        Some(n) => Runs::AtLeast(n),
        None => runs(args.runs),
    };
    spec.reference = args.expect;
    spec.trace = args.trace.is_some();
    // A standalone run of a workload that needs the echo server starts its
    // own; `cvp compare` passes the address of the one it runs.
    let _server = match (args.server, w.needs_server()) {
        (Some(addr), _) => {
            spec.server = Some(addr);
            None
        }
        (None, true) => {
            let s = EchoServer::start()?;
            spec.server = Some(s.addr());
            Some(s)
        }
        (None, false) => None,
    };
    let cell = run_cell(&spec);
    // `--trace=FILE`, or `--trace` without `--json`: a Chrome trace file.
    let trace_file = match &args.trace {
        Some(Some(f)) => Some(f.clone()),
        Some(None) if !args.json => Some(std::env::temp_dir().join(format!(
            "cvp-trace-{}-{}-{}.json",
            cell.workload, cell.model, cell.threads
        ))),
        _ => None,
    };
    if args.json {
        outln!("{}", serde_json::to_string(&cell)?);
    } else {
        print_cell(&cell);
    }
    if let (Some(file), Some(trace)) = (&trace_file, &cell.trace) {
        let title = format!("{} on {} ×{}", cell.workload, cell.model, cell.threads);
        std::fs::write(file, cvp_report::visual::chrome_trace(&title, 0, trace))
            .with_context(|| format!("writing the trace to {}", file.display()))?;
        let line = format!(
            "trace: {} spans on {} OS thread{}, written to {} (open it in https://ui.perfetto.dev)",
            trace.spans.len(),
            trace.lanes,
            if trace.lanes == 1 { "" } else { "s" },
            file.display()
        );
        if args.json {
            eprintln!("{line}");
        } else {
            outln!("  {line}");
        }
    }
    Ok(exit_for(std::slice::from_ref(&cell)))
}

/// `1 core`, `2 cores`.
fn count(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

fn print_cell(c: &Cell) {
    outln!(
        "{} on {} ({}, {}), size {}",
        c.workload,
        c.model,
        count(c.threads, "thread", "threads"),
        count(c.cores, "core", "cores"),
        c.size
    );
    outln!("  status    {}", c.status.label());
    if let Some(r) = &c.reason {
        outln!("  reason    {r}");
    }
    if matches!(c.status, Status::Ok | Status::Wrong) {
        outln!("  answer    {}", c.answer.replace('\n', " / "));
        if c.status == Status::Wrong {
            outln!("  expected  {}", c.reference.replace('\n', " / "));
        }
        outln!(
            "  wall      {} median, {} min, {} max over {} runs",
            render::duration(c.wall_ns),
            render::duration(c.wall_min_ns),
            render::duration(c.wall_max_ns),
            c.runs.len()
        );
        outln!("  cpu       {}", render::duration(c.cpu_ns));
        if let Some(k) = c.runs.iter().filter_map(|r| r.cluster.as_ref()).next() {
            let median = |f: &dyn Fn(&cvp_report::ClusterStats) -> u64| {
                let mut xs: Vec<u64> = c
                    .runs
                    .iter()
                    .filter_map(|r| r.cluster.as_ref())
                    .map(f)
                    .collect();
                xs.sort_unstable();
                xs[xs.len() / 2]
            };
            outln!(
                "  cluster   {} processes x {} workers; start-up {}, whole run {}",
                k.processes,
                k.workers,
                render::duration(median(&|k| k.startup_ns)),
                render::duration(median(&|k| k.total_ns))
            );
            outln!(
                "  exchanged {} bytes of results, {} bytes on the sockets",
                median(&|k| k.payload_bytes),
                median(&|k| k.wire_bytes)
            );
            if !k.replicated.is_empty() {
                outln!("  replicated reduces of {}", k.replicated.join(", "));
            }
        }
        outln!("  peak rss  {}", render::kib(c.peak_rss_kib));
        if !c.runs.is_empty() {
            let sw = |f: fn(&cvp_report::Run) -> u64| {
                let mut v: Vec<u64> = c.runs.iter().map(f).collect();
                v.sort_unstable();
                v[v.len() / 2]
            };
            outln!(
                "  switches  {} voluntary, {} involuntary (medians per run)",
                sw(|r| r.voluntary_switches),
                sw(|r| r.involuntary_switches)
            );
        }
        if let Some(cc) = c.concurrency {
            outln!("  concurrency {cc:.1} tasks in flight");
        }
        if let Some(l) = c.lateness {
            outln!(
                "  lateness  p50 {} p99 {} max {} ({} ticks)",
                render::duration(l.p50_ns),
                render::duration(l.p99_ns),
                render::duration(l.max_ns),
                l.count
            );
        }
    }
}

/// 1 when any cell is wrong, failed or timed out; 0 otherwise.
fn exit_for(cells: &[Cell]) -> ExitCode {
    if cells
        .iter()
        .any(|c| matches!(c.status, Status::Wrong | Status::Failed | Status::TimedOut))
    {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}

/// Creates `dir` and checks that a file can be written in it.
fn check_out(dir: &Path) -> Result<(), Failure> {
    let fail = |e: std::io::Error| {
        usage(cvp_compare::Error::Output {
            path: dir.to_owned(),
            reason: e.to_string(),
        })
    };
    std::fs::create_dir_all(dir).map_err(fail)?;
    let probe = dir.join(".cvp-write-check");
    std::fs::write(&probe, b"").map_err(fail)?;
    let _ = std::fs::remove_file(probe);
    Ok(())
}

fn compare(args: CompareArgs) -> Result<ExitCode, Failure> {
    let preset = preset(&args.preset)?;
    cvp_compare::set_processes(args.processes);
    let mut plan = Plan::new(preset);
    if !args.workloads.is_empty() {
        plan.workloads = args
            .workloads
            .iter()
            .map(|w| workload(w).cloned())
            .collect::<Result<_, _>>()?;
    } else if !args.spec.is_empty() {
        plan.workloads.clear();
    }
    // Every spec is read first: the bad ones are reported, the good ones run.
    let mut bad_specs = Vec::new();
    for path in &args.spec {
        match cvp_workloads::load_spec(path) {
            Ok(w) if plan.workloads.iter().any(|o| o.name() == w.name()) => {
                bad_specs.push(format!(
                    "{}: a workload named `{}` is already in this comparison",
                    path.display(),
                    w.name()
                ));
            }
            Ok(w) => plan.workloads.push(w),
            Err(e) => bad_specs.push(e.to_string()),
        }
    }
    for line in &bad_specs {
        eprintln!("cvp: {line}");
    }
    if plan.workloads.is_empty() {
        // Every spec was bad, each named on its line above.
        return Ok(ExitCode::from(2));
    }
    if !args.models.is_empty() {
        plan.models = args
            .models
            .iter()
            .map(|m| find_model(m).map_err(usage))
            .collect::<Result<_, _>>()?;
    }
    if !args.threads.is_empty() {
        for &t in &args.threads {
            threads_ok(t)?;
        }
        plan.threads = args.threads.clone();
    }
    plan.runs = match args.min_runs.and_then(NonZeroUsize::new) {
        Some(n) => Runs::AtLeast(n),
        None => runs(args.runs),
    };
    plan.rounds = NonZeroUsize::new(args.rounds).context("--rounds is positive")?;
    plan.cell_timeout = args.cell_timeout;
    if let Some(mib) = args.triad_mib {
        plan.bandwidth = (mib > 0).then_some(mib << 20);
    }
    plan.isolation = if args.in_process {
        Isolation::Thread
    } else {
        Isolation::Process {
            exe: std::env::current_exe().context("locating the cvp executable")?,
        }
    };
    plan.validate().map_err(usage)?;
    check_out(&args.out)?;

    let stop = Arc::new(AtomicBool::new(false));
    {
        let stop = Arc::clone(&stop);
        // Children in the same process group get the signal too and die;
        // the runner writes what it measured and exits.
        let _ = ctrlc::set_handler(move || stop.store(true, Ordering::SeqCst));
    }

    let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
    if args.json || !std::io::stdout().is_terminal() {
        bar.set_draw_target(ProgressDrawTarget::hidden());
    }
    bar.set_style(
        ProgressStyle::with_template("{bar:30} {pos}/{len} cells {elapsed_precise} {wide_msg}")
            .expect("a valid template"),
    );
    let report = plan.run(&stop, &mut |p| match p {
        Progress::Planned(n) => bar.set_length(n as u64),
        Progress::Started { spec, .. } => bar.set_message(format!(
            "{} / {} / {}",
            spec.workload.name(),
            spec.model.name,
            spec.threads
        )),
        Progress::Finished { .. } => bar.inc(1),
        _ => {}
    })?;
    bar.finish_and_clear();

    write_report(&args.out, &report)?;
    // Charts, timelines, Chrome traces and index.html (see cvp_report::visual).
    let timelines = if report.interrupted {
        Vec::new()
    } else {
        cvp_compare::record_timelines_of(&report, &plan.workloads)
    };
    cvp_report::visual::write(&args.out, &report, &timelines)?;
    if args.json {
        outln!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        out!("{}", render::text(&report));
        outln!(
            "\nwrote {} and {}",
            args.out.join("report.json").display(),
            args.out.join("report.md").display()
        );
    }
    if report.interrupted {
        eprintln!(
            "cvp: interrupted; wrote the {} cells measured so far",
            report.cells.len()
        );
        return Ok(ExitCode::from(130));
    }
    if !bad_specs.is_empty() {
        for line in &bad_specs {
            eprintln!("cvp: {line}");
        }
        eprintln!(
            "cvp: ran {} workloads; {} spec files were bad (above)",
            plan.workloads.len(),
            bad_specs.len()
        );
        return Ok(ExitCode::from(2));
    }
    Ok(exit_for(&report.cells))
}

fn render_saved(dir: &Path) -> Result<ExitCode, Failure> {
    let path = dir.join("report.json");
    if !path.exists() && dir.join("serve.json").exists() {
        return serve_cmd::render_sweep(dir);
    }
    let mut report = cvp_report::read(&path).map_err(|e| usage(e.to_string()))?;
    // Verdicts are judged again with this build's rules, from the cells
    // and the machine as measured; report.json is rewritten with them.
    report.verdicts = cvp_report::verdicts(&report.cells, report.machine.bandwidth.as_ref());
    check_out(dir)?;
    write_report(dir, &report)?;
    let files = cvp_report::visual::rewrite(dir, &report)?;
    outln!(
        "rendered {} and {} charts from {}",
        dir.join("index.html").display(),
        files.len() - 1,
        path.display()
    );
    Ok(ExitCode::SUCCESS)
}

fn write_report(dir: &Path, report: &Report) -> anyhow::Result<()> {
    let json = serde_json::to_string_pretty(report)?;
    std::fs::write(dir.join("report.json"), json + "\n")
        .with_context(|| format!("writing {}", dir.display()))?;
    std::fs::write(dir.join("report.md"), render::markdown(report))
        .with_context(|| format!("writing {}", dir.display()))?;
    Ok(())
}

//! `cvp`: run the shared workloads on every execution model and compare.
//!
//! ```text
//! cvp list
//! cvp run WORKLOAD [--model M] [--size N | --preset P] [--threads T] [--runs K] [--json]
//! cvp compare [--workloads a,b] [--models x,y] [--threads 1,2] [--preset quick|default]
//!             [--runs K] [--cell-timeout S] [--out DIR] [--json]
//! cvp render [DIR]
//! ```
//!
//! Exit status: 0 when every cell gave the reference answer, 1 when a cell
//! was WRONG, failed or timed out, 2 on bad input, 130 after Ctrl-C (what
//! was measured is written first).

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
    available_cores, find_model, models, run_cell, CellSpec, EchoServer, Isolation, Plan, Progress,
    Runs, Status,
};
use cvp_report::{render, Cell, Report};
use cvp_workloads::{catalogue, find, Preset, Workload};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

mod serve_cmd;

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
        #[arg(default_value = "results")]
        dir: PathBuf,
    },
    /// Offer open-loop HTTP load to one model's server (one point).
    Serve(serve_cmd::ServeArgs),
    /// Latency against offered load for every model's server (bounded; says how long).
    ServeSweep(serve_cmd::SweepArgs),
}

#[derive(Args)]
struct RunArgs {
    /// The workload (see `cvp list`).
    workload: String,
    /// The model.
    #[arg(long, default_value = "sequential")]
    model: String,
    /// An explicit size (the workload's unit, see `cvp list`).
    #[arg(long, conflicts_with = "preset")]
    size: Option<usize>,
    /// A size preset: test, quick or default.
    #[arg(long)]
    preset: Option<String>,
    /// Threads (default: the available cores).
    #[arg(long, value_parser = positive)]
    threads: Option<usize>,
    /// Measured runs (default: 3, more for short cells, fewer for long ones).
    #[arg(long, value_parser = positive)]
    runs: Option<usize>,
    /// At least this many measured runs, otherwise automatic (set by `cvp compare`).
    #[arg(long, hide = true, value_parser = positive, conflicts_with = "runs")]
    min_runs: Option<usize>,
    /// Print the cell as one JSON object.
    #[arg(long)]
    json: bool,
    /// Record a trace of what ran where in one extra, untimed run.
    #[arg(long)]
    trace: bool,
    /// Use this echo server instead of starting one (set by `cvp compare`).
    #[arg(long, hide = true)]
    server: Option<SocketAddr>,
    /// The reference answer, when already known (set by `cvp compare`).
    #[arg(long, hide = true, allow_hyphen_values = true)]
    expect: Option<String>,
}

#[derive(Args)]
struct CompareArgs {
    /// Workloads, comma-separated (default: all).
    #[arg(long, value_delimiter = ',')]
    workloads: Vec<String>,
    /// Models, comma-separated (default: all; sequential always runs as the baseline).
    #[arg(long, value_delimiter = ',')]
    models: Vec<String>,
    /// Thread counts, comma-separated (default: the available cores).
    #[arg(long, value_delimiter = ',', value_parser = positive)]
    threads: Vec<usize>,
    /// Size preset: test, quick or default.
    #[arg(long, default_value = "default")]
    preset: String,
    /// Measured runs per cell (default: 3, more for short cells, fewer for long ones).
    #[arg(long, value_parser = positive)]
    runs: Option<usize>,
    /// Seconds one cell may take before it is killed and reported as timed out.
    #[arg(long, default_value = "60", value_parser = seconds)]
    cell_timeout: Duration,
    /// Where to write report.json and report.md.
    #[arg(long, default_value = "results")]
    out: PathBuf,
    /// Print the report as JSON on stdout.
    #[arg(long)]
    json: bool,
    /// Run cells on threads of this process instead of child processes.
    #[arg(long, hide = true)]
    in_process: bool,
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
                print!("{e}");
                return ExitCode::SUCCESS;
            }
            if e.kind() == ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand {
                eprint!("{}", e.render());
                return ExitCode::from(2);
            }
            let rendered = e.render().to_string();
            let line = rendered.lines().next().unwrap_or("error: bad arguments");
            eprintln!("cvp: {}", line.trim_start_matches("error: "));
            return ExitCode::from(2);
        }
    };
    let result = match cli.command {
        Command::List { json } => list(json),
        Command::Run(args) => run(args),
        Command::Compare(args) => compare(args),
        Command::Render { dir } => render_saved(&dir),
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
        println!(
            "{}",
            serde_json::to_string_pretty(
                &serde_json::json!({ "workloads": workloads, "models": models })
            )?
        );
        return Ok(ExitCode::SUCCESS);
    }
    println!("workloads:");
    println!(
        "  {:<18} {:<7} {:>8} {:>9} {:>11}  description",
        "name", "class", "test", "quick", "default"
    );
    for w in catalogue() {
        println!(
            "  {:<18} {:<7} {:>8} {:>9} {:>11}  {}",
            w.name(),
            w.class().name(),
            w.size(Preset::Test),
            w.size(Preset::Quick),
            w.size(Preset::Default),
            w.description()
        );
    }
    println!("\nmodels:");
    println!(
        "  {:<22} {:<11} {:<11} {:<10} engine",
        "name", "concurrent", "parallel", "preemptive"
    );
    let yes = |b: bool| if b { "yes" } else { "no" };
    for m in models() {
        println!(
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
    let w = workload(&args.workload)?;
    let model = find_model(&args.model).map_err(usage)?;
    let size = match (args.size, &args.preset) {
        (Some(n), _) => w.check_size(n).map_err(usage)?,
        (None, Some(p)) => w.size(preset(p)?),
        (None, None) => w.size(Preset::Default),
    };
    let threads = args.threads.unwrap_or_else(available_cores);
    let mut spec = CellSpec::new(w, model, threads, size);
    spec.runs = match args.min_runs.and_then(NonZeroUsize::new) {
        Some(n) => Runs::AtLeast(n),
        None => runs(args.runs),
    };
    spec.reference = args.expect;
    spec.trace = args.trace;
    // A standalone run of a workload that needs the echo server starts its
    // own; `cvp compare` passes the address of the one it runs.
    let _server = match (
        args.server,
        matches!(
            w.shape(),
            cvp_workloads::Shape::Tasks(cvp_workloads::Tasks::Echo)
        ),
    ) {
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
    if args.json {
        println!("{}", serde_json::to_string(&cell)?);
    } else {
        print_cell(&cell);
    }
    Ok(exit_for(std::slice::from_ref(&cell)))
}

fn print_cell(c: &Cell) {
    println!(
        "{} on {} ({} threads, {} cores), size {}",
        c.workload, c.model, c.threads, c.cores, c.size
    );
    println!("  status    {}", c.status.label());
    if let Some(r) = &c.reason {
        println!("  reason    {r}");
    }
    if matches!(c.status, Status::Ok | Status::Wrong) {
        println!("  answer    {}", c.answer.replace('\n', " / "));
        if c.status == Status::Wrong {
            println!("  expected  {}", c.reference.replace('\n', " / "));
        }
        println!(
            "  wall      {} median, {} min, {} max over {} runs",
            render::duration(c.wall_ns),
            render::duration(c.wall_min_ns),
            render::duration(c.wall_max_ns),
            c.runs.len()
        );
        println!("  cpu       {}", render::duration(c.cpu_ns));
        println!("  peak rss  {} KiB", c.peak_rss_kib);
        if let Some(cc) = c.concurrency {
            println!("  concurrency {cc:.1} tasks in flight");
        }
        if let Some(l) = c.lateness {
            println!(
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
    let mut plan = Plan::new(preset);
    if !args.workloads.is_empty() {
        plan.workloads = args
            .workloads
            .iter()
            .map(|w| workload(w))
            .collect::<Result<_, _>>()?;
    }
    if !args.models.is_empty() {
        plan.models = args
            .models
            .iter()
            .map(|m| find_model(m).map_err(usage))
            .collect::<Result<_, _>>()?;
    }
    if !args.threads.is_empty() {
        plan.threads = args.threads.clone();
    }
    plan.runs = runs(args.runs);
    plan.cell_timeout = args.cell_timeout;
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
        cvp_compare::record_timelines(&report)
    };
    cvp_report::visual::write(&args.out, &report, &timelines)?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        print!("{}", render::text(&report));
        println!(
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
    Ok(exit_for(&report.cells))
}

fn render_saved(dir: &Path) -> Result<ExitCode, Failure> {
    let path = dir.join("report.json");
    let report = cvp_report::read(&path).map_err(|e| usage(e.to_string()))?;
    check_out(dir)?;
    std::fs::write(dir.join("report.md"), render::markdown(&report))
        .with_context(|| format!("writing {}", dir.display()))?;
    let files = cvp_report::visual::rewrite(dir, &report)?;
    println!(
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

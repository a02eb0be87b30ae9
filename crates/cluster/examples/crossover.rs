//! Where does distribution pay? For each job and size, the same total of
//! workers as P processes x 1 worker and as 1 process x P workers, on this
//! machine over loopback. Each point is the fastest of `--reps` runs, every
//! answer verified; a least-squares line of time (start-up + computation)
//! against the size is fitted for each shape, and the verdict solves the
//! two lines for the size where they cross (see `cvp_report::crossover`).
//!
//! ```text
//! cargo run --release -p cvp-cluster --example crossover [-- --workers 2 --reps 5 --budget-s 170 --jobs mandelbrot,merge-sort,sum --out results/cluster-2core-vm]
//! cargo xtask figures   # the READMEs' verdict tables, from the JSON
//! ```
//!
//! It writes `crossover.json` and `crossover.md` into `--out` (the
//! workspace's `results/cluster-2core-vm` by default) and prints the
//! markdown. It is bounded in time: a job's sweep stops at the first size
//! that would pass the budget left (each size is taken to cost at least
//! three times the last one). The example is its own worker executable
//! (`crossover worker ...`).

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use cvp_cluster::{Cluster, ClusterRun};
use cvp_report::crossover::{JobSweep, Point, Shape, Sweep, SWEEP_SCHEMA};

/// The sizes swept, by job, from where start-up dominates to the default
/// size, and the power of the size that the job's work grows with.
fn sizes(job: &str) -> Option<(&'static [usize], u32)> {
    Some(match job {
        "mandelbrot" => (&[250, 500, 1_000, 1_500, 2_000, 3_000, 4_000], 2),
        "merge-sort" => (&[100_000, 300_000, 1_000_000, 3_000_000, 10_000_000], 1),
        "sum" => (&[1_000_000, 10_000_000, 30_000_000, 100_000_000], 1),
        "spectral-norm" => (&[100, 300, 1_000, 2_000], 2),
        "primes" => (&[100_000, 1_000_000, 5_000_000], 1),
        _ => return None,
    })
}

struct Options {
    workers: usize,
    reps: usize,
    budget: Duration,
    jobs: Vec<String>,
    out: PathBuf,
}

fn options() -> Result<Options, String> {
    let mut o = Options {
        workers: 2,
        reps: 5,
        budget: Duration::from_secs(170),
        jobs: vec!["mandelbrot".into(), "merge-sort".into(), "sum".into()],
        out: Path::new(env!("CARGO_MANIFEST_DIR")).join("../../results/cluster-2core-vm"),
    };
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        let value = args.next().ok_or(format!("{flag} needs a value"))?;
        let num = || {
            value
                .parse::<usize>()
                .map_err(|_| format!("{flag}: `{value}` is not a number"))
        };
        match flag.as_str() {
            "--workers" => o.workers = num()?.clamp(2, 16),
            "--reps" => o.reps = num()?.clamp(1, 20),
            "--budget-s" => o.budget = Duration::from_secs(num()?.min(3_600) as u64),
            "--jobs" => o.jobs = value.split(',').map(str::to_owned).collect(),
            "--out" => o.out = PathBuf::from(value),
            _ => return Err(format!("unknown argument `{flag}`")),
        }
    }
    if let Some(bad) = o.jobs.iter().find(|j| sizes(j).is_none()) {
        return Err(format!(
            "no sizes for `{bad}`; valid: mandelbrot, merge-sort, sum, spectral-norm, primes"
        ));
    }
    Ok(o)
}

/// The fastest compute and start-up of `reps` runs, with the last run's
/// bytes; every answer checked against the reference.
fn measure(
    cluster: &Cluster,
    exe: &Path,
    job: &str,
    size: usize,
    reps: usize,
    reference: &str,
) -> Result<Shape, String> {
    let runs: Vec<ClusterRun> = (0..reps)
        .map(|_| cluster.run(exe, job, size))
        .collect::<Result<_, _>>()
        .map_err(|e| e.to_string())?;
    if let Some(wrong) = runs.iter().find(|r| r.answer != reference) {
        return Err(format!("wrong answer {}", wrong.answer));
    }
    let ns = |d: Duration| d.as_nanos() as u64;
    let last = runs.last().expect("reps >= 1");
    Ok(Shape {
        startup_ns: runs.iter().map(|r| ns(r.startup)).min().unwrap_or(0),
        compute_ns: runs.iter().map(|r| ns(r.compute)).min().unwrap_or(0),
        payload_bytes: last.payload_bytes,
        wire_bytes: last.wire_bytes,
    })
}

/// The CPU model, from /proc/cpuinfo where there is one.
fn machine() -> String {
    std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|t| {
            t.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split_once(':'))
                .map(|(_, v)| v.trim().to_owned())
        })
        .unwrap_or_else(|| std::env::consts::ARCH.to_owned())
}

fn main() -> ExitCode {
    let mut args = std::env::args().skip(1).peekable();
    if args.peek().map(String::as_str) == Some("worker") {
        return cvp_cluster::worker_main(args.skip(1));
    }
    let o = match options() {
        Ok(o) => o,
        Err(e) => {
            eprintln!("crossover: {e}");
            return ExitCode::from(2);
        }
    };
    let exe = std::env::current_exe().expect("this executable");
    let shape = |p: usize, w: usize| Cluster {
        exe_args: vec!["worker".into()],
        ..Cluster::new(p, w)
    };
    let (spread, together) = (shape(o.workers, 1), shape(1, o.workers));
    let started = Instant::now();
    let mut jobs = Vec::new();
    for job in &o.jobs {
        let (list, work_power) = sizes(job).expect("checked by options");
        let workload = match cvp_workloads::find(job) {
            Ok(w) => w,
            Err(e) => {
                eprintln!("crossover: {e}");
                return ExitCode::from(2);
            }
        };
        let mut sweep = JobSweep {
            job: job.clone(),
            unit: workload.unit().to_owned(),
            work_power,
            points: Vec::new(),
            stopped: None,
        };
        let mut last_cost = Duration::ZERO;
        for &size in list {
            let left = o.budget.saturating_sub(started.elapsed());
            if last_cost * 3 > left {
                sweep.stopped = Some(format!("size {size} would pass the time budget"));
                break;
            }
            let t = Instant::now();
            let reference = match workload.reference(size) {
                Ok(r) => r,
                Err(e) => {
                    sweep.stopped = Some(format!("size {size}: {e}"));
                    break;
                }
            };
            let a = measure(&spread, &exe, job, size, o.reps, &reference);
            let b = measure(&together, &exe, job, size, o.reps, &reference);
            last_cost = t.elapsed();
            match (a, b) {
                (Ok(spread), Ok(together)) => sweep.points.push(Point {
                    size: size as u64,
                    spread,
                    together,
                }),
                (Err(e), _) | (_, Err(e)) => {
                    sweep.stopped = Some(format!("size {size} failed: {e}"));
                    break;
                }
            }
            eprintln!("{job} {size}: {:.1?}", last_cost);
        }
        jobs.push(sweep);
    }
    let mut command = "cargo run --release -p cvp-cluster --example crossover".to_owned();
    let given: Vec<String> = std::env::args().skip(1).collect();
    if !given.is_empty() {
        command = format!("{command} -- {}", given.join(" "));
    }
    let sweep = Sweep {
        schema: SWEEP_SCHEMA,
        machine: machine(),
        cores: std::thread::available_parallelism().map_or(1, |n| n.get()),
        spread: (o.workers, 1),
        together: (1, o.workers),
        reps: o.reps,
        elapsed_ms: started.elapsed().as_millis() as u64,
        command,
        jobs,
    };
    let markdown = sweep.markdown();
    let json = serde_json::to_string_pretty(&sweep).expect("a sweep serialises");
    let written = std::fs::create_dir_all(&o.out)
        .and_then(|()| std::fs::write(o.out.join("crossover.json"), json + "\n"))
        .and_then(|()| std::fs::write(o.out.join("crossover.md"), &markdown));
    if let Err(e) = written {
        eprintln!("crossover: writing {}: {e}", o.out.display());
        return ExitCode::FAILURE;
    }
    println!("{markdown}");
    ExitCode::SUCCESS
}

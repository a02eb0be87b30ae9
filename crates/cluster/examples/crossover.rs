//! Where does distribution pay? For each job and size, the same total of
//! workers as P processes x 1 worker and as 1 process x P workers, on this
//! machine over loopback; the table gives the fastest of `--reps` runs and
//! the ratios, and
//! the last line for each job names the smallest size from which the
//! processes stay ahead, start-up included.
//!
//! ```text
//! cargo run --release -p cvp-cluster --example crossover [-- --workers 2 --reps 3 --budget-s 240 --jobs mandelbrot,sum]
//! ```
//!
//! It is bounded in time: a job's sweep stops at the first size whose cells
//! would pass the budget left (measured so far, by the last size's time).
//! The example is its own worker executable (`crossover worker ...`).

use std::path::Path;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use cvp_cluster::{Cluster, ClusterRun};

/// The sizes swept, by job: from where start-up dominates to the default.
fn sizes(job: &str) -> &'static [usize] {
    match job {
        "mandelbrot" => &[200, 500, 1_000, 2_000, 4_000],
        "sum" => &[100_000, 1_000_000, 10_000_000, 50_000_000],
        "spectral-norm" => &[100, 300, 1_000, 2_000],
        "primes" => &[10_000, 100_000, 1_000_000, 5_000_000],
        "merge-sort" => &[10_000, 100_000, 1_000_000, 10_000_000],
        "n-queens" => &[8, 10, 12, 13],
        "fannkuch-redux" => &[7, 8, 9, 10],
        _ => &[],
    }
}

struct Options {
    workers: usize,
    reps: usize,
    budget: Duration,
    jobs: Vec<String>,
}

fn options() -> Result<Options, String> {
    let mut o = Options {
        workers: 2,
        reps: 3,
        budget: Duration::from_secs(240),
        jobs: vec!["mandelbrot".into(), "sum".into(), "spectral-norm".into()],
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
            "--workers" => o.workers = num()?.max(1),
            "--reps" => o.reps = num()?.max(1),
            "--budget-s" => o.budget = Duration::from_secs(num()? as u64),
            "--jobs" => o.jobs = value.split(',').map(str::to_owned).collect(),
            _ => return Err(format!("unknown argument `{flag}`")),
        }
    }
    if let Some(bad) = o.jobs.iter().find(|j| sizes(j).is_empty()) {
        return Err(format!("no sizes for `{bad}`"));
    }
    Ok(o)
}

/// The fastest of several runs: other work on the machine can only add time
/// to a run, so the minimum is the estimate that survives a busy machine.
fn fastest(xs: impl Iterator<Item = Duration>) -> Duration {
    xs.min().expect("reps >= 1")
}

/// Fastest compute, fastest start-up and the last run's bytes of `reps` runs.
fn measure(
    cluster: &Cluster,
    exe: &Path,
    job: &str,
    size: usize,
    reps: usize,
) -> Result<(Duration, Duration, ClusterRun), String> {
    let runs: Vec<ClusterRun> = (0..reps)
        .map(|_| cluster.run(exe, job, size))
        .collect::<Result<_, _>>()
        .map_err(|e| e.to_string())?;
    let reference = cvp_workloads::find(job)
        .and_then(|w| w.reference(size))
        .map_err(|e| e.to_string())?;
    if let Some(wrong) = runs.iter().find(|r| r.answer != reference) {
        return Err(format!("{job} {size}: wrong answer {}", wrong.answer));
    }
    let compute = fastest(runs.iter().map(|r| r.compute));
    let startup = fastest(runs.iter().map(|r| r.startup));
    Ok((
        compute,
        startup,
        runs.into_iter().last().expect("reps >= 1"),
    ))
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
    println!(
        "| job | size | {p}x1 compute | 1x{p} compute | compute {p}x1 / 1x{p} | {p}x1 start-up | 1x{p} start-up | whole {p}x1 / 1x{p} | bytes between processes (payload / wire) |",
        p = o.workers
    );
    println!("|---|---:|---:|---:|---:|---:|---:|---:|---:|");
    let mut verdicts = Vec::new();
    for job in &o.jobs {
        let mut last_cost = Duration::ZERO;
        let mut pays_from: Option<usize> = None;
        let mut measured = 0;
        for &size in sizes(job) {
            let left = o.budget.saturating_sub(started.elapsed());
            // A size costs at least a few times the last one: stop before
            // the budget would be passed.
            if last_cost * 4 > left {
                println!("| {job} | {size} | (skipped: budget) | | | | |");
                break;
            }
            let t = Instant::now();
            let a = measure(&spread, &exe, job, size, o.reps);
            let b = measure(&together, &exe, job, size, o.reps);
            last_cost = t.elapsed();
            let ((ca, sa, ra), (cb, sb, _)) = match (a, b) {
                (Ok(a), Ok(b)) => (a, b),
                (Err(e), _) | (_, Err(e)) => {
                    println!("| {job} | {size} | failed: {e} | | | | |");
                    break;
                }
            };
            measured += 1;
            let ratio = ca.as_secs_f64() / cb.as_secs_f64().max(1e-9);
            // "Pays" is judged on what a user waits for: start-up plus
            // computation, of each shape.
            let whole = (ca + sa).as_secs_f64() / (cb + sb).as_secs_f64().max(1e-9);
            println!(
                "| {job} | {size} | {ca:.2?} | {cb:.2?} | {ratio:.2} | {sa:.2?} | {sb:.2?} | {whole:.2} | {} / {} |",
                ra.payload_bytes, ra.wire_bytes
            );
            if whole < 1.0 {
                pays_from.get_or_insert(size);
            } else {
                pays_from = None;
            }
        }
        verdicts.push(match (pays_from, measured) {
            (_, 0) => format!("{job}: not measured"),
            (Some(s), _) => format!(
                "{job}: {p}x1 (start-up included) is ahead of 1x{p} from size {s} on",
                p = o.workers
            ),
            (None, _) => format!(
                "{job}: {p}x1 is never ahead of 1x{p} in the measured range",
                p = o.workers
            ),
        });
    }
    println!();
    for v in verdicts {
        println!("{v}");
    }
    println!("({:.0?} in all)", started.elapsed());
    ExitCode::SUCCESS
}

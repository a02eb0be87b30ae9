//! Your own job on every model: implement one trait, call one function.
//!
//! The job sums the Collatz stopping times of 1..=n, a batch of uneven
//! items (some numbers take ten steps, some hundreds), written once against
//! the `Exec` capability (`map_reduce` over a range). `compare_job` runs it
//! on every model, checks every answer against the sequential one and
//! returns the report: the table, the verdicts and a recommendation.
//!
//! ```text
//! cargo run --release --example own_job                # n = 3,000,000
//! cargo run --release --example own_job -- 200000 1,2  # n, thread counts
//! ```

use cvp::compare::{compare_job, JobOptions};
use cvp::report::{render, Report};
use cvp::workloads::{Exec, UserJob};

/// Sum of the Collatz stopping times of 1..=n.
pub(crate) struct CollatzSteps {
    /// The last number.
    pub(crate) n: u64,
}

fn stopping_time(mut x: u64) -> u64 {
    let mut steps = 0;
    while x != 1 {
        x = if x % 2 == 0 { x / 2 } else { 3 * x + 1 };
        steps += 1;
    }
    steps
}

impl UserJob for CollatzSteps {
    fn run<E: Exec>(&self, exec: &E) -> String {
        let total = exec.map_reduce(
            self.n as usize,
            4096,
            |r| r.map(|i| stopping_time(i as u64 + 1)).sum::<u64>(),
            |a, b| a + b,
        );
        total.to_string()
    }
}

/// The report for `n` at these thread counts.
pub(crate) fn report(n: u64, threads: Vec<usize>, options: impl FnOnce(&mut JobOptions)) -> Report {
    let mut o = JobOptions::new("collatz-steps");
    o.description = format!("sum of the Collatz stopping times of 1..={n}: uneven items");
    o.threads = threads;
    options(&mut o);
    match compare_job(CollatzSteps { n }, o) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("own_job: {e}");
            std::process::exit(2);
        }
    }
}

#[allow(dead_code)] // the test includes this file for `report` only
fn main() {
    let mut args = std::env::args().skip(1);
    let n = match args.next().map(|a| a.parse::<u64>()) {
        None => 3_000_000,
        Some(Ok(n)) if (1..=1_000_000_000).contains(&n) => n,
        Some(_) => {
            eprintln!("own_job: n must be a number from 1 to 1000000000");
            std::process::exit(2);
        }
    };
    let threads = match args.next() {
        None => vec![std::thread::available_parallelism().map_or(1, |c| c.get())],
        Some(list) => match list
            .split(',')
            .map(str::parse)
            .collect::<Result<Vec<usize>, _>>()
        {
            Ok(t) if !t.is_empty() && t.iter().all(|&x| (1..=1024).contains(&x)) => t,
            _ => {
                eprintln!("own_job: threads must be a comma-separated list of 1 to 1024");
                std::process::exit(2);
            }
        },
    };
    print!("{}", render::text(&report(n, threads, |_| {})));
}

//! The parallel-iterator cases of the decompose bench (`benches/decompose.rs`
//! at the workspace root) in a small binary, for tools that watch one
//! process: instruction counts (`valgrind --tool=callgrind`), CPU time
//! (`perf stat`), and this pool's chunk trace.
//!
//! ```sh
//! cargo build --release -p cvp-decompose --example iter_cases
//! B=target/release/examples/iter_cases
//! $B run decompose collect 1 5     # one case, 5 calls (callgrind, perf stat)
//! $B compare collect 2 30          # decompose and rayon alternating, 30 rounds
//! $B trace sum 2 5                 # who ran which piece when, per call
//! ```
//!
//! Cases: `sum` (`map(x * 3).sum()`), `collect` (`map(x * 3).collect()`),
//! `count` (`filter(x % 3 == 0).count()`) over 10^7 `u64`s in a pool of
//! the given size, and `tiny` (`map().sum()` over 1,000 items on the global
//! pool, 10,000 calls per timing). `run` takes `decompose`, `rayon` or
//! (for `tiny`) `sequential`. `compare` prints each side's minimum and
//! median time and its user and system CPU time per call (from `getrusage`,
//! all threads).
//!
//! Under valgrind the clock runs slow, so the adaptive probe of `tiny`
//! predicts a long job and goes parallel; count the sequential path with a
//! preloaded `clock_gettime` that advances by 1 ns per call.

use std::hint::black_box;
use std::process::ExitCode;
use std::time::Instant;

const LEN: usize = 10_000_000;
const TINY_LEN: usize = 1000;
const TINY_CALLS: usize = 10_000;

mod ours {
    use cvp_decompose::prelude::*;

    pub(crate) fn sum(data: &[u64]) -> u64 {
        data.par_iter().map(|&x| x * 3).sum()
    }

    pub(crate) fn collect(data: &[u64]) -> Vec<u64> {
        data.par_iter().map(|&x| x * 3).collect()
    }

    pub(crate) fn count(data: &[u64]) -> usize {
        data.par_iter().filter(|&&x| x % 3 == 0).count()
    }

    pub(crate) fn tiny(data: &[u64]) -> u64 {
        data.par_iter().map(|&x| x ^ (x >> 3)).sum()
    }
}

mod theirs {
    use rayon::prelude::*;

    pub(crate) fn sum(data: &[u64]) -> u64 {
        data.par_iter().map(|&x| x * 3).sum()
    }

    pub(crate) fn collect(data: &[u64]) -> Vec<u64> {
        data.par_iter().map(|&x| x * 3).collect()
    }

    pub(crate) fn count(data: &[u64]) -> usize {
        data.par_iter().filter(|&&x| x % 3 == 0).count()
    }

    pub(crate) fn tiny(data: &[u64]) -> u64 {
        data.par_iter().map(|&x| x ^ (x >> 3)).sum()
    }
}

/// One call of a case (or `TINY_CALLS` of `tiny`).
type Call<'a> = Box<dyn Fn() + 'a>;

struct Pools {
    ours: cvp_decompose::Pool,
    rayon: rayon::ThreadPool,
}

fn call<'a>(who: &str, case: &str, pools: &'a Pools, data: &'a [u64]) -> Result<Call<'a>, String> {
    let (ours_pool, rayon_pool) = (&pools.ours, &pools.rayon);
    let tiny = &data[..TINY_LEN];
    Ok(match (who, case) {
        ("decompose", "sum") => Box::new(move || {
            black_box(ours_pool.install(|| ours::sum(black_box(data))));
        }),
        ("decompose", "collect") => Box::new(move || {
            black_box(ours_pool.install(|| ours::collect(black_box(data))));
        }),
        ("decompose", "count") => Box::new(move || {
            black_box(ours_pool.install(|| ours::count(black_box(data))));
        }),
        ("decompose", "tiny") => Box::new(move || {
            for _ in 0..TINY_CALLS {
                black_box(ours::tiny(black_box(tiny)));
            }
        }),
        ("rayon", "sum") => Box::new(move || {
            black_box(rayon_pool.install(|| theirs::sum(black_box(data))));
        }),
        ("rayon", "collect") => Box::new(move || {
            black_box(rayon_pool.install(|| theirs::collect(black_box(data))));
        }),
        ("rayon", "count") => Box::new(move || {
            black_box(rayon_pool.install(|| theirs::count(black_box(data))));
        }),
        ("rayon", "tiny") => Box::new(move || {
            for _ in 0..TINY_CALLS {
                black_box(theirs::tiny(black_box(tiny)));
            }
        }),
        ("sequential", "tiny") => Box::new(move || {
            for _ in 0..TINY_CALLS {
                black_box(black_box(tiny).iter().map(|&x| x ^ (x >> 3)).sum::<u64>());
            }
        }),
        _ => {
            return Err(format!(
                "no case `{who} {case}` (cases: sum, collect, count, tiny; \
                 sides: decompose, rayon, sequential for tiny)"
            ))
        }
    })
}

/// User and system CPU time of the whole process so far, in nanoseconds.
fn cpu_ns() -> (u64, u64) {
    // SAFETY: `rusage` is plain data, valid when zeroed.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: `usage` is a valid, writable `rusage`.
    unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut usage) };
    let ns = |t: libc::timeval| t.tv_sec as u64 * 1_000_000_000 + t.tv_usec as u64 * 1000;
    (ns(usage.ru_utime), ns(usage.ru_stime))
}

fn parse(arg: Option<&String>, what: &str) -> Result<usize, String> {
    let arg = arg.ok_or_else(|| format!("missing {what}"))?;
    arg.parse()
        .ok()
        .filter(|&n| n > 0)
        .ok_or_else(|| format!("{what} `{arg}` is not a positive integer"))
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match run(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("iter_cases: {e} (usage: run WHO CASE THREADS CALLS | compare CASE THREADS ROUNDS | trace CASE THREADS CALLS)");
            ExitCode::from(2)
        }
    }
}

fn run(args: &[String]) -> Result<(), String> {
    let mode = args.first().map(String::as_str).unwrap_or_default();
    let (who, rest) = match mode {
        "run" => (
            args.get(1).cloned().unwrap_or_default(),
            &args[2.min(args.len())..],
        ),
        "compare" | "trace" => (String::new(), &args[1..]),
        _ => return Err(format!("unknown mode `{mode}`")),
    };
    let case = rest.first().cloned().unwrap_or_default();
    let threads = parse(rest.get(1), "thread count")?;
    let count = parse(rest.get(2), "count")?;
    let data: Vec<u64> = (0..LEN as u64).collect();
    let pools = Pools {
        ours: cvp_decompose::Pool::new(threads).map_err(|e| e.to_string())?,
        rayon: rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .map_err(|e| e.to_string())?,
    };
    match mode {
        "run" => {
            let f = call(&who, &case, &pools, &data)?;
            let mut best = f64::INFINITY;
            for _ in 0..count {
                let started = Instant::now();
                f();
                best = best.min(started.elapsed().as_nanos() as f64);
            }
            println!("{who} {case}, {threads} thr: min {:.3} ms", best / 1e6);
        }
        "compare" => {
            let anchor = if case == "tiny" {
                "sequential"
            } else {
                "rayon"
            };
            let sides = ["decompose", anchor];
            let calls = sides
                .iter()
                .map(|who| call(who, &case, &pools, &data))
                .collect::<Result<Vec<_>, _>>()?;
            let mut times = vec![Vec::new(); sides.len()];
            let mut cpu = vec![(0u64, 0u64); sides.len()];
            for _ in 0..count {
                for (i, f) in calls.iter().enumerate() {
                    let (user, sys) = cpu_ns();
                    let started = Instant::now();
                    f();
                    times[i].push(started.elapsed().as_nanos() as f64);
                    let (user2, sys2) = cpu_ns();
                    cpu[i].0 += user2 - user;
                    cpu[i].1 += sys2 - sys;
                }
            }
            let min = |t: &[f64]| t.iter().copied().fold(f64::INFINITY, f64::min);
            let base = min(&times[1]);
            for (i, who) in sides.iter().enumerate() {
                times[i].sort_by(f64::total_cmp);
                let per = |ns: u64| ns as f64 / count as f64 / 1e6;
                println!(
                    "{case}, {threads} thr, {who:<10} min {:8.3} ms ({:.3}x)  median {:8.3} ms  user {:7.3} ms  sys {:7.3} ms per call",
                    times[i][0] / 1e6,
                    times[i][0] / base,
                    times[i][count / 2] / 1e6,
                    per(cpu[i].0),
                    per(cpu[i].1)
                );
            }
        }
        _ => {
            let f = call("decompose", &case, &pools, &data)?;
            for _ in 0..count {
                pools.ours.start_trace();
                let started = Instant::now();
                f();
                let total = started.elapsed();
                let mut line = format!("{:8.1} us:", total.as_secs_f64() * 1e6);
                for e in pools.ours.take_trace().events {
                    let worker = e.worker.map_or("caller".to_owned(), |w| format!("w{w}"));
                    line += &format!(
                        " [{worker} {}+{} {:.1}-{:.1}]",
                        e.range.start,
                        e.range.len(),
                        e.start.as_secs_f64() * 1e6,
                        e.end.as_secs_f64() * 1e6
                    );
                }
                println!("{line}");
                // Let the workers fall asleep, as between the bench's calls.
                std::thread::sleep(std::time::Duration::from_millis(3));
            }
        }
    }
    Ok(())
}

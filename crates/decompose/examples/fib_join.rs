//! fib(N) with a `join` at every level, on this pool or on rayon's, in a
//! small binary for instruction counts (`valgrind --tool=callgrind`) and
//! CPU time (`perf stat`): the join fast path and nothing else.
//!
//! ```sh
//! cargo build --release -p cvp-decompose --example fib_join
//! B=target/release/examples/fib_join
//! $B decompose 30 1        # fib(30), a pool of 1 thread
//! $B rayon 30 2            # the same on rayon, 2 threads
//! valgrind --tool=callgrind --callgrind-out-file=/tmp/fib.out $B decompose 30 1
//! ```
//!
//! Arguments: the pool (`decompose` or `rayon`, default `decompose`), `N`
//! (default 30), the number of threads `T` (default 1) and how many times
//! to run (default 1). This pool's side also prints, on stderr, how many
//! jobs each worker has taken from a deque so far. Each side builds its
//! pool once, a small constant next to fib(30)'s 1.6 million joins; the
//! result is printed so the work cannot be optimised away.

use std::hint::black_box;
use std::process::ExitCode;
use std::time::Instant;

fn fib_ours(n: u64) -> u64 {
    if n < 2 {
        return n;
    }
    let (a, b) = cvp_decompose::join(|| fib_ours(n - 1), || fib_ours(n - 2));
    a + b
}

fn fib_rayon(n: u64) -> u64 {
    if n < 2 {
        return n;
    }
    let (a, b) = rayon::join(|| fib_rayon(n - 1), || fib_rayon(n - 2));
    a + b
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let side = args.first().map_or("decompose", String::as_str);
    let parse = |i: usize, default: u64| -> Option<u64> {
        args.get(i).map_or(Some(default), |s| s.parse().ok())
    };
    let (Some(n), Some(threads), Some(runs)) = (parse(1, 30), parse(2, 1), parse(3, 1)) else {
        eprintln!("usage: fib_join [decompose|rayon] [N] [THREADS] [RUNS]");
        return ExitCode::from(2);
    };
    let threads = threads as usize;
    let run: Box<dyn Fn(u64) -> u64> = match side {
        "decompose" => {
            let pool = match cvp_decompose::Pool::new(threads) {
                Ok(pool) => pool,
                Err(e) => {
                    eprintln!("fib_join: {e}");
                    return ExitCode::from(2);
                }
            };
            Box::new(move |n| {
                let value = pool.install(|| fib_ours(black_box(n)));
                // How the work spread: jobs each worker took from a deque
                // (stolen halves, and published halves taken back late).
                let jobs: Vec<u64> = pool.stats().workers.iter().map(|w| w.jobs).collect();
                eprintln!("decompose jobs run per worker so far: {jobs:?}");
                value
            })
        }
        "rayon" => {
            if threads == 0 {
                // rayon takes 0 to mean "one per core"; this pool refuses it.
                eprintln!("fib_join: a pool needs at least one thread");
                return ExitCode::from(2);
            }
            let pool = match rayon::ThreadPoolBuilder::new().num_threads(threads).build() {
                Ok(pool) => pool,
                Err(e) => {
                    eprintln!("fib_join: {e}");
                    return ExitCode::from(2);
                }
            };
            Box::new(move |n| pool.install(|| fib_rayon(black_box(n))))
        }
        other => {
            eprintln!("fib_join: unknown pool {other:?}: decompose or rayon");
            return ExitCode::from(2);
        }
    };
    for _ in 0..runs {
        let start = Instant::now();
        let value = run(n);
        println!(
            "{side} fib({n}) = {value} on {threads} thread(s) in {:?}",
            start.elapsed()
        );
    }
    ExitCode::SUCCESS
}

//! The `spawn_await_1m` bench's body, one engine per process, for
//! `perf stat`, `perf record` and `valgrind --tool=callgrind`:
//!
//! ```text
//! cargo build --release -p cvp-interleave --example spawn_await
//! perf stat -e page-faults,instructions,cycles target/release/examples/spawn_await interleave 20
//! perf stat -e page-faults,instructions,cycles target/release/examples/spawn_await async-executor 20
//! ```
//!
//! Arguments: the engine (`interleave` or `async-executor`), the rounds
//! (default 20) and the tasks per round (default 1,000,000). Prints the
//! time per task of the fastest round.

use std::time::{Duration, Instant};

fn main() {
    let mut args = std::env::args().skip(1);
    let engine = args.next().unwrap_or_else(|| "interleave".into());
    let rounds: usize = parse(args.next(), 20, "rounds");
    let tasks: usize = parse(args.next(), 1_000_000, "tasks");
    let mut best = Duration::MAX;
    match engine.as_str() {
        "interleave" => {
            let rt = cvp_interleave::Runtime::new();
            for _ in 0..rounds {
                let t = Instant::now();
                let s = rt
                    .block_on(async {
                        let hs: Vec<_> = (0..tasks)
                            .map(|i| cvp_interleave::spawn(async move { i }))
                            .collect();
                        let mut s = 0;
                        for h in hs {
                            s += h.await.unwrap();
                        }
                        s
                    })
                    .unwrap();
                best = best.min(t.elapsed());
                assert_eq!(s, tasks * tasks.saturating_sub(1) / 2);
            }
        }
        "async-executor" => {
            let ex = async_executor::LocalExecutor::new();
            for _ in 0..rounds {
                let t = Instant::now();
                let s = futures::executor::block_on(ex.run(async {
                    let hs: Vec<_> = (0..tasks).map(|i| ex.spawn(async move { i })).collect();
                    let mut s = 0;
                    for h in hs {
                        s += h.await;
                    }
                    s
                }));
                best = best.min(t.elapsed());
                assert_eq!(s, tasks * tasks.saturating_sub(1) / 2);
            }
        }
        other => {
            eprintln!("spawn_await: unknown engine {other:?} (interleave or async-executor)");
            std::process::exit(2);
        }
    }
    println!(
        "{engine}: {:.1} ns/task (fastest of {rounds} rounds of {tasks} tasks)",
        best.as_nanos() as f64 / tasks.max(1) as f64
    );
}

fn parse(arg: Option<String>, default: usize, what: &str) -> usize {
    match arg {
        None => default,
        Some(a) => a.parse().unwrap_or_else(|_| {
            eprintln!("spawn_await: {what} must be a whole number, not {a:?}");
            std::process::exit(2);
        }),
    }
}

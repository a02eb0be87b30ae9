#![allow(missing_docs)] // criterion_group! generates an undocumented `pub fn`.

//! cvp-interleave against its anchors, in the same run: tokio current-thread,
//! async-executor `LocalExecutor`, futures `LocalPool`.
//!
//! - `switch_8_tasks`: 8 tasks, each yielding in a loop; time per yield.
//! - `spawn_await_1m`: spawn 1,000,000 trivial tasks, then await them all;
//!   time per task.
//! - `sleep_100k_20ms`: 100,000 tasks each sleep 20 ms; wall time. Beside
//!   criterion's blocks, the time beyond the nap is also measured paired
//!   ([`paired_sleepers`]): rounds of A B B A, each run a fresh process,
//!   written to `target/criterion/paired/` for `cargo xtask bench`.
//! - `sleep_10k_20ms`: 10,000 tasks each sleep 20 ms, cvp-interleave only
//!   (target: within 25 ms).
//! - `pingpong_bounded_10k`: two tasks bounce a value 10,000 times over
//!   two channels of capacity 1; time per round trip.
//!
//! Before criterion runs, the bench prints the runtime's per-task overhead.
//! `cargo xtask bench` commits the results (`results/benches.json`) and
//! draws crates/interleave/README.md's table from them.
//!
//! Knobs: `CVP_BENCH_SLEEP_ROUNDS` (rounds of the paired sleep measurement,
//! default 9, 0 to skip it); a bad value is reported in one line and the
//! default is used.
//!
//! Every engine runs the same futures: the yield is one hand-written future
//! (wake, then `Pending` once), so the numbers compare executors, not yield
//! implementations.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use criterion::{criterion_group, BenchmarkId, Criterion, Throughput};
use futures::task::LocalSpawnExt;

mod support;
use support::quantile;

const TASKS: usize = 8;
const YIELDS: usize = 10_000;
const SPAWNS: usize = 1_000_000;
const SLEEPERS: usize = 100_000;
/// Sleepers of the small sleep bench.
const FEW_SLEEPERS: usize = 10_000;
const NAP: Duration = Duration::from_millis(20);

/// Yield once: wake ourselves and return `Pending`.
struct Yield(bool);

impl Future for Yield {
    type Output = ();
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if self.0 {
            return Poll::Ready(());
        }
        self.0 = true;
        cx.waker().wake_by_ref();
        Poll::Pending
    }
}

async fn yielder() {
    for _ in 0..YIELDS {
        Yield(false).await;
    }
}

fn tokio_rt() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

fn switch(c: &mut Criterion) {
    let mut g = c.benchmark_group("switch_8_tasks");
    g.throughput(Throughput::Elements((TASKS * YIELDS) as u64));

    let rt = cvp_interleave::Runtime::new();
    g.bench_function("interleave", |b| {
        b.iter(|| {
            rt.block_on(async {
                let hs: Vec<_> = (0..TASKS)
                    .map(|_| cvp_interleave::spawn(yielder()))
                    .collect();
                for h in hs {
                    h.await.unwrap();
                }
            })
            .unwrap()
        })
    });

    let trt = tokio_rt();
    g.bench_function("tokio-current-thread", |b| {
        b.iter(|| {
            trt.block_on(async {
                let hs: Vec<_> = (0..TASKS).map(|_| tokio::spawn(yielder())).collect();
                for h in hs {
                    h.await.unwrap();
                }
            })
        })
    });

    let ex = async_executor::LocalExecutor::new();
    g.bench_function("async-executor", |b| {
        b.iter(|| {
            futures::executor::block_on(ex.run(async {
                let hs: Vec<_> = (0..TASKS).map(|_| ex.spawn(yielder())).collect();
                for h in hs {
                    h.await;
                }
            }))
        })
    });

    g.bench_function("futures-localpool", |b| {
        b.iter(|| {
            let mut pool = futures::executor::LocalPool::new();
            let sp = pool.spawner();
            let hs: Vec<_> = (0..TASKS)
                .map(|_| sp.spawn_local_with_handle(yielder()).unwrap())
                .collect();
            pool.run_until(futures::future::join_all(hs));
        })
    });
    g.finish();
}

fn spawn_await(c: &mut Criterion) {
    let mut g = c.benchmark_group("spawn_await_1m");
    g.throughput(Throughput::Elements(SPAWNS as u64));

    let rt = cvp_interleave::Runtime::new();
    g.bench_function("interleave", |b| {
        b.iter(|| {
            rt.block_on(async {
                let hs: Vec<_> = (0..SPAWNS)
                    .map(|i| cvp_interleave::spawn(async move { i }))
                    .collect();
                let mut s = 0;
                for h in hs {
                    s += h.await.unwrap();
                }
                s
            })
            .unwrap()
        })
    });

    let trt = tokio_rt();
    g.bench_function("tokio-current-thread", |b| {
        b.iter(|| {
            trt.block_on(async {
                let hs: Vec<_> = (0..SPAWNS)
                    .map(|i| tokio::spawn(async move { i }))
                    .collect();
                let mut s = 0;
                for h in hs {
                    s += h.await.unwrap();
                }
                s
            })
        })
    });

    let ex = async_executor::LocalExecutor::new();
    g.bench_function("async-executor", |b| {
        b.iter(|| {
            futures::executor::block_on(ex.run(async {
                let hs: Vec<_> = (0..SPAWNS).map(|i| ex.spawn(async move { i })).collect();
                let mut s = 0;
                for h in hs {
                    s += h.await;
                }
                s
            }))
        })
    });

    g.bench_function("futures-localpool", |b| {
        b.iter(|| {
            let mut pool = futures::executor::LocalPool::new();
            let sp = pool.spawner();
            let hs: Vec<_> = (0..SPAWNS)
                .map(|i| sp.spawn_local_with_handle(async move { i }).unwrap())
                .collect();
            pool.run_until(async {
                let mut s = 0;
                for h in hs {
                    s += h.await;
                }
                s
            })
        })
    });
    g.finish();
}

fn interleave_sleepers(rt: &cvp_interleave::Runtime, n: usize) -> Duration {
    let t = Instant::now();
    rt.block_on(async {
        let hs: Vec<_> = (0..n)
            .map(|_| cvp_interleave::spawn(cvp_interleave::sleep(NAP)))
            .collect();
        for h in hs {
            h.await.unwrap();
        }
    })
    .unwrap();
    t.elapsed()
}

fn tokio_sleepers(rt: &tokio::runtime::Runtime, n: usize) -> Duration {
    let t = Instant::now();
    rt.block_on(async {
        let hs: Vec<_> = (0..n)
            .map(|_| tokio::spawn(tokio::time::sleep(NAP)))
            .collect();
        for h in hs {
            h.await.unwrap();
        }
    });
    t.elapsed()
}

fn sleepers(c: &mut Criterion) {
    let mut g = c.benchmark_group("sleep_100k_20ms");
    let rt = cvp_interleave::Runtime::new();
    g.bench_with_input(
        BenchmarkId::new("interleave", SLEEPERS),
        &SLEEPERS,
        |b, &n| b.iter_custom(|iters| (0..iters).map(|_| interleave_sleepers(&rt, n)).sum()),
    );
    let trt = tokio_rt();
    g.bench_with_input(
        BenchmarkId::new("tokio-current-thread", SLEEPERS),
        &SLEEPERS,
        |b, &n| b.iter_custom(|iters| (0..iters).map(|_| tokio_sleepers(&trt, n)).sum()),
    );
    g.finish();
    // Fewer sleepers: how close to the nap itself the wall time stays.
    let mut g = c.benchmark_group("sleep_10k_20ms");
    g.bench_with_input(
        BenchmarkId::new("interleave", FEW_SLEEPERS),
        &FEW_SLEEPERS,
        |b, &n| b.iter_custom(|iters| (0..iters).map(|_| interleave_sleepers(&rt, n)).sum()),
    );
    g.finish();
}

const ROUND_TRIPS: usize = 10_000;

/// Two tasks bounce a value over two bounded channels of capacity 1.
fn pingpong(c: &mut Criterion) {
    let mut g = c.benchmark_group("pingpong_bounded_10k");
    g.throughput(Throughput::Elements(ROUND_TRIPS as u64));
    let rt = cvp_interleave::Runtime::new();
    g.bench_function("interleave", |b| {
        b.iter(|| {
            rt.block_on(async {
                let (ping_tx, mut ping_rx) = cvp_interleave::bounded::<u64>(1);
                let (pong_tx, mut pong_rx) = cvp_interleave::bounded::<u64>(1);
                let echo = cvp_interleave::spawn(async move {
                    while let Some(v) = ping_rx.recv().await {
                        pong_tx.send(v + 1).await.unwrap();
                    }
                });
                let mut v = 0;
                for _ in 0..ROUND_TRIPS {
                    ping_tx.send(v).await.unwrap();
                    v = pong_rx.recv().await.unwrap();
                }
                drop(ping_tx);
                echo.await.unwrap();
                assert_eq!(v, ROUND_TRIPS as u64);
            })
            .unwrap()
        })
    });
    let trt = tokio_rt();
    g.bench_function("tokio-current-thread", |b| {
        b.iter(|| {
            trt.block_on(async {
                let (ping_tx, mut ping_rx) = tokio::sync::mpsc::channel::<u64>(1);
                let (pong_tx, mut pong_rx) = tokio::sync::mpsc::channel::<u64>(1);
                let echo = tokio::spawn(async move {
                    while let Some(v) = ping_rx.recv().await {
                        pong_tx.send(v + 1).await.unwrap();
                    }
                });
                let mut v = 0;
                for _ in 0..ROUND_TRIPS {
                    ping_tx.send(v).await.unwrap();
                    v = pong_rx.recv().await.unwrap();
                }
                drop(ping_tx);
                echo.await.unwrap();
                assert_eq!(v, ROUND_TRIPS as u64);
            })
        })
    });
    g.finish();
}

/// The per-task overhead, printed once.
fn report_once() {
    println!(
        "interleave: per-task overhead {} bytes (allocation without future/output + registry and ready-queue slots)",
        cvp_interleave::task_overhead_bytes()
    );
}

fn config() -> Criterion {
    report_once();
    Criterion::default()
        .sample_size(10)
        .warm_up_time(Duration::from_millis(300))
        .measurement_time(Duration::from_secs(2))
        .configure_from_args()
}

/// Set in a child process of [`paired_sleepers`]: the side it runs.
const SLEEP_CHILD: &str = "CVP_BENCH_SLEEP_CHILD";
/// Runs of the sleep bench a child makes before it measures (the first
/// ones allocate what the later ones reuse), and runs it measures.
const CHILD_WARM_UP: usize = 3;
const CHILD_RUNS: usize = 7;
/// A child that has not answered by then is killed (a run takes well under
/// a second).
const CHILD_LIMIT: Duration = Duration::from_secs(60);

/// One side of the paired sleep measurement, in a child process: prints
/// the median time beyond the nap of its measured runs, in nanoseconds.
fn sleep_child(side: &str) -> Result<(), String> {
    let over = |d: Duration| d.saturating_sub(NAP).as_nanos() as f64;
    let mut runs: Vec<f64> = match side {
        "interleave" => {
            let rt = cvp_interleave::Runtime::new();
            (0..CHILD_WARM_UP + CHILD_RUNS)
                .map(|_| over(interleave_sleepers(&rt, SLEEPERS)))
                .collect()
        }
        "tokio-current-thread" => {
            let rt = tokio_rt();
            (0..CHILD_WARM_UP + CHILD_RUNS)
                .map(|_| over(tokio_sleepers(&rt, SLEEPERS)))
                .collect()
        }
        other => return Err(format!("unknown side {other:?}")),
    };
    let mut measured = runs.split_off(CHILD_WARM_UP);
    println!("overhead_ns {}", quantile(&mut measured, 0.5));
    Ok(())
}

/// Runs one side in a fresh process of this bench; its median overhead in
/// nanoseconds.
fn run_child(side: &str) -> Result<f64, String> {
    use std::io::Read;
    use std::process::{Command, Stdio};
    let exe = std::env::current_exe().map_err(|e| format!("cannot find the bench binary: {e}"))?;
    let mut child = Command::new(exe)
        .env(SLEEP_CHILD, side)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .map_err(|e| format!("cannot start a child: {e}"))?;
    let start = Instant::now();
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if start.elapsed() > CHILD_LIMIT => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(format!(
                    "the {side} child took over {CHILD_LIMIT:?}; killed"
                ));
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(10)),
            Err(e) => return Err(format!("waiting for the {side} child: {e}")),
        }
    };
    let mut out = String::new();
    if let Some(mut pipe) = child.stdout.take() {
        let _ = pipe.read_to_string(&mut out);
    }
    if !status.success() {
        return Err(format!("the {side} child failed ({status})"));
    }
    out.lines()
        .find_map(|l| l.strip_prefix("overhead_ns "))
        .and_then(|v| v.trim().parse().ok())
        .ok_or_else(|| format!("the {side} child printed no figure"))
}

/// The 100,000-sleepers bench's time beyond the nap, cvp-interleave
/// against tokio current-thread, paired: each round runs cvp, tokio,
/// tokio, cvp, each in a fresh process (so that no side inherits the
/// other's heap: with both runtimes in one process, tokio's figure moved
/// by half with the other side's cell sizes), and takes the ratio of the
/// round's sums. Prints the median ratio with its quartiles and writes it
/// to `target/criterion/paired/sleep_100k_20ms.json`.
fn paired_sleepers() {
    let rounds = match std::env::var("CVP_BENCH_SLEEP_ROUNDS") {
        Err(_) => 9,
        Ok(v) => {
            match v.trim().parse::<u32>() {
                Ok(n) if n <= 101 => n,
                _ => {
                    eprintln!("CVP_BENCH_SLEEP_ROUNDS={v:?}: not a number of rounds from 0 to 101; using 9");
                    9
                }
            }
        }
    };
    if rounds == 0 {
        return;
    }
    let (ours, anchor) = ("interleave", "tokio-current-thread");
    let (mut ratios, mut mine, mut theirs) = (Vec::new(), Vec::new(), Vec::new());
    for _ in 0..rounds {
        let round: Result<[f64; 4], String> = (|| {
            Ok([
                run_child(ours)?,
                run_child(anchor)?,
                run_child(anchor)?,
                run_child(ours)?,
            ])
        })();
        match round {
            Ok([a1, b1, b2, a2]) => {
                ratios.push((a1 + a2) / (b1 + b2));
                mine.extend([a1, a2]);
                theirs.extend([b1, b2]);
            }
            Err(e) => {
                eprintln!("paired sleep bench: {e}; no paired figure");
                return;
            }
        }
    }
    let figure = cvp_report::visual::Paired {
        group: "sleep_100k_20ms".into(),
        measure: "time beyond the 20 ms nap".into(),
        ours: ours.into(),
        anchor: anchor.into(),
        rounds,
        ratio: quantile(&mut ratios, 0.5),
        ratio_q1: quantile(&mut ratios, 0.25),
        ratio_q3: quantile(&mut ratios, 0.75),
        ours_ns: quantile(&mut mine, 0.5),
        anchor_ns: quantile(&mut theirs, 0.5),
    };
    println!(
        "sleep_100k_20ms paired ({rounds} rounds of A B B A, a process per run): time beyond the nap {:.2} ms vs {:.2} ms, ratio {:.3} (quartiles {:.3}–{:.3})",
        figure.ours_ns / 1e6,
        figure.anchor_ns / 1e6,
        figure.ratio,
        figure.ratio_q1,
        figure.ratio_q3
    );
    let written = std::env::current_exe()
        .map_err(|e| e.to_string())
        .and_then(|exe| {
            // target/<profile>/deps/<bench>: criterion's folder is target/criterion.
            let target = exe
                .ancestors()
                .nth(3)
                .ok_or("the bench binary is not under a target folder")?
                .to_path_buf();
            let dir = target.join("criterion").join("paired");
            std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
            let path = dir.join("sleep_100k_20ms.json");
            let json = serde_json::to_string_pretty(&figure).map_err(|e| e.to_string())?;
            std::fs::write(&path, json + "\n").map_err(|e| format!("{}: {e}", path.display()))
        });
    if let Err(e) = written {
        eprintln!("paired sleep bench: cannot write the figure: {e}");
    }
}

/// Whether the command line's filter (criterion's first free argument)
/// selects `name`; no filter selects everything.
fn selected(name: &str) -> bool {
    let mut filter = None;
    for a in std::env::args().skip(1) {
        if a == "--test" || a == "--list" || a == "--profile-time" {
            return false;
        }
        if !a.starts_with('-') {
            filter = Some(a);
            break;
        }
    }
    filter.is_none_or(|f| name.contains(&f))
}

criterion_group! {
    name = benches;
    config = config();
    targets = switch, spawn_await, sleepers, pingpong
}

fn main() {
    if let Ok(side) = std::env::var(SLEEP_CHILD) {
        if let Err(e) = sleep_child(&side) {
            eprintln!("paired sleep bench child: {e}");
            std::process::exit(2);
        }
        return;
    }
    if selected("sleep_100k_20ms") {
        paired_sleepers();
    }
    benches();
    Criterion::default().configure_from_args().final_summary();
}

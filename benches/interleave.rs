#![allow(missing_docs)] // criterion_group! generates an undocumented `pub fn`.

//! cvp-interleave against its anchors, in the same run: tokio current-thread,
//! async-executor `LocalExecutor`, futures `LocalPool`.
//!
//! - `switch_8_tasks`: 8 tasks, each yielding in a loop; time per yield.
//! - `spawn_await_1m`: spawn 1,000,000 trivial tasks, then await them all;
//!   time per task.
//! - `sleep_100k_20ms`: 100,000 tasks each sleep 20 ms; wall time.
//! - `sleep_10k_20ms`: 10,000 tasks each sleep 20 ms, cvp-interleave only
//!   (target: within 25 ms).
//! - `pingpong_bounded_10k`: two tasks bounce a value 10,000 times over
//!   two channels of capacity 1; time per round trip.
//!
//! Before criterion runs, the bench prints the runtime's per-task overhead.
//! `cargo xtask bench` commits the results (`results/benches.json`) and
//! draws crates/interleave/README.md's table from them.
//!
//! Every engine runs the same futures: the yield is one hand-written future
//! (wake, then `Pending` once), so the numbers compare executors, not yield
//! implementations.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use futures::task::LocalSpawnExt;

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

criterion_group! {
    name = benches;
    config = config();
    targets = switch, spawn_await, sleepers, pingpong
}
criterion_main!(benches);

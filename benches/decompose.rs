//! cvp-decompose against rayon, in the same run, reported as ratios.
//!
//! * `join`: fib(30) with a join at every level, and with a sequential
//!   cut-off below 20: the cost of a join;
//! * `tiny`: map_reduce over 1,000 tiny items vs the sequential loop vs
//!   rayon's `par_iter().sum()`;
//! * `primes`: counting primes below 300,000 by trial division (uneven
//!   chunks) at 1 and 2 threads;
//! * `strategies`: the same primes job under each split strategy;
//! * `iter-sum`, `iter-collect`, `iter-filter-count`: parallel iterators
//!   over 10^7 `u64`s at 1 and 2 threads, against rayon's;
//! * `sort-unstable` (10^7 random `u32`s) and `sort-stable` (10^7 random
//!   `(u64, u64)`s) at 1 and 2 threads, against rayon's;
//! * `tiny-iter`: `par_iter().map().sum()` over 1,000 tiny items against
//!   the sequential loop (the small-input guard).
//!
//! Select groups with a filter: `cargo bench -p cvp --bench decompose --
//! 'iter|sort'`.
//!
//! Run with `cargo bench -p cvp --bench decompose`; the ratios are printed
//! at the end. With `CVP_BENCH_ITER_ONLY=1` and a filter that matches no
//! group (`-- NOMATCH`), only the interleaved harness runs: fib(30), the
//! iterators, the merge-sort workload's sort by `join` and the sorts, each
//! against rayon, alternating; `CVP_BENCH_README=crates/decompose/README.md`
//! writes its table between the README's `bench:iterators` markers. Sample counts are small: the machine is a shared 2-core VM.

use std::hint::black_box;
use std::path::PathBuf;
use std::time::Duration;

use criterion::{BatchSize, BenchmarkId, Criterion};
use cvp_decompose::{Pool, Strategy};
use rayon::prelude::*;

mod support;
use support::quantile;

/// The cases written with cvp-decompose's parallel iterators, in a module
/// of their own so that its traits and rayon's are not both in scope.
mod ours {
    use cvp_decompose::prelude::*;

    pub(crate) fn map_sum(data: &[u64]) -> u64 {
        data.par_iter().map(|&x| x * 3).sum()
    }

    pub(crate) fn map_collect(data: &[u64]) -> Vec<u64> {
        data.par_iter().map(|&x| x * 3).collect()
    }

    pub(crate) fn filter_count(data: &[u64]) -> usize {
        data.par_iter().filter(|&&x| x % 3 == 0).count()
    }

    pub(crate) fn tiny(data: &[u64]) -> u64 {
        data.par_iter().map(|&x| super::tiny_item(x)).sum()
    }

    pub(crate) fn sort_unstable<T: Ord + Send>(v: &mut [T]) {
        v.par_sort_unstable();
    }

    pub(crate) fn sort<T: Ord + Send>(v: &mut [T]) {
        v.par_sort();
    }
}

const FIB_N: u32 = 30;
const FIB_CUTOFF: u32 = 20;
const TINY_LEN: usize = 1000;
const PRIMES_BELOW: usize = 300_000;
const BIG_LEN: usize = 10_000_000;

/// Seeded xorshift, for the sorting inputs.
fn random_words(len: usize, mut seed: u64) -> Vec<u64> {
    (0..len)
        .map(|_| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        })
        .collect()
}

fn fib_seq(n: u32) -> u64 {
    if n < 2 {
        u64::from(n)
    } else {
        fib_seq(n - 1) + fib_seq(n - 2)
    }
}

fn fib_decompose(n: u32, cutoff: u32) -> u64 {
    if n < 2 || n < cutoff {
        return fib_seq(n);
    }
    let (a, b) = cvp_decompose::join(
        || fib_decompose(n - 1, cutoff),
        || fib_decompose(n - 2, cutoff),
    );
    a + b
}

fn fib_rayon(n: u32, cutoff: u32) -> u64 {
    if n < 2 || n < cutoff {
        return fib_seq(n);
    }
    let (a, b) = rayon::join(|| fib_rayon(n - 1, cutoff), || fib_rayon(n - 2, cutoff));
    a + b
}

fn is_prime(n: usize) -> bool {
    if n < 2 {
        return false;
    }
    let mut d = 2;
    while d * d <= n {
        if n % d == 0 {
            return false;
        }
        d += 1;
    }
    true
}

fn count_primes(range: std::ops::Range<usize>) -> usize {
    range.filter(|&n| is_prime(black_box(n))).count()
}

/// The merge-sort workload's sort (`cvp-workloads`), written once over a
/// `join`: halves below 8 Ki items sorted in place, then a merge through
/// the scratch buffer.
trait Join: Sync {
    fn join2<A: FnOnce() + Send, B: FnOnce() + Send>(&self, a: A, b: B);
}

impl Join for Pool {
    fn join2<A: FnOnce() + Send, B: FnOnce() + Send>(&self, a: A, b: B) {
        self.join(a, b);
    }
}

impl Join for rayon::ThreadPool {
    fn join2<A: FnOnce() + Send, B: FnOnce() + Send>(&self, a: A, b: B) {
        self.join(a, b);
    }
}

fn merge_sort<J: Join>(join: &J, v: &mut [u64], buf: &mut [u64]) {
    if v.len() <= 1 << 13 {
        v.sort_unstable();
        return;
    }
    let mid = v.len() / 2;
    {
        let (lo, hi) = v.split_at_mut(mid);
        let (blo, bhi) = buf.split_at_mut(mid);
        join.join2(|| merge_sort(join, lo, blo), || merge_sort(join, hi, bhi));
    }
    let (a, b) = v.split_at(mid);
    let (mut i, mut j) = (0, 0);
    for slot in buf.iter_mut() {
        *slot = if j == b.len() || (i < a.len() && a[i] <= b[j]) {
            i += 1;
            a[i - 1]
        } else {
            j += 1;
            b[j - 1]
        };
    }
    v.copy_from_slice(buf);
}

fn tiny_item(x: u64) -> u64 {
    x ^ (x >> 3)
}

struct Pools {
    ours: [Pool; 2],
    rayon: [rayon::ThreadPool; 2],
}

impl Pools {
    fn new() -> Pools {
        let rayon = |n| {
            rayon::ThreadPoolBuilder::new()
                .num_threads(n)
                .build()
                .unwrap()
        };
        Pools {
            ours: [Pool::new(1).unwrap(), Pool::new(2).unwrap()],
            rayon: [rayon(1), rayon(2)],
        }
    }
}

fn join_overhead(c: &mut Criterion, pools: &Pools) {
    let mut group = c.benchmark_group("join");
    for (name, cutoff) in [("every-level", 0), ("cutoff", FIB_CUTOFF)] {
        group.bench_function(BenchmarkId::new("sequential", name), |b| {
            b.iter(|| fib_seq(black_box(FIB_N)))
        });
        group.bench_function(BenchmarkId::new("decompose", name), |b| {
            b.iter(|| pools.ours[1].install(|| fib_decompose(black_box(FIB_N), cutoff)))
        });
        group.bench_function(BenchmarkId::new("rayon", name), |b| {
            b.iter(|| pools.rayon[1].install(|| fib_rayon(black_box(FIB_N), cutoff)))
        });
    }
    group.finish();
}

fn tiny(c: &mut Criterion, pools: &Pools) {
    let data: Vec<u64> = (0..TINY_LEN as u64).collect();
    let mut group = c.benchmark_group("tiny");
    group.bench_function("sequential", |b| {
        b.iter(|| black_box(&data).iter().map(|&x| tiny_item(x)).sum::<u64>())
    });
    group.bench_function("decompose", |b| {
        b.iter(|| {
            let data = black_box(&data);
            pools.ours[1].map_reduce(
                data.len(),
                Strategy::default(),
                |r| data[r].iter().map(|&x| tiny_item(x)).sum::<u64>(),
                |a, b| a + b,
            )
        })
    });
    group.bench_function("rayon", |b| {
        b.iter(|| {
            let data = black_box(&data);
            pools.rayon[1].install(|| data.par_iter().map(|&x| tiny_item(x)).sum::<u64>())
        })
    });
    group.finish();
}

fn primes(c: &mut Criterion, pools: &Pools) {
    let mut group = c.benchmark_group("primes");
    for threads in [1, 2] {
        group.bench_function(BenchmarkId::new("decompose", threads), |b| {
            b.iter(|| {
                pools.ours[threads - 1].map_reduce(
                    black_box(PRIMES_BELOW),
                    Strategy::default(),
                    count_primes,
                    |a, b| a + b,
                )
            })
        });
        group.bench_function(BenchmarkId::new("rayon", threads), |b| {
            b.iter(|| {
                pools.rayon[threads - 1].install(|| {
                    (0..black_box(PRIMES_BELOW))
                        .into_par_iter()
                        .filter(|&n| is_prime(black_box(n)))
                        .count()
                })
            })
        });
    }
    group.finish();
}

fn strategies(c: &mut Criterion, pools: &Pools) {
    let mut group = c.benchmark_group("strategies");
    for strategy in [
        Strategy::STATIC,
        Strategy::Dynamic { grain: 1000 },
        Strategy::Guided { min: 100 },
        Strategy::ADAPTIVE,
    ] {
        group.bench_function(strategy.name(), |b| {
            b.iter(|| {
                pools.ours[1].map_reduce(black_box(PRIMES_BELOW), strategy, count_primes, |a, b| {
                    a + b
                })
            })
        });
    }
    group.finish();
}

/// Parallel iterators over 10^7 `u64`s: decompose's and rayon's, at 1
/// and 2 threads.
fn iterators(c: &mut Criterion, pools: &Pools) {
    let data: Vec<u64> = (0..BIG_LEN as u64).collect();
    let data = &data;
    {
        let mut group = c.benchmark_group("iter-sum");
        group.measurement_time(Duration::from_secs(2));
        for (i, threads) in [1, 2].into_iter().enumerate() {
            group.bench_function(BenchmarkId::new("decompose", threads), |b| {
                b.iter(|| pools.ours[i].install(|| ours::map_sum(black_box(data))))
            });
            group.bench_function(BenchmarkId::new("rayon", threads), |b| {
                b.iter(|| {
                    pools.rayon[i]
                        .install(|| black_box(data).par_iter().map(|&x| x * 3).sum::<u64>())
                })
            });
        }
        group.finish();
    }
    {
        let mut group = c.benchmark_group("iter-collect");
        group.measurement_time(Duration::from_secs(3));
        for (i, threads) in [1, 2].into_iter().enumerate() {
            group.bench_function(BenchmarkId::new("decompose", threads), |b| {
                b.iter(|| pools.ours[i].install(|| ours::map_collect(black_box(data))))
            });
            group.bench_function(BenchmarkId::new("rayon", threads), |b| {
                b.iter(|| {
                    pools.rayon[i].install(|| {
                        black_box(data)
                            .par_iter()
                            .map(|&x| x * 3)
                            .collect::<Vec<u64>>()
                    })
                })
            });
        }
        group.finish();
    }
    {
        let mut group = c.benchmark_group("iter-filter-count");
        group.measurement_time(Duration::from_secs(2));
        for (i, threads) in [1, 2].into_iter().enumerate() {
            group.bench_function(BenchmarkId::new("decompose", threads), |b| {
                b.iter(|| pools.ours[i].install(|| ours::filter_count(black_box(data))))
            });
            group.bench_function(BenchmarkId::new("rayon", threads), |b| {
                b.iter(|| {
                    pools.rayon[i]
                        .install(|| black_box(data).par_iter().filter(|&&x| x % 3 == 0).count())
                })
            });
        }
        group.finish();
    }
}

/// Sorting 10^7 random items: decompose's and rayon's, at 1 and 2
/// threads; each run sorts a fresh copy (the copy is not timed).
fn sorting(c: &mut Criterion, pools: &Pools) {
    let words = random_words(BIG_LEN, 0x9E37_79B9_7F4A_7C15);
    let small: Vec<u32> = words.iter().map(|&w| (w >> 32) as u32).collect();
    let pairs: Vec<(u64, u64)> = words
        .iter()
        .map(|&w| (w % 1_000_000, w.rotate_left(17)))
        .collect();
    {
        let mut group = c.benchmark_group("sort-unstable");
        group.measurement_time(Duration::from_secs(4));
        for (i, threads) in [1, 2].into_iter().enumerate() {
            group.bench_function(BenchmarkId::new("decompose", threads), |b| {
                b.iter_batched_ref(
                    || small.clone(),
                    |v| pools.ours[i].install(|| ours::sort_unstable(v)),
                    BatchSize::LargeInput,
                )
            });
            group.bench_function(BenchmarkId::new("rayon", threads), |b| {
                b.iter_batched_ref(
                    || small.clone(),
                    |v| pools.rayon[i].install(|| v.par_sort_unstable()),
                    BatchSize::LargeInput,
                )
            });
        }
        group.finish();
    }
    {
        let mut group = c.benchmark_group("sort-stable");
        group.measurement_time(Duration::from_secs(6));
        for (i, threads) in [1, 2].into_iter().enumerate() {
            group.bench_function(BenchmarkId::new("decompose", threads), |b| {
                b.iter_batched_ref(
                    || pairs.clone(),
                    |v| pools.ours[i].install(|| ours::sort(v)),
                    BatchSize::LargeInput,
                )
            });
            group.bench_function(BenchmarkId::new("rayon", threads), |b| {
                b.iter_batched_ref(
                    || pairs.clone(),
                    |v| pools.rayon[i].install(|| v.par_sort()),
                    BatchSize::LargeInput,
                )
            });
        }
        group.finish();
    }
}

/// `par_iter().map().sum()` over 1,000 tiny items, called from outside any
/// pool (the global one), against the plain loop.
fn tiny_iter(c: &mut Criterion) {
    let data: Vec<u64> = (0..TINY_LEN as u64).collect();
    let mut group = c.benchmark_group("tiny-iter");
    group.bench_function("sequential", |b| {
        b.iter(|| black_box(&data).iter().map(|&x| tiny_item(x)).sum::<u64>())
    });
    group.bench_function("decompose", |b| b.iter(|| ours::tiny(black_box(&data))));
    group.finish();
}

/// Where criterion writes its estimates.
fn criterion_dir() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target"));
    target.join("criterion")
}

fn fmt_ns(ns: f64) -> String {
    if ns < 1e3 {
        format!("{ns:.1} ns")
    } else if ns < 1e6 {
        format!("{:.2} us", ns / 1e3)
    } else {
        format!("{:.3} ms", ns / 1e6)
    }
}

/// Times each case in turn, `rounds` times over, and keeps each one's
/// minimum: on a shared machine, interleaving spreads the other tenants'
/// load over all cases, and the minimum is the least disturbed run.
fn interleaved_minimums(cases: &[(&str, &dyn Fn())], rounds: usize, reps: u32) -> Vec<f64> {
    let mut best = vec![f64::INFINITY; cases.len()];
    for _ in 0..rounds {
        for (i, (_, case)) in cases.iter().enumerate() {
            let started = std::time::Instant::now();
            for _ in 0..reps {
                case();
            }
            let ns = started.elapsed().as_nanos() as f64 / f64::from(reps);
            best[i] = best[i].min(ns);
        }
    }
    best
}

/// A second opinion robust to a noisy neighbour: interleaved min-of-N.
fn interleaved_check(pools: &Pools) {
    let data: Vec<u64> = (0..TINY_LEN as u64).collect();
    let rounds = 15;
    let report = |title: &str, cases: &[(&str, &dyn Fn())], reps: u32| {
        let best = interleaved_minimums(cases, rounds, reps);
        let base = best[cases.len() - 1];
        let parts: Vec<String> = cases
            .iter()
            .zip(&best)
            .map(|((name, _), ns)| format!("{name} {} ({:.2}x)", fmt_ns(*ns), ns / base))
            .collect();
        println!("{title:<24} {}", parts.join(", "));
    };
    println!("\ninterleaved min of {rounds} (ratio to the last case):");
    report(
        "join every level",
        &[
            ("decompose", &|| {
                black_box(pools.ours[1].install(|| fib_decompose(FIB_N, 0)));
            }),
            ("rayon", &|| {
                black_box(pools.rayon[1].install(|| fib_rayon(FIB_N, 0)));
            }),
        ],
        1,
    );
    report(
        "join cut-off",
        &[
            ("decompose", &|| {
                black_box(pools.ours[1].install(|| fib_decompose(FIB_N, FIB_CUTOFF)));
            }),
            ("rayon", &|| {
                black_box(pools.rayon[1].install(|| fib_rayon(FIB_N, FIB_CUTOFF)));
            }),
        ],
        1,
    );
    let data = &data;
    report(
        "tiny (1,000 items)",
        &[
            ("decompose", &|| {
                black_box(pools.ours[1].map_reduce(
                    data.len(),
                    Strategy::default(),
                    |r| {
                        black_box(data)[r]
                            .iter()
                            .map(|&x| tiny_item(x))
                            .sum::<u64>()
                    },
                    |a, b| a + b,
                ));
            }),
            ("rayon", &|| {
                black_box(pools.rayon[1].install(|| {
                    black_box(data)
                        .par_iter()
                        .map(|&x| tiny_item(x))
                        .sum::<u64>()
                }));
            }),
            ("sequential", &|| {
                black_box(black_box(data).iter().map(|&x| tiny_item(x)).sum::<u64>());
            }),
        ],
        200,
    );
    for threads in [1, 2] {
        report(
            &format!("primes, {threads} thread(s)"),
            &[
                ("decompose", &|| {
                    black_box(pools.ours[threads - 1].map_reduce(
                        PRIMES_BELOW,
                        Strategy::default(),
                        count_primes,
                        |a, b| a + b,
                    ));
                }),
                ("rayon", &|| {
                    black_box(pools.rayon[threads - 1].install(|| {
                        (0..PRIMES_BELOW)
                            .into_par_iter()
                            .filter(|&n| is_prime(black_box(n)))
                            .count()
                    }));
                }),
            ],
            1,
        );
    }
    report(
        "primes, 2 threads, by strategy",
        &[
            ("static", &|| {
                black_box(pools.ours[1].map_reduce(
                    PRIMES_BELOW,
                    Strategy::STATIC,
                    count_primes,
                    |a, b| a + b,
                ));
            }),
            ("dynamic:1000", &|| {
                black_box(pools.ours[1].map_reduce(
                    PRIMES_BELOW,
                    Strategy::Dynamic { grain: 1000 },
                    count_primes,
                    |a, b| a + b,
                ));
            }),
            ("guided:100", &|| {
                black_box(pools.ours[1].map_reduce(
                    PRIMES_BELOW,
                    Strategy::Guided { min: 100 },
                    count_primes,
                    |a, b| a + b,
                ));
            }),
            ("adaptive", &|| {
                black_box(pools.ours[1].map_reduce(
                    PRIMES_BELOW,
                    Strategy::ADAPTIVE,
                    count_primes,
                    |a, b| a + b,
                ));
            }),
        ],
        1,
    );
    report(
        "primes, 1 thread, decompose",
        &[
            ("2 threads", &|| {
                black_box(pools.ours[1].map_reduce(
                    PRIMES_BELOW,
                    Strategy::ADAPTIVE,
                    count_primes,
                    |a, b| a + b,
                ));
            }),
            ("1 thread", &|| {
                black_box(pools.ours[0].map_reduce(
                    PRIMES_BELOW,
                    Strategy::ADAPTIVE,
                    count_primes,
                    |a, b| a + b,
                ));
            }),
        ],
        1,
    );
}

/// One case of the paired harness: `run(reps)` makes `reps` calls and
/// returns the nanoseconds they took (a case that needs untimed set-up per
/// call, a sort's fresh copy, times only the call).
type Sample<'a> = &'a dyn Fn(u32) -> f64;

/// A case's figures from [`paired`]: the medians over rounds of each side's
/// time per call, and the median and quartiles of the rounds' ratios.
struct Paired {
    ours_ns: f64,
    anchor_ns: f64,
    ratio: f64,
    q1: f64,
    q3: f64,
    rounds: usize,
}

/// The harness's knobs, from the environment.
struct Budget {
    /// The least time one sample takes, so that a timer's resolution and a
    /// single preemption are small against it (`CVP_BENCH_SAMPLE_MS`).
    sample: Duration,
    /// Rounds per case at least (`CVP_BENCH_ROUNDS`)...
    min_rounds: usize,
    /// ...and then more until the case has taken this long
    /// (`CVP_BENCH_CASE_MS`), up to [`MAX_ROUNDS`].
    case: Duration,
}

const MAX_ROUNDS: usize = 201;

impl Budget {
    fn from_env() -> Budget {
        let var = |name: &str, default: u64| -> u64 {
            match std::env::var(name) {
                Err(_) => default,
                Ok(v) => match v.parse::<u64>() {
                    Ok(n) if n > 0 => n,
                    _ => {
                        eprintln!("{name}={v}: not a positive whole number; using {default}");
                        default
                    }
                },
            }
        };
        Budget {
            sample: Duration::from_millis(var("CVP_BENCH_SAMPLE_MS", 25)),
            min_rounds: var("CVP_BENCH_ROUNDS", 5).min(MAX_ROUNDS as u64) as usize,
            case: Duration::from_millis(var("CVP_BENCH_CASE_MS", 3000)),
        }
    }
}

/// Calls per sample, so that one sample of `case` takes at least
/// `budget.sample` (and one warm-up call on the way).
fn reps_for(case: Sample<'_>, budget: &Budget) -> u32 {
    let mut reps = 1u32;
    loop {
        let ns = case(reps);
        if ns >= budget.sample.as_nanos() as f64 || reps >= 1 << 24 {
            return reps;
        }
        let scale = (budget.sample.as_nanos() as f64 / ns.max(1.0)).clamp(2.0, 1e4);
        reps = (f64::from(reps) * scale * 1.1)
            .ceil()
            .min(f64::from(1u32 << 24)) as u32;
    }
}

/// Times `ours` against `anchor` in rounds of A B B A (so that a drift in
/// the machine's speed over a round, a neighbour starting or a clock
/// ramping, weighs on both sides alike), and takes each round's ratio of
/// the two sides' mean time per call. The figure is the median of those
/// paired ratios, with their quartiles: a ratio of minimums, by contrast,
/// compares each side's luckiest moment, which need not be the same moment.
fn paired(ours: Sample<'_>, anchor: Sample<'_>, budget: &Budget) -> Paired {
    let (ra, rb) = (reps_for(ours, budget), reps_for(anchor, budget));
    let started = std::time::Instant::now();
    let (mut a, mut b, mut ratios) = (Vec::new(), Vec::new(), Vec::new());
    while ratios.len() < MAX_ROUNDS
        && (ratios.len() < budget.min_rounds || started.elapsed() < budget.case)
    {
        let a1 = ours(ra);
        let b1 = anchor(rb);
        let b2 = anchor(rb);
        let a2 = ours(ra);
        let per_a = (a1 + a2) / (2.0 * f64::from(ra));
        let per_b = (b1 + b2) / (2.0 * f64::from(rb));
        a.push(per_a);
        b.push(per_b);
        ratios.push(per_a / per_b);
    }
    Paired {
        ours_ns: quantile(&mut a, 0.5),
        anchor_ns: quantile(&mut b, 0.5),
        ratio: quantile(&mut ratios, 0.5),
        q1: quantile(&mut ratios, 0.25),
        q3: quantile(&mut ratios, 0.75),
        rounds: ratios.len(),
    }
}

/// `f`, called `reps` times: the nanoseconds it took.
fn timed(reps: u32, f: impl Fn()) -> f64 {
    let started = std::time::Instant::now();
    for _ in 0..reps {
        f();
    }
    started.elapsed().as_nanos() as f64
}

/// `sort` on `reps` fresh copies of `input`: the nanoseconds the sorts took,
/// without the copies.
fn timed_sort<T: Clone>(reps: u32, input: &[T], sort: impl Fn(&mut Vec<T>)) -> f64 {
    let mut ns = 0.0;
    for _ in 0..reps {
        let mut v = input.to_vec();
        let started = std::time::Instant::now();
        sort(&mut v);
        ns += started.elapsed().as_nanos() as f64;
        black_box(&v);
    }
    ns
}

/// The parallel iterators, sorts and joins, each against rayon (the tiny
/// cases against the plain loop), by [`paired`]. `CVP_BENCH_CASES=sort`
/// keeps the cases whose title contains `sort`.
fn interleaved_iterators(pools: &Pools) {
    let budget = Budget::from_env();
    let wanted = std::env::var("CVP_BENCH_CASES").unwrap_or_default();
    let started = std::time::Instant::now();
    let mut rows = Vec::new();
    println!(
        "\npaired rounds (A B B A, samples of at least {:?}, at least {} rounds and {:?} a case): decompose / anchor, median (IQR)",
        budget.sample, budget.min_rounds, budget.case
    );
    let mut case = |title: String, anchor: &str, ours: Sample<'_>, theirs: Sample<'_>| {
        if !title.contains(wanted.as_str()) {
            return;
        }
        let p = paired(ours, theirs, &budget);
        println!(
            "{title:<36} {} / {anchor} {} = {:.3}x ({:.3}–{:.3}, {} rounds)",
            fmt_ns(p.ours_ns),
            fmt_ns(p.anchor_ns),
            p.ratio,
            p.q1,
            p.q3,
            p.rounds
        );
        let verdict = match target_of(&title) {
            Some(t) => {
                let met = if p.ratio <= t { "met" } else { "**not met**" };
                let inside = if p.q1 <= t && t <= p.q3 {
                    " (target inside the IQR)"
                } else {
                    ""
                };
                format!("≤ {t}x: {met}{inside}")
            }
            None => "–".into(),
        };
        rows.push(format!(
            "| {title} | {} | {anchor} {} | **{:.2}x** ({:.2}–{:.2}) | {} | {verdict} |",
            fmt_ns(p.ours_ns),
            fmt_ns(p.anchor_ns),
            p.ratio,
            p.q1,
            p.q3,
            p.rounds,
        ));
    };
    for (i, threads) in [1, 2].into_iter().enumerate() {
        let (ours_pool, rayon_pool) = (&pools.ours[i], &pools.rayon[i]);
        case(
            format!("fib(30) join every level, {threads} thr"),
            "rayon",
            &|reps| {
                timed(reps, || {
                    black_box(ours_pool.install(|| fib_decompose(black_box(FIB_N), 0)));
                })
            },
            &|reps| {
                timed(reps, || {
                    black_box(rayon_pool.install(|| fib_rayon(black_box(FIB_N), 0)));
                })
            },
        );
    }
    let tiny: Vec<u64> = (0..TINY_LEN as u64).collect();
    let sequential = |reps| {
        timed(reps, || {
            black_box(black_box(&tiny).iter().map(|&x| tiny_item(x)).sum::<u64>());
        })
    };
    case(
        "tiny par_iter map sum".into(),
        "sequential",
        &|reps| {
            timed(reps, || {
                black_box(ours::tiny(black_box(&tiny)));
            })
        },
        &sequential,
    );
    case(
        "tiny map_reduce".into(),
        "sequential",
        &|reps| {
            timed(reps, || {
                let data = black_box(&tiny);
                black_box(cvp_decompose::map_reduce(
                    data.len(),
                    Strategy::default(),
                    |r| data[r].iter().map(|&x| tiny_item(x)).sum::<u64>(),
                    |a, b| a + b,
                ));
            })
        },
        &sequential,
    );
    let data: Vec<u64> = (0..BIG_LEN as u64).collect();
    let data = &data;
    for (i, threads) in [1, 2].into_iter().enumerate() {
        let (ours_pool, rayon_pool) = (&pools.ours[i], &pools.rayon[i]);
        case(
            format!("map sum 10^7, {threads} thr"),
            "rayon",
            &|reps| {
                timed(reps, || {
                    black_box(ours_pool.install(|| ours::map_sum(black_box(data))));
                })
            },
            &|reps| {
                timed(reps, || {
                    black_box(rayon_pool.install(|| data.par_iter().map(|&x| x * 3).sum::<u64>()));
                })
            },
        );
        case(
            format!("map collect 10^7, {threads} thr"),
            "rayon",
            &|reps| {
                timed(reps, || {
                    black_box(ours_pool.install(|| ours::map_collect(black_box(data))));
                })
            },
            &|reps| {
                timed(reps, || {
                    black_box(
                        rayon_pool
                            .install(|| data.par_iter().map(|&x| x * 3).collect::<Vec<u64>>()),
                    );
                })
            },
        );
        case(
            format!("filter count 10^7, {threads} thr"),
            "rayon",
            &|reps| {
                timed(reps, || {
                    black_box(ours_pool.install(|| ours::filter_count(black_box(data))));
                })
            },
            &|reps| {
                timed(reps, || {
                    black_box(
                        rayon_pool.install(|| data.par_iter().filter(|&&x| x % 3 == 0).count()),
                    );
                })
            },
        );
    }
    let words = random_words(BIG_LEN, 0x9E37_79B9_7F4A_7C15);
    let small: Vec<u32> = words.iter().map(|&w| (w >> 32) as u32).collect();
    let pairs: Vec<(u64, u64)> = words
        .iter()
        .map(|&w| (w % 1_000_000, w.rotate_left(17)))
        .collect();
    drop(words);
    let input = random_words(BIG_LEN, 0x853C_49E6_748F_EA9B);
    for (i, threads) in [1, 2].into_iter().enumerate() {
        let (ours_pool, rayon_pool) = (&pools.ours[i], &pools.rayon[i]);
        // As the runner calls them: the pool's own `join` at every level,
        // from a thread outside the pool, with a fresh scratch buffer.
        case(
            format!("merge-sort by join 10^7, {threads} thr"),
            "rayon",
            &|reps| {
                timed_sort(reps, &input, |v| {
                    let mut buf = vec![0; v.len()];
                    merge_sort(ours_pool, v, &mut buf);
                })
            },
            &|reps| {
                timed_sort(reps, &input, |v| {
                    let mut buf = vec![0; v.len()];
                    merge_sort(rayon_pool, v, &mut buf);
                })
            },
        );
        case(
            format!("sort_unstable 10^7 u32, {threads} thr"),
            "rayon",
            &|reps| {
                timed_sort(reps, &small, |v| {
                    ours_pool.install(|| ours::sort_unstable(v))
                })
            },
            &|reps| {
                timed_sort(reps, &small, |v| {
                    rayon_pool.install(|| v.par_sort_unstable())
                })
            },
        );
        case(
            format!("sort 10^7 (u64,u64), {threads} thr"),
            "rayon",
            &|reps| timed_sort(reps, &pairs, |v| ours_pool.install(|| ours::sort(v))),
            &|reps| timed_sort(reps, &pairs, |v| rayon_pool.install(|| v.par_sort())),
        );
    }
    let secs = started.elapsed().as_secs();
    println!("({secs} s of measuring)");
    if let Ok(path) = std::env::var("CVP_BENCH_README") {
        let table = format!(
            "| case | decompose | anchor | ratio, median of paired rounds (IQR) | rounds | target |\n|---|--:|--:|--:|--:|---|\n{}\n",
            rows.join("\n")
        );
        match splice_readme(&path, &table) {
            Ok(()) => println!("wrote the table into {path}"),
            Err(e) => eprintln!("CVP_BENCH_README={path}: {e}"),
        }
    }
}

/// The ratio a case is held to: the 1.05x of rayon for the
/// iterators and sorts, 1.5x of the plain loop for the tiny input, and the
/// moonshot's 0.5x of rayon for a join at every level of fib(30); the
/// merge-sort workload's join has none.
fn target_of(title: &str) -> Option<f64> {
    if title.starts_with("fib(30)") {
        Some(0.5)
    } else if title.starts_with("tiny") {
        Some(1.5)
    } else if title.starts_with("merge-sort") {
        None
    } else {
        Some(1.05)
    }
}

/// Replaces what lies between `<!-- bench:iterators -->` and
/// `<!-- /bench:iterators -->` in the file at `path` with `table`.
fn splice_readme(path: &str, table: &str) -> Result<(), String> {
    const OPEN: &str = "<!-- bench:iterators -->\n";
    const CLOSE: &str = "<!-- /bench:iterators -->";
    let text = std::fs::read_to_string(path).map_err(|e| e.to_string())?;
    let start = text
        .find(OPEN)
        .ok_or("no `<!-- bench:iterators -->` marker")?
        + OPEN.len();
    let end = start + text[start..].find(CLOSE).ok_or("no closing marker")?;
    let out = format!("{}{table}{}", &text[..start], &text[end..]);
    std::fs::write(path, out).map_err(|e| e.to_string())
}

/// The median of one benchmark, from criterion's `estimates.json`.
fn median(dir: &std::path::Path, id: &str) -> Option<f64> {
    let text = std::fs::read_to_string(dir.join(id).join("new/estimates.json")).ok()?;
    let json: serde_json::Value = serde_json::from_str(&text).ok()?;
    json["median"]["point_estimate"].as_f64()
}

fn print_ratios(dir: &std::path::Path) {
    let show = |label: &str, num: &str, den: &str| {
        if let (Some(a), Some(b)) = (median(dir, num), median(dir, den)) {
            println!(
                "{label:<44} {:>12} / {:>12} = {:.2}x",
                fmt_ns(a),
                fmt_ns(b),
                a / b
            );
        }
    };
    println!("\nratios (medians):");
    show(
        "join every level: decompose / rayon",
        "join/decompose/every-level",
        "join/rayon/every-level",
    );
    show(
        "join cut-off: decompose / rayon",
        "join/decompose/cutoff",
        "join/rayon/cutoff",
    );
    show(
        "tiny: decompose / sequential",
        "tiny/decompose",
        "tiny/sequential",
    );
    show("tiny: rayon / sequential", "tiny/rayon", "tiny/sequential");
    show(
        "primes 1 thread: decompose / rayon",
        "primes/decompose/1",
        "primes/rayon/1",
    );
    show(
        "primes 2 threads: decompose / rayon",
        "primes/decompose/2",
        "primes/rayon/2",
    );
    show(
        "primes decompose: 2 threads / 1 thread",
        "primes/decompose/2",
        "primes/decompose/1",
    );
    show(
        "primes rayon: 2 threads / 1 thread",
        "primes/rayon/2",
        "primes/rayon/1",
    );
    show(
        "tiny-iter: decompose / sequential",
        "tiny-iter/decompose",
        "tiny-iter/sequential",
    );
    for group in [
        "iter-sum",
        "iter-collect",
        "iter-filter-count",
        "sort-unstable",
        "sort-stable",
    ] {
        for threads in [1, 2] {
            show(
                &format!("{group} {threads} thread(s): decompose / rayon"),
                &format!("{group}/decompose/{threads}"),
                &format!("{group}/rayon/{threads}"),
            );
        }
    }
    for name in ["static", "dynamic", "guided"] {
        show(
            &format!("strategies: {name} / adaptive"),
            &format!("strategies/{name}"),
            "strategies/adaptive",
        );
    }
    if let (Some(ours), Some(sequential)) = (
        median(dir, "join/decompose/every-level"),
        median(dir, "join/sequential/every-level"),
    ) {
        // fib(n) makes fib(n + 1) - 1 joins.
        let joins = (fib_seq(FIB_N + 1) - 1) as f64;
        println!(
            "{:<44} {:>10.1} ns",
            "decompose: cost per join (vs sequential)",
            (ours - sequential) / joins
        );
    }
    if let (Some(theirs), Some(sequential)) = (
        median(dir, "join/rayon/every-level"),
        median(dir, "join/sequential/every-level"),
    ) {
        let joins = (fib_seq(FIB_N + 1) - 1) as f64;
        println!(
            "{:<44} {:>10.1} ns",
            "rayon: cost per join (vs sequential)",
            (theirs - sequential) / joins
        );
    }
}

fn main() {
    let dir = criterion_dir();
    let mut c = Criterion::default()
        .output_directory(&dir)
        .sample_size(10)
        .warm_up_time(Duration::from_millis(300))
        .measurement_time(Duration::from_secs(2))
        .configure_from_args();
    let pools = Pools::new();
    join_overhead(&mut c, &pools);
    tiny(&mut c, &pools);
    primes(&mut c, &pools);
    strategies(&mut c, &pools);
    tiny_iter(&mut c);
    iterators(&mut c, &pools);
    sorting(&mut c, &pools);
    c.final_summary();
    print_ratios(&dir);
    if std::env::args().any(|a| a == "--bench") {
        if std::env::var_os("CVP_BENCH_ITER_ONLY").is_none() {
            interleaved_check(&pools);
        }
        interleaved_iterators(&pools);
    }
}

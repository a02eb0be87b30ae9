//! The deterministic shape of the results, as insta snapshots: every answer
//! and verified flag at the `test` preset on every model, the verdict
//! classes, the virtual-time schedule of cvp-interleave on a small task set,
//! and cvp-decompose's chunk plans.
//!
//! Raw timings never appear here: only what a correct program must
//! reproduce exactly. A change of behaviour shows up as a snapshot diff,
//! reviewed with `cargo insta review` (or `cargo xtask snapshot`); CI runs
//! with `INSTA_UPDATE=no` and fails on an unreviewed change.

use std::fmt::Write as _;
use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::num::NonZeroUsize;
use std::rc::Rc;
use std::time::{Duration, Instant};

use cvp_compare::{models, run_cell, CellSpec, EchoServer, Runs};
use cvp_decompose::Strategy;
use cvp_interleave::{Policy, Runtime};
use cvp_report::{verdicts, Cell};
use cvp_workloads::{catalogue, run_script_async, AsyncEnv, Preset, ScriptCtx, Shape, TaskSet};

/// Threads of every cell: fixed, so the snapshot does not depend on the
/// machine.
const THREADS: usize = 2;

/// Every workload on every model at the `test` preset, one run each.
fn test_matrix() -> Vec<Cell> {
    let server = EchoServer::start().expect("the echo server starts");
    let mut cells = Vec::new();
    for w in catalogue() {
        let size = w.size(Preset::Test);
        let reference = w.reference(size).expect("a reference answer");
        for m in models() {
            let mut spec = CellSpec::new(w, m, THREADS, size);
            spec.runs = Runs::Exactly(NonZeroUsize::MIN);
            spec.server = Some(server.addr());
            spec.reference = Some(reference.clone());
            cells.push(run_cell(&spec));
        }
    }
    cells
}

/// One line per cell: what it answered and whether that is the reference.
fn answers(cells: &[Cell]) -> String {
    let mut lines: Vec<String> = cells
        .iter()
        .map(|c| {
            let mut line = format!(
                "{:<18} {:<22} {:<7} verified={:<5} {}",
                c.workload,
                c.model,
                c.status.label(),
                c.verified,
                c.answer.replace('\n', " / ")
            );
            if let Some(r) = &c.reason {
                let _ = write!(line, " ({})", r.lines().next().unwrap_or_default());
            }
            line
        })
        .collect();
    lines.sort();
    lines.join("\n")
}

#[test]
fn one_sequential_cell_answers_as_snapshotted() {
    let w = cvp_workloads::find("primes").unwrap();
    let m = cvp_compare::find_model("sequential").unwrap();
    let mut spec = CellSpec::new(w, m, 1, w.size(Preset::Test));
    spec.runs = Runs::Exactly(NonZeroUsize::MIN);
    let cell = run_cell(&spec);
    insta::assert_snapshot!("smoke", answers(&[cell]));
}

#[test]
fn answers_and_verdict_classes() {
    let cells = test_matrix();
    insta::assert_snapshot!("answers", answers(&cells));

    // Which claims are checked, on which workload. Whether a claim holds
    // at the `test` preset is a matter of timing, so its judgement is not
    // recorded here (the verdict tests look at it at the `quick` preset).
    let classes: Vec<String> = verdicts(&cells, None)
        .iter()
        .map(|v| format!("{} {}", v.claim, v.workload.as_deref().unwrap_or("(all)")))
        .collect();
    insta::assert_snapshot!("verdict_classes", classes.join("\n"));
}

/// Timers from cvp-interleave; the small task set talks to no server.
struct Timers;

impl AsyncEnv for Timers {
    fn sleep(&self, d: Duration) -> impl Future<Output = ()> {
        cvp_interleave::sleep(d)
    }

    async fn exchange(&self, _: SocketAddr, _: Vec<u8>, _: usize) -> io::Result<Vec<u8>> {
        Err(io::Error::other("no server in this test"))
    }
}

/// The schedule of `set` on a virtual-time runtime with `policy`: one line
/// per poll, in order, with its virtual start and what woke the task.
fn schedule(set: &TaskSet, policy: Policy) -> String {
    let rt = Runtime::builder()
        .virtual_time(true)
        .policy(policy)
        .trace(true)
        .build();
    let set = Rc::new(set.clone());
    let answer = rt
        .block_on({
            let set = Rc::clone(&set);
            async move {
                let handles: Vec<_> = (0..set.scripts.len())
                    .map(|i| {
                        let set = Rc::clone(&set);
                        cvp_interleave::spawn(async move {
                            let now = Instant::now();
                            let ctx = ScriptCtx {
                                server: None,
                                released: now,
                                epoch: now,
                            };
                            run_script_async(&Timers, &set.scripts[i], &ctx).await
                        })
                    })
                    .collect();
                let mut outcomes = Vec::new();
                for h in handles {
                    outcomes.push(h.await.unwrap().unwrap());
                }
                set.answer(&outcomes)
            }
        })
        .unwrap();
    assert_eq!(answer, set.expected_answer());
    let mut out = format!("answer: {answer}\n");
    for p in rt.take_trace() {
        let _ = writeln!(
            out,
            "{:>8.3} ms  {:<5} woken by {:?}",
            p.start.as_secs_f64() * 1e3,
            p.task.to_string(),
            p.woken_by
        );
    }
    out
}

#[test]
fn interleave_virtual_time_schedule() {
    let w = cvp_workloads::find("fetch-then-crunch").unwrap();
    let Shape::Tasks(tasks) = w.shape() else {
        panic!("fetch-then-crunch is a task set")
    };
    let set = tasks.task_set(4);
    let fifo = schedule(&set, Policy::Fifo);
    assert_eq!(
        fifo,
        schedule(&set, Policy::Fifo),
        "virtual time is reproducible"
    );
    insta::assert_snapshot!("interleave_fifo", fifo);
    let random = schedule(&set, Policy::Random { seed: 7 });
    assert_eq!(
        random,
        schedule(&set, Policy::Random { seed: 7 }),
        "a seed replays its schedule"
    );
    insta::assert_snapshot!("interleave_random_seed_7", random);
}

#[test]
fn decompose_plans() {
    let mut out = String::new();
    for (len, threads) in [(100, 4), (10, 3), (7, 8)] {
        let _ = writeln!(out, "len {len}, {threads} threads:");
        for s in [
            Strategy::STATIC,
            Strategy::Dynamic { grain: 16 },
            Strategy::Guided { min: 4 },
            Strategy::ADAPTIVE,
        ] {
            let plan: Vec<String> = s
                .plan(len, threads)
                .iter()
                .map(|r| format!("{}..{}", r.start, r.end))
                .collect();
            let _ = writeln!(out, "  {s:?}: {}", plan.join(" "));
        }
    }
    insta::assert_snapshot!("decompose_plans", out);
}

//! What a recorded run holds, model by model (`cvp run --trace`, the same
//! recorder as the page's timelines): the blocking interpreter's steps with
//! waiting told apart from computing, tokio's polls, one lane per OS thread
//! that `threads` starts.

use std::process::Command;

use serde_json::Value;

/// The trace of one traced run of fetch-then-crunch (6 tasks: wait 5 ms,
/// then compute) on `model` with `threads`.
fn traced(model: &str, threads: &str) -> Value {
    let out = Command::new(env!("CARGO_BIN_EXE_cvp"))
        .args([
            "run",
            "fetch-then-crunch",
            "--preset",
            "test",
            "--model",
            model,
            "--threads",
            threads,
            "--runs",
            "1",
            "--json",
            "--trace",
        ])
        .output()
        .expect("running cvp");
    assert!(
        out.status.success(),
        "{model}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let cell: Value = serde_json::from_slice(&out.stdout).expect("one JSON object");
    assert_eq!(cell["verified"], true, "{model}: {cell}");
    cell["trace"].clone()
}

fn spans(trace: &Value) -> &Vec<Value> {
    trace["spans"].as_array().expect("spans")
}

/// Spans of `kind` (`wait`, or absent for computing).
fn of_kind(trace: &Value, wait: bool) -> Vec<&Value> {
    spans(trace)
        .iter()
        .filter(|s| (s["kind"] == "wait") == wait)
        .collect()
}

#[test]
fn a_blocking_model_records_waiting_apart_from_computing() {
    let trace = traced("sequential", "1");
    assert_eq!(trace["lanes"], 1);
    let waits = of_kind(&trace, true);
    let computes = of_kind(&trace, false);
    assert_eq!(waits.len(), 6, "one wait per task");
    assert_eq!(computes.len(), 6, "one compute step per task");
    for w in waits {
        let ns = w["end_ns"].as_u64().unwrap() - w["start_ns"].as_u64().unwrap();
        assert!(ns >= 5_000_000, "a 5 ms wait lasted {ns} ns");
    }
}

#[test]
fn tokio_records_its_polls_on_its_worker_threads() {
    for (model, threads, most_lanes) in [
        ("tokio-current-thread", "1", 1),
        ("tokio-multi-thread", "2", 2),
    ] {
        let trace = traced(model, threads);
        let polls = spans(&trace);
        // Each task is polled at least twice: up to its wait, then after it.
        assert!(polls.len() >= 12, "{model}: {} polls", polls.len());
        assert!(of_kind(&trace, true).is_empty(), "{model}: a poll computes");
        let lanes = trace["lanes"].as_u64().unwrap();
        assert!((1..=most_lanes).contains(&lanes), "{model}: {lanes} lanes");
        for t in 0..6 {
            let label = format!("task {t}");
            assert!(
                polls.iter().any(|p| p["label"] == label.as_str()),
                "{model}: {label} never polled"
            );
        }
    }
}

#[test]
fn threads_show_one_lane_per_os_thread_they_start() {
    let trace = traced("threads", "2");
    assert_eq!(trace["lanes"], 6, "one OS thread per task");
    assert_eq!(of_kind(&trace, true).len(), 6);
}

#[test]
fn rayon_records_the_chunks_it_is_handed() {
    let out = Command::new(env!("CARGO_BIN_EXE_cvp"))
        .args([
            "run",
            "primes",
            "--preset",
            "test",
            "--model",
            "rayon",
            "--threads",
            "2",
            "--runs",
            "1",
            "--json",
            "--trace",
        ])
        .output()
        .expect("running cvp");
    assert!(out.status.success());
    let cell: Value = serde_json::from_slice(&out.stdout).unwrap();
    let trace = &cell["trace"];
    assert!(spans(trace).len() > 1, "{trace}");
    assert!((1..=2).contains(&trace["lanes"].as_u64().unwrap()));
}

#[test]
fn hybrid_computes_on_pool_threads_apart_from_its_event_loops() {
    let trace = traced("hybrid", "2");
    let spans = spans(&trace);
    let lane = |s: &Value| s["lane"].as_u64().unwrap();
    let start = |s: &Value| s["start_ns"].as_u64().unwrap();
    let of_task = |t: usize| -> Vec<&Value> {
        let label = format!("task {t}");
        let mut v: Vec<&Value> = spans
            .iter()
            .filter(|s| s["label"] == label.as_str())
            .collect();
        v.sort_by_key(|s| start(s));
        v
    };
    // A task is first polled on its event loop, before it computes.
    let loops: Vec<u64> = (0..6).map(|t| lane(of_task(t)[0])).collect();
    for t in 0..6 {
        let off_loop: Vec<&Value> = of_task(t)
            .into_iter()
            .filter(|s| !loops.contains(&lane(s)))
            .collect();
        assert_eq!(
            off_loop.len(),
            1,
            "task {t}: its one compute step on a pool worker, its polls on a loop: {trace}"
        );
    }
}

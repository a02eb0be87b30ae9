//! Bad input: one clear line on stderr and exit code 2, never a panic.

mod common;
use common::cvp;

use std::process::Command;

/// Asserts exit code 2 and one stderr line containing `needle`.
fn bad(args: &[&str], needle: &str) {
    let out = cvp(args);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
    assert_eq!(
        stderr.trim_end().lines().count(),
        1,
        "{args:?}: not one line: {stderr}"
    );
    assert!(stderr.starts_with("cvp: "), "{args:?}: {stderr}");
    assert!(
        stderr.contains(needle),
        "{args:?}: {stderr:?} lacks {needle:?}"
    );
    assert!(
        !stderr.contains("panicked") && !stderr.contains("backtrace"),
        "{stderr}"
    );
}

#[test]
fn list_names_the_workloads_and_models() {
    let out = cvp(&["list"]);
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("mandelbrot") && text.contains("tokio-current-thread"));
}

#[test]
fn unknown_names() {
    bad(&["run", "mandelbrod"], "unknown workload `mandelbrod`");
    bad(
        &["run", "primes", "--model", "rayonn"],
        "unknown model `rayonn`",
    );
    bad(
        &["compare", "--workloads", "primes,nope"],
        "unknown workload `nope`",
    );
    bad(&["compare", "--models", "nope"], "unknown model `nope`");
    bad(
        &["run", "primes", "--preset", "huge"],
        "unknown preset `huge`",
    );
    bad(&["compare", "--preset", "huge"], "unknown preset `huge`");
    bad(
        &["serve-sweep", "--cpus", "both"],
        "unknown CPU placement `both`",
    );
    bad(&["serve", "--cpus", "half"], "unknown CPU placement `half`");
}

#[test]
fn zero_threads_and_runs() {
    bad(&["run", "primes", "--threads", "0"], "must be at least 1");
    bad(&["run", "primes", "--runs", "0"], "must be at least 1");
    bad(&["compare", "--threads", "1,0"], "must be at least 1");
    bad(&["compare", "--runs", "0"], "must be at least 1");
    bad(
        &["compare", "--cell-timeout", "0"],
        "positive number of seconds",
    );
}

#[test]
fn thread_counts_above_the_limit_are_refused() {
    let limit = cvp_compare::max_threads();
    let over = (limit + 1).to_string();
    let needle = format!("more than the limit of {limit}");
    bad(
        &[
            "run",
            "mandelbrot",
            "--model",
            "rayon",
            "--threads",
            "100000",
        ],
        &needle,
    );
    bad(
        &["run", "primes", "--model", "threads", "--threads", &over],
        &needle,
    );
    bad(&["compare", "--threads", &format!("1,{over}")], &needle);
    // Refused even for a model that would run on one thread anyway.
    bad(
        &["run", "primes", "--model", "interleave", "--threads", &over],
        &needle,
    );
}

#[test]
fn a_model_without_threads_says_it_ran_on_one() {
    let out = cvp(&[
        "run",
        "primes",
        "--model",
        "interleave",
        "--threads",
        "2",
        "--preset",
        "test",
        "--runs",
        "1",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("primes on interleave (1 thread, 1 core)"),
        "{text}"
    );
    assert!(!text.contains("1 cores"), "{text}");
    let out = cvp(&[
        "run",
        "primes",
        "--model",
        "rayon",
        "--threads",
        "2",
        "--preset",
        "test",
        "--runs",
        "1",
    ]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("(2 threads, "), "{text}");
    assert!(
        text.contains("switches") && text.contains("peak rss"),
        "{text}"
    );
}

#[test]
fn a_trace_without_json_is_written_as_a_chrome_trace() {
    let file = std::env::temp_dir().join(format!("cvp-cli-trace-{}.json", std::process::id()));
    let arg = format!("--trace={}", file.display());
    let out = cvp(&[
        "run",
        "n-queens",
        "--size",
        "6",
        "--model",
        "threads",
        "--threads",
        "2",
        "--runs",
        "1",
        &arg,
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("trace: 36 spans") && text.contains(&file.display().to_string()),
        "{text}"
    );
    let trace: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
    assert!(
        trace["traceEvents"]
            .as_array()
            .is_some_and(|e| e.len() >= 36),
        "{trace}"
    );
    let _ = std::fs::remove_file(&file);

    // Without a file it goes to the temp folder, and says where.
    let out = cvp(&[
        "run",
        "n-queens",
        "--size",
        "6",
        "--model",
        "threads",
        "--threads",
        "2",
        "--runs",
        "1",
        "--trace",
    ]);
    let text = String::from_utf8_lossy(&out.stdout);
    let default = std::env::temp_dir().join("cvp-trace-n-queens-threads-2.json");
    assert!(text.contains(&default.display().to_string()), "{text}");
    assert!(default.is_file());
    let _ = std::fs::remove_file(default);
}

#[test]
fn sizes_out_of_range() {
    bad(&["run", "primes", "--size", "0"], "size must be at least 1");
    bad(
        &["run", "fannkuch-redux", "--size", "13"],
        "exceeds the limit 12",
    );
    bad(&["run", "primes", "--size", "x"], "invalid");
}

#[test]
fn unwritable_out() {
    let file = std::env::temp_dir().join(format!("cvp-not-a-dir-{}", std::process::id()));
    std::fs::write(&file, b"").unwrap();
    let out = file.join("sub");
    bad(
        &[
            "compare",
            "--workloads",
            "primes",
            "--preset",
            "test",
            "--out",
            out.to_str().unwrap(),
        ],
        "cannot write to output folder",
    );
    let _ = std::fs::remove_file(file);
}

#[test]
fn wrong_answer_exits_1() {
    let out = cvp(&[
        "run",
        "primes",
        "--preset",
        "test",
        "--runs",
        "1",
        "--expect=1228",
    ]);
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("WRONG") && text.contains("expected  1228"),
        "{text}"
    );
}

#[test]
fn help_is_not_an_error() {
    let out = cvp(&["--help"]);
    assert_eq!(out.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&out.stdout).contains("compare"));
}

#[test]
fn render_refuses_what_is_not_a_report() {
    let dir = std::env::temp_dir().join(format!("cvp-render-bad-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let d = dir.to_str().unwrap();
    bad(&["render", d], "cannot read");
    std::fs::write(dir.join("report.json"), "{}").unwrap();
    bad(&["render", d], "is not a cvp report");
    std::fs::write(dir.join("report.json"), r#"{"schema": 999}"#).unwrap();
    bad(&["render", d], "schema 999");
    // A report of the schema before this one: both versions are named.
    std::fs::write(dir.join("report.json"), r#"{"schema": 1, "cells": []}"#).unwrap();
    let expected = format!("reads schema {}", cvp_report::SCHEMA);
    bad(&["render", d], "schema 1");
    bad(&["render", d], &expected);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn render_redraws_a_saved_report_and_keeps_its_timelines() {
    let dir = std::env::temp_dir().join(format!("cvp-render-{}", std::process::id()));
    let d = dir.to_str().unwrap();
    let out = cvp(&[
        "compare",
        "--workloads",
        "primes",
        "--models",
        "decompose",
        "--preset",
        "test",
        "--runs",
        "1",
        "--out",
        d,
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let timeline = dir.join("charts/timeline-primes.svg");
    let drawn = std::fs::read_to_string(&timeline).expect("compare draws a timeline");
    let traces: Vec<_> = std::fs::read_dir(dir.join("traces")).unwrap().collect();
    assert!(!traces.is_empty());
    let speedup = dir.join("charts/speedup-primes.svg");
    std::fs::remove_file(&speedup).unwrap();
    std::fs::write(dir.join("charts/stale.svg"), "<svg/>").unwrap();
    std::fs::remove_file(dir.join("report.md")).unwrap();

    let out = cvp(&["render", d]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(speedup.exists(), "the speedup chart is drawn again");
    assert!(!dir.join("charts/stale.svg").exists(), "stale charts go");
    assert!(dir.join("report.md").exists());
    assert_eq!(std::fs::read_to_string(&timeline).unwrap(), drawn);
    assert_eq!(
        std::fs::read_dir(dir.join("traces")).unwrap().count(),
        traces.len()
    );
    let page = std::fs::read_to_string(dir.join("index.html")).unwrap();
    assert!(page.contains("timeline-primes.svg") && page.contains("traces/primes-"));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_missing_argument_is_named_on_its_one_line() {
    bad(&["run"], "<WORKLOAD>");
    bad(&["run", "--bogus"], "--bogus");
}

#[test]
fn a_closed_pipe_ends_the_output_quietly() {
    use std::io::{BufRead, BufReader};
    use std::process::Stdio;
    let out_dir = std::env::temp_dir().join(format!("cvp-pipe-{}", std::process::id()));
    // More than a pipe holds (64 KiB), so cvp is still writing when the
    // reader goes away.
    let mut child = Command::new(env!("CARGO_BIN_EXE_cvp"))
        .args(["compare", "--preset", "test", "--json", "--triad-mib", "0"])
        .args(["--workloads", "primes,n-queens", "--out"])
        .arg(&out_dir)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("running cvp");
    let mut first = String::new();
    let mut stdout = BufReader::with_capacity(1, child.stdout.take().expect("piped"));
    stdout.read_line(&mut first).expect("one line");
    // What `| head -1` does: read a line, close the pipe.
    drop(stdout);
    let out = child.wait_with_output().expect("waiting for cvp");
    let stderr = String::from_utf8_lossy(&out.stderr);
    let _ = std::fs::remove_dir_all(&out_dir);
    assert!(first.starts_with('{'), "{first}");
    assert!(out.status.success(), "{:?}: {stderr}", out.status);
    assert!(!stderr.contains("panicked"), "{stderr}");
}

#[test]
fn render_redraws_a_saved_sweep_and_refuses_a_broken_one() {
    let dir = std::env::temp_dir().join(format!("cvp-render-sweep-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let d = dir.to_str().unwrap();
    let saved = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../results/serve-2core-vm/serve.json"
    );
    std::fs::copy(saved, dir.join("serve.json")).unwrap();
    let out = cvp(&["render", d]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    for f in [
        "index.html",
        "serve.md",
        "charts/serve-computing.svg",
        "charts/throughput-mixed.svg",
    ] {
        assert!(dir.join(f).is_file(), "{f} not drawn");
    }
    let page = std::fs::read_to_string(dir.join("index.html")).unwrap();
    assert!(
        page.contains("data-page=\"serve\"") && page.contains("data-chart=\"serve-waiting.svg\"")
    );
    std::fs::write(dir.join("serve.json"), "{\"schema\": 1}").unwrap();
    bad(&["render", d], "not a serve sweep");
    let _ = std::fs::remove_dir_all(&dir);
}

//! `--json` output parses and carries every field the issue names.

use std::process::Command;

use serde_json::Value;

fn cvp_json(args: &[&str]) -> Value {
    let out = Command::new(env!("CARGO_BIN_EXE_cvp"))
        .args(args)
        .output()
        .expect("running cvp");
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("stdout is one JSON object")
}

fn has(v: &Value, fields: &[&str]) {
    for f in fields {
        assert!(v.get(f).is_some(), "missing `{f}` in {v}");
    }
}

const CELL: &[&str] = &[
    "workload", "model", "threads", "size", "answer", "verified", "wall_ns", "runs",
];

#[test]
fn a_cell_as_json_has_every_field() {
    let cell = cvp_json(&["run", "primes", "--preset", "test", "--runs", "2", "--json"]);
    has(&cell, CELL);
    assert_eq!(cell["answer"], "1229");
    assert_eq!(cell["verified"], true);
    let runs = cell["runs"].as_array().unwrap();
    assert_eq!(runs.len(), 2);
    for r in runs {
        has(
            r,
            &[
                "wall_ns",
                "cpu_ns",
                "voluntary_switches",
                "involuntary_switches",
                "peak_rss_kib",
            ],
        );
    }
}

#[test]
fn task_sets_carry_concurrency_and_the_probe_lateness() {
    let cell = cvp_json(&[
        "run", "probe", "--preset", "test", "--model", "threads", "--runs", "1", "--json",
    ]);
    has(&cell, CELL);
    has(&cell, &["concurrency", "lateness"]);
    has(&cell["lateness"], &["count", "p50_ns", "p99_ns", "max_ns"]);
}

#[test]
fn trace_records_job_leaves() {
    let cell = cvp_json(&[
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
        "--json",
        "--trace",
    ]);
    let spans = cell["trace"]["spans"].as_array().unwrap();
    assert_eq!(spans.len(), 36, "one leaf per first-two-rows placement");
    assert!(cell["trace"]["lanes"].as_u64().unwrap() >= 2);
}

#[test]
fn the_machine_reports_its_memory_bandwidth() {
    let out = std::env::temp_dir().join(format!("cvp-json-bw-{}", std::process::id()));
    let report = cvp_json(&[
        "compare",
        "--workloads",
        "primes",
        "--models",
        "rayon",
        "--preset",
        "quick",
        "--runs",
        "2",
        "--threads",
        "2",
        // Small arrays: a debug build measures the path, not the machine.
        "--triad-mib",
        "4",
        "--json",
        "--out",
        out.to_str().unwrap(),
    ]);
    let bw = &report["machine"]["bandwidth"];
    has(bw, &["array_bytes", "triad"]);
    assert_eq!(bw["array_bytes"], 4 << 20);
    let triad = bw["triad"].as_array().unwrap();
    let threads: Vec<u64> = triad
        .iter()
        .map(|t| t["threads"].as_u64().unwrap())
        .collect();
    assert_eq!(
        threads,
        [1, 2],
        "the triad at one thread and at each count swept"
    );
    assert!(
        triad
            .iter()
            .all(|t| t["bytes_per_s"].as_f64().unwrap() > 1e6),
        "{bw}"
    );
    let md = std::fs::read_to_string(out.join("report.md")).unwrap();
    assert!(md.contains("memory bandwidth (STREAM triad"), "{md}");
    let _ = std::fs::remove_dir_all(out);
}

#[test]
fn compare_report_has_the_schema() {
    let out = std::env::temp_dir().join(format!("cvp-json-{}", std::process::id()));
    let report = cvp_json(&[
        "compare",
        "--workloads",
        "primes,echo",
        "--models",
        "threads,interleave",
        "--preset",
        "test",
        "--runs",
        "1",
        "--json",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(report["schema"], cvp_report::SCHEMA);
    assert_eq!(report["schema"], 2);
    has(&report["machine"], &["cpu_model", "cores", "os", "rustc"]);
    assert!(report["machine"]["rustc"]
        .as_str()
        .unwrap()
        .starts_with("rustc "));
    let cells = report["cells"].as_array().unwrap();
    // sequential is always the baseline; interleave runs once; threads at the default thread count.
    assert_eq!(cells.len(), 6);
    for c in cells {
        has(c, CELL);
        has(
            c,
            &[
                "speedup",
                "status",
                "cores",
                "wall_min_ns",
                "wall_max_ns",
                "cpu_ns",
            ],
        );
        // Efficiency (speedup per core) only where the work computes; the
        // io class has achieved concurrency instead.
        match c["class"].as_str().unwrap() {
            "cpu" | "memory" => has(c, &["efficiency"]),
            _ => {
                assert!(c.get("efficiency").is_none(), "{c}");
                has(c, &["concurrency"]);
            }
        }
    }
    let verdicts = report["verdicts"].as_array().unwrap();
    assert!(!verdicts.is_empty());
    for v in verdicts {
        has(v, &["claim", "judgement", "text", "cells"]);
        if v["judgement"] != "not-judged" && v["workload"].is_string() {
            has(v, &["ratio", "interval", "threshold"]);
        }
    }
    let written: Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("report.json")).unwrap()).unwrap();
    assert_eq!(written["cells"].as_array().unwrap().len(), 6);
    let md = std::fs::read_to_string(out.join("report.md")).unwrap();
    assert!(md.contains("## primes") && md.contains("| model |"));
    let _ = std::fs::remove_dir_all(out);
}

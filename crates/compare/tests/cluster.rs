//! The `cluster` model through the `cvp` binary: its cells carry the
//! cluster's own figures, and a cluster that cannot run fails its cell with
//! the reason, exit status 1, and no process left behind.

use std::process::Command;

use serde_json::Value;

fn cvp_run(args: &[&str]) -> (Option<i32>, Value) {
    let out = Command::new(env!("CARGO_BIN_EXE_cvp"))
        .args(["run"])
        .args(args)
        .args(["--model", "cluster", "--runs", "2", "--json"])
        .output()
        .expect("running cvp");
    let cell = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stderr)));
    (out.status.code(), cell)
}

#[test]
fn a_cluster_cell_reports_its_processes_start_up_and_bytes() {
    let (code, cell) = cvp_run(&[
        "mandelbrot",
        "--size",
        "200",
        "--processes",
        "2",
        "--threads",
        "1",
    ]);
    assert_eq!(code, Some(0), "{cell}");
    assert_eq!(cell["status"], "ok");
    assert_eq!(cell["verified"], true);
    assert_eq!(cell["cores"], 2.min(cvp_compare::available_cores()));
    for run in cell["runs"].as_array().unwrap() {
        let k = &run["cluster"];
        assert_eq!(
            (k["processes"].as_u64(), k["workers"].as_u64()),
            (Some(2), Some(1))
        );
        assert!(k["startup_ns"].as_u64().unwrap() > 0, "{k}");
        assert!(
            k["total_ns"].as_u64().unwrap() >= run["wall_ns"].as_u64().unwrap(),
            "{run}"
        );
        // Each process sends the other its half of the 200 x 25-byte bitmap.
        assert!(k["payload_bytes"].as_u64().unwrap() >= 200 * 25 / 2, "{k}");
        assert!(k["wire_bytes"].as_u64().unwrap() >= k["payload_bytes"].as_u64().unwrap());
    }
}

#[test]
fn a_cluster_above_the_limit_fails_its_cell_with_the_reason() {
    let (code, cell) = cvp_run(&[
        "sum",
        "--size",
        "1000",
        "--processes",
        "65",
        "--threads",
        "1",
    ]);
    assert_eq!(code, Some(1), "{cell}");
    assert_eq!(cell["status"], "failed");
    let reason = cell["reason"].as_str().unwrap();
    assert!(
        reason.contains("65 processes exceed the limit of 64"),
        "{reason}"
    );
}

#[test]
fn a_task_set_is_not_applicable_to_the_cluster() {
    let (code, cell) = cvp_run(&["latency-fanout", "--size", "4"]);
    assert_eq!(code, Some(0), "{cell}");
    assert_eq!(cell["status"], "not-applicable");
}

#[test]
fn a_spec_job_runs_distributed_and_is_verified() {
    let spec = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../examples/specs/uneven-items.toml"
    );
    let (code, cell) = cvp_run(&[
        "--spec",
        spec,
        "--size",
        "400",
        "--processes",
        "2",
        "--threads",
        "1",
    ]);
    assert_eq!(code, Some(0), "{cell}");
    assert_eq!(cell["status"], "ok", "{cell}");
    assert_eq!(cell["verified"], true);
    for run in cell["runs"].as_array().unwrap() {
        assert!(
            run["cluster"]["payload_bytes"].as_u64().unwrap() > 0,
            "{run}"
        );
    }
}

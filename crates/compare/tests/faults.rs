//! A timed-out cell is reported and the run goes on; Ctrl-C writes what was
//! measured.

use std::process::{Command, Stdio};
use std::time::Duration;

use serde_json::Value;

fn out_dir(name: &str) -> std::path::PathBuf {
    std::env::temp_dir().join(format!("cvp-faults-{}-{name}", std::process::id()))
}

#[test]
fn a_good_comparison_writes_its_report_and_exits_0() {
    let out = out_dir("smoke");
    let status = Command::new(env!("CARGO_BIN_EXE_cvp"))
        .args([
            "compare",
            "--workloads",
            "n-queens",
            "--models",
            "rayon",
            "--preset",
            "test",
            "--runs",
            "1",
        ])
        .args(["--out", out.to_str().unwrap()])
        .stdout(Stdio::null())
        .status()
        .unwrap();
    assert!(status.success());
    assert!(out.join("report.json").exists() && out.join("report.md").exists());
    let _ = std::fs::remove_dir_all(out);
}

#[test]
fn a_timed_out_cell_is_reported_and_the_run_goes_on() {
    let out = out_dir("timeout");
    // Sequential latency-fanout at the quick preset waits 50 x 10 ms per
    // run; interleave needs about 10 ms.
    let output = Command::new(env!("CARGO_BIN_EXE_cvp"))
        .args([
            "compare",
            "--workloads",
            "latency-fanout,n-queens",
            "--models",
            "interleave",
            "--preset",
            "quick",
        ])
        .args([
            "--runs",
            "1",
            "--cell-timeout",
            "0.3",
            "--json",
            "--out",
            out.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert_eq!(
        output.status.code(),
        Some(1),
        "a timed-out cell counts in the exit status"
    );
    let report: Value = serde_json::from_slice(&output.stdout).unwrap();
    let cells = report["cells"].as_array().unwrap();
    assert_eq!(cells.len(), 4, "every cell is reported");
    assert_eq!(cells[0]["status"], "timed-out");
    assert!(cells[0]["reason"]
        .as_str()
        .unwrap()
        .contains("cell timeout"));
    assert_eq!(cells[1]["status"], "ok", "the next cell ran: {}", cells[1]);
    assert_eq!(cells[3]["status"], "ok");
    let _ = std::fs::remove_dir_all(out);
}

#[test]
fn sigint_writes_what_was_measured() {
    let out = out_dir("sigint");
    // n-queens takes milliseconds; sequential latency-fanout at the quick
    // preset then waits 4 x 500 ms, long enough to be interrupted.
    let child = Command::new(env!("CARGO_BIN_EXE_cvp"))
        .args([
            "compare",
            "--workloads",
            "n-queens,latency-fanout",
            "--models",
            "interleave",
            "--preset",
            "quick",
        ])
        .args(["--runs", "3", "--out", out.to_str().unwrap()])
        // The cells, not the bandwidth triad before them, are interrupted.
        .args(["--triad-mib", "0"])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(1200));
    // SAFETY: kill with a valid pid and signal has no memory effects.
    unsafe { libc::kill(child.id() as i32, libc::SIGINT) };
    let output = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(130), "{stderr}");
    assert!(stderr.contains("interrupted"), "{stderr}");
    let report: Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("report.json")).unwrap()).unwrap();
    assert_eq!(report["interrupted"], true);
    let cells = report["cells"].as_array().unwrap();
    assert!(
        !cells.is_empty() && cells.len() < 4,
        "{} cells",
        cells.len()
    );
    assert!(cells
        .iter()
        .all(|c| c["workload"] == "n-queens" || c["status"] == "ok"));
    let _ = std::fs::remove_dir_all(out);
}

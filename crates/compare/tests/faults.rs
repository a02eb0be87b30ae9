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
    std::fs::create_dir_all(&out).unwrap();
    // Sequentially the first spec's 100 tasks wait 4 s in all, for its
    // warm-up run alone: past the 2 s timeout however fast the machine.
    // Interleaved they wait 40 ms together, and the second spec's cells
    // take milliseconds, 50 times less than the timeout or more, so a
    // loaded machine does not time them out too.
    let spec = |name: &str, count: u32, wait_ms: u32| {
        let path = out.join(format!("{name}.toml"));
        std::fs::write(
            &path,
            format!(
                "description = \"{count} tasks that wait {wait_ms} ms\"\nclass = \"io\"\n\
                 [tasks]\ncount = {count}\nsteps = [{{ wait_ms = {wait_ms} }}]\n"
            ),
        )
        .unwrap();
        path.to_str().unwrap().to_owned()
    };
    let output = Command::new(env!("CARGO_BIN_EXE_cvp"))
        .args(["compare", "--models", "interleave", "--preset", "default"])
        .args(["--spec", &spec("slow-when-sequential", 100, 40)])
        .args(["--spec", &spec("quick", 10, 1)])
        .args(["--runs", "1", "--cell-timeout", "2", "--triad-mib", "0"])
        .args(["--json", "--out", out.to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(
        output.status.code(),
        Some(1),
        "a timed-out cell counts in the exit status: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let report: Value = serde_json::from_slice(&output.stdout).unwrap();
    let cells = report["cells"].as_array().unwrap();
    let status = |workload: &str, model: &str| {
        let cell = cells
            .iter()
            .find(|c| c["workload"] == workload && c["model"] == model)
            .unwrap_or_else(|| panic!("no {workload}/{model} cell: every cell is reported"));
        (cell["status"].clone(), cell["reason"].clone())
    };
    assert_eq!(cells.len(), 4, "every cell is reported");
    let (timed_out, reason) = status("slow-when-sequential", "sequential");
    assert_eq!(timed_out, "timed-out");
    assert!(
        reason.as_str().unwrap().contains("cell timeout"),
        "{reason}"
    );
    for (workload, model) in [
        ("slow-when-sequential", "interleave"),
        ("quick", "sequential"),
        ("quick", "interleave"),
    ] {
        let (ok, reason) = status(workload, model);
        assert_eq!(ok, "ok", "{workload}/{model} ran after it: {reason}");
    }
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

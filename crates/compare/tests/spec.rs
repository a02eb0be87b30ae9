//! Workload specs through the `cvp` binary: `run --spec` and `compare
//! --spec`, whose cells run in child processes that are given the spec's
//! path; bad specs are one line each, exit 2, and the good ones still run.

mod common;
use common::{cvp, scratch};

use std::path::Path;

use cvp_compare::{child_args, find_model, CellSpec};

const GOOD: &str = "seed = 2\n[tasks]\ncount = 10\nsteps = [{ wait_ms = { uniform = [1, 3] } }, { compute_units = 200 }]\n";
const BAD: &str = "[tasks]\ncount = 5\nstepz = []\n";

#[test]
fn run_spec_measures_and_verifies_the_spec() {
    let dir = scratch("run", &[("fan.toml", GOOD)]);
    let spec = dir.join("fan.toml");
    let out = cvp(&[
        "run",
        "--spec",
        spec.to_str().unwrap(),
        "--model",
        "interleave",
        "--preset",
        "test",
        "--runs",
        "1",
        "--json",
    ]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let cell: serde_json::Value = serde_json::from_str(stdout.trim()).unwrap();
    assert_eq!(cell["workload"], "fan");
    assert_eq!(cell["verified"], true);
    assert_eq!(cell["status"], "ok");
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn a_bad_spec_is_one_line_naming_file_line_and_key_and_exit_2() {
    let dir = scratch("bad", &[("bad.toml", BAD)]);
    let spec = dir.join("bad.toml");
    for args in [
        vec!["run", "--spec", spec.to_str().unwrap()],
        vec![
            "compare",
            "--spec",
            spec.to_str().unwrap(),
            "--out",
            dir.to_str().unwrap(),
        ],
    ] {
        let out = cvp(&args);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
        assert_eq!(stderr.trim_end().lines().count(), 1, "{args:?}: {stderr}");
        let expected = format!("cvp: {}:3: `stepz`: unknown field `stepz`", spec.display());
        assert!(stderr.starts_with(&expected), "{args:?}: {stderr}");
    }
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn compare_runs_the_good_specs_in_children_and_reports_the_bad_ones() {
    let dir = scratch(
        "mixed",
        &[
            ("good.toml", GOOD),
            ("bad.toml", BAD),
            ("worse.toml", "[job\n"),
        ],
    );
    let (good, bad, worse) = (
        dir.join("good.toml"),
        dir.join("bad.toml"),
        dir.join("worse.toml"),
    );
    let out_dir = dir.join("out");
    let out = cvp(&[
        "compare",
        "--spec",
        good.to_str().unwrap(),
        bad.to_str().unwrap(),
        worse.to_str().unwrap(),
        "--models",
        "interleave,threads",
        "--threads",
        "2",
        "--preset",
        "test",
        "--runs",
        "1",
        "--out",
        out_dir.to_str().unwrap(),
    ]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains(&format!("{}:3: `stepz`", bad.display())),
        "{stderr}"
    );
    assert!(
        stderr.contains(&format!("{}:1: ", worse.display())),
        "{stderr}"
    );
    let report = cvp_report::read(&out_dir.join("report.json")).unwrap();
    let models: Vec<&str> = report.cells.iter().map(|c| c.model.as_str()).collect();
    assert_eq!(models, ["sequential", "interleave", "threads"]);
    assert!(
        report
            .cells
            .iter()
            .all(|c| c.workload == "good" && c.verified),
        "{:?}",
        report.cells
    );
    assert_eq!(report.recommendations.len(), 1);
    let md = std::fs::read_to_string(out_dir.join("report.md")).unwrap();
    assert!(md.contains("wins"), "{md}");
    // Charts and timelines are drawn for a spec's workload as for a built-in.
    assert!(out_dir.join("charts/speedup-good.svg").exists());
    assert!(out_dir.join("charts/timeline-good.svg").exists());
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn a_child_is_given_the_spec_path() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/specs/web-crawler.toml");
    let w = cvp_workloads::load_spec(&path).unwrap();
    let args = child_args(&CellSpec::new(&w, find_model("hybrid").unwrap(), 2, 4));
    assert_eq!(
        args[..3],
        [
            "run".to_owned(),
            "--spec".to_owned(),
            path.display().to_string()
        ]
    );
    assert!(!args.contains(&"web-crawler".to_owned()));
}

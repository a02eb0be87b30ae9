//! `cargo xtask compare`: build the runner in release, run the matrix into
//! an ignored folder (`target/cvp` unless `--out` says otherwise), then
//! check the snapshots of the results' deterministic shape. Running it
//! leaves a checkout clean; `cargo xtask reference` refreshes the tracked
//! reference results instead.

use std::path::Path;

use anyhow::Result;

use crate::util::{cargo, root, run, target_dir};

/// Where `cargo xtask compare` writes by default (git ignores `target/`).
pub(crate) const DEFAULT_OUT: &str = "target/cvp";

pub(crate) struct Compare {
    /// Flags passed through to `cvp compare`.
    pub(crate) args: Vec<String>,
}

impl Compare {
    pub(crate) fn run(&self) -> Result<()> {
        let has_out = self
            .args
            .iter()
            .any(|a| a == "--out" || a.starts_with("--out="));
        let mut args = self.args.clone();
        if !has_out {
            args.extend(["--out".to_owned(), DEFAULT_OUT.to_owned()]);
        }
        compare(&args)?;
        // The shape of the results (answers, verdict classes, schedules,
        // plans) is snapshotted: a change shows up as a pending snapshot for
        // `cargo insta review`, and CI fails until it is reviewed.
        run(cargo()
            .args([
                "test",
                "--release",
                "--package",
                "cvp-compare",
                "--test",
                "shape",
            ])
            .env("INSTA_UPDATE", "new"))
    }
}

/// Builds `cvp` in release and runs `cvp compare ARGS` in the root.
pub(crate) fn compare(args: &[String]) -> Result<()> {
    run(cargo().args([
        "build",
        "--release",
        "--package",
        "cvp-compare",
        "--bin",
        "cvp",
    ]))?;
    let mut cvp = std::process::Command::new(target_dir().join("release").join("cvp"));
    cvp.current_dir(root()).arg("compare").args(args);
    run(&mut cvp)
}

/// Runs `cvp render DIR` with the release build.
pub(crate) fn render(dir: &Path) -> Result<()> {
    let mut cvp = std::process::Command::new(target_dir().join("release").join("cvp"));
    cvp.current_dir(root()).arg("render").arg(dir);
    run(&mut cvp)
}

//! `cargo xtask compare`: build the runner in release, run the matrix into
//! `results/`, then check the snapshots of the results' deterministic shape.

use anyhow::Result;

use crate::util::{cargo, root, run, target_dir};

pub(crate) struct Compare {
    /// Flags passed through to `cvp compare`.
    pub(crate) args: Vec<String>,
}

impl Compare {
    pub(crate) fn run(&self) -> Result<()> {
        run(cargo().args([
            "build",
            "--release",
            "--package",
            "cvp-compare",
            "--bin",
            "cvp",
        ]))?;
        let mut cvp = std::process::Command::new(target_dir().join("release").join("cvp"));
        cvp.current_dir(root()).arg("compare");
        if !self
            .args
            .iter()
            .any(|a| a == "--out" || a.starts_with("--out="))
        {
            cvp.args(["--out", "results"]);
        }
        run(cvp.args(&self.args))?;
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

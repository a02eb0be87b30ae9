//! `cargo xtask compare`: build the runner in release and run the matrix.

use anyhow::Result;

use crate::util::{cargo, root, run};

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
        let target =
            std::env::var_os("CARGO_TARGET_DIR").map_or_else(|| root().join("target"), Into::into);
        let mut cvp = std::process::Command::new(target.join("release").join("cvp"));
        cvp.current_dir(root()).arg("compare");
        if !self
            .args
            .iter()
            .any(|a| a == "--out" || a.starts_with("--out="))
        {
            cvp.args(["--out", "results"]);
        }
        run(cvp.args(&self.args))
    }
}

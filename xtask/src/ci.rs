//! `cargo xtask ci`: what CI checks, in the order that fails fastest.

use anyhow::Result;

use crate::util::{cargo, run};

pub(crate) struct Ci;

impl Ci {
    pub(crate) fn run(&self) -> Result<()> {
        run(cargo().args(["fmt", "--all", "--check"]))?;
        run(cargo().args([
            "clippy",
            "--workspace",
            "--all-targets",
            "--",
            "-D",
            "warnings",
        ]))?;
        run(cargo()
            .args(["test", "--workspace"])
            .env("INSTA_UPDATE", "no"))
    }
}

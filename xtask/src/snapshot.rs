//! `cargo xtask snapshot`: run the snapshot tests, then review what changed.

use anyhow::Result;

use crate::util::{cargo, run};

pub(crate) struct Snapshot;

impl Snapshot {
    pub(crate) fn run(&self) -> Result<()> {
        let tests = cargo()
            .args(["test", "--workspace"])
            .env("INSTA_UPDATE", "new")
            .status()?;
        if !tests.success() {
            eprintln!("some tests failed; review the pending snapshots:");
        }
        run(cargo().args(["insta", "review"]))
    }
}

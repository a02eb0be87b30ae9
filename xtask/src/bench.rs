//! `cargo xtask bench`: the criterion benches of the engines against their
//! anchors.

use anyhow::Result;

use crate::util::{cargo, run};

pub(crate) struct Bench {
    /// Extra arguments for `cargo bench` (a bench name, a filter).
    pub(crate) args: Vec<String>,
}

impl Bench {
    pub(crate) fn run(&self) -> Result<()> {
        run(cargo().args(["bench", "--package", "cvp"]).args(&self.args))
    }
}

//! `cargo xtask bench`: the criterion benches of the engines against their
//! anchors, then `results/benches.md`, a table of engine/anchor ratios.

use anyhow::Result;

use crate::util::{cargo, root, run, target_dir};

pub(crate) struct Bench {
    /// Extra arguments for `cargo bench` (a bench name, a filter).
    pub(crate) args: Vec<String>,
}

impl Bench {
    pub(crate) fn run(&self) -> Result<()> {
        run(cargo().args(["bench", "--package", "cvp"]).args(&self.args))?;
        // The table is written by an example of cvp-compare, so that xtask
        // links nothing of the engines.
        let criterion = target_dir().join("criterion");
        let out = root().join("results").join("benches.md");
        std::fs::create_dir_all(root().join("results"))?;
        run(cargo()
            .args([
                "run",
                "--release",
                "--package",
                "cvp-compare",
                "--example",
                "bench_table",
                "--",
            ])
            .arg(criterion)
            .arg(&out))?;
        eprintln!("wrote {}", out.display());
        Ok(())
    }
}

//! `cargo xtask bench`: the criterion benches of the engines against their
//! anchors, then `results/benches.md`, a table of engine/anchor ratios.

use anyhow::{Context, Result};

use crate::util::{cargo, root, run, target_dir};

pub(crate) struct Bench {
    /// Extra arguments for `cargo bench` (a bench name, a filter).
    pub(crate) args: Vec<String>,
}

impl Bench {
    pub(crate) fn run(&self) -> Result<()> {
        run(cargo().args(["bench", "--package", "cvp"]).args(&self.args))?;
        // The table is drawn by the report crate, which links no engine.
        let criterion = target_dir().join("criterion");
        let out = root().join("results").join("benches.md");
        std::fs::create_dir_all(root().join("results"))?;
        let table = cvp_report::visual::bench_table(&criterion)
            .with_context(|| format!("reading {}", criterion.display()))?;
        std::fs::write(&out, table).with_context(|| format!("writing {}", out.display()))?;
        eprintln!("wrote {}", out.display());
        Ok(())
    }
}

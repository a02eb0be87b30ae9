//! `cargo xtask bench`: the criterion benches of the engines against their
//! anchors, then `results/benches.json` (every benchmark's typical time)
//! and `results/benches.md` (a table of engine/anchor ratios), and the
//! README figures drawn from them (`cargo xtask figures`).

use anyhow::{Context, Result};
use cvp_report::visual::{bench_table, read_criterion, read_paired, Benches, BENCHES_SCHEMA};

use crate::figures;
use crate::util::{cargo, root, run, target_dir};

pub(crate) struct Bench {
    /// Extra arguments for `cargo bench` (a bench name, a filter).
    pub(crate) args: Vec<String>,
}

/// Where the bench run is committed.
pub(crate) const BENCHES: &str = "results/benches.json";

impl Bench {
    pub(crate) fn run(&self) -> Result<()> {
        run(cargo().args(["bench", "--package", "cvp"]).args(&self.args))?;
        // The table is drawn by the report crate, which links no engine.
        let criterion = target_dir().join("criterion");
        let benches = Benches {
            schema: BENCHES_SCHEMA,
            machine: machine(),
            results: read_criterion(&criterion)
                .with_context(|| format!("reading {}", criterion.display()))?,
            paired: read_paired(&criterion)
                .with_context(|| format!("reading {}/paired", criterion.display()))?,
        };
        let json = root().join(BENCHES);
        std::fs::create_dir_all(root().join("results"))?;
        std::fs::write(&json, serde_json::to_string_pretty(&benches)? + "\n")
            .with_context(|| format!("writing {}", json.display()))?;
        let md = json.with_extension("md");
        std::fs::write(&md, bench_table(&benches))
            .with_context(|| format!("writing {}", md.display()))?;
        eprintln!("wrote {} and {}", json.display(), md.display());
        figures::update(&root(), false)?;
        Ok(())
    }
}

/// The processor's model name and the cores available, as the runner's
/// reports say it.
fn machine() -> String {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split_once(':'))
                .map(|(_, v)| v.trim().to_owned())
        })
        .unwrap_or_else(|| std::env::consts::ARCH.to_owned());
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    format!("{cpu}, {cores} cores")
}

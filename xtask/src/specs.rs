//! `cargo xtask specs`: measure the example specs into tracked folders and
//! regenerate the tables that cite them.
//!
//! - `results/restate/`: the specs that restate built-in workloads, side by
//!   side with those built-ins in one run, for the table of
//!   crates/workloads/README.md. Each cell runs in several rounds (`cvp
//!   compare --rounds`), its runs pooled over them and odd rounds run
//!   backwards, so a shared machine's drift falls on a spec and its
//!   built-in alike rather than on whichever ran first. Short cells repeat
//!   until enough time is measured (`--min-runs`), so a 20 ms cell's median
//!   is not a few scheduler hiccups.
//! - `results/specs/`: the three example specs of the README (a web
//!   service's requests, a batch image filter, a web crawler), for the
//!   README's table of what cvp concludes about each.

use std::path::Path;

use anyhow::{Context, Result};

use crate::compare::compare;
use crate::figures;
use crate::util::root;

/// Where the restatements are committed.
pub(crate) const RESTATE: &str = "results/restate";
/// Where the example specs are committed.
pub(crate) const SPECS: &str = "results/specs";

/// Each built-in workload and the spec file that restates it.
pub(crate) const PAIRS: [(&str, &str); 3] = [
    ("latency-fanout", "examples/specs/latency-fanout-spec.toml"),
    (
        "fetch-then-crunch",
        "examples/specs/fetch-then-crunch-spec.toml",
    ),
    ("mandelbrot", "examples/specs/uneven-items.toml"),
];

/// The example specs the README shows: three workloads and a server (its
/// recommendation judged by p99 latency at the spec's offered load).
pub(crate) const EXAMPLES: [&str; 4] = [
    "examples/specs/web-service-request.toml",
    "examples/specs/batch-image-filter.toml",
    "examples/specs/web-crawler.toml",
    "examples/specs/api-request-handler.toml",
];

/// The bound on a restatement: its median wall time at most this times
/// its built-in's, on every model.
pub(crate) const BOUND: f64 = 1.05;

pub(crate) struct Specs {
    /// Flags passed through to both `cvp compare` runs (by default the
    /// restatements get `--min-runs 3 --rounds 6`, the examples `--runs 3`).
    pub(crate) args: Vec<String>,
}

impl Specs {
    pub(crate) fn run(&self) -> Result<()> {
        let or_default = |default: &[&str]| -> Vec<String> {
            if self.args.is_empty() {
                default.iter().map(|s| (*s).to_owned()).collect()
            } else {
                self.args.clone()
            }
        };
        let built_ins: Vec<&str> = PAIRS.iter().map(|p| p.0).collect();
        let mut args = vec!["--workloads".to_owned(), built_ins.join(",")];
        args.push("--spec".to_owned());
        args.extend(PAIRS.iter().map(|p| p.1.to_owned()));
        args.extend(or_default(&["--min-runs", "3", "--rounds", "6"]));
        args.extend(["--out".to_owned(), RESTATE.to_owned()]);
        compare(&args)?;

        let mut args = vec!["--spec".to_owned()];
        args.extend(EXAMPLES.iter().map(|s| (*s).to_owned()));
        args.extend(or_default(&["--runs", "3"]));
        args.extend(["--out".to_owned(), SPECS.to_owned()]);
        compare(&args)?;

        figures::update(&root(), false)?;
        eprintln!("specs measured into {RESTATE} and {SPECS}: review `git diff` and commit");
        Ok(())
    }
}

/// A spec's name as the report knows it: its `name`, or its file's stem.
pub(crate) fn name_of(file: &str) -> Result<String> {
    Ok(match table(file)?.get("name").and_then(|v| v.as_str()) {
        Some(name) => name.to_owned(),
        None => Path::new(file)
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or(file)
            .to_owned(),
    })
}

/// A spec's one-line description.
pub(crate) fn description_of(file: &str) -> Result<String> {
    Ok(table(file)?
        .get("description")
        .and_then(|v| v.as_str())
        .unwrap_or("")
        .to_owned())
}

fn table(file: &str) -> Result<toml::Table> {
    let path = root().join(file);
    let text =
        std::fs::read_to_string(&path).with_context(|| format!("reading {}", path.display()))?;
    text.parse()
        .with_context(|| format!("parsing {}", path.display()))
}

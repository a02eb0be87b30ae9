//! `cargo xtask restate`: measure the specs that restate built-in workloads
//! against those built-ins, model by model in one run, into the tracked
//! folder `results/restate/`, and regenerate the table that
//! crates/workloads/README.md cites from it.
//!
//! Each pair runs in several rounds (`cvp compare --rounds`), each cell's
//! runs pooled over them, so a shared machine's drift falls on the spec and
//! its built-in alike rather than on whichever ran first.

use anyhow::Result;

use crate::compare::compare;
use crate::figures;
use crate::util::root;

/// Where the measurement is committed.
pub(crate) const RESTATE: &str = "results/restate";

/// Each built-in workload and the spec file that restates it.
pub(crate) const PAIRS: [(&str, &str); 3] = [
    ("latency-fanout", "examples/specs/latency-fanout-spec.toml"),
    (
        "fetch-then-crunch",
        "examples/specs/fetch-then-crunch-spec.toml",
    ),
    ("mandelbrot", "examples/specs/uneven-items.toml"),
];

/// The bound the issue of specs sets: a restatement's median wall time at
/// most this times its built-in's, on every model.
pub(crate) const BOUND: f64 = 1.05;

pub(crate) struct Restate {
    /// Flags passed through to `cvp compare` (default `--runs 3 --rounds 5`).
    pub(crate) args: Vec<String>,
}

impl Restate {
    pub(crate) fn run(&self) -> Result<()> {
        let built_ins: Vec<&str> = PAIRS.iter().map(|p| p.0).collect();
        let mut args = vec!["--workloads".to_owned(), built_ins.join(",")];
        args.push("--spec".to_owned());
        args.extend(PAIRS.iter().map(|p| p.1.to_owned()));
        if self.args.is_empty() {
            args.extend(["--runs", "3", "--rounds", "5"].map(str::to_owned));
        } else {
            args.extend(self.args.iter().cloned());
        }
        args.extend(["--out".to_owned(), RESTATE.to_owned()]);
        compare(&args)?;
        figures::update(&root(), false)?;
        eprintln!("restatements measured into {RESTATE}: review `git diff` and commit");
        Ok(())
    }
}

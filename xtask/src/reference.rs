//! `cargo xtask reference`: refresh the reference results that the README
//! cites. Runs the default comparison into the tracked folder `results/`,
//! draws the committed sweeps of other machines again with this build's
//! renderer and verdict rules (`cvp render`, no measuring), then rewrites
//! every generated figure in the READMEs from them (`cargo xtask figures`).
//! The diff is for review and commit; `cargo xtask compare` is the command
//! for everything else and writes into `target/cvp`.

use anyhow::Result;

use crate::compare::{compare, render};
use crate::figures::{self, REFERENCE};
use crate::util::root;

/// Folders of results measured on other machines: drawn again, never
/// measured here.
const ELSEWHERE: [&str; 3] = [
    "results/scaling-2core-vm",
    "results/scaling-16core-xeon",
    "results/scaling-16core-xeon-decompose",
];

pub(crate) struct Reference {
    /// Flags passed through to `cvp compare` (for example `--runs 5`).
    pub(crate) args: Vec<String>,
}

impl Reference {
    pub(crate) fn run(&self) -> Result<()> {
        let mut args = self.args.clone();
        args.extend(["--out".to_owned(), REFERENCE.to_owned()]);
        compare(&args)?;
        for dir in ELSEWHERE {
            render(&root().join(dir))?;
        }
        figures::update(&root(), false)?;
        eprintln!("reference results refreshed: review `git diff` and commit");
        Ok(())
    }
}

//! `cargo xtask`: the project's automation. It drives cargo; it does not link
//! the engines.
//!
//! ```text
//! cargo xtask compare [FLAGS]   build in release, run `cvp compare` into target/cvp (ignored)
//! cargo xtask reference [FLAGS] refresh the tracked reference results/ and the READMEs' figures
//! cargo xtask specs [FLAGS]     measure the example specs into results/restate and results/specs
//! cargo xtask figures [--check] rewrite (or check) the READMEs' figures from results/
//! cargo xtask bench             run the criterion benches, write results/benches.md
//! cargo xtask snapshot          run the snapshot tests and review pending changes
//! cargo xtask screenshot [DIR]  the README's screenshot of a checked page
//! cargo xtask miri [CRATE...]   the engines' tests under Miri, each with its flags
//! cargo xtask ci                exactly what CI runs: fmt, clippy, tests, loom
//! ```

use std::process::ExitCode;

mod bench;
mod ci;
mod compare;
mod figures;
mod miri;
mod reference;
mod screenshot;
mod snapshot;
mod specs;
mod util;

const USAGE: &str =
    "usage: cargo xtask <compare [cvp compare flags] | reference [cvp compare flags] \
                     | specs [cvp compare flags] \
                     | figures [--check] | bench | snapshot | screenshot [DIR] | miri [CRATE...] | ci>";

fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    let task = args.next();
    let rest: Vec<String> = args.collect();
    let result = match task.as_deref() {
        Some("compare") => compare::Compare { args: rest }.run(),
        Some("reference") => reference::Reference { args: rest }.run(),
        Some("specs") => specs::Specs { args: rest }.run(),
        Some("figures") => match rest.as_slice() {
            [] => figures::Figures { check: false }.run(),
            [c] if c == "--check" => figures::Figures { check: true }.run(),
            _ => {
                eprintln!("xtask: figures takes only --check\n{USAGE}");
                return ExitCode::from(2);
            }
        },
        Some("bench") => bench::Bench { args: rest }.run(),
        Some("snapshot") => snapshot::Snapshot.run(),
        Some("screenshot") => screenshot::Screenshot { args: rest }.run(),
        Some("miri") => miri::Miri { only: rest }.run(),
        Some("ci") => ci::Ci.run(),
        Some("-h" | "--help") => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Some(other) => {
            eprintln!("xtask: unknown task `{other}`\n{USAGE}");
            return ExitCode::from(2);
        }
        None => {
            eprintln!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("xtask: {e:#}");
            ExitCode::FAILURE
        }
    }
}

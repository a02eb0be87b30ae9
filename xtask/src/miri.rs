//! `cargo xtask miri`: both engines' tests under Miri, each with the flags
//! it needs. Not part of CI (Miri takes many minutes on two cores); run it
//! after a change to unsafe code.

use anyhow::Result;

use crate::util::{root, run};

/// Tree borrows, and isolation off for the real clock and sockets some
/// tests use.
const COMMON: &str = "-Zmiri-tree-borrows -Zmiri-disable-isolation";

/// The crates with unsafe code, and the Miri flags each needs beyond
/// [`COMMON`].
pub(crate) const CRATES: &[(&str, &str)] = &[
    // The leak check stays on: a leaked task reference count is a bug.
    ("cvp-interleave", ""),
    // crossbeam-epoch (under crossbeam-deque) leaks by design
    // (crossbeam#545, crossbeam#579).
    ("cvp-decompose", "-Zmiri-ignore-leaks"),
];

pub(crate) struct Miri {
    /// Crates to run (all of [`CRATES`] when empty).
    pub(crate) only: Vec<String>,
}

impl Miri {
    pub(crate) fn run(&self) -> Result<()> {
        for (package, extra) in CRATES {
            if !self.only.is_empty() && !self.only.iter().any(|o| o == package) {
                continue;
            }
            // The rustup proxy, not `$CARGO` (this toolchain's cargo), so
            // that `+nightly` selects the toolchain Miri needs.
            run(std::process::Command::new("cargo")
                .current_dir(root())
                .args(["+nightly", "miri", "test", "-p", package])
                .env("MIRIFLAGS", format!("{COMMON} {extra}").trim_end()))?;
        }
        Ok(())
    }
}

//! `cargo xtask ci`: exactly what CI checks, in the order that fails
//! fastest. `.ci/run` installs the system packages (Chromium, for the page
//! test) and calls this; nothing else runs in CI.
//!
//! 1. every `.rs` file tracked by git is seen by rustfmt (a module declared
//!    inside a macro would hide its file from `cargo fmt`);
//! 2. `cargo fmt --all --check`;
//! 3. `cargo clippy --workspace --all-targets -- -D warnings`;
//! 4. `cargo test --workspace` with `CI=true` (so the page test requires
//!    Chromium) and `INSTA_UPDATE=no` (a changed snapshot fails); it also
//!    checks that the READMEs' figures are those of the committed results;
//! 5. the loom models of the engines' synchronisation ([`LOOM`]).

use anyhow::{bail, Context, Result};

use crate::util::{cargo, root, run};

/// The loom models, as (package, test filter): each runs as
/// `RUSTFLAGS="--cfg loom" cargo test -p PACKAGE --lib --release FILTER`
/// in its own target folder (`target/loom`), since `--cfg loom` rebuilds
/// every dependency. Add an engine's model here, one line each.
pub(crate) const LOOM: &[(&str, &str)] = &[
    // The decomposer's sleep/wake protocol: no lost wake-up.
    ("cvp-decompose", "sleep"),
    // The interleaver's remote-wake / deadlock-check protocol: no false
    // deadlock while a wake from another thread is in flight.
    ("cvp-interleave", "outside"),
];

pub(crate) struct Ci;

impl Ci {
    pub(crate) fn run(&self) -> Result<()> {
        rustfmt_sees_every_file()?;
        run(cargo().args(["fmt", "--all", "--check"]))?;
        run(cargo().args([
            "clippy",
            "--workspace",
            "--all-targets",
            "--",
            "-D",
            "warnings",
        ]))?;
        run(cargo()
            .args(["test", "--workspace"])
            .env("CI", "true")
            .env("INSTA_UPDATE", "no"))?;
        // The small-input guard's decisions depend on how long an item
        // takes, which only an optimised build makes realistic.
        run(cargo().args([
            "test",
            "--release",
            "-p",
            "cvp-decompose",
            "--test",
            "guard",
            "--",
            "--include-ignored",
        ]))?;
        for (package, filter) in LOOM {
            run(cargo()
                .args(["test", "-p", package, "--lib", "--release", filter])
                .env("RUSTFLAGS", "--cfg loom")
                .env("CARGO_TARGET_DIR", root().join("target").join("loom")))?;
        }
        Ok(())
    }
}

/// `rustfmt --check --edition 2021` on every tracked `.rs` file by name:
/// unlike `cargo fmt`, which follows `mod` items, this reaches a file that
/// no visible `mod` declares.
fn rustfmt_sees_every_file() -> Result<()> {
    let out = std::process::Command::new("git")
        .current_dir(root())
        .args(["ls-files", "*.rs"])
        .output()
        .context("running git ls-files")?;
    if !out.status.success() {
        bail!(
            "git ls-files failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let files: Vec<String> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(str::to_owned)
        .collect();
    if files.is_empty() {
        bail!("git ls-files found no .rs file");
    }
    let rustfmt = std::env::var_os("RUSTFMT").unwrap_or_else(|| "rustfmt".into());
    run(std::process::Command::new(rustfmt)
        .current_dir(root())
        .args(["--check", "--edition", "2021"])
        .args(&files))
}

#[cfg(test)]
mod test {
    use super::*;

    /// CI is `.ci/run`: it may install system packages, but every cargo
    /// command it runs is `cargo xtask ci`, so this file is CI's one truth.
    #[test]
    fn ci_runs_only_cargo_xtask_ci() {
        let script = std::fs::read_to_string(root().join(".ci/run")).unwrap();
        let cargo: Vec<&str> = script
            .lines()
            .map(str::trim)
            .filter(|l| !l.starts_with('#') && l.contains("cargo "))
            .collect();
        assert_eq!(cargo, ["cargo xtask ci"], "{script}");
        assert!(script.contains("export CI=true"), "{script}");
    }

    /// The README says what `cargo xtask ci` runs; each step named there
    /// is one this file runs.
    #[test]
    fn the_readme_names_every_step_of_ci() {
        let readme = std::fs::read_to_string(root().join("README.md")).unwrap();
        let flat = readme.split_whitespace().collect::<Vec<_>>().join(" ");
        for step in [
            "`cargo xtask ci` runs exactly what CI runs",
            "rustfmt sees every tracked `.rs` file",
            "`cargo fmt --check`",
            "clippy with `-D warnings`",
            "test --workspace` under `CI=true`",
            "loom model",
            "`.ci/run` installs Chromium and calls it",
        ] {
            assert!(flat.contains(step), "README lacks {step:?}");
        }
    }
}

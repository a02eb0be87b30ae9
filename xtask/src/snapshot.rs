//! `cargo xtask snapshot`: run the tests, writing any changed snapshot as a
//! pending `.snap.new` beside the old one, then review what changed.

use anyhow::{bail, Result};

use crate::util::{cargo, root, run};

pub(crate) struct Snapshot;

impl Snapshot {
    pub(crate) fn run(&self) -> Result<()> {
        let tests = cargo()
            .args(["test", "--workspace"])
            .env("INSTA_UPDATE", "new")
            .status()?;
        let pending = pending(&root())?;
        if pending.is_empty() {
            if !tests.success() {
                bail!("tests failed, and no snapshot changed: see the output above");
            }
            eprintln!("no snapshot changed");
            return Ok(());
        }
        eprintln!("{} snapshot(s) changed:", pending.len());
        for p in &pending {
            eprintln!("  {}", p.display());
        }
        let has_insta = cargo()
            .args(["insta", "--version"])
            .output()
            .is_ok_and(|o| o.status.success());
        if has_insta {
            run(cargo().args(["insta", "review"]))
        } else {
            bail!(
                "review them with `cargo insta review` (install it with `cargo install cargo-insta`), \
                 or diff each .snap.new against its .snap and rename it over the old one to accept it"
            )
        }
    }
}

/// Pending snapshots (`*.snap.new`) under `dir`, outside `target/`.
fn pending(dir: &std::path::Path) -> Result<Vec<std::path::PathBuf>> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default();
        if path.is_dir() {
            if !matches!(name, "target" | ".git" | "results") {
                out.extend(pending(&path)?);
            }
        } else if name.ends_with(".snap.new") {
            out.push(path);
        }
    }
    out.sort();
    Ok(out)
}

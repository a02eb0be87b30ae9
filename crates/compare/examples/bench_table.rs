//! Writes criterion's results as a table of engine/anchor ratios.
//!
//! ```text
//! cargo run -p cvp-compare --example bench_table -- [CRITERION_DIR] [OUT_FILE]
//! ```
//!
//! Defaults: `target/criterion` and `results/benches.md`. `cargo xtask
//! bench` runs this after `cargo bench`.

use std::path::PathBuf;
use std::process::ExitCode;

fn main() -> ExitCode {
    let mut args = std::env::args_os().skip(1);
    let criterion = args
        .next()
        .map_or_else(|| PathBuf::from("target/criterion"), PathBuf::from);
    let out = args
        .next()
        .map_or_else(|| PathBuf::from("results/benches.md"), PathBuf::from);
    let table = match cvp_compare::visual::bench_table(&criterion) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("bench_table: {e}");
            return ExitCode::from(2);
        }
    };
    if let Some(dir) = out.parent().filter(|d| !d.as_os_str().is_empty()) {
        if let Err(e) = std::fs::create_dir_all(dir) {
            eprintln!("bench_table: cannot create {}: {e}", dir.display());
            return ExitCode::from(2);
        }
    }
    if let Err(e) = std::fs::write(&out, table) {
        eprintln!("bench_table: cannot write {}: {e}", out.display());
        return ExitCode::from(2);
    }
    println!("wrote {}", out.display());
    ExitCode::SUCCESS
}

//! Helpers shared by the tests that run the `cvp` binary.

use std::path::PathBuf;
use std::process::{Command, Output};

/// Runs `cvp` with these arguments, backtraces off.
pub(crate) fn cvp(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_cvp"))
        .args(args)
        .env("RUST_BACKTRACE", "0")
        .output()
        .expect("running cvp")
}

/// A scratch folder of this test process, with these files in it.
#[allow(dead_code)] // Not every test binary writes files.
pub(crate) fn scratch(name: &str, files: &[(&str, &str)]) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("cvp-test-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    for (f, text) in files {
        std::fs::write(dir.join(f), text).unwrap();
    }
    dir
}

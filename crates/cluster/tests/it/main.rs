//! The cluster's public behaviour, one module a concern (one test binary).

// These tests start processes, which Miri cannot.
#![cfg(not(miri))]

mod answers;
mod faults;
mod specs;

use std::path::Path;

/// The crate's own worker executable.
pub(crate) fn worker_exe() -> &'static Path {
    Path::new(env!("CARGO_BIN_EXE_cvp-cluster-worker"))
}

//! The cluster's public behaviour, one module a concern (one test binary).

mod answers;
mod faults;

use std::path::Path;

/// The crate's own worker executable.
pub(crate) fn worker_exe() -> &'static Path {
    Path::new(env!("CARGO_BIN_EXE_cvp-cluster-worker"))
}

//! Why a pool could not be built.

use std::fmt;
use std::io;

/// The error of [`Builder::build`](crate::Builder::build) and
/// [`Pool::new`](crate::Pool::new).
#[derive(Debug)]
#[non_exhaustive]
pub enum BuildError {
    /// A pool needs at least one thread.
    ZeroThreads,
    /// More threads than the sleep counters can count.
    TooManyThreads {
        /// What was asked for.
        requested: usize,
        /// The most a pool supports.
        max: usize,
    },
    /// The operating system refused to start a worker thread.
    Spawn(io::Error),
}

impl fmt::Display for BuildError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BuildError::ZeroThreads => f.write_str("a pool needs at least one thread"),
            BuildError::TooManyThreads { requested, max } => {
                write!(f, "{requested} threads requested, at most {max} supported")
            }
            BuildError::Spawn(err) => write!(f, "could not start a worker thread: {err}"),
        }
    }
}

impl std::error::Error for BuildError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            BuildError::Spawn(err) => Some(err),
            _ => None,
        }
    }
}

//! The crate's error type.

use std::fmt;
use std::path::PathBuf;

/// What can go wrong when choosing, running or reporting a comparison.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Error {
    /// No model has this name.
    UnknownModel {
        /// The name asked for.
        name: String,
        /// Every valid name.
        valid: Vec<&'static str>,
    },
    /// A workload could not be found, sized or checked.
    Workload(cvp_workloads::Error),
    /// A thread count of zero.
    ZeroThreads,
    /// A thread count above [`max_threads`](crate::max_threads).
    TooManyThreads {
        /// The count asked for.
        threads: usize,
        /// The limit on this machine.
        max: usize,
    },
    /// A repetition count of zero.
    ZeroRuns,
    /// A cell timeout of zero or a non-finite one.
    BadTimeout(String),
    /// A model failed while running a workload (a thread could not be
    /// spawned, a socket failed, a runtime could not be built).
    Run(String),
    /// The echo server could not be started.
    Server(String),
    /// The output folder cannot be written.
    Output {
        /// The folder.
        path: PathBuf,
        /// Why.
        reason: String,
    },
    /// A cell run in a child process did not answer as expected.
    Child(String),
    /// A serve run could not start: a server, the generator, a bad rate.
    Serve(String),
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::UnknownModel { name, valid } => {
                write!(
                    f,
                    "unknown model `{name}`; valid models: {}",
                    valid.join(", ")
                )
            }
            Error::Workload(e) => e.fmt(f),
            Error::ZeroThreads => write!(f, "threads must be at least 1"),
            Error::TooManyThreads { threads, max } => write!(
                f,
                "{threads} threads is more than the limit of {max} on this machine \
                 (64 per core, at least 1024)"
            ),
            Error::ZeroRuns => write!(f, "runs must be at least 1"),
            Error::BadTimeout(t) => write!(
                f,
                "cell timeout must be a positive number of seconds, not `{t}`"
            ),
            Error::Run(e) => write!(f, "run failed: {e}"),
            Error::Server(e) => write!(f, "echo server: {e}"),
            Error::Output { path, reason } => {
                write!(
                    f,
                    "cannot write to output folder `{}`: {reason}",
                    path.display()
                )
            }
            Error::Child(e) => write!(f, "cell process: {e}"),
            Error::Serve(e) => write!(f, "serve: {e}"),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Workload(e) => Some(e),
            _ => None,
        }
    }
}

impl From<cvp_workloads::Error> for Error {
    fn from(e: cvp_workloads::Error) -> Self {
        Error::Workload(e)
    }
}

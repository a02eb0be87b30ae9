//! The crate's error type.

use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

/// Why a cluster run failed. Every variant displays as one line.
///
/// Whatever the failure, by the time [`Cluster::run`](crate::Cluster::run)
/// returns it every process it started has been killed and reaped.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ClusterError {
    /// Zero processes or zero workers a process.
    ZeroSize {
        /// `"processes"` or `"workers"`.
        what: &'static str,
    },
    /// More processes or more workers in all than the documented limits
    /// ([`MAX_PROCESSES`](crate::MAX_PROCESSES),
    /// [`MAX_WORKERS`](crate::MAX_WORKERS)).
    TooLarge {
        /// `"processes"` or `"workers (processes x workers a process)"`.
        what: &'static str,
        /// The number asked for.
        requested: usize,
        /// The limit.
        max: usize,
    },
    /// The workload is unknown, is not a job, or its size is out of range.
    Workload(String),
    /// The host file could not be read, or a line of it is not `host:port`.
    HostFile {
        /// The file.
        path: PathBuf,
        /// The line (1-based), 0 when the file as a whole is at fault.
        line: usize,
        /// What is wrong.
        reason: String,
    },
    /// The worker executable could not be started.
    Spawn {
        /// The executable.
        exe: PathBuf,
        /// The operating system's reason.
        reason: String,
    },
    /// A process could not listen on its address: the port is taken, or the
    /// address is not this machine's.
    PortTaken {
        /// The process.
        process: usize,
        /// The address, `host:port`.
        address: String,
        /// The operating system's reason.
        reason: String,
    },
    /// A process exited, or was killed, before the run was over.
    Died {
        /// The process.
        process: usize,
        /// Its exit status, as the operating system tells it.
        status: String,
        /// The last line it wrote to its error output, if any.
        last_words: String,
    },
    /// A process reported an error and stopped.
    Worker {
        /// The process.
        process: usize,
        /// Its one-line reason.
        reason: String,
    },
    /// A phase did not finish in time.
    Timeout {
        /// `"start-up"` or `"computation"`.
        phase: &'static str,
        /// The limit that passed.
        after: Duration,
    },
    /// A process wrote something the runner does not understand.
    Protocol(String),
}

impl fmt::Display for ClusterError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ClusterError::ZeroSize { what } => write!(f, "the cluster needs at least one {what}"),
            ClusterError::TooLarge {
                what,
                requested,
                max,
            } => write!(f, "{requested} {what} exceed the limit of {max}"),
            ClusterError::Workload(reason) => f.write_str(reason),
            ClusterError::HostFile { path, line, reason } if *line == 0 => {
                write!(f, "host file {}: {reason}", path.display())
            }
            ClusterError::HostFile { path, line, reason } => {
                write!(f, "host file {} line {line}: {reason}", path.display())
            }
            ClusterError::Spawn { exe, reason } => {
                write!(f, "cannot start the worker {}: {reason}", exe.display())
            }
            ClusterError::PortTaken {
                process,
                address,
                reason,
            } => write!(f, "process {process} cannot listen on {address}: {reason}"),
            ClusterError::Died {
                process,
                status,
                last_words,
            } if last_words.is_empty() => write!(f, "process {process} died ({status})"),
            ClusterError::Died {
                process,
                status,
                last_words,
            } => write!(f, "process {process} died ({status}): {last_words}"),
            ClusterError::Worker { process, reason } => write!(f, "process {process}: {reason}"),
            ClusterError::Timeout { phase, after } => {
                write!(f, "the cluster's {phase} took longer than {after:?}")
            }
            ClusterError::Protocol(line) => write!(f, "unexpected output from a process: {line}"),
        }
    }
}

impl std::error::Error for ClusterError {}

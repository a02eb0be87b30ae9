//! The crate's error type.

use std::fmt;

/// What can go wrong when choosing, sizing, running or checking a workload.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Error {
    /// No workload has this name.
    UnknownWorkload {
        /// The name asked for.
        name: String,
        /// Every valid name.
        valid: Vec<String>,
    },
    /// No preset has this name.
    UnknownPreset(String),
    /// A size of zero.
    ZeroSize {
        /// The workload.
        workload: String,
    },
    /// A size above the workload's limit (its memory or its running time
    /// would not fit).
    SizeTooLarge {
        /// The workload.
        workload: String,
        /// The size asked for.
        size: usize,
        /// The largest accepted size.
        max: usize,
        /// Why the limit is there.
        why: String,
    },
    /// A model's answer differs from the reference.
    Mismatch {
        /// The workload.
        workload: String,
        /// The reference answer.
        expected: String,
        /// The model's answer.
        got: String,
    },
    /// A script needs the echo server but none was given.
    NoServer,
    /// A socket operation failed.
    Io(String),
    /// The echo server's reply (or a request) was malformed.
    BadReply(String),
    /// A workload spec is malformed or out of bounds (see
    /// [`load_spec`](crate::load_spec)).
    Spec(crate::SpecError),
    /// No built-in handler mix has this name.
    UnknownMix(String),
    /// A handler mix that cannot be served (see [`Mix::new`](crate::Mix::new)).
    BadMix(String),
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::UnknownWorkload { name, valid } => {
                write!(
                    f,
                    "unknown workload `{name}`; valid names: {}",
                    valid.join(", ")
                )
            }
            Error::UnknownPreset(p) => {
                write!(
                    f,
                    "unknown preset `{p}`; valid presets: test, quick, default"
                )
            }
            Error::ZeroSize { workload } => write!(f, "{workload}: size must be at least 1"),
            Error::SizeTooLarge {
                workload,
                size,
                max,
                why,
            } => {
                write!(f, "{workload}: size {size} exceeds the limit {max} ({why})")
            }
            Error::Mismatch {
                workload,
                expected,
                got,
            } => {
                write!(
                    f,
                    "{workload}: wrong answer: expected `{expected}`, got `{got}`"
                )
            }
            Error::NoServer => write!(
                f,
                "this script talks to the echo server, but none was given"
            ),
            Error::Io(e) => write!(f, "socket error: {e}"),
            Error::BadReply(e) => write!(f, "bad echo message: {e}"),
            Error::Spec(e) => e.fmt(f),
            Error::UnknownMix(m) => write!(
                f,
                "unknown mix `{m}` (waiting, computing, mixed, trivial; or a spec's `[serve]`)"
            ),
            Error::BadMix(e) => f.write_str(e),
        }
    }
}

impl std::error::Error for Error {}

impl From<crate::SpecError> for Error {
    fn from(e: crate::SpecError) -> Self {
        Error::Spec(e)
    }
}

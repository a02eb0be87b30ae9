//! The crate's error type.

use std::fmt;
use std::path::PathBuf;

/// What can go wrong when reading or drawing a report.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Error {
    /// A file or folder of the output cannot be written.
    Output {
        /// The file or folder.
        path: PathBuf,
        /// Why.
        reason: String,
    },
    /// A saved report cannot be read or parsed.
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        reason: String,
    },
    /// A saved report is not a cvp report (not JSON, or missing fields).
    Parse {
        /// The file.
        path: PathBuf,
        /// Why.
        reason: String,
    },
    /// A saved report was written with another schema version.
    Schema {
        /// The file.
        path: PathBuf,
        /// The version in the file.
        found: u32,
        /// The version this crate reads ([`SCHEMA`](crate::SCHEMA)).
        expected: u32,
    },
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Output { path, reason } => {
                write!(f, "cannot write `{}`: {reason}", path.display())
            }
            Error::Read { path, reason } => {
                write!(f, "cannot read report `{}`: {reason}", path.display())
            }
            Error::Parse { path, reason } => {
                write!(f, "`{}` is not a cvp report: {reason}", path.display())
            }
            Error::Schema {
                path,
                found,
                expected,
            } => write!(
                f,
                "`{}` has report schema {found}, this cvp reads schema {expected}",
                path.display()
            ),
        }
    }
}

impl std::error::Error for Error {}

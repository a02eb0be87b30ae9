//! # cvp — concurrency versus parallelism, measured
//!
//! *Concurrency* manages many tasks at once by interleaving them: it works on
//! one core and buys responsiveness while tasks wait. *Parallelism* divides
//! one job into pieces that run at the same time on several cores: it buys
//! speed when the work is computation.
//!
//! This facade re-exports the crates of the workspace:
//!
//! * [`workloads`] — the shared workloads, written once against a small
//!   capability, with their reference answers;
//! * [`interleave`] — a green-thread interleaver: many tasks, one OS thread;
//! * [`decompose`] — a data-parallel decomposer: one job, a work-stealing pool;
//! * [`compare`] — the comparison runner behind the `cvp` binary and
//!   `cargo xtask compare`;
//! * [`report`] — the report's schema, verdicts, tables, charts and page,
//!   drawn from a saved `report.json` without linking any engine.
//!
//! ```
//! use cvp::workloads::{Exec, Sequential};
//! let total = Sequential.map_reduce(100, 10, |r| r.sum::<usize>(), |a, b| a + b);
//! assert_eq!(total, 4950);
//! ```

pub use cvp_compare as compare;
pub use cvp_decompose as decompose;
pub use cvp_interleave as interleave;
pub use cvp_report as report;
pub use cvp_workloads as workloads;

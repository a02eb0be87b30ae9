//! Servers under load: every model's HTTP/1.1 server on loopback running
//! the same handler ([`Mix`]), an open-loop load generator ([`run_load`])
//! that measures latency from when each request was due, and a sweep of
//! offered load ([`sweep`]) that finds where each model bends.
//!
//! The thread models parse with httparse and block; the async models run
//! hyper (cvp-interleave through its native `hyper` feature).

mod cell;
mod handler;
mod http;
mod hyper_service;
mod interleave;
mod load;
mod point;
mod pool;
mod server;
mod sweep;
mod threads;
mod tokio;

pub(crate) use cell::run_cell;
pub use cvp_workloads::Mix;
pub use load::{raise_fd_limit, run_load, Arrivals, Load, LoadReport, MAX_LAG_P99};
pub use point::{measure_point, Placement, Point, Split};
pub use server::{serve_not_applicable, Server};
pub use sweep::{sweep, Sweep, FRACTIONS};

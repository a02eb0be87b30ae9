//! # cvp-workloads
//!
//! One catalogue of workloads that every execution model in cvp runs, each
//! with an answer that every model must reproduce.
//!
//! Workloads never name a model. They come in two shapes:
//!
//! * **Jobs** ([`Job`]) are data-shaped, parallelism's home. A job is
//!   written once against the [`Exec`] capability — `map_reduce` over an
//!   index range, and `join` — so a thread pool, a single-thread interleaver,
//!   rayon or tokio can run the same code. [`Sequential`] is the trivial
//!   implementation and the reference.
//! * **Task sets** ([`TaskSet`]) are request-shaped, concurrency's home: each
//!   task is a [`Script`] of steps (compute, wait, talk to a TCP server).
//!   [`run_script`] interprets a script by blocking; [`run_script_async`] is
//!   the same interpreter for any async runtime that implements
//!   [`AsyncEnv`].
//!
//! Every [`Workload`] has a kebab-case name, a [`Class`], a description of
//! why it behaves as it does, size [`Preset`]s, a size limit and a
//! [`reference`](Workload::reference) answer. A model's answer is checked
//! with [`Workload::verify`]; a mismatch is an [`Error::Mismatch`] naming
//! both answers.
//!
//! The catalogue is open. A built-in workload is one file (`src/jobs/` or
//! `src/tasks/`) and one line in the [`catalogue`]'s registry; a user's
//! workload is a TOML spec ([`load_spec`]: task sets of seeded waits,
//! computation and requests, or jobs of seeded uneven items), or a Rust job
//! of their own ([`UserJob`], [`Workload::from_job`]).
//!
//! This crate depends on no async runtime and no thread pool.
//!
//! ```
//! use cvp_workloads::{find, Preset, Sequential, Shape};
//!
//! let w = find("primes")?;
//! let size = w.size(Preset::Test);
//! let Shape::Job(job) = w.shape() else { unreachable!() };
//! let mut input = job.prepare(size);
//! let answer = job.run(&Sequential, &mut input);
//! w.verify(&w.reference(size)?, &answer)?;
//! assert_eq!(answer, "1229");
//! # Ok::<(), cvp_workloads::Error>(())
//! ```

mod catalogue;
pub mod echo;
mod erase;
mod error;
mod exec;
mod job;
mod jobs;
mod kernel;
mod mix;
mod script;
mod slots;
mod spec;
mod tasks;
mod user;

pub use catalogue::{
    catalogue, find, Class, Origin, Preset, Schedule, Serve, Shape, Tasks, Workload,
};
pub use error::Error;
pub use exec::{chunks, Exec, Sequential};
pub use job::{Job, JobInput};
pub use kernel::{compute, ITERS_PER_UNIT};
pub use mix::{Mix, IDS, MAX_IDS};
pub use script::{
    run_script, run_script_async, run_script_timed, AsyncEnv, Lateness, Script, ScriptCtx, Step,
    StepTime, TaskOutcome, TaskSet,
};
pub use slots::Slots;
pub use spec::{
    load_spec, parse_spec, SpecError, DEFAULT_CONNECTIONS, DEFAULT_SERVE_MS, MAX_CAPACITY_FRACTION,
    MAX_CONNECTIONS, MAX_DURATION_MS, MAX_ITEMS, MAX_JOB_BYTES, MAX_RATE, MAX_REFERENCE_UNITS,
    MAX_REQUEST_MS, MAX_REQUEST_STEPS, MAX_SERVE_MS, MAX_SPEC_BYTES, MAX_STEPS, MAX_TASKS,
    MAX_TOTAL_UNITS, RANDOM_IDS, UNITS_PER_MS,
};
pub use tasks::probe::PROBE_PERIOD;
pub use user::UserJob;

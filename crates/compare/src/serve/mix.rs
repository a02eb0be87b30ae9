//! The request handler every server runs, as a mix of steps: what one
//! request does (wait, compute, call a backend), written once as a task
//! [`Script`] and interpreted by the model's own interpreter, blocking or
//! async.

use std::fmt;
use std::str::FromStr;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use cvp_workloads::{Script, Step, TaskOutcome, TaskSet};

use crate::Error;

/// What a request costs the server.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Mix {
    /// Waits 1 ms (a timer, or a blocking sleep): concurrency's home.
    Waiting,
    /// Computes 2,000 units (about 2 ms) without yielding:
    /// one core serves about 500 of them a second.
    Computing,
    /// Calls a backend (the echo server, which answers after 1 ms),
    /// then computes 500 units (about 0.5 ms).
    Mixed,
    /// Answers at once: measures the HTTP stacks and the generator itself.
    /// Not part of a default sweep.
    Trivial,
}

/// The wait of a waiting-bound request, and the backend's delay.
pub(crate) const WAIT: Duration = Duration::from_millis(1);
/// The computation of a computing-bound request.
pub(crate) const COMPUTE_UNITS: u64 = 2_000;
/// The computation of a mixed request, after its backend call.
pub(crate) const MIXED_UNITS: u64 = 500;
/// Bytes each mixed request sends to the backend (and gets back).
pub(crate) const BACKEND_BYTES: u32 = 64;
/// Distinct request ids: request `k` asks for `/k % IDS`, and the generator
/// checks every answer against the reference of its id.
pub(crate) const IDS: u32 = 16;

impl Mix {
    /// The mixes of a default sweep.
    pub const ALL: [Mix; 3] = [Mix::Waiting, Mix::Computing, Mix::Mixed];
    /// Every mix, [`Mix::Trivial`] last.
    const EVERY: [Mix; 4] = [Mix::Waiting, Mix::Computing, Mix::Mixed, Mix::Trivial];

    /// The mix's name: `waiting`, `computing`, `mixed`.
    pub fn name(self) -> &'static str {
        match self {
            Mix::Waiting => "waiting",
            Mix::Computing => "computing",
            Mix::Mixed => "mixed",
            Mix::Trivial => "trivial",
        }
    }

    /// What one request does, in words.
    pub fn describe(self) -> String {
        match self {
            Mix::Waiting => format!("{} ms of waiting per request", WAIT.as_millis()),
            Mix::Computing => {
                format!("{COMPUTE_UNITS} units (about 2 ms) of computing per request")
            }
            Mix::Mixed => format!(
                "a {} ms backend call, then {MIXED_UNITS} units (about 0.5 ms) of computing",
                WAIT.as_millis()
            ),
            Mix::Trivial => "no work per request".into(),
        }
    }

    /// The steps of one request.
    pub fn steps(self) -> Vec<Step> {
        match self {
            Mix::Waiting => vec![Step::Wait(WAIT)],
            Mix::Computing => vec![Step::Compute {
                units: COMPUTE_UNITS,
            }],
            Mix::Mixed => vec![
                Step::Request {
                    bytes: BACKEND_BYTES,
                    delay: WAIT,
                },
                Step::Compute { units: MIXED_UNITS },
            ],
            Mix::Trivial => Vec::new(),
        }
    }

    /// The script of request `id`.
    pub fn script(self, id: u32) -> Script {
        Script {
            id,
            steps: self.steps(),
        }
    }

    /// Whether requests call the backend (the echo server).
    pub fn needs_backend(self) -> bool {
        matches!(self, Mix::Mixed)
    }

    /// Whether its handler computes, so that a server with more cores can
    /// answer more of it.
    pub fn computes(self) -> bool {
        matches!(self, Mix::Computing | Mix::Mixed)
    }

    /// The body every server must answer request `/id` with, worked out
    /// without waiting (once per process): index `id` of the table.
    pub fn answers(self) -> Arc<[String]> {
        static TABLES: [OnceLock<Arc<[String]>>; 4] = [
            OnceLock::new(),
            OnceLock::new(),
            OnceLock::new(),
            OnceLock::new(),
        ];
        let slot = Mix::EVERY.iter().position(|&m| m == self).unwrap_or(0);
        Arc::clone(TABLES[slot].get_or_init(|| {
            (0..IDS)
                .map(|id| {
                    TaskSet {
                        scripts: vec![self.script(id)],
                    }
                    .expected_answer()
                })
                .collect()
        }))
    }
}

/// The body of a response: the answer of the one task the request ran.
pub(crate) fn body_of(outcome: &TaskOutcome) -> String {
    TaskSet {
        scripts: Vec::new(),
    }
    .answer(std::slice::from_ref(outcome))
}

impl FromStr for Mix {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self, Error> {
        Mix::EVERY
            .into_iter()
            .find(|m| m.name() == s)
            .ok_or_else(|| {
                Error::Serve(format!(
                    "unknown mix `{s}` (waiting, computing, mixed, trivial)"
                ))
            })
    }
}

impl fmt::Display for Mix {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

//! The request handler a server runs, as a mix of steps: what one request
//! does (wait, compute, call a backend), written as one task [`Script`] per
//! request id and interpreted by each model's own interpreter, blocking or
//! async.
//!
//! The built-in mixes ([`Mix::waiting`], [`Mix::computing`],
//! [`Mix::mixed`], [`Mix::trivial`]) and a spec's `[serve]` handler (see
//! [`load_spec`](crate::load_spec)) are the same thing: a name, a
//! description and the scripts of its request ids.

use std::fmt;
use std::str::FromStr;
use std::sync::{Arc, LazyLock, OnceLock};
use std::time::Duration;

use crate::script::{Script, Step, TaskOutcome, TaskSet};
use crate::spec::UNITS_PER_MS;
use crate::Error;

/// Distinct request ids of a mix whose requests all do the same (the
/// built-ins): request `k` asks for `/k % IDS`, and the generator checks
/// every answer against the reference of its id.
pub const IDS: u32 = 16;
/// Most distinct request ids of one mix.
pub const MAX_IDS: u32 = 4096;

/// The wait of a waiting-bound request, and the backend's delay.
const WAIT: Duration = Duration::from_millis(1);
/// The computation of a computing-bound request.
const COMPUTE_UNITS: u64 = 2_000;
/// The computation of a mixed request, after its backend call.
const MIXED_UNITS: u64 = 500;
/// Bytes each mixed request sends to the backend (and gets back).
const BACKEND_BYTES: u32 = 64;

/// What a request costs the server: the scripts of its request ids.
/// Cheap to clone (the scripts are shared).
///
/// ```
/// use cvp_workloads::{Mix, Script, Step};
/// use std::time::Duration;
/// let waiting = Mix::waiting();
/// assert_eq!((waiting.name(), waiting.ids()), ("waiting", 16));
/// assert_eq!("computing".parse::<Mix>()?, Mix::computing());
/// // A mix of one's own: request id `i` runs script `i`.
/// let steps = |ms| vec![Step::Wait(Duration::from_millis(ms)), Step::Compute { units: 100 }];
/// let own = Mix::new("uneven", "1 or 2 ms of waiting, then 100 units", vec![
///     Script { id: 0, steps: steps(1) },
///     Script { id: 1, steps: steps(2) },
/// ])?;
/// assert!(own.computes() && !own.needs_backend());
/// assert_eq!(own.answers().len(), 2);
/// # Ok::<(), cvp_workloads::Error>(())
/// ```
#[derive(Clone)]
pub struct Mix(Arc<Inner>);

struct Inner {
    name: String,
    description: String,
    scripts: Vec<Script>,
    needs_backend: bool,
    computes: bool,
    compute_ms: f64,
    wait_ms: f64,
    answers: OnceLock<Arc<[String]>>,
}

static WAITING: LazyLock<Mix> = LazyLock::new(|| {
    built_in(
        "waiting",
        format!("{} ms of waiting per request", WAIT.as_millis()),
        vec![Step::Wait(WAIT)],
    )
});
static COMPUTING: LazyLock<Mix> = LazyLock::new(|| {
    built_in(
        "computing",
        format!("{COMPUTE_UNITS} units (about 2 ms) of computing per request"),
        vec![Step::Compute {
            units: COMPUTE_UNITS,
        }],
    )
});
static MIXED: LazyLock<Mix> = LazyLock::new(|| {
    built_in(
        "mixed",
        format!(
            "a {} ms backend call, then {MIXED_UNITS} units (about 0.5 ms) of computing",
            WAIT.as_millis()
        ),
        vec![
            Step::Request {
                bytes: BACKEND_BYTES,
                delay: WAIT,
            },
            Step::Compute { units: MIXED_UNITS },
        ],
    )
});
static TRIVIAL: LazyLock<Mix> =
    LazyLock::new(|| built_in("trivial", "no work per request".into(), Vec::new()));

fn built_in(name: &str, description: String, steps: Vec<Step>) -> Mix {
    Mix::uniform(name, description, steps).expect("a built-in mix is valid")
}

impl Mix {
    /// Waits 1 ms (a timer, or a blocking sleep): concurrency's home.
    pub fn waiting() -> Mix {
        WAITING.clone()
    }

    /// Computes 2,000 units (about 2 ms) without yielding: one core serves
    /// about 500 of them a second.
    pub fn computing() -> Mix {
        COMPUTING.clone()
    }

    /// Calls a backend (the echo server, which answers after 1 ms), then
    /// computes 500 units (about 0.5 ms).
    pub fn mixed() -> Mix {
        MIXED.clone()
    }

    /// Answers at once: measures the HTTP stacks and the generator itself.
    /// Not part of a default sweep.
    pub fn trivial() -> Mix {
        TRIVIAL.clone()
    }

    /// The mixes of a default sweep: waiting, computing, mixed.
    pub fn defaults() -> [Mix; 3] {
        [Mix::waiting(), Mix::computing(), Mix::mixed()]
    }

    /// Every built-in mix, [`Mix::trivial`] last.
    pub fn built_in() -> [Mix; 4] {
        [
            Mix::waiting(),
            Mix::computing(),
            Mix::mixed(),
            Mix::trivial(),
        ]
    }

    /// A mix whose request `id` runs `scripts[id]`: ids `0..scripts.len()`,
    /// each script's own id its index. A request may wait, compute and call
    /// the backend ([`Step::Wait`], [`Step::Compute`], [`Step::Request`]);
    /// arrivals and periodic ticks count from a set's release, which a
    /// request does not have, so they are refused.
    pub fn new(
        name: impl Into<String>,
        description: impl Into<String>,
        scripts: Vec<Script>,
    ) -> Result<Mix, Error> {
        let name = name.into();
        let bad = |why: String| Err(Error::BadMix(format!("mix `{name}`: {why}")));
        if scripts.is_empty() || scripts.len() > MAX_IDS as usize {
            return bad(format!(
                "{} request ids; a mix has 1 to {MAX_IDS}",
                scripts.len()
            ));
        }
        if let Some((i, s)) = scripts
            .iter()
            .enumerate()
            .find(|(i, s)| s.id as usize != *i)
        {
            return bad(format!("script {i} has id {}, not its index", s.id));
        }
        let steps = || scripts.iter().flat_map(|s| &s.steps);
        if let Some(step) = steps().find(|s| matches!(s, Step::Periodic { .. } | Step::Arrive(_))) {
            return bad(format!(
                "a request can wait, compute and call the backend, not {step:?}"
            ));
        }
        let n = scripts.len() as f64;
        let (mut units, mut waits) = (0u64, Duration::ZERO);
        for step in steps() {
            match *step {
                Step::Compute { units: u } => units += u,
                Step::Wait(d) | Step::Request { delay: d, .. } => waits += d,
                Step::Periodic { .. } | Step::Arrive(_) => {}
            }
        }
        Ok(Mix(Arc::new(Inner {
            needs_backend: scripts.iter().any(Script::needs_server),
            computes: units > 0,
            compute_ms: units as f64 / UNITS_PER_MS / n,
            wait_ms: waits.as_secs_f64() * 1e3 / n,
            name,
            description: description.into(),
            scripts,
            answers: OnceLock::new(),
        })))
    }

    /// A mix of [`IDS`] request ids that all run `steps`.
    pub fn uniform(
        name: impl Into<String>,
        description: impl Into<String>,
        steps: Vec<Step>,
    ) -> Result<Mix, Error> {
        let scripts = (0..IDS)
            .map(|id| Script {
                id,
                steps: steps.clone(),
            })
            .collect();
        Mix::new(name, description, scripts)
    }

    /// The mix's name: `waiting`, `computing`, `mixed`, `trivial`, or a
    /// spec's.
    pub fn name(&self) -> &str {
        &self.0.name
    }

    /// What one request does, in words.
    pub fn describe(&self) -> &str {
        &self.0.description
    }

    /// How many distinct request ids it has: paths `/0` to `/ids - 1`.
    pub fn ids(&self) -> u32 {
        self.0.scripts.len() as u32
    }

    /// The script of request `id`, if there is one.
    pub fn script(&self, id: u32) -> Option<&Script> {
        self.0.scripts.get(id as usize)
    }

    /// Whether requests call the backend (the echo server).
    pub fn needs_backend(&self) -> bool {
        self.0.needs_backend
    }

    /// Whether its handler computes, so that a server with more cores can
    /// answer more of it.
    pub fn computes(&self) -> bool {
        self.0.computes
    }

    /// Mean milliseconds of computing per request, at the kernels' nominal
    /// speed ([`UNITS_PER_MS`]).
    pub fn compute_ms(&self) -> f64 {
        self.0.compute_ms
    }

    /// Mean milliseconds of waiting per request (waits and backend delays).
    pub fn wait_ms(&self) -> f64 {
        self.0.wait_ms
    }

    /// The rate one core would serve over `connections` keep-alive
    /// connections, each with one request in flight, if the HTTP stack
    /// cost nothing: the lesser of 1000 / computing ms and `connections`
    /// x 1000 / (computing + waiting ms). Infinite for a mix that does
    /// nothing.
    ///
    /// ```
    /// use cvp_workloads::Mix;
    /// assert_eq!(Mix::computing().capacity(64), 500.0);
    /// assert_eq!(Mix::waiting().capacity(64), 64_000.0);
    /// ```
    pub fn capacity(&self, connections: usize) -> f64 {
        let by_cpu = if self.compute_ms() > 0.0 {
            1000.0 / self.compute_ms()
        } else {
            f64::INFINITY
        };
        let busy = self.compute_ms() + self.wait_ms();
        let by_connections = if busy > 0.0 {
            connections as f64 * 1000.0 / busy
        } else {
            f64::INFINITY
        };
        by_cpu.min(by_connections)
    }

    /// The body every server must answer request `/id` with, worked out
    /// without waiting (once per mix, in a process): index `id` of the
    /// table.
    pub fn answers(&self) -> Arc<[String]> {
        Arc::clone(self.0.answers.get_or_init(|| {
            self.0
                .scripts
                .iter()
                .map(|s| TaskSet::new(vec![s.clone()]).expected_answer())
                .collect()
        }))
    }

    /// The body of a response: the answer of the one task the request ran.
    pub fn body(outcome: &TaskOutcome) -> String {
        TaskSet::new(Vec::new()).answer(std::slice::from_ref(outcome))
    }
}

impl PartialEq for Mix {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
            || (self.0.name == other.0.name
                && self.0.description == other.0.description
                && self.0.scripts == other.0.scripts)
    }
}

impl Eq for Mix {}

impl fmt::Debug for Mix {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Mix")
            .field("name", &self.0.name)
            .field("ids", &self.ids())
            .finish_non_exhaustive()
    }
}

impl FromStr for Mix {
    type Err = Error;
    /// A built-in mix by name.
    fn from_str(s: &str) -> Result<Self, Error> {
        Mix::built_in()
            .into_iter()
            .find(|m| m.name() == s)
            .ok_or_else(|| Error::UnknownMix(s.into()))
    }
}

impl fmt::Display for Mix {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod test {
    use super::*;

    #[test]
    fn built_ins_are_shared_and_their_answers_cover_every_id() {
        assert!(Arc::ptr_eq(&Mix::waiting().0, &Mix::waiting().0));
        for m in Mix::built_in() {
            let answers = m.answers();
            assert_eq!(answers.len(), IDS as usize, "{m}");
            assert!(Arc::ptr_eq(&answers, &m.answers()), "{m}: computed twice");
            assert_eq!(m.name().parse::<Mix>().unwrap(), m);
        }
        // Each id's answer is its own (the ids seed the computation).
        let computing = Mix::computing().answers();
        assert_ne!(computing[0], computing[1]);
        assert_eq!(Mix::mixed().compute_ms(), 0.5);
        assert_eq!(Mix::mixed().wait_ms(), 1.0);
        assert!(Mix::mixed().needs_backend() && !Mix::waiting().needs_backend());
        assert!(Mix::trivial().capacity(64).is_infinite());
    }

    #[test]
    fn a_mix_refuses_misnumbered_scripts_and_steps_without_meaning_per_request() {
        let wait = |id| Script {
            id,
            steps: vec![Step::Wait(WAIT)],
        };
        let err = Mix::new("m", "", vec![wait(0), wait(2)]).unwrap_err();
        assert!(err.to_string().contains("script 1 has id 2"), "{err}");
        assert!(Mix::new("m", "", Vec::new()).is_err());
        let arrive = Script {
            id: 0,
            steps: vec![Step::Arrive(WAIT)],
        };
        let err = Mix::new("m", "", vec![arrive]).unwrap_err();
        assert!(err.to_string().contains("not Arrive"), "{err}");
        let err = "spinning".parse::<Mix>().unwrap_err().to_string();
        assert!(err.contains("waiting, computing, mixed, trivial"), "{err}");
    }
}

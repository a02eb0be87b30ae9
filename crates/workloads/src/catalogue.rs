//! The catalogue: every workload's name, class, description, sizes and limits.

use std::borrow::Cow;
use std::fmt;
use std::path::PathBuf;
use std::str::FromStr;
use std::sync::{Arc, LazyLock};
use std::time::Duration;

use crate::job::Job;
use crate::mix::Mix;
use crate::script::TaskSet;
use crate::Error;

/// What bounds a workload, and so which model it favours.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Class {
    /// Bound by computation: parallelism's home.
    Cpu,
    /// Bound by memory bandwidth, not by cores.
    Memory,
    /// Bound by waiting (timers, sockets): concurrency's home.
    Io,
    /// Waiting, then computing: needs both.
    Mixed,
    /// Measures responsiveness while other work runs.
    Probe,
}

impl Class {
    /// The lowercase name used in reports.
    pub fn name(self) -> &'static str {
        match self {
            Class::Cpu => "cpu",
            Class::Memory => "memory",
            Class::Io => "io",
            Class::Mixed => "mixed",
            Class::Probe => "probe",
        }
    }
}

impl fmt::Display for Class {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A named size.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Preset {
    /// Milliseconds: for unit tests.
    Test,
    /// A CI smoke run: the whole matrix in well under a minute.
    Quick,
    /// About 0.3–2 s per workload sequentially on a 2-core machine.
    Default,
}

impl Preset {
    /// Every preset, smallest first.
    pub const ALL: [Preset; 3] = [Preset::Test, Preset::Quick, Preset::Default];

    /// The preset's name.
    pub fn name(self) -> &'static str {
        match self {
            Preset::Test => "test",
            Preset::Quick => "quick",
            Preset::Default => "default",
        }
    }
}

impl FromStr for Preset {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self, Error> {
        Preset::ALL
            .into_iter()
            .find(|p| p.name() == s)
            .ok_or_else(|| Error::UnknownPreset(s.into()))
    }
}

impl fmt::Display for Preset {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A request-shaped workload: it produces a [`TaskSet`] for a size.
#[derive(Clone)]
pub struct Tasks(Arc<dyn Fn(usize) -> TaskSet + Send + Sync>);

impl Tasks {
    pub(crate) fn new(make: impl Fn(usize) -> TaskSet + Send + Sync + 'static) -> Self {
        Self(Arc::new(make))
    }

    /// The scripts of this workload for `n` tasks.
    pub fn task_set(&self, n: usize) -> TaskSet {
        (self.0)(n)
    }
}

impl fmt::Debug for Tasks {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Tasks")
    }
}

/// How a workload is shaped, which decides how a model runs it.
#[derive(Debug, Clone)]
pub enum Shape {
    /// Data-shaped: one job over the [`Exec`](crate::Exec) capability.
    Job(Job),
    /// Request-shaped: a set of task scripts.
    Tasks(Tasks),
    /// A server under open-loop load: the runner starts the model's HTTP
    /// server and offers `size` requests per second for a while.
    Serve(Serve),
}

/// The serve workload's cell: which handler mix, for how long, over how
/// many keep-alive connections. The size is the offered rate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Serve {
    /// What each request does: a built-in mix or a spec's `[serve]` steps.
    pub mix: Mix,
    /// How long requests are due, milliseconds.
    pub millis: u64,
    /// Keep-alive connections.
    pub connections: usize,
}

impl Serve {
    /// Requests due at `rate` per second (constant arrivals, see
    /// [`Schedule`]).
    ///
    /// ```
    /// use cvp_workloads::{Mix, Serve};
    /// let s = Serve { mix: Mix::waiting(), millis: 1_000, connections: 64 };
    /// assert_eq!(s.due(1_000), 1_000);
    /// // A third of a request left at the end is due too: the schedule
    /// // counts every due time before the end.
    /// let odd = Serve { millis: 1_500, connections: 7, ..s };
    /// assert_eq!(odd.due(333), 500);
    /// ```
    pub fn due(&self, rate: usize) -> u64 {
        Schedule::new(rate as f64, self.connections).due(Duration::from_millis(self.millis))
    }

    /// The answer of a run where `ok` of `due` requests were answered right.
    pub fn answer(ok: u64, due: u64) -> String {
        format!("{ok} of {due} requests answered right")
    }
}

/// When the requests of a constant-rate serve run are due, from the start
/// of the schedule: connection `c` of `n` owns every `n`-th request, due
/// [`gap`](Self::gap) `= n / rate` apart from [`first`](Self::first)`(c)`
/// `= gap * c / n`, before the end. The load generator offers exactly
/// this schedule, so the count of requests due ([`due`](Self::due)) is
/// known without running it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Schedule {
    gap: Duration,
    connections: usize,
}

impl Schedule {
    /// The schedule of `rate` requests a second over `connections`
    /// connections (at least one).
    pub fn new(rate: f64, connections: usize) -> Self {
        let connections = connections.max(1);
        Self {
            gap: Duration::try_from_secs_f64(connections as f64 / rate).unwrap_or(Duration::MAX),
            connections,
        }
    }

    /// Time between two requests of one connection.
    pub fn gap(&self) -> Duration {
        self.gap
    }

    /// When connection `c`'s first request is due.
    pub fn first(&self, c: usize) -> Duration {
        self.gap.mul_f64(c as f64 / self.connections as f64)
    }

    /// Requests due before `duration` has passed, every connection
    /// together.
    pub fn due(&self, duration: Duration) -> u64 {
        let gap = self.gap.as_nanos().max(1);
        (0..self.connections)
            .map(|c| {
                let first = self.first(c);
                if first >= duration {
                    0
                } else {
                    ((duration - first).as_nanos() - 1) / gap + 1
                }
            })
            .sum::<u128>()
            .min(u128::from(u64::MAX)) as u64
    }
}

/// Where a workload was defined.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Origin {
    /// In this crate's catalogue.
    BuiltIn,
    /// In a spec file (see [`load_spec`](crate::load_spec)); a child process that
    /// measures it is given this path.
    Spec(PathBuf),
    /// In Rust, by a program that links cvp (see [`UserJob`](crate::UserJob)).
    Rust,
}

/// One workload: a name, a class, a description, sizes and limits, and its
/// shape. Cheap to clone.
#[derive(Debug, Clone)]
pub struct Workload {
    pub(crate) name: Cow<'static, str>,
    pub(crate) class: Class,
    pub(crate) description: Cow<'static, str>,
    pub(crate) unit: Cow<'static, str>,
    pub(crate) shape: Shape,
    pub(crate) presets: [usize; 3],
    pub(crate) max: usize,
    pub(crate) why_max: Cow<'static, str>,
    pub(crate) serial: bool,
    pub(crate) origin: Origin,
}

/// The built-in workloads: one file each, one line each here.
static BUILT_IN: LazyLock<Vec<Workload>> = LazyLock::new(|| {
    vec![
        crate::jobs::mandelbrot::workload(),
        crate::jobs::spectral_norm::workload(),
        crate::jobs::fannkuch::workload(),
        crate::jobs::nbody::workload(),
        crate::jobs::nqueens::workload(),
        crate::jobs::primes::workload(),
        crate::jobs::sum::workload(),
        crate::jobs::merge_sort::workload(),
        crate::tasks::latency_fanout::workload(),
        crate::tasks::echo_clients::workload(),
        crate::tasks::fetch_then_crunch::workload(),
        crate::tasks::probe::workload(),
        crate::tasks::probe_long_task::workload(),
        crate::tasks::serve::workload(),
    ]
});

/// Every built-in workload, in catalogue order.
///
/// ```
/// let names: Vec<_> = cvp_workloads::catalogue().iter().map(|w| w.name()).collect();
/// assert!(names.contains(&"mandelbrot") && names.contains(&"echo"));
/// ```
pub fn catalogue() -> &'static [Workload] {
    &BUILT_IN
}

/// Finds a built-in workload by name.
///
/// ```
/// let err = cvp_workloads::find("mandelbrod").unwrap_err();
/// assert!(err.to_string().contains("valid names: mandelbrot"));
/// ```
pub fn find(name: &str) -> Result<&'static Workload, Error> {
    BUILT_IN
        .iter()
        .find(|w| w.name == name)
        .ok_or_else(|| Error::UnknownWorkload {
            name: name.into(),
            valid: BUILT_IN.iter().map(|w| w.name.to_string()).collect(),
        })
}

impl Workload {
    /// The stable kebab-case name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Whether every step needs the one before it (n-body's time steps), so
    /// that no model can speed it up: Amdahl's serial fraction is 1.
    pub fn serial(&self) -> bool {
        self.serial
    }

    /// What bounds it.
    pub fn class(&self) -> Class {
        self.class
    }

    /// One line on why it behaves as it does under concurrency and under
    /// parallelism.
    pub fn description(&self) -> &str {
        &self.description
    }

    /// What its size counts.
    pub fn unit(&self) -> &str {
        &self.unit
    }

    /// Its shape: a job or a task set.
    pub fn shape(&self) -> &Shape {
        &self.shape
    }

    /// Where it was defined.
    pub fn origin(&self) -> &Origin {
        &self.origin
    }

    /// Whether its tasks talk to the loopback echo server.
    pub fn needs_server(&self) -> bool {
        match &self.shape {
            Shape::Tasks(t) => t.task_set(1).needs_server(),
            Shape::Job(_) | Shape::Serve(_) => false,
        }
    }

    /// The size of a preset.
    pub fn size(&self, preset: Preset) -> usize {
        self.presets[preset as usize]
    }

    /// The largest size accepted.
    pub fn max_size(&self) -> usize {
        self.max
    }

    /// Checks a size: zero and sizes above [`max_size`](Self::max_size) are
    /// errors naming the limit.
    ///
    /// ```
    /// let sum = cvp_workloads::find("sum").unwrap();
    /// assert!(sum.check_size(0).is_err());
    /// assert!(sum.check_size(usize::MAX).unwrap_err().to_string().contains("8 GiB"));
    /// ```
    pub fn check_size(&self, size: usize) -> Result<usize, Error> {
        if size == 0 {
            Err(Error::ZeroSize {
                workload: self.name.to_string(),
            })
        } else if size > self.max {
            Err(Error::SizeTooLarge {
                workload: self.name.to_string(),
                size,
                max: self.max,
                why: self.why_max.to_string(),
            })
        } else {
            Ok(size)
        }
    }

    /// The reference answer for a size: the Benchmarks Game's published
    /// output where there is one, an answer worked out in closed form (spec
    /// jobs), otherwise the sequential implementation's.
    ///
    /// For task sets this is the sequential interpreter's answer worked out
    /// without waiting (see [`TaskSet::expected_answer`]).
    ///
    /// ```
    /// let queens = cvp_workloads::find("n-queens").unwrap();
    /// assert_eq!(queens.reference(8).unwrap(), "92");
    /// ```
    pub fn reference(&self, size: usize) -> Result<String, Error> {
        let size = self.check_size(size)?;
        match &self.shape {
            Shape::Job(job) => {
                if let Some(known) = job.known_answer(size) {
                    return Ok(known);
                }
                let mut input = job.prepare(size);
                Ok(job.run(&crate::Sequential, &mut input))
            }
            Shape::Tasks(tasks) => Ok(tasks.task_set(size).expected_answer()),
            Shape::Serve(serve) => Ok(Serve::answer(serve.due(size), serve.due(size))),
        }
    }

    /// Checks a model's answer against the reference: a mismatch is an
    /// [`Error::Mismatch`] naming both, never a panic.
    pub fn verify(&self, reference: &str, answer: &str) -> Result<(), Error> {
        if reference == answer {
            Ok(())
        } else {
            Err(Error::Mismatch {
                workload: self.name.to_string(),
                expected: reference.into(),
                got: answer.into(),
            })
        }
    }
}

//! The catalogue: every workload's name, class, description, sizes and limits.

use std::fmt;
use std::str::FromStr;
use std::time::Duration;

use crate::job::Job;
use crate::script::{Script, Step, TaskSet};
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
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Tasks {
    /// `n` tasks, each waits 10 ms then computes 10 units.
    LatencyFanout,
    /// `n` clients, each sends 256 bytes to the echo server, which replies
    /// after 5 ms.
    Echo,
    /// `n` tasks, each waits 5 ms then computes 2,000 units (about 2 ms).
    FetchThenCrunch,
    /// A 1 ms periodic probe beside `n` tasks of 2,000 units that never yield.
    Probe,
}

/// Wait of each `latency-fanout` task.
const FANOUT_WAIT: Duration = Duration::from_millis(10);
/// Server delay of each `echo` request.
const ECHO_DELAY: Duration = Duration::from_millis(5);
/// Payload of each `echo` request.
const ECHO_BYTES: u32 = 256;
/// Wait of each `fetch-then-crunch` task.
const FETCH_WAIT: Duration = Duration::from_millis(5);
/// Compute of each `fetch-then-crunch` and `probe` background task.
const CRUNCH_UNITS: u64 = 2_000;
/// The probe's period.
pub const PROBE_PERIOD: Duration = Duration::from_millis(1);

impl Tasks {
    /// The scripts of this workload for `n` tasks.
    pub fn task_set(self, n: usize) -> TaskSet {
        let n = n as u32;
        let scripts = match self {
            Tasks::LatencyFanout => (0..n)
                .map(|id| Script {
                    id,
                    steps: vec![Step::Wait(FANOUT_WAIT), Step::Compute { units: 10 }],
                })
                .collect(),
            Tasks::Echo => (0..n)
                .map(|id| Script {
                    id,
                    steps: vec![Step::Request {
                        bytes: ECHO_BYTES,
                        delay: ECHO_DELAY,
                    }],
                })
                .collect(),
            Tasks::FetchThenCrunch => (0..n)
                .map(|id| Script {
                    id,
                    steps: vec![
                        Step::Wait(FETCH_WAIT),
                        Step::Compute {
                            units: CRUNCH_UNITS,
                        },
                    ],
                })
                .collect(),
            Tasks::Probe => {
                // The probe ticks for about as long as one core needs for the
                // background tasks, so it runs beside them wherever it can.
                let ticks = (n as u64 * CRUNCH_UNITS / 1_000).max(1) as u32;
                let probe = Script {
                    id: 0,
                    steps: vec![Step::Periodic {
                        period: PROBE_PERIOD,
                        ticks,
                    }],
                };
                std::iter::once(probe)
                    .chain((1..=n).map(|id| Script {
                        id,
                        steps: vec![Step::Compute {
                            units: CRUNCH_UNITS,
                        }],
                    }))
                    .collect()
            }
        };
        TaskSet { scripts }
    }
}

/// How a workload is shaped, which decides how a model runs it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
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
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Serve {
    /// The handler mix: `waiting`, `computing` or `mixed`.
    pub mix: &'static str,
    /// How long requests are due, milliseconds.
    pub millis: u64,
    /// Keep-alive connections.
    pub connections: usize,
}

impl Serve {
    /// Requests due at `rate` per second (constant arrivals).
    pub fn due(&self, rate: usize) -> u64 {
        rate as u64 * self.millis / 1000
    }

    /// The answer of a run where `ok` of `due` requests were answered right.
    pub fn answer(ok: u64, due: u64) -> String {
        format!("{ok} of {due} requests answered right")
    }
}

/// One entry of the catalogue.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Workload {
    name: &'static str,
    class: Class,
    description: &'static str,
    unit: &'static str,
    shape: Shape,
    presets: [usize; 3],
    max: usize,
    why_max: &'static str,
    serial: bool,
}

const CATALOGUE: &[Workload] = &[
    Workload {
        name: "mandelbrot",
        class: Class::Cpu,
        description: "Mandelbrot set bitmap (Benchmarks Game rules): rows are independent but unevenly costly, so it scales with cores and gains nothing from interleaving.",
        unit: "pixels per side",
        shape: Shape::Job(Job::Mandelbrot),
        presets: [200, 1_000, 4_000],
        max: 65_536,
        why_max: "the bitmap of n*n bits must stay within 512 MiB",
        serial: false,
    },
    Workload {
        name: "spectral-norm",
        class: Class::Cpu,
        description: "Spectral norm of an infinite matrix (Benchmarks Game rules): phases of parallel maps with a barrier between them; scales with cores, not with tasks.",
        unit: "matrix order",
        shape: Shape::Job(Job::SpectralNorm),
        presets: [100, 500, 3_500],
        max: 100_000,
        why_max: "40*n^2 matrix products would take hours beyond it",
        serial: false,
    },
    Workload {
        name: "fannkuch-redux",
        class: Class::Cpu,
        description: "Pancake flips over all permutations (Benchmarks Game rules), in independent blocks of permutations: embarrassingly parallel; one core gains nothing.",
        unit: "elements permuted",
        shape: Shape::Job(Job::FannkuchRedux),
        presets: [7, 9, 10],
        max: 12,
        why_max: "13! permutations would take hours",
        serial: false,
    },
    Workload {
        name: "n-body",
        class: Class::Cpu,
        description: "Five-body orbit simulation (Benchmarks Game rules): every step needs the last one, so it is inherently sequential: Amdahl's case, no model speeds it up.",
        unit: "time steps",
        shape: Shape::Job(Job::NBody),
        presets: [1_000, 1_000_000, 10_000_000],
        max: 1_000_000_000,
        why_max: "beyond a billion steps a run takes minutes",
        serial: true,
    },
    Workload {
        name: "n-queens",
        class: Class::Cpu,
        description: "Counts the placements of n queens: an irregular search tree split by the first two rows, so it needs load balancing to scale.",
        unit: "board side",
        shape: Shape::Job(Job::NQueens),
        presets: [8, 12, 15],
        max: 18,
        why_max: "beyond 18 the search takes hours",
        serial: false,
    },
    Workload {
        name: "primes",
        class: Class::Cpu,
        description: "Counts primes below n by trial division: later numbers cost more, so equal blocks are unequal work and dynamic splitting wins.",
        unit: "upper bound",
        shape: Shape::Job(Job::Primes),
        presets: [10_000, 500_000, 5_000_000],
        max: 1_000_000_000,
        why_max: "trial division beyond 10^9 takes hours",
        serial: false,
    },
    Workload {
        name: "sum",
        class: Class::Memory,
        description: "Sums a large vector of u64: bound by memory bandwidth, so extra cores help little and interleaving not at all.",
        unit: "items",
        shape: Shape::Job(Job::Sum),
        presets: [100_000, 10_000_000, 200_000_000],
        max: 1 << 30,
        why_max: "8 bytes an item must stay within 8 GiB",
        serial: false,
    },
    Workload {
        name: "merge-sort",
        class: Class::Cpu,
        description: "Sorts seeded random u64 by join-based divide and conquer: halves sort in parallel, but the last merge is sequential, which caps the speedup.",
        unit: "items",
        shape: Shape::Job(Job::MergeSort),
        presets: [10_000, 1_000_000, 10_000_000],
        max: 1 << 29,
        why_max: "16 bytes an item (data and buffer) must stay within 8 GiB",
        serial: false,
    },
    Workload {
        name: "latency-fanout",
        class: Class::Io,
        description: "n tasks that each wait 10 ms, then compute a little: pure waiting, so interleaving overlaps every wait on one core while cores alone overlap only a few.",
        unit: "tasks",
        shape: Shape::Tasks(Tasks::LatencyFanout),
        presets: [8, 50, 200],
        max: 100_000,
        why_max: "more concurrent tasks than this exceed the models' thread limits",
        serial: false,
    },
    Workload {
        name: "echo",
        class: Class::Io,
        description: "n clients each send a request to a loopback TCP server that replies after 5 ms: real sockets, so concurrency hides the server's delay.",
        unit: "clients",
        shape: Shape::Tasks(Tasks::Echo),
        presets: [8, 50, 200],
        max: 10_000,
        why_max: "each client holds a socket, and file descriptors are limited",
        serial: false,
    },
    Workload {
        name: "fetch-then-crunch",
        class: Class::Mixed,
        description: "n tasks that each wait 5 ms, then compute 2 ms: concurrency hides the waits, parallelism spreads the computing, and only both together win.",
        unit: "tasks",
        shape: Shape::Tasks(Tasks::FetchThenCrunch),
        presets: [6, 40, 200],
        max: 100_000,
        why_max: "more concurrent tasks than this exceed the models' thread limits",
        serial: false,
    },
    Workload {
        name: "probe",
        class: Class::Probe,
        description: "A task that ticks every 1 ms beside n tasks computing 2 ms without yielding: cooperative models tick late, preemptive and parallel ones on time.",
        unit: "background tasks",
        shape: Shape::Tasks(Tasks::Probe),
        presets: [5, 50, 200],
        max: 100_000,
        why_max: "more concurrent tasks than this exceed the models' thread limits",
        serial: false,
    },
    Workload {
        name: "serve",
        class: Class::Io,
        description: "A loopback HTTP/1.1 server per model under open-loop load, 1 ms of waiting per request: latency counts from when each request was due; `cvp serve-sweep` draws latency against offered load.",
        unit: "requests/s offered",
        shape: Shape::Serve(Serve { mix: "waiting", millis: 1_000, connections: 64 }),
        presets: [200, 500, 1_000],
        max: 1_000_000,
        why_max: "the load generator tops out below a million requests a second",
        serial: false,
    },
];

/// Every workload, in catalogue order.
///
/// ```
/// let names: Vec<_> = cvp_workloads::catalogue().iter().map(|w| w.name()).collect();
/// assert!(names.contains(&"mandelbrot") && names.contains(&"echo"));
/// ```
pub fn catalogue() -> &'static [Workload] {
    CATALOGUE
}

/// Finds a workload by name.
///
/// ```
/// let err = cvp_workloads::find("mandelbrod").unwrap_err();
/// assert!(err.to_string().contains("valid names: mandelbrot"));
/// ```
pub fn find(name: &str) -> Result<&'static Workload, Error> {
    CATALOGUE
        .iter()
        .find(|w| w.name == name)
        .ok_or_else(|| Error::UnknownWorkload {
            name: name.into(),
            valid: CATALOGUE.iter().map(|w| w.name).collect(),
        })
}

impl Workload {
    /// The stable kebab-case name.
    pub fn name(&self) -> &'static str {
        self.name
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
    pub fn description(&self) -> &'static str {
        self.description
    }

    /// What its size counts.
    pub fn unit(&self) -> &'static str {
        self.unit
    }

    /// Its shape: a job or a task set.
    pub fn shape(&self) -> Shape {
        self.shape
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
                workload: self.name,
            })
        } else if size > self.max {
            Err(Error::SizeTooLarge {
                workload: self.name,
                size,
                max: self.max,
                why: self.why_max,
            })
        } else {
            Ok(size)
        }
    }

    /// The reference answer for a size: the Benchmarks Game's published
    /// output where there is one, otherwise the sequential implementation's.
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
        if let Some(published) = crate::job::published(self.name, size) {
            return Ok(published.to_owned());
        }
        match self.shape {
            Shape::Job(job) => {
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
                workload: self.name,
                expected: reference.into(),
                got: answer.into(),
            })
        }
    }
}

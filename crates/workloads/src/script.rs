//! Task scripts: the request-shaped workloads, and their interpreters.
//!
//! A task is a short script of steps. The blocking interpreter
//! ([`run_script`]) is the reference; [`run_script_async`] is the same
//! interpreter written once for any async runtime that implements
//! [`AsyncEnv`].

use std::future::Future;
use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::{Duration, Instant};

use crate::echo;
use crate::kernel::compute;
use crate::Error;

/// One step of a task script.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    /// Run `units` units of the deterministic compute kernel, without
    /// yielding: on a cooperative scheduler nothing else runs meanwhile.
    Compute {
        /// Number of kernel units (about a microsecond each).
        units: u64,
    },
    /// Wait for a duration, realised as a timer (or a blocking sleep).
    Wait(Duration),
    /// Open a loopback TCP connection to the echo server, send a request of
    /// `bytes` payload bytes and read the reply, which the server sends after
    /// `delay`.
    Request {
        /// Payload size in bytes.
        bytes: u32,
        /// How long the server waits before it replies.
        delay: Duration,
    },
    /// Tick every `period`, `ticks` times, on deadlines fixed from the
    /// set's release ([`ScriptCtx::epoch`]), and record how late each tick
    /// woke (the responsiveness probe). A ticker that a model starts only
    /// after other work finds its first deadlines already past: they count
    /// as late by as much.
    Periodic {
        /// Time between deadlines.
        period: Duration,
        /// Number of ticks.
        ticks: u32,
    },
    /// Do nothing until this long after the set's release
    /// ([`ScriptCtx::epoch`]): the task's arrival. Its latency counts from
    /// its arrival, or from its start if the model starts it later.
    Arrive(Duration),
}

/// A task: an id (which seeds its computation) and its steps.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Script {
    /// The task's index in its set; seeds the compute kernel and the payloads.
    pub id: u32,
    /// What the task does, in order.
    pub steps: Vec<Step>,
}

impl Script {
    /// Whether any step talks to the echo server.
    pub fn needs_server(&self) -> bool {
        self.steps.iter().any(|s| matches!(s, Step::Request { .. }))
    }
}

/// What a model needs to know to run a script.
#[derive(Debug, Clone, Copy)]
pub struct ScriptCtx {
    /// The echo server, for scripts with [`Step::Request`].
    pub server: Option<SocketAddr>,
    /// When the task was released: its latency counts from here. A model
    /// that starts every task at once passes the set's start; the runner
    /// passes each task's own start, so that summed latency over wall time
    /// is the number of tasks in flight (Little's law).
    pub released: Instant,
    /// When the model released the whole set, the same for every task of
    /// one run: arrivals ([`Step::Arrive`]) and the probe's deadlines
    /// ([`Step::Periodic`]) count from here.
    pub epoch: Instant,
}

/// What one task produced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaskOutcome {
    /// The task's deterministic value (independent of timing).
    pub value: u64,
    /// From the task's release ([`ScriptCtx::released`]) to its end.
    pub latency: Duration,
    /// For a [`Step::Periodic`]: how late each tick woke.
    pub lateness: Vec<Duration>,
}

/// Folds one step's result into a script's value.
fn mix(acc: u64, x: u64) -> u64 {
    (acc ^ x)
        .wrapping_mul(0x9E37_79B9_7F4A_7C15)
        .rotate_left(17)
}

fn seed(id: u32, step: usize) -> u64 {
    (u64::from(id) << 32) | step as u64
}

/// A script's value, worked out without waiting.
fn expected_value(script: &Script) -> u64 {
    let mut value = u64::from(script.id);
    for (i, step) in script.steps.iter().enumerate() {
        match *step {
            Step::Compute { units } => value = mix(value, compute(units, seed(script.id, i))),
            Step::Wait(_) => {}
            Step::Request { bytes, delay } => {
                let request = echo::encode_request(script.id, bytes, delay);
                let reply = echo::reply_for(&request[echo::HEADER_LEN..]);
                let sum = echo::check_reply(script.id, bytes, &reply)
                    .expect("the reply is built to match");
                value = mix(value, sum);
            }
            Step::Periodic { ticks, .. } => value = mix(value, u64::from(ticks)),
            Step::Arrive(_) => {}
        }
    }
    value
}

/// Runs a script on the calling thread, blocking on waits and sockets: the
/// reference interpreter, used by the sequential and thread-based models.
///
/// ```
/// use cvp_workloads::{run_script, Script, ScriptCtx, Step};
/// use std::time::{Duration, Instant};
/// let script = Script { id: 1, steps: vec![Step::Wait(Duration::from_millis(1)), Step::Compute { units: 10 }] };
/// let now = Instant::now();
/// let ctx = ScriptCtx { server: None, released: now, epoch: now };
/// let out = run_script(&script, &ctx).unwrap();
/// assert!(out.latency >= Duration::from_millis(1));
/// ```
pub fn run_script(script: &Script, ctx: &ScriptCtx) -> Result<TaskOutcome, Error> {
    run_script_timed(script, ctx, &mut |_| {})
}

/// When one step of a script ran, as [`run_script_timed`] saw it: what a
/// timeline draws for a blocking model.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StepTime {
    /// The step's index in its script.
    pub index: usize,
    /// Whether the thread spent the step blocked (a wait, a request, the
    /// probe's ticks) rather than computing.
    pub waits: bool,
    /// When the step began.
    pub start: Instant,
    /// When it ended.
    pub end: Instant,
}

/// [`run_script`], calling `on_step` after each step with when it ran.
///
/// ```
/// use cvp_workloads::{run_script_timed, Script, ScriptCtx, Step};
/// use std::time::{Duration, Instant};
/// let script = Script { id: 1, steps: vec![Step::Wait(Duration::from_millis(1)), Step::Compute { units: 10 }] };
/// let now = Instant::now();
/// let ctx = ScriptCtx { server: None, released: now, epoch: now };
/// let mut steps = Vec::new();
/// run_script_timed(&script, &ctx, &mut |s| steps.push(s)).unwrap();
/// assert_eq!(steps.iter().map(|s| s.waits).collect::<Vec<_>>(), [true, false]);
/// ```
pub fn run_script_timed(
    script: &Script,
    ctx: &ScriptCtx,
    on_step: &mut dyn FnMut(StepTime),
) -> Result<TaskOutcome, Error> {
    let mut value = u64::from(script.id);
    let mut lateness = Vec::new();
    let mut released = ctx.released;
    for (i, step) in script.steps.iter().enumerate() {
        let start = Instant::now();
        match *step {
            Step::Compute { units } => value = mix(value, compute(units, seed(script.id, i))),
            Step::Wait(d) => std::thread::sleep(d),
            Step::Arrive(at) => {
                let arrival = ctx.epoch + at;
                if let Some(d) = arrival.checked_duration_since(Instant::now()) {
                    std::thread::sleep(d);
                }
                released = released.max(arrival);
            }
            Step::Request { bytes, delay } => {
                let server = ctx.server.ok_or(Error::NoServer)?;
                let request = echo::encode_request(script.id, bytes, delay);
                let reply = blocking_exchange(server, &request, bytes as usize)
                    .map_err(|e| Error::Io(e.to_string()))?;
                value = mix(value, echo::check_reply(script.id, bytes, &reply)?);
            }
            Step::Periodic { period, ticks } => {
                for k in 1..=ticks {
                    let deadline = ctx.epoch + period * k;
                    if let Some(d) = deadline.checked_duration_since(Instant::now()) {
                        std::thread::sleep(d);
                    }
                    lateness.push(Instant::now().saturating_duration_since(deadline));
                }
                value = mix(value, u64::from(ticks));
            }
        }
        on_step(StepTime {
            index: i,
            waits: !matches!(step, Step::Compute { .. }),
            start,
            end: Instant::now(),
        });
    }
    Ok(TaskOutcome {
        value,
        latency: released.elapsed(),
        lateness,
    })
}

fn blocking_exchange(server: SocketAddr, request: &[u8], reply_len: usize) -> io::Result<Vec<u8>> {
    let mut stream = TcpStream::connect(server)?;
    stream.set_nodelay(true)?;
    stream.write_all(request)?;
    let mut reply = vec![0; reply_len];
    stream.read_exact(&mut reply)?;
    Ok(reply)
}

/// What an async runtime lends the async interpreter: a timer and one
/// request/response exchange over TCP.
///
/// Each model with an async runtime implements this in a few lines; the
/// interpreter itself ([`run_script_async`]) is written once.
pub trait AsyncEnv {
    /// Completes after `d` (a timer, never a blocking sleep).
    fn sleep(&self, d: Duration) -> impl Future<Output = ()>;

    /// Connects to `addr`, writes all of `request`, then reads exactly
    /// `reply_len` bytes and returns them.
    fn exchange(
        &self,
        addr: SocketAddr,
        request: Vec<u8>,
        reply_len: usize,
    ) -> impl Future<Output = io::Result<Vec<u8>>>;

    /// Runs a [`Step::Compute`] of script `script`: `units` units of the
    /// compute kernel from `seed`, giving [`compute`]'s value.
    ///
    /// The default computes inline, on the thread polling the task, so
    /// nothing else on that thread runs meanwhile (a cooperative scheduler's
    /// behaviour). A runtime with a pool beside it may hand the work to the
    /// pool and await it, so that its event loop keeps serving other tasks.
    fn compute(&self, script: u32, units: u64, seed: u64) -> impl Future<Output = u64> {
        let _ = script;
        std::future::ready(compute(units, seed))
    }
}

/// Runs a script as a future: waits are timers and requests are
/// non-blocking sockets, so other tasks run meanwhile. Compute steps go
/// through [`AsyncEnv::compute`]: by default inline, without yielding.
/// Gives the same [`TaskOutcome::value`] as [`run_script`].
pub async fn run_script_async<E: AsyncEnv>(
    env: &E,
    script: &Script,
    ctx: &ScriptCtx,
) -> Result<TaskOutcome, Error> {
    let mut value = u64::from(script.id);
    let mut lateness = Vec::new();
    let mut released = ctx.released;
    for (i, step) in script.steps.iter().enumerate() {
        match *step {
            Step::Compute { units } => {
                let x = env.compute(script.id, units, seed(script.id, i)).await;
                value = mix(value, x);
            }
            Step::Wait(d) => env.sleep(d).await,
            Step::Arrive(at) => {
                let arrival = ctx.epoch + at;
                if let Some(d) = arrival.checked_duration_since(Instant::now()) {
                    env.sleep(d).await;
                }
                released = released.max(arrival);
            }
            Step::Request { bytes, delay } => {
                let server = ctx.server.ok_or(Error::NoServer)?;
                let request = echo::encode_request(script.id, bytes, delay);
                let reply = env
                    .exchange(server, request, bytes as usize)
                    .await
                    .map_err(|e| Error::Io(e.to_string()))?;
                value = mix(value, echo::check_reply(script.id, bytes, &reply)?);
            }
            Step::Periodic { period, ticks } => {
                for k in 1..=ticks {
                    let deadline = ctx.epoch + period * k;
                    if let Some(d) = deadline.checked_duration_since(Instant::now()) {
                        env.sleep(d).await;
                    }
                    lateness.push(Instant::now().saturating_duration_since(deadline));
                }
                value = mix(value, u64::from(ticks));
            }
        }
    }
    Ok(TaskOutcome {
        value,
        latency: released.elapsed(),
        lateness,
    })
}

/// A task set: the scripts of one request-shaped workload at one size.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaskSet {
    /// The tasks, by id.
    pub scripts: Vec<Script>,
}

impl TaskSet {
    /// A set of these scripts.
    pub fn new(scripts: Vec<Script>) -> Self {
        Self { scripts }
    }

    /// Whether any script talks to the echo server.
    pub fn needs_server(&self) -> bool {
        self.scripts.iter().any(Script::needs_server)
    }

    /// The set's answer from its tasks' outcomes, in any order: the count of
    /// tasks and the order-independent sum of their values.
    pub fn answer(&self, outcomes: &[TaskOutcome]) -> String {
        let sum = outcomes
            .iter()
            .fold(0u64, |acc, o| acc.wrapping_add(o.value));
        format!("{} tasks, checksum {sum:016x}", outcomes.len())
    }

    /// The answer every model must give: the scripts' values worked out
    /// without waiting (computing, and building the replies the echo server
    /// must send), so no clock and no server are needed.
    pub fn expected_answer(&self) -> String {
        let outcomes: Vec<TaskOutcome> = self
            .scripts
            .iter()
            .map(|s| TaskOutcome {
                value: expected_value(s),
                latency: Duration::ZERO,
                lateness: Vec::new(),
            })
            .collect();
        self.answer(&outcomes)
    }

    /// Runs every script one after another with [`run_script`]: the
    /// sequential model.
    pub fn run_sequential(&self, server: Option<SocketAddr>) -> Result<Vec<TaskOutcome>, Error> {
        let epoch = Instant::now();
        self.scripts
            .iter()
            .map(|s| {
                let ctx = ScriptCtx {
                    server,
                    released: Instant::now(),
                    epoch,
                };
                run_script(s, &ctx)
            })
            .collect()
    }
}

/// Summary of a lateness distribution (the probe's result).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Lateness {
    /// Number of samples.
    pub count: usize,
    /// Median.
    pub p50: Duration,
    /// 99th percentile.
    pub p99: Duration,
    /// Worst.
    pub max: Duration,
}

impl Lateness {
    /// Summarises samples (nearest-rank percentiles); empty gives zeros.
    ///
    /// ```
    /// use cvp_workloads::Lateness;
    /// use std::time::Duration;
    /// let ms = |n| Duration::from_millis(n);
    /// let l = Lateness::summarize(&[ms(3), ms(1), ms(2)]);
    /// assert_eq!((l.count, l.p50, l.max), (3, ms(2), ms(3)));
    /// ```
    pub fn summarize(samples: &[Duration]) -> Self {
        if samples.is_empty() {
            return Self::default();
        }
        let mut s = samples.to_vec();
        s.sort_unstable();
        let rank = |p: f64| s[((p * s.len() as f64).ceil() as usize).clamp(1, s.len()) - 1];
        Self {
            count: s.len(),
            p50: rank(0.50),
            p99: rank(0.99),
            max: s[s.len() - 1],
        }
    }
}

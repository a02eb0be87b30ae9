//! Workload specs: a workload described in a TOML file, compiled to task
//! scripts or to a job on [`Exec`](crate::Exec), with a reference answer
//! worked out without running it.
//!
//! ```toml
//! name = "web-service-request"   # optional: the file's stem
//! description = "..."            # optional
//! class = "mixed"                # optional: cpu, memory, io, mixed, probe
//! seed = 7                       # needed by any random draw
//!
//! [tasks]                        # a task set ...
//! count = 200                    # tasks at the default preset
//! arrival = { poisson = { per_second = 2000 } }   # or "all-at-once"
//! steps = [
//!   { repeat = 3, wait_ms = { uniform = [2, 8] } },
//!   { compute_ms = 1 },
//!   { request = { bytes = 256, delay_ms = 5 } },
//! ]
//!
//! [job]                          # ... or a job
//! items = 100_000
//! cost_units = { skewed = { min = 5, max = 5000 } }
//! bytes_per_item = 64
//!
//! [serve]                        # ... or a server's request handler
//! steps = [                      # what one request does: the same steps
//!   { wait_ms = { exponential = 0.3 } },
//!   { request = { bytes = 512, delay_ms = { uniform = [0.5, 1.5] } } },
//!   { compute_ms = 0.3 },
//! ]
//! connections = 64               # keep-alive connections (default 64)
//! rate = 1500                    # requests/s offered, the default size ...
//! # capacity_fraction = 0.5      # ... or a fraction of one core's capacity
//! duration_ms = 1000             # how long requests are due (default 1000)
//! ```
//!
//! A `[serve]` compiles to a [`Mix`](crate::Mix), the same thing as a
//! built-in handler mix: request id `i` runs script `i`, its random draws
//! seeded by the spec's seed and `i` (256 ids where anything is drawn at
//! random, 16 otherwise), so every answer is known without running it.
//!
//! A distribution is a number (fixed) or one of `{ fixed = x }`,
//! `{ uniform = [a, b] }`, `{ exponential = mean }` and
//! `{ skewed = { min, max, alpha } }` (bounded Pareto).

pub(crate) mod dist;
mod job;

use std::borrow::Cow;
use std::fmt;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;
use toml::Spanned;

use self::dist::{Dist, Rng};
use self::job::SpecJob;
use crate::job::Job;
use crate::mix::{Mix, IDS};
use crate::script::{Script, Step, TaskSet};
use crate::{Class, Origin, Serve, Shape, Tasks, Workload};

/// Longest accepted spec file.
pub const MAX_SPEC_BYTES: u64 = 1 << 20;
/// Most tasks in a spec's task set.
pub const MAX_TASKS: usize = 100_000;
/// Most steps of one task once repetitions are expanded.
pub const MAX_STEPS: usize = 10_000;
/// Most items of a spec's job.
pub const MAX_ITEMS: usize = 1 << 30;
/// Most bytes a spec's job may touch, all items together.
pub const MAX_JOB_BYTES: u64 = 4 << 30;
/// Longest single duration (a wait, a compute step, a server delay).
pub const MAX_DURATION_MS: f64 = 60_000.0;
/// Most kernel units of work in a whole spec at its own size: about ten
/// minutes on one core.
pub const MAX_TOTAL_UNITS: f64 = 600e6;
/// Kernel units in a millisecond (the kernels' nominal speed).
pub const UNITS_PER_MS: f64 = 1_000.0;
/// Most steps of one request of a `[serve]` once repetitions are expanded.
pub const MAX_REQUEST_STEPS: usize = 1_000;
/// Longest mean time of one request of a `[serve]`, computing and waiting:
/// the load generator's deadline for each request.
pub const MAX_REQUEST_MS: f64 = 1_000.0;
/// Most keep-alive connections of a `[serve]`: the load generator's limit.
pub const MAX_CONNECTIONS: usize = 100_000;
/// Highest offered rate of a `[serve]`, requests per second.
pub const MAX_RATE: usize = 1_000_000;
/// Longest run of a `[serve]`, milliseconds (ten minutes).
pub const MAX_SERVE_MS: usize = 600_000;
/// Highest `capacity_fraction` of a `[serve]`: overload up to ten times
/// what one core could serve.
pub const MAX_CAPACITY_FRACTION: f64 = 10.0;
/// Distinct request ids of a `[serve]` whose steps draw at random: each id
/// draws its own waits and costs from the seed ([`IDS`] otherwise).
pub const RANDOM_IDS: u32 = 256;
/// Most kernel units the reference answers of a `[serve]`'s request ids
/// may compute together: about two seconds on one core, once per process.
pub const MAX_REFERENCE_UNITS: f64 = 2e6;
/// Keep-alive connections of a `[serve]` that gives none.
pub const DEFAULT_CONNECTIONS: usize = 64;
/// How long the requests of a `[serve]` that gives no `duration_ms` are due.
pub const DEFAULT_SERVE_MS: u64 = 1_000;

/// A spec that cannot be used: where and why, in one line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpecError {
    /// The file.
    pub path: PathBuf,
    /// The line (from 1; 0 when the file could not be read).
    pub line: usize,
    /// The key at fault.
    pub key: String,
    /// What is wrong with it.
    pub message: String,
}

impl fmt::Display for SpecError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}:{}: `{}`: {}",
            self.path.display(),
            self.line,
            self.key,
            self.message
        )
    }
}

impl std::error::Error for SpecError {}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    name: Option<Spanned<String>>,
    description: Option<String>,
    class: Option<Spanned<String>>,
    seed: Option<u64>,
    tasks: Option<Spanned<TasksSpec>>,
    job: Option<Spanned<JobSpec>>,
    serve: Option<Spanned<ServeSpec>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ServeSpec {
    steps: Spanned<Vec<Spanned<StepSpec>>>,
    connections: Option<Spanned<i64>>,
    rate: Option<Spanned<i64>>,
    capacity_fraction: Option<Spanned<f64>>,
    duration_ms: Option<Spanned<i64>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TasksSpec {
    count: Spanned<i64>,
    arrival: Option<Spanned<Arrival>>,
    steps: Spanned<Vec<Spanned<StepSpec>>>,
}

#[derive(Deserialize, Clone, Copy)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
enum Arrival {
    AllAtOnce,
    Poisson { per_second: f64 },
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct StepSpec {
    repeat: Option<Spanned<i64>>,
    compute_ms: Option<Spanned<Dist>>,
    compute_units: Option<Spanned<Dist>>,
    wait_ms: Option<Spanned<Dist>>,
    request: Option<Spanned<RequestSpec>>,
    steps: Option<Spanned<Vec<Spanned<StepSpec>>>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RequestSpec {
    bytes: Spanned<i64>,
    delay_ms: Spanned<Dist>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct JobSpec {
    items: Spanned<i64>,
    cost_units: Option<Spanned<Dist>>,
    cost_ms: Option<Spanned<Dist>>,
    bytes_per_item: Option<Spanned<i64>>,
    grain: Option<Spanned<i64>>,
}

/// What a compiled step draws from, per task.
#[derive(Debug, Clone)]
enum Plan {
    Compute(Dist),
    Wait(Dist),
    Request { bytes: u32, delay: Dist },
    Group { times: usize, steps: Vec<Plan> },
}

impl Plan {
    fn len(&self) -> usize {
        match self {
            Plan::Group { times, steps } => times * steps.iter().map(Plan::len).sum::<usize>(),
            _ => 1,
        }
    }

    /// Mean kernel units, and mean milliseconds of waiting.
    fn means(&self) -> (f64, f64) {
        match self {
            Plan::Compute(d) => (d.mean(), 0.0),
            Plan::Wait(d) | Plan::Request { delay: d, .. } => (0.0, d.mean()),
            Plan::Group { times, steps } => steps.iter().fold((0.0, 0.0), |(u, w), s| {
                let (su, sw) = s.means();
                (u + *times as f64 * su, w + *times as f64 * sw)
            }),
        }
    }

    /// Whether any of its draws is random.
    fn is_random(&self) -> bool {
        match self {
            Plan::Compute(d) | Plan::Wait(d) | Plan::Request { delay: d, .. } => d.is_random(),
            Plan::Group { steps, .. } => steps.iter().any(Plan::is_random),
        }
    }

    fn emit(&self, rng: &mut Rng, out: &mut Vec<Step>) {
        let ms = |x: f64| Duration::from_secs_f64(x / 1_000.0);
        match self {
            Plan::Compute(d) => out.push(Step::Compute {
                units: (d.sample(rng).round() as u64).max(1),
            }),
            Plan::Wait(d) => out.push(Step::Wait(ms(d.sample(rng)))),
            Plan::Request { bytes, delay } => out.push(Step::Request {
                bytes: *bytes,
                delay: ms(delay.sample(rng)),
            }),
            Plan::Group { times, steps } => {
                for _ in 0..*times {
                    steps.iter().for_each(|s| s.emit(rng, out));
                }
            }
        }
    }
}

/// Reads and compiles a spec file. Every error is one [`SpecError`] naming
/// the file, the line and the key.
pub fn load_spec(path: &Path) -> Result<Workload, SpecError> {
    let unreadable = |message: String| SpecError {
        path: path.to_owned(),
        line: 0,
        key: "-".into(),
        message,
    };
    let len = std::fs::metadata(path)
        .map_err(|e| unreadable(format!("cannot read it: {e}")))?
        .len();
    if len > MAX_SPEC_BYTES {
        return Err(unreadable(format!(
            "{len} bytes; a spec may have at most {MAX_SPEC_BYTES}"
        )));
    }
    let text =
        std::fs::read_to_string(path).map_err(|e| unreadable(format!("cannot read it: {e}")))?;
    parse_spec(path, &text)
}

/// Compiles the text of a spec; `path` names it in errors and is where a
/// child process finds it again.
///
/// ```
/// use cvp_workloads::{parse_spec, Preset, Shape};
/// let w = parse_spec("fanout.toml".as_ref(), r#"
///     [tasks]
///     count = 50
///     steps = [{ wait_ms = 10 }, { compute_units = 10 }]
/// "#)?;
/// assert_eq!((w.name(), w.size(Preset::Default)), ("fanout", 50));
/// let err = parse_spec("bad.toml".as_ref(), "[tasks]\ncount = 0\nsteps = []").unwrap_err();
/// assert_eq!(err.to_string(), "bad.toml:2: `count`: must be at least 1");
/// # Ok::<(), cvp_workloads::SpecError>(())
/// ```
pub fn parse_spec(path: &Path, text: &str) -> Result<Workload, SpecError> {
    let at = |span: Range<usize>, key: &str, message: String| SpecError {
        path: path.to_owned(),
        line: line_of(text, span.start),
        key: key.to_owned(),
        message,
    };
    let file: File = toml::from_str(text).map_err(|e| {
        let span = e.span().unwrap_or(0..0);
        let message = e
            .message()
            .lines()
            .next()
            .unwrap_or("invalid TOML")
            .to_owned();
        let key = key_of(text, &span, &message);
        at(span, &key, message)
    })?;
    let stem = path
        .file_stem()
        .map_or_else(|| "spec".into(), |s| s.to_string_lossy().into_owned());
    let name = match &file.name {
        Some(n) => {
            let ok = !n.get_ref().is_empty()
                && n.get_ref().len() <= 64
                && n.get_ref()
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
            if !ok {
                return Err(at(
                    n.span(),
                    "name",
                    "must be 1 to 64 characters of a-z, 0-9 and `-`".into(),
                ));
            }
            n.get_ref().clone()
        }
        None => stem,
    };
    if crate::find(&name).is_ok() {
        let span = file.name.as_ref().map_or(0..0, Spanned::span);
        return Err(at(
            span,
            "name",
            format!("`{name}` is a built-in workload; give the spec another name"),
        ));
    }
    if file.serve.is_some() && Mix::built_in().iter().any(|m| m.name() == name) {
        let span = file.name.as_ref().map_or(0..0, Spanned::span);
        return Err(at(
            span,
            "name",
            format!("`{name}` is a built-in mix; give the spec another name"),
        ));
    }
    let class = match &file.class {
        Some(c) => Some(match c.get_ref().as_str() {
            "cpu" => Class::Cpu,
            "memory" => Class::Memory,
            "io" => Class::Io,
            "mixed" => Class::Mixed,
            "probe" => Class::Probe,
            other => {
                return Err(at(
                    c.span(),
                    "class",
                    format!("unknown class `{other}`; valid: cpu, memory, io, mixed, probe"),
                ))
            }
        }),
        None => None,
    };
    // A random draw without a seed would name different work on every run.
    let seed = |span: Range<usize>, key: &str| {
        file.seed.ok_or_else(|| {
            at(
                span,
                key,
                "draws at random: add a top-level `seed = N` so that every run draws the same work"
                    .into(),
            )
        })
    };
    let check = |d: &Spanned<Dist>, key: &str, limit: f64| -> Result<Dist, SpecError> {
        let dist = *d.get_ref();
        dist.check().map_err(|m| at(d.span(), key, m))?;
        if dist.max() > limit {
            return Err(at(
                d.span(),
                key,
                format!("can reach {}, above the limit {limit}", dist.max()),
            ));
        }
        if dist.is_random() {
            seed(d.span(), key)?;
        }
        Ok(dist)
    };
    let count = |n: &Spanned<i64>, key: &str, max: usize| -> Result<usize, SpecError> {
        let v = *n.get_ref();
        if v < 1 {
            Err(at(n.span(), key, "must be at least 1".into()))
        } else if v as u64 > max as u64 {
            Err(at(n.span(), key, format!("{v} exceeds the limit {max}")))
        } else {
            Ok(v as usize)
        }
    };

    let tables: Vec<(&str, Range<usize>)> = [
        file.tasks.as_ref().map(|t| ("tasks", t.span())),
        file.job.as_ref().map(|j| ("job", j.span())),
        file.serve.as_ref().map(|s| ("serve", s.span())),
    ]
    .into_iter()
    .flatten()
    .collect();
    if let Some((key, span)) = tables.get(1) {
        return Err(at(
            span.clone(),
            key,
            "a spec has one of `[tasks]`, `[job]` and `[serve]`, not more".into(),
        ));
    }
    let (shape, size, max, unit, why_max, inferred, description) = match (
        &file.tasks,
        &file.job,
        &file.serve,
    ) {
        (None, None, None) => {
            return Err(at(
                0..0,
                "tasks",
                "a spec needs a `[tasks]`, a `[job]` or a `[serve]` table".into(),
            ))
        }
        (Some(t), _, _) => {
            let t = t.get_ref();
            let n = count(&t.count, "count", MAX_TASKS)?;
            let arrival = match t.arrival.as_ref().map(|a| (a.span(), *a.get_ref())) {
                None | Some((_, Arrival::AllAtOnce)) => None,
                Some((span, Arrival::Poisson { per_second })) => {
                    if !(per_second.is_finite() && per_second > 0.0 && per_second <= 1e6) {
                        return Err(at(
                            span,
                            "arrival",
                            format!("`per_second` must be in (0, 1000000], not {per_second}"),
                        ));
                    }
                    Some((per_second, seed(span, "arrival")?))
                }
            };
            let steps = plans(&t.steps, &at, &check, &count)?;
            let plan = Plan::Group { times: 1, steps };
            if plan.len() == 0 {
                return Err(at(
                    t.steps.span(),
                    "steps",
                    "a task needs at least one step".into(),
                ));
            }
            if plan.len() > MAX_STEPS {
                return Err(at(
                    t.steps.span(),
                    "steps",
                    format!(
                        "{} steps a task once repeated; the limit is {MAX_STEPS}",
                        plan.len()
                    ),
                ));
            }
            let (units, wait_ms) = plan.means();
            if units * n as f64 > MAX_TOTAL_UNITS {
                return Err(at(
                    t.count.span(),
                    "count",
                    format!(
                        "{n} tasks compute about {:.0} s in all; the limit is {:.0} s",
                        units * n as f64 / 1e6,
                        MAX_TOTAL_UNITS / 1e6
                    ),
                ));
            }
            let inferred = match (units > 0.0, wait_ms > 0.0 || arrival.is_some()) {
                (true, true) => Class::Mixed,
                (true, false) => Class::Cpu,
                _ => Class::Io,
            };
            let task_seed = file.seed.unwrap_or(0);
            let needs_server = contains_request(&plan);
            let description = format!(
                "{n} tasks from a spec, each computing about {:.2} ms and waiting about {:.2} ms{}{}.",
                units / UNITS_PER_MS,
                wait_ms,
                if needs_server { " (talking to the loopback server)" } else { "" },
                match arrival {
                    Some((rate, _)) => format!(", arriving at {rate} a second"),
                    None => ", all released at once".into(),
                }
            );
            let make = move |n: usize| {
                let mut arrivals = Rng::new(task_seed, u64::MAX);
                let mut at = 0.0f64;
                TaskSet::new(
                    (0..n as u32)
                        .map(|id| {
                            let mut steps = Vec::new();
                            if let Some((rate, _)) = arrival {
                                at += -(1.0 - arrivals.next_f64()).ln() / rate;
                                steps.push(Step::Arrive(Duration::from_secs_f64(at)));
                            }
                            plan.emit(&mut Rng::new(task_seed, u64::from(id)), &mut steps);
                            Script { id, steps }
                        })
                        .collect(),
                )
            };
            (
                Shape::Tasks(Tasks::new(make)),
                n,
                MAX_TASKS,
                "tasks",
                "the spec limit on tasks",
                inferred,
                description,
            )
        }
        (None, Some(j), _) => {
            let j = j.get_ref();
            let items = count(&j.items, "items", MAX_ITEMS)?;
            let cost = match (&j.cost_units, &j.cost_ms) {
                (Some(u), None) => check(u, "cost_units", MAX_DURATION_MS * UNITS_PER_MS)?,
                (None, Some(m)) => scale(check(m, "cost_ms", MAX_DURATION_MS)?, UNITS_PER_MS),
                (Some(u), Some(_)) => {
                    return Err(at(
                        u.span(),
                        "cost_units",
                        "give `cost_units` or `cost_ms`, not both".into(),
                    ))
                }
                (None, None) => {
                    return Err(at(
                        j.items.span(),
                        "items",
                        "a job needs `cost_units` or `cost_ms` per item".into(),
                    ))
                }
            };
            let bytes = match &j.bytes_per_item {
                None => 0,
                Some(b) if *b.get_ref() == 0 => 0,
                Some(b) => count(b, "bytes_per_item", 1 << 20)?,
            };
            if items as u64 * bytes as u64 > MAX_JOB_BYTES {
                return Err(at(
                    j.items.span(),
                    "items",
                    format!(
                        "{items} items of {bytes} bytes exceed the limit of {} GiB",
                        MAX_JOB_BYTES >> 30
                    ),
                ));
            }
            if cost.mean() * items as f64 > MAX_TOTAL_UNITS {
                return Err(at(
                    j.items.span(),
                    "items",
                    format!(
                        "{items} items compute about {:.0} s in all; the limit is {:.0} s",
                        cost.mean() * items as f64 / 1e6,
                        MAX_TOTAL_UNITS / 1e6
                    ),
                ));
            }
            let grain = match &j.grain {
                Some(g) => count(g, "grain", MAX_ITEMS)?,
                None => 0,
            };
            let job = SpecJob {
                seed: file.seed.unwrap_or(0),
                cost,
                words: bytes.div_ceil(8),
                grain,
            };
            let description = format!(
                "{items} items from a spec, each computing about {:.1} units{}, summed.",
                cost.mean(),
                if bytes > 0 {
                    format!(" and reading {bytes} bytes")
                } else {
                    String::new()
                },
            );
            (
                Shape::Job(Job::new(job)),
                items,
                MAX_ITEMS,
                "items",
                "the spec limit on items",
                Class::Cpu,
                description,
            )
        }
        (None, None, Some(table)) => {
            let sv = table.get_ref();
            let steps = plans(&sv.steps, &at, &check, &count)?;
            let plan = Plan::Group { times: 1, steps };
            let at_steps = |message: String| at(sv.steps.span(), "steps", message);
            if plan.len() == 0 {
                return Err(at_steps("a request needs at least one step".into()));
            }
            if plan.len() > MAX_REQUEST_STEPS {
                return Err(at_steps(format!(
                    "{} steps a request once repeated; the limit is {MAX_REQUEST_STEPS}",
                    plan.len()
                )));
            }
            let (units, wait_ms) = plan.means();
            let compute_ms = units / UNITS_PER_MS;
            if compute_ms + wait_ms > MAX_REQUEST_MS {
                return Err(at_steps(format!(
                    "a request takes about {:.0} ms on average; the limit is {MAX_REQUEST_MS} ms, \
                     the load generator's deadline for each request",
                    compute_ms + wait_ms
                )));
            }
            // Random draws are made per request id: more ids, more draws.
            let ids = if plan.is_random() { RANDOM_IDS } else { IDS };
            if f64::from(ids) * units > MAX_REFERENCE_UNITS {
                return Err(at_steps(format!(
                    "the reference answers of its {ids} distinct requests compute about {:.1} s; \
                     the limit is {:.0} s",
                    f64::from(ids) * units / 1e6,
                    MAX_REFERENCE_UNITS / 1e6
                )));
            }
            let connections = match &sv.connections {
                Some(c) => count(c, "connections", MAX_CONNECTIONS)?,
                None => DEFAULT_CONNECTIONS,
            };
            let millis = match &sv.duration_ms {
                Some(d) => count(d, "duration_ms", MAX_SERVE_MS)? as u64,
                None => DEFAULT_SERVE_MS,
            };
            let seed = file.seed.unwrap_or(0);
            let scripts = (0..ids)
                .map(|id| {
                    let mut steps = Vec::new();
                    plan.emit(&mut Rng::new(seed, u64::from(id)), &mut steps);
                    Script { id, steps }
                })
                .collect();
            let backend = contains_request(&plan);
            let mix = Mix::new(
                name.clone(),
                format!(
                    "the `{name}` handler: about {compute_ms:.2} ms of computing and \
                     {wait_ms:.2} ms of waiting per request{}",
                    if backend { ", calling the backend" } else { "" }
                ),
                scripts,
            )
            .map_err(|e| at_steps(e.to_string()))?;
            let (rate, rate_key, rate_span) = match (&sv.rate, &sv.capacity_fraction) {
                (Some(r), None) => (count(r, "rate", MAX_RATE)?, "rate", r.span()),
                (None, Some(f)) => {
                    let x = *f.get_ref();
                    if !(x.is_finite() && x > 0.0 && x <= MAX_CAPACITY_FRACTION) {
                        return Err(at(
                            f.span(),
                            "capacity_fraction",
                            format!("must be above 0 and at most {MAX_CAPACITY_FRACTION}, not {x}"),
                        ));
                    }
                    let rate = (x * mix.capacity(connections)).round();
                    (
                        rate.clamp(1.0, MAX_RATE as f64) as usize,
                        "capacity_fraction",
                        f.span(),
                    )
                }
                (Some(r), Some(_)) => {
                    return Err(at(
                        r.span(),
                        "rate",
                        "give `rate` or `capacity_fraction`, not both".into(),
                    ))
                }
                (None, None) => {
                    return Err(at(
                        table.span(),
                        "rate",
                        "a server needs `rate` (requests/s offered) or `capacity_fraction` \
                         (of what one core could serve)"
                            .into(),
                    ))
                }
            };
            let secs = millis as f64 / 1000.0;
            if rate as f64 * secs * units > MAX_TOTAL_UNITS {
                return Err(at(
                    rate_span,
                    rate_key,
                    format!(
                        "{rate} requests/s for {secs} s compute about {:.0} s in all; the limit is {:.0} s",
                        rate as f64 * secs * units / 1e6,
                        MAX_TOTAL_UNITS / 1e6
                    ),
                ));
            }
            let serve = Serve {
                mix,
                millis,
                connections,
            };
            let inferred = match (units > 0.0, wait_ms > 0.0) {
                (true, true) => Class::Mixed,
                (true, false) => Class::Cpu,
                _ => Class::Io,
            };
            let description =
                format!(
                "A loopback HTTP/1.1 server per model from a spec, offered {rate} requests/s over \
                 {connections} connections for {secs} s; each request computes about \
                 {compute_ms:.2} ms and waits about {wait_ms:.2} ms{}.",
                if backend { " (calling the backend)" } else { "" }
            );
            (
                Shape::Serve(serve),
                rate,
                MAX_RATE,
                "requests/s offered",
                "the load generator tops out below a million requests a second",
                inferred,
                description,
            )
        }
    };
    Ok(Workload {
        name: name.into(),
        class: class.unwrap_or(inferred),
        description: file.description.map_or(Cow::Owned(description), Cow::Owned),
        unit: unit.into(),
        shape,
        presets: [(size / 25).max(1), (size / 5).max(1), size],
        max,
        why_max: why_max.into(),
        serial: false,
        origin: Origin::Spec(path.to_owned()),
    })
}

fn scale(d: Dist, k: f64) -> Dist {
    match d {
        Dist::Fixed(x) => Dist::Fixed(x * k),
        Dist::Uniform(a, b) => Dist::Uniform(a * k, b * k),
        Dist::Exponential(m) => Dist::Exponential(m * k),
        Dist::Skewed { min, max, alpha } => Dist::Skewed {
            min: min * k,
            max: max * k,
            alpha,
        },
    }
}

fn contains_request(p: &Plan) -> bool {
    match p {
        Plan::Request { .. } => true,
        Plan::Group { steps, .. } => steps.iter().any(contains_request),
        _ => false,
    }
}

type At<'a> = dyn Fn(Range<usize>, &str, String) -> SpecError + 'a;
type Check<'a> = dyn Fn(&Spanned<Dist>, &str, f64) -> Result<Dist, SpecError> + 'a;
type Count<'a> = dyn Fn(&Spanned<i64>, &str, usize) -> Result<usize, SpecError> + 'a;

/// Compiles a list of steps, each with exactly one action.
fn plans(
    steps: &Spanned<Vec<Spanned<StepSpec>>>,
    at: &At<'_>,
    check: &Check<'_>,
    count: &Count<'_>,
) -> Result<Vec<Plan>, SpecError> {
    let mut out = Vec::new();
    for s in steps.get_ref() {
        let spec = s.get_ref();
        let mut actions = Vec::new();
        if let Some(d) = &spec.compute_ms {
            actions.push(Plan::Compute(scale(
                check(d, "compute_ms", MAX_DURATION_MS)?,
                UNITS_PER_MS,
            )));
        }
        if let Some(d) = &spec.compute_units {
            actions.push(Plan::Compute(check(
                d,
                "compute_units",
                MAX_DURATION_MS * UNITS_PER_MS,
            )?));
        }
        if let Some(d) = &spec.wait_ms {
            actions.push(Plan::Wait(check(d, "wait_ms", MAX_DURATION_MS)?));
        }
        if let Some(r) = &spec.request {
            let r = r.get_ref();
            let bytes = count(&r.bytes, "bytes", crate::echo::MAX_PAYLOAD as usize)? as u32;
            let delay = check(&r.delay_ms, "delay_ms", MAX_DURATION_MS)?;
            actions.push(Plan::Request { bytes, delay });
        }
        if let Some(group) = &spec.steps {
            actions.push(Plan::Group {
                times: 1,
                steps: plans(group, at, check, count)?,
            });
        }
        let mut action = match (actions.pop(), actions.is_empty()) {
            (Some(a), true) => a,
            _ => {
                return Err(at(
                    s.span(),
                    "steps",
                    "each step needs exactly one of `compute_ms`, `compute_units`, `wait_ms`, `request`, `steps`".into(),
                ))
            }
        };
        if let Some(r) = &spec.repeat {
            let times = count(r, "repeat", MAX_STEPS)?;
            action = Plan::Group {
                times,
                steps: vec![action],
            };
        }
        out.push(action);
    }
    Ok(out)
}

/// The line (from 1) of a byte offset.
fn line_of(text: &str, offset: usize) -> usize {
    text[..offset.min(text.len())].matches('\n').count() + 1
}

/// The key a parse error is about: the one its message names, or the key
/// just before the offending value, or the offending text itself.
fn key_of(text: &str, span: &Range<usize>, message: &str) -> String {
    if message.starts_with("unknown field") || message.starts_with("missing field") {
        if let Some(k) = message.split('`').nth(1) {
            return k.to_owned();
        }
    }
    let before = text[..span.start.min(text.len())].trim_end();
    if let Some(before) = before.strip_suffix('=') {
        let key: String = before
            .trim_end()
            .chars()
            .rev()
            .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'))
            .collect();
        if !key.is_empty() {
            return key.chars().rev().collect();
        }
    }
    let here: String = text
        .get(span.clone())
        .unwrap_or("")
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-'))
        .collect();
    if here.is_empty() {
        "(syntax)".into()
    } else {
        here
    }
}

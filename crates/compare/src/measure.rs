//! Measuring one cell in this process: a warm-up run, then repeated runs,
//! each timed on the monotonic clock with the process's CPU time, context
//! switches and peak memory, and each answer checked.

use std::net::SocketAddr;
use std::num::NonZeroUsize;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::Arc;
use std::time::{Duration, Instant};

use cvp_workloads::{Lateness, Shape, TaskOutcome, Workload};

use crate::models::{lookup, Instance, ModelInfo, SelfMeasured};
use crate::trace::Recorder;
use crate::usage::Usage;
use crate::Error;
use cvp_report::{Cell, Run, Status};

/// How many measured runs a cell gets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Runs {
    /// [`DEFAULT_RUNS`], raised for short cells until about
    /// [`MIN_MEASURED`] is measured (hyperfine's minimum-time rule, capped
    /// at [`MAX_RUNS`]) and lowered to 2 for long ones ([`LONG_RUN`]).
    #[default]
    Auto,
    /// As [`Runs::Auto`], but never fewer than this many: for the
    /// `sequential` baseline, which every speedup of its workload divides
    /// by, so one disturbed run must not skew them all.
    AtLeast(NonZeroUsize),
    /// Exactly this many.
    Exactly(NonZeroUsize),
}

/// Measured runs of a cell by default.
pub const DEFAULT_RUNS: usize = 3;
/// A short cell repeats until about this much wall time is measured, so
/// its median is not one scheduler hiccup.
pub const MIN_MEASURED: Duration = Duration::from_millis(200);
/// At most this many runs, however short the cell.
pub const MAX_RUNS: usize = 20;
/// A cell whose warm-up took longer than this gets 2 runs, the fewest
/// that show any spread: verdicts judge every comparison over the runs of
/// both cells, and one run would claim a precision it does not have. Its
/// noise is small relative to its time, and the default comparison of
/// every workload on every model must fit in five minutes on two cores.
pub const LONG_RUN: Duration = Duration::from_millis(350);

impl Runs {
    /// How many runs a cell whose warm-up took `warmup` gets.
    pub fn count(self, warmup: Duration) -> usize {
        match self {
            Runs::Exactly(n) => n.get(),
            Runs::AtLeast(n) => Runs::Auto.count(warmup).max(n.get()),
            Runs::Auto if warmup > LONG_RUN => 2,
            Runs::Auto => {
                let per = warmup.as_nanos().max(1);
                let wanted = MIN_MEASURED.as_nanos().div_ceil(per) as usize;
                wanted.clamp(DEFAULT_RUNS, MAX_RUNS)
            }
        }
    }
}

/// One cell to measure.
#[derive(Debug, Clone)]
pub struct CellSpec {
    /// The workload.
    pub workload: Workload,
    /// The model.
    pub model: ModelInfo,
    /// `--threads`.
    pub threads: usize,
    /// The workload's size (checked by [`run_cell`]).
    pub size: usize,
    /// How many runs.
    pub runs: Runs,
    /// The echo server, for workloads that talk to one.
    pub server: Option<SocketAddr>,
    /// The reference answer, if already known (it is computed otherwise,
    /// which for jobs costs one sequential run).
    pub reference: Option<String>,
    /// Whether to record a [`Trace`](cvp_report::Trace) in one extra,
    /// untimed run.
    pub trace: bool,
}

impl CellSpec {
    /// A cell with automatic runs, no server, no known reference, no trace.
    pub fn new(workload: &Workload, model: ModelInfo, threads: usize, size: usize) -> Self {
        Self {
            workload: workload.clone(),
            model,
            threads,
            size,
            runs: Runs::Auto,
            server: None,
            reference: None,
            trace: false,
        }
    }

    /// A cell that did not run, with this status and reason.
    pub fn unrun(&self, status: Status, reason: impl Into<String>) -> Cell {
        let mut cell = self.skeleton();
        cell.status = status;
        cell.reason = Some(reason.into());
        cell
    }

    fn skeleton(&self) -> Cell {
        Cell {
            workload: self.workload.name().into(),
            class: crate::class_of(self.workload.class()),
            serial: self.workload.serial(),
            model: self.model.name.into(),
            role: self.model.role,
            anchor: self.model.anchor.map(Into::into),
            concurrent: self.model.concurrent,
            parallel: self.model.parallel,
            preemptive: self.model.preemptive,
            threads: self.threads,
            cores: self.model.cores(self.threads),
            size: self.size,
            unit: self.workload.unit().into(),
            status: Status::Failed,
            reason: None,
            answer: String::new(),
            reference: self.reference.clone().unwrap_or_default(),
            verified: false,
            wall_ns: 0,
            wall_min_ns: 0,
            wall_max_ns: 0,
            cpu_ns: 0,
            speedup: None,
            efficiency: None,
            concurrency: None,
            lateness: None,
            peak_rss_kib: 0,
            warmup_ns: 0,
            runs: Vec::new(),
            trace: None,
            serve: None,
        }
    }
}

/// Measures one cell in this process and never panics: a panic or an error
/// of the model becomes a [`Status::Failed`] cell, a model that cannot run
/// the workload a [`Status::NotApplicable`] one, a wrong answer a
/// [`Status::Wrong`] one.
///
/// ```
/// use cvp_compare::{find_model, run_cell, CellSpec, Status};
/// let w = cvp_workloads::find("n-queens")?;
/// let cell = run_cell(&CellSpec::new(w, find_model("rayon")?, 2, 8));
/// assert_eq!((cell.status, cell.answer.as_str()), (Status::Ok, "92"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn run_cell(spec: &CellSpec) -> Cell {
    let mut cell = spec.skeleton();
    let fail = |mut cell: Cell, status: Status, reason: String| {
        cell.status = status;
        cell.reason = Some(reason);
        cell
    };
    if spec.threads == 0 {
        return fail(cell, Status::Failed, Error::ZeroThreads.to_string());
    }
    if spec.threads > crate::plan::max_threads() {
        let e = Error::TooManyThreads {
            threads: spec.threads,
            max: crate::plan::max_threads(),
        };
        return fail(cell, Status::Failed, e.to_string());
    }
    if let Err(e) = spec.workload.check_size(spec.size) {
        return fail(cell, Status::Failed, e.to_string());
    }
    let model = match lookup(spec.model.name) {
        Ok(m) => m,
        Err(e) => return fail(cell, Status::Failed, e.to_string()),
    };
    if let Shape::Serve(serve) = spec.workload.shape() {
        return crate::serve::run_cell(spec, serve, cell);
    }
    if let Some(why) = model.not_applicable(&spec.workload, spec.size, spec.threads) {
        return fail(cell, Status::NotApplicable, why);
    }
    let measured = catch_unwind(AssertUnwindSafe(|| -> Result<Measured, Error> {
        let reference = match &spec.reference {
            Some(r) => r.clone(),
            None => spec.workload.reference(spec.size)?,
        };
        let mut instance = model.start(spec.threads)?;
        measure(spec, instance.as_mut(), reference)
    }));
    match measured {
        Ok(Ok(m)) => {
            m.fill(&mut cell);
            cell
        }
        Ok(Err(e)) => fail(cell, Status::Failed, e.to_string()),
        Err(panic) => fail(
            cell,
            Status::Failed,
            format!("panicked: {}", panic_message(&*panic)),
        ),
    }
}

/// The text of a panic payload.
pub(crate) fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        (*s).to_owned()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "a non-string panic payload".into()
    }
}

/// What the runs of a cell produced.
struct Measured {
    reference: String,
    answer: String,
    wrong: bool,
    warmup: Duration,
    runs: Vec<Run>,
    lateness: Vec<Duration>,
    trace: Option<cvp_report::Trace>,
    /// Workers of a model that reported them itself.
    cores: Option<usize>,
}

/// One run's result before it becomes a [`Run`].
struct Sample {
    answer: String,
    outcomes: Option<Vec<TaskOutcome>>,
    /// What a model running outside this process measured itself.
    measured: Option<SelfMeasured>,
}

/// Runs a cell once: prepares its input (untimed), calls the second
/// argument right before and right after the timed part, and returns the
/// answer; with a recorder, records a trace.
type RunOnce<'a> = dyn FnMut(Option<&Recorder>, &mut dyn FnMut()) -> Result<Sample, Error> + 'a;

fn measure(
    spec: &CellSpec,
    instance: &mut dyn Instance,
    reference: String,
) -> Result<Measured, Error> {
    let workload = &spec.workload;
    // One closure per shape: prepare untimed, then `timed` brackets the run.
    let mut run_once: Box<RunOnce<'_>> = match workload.shape() {
        Shape::Job(job) => {
            let mut input = Some(job.prepare(spec.size));
            Box::new(move |rec, timed| {
                let mut data = match input.take() {
                    Some(d) => d,
                    None => job.prepare(spec.size),
                };
                timed();
                let answer = instance.run_job_measured(workload, job, &mut data, rec);
                timed();
                let answer = answer?;
                if !job.consumes_input() {
                    input = Some(data);
                }
                Ok(Sample {
                    answer,
                    outcomes: None,
                    measured: instance.self_measured(),
                })
            })
        }
        Shape::Serve(_) => return Err(Error::Serve("a serve cell runs in serve::run_cell".into())),
        Shape::Tasks(tasks) => {
            let set = Arc::new(tasks.task_set(spec.size));
            if set.needs_server() && spec.server.is_none() {
                return Err(Error::Workload(cvp_workloads::Error::NoServer));
            }
            Box::new(move |rec, timed| {
                timed();
                let outcomes = instance.run_tasks(&set, spec.server, rec);
                timed();
                let outcomes = outcomes?;
                Ok(Sample {
                    answer: set.answer(&outcomes),
                    outcomes: Some(outcomes),
                    measured: None,
                })
            })
        }
    };

    let mut clock = Clock::default();
    let check = |sample: &Sample, m: &mut Measured| {
        if !m.wrong {
            m.answer = sample.answer.clone();
            m.wrong = workload.verify(&m.reference, &sample.answer).is_err();
        }
    };
    let mut m = Measured {
        reference,
        answer: String::new(),
        wrong: false,
        warmup: Duration::ZERO,
        runs: Vec::new(),
        lateness: Vec::new(),
        trace: None,
        cores: None,
    };

    let warm = run_once(None, &mut || clock.tick())?;
    m.warmup = clock.wall();
    check(&warm, &mut m);

    for _ in 0..spec.runs.count(m.warmup) {
        let sample = run_once(None, &mut || clock.tick())?;
        check(&sample, &mut m);
        let wall = clock.wall();
        let (u0, u1) = (clock.usage[0], clock.usage[1]);
        let mut run = Run {
            wall_ns: wall.as_nanos() as u64,
            cpu_ns: ((u1.user + u1.sys).saturating_sub(u0.user + u0.sys)).as_nanos() as u64,
            user_ns: u1.user.saturating_sub(u0.user).as_nanos() as u64,
            sys_ns: u1.sys.saturating_sub(u0.sys).as_nanos() as u64,
            voluntary_switches: u1.voluntary.saturating_sub(u0.voluntary),
            involuntary_switches: u1.involuntary.saturating_sub(u0.involuntary),
            peak_rss_kib: u1.max_rss_kib,
            concurrency: None,
            lateness: None,
            cluster: None,
        };
        if let Some(own) = sample.measured {
            // Work done in other processes: their own clock and counters.
            run.wall_ns = own.wall.as_nanos() as u64;
            run.cpu_ns = own.cpu.as_nanos() as u64;
            run.cluster = own.cluster;
            m.cores = Some(own.cores);
        }
        if let Some(outcomes) = &sample.outcomes {
            let summed: Duration = outcomes.iter().map(|o| o.latency).sum();
            run.concurrency = Some(summed.as_secs_f64() / wall.as_secs_f64().max(1e-9));
            let late: Vec<Duration> = outcomes
                .iter()
                .flat_map(|o| o.lateness.iter().copied())
                .collect();
            if !late.is_empty() {
                run.lateness = Some(crate::lateness_stats(Lateness::summarize(&late)));
                m.lateness.extend(late);
            }
        }
        m.runs.push(run);
    }

    if spec.trace {
        let rec = Recorder::new();
        run_once(Some(&rec), &mut || {})?;
        m.trace = Some(rec.finish());
    }
    Ok(m)
}

/// Brackets a run: the first tick starts it, the second ends it.
#[derive(Default)]
struct Clock {
    start: Option<Instant>,
    wall: Duration,
    usage: [Usage; 2],
}

impl Clock {
    fn tick(&mut self) {
        match self.start.take() {
            None => {
                self.usage[0] = Usage::now();
                self.start = Some(Instant::now());
            }
            Some(start) => {
                self.wall = start.elapsed();
                self.usage[1] = Usage::now();
            }
        }
    }

    fn wall(&self) -> Duration {
        self.wall
    }
}

fn median(mut xs: Vec<u64>) -> u64 {
    if xs.is_empty() {
        return 0;
    }
    xs.sort_unstable();
    let n = xs.len();
    if n % 2 == 1 {
        xs[n / 2]
    } else {
        (xs[n / 2 - 1] + xs[n / 2]) / 2
    }
}

fn median_f(mut xs: Vec<f64>) -> Option<f64> {
    if xs.is_empty() {
        return None;
    }
    xs.sort_by(f64::total_cmp);
    let n = xs.len();
    Some(if n % 2 == 1 {
        xs[n / 2]
    } else {
        (xs[n / 2 - 1] + xs[n / 2]) / 2.0
    })
}

/// Recomputes a cell's wall (median, min, max), CPU and concurrency
/// medians from its runs.
pub(crate) fn summarize(cell: &mut Cell) {
    let walls: Vec<u64> = cell.runs.iter().map(|r| r.wall_ns).collect();
    cell.wall_min_ns = walls.iter().copied().min().unwrap_or(0);
    cell.wall_max_ns = walls.iter().copied().max().unwrap_or(0);
    cell.wall_ns = median(walls);
    cell.cpu_ns = median(cell.runs.iter().map(|r| r.cpu_ns).collect());
    cell.concurrency = median_f(cell.runs.iter().filter_map(|r| r.concurrency).collect());
}

impl Measured {
    fn fill(self, cell: &mut Cell) {
        cell.status = if self.wrong {
            Status::Wrong
        } else {
            Status::Ok
        };
        cell.verified = !self.wrong;
        cell.answer = self.answer;
        cell.reference = self.reference;
        cell.lateness = (!self.lateness.is_empty())
            .then(|| crate::lateness_stats(Lateness::summarize(&self.lateness)));
        cell.peak_rss_kib = self.runs.iter().map(|r| r.peak_rss_kib).max().unwrap_or(0);
        cell.warmup_ns = self.warmup.as_nanos() as u64;
        if let Some(cores) = self.cores {
            cell.cores = cores.clamp(1, crate::plan::available_cores());
        }
        cell.runs = self.runs;
        summarize(cell);
        cell.trace = self.trace;
        if cell.role == cvp_report::Role::Baseline {
            cell.speedup = Some(1.0);
            cell.efficiency = cell.class.computes().then_some(1.0);
        }
    }
}

#[cfg(test)]
mod test {
    use super::*;

    #[test]
    fn runs_rule() {
        let ms = Duration::from_millis;
        assert_eq!(Runs::Auto.count(ms(1)), MAX_RUNS);
        assert_eq!(Runs::Auto.count(ms(50)), 4);
        assert_eq!(Runs::Auto.count(ms(200)), DEFAULT_RUNS);
        assert_eq!(Runs::Auto.count(ms(500)), 2);
        assert_eq!(Runs::Auto.count(ms(5000)), 2);
        assert_eq!(
            Runs::Exactly(NonZeroUsize::new(7).unwrap()).count(ms(5000)),
            7
        );
    }

    #[test]
    fn medians() {
        assert_eq!(median(vec![3, 1, 2]), 2);
        assert_eq!(median(vec![4, 1, 2, 3]), 2);
        assert_eq!(median_f(vec![1.0, 3.0]), Some(2.0));
    }
}

//! Timelines from measurement: what ran when, on which OS thread.
//!
//! For one workload of each class in a report, [`record_timelines`] runs
//! every traced model once more, untimed, at a small size, recording every
//! piece of work: `sequential` (one lane, one thing after another),
//! `interleave` (one lane, tasks interleaved at their waits), `decompose`
//! (a lane per worker, chunks side by side), `hybrid` (a lane per event
//! loop, tasks interleaved on each, and a lane per pool worker for the
//! compute steps the loops hand it), and the anchors and thread models beside
//! them (`threads` shows one lane per OS thread it starts).
//!
//! Everything is recorded by the models themselves, through the same
//! [`Recorder`] as `cvp run --trace`: every leaf of a job's `map_reduce` is a
//! span, every step of the blocking interpreter is a span (computing, or
//! the thread blocked waiting), and every poll of an async task is a span
//! (cvp-interleave's own poll trace; tokio's task futures, wrapped).

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::Arc;

use cvp_workloads::{Preset, Shape, Workload};

use crate::measure::panic_message;
use crate::trace::Recorder;
use crate::EchoServer;
use cvp_report::visual::Timeline;
use cvp_report::{Report, Trace};

/// The workloads drawn as timelines: the first of each class in the report
/// that needs no echo server (any workload when a class has no other).
fn chosen<'a>(report: &Report, known: &'a [Workload]) -> Vec<&'a Workload> {
    let mut out: Vec<&Workload> = Vec::new();
    let names = report.cells.iter().map(|c| c.workload.as_str());
    let mut seen: Vec<&str> = Vec::new();
    let workloads: Vec<&Workload> = names
        .filter(|n| {
            let new = !seen.contains(n);
            seen.push(n);
            new
        })
        .filter_map(|n| known.iter().find(|w| w.name() == n))
        .collect();
    let needs_server = |w: &Workload| w.needs_server() || matches!(w.shape(), Shape::Serve(_));
    for w in &workloads {
        if out.iter().any(|o| o.class() == w.class()) {
            continue;
        }
        let best = workloads
            .iter()
            .find(|o| o.class() == w.class() && !needs_server(o))
            .unwrap_or(w);
        out.push(best);
    }
    out
}

/// Records the timelines for `report`: for one workload of each class in
/// it, each traced model ([`ModelInfo::traced`](crate::ModelInfo::traced))
/// once, untimed, at the report's largest thread count and at most the
/// `quick` size, for those of the models that the report has cells of (the
/// picture is about shape, not duration). Takes a few seconds.
///
/// A model that cannot run the workload, fails or panics gives a timeline
/// whose trace is the reason, which the page shows in place of the chart.
pub fn record_timelines(report: &Report) -> Vec<Timeline> {
    record_timelines_of(report, cvp_workloads::catalogue())
}

/// [`record_timelines`] for a report whose workloads include specs' or
/// users' own: `workloads` are those the report's cells name.
pub fn record_timelines_of(report: &Report, workloads: &[Workload]) -> Vec<Timeline> {
    let threads = report
        .settings
        .threads
        .iter()
        .copied()
        .max()
        .unwrap_or(1)
        .max(1);
    let mut out = Vec::new();
    for w in chosen(report, workloads) {
        let cell_size = report
            .cells
            .iter()
            .find(|c| c.workload == w.name())
            .map_or(0, |c| c.size);
        let size = if cell_size == 0 {
            w.size(Preset::Quick)
        } else {
            cell_size.min(w.size(Preset::Quick))
        };
        // Only models the comparison ran: `--models` is respected here too.
        let ran = |m: &str| report.cells.iter().any(|c| c.model == m);
        for info in crate::models().filter(|m| m.traced && ran(m.name)) {
            let model = info.name;
            let threads = if info.threaded { threads } else { 1 };
            // Async models record each poll of a task; the blocking
            // interpreter records each step.
            let unit = match w.shape() {
                Shape::Job(_) => "chunk",
                Shape::Tasks(_) if info.concurrent && !info.preemptive => "poll",
                Shape::Tasks(_) => "step",
                Shape::Serve(_) => "request",
            };
            let trace = catch_unwind(AssertUnwindSafe(|| record(w, model, threads, size)))
                .unwrap_or_else(|p| Err(format!("panicked: {}", panic_message(&*p))));
            out.push(Timeline {
                workload: w.name().into(),
                model: model.into(),
                threads,
                size,
                unit: unit.into(),
                trace,
            });
        }
    }
    out
}

/// One traced run of `w` on `model`.
fn record(w: &Workload, model: &str, threads: usize, size: usize) -> Result<Trace, String> {
    let m = crate::models::lookup(model).map_err(|e| e.to_string())?;
    if let Some(why) = m.not_applicable(w, size, threads) {
        return Err(format!("n/a: {why}"));
    }
    match w.shape() {
        Shape::Serve(_) => Err("a server under load is drawn by `cvp serve-sweep`".into()),
        Shape::Job(job) => {
            let mut instance = m.start(threads).map_err(|e| e.to_string())?;
            let mut input = job.prepare(size);
            let rec = Recorder::new();
            instance.run_job(job, &mut input, Some(&rec));
            Ok(rec.finish())
        }
        Shape::Tasks(tasks) => {
            let set = Arc::new(tasks.task_set(size));
            let server = if set.needs_server() {
                Some(EchoServer::start().map_err(|e| e.to_string())?)
            } else {
                None
            };
            let mut instance = m.start(threads).map_err(|e| e.to_string())?;
            let rec = Recorder::new();
            instance
                .run_tasks(&set, server.as_ref().map(EchoServer::addr), Some(&rec))
                .map_err(|e| e.to_string())?;
            Ok(rec.finish())
        }
    }
}

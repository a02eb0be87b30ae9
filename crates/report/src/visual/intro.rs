//! The opening of the page: the two definitions, then the classic picture
//! drawn from this run — one mixed workload on the engine that interleaves
//! on one lane, the one that splits the work over lanes, and the one that
//! does both, on one time axis — and one sentence, computed from the
//! recorded runs and the measured cells, that says what it shows.
//!
//! The three models are found by what they are (cvp's engines: concurrent
//! only, parallel only, both), never by name.

use super::charts::{fmt_ns, fmt_ratio};
use super::timeline::{usage, Timeline, Usage};
use crate::{Cell, Class, Report, Role, Status, Trace};

/// The definitions the picture illustrates.
pub(crate) const DEFINITIONS: &str = "<p><b>Concurrency</b> is dealing with many tasks at once \
by interleaving them: while one task waits, another runs. It needs only one core, and it pays \
where tasks wait — on timers, on sockets — by hiding the waiting.</p>\
<p><b>Parallelism</b> is doing the pieces of one job at the same time on several cores. It pays \
where the work is computation, and no further than the cores there are.</p>\
<p>They are independent: a program can have either, both or neither. The picture is this \
run, not a drawing: the same tasks, each waiting then computing, on one lane that interleaves \
them, on lanes that split them, and on lanes that do both.</p>";

/// One of the picture's runs.
pub(crate) struct Run<'a> {
    /// The recorded run.
    pub(crate) timeline: &'a Timeline,
    /// The measured cell of the same workload and model (largest thread
    /// count), if there is one.
    pub(crate) cell: Option<&'a Cell>,
    /// How it spent its lanes' time.
    pub(crate) usage: Usage,
}

/// The classic picture's runs: interleaving, splitting, both.
pub(crate) struct Classic<'a> {
    /// The workload.
    pub(crate) workload: &'a str,
    /// What its size counts (`tasks`), from its cells.
    pub(crate) unit: &'a str,
    /// The three runs, in that order.
    pub(crate) runs: [Run<'a>; 3],
}

/// The model of each kind among cvp's engines: concurrent on one core,
/// parallel only, both.
fn engines(report: &Report) -> [Option<&str>; 3] {
    let find = |concurrent: bool, parallel: bool| {
        report
            .cells
            .iter()
            .find(|c| {
                c.role == Role::Engine && c.concurrent == concurrent && c.parallel == parallel
            })
            .map(|c| c.model.as_str())
    };
    [find(true, false), find(false, true), find(true, true)]
}

/// The picture's runs, or why it cannot be drawn from this report.
pub(crate) fn classic<'a>(
    report: &'a Report,
    timelines: &'a [Timeline],
) -> Result<Classic<'a>, String> {
    if timelines.is_empty() {
        return Err(
            "no run of it was recorded: `cvp compare` records the timelines and saves \
                    them beside the page (timelines.json)"
                .into(),
        );
    }
    let models = engines(report);
    let [Some(one), Some(split), Some(both)] = models else {
        return Err(
            "it needs cvp's three engines (one that interleaves, one that splits, one that does \
             both), and this report did not run all of them"
                .into(),
        );
    };
    let mut mixed = report.cells.iter().filter(|c| c.class == Class::Mixed);
    if mixed.clone().next().is_none() {
        return Err(
            "it needs a mixed workload (tasks that wait, then compute), and this report ran none"
                .into(),
        );
    }
    let recorded = |w: &str, m: &str| {
        timelines.iter().find_map(|t| match &t.trace {
            Ok(trace) if t.workload == w && t.model == m && !trace.spans.is_empty() => {
                Some((t, trace))
            }
            _ => None,
        })
    };
    let cell = |w: &str, m: &str| {
        report
            .cells
            .iter()
            .filter(|c| c.workload == w && c.model == m)
            .max_by_key(|c| c.threads)
    };
    let found = mixed.find_map(|c| {
        let w = c.workload.as_str();
        let runs = [one, split, both].map(|m| recorded(w, m));
        let [Some(a), Some(b), Some(h)] = runs else {
            return None;
        };
        let run = |(t, trace): (&'a Timeline, &'a Trace)| Run {
            timeline: t,
            cell: cell(w, &t.model),
            usage: usage(trace),
        };
        Some(Classic {
            workload: w,
            unit: c.unit.as_str(),
            runs: [run(a), run(b), run(h)],
        })
    });
    found.ok_or_else(|| {
        format!(
            "no mixed workload has a recorded timeline on {one}, {split} and {both} \
             (timelines are recorded by `cvp compare`)"
        )
    })
}

fn pct(share: f64) -> String {
    format!("{:.0}%", share * 100.0)
}

fn lanes(n: u32) -> String {
    format!("{n} lane{}", if n == 1 { "" } else { "s" })
}

/// `size unit`, or `size N` when the unit is unknown.
pub(crate) fn sized(size: usize, unit: &str) -> String {
    if unit.is_empty() {
        format!("size {size}")
    } else {
        format!("{size} {unit}")
    }
}

/// The sentence under the picture: what it shows, with the recorded and the
/// measured figures.
pub(crate) fn lesson(c: &Classic<'_>) -> String {
    let [one, split, both] = &c.runs;
    fn name<'r>(r: &Run<'r>) -> &'r str {
        r.timeline.model.as_str()
    }
    let took = |r: &Run<'_>| fmt_ns(r.usage.end_ns as f64);
    let fastest = both.usage.end_ns < one.usage.end_ns.min(split.usage.end_ns);
    let mut s = format!(
        "Recorded at {}: {} took {} on {}, computing {} of the time while the waits ran out; \
         {} took {} on {}, whose threads sat blocked in waits {} of the time; {}, doing both, \
         took {} on {}{}.",
        sized(one.timeline.size, c.unit),
        name(one),
        took(one),
        lanes(one.usage.lanes),
        pct(one.usage.computing),
        name(split),
        took(split),
        lanes(split.usage.lanes),
        pct(split.usage.waiting),
        name(both),
        took(both),
        lanes(both.usage.lanes),
        if fastest {
            ", first of the three"
        } else {
            ", yet here not first"
        },
    );
    let measured: Vec<String> = c
        .runs
        .iter()
        .map(|r| {
            let figure = match r.cell {
                Some(cell) if cell.status == Status::Ok => {
                    cell.speedup.map_or("no speedup".into(), fmt_ratio)
                }
                Some(cell) => cell.status.label().to_owned(),
                None => "not measured".into(),
            };
            format!("{} {figure}", name(r))
        })
        .collect();
    if let Some(cell) = c.runs.iter().find_map(|r| r.cell) {
        s += &format!(
            " Measured at {}, median speedup over sequential: {}.",
            sized(cell.size, c.unit),
            measured.join(", ")
        );
    }
    s
}

//! The report as pictures: SVG charts, a self-contained `index.html`,
//! Chrome traces, Amdahl fits, and criterion's benches as a table.
//!
//! [`write()`] draws everything from a [`Report`] (plus the [`Timeline`]s
//! that [`record_timelines`] recorded) into an output folder:
//!
//! ```text
//! index.html                 every chart inline, verdicts beside them; opens offline
//! charts/speedup-W.svg       speedup over sequential by model (log scale)
//! charts/scaling-W.svg       speedup against cores, with Amdahl's fit (parallel models)
//! charts/lateness-W.svg      the probe's lateness, p50 / p99 / worst (log scale)
//! charts/timeline-W.svg      what ran when, one lane per OS thread
//! traces/W-MODEL.json        the same runs as Chrome traces (open in Perfetto)
//! ```
//!
//! [`rewrite()`] draws the same from a saved report alone (`cvp render`),
//! keeping the timelines and traces already in the folder, since those come
//! from recorded runs that a report does not hold.
//!
//! Charts are drawn with plotters; the page is a template around them with a
//! check script that marks `<body data-check="ok">` when every chart is
//! there and drawn. A wrong answer, a failure, a timeout or an n/a stays
//! on every chart, marked.
//!
//! ```
//! use cvp_report::visual::fit_amdahl;
//! let fit = fit_amdahl(&[(1, 1.0), (2, 1.6), (4, 2.29)]).unwrap();
//! assert!((fit.serial_fraction - 0.25).abs() < 0.01);
//! ```

mod amdahl;
mod benches;
mod charts;
mod chrome_trace;
mod html;
mod timeline;

use std::path::{Path, PathBuf};

pub use amdahl::{fit_amdahl, AmdahlFit, NoFit, MIN_POINTS, PREDICT_AT};
pub use benches::{bench_table, is_engine};
pub use chrome_trace::chrome_trace;
pub use timeline::Timeline;

use crate::Error;
use crate::{Cell, Class, Report, Trace};
use html::{Figure, Section};

/// A chart, or nothing to draw, or why drawing failed.
type Drawn = Result<Option<String>, Box<dyn std::error::Error>>;

const SPEEDUP_CAPTION: &str =
    "Bars: median speedup over sequential; whiskers: slowest to fastest run; \
     red: wrong answer; failed, timed-out and n/a cells are listed with their reason.";
const SCALING_CAPTION: &str =
    "Solid: measured. Where a model ran at 3 or more core counts, dashed: Amdahl's law \
     with the fitted serial fraction f, out to 64 cores, in the shaded band of fits that \
     each leave one point out (rings: its predictions at 16 and 64). Memory-bound work: \
     the ceiling the measured memory bandwidth allows instead. Grey: ideal scaling.";
const LATENESS_CAPTION: &str =
    "How late a 1 ms periodic probe woke while the workload ran: a model \
     that never preempts a busy task shows it here.";
const TIMELINE_CAPTION: &str =
    "One bar per poll, task or chunk, coloured by task or chunk; one lane \
     per OS thread; one time axis for every panel.";

/// File names a person can type: the workload's kebab-case name, kept to
/// `[a-z0-9-]`.
fn slug(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect()
}

fn write_file(path: &Path, contents: &str) -> Result<(), Error> {
    std::fs::write(path, contents).map_err(|e| Error::Output {
        path: path.to_owned(),
        reason: e.to_string(),
    })
}

fn drawing(path: &Path, e: Box<dyn std::error::Error>) -> Error {
    Error::Output {
        path: path.to_owned(),
        reason: format!("drawing the chart failed: {e}"),
    }
}

/// Creates `dir/sub` and removes what an earlier run left there with this
/// extension (except names starting with `keep`, when given), so no stale
/// chart or trace outlives its data.
fn fresh_dir(dir: &Path, sub: &str, ext: &str, keep: Option<&str>) -> Result<PathBuf, Error> {
    let path = dir.join(sub);
    let err = |e: std::io::Error| Error::Output {
        path: path.clone(),
        reason: e.to_string(),
    };
    std::fs::create_dir_all(&path).map_err(err)?;
    for entry in std::fs::read_dir(&path).map_err(err)? {
        let p = entry.map_err(err)?.path();
        let kept = keep.is_some_and(|k| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with(k))
        });
        if p.extension().is_some_and(|x| x == ext) && !kept {
            std::fs::remove_file(&p).map_err(err)?;
        }
    }
    Ok(path)
}

/// The models of a report, in the order their cells appear (the runner's
/// registry order).
fn models_of(report: &Report) -> Vec<&str> {
    let mut out: Vec<&str> = Vec::new();
    for c in &report.cells {
        if !out.contains(&c.model.as_str()) {
            out.push(&c.model);
        }
    }
    out
}

/// The Chrome traces of workload `w` already in `trace_dir`, as page links.
fn kept_traces(trace_dir: &Path, w: &str, models: &[&str]) -> Vec<String> {
    let prefix = format!("{}-", slug(w));
    let mut names: Vec<String> = std::fs::read_dir(trace_dir)
        .into_iter()
        .flatten()
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter(|n| n.starts_with(&prefix) && n.ends_with(".json"))
        // `n-body-…` is not a trace of a workload named `n`.
        .filter(|n| {
            let model_threads = &n[prefix.len()..n.len() - ".json".len()];
            models.iter().any(|m| {
                model_threads
                    .strip_prefix(slug(m).as_str())
                    .and_then(|t| t.strip_prefix('-'))
                    .is_some_and(|t| t.parse::<usize>().is_ok())
            })
        })
        .map(|n| format!("traces/{n}"))
        .collect();
    names.sort();
    names
}

/// The position of a model in the report: its `pid` in Chrome traces.
fn pid(models: &[&str], model: &str) -> u32 {
    models
        .iter()
        .position(|m| *m == model)
        .map_or(99, |i| i as u32)
}

/// A timeline panel's title: the model, its lanes and what a bar is.
fn panel_title(report: &Report, t: &Timeline, trace: &Trace) -> String {
    let model = report.cells.iter().find(|c| c.model == t.model);
    let kind = model.map_or("", |m| match (m.concurrent, m.parallel) {
        (false, false) => "one thing at a time",
        (true, false) => "concurrent on one core",
        (false, true) => "parallel",
        (true, true) => "concurrent and parallel",
    });
    let threads = if t.threads > 1 {
        format!(" ×{}", t.threads)
    } else {
        String::new()
    };
    let end = trace.spans.iter().map(|s| s.end_ns).max().unwrap_or(0);
    format!(
        "{}{threads} ({kind}): {} OS thread{}, {} {}s, done at {}",
        t.model,
        trace.lanes,
        if trace.lanes == 1 { "" } else { "s" },
        trace.spans.len(),
        t.unit,
        charts::fmt_ns(end as f64)
    )
}

/// Writes the charts, the Chrome traces and `index.html` for `report` into
/// `dir` (which must exist), and returns the files written, the page
/// first. `timelines` come from the runner's recorder; cells that carry a
/// trace of their own (`cvp run --trace`) get a timeline and a trace too.
pub fn write(dir: &Path, report: &Report, timelines: &[Timeline]) -> Result<Vec<PathBuf>, Error> {
    write_with(dir, report, Some(timelines))
}

/// Draws `report` into `dir` again, as [`write()`] does, but keeps the
/// timeline charts and Chrome traces already there (a saved report holds
/// no recorded runs): for a report re-rendered after the charts changed,
/// without measuring again. Returns the files written.
///
/// ```
/// # let dir = std::env::temp_dir().join(format!("cvp-rewrite-doc-{}", std::process::id()));
/// # std::fs::create_dir_all(&dir).unwrap();
/// use cvp_report::Report;
/// let report: Report = serde_json::from_str(r#"{"schema": 1, "machine": {"cpu_model": "x",
///     "cores": 2, "os": "y", "rustc": "z"}, "settings": {"preset": "test", "threads": [2],
///     "runs": "3", "cell_timeout_s": 60.0, "isolation": "process"}, "started_unix": 0,
///     "elapsed_s": 1.0, "interrupted": false, "cells": [], "verdicts": []}"#).unwrap();
/// let files = cvp_report::visual::rewrite(&dir, &report).unwrap();
/// assert!(files[0].ends_with("index.html"));
/// # std::fs::remove_dir_all(&dir).unwrap();
/// ```
pub fn rewrite(dir: &Path, report: &Report) -> Result<Vec<PathBuf>, Error> {
    write_with(dir, report, None)
}

/// `timelines`: the recorded runs to draw, or `None` to keep the ones on disk.
fn write_with(
    dir: &Path,
    report: &Report,
    timelines: Option<&[Timeline]>,
) -> Result<Vec<PathBuf>, Error> {
    let keep = timelines.is_none();
    let chart_dir = fresh_dir(dir, "charts", "svg", keep.then_some("timeline-"))?;
    let trace_dir = if keep {
        dir.join("traces")
    } else {
        fresh_dir(dir, "traces", "json", None)?
    };
    let timelines = timelines.unwrap_or_default();
    let models = models_of(report);
    let mut files = Vec::new();

    let mut workloads: Vec<&str> = Vec::new();
    for c in &report.cells {
        if !workloads.contains(&c.workload.as_str()) {
            workloads.push(&c.workload);
        }
    }

    let mut sections = Vec::new();
    for w in workloads {
        let cells: Vec<&Cell> = report.cells.iter().filter(|c| c.workload == w).collect();
        let class = cells.first().map(|c| c.class);
        let mut figures = Vec::new();
        let mut chart = |kind: &str, caption: String, drawn: Drawn| -> Result<(), Error> {
            let file = format!("{kind}-{}.svg", slug(w));
            let path = chart_dir.join(&file);
            if let Some(svg) = drawn.map_err(|e| drawing(&path, e))? {
                write_file(&path, &svg)?;
                files.push(path);
                figures.push(Figure { file, caption, svg });
            }
            Ok(())
        };

        chart(
            "speedup",
            SPEEDUP_CAPTION.into(),
            charts::speedup_chart(w, &cells),
        )?;
        // Amdahl's law is about computation: jobs only.
        let is_job = class.is_some_and(Class::computes);
        let scaling = if is_job {
            charts::scaling(&cells, report.machine.bandwidth.as_ref())
        } else {
            Vec::new()
        };
        chart(
            "scaling",
            SCALING_CAPTION.into(),
            charts::scaling_chart(w, &scaling),
        )?;
        chart(
            "lateness",
            LATENESS_CAPTION.into(),
            charts::lateness_chart(w, &cells),
        )?;

        let traces = if keep {
            // Re-rendering: the timeline drawn from the recorded runs, and
            // their traces, stay as they are.
            let file = chart_dir.join(format!("timeline-{}.svg", slug(w)));
            let kept = std::fs::read_to_string(file).ok();
            chart("timeline", TIMELINE_CAPTION.into(), Ok(kept))?;
            kept_traces(&trace_dir, w, &models)
        } else {
            // Timelines: the recorded runs, then cells that carry their own trace.
            let own: Vec<Timeline> = cells
                .iter()
                .filter_map(|c| {
                    let trace = c.trace.clone()?;
                    let unit = "span";
                    Some(Timeline {
                        workload: w.into(),
                        model: c.model.clone(),
                        threads: c.threads,
                        size: c.size,
                        unit,
                        trace: Ok(trace),
                    })
                })
                .collect();
            let mut panels = Vec::new();
            let mut missing = Vec::new();
            for t in timelines.iter().filter(|t| t.workload == w).chain(&own) {
                match &t.trace {
                    Ok(trace) => panels.push(charts::Panel {
                        title: panel_title(report, t, trace),
                        trace,
                    }),
                    Err(why) => missing.push(format!("{}: {why}", t.model)),
                }
            }
            let mut caption = TIMELINE_CAPTION.to_owned();
            if panels
                .iter()
                .any(|p| p.trace.spans.len() > charts::MAX_SPANS)
            {
                caption += &format!(
                    " Runs with more than {0} spans show their first {0}.",
                    charts::MAX_SPANS
                );
            }
            if !missing.is_empty() {
                caption += &format!(" Not recorded: {}.", missing.join("; "));
            }
            chart("timeline", caption, charts::timeline_chart(w, &panels))?;

            let mut traces = Vec::new();
            for t in timelines.iter().filter(|t| t.workload == w).chain(&own) {
                let Ok(trace) = &t.trace else { continue };
                let file = format!("{}-{}-{}.json", slug(w), slug(&t.model), t.threads);
                let path = trace_dir.join(&file);
                let title = format!("{w} on {} ×{}", t.model, t.threads);
                write_file(
                    &path,
                    &chrome_trace::chrome_trace(&title, pid(&models, &t.model), trace),
                )?;
                files.push(path);
                traces.push(format!("traces/{file}"));
            }
            traces
        };

        sections.push(Section {
            workload: w,
            class,
            cells,
            figures,
            scaling,
            traces,
        });
    }

    let page = dir.join("index.html");
    write_file(&page, &html::page(report, &sections))?;
    files.insert(0, page);
    Ok(files)
}

//! The report as pictures: SVG charts, a self-contained `index.html`,
//! Chrome traces, Amdahl fits, and criterion's benches as a table.
//!
//! [`write()`] draws everything from a [`Report`] (plus the [`Timeline`]s
//! that `cvp_compare::record_timelines` recorded) into an output folder:
//!
//! ```text
//! index.html                 the opening, a heatmap, every chart inline; opens offline
//! charts/intro.svg           the classic picture: interleaving, splitting, both
//! charts/speedup-W.svg       speedup over sequential by model (log scale)
//! charts/scaling-W.svg       speedup against cores, with Amdahl's fit (parallel models)
//! charts/lateness-W.svg      the probe's lateness, p50 / p99 / worst (log scale)
//! charts/timeline-W.svg      what ran when, one lane per OS thread, every model
//! charts/serve-W.svg         a server's p50 / p99 / p99.9 under load (serve cells)
//! traces/W-MODEL-T.json      the same runs as Chrome traces (open in Perfetto)
//! timelines.json             the recorded runs, for `cvp render`
//! ```
//!
//! [`rewrite()`] draws the same from a saved report (`cvp render`), with the
//! recorded runs that [`write()`] saved beside it in `timelines.json`.
//!
//! Charts are drawn with plotters; the page is a template around them with a
//! check script that marks `<body data-check="ok">` when every part is
//! there and drawn. A wrong answer, a failure, a timeout or an n/a stays
//! on every chart and in the heatmap, marked.
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
mod heatmap;
mod html;
mod intro;
mod serve_charts;
mod timeline;

use std::path::{Path, PathBuf};

pub use amdahl::{fit_amdahl, AmdahlFit, NoFit, MIN_POINTS, PREDICT_AT};
pub use benches::{
    bench_table, is_engine, read_criterion, read_paired, Benches, Measured, Paired, BENCHES_SCHEMA,
};
pub use chrome_trace::chrome_trace;
pub use timeline::Timeline;

use crate::Error;
use crate::{Cell, Class, Report, Trace};
use html::{Figure, Opening, Section};

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
    "One bar per poll, step or chunk, coloured by task or chunk (a task keeps its colour \
     in every panel); one lane per OS thread; one time axis for every panel. Full bars \
     compute, thin pale bars are a thread blocked waiting; a cooperative model's waits \
     leave its lane empty for other tasks.";
/// The file the recorded runs are saved in, beside the page.
const TIMELINES_FILE: &str = "timelines.json";

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
pub(crate) fn models_of(report: &Report) -> Vec<&str> {
    let mut out: Vec<&str> = Vec::new();
    for c in &report.cells {
        if !out.contains(&c.model.as_str()) {
            out.push(&c.model);
        }
    }
    out
}

/// The position of a model in the report: its `pid` in Chrome traces.
fn pid(models: &[&str], model: &str) -> u32 {
    models
        .iter()
        .position(|m| *m == model)
        .map_or(99, |i| i as u32)
}

/// A timeline panel's title: the model, its lanes and what a bar is, and
/// the size when it is not the chart's.
fn panel_title(report: &Report, t: &Timeline, trace: &Trace, chart_size: usize) -> String {
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
    let size = if t.size == chart_size {
        String::new()
    } else {
        format!(" at size {}", t.size)
    };
    let end = trace.spans.iter().map(|s| s.end_ns).max().unwrap_or(0);
    format!(
        "{}{threads} ({kind}){size}: {} OS thread{}, {} {}s, done at {}",
        t.model,
        trace.lanes,
        if trace.lanes == 1 { "" } else { "s" },
        trace.spans.len(),
        t.unit,
        charts::fmt_ns(end as f64)
    )
}

/// What the cells of `workload` count their size in (`tasks`), if known.
fn unit_of<'a>(report: &'a Report, workload: &str) -> &'a str {
    report
        .cells
        .iter()
        .find(|c| c.workload == workload && !c.unit.is_empty())
        .map_or("", |c| c.unit.as_str())
}

/// The timeline chart of `runs` (every one of workload `w`), titled with the
/// size they were recorded at, and its caption; `None` when nothing was
/// recorded.
fn timeline_figure(
    report: &Report,
    w: &str,
    runs: &[&Timeline],
    caption: &str,
) -> Result<Option<(String, String)>, Box<dyn std::error::Error>> {
    let Some(size) = runs.iter().find(|t| t.trace.is_ok()).map(|t| t.size) else {
        return Ok(None);
    };
    let unit = unit_of(report, w);
    let mut panels = Vec::new();
    let mut missing = Vec::new();
    for t in runs {
        match &t.trace {
            Ok(trace) => panels.push(charts::Panel {
                title: panel_title(report, t, trace, size),
                trace,
            }),
            Err(why) => missing.push(format!("{}: {why}", t.model)),
        }
    }
    let measured = report
        .cells
        .iter()
        .filter(|c| c.workload == w)
        .map(|c| c.size)
        .max();
    let title = format!(
        "{w} at {}: what ran when, one lane per OS thread",
        intro::sized(size, unit)
    );
    let mut caption = format!(
        "Recorded once more, untimed, at {}{}. {caption}",
        intro::sized(size, unit),
        match measured {
            Some(m) if m != size =>
                format!(" (the measured cells ran at {})", intro::sized(m, unit)),
            _ => String::new(),
        }
    );
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
    Ok(charts::timeline_chart(&title, &panels)?.map(|svg| (svg, caption)))
}

/// Writes the charts, the Chrome traces and `index.html` for `report` into
/// `dir` (which must exist), and returns the files written, the page
/// first. `timelines` come from the runner's recorder; cells that carry a
/// trace of their own (`cvp run --trace`) get a timeline and a trace too.
pub fn write(dir: &Path, report: &Report, timelines: &[Timeline]) -> Result<Vec<PathBuf>, Error> {
    write_with(dir, report, Some(timelines))
}

/// Draws `report` into `dir` again, as [`write()`] does, with the recorded
/// runs that [`write()`] saved there (`timelines.json`): for a report
/// re-rendered after the charts changed, without measuring again. A folder
/// without that file keeps the timeline charts and traces it has, and its
/// page shows none. Returns the files written.
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

/// `timelines`: the recorded runs to draw and save, or `None` to read the
/// saved ones.
fn write_with(
    dir: &Path,
    report: &Report,
    timelines: Option<&[Timeline]>,
) -> Result<Vec<PathBuf>, Error> {
    let mut files = Vec::new();
    let saved = dir.join(TIMELINES_FILE);
    // A folder drawn before timelines were saved keeps its timeline charts
    // and traces on disk, though the page cannot draw them again.
    let unsaved = timelines.is_none() && !saved.exists();
    let timelines: Vec<Timeline> = match timelines {
        Some(t) => {
            let json = serde_json::to_string(t).map_err(|e| Error::Output {
                path: saved.clone(),
                reason: e.to_string(),
            })?;
            write_file(&saved, &json)?;
            files.push(saved);
            t.to_vec()
        }
        None => read_timelines(&saved)?,
    };
    let chart_dir = fresh_dir(dir, "charts", "svg", unsaved.then_some("timeline-"))?;
    let trace_dir = if unsaved {
        dir.join("traces")
    } else {
        fresh_dir(dir, "traces", "json", None)?
    };
    let models = models_of(report);

    let mut workloads: Vec<&str> = Vec::new();
    for c in &report.cells {
        if !workloads.contains(&c.workload.as_str()) {
            workloads.push(&c.workload);
        }
    }

    // The opening's picture.
    let classic = intro::classic(report, &timelines);
    let opening = match &classic {
        Ok(c) => {
            let runs: Vec<&Timeline> = c.runs.iter().map(|r| r.timeline).collect();
            let caption = "The same tasks on cvp's three engines.";
            let path = chart_dir.join("intro.svg");
            let drawn = timeline_figure(report, c.workload, &runs, caption)
                .map_err(|e| drawing(&path, e))?;
            match drawn {
                Some((svg, caption)) => {
                    write_file(&path, &svg)?;
                    files.push(path);
                    Opening {
                        figure: Some(Figure {
                            file: "intro.svg".into(),
                            caption,
                            svg,
                        }),
                        text: Ok(intro::lesson(c)),
                    }
                }
                None => Opening {
                    figure: None,
                    text: Err("its recorded runs hold no spans".into()),
                },
            }
        }
        Err(why) => Opening {
            figure: None,
            text: Err(why.clone()),
        },
    };

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
        chart(
            "serve",
            serve_charts::SERVE_CELL_CAPTION.into(),
            serve_charts::serve_cell_chart(w, &cells),
        )?;

        // Timelines: the recorded runs, then cells that carry their own
        // trace (`cvp run --trace`).
        let own: Vec<Timeline> = cells
            .iter()
            .filter_map(|c| {
                Some(Timeline {
                    workload: w.into(),
                    model: c.model.clone(),
                    threads: c.threads,
                    size: c.size,
                    unit: "span".into(),
                    trace: Ok(c.trace.clone()?),
                })
            })
            .collect();
        let runs: Vec<&Timeline> = timelines
            .iter()
            .filter(|t| t.workload == w)
            .chain(&own)
            .collect();
        let path = chart_dir.join(format!("timeline-{}.svg", slug(w)));
        match timeline_figure(report, w, &runs, TIMELINE_CAPTION) {
            Ok(Some((svg, caption))) => chart("timeline", caption, Ok(Some(svg)))?,
            Ok(None) => {}
            Err(e) => return Err(drawing(&path, e)),
        }

        let mut traces = Vec::new();
        for t in &runs {
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
    write_file(&page, &html::page(report, &opening, &sections))?;
    files.insert(0, page);
    Ok(files)
}

/// Draws a sweep of offered load (`cvp serve-sweep`) into `dir` (which
/// must exist): `index.html`, and per mix `charts/serve-MIX.svg` (p50, p99
/// and p99.9 against offered load) and `charts/throughput-MIX.svg` (each
/// model's throughput at the p99 objective). Returns the files written,
/// the page first.
pub fn write_sweep(dir: &Path, sweep: &crate::serve::ServeSweep) -> Result<Vec<PathBuf>, Error> {
    let chart_dir = fresh_dir(dir, "charts", "svg", None)?;
    let figures = serve_charts::sweep_figures(sweep).map_err(|e| drawing(&chart_dir, e))?;
    let mut files = Vec::new();
    for f in figures.iter().flatten() {
        let path = chart_dir.join(&f.file);
        write_file(&path, &f.svg)?;
        files.push(path);
    }
    let page = dir.join("index.html");
    write_file(&page, &serve_charts::sweep_page(sweep, &figures))?;
    files.insert(0, page);
    Ok(files)
}

/// The recorded runs saved beside a page; none when the file is absent.
fn read_timelines(path: &Path) -> Result<Vec<Timeline>, Error> {
    match std::fs::read_to_string(path) {
        Ok(text) => serde_json::from_str(&text).map_err(|e| Error::Parse {
            path: path.to_owned(),
            reason: e.to_string(),
        }),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Vec::new()),
        Err(e) => Err(Error::Read {
            path: path.to_owned(),
            reason: e.to_string(),
        }),
    }
}

//! The charts, drawn with plotters' SVG backend.
//!
//! Every chart is a function from report data to an SVG string; `None` when
//! there is nothing to draw (the page then says so instead of showing an
//! empty frame). Ratios (speedup) and latencies span orders of magnitude, so
//! their axes are logarithmic; the timelines' time axis is linear, because
//! the picture is about where the work sits in time.
//!
//! A cell that did not give the reference answer keeps its bar, in red, with
//! `WRONG` beside it; a cell that failed, timed out or does not apply gets a
//! row that says so and why. Nothing is left out.

use std::collections::BTreeMap;
use std::error::Error as StdError;

use plotters::coord::ranged1d::SegmentValue;
use plotters::coord::Shift;
use plotters::element::DashedPathElement;
use plotters::prelude::*;

use super::amdahl::{fit_amdahl, AmdahlFit, PREDICT_AT};
use crate::{Bandwidth, Cell, Class, SpanKind, Status, Trace};

type Drawn<T> = Result<T, Box<dyn StdError>>;

/// Font family of every label.
pub(crate) const FONT: &str = "sans-serif";
/// Width of every chart, in pixels: fits two columns of a laptop screen.
pub(crate) const WIDTH: u32 = 760;
/// Height of one row of a bar or dot chart.
pub(crate) const ROW: u32 = 26;
/// Height of one lane of a timeline.
const LANE: u32 = 30;
/// Timelines draw at most this many spans per run; the rest would be
/// sub-pixel slivers that only make the file heavy. The page says so.
pub(crate) const MAX_SPANS: usize = 20_000;

pub(crate) const WRONG: RGBColor = RGBColor(214, 39, 40);
pub(crate) const GREY: RGBColor = RGBColor(127, 127, 127);
pub(crate) const INK: RGBColor = RGBColor(40, 40, 40);
/// Tableau 10: distinct, colour-blind-friendly hues for tasks and models.
const PALETTE: [RGBColor; 10] = [
    RGBColor(31, 119, 180),
    RGBColor(255, 127, 14),
    RGBColor(44, 160, 44),
    RGBColor(148, 103, 189),
    RGBColor(140, 86, 75),
    RGBColor(227, 119, 194),
    RGBColor(188, 189, 34),
    RGBColor(23, 190, 207),
    RGBColor(127, 127, 127),
    RGBColor(214, 39, 40),
];

/// The colour of a model's kind: one-core concurrency blue, parallelism
/// orange, both purple, neither grey.
pub(crate) fn kind_color(concurrent: bool, parallel: bool) -> RGBColor {
    match (concurrent, parallel) {
        (false, false) => GREY,
        (true, false) => PALETTE[0],
        (false, true) => PALETTE[1],
        (true, true) => PALETTE[3],
    }
}

/// How a cell is named on a chart's axis: the thread count only where it
/// matters.
pub(crate) fn row_label(cell: &Cell) -> String {
    if cell.parallel {
        format!("{} ×{}", cell.model, cell.threads)
    } else {
        cell.model.clone()
    }
}

/// `12.3×`, `0.98×`, `180×`.
pub(crate) fn fmt_ratio(v: f64) -> String {
    if v >= 100.0 {
        format!("{v:.0}×")
    } else if v >= 10.0 {
        format!("{v:.1}×")
    } else {
        format!("{v:.2}×")
    }
}

/// A duration in nanoseconds, with a unit a person reads.
pub(crate) fn fmt_ns(ns: f64) -> String {
    if ns >= 1e9 {
        format!("{:.2} s", ns / 1e9)
    } else if ns >= 1e6 {
        format!("{:.1} ms", ns / 1e6)
    } else if ns >= 1e3 {
        format!("{:.0} µs", ns / 1e3)
    } else {
        format!("{ns:.0} ns")
    }
}

/// Cuts `s` to `max` characters, with an ellipsis.
/// The label drawn in place of a bar for a cell with nothing to draw: its
/// status and reason, grey for n/a and red for a failure, never hidden.
pub(crate) fn missing(cell: &Cell, default_why: &str) -> (String, RGBColor) {
    let color = if cell.status == Status::NotApplicable {
        GREY
    } else {
        WRONG
    };
    let why = cell.reason.as_deref().unwrap_or(default_why);
    (clip(&format!("{}: {why}", cell.status.label()), 70), color)
}

pub(crate) fn clip(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_owned()
    } else {
        let mut t: String = s.chars().take(max.saturating_sub(1)).collect();
        t.push('…');
        t
    }
}

/// The speedup span of a cell's runs: from its slowest to its fastest run.
fn speedup_span(cell: &Cell, speedup: f64) -> (f64, f64) {
    let base = speedup * cell.wall_ns as f64;
    let lo = if cell.wall_max_ns > 0 {
        base / cell.wall_max_ns as f64
    } else {
        speedup
    };
    let hi = if cell.wall_min_ns > 0 {
        base / cell.wall_min_ns as f64
    } else {
        speedup
    };
    (lo.min(speedup), hi.max(speedup))
}

/// Speedup over sequential of every cell of one workload: one horizontal
/// bar per cell on a log axis, the spread of runs as a whisker, a dashed
/// line at 1× (sequential).
pub(crate) fn speedup_chart(workload: &str, cells: &[&Cell]) -> Drawn<Option<String>> {
    let values: Vec<f64> = cells
        .iter()
        .filter_map(|c| c.speedup)
        .filter(|v| v.is_finite() && *v > 0.0)
        .flat_map(|v| [v])
        .collect();
    if cells.is_empty() || values.is_empty() {
        return Ok(None);
    }
    let spans: Vec<f64> = cells
        .iter()
        .filter_map(|c| {
            c.speedup
                .filter(|v| v.is_finite() && *v > 0.0)
                .map(|s| speedup_span(c, s))
        })
        .flat_map(|(lo, hi)| [lo, hi])
        .collect();
    let lo = spans.iter().copied().fold(1.0f64, f64::min) / 2.0;
    let hi = spans.iter().copied().fold(1.0f64, f64::max) * 3.0;

    let n = cells.len();
    let height = 90 + ROW * n as u32;
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (WIDTH, height)).into_drawing_area();
        root.fill(&WHITE)?;
        let mut chart = ChartBuilder::on(&root)
            .caption(format!("{workload}: speedup over sequential"), (FONT, 18))
            .margin(10)
            .x_label_area_size(40)
            .y_label_area_size(170)
            .build_cartesian_2d((lo..hi).log_scale(), (0..n).into_segmented())?;
        chart
            .configure_mesh()
            .disable_y_mesh()
            .max_light_lines(1)
            // Every bar gets its label (plotters would thin a long axis to
            // about ten), and the log axis keeps few enough ticks to read.
            .y_labels(n + 1)
            .x_labels(6)
            .x_desc("speedup (log scale; 1× = sequential)")
            .x_label_formatter(&|v| fmt_ratio(*v))
            .y_label_formatter(&|v| match v {
                SegmentValue::CenterOf(i) if *i < n => clip(&row_label(cells[n - 1 - i]), 24),
                _ => String::new(),
            })
            .label_style((FONT, 12))
            .draw()?;

        let row = |i: usize| n - 1 - i;
        for (i, cell) in cells.iter().enumerate() {
            let r = row(i);
            let center = SegmentValue::CenterOf(r);
            let Some(s) = cell.speedup.filter(|v| v.is_finite() && *v > 0.0) else {
                let (text, color) = missing(cell, "no speedup");
                chart.draw_series([Text::new(
                    text,
                    (lo * 1.1, center.clone()),
                    (FONT, 12).into_font().color(&color),
                )])?;
                continue;
            };
            let wrong = cell.status != Status::Ok;
            let color = if wrong {
                WRONG
            } else {
                kind_color(cell.concurrent, cell.parallel)
            };
            let mut bar = Rectangle::new(
                [
                    (lo, SegmentValue::Exact(r)),
                    (s, SegmentValue::Exact(r + 1)),
                ],
                color.mix(0.85).filled(),
            );
            bar.set_margin(4, 4, 0, 0);
            chart.draw_series([bar])?;
            let (a, b) = speedup_span(cell, s);
            chart.draw_series([PathElement::new(
                [(a, center.clone()), (b, center.clone())],
                INK.stroke_width(1),
            )])?;
            let label = if wrong {
                format!("{} {}", fmt_ratio(s), cell.status.label())
            } else {
                fmt_ratio(s)
            };
            let style = (FONT, 12)
                .into_font()
                .color(if wrong { &WRONG } else { &INK });
            chart.draw_series([Text::new(label, (b * 1.08, center), style)])?;
        }
        chart.draw_series([DashedPathElement::new(
            [(1.0, SegmentValue::Exact(0)), (1.0, SegmentValue::Exact(n))],
            4,
            3,
            INK.stroke_width(1),
        )])?;
        root.present()?;
    }
    Ok(Some(svg))
}

/// One parallel model's scaling: measured points and their fit.
#[derive(Debug, Clone)]
pub(crate) struct Scaling {
    /// The model.
    pub(crate) model: String,
    /// `(cores, speedup)` of its correct cells.
    pub(crate) points: Vec<(usize, f64)>,
    /// `(cores, speedup)` of its wrong cells, drawn as red crosses.
    pub(crate) wrong: Vec<(usize, f64)>,
    /// Thread counts whose cell failed, timed out or does not apply.
    pub(crate) missing: Vec<(usize, Status)>,
    /// The fitted serial fraction, when the points can carry one.
    pub(crate) fit: Option<AmdahlFit>,
    /// Why there is no fit, and what would allow one.
    pub(crate) no_fit: Option<String>,
    /// For memory-bound work: `(threads, speedup)` the measured memory
    /// bandwidth allows, from the triad (its speedup over one thread).
    pub(crate) ceiling: Vec<(usize, f64)>,
}

/// Why memory-bound work gets no Amdahl fit.
pub(crate) const MEMORY_BOUND: &str =
    "memory-bound: judged against the machine's measured memory bandwidth, not Amdahl's law";

/// Groups a workload's parallel cells by model and fits each: Amdahl's law
/// for the cpu class, the memory-bandwidth ceiling (when `bandwidth` was
/// measured) for the memory class.
pub(crate) fn scaling(cells: &[&Cell], bandwidth: Option<&Bandwidth>) -> Vec<Scaling> {
    let mut by_model: BTreeMap<usize, Scaling> = BTreeMap::new();
    let mut order: Vec<&str> = Vec::new();
    let memory = cells.iter().any(|c| c.class == Class::Memory);
    for cell in cells.iter().filter(|c| c.parallel) {
        let idx = match order.iter().position(|m| *m == cell.model) {
            Some(i) => i,
            None => {
                order.push(&cell.model);
                order.len() - 1
            }
        };
        let s = by_model.entry(idx).or_insert_with(|| Scaling {
            model: cell.model.clone(),
            points: Vec::new(),
            wrong: Vec::new(),
            missing: Vec::new(),
            fit: None,
            no_fit: None,
            ceiling: Vec::new(),
        });
        match (cell.status, cell.speedup) {
            (Status::Ok, Some(v)) => s.points.push((cell.cores.max(1), v)),
            (Status::Wrong, Some(v)) => s.wrong.push((cell.cores.max(1), v)),
            (status, _) => s.missing.push((cell.threads, status)),
        }
    }
    let mut out: Vec<Scaling> = by_model.into_values().collect();
    for s in &mut out {
        s.points.sort_by_key(|p| p.0);
        if memory {
            s.no_fit = Some(MEMORY_BOUND.into());
            if let Some(bw) = bandwidth {
                s.ceiling = bw
                    .triad
                    .iter()
                    .filter_map(|t| Some((t.threads, bw.ceiling(t.threads)?)))
                    .collect();
            }
            continue;
        }
        match fit_amdahl(&s.points) {
            Ok(f) => s.fit = Some(f),
            Err(no) => s.no_fit = Some(no.to_string()),
        }
    }
    out
}

/// Speedup against cores for each parallel model of a workload, on log-log
/// axes from 1 to 64 cores: measured points joined by a solid line; where
/// at least three core counts allow it, the fitted Amdahl curve dashed
/// across the whole range inside the shaded band of its predictions, with
/// its predictions at 16 and 64 cores marked; for memory-bound work, the
/// ceiling the measured memory bandwidth allows; ideal (linear) scaling in
/// grey.
pub(crate) fn scaling_chart(workload: &str, models: &[Scaling]) -> Drawn<Option<String>> {
    if !models
        .iter()
        .any(|m| m.fit.is_some() || m.points.iter().any(|p| p.0 > 1))
    {
        return Ok(None);
    }
    let max_p = *PREDICT_AT.iter().max().unwrap_or(&64) as f64;
    let all = models
        .iter()
        .flat_map(|m| m.points.iter().chain(&m.wrong).chain(&m.ceiling))
        .map(|p| p.1);
    let y_lo = all.clone().fold(1.0f64, f64::min) / 1.5;
    let y_hi = max_p * 1.5;
    let memory = models
        .iter()
        .any(|m| m.no_fit.as_deref() == Some(MEMORY_BOUND));
    let title = if memory {
        format!("{workload}: scaling against memory bandwidth")
    } else {
        format!("{workload}: scaling and Amdahl's fit")
    };
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (WIDTH, 420)).into_drawing_area();
        root.fill(&WHITE)?;
        let mut chart = ChartBuilder::on(&root)
            .caption(title, (FONT, 18))
            .margin(10)
            .x_label_area_size(40)
            .y_label_area_size(60)
            .build_cartesian_2d(
                (1.0..max_p * 1.2).log_scale().base(2.0),
                (y_lo..y_hi).log_scale().base(2.0),
            )?;
        chart
            .configure_mesh()
            .x_desc("cores (log scale)")
            .y_desc("speedup over sequential (log scale)")
            .x_label_formatter(&|v| format!("{v:.0}"))
            .y_label_formatter(&|v| fmt_ratio(*v))
            .label_style((FONT, 12))
            .draw()?;
        chart
            .draw_series([DashedPathElement::new(
                [(1.0, 1.0), (max_p, max_p)],
                3,
                3,
                GREY.stroke_width(1),
            )])?
            .label("ideal (speedup = cores)")
            .legend(|(x, y)| PathElement::new([(x, y), (x + 18, y)], GREY.stroke_width(1)));

        // The bandwidth ceiling is the machine's, the same for every model.
        if let Some(m) = models.iter().find(|m| !m.ceiling.is_empty()) {
            let pts: Vec<(f64, f64)> = m.ceiling.iter().map(|&(p, s)| (p as f64, s)).collect();
            chart
                .draw_series([DashedPathElement::new(
                    pts.clone(),
                    8,
                    3,
                    INK.stroke_width(2),
                )])?
                .label("memory-bandwidth ceiling (STREAM triad, over 1 thread)")
                .legend(|(x, y)| PathElement::new([(x, y), (x + 18, y)], INK.stroke_width(2)));
            chart.draw_series(pts.iter().map(|&p| Cross::new(p, 5, INK.stroke_width(2))))?;
        }

        let curve_ps: Vec<f64> = (0..=60).map(|k| 2f64.powf(k as f64 / 10.0)).collect();
        for (i, m) in models.iter().enumerate() {
            let color = PALETTE[(i + 1) % PALETTE.len()];
            let label = match &m.fit {
                Some(f) => {
                    let (lo, hi) = f.predict_band(16);
                    format!(
                        "{}: f = {:.3} (rms {:.2}), predicts {} ({}–{}) at 16 cores",
                        m.model,
                        f.serial_fraction,
                        f.rms_error,
                        fmt_ratio(f.at_16),
                        fmt_ratio(lo),
                        fmt_ratio(hi),
                    )
                }
                None if m.ceiling.is_empty() && m.no_fit.as_deref() != Some(MEMORY_BOUND) => {
                    format!("{}: measured only (a fit needs 3 core counts)", m.model)
                }
                None => format!("{}: measured", m.model),
            };
            if let Some(f) = &m.fit {
                let mut band: Vec<(f64, f64)> = curve_ps
                    .iter()
                    .map(|&p| (p, f.predict_band_at(p).0))
                    .collect();
                band.extend(curve_ps.iter().rev().map(|&p| (p, f.predict_band_at(p).1)));
                chart.draw_series([Polygon::new(band, color.mix(0.12).filled())])?;
            }
            let pts: Vec<(f64, f64)> = m.points.iter().map(|&(p, s)| (p as f64, s)).collect();
            chart
                .draw_series(LineSeries::new(pts.clone(), color.stroke_width(2)))?
                .label(label)
                .legend(move |(x, y)| {
                    PathElement::new([(x, y), (x + 18, y)], color.stroke_width(2))
                });
            chart.draw_series(pts.iter().map(|&p| Circle::new(p, 4, color.filled())))?;
            chart.draw_series(
                m.wrong
                    .iter()
                    .map(|&(p, s)| Cross::new((p as f64, s), 6, WRONG.stroke_width(2))),
            )?;
            if let Some(f) = &m.fit {
                let curve: Vec<(f64, f64)> = curve_ps
                    .iter()
                    .map(|&p| (p, 1.0 / (f.serial_fraction + (1.0 - f.serial_fraction) / p)))
                    .collect();
                chart.draw_series([DashedPathElement::new(curve, 6, 4, color.stroke_width(1))])?;
                chart.draw_series(
                    PREDICT_AT
                        .iter()
                        .map(|&p| Circle::new((p as f64, f.predict(p)), 5, color.stroke_width(2))),
                )?;
            }
        }
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::UpperLeft)
            .background_style(WHITE.mix(0.9))
            .border_style(GREY)
            .label_font((FONT, 12))
            .draw()?;
        root.present()?;
    }
    Ok(Some(svg))
}

/// The probe's lateness per model: a dot at p50, a triangle at p99 and a
/// cross at the worst tick, joined by a line, on a log axis (a tick that is
/// 20 µs late and one that is 200 ms late belong on the same picture).
pub(crate) fn lateness_chart(workload: &str, cells: &[&Cell]) -> Drawn<Option<String>> {
    let stats: Vec<_> = cells.iter().filter_map(|c| c.lateness).collect();
    if stats.is_empty() {
        return Ok(None);
    }
    let us = |ns: u64| (ns as f64 / 1e3).max(1.0);
    let lo = stats
        .iter()
        .map(|l| us(l.p50_ns))
        .fold(f64::INFINITY, f64::min)
        / 2.0;
    let hi = stats.iter().map(|l| us(l.max_ns)).fold(1.0, f64::max) * 8.0;
    let n = cells.len();
    let mut svg = String::new();
    {
        let root =
            SVGBackend::with_string(&mut svg, (WIDTH, 110 + ROW * n as u32)).into_drawing_area();
        root.fill(&WHITE)?;
        let mut chart = ChartBuilder::on(&root)
            .caption(
                format!("{workload}: how late the probe's ticks woke"),
                (FONT, 18),
            )
            .margin(10)
            .x_label_area_size(40)
            .y_label_area_size(170)
            .build_cartesian_2d((lo..hi).log_scale(), (0..n).into_segmented())?;
        chart
            .configure_mesh()
            .disable_y_mesh()
            .x_desc("lateness (log scale):  ● p50   ▲ p99   ✕ worst")
            .x_label_formatter(&|v| fmt_ns(*v * 1e3))
            .y_label_formatter(&|v| match v {
                SegmentValue::CenterOf(i) if *i < n => clip(&row_label(cells[n - 1 - i]), 24),
                _ => String::new(),
            })
            .label_style((FONT, 12))
            .draw()?;
        for (i, cell) in cells.iter().enumerate() {
            let y = SegmentValue::CenterOf(n - 1 - i);
            let Some(l) = cell.lateness else {
                let (text, color) = missing(cell, "no probe ticks recorded");
                chart.draw_series([Text::new(
                    text,
                    (lo * 1.1, y.clone()),
                    (FONT, 12).into_font().color(&color),
                )])?;
                continue;
            };
            let color = if cell.status == Status::Ok {
                kind_color(cell.concurrent, cell.parallel)
            } else {
                WRONG
            };
            chart.draw_series([PathElement::new(
                [(us(l.p50_ns), y.clone()), (us(l.max_ns), y.clone())],
                color.stroke_width(2),
            )])?;
            chart.draw_series([Circle::new((us(l.p50_ns), y.clone()), 5, color.filled())])?;
            chart.draw_series([TriangleMarker::new(
                (us(l.p99_ns), y.clone()),
                6,
                color.filled(),
            )])?;
            chart.draw_series([Cross::new(
                (us(l.max_ns), y.clone()),
                6,
                color.stroke_width(2),
            )])?;
            let mut text = format!("p99 {}", fmt_ns(l.p99_ns as f64));
            if cell.status != Status::Ok {
                text.push(' ');
                text.push_str(cell.status.label());
            }
            chart.draw_series([Text::new(
                text,
                (us(l.max_ns) * 1.15, y.clone()),
                (FONT, 11).into_font().color(if cell.status == Status::Ok {
                    &INK
                } else {
                    &WRONG
                }),
            )])?;
        }
        root.present()?;
    }
    Ok(Some(svg))
}

/// One recorded run for a timeline panel.
pub(crate) struct Panel<'a> {
    /// The panel's title: the model and what it is.
    pub(crate) title: String,
    /// What ran when.
    pub(crate) trace: &'a Trace,
}

/// Height of a timeline panel's title.
const PANEL_TITLE: u32 = 30;
/// Height of a timeline panel's time labels.
const PANEL_AXIS: u32 = 18;
/// A panel's lanes share about this many pixels, so that a model with one
/// OS thread per task (dozens of lanes) stays on the screen.
const LANES_HEIGHT: u32 = 160;

/// The most pixels a panel's lanes take, however many there are: a run
/// with thousands of OS threads draws them thinner than a pixel.
const MAX_LANES_HEIGHT: u32 = 480;

/// Height of the lanes of a panel of `lanes` lanes: [`LANE`] each for a
/// few lanes, less for many, 3 pixels each for a hundred and more, and
/// never over [`MAX_LANES_HEIGHT`].
fn lanes_height(lanes: u32) -> u32 {
    let lanes = lanes.max(1);
    (lanes * (LANES_HEIGHT / lanes).clamp(3, LANE)).min(MAX_LANES_HEIGHT)
}

/// A Gantt chart of recorded runs of one workload: a panel per model, one
/// lane per OS thread, one bar per poll, step or chunk, coloured by what ran
/// (the same task keeps its colour in every panel, so interleaving shows as
/// alternating colours on one lane, parallelism as bars side by side on
/// several). Computing is a full bar; a thread blocked waiting is a thin,
/// pale one; an empty lane had nothing to run. Every panel shares one time
/// axis, so the runs compare at a glance. `title` heads the chart.
pub(crate) fn timeline_chart(title: &str, panels: &[Panel<'_>]) -> Drawn<Option<String>> {
    let panels: Vec<&Panel<'_>> = panels
        .iter()
        .filter(|p| !p.trace.spans.is_empty())
        .collect();
    if panels.is_empty() {
        return Ok(None);
    }
    let end_ms = panels
        .iter()
        .flat_map(|p| p.trace.spans.iter().map(|s| s.end_ns))
        .max()
        .unwrap_or(1) as f64
        / 1e6;
    let end_ms = end_ms.max(1e-3) * 1.02;
    let last = panels.len() - 1;
    let heights: Vec<u32> = panels
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let lanes = p.trace.lanes.max(1);
            let desc = if i == last { 18 } else { 0 };
            PANEL_TITLE + PANEL_AXIS + desc + lanes_height(lanes)
        })
        .collect();
    let mut svg = String::new();
    {
        let head = 56;
        let total: u32 = heights.iter().sum::<u32>() + head + 8;
        let root = SVGBackend::with_string(&mut svg, (WIDTH, total)).into_drawing_area();
        root.fill(&WHITE)?;
        let (top, mut rest) = root.split_vertically(head);
        top.draw(&Text::new(
            clip(title, 90),
            (10, 8),
            (FONT, 16).into_font().color(&INK),
        ))?;
        timeline_legend(&top, 34)?;
        for (i, (panel, h)) in panels.iter().zip(&heights).enumerate() {
            let (area, below) = rest.split_vertically(*h);
            rest = below;
            gantt(&area, panel, end_ms, i == last)?;
        }
        root.present()?;
    }
    Ok(Some(svg))
}

/// The key of a timeline: a full bar computes, a thin pale one waits.
fn timeline_legend(area: &DrawingArea<SVGBackend<'_>, Shift>, y: i32) -> Drawn<()> {
    let c = PALETTE[0];
    let label =
        |x: i32, text: &str| Text::new(text.to_owned(), (x, y), (FONT, 12).into_font().color(&INK));
    area.draw(&Rectangle::new([(100, y), (130, y + 12)], c.filled()))?;
    area.draw(&label(136, "computing"))?;
    area.draw(&Rectangle::new(
        [(230, y + 4), (260, y + 8)],
        tint(c).filled(),
    ))?;
    area.draw(&label(266, "a thread blocked, waiting"))?;
    area.draw(&Rectangle::new([(430, y), (460, y + 12)], WHITE.filled()))?;
    area.draw(&Rectangle::new(
        [(430, y), (460, y + 12)],
        RGBColor(200, 200, 200).stroke_width(1),
    ))?;
    area.draw(&label(466, "empty: nothing ready to run"))?;
    Ok(())
}

/// Colour of a span: by what ran, so one task keeps its colour.
fn span_color(label: &str) -> RGBColor {
    // FNV-1a: a stable hash, so the same trace always gets the same colours.
    let h = label.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3)
    });
    PALETTE[(h % PALETTE.len() as u64) as usize]
}

/// A pale version of `c`, for waiting.
fn tint(c: RGBColor) -> RGBColor {
    let pale = |v: u8| v + ((255 - v) as f64 * 0.55) as u8;
    RGBColor(pale(c.0), pale(c.1), pale(c.2))
}

fn gantt(
    area: &DrawingArea<SVGBackend<'_>, Shift>,
    panel: &Panel<'_>,
    end_ms: f64,
    last: bool,
) -> Drawn<()> {
    let lanes = panel.trace.lanes.max(1) as usize;
    // Label every lane while 12-pixel labels fit, else every k-th.
    let lane_px = f64::from(lanes_height(lanes as u32)) / lanes as f64;
    let every = ((12.0 / lane_px).ceil() as usize).max(1);
    let spans = &panel.trace.spans[..panel.trace.spans.len().min(MAX_SPANS)];
    let mut chart = ChartBuilder::on(area)
        .caption(&panel.title, (FONT, 13))
        .margin_left(10)
        .margin_right(20)
        .x_label_area_size(PANEL_AXIS + if last { 18 } else { 0 })
        .y_label_area_size(80)
        .build_cartesian_2d(0.0..end_ms, 0.0..lanes as f64)?;
    chart
        .configure_mesh()
        .disable_y_mesh()
        .max_light_lines(1)
        .x_labels(10)
        .y_labels(0)
        .x_desc(if last { "time (ms)" } else { "" })
        .label_style((FONT, 10))
        .draw()?;
    // Lane `i` (thread i) is the band `top(i) - 1 .. top(i)`, thread 0 on top.
    let top = |lane: u32| (lanes - (lane as usize).min(lanes - 1)) as f64;
    use plotters::style::text_anchor::{HPos, Pos, VPos};
    let style = TextStyle::from((FONT, 10).into_font())
        .color(&INK)
        .pos(Pos::new(HPos::Right, VPos::Center));
    // Labels go in the label area, in pixels of `area`.
    let (bx, by) = area.get_base_pixel();
    for lane in (0..lanes).step_by(every) {
        let (x, y) = chart.backend_coord(&(0.0, top(lane as u32) - 0.5));
        area.draw(&Text::new(
            format!("thread {lane}"),
            (x - bx - 6, y - by),
            style.clone(),
        ))?;
    }
    // A poll of a few microseconds is still drawn a pixel and a half wide.
    let min_w = 1.5 * end_ms / f64::from(WIDTH);
    // A computing bar fills most of its lane; a wait is a thin band in it.
    let bar = |s: &crate::Span| {
        let (a, b) = (s.start_ns as f64 / 1e6, s.end_ns as f64 / 1e6);
        let color = span_color(&s.label);
        let (style, inset) = match s.kind {
            SpanKind::Compute => (color.filled(), 0.1),
            SpanKind::Wait => (tint(color).filled(), 0.36),
        };
        let t = top(s.lane);
        Rectangle::new([(a, t - inset), (b.max(a + min_w), t - 1.0 + inset)], style)
    };
    // Waits first, so a computing bar is never hidden under a wait.
    chart.draw_series(spans.iter().filter(|s| s.kind == SpanKind::Wait).map(bar))?;
    chart.draw_series(
        spans
            .iter()
            .filter(|s| s.kind == SpanKind::Compute)
            .map(bar),
    )?;
    Ok(())
}

#[cfg(test)]
mod test {
    use super::*;
    use crate::{LatenessStats, Span};

    pub(crate) fn cell(model: &str, threads: usize, status: Status, speedup: Option<f64>) -> Cell {
        Cell {
            workload: "mandelbrot".into(),
            class: crate::Class::Cpu,
            serial: false,
            role: if model == "sequential" {
                crate::Role::Baseline
            } else {
                crate::Role::Other
            },
            anchor: None,
            unit: String::new(),
            model: model.into(),
            concurrent: model.contains("tokio") || model == "interleave",
            parallel: model == "rayon" || model == "decompose",
            preemptive: false,
            threads,
            cores: if model == "rayon" || model == "decompose" {
                threads
            } else {
                1
            },
            size: 100,
            status,
            reason: (status == Status::Failed).then(|| "panicked: boom".into()),
            answer: "42".into(),
            reference: "42".into(),
            verified: status == Status::Ok,
            wall_ns: 1_000_000,
            wall_min_ns: 900_000,
            wall_max_ns: 1_200_000,
            cpu_ns: 1_000_000,
            speedup,
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

    #[test]
    fn speedup_marks_wrong_and_failed_cells() {
        let cells = [
            cell("sequential", 1, Status::Ok, Some(1.0)),
            cell("rayon", 2, Status::Ok, Some(1.9)),
            cell("decompose", 2, Status::Wrong, Some(2.1)),
            cell("interleave", 1, Status::Failed, None),
        ];
        let refs: Vec<&Cell> = cells.iter().collect();
        let svg = speedup_chart("mandelbrot", &refs).unwrap().unwrap();
        assert!(svg.starts_with("<svg"));
        assert!(svg.contains("WRONG"));
        assert!(svg.contains("FAILED: panicked: boom"));
        assert!(svg.contains("rayon ×2"));
        assert!(svg.matches("<rect").count() >= 4);
        assert!(speedup_chart("mandelbrot", &[]).unwrap().is_none());
    }

    #[test]
    fn speedup_labels_every_bar_of_a_thread_sweep() {
        let mut cells = vec![cell("sequential", 1, Status::Ok, Some(1.0))];
        for model in ["decompose", "rayon"] {
            for t in [1, 2, 4, 8, 16, 32, 64] {
                cells.push(cell(model, t, Status::Ok, Some(t as f64 * 0.8)));
            }
        }
        let refs: Vec<&Cell> = cells.iter().collect();
        let svg = speedup_chart("mandelbrot", &refs).unwrap().unwrap();
        for c in &cells[1..] {
            let label = format!(">\n{} ×{}\n<", c.model, c.threads);
            assert!(svg.contains(&label), "no label {label}");
        }
    }

    #[test]
    fn scaling_fits_each_parallel_model() {
        let cells = [
            cell("sequential", 1, Status::Ok, Some(1.0)),
            cell("rayon", 1, Status::Ok, Some(0.98)),
            cell("rayon", 2, Status::Ok, Some(1.8)),
            cell("decompose", 1, Status::Ok, Some(1.0)),
            cell("decompose", 2, Status::Failed, None),
        ];
        let refs: Vec<&Cell> = cells.iter().collect();
        let models = scaling(&refs, None);
        assert_eq!(models.len(), 2);
        assert_eq!(models[0].model, "rayon");
        // Two core counts: measured points, no fit, and the run that would allow one.
        assert!(models[0].fit.is_none());
        assert!(
            models[0]
                .no_fit
                .as_deref()
                .unwrap()
                .contains("--threads 1,2,4"),
            "{:?}",
            models[0].no_fit
        );
        assert!(models[1].fit.is_none());
        assert_eq!(models[1].missing, vec![(2, Status::Failed)]);
        let svg = scaling_chart("mandelbrot", &models).unwrap().unwrap();
        assert!(!svg.contains("predicts"));
        assert!(svg.contains("measured only (a fit needs 3 core counts)"));

        let mut sweep = vec![cell("sequential", 1, Status::Ok, Some(1.0))];
        for (t, s) in [(1, 0.98), (2, 1.9), (4, 3.5)] {
            sweep.push(cell("rayon", t, Status::Ok, Some(s)));
        }
        let refs: Vec<&Cell> = sweep.iter().collect();
        let models = scaling(&refs, None);
        let fit = models[0].fit.expect("three core counts carry a fit");
        assert!(fit.rms_error < 0.1, "{fit:?}");
        let svg = scaling_chart("mandelbrot", &models).unwrap().unwrap();
        assert!(
            svg.contains("predicts") && svg.contains("<polygon"),
            "a band"
        );
    }

    #[test]
    fn memory_bound_scaling_draws_the_bandwidth_ceiling_not_amdahl() {
        let mut cells = vec![cell("sequential", 1, Status::Ok, Some(1.0))];
        for (t, s) in [(1, 1.0), (2, 1.3), (4, 1.5)] {
            cells.push(cell("rayon", t, Status::Ok, Some(s)));
        }
        for c in &mut cells {
            c.class = Class::Memory;
        }
        let bw = Bandwidth {
            array_bytes: 1 << 26,
            triad: [(1, 10e9), (2, 14e9), (4, 15e9)]
                .map(|(threads, bytes_per_s)| crate::Triad {
                    threads,
                    bytes_per_s,
                })
                .to_vec(),
        };
        let refs: Vec<&Cell> = cells.iter().collect();
        let models = scaling(&refs, Some(&bw));
        assert!(models[0].fit.is_none());
        assert_eq!(models[0].no_fit.as_deref(), Some(MEMORY_BOUND));
        assert_eq!(models[0].ceiling.len(), 3);
        assert!((models[0].ceiling[2].1 - 1.5).abs() < 1e-9);
        let svg = scaling_chart("sum", &models).unwrap().unwrap();
        assert!(svg.contains("memory-bandwidth ceiling"));
        assert!(!svg.contains("predicts"));
    }

    #[test]
    fn lateness_and_timeline_draw() {
        let mut c = cell("interleave", 1, Status::Ok, Some(1.0));
        c.lateness = Some(LatenessStats {
            count: 100,
            p50_ns: 20_000,
            p99_ns: 2_000_000,
            max_ns: 30_000_000,
        });
        let na = cell("threads", 1, Status::NotApplicable, None);
        let svg = lateness_chart("probe", &[&c, &na]).unwrap().unwrap();
        assert!(svg.contains("p99 2.0 ms"));
        assert!(lateness_chart("probe", &[&na]).unwrap().is_none());

        let trace = Trace {
            lanes: 2,
            spans: (0..8)
                .map(|i| Span {
                    lane: i % 2,
                    label: format!("task {}", i / 2),
                    start_ns: 100_000 * u64::from(i),
                    end_ns: 100_000 * u64::from(i) + 90_000,
                    kind: if i % 4 == 0 {
                        SpanKind::Wait
                    } else {
                        SpanKind::Compute
                    },
                })
                .collect(),
        };
        let svg = timeline_chart(
            "fanout at 4 tasks",
            &[Panel {
                title: "decompose ×2".into(),
                trace: &trace,
            }],
        )
        .unwrap()
        .unwrap();
        assert!(svg.contains("thread 1"));
        assert!(svg.contains("fanout at 4 tasks"));
        assert!(svg.matches("<rect").count() >= 8);
        // Waiting is drawn pale, computing in the task's colour.
        let wait = tint(span_color("task 0"));
        let hex = format!("#{:02X}{:02X}{:02X}", wait.0, wait.1, wait.2);
        assert!(svg.contains(&hex), "no pale bar {hex}");

        // Thousands of OS threads stay one screen high, labelled sparsely.
        let many = Trace {
            lanes: 5000,
            spans: (0..5000)
                .map(|i| Span {
                    lane: i,
                    label: format!("task {i}"),
                    start_ns: 0,
                    end_ns: 1_000_000,
                    kind: SpanKind::Wait,
                })
                .collect(),
        };
        let svg = timeline_chart(
            "threads",
            &[Panel {
                title: "threads".into(),
                trace: &many,
            }],
        )
        .unwrap()
        .unwrap();
        let height: u32 = svg[svg.find("height=\"").unwrap() + 8..]
            .split('"')
            .next()
            .unwrap()
            .parse()
            .unwrap();
        assert!(height < 700, "{height} px tall");
        let labels = svg.matches(">\nthread ").count();
        assert!((10..=60).contains(&labels), "{labels} lane labels");
    }
}

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
use crate::{Cell, Status, Trace};

type Drawn<T> = Result<T, Box<dyn StdError>>;

/// Font family of every label.
const FONT: &str = "sans-serif";
/// Width of every chart, in pixels: fits two columns of a laptop screen.
const WIDTH: u32 = 760;
/// Height of one row of a bar or dot chart.
const ROW: u32 = 26;
/// Height of one lane of a timeline.
const LANE: u32 = 30;
/// Timelines draw at most this many spans per run; the rest would be
/// sub-pixel slivers that only make the file heavy. The page says so.
pub(crate) const MAX_SPANS: usize = 20_000;

const WRONG: RGBColor = RGBColor(214, 39, 40);
const GREY: RGBColor = RGBColor(127, 127, 127);
const INK: RGBColor = RGBColor(40, 40, 40);
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
fn missing(cell: &Cell, default_why: &str) -> (String, RGBColor) {
    let color = if cell.status == Status::NotApplicable {
        GREY
    } else {
        WRONG
    };
    let why = cell.reason.as_deref().unwrap_or(default_why);
    (clip(&format!("{}: {why}", cell.status.label()), 70), color)
}

fn clip(s: &str, max: usize) -> String {
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
    /// The fitted serial fraction, when the points allow one.
    pub(crate) fit: Option<AmdahlFit>,
}

/// Groups a workload's parallel cells by model and fits each.
pub(crate) fn scaling(cells: &[&Cell]) -> Vec<Scaling> {
    let mut by_model: BTreeMap<usize, Scaling> = BTreeMap::new();
    let mut order: Vec<&str> = Vec::new();
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
        s.fit = fit_amdahl(&s.points);
    }
    out
}

/// Speedup against cores for each parallel model of a workload, on log-log
/// axes from 1 to 64 cores: measured points joined by a solid line, the
/// fitted Amdahl curve dashed across the whole range with its predictions
/// at 16 and 64 cores marked, and ideal (linear) scaling in grey.
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
        .flat_map(|m| m.points.iter().chain(&m.wrong))
        .map(|p| p.1);
    let y_lo = all.clone().fold(1.0f64, f64::min) / 1.5;
    let y_hi = max_p * 1.5;
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (WIDTH, 420)).into_drawing_area();
        root.fill(&WHITE)?;
        let mut chart = ChartBuilder::on(&root)
            .caption(format!("{workload}: scaling and Amdahl's fit"), (FONT, 18))
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

        for (i, m) in models.iter().enumerate() {
            let color = PALETTE[(i + 1) % PALETTE.len()];
            let label = match &m.fit {
                Some(f) => format!(
                    "{}: f = {:.3}, predicts {} at 16, {} at 64 cores",
                    m.model,
                    f.serial_fraction,
                    fmt_ratio(f.at_16),
                    fmt_ratio(f.at_64)
                ),
                None => format!("{}: too few points to fit", m.model),
            };
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
                let curve: Vec<(f64, f64)> = (0..=60)
                    .map(|k| 2f64.powf(k as f64 / 10.0))
                    .map(|p| (p, 1.0 / (f.serial_fraction + (1.0 - f.serial_fraction) / p)))
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

/// A Gantt chart of recorded runs of one workload: a panel per model, one
/// lane per OS thread, one bar per poll or chunk, coloured by what ran
/// (the same task keeps its colour, so interleaving shows as alternating
/// colours on one lane, parallelism as bars side by side on several). Every
/// panel shares one time axis, so the runs compare at a glance.
pub(crate) fn timeline_chart(workload: &str, panels: &[Panel<'_>]) -> Drawn<Option<String>> {
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
    let heights: Vec<u32> = panels
        .iter()
        .map(|p| 70 + LANE * p.trace.lanes.max(1))
        .collect();
    let mut svg = String::new();
    {
        let total: u32 = heights.iter().sum::<u32>() + 40;
        let root = SVGBackend::with_string(&mut svg, (WIDTH, total)).into_drawing_area();
        root.fill(&WHITE)?;
        let (title, mut rest) = root.split_vertically(40);
        title.titled(
            &format!("{workload}: what ran when, one lane per OS thread"),
            (FONT, 18),
        )?;
        for (panel, h) in panels.iter().zip(&heights) {
            let (area, below) = rest.split_vertically(*h);
            rest = below;
            gantt(&area, panel, end_ms)?;
        }
        root.present()?;
    }
    Ok(Some(svg))
}

/// Colour of a span: by what ran, so one task keeps its colour.
fn span_color(label: &str) -> RGBColor {
    // FNV-1a: a stable hash, so the same trace always gets the same colours.
    let h = label.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3)
    });
    PALETTE[(h % PALETTE.len() as u64) as usize]
}

fn gantt(area: &DrawingArea<SVGBackend<'_>, Shift>, panel: &Panel<'_>, end_ms: f64) -> Drawn<()> {
    let lanes = panel.trace.lanes.max(1) as usize;
    let spans = &panel.trace.spans[..panel.trace.spans.len().min(MAX_SPANS)];
    let mut chart = ChartBuilder::on(area)
        .caption(&panel.title, (FONT, 14))
        .margin_left(10)
        .margin_right(20)
        .x_label_area_size(34)
        .y_label_area_size(90)
        .build_cartesian_2d(0.0..end_ms, (0..lanes).into_segmented())?;
    chart
        .configure_mesh()
        .disable_y_mesh()
        .max_light_lines(1)
        .x_desc("time (ms)")
        .y_label_formatter(&|v| match v {
            SegmentValue::CenterOf(i) if *i < lanes => format!("thread {}", lanes - 1 - i),
            _ => String::new(),
        })
        .label_style((FONT, 11))
        .draw()?;
    chart.draw_series(spans.iter().map(|s| {
        let lane = lanes - 1 - (s.lane as usize).min(lanes - 1);
        let (a, b) = (s.start_ns as f64 / 1e6, s.end_ns as f64 / 1e6);
        // A poll of a few microseconds is still drawn two pixels wide.
        let b = b.max(a + 2.0 * end_ms / f64::from(WIDTH));
        let mut r = Rectangle::new(
            [
                (a, SegmentValue::Exact(lane)),
                (b, SegmentValue::Exact(lane + 1)),
            ],
            span_color(&s.label).filled(),
        );
        r.set_margin(4, 4, 0, 0);
        r
    }))?;
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
        let models = scaling(&refs);
        assert_eq!(models.len(), 2);
        assert_eq!(models[0].model, "rayon");
        assert!(models[0].fit.is_some());
        assert!(models[1].fit.is_none());
        assert_eq!(models[1].missing, vec![(2, Status::Failed)]);
        let svg = scaling_chart("mandelbrot", &models).unwrap().unwrap();
        assert!(svg.contains("predicts"));
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
                })
                .collect(),
        };
        let svg = timeline_chart(
            "fanout",
            &[Panel {
                title: "decompose ×2".into(),
                trace: &trace,
            }],
        )
        .unwrap()
        .unwrap();
        assert!(svg.contains("thread 1"));
        assert!(svg.matches("<rect").count() >= 8);
    }
}

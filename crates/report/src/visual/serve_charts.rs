//! Servers under load on the page: the serve cells of a comparison (one
//! offered rate per model) as latency dots and a table, and a whole sweep
//! of offered load (`cvp serve-sweep`) as a page of its own — latency
//! against offered load per mix, each model's throughput at the p99
//! objective, the verdicts.

use std::error::Error as StdError;
use std::fmt::Write as _;

use plotters::coord::ranged1d::SegmentValue;
use plotters::prelude::*;

use super::charts::{
    clip, fmt_ns, kind_color, missing, row_label, FONT, GREY, INK, ROW, WIDTH, WRONG,
};
use super::html::{cell_anchor, esc, figure, section_anchor, verdict_item, Figure};
use crate::serve::{knee, placement, MixSweep, ServeSweep, KEPT_UP};
use crate::{Cell, ServeStats};

type Drawn<T> = Result<T, Box<dyn StdError>>;

/// What the serve-cell chart shows.
pub(crate) const SERVE_CELL_CAPTION: &str =
    "Latency of each model's server at the one offered rate, counted from when each \
     request was due (open loop): ● p50, ▲ p99, ✕ p99.9, on a log axis. A hollow dot: \
     the generator sent late (lag p99 over 1 ms), so the point is unreliable; red: \
     requests failed (counted in the table).";

/// p50, p99 and p99.9 of each serve cell of a workload, one row per model.
pub(crate) fn serve_cell_chart(workload: &str, cells: &[&Cell]) -> Drawn<Option<String>> {
    let stats: Vec<&ServeStats> = cells.iter().filter_map(|c| c.serve.as_ref()).collect();
    let Some(first) = stats.first() else {
        return Ok(None);
    };
    let ms = |ns: u64| (ns as f64 / 1e6).max(0.001);
    let lo = stats
        .iter()
        .map(|s| ms(s.p50_ns))
        .fold(f64::INFINITY, f64::min)
        / 2.0;
    let hi = stats.iter().map(|s| ms(s.p999_ns)).fold(0.01, f64::max) * 8.0;
    let n = cells.len();
    let mut svg = String::new();
    {
        let root =
            SVGBackend::with_string(&mut svg, (WIDTH, 110 + ROW * n as u32)).into_drawing_area();
        root.fill(&WHITE)?;
        let mut chart = ChartBuilder::on(&root)
            .caption(
                format!(
                    "{workload}: latency at {:.0} req/s offered, {} connections",
                    first.offered_rps, first.connections
                ),
                (FONT, 18),
            )
            .margin(10)
            .x_label_area_size(40)
            .y_label_area_size(170)
            .build_cartesian_2d((lo..hi).log_scale(), (0..n).into_segmented())?;
        chart
            .configure_mesh()
            .disable_y_mesh()
            .x_desc("latency from due time (log scale):  ● p50   ▲ p99   ✕ p99.9")
            .x_label_formatter(&|v| fmt_ns(*v * 1e6))
            .y_label_formatter(&|v| match v {
                SegmentValue::CenterOf(i) if *i < n => clip(&row_label(cells[n - 1 - i]), 24),
                _ => String::new(),
            })
            .label_style((FONT, 12))
            .draw()?;
        for (i, cell) in cells.iter().enumerate() {
            let y = SegmentValue::CenterOf(n - 1 - i);
            let Some(s) = &cell.serve else {
                let (text, color) = missing(cell, "no point measured");
                chart.draw_series([Text::new(
                    text,
                    (lo * 1.1, y.clone()),
                    (FONT, 12).into_font().color(&color),
                )])?;
                continue;
            };
            let failed = s.failed() > 0;
            let color = if failed {
                WRONG
            } else {
                kind_color(cell.concurrent, cell.parallel)
            };
            let dot = if s.unreliable.is_some() {
                color.stroke_width(2)
            } else {
                color.filled()
            };
            chart.draw_series([PathElement::new(
                [(ms(s.p50_ns), y.clone()), (ms(s.p999_ns), y.clone())],
                color.stroke_width(2),
            )])?;
            chart.draw_series([Circle::new((ms(s.p50_ns), y.clone()), 5, dot)])?;
            chart.draw_series([TriangleMarker::new(
                (ms(s.p99_ns), y.clone()),
                6,
                color.filled(),
            )])?;
            chart.draw_series([Cross::new(
                (ms(s.p999_ns), y.clone()),
                6,
                color.stroke_width(2),
            )])?;
            let mut text = format!(
                "p99 {}, {:.0} req/s",
                fmt_ns(s.p99_ns as f64),
                s.achieved_rps
            );
            if failed {
                let _ = write!(text, ", {} failed", s.failed());
            }
            if s.unreliable.is_some() {
                text.push_str(", unreliable");
            }
            chart.draw_series([Text::new(
                text,
                (ms(s.p999_ns) * 1.15, y.clone()),
                (FONT, 11)
                    .into_font()
                    .color(if failed { &WRONG } else { &INK }),
            )])?;
        }
        root.present()?;
    }
    Ok(Some(svg))
}

/// The serve cells' table: the point each ran, where it ran.
pub(crate) fn serve_table(out: &mut String, cells: &[&Cell]) {
    let serve: Vec<(&Cell, &ServeStats)> = cells
        .iter()
        .filter_map(|c| c.serve.as_ref().map(|s| (*c, s)))
        .collect();
    if serve.is_empty() {
        return;
    }
    out.push_str(
        "<h3>Under load</h3><div class=\"scroll\"><table class=\"serve\"><thead><tr><th>model</th>\
         <th>offered</th><th>achieved</th><th>p50</th><th>p99</th><th>p99.9</th><th>failed</th>\
         <th>lag p99</th><th>CPUs</th></tr></thead><tbody>\n",
    );
    for (c, s) in serve {
        let _ = writeln!(
            out,
            "<tr class=\"{}\"><td>{}</td><td>{:.0}</td><td>{:.0}</td><td>{}</td><td>{}</td><td>{}</td>\
             <td>{}</td><td>{}{}</td><td class=\"place\">{}</td></tr>",
            if s.failed() > 0 { "bad" } else { "" },
            esc(&row_label(c)),
            s.offered_rps,
            s.achieved_rps,
            fmt_ns(s.p50_ns as f64),
            fmt_ns(s.p99_ns as f64),
            fmt_ns(s.p999_ns as f64),
            s.failed(),
            fmt_ns(s.lag_p99_ns as f64),
            if s.unreliable.is_some() { " unreliable" } else { "" },
            esc(&placement(s)),
        );
    }
    out.push_str("</tbody></table></div>\n");
}

/// Each model's throughput at the p99 objective, with its knee's bracket
/// and its capacity.
pub(crate) fn throughput_chart(m: &MixSweep, objective_ns: u64) -> Drawn<Option<String>> {
    let n = m.curves.len();
    if n == 0 || m.curves.iter().all(|c| c.points.is_empty()) {
        return Ok(None);
    }
    let x_hi = m
        .curves
        .iter()
        .flat_map(|c| {
            c.points
                .iter()
                .map(|p| p.offered_rps)
                .chain([c.capacity_rps])
        })
        .fold(1.0, f64::max)
        * 1.25;
    let mut svg = String::new();
    {
        let root =
            SVGBackend::with_string(&mut svg, (WIDTH, 110 + ROW * n as u32)).into_drawing_area();
        root.fill(&WHITE)?;
        let mut chart = ChartBuilder::on(&root)
            .caption(
                format!(
                    "{}: requests/s served with p99 under {}",
                    m.mix,
                    fmt_ns(objective_ns as f64)
                ),
                (FONT, 18),
            )
            .margin(10)
            .x_label_area_size(40)
            .y_label_area_size(170)
            .build_cartesian_2d(0.0..x_hi, (0..n).into_segmented())?;
        chart
            .configure_mesh()
            .disable_y_mesh()
            .x_desc("requests/s:  bar at the objective, whisker its bracket, | capacity")
            .x_label_formatter(&|v| format!("{v:.0}"))
            .y_label_formatter(&|v| match v {
                SegmentValue::CenterOf(i) if *i < n => {
                    let c = &m.curves[n - 1 - i];
                    clip(
                        &if c.parallel {
                            format!("{} ×{}", c.model, c.threads)
                        } else {
                            c.model.clone()
                        },
                        24,
                    )
                }
                _ => String::new(),
            })
            .label_style((FONT, 12))
            .draw()?;
        for (i, c) in m.curves.iter().enumerate() {
            let row = n - 1 - i;
            let mid = SegmentValue::CenterOf(row);
            let color = kind_color(c.concurrent, c.parallel);
            let Some(k) = knee(c, objective_ns) else {
                let why = c.failed.clone().unwrap_or_else(|| {
                    format!(
                        "none: p99 over {} from the lowest rate offered",
                        fmt_ns(objective_ns as f64)
                    )
                });
                chart.draw_series([Text::new(
                    clip(&why, 70),
                    (x_hi * 0.01, mid.clone()),
                    (FONT, 12).into_font().color(&GREY),
                )])?;
                if c.capacity_rps > 0.0 {
                    capacity_tick(&mut chart, row, c.capacity_rps)?;
                }
                continue;
            };
            chart.draw_series([Rectangle::new(
                [
                    (0.0, SegmentValue::Exact(row)),
                    (k.at, SegmentValue::Exact(row + 1)),
                ],
                color.mix(0.8).filled(),
            )])?;
            let whisker_hi = k.high.unwrap_or(k.at);
            chart.draw_series([PathElement::new(
                [(k.low, mid.clone()), (whisker_hi, mid.clone())],
                INK.stroke_width(2),
            )])?;
            capacity_tick(&mut chart, row, c.capacity_rps)?;
            chart.draw_series([Text::new(
                format!("{:.0}", k.at),
                (whisker_hi.max(c.capacity_rps) + x_hi * 0.01, mid.clone()),
                (FONT, 11).into_font().color(&INK),
            )])?;
        }
        root.present()?;
    }
    Ok(Some(svg))
}

type SegChart<'a, 'b> = ChartContext<
    'a,
    SVGBackend<'b>,
    Cartesian2d<
        plotters::coord::types::RangedCoordf64,
        plotters::coord::ranged1d::SegmentedCoord<plotters::coord::types::RangedCoordusize>,
    >,
>;

fn capacity_tick(chart: &mut SegChart<'_, '_>, row: usize, x: f64) -> Drawn<()> {
    chart.draw_series([PathElement::new(
        [
            (x, SegmentValue::Exact(row)),
            (x, SegmentValue::Exact(row + 1)),
        ],
        INK.stroke_width(2),
    )])?;
    Ok(())
}

/// The caption of a mix's throughput chart.
fn throughput_caption(objective_ns: u64) -> String {
    format!(
        "Bar: the highest offered rate at which the model kept p99 under {} with every request \
         answered right and at least {:.0}% of the rate served, every lower rate it was offered \
         meeting it too (points where the generator lagged left out). Whisker: the knee's \
         bracket, from the rate reached when each point is judged on the highest p99 it has \
         with any fifth of it left out, to the first rate missed even on the lowest. Tick: its capacity, the rate it achieved when \
         offered far more.",
        fmt_ns(objective_ns as f64),
        KEPT_UP * 100.0
    )
}

/// The caption of a mix's latency chart: what it draws, and where the
/// servers and the generator ran.
fn latency_caption(m: &MixSweep, objective_ns: u64) -> String {
    let places = crate::serve::placements(m);
    format!(
        "p50, p99 and p99.9 latency (log axis, counted from when each request was due) against \
         the offered rate, one line per model; a hollow marker: the generator lagged and the \
         point is left out of the claims; dashed: the p99 objective, {}. A line ends where the \
         model was far past its knee. CPUs: {}.",
        fmt_ns(objective_ns as f64),
        places.join("; ")
    )
}

/// The figures of a sweep, per mix: its latency curves and its throughput
/// at the objective.
pub(crate) fn sweep_figures(sweep: &ServeSweep) -> Drawn<Vec<Vec<Figure>>> {
    let obj = sweep.objective_p99_ns;
    let mut out = Vec::new();
    for m in &sweep.mixes {
        let mut figs = Vec::new();
        if let Some(svg) = crate::serve::latency_chart(m, obj)? {
            figs.push(Figure {
                file: format!("serve-{}.svg", m.mix),
                caption: latency_caption(m, obj),
                svg,
            });
        }
        if let Some(svg) = throughput_chart(m, obj)? {
            figs.push(Figure {
                file: format!("throughput-{}.svg", m.mix),
                caption: throughput_caption(obj),
                svg,
            });
        }
        out.push(figs);
    }
    Ok(out)
}

/// The anchor of a sweep's curve, as its verdicts name it
/// (`serve-MIX/MODEL/THREADS`).
fn curve_label(mix: &str, model: &str, threads: usize) -> String {
    format!("serve-{mix}/{model}/{threads}")
}

/// The page of a sweep.
pub(crate) fn sweep_page(sweep: &ServeSweep, figures: &[Vec<Figure>]) -> String {
    let obj = fmt_ns(sweep.objective_p99_ns as f64);
    let m = &sweep.machine;
    let points: usize = sweep
        .mixes
        .iter()
        .flat_map(|x| &x.curves)
        .map(|c| c.points.len())
        .sum();
    let mut body = String::new();
    let _ = writeln!(
        body,
        "<header><h1>cvp: servers under load</h1>\
         <p class=\"machine\">{} · {} cores · {}</p>\
         <p class=\"settings\"><code>{}</code> · {} points in {:.0} s · p99 objective {obj}</p></header>",
        esc(&m.cpu_model),
        m.cores,
        esc(&m.os),
        esc(&sweep.command),
        points,
        sweep.elapsed_s,
    );
    let verdicts: Vec<String> = sweep
        .mixes
        .iter()
        .flat_map(|x| &x.verdicts)
        .map(|v| format!("{}: {}", v.judgement.label(), v.text))
        .collect();
    let _ = writeln!(
        body,
        "<section class=\"intro\" id=\"intro\"><h2>Latency against offered load</h2>\
         <p>Every model's HTTP/1.1 server runs the same handler on loopback. An open-loop generator \
         sends requests at a set rate over keep-alive connections and counts each request's \
         latency from when it was due, so a stalled server is not excused. Each mix's rates run \
         from a tenth of the best model's capacity to past it.</p>\
         <p class=\"lesson\">{} claim{} checked, {} holding, across {} mix{}.</p></section>",
        verdicts.len(),
        if verdicts.len() == 1 { "" } else { "s" },
        sweep
            .mixes
            .iter()
            .flat_map(|x| &x.verdicts)
            .filter(|v| v.holds == Some(true))
            .count(),
        sweep.mixes.len(),
        if sweep.mixes.len() == 1 { "" } else { "es" }
    );
    body.push_str("<nav>Mixes: ");
    for x in &sweep.mixes {
        let _ = write!(
            body,
            "<a href=\"#{}\">{}</a> ",
            section_anchor(&format!("serve-{}", x.mix)),
            esc(&x.mix)
        );
    }
    body.push_str("</nav>\n");
    for (x, figs) in sweep.mixes.iter().zip(figures) {
        let _ = writeln!(
            body,
            "<section class=\"workload\" id=\"{}\"><h2>{} <span class=\"class\">{}</span></h2>",
            section_anchor(&format!("serve-{}", x.mix)),
            esc(&x.mix),
            esc(&x.description)
        );
        if !x.verdicts.is_empty() {
            body.push_str("<ul class=\"verdicts\">\n");
            x.verdicts.iter().for_each(|v| verdict_item(&mut body, v));
            body.push_str("</ul>\n");
        }
        body.push_str("<div class=\"row\"><div class=\"figures\">\n");
        if figs.is_empty() {
            body.push_str("<p class=\"none\">nothing to chart: no model has a point.</p>\n");
        }
        for f in figs {
            figure(&mut body, f);
        }
        body.push_str("</div><aside>\n<h3>Models</h3>\n");
        curve_table(&mut body, x, sweep.objective_p99_ns);
        body.push_str("</aside></div></section>\n");
    }
    super::html::TEMPLATE
        .replace("{{TITLE}}", "cvp: servers under load")
        .replace("{{PAGE}}", "serve")
        .replace("{{DATA}}", "serve.json")
        .replace("{{BODY}}", &body)
        .replace("{{CELLS}}", &points.to_string())
}

fn curve_table(out: &mut String, m: &MixSweep, objective_ns: u64) {
    let _ = writeln!(
        out,
        "<div class=\"scroll\"><table class=\"serve\"><thead><tr><th>model</th><th>capacity</th>\
         <th>at p99 ≤ {}</th><th>bracket</th><th>unreliable</th><th>CPUs</th></tr></thead><tbody>",
        fmt_ns(objective_ns as f64)
    );
    for c in &m.curves {
        let k = knee(c, objective_ns);
        let note = c.failed.as_deref().or(c.stopped.as_deref()).unwrap_or("");
        let _ = writeln!(
            out,
            "<tr id=\"{}\"><td>{}</td><td>{:.0}</td><td>{}</td><td>{}</td><td>{}</td>\
             <td class=\"place\" title=\"{}\">{}</td></tr>",
            cell_anchor(&curve_label(&m.mix, &c.model, c.threads)),
            esc(&c.model),
            c.capacity_rps,
            k.map_or("—".into(), |k| format!("{:.0}", k.at)),
            k.map_or("—".into(), |k| format!(
                "{:.0}–{}",
                k.low,
                k.high.map_or("".into(), |h| format!("{h:.0}"))
            )),
            c.unreliable(),
            esc(note),
            c.points.first().map_or("—".into(), |p| esc(&placement(p))),
        );
    }
    out.push_str("</tbody></table></div>\n");
    let fifths = m
        .curves
        .iter()
        .flat_map(|c| c.points.iter())
        .any(|p| !p.p99_leave_one_out_ns.is_empty());
    if !fifths {
        out.push_str("<p class=\"none\">No point kept its fifths apart: the brackets come from the rates offered alone.</p>\n");
    }
}

//! The summary a glance can read: one workload × model grid of speedup over
//! sequential, as an HTML table (it reads without scripts, links natively
//! and prints).
//!
//! Rows are workloads grouped by class, columns the models in registry
//! order. A square holds the cell's median speedup, coloured on a log scale
//! (green faster than sequential, brown slower); its title gives the noise
//! band, the min..max envelope over every run of the cell and of
//! sequential (slowest sequential run over fastest cell run, and the other
//! way round). A square whose envelope holds 1× is outlined dotted: too
//! noisy to call faster or slower. A wrong answer, a failure, a timeout and
//! n/a are written in the square, never coloured as a speedup. Every square
//! links to its cell's row in its workload's section.

use std::fmt::Write as _;

use super::charts::{fmt_ns, fmt_ratio};
use super::html::{cell_anchor, esc, section_anchor};
use crate::{Cell, Class, Report, Role, Status};

/// What a class is about, in a few words, for the grid's group rows.
pub(crate) fn class_blurb(class: Class) -> &'static str {
    match class {
        Class::Cpu => "bound by computation: parallelism's home",
        Class::Memory => "bound by memory bandwidth, not by cores",
        Class::Io => "bound by waiting: concurrency's home",
        Class::Mixed => "waiting, then computing: needs both",
        Class::Probe => "responsiveness while other work runs",
    }
}

/// The cell a square shows: the model's largest thread count on that
/// workload (a model that ignores `--threads` ran at one).
fn square<'a>(report: &'a Report, workload: &str, model: &str) -> Option<&'a Cell> {
    report
        .cells
        .iter()
        .filter(|c| c.workload == workload && c.model == model)
        .max_by_key(|c| c.threads)
}

/// The min..max envelope of `cell`'s speedup over every run of it and of
/// the baseline: the slowest baseline run over the fastest run of the cell,
/// and the fastest over the slowest.
pub(crate) fn envelope(report: &Report, cell: &Cell) -> Option<(f64, f64)> {
    let base = report.cells.iter().find(|c| {
        c.workload == cell.workload
            && c.size == cell.size
            && c.role == Role::Baseline
            && c.status == Status::Ok
    })?;
    let ok = |v: u64| v > 0;
    if !(ok(base.wall_min_ns)
        && ok(base.wall_max_ns)
        && ok(cell.wall_min_ns)
        && ok(cell.wall_max_ns))
    {
        return None;
    }
    let lo = base.wall_min_ns as f64 / cell.wall_max_ns as f64;
    let hi = base.wall_max_ns as f64 / cell.wall_min_ns as f64;
    (lo.is_finite() && hi.is_finite()).then_some((lo, hi))
}

/// The background of a speedup: white at 1×, greener up to `top`, browner
/// down to `1 / bottom`, on a log scale.
fn shade(speedup: f64, top: f64, bottom: f64) -> String {
    let (t, (r, g, b)) = if speedup >= 1.0 {
        (speedup.ln() / top.ln().max(1e-9), (26, 152, 80))
    } else {
        ((1.0 / speedup).ln() / bottom.ln().max(1e-9), (191, 129, 45))
    };
    let t = t.clamp(0.0, 1.0) * 0.85;
    let mix = |c: u8| (255.0 - (255.0 - f64::from(c)) * t).round() as u8;
    format!("rgb({},{},{})", mix(r), mix(g), mix(b))
}

/// The grid, or an empty string for a report without cells.
pub(crate) fn heatmap(report: &Report, models: &[&str]) -> String {
    let mut workloads: Vec<(&str, Class)> = Vec::new();
    for c in &report.cells {
        if !workloads.iter().any(|(w, _)| *w == c.workload) {
            workloads.push((&c.workload, c.class));
        }
    }
    if workloads.is_empty() {
        return String::new();
    }
    // Classes in their order (cpu, memory, io, mixed, probe); workloads in
    // report order within each.
    workloads.sort_by_key(|(_, class)| *class);
    let speedups: Vec<f64> = report
        .cells
        .iter()
        .filter(|c| c.status == Status::Ok && c.role != Role::Baseline)
        .filter_map(|c| c.speedup)
        .filter(|s| s.is_finite() && *s > 0.0)
        .collect();
    let top = speedups.iter().copied().fold(2.0f64, f64::max);
    let bottom = speedups
        .iter()
        .copied()
        .map(|s| 1.0 / s)
        .fold(2.0f64, f64::max);

    let mut out = String::new();
    let _ = write!(
        out,
        "<div class=\"scroll\"><table class=\"heatmap\" data-workloads=\"{}\" data-models=\"{}\">\
         <thead><tr><th>workload</th>",
        workloads.len(),
        models.len()
    );
    for m in models {
        let any = report.cells.iter().find(|c| c.model == *m);
        let kind = any.map_or("seq", |c| match (c.concurrent, c.parallel) {
            (false, false) => "seq",
            (true, false) => "conc",
            (false, true) => "par",
            (true, true) => "both",
        });
        let _ = write!(out, "<th class=\"model {kind}\">{}</th>", esc(m));
    }
    out.push_str("</tr></thead><tbody>\n");
    let mut class = None;
    for (w, c) in &workloads {
        if class != Some(*c) {
            class = Some(*c);
            let _ = writeln!(
                out,
                "<tr class=\"group\"><th colspan=\"{}\">{} <span>{}</span></th></tr>",
                models.len() + 1,
                c.name(),
                class_blurb(*c)
            );
        }
        let _ = write!(
            out,
            "<tr data-workload=\"{0}\"><th><a href=\"#{1}\">{0}</a></th>",
            esc(w),
            section_anchor(w)
        );
        for m in models {
            match square(report, w, m) {
                None => out.push_str("<td class=\"none\" title=\"not run\">–</td>"),
                Some(cell) => square_html(&mut out, report, cell, top, bottom),
            }
        }
        out.push_str("</tr>\n");
    }
    out.push_str("</tbody></table></div>\n");
    let swatch = |s: f64| {
        format!(
            "<span class=\"sq\" style=\"background:{}\">{}</span>",
            shade(s, top, bottom),
            fmt_ratio(s)
        )
    };
    let _ = writeln!(
        out,
        "<p class=\"key\">Median speedup over sequential at each model's largest thread count: \
         {} {} {} {} · <span class=\"sq noisy\">dotted</span> its runs' min..max envelope holds 1× \
         (hover a square for the band) · <span class=\"sq wrong\">WRONG</span> answer · \
         <span class=\"sq bad\">FAILED</span> or <span class=\"sq bad\">TIMEOUT</span> · \
         <span class=\"sq na\">n/a</span> · each square links to its cell.</p>",
        swatch(1.0 / bottom.min(10.0)),
        swatch(1.0),
        swatch(top.sqrt().max(1.5)),
        swatch(top),
    );
    out
}

fn square_html(out: &mut String, report: &Report, cell: &Cell, top: f64, bottom: f64) {
    let at = if cell.threads > 1 {
        format!(" ×{}", cell.threads)
    } else {
        String::new()
    };
    let who = format!("{} on {}{at}", cell.workload, cell.model);
    let href = cell_anchor(&cell.label());
    let (class, text, title, style) = match (cell.status, cell.speedup) {
        (Status::Ok, Some(s)) if s.is_finite() && s > 0.0 => {
            let band = envelope(report, cell);
            let noisy =
                cell.role != Role::Baseline && band.is_some_and(|(lo, hi)| lo < 1.0 && hi > 1.0);
            let band_text = band.map_or_else(
                || "no envelope: a run time is missing".to_owned(),
                |(lo, hi)| format!("all runs: {} to {}", fmt_ratio(lo), fmt_ratio(hi)),
            );
            let runs = cell.runs.len();
            (
                if noisy { "ok noisy" } else { "ok" },
                fmt_ratio(s),
                format!(
                    "{who}: {} over sequential (median {} of {runs} run{}); {band_text}",
                    fmt_ratio(s),
                    fmt_ns(cell.wall_ns as f64),
                    if runs == 1 { "" } else { "s" },
                ),
                format!(" style=\"background:{}\"", shade(s, top, bottom)),
            )
        }
        (Status::Ok, _) => (
            "ok",
            "ok".to_owned(),
            format!("{who}: correct, no speedup (sequential has no time)"),
            String::new(),
        ),
        (Status::Wrong, s) => (
            "wrong",
            "WRONG".to_owned(),
            format!(
                "{who}: wrong answer {} (expected {}){}",
                cell.answer,
                cell.reference,
                s.map_or(String::new(), |s| format!(", at {}", fmt_ratio(s)))
            ),
            String::new(),
        ),
        (Status::NotApplicable, _) => (
            "na",
            "n/a".to_owned(),
            format!(
                "{who}: {}",
                cell.reason.as_deref().unwrap_or("does not apply")
            ),
            String::new(),
        ),
        (status, _) => (
            "bad",
            status.label().to_owned(),
            format!(
                "{who}: {}",
                cell.reason.as_deref().unwrap_or(status.label())
            ),
            String::new(),
        ),
    };
    let _ = write!(
        out,
        "<td class=\"{class}\"{style}><a href=\"#{href}\" title=\"{}\">{}</a></td>",
        esc(&title),
        esc(&text)
    );
}

#[cfg(test)]
mod test {
    use super::*;

    #[test]
    fn shades_run_from_brown_through_white_to_green() {
        assert_eq!(shade(1.0, 10.0, 2.0), "rgb(255,255,255)");
        assert!(shade(10.0, 10.0, 2.0).starts_with("rgb(60,"));
        assert!(shade(0.5, 10.0, 2.0).starts_with("rgb(201,"));
        // Beyond the ends it saturates rather than wrapping.
        assert_eq!(shade(1000.0, 10.0, 2.0), shade(10.0, 10.0, 2.0));
    }
}

//! Rendering a [`Report`] as terminal tables and as markdown: per workload a
//! table (one row per model and thread count) and its verdict lines, then
//! the summary verdicts.

use std::fmt::Write;

use crate::verdict::times;
use crate::{Cell, Report, Status, Verdict};

/// A duration in nanoseconds, in the unit that reads best.
pub fn duration(ns: u64) -> String {
    let ns = ns as f64;
    if ns < 1e6 {
        format!("{:.0} µs", ns / 1e3)
    } else if ns < 1e9 {
        format!("{:.1} ms", ns / 1e6)
    } else {
        format!("{:.2} s", ns / 1e9)
    }
}

const HEADERS: [&str; 9] = [
    "model",
    "threads",
    "cores",
    "wall",
    "speedup",
    "efficiency",
    "CPU",
    "verified",
    "notes",
];

fn row(c: &Cell) -> [String; 9] {
    let ran = matches!(c.status, Status::Ok | Status::Wrong);
    let or_dash = |ok: bool, s: String| if ok { s } else { "-".into() };
    let mut notes = Vec::new();
    if let Some(cc) = c.concurrency.filter(|_| ran) {
        notes.push(format!("concurrency {cc:.1}"));
    }
    if let Some(l) = c.lateness.filter(|_| ran) {
        notes.push(format!(
            "late p50 {} p99 {}",
            duration(l.p50_ns),
            duration(l.p99_ns)
        ));
    }
    notes.extend(c.serve.as_ref().map(crate::serve::note));
    if let Some(r) = &c.reason {
        notes.push(r.lines().next().unwrap_or_default().to_owned());
    }
    [
        c.model.clone(),
        c.threads.to_string(),
        c.cores.to_string(),
        or_dash(ran, duration(c.wall_ns)),
        or_dash(ran && c.speedup.is_some(), times(c.speedup.unwrap_or(0.0))),
        or_dash(
            ran && c.efficiency.is_some(),
            format!("{:.2}", c.efficiency.unwrap_or(0.0)),
        ),
        or_dash(ran, duration(c.cpu_ns)),
        c.status.label().into(),
        notes.join("; "),
    ]
}

/// Workloads in the order their cells appear.
fn workloads(report: &Report) -> Vec<&str> {
    let mut out: Vec<&str> = Vec::new();
    for c in &report.cells {
        if !out.contains(&c.workload.as_str()) {
            out.push(&c.workload);
        }
    }
    out
}

fn heading(cells: &[&Cell]) -> String {
    let c = cells[0];
    format!("{} — {}, size {} {}", c.workload, c.class, c.size, c.unit)
        .trim_end()
        .to_owned()
}

fn mark(v: &Verdict) -> &'static str {
    match v.holds {
        Some(true) => "✓",
        Some(false) => "✗",
        None => "?",
    }
}

fn one_line(s: &str) -> String {
    s.replace('\n', " / ")
}

fn wrong_lines(cells: &[&Cell]) -> Vec<String> {
    cells
        .iter()
        .filter(|c| c.status == Status::Wrong)
        .map(|c| {
            format!(
                "WRONG {}: expected `{}`, got `{}`",
                c.label(),
                one_line(&c.reference),
                one_line(&c.answer)
            )
        })
        .collect()
}

fn header(report: &Report) -> Vec<String> {
    let m = &report.machine;
    let s = &report.settings;
    let mut lines = vec![
        format!(
            "machine: {}, {} cores, {}, {}",
            m.cpu_model, m.cores, m.os, m.rustc
        ),
        format!(
            "preset {}, threads {:?}, runs {}, cell timeout {} s, isolation {}, {:.1} s{}",
            s.preset,
            s.threads,
            s.runs,
            s.cell_timeout_s,
            s.isolation,
            report.elapsed_s,
            if report.interrupted {
                ", INTERRUPTED"
            } else {
                ""
            }
        ),
        "speedup: sequential's median wall over the model's; verdicts (✓ holds, ✗ does not) \
         compare fastest runs"
            .to_owned(),
    ];
    if let Some(load) = m.load_average.filter(|&l| l > m.cores as f64) {
        lines.push(format!(
            "warning: load average {load:.1} on {} cores: other processes competed for the CPUs, \
             so timings (parallel ones most) are disturbed",
            m.cores
        ));
    }
    lines
}

/// The report as plain-text tables for a terminal.
pub fn text(report: &Report) -> String {
    let mut out = String::new();
    for line in header(report) {
        let _ = writeln!(out, "{line}");
    }
    for w in workloads(report) {
        let cells: Vec<&Cell> = report.cells.iter().filter(|c| c.workload == w).collect();
        let _ = writeln!(out, "\n{}", heading(&cells));
        let rows: Vec<[String; 9]> = cells.iter().map(|c| row(c)).collect();
        let mut widths = HEADERS.map(|h| h.chars().count());
        for r in &rows {
            for (w, cell) in widths.iter_mut().zip(r) {
                *w = (*w).max(cell.chars().count());
            }
        }
        let line = |r: [&str; 9]| {
            let mut s = String::from(" ");
            for (i, (cell, w)) in r.iter().zip(widths).enumerate() {
                let pad = w - cell.chars().count();
                match i {
                    0 | 7 | 8 => s += &format!(" {cell}{}", " ".repeat(pad)),
                    _ => s += &format!(" {}{cell}", " ".repeat(pad)),
                }
            }
            s.trim_end().to_owned()
        };
        let _ = writeln!(out, "{}", line(HEADERS));
        for r in &rows {
            let _ = writeln!(out, "{}", line(std::array::from_fn(|i| r[i].as_str())));
        }
        for l in wrong_lines(&cells) {
            let _ = writeln!(out, "  {l}");
        }
        for v in verdicts_of(report, Some(w)) {
            let _ = writeln!(out, "  {} {}", mark(v), v.text);
        }
    }
    let summary = verdicts_of(report, None);
    if !summary.is_empty() {
        let _ = writeln!(out, "\nverdicts:");
        for v in summary {
            let _ = writeln!(out, "  {} {}", mark(v), v.text);
        }
    }
    out
}

/// The verdicts about workload `w`, or with `None` the summaries that span
/// workloads.
fn verdicts_of<'r>(report: &'r Report, w: Option<&str>) -> Vec<&'r Verdict> {
    report
        .verdicts
        .iter()
        .filter(|v| v.workload.as_deref() == w)
        .collect()
}

/// The report as markdown: the same tables and verdicts.
pub fn markdown(report: &Report) -> String {
    let mut out = String::from("# cvp compare\n\n");
    for line in header(report) {
        let _ = writeln!(out, "{line}  ");
    }
    for w in workloads(report) {
        let cells: Vec<&Cell> = report.cells.iter().filter(|c| c.workload == w).collect();
        let _ = writeln!(out, "\n## {}\n", heading(&cells));
        let _ = writeln!(out, "| {} |", HEADERS.join(" | "));
        let _ = writeln!(out, "|---|--:|--:|--:|--:|--:|--:|---|---|");
        for c in &cells {
            let r = row(c).map(|s| s.replace('|', "\\|"));
            let _ = writeln!(out, "| {} |", r.join(" | "));
        }
        let wrong = wrong_lines(&cells);
        let verdicts = verdicts_of(report, Some(w));
        if !wrong.is_empty() || !verdicts.is_empty() {
            out.push('\n');
        }
        for l in wrong {
            let _ = writeln!(out, "- **{l}**");
        }
        for v in verdicts {
            let _ = writeln!(out, "- {} {}", mark(v), v.text);
        }
    }
    let summary = verdicts_of(report, None);
    if !summary.is_empty() {
        let _ = writeln!(out, "\n## Verdicts\n");
        for v in summary {
            let _ = writeln!(out, "- {} {}", mark(v), v.text);
        }
    }
    out
}

#[cfg(test)]
mod test {
    #[test]
    fn durations() {
        assert_eq!(super::duration(1_500), "2 µs");
        assert_eq!(super::duration(12_340_000), "12.3 ms");
        assert_eq!(super::duration(2_500_000_000), "2.50 s");
    }
}

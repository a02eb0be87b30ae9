//! Rendering a [`Report`] as terminal tables and as markdown: per workload a
//! table (one row per model and thread count) and its verdict lines, then
//! the summary verdicts.

use std::fmt::Write;

use crate::verdict::times;
use crate::{Cell, Judgement, Report, Status, Verdict};

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

const HEADERS: [&str; 11] = [
    "model", "threads", "cores", "wall", "speedup", "eff/conc", "CPU", "ctx sw", "peak RSS",
    "verified", "notes",
];

/// Columns aligned left (names and words); the others are numbers.
const LEFT: [usize; 3] = [0, 9, 10];

/// The median of `xs`, 0 for none.
fn median(mut xs: Vec<u64>) -> u64 {
    if xs.is_empty() {
        return 0;
    }
    xs.sort_unstable();
    xs[xs.len() / 2]
}

/// A memory size in KiB, in the unit that reads best.
pub fn kib(k: u64) -> String {
    let k = k as f64;
    if k < 1024.0 {
        format!("{k:.0} KiB")
    } else if k < 1024.0 * 1024.0 {
        format!("{:.1} MiB", k / 1024.0)
    } else {
        format!("{:.2} GiB", k / 1024.0 / 1024.0)
    }
}

/// Context switches of a cell per run: the median of the runs' voluntary (a thread
/// blocked) + involuntary (a thread was preempted), e.g. `120+3`.
fn switches(c: &Cell) -> Option<String> {
    if c.runs.is_empty() {
        return None;
    }
    let v = median(c.runs.iter().map(|r| r.voluntary_switches).collect());
    let i = median(c.runs.iter().map(|r| r.involuntary_switches).collect());
    Some(format!("{v}+{i}"))
}

/// The efficiency column: speedup per core for the classes that compute
/// (cpu, memory), where it means something; achieved concurrency (tasks in
/// flight, `×101.9`) for the others, where a speedup per core does not.
fn eff_or_concurrency(c: &Cell) -> Option<String> {
    if c.class.computes() {
        c.efficiency.map(|e| format!("{e:.2}"))
    } else {
        c.concurrency.map(|cc| format!("×{cc:.1}"))
    }
}

fn row(c: &Cell) -> [String; 11] {
    let ran = matches!(c.status, Status::Ok | Status::Wrong);
    let or_dash = |s: Option<String>| s.filter(|_| ran).unwrap_or_else(|| "-".into());
    let mut notes = Vec::new();
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
        or_dash(Some(duration(c.wall_ns))),
        or_dash(c.speedup.map(times)),
        or_dash(eff_or_concurrency(c)),
        or_dash(Some(duration(c.cpu_ns))),
        or_dash(switches(c)),
        or_dash((c.peak_rss_kib > 0).then(|| kib(c.peak_rss_kib))),
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
    match v.judgement {
        Judgement::Holds => "✓",
        Judgement::DoesNotHold => "✗",
        Judgement::TooNoisy => "≈",
        Judgement::NotJudged => "?",
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
        "speedup: sequential's median wall over the model's; eff/conc: speedup per core \
         (cpu, memory) or tasks in flight (×N: io, mixed, probe); ctx sw: voluntary+involuntary \
         context switches per run (medians); peak RSS of the cell's process"
            .to_owned(),
        "verdicts: ratio of medians (lowest–highest over every run of both cells); \
         ✓ holds, ✗ does not hold, ≈ too noisy to tell (the runs disagree), ? not judged"
            .to_owned(),
    ];
    if let Some(bw) = &m.bandwidth {
        let each: Vec<String> = bw
            .triad
            .iter()
            .map(|t| format!("{:.1} GB/s on {}", t.bytes_per_s / 1e9, t.threads))
            .collect();
        lines.push(format!(
            "memory bandwidth (STREAM triad, 3 x {}): {}",
            kib(bw.array_bytes / 1024),
            each.join(", ")
        ));
    }
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
        let rows: Vec<[String; 11]> = cells.iter().map(|c| row(c)).collect();
        let mut widths = HEADERS.map(|h| h.chars().count());
        for r in &rows {
            for (w, cell) in widths.iter_mut().zip(r) {
                *w = (*w).max(cell.chars().count());
            }
        }
        let line = |r: [&str; 11]| {
            let mut s = String::from(" ");
            for (i, (cell, w)) in r.iter().zip(widths).enumerate() {
                let pad = w - cell.chars().count();
                if LEFT.contains(&i) {
                    s += &format!(" {cell}{}", " ".repeat(pad));
                } else {
                    s += &format!(" {}{cell}", " ".repeat(pad));
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
        for l in crate::recommend::text_lines(report, w) {
            let _ = writeln!(out, "  {l}");
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
        let align: Vec<&str> = (0..HEADERS.len())
            .map(|i| if LEFT.contains(&i) { "---" } else { "--:" })
            .collect();
        let _ = writeln!(out, "|{}|", align.join("|"));
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
        let recommendation = crate::recommend::lines_for(report, w);
        if !recommendation.is_empty() {
            let _ = writeln!(out, "\n{}", recommendation.join("  \n"));
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
    use crate::{Cell, Class, Role, Run, Status};

    fn cell(class: Class) -> Cell {
        let run = |vol, inv| Run {
            wall_ns: 1_000_000,
            cpu_ns: 1_000_000,
            user_ns: 1_000_000,
            sys_ns: 0,
            voluntary_switches: vol,
            involuntary_switches: inv,
            peak_rss_kib: 2048,
            concurrency: Some(48.9),
            lateness: None,
            cluster: None,
        };
        Cell {
            workload: "w".into(),
            class,
            serial: false,
            model: "interleave".into(),
            role: Role::Engine,
            anchor: None,
            concurrent: true,
            parallel: false,
            preemptive: false,
            threads: 1,
            cores: 1,
            size: 1,
            unit: String::new(),
            status: Status::Ok,
            reason: None,
            answer: "1".into(),
            reference: "1".into(),
            verified: true,
            wall_ns: 1_000_000,
            wall_min_ns: 1_000_000,
            wall_max_ns: 1_000_000,
            cpu_ns: 1_000_000,
            speedup: Some(151.6),
            efficiency: Some(151.6),
            concurrency: Some(48.9),
            lateness: None,
            peak_rss_kib: 2048,
            warmup_ns: 0,
            runs: vec![run(5, 1), run(7, 2), run(9, 30)],
            trace: None,
            serve: None,
        }
    }

    #[test]
    fn efficiency_only_where_work_computes_concurrency_elsewhere() {
        let io = super::row(&cell(Class::Io));
        assert_eq!(io[5], "×48.9", "{io:?}");
        assert!(!io.iter().any(|c| c == "151.60"), "{io:?}");
        let mut cpu = cell(Class::Cpu);
        cpu.efficiency = Some(0.98);
        assert_eq!(super::row(&cpu)[5], "0.98");
    }

    #[test]
    fn rows_carry_context_switches_and_peak_memory() {
        let r = super::row(&cell(Class::Io));
        assert_eq!(
            r[7], "7+2",
            "the runs' median voluntary+involuntary switches"
        );
        assert_eq!(r[8], "2.0 MiB");
        assert_eq!(super::HEADERS[7], "ctx sw");
        assert_eq!(super::HEADERS[8], "peak RSS");
    }

    #[test]
    fn durations() {
        assert_eq!(super::duration(1_500), "2 µs");
        assert_eq!(super::duration(12_340_000), "12.3 ms");
        assert_eq!(super::duration(2_500_000_000), "2.50 s");
    }
}

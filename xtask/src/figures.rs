//! `cargo xtask figures [--check]`: the figures the READMEs cite, generated
//! from the committed reference results, so that no figure is typed by
//! hand.
//!
//! Each generated block sits between two marker comments in a markdown
//! file, `<!-- figures:NAME -->` and `<!-- /figures:NAME -->`, and is
//! rewritten from a committed `report.json`. `--check` (and the test
//! below, part of `cargo test --workspace`) fails when a block differs
//! from what the report gives: a README cannot disagree with the results
//! it cites.
//!
//! | file | block | from |
//! |---|---|---|
//! | README.md | `speedup`, `probe`, `example`, `sweep-16` | results/report.json, results/scaling-16core-xeon/report.json |
//! | results/scaling-16core-xeon/README.md | `speedup-16`, `predictions` | its report.json |
//! | results/scaling-16core-xeon-decompose/README.md | `decompose-vs-rayon` | its report.json |
//! | README.md | `specs` | results/specs/report.json |
//! | crates/workloads/README.md | `restate` | results/restate/report.json |
//! | results/serve-2core-vm/README.md, crates/compare/README.md | `serve` | results/serve-2core-vm/serve.json |
//! | README.md, crates/cluster/README.md | `crossover` | results/cluster-2core-vm/crossover.json |
//! | crates/interleave/README.md | `interleave-benches` | results/benches.json (`cargo xtask bench`) |
//! | crates/decompose/README.md | `decompose-benches` | results/benches.json (`cargo xtask bench`) |
//!
//! `results/cluster-2core-vm/crossover.md` is generated whole from its
//! JSON, and checked the same way.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use cvp_report::crossover::{Sweep, SWEEP_SCHEMA};
use cvp_report::serve::{self, ServeSweep};
use cvp_report::visual::{fit_amdahl, Benches, BENCHES_SCHEMA};
use cvp_report::ServeStats;
use cvp_report::{render, Cell, Class, Report, Role, Status};

use crate::bench::BENCHES;
use crate::specs::{self, BOUND, EXAMPLES, PAIRS, RESTATE, SPECS};
use crate::util::root;

/// The reference results the root README cites.
pub(crate) const REFERENCE: &str = "results";
/// The 16-core sweep.
const SWEEP_16: &str = "results/scaling-16core-xeon";
/// decompose against rayon on the same machine.
const SWEEP_16_DECOMPOSE: &str = "results/scaling-16core-xeon-decompose";
/// Servers under load: the committed sweep.
const SERVE: &str = "results/serve-2core-vm";
/// Where distribution pays: the cluster's crossover sweep.
const CROSSOVER: &str = "results/cluster-2core-vm";

/// Thread counts the 16-core check fits on, and those it predicts.
pub(crate) const FIT_ON: [usize; 3] = [1, 2, 4];
pub(crate) const PREDICT: [usize; 2] = [8, 16];

pub(crate) struct Figures {
    /// Fail on a difference instead of writing.
    pub(crate) check: bool,
}

impl Figures {
    pub(crate) fn run(&self) -> Result<()> {
        let stale = update(&root(), self.check)?;
        if self.check && !stale.is_empty() {
            bail!(
                "figures out of date in {}: run `cargo xtask figures`",
                stale.join(", ")
            );
        }
        Ok(())
    }
}

/// Rewrites (or with `check`, only compares) every generated block under
/// `root`; returns the blocks that differed, as `FILE:NAME`.
pub(crate) fn update(root: &Path, check: bool) -> Result<Vec<String>> {
    let reference = read(root, REFERENCE)?;
    let sweep = read(root, SWEEP_16)?;
    let decompose = read(root, SWEEP_16_DECOMPOSE)?;
    let crossover = read_crossover(root)?;
    let crossover_table = crossover.verdict_table();
    let restate = read(root, RESTATE)?;
    let examples = read(root, SPECS)?;
    let serve_sweep = read_serve(root)?;
    let serve_table = serve_figures(&serve_sweep);
    let reach = serve_reach(root, &serve_sweep)?;
    let benches: Benches = read_json(&root.join(BENCHES))?;
    if benches.schema != BENCHES_SCHEMA {
        bail!(
            "{BENCHES} has schema {}, this build reads {BENCHES_SCHEMA}: run `cargo xtask bench`",
            benches.schema
        );
    }
    let files: Vec<(PathBuf, Vec<(&str, String)>)> = vec![
        (
            root.join("README.md"),
            vec![
                ("speedup", speedup_table(&reference)),
                ("probe", probe_table(&reference)),
                ("example", example(&reference, "fetch-then-crunch")),
                ("sweep-16", speedup_at(&sweep, 16)),
                ("crossover", crossover_table.clone()),
                ("specs", conclusions(&examples)?),
            ],
        ),
        (
            root.join(SERVE).join("README.md"),
            vec![
                ("serve", serve_table.clone()),
                ("serve-reach", reach.clone()),
            ],
        ),
        (
            root.join("crates/compare/README.md"),
            vec![("serve", serve_table), ("serve-reach", reach)],
        ),
        (
            root.join("crates/cluster/README.md"),
            vec![("crossover", crossover_table)],
        ),
        (
            root.join(SWEEP_16).join("README.md"),
            vec![
                ("speedup-16", speedup_at(&sweep, 16)),
                ("predictions", predictions(&sweep)),
            ],
        ),
        (
            root.join(SWEEP_16_DECOMPOSE).join("README.md"),
            vec![("decompose-vs-rayon", engine_over_anchor(&decompose))],
        ),
        (
            root.join("crates/workloads/README.md"),
            vec![("restate", restatements(&restate)?)],
        ),
        (
            root.join("crates/interleave/README.md"),
            vec![("interleave-benches", interleave_benches(&benches)?)],
        ),
        (
            root.join("crates/decompose/README.md"),
            vec![("decompose-benches", decompose_benches(&benches)?)],
        ),
    ];
    let mut stale = Vec::new();
    let md = root.join(CROSSOVER).join("crossover.md");
    let text = std::fs::read_to_string(&md).unwrap_or_default();
    if text != crossover.markdown() {
        stale.push(format!("{CROSSOVER}/crossover.md"));
        if !check {
            std::fs::write(&md, crossover.markdown())
                .with_context(|| format!("writing {}", md.display()))?;
            eprintln!("updated {}", md.display());
        }
    }
    for (path, blocks) in files {
        let text = std::fs::read_to_string(&path)
            .with_context(|| format!("reading {}", path.display()))?;
        let mut new = text.clone();
        for (name, body) in &blocks {
            let replaced = replace_block(&new, name, body)
                .with_context(|| format!("in {}", path.display()))?;
            if replaced != new {
                stale.push(format!(
                    "{}:{name}",
                    path.strip_prefix(root).unwrap_or(&path).display()
                ));
            }
            new = replaced;
        }
        if !check && new != text {
            std::fs::write(&path, new).with_context(|| format!("writing {}", path.display()))?;
            eprintln!("updated {}", path.display());
        }
    }
    Ok(stale)
}

fn read(root: &Path, dir: &str) -> Result<Report> {
    let path = root.join(dir).join("report.json");
    cvp_report::read(&path).with_context(|| format!("reading {}", path.display()))
}

/// A committed JSON file, parsed.
fn read_json<T: serde::de::DeserializeOwned>(path: &Path) -> Result<T> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    serde_json::from_str(&text).with_context(|| format!("parsing {}", path.display()))
}

fn read_serve(root: &Path) -> Result<ServeSweep> {
    let path = root.join(SERVE).join("serve.json");
    let sweep: ServeSweep = read_json(&path)?;
    if sweep.schema != serve::SERVE_SCHEMA {
        bail!(
            "{}: schema {}, expected {}",
            path.display(),
            sweep.schema,
            serve::SERVE_SCHEMA
        );
    }
    Ok(sweep)
}

/// The servers-under-load sweep: per mix and model, the cores its server
/// had, its capacity and its throughput at the p99 objective; then every
/// claim as judged.
fn serve_figures(s: &ServeSweep) -> String {
    let obj = render::duration(s.objective_p99_ns);
    let mut out = header_left(
        &[
            "mix",
            "model",
            "server CPUs",
            "capacity req/s",
            &format!("req/s at p99 ≤ {obj}"),
        ],
        2,
    );
    for m in &s.mixes {
        for c in &m.curves {
            let at = serve::throughput_at(c, s.objective_p99_ns).map_or("—".into(), serve::rps);
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} | {at} |",
                m.mix,
                c.model,
                c.cores(),
                serve::rps(c.capacity_rps)
            );
        }
    }
    let points: Vec<_> = s
        .mixes
        .iter()
        .flat_map(|m| m.curves.iter().flat_map(|c| c.points.iter()))
        .collect();
    let unreliable = points.iter().filter(|p| p.unreliable.is_some()).count();
    let _ = writeln!(
        out,
        "\n{unreliable} of {} points are marked unreliable (the generator's lag p99 passed 1 ms) and left out of the claims.",
        points.len()
    );
    out += "\nClaims, as judged from `serve.json`:\n\n";
    for m in &s.mixes {
        for v in &m.verdicts {
            let _ = writeln!(out, "- {}, {}: {}", m.mix, v.judgement.label(), v.text);
        }
    }
    let _ = write!(
        out,
        "\n*From `{SERVE}/serve.json`: {}, {} cores; `{}`, {:.0} s.*\n",
        s.machine.cpu_model, s.machine.cores, s.command, s.elapsed_s
    );
    out
}

/// Single points beside the sweep (`cvp serve --json` into
/// `results/serve-2core-vm/points/`): the generator's own reach against a
/// trivial server, and 10,000 connections. Each row is one point; the
/// sentence compares the generator's reach with the sweep's best capacity.
fn serve_reach(root: &Path, sweep: &ServeSweep) -> Result<String> {
    let dir = root.join(SERVE).join("points");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .with_context(|| format!("reading {}", dir.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    files.sort();
    let mut out = header_left(
        &[
            "point",
            "mix",
            "connections",
            "offered req/s",
            "answered req/s",
            "answered / due",
            "p99",
            "errors",
        ],
        2,
    );
    let mut trivial_best: Option<f64> = None;
    for f in &files {
        let p: ServeStats = read_json(f)?;
        let name = f.file_stem().and_then(|s| s.to_str()).unwrap_or("?");
        if p.mix == "trivial" {
            trivial_best = Some(trivial_best.unwrap_or(0.0).max(p.achieved_rps));
        }
        let errors: Vec<String> = p.errors.iter().map(|(k, n)| format!("{k} {n}")).collect();
        let _ = writeln!(
            out,
            "| {name} | {} | {} | {} | {} | {} / {} | {} | {} |",
            p.mix,
            p.connections,
            serve::rps(p.offered_rps),
            serve::rps(p.achieved_rps),
            p.ok,
            p.due,
            render::duration(p.p99_ns),
            if errors.is_empty() {
                "—".to_owned()
            } else {
                errors.join(", ")
            }
        );
    }
    let best = sweep
        .mixes
        .iter()
        .flat_map(|m| m.curves.iter())
        .map(|c| c.capacity_rps)
        .fold(0.0, f64::max);
    if let Some(t) = trivial_best {
        let _ = writeln!(
            out,
            "\nThe generator's reach (answered by a trivial server) is {} req/s, {:.1}x the \
             highest capacity any model reached in the sweep ({} req/s).",
            serve::rps(t),
            t / best.max(1.0),
            serve::rps(best)
        );
    }
    let _ = write!(
        out,
        "\n*From `{SERVE}/points/*.json`: `cvp serve ... --json`, one file a point.*\n"
    );
    Ok(out)
}

fn read_crossover(root: &Path) -> Result<Sweep> {
    let path = root.join(CROSSOVER).join("crossover.json");
    let sweep: Sweep = read_json(&path)?;
    if sweep.schema != SWEEP_SCHEMA {
        bail!(
            "{}: schema {}, expected {SWEEP_SCHEMA}",
            path.display(),
            sweep.schema
        );
    }
    Ok(sweep)
}

/// `text` with the block `name` replaced by `body`.
fn replace_block(text: &str, name: &str, body: &str) -> Result<String> {
    let (open, close) = (
        format!("<!-- figures:{name} -->"),
        format!("<!-- /figures:{name} -->"),
    );
    let Some(start) = text.find(&open) else {
        bail!("no `{open}` marker");
    };
    let after = start + open.len();
    let Some(end) = text[after..].find(&close).map(|i| after + i) else {
        bail!("no `{close}` marker after `{open}`");
    };
    Ok(format!(
        "{}\n{}\n{}",
        &text[..after],
        body.trim_end(),
        &text[end..]
    ))
}

/// Workloads in the order their cells appear.
fn workloads(r: &Report) -> Vec<&str> {
    let mut out: Vec<&str> = Vec::new();
    for c in &r.cells {
        if !out.contains(&c.workload.as_str()) {
            out.push(&c.workload);
        }
    }
    out
}

/// Models in the order their cells appear.
fn models(r: &Report) -> Vec<&str> {
    let mut out: Vec<&str> = Vec::new();
    for c in &r.cells {
        if !out.contains(&c.model.as_str()) {
            out.push(&c.model);
        }
    }
    out
}

fn find<'r>(r: &'r Report, w: &str, m: &str, threads: Option<usize>) -> Option<&'r Cell> {
    r.cells
        .iter()
        .find(|c| c.workload == w && c.model == m && threads.is_none_or(|t| c.threads == t))
}

/// `1.93x`, `168x`; the status word for a cell that did not run correctly.
fn speedup_of(c: Option<&Cell>) -> String {
    match c {
        None => "–".into(),
        Some(c) if c.status != Status::Ok => c.status.label().into(),
        Some(c) => match c.speedup {
            Some(s) if s >= 10.0 => format!("{s:.0}x"),
            Some(s) => format!("{s:.2}x"),
            None => "–".into(),
        },
    }
}

/// A markdown table header: the first `left` columns aligned left (names),
/// the rest right (figures).
fn header_left(cols: &[&str], left: usize) -> String {
    let mut s = format!("| {} |\n|", cols.join(" | "));
    for i in 0..cols.len() {
        s += if i < left.max(1) { "---|" } else { "--:|" };
    }
    s + "\n"
}

fn header(cols: &[&str]) -> String {
    header_left(cols, 1)
}

/// Where a table comes from, as its caption line.
fn source(r: &Report, dir: &str) -> String {
    format!(
        "*From `{dir}/report.json`: {}, {} cores; preset {}, threads {:?}, runs {}.*\n",
        r.machine.cpu_model,
        r.machine.cores,
        r.settings.preset,
        r.settings.threads,
        r.settings.runs
    )
}

/// Each restating spec's wall time over its built-in's, one row per model:
/// the ratio of medians and its min/max envelope over every run of both
/// cells (as the verdicts judge), with the two medians.
fn restatements(r: &Report) -> Result<String> {
    let specs: Vec<String> = PAIRS
        .iter()
        .map(|(_, file)| specs::name_of(file))
        .collect::<Result<_>>()?;
    let cols: Vec<String> = PAIRS
        .iter()
        .zip(&specs)
        .map(|((w, _), s)| format!("{s} / {w}"))
        .collect();
    let mut head = vec!["model"];
    head.extend(cols.iter().map(String::as_str));
    let mut out = header(&head);
    let (mut within, mut rows) = (0, 0);
    let mut worst: Option<(f64, String)> = None;
    for m in models(r) {
        let mut row = Vec::new();
        for ((w, _), s) in PAIRS.iter().zip(&specs) {
            let pair = (find(r, w, m, None), find(r, s, m, None));
            let (Some(b), Some(s)) = pair else {
                row.push("–".to_owned());
                continue;
            };
            if b.status != Status::Ok || s.status != Status::Ok {
                row.push(format!("{} / {}", b.status.label(), s.status.label()));
                continue;
            }
            let ratio = s.wall_ns as f64 / b.wall_ns.max(1) as f64;
            let lo = s.wall_min_ns as f64 / b.wall_max_ns.max(1) as f64;
            let hi = s.wall_max_ns as f64 / b.wall_min_ns.max(1) as f64;
            rows += 1;
            if ratio <= BOUND {
                within += 1;
            }
            if worst.as_ref().is_none_or(|(x, _)| ratio > *x) {
                worst = Some((ratio, format!("{} on {m}", s.workload)));
            }
            row.push(format!(
                "{} / {}: **{ratio:.2}x** ({lo:.2}–{hi:.2})",
                render::duration(s.wall_ns),
                render::duration(b.wall_ns)
            ));
        }
        let _ = writeln!(out, "| {m} | {} |", row.join(" | "));
    }
    let _ =
        writeln!(
        out,
        "\nThe spec's median wall time is within {BOUND}x of its built-in's in {within} of {rows} \
         pairs{}.",
        worst.map_or(String::new(), |(x, at)| format!("; the largest ratio is {x:.2}x ({at})"))
    );
    Ok(out + "\n" + &source(r, RESTATE))
}

/// What cvp concludes about each example spec: its description and the
/// report's recommendation.
fn conclusions(r: &Report) -> Result<String> {
    let mut out = header_left(&["spec", "what it is", "the recommendation"], 3);
    for file in EXAMPLES {
        let name = specs::name_of(file)?;
        let text = match r.recommendations.iter().find(|x| x.workload == name) {
            Some(rec) => rec.lines.join(" "),
            None => "not measured".to_owned(),
        };
        let _ = writeln!(
            out,
            "| {name} | {} | {} |",
            specs::description_of(file)?,
            text.replace('|', "\\|")
        );
    }
    Ok(out + "\n" + &source(r, SPECS))
}

/// Median speedup over sequential, one row per workload, one column per model.
fn speedup_table(r: &Report) -> String {
    let ms = models(r);
    let mut cols = vec!["workload"];
    cols.extend(&ms);
    let mut out = header(&cols);
    for w in workloads(r) {
        let row: Vec<String> = ms.iter().map(|m| speedup_of(find(r, w, m, None))).collect();
        let _ = writeln!(out, "| {w} | {} |", row.join(" | "));
    }
    out + "\n" + &source(r, REFERENCE)
}

/// The probes' lateness by workload and model.
fn probe_table(r: &Report) -> String {
    let mut out = header(&["probe", "model", "cores", "lateness p50", "p99", "worst"]);
    // Only cells that ran correctly have a lateness worth showing.
    for c in r.cells.iter().filter(|c| c.class == Class::Probe) {
        let Some(l) = c.lateness.filter(|_| c.status == Status::Ok) else {
            continue;
        };
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} | {} |",
            c.workload,
            c.model,
            c.cores,
            render::duration(l.p50_ns),
            render::duration(l.p99_ns),
            render::duration(l.max_ns)
        );
    }
    out + "\n" + &source(r, REFERENCE)
}

/// One workload's terminal table and verdicts, as `cvp compare` prints them.
fn example(r: &Report, w: &str) -> String {
    let mut one = r.clone();
    one.cells.retain(|c| c.workload == w);
    one.verdicts.retain(|v| v.workload.as_deref() == Some(w));
    let text = render::text(&one);
    let table: Vec<&str> = text
        .lines()
        .skip_while(|l| !l.starts_with(w))
        .filter(|l| !l.is_empty())
        .collect();
    format!("```\n{}\n```", table.join("\n"))
}

/// Median speedup at `threads` threads, one row per workload, one column
/// per model other than the baseline.
fn speedup_at(r: &Report, threads: usize) -> String {
    let ms: Vec<&str> = models(r)
        .into_iter()
        .filter(|m| {
            r.cells
                .iter()
                .any(|c| c.model == *m && c.role != Role::Baseline)
        })
        .collect();
    let mut cols = vec!["workload"];
    cols.extend(&ms);
    let mut out = header(&cols);
    for w in workloads(r) {
        let row: Vec<String> = ms
            .iter()
            .map(|m| speedup_of(find(r, w, m, Some(threads))))
            .collect();
        let _ = writeln!(out, "| {w} | {} |", row.join(" | "));
    }
    out + "\n"
        + &format!(
            "*Median speedup over sequential at {threads} threads, from `report.json` \
             ({}, {} cores).*\n",
            r.machine.cpu_model, r.machine.cores
        )
}

/// Amdahl fitted on [`FIT_ON`], its predictions at [`PREDICT`] against
/// what was measured there: the error of the method on this machine.
pub(crate) fn predictions(r: &Report) -> String {
    let mut out = header_left(
        &[
            "workload",
            "class",
            "model",
            "f (fit on 1, 2, 4)",
            "rms",
            "8: predicted (band)",
            "8: measured",
            "8: error",
            "16: predicted (band)",
            "16: measured",
            "16: error",
        ],
        3,
    );
    let mut errors: Vec<f64> = Vec::new();
    for w in workloads(r) {
        for m in models(r) {
            let cells: Vec<&Cell> = r
                .cells
                .iter()
                .filter(|c| c.workload == w && c.model == m && c.parallel)
                .collect();
            if cells.is_empty() {
                continue;
            }
            let class = cells[0].class;
            let at = |t: usize| {
                cells
                    .iter()
                    .find(|c| c.threads == t && c.status == Status::Ok)
                    .and_then(|c| c.speedup.map(|s| (c.cores, s)))
            };
            let fit_pts: Vec<(usize, f64)> = FIT_ON.iter().filter_map(|&t| at(t)).collect();
            let fit = match fit_amdahl(&fit_pts) {
                Ok(f) => f,
                Err(no) => {
                    let _ = writeln!(
                        out,
                        "| {w} | {class} | {m} | no fit: {no} |{}",
                        " – |".repeat(7)
                    );
                    continue;
                }
            };
            let mut row = format!(
                "| {w} | {class} | {m} | {:.3} | {:.2} |",
                fit.serial_fraction, fit.rms_error
            );
            for p in PREDICT {
                let (lo, hi) = fit.predict_band(p);
                let predicted = fit.predict(p);
                match at(p) {
                    Some((cores, measured)) if cores == p => {
                        let err = (predicted - measured) / measured * 100.0;
                        errors.push(err.abs());
                        let inside = if (lo..=hi).contains(&measured) {
                            ""
                        } else {
                            " (outside the band)"
                        };
                        let _ = write!(
                            row,
                            " {predicted:.2}x ({lo:.2}–{hi:.2}) | {measured:.2}x | {err:+.0}%{inside} |"
                        );
                    }
                    _ => {
                        let _ = write!(row, " {predicted:.2}x ({lo:.2}–{hi:.2}) | – | – |");
                    }
                }
            }
            out += &row;
            out.push('\n');
        }
    }
    errors.sort_by(f64::total_cmp);
    if !errors.is_empty() {
        let median = errors[errors.len() / 2];
        let worst = errors[errors.len() - 1];
        let _ = write!(
            out,
            "\n*{} predictions: median absolute error {median:.0}%, worst {worst:.0}%. \
             Error = (predicted − measured) / measured; band: the fits that leave one of the \
             three points out. Computed by `cargo xtask figures` from `report.json`.*\n",
            errors.len()
        );
    }
    out
}

/// Each engine's median wall time over its anchor's, by thread count.
fn engine_over_anchor(r: &Report) -> String {
    let mut threads: Vec<usize> = r.cells.iter().map(|c| c.threads).collect();
    threads.sort_unstable();
    threads.dedup();
    let cols: Vec<String> = std::iter::once("workload".to_owned())
        .chain(threads.iter().map(usize::to_string))
        .collect();
    let mut out = header(&cols.iter().map(String::as_str).collect::<Vec<_>>());
    for w in workloads(r) {
        let engines: Vec<&Cell> = r
            .cells
            .iter()
            .filter(|c| c.workload == w && c.role == Role::Engine && c.anchor.is_some())
            .collect();
        if engines.is_empty() {
            continue;
        }
        let row: Vec<String> = threads
            .iter()
            .map(|&t| {
                let e = engines.iter().find(|c| c.threads == t);
                let a = e.and_then(|e| find(r, w, e.anchor.as_deref()?, Some(t)));
                match (e, a) {
                    (Some(e), Some(a))
                        if e.status == Status::Ok && a.status == Status::Ok && a.wall_ns > 0 =>
                    {
                        format!("{:.2}", e.wall_ns as f64 / a.wall_ns as f64)
                    }
                    _ => "–".into(),
                }
            })
            .collect();
        let _ = writeln!(out, "| {w} | {} |", row.join(" | "));
    }
    out + "\n*decompose's median wall time over rayon's, from `report.json`.*\n"
}

/// The nap of each sleeper in the interleaver's sleep benches.
const NAP_NS: f64 = 20e6;

/// cvp-interleave's criterion benches against its anchors, from one run,
/// each row with the target it is held to and whether it is met.
/// One benchmark of `b`, or an error that says how to get it.
fn measured<'b>(
    b: &'b Benches,
    group: &str,
    param: &str,
    function: &str,
) -> Result<&'b cvp_report::visual::Measured> {
    b.get(group, param, function).with_context(|| {
        format!("{BENCHES} holds no {group}/{param}/{function}: run `cargo xtask bench`")
    })
}

/// cvp-decompose's criterion groups against their anchors, from one
/// `cargo xtask bench`.
fn decompose_benches(b: &Benches) -> Result<String> {
    const ROWS: [(&str, &str, &str, &str); 17] = [
        (
            "fib(30), a join at every level, 2 threads",
            "join",
            "every-level",
            "rayon",
        ),
        (
            "fib(30), sequential below 20, 2 threads",
            "join",
            "cutoff",
            "rayon",
        ),
        ("map_reduce, 1,000 tiny items", "tiny", "", "sequential"),
        ("map_reduce, 1,000 tiny items", "tiny", "", "rayon"),
        (
            "`par_iter().map().sum()`, 1,000 tiny items",
            "tiny-iter",
            "",
            "sequential",
        ),
        (
            "primes below 300,000 (uneven), 1 thread",
            "primes",
            "1",
            "rayon",
        ),
        (
            "primes below 300,000 (uneven), 2 threads",
            "primes",
            "2",
            "rayon",
        ),
        ("map sum 10^7, 1 thread", "iter-sum", "1", "rayon"),
        ("map sum 10^7, 2 threads", "iter-sum", "2", "rayon"),
        ("map collect 10^7, 1 thread", "iter-collect", "1", "rayon"),
        ("map collect 10^7, 2 threads", "iter-collect", "2", "rayon"),
        (
            "filter count 10^7, 1 thread",
            "iter-filter-count",
            "1",
            "rayon",
        ),
        (
            "filter count 10^7, 2 threads",
            "iter-filter-count",
            "2",
            "rayon",
        ),
        (
            "sort_unstable 10^7 u32, 1 thread",
            "sort-unstable",
            "1",
            "rayon",
        ),
        (
            "sort_unstable 10^7 u32, 2 threads",
            "sort-unstable",
            "2",
            "rayon",
        ),
        ("sort 10^7 (u64,u64), 1 thread", "sort-stable", "1", "rayon"),
        (
            "sort 10^7 (u64,u64), 2 threads",
            "sort-stable",
            "2",
            "rayon",
        ),
    ];
    let mut out = String::from("| benchmark | decompose | anchor | ratio |\n|---|--:|--:|--:|\n");
    for (title, group, param, anchor) in ROWS {
        let (ours, theirs) = (
            measured(b, group, param, "decompose")?.ns,
            measured(b, group, param, anchor)?.ns,
        );
        let _ = writeln!(
            out,
            "| {title} | {} | {anchor} {} | **{:.2}x** |",
            fmt_ns(ours),
            fmt_ns(theirs),
            ours / theirs
        );
    }
    let _ = writeln!(
        out,
        "\n*From `{BENCHES}` (`cargo xtask bench`: criterion's medians, each benchmark measured in one block after the other, so a change in the machine's speed between blocks lands on one side): {}. Ratios: decompose over the anchor; lower is better.*",
        b.machine
    );
    Ok(out)
}

/// Nanoseconds in the unit that suits them.
fn fmt_ns(ns: f64) -> String {
    if ns < 1e3 {
        format!("{ns:.0} ns")
    } else if ns < 1e6 {
        format!("{:.1} µs", ns / 1e3)
    } else if ns < 1e9 {
        format!("{:.1} ms", ns / 1e6)
    } else {
        format!("{:.2} s", ns / 1e9)
    }
}

fn interleave_benches(b: &Benches) -> Result<String> {
    const ANCHORS: [(&str, &str); 3] = [
        ("tokio-current-thread", "tokio current-thread"),
        ("async-executor", "async-executor `LocalExecutor`"),
        ("futures-localpool", "futures `LocalPool`"),
    ];
    let get = |group: &str, param: &str, function: &str| measured(b, group, param, function);
    let met = |ok: bool| if ok { "met" } else { "**not met**" };
    let mut out = String::from("| bench | cvp-interleave |");
    for (_, name) in ANCHORS {
        let _ = write!(out, " {name} |");
    }
    out.push_str(" target |\n|---|--:|--:|--:|--:|---|\n");
    // Per element, every anchor the group has.
    let mut row = |title: &str,
                   group: &str,
                   scale: f64,
                   digits: usize,
                   target: &dyn Fn(f64, &[Option<f64>]) -> String|
     -> Result<()> {
        let ours = get(group, "", "interleave")?.ns_per_element() / scale;
        let anchors: Vec<Option<f64>> = ANCHORS
            .iter()
            .map(|(f, _)| b.get(group, "", f).map(|m| m.ns_per_element() / scale))
            .collect();
        let _ = write!(out, "| {title} | **{ours:.digits$}** |");
        for a in &anchors {
            match a {
                Some(a) => {
                    let _ = write!(out, " {a:.digits$} ({:.2}x) |", ours / a);
                }
                None => out.push_str(" – |"),
            }
        }
        let _ = writeln!(out, " {} |", target(ours, &anchors));
        Ok(())
    };
    row(
        "switch cost, 8 tasks yielding (ns/yield)",
        "switch_8_tasks",
        1.0,
        0,
        &|ours, a| {
            let tokio = a[0].unwrap_or(f64::NAN);
            let fastest = a.iter().flatten().fold(f64::INFINITY, |x, &y| x.min(y));
            format!(
                "≤ 0.5x tokio, ≤ fastest anchor: {}",
                met(ours <= 0.5 * tokio && ours <= fastest)
            )
        },
    )?;
    row(
        "spawn + await 1,000,000 trivial tasks (ns/task)",
        "spawn_await_1m",
        1.0,
        0,
        &|ours, a| {
            let (tokio, ae) = (a[0].unwrap_or(f64::NAN), a[1].unwrap_or(f64::NAN));
            format!(
                "≤ 0.5x tokio, ≤ 1x async-executor: {}",
                met(ours <= 0.5 * tokio && ours <= ae)
            )
        },
    )?;
    row("ping-pong, 10,000 round trips over `bounded(1)` / tokio `mpsc::channel(1)` (ns/round trip)", "pingpong_bounded_10k", 1.0, 0, &|ours, a| {
        format!("≤ 0.5x tokio: {}", met(ours <= 0.5 * a[0].unwrap_or(f64::NAN)))
    })?;
    let ours = get("sleep_100k_20ms", "100000", "interleave")?.ns / 1e6;
    let tokio = get("sleep_100k_20ms", "100000", "tokio-current-thread")?.ns / 1e6;
    let over = (ours - NAP_NS / 1e6) / (tokio - NAP_NS / 1e6);
    let blocks = format!(
        "{:.1} vs {:.1} ms, {over:.2}x",
        ours - NAP_NS / 1e6,
        tokio - NAP_NS / 1e6
    );
    // Judged on the paired figure where the run made one: criterion's two
    // blocks share one process, whose heap the first side leaves to the
    // second.
    let target = match b.paired("sleep_100k_20ms") {
        Some(p) => format!(
            "time beyond the 20 ms nap ≤ 0.2x tokio's, paired (a process per run, {} rounds of A B B A): {:.1} vs {:.1} ms, {:.2}x (quartiles {:.2}–{:.2}), {}{}; criterion's blocks in one process: {blocks}",
            p.rounds,
            p.ours_ns / 1e6,
            p.anchor_ns / 1e6,
            p.ratio,
            p.ratio_q1,
            p.ratio_q3,
            met(p.ratio <= 0.2),
            if p.ratio_q1 <= 0.2 && 0.2 <= p.ratio_q3 {
                " (0.2x lies inside the quartiles)"
            } else {
                ""
            }
        ),
        None => format!(
            "time beyond the 20 ms nap ≤ 0.2x tokio's (criterion's blocks; no paired figure in this run): {blocks}, {}",
            met(over <= 0.2)
        ),
    };
    let _ = writeln!(
        out,
        "| 100,000 tasks each sleeping 20 ms (wall ms) | **{ours:.1}** | {tokio:.1} ({:.2}x) | – | – | {target} |",
        ours / tokio,
    );
    let ten = get("sleep_10k_20ms", "10000", "interleave")?.ns / 1e6;
    let _ = writeln!(
        out,
        "| 10,000 tasks each sleeping 20 ms (wall ms) | **{ten:.1}** | – | – | – | ≤ 25 ms: {} |",
        met(ten <= 25.0)
    );
    let _ = writeln!(
        out,
        "\n*From `{BENCHES}` (`cargo xtask bench`: criterion, every engine and anchor in one run, and the paired sleep rounds of the same run): {}. Parenthesised: criterion's figures, cvp-interleave over the anchor; lower is better.*",
        b.machine
    );
    Ok(out)
}

#[cfg(test)]
mod test {
    use super::*;

    #[test]
    fn the_readme_figures_are_those_of_the_committed_results() {
        let stale = update(&root(), true).unwrap();
        assert!(
            stale.is_empty(),
            "figures out of date in {}: run `cargo xtask figures`",
            stale.join(", ")
        );
    }

    #[test]
    fn a_block_is_replaced_between_its_markers_only() {
        let text = "a\n<!-- figures:x -->\nold\n<!-- /figures:x -->\nb\n";
        let new = replace_block(text, "x", "new\n").unwrap();
        assert_eq!(new, "a\n<!-- figures:x -->\nnew\n<!-- /figures:x -->\nb\n");
        assert_eq!(replace_block(&new, "x", "new").unwrap(), new);
        assert!(replace_block(text, "y", "z").is_err());
    }

    #[test]
    fn the_16_core_predictions_cover_every_fitted_model() {
        let sweep = read(&root(), SWEEP_16).unwrap();
        let table = predictions(&sweep);
        for w in ["mandelbrot", "primes", "sum", "merge-sort"] {
            assert!(table.contains(&format!("| {w} |")), "{w} missing:\n{table}");
        }
        assert!(table.contains("median absolute error"), "{table}");
    }
}

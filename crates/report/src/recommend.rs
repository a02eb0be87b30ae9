//! The recommendation that ends each workload's section: which model wins
//! at this size on this machine, by how much and with what noise band, why
//! in terms of what was measured, and what change would flip the answer.
//!
//! Everything is computed from the cells alone:
//!
//! * **The winner** is the verified cell with the lowest median wall time
//!   (for the probe: the lowest median lateness). Its margin is the ratio of
//!   medians against the best cell of every other model; the noise band is
//!   the min/max envelope of their runs (slowest of one over fastest of the
//!   other, both ways), which needs no distributional assumption and is
//!   honest with two or three runs. A margin whose band reaches below 1 is
//!   called too close to tell.
//! * **Why** quotes measured quantities: the share of sequential wall time
//!   spent computing (CPU time over wall time), the tasks in flight the
//!   winner achieved (Little's law), the cores it kept busy (CPU time over
//!   wall time), and, where a model ran at three or more core counts, the
//!   serial fraction fitted to its speedups (Amdahl, least squares).
//! * **A server under load** (a serve cell: one point of offered load)
//!   is judged by its p99 latency from due time instead, among the models
//!   that answered every request and whose generator kept its schedule; the
//!   noise band is the envelope of each point's leave-one-fifth-out p99s.
//!   Its wall time is the fixed duration of the load, so says nothing.
//! * **What would flip it** splits each cell's wall time into computing
//!   (its CPU time spread over its cores) and the rest (waiting, or cores
//!   idle), scales one part by a factor for both cells, and solves for the
//!   factor at which the runner-up's line crosses the winner's. Only
//!   factors between 1/100 and 100 are reported.

use std::fmt::Write as _;

use serde::{Deserialize, Serialize};

use crate::{Cell, Class, Report, Status};

/// The recommendation for one workload at one size.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Recommendation {
    /// The workload.
    pub workload: String,
    /// The winning model.
    pub winner: String,
    /// Its `--threads`.
    pub threads: usize,
    /// The best other model, if another ran.
    pub runner_up: Option<String>,
    /// Its `--threads`.
    pub runner_up_threads: Option<usize>,
    /// Runner-up's median over the winner's (wall time, or lateness for
    /// the probe): how many times better the winner is.
    pub margin: Option<f64>,
    /// The low end of the margin's min/max envelope.
    pub margin_low: Option<f64>,
    /// The high end of the margin's min/max envelope.
    pub margin_high: Option<f64>,
    /// Whether the whole band is above 1: the winner is better beyond noise.
    pub decided: bool,
    /// The recommendation in sentences: the answer, why, and what would
    /// flip it.
    pub lines: Vec<String>,
}

/// Values of one cell's measured runs.
fn samples(c: &Cell, probe: bool) -> Vec<f64> {
    let v: Vec<f64> = if probe {
        c.runs
            .iter()
            .filter_map(|r| r.lateness.map(|l| l.p50_ns as f64))
            .collect()
    } else {
        c.runs.iter().map(|r| r.wall_ns as f64).collect()
    };
    if v.is_empty() {
        vec![metric(c, probe)]
    } else {
        v
    }
}

fn metric(c: &Cell, probe: bool) -> f64 {
    if probe {
        c.lateness.map_or(f64::INFINITY, |l| l.p50_ns as f64)
    } else {
        c.wall_ns as f64
    }
}

fn best<'a>(cells: impl Iterator<Item = &'a Cell>, probe: bool) -> Option<&'a Cell> {
    cells.min_by(|a, b| metric(a, probe).total_cmp(&metric(b, probe)))
}

fn median(mut xs: Vec<f64>) -> f64 {
    xs.sort_by(f64::total_cmp);
    let n = xs.len();
    if n == 0 {
        f64::NAN
    } else if n % 2 == 1 {
        xs[n / 2]
    } else {
        (xs[n / 2 - 1] + xs[n / 2]) / 2.0
    }
}

fn label(c: &Cell) -> String {
    if c.threads > 1 || c.parallel {
        format!("{} ({} threads)", c.model, c.threads)
    } else {
        c.model.clone()
    }
}

fn times(x: f64) -> String {
    if x >= 10.0 {
        format!("{x:.0}x")
    } else {
        format!("{x:.2}x")
    }
}

/// Amdahl's serial fraction fitted to a model's speedups at three or more
/// distinct core counts: `1/speedup = s + (1 - s)/p`, least squares in `s`.
/// Returns the fraction, the core counts used and the largest residual.
pub fn serial_fraction(cells: &[&Cell]) -> Option<(f64, Vec<usize>, f64)> {
    let mut points: Vec<(usize, f64)> = cells
        .iter()
        .filter_map(|c| c.speedup.map(|s| (c.cores, s)))
        .filter(|(p, s)| *p >= 1 && *s > 0.0)
        .collect();
    points.sort_by_key(|p| p.0);
    points.dedup_by_key(|p| p.0);
    if points.len() < 3 {
        return None;
    }
    let (mut num, mut den) = (0.0, 0.0);
    for &(p, s) in &points {
        let x = 1.0 / p as f64;
        num += (1.0 / s - x) * (1.0 - x);
        den += (1.0 - x) * (1.0 - x);
    }
    if den == 0.0 {
        return None;
    }
    let f = (num / den).clamp(0.0, 1.0);
    let residual = points
        .iter()
        .map(|&(p, s)| {
            let predicted = 1.0 / (f + (1.0 - f) / p as f64);
            (predicted - s).abs()
        })
        .fold(0.0, f64::max);
    Some((f, points.iter().map(|p| p.0).collect(), residual))
}

/// A cell's wall time as computing (CPU time over its cores) plus the
/// rest, in nanoseconds.
fn split(c: &Cell) -> (f64, f64) {
    let compute = (c.cpu_ns as f64 / c.cores.max(1) as f64).min(c.wall_ns as f64);
    (compute, c.wall_ns as f64 - compute)
}

/// The factor on one part (waiting: `wait = true`) at which `b` would
/// match `a`, if it lies in [1/100, 100] and moves in b's favour.
fn flip(a: &Cell, b: &Cell, wait: bool) -> Option<f64> {
    let ((ac, aw), (bc, bw)) = (split(a), split(b));
    // wall(k) = fixed + k * scaled, for the part that is scaled.
    let (a0, a1, b0, b1) = if wait {
        (ac, aw, bc, bw)
    } else {
        (aw, ac, bw, bc)
    };
    let slope = a1 - b1;
    if slope.abs() < 1e-9 {
        return None;
    }
    let k = (b0 - a0) / slope;
    (k > 0.0 && (0.01..=100.0).contains(&k) && (k - 1.0).abs() > 0.01).then_some(k)
}

/// The recommendation for every workload of a report, in report order.
pub fn recommend(report: &Report) -> Vec<Recommendation> {
    let mut names: Vec<&str> = Vec::new();
    for c in &report.cells {
        if !names.contains(&c.workload.as_str()) {
            names.push(&c.workload);
        }
    }
    names
        .into_iter()
        .filter_map(|w| {
            let cells: Vec<&Cell> = report.cells.iter().filter(|c| c.workload == w).collect();
            one(w, &cells)
        })
        .collect()
}

fn one(workload: &str, cells: &[&Cell]) -> Option<Recommendation> {
    if cells.iter().any(|c| c.serve.is_some()) {
        return serve_one(workload, cells);
    }
    let probe = cells.first()?.class == Class::Probe;
    let ok: Vec<&Cell> = cells
        .iter()
        .copied()
        .filter(|c| c.status == Status::Ok && c.verified && metric(c, probe).is_finite())
        .filter(|c| c.wall_ns > 0)
        .collect();
    let winner = best(ok.iter().copied(), probe)?;
    // The best cell of each other model.
    let mut others: Vec<&Cell> = Vec::new();
    for c in &ok {
        if c.model == winner.model || others.iter().any(|o| o.model == c.model) {
            continue;
        }
        let same: Vec<&Cell> = ok.iter().copied().filter(|o| o.model == c.model).collect();
        others.extend(best(same.into_iter(), probe));
    }
    others.sort_by(|a, b| metric(a, probe).total_cmp(&metric(b, probe)));
    let runner = others.first().copied();
    let what = if probe { "lateness" } else { "wall time" };

    let mut lines = Vec::new();
    let (mut margin, mut low, mut high, mut decided) = (None, None, None, false);
    let head = format!(
        "At size {} {} on this machine, **{}** wins",
        winner.size,
        winner.unit,
        label(winner)
    );
    match runner {
        None => lines.push(format!("{head}: no other model gave a verified answer.")),
        Some(r) => {
            let (ws, rs) = (samples(winner, probe), samples(r, probe));
            let m = median(rs.clone()) / median(ws.clone()).max(1.0);
            let max = |v: &[f64]| v.iter().copied().fold(f64::MIN, f64::max);
            let min = |v: &[f64]| v.iter().copied().fold(f64::MAX, f64::min);
            let lo = min(&rs) / max(&ws).max(1.0);
            let hi = max(&rs) / min(&ws).max(1.0);
            // One run has no spread: its envelope is a point, not a band.
            let few = ws.len().min(rs.len()) < 2;
            decided = lo > 1.0 && !few;
            margin = Some(m);
            low = Some(lo);
            high = Some(hi);
            let band = format!(
                "the median {what} of {} is {} the winner's (min/max envelope {:.2}–{:.2}, over {} and {} runs)",
                label(r),
                times(m),
                lo,
                hi,
                rs.len(),
                ws.len()
            );
            if decided {
                lines.push(format!("{head}: {band}."));
            } else if few {
                lines.push(format!(
                    "{head}, but one run cannot show the noise: {band}; rerun with `--runs 3` or more to tell."
                ));
            } else {
                lines.push(format!(
                    "{head}, but too close to tell from {}: {band}; either is a sound choice.",
                    label(r)
                ));
            }
        }
    }

    // Why, in measured terms.
    let mut why = Vec::new();
    if let Some(seq) = cells
        .iter()
        .find(|c| c.role == crate::Role::Baseline && c.status == Status::Ok && c.wall_ns > 0)
    {
        let busy = seq.cpu_ns as f64 / seq.wall_ns as f64;
        if !probe && seq.concurrency.is_some() {
            why.push(format!(
                "sequentially it computes {:.0}% of its wall time (CPU time over wall time) and waits the rest",
                (busy * 100.0).min(100.0)
            ));
        }
        if let (Some(cw), Some(cs)) = (winner.concurrency, seq.concurrency) {
            why.push(format!(
                "{} kept {cw:.1} tasks in flight against {cs:.1} sequentially (Little's law: summed task latency over wall time)",
                winner.model
            ));
        }
        if let Some(s) = winner.speedup.filter(|_| winner.model != seq.model) {
            why.push(format!(
                "{} is {} faster than sequential",
                winner.model,
                times(s)
            ));
        }
    }
    let cores_busy = winner.cpu_ns as f64 / winner.wall_ns as f64;
    why.push(format!(
        "{} kept {cores_busy:.2} cores busy (CPU time over wall time) of the {} it may use",
        winner.model, winner.cores
    ));
    let of_model: Vec<&Cell> = ok
        .iter()
        .copied()
        .filter(|c| c.model == winner.model)
        .collect();
    if let Some((f, ps, res)) = serial_fraction(&of_model) {
        let cap = if f > 0.0 {
            format!("at most {} on any number of cores", times(1.0 / f))
        } else {
            "no limit in sight".into()
        };
        why.push(format!(
            "its speedups at {} cores fit a serial fraction of {f:.2} (largest residual {res:.2}x): {cap}",
            ps.iter().map(usize::to_string).collect::<Vec<_>>().join(", ")
        ));
    } else if ok.iter().any(|c| c.parallel) {
        let counts: Vec<usize> = {
            let mut v: Vec<usize> = of_model.iter().map(|c| c.cores).collect();
            v.sort_unstable();
            v.dedup();
            v
        };
        if counts.len() < 3 && winner.parallel {
            why.push(format!(
                "no serial fraction is fitted from {} core count{} (run with `--threads 1,2,4` or more for one)",
                counts.len(),
                if counts.len() == 1 { "" } else { "s" }
            ));
        }
    }
    if !why.is_empty() {
        lines.push(format!("Why: {}.", why.join("; ")));
    }

    // What would flip it: the nearest crossing over every other model.
    if !probe {
        let mut nearest: Option<(f64, bool, &Cell)> = None;
        for o in &others {
            // A job has no waits to scale: only its computing.
            let parts: &[bool] = if winner.concurrency.is_some() {
                &[true, false]
            } else {
                &[false]
            };
            for &wait in parts {
                if let Some(k) = flip(winner, o, wait) {
                    if nearest.is_none_or(|(n, _, _)| k.ln().abs() < n.ln().abs()) {
                        nearest = Some((k, wait, o));
                    }
                }
            }
        }
        match nearest {
            Some((k, wait, o)) => {
                let part = if wait { "waiting" } else { "computing" };
                let unit = if winner.unit.contains("task") || winner.concurrency.is_some() {
                    " per task"
                } else {
                    ""
                };
                let change = if k < 1.0 {
                    format!("{} less {part}{unit}", times(1.0 / k))
                } else {
                    format!("{} more {part}{unit}", times(k))
                };
                lines.push(format!(
                    "What would flip it: with {change}, {} would beat {} (each cell's wall time split into computing, its CPU time over its cores, and the rest, with one part scaled).",
                    label(o),
                    winner.model
                ));
            }
            None if runner.is_some() => lines.push(
                "What would flip it: no change between 1/100x and 100x in waiting or in computing alone, by the same split of wall time.".into(),
            ),
            None => {}
        }
    }
    Some(Recommendation {
        workload: workload.to_owned(),
        winner: winner.model.clone(),
        threads: winner.threads,
        runner_up: runner.map(|r| r.model.clone()),
        runner_up_threads: runner.map(|r| r.threads),
        margin,
        margin_low: low,
        margin_high: high,
        decided,
        lines,
    })
}

/// A serve cell's p99 and its leave-one-fifth-out band (a point when the
/// windows were not kept).
fn p99_band(c: &Cell) -> Option<(f64, f64, f64, bool)> {
    let s = c.serve.as_ref()?;
    let p99 = s.p99_ns as f64;
    let loo = &s.p99_leave_one_out_ns;
    let lo = loo.iter().map(|&x| x as f64).fold(p99, f64::min);
    let hi = loo.iter().map(|&x| x as f64).fold(p99, f64::max);
    Some((p99, lo, hi, !loo.is_empty()))
}

/// The recommendation for one point of a server under load: the lowest
/// p99 latency among the models that answered every request on a
/// generator that kept its schedule.
fn serve_one(workload: &str, cells: &[&Cell]) -> Option<Recommendation> {
    let clean = |c: &&Cell| {
        c.status == Status::Ok
            && c.verified
            && c.serve
                .as_ref()
                .is_some_and(|s| s.unreliable.is_none() && s.failed() == 0 && s.ok == s.due)
    };
    let ok: Vec<&Cell> = cells.iter().copied().filter(clean).collect();
    let p99 = |c: &Cell| c.serve.as_ref().map_or(u64::MAX, |s| s.p99_ns);
    let winner = *ok.iter().min_by_key(|c| p99(c))?;
    let ws = winner.serve.as_ref()?;
    let mut others: Vec<&Cell> = Vec::new();
    for c in &ok {
        if c.model == winner.model || others.iter().any(|o| o.model == c.model) {
            continue;
        }
        others.extend(
            ok.iter()
                .copied()
                .filter(|o| o.model == c.model)
                .min_by_key(|o| p99(o)),
        );
    }
    others.sort_by_key(|c| p99(c));
    let runner = others.first().copied();
    let head = format!(
        "At {} req/s offered ({}, {} connections) on this machine, **{}** keeps the lowest p99 latency from due time, {}",
        crate::serve::rps(ws.offered_rps),
        ws.mix,
        ws.connections,
        label(winner),
        crate::render::duration(ws.p99_ns)
    );
    let mut lines = Vec::new();
    let (mut margin, mut low, mut high, mut decided) = (None, None, None, false);
    match runner.and_then(|r| Some((r, p99_band(r)?, p99_band(winner)?))) {
        None => lines.push(format!(
            "{head}: no other model answered every request in time."
        )),
        Some((r, (rp, rlo, rhi, rbanded), (wp, wlo, whi, wbanded))) => {
            let m = rp / wp.max(1.0);
            let (lo, hi) = (rlo / whi.max(1.0), rhi / wlo.max(1.0));
            decided = lo > 1.0 && rbanded && wbanded;
            (margin, low, high) = (Some(m), Some(lo), Some(hi));
            let band = format!(
                "the p99 of {} is {} the winner's (envelope of the p99s with any fifth of each point left out: {lo:.2}–{hi:.2})",
                label(r),
                times(m)
            );
            if decided {
                lines.push(format!("{head}: {band}."));
            } else {
                lines.push(format!(
                    "{head}, but too close to tell from {}: {band}; either is a sound choice at this load.",
                    label(r)
                ));
            }
        }
    }
    let mut why = vec![format!(
        "{} answered {} req/s of the {} offered, p50 {}, and kept {:.2} cores busy (CPU time over wall time) of the {} it may use",
        winner.model,
        crate::serve::rps(ws.achieved_rps),
        crate::serve::rps(ws.offered_rps),
        crate::render::duration(ws.p50_ns),
        winner.cpu_ns as f64 / winner.wall_ns.max(1) as f64,
        winner.cores
    )];
    for c in cells.iter().filter(|c| !clean(c)) {
        let Some(s) = &c.serve else { continue };
        if let Some(u) = &s.unreliable {
            why.push(format!("{} is left out: {u}", label(c)));
        } else if s.ok < s.due {
            why.push(format!(
                "{} answered {} of {} requests correctly",
                label(c),
                s.ok,
                s.due
            ));
        }
    }
    lines.push(format!("Why: {}.", why.join("; ")));
    lines.push(
        "What would flip it: one offered load cannot say where each model bends; `cvp serve-sweep` measures p50, p99 and p99.9 against offered load for every model."
            .into(),
    );
    Some(Recommendation {
        workload: workload.to_owned(),
        winner: winner.model.clone(),
        threads: winner.threads,
        runner_up: runner.map(|r| r.model.clone()),
        runner_up_threads: runner.map(|r| r.threads),
        margin,
        margin_low: low,
        margin_high: high,
        decided,
        lines,
    })
}

/// The recommendation for `workload`, worked out from its cells, so that a
/// saved report drawn again follows the current rules.
pub(crate) fn lines_for(report: &Report, workload: &str) -> Vec<String> {
    let cells: Vec<&Cell> = report
        .cells
        .iter()
        .filter(|c| c.workload == workload)
        .collect();
    one(workload, &cells).map(|r| r.lines).unwrap_or_default()
}

/// The recommendation as text lines for a terminal (markdown bold removed).
pub(crate) fn text_lines(report: &Report, workload: &str) -> Vec<String> {
    lines_for(report, workload)
        .into_iter()
        .map(|l| {
            let mut s = String::new();
            let _ = write!(s, "{}", l.replace("**", ""));
            s
        })
        .collect()
}

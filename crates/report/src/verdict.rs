//! Verdicts: the claims the field makes about concurrency and parallelism,
//! checked against measured cells.
//!
//! Each verdict names its claim with a stable id, says whether the numbers
//! support it, and states it as measured. Thresholds leave room for noise:
//! a claim that "nothing speeds this up" allows up to [`NO_SPEEDUP`].
//!
//! Verdicts compare the **fastest run** of each cell (`wall_min_ns`), not
//! the median the tables show: other processes can only add time to a run,
//! so on a shared machine the minimum is the estimate of a model's cost that
//! survives interference (Chen and Revels, *Robust benchmarking in noisy
//! environments*, 2016), and a claim should not flip because the baseline
//! happened to run while something else did.

use crate::{Cell, Class, LatenessStats, Role, Status, Verdict};

/// A speedup up to this is "no speedup": timing noise and turbo effects on a
/// loaded machine reach a few tens of percent.
pub const NO_SPEEDUP: f64 = 1.3;

/// A concurrent engine (interleave) should be within this factor of its
/// anchor (tokio current-thread) on the io class.
pub const INTERLEAVE_TOLERANCE: f64 = 1.1;

/// A parallel engine (decompose) should be within this factor of its
/// anchor (rayon) on the cpu class, at the same thread count.
pub const DECOMPOSE_TOLERANCE: f64 = 1.05;

/// Derives the verdicts from a report's cells: per workload by class, then
/// the engine comparisons, then one summary per class.
pub fn verdicts(cells: &[Cell]) -> Vec<Verdict> {
    let cells = &fastest_runs(cells);
    let mut out = Vec::new();
    let mut workloads: Vec<&str> = Vec::new();
    for c in cells {
        if !workloads.contains(&c.workload.as_str()) {
            workloads.push(&c.workload);
        }
    }
    for w in &workloads {
        let ws: Vec<&Cell> = cells
            .iter()
            .filter(|c| c.workload == *w && c.status == Status::Ok)
            .collect();
        let Some(first) = cells.iter().find(|c| c.workload == *w) else {
            continue;
        };
        if ws.iter().any(|c| c.serve.is_some()) {
            out.extend(crate::serve::cell_verdicts(
                &ws.into_iter().cloned().collect::<Vec<_>>(),
            ));
            continue;
        }
        match first.class {
            Class::Io => {
                out.push(io_winner(w, &ws));
                out.extend(engine_vs_anchor(w, &ws, Kind::Concurrent));
            }
            Class::Cpu | Class::Memory => {
                out.push(one_core(w, &ws));
                if first.class == Class::Cpu {
                    out.extend(engine_vs_anchor(w, &ws, Kind::Parallel));
                }
                if first.serial {
                    out.push(amdahl(w, &ws));
                }
            }
            Class::Mixed => {
                out.push(mixed(w, &ws));
                out.extend(hybrid(w, &ws));
            }
            Class::Probe => out.push(probe(w, &ws)),
        }
    }
    out.extend(summaries(&out));
    out
}

/// The cells with speedup, efficiency and wall time taken from their
/// fastest runs.
fn fastest_runs(cells: &[Cell]) -> Vec<Cell> {
    let mut cells = cells.to_vec();
    let bases: Vec<(String, usize, u64)> = cells
        .iter()
        .filter(|c| c.role == Role::Baseline && c.status == Status::Ok && c.wall_min_ns > 0)
        .map(|c| (c.workload.clone(), c.size, c.wall_min_ns))
        .collect();
    for c in &mut cells {
        let base = bases
            .iter()
            .find(|(w, s, _)| *w == c.workload && *s == c.size);
        match base {
            Some((_, _, base)) if c.wall_min_ns > 0 => {
                let speedup = *base as f64 / c.wall_min_ns as f64;
                c.speedup = Some(speedup);
                c.efficiency = Some(speedup / c.cores.max(1) as f64);
                c.wall_ns = c.wall_min_ns;
            }
            _ => {
                c.speedup = None;
                c.efficiency = None;
            }
        }
    }
    cells
}

fn speedup(c: &Cell) -> f64 {
    c.speedup.unwrap_or(0.0)
}

/// `12x` for large factors, `1.93x` for small ones.
pub(crate) fn times(x: f64) -> String {
    if x >= 10.0 {
        format!("{x:.0}x")
    } else {
        format!("{x:.2}x")
    }
}

fn cores(c: &Cell) -> String {
    match c.cores {
        1 => "1 core".into(),
        n => format!("{n} cores"),
    }
}

fn best<'c>(cells: &[&'c Cell]) -> Option<&'c Cell> {
    cells
        .iter()
        .copied()
        .filter(|c| c.speedup.is_some())
        .max_by(|a, b| speedup(a).total_cmp(&speedup(b)))
}

fn labels<'a>(cells: impl IntoIterator<Item = &'a Cell>) -> Vec<String> {
    cells.into_iter().map(Cell::label).collect()
}

fn verdict(claim: &str, w: &str, holds: Option<bool>, text: String, cells: Vec<String>) -> Verdict {
    Verdict {
        claim: claim.into(),
        workload: Some(w.into()),
        holds,
        text,
        cells,
    }
}

fn missing(claim: &str, w: &str, what: &str) -> Verdict {
    verdict(
        claim,
        w,
        None,
        format!("{w}: not enough cells to judge ({what})"),
        Vec::new(),
    )
}

fn others<'a>(ws: &[&'a Cell]) -> Vec<&'a Cell> {
    ws.iter()
        .copied()
        .filter(|c| c.role != Role::Baseline)
        .collect()
}

fn io_winner(w: &str, ws: &[&Cell]) -> Verdict {
    let rest = others(ws);
    let Some(win) = best(&rest) else {
        return missing("io-concurrency-wins", w, "no model besides the baseline");
    };
    let plain: Vec<&Cell> = rest.iter().copied().filter(|c| !c.concurrent).collect();
    let mut text = format!(
        "{w}: {} wins the io class, {} over sequential on {}",
        win.model,
        times(speedup(win)),
        cores(win)
    );
    if let Some(cc) = win.concurrency {
        text += &format!(" ({cc:.0} tasks in flight)");
    }
    let mut cells = vec![win.label()];
    if let Some(p) = best(&plain) {
        text += &format!(
            "; parallelism alone ({}) reaches {} on {}",
            p.model,
            times(speedup(p)),
            cores(p)
        );
        cells.push(p.label());
    }
    verdict("io-concurrency-wins", w, Some(win.concurrent), text, cells)
}

/// Which of cvp's engines a comparison with the anchor is about.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// Concurrent on one core (the interleaver), on the io class.
    Concurrent,
    /// Parallel only (the decomposer), on the cpu class.
    Parallel,
}

impl Kind {
    fn is(self, c: &Cell) -> bool {
        match self {
            Kind::Concurrent => c.concurrent && !c.parallel,
            Kind::Parallel => c.parallel && !c.concurrent,
        }
    }

    fn claim(self) -> &'static str {
        match self {
            Kind::Concurrent => "interleave-matches-tokio",
            Kind::Parallel => "decompose-matches-rayon",
        }
    }

    fn tolerance(self) -> f64 {
        match self {
            Kind::Concurrent => INTERLEAVE_TOLERANCE,
            Kind::Parallel => DECOMPOSE_TOLERANCE,
        }
    }
}

/// Each engine of `kind` against its anchor, at every thread count both
/// ran with.
fn engine_vs_anchor(w: &str, ws: &[&Cell], kind: Kind) -> Vec<Verdict> {
    let mut out = Vec::new();
    let mut engines: Vec<&str> = Vec::new();
    for c in ws {
        if c.role == Role::Engine
            && kind.is(c)
            && c.anchor.is_some()
            && !engines.contains(&c.model.as_str())
        {
            engines.push(&c.model);
        }
    }
    for e in engines {
        let pairs: Vec<(&Cell, &Cell)> = ws
            .iter()
            .filter(|c| c.model == e)
            .filter_map(|d| {
                let anchor = d.anchor.as_deref()?;
                let r = ws
                    .iter()
                    .find(|r| r.model == anchor && r.threads == d.threads)?;
                Some((*d, *r))
            })
            .collect();
        let Some((_, first_anchor)) = pairs.first() else {
            continue;
        };
        let anchor = first_anchor.model.clone();
        let ratio = |(d, r): &(&Cell, &Cell)| d.wall_ns as f64 / r.wall_ns.max(1) as f64;
        let worst = pairs.iter().map(ratio).fold(0.0, f64::max);
        let each: Vec<String> = pairs
            .iter()
            .map(|p| format!("{:.2}x {anchor}'s on {} threads", ratio(p), p.0.threads))
            .collect();
        let text = format!(
            "{w}: {e}'s wall time is {} (fastest runs; target at most {}x)",
            each.join(", "),
            kind.tolerance()
        );
        out.push(verdict(
            kind.claim(),
            w,
            Some(worst <= kind.tolerance()),
            text,
            labels(pairs.iter().flat_map(|(d, r)| [*d, *r])),
        ));
    }
    out
}

fn one_core(w: &str, ws: &[&Cell]) -> Verdict {
    let rest = others(ws);
    let single: Vec<&Cell> = rest.iter().copied().filter(|c| c.cores == 1).collect();
    let Some(s) = best(&single) else {
        return missing("cpu-one-core-no-speedup", w, "no one-core model");
    };
    let mut text = format!(
        "{w}: no one-core model speeds it up (best: {} {})",
        s.model,
        times(speedup(s))
    );
    let mut cells = labels(single.iter().copied());
    let multi: Vec<&Cell> = rest.iter().copied().filter(|c| c.cores > 1).collect();
    if let Some(p) = best(&multi) {
        text += &format!(
            "; {} reaches {} on {} (efficiency {:.2})",
            p.model,
            times(speedup(p)),
            cores(p),
            p.efficiency.unwrap_or(0.0)
        );
        cells.push(p.label());
    }
    if speedup(s) > NO_SPEEDUP {
        text = format!(
            "{w}: a one-core model sped it up: {} {}",
            s.model,
            times(speedup(s))
        );
    }
    verdict(
        "cpu-one-core-no-speedup",
        w,
        Some(speedup(s) <= NO_SPEEDUP),
        text,
        cells,
    )
}

fn amdahl(w: &str, ws: &[&Cell]) -> Verdict {
    let rest = others(ws);
    let Some(b) = best(&rest) else {
        return missing("amdahl-no-speedup", w, "no model besides the baseline");
    };
    let holds = speedup(b) <= NO_SPEEDUP;
    let text = format!(
        "{w}: {} model speeds it up (best: {} {} on {}): every step needs the last one, so its serial fraction is 1 (Amdahl)",
        if holds { "no" } else { "a" },
        b.model,
        times(speedup(b)),
        cores(b)
    );
    verdict("amdahl-no-speedup", w, Some(holds), text, labels(rest))
}

fn mixed(w: &str, ws: &[&Cell]) -> Verdict {
    let rest = others(ws);
    let Some(win) = best(&rest) else {
        return missing("mixed-needs-both", w, "no model besides the baseline");
    };
    let mut text = format!(
        "{w}: {} wins, {} over sequential on {}",
        win.model,
        times(speedup(win)),
        cores(win)
    );
    let mut cells = vec![win.label()];
    let conc: Vec<&Cell> = rest
        .iter()
        .copied()
        .filter(|c| c.concurrent && c.cores == 1)
        .collect();
    let par: Vec<&Cell> = rest
        .iter()
        .copied()
        .filter(|c| !c.concurrent && c.parallel)
        .collect();
    if let Some(c) = best(&conc) {
        text += &format!("; concurrency alone ({}) {}", c.model, times(speedup(c)));
        cells.push(c.label());
    }
    if let Some(p) = best(&par) {
        text += &format!("; parallelism alone ({}) {}", p.model, times(speedup(p)));
        cells.push(p.label());
    }
    verdict(
        "mixed-needs-both",
        w,
        Some(win.concurrent && win.parallel),
        text,
        cells,
    )
}

/// cvp's engine that is both concurrent and parallel against its engines
/// that are only one of the two.
fn hybrid(w: &str, ws: &[&Cell]) -> Option<Verdict> {
    let engines: Vec<&Cell> = ws
        .iter()
        .copied()
        .filter(|c| c.role == Role::Engine)
        .collect();
    let pick = |f: &dyn Fn(&Cell) -> bool| {
        best(&engines.iter().copied().filter(|c| f(c)).collect::<Vec<_>>())
    };
    let h = pick(&|c| c.concurrent && c.parallel)?;
    let il = pick(&|c| c.concurrent && !c.parallel)?;
    let de = pick(&|c| c.parallel && !c.concurrent)?;
    let holds = h.wall_ns < il.wall_ns && h.wall_ns < de.wall_ns;
    let text = format!(
        "{w}: {} {:.1} ms vs {} {:.1} ms and {} {:.1} ms (fastest runs): {}",
        h.model,
        h.wall_ns as f64 / 1e6,
        il.model,
        il.wall_ns as f64 / 1e6,
        de.model,
        de.wall_ns as f64 / 1e6,
        if holds {
            format!("{} beats both", h.model)
        } else {
            format!("{} does not beat both", h.model)
        }
    );
    Some(verdict(
        "hybrid-beats-both",
        w,
        Some(holds),
        text,
        labels([h, il, de]),
    ))
}

fn ms(ns: u64) -> f64 {
    ns as f64 / 1e6
}

fn probe(w: &str, ws: &[&Cell]) -> Verdict {
    let one: Vec<&Cell> = ws
        .iter()
        .copied()
        .filter(|c| c.lateness.is_some() && c.role != Role::Baseline && c.cores == 1)
        .collect();
    let coop: Vec<&Cell> = one
        .iter()
        .copied()
        .filter(|c| c.concurrent && !c.preemptive)
        .collect();
    let pre: Vec<&Cell> = one.iter().copied().filter(|c| c.preemptive).collect();
    let p50 = |c: &Cell| c.lateness.map_or(0, |l| l.p50_ns);
    let lo = coop.iter().map(|c| p50(c)).min();
    let hi = pre.iter().map(|c| p50(c)).max();
    let (Some(lo), Some(hi)) = (lo, hi) else {
        return missing(
            "probe-cooperative-late",
            w,
            "needs a cooperative one-core model and a preemptive one",
        );
    };
    let list = |cs: &[&Cell]| {
        cs.iter()
            .map(|c| {
                let l = c.lateness.unwrap_or(LatenessStats {
                    count: 0,
                    p50_ns: 0,
                    p99_ns: 0,
                    max_ns: 0,
                });
                format!(
                    "{} p50 {:.2} ms, p99 {:.2} ms",
                    c.model,
                    ms(l.p50_ns),
                    ms(l.p99_ns)
                )
            })
            .collect::<Vec<_>>()
            .join("; ")
    };
    let mut text = format!(
        "{w}: on one core, tasks that never yield delay the probe more under cooperative scheduling ({}) than under preemption ({})",
        list(&coop),
        list(&pre)
    );
    let mut cells = labels(coop.iter().copied());
    cells.extend(labels(pre.iter().copied()));
    let multi: Vec<&Cell> = ws
        .iter()
        .copied()
        .filter(|c| c.lateness.is_some() && c.cores > 1)
        .collect();
    if let Some(b) = multi
        .iter()
        .copied()
        .min_by_key(|c| c.lateness.map_or(u64::MAX, |l| l.p99_ns))
    {
        let l = b.lateness.expect("filtered on lateness");
        text += &format!(
            "; with a free core the probe is on time ({} p99 {:.2} ms)",
            b.model,
            ms(l.p99_ns)
        );
        cells.push(b.label());
    }
    verdict("probe-cooperative-late", w, Some(lo > hi), text, cells)
}

/// One line per claim that spans workloads.
fn summaries(per: &[Verdict]) -> Vec<Verdict> {
    let mut out = Vec::new();
    for (claim, what) in [
        ("io-concurrency-wins", "concurrency wins the io class"),
        (
            "cpu-one-core-no-speedup",
            "no one-core model speeds up the cpu and memory classes",
        ),
        (
            "interleave-matches-tokio",
            "cvp's concurrent engine keeps up with its anchor",
        ),
        (
            "decompose-matches-rayon",
            "cvp's parallel engine keeps up with its anchor",
        ),
    ] {
        let vs: Vec<&Verdict> = per
            .iter()
            .filter(|v| v.claim == claim && v.holds.is_some())
            .collect();
        if vs.is_empty() {
            continue;
        }
        let failed: Vec<&str> = vs
            .iter()
            .filter(|v| v.holds == Some(false))
            .filter_map(|v| v.workload.as_deref())
            .collect();
        let text = if failed.is_empty() {
            format!("{what}: holds on all {} workloads measured", vs.len())
        } else {
            format!("{what}: does not hold on {}", failed.join(", "))
        };
        out.push(Verdict {
            claim: claim.into(),
            workload: None,
            holds: Some(failed.is_empty()),
            text,
            cells: vs.iter().flat_map(|v| v.cells.iter().cloned()).collect(),
        });
    }
    out
}

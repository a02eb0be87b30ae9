//! Verdicts: the claims the field makes about concurrency and parallelism,
//! checked against measured cells.
//!
//! Each verdict names its claim with a stable id, states it as measured,
//! and ends in a [`Judgement`]: holds, does not hold, or too noisy to tell
//! (or not judged, when the cells it needs are missing).
//!
//! # How a claim is judged
//!
//! A claim rests on a ratio of two cells: a speedup (the baseline's wall
//! time over a model's), an engine's wall time over its anchor's, a
//! lateness over another. The ratio is the **ratio of medians**, the figure
//! the tables show, and it comes with an **interval over every run of both
//! cells**: the min/max envelope, from the fastest run of one cell against
//! the slowest of the other to the reverse (`[a.min / b.max, a.max /
//! b.min]`). The claim holds when the whole interval is on its side of the
//! threshold, does not hold when the whole interval is on the other side,
//! and is too noisy to tell otherwise. No claim is decided by the fastest
//! runs alone.
//!
//! Why the envelope and not a bootstrap: a cell gets from 2 to 20 runs (a
//! long one gets 2, see the runner's `Runs`), and a bootstrap of the median
//! of 2 or 3 runs can only take those same 2 or 3 values, so its "95%"
//! interval would claim a confidence it cannot have. The envelope claims
//! less: it is the range every pairing of measured runs spans, so a
//! verdict that holds is supported by every run, and a single disturbed
//! run makes a verdict too noisy rather than wrong. It needs no random
//! numbers, so a report is judged the same way every time.
//!
//! Thresholds leave room for what is not noise but not the claim either: a
//! claim that "nothing speeds this up" allows up to [`NO_SPEEDUP`].

use crate::render::duration;
use crate::{Bandwidth, Cell, Class, Judgement, Role, Status, Verdict};

/// A speedup up to this is "no speedup": turbo effects and cache warmth
/// move a one-core model by a few tens of percent without any parallelism.
pub const NO_SPEEDUP: f64 = 1.3;

/// A concurrent engine (interleave) should be within this factor of its
/// anchor (tokio current-thread) on the io class.
pub const INTERLEAVE_TOLERANCE: f64 = 1.1;

/// A parallel engine (decompose) should be within this factor of its
/// anchor (rayon) on the cpu class, at the same thread count.
pub const DECOMPOSE_TOLERANCE: f64 = 1.05;

/// A memory-bound job may beat the bandwidth ceiling by this factor before
/// the claim that memory bounds it fails: part of its data may sit in the
/// caches, which the triad's arrays are too large for.
pub const BANDWIDTH_TOLERANCE: f64 = 1.15;

/// A ratio of medians and its min/max envelope over every run.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Ratio {
    mid: f64,
    lo: f64,
    hi: f64,
}

impl Ratio {
    /// `num / den` of two cells' wall times.
    fn walls(num: &Cell, den: &Cell) -> Ratio {
        let (n, d) = (Spread::wall(num), Spread::wall(den));
        Ratio::of(n, d)
    }

    /// `num / den` of two spreads.
    fn of(n: Spread, d: Spread) -> Ratio {
        let div = |a: f64, b: f64| if b > 0.0 { a / b } else { f64::INFINITY };
        Ratio {
            mid: div(n.mid, d.mid),
            lo: div(n.lo, d.hi),
            hi: div(n.hi, d.lo),
        }
    }

    /// The speedup of `c` over the baseline `base`.
    fn speedup(base: &Cell, c: &Cell) -> Ratio {
        Ratio::walls(base, c)
    }

    /// Whether the ratio is at most `t` (holds when every run says so).
    fn at_most(self, t: f64) -> Judgement {
        if self.hi <= t {
            Judgement::Holds
        } else if self.lo > t {
            Judgement::DoesNotHold
        } else {
            Judgement::TooNoisy
        }
    }

    /// Whether the ratio is above `t`.
    fn above(self, t: f64) -> Judgement {
        if self.lo > t {
            Judgement::Holds
        } else if self.hi <= t {
            Judgement::DoesNotHold
        } else {
            Judgement::TooNoisy
        }
    }

    /// `1.26x (1.10–1.41)`.
    fn show(self) -> String {
        format!(
            "{} ({}–{})",
            times(self.mid),
            times(self.lo),
            times(self.hi)
        )
    }
}

/// A cell's median with its fastest and slowest run.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Spread {
    mid: f64,
    lo: f64,
    hi: f64,
}

impl Spread {
    fn wall(c: &Cell) -> Spread {
        let mid = c.wall_ns as f64;
        let lo = if c.wall_min_ns > 0 {
            c.wall_min_ns as f64
        } else {
            mid
        };
        let hi = (c.wall_max_ns as f64).max(mid);
        Spread { mid, lo, hi }
    }

    /// The probe's median lateness, and the range of its runs' medians.
    fn lateness(c: &Cell) -> Option<Spread> {
        let mid = c.lateness?.p50_ns as f64;
        let per: Vec<f64> = c
            .runs
            .iter()
            .filter_map(|r| r.lateness.map(|l| l.p50_ns as f64))
            .collect();
        let lo = per.iter().copied().fold(mid, f64::min);
        let hi = per.iter().copied().fold(mid, f64::max);
        // A lateness of zero would make every ratio infinite: a tick is at
        // least a microsecond late by the clock's own cost.
        let floor = |x: f64| x.max(1e3);
        Some(Spread {
            mid: floor(mid),
            lo: floor(lo),
            hi: floor(hi),
        })
    }
}

/// All of `js` hold: any that does not hold decides, then any too noisy.
fn all(js: impl IntoIterator<Item = Judgement>) -> Judgement {
    let mut out = Judgement::Holds;
    let mut any = false;
    for j in js {
        any = true;
        out = match (out, j) {
            (Judgement::DoesNotHold, _) | (_, Judgement::DoesNotHold) => Judgement::DoesNotHold,
            (Judgement::NotJudged, _) | (_, Judgement::NotJudged) => Judgement::NotJudged,
            (Judgement::TooNoisy, _) | (_, Judgement::TooNoisy) => Judgement::TooNoisy,
            _ => Judgement::Holds,
        };
    }
    if any {
        out
    } else {
        Judgement::NotJudged
    }
}

/// Derives the verdicts from a report's cells: per workload by class, then
/// the engine comparisons, then one summary per class. `bandwidth`, the
/// machine's measured memory bandwidth, judges the memory class.
pub fn verdicts(cells: &[Cell], bandwidth: Option<&Bandwidth>) -> Vec<Verdict> {
    let cells = &with_speedups(cells);
    let mut out = Vec::new();
    let mut workloads: Vec<&str> = Vec::new();
    for c in cells {
        if !workloads.contains(&c.workload.as_str()) {
            workloads.push(&c.workload);
        }
    }
    for w in &workloads {
        let all: Vec<&Cell> = cells.iter().filter(|c| c.workload == *w).collect();
        let ws: Vec<&Cell> = all
            .iter()
            .copied()
            .filter(|c| c.status == Status::Ok)
            .collect();
        let first = all[0];
        let ctx = Ctx {
            w,
            ws: &ws,
            base: ws.iter().copied().find(|c| c.role == Role::Baseline),
            base_status: all
                .iter()
                .find(|c| c.role == Role::Baseline)
                .map(|c| c.status),
        };
        if ws.iter().any(|c| c.serve.is_some()) {
            out.extend(crate::serve::cell_verdicts(
                &ws.into_iter().cloned().collect::<Vec<_>>(),
            ));
            continue;
        }
        match first.class {
            Class::Io => {
                out.push(io_winner(&ctx));
                out.extend(engine_vs_anchor(&ctx, Kind::Concurrent));
            }
            Class::Cpu | Class::Memory => {
                out.push(one_core(&ctx));
                if first.class == Class::Cpu {
                    out.extend(engine_vs_anchor(&ctx, Kind::Parallel));
                } else {
                    out.push(memory_bound(&ctx, bandwidth));
                }
                if first.serial {
                    out.push(amdahl(&ctx));
                }
            }
            Class::Mixed => {
                out.push(mixed(&ctx));
                out.extend(hybrid(&ctx));
            }
            Class::Probe => out.push(probe(&ctx)),
        }
    }
    out.extend(summaries(&out));
    out
}

/// One workload's cells and its baseline.
struct Ctx<'a> {
    w: &'a str,
    /// The cells that ran and gave the reference answer.
    ws: &'a [&'a Cell],
    /// The baseline, when it ran correctly.
    base: Option<&'a Cell>,
    /// The baseline's status, when it is in the report.
    base_status: Option<Status>,
}

impl Ctx<'_> {
    /// The cells other than the baseline.
    fn others(&self) -> Vec<&Cell> {
        self.ws
            .iter()
            .copied()
            .filter(|c| c.role != Role::Baseline)
            .collect()
    }

    /// Why a verdict that needs the baseline cannot be judged, if it cannot.
    fn no_base(&self, claim: &str) -> Option<Verdict> {
        if self.base.is_some() {
            return None;
        }
        let why = match self.base_status {
            Some(s) => format!("the baseline did not run correctly ({})", s.label()),
            None => "the baseline is not in the report".to_owned(),
        };
        Some(missing(claim, self.w, &why))
    }

    /// The speedup of `c` over the baseline (which must be there).
    fn speedup(&self, c: &Cell) -> Ratio {
        match self.base {
            Some(b) => Ratio::speedup(b, c),
            None => Ratio {
                mid: 0.0,
                lo: 0.0,
                hi: 0.0,
            },
        }
    }
}

/// The cells with speedup and efficiency of their medians over the
/// baseline's, so that the verdicts read the same figures as the tables.
fn with_speedups(cells: &[Cell]) -> Vec<Cell> {
    let mut cells = cells.to_vec();
    let bases: Vec<(String, usize, u64)> = cells
        .iter()
        .filter(|c| c.role == Role::Baseline && c.status == Status::Ok && c.wall_ns > 0)
        .map(|c| (c.workload.clone(), c.size, c.wall_ns))
        .collect();
    for c in &mut cells {
        let base = bases
            .iter()
            .find(|(w, s, _)| *w == c.workload && *s == c.size);
        match base {
            Some((_, _, base)) if c.wall_ns > 0 => {
                let speedup = *base as f64 / c.wall_ns as f64;
                c.speedup = Some(speedup);
                c.efficiency = Some(speedup / c.cores.max(1) as f64);
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
    if !x.is_finite() {
        "∞".into()
    } else if x >= 10.0 {
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

/// The cell with the highest median speedup.
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

/// A judged verdict about workload `w`, decided on `ratio` against
/// `threshold`.
fn judged(
    claim: &str,
    w: &str,
    judgement: Judgement,
    decided_on: Option<(Ratio, f64)>,
    text: String,
    cells: Vec<String>,
) -> Verdict {
    Verdict {
        claim: claim.into(),
        workload: Some(w.into()),
        holds: judgement.holds(),
        judgement,
        ratio: decided_on.map(|(r, _)| r.mid),
        interval: decided_on.map(|(r, _)| [r.lo, r.hi]),
        threshold: decided_on.map(|(_, t)| t),
        text,
        cells,
    }
}

fn missing(claim: &str, w: &str, what: &str) -> Verdict {
    judged(
        claim,
        w,
        Judgement::NotJudged,
        None,
        format!("{w}: not judged ({what})"),
        Vec::new(),
    )
}

/// `: holds`, `: too noisy to tell`: the end of a verdict's text.
fn ending(j: Judgement) -> String {
    format!(": {}", j.label())
}

fn io_winner(cx: &Ctx<'_>) -> Verdict {
    const CLAIM: &str = "io-concurrency-wins";
    if let Some(v) = cx.no_base(CLAIM) {
        return v;
    }
    let rest = cx.others();
    let conc: Vec<&Cell> = rest.iter().copied().filter(|c| c.concurrent).collect();
    let plain: Vec<&Cell> = rest.iter().copied().filter(|c| !c.concurrent).collect();
    let Some(win) = best(&conc) else {
        return missing(CLAIM, cx.w, "no concurrent model ran correctly");
    };
    let w = cx.w;
    let mut text = format!(
        "{w}: {} (concurrent) {} over sequential on {}",
        win.model,
        cx.speedup(win).show(),
        cores(win)
    );
    if let Some(cc) = win.concurrency {
        text += &format!(" ({cc:.0} tasks in flight)");
    }
    let mut cells = vec![win.label()];
    // Against the best model without concurrency, or the baseline itself.
    let (rival, rival_name) = match best(&plain) {
        Some(p) => (
            p,
            format!("parallelism alone ({} on {})", p.model, cores(p)),
        ),
        None => (cx.base.expect("checked"), "sequential".to_owned()),
    };
    let r = Ratio::walls(rival, win);
    text += &format!(
        "; {} against {rival_name}, which reaches {}",
        r.show(),
        times(speedup(rival))
    );
    if rival.role != Role::Baseline {
        cells.push(rival.label());
    }
    let j = r.above(1.0);
    text += &ending(j);
    judged(CLAIM, w, j, Some((r, 1.0)), text, cells)
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
/// ran with: the engine's wall time over the anchor's.
fn engine_vs_anchor(cx: &Ctx<'_>, kind: Kind) -> Vec<Verdict> {
    let ws = cx.ws;
    let w = cx.w;
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
        let t = kind.tolerance();
        let ratios: Vec<Ratio> = pairs.iter().map(|(d, r)| Ratio::walls(d, r)).collect();
        let j = all(ratios.iter().map(|r| r.at_most(t)));
        let each: Vec<String> = pairs
            .iter()
            .zip(&ratios)
            .map(|((d, _), r)| {
                let n = d.threads;
                let threads = if n == 1 { "thread" } else { "threads" };
                format!("{} {anchor}'s on {n} {threads}", r.show())
            })
            .collect();
        let worst = ratios
            .iter()
            .copied()
            .max_by(|a, b| a.mid.total_cmp(&b.mid))
            .expect("at least one pair");
        let text = format!(
            "{w}: {e}'s median wall time is {} (target at most {t}x){}",
            each.join(", "),
            ending(j)
        );
        out.push(judged(
            kind.claim(),
            w,
            j,
            Some((worst, t)),
            text,
            labels(pairs.iter().flat_map(|(d, r)| [*d, *r])),
        ));
    }
    out
}

/// No model of `models` speeds it up beyond [`NO_SPEEDUP`], each judged
/// by its speedup's interval; the fastest (by median) and its speedup are
/// what the verdict shows.
fn none_speeds_up<'c>(cx: &Ctx<'_>, models: &[&'c Cell]) -> Option<(&'c Cell, Judgement, Ratio)> {
    let b = best(models)?;
    let j = all(models.iter().map(|c| cx.speedup(c).at_most(NO_SPEEDUP)));
    Some((b, j, cx.speedup(b)))
}

fn one_core(cx: &Ctx<'_>) -> Verdict {
    const CLAIM: &str = "cpu-one-core-no-speedup";
    if let Some(v) = cx.no_base(CLAIM) {
        return v;
    }
    let w = cx.w;
    let rest = cx.others();
    let single: Vec<&Cell> = rest.iter().copied().filter(|c| c.cores == 1).collect();
    let Some((s, j, r)) = none_speeds_up(cx, &single) else {
        return missing(CLAIM, w, "no one-core model ran correctly");
    };
    let mut text = format!(
        "{w}: no one-core model speeds it up beyond {}x (fastest: {} {})",
        NO_SPEEDUP,
        s.model,
        r.show()
    );
    let mut cells = labels(single.iter().copied());
    let multi: Vec<&Cell> = rest.iter().copied().filter(|c| c.cores > 1).collect();
    if let Some(p) = best(&multi) {
        text += &format!(
            "; {} reaches {} on {}",
            p.model,
            cx.speedup(p).show(),
            cores(p),
        );
        if p.class.computes() {
            text += &format!(" (efficiency {:.2})", p.efficiency.unwrap_or(0.0));
        }
        cells.push(p.label());
    }
    text += &ending(j);
    judged(CLAIM, w, j, Some((r, NO_SPEEDUP)), text, cells)
}

/// Memory-bound work is judged against the machine's measured bandwidth:
/// the best parallel speedup should not beat the triad's own speedup at
/// that thread count (by more than [`BANDWIDTH_TOLERANCE`]).
fn memory_bound(cx: &Ctx<'_>, bandwidth: Option<&Bandwidth>) -> Verdict {
    const CLAIM: &str = "memory-bandwidth-bound";
    if let Some(v) = cx.no_base(CLAIM) {
        return v;
    }
    let w = cx.w;
    let Some(bw) = bandwidth else {
        return missing(
            CLAIM,
            w,
            "the machine's memory bandwidth was not measured for this report",
        );
    };
    let rest = cx.others();
    let multi: Vec<&Cell> = rest.iter().copied().filter(|c| c.cores > 1).collect();
    let Some(p) = best(&multi) else {
        return missing(CLAIM, w, "no model on more than one core ran correctly");
    };
    let Some(ceiling) = bw.ceiling(p.cores) else {
        return missing(
            CLAIM,
            w,
            &format!("the triad was not measured at 1 and {} threads", p.cores),
        );
    };
    let s = cx.speedup(p);
    // Speedup over the ceiling: at most 1 (times the tolerance) holds.
    let r = Ratio {
        mid: s.mid / ceiling,
        lo: s.lo / ceiling,
        hi: s.hi / ceiling,
    };
    let j = r.at_most(BANDWIDTH_TOLERANCE);
    let gb = |t: usize| bw.at(t).map_or(0.0, |t| t.bytes_per_s / 1e9);
    let text = format!(
        "{w}: {} reaches {} on {}, against a memory-bandwidth ceiling of {} \
         (triad {:.1} GB/s on 1 thread, {:.1} GB/s on {}): speedup over the ceiling {} \
         (target at most {BANDWIDTH_TOLERANCE}x){}",
        p.model,
        s.show(),
        cores(p),
        times(ceiling),
        gb(1),
        gb(p.cores),
        p.cores,
        r.show(),
        ending(j)
    );
    judged(
        CLAIM,
        w,
        j,
        Some((r, BANDWIDTH_TOLERANCE)),
        text,
        vec![p.label()],
    )
}

fn amdahl(cx: &Ctx<'_>) -> Verdict {
    const CLAIM: &str = "amdahl-no-speedup";
    if let Some(v) = cx.no_base(CLAIM) {
        return v;
    }
    let w = cx.w;
    let rest = cx.others();
    let Some((b, j, r)) = none_speeds_up(cx, &rest) else {
        return missing(CLAIM, w, "no model besides the baseline ran correctly");
    };
    let text = format!(
        "{w}: no model speeds it up beyond {NO_SPEEDUP}x (fastest: {} {} on {}): every step \
         needs the last one, so its serial fraction is 1 (Amdahl){}",
        b.model,
        r.show(),
        cores(b),
        ending(j)
    );
    judged(CLAIM, w, j, Some((r, NO_SPEEDUP)), text, labels(rest))
}

fn mixed(cx: &Ctx<'_>) -> Verdict {
    const CLAIM: &str = "mixed-needs-both";
    if let Some(v) = cx.no_base(CLAIM) {
        return v;
    }
    let w = cx.w;
    let rest = cx.others();
    let both: Vec<&Cell> = rest
        .iter()
        .copied()
        .filter(|c| c.concurrent && c.parallel)
        .collect();
    let one: Vec<&Cell> = rest
        .iter()
        .copied()
        .filter(|c| !(c.concurrent && c.parallel))
        .collect();
    let Some(b) = best(&both) else {
        return missing(
            CLAIM,
            w,
            "no model both concurrent and parallel ran correctly",
        );
    };
    let mut text = format!(
        "{w}: {} (concurrent and parallel) {} over sequential on {}",
        b.model,
        cx.speedup(b).show(),
        cores(b)
    );
    let mut cells = vec![b.label()];
    let conc: Vec<&Cell> = one
        .iter()
        .copied()
        .filter(|c| c.concurrent && c.cores == 1)
        .collect();
    let par: Vec<&Cell> = one
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
    let Some(rival) = best(&one) else {
        return missing(CLAIM, w, "no model with only one of the two ran correctly");
    };
    let r = Ratio::walls(rival, b);
    let j = r.above(1.0);
    text += &format!(
        "; {} over the best with one of the two ({}){}",
        r.show(),
        rival.model,
        ending(j)
    );
    if !cells.contains(&rival.label()) {
        cells.push(rival.label());
    }
    judged(CLAIM, w, j, Some((r, 1.0)), text, cells)
}

/// cvp's engine that is both concurrent and parallel against its engines
/// that are only one of the two.
fn hybrid(cx: &Ctx<'_>) -> Option<Verdict> {
    const CLAIM: &str = "hybrid-beats-both";
    let w = cx.w;
    let engines: Vec<&Cell> = cx
        .ws
        .iter()
        .copied()
        .filter(|c| c.role == Role::Engine)
        .collect();
    let pick = |f: &dyn Fn(&Cell) -> bool| {
        let cs: Vec<&Cell> = engines.iter().copied().filter(|c| f(c)).collect();
        // The fastest by median wall: engines may lack a baseline here.
        cs.into_iter().min_by_key(|c| c.wall_ns)
    };
    let h = pick(&|c| c.concurrent && c.parallel)?;
    let il = pick(&|c| c.concurrent && !c.parallel)?;
    let de = pick(&|c| c.parallel && !c.concurrent)?;
    let (ri, rd) = (Ratio::walls(il, h), Ratio::walls(de, h));
    let j = all([ri.above(1.0), rd.above(1.0)]);
    let closer = if ri.mid <= rd.mid { ri } else { rd };
    let text = format!(
        "{w}: {} {} median vs {} {} and {} {}: {} faster than {}, {} faster than {}{}",
        h.model,
        duration(h.wall_ns),
        il.model,
        duration(il.wall_ns),
        de.model,
        duration(de.wall_ns),
        ri.show(),
        il.model,
        rd.show(),
        de.model,
        ending(j)
    );
    Some(judged(
        CLAIM,
        w,
        j,
        Some((closer, 1.0)),
        text,
        labels([h, il, de]),
    ))
}

fn probe(cx: &Ctx<'_>) -> Verdict {
    const CLAIM: &str = "probe-cooperative-late";
    let w = cx.w;
    let one: Vec<&Cell> = cx
        .ws
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
    let p50 = |c: &&Cell| c.lateness.map_or(0, |l| l.p50_ns);
    // The least late cooperative model against the latest preemptive one.
    let least = coop.iter().copied().min_by_key(p50);
    let latest = pre.iter().copied().max_by_key(p50);
    let (Some(lo), Some(hi)) = (least, latest) else {
        return missing(
            CLAIM,
            w,
            "needs a cooperative one-core model and a preemptive one",
        );
    };
    let (Some(a), Some(b)) = (Spread::lateness(lo), Spread::lateness(hi)) else {
        return missing(CLAIM, w, "no lateness recorded");
    };
    let r = Ratio::of(a, b);
    let j = r.above(1.0);
    let list = |cs: &[&Cell]| {
        cs.iter()
            .filter_map(|c| {
                let l = c.lateness?;
                Some(format!(
                    "{} p50 {}, p99 {}",
                    c.model,
                    duration(l.p50_ns),
                    duration(l.p99_ns)
                ))
            })
            .collect::<Vec<_>>()
            .join("; ")
    };
    let mut text = format!(
        "{w}: on one core, the probe is later under cooperative scheduling ({}) than under \
         preemption ({}): {} as late, median over median",
        list(&coop),
        list(&pre),
        r.show()
    );
    let mut cells = labels(coop.iter().copied());
    cells.extend(labels(pre.iter().copied()));
    let multi: Vec<&Cell> = cx
        .ws
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
            "; with a free core the probe is on time ({} p99 {})",
            b.model,
            duration(l.p99_ns)
        );
        cells.push(b.label());
    }
    text += &ending(j);
    judged(CLAIM, w, j, Some((r, 1.0)), text, cells)
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
            .filter(|v| v.claim == claim && v.judgement != Judgement::NotJudged)
            .collect();
        if vs.is_empty() {
            continue;
        }
        let of = |j: Judgement| -> Vec<&str> {
            vs.iter()
                .filter(|v| v.judgement == j)
                .filter_map(|v| v.workload.as_deref())
                .collect()
        };
        let (failed, noisy) = (of(Judgement::DoesNotHold), of(Judgement::TooNoisy));
        let j = all(vs.iter().map(|v| v.judgement));
        let held = vs.len() - failed.len() - noisy.len();
        let mut text = match j {
            Judgement::Holds => format!("{what}: holds on all {} workloads measured", vs.len()),
            _ if !failed.is_empty() => format!("{what}: does not hold on {}", failed.join(", ")),
            _ => format!("{what}: too noisy to tell on {}", noisy.join(", ")),
        };
        if !failed.is_empty() && !noisy.is_empty() {
            text += &format!("; too noisy to tell on {}", noisy.join(", "));
        }
        if j != Judgement::Holds && held > 0 {
            text += &format!(" (holds on the other {held})");
        }
        out.push(Verdict {
            claim: claim.into(),
            workload: None,
            holds: j.holds(),
            judgement: j,
            ratio: None,
            interval: None,
            threshold: None,
            text,
            cells: vs.iter().flat_map(|v| v.cells.iter().cloned()).collect(),
        });
    }
    out
}

#[cfg(test)]
mod test;

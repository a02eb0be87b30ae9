//! Servers under load: the saved sweep of offered load (`serve.json`), each
//! model's throughput at a p99 objective, the claims it checks, the
//! latency-against-load chart and the markdown table.
//!
//! A sweep offers each model the same rates, from a fraction of the best
//! model's measured capacity to past it; a [`Curve`] is one model's points
//! ([`ServeStats`]). A point counts toward the objective only when every
//! request was answered right, the server kept up (achieved at least
//! [`KEPT_UP`] of offered), its p99 is under the objective, and the
//! generator did not lag (a point marked unreliable is left out and said
//! to be).

use plotters::element::DashedPathElement;
use plotters::prelude::*;
use serde::{Deserialize, Serialize};

use crate::render::duration;
use crate::{Cell, Judgement, Machine, Role, ServeStats, Verdict};

/// The version of the sweep's schema.
pub const SERVE_SCHEMA: u32 = 1;
/// A point where the server answered less than this share of the offered
/// rate has not kept up.
pub const KEPT_UP: f64 = 0.95;
/// An event loop must beat one thread per connection by this factor for
/// the claim to hold: closer is within the noise of a shared machine.
pub const EVENT_LOOP_MARGIN: f64 = 1.1;
/// Parallel models must beat one core by this factor.
pub const PARALLEL_MARGIN: f64 = 1.3;

/// A whole sweep: every mix, every model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ServeSweep {
    /// [`SERVE_SCHEMA`].
    pub schema: u32,
    /// Where it ran.
    pub machine: Machine,
    /// Seconds since the Unix epoch when it started.
    pub started_unix: u64,
    /// Wall time of the sweep, seconds.
    pub elapsed_s: f64,
    /// The p99 objective throughput is judged at.
    pub objective_p99_ns: u64,
    /// The command that ran it.
    pub command: String,
    /// One sweep per handler mix.
    pub mixes: Vec<MixSweep>,
}

/// One handler mix, every model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MixSweep {
    /// `waiting`, `computing`, `mixed`, `trivial`, or a spec's name.
    pub mix: String,
    /// What one request does, in words.
    pub description: String,
    /// Mean milliseconds of computing per request, at the kernels' nominal
    /// speed: a mix that computes is judged on whether parallel models
    /// serve more of it.
    pub compute_ms: f64,
    /// Mean milliseconds of waiting per request (waits and backend
    /// delays): a mix that waits is judged on whether the event loop on one
    /// core keeps up where one thread per connection does not.
    pub wait_ms: f64,
    /// The best model's measured capacity (achieved rate when overloaded).
    pub capacity_rps: f64,
    /// Offered rates, ascending.
    pub rates: Vec<f64>,
    /// One per model.
    pub curves: Vec<Curve>,
    /// The claims, checked.
    pub verdicts: Vec<Verdict>,
}

/// One model's points.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Curve {
    /// Model name.
    pub model: String,
    /// What it is in the comparison.
    pub role: Role,
    /// Whether it is concurrent.
    pub concurrent: bool,
    /// Whether it is parallel.
    pub parallel: bool,
    /// Whether it is preemptive (OS threads).
    pub preemptive: bool,
    /// Its `--threads`.
    pub threads: usize,
    /// Its capacity: achieved rate when offered far more.
    pub capacity_rps: f64,
    /// The points, by offered rate.
    pub points: Vec<ServeStats>,
    /// Why later rates were not offered, if they were not.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stopped: Option<String>,
    /// Why it has no points at all, if it has none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub failed: Option<String>,
}

impl Curve {
    /// CPUs its server ran on (the most of any point).
    pub fn cores(&self) -> usize {
        self.points
            .iter()
            .map(|p| p.server_cpus.len())
            .max()
            .unwrap_or(0)
            .max(1)
    }

    /// Points whose generator lagged.
    pub fn unreliable(&self) -> usize {
        self.points
            .iter()
            .filter(|p| p.unreliable.is_some())
            .count()
    }
}

/// Whether a point meets the objective: all answered right, kept up, p99
/// under it. `None` for a point whose generator lagged.
pub fn meets(p: &ServeStats, objective_ns: u64) -> Option<bool> {
    meets_at(p, objective_ns, p.p99_ns)
}

fn meets_at(p: &ServeStats, objective_ns: u64, p99_ns: u64) -> Option<bool> {
    if p.unreliable.is_some() {
        return None;
    }
    Some(p.failed() == 0 && p.achieved_rps >= KEPT_UP * p.offered_rps && p99_ns <= objective_ns)
}

/// A point's p99 band: the lowest and the highest of its p99 and of its
/// p99s with each fifth of it left out ([`ServeStats::p99_leave_one_out_ns`]).
pub fn p99_band(p: &ServeStats) -> (u64, u64) {
    let all = || p.p99_leave_one_out_ns.iter().copied().chain([p.p99_ns]);
    (
        all().min().unwrap_or(p.p99_ns),
        all().max().unwrap_or(p.p99_ns),
    )
}

/// The highest offered rate the curve meets the objective at, every
/// reliable point below it meeting it too.
pub fn throughput_at(curve: &Curve, objective_ns: u64) -> Option<f64> {
    throughput_with(curve, objective_ns, |p| p.p99_ns)
}

fn throughput_with(
    curve: &Curve,
    objective_ns: u64,
    p99: impl Fn(&ServeStats) -> u64,
) -> Option<f64> {
    let mut best = None;
    for p in &curve.points {
        match meets_at(p, objective_ns, p99(p)) {
            Some(true) => best = Some(p.offered_rps),
            Some(false) => break,
            None => {}
        }
    }
    best
}

/// Where a curve's knee lies, the throughput at the objective bracketed
/// by the rates offered either side of it and by the spread of each
/// point's p99 band ([`p99_band`]).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Knee {
    /// [`throughput_at`]: on each point's whole p99.
    pub at: f64,
    /// The throughput when each point is judged on the top of its band (0:
    /// not even the lowest rate).
    pub low: f64,
    /// The first rate offered that misses even on the bottom of its band: the
    /// knee lies below it (`None`: no point missed).
    pub high: Option<f64>,
}

/// The curve's [`Knee`], if it meets the objective at some point.
pub fn knee(curve: &Curve, objective_ns: u64) -> Option<Knee> {
    let at = throughput_at(curve, objective_ns)?;
    let low = throughput_with(curve, objective_ns, |p| p99_band(p).1).unwrap_or(0.0);
    let high = curve
        .points
        .iter()
        .find(|p| meets_at(p, objective_ns, p99_band(p).0) == Some(false))
        .map(|p| p.offered_rps);
    Some(Knee { at, low, high })
}

/// The ratio of two knees `a / b` with its interval: at least `a.low /
/// b.high`, at most `a.high / b.low` (`None` where unbounded).
fn knee_ratio(a: Knee, b: Knee) -> (f64, f64, Option<f64>) {
    let lower = b.high.map_or(0.0, |h| a.low / h);
    let upper = match a.high {
        Some(h) if b.low > 0.0 => Some(h / b.low),
        _ => None,
    };
    (a.at / b.at, lower, upper)
}

/// Holds when the whole interval is above `margin`, does not hold when it
/// is all at or below it, too noisy to tell when it straddles it.
fn judge(lower: f64, upper: Option<f64>, margin: f64) -> Judgement {
    if lower > margin {
        Judgement::Holds
    } else if upper.is_some_and(|u| u <= margin) {
        Judgement::DoesNotHold
    } else {
        Judgement::TooNoisy
    }
}

fn best(curves: &[Curve], objective: u64, pick: impl Fn(&Curve) -> bool) -> Option<(&Curve, f64)> {
    curves
        .iter()
        .filter(|c| pick(c))
        .filter_map(|c| throughput_at(c, objective).map(|t| (c, t)))
        .max_by(|a, b| a.1.total_cmp(&b.1))
}

fn cpu_list(cpus: &[usize]) -> String {
    match cpus {
        [] => "unpinned".into(),
        [one] => format!("CPU {one}"),
        [first, .., last] if last - first + 1 == cpus.len() => format!("CPUs {first}–{last}"),
        many => format!(
            "CPUs {}",
            many.iter()
                .map(usize::to_string)
                .collect::<Vec<_>>()
                .join(",")
        ),
    }
}

/// Where a point's server and generator ran: `server on CPUs 0–1,
/// generator on CPU 1, shared`.
pub fn placement(p: &ServeStats) -> String {
    let shared = p.generator_cpus.iter().any(|c| p.server_cpus.contains(c));
    let mut s = format!(
        "server on {}, generator on {}",
        cpu_list(&p.server_cpus),
        cpu_list(&p.generator_cpus),
    );
    if shared {
        s += ", shared";
        if let Some(pr) = &p.generator_priority {
            s += &format!(", the generator at {pr}");
        }
    }
    s
}

/// Where a mix's servers and generator ran, grouped:
/// `interleave, threads-1core: server on CPU 0, generator on CPU 1`.
pub fn placements(m: &MixSweep) -> Vec<String> {
    let mut places: Vec<(String, Vec<&str>)> = Vec::new();
    for c in &m.curves {
        let Some(p) = c.points.first() else { continue };
        let place = placement(p);
        match places.iter_mut().find(|(pl, _)| *pl == place) {
            Some((_, models)) => models.push(&c.model),
            None => places.push((place, vec![&c.model])),
        }
    }
    places
        .iter()
        .map(|(p, models)| format!("{}: {p}", models.join(", ")))
        .collect()
}

/// The placement of a curve's points (the first point's; they share it).
fn curve_placement(c: &Curve) -> String {
    c.points.first().map_or("no points".into(), placement)
}

/// The highest generator lag p99 among a curve's reliable points up to
/// `rate`.
fn lag_up_to(c: &Curve, rate: f64) -> u64 {
    c.points
        .iter()
        .filter(|p| p.unreliable.is_none() && p.offered_rps <= rate)
        .map(|p| p.lag_p99_ns)
        .max()
        .unwrap_or(0)
}

fn interval_words(lower: f64, upper: Option<f64>) -> String {
    match upper {
        Some(u) => format!("between {lower:.1}x and {u:.1}x"),
        None => format!("at least {lower:.1}x"),
    }
}

/// A rate as the tables show it: `48k`, `714`.
pub fn rps(x: f64) -> String {
    if x >= 10_000.0 {
        format!("{:.0}k", x / 1000.0)
    } else {
        format!("{x:.0}")
    }
}

fn labels(curves: &[&Curve], mix: &str) -> Vec<String> {
    curves
        .iter()
        .map(|c| format!("serve-{mix}/{}/{}", c.model, c.threads))
        .collect()
}

/// The claims a mix's sweep checks: with waiting, the event loop on one
/// core against one thread per connection on one core; with computing,
/// where one core bends and whether only parallel models go further.
/// A mix that waits ([`MixSweep::wait_ms`]) is judged on the first, one
/// that computes on the second, one that does both (`mixed`) on both, and
/// one that does neither (`trivial`) on none: what the handler does
/// decides, not its name.
pub fn verdicts(sweep: &MixSweep, objective_ns: u64) -> Vec<Verdict> {
    let obj = duration(objective_ns);
    let curves = &sweep.curves;
    let mut out = Vec::new();
    let event_loop = |c: &Curve| c.concurrent && !c.parallel && !c.preemptive;
    let thread_one_core = |c: &Curve| c.preemptive && !c.parallel;
    if sweep.wait_ms > 0.0 {
        let e = best(curves, objective_ns, event_loop);
        let t = best(curves, objective_ns, thread_one_core);
        let knees = e.zip(t).and_then(|((ec, _), (tc, _))| {
            Some((ec, knee(ec, objective_ns)?, tc, knee(tc, objective_ns)?))
        });
        let v = match knees {
            Some((ec, ek, tc, tk)) => {
                let (ratio, lower, upper) = knee_ratio(ek, tk);
                Decided {
                    judgement: judge(lower, upper, EVENT_LOOP_MARGIN),
                    ratio: Some(ratio),
                    interval: upper.map(|u| [lower, u]),
                    threshold: Some(EVENT_LOOP_MARGIN),
                    text: format!(
                        "with {}, the event loop on one core ({}: {}) keeps p99 under {obj} up to {} req/s; one thread per connection on one core ({}: {}) only to {} req/s: {ratio:.2}x, {} (the interval from the rates offered either side of each knee and how far leaving out any fifth of a point moves its p99; it must stay above {EVENT_LOOP_MARGIN}x)",
                        sweep.description,
                        ec.model,
                        curve_placement(ec),
                        rps(ek.at),
                        tc.model,
                        curve_placement(tc),
                        rps(tk.at),
                        interval_words(lower, upper),
                    ),
                    cells: labels(&[ec, tc], &sweep.mix),
                }
            }
            None => Decided::not_judged(format!(
                "with {}: no event loop or thread-per-connection model on one core met the p99 objective of {obj} at any reliable point",
                sweep.description
            )),
        };
        out.push(v.verdict(
            "serve-event-loop-beats-threads-on-one-core",
            format!("serve-{}", sweep.mix),
        ));
    }
    if sweep.compute_ms > 0.0 {
        let one = best(curves, objective_ns, |c| !c.parallel);
        let par = best(curves, objective_ns, |c| c.parallel && c.cores() > 1);
        let v = match (one, par) {
            (Some((oc, _)), Some((pc, _))) => {
                let (ok, pk) = (
                    knee(oc, objective_ns).expect("a best curve has a knee"),
                    knee(pc, objective_ns).expect("a best curve has a knee"),
                );
                let (ratio, lower, upper) = knee_ratio(pk, ok);
                Decided {
                    judgement: judge(lower, upper, PARALLEL_MARGIN),
                    ratio: Some(ratio),
                    interval: upper.map(|u| [lower, u]),
                    threshold: Some(PARALLEL_MARGIN),
                    text: format!(
                        "with {}, one core bends at about {} req/s ({}: {}; p99 under {obj}); the best parallel model ({}: {}) goes to {} req/s: {ratio:.1}x, {} (the interval from the rates offered either side of each knee and how far leaving out any fifth of a point moves its p99; it must stay above {PARALLEL_MARGIN}x). The generator's lag p99 at the parallel model's points up to its knee was at most {} (a point over {} is left out); latency counts from when each request was due, so a generator slowed by a CPU it shares adds to the parallel model's latency instead of hiding it",
                        sweep.description,
                        rps(ok.at),
                        oc.model,
                        curve_placement(oc),
                        pc.model,
                        curve_placement(pc),
                        rps(pk.at),
                        interval_words(lower, upper),
                        duration(lag_up_to(pc, pk.at)),
                        duration(MAX_LAG_P99_NS),
                    ),
                    cells: labels(&[oc, pc], &sweep.mix),
                }
            }
            (Some((oc, ov)), None) => Decided {
                cells: labels(&[oc], &sweep.mix),
                ..Decided::not_judged(format!(
                    "with {}, one core bends at about {} req/s ({}: {}; p99 under {obj}); no parallel model had more than one CPU for its server (run with `--cpus shared` to give it every CPU), so going further is not judged",
                    sweep.description, rps(ov), oc.model, curve_placement(oc)
                ))
            },
            _ => Decided::not_judged(format!(
                "with {}: no one-core model met the p99 objective of {obj} at any reliable point",
                sweep.description
            )),
        };
        out.push(v.verdict(
            "serve-one-core-bends-parallel-goes-further",
            format!("serve-{}", sweep.mix),
        ));
    }
    out
}

/// The claim of the `serve` cells of a comparison (one point per model at
/// one rate): the event loop on one core answers with a lower p99 than one
/// thread per connection on one core.
pub fn cell_verdicts(cells: &[Cell]) -> Vec<Verdict> {
    let serve: Vec<(&Cell, &ServeStats)> = cells
        .iter()
        .filter_map(|c| c.serve.as_ref().map(|s| (c, s)))
        .collect();
    // The claim is made whenever both kinds of model ran, so which claims
    // a report checks never depends on timing; it is judged only on
    // points where every request was answered and the generator kept time.
    let kind = |f: &dyn Fn(&Cell) -> bool| {
        serve
            .iter()
            .filter(|(c, _)| f(c))
            .copied()
            .collect::<Vec<_>>()
    };
    let es = kind(&|c| c.concurrent && !c.parallel && !c.preemptive);
    let ts = kind(&|c| c.preemptive && !c.parallel);
    let (Some(first), false) = (es.first().or(ts.first()), es.is_empty() || ts.is_empty()) else {
        return Vec::new();
    };
    let v = match (sound(&es), sound(&ts)) {
        (Some((ec, e)), Some((tc, t))) => {
            let ((elo, ehi), (tlo, thi)) = (p99_band(e), p99_band(t));
            let ratio = t.p99_ns as f64 / e.p99_ns.max(1) as f64;
            let lower = tlo as f64 / ehi.max(1) as f64;
            let upper = thi as f64 / elo.max(1) as f64;
            Decided {
                judgement: if lower >= 1.0 {
                    Judgement::Holds
                } else if upper < 1.0 {
                    Judgement::DoesNotHold
                } else {
                    Judgement::TooNoisy
                },
                ratio: Some(ratio),
                interval: Some([lower, upper]),
                threshold: Some(1.0),
                text: format!(
                    "at {} req/s of the {} mix, the event loop on one core ({}) answers with p99 {}; one thread per connection on one core ({}) with p99 {}: {ratio:.2}x, between {lower:.2}x and {upper:.2}x with any fifth of either point left out",
                    rps(e.offered_rps),
                    e.mix,
                    ec.model,
                    duration(e.p99_ns),
                    tc.model,
                    duration(t.p99_ns)
                ),
                cells: vec![ec.label(), tc.label()],
            }
        }
        _ => Decided::not_judged(format!(
            "at {} req/s of the {} mix: not judged, no point of both kinds answered every request with the generator on time",
            rps(first.1.offered_rps),
            first.1.mix
        )),
    };
    vec![v.verdict(
        "serve-event-loop-beats-threads-on-one-core",
        first.0.workload.clone(),
    )]
}

/// The generator's lag limit, past which a point is unreliable.
const MAX_LAG_P99_NS: u64 = 1_000_000;

/// A serve claim as decided. It rests on percentiles of one HDR histogram
/// per point; its interval comes from the rates offered either side of
/// each knee and from how far leaving out any fifth of a point moves its
/// p99
/// ([`ServeStats::p99_leave_one_out_ns`]), so it says how far the spacing of the
/// points and the noise leave the answer open. A point the generator
/// could not keep time for is left out before it is judged.
struct Decided {
    judgement: Judgement,
    ratio: Option<f64>,
    interval: Option<[f64; 2]>,
    threshold: Option<f64>,
    text: String,
    cells: Vec<String>,
}

impl Decided {
    fn not_judged(text: String) -> Self {
        Decided {
            judgement: Judgement::NotJudged,
            ratio: None,
            interval: None,
            threshold: None,
            text,
            cells: Vec::new(),
        }
    }

    fn verdict(self, claim: &str, workload: String) -> Verdict {
        Verdict {
            claim: claim.into(),
            workload: Some(workload),
            holds: self.judgement.holds(),
            judgement: self.judgement,
            ratio: self.ratio,
            interval: self.interval,
            threshold: self.threshold,
            text: self.text,
            cells: self.cells,
        }
    }
}

/// The point of `v` with the lowest p99 among those where every request
/// was answered and the generator kept time.
fn sound<'a>(v: &[(&'a Cell, &'a ServeStats)]) -> Option<(&'a Cell, &'a ServeStats)> {
    v.iter()
        .filter(|(_, s)| s.unreliable.is_none() && s.failed() == 0)
        .min_by_key(|(_, s)| s.p99_ns)
        .copied()
}

/// A serve cell's note in the tables: its latency percentiles from due
/// time, what failed, and whether the generator lagged.
pub fn note(s: &ServeStats) -> String {
    let mut out = format!(
        "{} req/s: p50 {} p99 {} p99.9 {}",
        rps(s.achieved_rps),
        duration(s.p50_ns),
        duration(s.p99_ns),
        duration(s.p999_ns)
    );
    for (k, n) in &s.errors {
        out += &format!(", {k} {n}");
    }
    if s.unreliable.is_some() {
        out += &format!(
            ", UNRELIABLE (generator lag p99 {})",
            duration(s.lag_p99_ns)
        );
    }
    out
}

/// The markdown of a sweep: per mix, each model's throughput at the
/// objective and every point.
pub fn markdown(sweep: &ServeSweep) -> String {
    let obj = duration(sweep.objective_p99_ns);
    let mut s = format!(
        "# cvp serve sweep\n\n{} ({} cores), {}. `{}`, {:.0} s. Latency counts from when each request was due (open loop, coordinated omission corrected); p99 objective {obj}.\n",
        sweep.machine.cpu_model, sweep.machine.cores, sweep.machine.os, sweep.command, sweep.elapsed_s
    );
    for m in &sweep.mixes {
        s += &format!(
            "\n## {}: {}\n\nBest capacity {} req/s. Charts: `charts/serve-{}.svg`, `charts/throughput-{}.svg`. CPUs: {}.\n\n",
            m.mix,
            m.description,
            rps(m.capacity_rps),
            m.mix,
            m.mix,
            placements(m).join("; ")
        );
        s += &format!("| model | cores | capacity req/s | req/s at p99 ≤ {obj} | unreliable points | note |\n|---|---|---|---|---|---|\n");
        for c in &m.curves {
            let at = throughput_at(c, sweep.objective_p99_ns).map_or("—".into(), rps);
            let note = c
                .failed
                .clone()
                .or_else(|| c.stopped.clone())
                .unwrap_or_default();
            s += &format!(
                "| {} | {} | {} | {} | {} | {} |\n",
                c.model,
                c.cores(),
                rps(c.capacity_rps),
                at,
                c.unreliable(),
                note
            );
        }
        s += "\n| model | offered | achieved | p50 | p99 | p99, a fifth left out | p99.9 | errors | lag p99 | CPUs |\n|---|---|---|---|---|---|---|---|---|---|\n";
        for c in &m.curves {
            for p in &c.points {
                let errors: Vec<String> =
                    p.errors.iter().map(|(k, n)| format!("{k} {n}")).collect();
                let (lo, hi) = p99_band(p);
                s += &format!(
                    "| {} | {} | {} | {} | {} | {}–{} | {} | {} | {}{} | {} |\n",
                    c.model,
                    rps(p.offered_rps),
                    rps(p.achieved_rps),
                    duration(p.p50_ns),
                    duration(p.p99_ns),
                    duration(lo),
                    duration(hi),
                    duration(p.p999_ns),
                    if errors.is_empty() {
                        "—".into()
                    } else {
                        errors.join(", ")
                    },
                    duration(p.lag_p99_ns),
                    if p.unreliable.is_some() {
                        " (unreliable)"
                    } else {
                        ""
                    },
                    placement(p)
                );
            }
        }
        s += "\n";
        for v in &m.verdicts {
            s += &format!("- **{}**: {}\n", v.judgement.label(), v.text);
        }
    }
    s
}

const FONT: &str = "sans-serif";
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

/// p50, p99 and p99.9 against offered load, one line per model, latency on
/// a log axis; a hollow marker is an unreliable point, the dashed line the
/// objective. `None` when no model has a point.
pub fn latency_chart(
    m: &MixSweep,
    objective_ns: u64,
) -> Result<Option<String>, Box<dyn std::error::Error>> {
    let pts = || m.curves.iter().flat_map(|c| c.points.iter());
    if pts().next().is_none() {
        return Ok(None);
    }
    let x_hi = pts().map(|p| p.offered_rps).fold(1.0, f64::max) * 1.05;
    let y_lo = pts().map(|p| p.p50_ns.max(1)).min().unwrap_or(1) as f64 / 1e6 / 1.5;
    let y_hi = pts().map(|p| p.p999_ns.max(1)).max().unwrap_or(1) as f64 / 1e6 * 1.5;
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (760, 1100)).into_drawing_area();
        root.fill(&WHITE)?;
        let panels = root.split_evenly((3, 1));
        type Percentile = fn(&ServeStats) -> u64;
        let which: [(&str, Percentile); 3] = [
            ("p50", |p| p.p50_ns),
            ("p99", |p| p.p99_ns),
            ("p99.9", |p| p.p999_ns),
        ];
        for (area, (name, get)) in panels.iter().zip(which) {
            let mut chart = ChartBuilder::on(area)
                .caption(
                    format!("{}: {name} latency against offered load", m.mix),
                    (FONT, 16),
                )
                .margin(8)
                .x_label_area_size(36)
                .y_label_area_size(60)
                .build_cartesian_2d(0.0..x_hi, (y_lo.max(0.001)..y_hi.max(0.01)).log_scale())?;
            chart
                .configure_mesh()
                .x_desc("offered requests/s")
                .y_desc(format!("{name}, ms (log)"))
                .x_label_formatter(&|v| rps(*v))
                .y_label_formatter(&|v| format!("{v:.2}"))
                .label_style((FONT, 11))
                .draw()?;
            if name == "p99" {
                let o = objective_ns as f64 / 1e6;
                chart
                    .draw_series([DashedPathElement::new(
                        [(0.0, o), (x_hi, o)],
                        4,
                        4,
                        RGBColor(127, 127, 127).stroke_width(1),
                    )])?
                    .label(format!("objective {}", duration(objective_ns)))
                    .legend(|(x, y)| {
                        PathElement::new([(x, y), (x + 18, y)], RGBColor(127, 127, 127))
                    });
            }
            for (i, c) in m.curves.iter().enumerate() {
                let color = PALETTE[i % PALETTE.len()];
                let line: Vec<(f64, f64)> = c
                    .points
                    .iter()
                    .map(|p| (p.offered_rps, (get(p).max(1) as f64 / 1e6).max(y_lo)))
                    .collect();
                chart
                    .draw_series(LineSeries::new(line.clone(), color.stroke_width(2)))?
                    .label(c.model.clone())
                    .legend(move |(x, y)| {
                        PathElement::new([(x, y), (x + 18, y)], color.stroke_width(2))
                    });
                chart.draw_series(c.points.iter().zip(&line).map(|(p, &xy)| {
                    let style = if p.unreliable.is_some() {
                        color.stroke_width(1)
                    } else {
                        color.filled()
                    };
                    Circle::new(xy, 3, style)
                }))?;
            }
            chart
                .configure_series_labels()
                .position(SeriesLabelPosition::UpperLeft)
                .background_style(WHITE.mix(0.9))
                .border_style(RGBColor(127, 127, 127))
                .label_font((FONT, 11))
                .draw()?;
        }
        root.present()?;
    }
    Ok(Some(svg))
}

#[cfg(test)]
mod test {
    use super::*;

    pub(crate) fn point(offered: f64, achieved: f64, p99_ms: f64) -> ServeStats {
        ServeStats {
            mix: "waiting".into(),
            connections: 64,
            arrivals: "constant".into(),
            duration_s: 1.0,
            offered_rps: offered,
            achieved_rps: achieved,
            due: offered as u64,
            ok: achieved as u64,
            p50_ns: (p99_ms * 3e5) as u64,
            p99_ns: (p99_ms * 1e6) as u64,
            p999_ns: (p99_ms * 2e6) as u64,
            max_ns: (p99_ms * 3e6) as u64,
            errors: Vec::new(),
            p99_leave_one_out_ns: Vec::new(),
            lag_p99_ns: 10_000,
            unreliable: None,
            server_cpus: vec![0],
            generator_cpus: vec![1],
            generator_priority: None,
            refused_by_server: 0,
            refusal: None,
        }
    }

    fn curve(
        model: &str,
        concurrent: bool,
        parallel: bool,
        preemptive: bool,
        p99s: &[f64],
    ) -> Curve {
        Curve {
            model: model.into(),
            role: Role::Other,
            concurrent,
            parallel,
            preemptive,
            threads: 2,
            capacity_rps: 0.0,
            points: p99s
                .iter()
                .enumerate()
                .map(|(i, &p)| point(1000.0 * (i + 1) as f64, 1000.0 * (i + 1) as f64, p))
                .collect(),
            stopped: None,
            failed: None,
        }
    }

    #[test]
    fn throughput_at_the_objective_stops_at_the_first_miss() {
        let c = curve("x", true, false, false, &[1.0, 2.0, 50.0, 3.0]);
        assert_eq!(throughput_at(&c, 10_000_000), Some(2000.0));
        assert_eq!(throughput_at(&c, 500_000), None);
        let mut u = c.clone();
        u.points[1].unreliable = Some("lag".into());
        u.points[2].p99_ns = 1;
        assert_eq!(
            throughput_at(&u, 10_000_000),
            Some(4000.0),
            "unreliable points are skipped"
        );
        let mut behind = c;
        behind.points[1].achieved_rps = 1000.0;
        assert_eq!(
            throughput_at(&behind, 10_000_000),
            Some(1000.0),
            "a server that falls behind misses"
        );
    }

    #[test]
    fn verdicts_read_what_models_are_not_their_names() {
        let sweep = MixSweep {
            mix: "waiting".into(),
            description: "1 ms of waiting per request".into(),
            compute_ms: 0.0,
            wait_ms: 1.0,
            capacity_rps: 4000.0,
            rates: vec![1000.0, 2000.0, 3000.0],
            curves: vec![
                curve("a", true, false, false, &[1.0, 1.0, 1.0]),
                curve("b", true, false, true, &[1.0, 50.0, 50.0]),
            ],
            verdicts: Vec::new(),
        };
        let v = verdicts(&sweep, 10_000_000);
        assert_eq!(v.len(), 1);
        assert_eq!(v[0].holds, Some(true));
        assert!(
            v[0].text.contains("up to 3000 req/s") && v[0].text.contains("only to 1000"),
            "{}",
            v[0].text
        );
        let svg = latency_chart(&sweep, 10_000_000).unwrap().unwrap();
        assert!(svg.contains("<svg") && svg.contains("p99.9"));
        let mut computing = sweep.clone();
        computing.mix = "computing".into();
        (computing.compute_ms, computing.wait_ms) = (2.0, 0.0);
        // What the handler does decides which claims it is judged on.
        let mut both = sweep.clone();
        both.mix = "waiting".into();
        both.compute_ms = 0.5;
        assert_eq!(verdicts(&both, 10_000_000).len(), 2);
        let mut neither = sweep.clone();
        neither.wait_ms = 0.0;
        assert!(verdicts(&neither, 10_000_000).is_empty());
        let v = verdicts(&computing, 10_000_000);
        assert_eq!(
            v[0].holds, None,
            "no parallel model had two CPUs: {}",
            v[0].text
        );
    }

    /// A computing sweep: a one-core curve meeting the objective up to
    /// `one` thousand req/s, a parallel one on two CPUs shared with the
    /// generator up to `par` thousand, rates 1k to 8k.
    fn computing(one: usize, par: usize) -> MixSweep {
        let p99s = |knee: usize| -> Vec<f64> {
            (1..=8)
                .map(|k| if k <= knee { 2.0 } else { 40.0 })
                .collect()
        };
        let mut parallel = curve("p", true, true, true, &p99s(par));
        for p in &mut parallel.points {
            p.server_cpus = vec![0, 1];
            p.generator_cpus = vec![1];
        }
        MixSweep {
            mix: "computing".into(),
            description: "2 ms of computing per request".into(),
            compute_ms: 2.0,
            wait_ms: 0.0,
            capacity_rps: 8000.0,
            rates: (1..=8).map(|k| 1000.0 * k as f64).collect(),
            curves: vec![curve("a", true, false, false, &p99s(one)), parallel],
            verdicts: Vec::new(),
        }
    }

    #[test]
    fn parallel_claim_is_judged_on_a_server_sharing_the_generators_cpu() {
        let v = verdicts(&computing(2, 5), 10_000_000);
        assert_eq!(v[0].judgement, Judgement::Holds, "{}", v[0].text);
        // Knees: one core in [2000, 3000), parallel in [5000, 6000).
        let [lo, hi] = v[0].interval.expect("both curves miss somewhere");
        assert!(
            (lo - 5.0 / 3.0).abs() < 1e-9 && (hi - 3.0).abs() < 1e-9,
            "{lo} {hi}"
        );
        assert!(
            v[0].text
                .contains("(p: server on CPUs 0–1, generator on CPU 1, shared)")
                && v[0]
                    .text
                    .contains("(a: server on CPU 0, generator on CPU 1; p99"),
            "the placement of both curves is stated: {}",
            v[0].text
        );
        let v = verdicts(&computing(4, 4), 10_000_000);
        assert_eq!(
            v[0].judgement,
            Judgement::DoesNotHold,
            "a parallel model that misses at 5000 cannot be 1.3x a core that meets 4000: {}",
            v[0].text
        );
        let v = verdicts(&computing(2, 3), 10_000_000);
        assert_eq!(
            v[0].judgement,
            Judgement::TooNoisy,
            "knees in [2000, 3000) and [3000, 4000) leave 1.3x open: {}",
            v[0].text
        );
    }

    #[test]
    fn a_noisy_fifth_widens_the_interval() {
        let mut m = computing(2, 5);
        // The parallel model's 4000 req/s point meets on its whole p99 but
        // with one fifth left out it is over the objective.
        m.curves[1].points[3].p99_leave_one_out_ns = vec![2_000_000, 30_000_000];
        let v = verdicts(&m, 10_000_000);
        let [lo, _] = v[0].interval.unwrap();
        assert!(
            (lo - 1.0).abs() < 1e-9,
            "top of the band: knee from 3000: {lo}"
        );
        assert_eq!(v[0].judgement, Judgement::TooNoisy, "{}", v[0].text);
        assert_eq!(p99_band(&m.curves[1].points[3]), (2_000_000, 30_000_000));
    }

    #[test]
    fn placement_names_the_cpus_and_whether_they_are_shared() {
        let mut p = point(1.0, 1.0, 1.0);
        assert_eq!(placement(&p), "server on CPU 0, generator on CPU 1");
        p.server_cpus = vec![0, 1, 2];
        p.generator_cpus = vec![2];
        assert_eq!(
            placement(&p),
            "server on CPUs 0–2, generator on CPU 2, shared"
        );
        p.server_cpus.clear();
        assert!(placement(&p).starts_with("server on unpinned"));
    }
}

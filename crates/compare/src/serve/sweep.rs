//! The sweep of offered load: each model's capacity first (the rate it
//! achieves when offered far more), then every model at the same rates,
//! from a fraction of the best capacity to past it. A model whose points
//! are far past its knee stops early, so the sweep stays bounded; two
//! more points then narrow each model's knee.

use std::time::{Duration, Instant, SystemTime};

use cvp_report::serve::{meets, verdicts, Curve, MixSweep, ServeSweep, SERVE_SCHEMA};
use cvp_report::ServeStats;
use cvp_workloads::Mix;

use super::load::MAX_RATE;
use super::point::{measure_point, Placement, Point, Split};
use crate::models::ModelInfo;
use crate::Error;

/// What to sweep.
#[derive(Debug, Clone)]
pub struct Sweep {
    /// The handler mixes: built-in ones, specs' `[serve]` handlers.
    pub mixes: Vec<Mix>,
    /// The models (those without a server are left out).
    pub models: Vec<ModelInfo>,
    /// `--threads` of every server (`None`: as many as the server's CPUs).
    pub threads: Option<usize>,
    /// Offered rates as fractions of the best capacity, ascending.
    pub fractions: Vec<f64>,
    /// How long each point's requests are due.
    pub duration: Duration,
    /// Keep-alive connections.
    pub connections: usize,
    /// The p99 objective.
    pub objective: Duration,
    /// Deadline of each request.
    pub timeout: Duration,
    /// Where the server and the generator run ([`Placement::Auto`]
    /// decides per mix).
    pub placement: Placement,
    /// The CPUs to place them on (empty: those this process may use).
    pub cpus: Vec<usize>,
    /// The command line, for the report.
    pub command: String,
}

/// The default fractions of the best capacity: 10 % to 140 %, spaced by
/// 15 % from a quarter on, so that a one-core knee at about half a
/// two-core capacity falls between two close rates.
pub const FRACTIONS: [f64; 9] = [0.1, 0.25, 0.4, 0.55, 0.7, 0.85, 1.0, 1.15, 1.4];
/// A curve stops after this many points in a row past its knee (p99 over
/// [`FAR_PAST`] times the objective).
const PAST_KNEE: usize = 2;
/// How far over the objective counts as far past the knee.
const FAR_PAST: u32 = 20;
/// Points added between the last rate that met the objective and the
/// first that missed, each halving that bracket.
const REFINE: usize = 2;
/// How long the capacity probe of each model runs.
const PROBE: Duration = Duration::from_millis(600);

impl Sweep {
    /// An upper bound on how long it runs, from the points it may take.
    pub fn bound(&self) -> Duration {
        let per_point = self.duration + self.timeout + Duration::from_millis(200);
        let per_probe = PROBE + self.timeout + Duration::from_millis(200);
        let models = self.models.len() as u32;
        let mixes = self.mixes.len() as u32;
        (per_probe + per_point * (self.fractions.len() + REFINE) as u32) * models * mixes
    }

    /// The server's and the generator's CPUs for `mix`.
    pub fn split(&self, mix: &Mix) -> Split {
        let cpus = if self.cpus.is_empty() {
            Split::place(Placement::Shared).server
        } else {
            self.cpus.clone()
        };
        Split::place_on(&cpus, self.placement.resolve(mix, cpus.len()))
    }

    /// Server threads for `split`.
    pub fn threads(&self, split: &Split) -> usize {
        self.threads.unwrap_or(split.server.len().max(1))
    }

    fn point(&self, model: &ModelInfo, mix: &Mix, rate: f64, duration: Duration) -> Point {
        let split = self.split(mix);
        let mut p = Point::new(model.name, self.threads(&split), mix.clone(), rate);
        p.connections = self.connections;
        p.duration = duration;
        p.timeout = self.timeout;
        p.split = split;
        p
    }
}

/// The least time a request holds its connection in the capacity probe:
/// what the HTTP stacks cost a handler that does nothing.
const MIN_SERVICE_MS: f64 = 0.05;

/// A rate far above what any model serves with `connections` connections
/// on `cpus` CPUs for this mix: each connection has one request in flight
/// for the handler's computing and waiting (at least [`MIN_SERVICE_MS`]),
/// and a handler that computes keeps a CPU busy for its computing. Not
/// much further above: the generator's work grows with the rate it
/// offers, and where it shares a CPU with the server an absurd rate would
/// take that CPU from it.
fn probe_rate(mix: &Mix, connections: usize, cpus: usize) -> f64 {
    let service_ms = (mix.compute_ms() + mix.wait_ms()).max(MIN_SERVICE_MS);
    let by_connections = connections as f64 * 1000.0 / service_ms;
    let by_cpus = if mix.computes() {
        cpus.max(1) as f64 * 1000.0 / mix.compute_ms()
    } else {
        f64::INFINITY
    };
    (by_connections.min(by_cpus) * 2.0).min(MAX_RATE)
}

/// The last offered rate whose point met the objective, every reliable
/// point below it meeting it too, and the first rate above it that missed.
fn bracket(points: &[ServeStats], objective_ns: u64) -> Option<(f64, f64)> {
    let mut lo = None;
    for p in points {
        match meets(p, objective_ns) {
            Some(true) => lo = Some(p.offered_rps),
            Some(false) => return lo.map(|l| (l, p.offered_rps)),
            None => {}
        }
    }
    None
}

/// Runs the sweep; `progress` hears one line per point.
pub fn sweep(spec: &Sweep, progress: &mut dyn FnMut(&str)) -> Result<ServeSweep, Error> {
    if spec.fractions.is_empty() || spec.fractions.iter().any(|f| !(f.is_finite() && *f > 0.0)) {
        return Err(Error::Serve("fractions must be positive".into()));
    }
    let started = Instant::now();
    let started_unix = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let objective_ns = spec.objective.as_nanos() as u64;
    let models: Vec<&ModelInfo> = spec
        .models
        .iter()
        .filter(|m| super::server::serve_not_applicable(m.name).is_none())
        .collect();
    let mut mixes = Vec::new();
    for mix in &spec.mixes {
        let threads = spec.threads(&spec.split(mix));
        let mut curves: Vec<Curve> = models
            .iter()
            .map(|m| Curve {
                model: m.name.into(),
                role: m.role,
                concurrent: m.concurrent,
                parallel: m.parallel,
                preemptive: m.preemptive,
                threads: if m.threaded { threads } else { 1 },
                capacity_rps: 0.0,
                points: Vec::new(),
                stopped: None,
                failed: None,
            })
            .collect();
        for (m, c) in models.iter().zip(&mut curves) {
            let cpus = spec.split(mix).server.len();
            let p = spec.point(m, mix, probe_rate(mix, spec.connections, cpus), PROBE);
            match measure_point(&p) {
                Ok(s) => {
                    c.capacity_rps = s.achieved_rps;
                    progress(&format!(
                        "{mix}/{}: capacity {:.0} req/s",
                        m.name, s.achieved_rps
                    ));
                }
                Err(e) => {
                    progress(&format!("{mix}/{}: {e}", m.name));
                    c.failed = Some(e.to_string());
                }
            }
        }
        let capacity = curves.iter().map(|c| c.capacity_rps).fold(0.0, f64::max);
        if capacity <= 0.0 {
            return Err(Error::Serve(format!(
                "{mix}: no model answered a single request right"
            )));
        }
        let rates: Vec<f64> = spec
            .fractions
            .iter()
            .map(|f| (f * capacity).round().max(1.0))
            .collect();
        for (m, c) in models.iter().zip(&mut curves) {
            if c.failed.is_some() {
                continue;
            }
            let mut past = 0;
            for &rate in &rates {
                if past >= PAST_KNEE {
                    c.stopped = Some(format!(
                        "stopped after {PAST_KNEE} points with p99 over {FAR_PAST}x the objective"
                    ));
                    break;
                }
                match measure_point(&spec.point(m, mix, rate, spec.duration)) {
                    Ok(s) => {
                        progress(&format!(
                            "{mix}/{} at {rate:.0}: p99 {} achieved {:.0}{}",
                            m.name,
                            cvp_report::render::duration(s.p99_ns),
                            s.achieved_rps,
                            if s.unreliable.is_some() {
                                " (unreliable)"
                            } else {
                                ""
                            }
                        ));
                        if s.p99_ns > objective_ns.saturating_mul(u64::from(FAR_PAST)) {
                            past += 1;
                        } else {
                            past = 0;
                        }
                        c.points.push(s);
                    }
                    Err(e) => {
                        c.stopped = Some(format!("at {rate:.0} req/s: {e}"));
                        break;
                    }
                }
            }
            // Narrow the knee: a point halfway between the last rate that
            // met the objective and the first that missed, twice.
            for _ in 0..REFINE {
                let Some((lo, hi)) = bracket(&c.points, objective_ns) else {
                    break;
                };
                let rate = ((lo + hi) / 2.0).round();
                let measured = c.points.iter().any(|p| p.offered_rps == rate);
                if hi - lo < 0.04 * hi || rate <= lo || rate >= hi || measured {
                    break;
                }
                match measure_point(&spec.point(m, mix, rate, spec.duration)) {
                    Ok(s) => {
                        progress(&format!(
                            "{mix}/{} at {rate:.0} (the knee): p99 {} achieved {:.0}{}",
                            m.name,
                            cvp_report::render::duration(s.p99_ns),
                            s.achieved_rps,
                            if s.unreliable.is_some() {
                                " (unreliable)"
                            } else {
                                ""
                            }
                        ));
                        let at = c.points.partition_point(|p| p.offered_rps < rate);
                        c.points.insert(at, s);
                    }
                    Err(e) => {
                        progress(&format!("{mix}/{} at {rate:.0}: {e}", m.name));
                        break;
                    }
                }
            }
        }
        let mut m = MixSweep {
            mix: mix.name().into(),
            description: mix.describe().into(),
            compute_ms: mix.compute_ms(),
            wait_ms: mix.wait_ms(),
            capacity_rps: capacity,
            rates,
            curves,
            verdicts: Vec::new(),
        };
        m.verdicts = verdicts(&m, objective_ns);
        mixes.push(m);
    }
    Ok(ServeSweep {
        schema: SERVE_SCHEMA,
        machine: crate::machine::detect(),
        started_unix,
        elapsed_s: started.elapsed().as_secs_f64(),
        objective_p99_ns: objective_ns,
        command: spec.command.clone(),
        mixes,
    })
}

//! One point: a model's server at one offered rate, measured by the
//! generator on CPUs of its own.

use std::time::Duration;

use cvp_report::ServeStats;
use cvp_workloads::Mix;

use super::load::{run_load, Arrivals, Load, LoadReport};
use super::server::Server;
use crate::exec::affinity::CpuSet;
use crate::Error;

/// One model at one offered load.
#[derive(Debug, Clone)]
pub struct Point {
    /// The model's name.
    pub model: String,
    /// Its `--threads`.
    pub threads: usize,
    /// What each request does.
    pub mix: Mix,
    /// Offered requests per second.
    pub rate: f64,
    /// Keep-alive connections.
    pub connections: usize,
    /// How long requests are due.
    pub duration: Duration,
    /// How due times are spaced.
    pub arrivals: Arrivals,
    /// Deadline of each request.
    pub timeout: Duration,
    /// Which CPUs the server and the generator run on.
    pub split: Split,
}

impl Point {
    /// `model` at `rate` with the defaults: 64 connections, one second,
    /// constant arrivals, a one-second deadline, [`Split::detect`].
    pub fn new(model: &str, threads: usize, mix: Mix, rate: f64) -> Self {
        Self {
            model: model.into(),
            threads,
            mix,
            rate,
            connections: 64,
            duration: Duration::from_secs(1),
            arrivals: Arrivals::Constant,
            timeout: Duration::from_secs(1),
            split: Split::detect(),
        }
    }
}

/// The CPUs of the server and of the generator.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Split {
    /// The server's CPUs (empty: unpinned).
    pub server: Vec<usize>,
    /// The generator's CPUs (empty: unpinned).
    pub generator: Vec<usize>,
}

impl Split {
    /// With two CPUs or more, the generator gets the last one and the
    /// server the others; on one CPU they share it.
    pub fn detect() -> Self {
        Self::place(Placement::Separate)
    }

    /// The CPUs of `placement` among those this process may use.
    pub fn place(placement: Placement) -> Self {
        Self::place_on(
            &CpuSet::current().map(|s| s.cpus()).unwrap_or_default(),
            placement,
        )
    }

    /// The CPUs of `placement` among `cpus`: separate, the generator on
    /// the last and the server on the others (on one CPU they share it);
    /// shared, the server on all of them and the generator on the last.
    pub fn place_on(cpus: &[usize], placement: Placement) -> Self {
        match (placement, cpus.split_last()) {
            (Placement::Separate, Some((&last, rest))) if !rest.is_empty() => Split {
                server: rest.to_vec(),
                generator: vec![last],
            },
            (_, Some((&last, _))) => Split {
                server: cpus.to_vec(),
                generator: vec![last],
            },
            (_, None) => Split {
                server: Vec::new(),
                generator: Vec::new(),
            },
        }
    }

    /// Whether the generator runs on one of the server's CPUs.
    pub fn shared(&self) -> bool {
        self.generator.iter().any(|c| self.server.contains(c))
    }
}

/// Where the server and the generator run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Placement {
    /// The generator on a CPU of its own, the server on the others.
    Separate,
    /// The server on every CPU, the generator on the last of them.
    Shared,
    /// Separate wherever that leaves the server two CPUs or more (three
    /// CPUs or more); otherwise separate for the waiting mix (its claim is
    /// about one core) and shared for the mixes that compute, whose claim
    /// needs a server with more than one CPU.
    Auto,
}

impl Placement {
    /// The placement for `mix` among `cpus` CPUs ([`Placement::Auto`]
    /// resolved).
    pub fn resolve(self, mix: &Mix, cpus: usize) -> Placement {
        match self {
            Placement::Auto if cpus >= 3 || !mix.computes() => Placement::Separate,
            Placement::Auto => Placement::Shared,
            p => p,
        }
    }
}

impl std::str::FromStr for Placement {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "separate" => Ok(Placement::Separate),
            "shared" => Ok(Placement::Shared),
            "auto" => Ok(Placement::Auto),
            other => Err(format!(
                "unknown CPU placement `{other}` (auto, separate or shared)"
            )),
        }
    }
}

/// Starts the server, offers the load, stops the server: the point.
pub fn measure_point(p: &Point) -> Result<ServeStats, Error> {
    let server_cpus = (!p.split.server.is_empty()).then_some(p.split.server.as_slice());
    let server = Server::start(&p.model, p.threads, p.mix.clone(), server_cpus)?;
    let load = Load {
        addr: server.addr(),
        rate: p.rate,
        connections: p.connections,
        duration: p.duration,
        arrivals: p.arrivals,
        timeout: p.timeout,
        cpus: (!p.split.generator.is_empty()).then(|| p.split.generator.clone()),
        answers: Some(p.mix.answers()),
    };
    let report = run_load(&load)?;
    let (refused, refusal) = server.refused();
    let server_cpus = server.cpus().to_vec();
    drop(server);
    Ok(stats(p, &report, server_cpus, refused, refusal))
}

/// The p99 of the windows merged with each one left out in turn: how far
/// one fifth of the point moves its p99 (empty where fewer than two
/// windows hold requests).
fn leave_one_out_p99(windows: &[hdrhistogram::Histogram<u64>]) -> Vec<u64> {
    if windows.iter().filter(|h| !h.is_empty()).count() < 2 {
        return Vec::new();
    }
    (0..windows.len())
        .filter_map(|out| {
            let mut rest = windows.iter().enumerate().filter(|(i, _)| *i != out);
            let (_, first) = rest.next()?;
            let mut merged = first.clone();
            for (_, h) in rest {
                merged.add(h).ok()?;
            }
            (!merged.is_empty()).then(|| merged.value_at_quantile(0.99))
        })
        .collect()
}

/// The report's summary of a load.
pub(crate) fn stats(
    p: &Point,
    r: &LoadReport,
    server_cpus: Vec<usize>,
    refused_by_server: u64,
    refusal: Option<String>,
) -> ServeStats {
    let q = |x: f64| {
        if r.latency.is_empty() {
            0
        } else {
            r.latency.value_at_quantile(x)
        }
    };
    ServeStats {
        mix: p.mix.name().into(),
        connections: p.connections,
        arrivals: match p.arrivals {
            Arrivals::Constant => "constant".into(),
            Arrivals::Poisson { .. } => "poisson".into(),
        },
        duration_s: p.duration.as_secs_f64(),
        offered_rps: r.offered_rps,
        achieved_rps: r.achieved_rps,
        due: r.due,
        ok: r.ok,
        p50_ns: q(0.5),
        p99_ns: q(0.99),
        p999_ns: q(0.999),
        max_ns: if r.latency.is_empty() {
            0
        } else {
            r.latency.max()
        },
        errors: r.errors.iter().map(|(k, v)| (k.clone(), *v)).collect(),
        p99_leave_one_out_ns: leave_one_out_p99(&r.windows),
        lag_p99_ns: if r.lag.is_empty() {
            0
        } else {
            r.lag.value_at_quantile(0.99)
        },
        unreliable: r.unreliable(),
        server_cpus,
        generator_cpus: r.cpus.clone(),
        generator_priority: r.priority.clone(),
        refused_by_server,
        refusal,
    }
}

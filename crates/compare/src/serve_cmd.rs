//! `cvp serve` (one point) and `cvp serve-sweep` (latency against offered
//! load for every model).

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use clap::Args;
use cvp_compare::{
    available_cores, measure_point, raise_fd_limit, serve_sweep, Arrivals, Mix, Placement, Point,
    Split, Sweep, FRACTIONS,
};
use cvp_report::{render, serve, ServeStats};
use cvp_workloads::{Preset, Serve, Shape};

use crate::{positive, seconds, usage, Failure};

#[derive(Args)]
pub(crate) struct ServeArgs {
    /// The model whose server runs.
    #[arg(long, default_value = "tokio-current-thread")]
    model: String,
    /// What each request does: waiting, computing, mixed or trivial
    /// (default: waiting).
    #[arg(long, conflicts_with = "spec")]
    mix: Option<String>,
    /// A spec with a `[serve]` table instead of a mix: its handler, and its
    /// rate, connections and duration where these flags give none.
    #[arg(long, value_name = "FILE")]
    spec: Option<PathBuf>,
    /// Offered requests per second (default: 1000, or the spec's rate).
    #[arg(long, value_parser = rate)]
    rate: Option<f64>,
    /// Keep-alive connections (default: 64, or the spec's).
    #[arg(long, value_parser = positive)]
    connections: Option<usize>,
    /// Seconds requests are due (default: 1, or the spec's duration).
    #[arg(long, value_parser = seconds)]
    duration: Option<Duration>,
    /// Server threads (default: the available cores).
    #[arg(long, value_parser = positive)]
    threads: Option<usize>,
    /// Exponential gaps from this seed instead of constant ones.
    #[arg(long)]
    poisson: Option<u64>,
    /// Seconds each request may take before it counts as timed out.
    #[arg(long, default_value = "1", value_parser = seconds)]
    timeout: Duration,
    /// Where the generator runs: `separate`, `shared` or `auto` (as in
    /// `cvp serve-sweep`).
    #[arg(long, default_value = "auto", value_parser = placement)]
    cpus: Placement,
    /// Print the point as JSON.
    #[arg(long)]
    json: bool,
}

fn rate(s: &str) -> Result<f64, String> {
    match s.parse::<f64>() {
        Ok(x) if x.is_finite() && x > 0.0 => Ok(x),
        Ok(_) => Err("must be a positive number of requests per second".into()),
        Err(e) => Err(e.to_string()),
    }
}

fn placement(s: &str) -> Result<Placement, String> {
    s.parse()
}

fn mix(name: &str) -> Result<Mix, Failure> {
    name.parse::<Mix>().map_err(usage)
}

/// A spec's server and its offered rate; a bad spec, or one that is not
/// a server, is one line (exit 2).
fn serve_spec(path: &Path) -> Result<(Serve, usize), Failure> {
    let w = cvp_workloads::load_spec(path).map_err(usage)?;
    match w.shape() {
        Shape::Serve(s) => Ok((s.clone(), w.size(Preset::Default))),
        Shape::Tasks(_) | Shape::Job(_) => Err(usage(format!(
            "{}: not a server: give a spec with a `[serve]` table",
            path.display()
        ))),
    }
}

pub(crate) fn serve(args: ServeArgs) -> Result<ExitCode, Failure> {
    let (mix, rate, connections, duration) = match &args.spec {
        Some(path) => {
            let (s, rate) = serve_spec(path)?;
            let duration = Duration::from_millis(s.millis);
            (s.mix, rate as f64, s.connections, duration)
        }
        None => (
            mix(args.mix.as_deref().unwrap_or("waiting"))?,
            1000.0,
            64,
            Duration::from_secs(1),
        ),
    };
    cvp_compare::find_model(&args.model).map_err(usage)?;
    if let Some(why) = cvp_compare::serve_not_applicable(&args.model) {
        return Err(usage(format!("{}: n/a: {why}", args.model)));
    }
    let _ = raise_fd_limit();
    let mut p = Point::new(
        &args.model,
        args.threads.unwrap_or_else(available_cores),
        mix,
        args.rate.unwrap_or(rate),
    );
    p.connections = args.connections.unwrap_or(connections);
    p.duration = args.duration.unwrap_or(duration);
    p.timeout = args.timeout;
    let cpus = Split::place(Placement::Shared).server;
    p.split = Split::place_on(&cpus, args.cpus.resolve(&p.mix, cpus.len()));
    if let Some(seed) = args.poisson {
        p.arrivals = Arrivals::Poisson { seed };
    }
    let stats = measure_point(&p).map_err(|e| match e {
        cvp_compare::Error::Serve(_) => usage(e),
        other => Failure::from(other),
    })?;
    if args.json {
        outln!("{}", serde_json::to_string(&stats)?);
    } else {
        print_point(&args.model, &stats);
    }
    Ok(if stats.failed() > 0 || stats.unreliable.is_some() {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}

fn print_point(model: &str, s: &ServeStats) {
    outln!(
        "{model}, {} mix, {} connections, {} arrivals, {:.1} s",
        s.mix,
        s.connections,
        s.arrivals,
        s.duration_s
    );
    outln!(
        "  offered   {:.0} req/s, achieved {:.0} req/s ({} of {} due answered right)",
        s.offered_rps,
        s.achieved_rps,
        s.ok,
        s.due
    );
    outln!(
        "  latency   p50 {} p99 {} p99.9 {} max {} (from due time)",
        render::duration(s.p50_ns),
        render::duration(s.p99_ns),
        render::duration(s.p999_ns),
        render::duration(s.max_ns)
    );
    let errors: Vec<String> = s.errors.iter().map(|(k, n)| format!("{k} {n}")).collect();
    outln!(
        "  errors    {}",
        if errors.is_empty() {
            "none".into()
        } else {
            errors.join(", ")
        }
    );
    outln!(
        "  generator lag p99 {}{}",
        render::duration(s.lag_p99_ns),
        s.unreliable
            .as_deref()
            .map(|u| format!(": UNRELIABLE, {u}"))
            .unwrap_or_default()
    );
    outln!("  cpus      {}", serve::placement(s));
    if s.refused_by_server > 0 {
        outln!(
            "  server refused {} connections: {}",
            s.refused_by_server,
            s.refusal.as_deref().unwrap_or("")
        );
    }
}

#[derive(Args)]
pub(crate) struct SweepArgs {
    /// Handler mixes, comma-separated: waiting, computing, mixed, trivial
    /// (default: waiting,computing,mixed; none when --spec is given).
    #[arg(long, value_delimiter = ',')]
    mix: Vec<String>,
    /// Specs with a `[serve]` table: their handlers are swept too, each a
    /// mix named after its spec (at this sweep's rates, connections and
    /// duration).
    #[arg(long, value_name = "FILE", num_args = 1..)]
    spec: Vec<PathBuf>,
    /// Models, comma-separated (default: every model with a server).
    #[arg(long, value_delimiter = ',')]
    models: Vec<String>,
    /// Server threads (default: the CPUs the server gets).
    #[arg(long, value_parser = positive)]
    threads: Option<usize>,
    /// Seconds each point's requests are due.
    #[arg(long, default_value = "1", value_parser = seconds)]
    duration: Duration,
    /// Keep-alive connections.
    #[arg(long, default_value = "64", value_parser = positive)]
    connections: usize,
    /// The p99 objective, milliseconds.
    #[arg(long, default_value = "10", value_parser = seconds)]
    objective_ms: Duration,
    /// Where the generator runs: `separate` (a CPU of its own, the server
    /// on the others), `shared` (the server on every CPU, the generator on
    /// the last), `auto` (separate where the server still gets two CPUs or
    /// more; on two CPUs, shared for the mixes that compute).
    #[arg(long, default_value = "auto", value_parser = placement)]
    cpus: Placement,
    /// Where to write serve.json, serve.md, index.html and charts/.
    #[arg(long, default_value = "results/serve")]
    out: PathBuf,
}

pub(crate) fn sweep(args: SweepArgs) -> Result<ExitCode, Failure> {
    let mut mixes = if args.mix.is_empty() && args.spec.is_empty() {
        Mix::defaults().to_vec()
    } else {
        args.mix
            .iter()
            .map(|m| mix(m))
            .collect::<Result<Vec<_>, _>>()?
    };
    for path in &args.spec {
        let (s, _) = serve_spec(path)?;
        if mixes.iter().any(|m| m.name() == s.mix.name()) {
            return Err(usage(format!(
                "{}: a mix named `{}` is already in this sweep",
                path.display(),
                s.mix
            )));
        }
        mixes.push(s.mix);
    }
    let models = if args.models.is_empty() {
        cvp_compare::models().collect()
    } else {
        args.models
            .iter()
            .map(|m| cvp_compare::find_model(m).map_err(usage))
            .collect::<Result<Vec<_>, _>>()?
    };
    crate::check_out(&args.out)?;
    let _ = raise_fd_limit();
    let spec = Sweep {
        mixes,
        models,
        threads: args.threads,
        fractions: FRACTIONS.to_vec(),
        duration: args.duration,
        connections: args.connections,
        // `--objective-ms 10` parsed as seconds: scale to milliseconds.
        objective: args.objective_ms / 1000,
        timeout: Duration::from_secs(1),
        placement: args.cpus,
        cpus: Vec::new(),
        command: std::env::args().collect::<Vec<_>>().join(" "),
    };
    let places: Vec<String> = spec
        .mixes
        .iter()
        .map(|m| {
            let s = spec.split(m);
            format!(
                "{m}: server on CPUs {:?}, generator on {:?}{}",
                s.server,
                s.generator,
                if s.shared() { " (shared)" } else { "" }
            )
        })
        .collect();
    eprintln!(
        "cvp: serve sweep of {} mixes x {} models ({}); at most {:.0} s",
        spec.mixes.len(),
        spec.models.len(),
        places.join("; "),
        spec.bound().as_secs_f64()
    );
    let result = serve_sweep(&spec, &mut |line| eprintln!("  {line}")).map_err(usage)?;
    write_sweep(&args.out, &result)?;
    for m in &result.mixes {
        for v in &m.verdicts {
            outln!("{}: {}", v.judgement.label(), v.text);
        }
    }
    outln!(
        "wrote {} in {:.0} s",
        args.out.join("serve.md").display(),
        result.elapsed_s
    );
    Ok(ExitCode::SUCCESS)
}

/// Writes `serve.json`, `serve.md`, `index.html` and `charts/` of a sweep.
fn write_sweep(
    dir: &std::path::Path,
    sweep: &cvp_report::serve::ServeSweep,
) -> Result<(), Failure> {
    let json = serde_json::to_string_pretty(sweep)?;
    std::fs::write(dir.join("serve.json"), json + "\n")?;
    std::fs::write(dir.join("serve.md"), serve::markdown(sweep))?;
    cvp_report::visual::write_sweep(dir, sweep)?;
    Ok(())
}

/// `cvp render DIR` of a folder holding a sweep's `serve.json`: its claims
/// judged again with this build's rules, and its tables, charts and page
/// drawn again, without measuring.
pub(crate) fn render_sweep(dir: &std::path::Path) -> Result<ExitCode, Failure> {
    let path = dir.join("serve.json");
    let text =
        std::fs::read_to_string(&path).map_err(|e| usage(format!("{}: {e}", path.display())))?;
    let mut sweep: cvp_report::serve::ServeSweep = serde_json::from_str(&text)
        .map_err(|e| usage(format!("{}: not a serve sweep: {e}", path.display())))?;
    if sweep.schema != cvp_report::serve::SERVE_SCHEMA {
        return Err(usage(format!(
            "{}: serve schema {}, this build reads {}",
            path.display(),
            sweep.schema,
            cvp_report::serve::SERVE_SCHEMA
        )));
    }
    for m in &mut sweep.mixes {
        m.verdicts = serve::verdicts(m, sweep.objective_p99_ns);
    }
    crate::check_out(dir)?;
    write_sweep(dir, &sweep)?;
    outln!(
        "rendered {} from {}",
        dir.join("index.html").display(),
        path.display()
    );
    Ok(ExitCode::SUCCESS)
}

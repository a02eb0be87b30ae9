//! `cvp serve` (one point) and `cvp serve-sweep` (latency against offered
//! load for every model).

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::Args;
use cvp_compare::{available_cores, measure_point, raise_fd_limit, Arrivals, Mix, Point};
use cvp_report::{render, ServeStats};

use crate::{positive, seconds, usage, Failure};

#[derive(Args)]
pub(crate) struct ServeArgs {
    /// The model whose server runs.
    #[arg(long, default_value = "tokio-current-thread")]
    model: String,
    /// What each request does: waiting, computing or mixed.
    #[arg(long, default_value = "waiting")]
    mix: String,
    /// Offered requests per second.
    #[arg(long, default_value = "1000", value_parser = rate)]
    rate: f64,
    /// Keep-alive connections.
    #[arg(long, default_value = "64", value_parser = positive)]
    connections: usize,
    /// Seconds requests are due.
    #[arg(long, default_value = "1", value_parser = seconds)]
    duration: Duration,
    /// Server threads (default: the available cores).
    #[arg(long, value_parser = positive)]
    threads: Option<usize>,
    /// Exponential gaps from this seed instead of constant ones.
    #[arg(long)]
    poisson: Option<u64>,
    /// Seconds each request may take before it counts as timed out.
    #[arg(long, default_value = "1", value_parser = seconds)]
    timeout: Duration,
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

fn mix(name: &str) -> Result<Mix, Failure> {
    name.parse::<Mix>().map_err(usage)
}

pub(crate) fn serve(args: ServeArgs) -> Result<ExitCode, Failure> {
    let mix = mix(&args.mix)?;
    cvp_compare::find_model(&args.model).map_err(usage)?;
    if let Some(why) = cvp_compare::serve_not_applicable(&args.model) {
        return Err(usage(format!("{}: n/a: {why}", args.model)));
    }
    let _ = raise_fd_limit();
    let mut p = Point::new(
        &args.model,
        args.threads.unwrap_or_else(available_cores),
        mix,
        args.rate,
    );
    p.connections = args.connections;
    p.duration = args.duration;
    p.timeout = args.timeout;
    if let Some(seed) = args.poisson {
        p.arrivals = Arrivals::Poisson { seed };
    }
    let stats = measure_point(&p).map_err(|e| match e {
        cvp_compare::Error::Serve(_) => usage(e),
        other => Failure::from(other),
    })?;
    if args.json {
        println!("{}", serde_json::to_string(&stats)?);
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
    println!(
        "{model}, {} mix, {} connections, {} arrivals, {:.1} s",
        s.mix, s.connections, s.arrivals, s.duration_s
    );
    println!(
        "  offered   {:.0} req/s, achieved {:.0} req/s ({} of {} due answered right)",
        s.offered_rps, s.achieved_rps, s.ok, s.due
    );
    println!(
        "  latency   p50 {} p99 {} p99.9 {} max {} (from due time)",
        render::duration(s.p50_ns),
        render::duration(s.p99_ns),
        render::duration(s.p999_ns),
        render::duration(s.max_ns)
    );
    let errors: Vec<String> = s.errors.iter().map(|(k, n)| format!("{k} {n}")).collect();
    println!(
        "  errors    {}",
        if errors.is_empty() {
            "none".into()
        } else {
            errors.join(", ")
        }
    );
    println!(
        "  generator lag p99 {}{}",
        render::duration(s.lag_p99_ns),
        s.unreliable
            .as_deref()
            .map(|u| format!(": UNRELIABLE, {u}"))
            .unwrap_or_default()
    );
    println!(
        "  cpus      server {:?}, generator {:?}",
        s.server_cpus, s.generator_cpus
    );
    if s.refused_by_server > 0 {
        println!(
            "  server refused {} connections: {}",
            s.refused_by_server,
            s.refusal.as_deref().unwrap_or("")
        );
    }
}

#[allow(dead_code)]
fn out_dir(p: PathBuf) -> PathBuf {
    p
}

//! The serve workload's cell in `cvp compare`: one point per model at the
//! workload's offered rate, its answer the count of requests answered
//! right against the count due.

use std::time::{Duration, Instant};

use cvp_report::{Cell, Run, Status};
use cvp_workloads::Serve;

use super::point::{measure_point, Point};
use super::server::serve_not_applicable;
use crate::measure::CellSpec;
use crate::usage::Usage;

/// Measures `spec`'s point into `cell` (which has the spec's identity).
pub(crate) fn run_cell(spec: &CellSpec, serve: &Serve, mut cell: Cell) -> Cell {
    if let Some(why) = serve_not_applicable(spec.model.name) {
        cell.status = Status::NotApplicable;
        cell.reason = Some(why);
        return cell;
    }
    let fail = |mut cell: Cell, why: String| {
        cell.status = Status::Failed;
        cell.reason = Some(why);
        cell
    };
    let reference = Serve::answer(serve.due(spec.size), serve.due(spec.size));
    let _ = super::load::raise_fd_limit();
    let mut p = Point::new(
        spec.model.name,
        spec.threads,
        serve.mix.clone(),
        spec.size as f64,
    );
    p.connections = serve.connections;
    p.duration = Duration::from_millis(serve.millis);
    let before = Usage::now();
    let t = Instant::now();
    let stats = match measure_point(&p) {
        Ok(s) => s,
        Err(e) => return fail(cell, e.to_string()),
    };
    let wall = t.elapsed();
    let after = Usage::now();
    cell.answer = Serve::answer(stats.ok, stats.due);
    cell.reference = reference;
    cell.verified = cell.answer == cell.reference;
    cell.status = if cell.verified {
        Status::Ok
    } else {
        Status::Wrong
    };
    if !cell.verified {
        let kinds: Vec<String> = stats
            .errors
            .iter()
            .map(|(k, n)| format!("{k} {n}"))
            .collect();
        cell.reason = Some(format!("failed requests: {}", kinds.join(", ")));
    }
    let ns = |d: Duration| d.as_nanos() as u64;
    let run = Run {
        wall_ns: ns(wall),
        cpu_ns: ns((after.user + after.sys).saturating_sub(before.user + before.sys)),
        user_ns: ns(after.user.saturating_sub(before.user)),
        sys_ns: ns(after.sys.saturating_sub(before.sys)),
        voluntary_switches: after.voluntary.saturating_sub(before.voluntary),
        involuntary_switches: after.involuntary.saturating_sub(before.involuntary),
        peak_rss_kib: after.max_rss_kib,
        concurrency: None,
        lateness: None,
        cluster: None,
    };
    cell.wall_ns = run.wall_ns;
    cell.wall_min_ns = run.wall_ns;
    cell.wall_max_ns = run.wall_ns;
    cell.cpu_ns = run.cpu_ns;
    cell.peak_rss_kib = run.peak_rss_kib;
    cell.runs = vec![run];
    cell.serve = Some(stats);
    cell
}

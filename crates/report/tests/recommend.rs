//! The recommendation: the winner and its noise band from the runs, why in
//! measured terms, the serial fraction only from three core counts, and the
//! change that flips the answer, computed.

use cvp_report::{recommend, render, serial_fraction, Cell, Report};

/// A verified cell with these runs (wall times in ms) and CPU time (ms).
fn cell(model: &str, threads: usize, cores: usize, walls_ms: &[f64], cpu_ms: f64) -> Cell {
    let ns = |ms: f64| (ms * 1e6) as u64;
    let mut sorted = walls_ms.to_vec();
    sorted.sort_by(f64::total_cmp);
    let median = sorted[sorted.len() / 2];
    let runs: Vec<_> = walls_ms
        .iter()
        .map(|&w| {
            serde_json::json!({"wall_ns": ns(w), "cpu_ns": ns(cpu_ms), "user_ns": ns(cpu_ms),
                "sys_ns": 0, "voluntary_switches": 0, "involuntary_switches": 0, "peak_rss_kib": 0})
        })
        .collect();
    serde_json::from_value(serde_json::json!({
        "workload": "w", "class": "cpu", "serial": false, "model": model,
        "role": if model == "sequential" { "baseline" } else { "other" }, "anchor": null,
        "concurrent": model == "interleave", "parallel": cores > 1, "preemptive": false,
        "threads": threads, "cores": cores, "size": 100, "unit": "items", "status": "ok",
        "reason": null, "answer": "42", "reference": "42", "verified": true,
        "wall_ns": ns(median), "wall_min_ns": ns(sorted[0]), "wall_max_ns": ns(*sorted.last().unwrap()),
        "cpu_ns": ns(cpu_ms), "speedup": null, "efficiency": null, "concurrency": null,
        "lateness": null, "peak_rss_kib": 0, "warmup_ns": 0, "runs": runs, "trace": null
    }))
    .unwrap()
}

fn report(mut cells: Vec<Cell>) -> Report {
    let base = cells
        .iter()
        .find(|c| c.model == "sequential")
        .map(|c| c.wall_ns);
    for c in &mut cells {
        c.speedup = base.map(|b| b as f64 / c.wall_ns as f64);
    }
    serde_json::from_value(serde_json::json!({
        "schema": cvp_report::SCHEMA,
        "machine": {"cpu_model": "x", "cores": 2, "os": "y", "rustc": "z"},
        "settings": {"preset": "test", "threads": [2], "runs": "3", "cell_timeout_s": 60.0, "isolation": "thread"},
        "started_unix": 0, "elapsed_s": 1.0, "interrupted": false,
        "cells": cells, "verdicts": []
    }))
    .unwrap()
}

#[test]
fn the_winner_has_the_lowest_median_and_a_band_from_the_envelope() {
    let r = report(vec![
        cell("sequential", 1, 1, &[100.0, 101.0, 99.0], 99.0),
        cell("rayon", 2, 2, &[50.0, 52.0, 51.0], 100.0),
        cell("threads", 2, 2, &[60.0, 61.0, 62.0], 100.0),
    ]);
    let rec = &recommend(&r)[0];
    assert_eq!(
        (rec.winner.as_str(), rec.runner_up.as_deref()),
        ("rayon", Some("threads"))
    );
    assert!((rec.margin.unwrap() - 61.0 / 51.0).abs() < 1e-9);
    assert!((rec.margin_low.unwrap() - 60.0 / 52.0).abs() < 1e-9);
    assert!((rec.margin_high.unwrap() - 62.0 / 50.0).abs() < 1e-9);
    assert!(rec.decided);
    assert!(
        rec.lines[0].contains("**rayon (2 threads)** wins"),
        "{:?}",
        rec.lines
    );
    assert!(
        rec.lines[1].contains("kept 1.96 cores busy"),
        "{:?}",
        rec.lines
    );
}

#[test]
fn overlapping_runs_are_too_close_to_tell() {
    let r = report(vec![
        cell("sequential", 1, 1, &[100.0, 101.0, 99.0], 99.0),
        cell("rayon", 2, 2, &[50.0, 58.0, 51.0], 100.0),
        cell("threads", 2, 2, &[53.0, 49.0, 54.0], 100.0),
    ]);
    let rec = &recommend(&r)[0];
    assert!(!rec.decided);
    assert!(
        rec.lines[0].contains("too close to tell"),
        "{:?}",
        rec.lines
    );
}

#[test]
fn a_serial_fraction_needs_three_core_counts_and_recovers_amdahl() {
    let s: f64 = 0.2;
    let amdahl = |p: f64| 100.0 * (s + (1.0 - s) / p);
    let seq = cell("sequential", 1, 1, &[100.0], 100.0);
    let mut cells = vec![seq];
    for p in [1usize, 2, 4] {
        cells.push(cell("rayon", p, p, &[amdahl(p as f64)], 100.0));
    }
    let r = report(cells.clone());
    let rayon: Vec<&Cell> = r.cells.iter().filter(|c| c.model == "rayon").collect();
    let (fit, counts, residual) = serial_fraction(&rayon).unwrap();
    assert!((fit - s).abs() < 1e-3, "{fit}");
    assert_eq!(counts, [1, 2, 4]);
    assert!(residual < 1e-3);
    assert!(recommend(&r)[0].lines[1].contains("serial fraction of 0.20"));

    let two = report(cells[..3].to_vec());
    let rayon: Vec<&Cell> = two.cells.iter().filter(|c| c.model == "rayon").collect();
    assert_eq!(serial_fraction(&rayon), None);
    assert!(recommend(&two)[0].lines[1].contains("run with `--threads 1,2,4`"));
}

#[test]
fn the_flip_is_computed_from_computing_and_waiting() {
    // interleave: 2 ms computing on 1 core + 18 ms waiting; decompose:
    // 2 ms of CPU over 2 cores = 1 ms + 99 ms waiting. Waiting scaled by k:
    // 2 + 18k = 1 + 99k at k = 1/81.
    let mut a = cell("interleave", 1, 1, &[20.0, 20.0, 20.0], 2.0);
    let mut b = cell("decompose", 2, 2, &[100.0, 100.0, 100.0], 2.0);
    let mut s = cell("sequential", 1, 1, &[1000.0, 1000.0, 1000.0], 2.0);
    for c in [&mut a, &mut b, &mut s] {
        c.class = cvp_report::Class::Io;
        c.concurrency = Some(1.0);
    }
    let r = report(vec![s, a, b]);
    let rec = &recommend(&r)[0];
    let flip = rec.lines.last().unwrap();
    assert!(
        flip.contains(
            "with 81x less waiting per task, decompose (2 threads) would beat interleave"
        ),
        "{flip}"
    );
    // The section of the workload ends with it, in both renderings.
    assert!(render::text(&r)
        .trim_end()
        .ends_with(&flip.replace("**", "")));
    assert!(render::markdown(&r).contains(flip.as_str()));
}

#[test]
fn a_job_is_never_told_to_wait_less() {
    let r = report(vec![
        cell("sequential", 1, 1, &[100.0, 100.0, 100.0], 100.0),
        cell("rayon", 2, 2, &[55.0, 55.0, 55.0], 100.0),
    ]);
    let rec = &recommend(&r)[0];
    assert!(
        rec.lines.iter().all(|l| !l.contains("waiting")),
        "{:?}",
        rec.lines
    );
    // rayon: 50 ms computing + 5 ms of rest; sequential 100 + 0: with
    // computing scaled by k, 50k + 5 = 100k at k = 0.1.
    assert!(
        rec.lines
            .last()
            .unwrap()
            .contains("with 10x less computing, sequential would beat rayon"),
        "{:?}",
        rec.lines
    );
}

#[test]
fn one_run_each_is_not_a_noise_band() {
    let r = report(vec![
        cell("sequential", 1, 1, &[100.0], 99.0),
        cell("rayon", 2, 2, &[50.0], 100.0),
    ]);
    let rec = &recommend(&r)[0];
    assert!(!rec.decided);
    assert!(
        rec.lines[0].contains("one run cannot show the noise"),
        "{:?}",
        rec.lines
    );
}

/// A serve cell: one point of offered load with this p99 and band (ms),
/// `ok` of 1,000 requests answered.
fn serve_cell(model: &str, p99_ms: f64, loo_ms: &[f64], ok: u64) -> Cell {
    let ns = |ms: f64| (ms * 1e6) as u64;
    let mut c = cell(model, 1, 1, &[1000.0, 1000.0, 1000.0], 200.0);
    c.serve = Some(
        serde_json::from_value(serde_json::json!({
            "mix": "waiting", "connections": 64, "arrivals": "constant", "duration_s": 1.0,
            "offered_rps": 1000.0, "achieved_rps": ok as f64, "due": 1000, "ok": ok,
            "p50_ns": ns(1.1), "p99_ns": ns(p99_ms), "p999_ns": ns(p99_ms * 1.5), "max_ns": ns(p99_ms * 2.0),
            "errors": if ok < 1000 { serde_json::json!([["timeout", 1000 - ok]]) } else { serde_json::json!([]) },
            "p99_leave_one_out_ns": loo_ms.iter().map(|&m| ns(m)).collect::<Vec<_>>(),
            "lag_p99_ns": 10_000
        }))
        .unwrap(),
    );
    c
}

#[test]
fn a_server_under_load_is_judged_by_its_p99_not_its_fixed_wall_time() {
    let r = report(vec![
        serve_cell("sequential", 9.0, &[8.0, 9.0, 10.0, 9.0, 9.5], 1000),
        serve_cell("interleave", 1.2, &[1.1, 1.2, 1.3, 1.2, 1.25], 1000),
        serve_cell("threads", 2.5, &[2.4, 2.5, 2.6, 2.5, 2.55], 1000),
        // Fastest p99, but it dropped requests: not a winner.
        serve_cell("tokio-current-thread", 1.0, &[1.0, 1.0, 1.0, 1.0, 1.0], 990),
    ]);
    let rec = &recommend(&r)[0];
    assert_eq!(
        (rec.winner.as_str(), rec.runner_up.as_deref()),
        ("interleave", Some("threads"))
    );
    assert!(rec.decided, "{:?}", rec.lines);
    let m = rec.margin.unwrap();
    assert!((m - 2.5 / 1.2).abs() < 1e-6, "{m}");
    assert!((rec.margin_low.unwrap() - 2.4 / 1.3).abs() < 1e-6);
    assert!(
        rec.lines[0].contains("lowest p99 latency"),
        "{}",
        rec.lines[0]
    );
    assert!(
        rec.lines[1].contains("tokio-current-thread answered 990 of 1000"),
        "{}",
        rec.lines[1]
    );
    assert!(!rec.lines.iter().any(|l| l.contains("wall time split")));
    // Overlapping bands: too close to tell.
    let close = report(vec![
        serve_cell("interleave", 1.2, &[1.0, 1.2, 1.4, 1.2, 1.3], 1000),
        serve_cell("threads", 1.25, &[1.1, 1.25, 1.3, 1.2, 1.3], 1000),
    ]);
    let rec = &recommend(&close)[0];
    assert!(!rec.decided);
    assert!(
        rec.lines[0].contains("too close to tell"),
        "{}",
        rec.lines[0]
    );
}

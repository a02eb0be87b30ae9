//! A spec's `[serve]` handler is served like a built-in mix: every model
//! answers every request with the reference worked out without running it,
//! a server answering another handler is caught, the generator offers
//! exactly the requests the schedule says are due, and `cvp serve`,
//! `cvp serve-sweep` and `cvp compare` take the spec (a bad one is one
//! line, exit 2).

mod common;
use common::{cvp, scratch};

use std::path::Path;
use std::time::Duration;

use cvp_compare::{
    measure_point, models, run_load, serve_not_applicable, Load, Mix, Point, Server,
};
use cvp_workloads::{parse_spec, Schedule, Serve, Shape};

/// A handler that draws at random (so 256 distinct requests, each seeded
/// by its id), calls the backend and computes a little (the kernel is slow
/// in unoptimised test builds).
fn spec(seed: u64) -> String {
    format!(
        "seed = {seed}\n[serve]\nsteps = [\n  {{ wait_ms = {{ exponential = 0.5 }} }},\n  \
         {{ request = {{ bytes = 128, delay_ms = {{ uniform = [0.2, 1] }} }} }},\n  \
         {{ repeat = 2, compute_units = {{ uniform = [10, 60] }} }},\n]\nrate = 100\n\
         connections = 8\nduration_ms = 300\n"
    )
}

fn serve_of(text: &str) -> Serve {
    let w = parse_spec(Path::new("handler.toml"), text).unwrap();
    match w.shape() {
        Shape::Serve(s) => s.clone(),
        other => panic!("{other:?}"),
    }
}

#[test]
fn every_model_serves_a_spec_handler_with_its_reference_answers() {
    let serve = serve_of(&spec(7));
    assert_eq!(serve.mix.ids(), 256);
    assert!(serve.mix.needs_backend());
    for m in models().filter(|m| serve_not_applicable(m.name).is_none()) {
        let mut p = Point::new(m.name, 2, serve.mix.clone(), 150.0);
        p.connections = serve.connections;
        p.duration = Duration::from_millis(serve.millis);
        // Answering is checked here, not speed: generous for a loaded
        // machine, and it costs time only when a request fails.
        p.timeout = Duration::from_secs(10);
        let s = measure_point(&p).unwrap();
        assert_eq!(s.mix, "handler");
        assert!(s.due >= 40, "{}: {s:?}", m.name);
        assert_eq!((s.ok, s.failed()), (s.due, 0), "{}: {:?}", m.name, s.errors);
    }
}

#[test]
fn a_server_answering_another_seed_is_counted_wrong() {
    // The same steps drawn from another seed: other costs, other answers.
    let (served, expected) = (serve_of(&spec(7)).mix, serve_of(&spec(8)).mix);
    assert_ne!(served.answers(), expected.answers());
    for model in ["tokio-current-thread", "threads"] {
        let server = Server::start(model, 2, served.clone(), None).unwrap();
        let mut load = Load::new(server.addr(), 100.0);
        load.connections = 4;
        load.duration = Duration::from_millis(200);
        load.timeout = Duration::from_secs(2);
        load.answers = Some(expected.answers());
        let r = run_load(&load).unwrap();
        assert!(r.due > 0);
        assert_eq!(r.ok, 0, "{model}");
        assert_eq!(
            r.errors.get("wrong"),
            Some(&r.due),
            "{model}: {:?}",
            r.errors
        );
    }
}

#[test]
fn the_generator_offers_exactly_the_requests_the_schedule_counts() {
    let server = Server::start("tokio-current-thread", 1, Mix::trivial(), None).unwrap();
    // Rates and durations whose product is no whole number of requests,
    // connections that do not divide the rate.
    for (rate, connections, ms) in [(333.0, 7, 450), (1234.0, 5, 130), (1000.0, 64, 200)] {
        let mut load = Load::new(server.addr(), rate);
        load.connections = connections;
        load.duration = Duration::from_millis(ms);
        load.answers = Some(Mix::trivial().answers());
        let r = run_load(&load).unwrap();
        let due = Schedule::new(rate, connections).due(load.duration);
        assert_eq!(r.due, due, "{rate}/s over {connections} for {ms} ms");
        assert_eq!(r.ok, due, "{:?}", r.errors);
    }
}

#[test]
fn cvp_serve_and_compare_run_a_spec_handler_checked_against_the_reference() {
    let dir = scratch("good", &[("handler.toml", &spec(3))]);
    let file = dir.join("handler.toml");
    let file = file.to_str().unwrap();
    // One point, with the spec's connections and duration.
    let out = cvp(&[
        "serve",
        "--spec",
        file,
        "--model",
        "interleave",
        "--rate",
        "120",
        "--json",
    ]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    let point: serde_json::Value = serde_json::from_slice(&out.stdout).expect(&stderr);
    assert_eq!(point["mix"], "handler");
    assert_eq!(point["connections"], 8);
    assert_eq!(point["ok"], point["due"], "{point}");
    assert_eq!(point["errors"], serde_json::json!([]), "{point}");
    // Exit 1 only where the generator, sharing the CPUs with the tests
    // running beside this one, sent late (the point says so).
    match out.status.code() {
        Some(0) => {}
        Some(1) => assert!(point["unreliable"].is_string(), "{point}"),
        other => panic!("exit {other:?}: {stderr}"),
    }
    // A cell per serving model in the matrix, each a child process given
    // the spec's path.
    let out_dir = dir.join("out");
    let out = cvp(&[
        "compare",
        "--spec",
        file,
        "--models",
        "tokio-current-thread,threads",
        "--threads",
        "2",
        "--preset",
        "quick",
        "--out",
        out_dir.to_str().unwrap(),
    ]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    let report = cvp_report::read(&out_dir.join("report.json")).unwrap();
    let cells: Vec<(&str, &str)> = report
        .cells
        .iter()
        .map(|c| (c.model.as_str(), c.answer.as_str()))
        .collect();
    // The quick preset offers a fifth of the spec's 100 a second, for 0.3 s
    // over 8 connections: 6 requests due.
    let right = "6 of 6 requests answered right";
    assert_eq!(
        cells,
        [
            ("sequential", right),
            ("tokio-current-thread", right),
            ("threads", right)
        ]
    );
    assert!(report
        .cells
        .iter()
        .all(|c| c.verified && c.serve.as_ref().is_some_and(|s| s.mix == "handler")));
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn a_bad_serve_spec_is_one_line_and_exit_2_everywhere() {
    let bad = "[serve]\nsteps = [{ wait_ms = 1 }]\nrate = 10\nconnections = 0\n";
    let tasks = "[tasks]\ncount = 2\nsteps = [{ wait_ms = 1 }]\n";
    let dir = scratch("bad", &[("bad.toml", bad), ("tasks.toml", tasks)]);
    let (bad, tasks) = (dir.join("bad.toml"), dir.join("tasks.toml"));
    let (bad, tasks) = (bad.to_str().unwrap(), tasks.to_str().unwrap());
    let out_dir = dir.join("out");
    let expected = format!("cvp: {bad}:4: `connections`: must be at least 1");
    for args in [
        vec!["serve", "--spec", bad],
        vec![
            "serve-sweep",
            "--spec",
            bad,
            "--out",
            out_dir.to_str().unwrap(),
        ],
        vec!["compare", "--spec", bad, "--out", out_dir.to_str().unwrap()],
        vec!["run", "--spec", bad],
    ] {
        let out = cvp(&args);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
        assert_eq!(stderr.trim_end(), expected, "{args:?}");
    }
    // A spec of tasks is no server; a spec and a mix together are refused.
    let out = cvp(&["serve", "--spec", tasks]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert_eq!(
        stderr.trim_end(),
        format!("cvp: {tasks}: not a server: give a spec with a `[serve]` table")
    );
    let out = cvp(&["serve", "--spec", tasks, "--mix", "waiting"]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        String::from_utf8_lossy(&out.stderr)
            .trim_end()
            .lines()
            .count(),
        1
    );
    std::fs::remove_dir_all(dir).unwrap();
}

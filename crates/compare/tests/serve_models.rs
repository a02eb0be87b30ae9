//! Every model's server answers every request of every mix with the
//! reference answer, under a light open-loop load.

use std::time::Duration;

use cvp_compare::{measure_point, models, serve_not_applicable, Mix, Point, Server};

fn light(model: &str, mix: Mix, rate: f64) -> Point {
    let mut p = Point::new(model, 2, mix, rate);
    p.connections = 8;
    p.duration = Duration::from_millis(300);
    // What a right server must do is answer, not answer fast: an
    // unoptimised build on a loaded machine takes seconds over a computing
    // request, and a generous timeout costs time only when one fails.
    p.timeout = Duration::from_secs(10);
    p
}

fn served(model: &str, mix: Mix, rate: f64) {
    let s = measure_point(&light(model, mix.clone(), rate)).unwrap();
    assert!(s.due > 0, "{model}/{mix}: nothing was due");
    assert_eq!(
        (s.ok, s.failed()),
        (s.due, 0),
        "{model}/{mix}: {:?}",
        s.errors
    );
    assert!(s.p50_ns > 0 && s.p50_ns <= s.p99_ns && s.p99_ns <= s.max_ns);
}

#[test]
fn every_model_serves_the_waiting_mix_with_right_answers() {
    for m in models().filter(|m| serve_not_applicable(m.name).is_none()) {
        served(m.name, Mix::waiting(), 200.0);
    }
}

#[test]
fn every_model_serves_the_computing_and_mixed_mixes() {
    for m in models().filter(|m| serve_not_applicable(m.name).is_none()) {
        // Few requests: the kernel is slow in unoptimised test builds.
        served(m.name, Mix::computing(), 10.0);
        served(m.name, Mix::mixed(), 20.0);
    }
}

#[test]
fn sequential_serves_one_request_at_a_time() {
    // Eight connections with a 1 ms wait each: one at a time, about 1000
    // requests a second at most, so 2000 offered cannot all be answered.
    let mut p = light("sequential", Mix::waiting(), 2000.0);
    p.timeout = Duration::from_millis(300);
    let s = measure_point(&p).unwrap();
    assert!(s.achieved_rps < 1500.0, "{s:?}");
    assert!(s.failed() > 0);
}

#[test]
fn unknown_models_and_mixes_are_refused() {
    let err = Server::start("no-such-model", 1, Mix::waiting(), None).unwrap_err();
    assert!(err.to_string().contains("unknown model"), "{err}");
    assert!(serve_not_applicable("sequential").is_none());
    assert!("spinning".parse::<Mix>().is_err());
}

#[test]
fn a_server_stops_promptly_with_connections_open() {
    for m in [
        "threads",
        "rayon",
        "interleave",
        "hybrid",
        "tokio-multi-thread",
    ] {
        let server = Server::start(m, 2, Mix::waiting(), None).unwrap();
        let open: Vec<_> = (0..20)
            .map(|_| std::net::TcpStream::connect(server.addr()).unwrap())
            .collect();
        std::thread::sleep(Duration::from_millis(20));
        let t = std::time::Instant::now();
        drop(server);
        assert!(
            t.elapsed() < Duration::from_secs(3),
            "{m} took {:?}",
            t.elapsed()
        );
        drop(open);
    }
}

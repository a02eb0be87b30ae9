//! Every model on every workload at the `test` preset gives the reference
//! answer, in this process.

use std::num::NonZeroUsize;

use cvp_compare::{find_model, models, run_cell, CellSpec, EchoServer, Runs, Status};
use cvp_workloads::{catalogue, Preset, Shape};

fn one_run(spec: &mut CellSpec) {
    spec.runs = Runs::Exactly(NonZeroUsize::new(1).unwrap());
}

#[test]
fn sequential_is_its_own_baseline() {
    let w = cvp_workloads::find("n-queens").unwrap();
    let mut spec = CellSpec::new(w, find_model("sequential").unwrap(), 1, 6);
    one_run(&mut spec);
    let cell = run_cell(&spec);
    assert_eq!(cell.status, Status::Ok, "{cell:?}");
    assert_eq!(cell.answer, "4");
    assert_eq!(cell.speedup, Some(1.0));
}

#[test]
fn every_model_gives_the_reference_answer_on_every_workload() {
    let server = EchoServer::start().unwrap();
    let mut wrong = Vec::new();
    for w in catalogue() {
        let size = w.size(Preset::Test);
        let reference = w.reference(size).unwrap();
        for m in models() {
            for threads in [1, 2] {
                let mut spec = CellSpec::new(w, m, threads, size);
                one_run(&mut spec);
                spec.server = Some(server.addr());
                spec.reference = Some(reference.clone());
                let cell = run_cell(&spec);
                // A model that runs jobs only (the cluster) says why for a
                // task set or a server.
                let jobs_only = !matches!(w.shape(), Shape::Job(_))
                    && cell.status == Status::NotApplicable
                    && cell.reason.as_deref().is_some_and(|r| {
                        r.contains("runs jobs, not") || r.contains("no HTTP server")
                    });
                if jobs_only {
                    break;
                }
                if cell.status != Status::Ok || cell.answer != reference || !cell.verified {
                    wrong.push(format!(
                        "{}: {:?} {:?} {:?}",
                        cell.label(),
                        cell.status,
                        cell.reason,
                        cell.answer
                    ));
                }
                assert_eq!(cell.runs.len(), 1);
                if !m.threaded {
                    break;
                }
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "cells without the reference answer:\n{}",
        wrong.join("\n")
    );
}

#[test]
fn a_wrong_reference_is_reported_as_wrong() {
    let w = cvp_workloads::find("primes").unwrap();
    let mut spec = CellSpec::new(w, find_model("rayon").unwrap(), 2, 100);
    one_run(&mut spec);
    spec.reference = Some("24".into());
    let cell = run_cell(&spec);
    assert_eq!(cell.status, Status::Wrong);
    assert!(!cell.verified);
    assert_eq!(cell.answer, "25");
}

#[test]
fn a_missing_server_fails_the_cell_without_panicking() {
    let w = cvp_workloads::find("echo").unwrap();
    let mut spec = CellSpec::new(w, find_model("tokio-current-thread").unwrap(), 1, 2);
    one_run(&mut spec);
    let cell = run_cell(&spec);
    assert_eq!(cell.status, Status::Failed);
    assert!(cell.reason.unwrap().contains("echo server"));
}

#[test]
fn a_refused_connection_fails_the_cell() {
    // Bind and drop a listener: its port is then (almost surely) closed.
    let addr = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let w = cvp_workloads::find("echo").unwrap();
    for model in [
        "sequential",
        "interleave",
        "tokio-multi-thread",
        "threads",
        "hybrid",
    ] {
        let mut spec = CellSpec::new(w, find_model(model).unwrap(), 2, 2);
        one_run(&mut spec);
        spec.server = Some(addr);
        let cell = run_cell(&spec);
        assert_eq!(cell.status, Status::Failed, "{model}");
        assert!(cell.reason.unwrap().contains("socket error"), "{model}");
    }
}

#[test]
fn too_many_threads_is_not_applicable() {
    let w = cvp_workloads::find("latency-fanout").unwrap();
    let spec = CellSpec::new(w, find_model("threads").unwrap(), 2, 50_000);
    let cell = run_cell(&spec);
    assert_eq!(cell.status, Status::NotApplicable);
    assert!(cell.reason.unwrap().contains("one OS thread per task"));
}

#[test]
fn models_declare_their_kind() {
    let by = |n: &str| find_model(n).unwrap();
    assert!(!by("sequential").concurrent && !by("sequential").parallel);
    assert!(by("interleave").concurrent && !by("interleave").parallel);
    assert!(
        by("threads-1core").concurrent
            && by("threads-1core").preemptive
            && !by("threads-1core").parallel
    );
    assert!(!by("decompose").concurrent && by("decompose").parallel);
    assert!(by("hybrid").concurrent && by("hybrid").parallel);
    assert_eq!(by("threads-1core").cores(8), 1);
    // One core per thread, never more than the machine has.
    assert_eq!(by("rayon").cores(1), 1);
    assert_eq!(by("rayon").cores(8), 8.min(cvp_compare::available_cores()));
    assert!(!by("cluster").concurrent && by("cluster").parallel);
    assert_eq!(models().count(), 10);
}

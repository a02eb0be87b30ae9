//! The comparison runner through the facade: a cell and a small plan.

use std::num::NonZeroUsize;
use std::sync::atomic::AtomicBool;

use cvp::compare::{find_model, run_cell, CellSpec, Plan, Runs, Status};
use cvp::workloads::{find, Preset};

#[test]
fn smoke() {
    let mut spec = CellSpec::new(
        find("primes").unwrap(),
        find_model("decompose").unwrap(),
        2,
        10_000,
    );
    spec.runs = Runs::Exactly(NonZeroUsize::new(1).unwrap());
    let cell = run_cell(&spec);
    assert_eq!((cell.status, cell.answer.as_str()), (Status::Ok, "1229"));
}

#[test]
fn a_plan_on_threads_gives_a_report_with_speedups_and_verdicts() {
    let mut plan = Plan::new(Preset::Test);
    plan.workloads = vec![
        find("n-queens").unwrap().clone(),
        find("latency-fanout").unwrap().clone(),
    ];
    plan.models = ["interleave", "hybrid"]
        .iter()
        .map(|m| find_model(m).unwrap())
        .collect();
    plan.threads = vec![2];
    plan.runs = Runs::Exactly(NonZeroUsize::new(1).unwrap());
    let mut finished = 0;
    let report = plan
        .run(&AtomicBool::new(false), &mut |p| {
            if let cvp::compare::Progress::Finished { .. } = p {
                finished += 1;
            }
        })
        .unwrap();
    assert_eq!(finished, 6);
    assert_eq!(report.settings.isolation, "thread");
    assert!(
        report
            .cells
            .iter()
            .all(|c| c.status == Status::Ok && c.speedup.is_some()),
        "{:#?}",
        report.cells
    );
    assert!(report
        .verdicts
        .iter()
        .any(|v| v.claim == "io-concurrency-wins"));
    let md = cvp::report::render::markdown(&report);
    assert!(md.contains("## n-queens") && md.contains("hybrid"));
}

#[test]
fn a_stopped_plan_reports_what_it_measured() {
    let mut plan = Plan::new(Preset::Test);
    plan.workloads = vec![find("primes").unwrap().clone()];
    let stop = AtomicBool::new(true);
    let report = plan.run(&stop, &mut |_| {}).unwrap();
    assert!(report.interrupted);
    assert!(report.cells.is_empty());
}

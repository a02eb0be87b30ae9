//! `--rounds`: every cell runs once per pass over the matrix and its runs
//! are pooled, statistics recomputed over all of them.

use std::num::NonZeroUsize;
use std::sync::atomic::AtomicBool;

use cvp_compare::{find_model, Plan, Progress, Runs, Status};
use cvp_workloads::{find, Preset};

#[test]
fn each_round_adds_its_runs_to_the_same_cells() {
    let mut plan = Plan::new(Preset::Test);
    plan.workloads = vec![find("primes").unwrap().clone()];
    plan.models = vec![find_model("decompose").unwrap()];
    plan.threads = vec![2];
    plan.runs = Runs::Exactly(NonZeroUsize::new(2).unwrap());
    plan.rounds = NonZeroUsize::new(3).unwrap();
    plan.bandwidth = None;
    let mut started = 0;
    let mut planned = 0;
    let report = plan
        .run(&AtomicBool::new(false), &mut |p| match p {
            Progress::Planned(n) => planned = n,
            Progress::Started { .. } => started += 1,
            _ => {}
        })
        .unwrap();
    // sequential and decompose, three times each.
    assert_eq!((planned, started), (6, 6));
    assert_eq!(report.cells.len(), 2);
    for c in &report.cells {
        assert_eq!(c.status, Status::Ok, "{}", c.label());
        assert!(c.verified);
        assert_eq!(c.runs.len(), 6, "{}", c.label());
        let mut walls: Vec<u64> = c.runs.iter().map(|r| r.wall_ns).collect();
        walls.sort_unstable();
        assert_eq!(c.wall_min_ns, walls[0]);
        assert_eq!(c.wall_max_ns, walls[5]);
        assert_eq!(c.wall_ns, (walls[2] + walls[3]) / 2);
    }
    assert_eq!(report.settings.runs, "2 per round, 3 rounds pooled");
}

#[test]
fn odd_rounds_visit_the_cells_backwards_with_sequential_first() {
    let mut plan = Plan::new(Preset::Test);
    plan.workloads = vec![
        find("primes").unwrap().clone(),
        find("latency-fanout").unwrap().clone(),
    ];
    plan.models = ["decompose", "interleave"]
        .into_iter()
        .map(|m| find_model(m).unwrap())
        .collect();
    plan.threads = vec![2];
    plan.runs = Runs::Exactly(NonZeroUsize::MIN);
    plan.rounds = NonZeroUsize::new(2).unwrap();
    plan.bandwidth = None;
    let mut order = Vec::new();
    let report = plan
        .run(&AtomicBool::new(false), &mut |p| {
            if let Progress::Started { spec, .. } = p {
                order.push(format!("{}/{}", spec.workload.name(), spec.model.name));
            }
        })
        .unwrap();
    let forwards = [
        "primes/sequential",
        "primes/decompose",
        "primes/interleave",
        "latency-fanout/sequential",
        "latency-fanout/decompose",
        "latency-fanout/interleave",
    ];
    let backwards = [
        "latency-fanout/sequential",
        "latency-fanout/interleave",
        "latency-fanout/decompose",
        "primes/sequential",
        "primes/interleave",
        "primes/decompose",
    ];
    assert_eq!(order[..6], forwards);
    assert_eq!(order[6..], backwards);
    // The report keeps the plan's order, each cell with both rounds' runs.
    let cells: Vec<String> = report
        .cells
        .iter()
        .map(|c| format!("{}/{}", c.workload, c.model))
        .collect();
    assert_eq!(cells, forwards);
    for c in &report.cells {
        assert_eq!(c.status, Status::Ok, "{}", c.label());
        assert!(c.verified, "{}", c.label());
        assert_eq!(c.runs.len(), 2, "{}", c.label());
    }
}

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

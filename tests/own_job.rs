//! The example of a job of your own, run end to end: every model gives the
//! sequential answer and the report ends with a recommendation.

#[path = "../examples/own_job.rs"]
mod own_job;

use std::num::NonZeroUsize;

use cvp::compare::{find_model, Runs};
use cvp::workloads::{Exec, Sequential, UserJob};

#[test]
fn the_own_job_example_runs_on_every_model_and_is_recommended_on() {
    let report = own_job::report(20_000, vec![1, 2], |o| {
        o.runs = Runs::Exactly(NonZeroUsize::new(2).unwrap());
    });
    let expected = own_job::CollatzSteps { n: 20_000 }.run(&Sequential);
    let models: Vec<_> = cvp::compare::models().map(|m| m.name).collect();
    for m in &models {
        assert!(
            report.cells.iter().any(|c| c.model == *m),
            "no cell for {m}"
        );
    }
    for c in &report.cells {
        // The cluster's processes are the `cvp` binary, which cannot build a
        // job that lives in this program: it says so instead of running.
        if c.model == "cluster" {
            assert_eq!(c.status, cvp::compare::Status::NotApplicable);
            assert!(c
                .reason
                .as_deref()
                .is_some_and(|r| r.contains("written in Rust")));
            continue;
        }
        assert_eq!(
            c.status,
            cvp::compare::Status::Ok,
            "{}: {:?}",
            c.label(),
            c.reason
        );
        assert_eq!(c.answer, expected, "{}", c.label());
        assert!(c.verified);
    }
    let rec = &report.recommendations;
    assert_eq!(rec.len(), 1);
    assert!(models.contains(&rec[0].winner.as_str()));
    let text = cvp::report::render::text(&report);
    assert!(text.contains("wins"), "{text}");
}

/// A job whose answer depends on the model (it reports its parallelism) is
/// caught: the models with more than one core give a wrong answer.
#[test]
fn a_job_that_answers_differently_on_another_model_is_caught() {
    struct Leaky;
    impl UserJob for Leaky {
        fn run<E: Exec>(&self, exec: &E) -> String {
            exec.parallelism().min(2).to_string()
        }
    }
    let mut o = cvp::compare::JobOptions::new("leaky");
    o.models = vec![find_model("rayon").unwrap()];
    o.threads = vec![2];
    o.runs = Runs::Exactly(NonZeroUsize::new(1).unwrap());
    let report = cvp::compare::compare_job(Leaky, o).unwrap();
    let rayon = report.cells.iter().find(|c| c.model == "rayon").unwrap();
    assert_eq!(rayon.status, cvp::compare::Status::Wrong);
}

//! A job described in a TOML spec runs on the cluster: every process reads
//! the file and builds the same job, and the answer is verified against the
//! spec's closed-form reference.

use std::path::PathBuf;

use cvp_cluster::{Cluster, ClusterError};
use cvp_workloads::{load_spec, Class, Exec, Preset, UserJob, Workload};

use crate::worker_exe;

fn spec(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../examples/specs")
        .join(name)
}

#[test]
fn spec_jobs_match_their_reference_on_two_processes() {
    for file in ["uneven-items.toml", "batch-image-filter.toml"] {
        let w = load_spec(&spec(file)).unwrap();
        let size = w.size(Preset::Test);
        let run = Cluster::new(2, 1)
            .run_workload(worker_exe(), &w, size)
            .unwrap_or_else(|e| panic!("{file}: {e}"));
        w.verify(&w.reference(size).unwrap(), &run.answer).unwrap();
        assert!(run.replicated.is_empty(), "{file}: {:?}", run.replicated);
        assert!(
            run.payload_bytes > 0,
            "{file}: its partial sums cross processes"
        );
    }
}

#[test]
fn a_spec_file_of_its_own_runs_on_three_processes_of_two_workers() {
    let dir = tempdir();
    std::fs::write(
        dir.join("tiny.toml"),
        "seed = 3\n[job]\nitems = 500\ncost_units = { uniform = [1, 20] }\n",
    )
    .unwrap();
    let w = load_spec(&dir.join("tiny.toml")).unwrap();
    let run = Cluster::new(3, 2)
        .run_workload(worker_exe(), &w, 500)
        .unwrap();
    w.verify(&w.reference(500).unwrap(), &run.answer).unwrap();
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn a_spec_file_that_changed_under_the_run_is_refused_with_its_reason() {
    let dir = tempdir();
    let path = dir.join("moving.toml");
    std::fs::write(
        &path,
        "name = \"first\"\n[job]\nitems = 100\ncost_units = 1\n",
    )
    .unwrap();
    let w = load_spec(&path).unwrap();
    std::fs::write(
        &path,
        "name = \"second\"\n[job]\nitems = 100\ncost_units = 1\n",
    )
    .unwrap();
    let err = Cluster::new(2, 1)
        .run_workload(worker_exe(), &w, 100)
        .unwrap_err();
    assert!(matches!(err, ClusterError::Workload(_)), "{err}");
    assert!(err.to_string().contains("not `first`"), "{err}");
    std::fs::remove_file(&path).unwrap();
    let gone = Cluster::new(2, 1)
        .run_workload(worker_exe(), &w, 100)
        .unwrap_err();
    assert!(gone.to_string().contains("cannot read it"), "{gone}");
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn a_spec_task_set_and_a_rust_job_are_refused_with_their_reasons() {
    let tasks = load_spec(&spec("web-crawler.toml")).unwrap();
    let err = Cluster::new(2, 1)
        .run_workload(worker_exe(), &tasks, 1)
        .unwrap_err();
    assert!(err.to_string().contains("not a job"), "{err}");

    struct Nothing;
    impl UserJob for Nothing {
        fn run<E: Exec>(&self, _: &E) -> String {
            "done".into()
        }
    }
    let mine = Workload::from_job("nothing", "does nothing", Class::Cpu, Nothing);
    let err = Cluster::new(2, 1)
        .run_workload(worker_exe(), &mine, 1)
        .unwrap_err();
    assert!(err.to_string().contains("written in Rust"), "{err}");
}

/// A fresh folder of this test's own under the target's temporary dir.
fn tempdir() -> PathBuf {
    use std::sync::atomic::{AtomicUsize, Ordering};
    static N: AtomicUsize = AtomicUsize::new(0);
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!(
        "specs-{}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    ));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

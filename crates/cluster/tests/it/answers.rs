//! Every job's answer on the cluster equals its reference, whatever the
//! shape of the cluster.

use cvp_cluster::Cluster;
use cvp_workloads::{catalogue, Preset, Shape};

use crate::worker_exe;

fn check_all_jobs(processes: usize, workers: usize) {
    for w in catalogue() {
        let Shape::Job(_) = w.shape() else { continue };
        let size = w.size(Preset::Test);
        let run = Cluster::new(processes, workers)
            .run(worker_exe(), w.name(), size)
            .unwrap_or_else(|e| panic!("{} on {processes}x{workers}: {e}", w.name()));
        let reference = w.reference(size).unwrap();
        w.verify(&reference, &run.answer)
            .unwrap_or_else(|e| panic!("{processes}x{workers}: {e}"));
        assert!(
            run.replicated.is_empty(),
            "{}: {:?}",
            w.name(),
            run.replicated
        );
    }
}

#[test]
fn every_job_matches_its_reference_on_two_processes() {
    check_all_jobs(2, 1);
}

#[test]
fn every_job_matches_its_reference_on_three_processes_of_two_workers() {
    check_all_jobs(3, 2);
}

#[test]
fn every_job_matches_its_reference_on_one_process_of_two_workers() {
    check_all_jobs(1, 2);
}

#[test]
fn results_cross_processes_and_are_counted() {
    let run = Cluster::new(2, 1)
        .run(worker_exe(), "mandelbrot", 200)
        .unwrap();
    // Each process sends the other the rows it computed: about half the
    // 200 x 25-byte bitmap, plus the encodings' length prefixes.
    assert!(run.payload_bytes >= 200 * 25 / 2, "{run:?}");
    assert!(run.wire_bytes >= run.payload_bytes, "{run:?}");
    assert!(run.startup > std::time::Duration::ZERO && run.compute > std::time::Duration::ZERO);
    assert!(run.wall >= run.startup + run.compute, "{run:?}");
    assert!(run.cpu > std::time::Duration::ZERO, "{run:?}");

    let one = Cluster::new(1, 2)
        .run(worker_exe(), "mandelbrot", 200)
        .unwrap();
    assert_eq!(
        one.payload_bytes, 0,
        "one process exchanges nothing between processes"
    );
    assert_eq!(one.wire_bytes, 0);
}

#[test]
fn merge_sort_sorts_its_parts_apart_and_sends_them_sorted() {
    let n = 100_000;
    let reference = cvp_workloads::find("merge-sort")
        .unwrap()
        .reference(n)
        .unwrap();
    let run = Cluster::new(2, 1)
        .run(worker_exe(), "merge-sort", n)
        .unwrap();
    assert_eq!(run.answer, reference);
    // Each process sorts its half and sends it, 8 bytes an item, to the
    // other: the whole input crosses once.
    assert!(run.payload_bytes >= 8 * n as u64, "{run:?}");
    assert!(run.payload_bytes < 8 * n as u64 + 1_000, "{run:?}");
    assert!(run.replicated.is_empty(), "{run:?}");
}

//! The exchange on timely workers of one process (threads, no sockets):
//! the contract of `Exec` holds on every worker.

use cvp_workloads::Exec;
use proptest::prelude::*;

use super::{ClusterExec, ExchangeStats};

/// Runs `f` on every one of `n` timely workers in this process.
fn on_workers<R: Send + 'static>(
    n: usize,
    f: impl Fn(&ClusterExec) -> R + Send + Sync + 'static,
) -> Vec<(R, ExchangeStats)> {
    let guards = timely::execute(timely::Config::process(n), move |worker| {
        let exec = ClusterExec::install(worker, n);
        let r = f(&exec);
        (r, exec.uninstall())
    })
    .expect("timely starts");
    guards
        .join()
        .into_iter()
        .map(|r| r.expect("a worker"))
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    #[test]
    fn every_worker_folds_every_range_in_order(len in 0usize..3_000, grain in 0usize..400, n in 1usize..4) {
        let got = on_workers(n, move |exec| {
            exec.map_reduce(len, grain, |r| r.map(|i| i as u64).collect::<Vec<u64>>(), |mut a, b| {
                a.extend(b);
                a
            })
        });
        let want: Vec<u64> = (0..len as u64).collect();
        for (answer, stats) in got {
            prop_assert_eq!(&answer, &want);
            prop_assert!(stats.replicated.is_empty());
        }
    }
}

#[test]
fn a_result_without_a_codec_is_replicated_and_still_right() {
    #[derive(Debug, PartialEq)]
    struct Local(usize);
    let got = on_workers(2, |exec| {
        exec.map_reduce(100, 7, |r| Local(r.sum()), |a, b| Local(a.0 + b.0))
    });
    for (answer, stats) in got {
        assert_eq!(answer, Local(4_950));
        assert_eq!(stats.replicated.len(), 1);
        assert!(
            stats.replicated[0].ends_with("Local"),
            "{:?}",
            stats.replicated
        );
    }
}

#[test]
fn a_map_reduce_inside_a_leaf_or_a_join_gives_the_sequential_answer() {
    let got = on_workers(3, |exec| {
        let nested = exec.map_reduce(
            10,
            1,
            |r| {
                r.map(|i| exec.map_reduce(i, 2, |s| s.len() as u64, |a, b| a + b))
                    .sum::<u64>()
            },
            |a, b| a + b,
        );
        let (a, b) = exec.join(
            || exec.map_reduce(50, 3, |r| r.len() as u64, |a, b| a + b),
            || exec.map_reduce(20, 3, |r| r.sum::<usize>() as u64, |a, b| a + b),
        );
        (nested, a, b)
    });
    for ((nested, a, b), _) in got {
        assert_eq!((nested, a, b), (45, 50, 190));
    }
}

#[test]
fn every_catalogue_job_matches_its_reference_on_threads() {
    for w in cvp_workloads::catalogue() {
        let cvp_workloads::Shape::Job(job) = w.shape() else {
            continue;
        };
        let size = w.size(cvp_workloads::Preset::Test);
        let reference = w.reference(size).unwrap();
        for (answer, _) in on_workers(3, move |exec| job.run(exec, &mut job.prepare(size))) {
            assert_eq!(answer, reference, "{}", w.name());
        }
    }
}

#[test]
fn an_erased_job_sends_its_values_not_their_indices() {
    use cvp_workloads::{find, Preset, Shape};
    let w = find("mandelbrot").expect("a catalogue job");
    let size = w.size(Preset::Test);
    let want = w.reference(size).expect("a reference");
    // One worker per process, so every packet counts as remote.
    let guards = timely::execute(timely::Config::process(2), move |worker| {
        let Shape::Job(job) = find("mandelbrot").expect("a catalogue job").shape() else {
            unreachable!("mandelbrot is a job")
        };
        let exec = ClusterExec::install(worker, 1);
        let mut input = job.prepare(size);
        let answer = job.run(&exec, &mut input);
        let sent = exec.remote_bytes();
        (answer, sent, exec.uninstall())
    })
    .expect("timely starts");
    for r in guards.join() {
        let (answer, sent, stats) = r.expect("a worker");
        w.verify(&want, &answer).expect("the reference answer");
        assert!(sent > 0, "nothing was sent");
        assert!(stats.replicated.is_empty(), "{:?}", stats.replicated);
    }
}

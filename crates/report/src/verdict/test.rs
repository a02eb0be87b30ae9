use super::*;
use crate::{Bandwidth, LatenessStats, Run, Triad};

/// A correct cell of `workload` (class `class`) on `model`, whose runs took
/// `walls_ms`.
fn cell(workload: &str, class: Class, model: &str, threads: usize, walls_ms: &[f64]) -> Cell {
    let (role, concurrent, parallel, preemptive, anchor) = match model {
        "sequential" => (Role::Baseline, false, false, false, None),
        "interleave" => (
            Role::Engine,
            true,
            false,
            false,
            Some("tokio-current-thread"),
        ),
        "tokio-current-thread" => (Role::Anchor, true, false, false, None),
        "threads-1core" => (Role::Other, true, false, true, None),
        "decompose" => (Role::Engine, false, true, false, Some("rayon")),
        "rayon" => (Role::Anchor, false, true, false, None),
        "hybrid" => (Role::Engine, true, true, false, None),
        other => panic!("no test model {other}"),
    };
    let mut ns: Vec<u64> = walls_ms.iter().map(|ms| (ms * 1e6) as u64).collect();
    let runs = ns
        .iter()
        .map(|&wall_ns| Run {
            wall_ns,
            cpu_ns: wall_ns,
            user_ns: wall_ns,
            sys_ns: 0,
            voluntary_switches: 0,
            involuntary_switches: 0,
            peak_rss_kib: 0,
            concurrency: None,
            lateness: None,
            cluster: None,
        })
        .collect();
    ns.sort_unstable();
    Cell {
        workload: workload.into(),
        class,
        serial: false,
        model: model.into(),
        role,
        anchor: anchor.map(Into::into),
        concurrent,
        parallel,
        preemptive,
        threads,
        cores: if parallel { threads } else { 1 },
        size: 10,
        unit: String::new(),
        status: Status::Ok,
        reason: None,
        answer: "1".into(),
        reference: "1".into(),
        verified: true,
        wall_ns: ns[ns.len() / 2],
        wall_min_ns: ns[0],
        wall_max_ns: ns[ns.len() - 1],
        cpu_ns: 0,
        speedup: None,
        efficiency: None,
        concurrency: None,
        lateness: None,
        peak_rss_kib: 0,
        warmup_ns: 0,
        runs,
        trace: None,
        serve: None,
    }
}

fn find<'v>(vs: &'v [Verdict], claim: &str) -> &'v Verdict {
    vs.iter()
        .find(|v| v.claim == claim && v.workload.is_some())
        .unwrap_or_else(|| panic!("no verdict {claim} in {vs:#?}"))
}

#[test]
fn a_median_gap_is_not_hidden_by_the_fastest_runs() {
    // Both engines' fastest runs agree, their medians do not: the claim
    // that interleave keeps up with tokio must not hold.
    let io = Class::Io;
    let cells = [
        cell("echo", io, "sequential", 1, &[2000.0, 2010.0, 2020.0]),
        cell("echo", io, "interleave", 1, &[20.1, 20.1, 20.3, 15.8, 20.2]),
        cell(
            "echo",
            io,
            "tokio-current-thread",
            1,
            &[15.9, 15.9, 15.8, 16.0, 15.9],
        ),
    ];
    let vs = verdicts(&cells, None);
    let v = find(&vs, "interleave-matches-tokio");
    let r = v.ratio.unwrap();
    assert!((r - 20.1 / 15.9).abs() < 1e-3, "{v:?}");
    let [lo, hi] = v.interval.unwrap();
    assert!(lo < 1.0 && hi > 1.2, "{v:?}");
    assert_ne!(v.judgement, Judgement::Holds, "{v:?}");
    assert_eq!(v.judgement, Judgement::TooNoisy);
    assert_eq!(v.holds, None);
    assert!(v.text.contains("1.26x (0.99x–1.28x)"), "{}", v.text);
}

#[test]
fn separated_runs_decide_and_overlapping_runs_are_too_noisy() {
    let io = Class::Io;
    let base = cell("fan", io, "sequential", 1, &[1000.0, 1001.0, 1002.0]);
    let slow = cell("fan", io, "interleave", 1, &[14.0, 14.2, 14.5]);
    let tokio = cell("fan", io, "tokio-current-thread", 1, &[10.0, 10.1, 10.3]);
    let vs = verdicts(&[base.clone(), slow, tokio.clone()], None);
    let v = find(&vs, "interleave-matches-tokio");
    assert_eq!(v.judgement, Judgement::DoesNotHold, "{v:?}");
    assert!(v.text.ends_with(": does not hold"), "{}", v.text);

    let close = cell("fan", io, "interleave", 1, &[10.1, 10.2, 10.4]);
    let vs = verdicts(&[base.clone(), close, tokio.clone()], None);
    assert_eq!(
        find(&vs, "interleave-matches-tokio").judgement,
        Judgement::Holds
    );

    let noisy = cell("fan", io, "interleave", 1, &[10.0, 10.5, 13.0]);
    let vs = verdicts(&[base, noisy, tokio], None);
    let v = find(&vs, "interleave-matches-tokio");
    assert_eq!(v.judgement, Judgement::TooNoisy, "{v:?}");
    // The summary says which workload could not be told.
    let s = vs
        .iter()
        .find(|v| v.claim == "interleave-matches-tokio" && v.workload.is_none())
        .unwrap();
    assert_eq!(s.judgement, Judgement::TooNoisy);
    assert!(s.text.contains("too noisy to tell on fan"), "{}", s.text);
}

#[test]
fn a_baseline_that_timed_out_is_named_as_the_reason() {
    let mut base = cell("fan", Class::Io, "sequential", 1, &[1.0]);
    base.status = Status::TimedOut;
    let il = cell("fan", Class::Io, "interleave", 1, &[10.0]);
    let vs = verdicts(&[base, il], None);
    let v = find(&vs, "io-concurrency-wins");
    assert_eq!(v.judgement, Judgement::NotJudged);
    assert!(
        v.text
            .contains("the baseline did not run correctly (TIMEOUT)"),
        "{}",
        v.text
    );
    assert!(!v.text.contains("no model besides"), "{}", v.text);
}

#[test]
fn memory_bound_work_is_judged_against_the_measured_bandwidth() {
    let m = Class::Memory;
    let cells = [
        cell("sum", m, "sequential", 1, &[100.0, 101.0, 102.0]),
        cell("sum", m, "threads-1core", 1, &[100.0, 101.0, 102.0]),
        cell("sum", m, "rayon", 2, &[77.0, 78.0, 79.0]),
    ];
    let bw = |many: f64| Bandwidth {
        array_bytes: 1 << 26,
        triad: vec![
            Triad {
                threads: 1,
                bytes_per_s: 10e9,
            },
            Triad {
                threads: 2,
                bytes_per_s: many,
            },
        ],
    };
    // Memory serves two threads 1.3x as fast as one: rayon's 1.3x is the ceiling.
    let vs = verdicts(&cells, Some(&bw(13e9)));
    let v = find(&vs, "memory-bandwidth-bound");
    assert_eq!(v.judgement, Judgement::Holds, "{v:?}");
    assert!(v.text.contains("ceiling of 1.30x"), "{}", v.text);
    // Were memory twice as fast with two threads, 1.3x would be far below
    // it, which still holds (bandwidth is not what stops it)...
    assert_eq!(
        find(&verdicts(&cells, Some(&bw(20e9))), "memory-bandwidth-bound").judgement,
        Judgement::Holds
    );
    // ...but beating a ceiling of 1.05x means memory did not bound it.
    assert_eq!(
        find(
            &verdicts(&cells, Some(&bw(10.5e9))),
            "memory-bandwidth-bound"
        )
        .judgement,
        Judgement::DoesNotHold
    );
    let unmeasured = verdicts(&cells, None);
    let v = find(&unmeasured, "memory-bandwidth-bound");
    assert_eq!(v.judgement, Judgement::NotJudged);
    assert!(v.text.contains("bandwidth was not measured"), "{}", v.text);
}

#[test]
fn one_core_speedups_are_judged_on_every_model() {
    let c = Class::Cpu;
    let cells = [
        cell("mandel", c, "sequential", 1, &[100.0, 100.0, 101.0]),
        cell("mandel", c, "interleave", 1, &[99.0, 100.0, 101.0]),
        cell("mandel", c, "threads-1core", 1, &[60.0, 100.0, 101.0]),
        cell("mandel", c, "rayon", 2, &[51.0, 52.0, 53.0]),
    ];
    let vs = verdicts(&cells, None);
    let v = find(&vs, "cpu-one-core-no-speedup");
    // threads-1core's fastest run is 1.68x: not every run agrees.
    assert_eq!(v.judgement, Judgement::TooNoisy, "{v:?}");
    assert!(v.text.contains("efficiency 0.96"), "{}", v.text);
}

#[test]
fn the_probe_compares_lateness_with_its_runs_spread() {
    let p = Class::Probe;
    let late = |mut c: Cell, per_run_ms: &[f64]| {
        for (r, ms) in c.runs.iter_mut().zip(per_run_ms) {
            r.lateness = Some(LatenessStats {
                count: 10,
                p50_ns: (ms * 1e6) as u64,
                p99_ns: (ms * 2e6) as u64,
                max_ns: (ms * 3e6) as u64,
            });
        }
        let mut sorted = per_run_ms.to_vec();
        sorted.sort_by(f64::total_cmp);
        let mid = sorted[sorted.len() / 2];
        c.lateness = Some(LatenessStats {
            count: 30,
            p50_ns: (mid * 1e6) as u64,
            p99_ns: (mid * 2e6) as u64,
            max_ns: (mid * 3e6) as u64,
        });
        c
    };
    let cells = [
        cell("probe", p, "sequential", 1, &[10.0, 10.0, 10.0]),
        late(
            cell("probe", p, "interleave", 1, &[5.0, 5.0, 5.0]),
            &[100.0, 120.0, 110.0],
        ),
        late(
            cell("probe", p, "threads-1core", 1, &[5.0, 5.0, 5.0]),
            &[40.0, 50.0, 45.0],
        ),
    ];
    let v = find(&verdicts(&cells, None), "probe-cooperative-late").clone();
    assert_eq!(v.judgement, Judgement::Holds, "{v:?}");
    let [lo, hi] = v.interval.unwrap();
    assert!((lo - 2.0).abs() < 1e-6 && (hi - 3.0).abs() < 1e-6, "{v:?}");
}

#[test]
fn judgements_combine_with_the_worst_first() {
    use Judgement::*;
    assert_eq!(all([Holds, Holds]), Holds);
    assert_eq!(all([Holds, TooNoisy]), TooNoisy);
    assert_eq!(all([TooNoisy, DoesNotHold, Holds]), DoesNotHold);
    assert_eq!(all([]), NotJudged);
}

#[test]
fn a_bandwidth_ceiling_is_never_below_one() {
    let bw = Bandwidth {
        array_bytes: 1,
        triad: vec![
            Triad {
                threads: 1,
                bytes_per_s: 3e9,
            },
            Triad {
                threads: 2,
                bytes_per_s: 2.7e9,
            },
            Triad {
                threads: 4,
                bytes_per_s: 6e9,
            },
        ],
    };
    assert_eq!(bw.ceiling(2), Some(1.0));
    assert_eq!(bw.ceiling(4), Some(2.0));
    assert_eq!(bw.ceiling(3), Some(1.0));
}

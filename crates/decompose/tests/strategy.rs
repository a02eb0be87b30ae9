//! Split plans, snapshot-tested: a change of plan is a reviewable diff.

use std::fmt::Write as _;

use cvp_decompose::{ParseStrategyError, Strategy};

/// Chunk lengths, runs of equal ones written `len*count`.
fn run_lengths(lens: impl Iterator<Item = usize>) -> Vec<String> {
    let mut runs: Vec<(usize, usize)> = Vec::new();
    for len in lens {
        match runs.last_mut() {
            Some((last, count)) if *last == len => *count += 1,
            _ => runs.push((len, 1)),
        }
    }
    runs.into_iter()
        .map(|(len, count)| {
            if count > 2 {
                format!("{len}*{count}")
            } else {
                vec![len.to_string(); count].join(" ")
            }
        })
        .collect()
}

/// One line per case: `len P grain: chunk lengths`.
fn table(strategy: fn(usize) -> Strategy) -> String {
    let mut out = String::new();
    for (len, threads, grain) in [
        (0, 2, 1),
        (1, 2, 1),
        (10, 3, 1),
        (100, 2, 1),
        (100, 4, 8),
        (1000, 2, 1),
        (1000, 16, 10),
        (7, 8, 1),
        (12, 2, 5),
    ] {
        let plan = strategy(grain).plan(len, threads);
        let lens = run_lengths(plan.iter().map(|r| r.len()));
        writeln!(
            out,
            "len={len:<5} P={threads:<3} grain={grain:<3} chunks={:<3} [{}]",
            plan.len(),
            lens.join(" ")
        )
        .unwrap();
    }
    out
}

#[test]
fn a_static_plan_of_four_items_on_two_threads() {
    assert_eq!(Strategy::STATIC.plan(4, 2), vec![0..2, 2..4]);
}

#[test]
#[cfg_attr(miri, ignore = "insta reads and writes files")]
fn static_plans() {
    insta::assert_snapshot!("static", table(|g| Strategy::Static { min_len: g }));
}

#[test]
#[cfg_attr(miri, ignore = "insta reads and writes files")]
fn dynamic_plans() {
    insta::assert_snapshot!("dynamic", table(|g| Strategy::Dynamic { grain: g }));
}

#[test]
#[cfg_attr(miri, ignore = "insta reads and writes files")]
fn guided_plans() {
    insta::assert_snapshot!("guided", table(|g| Strategy::Guided { min: g }));
}

#[test]
#[cfg_attr(miri, ignore = "insta reads and writes files")]
fn adaptive_plans_when_nothing_is_stolen() {
    insta::assert_snapshot!("adaptive", table(|g| Strategy::Adaptive { min_len: g }));
}

#[test]
fn plans_tile_the_range() {
    for strategy in Strategy::ALL {
        for grain in [1, 3, 50] {
            for threads in [1, 2, 5] {
                for len in [1, 2, 9, 100, 1001] {
                    let plan = strategy.with_grain(grain).plan(len, threads);
                    assert_eq!(plan.first().unwrap().start, 0);
                    assert_eq!(plan.last().unwrap().end, len);
                    assert!(plan.windows(2).all(|w| w[0].end == w[1].start));
                    assert!(plan.iter().all(|r| !r.is_empty()));
                }
            }
        }
    }
}

#[test]
fn guided_chunks_shrink() {
    let plan = Strategy::Guided { min: 4 }.plan(10_000, 4);
    let lens: Vec<usize> = plan.iter().map(|r| r.len()).collect();
    assert!(lens.windows(2).all(|w| w[0] >= w[1]), "{lens:?}");
    assert_eq!(lens[0], 10_000 / 8);
}

#[test]
fn names_parse_and_print() {
    for strategy in Strategy::ALL {
        for grain in [1, 64] {
            let s = strategy.with_grain(grain);
            assert_eq!(s.to_string().parse::<Strategy>(), Ok(s));
        }
    }
    assert_eq!("Dynamic:32".parse(), Ok(Strategy::Dynamic { grain: 32 }));
    assert!(matches!(
        "fastest".parse::<Strategy>(),
        Err(ParseStrategyError::UnknownName(_))
    ));
    assert!(matches!(
        "guided:0".parse::<Strategy>(),
        Err(ParseStrategyError::BadGrain(_))
    ));
    assert_eq!(Strategy::default(), Strategy::ADAPTIVE);
}

#[test]
fn long_adaptive_plans_cut_at_multiples_of_64() {
    for threads in [1, 2, 3, 8] {
        for len in [10_000_000, 1_000_001, 300_007] {
            let plan = Strategy::ADAPTIVE.plan(len, threads);
            assert!(
                plan.iter().all(|r| r.start % 64 == 0),
                "{len} {threads}: {plan:?}"
            );
            let (short, long) = plan.iter().fold((usize::MAX, 0), |(s, l), r| {
                (s.min(r.len()), l.max(r.len()))
            });
            // Still halves, give or take the rounding.
            assert!(long - short <= 64, "{len} {threads}: {plan:?}");
        }
    }
}

//! The catalogue: names, presets, bad input, and every workload's answer at
//! the `test` preset.

use cvp_workloads::{catalogue, find, Class, Error, Preset, Sequential, Shape};

#[test]
fn the_catalogue_holds_every_built_in() {
    assert_eq!(catalogue().len(), 14);
}

#[test]
fn names_are_unique_kebab_case() {
    let mut names: Vec<_> = catalogue().iter().map(|w| w.name()).collect();
    for n in &names {
        assert!(n.chars().all(|c| c.is_ascii_lowercase() || c == '-'), "{n}");
    }
    names.sort_unstable();
    names.dedup();
    assert_eq!(names.len(), catalogue().len());
}

#[test]
fn every_class_is_covered() {
    for class in [
        Class::Cpu,
        Class::Memory,
        Class::Io,
        Class::Mixed,
        Class::Probe,
    ] {
        assert!(catalogue().iter().any(|w| w.class() == class), "{class}");
    }
}

#[test]
fn presets_grow_and_fit_the_limit() {
    for w in catalogue() {
        let sizes: Vec<_> = Preset::ALL.iter().map(|&p| w.size(p)).collect();
        assert!(sizes.windows(2).all(|s| s[0] <= s[1]), "{}", w.name());
        for s in sizes {
            w.check_size(s).unwrap();
        }
        assert!(!w.description().is_empty());
    }
}

#[test]
fn unknown_name_lists_the_valid_ones() {
    let err = find("nope").unwrap_err();
    let Error::UnknownWorkload { name, valid } = &err else {
        panic!("{err:?}")
    };
    assert_eq!(name, "nope");
    assert_eq!(valid.len(), catalogue().len());
    assert!(err.to_string().contains("mandelbrot, spectral-norm"));
}

#[test]
fn unknown_preset() {
    assert_eq!(
        "huge".parse::<Preset>(),
        Err(Error::UnknownPreset("huge".into()))
    );
    assert_eq!("quick".parse::<Preset>(), Ok(Preset::Quick));
}

#[test]
fn zero_and_absurd_sizes_are_typed_errors() {
    for w in catalogue() {
        assert_eq!(
            w.check_size(0),
            Err(Error::ZeroSize {
                workload: w.name().into()
            })
        );
        let err = w.check_size(w.max_size() + 1).unwrap_err();
        assert!(matches!(err, Error::SizeTooLarge { max, .. } if max == w.max_size()));
        assert!(err.to_string().contains(&w.max_size().to_string()));
        assert!(w.reference(0).is_err());
    }
}

#[test]
fn a_wrong_answer_is_a_mismatch_naming_both() {
    let w = find("primes").unwrap();
    let err = w.verify("1229", "1228").unwrap_err();
    assert!(
        err.to_string().contains("expected `1229`, got `1228`"),
        "{err}"
    );
}

/// The sequential model reproduces every reference at the `test` preset
/// (task sets that need no server; `echo` is covered in tests/echo.rs).
#[test]
fn sequential_matches_every_reference() {
    for w in catalogue() {
        let size = w.size(Preset::Test);
        let reference = w.reference(size).unwrap();
        let answer = match w.shape() {
            Shape::Job(job) => {
                let mut input = job.prepare(size);
                job.run(&Sequential, &mut input)
            }
            Shape::Tasks(tasks) => {
                let set = tasks.task_set(size);
                if set.needs_server() {
                    continue;
                }
                set.answer(&set.run_sequential(None).unwrap())
            }
            // Needs a server and a load generator: checked in cvp-compare.
            Shape::Serve(_) => continue,
        };
        w.verify(&reference, &answer).unwrap();
    }
}

/// Sequentially, the ticker runs after the work, and its deadlines count
/// from the set's release: its first tick is late by the whole work, so the
/// lateness is measured while the background work runs, in both variants.
#[test]
fn sequential_probe_lateness_covers_the_background_work() {
    use std::time::Duration;
    for (name, size, ticks) in [("probe", 2, 4), ("probe-long-task", 5, 5)] {
        let Shape::Tasks(t) = find(name).unwrap().shape() else {
            panic!()
        };
        let set = t.task_set(size);
        let outcomes = set.run_sequential(None).unwrap();
        let (ticker, work) = outcomes.split_last().unwrap();
        assert_eq!(ticker.lateness.len(), ticks, "{name}");
        assert!(work.iter().all(|o| o.lateness.is_empty()), "{name}");
        let busy: Duration = work.iter().map(|o| o.latency).sum();
        assert!(
            ticker.lateness[0] + Duration::from_millis(1) >= busy,
            "{name}: first tick {:?} late, background work took {busy:?}",
            ticker.lateness[0]
        );
    }
}

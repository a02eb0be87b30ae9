//! The sleep protocol, model-checked with loom under `cfg(loom)` (run with
//! `RUSTFLAGS="--cfg loom" cargo test -p cvp-decompose --lib --release sleep`)
//! and stress-tested with real threads otherwise.

#[cfg(loom)]
mod model {
    use loom::sync::atomic::{AtomicUsize, Ordering};
    use loom::sync::Arc;
    use loom::thread;

    use crate::latch::CoreLatch;
    use crate::sleep::Sleep;

    /// Takes one job from the counter if there is one.
    fn try_take(jobs: &AtomicUsize) -> bool {
        jobs.fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| n.checked_sub(1))
            .is_ok()
    }

    /// The worker loop of the registry, reduced to its sleep protocol:
    /// search, take a job, or sleep; exit when `latch` is set.
    fn worker(
        sleep: &Sleep,
        index: usize,
        latch: &CoreLatch,
        jobs: &AtomicUsize,
        taken: &AtomicUsize,
    ) {
        sleep.start_looking();
        loop {
            if latch.probe() {
                sleep.stop_looking();
                return;
            }
            if try_take(jobs) {
                sleep.work_found();
                taken.fetch_add(1, Ordering::AcqRel);
                sleep.start_looking();
                continue;
            }
            sleep.sleep(index, latch, || jobs.load(Ordering::Acquire) > 0);
        }
    }

    /// An injected job wakes a worker that is falling asleep: the worker
    /// never blocks forever with the job queued.
    #[test]
    fn injected_job_is_never_missed() {
        loom::model(|| {
            let sleep = Arc::new(Sleep::new(1));
            let jobs = Arc::new(AtomicUsize::new(0));
            let taken = Arc::new(AtomicUsize::new(0));
            let latch = Arc::new(CoreLatch::new());
            let handle = {
                let (sleep, jobs, taken, latch) =
                    (sleep.clone(), jobs.clone(), taken.clone(), latch.clone());
                thread::spawn(move || {
                    sleep.start_looking();
                    while !try_take(&jobs) {
                        sleep.sleep(0, &latch, || jobs.load(Ordering::Acquire) > 0);
                    }
                    sleep.work_found();
                    taken.fetch_add(1, Ordering::AcqRel);
                })
            };
            jobs.fetch_add(1, Ordering::Release);
            sleep.new_injected_job();
            handle.join().unwrap();
            assert_eq!(taken.load(Ordering::Acquire), 1);
        });
    }

    /// Setting a latch wakes its owner, whatever step of falling asleep the
    /// owner is at.
    #[test]
    fn latch_set_wakes_its_sleeping_owner() {
        loom::model(|| {
            let sleep = Arc::new(Sleep::new(1));
            let latch = Arc::new(CoreLatch::new());
            let handle = {
                let (sleep, latch) = (sleep.clone(), latch.clone());
                thread::spawn(move || {
                    sleep.start_looking();
                    while !latch.probe() {
                        sleep.sleep(0, &latch, || false);
                    }
                    sleep.stop_looking();
                })
            };
            // SAFETY: the latch is kept alive by the `Arc` for the whole call.
            if unsafe { CoreLatch::set(&*latch) } {
                sleep.wake_specific(0);
            }
            handle.join().unwrap();
        });
    }

    /// Two workers, two injected jobs: both jobs are taken (a searcher
    /// that finds work wakes a sleeper), then both workers shut down.
    #[test]
    fn two_workers_take_two_jobs_then_stop() {
        let mut model = loom::model::Builder::new();
        model.preemption_bound = Some(2);
        model.check(|| {
            let sleep = Arc::new(Sleep::new(2));
            let jobs = Arc::new(AtomicUsize::new(0));
            let taken = Arc::new(AtomicUsize::new(0));
            let latches = Arc::new([CoreLatch::new(), CoreLatch::new()]);
            let handles: Vec<_> = (0..2)
                .map(|index| {
                    let (sleep, jobs, taken, latches) =
                        (sleep.clone(), jobs.clone(), taken.clone(), latches.clone());
                    thread::spawn(move || worker(&sleep, index, &latches[index], &jobs, &taken))
                })
                .collect();
            for _ in 0..2 {
                jobs.fetch_add(1, Ordering::Release);
                sleep.new_injected_job();
            }
            while taken.load(Ordering::Acquire) < 2 {
                thread::yield_now();
            }
            for (index, latch) in latches.iter().enumerate() {
                // SAFETY: the latches live in the `Arc` for the whole call.
                if unsafe { CoreLatch::set(latch) } {
                    sleep.wake_specific(index);
                }
            }
            for handle in handles {
                handle.join().unwrap();
            }
        });
    }
}

#[cfg(not(loom))]
mod stress {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;
    use std::thread;

    use crate::latch::CoreLatch;
    use crate::sleep::Sleep;

    /// Many rounds of "a worker falls asleep while a job is injected": each
    /// round must end (a lost wake-up would hang the test).
    #[test]
    fn injected_jobs_are_never_missed() {
        let rounds = if cfg!(miri) { 5 } else { 2000 };
        for _ in 0..rounds {
            let sleep = Arc::new(Sleep::new(1));
            let jobs = Arc::new(AtomicUsize::new(0));
            let latch = Arc::new(CoreLatch::new());
            let handle = {
                let (sleep, jobs, latch) = (sleep.clone(), jobs.clone(), latch.clone());
                thread::spawn(move || {
                    sleep.start_looking();
                    while jobs
                        .fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| n.checked_sub(1))
                        .is_err()
                    {
                        sleep.sleep(0, &latch, || jobs.load(Ordering::Acquire) > 0);
                    }
                    sleep.work_found();
                })
            };
            jobs.fetch_add(1, Ordering::Release);
            sleep.new_injected_job();
            handle.join().unwrap();
        }
    }
}

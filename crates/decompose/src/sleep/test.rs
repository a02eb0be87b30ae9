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

    /// `n` workers asleep in `sleep`: their threads and a count of those
    /// that have woken.
    fn sleepers(sleep: &Arc<Sleep>, n: usize) -> (Vec<thread::JoinHandle<()>>, Arc<AtomicUsize>) {
        let woken = Arc::new(AtomicUsize::new(0));
        let handles = (0..n)
            .map(|index| {
                let (sleep, woken) = (sleep.clone(), woken.clone());
                thread::spawn(move || {
                    let latch = CoreLatch::new();
                    sleep.start_looking();
                    sleep.sleep(index, &latch, || false);
                    woken.fetch_add(1, Ordering::SeqCst);
                    sleep.stop_looking();
                })
            })
            .collect();
        while crate::sleep::sleeping(sleep.counters.load(Ordering::SeqCst)) < n {
            thread::yield_now();
        }
        (handles, woken)
    }

    /// Asserts that exactly `n` sleepers have woken (waiting up to 10 s
    /// for them, so a failure fails rather than hangs).
    fn wait_for(woken: &AtomicUsize, n: usize) {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        while woken.load(Ordering::SeqCst) < n && std::time::Instant::now() < deadline {
            thread::yield_now();
        }
        // Nobody else: a sleeper wakes only when signalled (a spurious
        // wake-up re-checks `is_blocked` and waits again).
        thread::sleep(std::time::Duration::from_millis(20));
        assert_eq!(woken.load(Ordering::SeqCst), n);
    }

    /// A searcher that finds work wakes two sleepers, not one: the wake-up
    /// of an idle pool spreads as a tree.
    #[test]
    fn finding_work_wakes_two_sleepers() {
        let sleep = Arc::new(Sleep::new(3));
        let (handles, woken) = sleepers(&sleep, 3);
        sleep.start_looking();
        sleep.work_found();
        wait_for(&woken, 2);
        assert!(sleep.wake_any());
        handles.into_iter().for_each(|h| h.join().unwrap());
    }

    /// A push onto an empty deque wakes nobody while someone searches; a
    /// push onto a deque that already holds work wakes one more sleeper.
    #[test]
    fn a_push_onto_a_busy_deque_wakes_a_helper() {
        let sleep = Arc::new(Sleep::new(2));
        let (handles, woken) = sleepers(&sleep, 2);
        sleep.start_looking();
        sleep.new_local_job(|| false);
        wait_for(&woken, 0);
        sleep.new_local_job(|| true);
        wait_for(&woken, 1);
        sleep.stop_looking();
        sleep.new_local_job(|| false);
        wait_for(&woken, 2);
        handles.into_iter().for_each(|h| h.join().unwrap());
    }
}

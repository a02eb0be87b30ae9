//! The deterministic test harness: schedules found, replayed exactly, and
//! time advanced by hand.

use std::cell::{Cell, RefCell};
use std::rc::Rc;
use std::time::Duration;

use cvp_interleave::check::{self, Check};
use cvp_interleave::{sleep, spawn, yield_now, Instant, Policy, Runtime};

async fn lost_update() {
    let counter = Rc::new(Cell::new(0));
    let c = counter.clone();
    let a = spawn(async move {
        let read = c.get();
        yield_now().await;
        c.set(read + 1);
    });
    let c = counter.clone();
    let b = spawn(async move {
        yield_now().await;
        yield_now().await;
        c.set(c.get() + 1);
    });
    a.await.unwrap();
    b.await.unwrap();
    assert_eq!(counter.get(), 2, "lost update");
}

#[test]
fn fifo_never_exposes_the_lost_update_and_the_harness_does() {
    assert!(check::replay(Policy::Fifo, lost_update).is_ok());
    let f = Check::new().quiet().run(lost_update).unwrap_err();
    assert!(f.message.contains("lost update"), "{f}");
    assert!(
        f.to_string()
            .contains("cvp_interleave::check::replay(Policy::"),
        "{f}"
    );
    for _ in 0..3 {
        assert_eq!(check::replay(f.policy, lost_update).unwrap_err(), f.message);
    }
}

#[test]
fn pct_alone_finds_the_lost_update() {
    let found =
        (0..200u64).any(|seed| check::replay(Policy::Pct { seed, depth: 2 }, lost_update).is_err());
    assert!(found, "PCT depth 2 found nothing in 200 seeds");
}

/// The same policy gives the same schedule: the poll order of a replay is
/// identical, run after run.
#[test]
fn replays_are_exact() {
    fn order(policy: Policy) -> Vec<u32> {
        let log = Rc::new(RefCell::new(Vec::new()));
        let l = log.clone();
        let rt = Runtime::builder().virtual_time(true).policy(policy).build();
        rt.block_on(async move {
            let hs: Vec<_> = (0..6)
                .map(|i| {
                    let l = l.clone();
                    spawn(async move {
                        for _ in 0..3 {
                            l.borrow_mut().push(i);
                            yield_now().await;
                        }
                    })
                })
                .collect();
            for h in hs {
                h.await.unwrap();
            }
        })
        .unwrap();
        let v = log.borrow().clone();
        v
    }
    for policy in [
        Policy::Random { seed: 9 },
        Policy::Pct { seed: 9, depth: 3 },
    ] {
        let first = order(policy);
        assert_eq!(first.len(), 18);
        for _ in 0..3 {
            assert_eq!(order(policy), first, "{policy:?}");
        }
    }
    assert_ne!(
        order(Policy::Pct { seed: 1, depth: 3 }),
        order(Policy::Fifo)
    );
}

#[test]
fn correct_body_passes_every_schedule() {
    Check::new()
        .runs(if cfg!(miri) { 4 } else { 100 })
        .run(|| async {
            let counter = Rc::new(Cell::new(0));
            let hs: Vec<_> = (0..3)
                .map(|_| {
                    let c = counter.clone();
                    spawn(async move {
                        yield_now().await;
                        c.set(c.get() + 1);
                    })
                })
                .collect();
            for h in hs {
                h.await.unwrap();
            }
            assert_eq!(counter.get(), 3);
        })
        .unwrap();
}

#[test]
fn a_deadlock_is_a_failure_too() {
    let f = Check::new()
        .quiet()
        .runs(3)
        .run(|| async { std::future::pending::<()>().await })
        .unwrap_err();
    assert_eq!(f.run, 0);
    assert!(f.message.starts_with("deadlock"), "{f}");
}

#[test]
fn time_advanced_by_hand_fires_due_timers_only() {
    let rt = Runtime::builder().virtual_time(true).build();
    rt.block_on(async {
        let t0 = Instant::now();
        let fired = Rc::new(Cell::new(0));
        for ms in [10u64, 20, 30] {
            let f = fired.clone();
            spawn(async move {
                sleep(Duration::from_millis(ms)).await;
                f.set(f.get() + 1);
            });
        }
        yield_now().await; // the sleeps are armed
        check::advance(Duration::from_millis(25)).await;
        yield_now().await;
        yield_now().await;
        assert_eq!(fired.get(), 2);
        assert_eq!(t0.elapsed(), Duration::from_millis(25));
    })
    .unwrap();
}

#[test]
fn a_paused_clock_moves_only_by_advance() {
    let rt = Runtime::builder().virtual_time(true).build();
    rt.block_on(async {
        check::pause();
        let done = Rc::new(Cell::new(false));
        let d = done.clone();
        let sleeper = spawn(async move {
            sleep(Duration::from_secs(1)).await;
            d.set(true);
        });
        // Runnable all along (it yields), so nothing is idle; the clock
        // stays where it is.
        for _ in 0..100 {
            yield_now().await;
        }
        assert!(!done.get());
        assert_eq!(Instant::now().as_duration(), Duration::ZERO);
        check::advance(Duration::from_millis(999)).await;
        assert!(!done.get());
        check::advance(Duration::from_millis(1)).await;
        assert!(done.get(), "woken and run before advance returned");
        assert_eq!(Instant::now().as_duration(), Duration::from_secs(1));
        sleeper.await.unwrap();
    })
    .unwrap();
}

#[test]
fn advance_fires_timers_in_deadline_order_each_at_its_deadline() {
    let rt = Runtime::builder().virtual_time(true).build();
    let seen = rt
        .block_on(async {
            check::pause();
            let seen = Rc::new(RefCell::new(Vec::new()));
            for (name, ms) in [("c", 30u64), ("a", 10), ("b", 20), ("late", 100)] {
                let seen = seen.clone();
                spawn(async move {
                    sleep(Duration::from_millis(ms)).await;
                    seen.borrow_mut().push((name, Instant::now().as_duration()));
                    if name == "a" {
                        // Armed at 10 ms, due at 15 ms: fires within the
                        // same advance, before b.
                        sleep(Duration::from_millis(5)).await;
                        seen.borrow_mut().push(("a2", Instant::now().as_duration()));
                    }
                });
            }
            yield_now().await;
            check::advance(Duration::from_millis(50)).await;
            assert_eq!(Instant::now().as_duration(), Duration::from_millis(50));
            seen.take()
        })
        .unwrap();
    let ms = |n| Duration::from_millis(n);
    assert_eq!(
        seen,
        [("a", ms(10)), ("a2", ms(15)), ("b", ms(20)), ("c", ms(30))]
    );
}

#[test]
fn a_paused_clock_with_only_timers_left_is_a_deadlock_naming_them() {
    let rt = Runtime::builder().virtual_time(true).build();
    let err = rt
        .block_on(async {
            check::pause();
            spawn(sleep(Duration::from_secs(2))).await.unwrap();
        })
        .unwrap_err();
    let cvp_interleave::Error::Deadlock { stuck } = &err else {
        panic!("{err}")
    };
    assert!(
        matches!(stuck[1].waits_on, cvp_interleave::WaitsOn::Timer { due } if due.as_duration() == Duration::from_secs(2)),
        "{err}"
    );
    assert_eq!(rt.now().as_duration(), Duration::ZERO);
}

#[test]
fn resume_lets_the_clock_jump_to_timers_again() {
    let rt = Runtime::builder().virtual_time(true).build();
    rt.block_on(async {
        check::pause();
        assert!(check::is_paused());
        let s = spawn(sleep(Duration::from_secs(3)));
        check::advance(Duration::from_secs(1)).await;
        check::resume();
        s.await.unwrap();
        assert_eq!(Instant::now().as_duration(), Duration::from_secs(3));
    })
    .unwrap();
}

#[test]
fn pause_and_advance_work_under_every_schedule_of_the_harness() {
    Check::new()
        .quiet()
        .runs(50)
        .run(|| async {
            check::pause();
            let hits = Rc::new(Cell::new(0u32));
            for ms in 1..=5u64 {
                let h = hits.clone();
                spawn(async move {
                    sleep(Duration::from_millis(ms * 10)).await;
                    h.set(h.get() + 1);
                });
            }
            check::advance(Duration::from_millis(35)).await;
            assert_eq!(hits.get(), 3);
            check::advance(Duration::from_millis(15)).await;
            assert_eq!(hits.get(), 5);
        })
        .unwrap();
}

#[test]
#[should_panic(expected = "needs a runtime in virtual time")]
fn pause_in_real_time_is_refused() {
    Runtime::new().block_on(async { check::pause() }).unwrap();
}

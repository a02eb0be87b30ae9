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
        check::advance(Duration::from_millis(25));
        yield_now().await;
        yield_now().await;
        assert_eq!(fired.get(), 2);
        assert_eq!(t0.elapsed(), Duration::from_millis(25));
    })
    .unwrap();
}

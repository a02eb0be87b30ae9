//! A shorter sleep started at the same time never wakes after a longer one.

use std::cell::RefCell;
use std::rc::Rc;
use std::time::Duration;

use cvp_interleave::{interval, sleep, sleep_until, spawn, timeout, Instant, Runtime};

fn order(rt: &Runtime, durations: &[u64]) -> Vec<u64> {
    let log = Rc::new(RefCell::new(Vec::new()));
    let l = log.clone();
    let ds = durations.to_vec();
    rt.block_on(async move {
        // One start instant for all, far enough ahead that every timer is
        // armed before the first is due (real time moves on while tasks
        // spawn, even on a loaded machine).
        let t0 = Instant::now() + Duration::from_millis(if cfg!(miri) { 2000 } else { 500 });
        let hs: Vec<_> = ds
            .into_iter()
            .map(|d| {
                let l = l.clone();
                spawn(async move {
                    sleep_until(t0 + Duration::from_micros(d)).await;
                    l.borrow_mut().push(d);
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

#[test]
fn timers_fire_in_deadline_order() {
    let rt = Runtime::new();
    assert_eq!(order(&rt, &[3000, 1000, 2000]), [1000, 2000, 3000]);
}

#[test]
fn many_durations_real_time() {
    let rt = Runtime::new();
    let ds: Vec<u64> = (0..if cfg!(miri) { 20 } else { 500 })
        .map(|i| (i * 7919 % 503) * 20)
        .collect();
    let got = order(&rt, &ds);
    let mut sorted = ds.clone();
    sorted.sort();
    assert_eq!(got, sorted);
}

#[test]
fn virtual_time_order() {
    let rt = Runtime::builder().virtual_time(true).build();
    let ds: Vec<u64> = (0..300).map(|i| (i * 31 % 97) * 1000).collect();
    let got = order(&rt, &ds);
    let mut sorted = ds.clone();
    sorted.sort();
    assert_eq!(got, sorted);
}

#[test]
fn timeout_and_interval() {
    let rt = Runtime::builder().virtual_time(true).build();
    rt.block_on(async {
        let slow = timeout(Duration::from_millis(5), sleep(Duration::from_millis(10))).await;
        assert!(slow.is_err());
        let fast = timeout(Duration::from_millis(10), sleep(Duration::from_millis(5))).await;
        assert!(fast.is_ok());
        let mut iv = interval(Duration::from_millis(3));
        let mut ticks = Vec::new();
        for _ in 0..4 {
            ticks.push(iv.tick().await.as_duration().as_millis());
        }
        assert_eq!(ticks, [10, 13, 16, 19]);
    })
    .unwrap();
}

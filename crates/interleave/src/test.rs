//! Internal tests: task cells and wakers, seen from inside.

use std::rc::Rc;

use crate::runtime::Runtime;
use crate::task;

#[test]
fn task_cell_is_small() {
    // Header + empty stage; the per-task budget is 128 bytes with the
    // registry and ready-queue slots.
    assert!(
        task::empty_task_size() <= 112,
        "{}",
        task::empty_task_size()
    );
}

#[test]
fn waker_clone_and_drop_balance() {
    let rt = Runtime::new();
    let h = rt.spawn(async {
        let w = std::future::poll_fn(|cx| std::task::Poll::Ready(cx.waker().clone())).await;
        let w2 = w.clone();
        drop(w);
        w2.wake();
        7
    });
    assert_eq!(rt.block_on(h).unwrap().unwrap(), 7);
}

#[test]
fn random_policy_is_seeded() {
    fn order(seed: u64) -> Vec<u32> {
        let rt = Runtime::builder()
            .policy(crate::Policy::Random { seed })
            .build();
        let out = Rc::new(std::cell::RefCell::new(Vec::new()));
        for i in 0..8 {
            let out = out.clone();
            rt.spawn(async move { out.borrow_mut().push(i) });
        }
        rt.block_on(crate::yield_now()).unwrap();
        let v = out.borrow().clone();
        v
    }
    assert_eq!(order(3), order(3));
    assert_ne!(order(3), (0..8).collect::<Vec<_>>());
}

#[test]
fn stale_timers_behind_a_long_one_are_compacted() {
    use std::time::Duration;
    // One long timer at the front of the queue keeps the stale entries of
    // the short ones armed and cancelled after it from surfacing: a server
    // with a long timer and a per-request timeout, in small.
    let rt = Runtime::new();
    let queued = rt
        .block_on(async {
            let mut long = std::pin::pin!(crate::sleep(Duration::from_secs(3600)));
            let _ = futures::poll!(long.as_mut());
            // Enough to pass the compaction threshold twice under Miri.
            let n = if cfg!(miri) { 3_000 } else { 100_000 };
            for _ in 0..n {
                let mut s = std::pin::pin!(crate::sleep(Duration::from_secs(7200)));
                let _ = futures::poll!(s.as_mut());
            }
            crate::runtime::with_current(|l| l.timers.borrow().queued()).unwrap()
        })
        .unwrap();
    assert!(queued <= 2048, "{queued} entries for 1 live timer");
}

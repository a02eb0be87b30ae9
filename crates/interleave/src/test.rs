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
fn a_sleep_is_four_words() {
    // Often a whole task's future (`spawn(sleep(d))`): its size is the
    // task's size beyond the header.
    assert!(
        std::mem::size_of::<crate::Sleep>() <= 32,
        "{}",
        std::mem::size_of::<crate::Sleep>()
    );
}

#[test]
fn a_task_whose_wakers_are_all_gone_is_freed_by_its_last_owner() {
    // The handle is the last owner once the task finished and its timer
    // waker was woken and dropped: dropping it frees the cell through the
    // fast path (a count of 1), and a cell freed that way is reused.
    let rt = Runtime::builder().virtual_time(true).build();
    let h = rt.spawn(crate::sleep(std::time::Duration::from_millis(1)));
    rt.block_on(h).unwrap().unwrap();
    let reused = rt.block_on(async { crate::runtime::with_current(|l| l.cells.len()).unwrap() });
    assert_eq!(reused.unwrap(), 1, "the freed cell went back to the cache");
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

#[test]
fn finished_task_cells_are_reused_and_given_back_when_the_runtime_parks() {
    use std::time::Duration;
    let n = if cfg!(miri) { 600 } else { 10_000 };
    let rt = Runtime::new();
    let cached = |rt: &Runtime| {
        rt.block_on(async { crate::runtime::with_current(|l| l.cells.len()).unwrap() })
            .unwrap()
    };
    let burst = |rt: &Runtime| {
        rt.block_on(async move {
            let hs: Vec<_> = (0..n).map(|i| crate::spawn(async move { i })).collect();
            let mut sum = 0;
            for h in hs {
                sum += h.await.unwrap();
            }
            sum
        })
        .unwrap()
    };
    assert_eq!(burst(&rt), n * (n - 1) / 2);
    // Every cell of the burst is kept (one size), none went back.
    assert_eq!(cached(&rt), n);
    // A second burst takes them all again and leaves them all again.
    assert_eq!(burst(&rt), n * (n - 1) / 2);
    assert_eq!(cached(&rt), n);
    // Parking (a real wait) cuts the cache back. (Long enough under Miri
    // for the deadline to be ahead when the runtime goes idle.)
    let parks = rt.stats().parks;
    let nap = Duration::from_millis(if cfg!(miri) { 500 } else { 5 });
    rt.block_on(crate::sleep(nap)).unwrap();
    assert!(rt.stats().parks > parks, "the runtime never parked");
    assert!(cached(&rt) <= crate::cells::KEEP_PER_CLASS as usize);
}

#[test]
fn a_cell_freed_on_another_thread_goes_back_to_the_allocator() {
    // The last reference is a waker dropped on a thread with no runtime:
    // the cell is freed there, not cached (Miri checks the layout and
    // that nothing leaks).
    let rt = Runtime::new();
    let waker = rt
        .block_on(async {
            let h = crate::spawn(async {
                std::future::poll_fn(|cx| std::task::Poll::Ready(cx.waker().clone())).await
            });
            h.await.unwrap()
        })
        .unwrap();
    let before = rt
        .block_on(async { crate::runtime::with_current(|l| l.cells.len()).unwrap() })
        .unwrap();
    std::thread::spawn(move || drop(waker)).join().unwrap();
    let after = rt
        .block_on(async { crate::runtime::with_current(|l| l.cells.len()).unwrap() })
        .unwrap();
    assert_eq!(before, after);
}

#[test]
#[cfg_attr(miri, ignore = "Miri cannot call socket FFI")]
fn a_wait_for_a_timer_under_a_few_milliseconds_is_timed_by_the_timerfd() {
    use std::time::Duration;
    // A socket makes the runtime park in the poller, whose own timeout is
    // whole milliseconds.
    let rt = Runtime::new();
    let precise = rt
        .block_on(async {
            let _listener = crate::TcpListener::bind("127.0.0.1:0").unwrap();
            let waits = || crate::runtime::with_current(|l| l.reactor.precise_waits()).unwrap();
            let before = waits();
            // A long timer and no short one: no timerfd.
            let long = crate::timeout(Duration::from_millis(30), std::future::pending::<()>());
            assert!(long.await.is_err());
            let after_long = waits();
            crate::sleep(Duration::from_micros(300)).await;
            (before, after_long, waits())
        })
        .unwrap();
    let (before, after_long, after_short) = precise;
    if cfg!(any(target_os = "linux", target_os = "android")) {
        // The 30 ms wait ends with its last sub-millisecond part, if any,
        // timed by the timerfd; the 300 µs one certainly is.
        // (A wait cut short by a signal is timed again.)
        assert!(after_long - before <= 2, "{before} {after_long}");
        assert!(after_short > after_long, "{after_long} {after_short}");
    } else {
        assert_eq!(after_short, 0);
    }
}

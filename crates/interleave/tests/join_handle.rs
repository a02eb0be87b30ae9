//! JoinHandle: dropped early (the task runs on, detached), abort, output.

use std::cell::Cell;
use std::rc::Rc;

use cvp_interleave::{spawn, yield_now, Runtime};

#[test]
fn a_dropped_handle_leaves_its_task_running() {
    let rt = Runtime::new();
    let ran = Rc::new(Cell::new(false));
    let r = ran.clone();
    rt.block_on(async move {
        drop(spawn(async move {
            yield_now().await;
            r.set(true);
        }));
        for _ in 0..3 {
            yield_now().await;
        }
    })
    .unwrap();
    assert!(ran.get(), "a detached task still runs");
}

#[test]
fn dropped_after_finish_drops_output() {
    let rt = Runtime::new();
    let out = Rc::new(());
    let o = out.clone();
    rt.block_on(async move {
        let h = spawn(async move { o });
        yield_now().await;
        assert!(h.is_finished());
        drop(h);
    })
    .unwrap();
    assert_eq!(Rc::strong_count(&out), 1);
}

#[test]
fn abort_before_first_poll() {
    let rt = Runtime::new();
    let r = rt
        .block_on(async {
            let h = spawn(async { 1 });
            h.abort();
            h.await
        })
        .unwrap();
    assert!(r.unwrap_err().is_cancelled());
}

#[test]
fn abort_self_while_running() {
    let rt = Runtime::new();
    let reached = Rc::new(Cell::new(false));
    let r = reached.clone();
    rt.block_on(async move {
        let slot = Rc::new(Cell::new(None));
        let s = slot.clone();
        let h = spawn(async move {
            yield_now().await;
            let me: cvp_interleave::JoinHandle<()> = s.take().unwrap();
            me.abort();
            // The abort takes effect after this poll: the future is dropped
            // (and `me` with it) before it runs again.
            yield_now().await;
            r.set(true);
        });
        slot.set(Some(h));
        for _ in 0..4 {
            yield_now().await;
        }
    })
    .unwrap();
    assert!(!reached.get(), "an aborted task never resumes");
}

#[test]
fn await_twice_joined_by_other_task() {
    let rt = Runtime::new();
    let v = rt
        .block_on(async {
            let a = spawn(async {
                yield_now().await;
                3
            });
            let b = spawn(async move { a.await.unwrap() * 2 });
            b.await.unwrap()
        })
        .unwrap();
    assert_eq!(v, 6);
}

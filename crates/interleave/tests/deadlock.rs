//! Deadlock detection: an error naming the stuck tasks, never a hang.

use std::rc::Rc;

use cvp_interleave::{channel, spawn_named, yield_now, Error, Mutex, Runtime};

fn stuck_names(err: Error) -> Vec<String> {
    match err {
        Error::Deadlock { stuck } => stuck.iter().map(|s| s.to_string()).collect(),
        other => panic!("expected a deadlock, got {other}"),
    }
}

#[test]
fn a_pending_main_future_is_reported_stuck() {
    let rt = Runtime::new();
    let err = rt.block_on(std::future::pending::<()>()).unwrap_err();
    assert_eq!(stuck_names(err), ["main (block_on)"]);
}

#[test]
fn lock_order_inversion() {
    let rt = Runtime::new();
    let err = rt
        .block_on(async {
            let a = Rc::new(Mutex::new(()));
            let b = Rc::new(Mutex::new(()));
            let (a1, b1, a2, b2) = (a.clone(), b.clone(), a, b);
            let t1 = spawn_named("a-then-b", async move {
                let _ga = a1.lock().await;
                yield_now().await;
                let _gb = b1.lock().await;
            });
            let t2 = spawn_named("b-then-a", async move {
                let _gb = b2.lock().await;
                yield_now().await;
                let _ga = a2.lock().await;
            });
            t1.await.unwrap();
            t2.await.unwrap();
        })
        .unwrap_err();
    assert_eq!(
        stuck_names(err),
        ["main (block_on)", "#1 (a-then-b)", "#2 (b-then-a)"]
    );
}

#[test]
fn channel_nobody_sends() {
    let rt = Runtime::new();
    let err = rt
        .block_on(async {
            let (tx, mut rx) = channel::<u8>();
            let h = spawn_named("receiver", async move { rx.recv().await });
            h.await.unwrap();
            drop(tx);
        })
        .unwrap_err();
    assert_eq!(stuck_names(err), ["main (block_on)", "#1 (receiver)"]);
    assert!(Error::NestedBlockOn.to_string().contains("block_on"));
}

#[test]
fn finished_main_is_no_deadlock() {
    let rt = Runtime::new();
    rt.spawn(std::future::pending::<()>());
    assert_eq!(rt.block_on(async { 5 }).unwrap(), 5);
}

#[test]
fn timers_are_not_deadlocks() {
    let rt = Runtime::builder().virtual_time(true).build();
    rt.block_on(cvp_interleave::sleep(std::time::Duration::from_secs(10)))
        .unwrap();
}

/// A deadlock report says, per stuck task, what it waits on and where it
/// was spawned.
#[test]
fn report_names_what_each_task_waits_on_and_where_it_was_spawned() {
    use cvp_interleave::{bounded, oneshot, WaitsOn};
    let rt = cvp_interleave::Runtime::new();
    let line = line!() + 4;
    let err = rt
        .block_on(async {
            let (tx, _rx) = bounded::<u8>(1);
            let sender = cvp_interleave::spawn_named("sender", async move {
                tx.send(1).await.unwrap();
                tx.send(2).await.unwrap(); // full: nobody receives
            });
            let idle = cvp_interleave::spawn(std::future::pending::<()>());
            let (_otx, orx) = oneshot::<u8>();
            let _ = orx.await;
            drop((sender, idle));
        })
        .unwrap_err();
    let cvp_interleave::Error::Deadlock { stuck } = &err else {
        panic!("{err}")
    };
    assert_eq!(stuck.len(), 3, "{err}");
    assert_eq!(stuck[0].waits_on, WaitsOn::Primitive("a oneshot (recv)"));
    assert_eq!(stuck[0].spawned_at, None);
    assert_eq!(
        stuck[1].waits_on,
        WaitsOn::Primitive("a bounded channel (send, full)")
    );
    let at = stuck[1].spawned_at.expect("spawn location");
    assert_eq!((at.file(), at.line()), (file!(), line));
    assert_eq!(stuck[2].waits_on, WaitsOn::Nothing);
    let text = err.to_string();
    assert!(
        text.contains(&format!("#1 (sender) spawned at {}:{line}", file!())),
        "{text}"
    );
    assert!(
        text.contains("waits on a bounded channel (send, full)"),
        "{text}"
    );
    assert!(text.contains("no waker of it is held anywhere"), "{text}");
}

//! The sync toolkit: oneshot, bounded channel, semaphore, notify, join set;
//! with `futures::select!`/`join!`, and deadlocks on each reported.

use std::cell::{Cell, RefCell};
use std::rc::Rc;
use std::time::Duration;

use cvp_interleave::{
    bounded, oneshot, sleep, spawn, yield_now, Error, JoinSet, Notify, Runtime, Semaphore,
};
use futures::FutureExt;

fn vrt() -> Runtime {
    Runtime::builder().virtual_time(true).build()
}

#[test]
fn bounded_send_waits_while_full() {
    let rt = vrt();
    let log = rt
        .block_on(async {
            let (tx, mut rx) = bounded(2);
            let log = Rc::new(RefCell::new(Vec::new()));
            let l = log.clone();
            let producer = spawn(async move {
                for i in 0..6 {
                    tx.send(i).await.unwrap();
                    l.borrow_mut().push(format!("sent {i}"));
                }
            });
            sleep(Duration::from_millis(1)).await;
            // Two fit; the third send waits.
            assert_eq!(log.borrow().len(), 2);
            let mut got = Vec::new();
            while let Some(v) = rx.recv().await {
                got.push(v);
                log.borrow_mut().push(format!("got {v}"));
            }
            producer.await.unwrap();
            assert_eq!(got, [0, 1, 2, 3, 4, 5]);
            let log = log.borrow().clone();
            log
        })
        .unwrap();
    // Never more than 2 sent ahead of the receiver.
    let mut ahead: i32 = 0;
    for e in &log {
        ahead += if e.starts_with("sent") { 1 } else { -1 };
        assert!(ahead <= 3, "{log:?}");
    }
}

#[test]
fn bounded_many_senders_all_delivered_and_receiver_drop_fails_sends() {
    let rt = vrt();
    rt.block_on(async {
        let (tx, mut rx) = bounded::<u32>(1);
        for s in 0..4u32 {
            let tx = tx.clone();
            spawn(async move {
                for i in 0..10 {
                    tx.send(s * 100 + i).await.unwrap();
                }
            });
        }
        drop(tx);
        let mut got = Vec::new();
        while let Some(v) = rx.recv().await {
            got.push(v);
        }
        got.sort_unstable();
        let want: Vec<u32> = (0..4)
            .flat_map(|s| (0..10).map(move |i| s * 100 + i))
            .collect();
        assert_eq!(got, want);

        let (tx, rx) = bounded::<u8>(1);
        tx.send(1).await.unwrap();
        let blocked = spawn(async move { tx.send(2).await });
        yield_now().await;
        drop(rx);
        assert_eq!(blocked.await.unwrap().unwrap_err().0, 2);
    })
    .unwrap();
}

#[test]
fn oneshot_delivers_or_cancels() {
    let rt = Runtime::new();
    rt.block_on(async {
        let (tx, rx) = oneshot();
        spawn(async move {
            yield_now().await;
            tx.send(String::from("v")).unwrap();
        });
        assert_eq!(rx.await.unwrap(), "v");
        let (tx, rx) = oneshot::<u8>();
        spawn(async move { drop(tx) });
        assert!(rx.await.is_err());
    })
    .unwrap();
}

#[test]
fn semaphore_bounds_concurrency_first_come_first_served() {
    let rt = vrt();
    rt.block_on(async {
        let sem = Rc::new(Semaphore::new(3));
        let (now, peak) = (Rc::new(Cell::new(0)), Rc::new(Cell::new(0)));
        let order = Rc::new(RefCell::new(Vec::new()));
        let mut set = JoinSet::new();
        for i in 0..12 {
            let (sem, now, peak, order) = (sem.clone(), now.clone(), peak.clone(), order.clone());
            set.spawn(async move {
                let _p = sem.acquire().await;
                order.borrow_mut().push(i);
                now.set(now.get() + 1);
                peak.set(peak.get().max(now.get()));
                sleep(Duration::from_millis(5)).await;
                now.set(now.get() - 1);
            });
        }
        while let Some(r) = set.join_next().await {
            r.unwrap();
        }
        assert_eq!(peak.get(), 3);
        assert_eq!(*order.borrow(), (0..12).collect::<Vec<_>>());
        assert_eq!(sem.available_permits(), 3);
    })
    .unwrap();
}

#[test]
fn notify_one_stores_a_permit_and_notify_waiters_wakes_all() {
    let rt = vrt();
    rt.block_on(async {
        let n = Rc::new(Notify::new());
        n.notify_one();
        n.notified().await; // the stored permit
        let woken = Rc::new(Cell::new(0));
        let mut set = JoinSet::new();
        for _ in 0..5 {
            let (n, woken) = (n.clone(), woken.clone());
            set.spawn(async move {
                n.notified().await;
                woken.set(woken.get() + 1);
            });
        }
        yield_now().await;
        n.notify_waiters();
        while set.join_next().await.is_some() {}
        assert_eq!(woken.get(), 5);
    })
    .unwrap();
}

#[test]
fn join_set_completion_order_and_abort_on_drop() {
    let rt = vrt();
    rt.block_on(async {
        let mut set = JoinSet::new();
        for ms in [50u64, 10, 40, 20, 30] {
            set.spawn(async move {
                sleep(Duration::from_millis(ms)).await;
                ms
            });
        }
        set.spawn(async { panic!("member panics") });
        let mut order = Vec::new();
        let mut panics = 0;
        while let Some(r) = set.join_next().await {
            match r {
                Ok(v) => order.push(v),
                Err(e) => {
                    assert!(e.is_panic());
                    panics += 1;
                }
            }
        }
        assert_eq!((order, panics), (vec![10, 20, 30, 40, 50], 1));

        let dropped = Rc::new(Cell::new(0));
        struct Guard(Rc<Cell<u32>>);
        impl Drop for Guard {
            fn drop(&mut self) {
                self.0.set(self.0.get() + 1);
            }
        }
        let mut set = JoinSet::new();
        for _ in 0..4 {
            let g = Guard(dropped.clone());
            set.spawn(async move {
                let _g = g;
                sleep(Duration::from_secs(3600)).await;
            });
        }
        yield_now().await;
        drop(set);
        yield_now().await;
        assert_eq!(dropped.get(), 4);
    })
    .unwrap();
    assert_eq!(rt.now().as_duration(), Duration::from_millis(50));
}

#[test]
fn futures_select_and_join_work_with_the_toolkit() {
    let rt = vrt();
    rt.block_on(async {
        let (tx, mut rx) = bounded::<u8>(1);
        let n = Notify::new();
        let (otx, orx) = oneshot::<u8>();
        spawn(async move {
            sleep(Duration::from_millis(10)).await;
            otx.send(7).unwrap();
        });
        let picked = futures::select! {
            v = rx.recv().fuse() => format!("recv {v:?}"),
            _ = n.notified().fuse() => "notified".to_string(),
            v = orx.fuse() => format!("oneshot {v:?}"),
        };
        assert_eq!(picked, "oneshot Ok(7)");
        // A cancelled recv left no stale waiter: sends and receives go on.
        let sem = Semaphore::new(1);
        let (a, b, c) = futures::join!(
            async {
                tx.send(1).await.unwrap();
                "sent"
            },
            async { rx.recv().await },
            async {
                let _p = sem.acquire().await;
                sleep(Duration::from_millis(1)).await;
                3
            },
        );
        assert_eq!((a, b, c), ("sent", Some(1), 3));
    })
    .unwrap();
}

#[test]
fn stuck_on_toolkit_primitives_is_a_reported_deadlock() {
    let rt = Runtime::new();
    let err = rt
        .block_on(async {
            let (tx, _rx) = bounded::<u8>(1);
            tx.send(1).await.unwrap();
            tx.send(2).await // full forever: the receiver never reads
        })
        .unwrap_err();
    assert!(matches!(err, Error::Deadlock { .. }), "{err}");
    let err = rt
        .block_on(async {
            let sem = Semaphore::new(0);
            drop(sem.acquire().await);
        })
        .unwrap_err();
    assert!(matches!(err, Error::Deadlock { .. }), "{err}");
    let err = rt
        .block_on(async { Notify::new().notified().await })
        .unwrap_err();
    assert!(matches!(err, Error::Deadlock { .. }), "{err}");
    let err = rt
        .block_on(async {
            let (_tx, rx) = oneshot::<u8>();
            rx.await
        })
        .unwrap_err();
    assert!(matches!(err, Error::Deadlock { .. }), "{err}");
    let err = rt
        .block_on(async {
            let mut set = JoinSet::new();
            let n = Rc::new(Notify::new());
            let n2 = n.clone();
            set.spawn(async move { n2.notified().await });
            set.join_next().await
        })
        .unwrap_err();
    assert!(matches!(err, Error::Deadlock { .. }), "{err}");
}

//! Local channel and mutex.

use std::cell::RefCell;
use std::rc::Rc;

use cvp_interleave::{channel, spawn, yield_now, Mutex, Runtime};

#[test]
fn a_channel_delivers_in_order() {
    let rt = Runtime::new();
    let got = rt
        .block_on(async {
            let (tx, mut rx) = channel();
            spawn(async move {
                for i in 0..5 {
                    tx.send(i).unwrap();
                    yield_now().await;
                }
            });
            let mut got = Vec::new();
            while let Some(v) = rx.recv().await {
                got.push(v);
            }
            got
        })
        .unwrap();
    assert_eq!(got, [0, 1, 2, 3, 4]);
}

#[test]
fn mutex_is_fifo() {
    let rt = Runtime::new();
    let order = rt
        .block_on(async {
            let m = Rc::new(Mutex::new(()));
            let order = Rc::new(RefCell::new(Vec::new()));
            let g = m.lock().await;
            let hs: Vec<_> = (0..5)
                .map(|i| {
                    let (m, o) = (m.clone(), order.clone());
                    spawn(async move {
                        let _g = m.lock().await;
                        o.borrow_mut().push(i);
                        yield_now().await;
                    })
                })
                .collect();
            yield_now().await;
            drop(g);
            for h in hs {
                h.await.unwrap();
            }
            let v = order.borrow().clone();
            v
        })
        .unwrap();
    assert_eq!(order, [0, 1, 2, 3, 4]);
}

#[test]
fn cancelled_lock_passes_the_lock_on() {
    let rt = Runtime::new();
    rt.block_on(async {
        let m = Rc::new(Mutex::new(0));
        let g = m.lock().await;
        let m1 = m.clone();
        let waiter = spawn(async move {
            let _g = m1.lock().await;
        });
        let m2 = m.clone();
        let second = spawn(async move {
            *m2.lock().await += 1;
        });
        yield_now().await;
        drop(g); // granted to `waiter`...
        waiter.abort(); // ...which is cancelled before it runs
        second.await.unwrap();
        assert_eq!(*m.lock().await, 1);
    })
    .unwrap();
}

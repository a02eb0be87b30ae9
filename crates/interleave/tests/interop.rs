//! The futures ecosystem runs on the interleaver.

use std::time::Duration;

use cvp_interleave::{sleep, spawn, yield_now, Runtime};
use futures::channel::{mpsc, oneshot};
use futures::{FutureExt, SinkExt, StreamExt};

#[test]
fn futures_join_runs_on_the_runtime() {
    let rt = Runtime::new();
    let (a, b) = rt
        .block_on(async { futures::join!(async { 1 }, async { 2 }) })
        .unwrap();
    assert_eq!(a + b, 3);
}

#[test]
fn select_with_timers() {
    let rt = Runtime::builder().virtual_time(true).build();
    let winner = rt
        .block_on(async {
            let fast = sleep(Duration::from_millis(1)).fuse();
            let slow = sleep(Duration::from_millis(9)).fuse();
            futures::pin_mut!(fast, slow);
            futures::select! {
                _ = slow => "slow",
                _ = fast => "fast",
            }
        })
        .unwrap();
    assert_eq!(winner, "fast");
}

#[test]
fn futures_channels() {
    let rt = Runtime::new();
    let sum = rt
        .block_on(async {
            let (mut tx, rx) = mpsc::channel::<u32>(4);
            let (done_tx, done_rx) = oneshot::channel();
            spawn(async move {
                let s: u32 = rx.fold(0, |a, b| async move { a + b }).await;
                done_tx.send(s).unwrap();
            });
            for i in 1..=100 {
                tx.send(i).await.unwrap();
            }
            drop(tx);
            done_rx.await.unwrap()
        })
        .unwrap();
    assert_eq!(sum, 5050);
}

#[test]
fn futures_channel_from_another_thread() {
    let rt = Runtime::new();
    let v = rt
        .block_on(async {
            let (tx, rx) = oneshot::channel();
            std::thread::spawn(move || tx.send(9).unwrap());
            rx.await.unwrap()
        })
        .unwrap();
    assert_eq!(v, 9);
}

#[test]
fn futures_lock_mutex() {
    let rt = Runtime::new();
    let n = rt
        .block_on(async {
            let m = std::rc::Rc::new(futures::lock::Mutex::new(0));
            let hs: Vec<_> = (0..20)
                .map(|_| {
                    let m = m.clone();
                    spawn(async move {
                        let mut g = m.lock().await;
                        yield_now().await;
                        *g += 1;
                    })
                })
                .collect();
            futures::future::join_all(hs).await;
            let v = *m.lock().await;
            v
        })
        .unwrap();
    assert_eq!(n, 20);
}

#[test]
fn futures_unordered() {
    let rt = Runtime::new();
    let v = rt
        .block_on(async {
            let mut set: futures::stream::FuturesUnordered<_> =
                (0..50).map(|i| spawn(async move { i })).collect();
            let mut total = 0;
            while let Some(r) = set.next().await {
                total += r.unwrap();
            }
            total
        })
        .unwrap();
    assert_eq!(v, 1225);
}

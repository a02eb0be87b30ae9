//! A task that spawns 10,000 tasks.

use std::cell::Cell;
use std::rc::Rc;

use cvp_interleave::{spawn, yield_now, Runtime};

const N: u64 = if cfg!(miri) { 200 } else { 10_000 };

#[test]
fn many_spawned_tasks_are_all_awaited() {
    let rt = Runtime::new();
    let sum = rt
        .block_on(async {
            spawn(async {
                let hs: Vec<_> = (0..N).map(|i| spawn(async move { i })).collect();
                let mut sum = 0;
                for h in hs {
                    sum += h.await.unwrap();
                }
                sum
            })
            .await
            .unwrap()
        })
        .unwrap();
    assert_eq!(sum, N * (N - 1) / 2);
    assert_eq!(rt.stats().tasks_spawned, N + 1);
    assert!(rt.stats().max_ready >= N);
}

#[test]
fn detached_yielding_tasks_all_finish() {
    let rt = Runtime::new();
    let done = Rc::new(Cell::new(0u64));
    let d = done.clone();
    rt.block_on(async move {
        let hs: Vec<_> = (0..N)
            .map(|_| {
                let d = d.clone();
                spawn(async move {
                    yield_now().await;
                    d.set(d.get() + 1);
                })
            })
            .collect();
        for h in hs {
            h.await.unwrap();
        }
    })
    .unwrap();
    assert_eq!(done.get(), N);
}

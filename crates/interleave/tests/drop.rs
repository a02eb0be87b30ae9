//! Dropping the runtime drops every task: nothing leaks.

use std::cell::Cell;
use std::rc::Rc;
use std::time::Duration;

use cvp_interleave::{channel, sleep, spawn, yield_now, Runtime};

struct Counted(Rc<Cell<usize>>);

impl Drop for Counted {
    fn drop(&mut self) {
        self.0.set(self.0.get() + 1);
    }
}

#[test]
fn dropping_the_runtime_drops_unfinished_tasks() {
    let drops = Rc::new(Cell::new(0));
    {
        let rt = Runtime::new();
        for _ in 0..10 {
            let c = Counted(drops.clone());
            rt.spawn(async move {
                let _c = c;
                std::future::pending::<()>().await;
            });
        }
    }
    assert_eq!(drops.get(), 10);
}

#[test]
fn drops_sleeping_blocked_and_ready_tasks() {
    let drops = Rc::new(Cell::new(0));
    let n = 30;
    {
        let rt = Runtime::new();
        let d = drops.clone();
        rt.block_on(async move {
            let (tx, rx) = channel::<()>();
            let rx = Rc::new(std::cell::RefCell::new(Some(rx)));
            for i in 0..n {
                let c = Counted(d.clone());
                let rx = rx.clone();
                let tx = tx.clone();
                spawn(async move {
                    let _c = c;
                    match i % 3 {
                        0 => sleep(Duration::from_secs(3600)).await,
                        1 => {
                            let r = rx.borrow_mut().take();
                            if let Some(mut r) = r {
                                r.recv().await;
                            }
                            std::future::pending::<()>().await;
                        }
                        _ => loop {
                            let _ = tx.send(());
                            yield_now().await;
                        },
                    }
                });
            }
            yield_now().await;
            yield_now().await;
        })
        .unwrap();
    }
    assert_eq!(drops.get(), n);
}

#[test]
fn outputs_held_by_handles_are_dropped_with_handles() {
    let drops = Rc::new(Cell::new(0));
    let handle;
    {
        let rt = Runtime::new();
        let c = Counted(drops.clone());
        handle = rt.spawn(async move { c });
        rt.block_on(yield_now()).unwrap();
    }
    assert_eq!(drops.get(), 0, "the output waits for its handle");
    drop(handle);
    assert_eq!(drops.get(), 1);
}

#[test]
fn task_spawning_in_drop() {
    struct SpawnOnDrop;
    impl Drop for SpawnOnDrop {
        fn drop(&mut self) {
            drop(spawn(async {}));
        }
    }
    let rt = Runtime::new();
    rt.spawn(async {
        let _s = SpawnOnDrop;
        std::future::pending::<()>().await;
    });
    rt.block_on(yield_now()).unwrap();
    drop(rt);
}

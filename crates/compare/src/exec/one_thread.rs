//! Jobs on a single-thread async runtime: each top-level `map_reduce` or
//! `join` becomes one task driven by `block_on`, which yields to the
//! runtime between chunks. Nothing runs in parallel, so there is no speedup:
//! that is the lesson of running data-shaped work on a concurrency engine.

use std::cell::Cell;
use std::future::Future;
use std::ops::Range;

use cvp_workloads::{chunks, Exec, Sequential};

/// What a single-thread runtime lends [`OneThread`].
pub(crate) trait BlockOn {
    /// Drives `f` to completion on the calling thread.
    fn block_on<F: Future>(&self, f: F) -> F::Output;
    /// Lets the runtime run other ready tasks once.
    fn yield_now(&self) -> impl Future<Output = ()>;
}

thread_local! {
    /// Whether the calling thread is already inside [`OneThread::block_on`]:
    /// a nested call (a join inside a join) runs inline, since a runtime
    /// cannot be re-entered from its own thread.
    static INSIDE: Cell<bool> = const { Cell::new(false) };
}

/// The [`Exec`] of the one-thread async models.
#[derive(Debug)]
pub(crate) struct OneThread<'r, R> {
    rt: &'r R,
}

impl<'r, R: BlockOn> OneThread<'r, R> {
    /// Jobs on `rt`.
    pub(crate) fn new(rt: &'r R) -> Self {
        Self { rt }
    }

    /// Runs `f` as a task on the runtime, or inline when already inside one.
    fn task<T>(&self, inline: impl FnOnce() -> T, task: impl Future<Output = T>) -> T {
        if INSIDE.get() {
            return inline();
        }
        struct Leave;
        impl Drop for Leave {
            fn drop(&mut self) {
                INSIDE.set(false);
            }
        }
        INSIDE.set(true);
        let _leave = Leave;
        self.rt.block_on(task)
    }
}

impl<R: BlockOn + Sync> Exec for OneThread<'_, R> {
    fn parallelism(&self) -> usize {
        1
    }

    fn map_reduce<T, L, C>(&self, len: usize, grain: usize, leaf: L, combine: C) -> T
    where
        T: Send,
        L: Fn(Range<usize>) -> T + Sync,
        C: Fn(T, T) -> T + Sync,
    {
        self.task(
            || Sequential.map_reduce(len, grain, &leaf, &combine),
            async {
                let mut acc: Option<T> = None;
                for r in chunks(len, grain) {
                    let v = leaf(r);
                    acc = Some(match acc {
                        None => v,
                        Some(a) => combine(a, v),
                    });
                    self.rt.yield_now().await;
                }
                acc.unwrap_or_else(|| leaf(0..0))
            },
        )
    }

    fn join<A, B, RA, RB>(&self, a: A, b: B) -> (RA, RB)
    where
        A: FnOnce() -> RA + Send,
        B: FnOnce() -> RB + Send,
        RA: Send,
        RB: Send,
    {
        // Both closures are needed by whichever path runs; the cell hands
        // them to the one that does.
        let fns = Cell::new(Some((a, b)));
        self.task(
            || {
                let (a, b) = fns.take().expect("closures taken once");
                let ra = a();
                (ra, b())
            },
            async {
                let (a, b) = fns.take().expect("closures taken once");
                let ra = a();
                self.rt.yield_now().await;
                (ra, b())
            },
        )
    }
}

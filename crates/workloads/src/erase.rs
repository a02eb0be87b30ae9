//! Running a job written against [`Exec`] on an executor known only at run
//! time: a dyn-compatible mirror of the capability, and an [`Exec`] over it.
//!
//! A job's code is generic over `E: Exec`, which keeps its leaves statically
//! dispatched; what a workload holds is a `dyn` program, so the model's
//! executor is erased once per call of `map_reduce` or `join`, never per
//! item. Values cross the erased boundary as indices into a store of the
//! calling frame, so a job's partial results need not be `'static` and no
//! `unsafe` is needed.

use std::ops::Range;
use std::sync::{Mutex, PoisonError};

use crate::Exec;

/// The [`Exec`] capability, dyn-compatible: partial results travel as
/// indices chosen by the caller.
pub(crate) trait DynExec: Sync {
    fn parallelism_dyn(&self) -> usize;

    fn map_reduce_dyn(
        &self,
        len: usize,
        grain: usize,
        leaf: &(dyn Fn(Range<usize>) -> usize + Sync),
        combine: &(dyn Fn(usize, usize) -> usize + Sync),
    ) -> usize;

    fn join_dyn(&self, a: &mut (dyn FnMut() + Send), b: &mut (dyn FnMut() + Send));
}

impl<E: Exec> DynExec for E {
    fn parallelism_dyn(&self) -> usize {
        self.parallelism()
    }

    fn map_reduce_dyn(
        &self,
        len: usize,
        grain: usize,
        leaf: &(dyn Fn(Range<usize>) -> usize + Sync),
        combine: &(dyn Fn(usize, usize) -> usize + Sync),
    ) -> usize {
        self.map_reduce(len, grain, leaf, combine)
    }

    fn join_dyn(&self, a: &mut (dyn FnMut() + Send), b: &mut (dyn FnMut() + Send)) {
        self.join(a, b);
    }
}

/// An [`Exec`] over an erased executor: what every program runs on.
#[derive(Clone, Copy)]
pub(crate) struct Erased<'a>(pub(crate) &'a dyn DynExec);

impl Exec for Erased<'_> {
    fn parallelism(&self) -> usize {
        self.0.parallelism_dyn()
    }

    fn map_reduce<T, L, C>(&self, len: usize, grain: usize, leaf: L, combine: C) -> T
    where
        T: Send,
        L: Fn(Range<usize>) -> T + Sync,
        C: Fn(T, T) -> T + Sync,
    {
        // Each value is put once and taken once; a leaf or a combine holds
        // the lock only to move a value, never while it computes.
        let store: Mutex<Vec<Option<T>>> = Mutex::new(Vec::new());
        let put = |v: T| {
            let mut s = store.lock().unwrap_or_else(PoisonError::into_inner);
            s.push(Some(v));
            s.len() - 1
        };
        let take = |i: usize| {
            store.lock().unwrap_or_else(PoisonError::into_inner)[i]
                .take()
                .expect("every partial result is combined once")
        };
        let id = self
            .0
            .map_reduce_dyn(len, grain, &|r| put(leaf(r)), &|a, b| {
                let (x, y) = (take(a), take(b));
                put(combine(x, y))
            });
        take(id)
    }

    fn join<A, B, RA, RB>(&self, a: A, b: B) -> (RA, RB)
    where
        A: FnOnce() -> RA + Send,
        B: FnOnce() -> RB + Send,
        RA: Send,
        RB: Send,
    {
        let (mut a, mut b) = (Some(a), Some(b));
        let (mut ra, mut rb) = (None, None);
        self.0
            .join_dyn(&mut || ra = a.take().map(|f| f()), &mut || {
                rb = b.take().map(|f| f())
            });
        (
            ra.expect("join runs its first closure"),
            rb.expect("join runs its second closure"),
        )
    }
}

#[cfg(test)]
mod test {
    use super::*;
    use crate::Sequential;

    #[test]
    fn an_erased_executor_gives_the_same_results() {
        let e = Erased(&Sequential);
        let v = e.map_reduce(
            1000,
            7,
            |r| r.map(|i| i as u64).collect::<Vec<_>>(),
            |mut a, b| {
                a.extend(b);
                a
            },
        );
        assert_eq!(v, (0..1000).collect::<Vec<u64>>());
        assert_eq!(e.map_reduce(0, 3, |r| r.len(), |a, b| a + b), 0);
        let borrowed = [1, 2, 3];
        let (x, y) = e.join(|| borrowed.iter().sum::<i32>(), || borrowed.len());
        assert_eq!((x, y, e.parallelism()), (6, 3, 1));
    }
}

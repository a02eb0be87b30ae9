//! Running a job written against [`Exec`] on an executor known only at run
//! time: a dyn-compatible mirror of the capability, and an [`Exec`] over it.
//!
//! A job's code is generic over `E: Exec`, which keeps its leaves statically
//! dispatched; what a workload holds is a `dyn` program, so the model's
//! executor is erased once per call of `map_reduce` or `join`, never per
//! item. Values cross the erased boundary as indices into a store of the
//! calling frame, so a job's partial results need not be `'static`. The
//! store is also a [`Slots`], for an executor that must reach the values
//! behind the indices (to send them to another process).

use std::any::TypeId;
use std::mem::MaybeUninit;
use std::ops::Range;
use std::sync::{Mutex, MutexGuard, PoisonError};

use crate::{Exec, Slots};

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
        slots: &dyn Slots,
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
        slots: &dyn Slots,
    ) -> usize {
        self.map_reduce_slots(len, grain, leaf, combine, slots)
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
        let store = Store::<T>::default();
        let id = self.0.map_reduce_dyn(
            len,
            grain,
            &|r| store.put(leaf(r)),
            &|a, b| {
                let (x, y) = (store.take(a), store.take(b));
                store.put(combine(x, y))
            },
            &store,
        );
        store.take(id)
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

/// The partial results of one erased reduce, by index.
///
/// Each value is put once and taken once; a leaf or a combine holds the
/// lock only to move a value, never while it computes.
struct Store<T>(Mutex<Vec<Option<T>>>);

impl<T> Default for Store<T> {
    fn default() -> Self {
        Store(Mutex::new(Vec::new()))
    }
}

impl<T> Store<T> {
    fn lock(&self) -> MutexGuard<'_, Vec<Option<T>>> {
        self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn put(&self, v: T) -> usize {
        let mut s = self.lock();
        s.push(Some(v));
        s.len() - 1
    }

    fn take(&self, i: usize) -> T {
        self.lock()[i]
            .take()
            .expect("every partial result is combined once")
    }
}

// SAFETY: every value in the store is a `T`, and `value_type` is
// `typeid::of::<T>()`; `with_value` passes a pointer made from a reference to
// a live `T`, used while the lock keeps it in place; `put_with` passes a
// `MaybeUninit<T>`'s pointer, valid for writes of an aligned `T`.
unsafe impl<T: Send> Slots for Store<T> {
    fn value_type(&self) -> TypeId {
        typeid::of::<T>()
    }

    fn type_name(&self) -> &'static str {
        std::any::type_name::<T>()
    }

    fn with_value(&self, i: usize, f: &mut dyn FnMut(*const ())) {
        let s = self.lock();
        let value = s[i].as_ref().expect("a slot read holds a value");
        f(std::ptr::from_ref(value).cast());
    }

    unsafe fn put_with(
        &self,
        write: &mut dyn FnMut(*mut ()) -> Result<(), String>,
    ) -> Result<usize, String> {
        let mut slot = MaybeUninit::<T>::uninit();
        // The pointer is valid for writes of a `T` and aligned for it: it is
        // a `MaybeUninit<T>`'s. On an error the slot is dropped as
        // uninitialised memory, so nothing half-written is dropped as a `T`.
        write(slot.as_mut_ptr().cast())?;
        // SAFETY: `write` returned Ok, so by `put_with`'s contract it wrote
        // one whole value of the values' type, which is `T`, into the slot.
        let value = unsafe { slot.assume_init() };
        Ok(self.put(value))
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
    /// Reads the `Vec<String>` in slot `i` by cloning it through the pointer.
    fn read(store: &Store<Vec<String>>, i: usize) -> Vec<String> {
        let mut out = None;
        store.with_value(i, &mut |p| {
            // SAFETY: the store's values are `Vec<String>`s, and `with_value`
            // gives a pointer to a live one for the call.
            out = Some(unsafe { &*p.cast::<Vec<String>>() }.clone());
        });
        out.expect("with_value calls its closure")
    }

    #[test]
    fn a_value_round_trips_through_the_slots() {
        let store = Store::<Vec<String>>::default();
        assert_eq!(store.value_type(), TypeId::of::<Vec<String>>());
        assert!(store.type_name().contains("Vec<alloc::string::String>"));
        let sent = vec!["one".to_string(), "two".to_string()];
        let i = store.put(sent.clone());
        let copy = read(&store, i);
        let mut pending = Some(copy);
        // SAFETY: on Ok the closure has written the whole `Vec<String>` it
        // holds, the store's value type, to the pointer it is given.
        let j = unsafe {
            store.put_with(&mut |p| {
                let v = pending.take().ok_or("written twice")?;
                p.cast::<Vec<String>>().write(v);
                Ok(())
            })
        }
        .expect("the write succeeds");
        assert_ne!(i, j);
        assert_eq!(store.take(j), sent);
        assert_eq!(store.take(i), sent);
    }

    #[test]
    fn a_failed_write_puts_nothing_in_the_slots() {
        let store = Store::<Vec<String>>::default();
        // SAFETY: the closure returns Err, so it need not have written.
        let got = unsafe { store.put_with(&mut |_| Err("malformed".to_string())) };
        assert_eq!(got, Err("malformed".to_string()));
        assert_eq!(store.put(Vec::new()), 0, "no slot was taken");
    }

    /// Copies every leaf's value into a new slot before combining it, as an
    /// executor that sends values to another process does.
    struct Copying;

    impl Exec for Copying {
        fn parallelism(&self) -> usize {
            1
        }

        fn map_reduce<T, L, C>(&self, len: usize, grain: usize, leaf: L, combine: C) -> T
        where
            T: Send,
            L: Fn(Range<usize>) -> T + Sync,
            C: Fn(T, T) -> T + Sync,
        {
            Sequential.map_reduce(len, grain, leaf, combine)
        }

        fn map_reduce_slots(
            &self,
            len: usize,
            grain: usize,
            leaf: &(dyn Fn(Range<usize>) -> usize + Sync),
            combine: &(dyn Fn(usize, usize) -> usize + Sync),
            slots: &dyn Slots,
        ) -> usize {
            assert_eq!(slots.value_type(), TypeId::of::<Vec<u64>>());
            let copy = |i: usize| {
                let mut value = None;
                slots.with_value(i, &mut |p| {
                    // SAFETY: the values are `Vec<u64>`s (checked above).
                    value = Some(unsafe { &*p.cast::<Vec<u64>>() }.clone());
                });
                // SAFETY: on Ok the closure wrote a whole `Vec<u64>`.
                unsafe {
                    slots.put_with(&mut |p| {
                        p.cast::<Vec<u64>>().write(value.take().ok_or("twice")?);
                        Ok(())
                    })
                }
                .expect("the copy is put")
            };
            let mut ranges = crate::chunks(len, grain);
            let first = copy(leaf(ranges.next().unwrap_or(0..0)));
            ranges.fold(first, |acc, r| combine(acc, copy(leaf(r))))
        }

        fn join<A, B, RA, RB>(&self, a: A, b: B) -> (RA, RB)
        where
            A: FnOnce() -> RA + Send,
            B: FnOnce() -> RB + Send,
            RA: Send,
            RB: Send,
        {
            Sequential.join(a, b)
        }
    }

    #[test]
    fn an_erased_reduce_hands_its_slots_to_the_executor() {
        let len = if cfg!(miri) { 40 } else { 1000 };
        let v = Erased(&Copying).map_reduce(
            len,
            7,
            |r| r.map(|i| i as u64).collect::<Vec<_>>(),
            |mut a, b| {
                a.extend(b);
                a
            },
        );
        assert_eq!(v, (0..len as u64).collect::<Vec<u64>>());
    }
}

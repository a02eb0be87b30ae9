//! Parallel sorting on the pool, over `std`'s sequential sorts.
//!
//! Both sorts split the slice about as often as the adaptive strategy
//! would (into about `P` pieces, more where pieces are stolen), sort the
//! pieces with `std`, and put them together:
//!
//! * unstable: a quicksort: one branchless pass partitions around a
//!   ninther pivot (or, when that split is badly unbalanced, as with many
//!   equal items, `select_nth_unstable` at the middle); the two sides sort
//!   in parallel;
//! * stable: a merge sort; the two halves sort in parallel, then `std`'s
//!   stable sort merges them (it finds the two sorted runs and merges them
//!   in one linear pass).
//!
//! On one thread, or below [`SEQUENTIAL_LEN`], both are `std`'s sort.

use std::cmp::Ordering;

use crate::bridge::on_worker;
use crate::join::join_context;
use crate::pool::with_registry;
use crate::registry::WorkerThread;
use crate::strategy::Splitter;

/// Below this many items a slice is sorted sequentially: a split costs a
/// partition or a merge pass, which only pays once both halves take much
/// longer than handing one to another worker (tens of microseconds).
const SEQUENTIAL_LEN: usize = 1 << 14;

/// A side shorter than `1 / UNBALANCED` of the slice makes the partition
/// fall back to `select_nth_unstable`, which splits at the middle whatever
/// the items: an uneven split costs parallelism, never correctness.
const UNBALANCED: usize = 8;

pub(crate) fn unstable<T, F>(v: &mut [T], compare: &F)
where
    T: Send,
    F: Fn(&T, &T) -> Ordering + Sync,
{
    with_registry(|registry| {
        let threads = registry.num_threads();
        if threads == 1 || v.len() <= SEQUENTIAL_LEN {
            v.sort_unstable_by(compare);
            return;
        }
        registry.in_worker(|worker| quick(worker, v, compare, Splitter::new(threads), false));
    });
}

fn quick<T, F>(
    worker: &WorkerThread,
    v: &mut [T],
    compare: &F,
    mut splitter: Splitter,
    migrated: bool,
) where
    T: Send,
    F: Fn(&T, &T) -> Ordering + Sync,
{
    if v.len() <= SEQUENTIAL_LEN || !splitter.try_split(migrated) {
        v.sort_unstable_by(compare);
        return;
    }
    let (left, right) = split_around_pivot(v, compare);
    join_context(
        worker,
        || quick(worker, left, compare, splitter, false),
        |migrated| {
            WorkerThread::with_current(|w| quick(on_worker(w), right, compare, splitter, migrated))
        },
    );
}

/// Partitions `v` into `(smaller, rest)` around a pivot that ends up
/// between them (in neither part), both non-trivial.
fn split_around_pivot<'a, T, F>(v: &'a mut [T], compare: &F) -> (&'a mut [T], &'a mut [T])
where
    F: Fn(&T, &T) -> Ordering,
{
    let len = v.len();
    let pivot = ninther(v, compare);
    v.swap(0, pivot);
    let (pivot, rest) = v.split_first_mut().expect("a slice above the cut-off");
    // Branchless Lomuto: `rest[..store]` is below the pivot and
    // `rest[store..i]` is not; every step swaps, and `store` moves on only
    // when the item was below.
    let mut store = 0;
    for i in 0..rest.len() {
        let below = compare(&rest[i], pivot) == Ordering::Less;
        rest.swap(i, store);
        store += usize::from(below);
    }
    let smaller = store.min(len - 1 - store);
    if smaller * UNBALANCED < len {
        let (left, _, right) = v.select_nth_unstable_by(len / 2, compare);
        return (left, right);
    }
    // Put the pivot between the two parts.
    v.swap(0, store);
    let (left, right) = v.split_at_mut(store);
    (left, &mut right[1..])
}

/// The index of the median of three medians of three, spread over `v`.
fn ninther<T, F>(v: &[T], compare: &F) -> usize
where
    F: Fn(&T, &T) -> Ordering,
{
    let median = |a: usize, b: usize, c: usize| {
        let less = |x: usize, y: usize| compare(&v[x], &v[y]) == Ordering::Less;
        if less(a, b) {
            if less(b, c) {
                b
            } else if less(a, c) {
                c
            } else {
                a
            }
        } else if less(a, c) {
            a
        } else if less(b, c) {
            c
        } else {
            b
        }
    };
    let step = v.len() / 10;
    let at = |k: usize| k * step;
    median(
        median(at(1), at(2), at(3)),
        median(at(4), at(5), at(6)),
        median(at(7), at(8), at(9)),
    )
}

pub(crate) fn stable<T, F>(v: &mut [T], compare: &F)
where
    T: Send,
    F: Fn(&T, &T) -> Ordering + Sync,
{
    with_registry(|registry| {
        let threads = registry.num_threads();
        if threads == 1 || v.len() <= SEQUENTIAL_LEN {
            v.sort_by(compare);
            return;
        }
        registry.in_worker(|worker| merge(worker, v, compare, Splitter::new(threads), false));
    });
}

fn merge<T, F>(
    worker: &WorkerThread,
    v: &mut [T],
    compare: &F,
    mut splitter: Splitter,
    migrated: bool,
) where
    T: Send,
    F: Fn(&T, &T) -> Ordering + Sync,
{
    if v.len() <= SEQUENTIAL_LEN || !splitter.try_split(migrated) {
        v.sort_by(compare);
        return;
    }
    let mid = v.len() / 2;
    let (left, right) = v.split_at_mut(mid);
    join_context(
        worker,
        || merge(worker, left, compare, splitter, false),
        |migrated| {
            WorkerThread::with_current(|w| merge(on_worker(w), right, compare, splitter, migrated))
        },
    );
    if compare(&v[mid - 1], &v[mid]) == Ordering::Greater {
        // Two sorted runs: `sort_by` detects them and merges in one pass.
        v.sort_by(compare);
    }
}

//! Parallel sorting on the pool, over `std`'s sequential sorts.
//!
//! Both sorts split the slice about as often as the adaptive strategy
//! would (into about `P` pieces, more where pieces are stolen), sort the
//! pieces with `std`, and put them together:
//!
//! * unstable: a quicksort whose partition is `select_nth_unstable` at the
//!   middle (balanced halves, no extra memory); the two sides sort in
//!   parallel;
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
    let (left, _, right) = v.select_nth_unstable_by(v.len() / 2, compare);
    join_context(
        worker,
        || quick(worker, left, compare, splitter, false),
        |migrated| {
            WorkerThread::with_current(|w| quick(on_worker(w), right, compare, splitter, migrated))
        },
    );
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

//! How idle workers fall asleep and how new work wakes them, without ever
//! losing a wake-up that liveness depends on.
//!
//! An idle worker first *searches* (steals, spins, yields) for a few rounds,
//! then *sleeps* on its own mutex and condition variable. One atomic word
//! counts searching and sleeping workers; a publisher of work reads it and
//! wakes a sleeper only when nobody is searching, so a busy pool pays one
//! load per `join` and no system call.
//!
//! ## The protocol
//!
//! Sleeper (holding its own `is_blocked` mutex from the check to the wait):
//! 1. `counters += ONE_SLEEPING - ONE_SEARCHING` (an RMW);
//! 2. re-check every queue; if work appeared, undo step 1 and go back;
//! 3. set `is_blocked` and wait on the condition variable.
//!
//! Publisher of an injected job: push, then read the counters with an RMW
//! (`fetch_add(0)`); if someone sleeps and nobody searches, wake one.
//!
//! A waker takes the sleeper's mutex, and only if `is_blocked` is set clears
//! it, moves the worker from sleeping back to searching and signals it.
//!
//! ## Memory ordering
//!
//! The sleeper's step 1 and the publisher's read are read-modify-writes of
//! the same word, so they are totally ordered. If the publisher's comes
//! first, the sleeper's RMW reads from it (release/acquire) and the push
//! happens-before the re-check of step 2, which therefore sees the job. If the
//! sleeper's comes first, the publisher sees the sleeper; it takes the
//! sleeper's mutex, which the sleeper holds until it is waiting, so the
//! signal cannot fall between the check and the wait. A publisher that sees
//! a searcher instead relies on `work_found`: a searcher that finds work
//! wakes up to two sleepers, so some worker always ends up looking.
//!
//! Jobs pushed on a worker's *local* deque (`join`, `scope.spawn` from a
//! worker) are announced with a plain load instead: a wake-up lost there only
//! costs parallelism, never progress, because the owner of a deque always
//! drains it before it sleeps.

#[cfg(test)]
mod test;

use crossbeam_utils::CachePadded;

use crate::latch::CoreLatch;
use crate::sync::{AtomicUsize, Condvar, Mutex, Ordering};

/// Bits of the counter word per half.
const HALF: u32 = usize::BITS / 2;
/// One searching worker (low half of the word).
const ONE_SEARCHING: usize = 1;
/// One sleeping worker (high half of the word).
const ONE_SLEEPING: usize = 1 << HALF;
/// A searcher becomes a sleeper (or back) in one RMW.
const SEARCHING_TO_SLEEPING: usize = ONE_SLEEPING - ONE_SEARCHING;
/// How many sleepers a searcher that finds work wakes.
const WAKE_FAN_OUT: usize = 2;
/// The most workers the packed counters can count.
pub(crate) const MAX_THREADS: usize = 0xFFFF;
const _: () = assert!(MAX_THREADS < ONE_SLEEPING);

#[inline]
fn searching(counters: usize) -> usize {
    counters & (ONE_SLEEPING - 1)
}

#[inline]
fn sleeping(counters: usize) -> usize {
    counters >> HALF
}

/// The sleep state of one worker.
#[derive(Debug)]
struct WorkerSleep {
    /// True while the worker waits on `cond`; cleared by its waker.
    is_blocked: Mutex<bool>,
    cond: Condvar,
}

/// The sleep/wake state of a pool: counters plus one bed per worker.
#[derive(Debug)]
pub(crate) struct Sleep {
    /// `sleeping << HALF | searching`.
    counters: AtomicUsize,
    workers: Box<[CachePadded<WorkerSleep>]>,
}

impl Sleep {
    pub(crate) fn new(threads: usize) -> Self {
        Sleep {
            counters: AtomicUsize::new(0),
            workers: (0..threads)
                .map(|_| {
                    CachePadded::new(WorkerSleep {
                        is_blocked: Mutex::new(false),
                        cond: Condvar::new(),
                    })
                })
                .collect(),
        }
    }

    /// A worker ran out of work and starts searching.
    pub(crate) fn start_looking(&self) {
        self.counters.fetch_add(ONE_SEARCHING, Ordering::SeqCst);
    }

    /// A searching worker stops searching without having found work (its
    /// latch was set).
    pub(crate) fn stop_looking(&self) {
        self.counters.fetch_sub(ONE_SEARCHING, Ordering::SeqCst);
    }

    /// A searching worker found a job. If others sleep, it wakes up to
    /// [`WAKE_FAN_OUT`] of them: where one job was found, more are likely
    /// (a split job's other halves), and they must be seen. Waking two per
    /// find turns the wake-up of an idle pool from a chain (each woken
    /// worker wakes the next: `P` hops of a system call and a reschedule)
    /// into a tree of about `log2 P` hops. `examples/wake_up.rs` measures
    /// it: on the 2-core VM, the last of 16 idle workers started a piece
    /// 116–133 µs after the job came (rayon in the same run: 1.04–1.08x
    /// that), against 429–461 µs (2.5–2.9x rayon) when only the last
    /// searcher woke one sleeper and a push woke one only when nobody
    /// searched.
    pub(crate) fn work_found(&self) {
        let old = self.counters.fetch_sub(ONE_SEARCHING, Ordering::SeqCst);
        if sleeping(old) > 0 {
            self.wake_up_to(WAKE_FAN_OUT);
        }
    }

    /// A job was pushed on a worker's local deque; `piling_up` tells
    /// whether the deque holds more than that job. One load when nobody
    /// sleeps: see the module docs for why a lost wake-up is harmless here.
    /// A sleeper is woken when nobody searches, or when jobs are piling up
    /// faster than the searchers take them, so that a worker splitting a
    /// big job wakes helpers as fast as it makes work for them.
    #[inline]
    pub(crate) fn new_local_job(&self, piling_up: impl FnOnce() -> bool) {
        let counters = self.counters.load(Ordering::SeqCst);
        if sleeping(counters) > 0 && (searching(counters) == 0 || piling_up()) {
            self.wake_any();
        }
    }

    /// Whether any worker is searching or asleep: one relaxed load, the
    /// `join` fast path's whole check for demand. A stale answer only
    /// delays or wastes one promotion of a private half.
    #[inline]
    pub(crate) fn has_idle(&self) -> bool {
        self.counters.load(Ordering::Relaxed) != 0
    }

    /// A job was pushed where only other workers will find it (the
    /// injector): some worker must notice it.
    pub(crate) fn new_injected_job(&self) {
        // An RMW, not a load: it must be ordered against a sleeper's RMW in
        // `sleep` (see "Memory ordering").
        let counters = self.counters.fetch_add(0, Ordering::SeqCst);
        if sleeping(counters) > 0 && searching(counters) == 0 {
            self.wake_any();
        }
    }

    /// Puts worker `index` to sleep until it is woken, unless `latch` gets
    /// set or `has_work` finds work first. The caller is counted as
    /// searching before and after.
    pub(crate) fn sleep(&self, index: usize, latch: &CoreLatch, has_work: impl FnOnce() -> bool) {
        if !latch.get_sleepy() {
            return;
        }
        let bed = &self.workers[index];
        let mut is_blocked = bed.is_blocked.lock().unwrap_or_else(|e| e.into_inner());
        if !latch.fall_asleep() {
            return;
        }
        self.counters
            .fetch_add(SEARCHING_TO_SLEEPING, Ordering::SeqCst);
        if has_work() {
            // Work slipped in after our last search: back to searching.
            self.counters
                .fetch_sub(SEARCHING_TO_SLEEPING, Ordering::SeqCst);
            drop(is_blocked);
            latch.wake_up();
            return;
        }
        *is_blocked = true;
        while *is_blocked {
            is_blocked = bed.cond.wait(is_blocked).unwrap_or_else(|e| e.into_inner());
        }
        drop(is_blocked);
        // Our waker already moved us from sleeping back to searching.
        latch.wake_up();
    }

    /// Wakes one sleeping worker, if there is one; returns whether it did.
    pub(crate) fn wake_any(&self) -> bool {
        self.wake_up_to(1) > 0
    }

    /// Wakes at most `n` blocked workers; returns how many it woke.
    fn wake_up_to(&self, n: usize) -> usize {
        let mut woken = 0;
        for index in 0..self.workers.len() {
            if woken == n {
                break;
            }
            if self.wake_specific(index) {
                woken += 1;
            }
        }
        woken
    }

    /// Wakes worker `index` if it is blocked; returns whether it was.
    pub(crate) fn wake_specific(&self, index: usize) -> bool {
        let bed = &self.workers[index];
        let mut is_blocked = bed.is_blocked.lock().unwrap_or_else(|e| e.into_inner());
        if !*is_blocked {
            return false;
        }
        *is_blocked = false;
        self.counters
            .fetch_sub(SEARCHING_TO_SLEEPING, Ordering::SeqCst);
        bed.cond.notify_one();
        true
    }
}

//! # cvp-decompose — one job, split across cores
//!
//! *Parallelism* divides one large job into independent pieces that run at
//! the same time on several cores. This crate is a work-stealing thread
//! pool built from first principles on `crossbeam-deque` (Chase–Lev deques)
//! and `crossbeam-utils`:
//!
//! * every worker owns a deque; it pushes and pops work at one end while
//!   idle workers **steal** from the other, starting at a random victim;
//! * [`join`] is **work-first** and heartbeat-style: record the second
//!   closure on the worker's private join stack, run the first, run the
//!   second inline if nobody took it (no allocation: the job lives on the
//!   stack, and no atomic read-modify-write on that path). The outermost
//!   joins publish their second half to thieves at once, deeper ones when
//!   a later join sees an idle worker, and all of them before the worker
//!   waits; a worker waiting for a stolen half steals meanwhile instead of
//!   blocking;
//! * [`map_reduce`] cuts an index range by a named [`Strategy`] — `Static`
//!   blocks, `Dynamic` chunks, `Guided` shrinking chunks, or `Adaptive`
//!   recursive halving that splits more only where work is stolen (the
//!   default) — and folds the results in range order, so any associative
//!   `combine` gives the sequential answer;
//! * **parallel iterators** ([`prelude`]): `par_iter`, `par_iter_mut`,
//!   `into_par_iter`, `par_chunks`, `par_chunks_mut` over slices, `Vec`s and
//!   ranges, with `map`, `filter`, `zip`, `enumerate`, ... and `sum`,
//!   `reduce`, `min`/`max`, `any`, `collect`, ..., on the same strategies
//!   (chosen per call with `with_strategy` / `with_grain`); `collect` writes
//!   each item straight into its place in the output;
//! * parallel sorts: `par_sort` (stable merge sort), `par_sort_unstable`
//!   (quicksort), `_by`, `_by_key`;
//! * [`scope`] and [`in_place_scope`] spawn borrowing tasks;
//!   [`Pool::broadcast`] runs a closure on every worker;
//!   [`for_each_chunk_mut`] walks a slice;
//! * [`Pool::spawn_future`] hands CPU work to the pool from async code and
//!   returns a future of its result, for any executor;
//! * [`Builder`] names threads, sets their stack size, and installs start,
//!   exit and panic handlers; `CVP_NUM_THREADS` sizes the global pool;
//! * idle workers **sleep** (no spinning); a panic in any piece reaches the
//!   caller once its siblings finish, and the pool stays usable;
//! * per-worker [`PoolStats`] and an optional [`Trace`] of which worker ran
//!   which chunk when, for timelines.
//!
//! ```
//! use cvp_decompose::{Pool, Strategy};
//!
//! let pool = Pool::new(2)?;
//! // Count primes below 10 000 by trial division: uneven chunks.
//! let is_prime = |n: usize| n >= 2 && (2..).take_while(|d| d * d <= n).all(|d| n % d != 0);
//! let count = pool.map_reduce(0..10_000, Strategy::default(), |r| r.filter(|&n| is_prime(n)).count(), |a, b| a + b);
//! assert_eq!(count, 1229);
//!
//! // The plan of the non-adaptive strategies is plain data.
//! assert_eq!(Strategy::Dynamic { grain: 4 }.plan(10, 2), vec![0..4, 4..8, 8..10]);
//!
//! // Nested parallelism inside the pool.
//! let (a, b) = pool.join(|| cvp_decompose::join(|| 1, || 2), || 3);
//! assert_eq!((a, b), ((1, 2), 3));
//!
//! // Parallel iterators, on this pool (outside `install`: the global one).
//! use cvp_decompose::prelude::*;
//! let squares: Vec<u64> = pool.install(|| (0..1000u64).into_par_iter().map(|x| x * x).collect());
//! assert_eq!(squares[999], 998_001);
//! let mut v: Vec<u32> = (0..5000).rev().collect();
//! pool.install(|| v.par_sort_unstable());
//! assert!(v.windows(2).all(|w| w[0] <= w[1]));
//! # Ok::<(), cvp_decompose::BuildError>(())
//! ```
//!
//! Most users want the facade crate `cvp`, which runs this pool side by side
//! with the other models of the workspace.

mod bridge;
mod broadcast;
mod clock;
mod error;
mod future;
pub mod iter;
mod job;
mod join;
mod latch;
mod map_reduce;
mod pool;
pub mod prelude;
mod registry;
mod scope;
mod sleep;
mod slice;
mod sort;
mod stats;
mod strategy;
mod sync;
mod trace;
mod unwind;

pub use crate::error::BuildError;
pub use crate::future::PoolFuture;
pub use crate::join::join;
pub use crate::map_reduce::{for_each_chunk_mut, map_reduce, IndexRange};
pub use crate::pool::{
    broadcast, current_num_threads, current_thread_index, Builder, Pool, NUM_THREADS_ENV,
};
pub use crate::scope::{in_place_scope, scope, Scope};
pub use crate::slice::{ParallelSlice, ParallelSliceMut};
pub use crate::stats::{PoolStats, WorkerStats};
pub use crate::strategy::{ParseStrategyError, Strategy};
pub use crate::trace::{Trace, TraceEvent};

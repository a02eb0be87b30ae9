//! A deterministic test harness: a test body run under many schedules, in
//! virtual time, each one reproducible from its [`Policy`].

use std::fmt;
use std::future::Future;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::time::Duration;

use crate::runtime::{self, Builder, Policy, Runtime};

/// Runs a test body under many seeded schedules: by default 500 runs,
/// alternating uniformly random scheduling ([`Policy::Random`]) and PCT
/// ([`Policy::Pct`], depth 3), each on a fresh runtime in virtual time.
/// The first run that panics or deadlocks stops the search; its policy is
/// printed with a line that replays it, and returned in a [`Failure`].
///
/// ```
/// use std::cell::Cell;
/// use std::rc::Rc;
/// use cvp_interleave::{check::{self, Check}, spawn, yield_now, Policy};
///
/// // A lost update that FIFO never shows: `a` reads, yields once, writes
/// // back read + 1; `b` yields twice, then adds 1 in one step. Only a
/// // schedule that runs all of `b` between `a`'s read and write loses it.
/// async fn lost_update() {
///     let counter = Rc::new(Cell::new(0));
///     let c = counter.clone();
///     let a = spawn(async move {
///         let read = c.get();
///         yield_now().await;
///         c.set(read + 1);
///     });
///     let c = counter.clone();
///     let b = spawn(async move {
///         yield_now().await;
///         yield_now().await;
///         c.set(c.get() + 1);
///     });
///     a.await.unwrap();
///     b.await.unwrap();
///     assert_eq!(counter.get(), 2, "lost update");
/// }
///
/// assert!(check::replay(Policy::Fifo, lost_update).is_ok());
/// let failure = Check::new().quiet().run(lost_update).unwrap_err();
/// assert!(failure.message.contains("lost update"));
/// // The failing schedule replays exactly.
/// assert_eq!(check::replay(failure.policy, lost_update).unwrap_err(), failure.message);
/// ```
#[derive(Clone, Debug)]
pub struct Check {
    runs: u64,
    first_seed: u64,
    pct_depth: u32,
    quiet: bool,
    time_limit: Duration,
    stall_timeout: Duration,
}

impl Default for Check {
    fn default() -> Check {
        Check {
            runs: 500,
            first_seed: 1,
            pct_depth: 3,
            quiet: false,
            time_limit: Duration::from_secs(3600),
            stall_timeout: Duration::from_secs(10),
        }
    }
}

/// A failing run found by [`Check::run`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Failure {
    /// The schedule that fails: pass it to [`replay`].
    pub policy: Policy,
    /// Which run it was (from 0).
    pub run: u64,
    /// The panic message, or the deadlock report.
    pub message: String,
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "run {} failed under {:?}: {}; replay it with cvp_interleave::check::replay({}, body)",
            self.run,
            self.policy,
            self.message,
            policy_expr(self.policy)
        )
    }
}

impl std::error::Error for Failure {}

fn policy_expr(p: Policy) -> String {
    match p {
        Policy::Fifo => "Policy::Fifo".to_owned(),
        Policy::Random { seed } => format!("Policy::Random {{ seed: {seed} }}"),
        Policy::Pct { seed, depth } => format!("Policy::Pct {{ seed: {seed}, depth: {depth} }}"),
    }
}

impl Check {
    /// The defaults: 500 runs from seed 1, PCT depth 3, failures printed.
    ///
    /// ```
    /// assert!(cvp_interleave::check::Check::new().run(|| async {}).is_ok());
    /// ```
    pub fn new() -> Check {
        Check::default()
    }

    /// How many schedules to try (at least 1).
    ///
    /// ```
    /// let c = cvp_interleave::check::Check::new().runs(10);
    /// assert!(c.run(|| async {}).is_ok());
    /// ```
    pub fn runs(mut self, runs: u64) -> Check {
        self.runs = runs.max(1);
        self
    }

    /// The seed of the first run (run `i` uses `seed + i`).
    ///
    /// ```
    /// let c = cvp_interleave::check::Check::new().seed(1000).runs(2);
    /// assert!(c.run(|| async {}).is_ok());
    /// ```
    pub fn seed(mut self, seed: u64) -> Check {
        self.first_seed = seed;
        self
    }

    /// The bug depth PCT aims at (at least 1).
    ///
    /// ```
    /// let c = cvp_interleave::check::Check::new().pct_depth(2).runs(2);
    /// assert!(c.run(|| async {}).is_ok());
    /// ```
    pub fn pct_depth(mut self, depth: u32) -> Check {
        self.pct_depth = depth.max(1);
        self
    }

    /// Does not print the failing run (it is still returned).
    ///
    /// ```
    /// let _ = cvp_interleave::check::Check::new().quiet();
    /// ```
    pub fn quiet(mut self) -> Check {
        self.quiet = true;
        self
    }

    /// Ends a run whose virtual clock would pass `limit` (default: one
    /// hour) as a failure: its message lists every unfinished task and what
    /// it waits on (see [`Builder::time_limit`](crate::Builder::time_limit)).
    ///
    /// ```
    /// use std::time::Duration;
    /// let f = cvp_interleave::check::Check::new()
    ///     .quiet()
    ///     .time_limit(Duration::from_secs(1))
    ///     .run(|| cvp_interleave::sleep(Duration::from_secs(2)))
    ///     .unwrap_err();
    /// assert!(f.message.contains("waits on a timer due at 2s"), "{f}");
    /// ```
    pub fn time_limit(mut self, limit: Duration) -> Check {
        self.time_limit = limit;
        self
    }

    /// Ends a run in which no task ran for `timeout` of real time (default:
    /// ten seconds; tasks waiting on sockets or on wakers held elsewhere)
    /// as a failure listing every unfinished task and what it waits on (see
    /// [`Builder::stall_timeout`](crate::Builder::stall_timeout)).
    ///
    /// ```
    /// # if cfg!(miri) { return; } // real time: slow under Miri
    /// use std::time::Duration;
    /// let f = cvp_interleave::check::Check::new()
    ///     .quiet()
    ///     .runs(1)
    ///     .stall_timeout(Duration::from_millis(20))
    ///     .run(|| async {
    ///         let (_tx, rx) = futures::channel::oneshot::channel::<()>();
    ///         let _ = rx.await;
    ///     })
    ///     .unwrap_err();
    /// assert!(f.message.contains("waits on a waker held outside this crate"), "{f}");
    /// ```
    pub fn stall_timeout(mut self, timeout: Duration) -> Check {
        self.stall_timeout = timeout;
        self
    }

    /// The policy of run `i`.
    fn policy(&self, i: u64) -> Policy {
        let seed = self.first_seed.wrapping_add(i);
        if i % 2 == 0 {
            Policy::Random { seed }
        } else {
            Policy::Pct {
                seed,
                depth: self.pct_depth,
            }
        }
    }

    fn builder(&self, policy: Policy) -> Builder {
        Runtime::builder()
            .virtual_time(true)
            .policy(policy)
            .time_limit(self.time_limit)
            .stall_timeout(self.stall_timeout)
    }

    /// Runs `body` once under `policy` with this configuration: exactly
    /// the run [`Check::run`] made with that policy.
    ///
    /// ```
    /// use cvp_interleave::{check::Check, Policy};
    /// assert!(Check::new().replay(Policy::Random { seed: 3 }, || async {}).is_ok());
    /// ```
    pub fn replay<F, Fut>(&self, policy: Policy, body: F) -> Result<(), String>
    where
        F: Fn() -> Fut,
        Fut: Future<Output = ()>,
    {
        run_once(self.builder(policy), &body)
    }

    /// Runs `body` under each schedule; the first failure, if any.
    pub fn run<F, Fut>(&self, body: F) -> Result<(), Failure>
    where
        F: Fn() -> Fut,
        Fut: Future<Output = ()>,
    {
        for i in 0..self.runs {
            let policy = self.policy(i);
            if let Err(message) = run_once(self.builder(policy), &body) {
                let failure = Failure {
                    policy,
                    run: i,
                    message,
                };
                if !self.quiet {
                    eprintln!("cvp-interleave check: {failure}");
                }
                return Err(failure);
            }
        }
        Ok(())
    }
}

/// Runs `body` once under `policy`, in virtual time: exactly the run
/// [`Check::run`] made with that policy under the default configuration
/// (see [`Check::replay`] for another).
///
/// ```
/// use cvp_interleave::{check, Policy};
/// assert!(check::replay(Policy::Pct { seed: 3, depth: 2 }, || async {}).is_ok());
/// ```
pub fn replay<F, Fut>(policy: Policy, body: F) -> Result<(), String>
where
    F: Fn() -> Fut,
    Fut: Future<Output = ()>,
{
    Check::new().replay(policy, body)
}

fn run_once<F, Fut>(builder: Builder, body: &F) -> Result<(), String>
where
    F: Fn() -> Fut,
    Fut: Future<Output = ()>,
{
    let rt = builder.build();
    let out = catch_unwind(AssertUnwindSafe(|| rt.block_on(body())));
    match out {
        Ok(Ok(())) => Ok(()),
        Ok(Err(e)) => Err(e.to_string()),
        Err(p) => Err(p
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| p.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "panic with a non-string payload".to_owned())),
    }
}

/// Stops the current runtime's virtual clock from moving by itself: from
/// now on it moves only by [`advance`], until [`resume`]. While it is
/// paused and nothing else can happen (no task runnable, no socket
/// awaited, no waker held elsewhere), tasks waiting on timers can never be
/// woken, and `block_on` reports an [`Error::Deadlock`](crate::Error::Deadlock)
/// naming their timers.
///
/// # Panics
/// Outside `block_on`, or on a runtime in real time.
///
/// ```
/// use std::time::Duration;
/// use cvp_interleave::{check, sleep, spawn, Error, Instant, Runtime, WaitsOn};
/// let rt = Runtime::builder().virtual_time(true).build();
/// let err = rt
///     .block_on(async {
///         check::pause();
///         spawn(sleep(Duration::from_secs(1))).await.unwrap();
///     })
///     .unwrap_err();
/// let Error::Deadlock { stuck } = err else { panic!("{err}") };
/// assert!(matches!(stuck[1].waits_on, WaitsOn::Timer { due } if due.as_duration() == Duration::from_secs(1)));
/// ```
pub fn pause() {
    with_virtual_clock("pause", |local| local.clock.set_paused(true));
}

/// Lets the current runtime's virtual clock move by itself again (to the
/// next timer whenever nothing is runnable), after [`pause`].
///
/// # Panics
/// Outside `block_on`, or on a runtime in real time.
///
/// ```
/// use std::time::Duration;
/// let rt = cvp_interleave::Runtime::builder().virtual_time(true).build();
/// rt.block_on(async {
///     cvp_interleave::check::pause();
///     cvp_interleave::check::resume();
///     cvp_interleave::sleep(Duration::from_secs(1)).await;
/// })
/// .unwrap();
/// ```
pub fn resume() {
    with_virtual_clock("resume", |local| local.clock.set_paused(false));
}

/// Whether the current runtime's virtual clock is paused.
///
/// # Panics
/// Outside `block_on`.
///
/// ```
/// let rt = cvp_interleave::Runtime::builder().virtual_time(true).build();
/// rt.block_on(async {
///     assert!(!cvp_interleave::check::is_paused());
///     cvp_interleave::check::pause();
///     assert!(cvp_interleave::check::is_paused());
/// })
/// .unwrap();
/// ```
pub fn is_paused() -> bool {
    runtime::with_current(|local| local.clock.is_paused())
        .expect("cvp-interleave: is_paused must be called inside Runtime::block_on")
}

fn with_virtual_clock<R>(what: &str, f: impl FnOnce(&runtime::Local) -> R) -> R {
    runtime::with_current(|local| {
        assert!(
            local.clock.is_virtual(),
            "cvp-interleave: {what} needs a runtime in virtual time"
        );
        f(local)
    })
    .unwrap_or_else(|| panic!("cvp-interleave: {what} must be called inside Runtime::block_on"))
}

/// Moves the current runtime's virtual clock forward by `d`, paused or
/// not, firing the timers that fall due in deadline order: the clock
/// stops at each deadline, and the tasks it wakes run (up to their next
/// wait) before it moves on, so a task woken at `t` sees `t` as the time,
/// and a timer it arms that falls due before the end fires too. Returns
/// when the clock shows `now + d` and every task woken on the way has run.
///
/// A task that never stops being runnable (it yields in a loop) keeps
/// `advance` from returning.
///
/// # Panics
/// Outside `block_on`, or on a runtime in real time.
///
/// ```
/// use std::cell::RefCell;
/// use std::rc::Rc;
/// use std::time::Duration;
/// use cvp_interleave::{check, sleep, spawn, Instant, Runtime};
/// let rt = Runtime::builder().virtual_time(true).build();
/// rt.block_on(async {
///     check::pause();
///     let seen = Rc::new(RefCell::new(Vec::new()));
///     for ms in [30u64, 10, 20] {
///         let seen = seen.clone();
///         spawn(async move {
///             sleep(Duration::from_millis(ms)).await;
///             seen.borrow_mut().push(Instant::now().as_duration().as_millis());
///         });
///     }
///     cvp_interleave::yield_now().await; // the sleeps are armed
///     check::advance(Duration::from_millis(25)).await;
///     assert_eq!(*seen.borrow(), [10, 20]); // in order, each at its deadline
///     assert_eq!(Instant::now().as_duration(), Duration::from_millis(25));
///     check::advance(Duration::from_millis(5)).await;
///     assert_eq!(*seen.borrow(), [10, 20, 30]);
/// })
/// .unwrap();
/// ```
pub async fn advance(d: Duration) {
    let target = with_virtual_clock("advance", |local| {
        local
            .clock
            .now_nanos()
            .saturating_add(u64::try_from(d.as_nanos()).unwrap_or(u64::MAX))
    });
    loop {
        settle().await;
        let stepped = with_virtual_clock("advance", |local| {
            let next = local.timers.borrow_mut().next_deadline();
            match next {
                Some(t) if t <= target => {
                    local.clock.advance_to(t);
                    local.fire_timers();
                    true
                }
                _ => {
                    local.clock.advance_to(target);
                    false
                }
            }
        });
        if !stepped {
            return;
        }
    }
}

/// Ready once no task but the caller is runnable.
async fn settle() {
    std::future::poll_fn(|cx| {
        if runtime::with_current(|local| local.ready_is_empty()).unwrap_or(true) {
            std::task::Poll::Ready(())
        } else {
            cx.waker().wake_by_ref();
            std::task::Poll::Pending
        }
    })
    .await
}

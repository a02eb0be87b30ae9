//! A deterministic test harness: a test body run under many schedules, in
//! virtual time, each one reproducible from its [`Policy`].

use std::fmt;
use std::future::Future;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::time::Duration;

use crate::runtime::{self, Policy, Runtime};

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
}

impl Default for Check {
    fn default() -> Check {
        Check {
            runs: 500,
            first_seed: 1,
            pct_depth: 3,
            quiet: false,
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

    /// Runs `body` under each schedule; the first failure, if any.
    pub fn run<F, Fut>(&self, body: F) -> Result<(), Failure>
    where
        F: Fn() -> Fut,
        Fut: Future<Output = ()>,
    {
        for i in 0..self.runs {
            let policy = self.policy(i);
            if let Err(message) = run_once(policy, &body) {
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
/// [`Check::run`] made with that policy.
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
    run_once(policy, &body)
}

fn run_once<F, Fut>(policy: Policy, body: &F) -> Result<(), String>
where
    F: Fn() -> Fut,
    Fut: Future<Output = ()>,
{
    let rt = Runtime::builder().virtual_time(true).policy(policy).build();
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

/// Moves the current runtime's virtual clock forward by `d` and fires the
/// timers that fall due (their tasks run at the next scheduling step). Time
/// in a virtual runtime otherwise moves only when nothing else can run.
///
/// # Panics
/// Outside `block_on`, or on a runtime in real time.
///
/// ```
/// use std::time::Duration;
/// let rt = cvp_interleave::Runtime::builder().virtual_time(true).build();
/// rt.block_on(async {
///     let t0 = cvp_interleave::Instant::now();
///     cvp_interleave::check::advance(Duration::from_secs(5));
///     assert_eq!(t0.elapsed(), Duration::from_secs(5));
/// })
/// .unwrap();
/// ```
pub fn advance(d: Duration) {
    runtime::with_current(|local| {
        assert!(
            local.clock.is_virtual(),
            "cvp-interleave: advance needs a runtime in virtual time"
        );
        let now = local.clock.now_nanos();
        local
            .clock
            .advance_to(now.saturating_add(u64::try_from(d.as_nanos()).unwrap_or(u64::MAX)));
        local.fire_timers();
    })
    .expect("cvp-interleave: advance must be called inside Runtime::block_on");
}

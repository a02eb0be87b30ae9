//! Time: the runtime clock (real or virtual), a timer heap, and the futures
//! built on it ([`Sleep`], [`timeout`], [`Interval`]).
//!
//! Timers live in a binary heap keyed by `(deadline, sequence)`: a shorter
//! deadline always fires first, and equal deadlines fire in the order they
//! were armed. A cancelled timer frees its slot at once and leaves a stale
//! heap entry that is skipped when it surfaces; when stale entries outnumber
//! the live ones (a long timer at the front keeps every later one from
//! surfacing), the queues are compacted, so they hold at most about twice
//! the live timers. Arming is `O(log n)` (and `O(1)` for the common case of
//! deadlines armed in increasing order), amortised over the compactions;
//! firing is `O(log n)` per timer.

use std::cell::Cell;
use std::cmp::Reverse;
use std::collections::{BinaryHeap, VecDeque};
use std::fmt;
use std::future::Future;
use std::ops::{Add, Sub};
use std::pin::{pin, Pin};
use std::rc::Rc;
use std::task::{Context, Poll, Waker};
use std::time::Duration;

use crate::runtime::{self, Local};

/// The runtime's clock.
pub(crate) struct Clock {
    pub(crate) start: std::time::Instant,
    /// `Some(now)` in virtual time.
    virt: Option<Cell<u64>>,
    /// Real time read once per scheduler tick ([`Clock::tick`]): what
    /// [`sleep`] measures from, so that creating a sleep costs no clock
    /// read.
    ticked: Cell<u64>,
    /// Virtual time only moves by hand ([`crate::check::pause`]).
    paused: Cell<bool>,
}

impl Clock {
    pub(crate) fn new(virtual_time: bool) -> Clock {
        Clock {
            start: std::time::Instant::now(),
            virt: virtual_time.then(|| Cell::new(0)),
            ticked: Cell::new(0),
            paused: Cell::new(false),
        }
    }

    /// Reads the real clock for this scheduler tick.
    #[inline]
    pub(crate) fn tick(&self) {
        if self.virt.is_none() {
            self.ticked.set(self.start.elapsed().as_nanos() as u64);
        }
    }

    /// The time at the start of this scheduler tick (virtual time: now).
    #[inline]
    pub(crate) fn tick_nanos(&self) -> u64 {
        match &self.virt {
            Some(v) => v.get(),
            None => self.ticked.get(),
        }
    }

    pub(crate) fn is_virtual(&self) -> bool {
        self.virt.is_some()
    }

    /// Whether virtual time stopped moving by itself.
    pub(crate) fn is_paused(&self) -> bool {
        self.paused.get()
    }

    pub(crate) fn set_paused(&self, on: bool) {
        self.paused.set(on);
    }

    #[inline]
    pub(crate) fn now_nanos(&self) -> u64 {
        match &self.virt {
            Some(v) => v.get(),
            None => self.start.elapsed().as_nanos() as u64,
        }
    }

    pub(crate) fn advance_to(&self, t: u64) {
        if let Some(v) = &self.virt {
            if t > v.get() {
                v.set(t);
            }
        }
    }
}

/// A point on a runtime's clock: the time since the runtime was built (real
/// or virtual). Instants of different runtimes are not comparable.
///
/// ```
/// use std::time::Duration;
/// use cvp_interleave::{Instant, Runtime};
/// let rt = Runtime::builder().virtual_time(true).build();
/// rt.block_on(async {
///     let t0 = Instant::now();
///     cvp_interleave::sleep(Duration::from_millis(5)).await;
///     assert_eq!(Instant::now() - t0, Duration::from_millis(5));
///     assert_eq!(t0.elapsed(), Duration::from_millis(5));
/// })
/// .unwrap();
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Instant(pub(crate) u64);

impl Instant {
    /// The current runtime's clock.
    ///
    /// # Panics
    /// Outside [`Runtime::block_on`](crate::Runtime::block_on).
    ///
    /// ```
    /// let rt = cvp_interleave::Runtime::new();
    /// rt.block_on(async { cvp_interleave::Instant::now() }).unwrap();
    /// ```
    pub fn now() -> Instant {
        Instant(local().clock.now_nanos())
    }

    /// Time since the runtime was built.
    ///
    /// ```
    /// let rt = cvp_interleave::Runtime::builder().virtual_time(true).build();
    /// assert_eq!(rt.now().as_duration(), std::time::Duration::ZERO);
    /// ```
    pub fn as_duration(self) -> Duration {
        Duration::from_nanos(self.0)
    }

    /// Time from `earlier` to `self`, zero if `earlier` is later.
    ///
    /// ```
    /// use std::time::Duration;
    /// let rt = cvp_interleave::Runtime::builder().virtual_time(true).build();
    /// let t = rt.now();
    /// assert_eq!((t + Duration::from_secs(1)).duration_since(t), Duration::from_secs(1));
    /// assert_eq!(t.duration_since(t + Duration::from_secs(1)), Duration::ZERO);
    /// ```
    pub fn duration_since(self, earlier: Instant) -> Duration {
        Duration::from_nanos(self.0.saturating_sub(earlier.0))
    }

    /// Time since `self` on the current runtime's clock.
    ///
    /// # Panics
    /// Outside [`Runtime::block_on`](crate::Runtime::block_on).
    ///
    /// ```
    /// let rt = cvp_interleave::Runtime::new();
    /// rt.block_on(async { cvp_interleave::Instant::now().elapsed() }).unwrap();
    /// ```
    pub fn elapsed(self) -> Duration {
        Instant::now().duration_since(self)
    }
}

impl Add<Duration> for Instant {
    type Output = Instant;
    fn add(self, d: Duration) -> Instant {
        Instant(self.0.saturating_add(duration_nanos(d)))
    }
}

impl Sub<Instant> for Instant {
    type Output = Duration;
    fn sub(self, other: Instant) -> Duration {
        self.duration_since(other)
    }
}

fn duration_nanos(d: Duration) -> u64 {
    u64::try_from(d.as_nanos()).unwrap_or(u64::MAX)
}

fn local() -> Rc<Local> {
    runtime::current().expect("cvp-interleave: timers need a runtime (inside Runtime::block_on)")
}

#[derive(Default)]
struct Slot {
    /// The sequence number of the timer holding the slot (0: free).
    seq: u64,
    waker: Option<Waker>,
    fired: bool,
}

/// Queue entries below which stale ones are left to surface by themselves.
const COMPACT_MIN: usize = 1024;

/// Armed timers of one runtime.
///
/// Timers armed in deadline order (the common case: many sleeps of the same
/// length) go to `run`, a sorted queue with `O(1)` push and pop; the others
/// go to the heap. The next timer is the earlier of the two fronts.
#[derive(Default)]
pub(crate) struct Timers {
    run: VecDeque<(u64, u64, u32)>,
    heap: BinaryHeap<Reverse<(u64, u64, u32)>>,
    slots: Vec<Slot>,
    free: Vec<u32>,
    next_seq: u64,
    /// Armed timers that have not fired.
    live: usize,
}

impl Timers {
    pub(crate) fn live(&self) -> usize {
        self.live
    }

    fn arm(&mut self, deadline: u64, waker: Waker) -> (u32, u64) {
        self.next_seq += 1;
        let seq = self.next_seq;
        let slot = match self.free.pop() {
            Some(s) => s,
            None => {
                self.slots.push(Slot::default());
                (self.slots.len() - 1) as u32
            }
        };
        self.slots[slot as usize] = Slot {
            seq,
            waker: Some(waker),
            fired: false,
        };
        let key = (deadline, seq, slot);
        if self.run.len() + self.heap.len() >= COMPACT_MIN.max(2 * self.live) {
            self.compact();
        }
        match self.run.back() {
            Some(&back) if back > key => self.heap.push(Reverse(key)),
            _ => self.run.push_back(key),
        }
        self.live += 1;
        (slot, seq)
    }

    /// Drops the stale entries of both queues (each at least half of them
    /// when called from [`Timers::arm`], so the cost is amortised).
    fn compact(&mut self) {
        let slots = &self.slots;
        let live = |&(_, seq, slot): &(u64, u64, u32)| {
            let s = &slots[slot as usize];
            s.seq == seq && !s.fired
        };
        self.run.retain(live);
        self.heap.retain(|Reverse(k)| live(k));
    }

    /// Entries in the queues, stale or live (for tests).
    #[cfg(test)]
    pub(crate) fn queued(&self) -> usize {
        self.run.len() + self.heap.len()
    }

    /// Releases a slot; `true` when its timer had fired.
    fn release(&mut self, slot: u32, seq: u64) -> bool {
        let s = &mut self.slots[slot as usize];
        debug_assert_eq!(s.seq, seq);
        let fired = s.fired;
        if !fired {
            self.live -= 1;
        }
        *s = Slot::default();
        self.free.push(slot);
        fired
    }

    fn fired(&self, slot: u32) -> bool {
        self.slots[slot as usize].fired
    }

    fn update_waker(&mut self, slot: u32, waker: &Waker) {
        let s = &mut self.slots[slot as usize];
        match &s.waker {
            Some(w) if w.will_wake(waker) => {}
            _ => s.waker = Some(waker.clone()),
        }
    }

    /// The earliest entry of the two queues (stale or not), and whether it
    /// sits in `run`.
    fn front(&self) -> Option<((u64, u64, u32), bool)> {
        match (self.run.front(), self.heap.peek()) {
            (Some(&r), Some(&Reverse(h))) => Some(if r <= h { (r, true) } else { (h, false) }),
            (Some(&r), None) => Some((r, true)),
            (None, Some(&Reverse(h))) => Some((h, false)),
            (None, None) => None,
        }
    }

    fn pop_front(&mut self, from_run: bool) {
        if from_run {
            self.run.pop_front();
        } else {
            self.heap.pop();
        }
    }

    /// Skips stale entries; the earliest live deadline.
    pub(crate) fn next_deadline(&mut self) -> Option<u64> {
        while let Some(((deadline, seq, slot), from_run)) = self.front() {
            let s = &self.slots[slot as usize];
            if s.seq == seq && !s.fired {
                return Some(deadline);
            }
            self.pop_front(from_run);
        }
        None
    }

    /// Every armed timer that has not fired, with its deadline and waker
    /// (for reports; in no particular order).
    pub(crate) fn armed(&self) -> Vec<(u64, &Waker)> {
        let heap = self.heap.iter().map(|Reverse(k)| k);
        self.run
            .iter()
            .chain(heap)
            .filter_map(|&(deadline, seq, slot)| {
                let s = &self.slots[slot as usize];
                match &s.waker {
                    Some(w) if s.seq == seq && !s.fired => Some((deadline, w)),
                    _ => None,
                }
            })
            .collect()
    }

    /// Marks every timer due at `now` as fired and appends their wakers to
    /// `out`, in deadline order.
    pub(crate) fn expired(&mut self, now: u64, out: &mut Vec<Waker>) {
        while let Some(((deadline, seq, slot), from_run)) = self.front() {
            if deadline > now {
                break;
            }
            self.pop_front(from_run);
            let s = &mut self.slots[slot as usize];
            if s.seq == seq && !s.fired {
                s.fired = true;
                self.live -= 1;
                if let Some(w) = s.waker.take() {
                    out.push(w);
                }
            }
        }
    }
}

/// A future that completes at a deadline (see [`sleep`]).
///
/// ```
/// use std::time::Duration;
/// let rt = cvp_interleave::Runtime::builder().virtual_time(true).build();
/// rt.block_on(async {
///     let s: cvp_interleave::Sleep = cvp_interleave::sleep(Duration::from_millis(1));
///     assert_eq!(s.deadline().as_duration(), Duration::from_millis(1));
///     s.await;
/// })
/// .unwrap();
/// ```
#[must_use = "futures do nothing unless awaited"]
pub struct Sleep {
    /// The id of the runtime the sleep belongs to; `0` when created outside
    /// a runtime: bound at the first poll. The sleep holds no pointer to the
    /// runtime (it reaches it through the thread's current runtime), so it
    /// is `Send + Sync`, as hyper's timers require.
    runtime: u64,
    deadline: u64,
    /// The timer's sequence number while armed (0: not armed); its slot is
    /// `slot`. (Two fields, not an `Option` of a pair: a sleep is often a
    /// whole task's future, and 32 bytes make a smaller task.)
    seq: u64,
    slot: u32,
    /// `deadline` is a duration still to be added to the clock at the first
    /// poll (created outside a runtime).
    relative: bool,
}

impl fmt::Debug for Sleep {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Sleep")
            .field("deadline", &Duration::from_nanos(self.deadline))
            .finish()
    }
}

impl Sleep {
    fn new(runtime: u64, deadline: u64, relative: bool) -> Sleep {
        Sleep {
            runtime,
            deadline,
            seq: 0,
            slot: 0,
            relative,
        }
    }

    /// `(slot, seq)` while armed.
    fn armed(&self) -> Option<(u32, u64)> {
        (self.seq != 0).then_some((self.slot, self.seq))
    }

    /// Binds to `local` (first poll of a sleep made outside a runtime), or
    /// checks that `local` is the runtime it belongs to.
    fn bind(&mut self, local: &Local) {
        if self.runtime == 0 {
            if self.relative {
                self.relative = false;
                self.deadline = local.clock.now_nanos().saturating_add(self.deadline);
            }
            self.runtime = local.id;
        }
        assert!(
            self.runtime == local.id,
            "cvp-interleave: a Sleep was polled on another runtime than its own"
        );
    }

    /// When it completes.
    ///
    /// ```
    /// use std::time::Duration;
    /// let rt = cvp_interleave::Runtime::builder().virtual_time(true).build();
    /// let d = rt.block_on(async { cvp_interleave::sleep(Duration::from_secs(2)).deadline() });
    /// assert_eq!(d.unwrap().as_duration(), Duration::from_secs(2));
    /// ```
    pub fn deadline(&self) -> Instant {
        Instant(self.deadline)
    }

    /// Moves the deadline (the sleep can be awaited again).
    ///
    /// ```
    /// use std::time::Duration;
    /// let rt = cvp_interleave::Runtime::builder().virtual_time(true).build();
    /// rt.block_on(async {
    ///     let mut s = cvp_interleave::sleep(Duration::from_secs(1));
    ///     s.reset(cvp_interleave::Instant::now() + Duration::from_secs(5));
    ///     (&mut s).await;
    ///     assert_eq!(cvp_interleave::Instant::now().as_duration(), Duration::from_secs(5));
    /// })
    /// .unwrap();
    /// ```
    pub fn reset(&mut self, deadline: Instant) {
        self.disarm();
        self.relative = false;
        self.deadline = deadline.0;
    }

    /// Releases the timer slot. A sleep dropped on another thread (or after
    /// its runtime) cannot reach the timers: its slot then stays until the
    /// runtime is dropped (its deadline wakes the task once, harmlessly).
    fn disarm(&mut self) {
        let Some((slot, seq)) = self.armed() else {
            return;
        };
        self.seq = 0;
        let runtime = self.runtime;
        runtime::with_current(|local| {
            if local.id == runtime {
                local.timers.borrow_mut().release(slot, seq);
            }
        });
    }
}

impl Future for Sleep {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let this = &mut *self;
        runtime::with_current(|local| {
            this.bind(local);
            let mut timers = local.timers.borrow_mut();
            match this.armed() {
                Some((slot, seq)) => {
                    if timers.fired(slot) {
                        timers.release(slot, seq);
                        this.seq = 0;
                        return Poll::Ready(());
                    }
                    timers.update_waker(slot, cx.waker());
                    Poll::Pending
                }
                None => {
                    // No clock read here: even a deadline that already passed
                    // goes through the timer queue, so timers started together
                    // always complete in deadline order.
                    (this.slot, this.seq) = timers.arm(this.deadline, cx.waker().clone());
                    Poll::Pending
                }
            }
        })
        .expect("cvp-interleave: timers need a runtime (inside Runtime::block_on)")
    }
}

impl Drop for Sleep {
    fn drop(&mut self) {
        self.disarm();
    }
}

/// Sleeps for `duration` on the runtime's clock, from the start of the
/// current scheduler tick (the clock is read once per tick, before up to 61
/// task polls, as tokio's time driver does; a task that computed for a long
/// time within the tick sleeps that much less), or, when called outside a
/// runtime, from its first poll.
///
/// # Panics
/// When polled outside [`Runtime::block_on`](crate::Runtime::block_on).
///
/// ```
/// use std::time::Duration;
/// let rt = cvp_interleave::Runtime::new();
/// rt.block_on(cvp_interleave::sleep(Duration::from_millis(1))).unwrap();
/// ```
pub fn sleep(duration: Duration) -> Sleep {
    let d = duration_nanos(duration);
    match runtime::with_current(|l| (l.id, l.clock.tick_nanos())) {
        Some((id, now)) => Sleep::new(id, now.saturating_add(d), false),
        None => Sleep::new(0, d, true),
    }
}

/// A sleep until the [`std::time::Instant`] `deadline`, `round`ed, on the
/// current runtime's real clock with no clock read; `None` outside a
/// runtime or in virtual time.
#[cfg(feature = "hyper")]
pub(crate) fn sleep_until_std(
    deadline: std::time::Instant,
    round: impl FnOnce(Duration) -> Duration,
) -> Option<Sleep> {
    runtime::with_current(|l| {
        if l.clock.is_virtual() {
            return None;
        }
        Some(Sleep::new(l.id, std_nanos(l, deadline, round), false))
    })
    .flatten()
}

/// The [`std::time::Instant`] `deadline`, `round`ed, on `l`'s real clock.
#[cfg(feature = "hyper")]
fn std_nanos(
    l: &Local,
    deadline: std::time::Instant,
    round: impl FnOnce(Duration) -> Duration,
) -> u64 {
    duration_nanos(round(deadline.saturating_duration_since(l.clock.start)))
}

/// Moves `sleep` to the [`std::time::Instant`] `deadline`, `round`ed, in
/// place; `false` (nothing done) outside a runtime, in virtual time, or when
/// `sleep` belongs to another runtime.
#[cfg(feature = "hyper")]
pub(crate) fn reset_to_std(
    sleep: &mut Sleep,
    deadline: std::time::Instant,
    round: impl FnOnce(Duration) -> Duration,
) -> bool {
    runtime::with_current(|l| {
        if l.clock.is_virtual() || (sleep.runtime != 0 && sleep.runtime != l.id) {
            return false;
        }
        sleep.reset(Instant(std_nanos(l, deadline, round)));
        sleep.runtime = l.id;
        true
    })
    .unwrap_or(false)
}

/// The current runtime's real clock at the start of this scheduler tick,
/// as a [`std::time::Instant`] (no clock read); `None` outside a runtime or
/// in virtual time.
#[cfg(feature = "hyper")]
pub(crate) fn tick_std() -> Option<std::time::Instant> {
    runtime::with_current(|l| {
        (!l.clock.is_virtual()).then(|| l.clock.start + Duration::from_nanos(l.clock.tick_nanos()))
    })
    .flatten()
}

/// Sleeps until `deadline` on the runtime's clock.
///
/// # Panics
/// When polled outside [`Runtime::block_on`](crate::Runtime::block_on).
///
/// ```
/// use std::time::Duration;
/// use cvp_interleave::Instant;
/// let rt = cvp_interleave::Runtime::builder().virtual_time(true).build();
/// rt.block_on(async {
///     cvp_interleave::sleep_until(Instant::now() + Duration::from_millis(3)).await;
///     assert_eq!(Instant::now().as_duration(), Duration::from_millis(3));
/// })
/// .unwrap();
/// ```
pub fn sleep_until(deadline: Instant) -> Sleep {
    Sleep::new(
        runtime::with_current(|l| l.id).unwrap_or(0),
        deadline.0,
        false,
    )
}

/// The error of [`timeout`]: the deadline passed first.
///
/// ```
/// let e = cvp_interleave::Elapsed::default();
/// assert_eq!(e.to_string(), "deadline elapsed");
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Elapsed(());

impl fmt::Display for Elapsed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("deadline elapsed")
    }
}

impl std::error::Error for Elapsed {}

/// Runs `fut` for at most `duration`: its output, or [`Elapsed`]. The clock
/// starts when `timeout` is called; `fut` is dropped when time runs out.
///
/// # Panics
/// When polled outside [`Runtime::block_on`](crate::Runtime::block_on).
///
/// ```
/// use std::time::Duration;
/// use cvp_interleave::{sleep, timeout};
/// let rt = cvp_interleave::Runtime::builder().virtual_time(true).build();
/// rt.block_on(async {
///     assert_eq!(timeout(Duration::from_secs(1), async { 7 }).await, Ok(7));
///     let slow = sleep(Duration::from_secs(9));
///     assert!(timeout(Duration::from_secs(1), slow).await.is_err());
/// })
/// .unwrap();
/// ```
pub fn timeout<F: Future>(
    duration: Duration,
    fut: F,
) -> impl Future<Output = Result<F::Output, Elapsed>> {
    let mut deadline = sleep(duration);
    async move {
        let mut fut = pin!(fut);
        std::future::poll_fn(|cx| {
            if let Poll::Ready(v) = fut.as_mut().poll(cx) {
                return Poll::Ready(Ok(v));
            }
            match Pin::new(&mut deadline).poll(cx) {
                Poll::Ready(()) => Poll::Ready(Err(Elapsed(()))),
                Poll::Pending => Poll::Pending,
            }
        })
        .await
    }
}

/// Ticks every `period` (see [`interval`]).
///
/// ```
/// use std::time::Duration;
/// let rt = cvp_interleave::Runtime::builder().virtual_time(true).build();
/// rt.block_on(async {
///     let mut iv: cvp_interleave::Interval = cvp_interleave::interval(Duration::from_millis(10));
///     iv.tick().await;
///     assert_eq!(iv.period(), Duration::from_millis(10));
/// })
/// .unwrap();
/// ```
#[derive(Debug)]
pub struct Interval {
    sleep: Sleep,
    period: u64,
}

/// An [`Interval`] whose first tick completes at once and the following ones
/// every `period` after it. A tick that comes late does not make later ticks
/// bunch up: the next one is a full period after the late one.
///
/// # Panics
/// When `period` is zero, or outside [`Runtime::block_on`](crate::Runtime::block_on).
///
/// ```
/// use std::time::Duration;
/// use cvp_interleave::Instant;
/// let rt = cvp_interleave::Runtime::builder().virtual_time(true).build();
/// rt.block_on(async {
///     let mut iv = cvp_interleave::interval(Duration::from_millis(10));
///     let t0 = iv.tick().await;
///     let t1 = iv.tick().await;
///     let t2 = iv.tick().await;
///     assert_eq!((t1 - t0, t2 - t0), (Duration::from_millis(10), Duration::from_millis(20)));
/// })
/// .unwrap();
/// ```
pub fn interval(period: Duration) -> Interval {
    assert!(!period.is_zero(), "interval period must be positive");
    let local = local();
    let now = local.clock.now_nanos();
    Interval {
        sleep: Sleep::new(local.id, now, false),
        period: duration_nanos(period),
    }
}

impl Interval {
    /// Waits for the next tick and returns when it was due.
    ///
    /// ```
    /// use std::time::Duration;
    /// let rt = cvp_interleave::Runtime::builder().virtual_time(true).build();
    /// rt.block_on(async {
    ///     let mut iv = cvp_interleave::interval(Duration::from_secs(1));
    ///     assert_eq!(iv.tick().await.as_duration(), Duration::ZERO);
    /// })
    /// .unwrap();
    /// ```
    pub async fn tick(&mut self) -> Instant {
        (&mut self.sleep).await;
        let due = self.sleep.deadline;
        let now = local().clock.now_nanos();
        let on_time = due.saturating_add(self.period);
        let next = if on_time >= now {
            on_time
        } else {
            now.saturating_add(self.period)
        };
        self.sleep.reset(Instant(next));
        Instant(due)
    }

    /// The period.
    ///
    /// ```
    /// use std::time::Duration;
    /// let rt = cvp_interleave::Runtime::new();
    /// rt.block_on(async {
    ///     assert_eq!(cvp_interleave::interval(Duration::from_secs(2)).period(), Duration::from_secs(2));
    /// })
    /// .unwrap();
    /// ```
    pub fn period(&self) -> Duration {
        Duration::from_nanos(self.period)
    }
}

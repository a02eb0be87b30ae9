//! The adaptive probe's clock: cheap timestamps in units of its own, with
//! the sequential cut-off expressed in the same units.
//!
//! On x86-64 with an invariant time-stamp counter (constant rate, running
//! in every power state: CPUID leaf `0x8000_0007`, EDX bit 8) a timestamp
//! is one `rdtsc`, a few nanoseconds, where `Instant::now` costs tens of
//! nanoseconds on a virtual machine: on a job of 1,000 trivial items the
//! two reads around the probe were a third of the guard's whole cost. The
//! counter's rate is learnt from `Instant` without waiting: the first probe
//! records both clocks, and the first probe at least [`CALIBRATION`] later
//! divides one span by the other. Until then, and wherever there is no
//! such counter (other architectures, Miri), the units are nanoseconds
//! read from `Instant`.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

use crate::bridge::SEQUENTIAL_CUTOFF;

/// How long the two clocks must have run side by side before the counter's
/// rate is taken from them: long enough that `Instant`'s resolution and a
/// preemption between the two reads are each well under a percent.
const CALIBRATION: Duration = Duration::from_millis(2);

/// The cut-off in counter ticks once calibrated; 0 before, and for good
/// where there is no usable counter.
static CUTOFF_TICKS: AtomicU64 = AtomicU64::new(0);

/// Calibration's state, taken only on the cold path.
static CALIBRATION_STATE: Mutex<Calibration> = Mutex::new(Calibration::Unknown);

enum Calibration {
    /// Not asked yet whether there is an invariant counter.
    Unknown,
    /// Both clocks read at one moment: counter ticks, nanoseconds since
    /// [`epoch`].
    From { ticks: u64, ns: u64 },
    /// Calibrated, or no usable counter: nothing more to do.
    Done,
}

/// The instant nanosecond timestamps count from.
fn epoch() -> Instant {
    static EPOCH: OnceLock<Instant> = OnceLock::new();
    *EPOCH.get_or_init(Instant::now)
}

fn nanos_since_epoch() -> u64 {
    u64::try_from(epoch().elapsed().as_nanos()).unwrap_or(u64::MAX)
}

/// Both clocks at one moment, or `None` when the thread was held up
/// between the reads for longer than a microsecond (a preemption), which
/// would skew the rate.
fn both_clocks() -> Option<(u64, u64)> {
    let before = nanos_since_epoch();
    let ticks = counter::read();
    let after = nanos_since_epoch();
    (after - before < 1_000).then_some((ticks, before + (after - before) / 2))
}

/// A clock for one probe, and the sequential cut-off in its units.
#[derive(Clone, Copy, Debug)]
pub(crate) struct ProbeClock {
    ticks: bool,
    cutoff: u64,
}

impl ProbeClock {
    /// The clock to time a probe with. Once the counter is calibrated this
    /// is one relaxed load.
    #[inline]
    pub(crate) fn new() -> ProbeClock {
        let ticks = CUTOFF_TICKS.load(Ordering::Relaxed);
        if ticks != 0 {
            return ProbeClock {
                ticks: true,
                cutoff: ticks,
            };
        }
        Self::calibrating()
    }

    /// Nanoseconds for now, and a step of the counter's calibration.
    #[cold]
    fn calibrating() -> ProbeClock {
        let cutoff_ns = u64::try_from(SEQUENTIAL_CUTOFF.as_nanos()).unwrap_or(u64::MAX);
        // Another thread calibrating means this probe need not.
        if let Ok(mut state) = CALIBRATION_STATE.try_lock() {
            match *state {
                Calibration::Unknown if counter::invariant() => {
                    if let Some((ticks, ns)) = both_clocks() {
                        *state = Calibration::From { ticks, ns };
                    }
                }
                Calibration::Unknown => *state = Calibration::Done,
                Calibration::From { ticks, ns } => {
                    if let Some((now_ticks, now_ns)) = both_clocks() {
                        let span_ns = now_ns.saturating_sub(ns);
                        if u128::from(span_ns) >= CALIBRATION.as_nanos() {
                            let span_ticks = now_ticks.wrapping_sub(ticks);
                            let cutoff = u128::from(span_ticks) * u128::from(cutoff_ns)
                                / u128::from(span_ns);
                            // A counter that stood still, or ran at over 100
                            // ticks a nanosecond, is not the clock it claims
                            // to be: stay with nanoseconds.
                            if cutoff > 0 && cutoff <= u128::from(cutoff_ns) * 100 {
                                CUTOFF_TICKS.store(cutoff as u64, Ordering::Relaxed);
                            }
                            *state = Calibration::Done;
                        }
                    }
                }
                Calibration::Done => {}
            }
        }
        ProbeClock {
            ticks: false,
            cutoff: cutoff_ns,
        }
    }

    /// A timestamp in this clock's units.
    #[inline]
    pub(crate) fn now(self) -> u64 {
        if self.ticks {
            counter::read()
        } else {
            nanos_since_epoch()
        }
    }

    /// The sequential cut-off in this clock's units.
    #[inline]
    pub(crate) fn cutoff(self) -> u64 {
        self.cutoff
    }
}

#[cfg(all(target_arch = "x86_64", not(miri)))]
mod counter {
    use std::arch::x86_64::{__cpuid, _rdtsc};

    /// Whether the CPU reports an invariant time-stamp counter.
    pub(super) fn invariant() -> bool {
        // Leaf 0x8000_0000 reports the highest extended leaf; leaf
        // 0x8000_0007 is only asked for when it exists.
        __cpuid(0x8000_0000).eax >= 0x8000_0007 && __cpuid(0x8000_0007).edx & (1 << 8) != 0
    }

    /// The time-stamp counter.
    #[inline]
    pub(super) fn read() -> u64 {
        // SAFETY: `rdtsc` exists on every x86-64 CPU and only reads the
        // counter; it is used only once `invariant` has said the counter
        // runs at a constant rate.
        unsafe { _rdtsc() }
    }
}

#[cfg(not(all(target_arch = "x86_64", not(miri))))]
mod counter {
    /// No counter is used here.
    pub(super) fn invariant() -> bool {
        false
    }

    /// Never called: `invariant` is false.
    pub(super) fn read() -> u64 {
        0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A probe's clock, once calibrated where it can be.
    fn calibrated() -> ProbeClock {
        // A calibration step is skipped while another thread holds the
        // state (preempted, say), or refused for a preemption between its
        // reads; a machine under load gets past both within seconds.
        for _ in 0..5_000 {
            let clock = ProbeClock::new();
            if clock.ticks == counter::invariant() {
                return clock;
            }
            std::thread::sleep(Duration::from_millis(1));
        }
        panic!("the probe clock was not calibrated within seconds");
    }

    #[test]
    fn a_span_in_probe_units_matches_the_wall_clock() {
        let clock = calibrated();
        assert!(clock.cutoff() > 0);
        let cutoff_ns = SEQUENTIAL_CUTOFF.as_nanos() as f64;
        let outer = Instant::now();
        let start = clock.now();
        let nap = Duration::from_millis(5);
        std::thread::sleep(nap);
        let end = clock.now();
        let outer_ns = outer.elapsed().as_nanos() as f64;
        let measured = end.saturating_sub(start) as f64 / clock.cutoff() as f64 * cutoff_ns;
        // The probe clock's span lies inside the outer one and covers the
        // whole nap; a rate learnt wrongly (by a factor, or not at all)
        // falls outside. The 1% is the calibration's error bound (two
        // microsecond-wide reads over a 2 ms span) with room to spare.
        assert!(
            measured >= nap.as_nanos() as f64 * 0.99 && measured <= outer_ns * 1.01,
            "{measured} ns by the probe clock, the nap {nap:?}, the outer span {outer_ns} ns"
        );
    }

    #[test]
    fn timestamps_never_go_back() {
        let clock = calibrated();
        let mut last = clock.now();
        for _ in 0..1000 {
            let now = clock.now();
            assert!(now >= last);
            last = now;
        }
    }
}

//! Amdahl's law, fitted: how much of a job is serial, and what more cores
//! would buy.
//!
//! Amdahl's model of a job with serial fraction `f` on `p` cores is
//! `speedup(p) = 1 / (f + (1 - f) / p)`. Given measured `(p, speedup)`
//! points, [`fit_amdahl`] finds the `f` in `[0, 1]` that minimises the
//! squared error in speedup (not in its reciprocal, so the points a reader
//! sees on the chart are the ones that are fitted), and predicts the speedup
//! at 16 and 64 cores from it. A speedup above `p` (cache effects) clamps
//! `f` at 0; a slowdown clamps it at 1.

use serde::{Deserialize, Serialize};

/// The core counts [`AmdahlFit`] predicts for.
pub const PREDICT_AT: [usize; 2] = [16, 64];

/// Steps of the coarse grid over `f` before the local refinement.
const GRID: usize = 1000;
/// Golden-section iterations of the refinement: shrinks a grid step by
/// 0.618^60, far below any digit a report prints.
const REFINE: usize = 60;

/// A fitted serial fraction.
///
/// ```
/// use cvp_report::visual::fit_amdahl;
///
/// // A job that is 10% serial, measured exactly at 1, 2 and 4 cores.
/// let s = |p: f64| 1.0 / (0.1 + 0.9 / p);
/// let fit = fit_amdahl(&[(1, s(1.0)), (2, s(2.0)), (4, s(4.0))]).unwrap();
/// assert!((fit.serial_fraction - 0.1).abs() < 1e-6);
/// assert!((fit.predict(16) - s(16.0)).abs() < 1e-4);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct AmdahlFit {
    /// The serial fraction `f`, in `[0, 1]`.
    pub serial_fraction: f64,
    /// Root-mean-square error of the fit, in speedup units.
    pub rms_error: f64,
    /// How many measured points it rests on.
    pub points: usize,
    /// Predicted speedup at 16 cores.
    pub at_16: f64,
    /// Predicted speedup at 64 cores.
    pub at_64: f64,
}

impl AmdahlFit {
    /// The speedup this fit predicts at `p` cores.
    pub fn predict(&self, p: usize) -> f64 {
        amdahl(self.serial_fraction, p as f64)
    }

    /// The ceiling: the speedup on infinitely many cores, `1 / f`.
    pub fn limit(&self) -> f64 {
        if self.serial_fraction <= 0.0 {
            f64::INFINITY
        } else {
            1.0 / self.serial_fraction
        }
    }
}

/// Amdahl's speedup of a job with serial fraction `f` on `p` cores.
fn amdahl(f: f64, p: f64) -> f64 {
    1.0 / (f + (1.0 - f) / p)
}

/// Fits the serial fraction to measured `(cores, speedup)` points.
///
/// Points with zero cores or a speedup that is not a positive finite
/// number are ignored. Returns `None` when no point is left, or when every
/// point is at one core (a single core says nothing about `f`).
pub fn fit_amdahl(points: &[(usize, f64)]) -> Option<AmdahlFit> {
    let pts: Vec<(f64, f64)> = points
        .iter()
        .filter(|&&(p, s)| p > 0 && s.is_finite() && s > 0.0)
        .map(|&(p, s)| (p as f64, s))
        .collect();
    if pts.iter().all(|&(p, _)| p <= 1.0) {
        return None;
    }
    let sse = |f: f64| {
        pts.iter()
            .map(|&(p, s)| (amdahl(f, p) - s).powi(2))
            .sum::<f64>()
    };

    // A coarse grid finds the basin; golden-section search polishes it.
    let best = (0..=GRID)
        .map(|i| i as f64 / GRID as f64)
        .min_by(|a, b| sse(*a).total_cmp(&sse(*b)))
        .unwrap_or(0.0);
    let step = 1.0 / GRID as f64;
    let (mut lo, mut hi) = ((best - step).max(0.0), (best + step).min(1.0));
    let ratio = (5f64.sqrt() - 1.0) / 2.0;
    for _ in 0..REFINE {
        let a = hi - ratio * (hi - lo);
        let b = lo + ratio * (hi - lo);
        if sse(a) <= sse(b) {
            hi = b;
        } else {
            lo = a;
        }
    }
    let f = (lo + hi) / 2.0;
    let f = if sse(best) < sse(f) { best } else { f };
    let [p16, p64] = PREDICT_AT;
    Some(AmdahlFit {
        serial_fraction: f,
        rms_error: (sse(f) / pts.len() as f64).sqrt(),
        points: pts.len(),
        at_16: amdahl(f, p16 as f64),
        at_64: amdahl(f, p64 as f64),
    })
}

#[cfg(test)]
mod test {
    use super::*;

    #[test]
    fn exact_points_give_their_fraction() {
        for f in [0.0, 0.05, 0.3, 1.0] {
            let pts: Vec<_> = [1, 2, 4, 8]
                .iter()
                .map(|&p| (p, amdahl(f, p as f64)))
                .collect();
            let fit = fit_amdahl(&pts).unwrap();
            assert!((fit.serial_fraction - f).abs() < 1e-6, "{f}: {fit:?}");
            assert!(fit.rms_error < 1e-6);
        }
    }

    #[test]
    fn one_point_is_solved_exactly() {
        // speedup 1.6 on 2 cores: 1/1.6 = f + (1-f)/2, f = 0.25.
        let fit = fit_amdahl(&[(2, 1.6)]).unwrap();
        assert!((fit.serial_fraction - 0.25).abs() < 1e-6);
        assert!((fit.at_16 - 1.0 / (0.25 + 0.75 / 16.0)).abs() < 1e-4);
        assert!((fit.limit() - 4.0).abs() < 1e-4);
    }

    #[test]
    fn out_of_model_speedups_clamp() {
        assert_eq!(fit_amdahl(&[(2, 2.5)]).unwrap().serial_fraction, 0.0);
        assert_eq!(fit_amdahl(&[(2, 0.5)]).unwrap().serial_fraction, 1.0);
        assert!(fit_amdahl(&[(1, 1.0)]).is_none());
        assert!(fit_amdahl(&[(0, 1.0), (2, f64::NAN)]).is_none());
    }

    #[test]
    fn noisy_points_fit_near_the_truth() {
        let pts = [(1, 1.02), (2, 1.78), (4, 2.9), (8, 4.1)];
        let fit = fit_amdahl(&pts).unwrap();
        assert!((0.08..0.16).contains(&fit.serial_fraction), "{fit:?}");
        assert!(fit.at_64 > fit.at_16 && fit.at_16 > 4.0);
    }
}

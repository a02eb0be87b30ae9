//! Amdahl's law, fitted: how much of a job is serial, and what more cores
//! would buy.
//!
//! Amdahl's model of a job with serial fraction `f` on `p` cores is
//! `speedup(p) = 1 / (f + (1 - f) / p)`. Given measured `(p, speedup)`
//! points, [`fit_amdahl`] finds the `f` in `[0, 1]` that minimises the
//! squared error in speedup (not in its reciprocal, so the points a reader
//! sees on the chart are the ones that are fitted). A speedup above `p`
//! (cache effects) clamps `f` at 0; a slowdown clamps it at 1.
//!
//! A fit needs [`MIN_POINTS`] distinct core counts: one point determines
//! `f` exactly and so says nothing about whether the law describes the
//! job at all, and two leave no residual to judge it by. With fewer,
//! [`NoFit`] says which run would allow one. A fit carries its residual
//! (root-mean-square error, in speedup) and a band for its predictions:
//! the range of `f` over the fits that leave out one measured point each
//! (a jackknife range), so a prediction that rests on one lucky point
//! shows a wide band.
//!
//! Amdahl's law is about computation; memory-bound work is judged against
//! the machine's measured memory bandwidth instead (see the verdicts).

use serde::{Deserialize, Serialize};

/// The core counts [`AmdahlFit`] predicts for.
pub const PREDICT_AT: [usize; 2] = [16, 64];

/// Distinct core counts a fit needs.
pub const MIN_POINTS: usize = 3;

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
/// // Exact points: no residual, and a band of one value.
/// let (lo, hi) = fit.predict_band(16);
/// assert!(fit.rms_error < 1e-6 && (hi - lo) < 1e-4);
///
/// // One point is not a fit; the error says which run would allow one.
/// let no = fit_amdahl(&[(2, 1.6)]).unwrap_err();
/// assert!(no.to_string().contains("--threads 1,2,4"));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct AmdahlFit {
    /// The serial fraction `f`, in `[0, 1]`.
    pub serial_fraction: f64,
    /// Root-mean-square error of the fit, in speedup units.
    pub rms_error: f64,
    /// How many measured points it rests on.
    pub points: usize,
    /// The lowest and highest `f` of the fits that leave out one point.
    pub band: [f64; 2],
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

    /// The band of the prediction at `p` cores, lowest to highest: the
    /// predictions of the band's two ends of `f`.
    pub fn predict_band(&self, p: usize) -> (f64, f64) {
        let [f_lo, f_hi] = self.band;
        (amdahl(f_hi, p as f64), amdahl(f_lo, p as f64))
    }

    /// [`predict_band`](Self::predict_band) at a fractional core count,
    /// for drawing.
    pub(crate) fn predict_band_at(&self, p: f64) -> (f64, f64) {
        let [f_lo, f_hi] = self.band;
        (amdahl(f_hi, p), amdahl(f_lo, p))
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

/// Why no fit was made, and what would allow one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NoFit {
    /// The distinct core counts measured correctly.
    pub measured: Vec<usize>,
    /// Thread counts for `--threads` that would allow a fit.
    pub suggest: Vec<usize>,
}

impl std::fmt::Display for NoFit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let list = |v: &[usize]| v.iter().map(usize::to_string).collect::<Vec<_>>().join(",");
        let max = self.suggest.iter().copied().max().unwrap_or(1);
        match self.measured.len() {
            0 => write!(f, "no correct cell to fit")?,
            1 if self.measured == [1] => write!(f, "measured at 1 core only")?,
            1 => write!(f, "measured at {} cores only", list(&self.measured))?,
            _ => write!(f, "measured at {} cores", list(&self.measured))?,
        }
        write!(
            f,
            "; a fit needs {MIN_POINTS} distinct core counts: `--threads {}` on a machine \
             with at least {max} cores would allow a prediction",
            list(&self.suggest)
        )
    }
}

impl std::error::Error for NoFit {}

/// Amdahl's speedup of a job with serial fraction `f` on `p` cores.
fn amdahl(f: f64, p: f64) -> f64 {
    1.0 / (f + (1.0 - f) / p)
}

/// Fits the serial fraction to measured `(cores, speedup)` points.
///
/// Points with zero cores or a speedup that is not a positive finite
/// number are ignored. Fails with [`NoFit`] when fewer than
/// [`MIN_POINTS`] distinct core counts are left.
pub fn fit_amdahl(points: &[(usize, f64)]) -> Result<AmdahlFit, NoFit> {
    let pts: Vec<(f64, f64)> = points
        .iter()
        .filter(|&&(p, s)| p > 0 && s.is_finite() && s > 0.0)
        .map(|&(p, s)| (p as f64, s))
        .collect();
    let mut counts: Vec<usize> = pts.iter().map(|&(p, _)| p as usize).collect();
    counts.sort_unstable();
    counts.dedup();
    if counts.len() < MIN_POINTS {
        return Err(NoFit {
            suggest: suggest(&counts),
            measured: counts,
        });
    }
    let f = least_squares(&pts);
    let sse: f64 = pts.iter().map(|&(p, s)| (amdahl(f, p) - s).powi(2)).sum();
    // The jackknife range: each point left out once.
    let mut band = [f, f];
    for skip in 0..pts.len() {
        let rest: Vec<(f64, f64)> = pts
            .iter()
            .enumerate()
            .filter(|&(i, _)| i != skip)
            .map(|(_, &p)| p)
            .collect();
        let g = least_squares(&rest);
        band = [band[0].min(g), band[1].max(g)];
    }
    let [p16, p64] = PREDICT_AT;
    Ok(AmdahlFit {
        serial_fraction: f,
        rms_error: (sse / pts.len() as f64).sqrt(),
        points: pts.len(),
        band,
        at_16: amdahl(f, p16 as f64),
        at_64: amdahl(f, p64 as f64),
    })
}

/// Thread counts that, with those measured, give [`MIN_POINTS`] distinct
/// ones: 1, the measured, then doubling the largest.
fn suggest(measured: &[usize]) -> Vec<usize> {
    let mut out: Vec<usize> = measured.to_vec();
    if !out.contains(&1) {
        out.push(1);
    }
    out.sort_unstable();
    while out.len() < MIN_POINTS {
        let next = out.last().copied().unwrap_or(1) * 2;
        out.push(next);
    }
    out
}

/// The `f` in `[0, 1]` of least squared error in speedup over `pts`
/// (which may be a single point, solved exactly).
fn least_squares(pts: &[(f64, f64)]) -> f64 {
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
    if sse(best) < sse(f) {
        best
    } else {
        f
    }
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
    fn one_point_is_solved_exactly_inside_but_is_no_fit() {
        // speedup 1.6 on 2 cores: 1/1.6 = f + (1-f)/2, f = 0.25.
        assert!((least_squares(&[(2.0, 1.6)]) - 0.25).abs() < 1e-6);
        let no = fit_amdahl(&[(2, 1.6)]).unwrap_err();
        assert_eq!(no.measured, [2]);
        assert_eq!(no.suggest, [1, 2, 4]);
    }

    #[test]
    fn fewer_than_three_core_counts_give_no_fit_and_a_run_that_would() {
        // Two runs at the same count are one count.
        let no = fit_amdahl(&[(1, 1.0), (2, 1.9), (2, 1.8)]).unwrap_err();
        assert_eq!((no.measured, no.suggest), (vec![1, 2], vec![1, 2, 4]));
        let no = fit_amdahl(&[(2, 1.9), (16, 9.0)]).unwrap_err();
        assert_eq!(no.suggest, [1, 2, 16]);
        assert!(
            no.to_string()
                .contains("`--threads 1,2,16` on a machine with at least 16 cores"),
            "{no}"
        );
        assert!(fit_amdahl(&[(1, 1.0)]).is_err());
        assert!(fit_amdahl(&[(0, 1.0), (2, f64::NAN)]).is_err());
    }

    #[test]
    fn out_of_model_speedups_clamp() {
        let pts = |s: f64| [(1, 1.0), (2, s), (4, 2.0 * s)];
        assert_eq!(fit_amdahl(&pts(2.5)).unwrap().serial_fraction, 0.0);
        assert_eq!(
            fit_amdahl(&[(1, 0.5), (2, 0.5), (4, 0.5)])
                .unwrap()
                .serial_fraction,
            1.0
        );
    }

    #[test]
    fn the_band_widens_when_one_point_disagrees() {
        let s = |p: f64| 1.0 / (0.1 + 0.9 / p);
        let good = fit_amdahl(&[(1, s(1.0)), (2, s(2.0)), (4, s(4.0)), (8, s(8.0))]).unwrap();
        let odd = fit_amdahl(&[(1, s(1.0)), (2, s(2.0)), (4, s(4.0)), (8, 2.0)]).unwrap();
        let width = |f: &AmdahlFit| f.band[1] - f.band[0];
        assert!(width(&good) < 1e-6, "{good:?}");
        assert!(width(&odd) > 0.05, "{odd:?}");
        assert!(odd.rms_error > good.rms_error);
        let (lo, hi) = odd.predict_band(16);
        assert!(lo < odd.predict(16) && odd.predict(16) <= hi, "{odd:?}");
    }

    #[test]
    fn noisy_points_fit_near_the_truth() {
        let pts = [(1, 1.02), (2, 1.78), (4, 2.9), (8, 4.1)];
        let fit = fit_amdahl(&pts).unwrap();
        assert!((0.08..0.16).contains(&fit.serial_fraction), "{fit:?}");
        assert!(fit.at_64 > fit.at_16 && fit.at_16 > 4.0);
    }
}

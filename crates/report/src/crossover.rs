//! Where distribution pays: one job swept over sizes on two cluster shapes
//! with the same total of workers, P processes of W/P workers (`spread`)
//! and one process of W workers (`together`); a least-squares line
//! `time = a + b·work` for each shape, and the size where the lines cross,
//! solved from them.
//!
//! The time fitted is what a user waits for: the cluster's start-up plus
//! its computation, the fastest of the sweep's repetitions of each point
//! (other work on a machine only adds time). `work` is the size raised to
//! the job's [`work_power`](JobSweep::work_power) (a side of Mandelbrot's
//! square is squared into pixels), so that the time is close to a line in
//! it.
//!
//! ```
//! use cvp_report::crossover::{fit, Line};
//! let line = fit(&[(1.0, 3.0), (2.0, 5.0), (3.0, 7.0)]).unwrap();
//! assert!((line.a - 1.0).abs() < 1e-9 && (line.b - 2.0).abs() < 1e-9);
//! let other = Line { a: 2.0, b: 1.5, r2: 1.0, b_err: 0.0 };
//! // 1 + 2x = 2 + 1.5x at x = 2: `other` is ahead from there on.
//! assert!((line.crossing(&other).unwrap() - 2.0).abs() < 1e-9);
//! ```

use std::fmt::Write as _;

use serde::{Deserialize, Serialize};

use crate::render::duration;

/// The version of the sweep's JSON.
pub const SWEEP_SCHEMA: u32 = 1;

/// A whole sweep: every job's points, and how they were taken.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Sweep {
    /// [`SWEEP_SCHEMA`].
    pub schema: u32,
    /// The machine, in words (CPU model).
    pub machine: String,
    /// Its cores.
    pub cores: usize,
    /// Processes and workers a process of the distributed shape.
    pub spread: (usize, usize),
    /// Processes and workers a process of the one-process shape.
    pub together: (usize, usize),
    /// Runs of each shape at each size; the fastest is kept.
    pub reps: usize,
    /// How long the sweep took, in milliseconds.
    pub elapsed_ms: u64,
    /// The command that took it.
    pub command: String,
    /// One sweep a job.
    pub jobs: Vec<JobSweep>,
}

/// One job's points.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct JobSweep {
    /// The workload.
    pub job: String,
    /// What its size counts.
    pub unit: String,
    /// The time is fitted against `size ^ work_power`.
    pub work_power: u32,
    /// The sizes measured, smallest first, every answer verified.
    pub points: Vec<Point>,
    /// Why the sweep of this job stopped before its last size, if it did.
    pub stopped: Option<String>,
}

/// One size, on both shapes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Point {
    /// The job's size.
    pub size: u64,
    /// P processes.
    pub spread: Shape,
    /// One process.
    pub together: Shape,
}

/// What one shape measured at one size (fastest of the repetitions).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Shape {
    /// Start-up, fastest run.
    pub startup_ns: u64,
    /// Computation, fastest run.
    pub compute_ns: u64,
    /// Payload bytes exchanged between processes.
    pub payload_bytes: u64,
    /// Bytes written to the sockets between processes.
    pub wire_bytes: u64,
}

impl Shape {
    /// Start-up plus computation, in seconds: the time fitted.
    pub fn waited_s(&self) -> f64 {
        (self.startup_ns + self.compute_ns) as f64 / 1e9
    }
}

/// A least-squares line `y = a + b·x`, its fit and the uncertainty of its
/// slope.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Line {
    /// Intercept: the fixed cost, in seconds.
    pub a: f64,
    /// Slope: seconds per unit of work.
    pub b: f64,
    /// R²: the share of the (weighted) variance of `y` the line explains.
    pub r2: f64,
    /// Standard error of the slope (infinite with two points: a line
    /// through two points has no residual to judge it by).
    pub b_err: f64,
}

/// The least-squares line through `points` (`x`, `y`), each weighted by
/// `1 / y²`: timings spread over orders of magnitude, and their noise
/// grows with them, so each point counts by its relative error (a plain
/// fit would let the largest size set the intercept). `None` with fewer
/// than two distinct `x` or a `y` that is not positive.
pub fn fit(points: &[(f64, f64)]) -> Option<Line> {
    if points.len() < 2 || points.iter().any(|p| p.1.is_nan() || p.1 <= 0.0) {
        return None;
    }
    let w: Vec<f64> = points.iter().map(|p| 1.0 / (p.1 * p.1)).collect();
    let sw: f64 = w.iter().sum();
    let mx = points.iter().zip(&w).map(|(p, w)| w * p.0).sum::<f64>() / sw;
    let my = points.iter().zip(&w).map(|(p, w)| w * p.1).sum::<f64>() / sw;
    let sum = |f: &dyn Fn(&(f64, f64)) -> f64| -> f64 {
        points.iter().zip(&w).map(|(p, w)| w * f(p)).sum()
    };
    let sxx = sum(&|p| (p.0 - mx).powi(2));
    let sxy = sum(&|p| (p.0 - mx) * (p.1 - my));
    let syy = sum(&|p| (p.1 - my).powi(2));
    if sxx <= 0.0 {
        return None;
    }
    let b = sxy / sxx;
    let a = my - b * mx;
    let r2 = if syy > 0.0 {
        sxy * sxy / (sxx * syy)
    } else {
        1.0
    };
    let b_err = if points.len() > 2 {
        let residual = sum(&|p| (p.1 - a - b * p.0).powi(2)) / (points.len() - 2) as f64;
        (residual / sxx).sqrt()
    } else {
        f64::INFINITY
    };
    Some(Line { a, b, r2, b_err })
}

/// Standard errors apart that two slopes must be to count as different.
pub const SIGNIFICANT: f64 = 2.0;

impl Line {
    /// The `x` where `other` meets this line, if they are not parallel.
    pub fn crossing(&self, other: &Line) -> Option<f64> {
        let db = self.b - other.b;
        (db != 0.0).then(|| (other.a - self.a) / db)
    }
}

/// What the fits of one job say.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Verdict {
    /// Too few points to fit a line.
    NotEnough,
    /// The processes are behind at small sizes and ahead from `size` on
    /// (a higher fixed cost, a slope lower by more than its uncertainty);
    /// `measured` says whether `size` lies in the measured range (or is
    /// extrapolated beyond it).
    PaysFrom {
        /// The size where the fits cross.
        size: f64,
        /// Whether it lies within the sizes measured.
        measured: bool,
    },
    /// The processes are ahead at every size (lower fixed cost, and a
    /// slope no steeper than the measurements can tell).
    AlwaysAhead,
    /// The processes are never ahead in the measured range: their line is
    /// above the other's over it and steeper by more than its uncertainty,
    /// or (`distinct` false) its slope cannot be told from the other's and
    /// they were behind at every measured size.
    Never {
        /// The processes' slope over the one process's.
        slope_ratio: f64,
        /// The uncertainty of the ratio ([`SIGNIFICANT`] standard errors).
        ratio_err: f64,
        /// Whether the slopes differ by more than that.
        distinct: bool,
    },
    /// The slopes are within their noise of each other and the processes
    /// were ahead at some measured sizes and behind at others: no
    /// crossover that the measurements resolve.
    Unresolved {
        /// The processes' slope over the one process's.
        slope_ratio: f64,
        /// The uncertainty of the ratio ([`SIGNIFICANT`] standard errors).
        ratio_err: f64,
    },
    /// The processes are ahead only below `size` (a lower fixed cost, a
    /// steeper slope).
    AheadBelow {
        /// The size where the fits cross.
        size: f64,
    },
}

impl JobSweep {
    fn line(&self, pick: impl Fn(&Point) -> &Shape) -> Option<Line> {
        let pts: Vec<(f64, f64)> = self
            .points
            .iter()
            .map(|p| (self.work(p.size), pick(p).waited_s()))
            .collect();
        fit(&pts)
    }

    /// The unit of work of a size.
    pub fn work(&self, size: u64) -> f64 {
        (size as f64).powi(self.work_power as i32)
    }

    /// The fits of both shapes, spread first.
    pub fn lines(&self) -> Option<(Line, Line)> {
        Some((self.line(|p| &p.spread)?, self.line(|p| &p.together)?))
    }

    /// The verdict, solved from the two lines.
    pub fn verdict(&self) -> Verdict {
        let Some((s, t)) = self.lines() else {
            return Verdict::NotEnough;
        };
        let size_of = |work: f64| work.max(0.0).powf(1.0 / f64::from(self.work_power.max(1)));
        let largest = self.points.iter().map(|p| p.size).max().unwrap_or(0);
        let smallest = self.points.iter().map(|p| p.size).min().unwrap_or(0);
        let (lo, hi) = (self.work(smallest), self.work(largest));
        let slope_err = SIGNIFICANT * s.b_err.hypot(t.b_err);
        let slope_ratio = s.b / t.b;
        let ratio_err = SIGNIFICANT * slope_ratio * (s.b_err / s.b).hypot(t.b_err / t.b);
        let distinct = (s.b - t.b).abs() > slope_err;
        let cross = s.crossing(&t).unwrap_or(f64::INFINITY);
        let never = Verdict::Never {
            slope_ratio,
            ratio_err,
            distinct,
        };
        if !distinct {
            // The lines' slopes are within their noise: only what was
            // measured can say something, and only if it is one-sided.
            let behind_everywhere = self.ratio_range().is_some_and(|(lo, _)| lo > 1.0);
            return if behind_everywhere {
                never
            } else {
                Verdict::Unresolved {
                    slope_ratio,
                    ratio_err,
                }
            };
        }
        match (s.b < t.b, cross <= lo, cross <= hi) {
            (true, true, _) => Verdict::AlwaysAhead,
            (true, false, measured) => Verdict::PaysFrom {
                size: size_of(cross),
                measured,
            },
            (false, true, _) => never,
            (false, false, _) => Verdict::AheadBelow {
                size: size_of(cross),
            },
        }
    }

    /// The smallest and largest ratio of the processes' time over the one
    /// process's, over the measured sizes.
    pub fn ratio_range(&self) -> Option<(f64, f64)> {
        let ratios = self
            .points
            .iter()
            .map(|p| p.spread.waited_s() / p.together.waited_s().max(1e-12));
        ratios.fold(None, |acc, r| match acc {
            None => Some((r, r)),
            Some((lo, hi)) => Some((f64::min(lo, r), f64::max(hi, r))),
        })
    }

    /// Nanoseconds of one-process computation per payload byte that the
    /// processes exchange, at the largest size: the work per byte.
    pub fn work_per_byte(&self) -> Option<f64> {
        let p = self.points.last()?;
        (p.spread.payload_bytes > 0)
            .then(|| p.together.compute_ns as f64 / p.spread.payload_bytes as f64)
    }
}

fn size_text(x: f64) -> String {
    if x >= 1e5 {
        format!("{x:.2e}")
    } else {
        format!("{x:.0}")
    }
}

impl Sweep {
    fn shape(&self, (p, w): (usize, usize)) -> String {
        format!("{p}x{w}")
    }

    /// One line on a job's verdict, computed from its fits.
    pub fn verdict_line(&self, j: &JobSweep) -> String {
        let (sp, tg) = (self.shape(self.spread), self.shape(self.together));
        let range = match (j.points.first(), j.points.last()) {
            (Some(a), Some(b)) => format!("{}-{} {}", a.size, b.size, j.unit),
            _ => "nothing".into(),
        };
        match j.verdict() {
            Verdict::NotEnough => format!("{}: fewer than two sizes measured, no fit", j.job),
            Verdict::AlwaysAhead => format!(
                "{}: {sp} is ahead of {tg} at every size: its fit has the lower fixed cost and slope",
                j.job
            ),
            Verdict::PaysFrom { size, measured } => format!(
                "{}: {sp} beats {tg} above size {}{}",
                j.job,
                size_text(size),
                if measured {
                    String::new()
                } else {
                    format!(" (extrapolated: beyond the measured {range})")
                }
            ),
            Verdict::Never {
                slope_ratio,
                ratio_err,
                distinct,
            } => {
                let (lo, hi) = j.ratio_range().unwrap_or((f64::NAN, f64::NAN));
                format!(
                    "{}: no crossover: {sp} takes {lo:.2}-{hi:.2}x the time of {tg} over the \
                     measured sizes, and {slope_ratio:.2}x (± {ratio_err:.2}) its time per unit of \
                     size (slope ratio{}), so on this machine distribution never pays in the \
                     measured range ({range})",
                    j.job,
                    if distinct {
                        ""
                    } else {
                        ", not told apart from 1 by the measurements"
                    }
                )
            }
            Verdict::Unresolved {
                slope_ratio,
                ratio_err,
            } => {
                let (lo, hi) = j.ratio_range().unwrap_or((f64::NAN, f64::NAN));
                format!(
                    "{}: no crossover the measurements resolve: {sp} takes {lo:.2}-{hi:.2}x the \
                     time of {tg} over the measured sizes, ahead at some and behind at others, and \
                     {slope_ratio:.2}x (± {ratio_err:.2}) its time per unit of size, not told apart \
                     from 1; on this machine distribution does not pay reliably in the measured \
                     range ({range})",
                    j.job
                )
            }
            Verdict::AheadBelow { size } => format!(
                "{}: {sp} is ahead of {tg} only below size {} (its slope is steeper)",
                j.job,
                size_text(size)
            ),
        }
    }

    /// The verdict table the READMEs cite: one row a job.
    pub fn verdict_table(&self) -> String {
        let (sp, tg) = (self.shape(self.spread), self.shape(self.together));
        let mut out = format!(
            "| job | sizes | bytes exchanged at the largest | work per byte | fit {sp} (s) | fit {tg} (s) | slope ratio (± 2σ) | verdict |\n\
             |---|---|--:|--:|---|---|--:|---|\n"
        );
        for j in &self.jobs {
            let sizes = match (j.points.first(), j.points.last()) {
                (Some(a), Some(b)) => format!("{}-{}", a.size, b.size),
                _ => "–".into(),
            };
            let bytes = j
                .points
                .last()
                .map_or("–".into(), |p| p.spread.payload_bytes.to_string());
            let per_byte = j.work_per_byte().map_or("–".into(), |x| {
                if x < 1e3 {
                    format!("{x:.1} ns")
                } else {
                    duration(x as u64)
                }
            });
            let x = if j.work_power == 1 {
                "n".to_owned()
            } else {
                format!("n^{}", j.work_power)
            };
            let show = |l: &Line| format!("{:.4} + {:.3e}·{x} (R² {:.3})", l.a, l.b, l.r2);
            let (fs, ft, ratio) = match j.lines() {
                Some((s, t)) => {
                    let r = s.b / t.b;
                    let e = SIGNIFICANT * r * (s.b_err / s.b).hypot(t.b_err / t.b);
                    (show(&s), show(&t), format!("{r:.2} ± {e:.2}"))
                }
                None => ("–".into(), "–".into(), "–".into()),
            };
            let _ = writeln!(
                out,
                "| {} | {sizes} | {bytes} | {per_byte} | {fs} | {ft} | {ratio} | {} |",
                j.job,
                self.verdict_line(j)
                    .split_once(": ")
                    .map_or(String::new(), |(_, v)| v.to_owned())
            );
        }
        let _ = write!(
            out,
            "\n*Time = start-up + computation, fastest of {} runs, fitted by least squares (each \
             point weighted by its relative error) against the size (n) or its square \
             (mandelbrot's pixels); the verdict solves the two fits for the size where they \
             cross, and counts two slopes as different only {SIGNIFICANT} standard errors apart. {}, {} cores; the sweep took {:.0} s: `{}`.*\n",
            self.reps,
            self.machine,
            self.cores,
            self.elapsed_ms as f64 / 1e3,
            self.command
        );
        out
    }

    /// The whole sweep as markdown: every point, then the verdicts.
    pub fn markdown(&self) -> String {
        let (sp, tg) = (self.shape(self.spread), self.shape(self.together));
        let mut out = format!(
            "# Where distribution pays: {sp} against {tg}\n\n\
             Generated from `crossover.json` by `{}`; do not edit.\n\n",
            self.command
        );
        for j in &self.jobs {
            let _ = write!(
                out,
                "## {}\n\n| size ({}) | {sp} start-up | {sp} compute | {tg} start-up | {tg} compute | \
                 waited {sp} / {tg} | payload bytes | wire bytes |\n|--:|--:|--:|--:|--:|--:|--:|--:|\n",
                j.job, j.unit
            );
            for p in &j.points {
                let _ = writeln!(
                    out,
                    "| {} | {} | {} | {} | {} | {:.2} | {} | {} |",
                    p.size,
                    duration(p.spread.startup_ns),
                    duration(p.spread.compute_ns),
                    duration(p.together.startup_ns),
                    duration(p.together.compute_ns),
                    p.spread.waited_s() / p.together.waited_s().max(1e-12),
                    p.spread.payload_bytes,
                    p.spread.wire_bytes
                );
            }
            if let Some(why) = &j.stopped {
                let _ = writeln!(out, "\nStopped: {why}.");
            }
            let _ = writeln!(out, "\n**{}**\n", self.verdict_line(j));
        }
        out + "## Verdicts\n\n" + &self.verdict_table()
    }
}

#[cfg(test)]
mod test {
    use super::*;

    fn shape(startup_ms: f64, compute_ms: f64, bytes: u64) -> Shape {
        Shape {
            startup_ns: (startup_ms * 1e6) as u64,
            compute_ns: (compute_ms * 1e6) as u64,
            payload_bytes: bytes,
            wire_bytes: bytes + 100,
        }
    }

    fn job(power: u32, points: &[(u64, f64, f64)]) -> JobSweep {
        JobSweep {
            job: "j".into(),
            unit: "items".into(),
            work_power: power,
            points: points
                .iter()
                .map(|&(size, s, t)| Point {
                    size,
                    spread: shape(5.0, s, 8 * size),
                    together: shape(1.0, t, 0),
                })
                .collect(),
            stopped: None,
        }
    }

    #[test]
    fn a_cheaper_slope_behind_a_dearer_start_crosses_where_the_lines_meet() {
        // spread: 5 ms + 1 ms/unit, together: 1 ms + 2 ms/unit: equal at 4.
        let j = job(1, &[(1, 1.0, 2.0), (2, 2.0, 4.0), (10, 10.0, 20.0)]);
        match j.verdict() {
            Verdict::PaysFrom { size, measured } => {
                assert!((size - 4.0).abs() < 1e-6, "{size}");
                assert!(measured);
            }
            v => panic!("{v:?}"),
        }
        // The same, on the square of the size: equal where size² = 4.
        let j = job(2, &[(1, 1.0, 2.0), (2, 4.0, 8.0), (4, 16.0, 32.0)]);
        match j.verdict() {
            Verdict::PaysFrom { size, .. } => assert!((size - 2.0).abs() < 1e-6, "{size}"),
            v => panic!("{v:?}"),
        }
    }

    #[test]
    fn a_dearer_start_and_slope_never_pay_and_say_by_how_much() {
        let j = job(1, &[(1, 3.0, 2.0), (2, 6.0, 4.0), (3, 9.0, 6.0)]);
        match j.verdict() {
            Verdict::Never {
                slope_ratio,
                distinct,
                ..
            } => assert!((slope_ratio - 1.5).abs() < 1e-6 && distinct),
            v => panic!("{v:?}"),
        }
        let sweep = Sweep {
            schema: SWEEP_SCHEMA,
            machine: "m".into(),
            cores: 2,
            spread: (2, 1),
            together: (1, 2),
            reps: 3,
            elapsed_ms: 1000,
            command: "c".into(),
            jobs: vec![j.clone()],
        };
        let line = sweep.verdict_line(&j);
        assert!(
            line.starts_with("j: no crossover: 2x1 takes 2.00-2.67x the time of 1x2"),
            "{line}"
        );
        assert!(
            line.contains("1.50x (± 0.00) its time per unit of size (slope ratio)"),
            "{line}"
        );
        let table = sweep.verdict_table();
        assert!(table.contains("| j | 1-3 | 24 |"), "{table}");
        assert!(sweep.markdown().contains("## Verdicts"));
    }

    #[test]
    fn slopes_within_their_noise_are_no_crossover() {
        // The same slope, give or take 10% a point: the lines cross
        // somewhere, but nowhere the points can tell.
        let j = job(
            1,
            &[
                (10, 11.0, 10.0),
                (20, 18.0, 21.0),
                (30, 33.0, 29.0),
                (40, 37.0, 42.0),
            ],
        );
        match j.verdict() {
            Verdict::Unresolved { ratio_err, .. } => assert!(ratio_err > 0.05, "{ratio_err}"),
            v => panic!("{v:?}"),
        }
        // Behind at every size, by the fixed cost: never, though the
        // slopes cannot be told apart.
        let mut behind = j.clone();
        for p in &mut behind.points {
            p.spread.startup_ns += 20_000_000;
        }
        assert!(matches!(
            behind.verdict(),
            Verdict::Never {
                distinct: false,
                ..
            }
        ));
    }

    #[test]
    fn a_crossing_beyond_the_points_is_marked_extrapolated() {
        // spread: 5 + 1.9·x, together: 1 + 2·x: equal at x = 40.
        let j = job(1, &[(1, 1.9, 2.0), (2, 3.8, 4.0), (3, 5.7, 6.0)]);
        assert!(matches!(
            j.verdict(),
            Verdict::PaysFrom {
                measured: false,
                ..
            }
        ));
        assert_eq!(job(1, &[(1, 1.0, 1.0)]).verdict(), Verdict::NotEnough);
    }

    #[test]
    fn a_sweep_round_trips_through_json() {
        let sweep = Sweep {
            schema: SWEEP_SCHEMA,
            machine: "m".into(),
            cores: 2,
            spread: (2, 1),
            together: (1, 2),
            reps: 3,
            elapsed_ms: 1,
            command: "c".into(),
            jobs: vec![job(1, &[(1, 1.0, 2.0)])],
        };
        let text = serde_json::to_string(&sweep).unwrap();
        assert_eq!(serde_json::from_str::<Sweep>(&text).unwrap(), sweep);
    }
}

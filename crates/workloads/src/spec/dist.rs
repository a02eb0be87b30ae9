//! Seeded distributions of durations and costs, and the generator behind
//! them.

use std::fmt;

use serde::de::{self, Deserializer, MapAccess, Visitor};
use serde::Deserialize;

/// A small seeded generator (SplitMix64): fast, 64 bits of state, and the
/// same numbers on every machine, so a spec names the same work everywhere.
#[derive(Debug, Clone)]
pub(crate) struct Rng(u64);

impl Rng {
    /// A generator for one stream of a seed (a task, an item, the arrivals).
    pub(crate) fn new(seed: u64, stream: u64) -> Self {
        let mut r = Rng(seed ^ stream.wrapping_mul(0xD1B5_4A32_D192_ED03));
        r.next_u64();
        r
    }

    pub(crate) fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
    pub(crate) fn next_f64(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }
}

/// An exponential draw is capped at this many times its mean, so that a
/// spec's worst case is bounded (the cap moves the mean by e^-50).
pub(crate) const EXPONENTIAL_CAP: f64 = 50.0;
/// Pareto's shape when a skewed distribution gives none: the 80/20 rule.
pub(crate) const DEFAULT_ALPHA: f64 = 1.16;

/// A distribution of a positive quantity (milliseconds or kernel units).
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Dist {
    /// Always this value: `5` or `{ fixed = 5 }`.
    Fixed(f64),
    /// Uniform between two values: `{ uniform = [2, 8] }`.
    Uniform(f64, f64),
    /// Exponential with this mean: `{ exponential = 5 }`.
    Exponential(f64),
    /// Bounded Pareto: many small values and a few up to `max`:
    /// `{ skewed = { min = 1, max = 1000, alpha = 1.16 } }`.
    Skewed { min: f64, max: f64, alpha: f64 },
}

impl Dist {
    /// Whether it needs the spec's seed.
    pub(crate) fn is_random(&self) -> bool {
        !matches!(self, Dist::Fixed(_))
    }

    /// Why the distribution is not one of positive, finite values, if not.
    pub(crate) fn check(&self) -> Result<(), String> {
        let positive = |x: f64, what: &str| {
            if x.is_finite() && x > 0.0 {
                Ok(())
            } else {
                Err(format!("{what} must be a positive number, not {x}"))
            }
        };
        match *self {
            Dist::Fixed(x) => positive(x, "the value"),
            Dist::Uniform(a, b) => {
                positive(a, "the lower bound")?;
                positive(b, "the upper bound")?;
                if a > b {
                    return Err(format!("the lower bound {a} exceeds the upper bound {b}"));
                }
                Ok(())
            }
            Dist::Exponential(m) => positive(m, "the mean"),
            Dist::Skewed { min, max, alpha } => {
                positive(min, "`min`")?;
                positive(max, "`max`")?;
                positive(alpha, "`alpha`")?;
                if min >= max {
                    return Err(format!("`min` {min} must be below `max` {max}"));
                }
                Ok(())
            }
        }
    }

    /// The largest value it can give.
    pub(crate) fn max(&self) -> f64 {
        match *self {
            Dist::Fixed(x) => x,
            Dist::Uniform(_, b) => b,
            Dist::Exponential(m) => m * EXPONENTIAL_CAP,
            Dist::Skewed { max, .. } => max,
        }
    }

    /// Its mean.
    pub(crate) fn mean(&self) -> f64 {
        match *self {
            Dist::Fixed(x) => x,
            Dist::Uniform(a, b) => (a + b) / 2.0,
            Dist::Exponential(m) => m,
            Dist::Skewed { min, max, alpha } => {
                let tail = 1.0 - (min / max).powf(alpha);
                if (alpha - 1.0).abs() < 1e-9 {
                    min * (max / min).ln() / tail
                } else {
                    min.powf(alpha) / tail * alpha / (alpha - 1.0)
                        * (min.powf(1.0 - alpha) - max.powf(1.0 - alpha))
                }
            }
        }
    }

    /// One draw.
    pub(crate) fn sample(&self, rng: &mut Rng) -> f64 {
        match *self {
            Dist::Fixed(x) => x,
            Dist::Uniform(a, b) => a + (b - a) * rng.next_f64(),
            Dist::Exponential(m) => (-(1.0 - rng.next_f64()).ln() * m).min(m * EXPONENTIAL_CAP),
            Dist::Skewed { min, max, alpha } => {
                // Inverse of the bounded Pareto CDF.
                let u = rng.next_f64();
                let (la, ha) = (min.powf(alpha), max.powf(alpha));
                let x = (-(u * ha - u * la - ha) / (ha * la)).powf(-1.0 / alpha);
                x.clamp(min, max)
            }
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SkewedSpec {
    min: f64,
    max: f64,
    alpha: Option<f64>,
}

const KINDS: &[&str] = &["fixed", "uniform", "exponential", "skewed"];

impl<'de> Deserialize<'de> for Dist {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Dist;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(
                    "a number, or a table with one of `fixed`, `uniform`, `exponential`, `skewed`",
                )
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Dist, E> {
                Ok(Dist::Fixed(v as f64))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Dist, E> {
                Ok(Dist::Fixed(v as f64))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Dist, E> {
                Ok(Dist::Fixed(v))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Dist, A::Error> {
                let mut out = None;
                while let Some(key) = map.next_key::<String>()? {
                    let dist = match key.as_str() {
                        "fixed" => Dist::Fixed(map.next_value()?),
                        "uniform" => {
                            let [a, b]: [f64; 2] = map.next_value()?;
                            Dist::Uniform(a, b)
                        }
                        "exponential" => Dist::Exponential(map.next_value()?),
                        "skewed" => {
                            let s: SkewedSpec = map.next_value()?;
                            Dist::Skewed {
                                min: s.min,
                                max: s.max,
                                alpha: s.alpha.unwrap_or(DEFAULT_ALPHA),
                            }
                        }
                        other => return Err(de::Error::unknown_field(other, KINDS)),
                    };
                    if out.replace(dist).is_some() {
                        return Err(de::Error::custom(
                            "give one distribution: one of `fixed`, `uniform`, `exponential`, `skewed`",
                        ));
                    }
                }
                out.ok_or_else(|| de::Error::custom("an empty distribution: give one of `fixed`, `uniform`, `exponential`, `skewed`"))
            }
        }
        d.deserialize_any(V)
    }
}

#[cfg(test)]
mod test {
    use super::*;

    #[test]
    fn draws_stay_in_bounds_and_average_near_the_mean() {
        let dists = [
            Dist::Uniform(2.0, 8.0),
            Dist::Exponential(5.0),
            Dist::Skewed {
                min: 1.0,
                max: 1000.0,
                alpha: DEFAULT_ALPHA,
            },
        ];
        for d in dists {
            let mut rng = Rng::new(7, 1);
            let n = 200_000;
            let xs: Vec<f64> = (0..n).map(|_| d.sample(&mut rng)).collect();
            assert!(xs.iter().all(|&x| x > 0.0 && x <= d.max()), "{d:?}");
            let mean = xs.iter().sum::<f64>() / n as f64;
            assert!(
                (mean / d.mean() - 1.0).abs() < 0.05,
                "{d:?}: {mean} vs {}",
                d.mean()
            );
        }
    }

    #[test]
    fn the_same_seed_gives_the_same_numbers() {
        let a: Vec<u64> = (0..4).map(|_| Rng::new(1, 2).next_u64()).collect();
        assert!(a.windows(2).all(|w| w[0] == w[1]));
        assert_ne!(Rng::new(1, 2).next_u64(), Rng::new(1, 3).next_u64());
    }
}

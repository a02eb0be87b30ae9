//! A spec's job: `items` items, each costing a seeded number of kernel
//! units and optionally reading some bytes, summed.
//!
//! Its kernel is an affine recurrence `x = a*x + c` (mod 2^64): one dependent
//! multiply and add per iteration, so it cannot be vectorised or skipped by
//! the machine, yet its result after `k` iterations has a closed form
//! (`x_k = A*x_0 + C`, with `A` and `C` found by squaring in `log k` steps).
//! The reference answer is therefore worked out without doing the work, and
//! checks every model, sequential included.

use crate::erase::Erased;
use crate::job::{JobInput, Program};
use crate::spec::dist::{Dist, Rng};
use crate::Exec;

const A: u64 = 6_364_136_223_846_793_005;
const C: u64 = 1_442_695_040_888_963_407;
/// Iterations of the affine kernel in one unit: about a microsecond, the
/// same as a unit of the task scripts' kernel ([`crate::compute`]), whose
/// iterations carry a longer dependency chain.
pub(crate) const AFFINE_ITERS_PER_UNIT: u64 = 960;

/// `units` units of the affine kernel from `seed`, the slow way.
fn affine(units: u64, seed: u64) -> u64 {
    let mut x = seed;
    for _ in 0..units * AFFINE_ITERS_PER_UNIT {
        // The multiplier goes through `black_box`, so the compiler cannot
        // see the recurrence and replace the loop by its closed form (it
        // does, otherwise); the load is off the chain of `x`.
        x = x.wrapping_mul(std::hint::black_box(A)).wrapping_add(C);
    }
    std::hint::black_box(x)
}

/// The same result in `O(log units)`: compose the affine map with itself.
fn affine_closed(units: u64, seed: u64) -> u64 {
    let mut k = units * AFFINE_ITERS_PER_UNIT;
    let (mut acc_a, mut acc_c) = (1u64, 0u64);
    let (mut a, mut c) = (A, C);
    while k > 0 {
        if k & 1 == 1 {
            acc_a = acc_a.wrapping_mul(a);
            acc_c = acc_c.wrapping_mul(a).wrapping_add(c);
        }
        c = a.wrapping_add(1).wrapping_mul(c);
        a = a.wrapping_mul(a);
        k >>= 1;
    }
    acc_a.wrapping_mul(seed).wrapping_add(acc_c)
}

/// The job of a spec's `[job]` table.
#[derive(Debug, Clone)]
pub(crate) struct SpecJob {
    pub(crate) seed: u64,
    /// Kernel units per item.
    pub(crate) cost: Dist,
    /// 64-bit words each item reads.
    pub(crate) words: usize,
    /// Items per leaf; 0 picks one from the size.
    pub(crate) grain: usize,
}

impl SpecJob {
    fn units(&self, item: usize) -> u64 {
        let mut rng = Rng::new(self.seed, item as u64);
        (self.cost.sample(&mut rng).round() as u64).max(1)
    }

    fn item_seed(&self, item: usize) -> u64 {
        self.seed ^ (item as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15)
    }

    fn grain_for(&self, items: usize) -> usize {
        if self.grain > 0 {
            self.grain
        } else {
            // A few thousand leaves: enough for any pool to balance uneven
            // items, few enough that splitting costs nothing measurable.
            items.div_ceil(4096).max(1)
        }
    }
}

impl Program for SpecJob {
    fn prepare(&self, size: usize) -> JobInput {
        // Word j holds j, so that the sum of any range has a closed form.
        JobInput::new(size, (0..(size * self.words) as u64).collect())
    }

    fn run(&self, exec: Erased<'_>, input: &mut JobInput) -> String {
        let items = input.size();
        let data = &input.data;
        let w = self.words;
        let total = exec.map_reduce(
            items,
            self.grain_for(items),
            |r| {
                r.fold(0u64, |acc, i| {
                    let touched = data[i * w..(i + 1) * w]
                        .iter()
                        .fold(0u64, |a, &x| a.wrapping_add(x));
                    acc.wrapping_add(affine(self.units(i), self.item_seed(i)))
                        .wrapping_add(touched)
                })
            },
            u64::wrapping_add,
        );
        format!("{items} items, checksum {total:016x}")
    }

    fn known_answer(&self, items: usize) -> Option<String> {
        let words = (items * self.words) as u64;
        // Sum of 0..words, wrapping: halve the even factor first.
        let (a, b) = if words % 2 == 0 {
            (words / 2, words.wrapping_sub(1))
        } else {
            (words, words.wrapping_sub(1) / 2)
        };
        let touched = a.wrapping_mul(b);
        let total = (0..items).fold(touched, |acc, i| {
            acc.wrapping_add(affine_closed(self.units(i), self.item_seed(i)))
        });
        Some(format!("{items} items, checksum {total:016x}"))
    }
}

#[cfg(test)]
mod test {
    use super::*;

    #[test]
    fn the_closed_form_matches_the_kernel() {
        for (units, seed) in [(0, 1), (1, 0), (3, 42), (17, u64::MAX)] {
            assert_eq!(affine_closed(units, seed), affine(units, seed));
        }
    }

    #[test]
    fn the_worked_out_answer_matches_a_run() {
        let job = SpecJob {
            seed: 9,
            cost: Dist::Uniform(1.0, 5.0),
            words: 3,
            grain: 0,
        };
        for items in [1, 7, 100] {
            let mut input = job.prepare(items);
            let ran = job.run(Erased(&crate::Sequential), &mut input);
            assert_eq!(Some(ran), job.known_answer(items));
        }
    }
}

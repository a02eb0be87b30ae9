//! Fannkuch-redux, Benchmarks Game rules. The n! permutations are numbered
//! in the game's order; any block of them can start from its first index
//! (factorial number system), so blocks run independently and their
//! (checksum, max flips) pairs combine by sum and max.

use std::ops::Range;

use crate::Exec;

use crate::erase::Erased;
use crate::job::{Job, JobInput, Program};
use crate::{Class, Origin, Shape, Workload};

/// Largest n: the permutation arrays hold at most this many elements.
const MAX_N: usize = 16;

fn factorial(n: usize) -> usize {
    (1..=n).product()
}

/// Flips of one permutation: reverse the first `p[0] + 1` elements until
/// `p[0] == 0`.
fn flips(perm: &[u8; MAX_N]) -> i64 {
    let mut p = *perm;
    let mut count = 0;
    let mut first = p[0] as usize;
    while first != 0 {
        p[..=first].reverse();
        count += 1;
        first = p[0] as usize;
    }
    count
}

/// Checksum and max flips over the permutations with indices in `range`.
fn block(n: usize, range: Range<usize>) -> (i64, i64) {
    let mut perm = [0u8; MAX_N];
    let mut count = [0usize; MAX_N];
    for (i, p) in perm.iter_mut().enumerate().take(n) {
        *p = i as u8;
    }
    // Position the generator at `range.start`: digit i of the index in the
    // factorial base is how often the prefix 0..=i has been rotated.
    let mut idx = range.start;
    for i in (1..n).rev() {
        let f = factorial(i);
        let d = idx / f;
        idx %= f;
        count[i] = d;
        perm[..=i].rotate_left(d);
    }
    let (mut checksum, mut max_flips) = (0i64, 0i64);
    for index in range {
        let f = flips(&perm);
        max_flips = max_flips.max(f);
        checksum += if index % 2 == 0 { f } else { -f };
        next_permutation(&mut perm, &mut count, n);
    }
    (checksum, max_flips)
}

/// The game's permutation order: rotate the prefix 0..=1; when a level has
/// been rotated `i + 1` times, reset it and rotate the next longer prefix.
fn next_permutation(perm: &mut [u8; MAX_N], count: &mut [usize; MAX_N], n: usize) {
    let mut i = 1;
    while i < n {
        perm[..=i].rotate_left(1);
        count[i] += 1;
        if count[i] <= i {
            return;
        }
        count[i] = 0;
        i += 1;
    }
}

pub(crate) fn run<E: Exec>(exec: &E, n: usize) -> String {
    let total = factorial(n);
    // About 64 blocks a core on a big machine, and never fewer than 720
    // permutations a block, so a block amortises its start-up.
    let grain = (total / 1024).max(720);
    let (checksum, max_flips) = exec.map_reduce(
        total,
        grain,
        |r| block(n, r),
        |a, b| (a.0 + b.0, a.1.max(b.1)),
    );
    format!("{checksum}\nPfannkuchen({n}) = {max_flips}")
}

struct FannkuchRedux;

impl Program for FannkuchRedux {
    fn known_answer(&self, size: usize) -> Option<String> {
        (size == 7).then(|| "228\nPfannkuchen(7) = 16".to_owned())
    }

    fn run(&self, exec: Erased<'_>, input: &mut JobInput) -> String {
        run(&exec, input.size())
    }
}

/// The catalogue entry.
pub(crate) fn workload() -> Workload {
    Workload {
        name: "fannkuch-redux".into(),
        class: Class::Cpu,
        description: "Pancake flips over all permutations (Benchmarks Game rules), in independent blocks of permutations: embarrassingly parallel; one core gains nothing.".into(),
        unit: "elements permuted".into(),
        shape: Shape::Job(Job::new(FannkuchRedux)),
        presets: [7, 9, 10],
        max: 12,
        why_max: "13! permutations would take hours".into(),
        serial: false,
        origin: Origin::BuiltIn,
    }
}

#[cfg(test)]
mod test {
    use super::*;

    /// The game's sequential generator, for comparison.
    fn reference(n: usize) -> (i64, i64) {
        let mut perm1: Vec<u8> = (0..n as u8).collect();
        let mut count = vec![0usize; n];
        let (mut checksum, mut max_flips, mut perm_count) = (0i64, 0i64, 0usize);
        let mut r = n;
        loop {
            while r != 1 {
                count[r - 1] = r;
                r -= 1;
            }
            let mut p = [0u8; MAX_N];
            p[..n].copy_from_slice(&perm1);
            let f = flips(&p);
            max_flips = max_flips.max(f);
            checksum += if perm_count % 2 == 0 { f } else { -f };
            loop {
                if r == n {
                    return (checksum, max_flips);
                }
                let p0 = perm1[0];
                perm1.copy_within(1..=r, 0);
                perm1[r] = p0;
                count[r] -= 1;
                if count[r] > 0 {
                    break;
                }
                r += 1;
            }
            perm_count += 1;
        }
    }

    #[test]
    fn blocks_match_the_games_generator() {
        for n in 1..=8 {
            let whole = block(n, 0..factorial(n));
            assert_eq!(whole, reference(n), "n = {n}");
            let mid = factorial(n) / 3;
            let a = block(n, 0..mid);
            let b = block(n, mid..factorial(n));
            assert_eq!((a.0 + b.0, a.1.max(b.1)), whole, "split, n = {n}");
        }
    }
}

//! Primes below n by trial division of each number: the cost of a number
//! grows with its square root, so the end of the range is the heavy end.

use crate::Exec;

use crate::erase::Erased;
use crate::job::{Job, JobInput, Program};
use crate::{Class, Origin, Shape, Workload};

fn is_prime(x: u64) -> bool {
    if x < 4 {
        return x >= 2;
    }
    if x % 2 == 0 {
        return false;
    }
    let mut d = 3;
    while d * d <= x {
        if x % d == 0 {
            return false;
        }
        d += 2;
    }
    true
}

pub(crate) fn run<E: Exec>(exec: &E, n: usize) -> String {
    let count = exec.map_reduce(
        n,
        1_024,
        |r| r.filter(|&x| is_prime(x as u64)).count(),
        |a, b| a + b,
    );
    count.to_string()
}

struct Primes;

impl Program for Primes {
    fn run(&self, exec: Erased<'_>, input: &mut JobInput) -> String {
        run(&exec, input.size())
    }
}

/// The catalogue entry.
pub(crate) fn workload() -> Workload {
    Workload {
        name: "primes".into(),
        class: Class::Cpu,
        description: "Counts primes below n by trial division: later numbers cost more, so equal blocks are unequal work and dynamic splitting wins.".into(),
        unit: "upper bound".into(),
        shape: Shape::Job(Job::new(Primes)),
        presets: [10_000, 500_000, 5_000_000],
        max: 1_000_000_000,
        why_max: "trial division beyond 10^9 takes hours".into(),
        serial: false,
        origin: Origin::BuiltIn,
    }
}

#[cfg(test)]
mod test {
    #[test]
    fn known_counts() {
        for (n, k) in [(1, 0), (2, 0), (3, 1), (10, 4), (100, 25), (10_000, 1_229)] {
            assert_eq!(super::run(&crate::Sequential, n), k.to_string(), "n = {n}");
        }
    }
}

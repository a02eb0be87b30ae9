//! Primes below n by trial division of each number: the cost of a number
//! grows with its square root, so the end of the range is the heavy end.

use crate::Exec;

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

#[cfg(test)]
mod test {
    #[test]
    fn known_counts() {
        for (n, k) in [(1, 0), (2, 0), (3, 1), (10, 4), (100, 25), (10_000, 1_229)] {
            assert_eq!(super::run(&crate::Sequential, n), k.to_string(), "n = {n}");
        }
    }
}

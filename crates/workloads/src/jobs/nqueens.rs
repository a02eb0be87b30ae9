//! N-queens: count the ways to place n non-attacking queens. The search is
//! split by the queens of the first two rows (n² subproblems of very
//! different sizes, many empty): irregular work that needs balancing.

use crate::Exec;

use crate::erase::Erased;
use crate::job::{Job, JobInput, Program};
use crate::{Class, Origin, Shape, Workload};

/// Solutions below a partial placement, as bitmasks of attacked columns.
fn solve(full: u32, cols: u32, left: u32, right: u32) -> u64 {
    if cols == full {
        return 1;
    }
    let mut free = full & !(cols | left | right);
    let mut count = 0;
    while free != 0 {
        let bit = free & free.wrapping_neg();
        free ^= bit;
        count += solve(
            full,
            cols | bit,
            ((left | bit) << 1) & full,
            (right | bit) >> 1,
        );
    }
    count
}

/// Solutions with the first queen in column `a` and the second in `b`.
fn subtree(n: usize, a: usize, b: usize) -> u64 {
    let full = (1u32 << n) - 1;
    let (qa, qb) = (1u32 << a, 1u32 << b);
    if n == 1 {
        return 1;
    }
    if a == b || a.abs_diff(b) == 1 {
        return 0;
    }
    let cols = qa | qb;
    let left = (((qa << 1) | qb) << 1) & full;
    let right = ((qa >> 1) | qb) >> 1;
    solve(full, cols, left, right)
}

pub(crate) fn run<E: Exec>(exec: &E, n: usize) -> String {
    if n == 1 {
        return "1".into();
    }
    let count = exec.map_reduce(
        n * n,
        1,
        |r| r.map(|i| subtree(n, i / n, i % n)).sum::<u64>(),
        |a, b| a + b,
    );
    count.to_string()
}

struct NQueens;

impl Program for NQueens {
    fn run(&self, exec: Erased<'_>, input: &mut JobInput) -> String {
        run(&exec, input.size())
    }
}

/// The catalogue entry.
pub(crate) fn workload() -> Workload {
    Workload {
        name: "n-queens".into(),
        class: Class::Cpu,
        description: "Counts the placements of n queens: an irregular search tree split by the first two rows, so it needs load balancing to scale.".into(),
        unit: "board side".into(),
        shape: Shape::Job(Job::new(NQueens)),
        presets: [8, 12, 15],
        max: 18,
        why_max: "beyond 18 the search takes hours".into(),
        serial: false,
        origin: Origin::BuiltIn,
    }
}

#[cfg(test)]
mod test {
    #[test]
    fn known_counts() {
        let known = [1, 0, 0, 2, 10, 4, 40, 92, 352, 724];
        for (i, &k) in known.iter().enumerate() {
            assert_eq!(
                super::run(&crate::Sequential, i + 1),
                k.to_string(),
                "n = {}",
                i + 1
            );
        }
    }
}

//! Sum of a large vector: one add per 8 bytes loaded, so memory bandwidth,
//! not arithmetic, sets the pace.

use crate::Exec;

/// Deterministic data: a multiplicative hash of the index.
pub(crate) fn input(n: usize) -> Vec<u64> {
    (0..n as u64)
        .map(|i| i.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 16)
        .collect()
}

pub(crate) fn run<E: Exec>(exec: &E, data: &[u64]) -> String {
    let total = exec.map_reduce(
        data.len(),
        1 << 16,
        |r| data[r].iter().fold(0u64, |a, &x| a.wrapping_add(x)),
        u64::wrapping_add,
    );
    total.to_string()
}

//! Spectral norm, Benchmarks Game rules: ten rounds of `v = AᵀA u`,
//! `u = AᵀA v`, each product a map over rows with a barrier between phases.

use crate::Exec;

fn a(i: usize, j: usize) -> f64 {
    1.0 / (((i + j) * (i + j + 1) / 2 + i + 1) as f64)
}

/// One phase: `out[i] = Σ_j m(i, j) * v[j]`, rows split by the model.
fn product<E: Exec>(exec: &E, v: &[f64], transpose: bool) -> Vec<f64> {
    let n = v.len();
    exec.map_reduce(
        n,
        16,
        |rows| {
            rows.map(|i| {
                v.iter()
                    .enumerate()
                    .map(|(j, &vj)| if transpose { a(j, i) } else { a(i, j) } * vj)
                    .sum::<f64>()
            })
            .collect::<Vec<f64>>()
        },
        |mut x, y| {
            x.extend_from_slice(&y);
            x
        },
    )
}

fn ata<E: Exec>(exec: &E, v: &[f64]) -> Vec<f64> {
    product(exec, &product(exec, v, false), true)
}

pub(crate) fn run<E: Exec>(exec: &E, n: usize) -> String {
    let mut u = vec![1.0; n];
    let mut v = Vec::new();
    for _ in 0..10 {
        v = ata(exec, &u);
        u = ata(exec, &v);
    }
    let vbv: f64 = u.iter().zip(&v).map(|(a, b)| a * b).sum();
    let vv: f64 = v.iter().map(|x| x * x).sum();
    format!("{:.9}", (vbv / vv).sqrt())
}

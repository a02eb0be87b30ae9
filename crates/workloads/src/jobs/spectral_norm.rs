//! Spectral norm, Benchmarks Game rules: ten rounds of `v = AᵀA u`,
//! `u = AᵀA v`, each product a map over rows with a barrier between phases.

use crate::Exec;

use crate::erase::Erased;
use crate::job::{Job, JobInput, Program};
use crate::{Class, Origin, Shape, Workload};

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

struct SpectralNorm;

impl Program for SpectralNorm {
    fn known_answer(&self, size: usize) -> Option<String> {
        (size == 100).then(|| "1.274219991".to_owned())
    }

    fn run(&self, exec: Erased<'_>, input: &mut JobInput) -> String {
        run(&exec, input.size())
    }
}

/// The catalogue entry.
pub(crate) fn workload() -> Workload {
    Workload {
        name: "spectral-norm".into(),
        class: Class::Cpu,
        description: "Spectral norm of an infinite matrix (Benchmarks Game rules): phases of parallel maps with a barrier between them; scales with cores, not with tasks.".into(),
        unit: "matrix order".into(),
        shape: Shape::Job(Job::new(SpectralNorm)),
        presets: [100, 500, 3_500],
        max: 100_000,
        why_max: "40*n^2 matrix products would take hours beyond it".into(),
        serial: false,
        origin: Origin::BuiltIn,
    }
}

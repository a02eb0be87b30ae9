//! Sum of a large vector: one add per 8 bytes loaded, so memory bandwidth,
//! not arithmetic, sets the pace.

use crate::Exec;

use crate::erase::Erased;
use crate::job::{Job, JobInput, Program};
use crate::{Class, Origin, Shape, Workload};

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

struct Sum;

impl Program for Sum {
    fn prepare(&self, size: usize) -> JobInput {
        JobInput::new(size, input(size))
    }

    fn run(&self, exec: Erased<'_>, input: &mut JobInput) -> String {
        run(&exec, &input.data)
    }
}

/// The catalogue entry.
pub(crate) fn workload() -> Workload {
    Workload {
        name: "sum".into(),
        class: Class::Memory,
        description: "Sums a large vector of u64: bound by memory bandwidth, so extra cores help little and interleaving not at all.".into(),
        unit: "items".into(),
        shape: Shape::Job(Job::new(Sum)),
        presets: [100_000, 10_000_000, 200_000_000],
        max: 1 << 30,
        why_max: "8 bytes an item must stay within 8 GiB".into(),
        serial: false,
        origin: Origin::BuiltIn,
    }
}

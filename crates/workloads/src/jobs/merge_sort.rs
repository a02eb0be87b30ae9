//! Merge sort: the input is cut into one part per core of the model
//! (`map_reduce` with a grain of `len / parallelism`); each part is sorted
//! by `join`-based divide and conquer (both halves in parallel where the
//! model can, then merged), and the sorted parts are merged by the reduce's
//! `combine`. The top merge touches every item on one core, which bounds
//! the speedup (Amdahl).
//!
//! The parts are owned vectors that the leaves return, so a model whose
//! workers do not share memory (processes) can sort its parts where they
//! are and send them: the work of a part stays with it, and only sorted
//! data crosses. On one core the parts are one: the whole input is sorted
//! in place.

use std::sync::Arc;

use crate::Exec;

use crate::erase::Erased;
use crate::job::{Job, JobInput, Program};
use crate::{Class, Origin, Shape, Workload};

/// Below this many items a half is sorted in place on one core: a fork
/// costs more than it saves.
const SEQUENTIAL_CUTOFF: usize = 1 << 13;

/// Seeded pseudo-random data (xorshift64*).
pub(crate) fn input(n: usize) -> Vec<u64> {
    let mut x = 0x853C_49E6_748F_EA9Bu64;
    (0..n)
        .map(|_| {
            x ^= x >> 12;
            x ^= x << 25;
            x ^= x >> 27;
            x.wrapping_mul(0x2545_F491_4F6C_DD1D)
        })
        .collect()
}

/// Sorts `v`, using `buf` (same length) as scratch.
fn sort<E: Exec>(exec: &E, v: &mut [u64], buf: &mut [u64]) {
    if v.len() <= SEQUENTIAL_CUTOFF {
        v.sort_unstable();
        return;
    }
    let mid = v.len() / 2;
    {
        let (lo, hi) = v.split_at_mut(mid);
        let (blo, bhi) = buf.split_at_mut(mid);
        exec.join(|| sort(exec, lo, blo), || sort(exec, hi, bhi));
    }
    merge(&v[..mid], &v[mid..], buf);
    v.copy_from_slice(buf);
}

fn merge(a: &[u64], b: &[u64], out: &mut [u64]) {
    let (mut i, mut j) = (0, 0);
    for slot in out.iter_mut() {
        *slot = if j == b.len() || (i < a.len() && a[i] <= b[j]) {
            i += 1;
            a[i - 1]
        } else {
            j += 1;
            b[j - 1]
        };
    }
}

/// `a` and `b` merged into a new vector.
fn merged(a: Vec<u64>, b: Vec<u64>) -> Vec<u64> {
    if a.is_empty() {
        return b;
    }
    let mut out = vec![0; a.len() + b.len()];
    merge(&a, &b, &mut out);
    out
}

/// `data` sorted: one part a core, each sorted by [`sort`], merged in order.
fn sorted<E: Exec>(exec: &E, mut data: Vec<u64>) -> Vec<u64> {
    let parts = exec.parallelism().max(1);
    if parts == 1 || data.len() <= SEQUENTIAL_CUTOFF {
        let mut buf = vec![0; data.len()];
        sort(exec, &mut data, &mut buf);
        return data;
    }
    let whole = &data;
    exec.map_reduce(
        data.len(),
        data.len().div_ceil(parts),
        |r| {
            let mut part = whole[r].to_vec();
            let mut buf = vec![0; part.len()];
            sort(exec, &mut part, &mut buf);
            part
        },
        merged,
    )
}

pub(crate) fn run<E: Exec>(exec: &E, data: Vec<u64>) -> String {
    let data = sorted(exec, data);
    if data.windows(2).any(|w| w[0] > w[1]) {
        return "NOT SORTED".into();
    }
    let checksum = data.iter().enumerate().fold(0u64, |a, (i, &x)| {
        a.wrapping_add(x.wrapping_mul(i as u64 + 1))
    });
    format!("{} items sorted, checksum {checksum:016x}", data.len())
}

struct MergeSort;

impl Program for MergeSort {
    fn prepare(&self, size: usize) -> JobInput {
        JobInput::new(size, input(size))
    }

    fn consumes_input(&self) -> bool {
        true
    }

    fn run(&self, exec: Erased<'_>, input: &mut JobInput) -> String {
        // Taken whole: a clone that shares it (never made of a consumed
        // input) would be copied.
        run(&exec, Arc::unwrap_or_clone(std::mem::take(&mut input.data)))
    }
}

/// The catalogue entry.
pub(crate) fn workload() -> Workload {
    Workload {
        name: "merge-sort".into(),
        class: Class::Cpu,
        description: "Sorts seeded random u64: one part a core, each sorted by join-based divide and conquer, the sorted parts merged; the last merge is sequential, which caps the speedup.".into(),
        unit: "items".into(),
        shape: Shape::Job(Job::new(MergeSort)),
        presets: [10_000, 1_000_000, 10_000_000],
        max: 1 << 28,
        why_max: "24 bytes an item (the input, the sorted parts and their buffers or merge) must stay within 8 GiB".into(),
        serial: false,
        origin: Origin::BuiltIn,
    }
}

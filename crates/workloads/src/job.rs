//! Data-shaped workloads: jobs written once against [`Exec`].

use crate::jobs::{fannkuch, mandelbrot, merge_sort, nbody, nqueens, primes, spectral_norm, sum};
use crate::Exec;

/// A data-shaped workload. [`Job::run`] is generic over the model, so every
/// model runs the same job code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Job {
    /// Mandelbrot bitmap; answer: MD5 of the PBM bytes.
    Mandelbrot,
    /// Spectral norm; answer: the norm with 9 decimals.
    SpectralNorm,
    /// Fannkuch-redux; answer: checksum, then `Pfannkuchen(n) = m`.
    FannkuchRedux,
    /// N-body; answer: energy before and after, 9 decimals each.
    NBody,
    /// N-queens; answer: the number of solutions.
    NQueens,
    /// Primes below n; answer: their count.
    Primes,
    /// Sum of a vector; answer: the wrapping sum.
    Sum,
    /// Merge sort; answer: a checksum of the sorted output, or a note that it
    /// is not sorted.
    MergeSort,
}

/// A job's input, made by [`Job::prepare`] outside the timed region.
#[derive(Debug, Clone)]
pub struct JobInput {
    size: usize,
    data: Vec<u64>,
}

impl JobInput {
    /// The size this input was prepared for.
    pub fn size(&self) -> usize {
        self.size
    }
}

impl Job {
    /// Builds the input for a size (the vector for `sum` and `merge-sort`,
    /// nothing for the others). Untimed. The size is not checked here: use
    /// [`Workload::check_size`](crate::Workload::check_size) first.
    pub fn prepare(self, size: usize) -> JobInput {
        let data = match self {
            Job::Sum => sum::input(size),
            Job::MergeSort => merge_sort::input(size),
            _ => Vec::new(),
        };
        JobInput { size, data }
    }

    /// Whether [`run`](Self::run) consumes its input, so each run needs a
    /// fresh [`prepare`](Self::prepare).
    pub fn consumes_input(self) -> bool {
        matches!(self, Job::MergeSort)
    }

    /// Runs the job on a model and renders its answer.
    ///
    /// ```
    /// use cvp_workloads::{Job, Sequential};
    /// let mut input = Job::NQueens.prepare(6);
    /// assert_eq!(Job::NQueens.run(&Sequential, &mut input), "4");
    /// ```
    pub fn run<E: Exec>(self, exec: &E, input: &mut JobInput) -> String {
        let n = input.size;
        match self {
            Job::Mandelbrot => mandelbrot::run(exec, n),
            Job::SpectralNorm => spectral_norm::run(exec, n),
            Job::FannkuchRedux => fannkuch::run(exec, n),
            Job::NBody => nbody::run(exec, n),
            Job::NQueens => nqueens::run(exec, n),
            Job::Primes => primes::run(exec, n),
            Job::Sum => sum::run(exec, &input.data),
            Job::MergeSort => merge_sort::run(exec, &mut input.data),
        }
    }
}

/// The Benchmarks Game's published outputs, at their published sizes.
pub(crate) fn published(workload: &str, size: usize) -> Option<&'static str> {
    match (workload, size) {
        ("spectral-norm", 100) => Some("1.274219991"),
        ("fannkuch-redux", 7) => Some("228\nPfannkuchen(7) = 16"),
        ("n-body", 1000) => Some("-0.169075164\n-0.169087605"),
        ("mandelbrot", 200) => Some(mandelbrot::PUBLISHED_200_MD5),
        _ => None,
    }
}

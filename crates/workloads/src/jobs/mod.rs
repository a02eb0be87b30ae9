//! The data-shaped workloads, one file each: the kernel and its catalogue
//! entry.

pub(crate) mod fannkuch;
pub(crate) mod mandelbrot;
pub(crate) mod merge_sort;
pub(crate) mod nbody;
pub(crate) mod nqueens;
pub(crate) mod primes;
pub(crate) mod spectral_norm;
pub(crate) mod sum;

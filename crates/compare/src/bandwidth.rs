//! The machine's memory bandwidth, measured by a STREAM-style triad: what
//! memory-bound work is judged against.
//!
//! The triad is STREAM's fourth kernel, `a[i] = b[i] + s * c[i]`, over
//! three `f64` arrays far larger than the caches. Each thread owns one
//! contiguous slice of every array, which it also initialises (so on a
//! machine with several memory nodes its pages sit near it). Each count of
//! threads runs [`PASSES`] passes and keeps the fastest, as STREAM does:
//! bandwidth is a ceiling, and a disturbed pass can only be slower. Bytes
//! are counted STREAM's way, 24 per element (two reads, one write), without
//! the write-allocate read a cache may add.

use std::time::{Duration, Instant};

use cvp_report::{Bandwidth, Triad};

/// Bytes of each array: 4 times the last-level cache or this, whichever is
/// larger (STREAM's rule is at least 4 times the caches).
pub const MIN_ARRAY_BYTES: usize = 32 << 20;
/// Bytes of each array at most: three of them must fit beside the cells on
/// a small machine, and a virtual machine may report its host's whole
/// cache (480 MiB on the development VM), which no one thread sees.
pub const MAX_ARRAY_BYTES: usize = 128 << 20;
/// Timed passes per thread count; the fastest counts.
pub const PASSES: usize = 5;
/// The triad's scalar (STREAM's).
const SCALAR: f64 = 3.0;

/// Measures the triad at each of `threads` (and at 1, the ceiling's
/// denominator), with arrays of `array_bytes` each.
///
/// ```
/// let bw = cvp_compare::measure_bandwidth(&[2], 1 << 20);
/// assert_eq!(bw.triad.iter().map(|t| t.threads).collect::<Vec<_>>(), [1, 2]);
/// assert!(bw.triad.iter().all(|t| t.bytes_per_s > 0.0));
/// ```
pub fn measure_bandwidth(threads: &[usize], array_bytes: usize) -> Bandwidth {
    let len = (array_bytes / std::mem::size_of::<f64>()).max(1);
    let mut counts: Vec<usize> = threads.iter().copied().filter(|&t| t > 0).collect();
    counts.push(1);
    counts.sort_unstable();
    counts.dedup();
    let triad = counts
        .into_iter()
        .map(|t| Triad {
            threads: t,
            bytes_per_s: (3 * std::mem::size_of::<f64>() * len) as f64
                / best_pass(len, t).as_secs_f64().max(1e-9),
        })
        .collect();
    Bandwidth {
        array_bytes: (len * std::mem::size_of::<f64>()) as u64,
        triad,
    }
}

/// The array size for this machine: 4 times its last-level cache, within
/// [`MIN_ARRAY_BYTES`] and [`MAX_ARRAY_BYTES`].
pub fn default_array_bytes() -> usize {
    (4 * last_level_cache().unwrap_or(0)).clamp(MIN_ARRAY_BYTES, MAX_ARRAY_BYTES)
}

/// The largest cache of CPU 0, from sysfs (Linux), in bytes.
fn last_level_cache() -> Option<usize> {
    let dir = std::fs::read_dir("/sys/devices/system/cpu/cpu0/cache").ok()?;
    dir.filter_map(|e| {
        let size = std::fs::read_to_string(e.ok()?.path().join("size")).ok()?;
        let size = size.trim();
        let (num, mult) = match size.strip_suffix('K') {
            Some(n) => (n, 1 << 10),
            None => match size.strip_suffix('M') {
                Some(n) => (n, 1 << 20),
                None => (size, 1),
            },
        };
        num.parse::<usize>().ok().map(|n| n * mult)
    })
    .max()
}

/// The fastest of [`PASSES`] triad passes over arrays of `len` elements,
/// split across `threads` threads.
fn best_pass(len: usize, threads: usize) -> Duration {
    let chunk = len.div_ceil(threads);
    let mut a = vec![0.0f64; len];
    let mut b = vec![0.0f64; len];
    let mut c = vec![0.0f64; len];
    // First touch on the thread that will use each slice.
    std::thread::scope(|s| {
        for (a, b, c) in slices(&mut a, &mut b, &mut c, chunk) {
            s.spawn(move || {
                a.fill(1.0);
                b.fill(2.0);
                c.fill(0.5);
            });
        }
    });
    let mut best = Duration::MAX;
    for _ in 0..PASSES {
        let start = Instant::now();
        std::thread::scope(|s| {
            for (a, b, c) in slices(&mut a, &mut b, &mut c, chunk) {
                s.spawn(move || triad(a, b, c));
            }
        });
        best = best.min(start.elapsed());
    }
    // Keep the result observable so the passes are not optimised away.
    assert!(std::hint::black_box(a[len - 1]).is_finite());
    best
}

/// Each thread's slices of the three arrays.
type Slices<'a> = Vec<(&'a mut [f64], &'a mut [f64], &'a mut [f64])>;

fn slices<'a>(a: &'a mut [f64], b: &'a mut [f64], c: &'a mut [f64], chunk: usize) -> Slices<'a> {
    a.chunks_mut(chunk)
        .zip(b.chunks_mut(chunk))
        .zip(c.chunks_mut(chunk))
        .map(|((a, b), c)| (a, b, c))
        .collect()
}

/// `a[i] = b[i] + s * c[i]`.
fn triad(a: &mut [f64], b: &[f64], c: &[f64]) {
    for ((a, b), c) in a.iter_mut().zip(b).zip(c) {
        *a = b + SCALAR * c;
    }
}

#[cfg(test)]
mod test {
    use super::*;

    #[test]
    fn the_triad_computes_stream_s_kernel() {
        let (mut a, b, c) = (vec![0.0; 4], vec![1.0, 2.0, 3.0, 4.0], vec![1.0; 4]);
        triad(&mut a, &b, &c);
        assert_eq!(a, [4.0, 5.0, 6.0, 7.0]);
    }

    #[test]
    fn every_thread_count_is_measured_once_with_one_thread_first() {
        let bw = measure_bandwidth(&[3, 1, 3, 0], 1 << 16);
        let counts: Vec<usize> = bw.triad.iter().map(|t| t.threads).collect();
        assert_eq!(counts, [1, 3]);
        assert_eq!(bw.array_bytes, 1 << 16);
        assert!(bw.ceiling(3).unwrap() > 0.0);
    }

    #[test]
    fn array_bytes_stay_within_their_bounds() {
        let n = default_array_bytes();
        assert!((MIN_ARRAY_BYTES..=MAX_ARRAY_BYTES).contains(&n), "{n}");
    }
}

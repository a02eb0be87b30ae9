//! The compute kernel of task scripts: a fixed, deterministic amount of
//! arithmetic per unit, so answers never depend on timing.

/// Iterations of the mixing loop in one unit. Each iteration is a dependent
/// multiply, add, xor and shift (about five cycles), so 640 of them take about
/// a microsecond on a 3–4 GHz core that cannot overlap them.
pub const ITERS_PER_UNIT: u64 = 640;

/// Runs `units` units of the kernel from `seed` and returns the final state.
///
/// The loop carries one dependency chain, so it cannot be vectorised or
/// reordered away, and the result depends on every iteration.
///
/// ```
/// use cvp_workloads::compute;
/// assert_eq!(compute(3, 7), compute(3, 7));
/// assert_ne!(compute(3, 7), compute(3, 8));
/// ```
pub fn compute(units: u64, seed: u64) -> u64 {
    let mut x = seed ^ 0x2545_F491_4F6C_DD1D;
    for _ in 0..units * ITERS_PER_UNIT {
        x = x
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        x ^= x >> 29;
    }
    std::hint::black_box(x)
}

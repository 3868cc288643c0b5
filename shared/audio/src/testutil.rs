//! Deterministic test signals shared by the unit tests.

/// A pseudo-random sequence in [-1, 1) (a 64-bit LCG's top bits).
pub(crate) fn lcg(seed: u64) -> impl FnMut() -> f32 {
    let mut s = seed.wrapping_mul(6364136223846793005).wrapping_add(1);
    move || {
        s = s
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        ((s >> 40) as f32 / (1u64 << 23) as f32) - 1.0
    }
}

/// `n` values of [`lcg`]`(seed)`.
pub(crate) fn noise(n: usize, seed: u64) -> Vec<f32> {
    let mut g = lcg(seed);
    (0..n).map(|_| g()).collect()
}

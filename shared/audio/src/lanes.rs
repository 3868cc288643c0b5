//! The 8-lane reductions the hot loops share (sums, sums of squares,
//! maxima), written once.
//!
//! Exists because the baseline x86-64 target has no fast horizontal
//! reductions: a plain `iter().sum()` or `fold(max)` is a serial chain, but
//! eight independent partial results per step compile to packed SSE
//! operations. The long loops are their own functions so the slice they
//! get is known not to alias, which the vectoriser needs (`max_of`, mostly
//! called on 2-20 values, stays inlinable). The order of the additions
//! differs from a serial sum only by rounding.
//!
//! Like every hot loop of the crate, they are `#[multiversion]`: compiled
//! for the baseline, for AVX2 (x86-64-v3) and for AVX-512 (F, BW, CD, DQ,
//! VL: x86-64-v4), picked at run time by the `multiversion` crate. No loop
//! uses `mul_add`, so every version rounds alike and the analysis is
//! bit-identical on each (measured on the corpus); the wider ones only do
//! more lanes per instruction.

use multiversion::multiversion;

/// `W` values from the front of `x` as an array, which a loop over `0..W`
/// keeps in registers (the register-blocked FIR and true-peak loops). `x`
/// is sliced to exactly `W` by the caller, so the conversion cannot fail;
/// a shorter `x` would read as zeros.
#[inline(always)]
pub(crate) fn array<const W: usize>(x: &[f32]) -> [f32; W] {
    x.try_into().unwrap_or([0.0; W])
}

/// Largest value, at least 0 (compare-and-select lanes, which vectorise;
/// the inputs are powers, never NaN); a short slice (most cells of the
/// pitch grid span 2-20 bins) is folded serially, which skips the lane
/// reduction.
pub(crate) fn max_of(x: &[f32]) -> f32 {
    if x.len() < 16 {
        return x.iter().fold(0f32, |m, &v| if v > m { v } else { m });
    }
    let mut lanes = [0f32; 8];
    let mut it = x.chunks_exact(8);
    for c in &mut it {
        for (l, &v) in lanes.iter_mut().zip(c) {
            *l = if v > *l { v } else { *l };
        }
    }
    let mut m = 0f32;
    for &v in lanes.iter().chain(it.remainder()) {
        m = if v > m { v } else { m };
    }
    m
}

/// Sum with 8 partial sums (vectorises; the order differs from a serial sum
/// only by rounding).
#[multiversion(targets(
    "x86_64+avx512f+avx512bw+avx512cd+avx512dq+avx512vl+avx2+fma",
    "x86_64+avx2+fma"
))] // own function: noalias slices
pub(crate) fn lane_sum(x: &[f32]) -> f32 {
    let mut lanes = [0f32; 8];
    let mut it = x.chunks_exact(8);
    for c in &mut it {
        for (l, v) in lanes.iter_mut().zip(c) {
            *l += v;
        }
    }
    lanes.iter().sum::<f32>() + it.remainder().iter().sum::<f32>()
}

/// Sum of squares and largest |sample| of `x` (NaN sum when a sample is
/// NaN; NaN samples are ignored by the peak), one pass of 8 lanes.
#[multiversion(targets(
    "x86_64+avx512f+avx512bw+avx512cd+avx512dq+avx512vl+avx2+fma",
    "x86_64+avx2+fma"
))] // own function: noalias slices
pub(crate) fn sum_sq_peak(x: &[f32]) -> (f32, f32) {
    let mut sq = [0f32; 8];
    let mut pk = [0f32; 8];
    let mut it = x.chunks_exact(8);
    for c in &mut it {
        for ((s, p), v) in sq.iter_mut().zip(pk.iter_mut()).zip(c) {
            *s += v * v;
            let a = v.abs();
            *p = if a > *p { a } else { *p };
        }
    }
    let mut s: f32 = sq.iter().sum();
    let mut m = 0f32;
    for &a in &pk {
        m = if a > m { a } else { m };
    }
    for v in it.remainder() {
        s += v * v;
        let a = v.abs();
        m = if a > m { a } else { m };
    }
    (s, m)
}

/// Largest absolute value (0 for an empty slice), 8 lanes of
/// compare-and-select, which vectorises.
#[multiversion(targets(
    "x86_64+avx512f+avx512bw+avx512cd+avx512dq+avx512vl+avx2+fma",
    "x86_64+avx2+fma"
))] // own function: noalias slices
pub(crate) fn peak_abs(x: &[f32]) -> f32 {
    let mut lanes = [0f32; 8];
    let mut it = x.chunks_exact(8);
    for c in &mut it {
        for (l, v) in lanes.iter_mut().zip(c) {
            let a = v.abs();
            *l = if a > *l { a } else { *l };
        }
    }
    let mut m = 0f32;
    for a in lanes.iter().chain(it.remainder()).map(|v| v.abs()) {
        m = if a > m { a } else { m };
    }
    m
}

//! Cheap decimation of the mono analysis signal by powers of two.
//!
//! Exists because resampling the whole file to the analysis rate with a
//! general (FFT) resampler cost as much as the analysis itself. Most files
//! are at 44.1 kHz (or 22.05/88.2 kHz), a power-of-two multiple of
//! [`crate::features::ANALYSIS_SR`], so a cascade of linear-phase half-band
//! FIR stages gets there exactly; other rates (48 kHz -> 12 kHz, ...) are
//! halved the same way as far as possible and `rubato` does the small
//! remaining step at the low rate.
//!
//! Each stage keeps what the analysis uses (0-5 kHz at the final rate)
//! nearly free of aliasing: a half-band filter's response is symmetric
//! about a quarter of its input rate, so the pass band edge `p` fixes the
//! stop band edge `fs/2 - p`, and what folds onto `0..p` is attenuated by
//! the stop band (last stage, measured: -0.05 dB at 5 kHz, -39 dB at 6 kHz,
//! < -75 dB from 6.5 kHz, so aliases reach only 4.5-5 kHz, 40-75 dB down). Kaiser-windowed sinc, designed at
//! start-up; odd taps vanish, the rest are symmetric, so an output sample
//! costs `taps / 4` multiplications.

use std::f64::consts::PI;

use multiversion::multiversion;

use crate::lanes::array;

/// One half-band decimate-by-2 stage, zero-phase: output `m` is the
/// filtered input at index `2m` (samples before the start count as zero),
/// so the cascade adds no delay.
pub struct HalfBand {
    /// Non-zero off-centre coefficients `h[1], h[3], ...` (the filter is
    /// symmetric and `h[0] = 0.5`).
    odd: Vec<f32>,
    /// Half-length `H = 2 * odd.len() - 1`: taps at offsets `-H..=H`.
    half: usize,
    /// Input samples from global index `base` on.
    buf: Vec<f32>,
    base: i64,
    /// Scratch: gathered odd neighbours and output accumulators.
    odds: Vec<f32>,
    acc: Vec<f32>,
    /// Global input index of the next output's centre.
    next: i64,
}

fn bessel_i0(x: f64) -> f64 {
    let mut sum = 1.0;
    let mut term = 1.0;
    let q = x * x / 4.0;
    for k in 1..60 {
        term *= q / (k * k) as f64;
        sum += term;
        if term < 1e-14 * sum {
            break;
        }
    }
    sum
}

impl HalfBand {
    /// A stage with `odd` non-zero off-centre coefficient pairs (`4 * odd -
    /// 1` taps) and Kaiser window `beta`.
    pub fn new(odd: usize, beta: f64) -> Self {
        let odd = odd.max(1);
        let half = 2 * odd - 1;
        let coef: Vec<f64> = (0..odd)
            .map(|i| {
                let n = (2 * i + 1) as f64;
                let x = PI * n / 2.0;
                let sinc = 0.5 * x.sin() / x;
                let r = n / (half + 1) as f64;
                let w = bessel_i0(beta * (1.0 - r * r).max(0.0).sqrt()) / bessel_i0(beta);
                sinc * w
            })
            .collect();
        // exact unit gain at DC: 0.5 + 2 * sum(odd) = 1
        let s: f64 = coef.iter().sum();
        let scale = if s.abs() > 1e-9 { 0.25 / s } else { 1.0 };
        HalfBand {
            odd: coef.iter().map(|v| (v * scale) as f32).collect(),
            half,
            buf: vec![0.0; half],
            base: -(half as i64),
            odds: Vec::new(),
            acc: Vec::new(),
            next: 0,
        }
    }

    /// Filters `x` and appends the decimated output to `out`.
    ///
    /// With `K` coefficient pairs (`H = 2K - 1`), the output centred on the
    /// even input `c` is `0.5 x[c] + sum_i h_i (x[c - 2i - 1] + x[c + 2i + 1])`:
    /// only odd neighbours enter, so the odd samples are gathered once and
    /// each coefficient is applied to a whole block of outputs (a
    /// vectorised loop over the outputs, coefficients outside).
    pub fn process(&mut self, x: &[f32], out: &mut Vec<f32>) {
        // the input is read where it lies: `buf` (from global index
        // `base`) followed by `x`; only the few samples the next call still
        // needs are copied into `buf`
        let h = self.half as i64;
        let k = self.odd.len();
        let end = self.base + (self.buf.len() + x.len()) as i64;
        if self.next + h < end {
            let m = ((end - 1 - h - self.next) / 2 + 1) as usize;
            let lc = (self.next - self.base) as usize; // >= H
            let n_odd = m + self.half;
            gather_even_2(&self.buf, x, lc - self.half, n_odd, &mut self.odds);
            gather_even_2(&self.buf, x, lc, m, &mut self.acc);
            fir_pairs(&mut self.acc[..m], &self.odds[..n_odd], &self.odd, k);
            out.extend_from_slice(&self.acc);
            self.next += 2 * m as i64;
        }
        // keep the input from `next - H` on
        let keep_from = (self.next - h).max(self.base);
        let held = self.buf.len() as i64;
        if keep_from - self.base >= held {
            let skip = ((keep_from - self.base - held) as usize).min(x.len());
            self.buf.clear();
            self.buf.extend_from_slice(&x[skip..]);
        } else {
            self.buf.drain(..(keep_from - self.base) as usize);
            self.buf.extend_from_slice(x);
        }
        self.base = keep_from;
    }

    /// Pushes zeros so that every centre up to the last input has its output.
    pub fn finish(&mut self, out: &mut Vec<f32>) {
        let zeros = vec![0.0; self.half];
        self.process(&zeros, out);
    }
}

/// `acc[j] = 0.5 acc[j] + sum_i coef[i] (odds[j + k - 1 - i] + odds[j + k + i])`.
/// A function of its own so the slices are known not to alias (the loop
/// then vectorises). Outputs are done in blocks of 64, then of 16, then one
/// by one, with every coefficient while a block's sums stay in registers
/// (a coefficient at a time over the whole block read and wrote the block
/// once per coefficient); each output's terms are added in the same order
/// either way.
#[multiversion(targets(
    "x86_64+avx512f+avx512bw+avx512cd+avx512dq+avx512vl+avx2+fma",
    "x86_64+avx2+fma"
))] // own function: noalias slices
fn fir_pairs(acc: &mut [f32], odds: &[f32], coef: &[f32], k: usize) {
    let m = acc.len();
    let big = m - m % 64;
    let small = m - m % 16;
    fir_block::<64>(&mut acc[..big], odds, coef, k, 0);
    fir_block::<16>(&mut acc[big..small], odds, coef, k, big);
    for (j, out) in acc.iter_mut().enumerate().skip(small) {
        let mut a = *out * 0.5;
        for (i, &c) in coef.iter().enumerate() {
            a += c * (odds[j + k - 1 - i] + odds[j + k + i]);
        }
        *out = a;
    }
}

/// [`fir_pairs`] for whole blocks of `W` outputs (`acc` holds outputs
/// `first..`): their `W` sums stay in registers over all coefficients, in
/// independent lanes (64 = four AVX-512 or eight AVX2 registers, so the
/// additions of one coefficient do not wait on the previous one's).
#[inline(always)]
fn fir_block<const W: usize>(acc: &mut [f32], odds: &[f32], coef: &[f32], k: usize, first: usize) {
    for (b, out) in acc.chunks_exact_mut(W).enumerate() {
        let j0 = first + b * W;
        let mut a = [0f32; W];
        for (x, v) in a.iter_mut().zip(out.iter()) {
            *x = v * 0.5;
        }
        for (i, &c) in coef.iter().enumerate() {
            let lo = array::<W>(&odds[j0 + k - 1 - i..j0 + k - 1 - i + W]);
            let hi = array::<W>(&odds[j0 + k + i..j0 + k + i + W]);
            for l in 0..W {
                a[l] += c * (lo[l] + hi[l]);
            }
        }
        out.copy_from_slice(&a);
    }
}

/// `out = [x[0], x[2], ..., x[2(n-1)]]` (`x` holds at least `2n - 1` values).
#[multiversion(targets(
    "x86_64+avx512f+avx512bw+avx512cd+avx512dq+avx512vl+avx2+fma",
    "x86_64+avx2+fma"
))] // own function: noalias slices
fn gather_even(x: &[f32], n: usize, out: &mut [f32]) {
    if n == 0 {
        return;
    }
    let (o, last) = out[..n].split_at_mut(n - 1);
    for (v, pair) in o.iter_mut().zip(x[..2 * (n - 1)].chunks_exact(2)) {
        *v = pair[0];
    }
    last[0] = x[2 * (n - 1)];
}

/// `out = [s[from], s[from + 2], ..]` (`n` values) of `s = a ++ b`, which
/// holds them all.
fn gather_even_2(a: &[f32], b: &[f32], from: usize, n: usize, out: &mut Vec<f32>) {
    out.clear();
    out.resize(n, 0.0);
    // the first values from `a`, the rest from `b`
    let in_a = if from < a.len() {
        (a.len() - from).div_ceil(2).min(n)
    } else {
        0
    };
    if in_a > 0 {
        gather_even(&a[from..], in_a, &mut out[..in_a]);
    }
    if n > in_a {
        let start = from + 2 * in_a - a.len();
        gather_even(&b[start..], n - in_a, &mut out[in_a..]);
    }
}

/// A cascade of half-band stages: decimation by `2^stages`, zero-phase.
pub struct Decimator {
    stages: Vec<HalfBand>,
    bufs: Vec<Vec<f32>>,
}

impl Decimator {
    /// Halvings that bring `rate` down to `target` or the lowest rate above
    /// it reachable by exact halving (`rate / 2^k >= target`).
    pub fn stages_for(rate: u32, target: u32) -> usize {
        let mut k = 0;
        let mut r = rate;
        while r.is_multiple_of(2) && r / 2 >= target && k < 8 {
            r /= 2;
            k += 1;
        }
        k
    }

    /// `stages` halvings. The last stage borders the analysis band and is
    /// the sharp one (79 taps, Kaiser beta 7: flat to 5 kHz from 22.05 kHz,
    /// -39 dB at 6 kHz, < -75 dB from 6.5 kHz); earlier stages only protect
    /// the band that later ones keep (15 taps; for 44.1 kHz the cascade is
    /// below -60 dB everywhere above 6.5 kHz, measured up to 21 kHz).
    pub fn new(stages: usize) -> Self {
        let stages: Vec<HalfBand> = (0..stages)
            .map(|s| {
                if s + 1 == stages {
                    HalfBand::new(20, 7.0)
                } else {
                    HalfBand::new(4, 5.0)
                }
            })
            .collect();
        let n = stages.len();
        Decimator {
            stages,
            bufs: vec![Vec::new(); n.saturating_sub(1)],
        }
    }

    /// Decimation factor.
    pub fn factor(&self) -> usize {
        1 << self.stages.len()
    }

    fn run(&mut self, x: &[f32], out: &mut Vec<f32>, finish: bool) {
        let n = self.stages.len();
        if n == 0 {
            out.extend_from_slice(x);
            return;
        }
        for s in 0..n {
            // input of stage s: x for s == 0, else bufs[s - 1]
            let mut input = if s == 0 {
                Vec::new()
            } else {
                std::mem::take(&mut self.bufs[s - 1])
            };
            let src: &[f32] = if s == 0 { x } else { &input };
            if s + 1 == n {
                self.stages[s].process(src, out);
                if finish {
                    self.stages[s].finish(out);
                }
            } else {
                let mut o = std::mem::take(&mut self.bufs[s]);
                o.clear();
                self.stages[s].process(src, &mut o);
                if finish {
                    self.stages[s].finish(&mut o);
                }
                self.bufs[s] = o;
            }
            if s > 0 {
                input.clear();
                self.bufs[s - 1] = input;
            }
        }
    }

    /// Decimates `x`, appending to `out`.
    pub fn process(&mut self, x: &[f32], out: &mut Vec<f32>) {
        self.run(x, out, false);
    }

    /// Flushes the filters (the output then covers every input sample).
    pub fn finish(&mut self, out: &mut Vec<f32>) {
        self.run(&[], out, true);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tone(f: f64, sr: f64, n: usize) -> Vec<f32> {
        (0..n)
            .map(|i| (2.0 * PI * f * i as f64 / sr).sin() as f32)
            .collect()
    }

    fn rms(x: &[f32]) -> f64 {
        (x.iter().map(|v| f64::from(*v) * f64::from(*v)).sum::<f64>() / x.len() as f64).sqrt()
    }

    #[test]
    fn passes_the_analysis_band_and_stops_what_would_alias_into_it() {
        let sr = 44_100.0;
        for (f, lo, hi) in [
            (100.0, 0.69, 0.72),
            (1000.0, 0.69, 0.72),
            (4500.0, 0.65, 0.72),
            (7000.0, 0.0, 0.002),
            (9000.0, 0.0, 0.002),
            (15000.0, 0.0, 0.002),
            (18000.0, 0.0, 0.01),
        ] {
            let mut d = Decimator::new(2);
            let x = tone(f, sr, 44_100);
            let mut out = Vec::new();
            // feed in uneven blocks
            for b in x.chunks(777) {
                d.process(b, &mut out);
            }
            d.finish(&mut out);
            assert!((out.len() as i64 - 11_025).abs() <= 2, "{}", out.len());
            let r = rms(&out[200..out.len() - 200]);
            assert!(r >= lo && r <= hi, "{f} Hz: rms {r}");
        }
    }

    #[test]
    fn block_size_does_not_change_the_output() {
        let x = tone(440.0, 44_100.0, 20_000);
        let mut a = Vec::new();
        let mut b = Vec::new();
        let mut d1 = Decimator::new(2);
        d1.process(&x, &mut a);
        let mut d2 = Decimator::new(2);
        for c in x.chunks(3) {
            d2.process(c, &mut b);
        }
        assert_eq!(a.len(), b.len());
        for (u, v) in a.iter().zip(&b) {
            assert!((u - v).abs() < 1e-6);
        }
    }

    #[test]
    fn stage_counts() {
        assert_eq!(Decimator::stages_for(44_100, 11_025), 2);
        assert_eq!(Decimator::stages_for(88_200, 11_025), 3);
        assert_eq!(Decimator::stages_for(48_000, 11_025), 2);
        assert_eq!(Decimator::stages_for(11_025, 11_025), 0);
        assert_eq!(Decimator::stages_for(8_000, 11_025), 0);
        assert_eq!(Decimator::stages_for(22_051, 11_025), 0);
    }
}

//! True peak (ITU-R BS.1770-4 Annex 2, as `ebur128` / libebur128 measure
//! it), gated so that only the passages that can raise it are interpolated.
//!
//! Exists because `ebur128`'s true-peak scanner was the second largest cost
//! after the decoder even behind a gate (0.13x the decode on the dev split):
//! it interpolates frame by frame through a ring buffer, every channel and
//! phase in scalar code. Here the same interpolator (a 48-tap
//! Hann-windowed sinc, 4x below 96 kHz and 2x below 192 kHz, coefficients
//! computed by `ebur128`'s formula and rounded to `f32` as it does) runs per
//! channel over a whole chunk at a time, one phase and one tap per inner
//! loop, which vectorises; each interpolated value is summed in the same
//! order as `ebur128` sums it, so the phases it interpolates give the same
//! bits (test `equals_ebur128_on_every_shape`). Phase 0 is the sample
//! itself (its other coefficients are sin(k*pi) rounding residue, below
//! 1e-16), so it is taken as the sample peak.
//!
//! The gate: an interpolated value cannot exceed the filter's gain bound
//! `G` ([`gain_bound`], 1.86 for 4x) times the largest sample within the
//! filter's reach, so a chunk of [`CHUNK`] frames whose peak (and the peak
//! of the frames before it that the filter still reaches) times `G` is
//! below the true peak measured so far cannot raise it and is skipped. The
//! result is the ungated measurement's. How much is skipped depends on the
//! dynamics: quiet passages are; a mastered, limited track is interpolated
//! almost everywhere.

use crate::lanes::{array, peak_abs};

use multiversion::multiversion;

/// Frames per gating chunk.
pub(crate) const CHUNK: usize = 256;
/// `ebur128`'s interpolator length (all phases together).
const TAPS: usize = 48;

/// Upper bound of the interpolator's gain: the largest sum of absolute
/// coefficients over its polyphase branches, plus 1 % margin. No
/// interpolated value can exceed this times the largest sample in the
/// filter's reach.
pub(crate) fn gain_bound(factor: usize) -> f32 {
    let factor = factor.max(1);
    let mut sums = vec![0f64; factor];
    for (j, c) in coefficients(factor).iter().enumerate() {
        sums[j % factor] += f64::from(c.abs());
    }
    let g = sums.iter().cloned().fold(1.0, f64::max);
    (g * 1.01) as f32
}

/// The 48 coefficients in `ebur128`'s order (`j = tap * factor + phase`),
/// by its formula, rounded to `f32`.
fn coefficients(factor: usize) -> Vec<f32> {
    use std::f64::consts::PI;
    let window = TAPS as f64;
    (0..TAPS)
        .map(|j| {
            let j = j as f64;
            let w = 0.5 * (1.0 - (2.0 * PI * j / window).cos());
            let m = j - window / 2.0;
            let v = if m.abs() > 0.000_001 {
                let x = m * PI / factor as f64;
                w * x.sin() / x
            } else {
                w
            };
            v as f32
        })
        .collect()
}

/// The streaming true-peak meter over planar channels.
pub(crate) struct TruePeak {
    /// Interpolated phases `1..factor`: coefficient of the sample `i` back
    /// (newest first), `taps` each.
    phases: Vec<Vec<f32>>,
    taps: usize,
    gain: f32,
    /// The last `taps - 1` samples of each channel, oldest first.
    hist: Vec<Vec<f32>>,
    /// Peak of the frames in `hist` (an upper bound).
    hist_peak: f32,
    buf: Vec<f32>,
    acc: Vec<f32>,
    max: f32,
}

impl TruePeak {
    /// A meter for `channels` channels at `rate` (4x oversampling below
    /// 96 kHz, 2x below 192 kHz, the sample peak above, as `ebur128`).
    pub(crate) fn new(channels: usize, rate: u32) -> Self {
        let factor = if rate < 96_000 {
            4
        } else if rate < 192_000 {
            2
        } else {
            1
        };
        let taps = TAPS / factor;
        let coef = coefficients(factor);
        let phases = (1..factor)
            .map(|p| (0..taps).map(|i| coef[i * factor + p]).collect())
            .collect();
        TruePeak {
            phases,
            taps,
            gain: gain_bound(factor),
            hist: vec![vec![0.0; taps - 1]; channels.max(1)],
            hist_peak: 0.0,
            buf: Vec::with_capacity(CHUNK + taps),
            acc: Vec::with_capacity(CHUNK),
            max: 0.0,
        }
    }

    /// Feeds `frames` frames of each plane. `chunk_peaks[k]` is the largest
    /// |sample| over all channels of frames `k * CHUNK ..` (the front end
    /// measures it anyway); samples are finite.
    pub(crate) fn push(&mut self, planes: &[Vec<f32>], frames: usize, chunk_peaks: &[f32]) {
        let keep = self.taps - 1;
        for (k, &peak) in chunk_peaks.iter().enumerate() {
            let (s, e) = (k * CHUNK, ((k + 1) * CHUNK).min(frames));
            if s >= e {
                break;
            }
            self.max = self.max.max(peak);
            let reach = peak.max(self.hist_peak);
            let measure = !self.phases.is_empty() && reach > 0.0 && reach * self.gain >= self.max;
            for (c, plane) in planes.iter().enumerate().take(self.hist.len()) {
                let x = &plane[s..e];
                if measure {
                    self.buf.clear();
                    self.buf.extend_from_slice(&self.hist[c]);
                    self.buf.extend_from_slice(x);
                    self.acc.resize(x.len(), 0.0);
                    for coef in &self.phases {
                        let p = phase_peak(&mut self.acc[..x.len()], coef, &self.buf, keep);
                        self.max = self.max.max(p);
                    }
                }
                let h = &mut self.hist[c];
                if x.len() >= keep {
                    h.copy_from_slice(&x[x.len() - keep..]);
                } else {
                    h.drain(..x.len());
                    h.extend_from_slice(x);
                }
            }
            // conservative: a short chunk leaves older frames in the history
            self.hist_peak = if e - s >= keep {
                peak
            } else {
                peak.max(self.hist_peak)
            };
        }
    }

    /// The true peak so far, linear (0 for digital silence).
    pub(crate) fn value(&self) -> f64 {
        f64::from(self.max)
    }
}

/// Largest |output| of one interpolation phase over a chunk: `acc[j] =
/// sum_i coef[i] buf[keep - i + j]`, the taps added in `ebur128`'s order.
/// Outputs are done 64 at a time with every tap while their sums stay in
/// registers (independent lanes, so one tap's additions do not wait on the
/// previous one's); the rest of the chunk one tap at a time over it.
#[multiversion(targets(
    "x86_64+avx512f+avx512bw+avx512cd+avx512dq+avx512vl+avx2+fma",
    "x86_64+avx2+fma"
))] // own function: noalias slices
fn phase_peak(acc: &mut [f32], coef: &[f32], buf: &[f32], keep: usize) -> f32 {
    const W: usize = 64;
    let n = acc.len();
    let whole = n - n % W;
    for (b, out) in acc[..whole].chunks_exact_mut(W).enumerate() {
        let j0 = b * W;
        let mut a = [0f32; W];
        for (i, &ci) in coef.iter().enumerate() {
            let v = array::<W>(&buf[keep - i + j0..keep - i + j0 + W]);
            for l in 0..W {
                a[l] += v[l] * ci;
            }
        }
        out.copy_from_slice(&a);
    }
    let rest = &mut acc[whole..];
    rest.fill(0.0);
    for (i, &ci) in coef.iter().enumerate() {
        let from = keep - i + whole;
        for (a, v) in rest.iter_mut().zip(&buf[from..from + n - whole]) {
            *a += *v * ci;
        }
    }
    peak_abs(acc)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::noise;
    use ebur128::{EbuR128, Mode};

    /// `ebur128`'s true peak of interleaved `x`, all channels.
    fn oracle(x: &[f32], ch: usize, rate: u32) -> f64 {
        let mut m = EbuR128::new(ch as u32, rate, Mode::TRUE_PEAK).expect("meter");
        m.add_frames_f32(x).expect("add");
        (0..ch)
            .map(|c| m.true_peak(c as u32).expect("tp"))
            .fold(0.0, f64::max)
    }

    /// Ours, fed in blocks of `block` frames as the front end feeds it.
    fn ours(x: &[f32], ch: usize, rate: u32, block: usize) -> f64 {
        let mut tp = TruePeak::new(ch, rate);
        for b in x.chunks(block * ch) {
            let n = b.len() / ch;
            let planes: Vec<Vec<f32>> = (0..ch)
                .map(|c| b.chunks_exact(ch).map(|f| f[c]).collect())
                .collect();
            let peaks: Vec<f32> = (0..n.div_ceil(CHUNK))
                .map(|k| {
                    planes
                        .iter()
                        .map(|p| peak_abs(&p[k * CHUNK..((k + 1) * CHUNK).min(n)]))
                        .fold(0.0, f32::max)
                })
                .collect();
            tp.push(&planes, n, &peaks);
        }
        tp.value()
    }

    fn cases() -> Vec<(usize, Vec<f32>)> {
        let mut cases: Vec<(usize, Vec<f32>)> = Vec::new();
        // a crescendo of noise with one inter-sample overshoot near the end
        let n = 200_000;
        let mut x = noise(2 * n, 1);
        for (i, v) in x.iter_mut().enumerate() {
            *v *= 0.1 + 0.8 * (i as f32 / (2 * n) as f32);
        }
        for (k, v) in x[2 * 150_000..2 * 150_008].iter_mut().enumerate() {
            *v = if k % 4 < 2 { 0.95 } else { -0.95 };
        }
        cases.push((2, x));
        // a near-Nyquist sine (overshoot between samples), mono
        cases.push((
            1,
            (0..100_000)
                .map(|i| 0.7 * (std::f32::consts::PI * 0.49 * i as f32 + 0.3).sin())
                .collect(),
        ));
        // a fs/4 sine at 45 degrees: every sample at 0.707 of the peak
        cases.push((
            2,
            (0..40_000)
                .map(|i| {
                    0.5 * (std::f32::consts::FRAC_PI_2 * (i / 2) as f32
                        + std::f32::consts::FRAC_PI_4)
                        .sin()
                })
                .collect(),
        ));
        // sparse clicks in silence, 6 channels
        let mut c6 = vec![0f32; 6 * 50_000];
        for k in 0..20 {
            c6[6 * (k * 2_400 + 17) + k % 6] = 0.2 + 0.03 * k as f32;
        }
        cases.push((6, c6));
        // loud, heavily clipped noise (every chunk near the maximum)
        cases.push((
            2,
            noise(2 * 60_000, 7)
                .iter()
                .map(|v| (3.0 * v).clamp(-1.0, 1.0))
                .collect(),
        ));
        // a single full-scale click right at the start and at the very end
        let mut edge = vec![0f32; 3_000];
        edge[0] = -1.0;
        edge[2_999] = 0.9;
        cases.push((1, edge));
        cases
    }

    #[test]
    fn equals_ebur128_on_every_shape() {
        for rate in [44_100, 96_000, 192_000] {
            for (i, (ch, x)) in cases().iter().enumerate() {
                let want = oracle(x, *ch, rate);
                for block in [1152, 4096, 100, 7, 1] {
                    let got = ours(x, *ch, rate, block);
                    assert!(
                        (got - want).abs() <= 1e-6 * want.max(1e-9),
                        "{rate} Hz, case {i}, block {block}: ours {got} vs ebur128 {want}"
                    );
                }
            }
        }
    }

    #[test]
    fn an_intersample_peak_is_found_above_the_sample_peak() {
        // fs/4 at 45 degrees: samples at +-0.354, the wave peaks at 0.5
        let x: Vec<f32> = (0..8_000)
            .map(|i| {
                0.5 * (std::f32::consts::FRAC_PI_2 * i as f32 + std::f32::consts::FRAC_PI_4).sin()
            })
            .collect();
        let tp = ours(&x, 1, 48_000, 1024);
        assert!(peak_abs(&x) < 0.36);
        assert!((tp - 0.5).abs() < 0.01, "{tp}");
    }

    #[test]
    fn the_gain_bounds_are_the_documented_values() {
        // Sum of |coefficients| of the 4x branches (1.86) and 2x (2.31).
        assert!((gain_bound(4) - 1.8642 * 1.01).abs() < 1e-3);
        assert!((gain_bound(2) - 2.3068 * 1.01).abs() < 1e-3);
        assert!((gain_bound(1) - 1.01).abs() < 1e-6);
    }
}

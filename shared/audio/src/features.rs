//! Frame-level features computed while the file streams by.
//!
//! Exists so that no stage after decoding needs the PCM: the mono signal at
//! the analysis rate ([`ANALYSIS_SR`]) is consumed block by block and only
//! compact per-frame features are kept (an onset-strength value every
//! 11.6 ms, a 12-bin chroma and 12 timbre bands every 93 ms, running sums for
//! the global pitch spectrum and the tuning estimate). A one-hour file costs
//! a few MB of features.
//!
//! Two STFTs share one double-written ring buffer (so every window is a
//! contiguous slice, without copying):
//! * onset: 1024-sample Hann window, hop 128 (86.1 frames/s): log-compressed
//!   magnitude, SuperFlux-style positive flux (the previous spectrum is
//!   maximum-filtered across 3 bins, which ignores vibrato), 2 frames lag.
//! * pitch: 4096-sample Hann window (2.7 Hz bins), hop 1024: magnitude per
//!   1/3-semitone cell from MIDI 24 (C1) to 100 (E7) (the maximum bin of
//!   the cell); the
//!   spectral peaks vote for the tuning.

use std::f32::consts::PI;
use std::sync::Arc;

use realfft::{RealFftPlanner, RealToComplex};
use rustfft::num_complex::Complex;

/// Sample rate of the analysis signal (mono), Hz.
pub const ANALYSIS_SR: u32 = 11_025;
/// Onset STFT window.
pub const ONSET_N: usize = 1024;
/// Onset STFT hop.
pub const ONSET_HOP: usize = 128;
/// Pitch STFT window.
pub const PITCH_N: usize = 4096;
/// Pitch STFT hop (a multiple of [`ONSET_HOP`]).
pub const PITCH_HOP: usize = 1024;
/// Lowest MIDI pitch of the pitch grid.
pub const GRID_MIDI_LO: i32 = 24;
/// Highest MIDI pitch of the pitch grid.
pub const GRID_MIDI_HI: i32 = 100;
/// Cells per semitone.
pub const CELLS_PER_SEMITONE: usize = 3;
/// Number of cells of the pitch grid.
pub const GRID_LEN: usize = ((GRID_MIDI_HI - GRID_MIDI_LO + 1) as usize) * CELLS_PER_SEMITONE;
/// Timbre bands per pitch frame.
pub const TIMBRE_BANDS: usize = 12;

const RING: usize = PITCH_N;

/// How the power of a grid cell is gathered from FFT bins.
#[derive(Clone, Copy)]
enum CellMap {
    /// Maximum of bins `lo..hi` (a sum would favour wide cells, i.e. the
    /// top of every octave, for broadband sound).
    Range(usize, usize),
    /// Linear interpolation between bin `k` and `k+1`.
    Interp(usize, f32),
}

/// Per-frame features kept for the whole file.
#[derive(Default)]
pub struct FrameFeatures {
    /// Onset strength per onset frame.
    pub onset: Vec<f32>,
    /// Low-band (< 200 Hz) onset strength per onset frame.
    pub onset_low: Vec<f32>,
    /// Chroma (A4 = 440 Hz) per pitch frame.
    pub chroma: Vec<[f32; 12]>,
    /// Log band energies per pitch frame.
    pub timbre: Vec<[f32; TIMBRE_BANDS]>,
    /// Sum over frames of the pitch-grid magnitudes.
    pub grid_sum: Vec<f64>,
    /// Tuning vote (weighted sum of cos / sin of 2*pi*deviation).
    pub tuning_cos: f64,
    /// See `tuning_cos`.
    pub tuning_sin: f64,
}

/// Streaming extractor fed with mono samples at [`ANALYSIS_SR`].
pub struct FeatureExtractor {
    ring: Vec<f32>,
    pos: usize,
    filled: usize,
    since_onset: usize,
    since_pitch: usize,
    onset_fft: Arc<dyn RealToComplex<f32>>,
    pitch_fft: Arc<dyn RealToComplex<f32>>,
    onset_win: Vec<f32>,
    pitch_win: Vec<f32>,
    onset_in: Vec<f32>,
    onset_spec: Vec<Complex<f32>>,
    onset_scratch: Vec<Complex<f32>>,
    pitch_in: Vec<f32>,
    pitch_spec: Vec<Complex<f32>>,
    pitch_scratch: Vec<Complex<f32>>,
    /// log-magnitude history (current, 1 ago, 2 ago), max-filtered copies.
    hist: [Vec<f32>; 3],
    hist_idx: usize,
    onset_bins: usize,
    low_bins: usize,
    cell_map: Vec<CellMap>,
    power: Vec<f32>,
    cells: Vec<f32>,
    band_edges: Vec<usize>,
    /// Collected features.
    pub out: FrameFeatures,
    /// Development aid: when true, the raw cell magnitudes of every pitch
    /// frame are appended to `raw_grid` (not used by the analysis).
    pub keep_raw_grid: bool,
    /// See `keep_raw_grid`.
    pub raw_grid: Vec<f32>,
}

fn hann(n: usize) -> Vec<f32> {
    (0..n)
        .map(|i| 0.5 - 0.5 * (2.0 * PI * i as f32 / n as f32).cos())
        .collect()
}

fn midi_hz(m: f32) -> f32 {
    440.0 * 2f32.powf((m - 69.0) / 12.0)
}

impl Default for FeatureExtractor {
    fn default() -> Self {
        Self::new()
    }
}

impl FeatureExtractor {
    /// A fresh extractor.
    pub fn new() -> Self {
        let mut planner = RealFftPlanner::<f32>::new();
        let onset_fft = planner.plan_fft_forward(ONSET_N);
        let pitch_fft = planner.plan_fft_forward(PITCH_N);
        let onset_in = onset_fft.make_input_vec();
        let onset_spec = onset_fft.make_output_vec();
        let onset_scratch = onset_fft.make_scratch_vec();
        let pitch_in = pitch_fft.make_input_vec();
        let pitch_spec = pitch_fft.make_output_vec();
        let pitch_scratch = pitch_fft.make_scratch_vec();
        let sr = ANALYSIS_SR as f32;
        let onset_bin_hz = sr / ONSET_N as f32;
        let onset_bins = ((5000.0 / onset_bin_hz) as usize).min(ONSET_N / 2);
        let low_bins = (200.0 / onset_bin_hz) as usize;
        let bin_hz = sr / PITCH_N as f32;
        let mut cell_map = Vec::with_capacity(GRID_LEN);
        for c in 0..GRID_LEN {
            let m = GRID_MIDI_LO as f32 + c as f32 / CELLS_PER_SEMITONE as f32;
            let half = 0.5 / CELLS_PER_SEMITONE as f32;
            let lo = midi_hz(m - half) / bin_hz;
            let hi = midi_hz(m + half) / bin_hz;
            let (klo, khi) = (lo.ceil() as usize, hi.ceil() as usize);
            if khi > klo + 1 {
                cell_map.push(CellMap::Range(klo, khi.min(PITCH_N / 2)));
            } else {
                let f = midi_hz(m) / bin_hz;
                let k = f.floor() as usize;
                cell_map.push(CellMap::Interp(k.min(PITCH_N / 2 - 1), f - k as f32));
            }
        }
        // timbre bands: log-spaced 60 Hz .. 5 kHz
        let mut band_edges = Vec::with_capacity(TIMBRE_BANDS + 1);
        for b in 0..=TIMBRE_BANDS {
            let f = 60.0 * (5000.0f32 / 60.0).powf(b as f32 / TIMBRE_BANDS as f32);
            band_edges.push(((f / bin_hz) as usize).clamp(1, PITCH_N / 2));
        }
        let nb = ONSET_N / 2 + 1;
        FeatureExtractor {
            ring: vec![0.0; 2 * RING],
            pos: 0,
            filled: 0,
            since_onset: 0,
            since_pitch: 0,
            onset_fft,
            pitch_fft,
            onset_win: hann(ONSET_N),
            pitch_win: hann(PITCH_N),
            onset_in,
            onset_spec,
            onset_scratch,
            pitch_in,
            pitch_spec,
            pitch_scratch,
            hist: [vec![0.0; nb], vec![0.0; nb], vec![0.0; nb]],
            hist_idx: 0,
            onset_bins,
            low_bins,
            cell_map,
            power: vec![0.0; PITCH_N / 2 + 1],
            cells: vec![0.0; GRID_LEN],
            band_edges,
            out: FrameFeatures {
                grid_sum: vec![0.0; GRID_LEN],
                ..FrameFeatures::default()
            },
            keep_raw_grid: false,
            raw_grid: Vec::new(),
        }
    }

    /// Feed mono samples at [`ANALYSIS_SR`] (finite values; the pipeline
    /// sanitises its input).
    pub fn push(&mut self, mut x: &[f32]) {
        while !x.is_empty() {
            let n = x
                .len()
                .min(ONSET_HOP - self.since_onset)
                .min(PITCH_HOP - self.since_pitch)
                .min(RING - self.pos);
            let (chunk, rest) = x.split_at(n);
            self.ring[self.pos..self.pos + n].copy_from_slice(chunk);
            self.ring[self.pos + RING..self.pos + RING + n].copy_from_slice(chunk);
            self.pos = (self.pos + n) % RING;
            self.filled += n;
            self.since_onset += n;
            self.since_pitch += n;
            x = rest;
            if self.since_onset == ONSET_HOP {
                self.since_onset = 0;
                self.onset_frame();
            }
            if self.since_pitch == PITCH_HOP {
                self.since_pitch = 0;
                self.pitch_frame();
            }
        }
    }

    /// Flush: pad with zeros so the last partial hop yields frames.
    pub fn finish(&mut self) {
        let pad = vec![0.0f32; ONSET_N / 2];
        self.push(&pad);
    }

    fn onset_frame(&mut self) {
        let (n, win) = (ONSET_N, &self.onset_win);
        let start = self.pos + RING - n;
        for (o, (&x, &w)) in self
            .onset_in
            .iter_mut()
            .zip(self.ring[start..start + n].iter().zip(win.iter()))
        {
            *o = x * w;
        }
        if self
            .onset_fft
            .process_with_scratch(
                &mut self.onset_in,
                &mut self.onset_spec,
                &mut self.onset_scratch,
            )
            .is_err()
        {
            self.out.onset.push(0.0);
            self.out.onset_low.push(0.0);
            return;
        }
        let cur = self.hist_idx;
        let prev2 = (cur + 1) % 3; // oldest = two frames ago
        {
            let h = &mut self.hist[cur];
            for (l, c) in h
                .iter_mut()
                .zip(self.onset_spec.iter())
                .take(self.onset_bins + 1)
            {
                *l = fast_ln(1.0 + 10.0 * c.norm_sqr().sqrt());
            }
        }
        let (mut flux, mut low) = (0.0f32, 0.0f32);
        let nb = self.onset_bins;
        let (a, b) = (&self.hist[cur], &self.hist[prev2]);
        for k in 1..nb {
            let ref_ = b[k - 1].max(b[k]).max(b[k + 1]);
            let d = a[k] - ref_;
            if d > 0.0 {
                flux += d;
                if k < self.low_bins {
                    low += d;
                }
            }
        }
        self.hist_idx = prev2; // next frame overwrites the oldest
        self.out.onset.push(flux);
        self.out.onset_low.push(low);
    }

    fn pitch_frame(&mut self) {
        let n = PITCH_N;
        let start = self.pos + RING - n;
        let w = &self.ring[start..start + n];
        for (o, (&x, &h)) in self
            .pitch_in
            .iter_mut()
            .zip(w.iter().zip(self.pitch_win.iter()))
        {
            *o = x * h;
        }
        if self
            .pitch_fft
            .process_with_scratch(
                &mut self.pitch_in,
                &mut self.pitch_spec,
                &mut self.pitch_scratch,
            )
            .is_err()
        {
            return;
        }
        for (p, c) in self.power.iter_mut().zip(self.pitch_spec.iter()) {
            *p = c.norm_sqr();
        }
        // pitch grid
        for (cell, m) in self.cells.iter_mut().zip(self.cell_map.iter()) {
            let pw = match *m {
                CellMap::Range(lo, hi) => self.power[lo..hi].iter().cloned().fold(0.0f32, f32::max),
                CellMap::Interp(k, f) => self.power[k] * (1.0 - f) + self.power[k + 1] * f,
            };
            *cell = pw.max(0.0).sqrt();
        }
        if self.keep_raw_grid {
            self.raw_grid.extend_from_slice(&self.cells);
        }
        let mut chroma = [0f32; 12];
        for (c, v) in self.cells.iter().enumerate() {
            // linear magnitude for the key (compression blurs the profile
            // contrast), log for the per-frame chroma used by structure
            self.out.grid_sum[c] += f64::from(*v);
            let lv = (1.0 + 10.0 * v).ln();
            // nearest semitone; middle cell of each triple is the semitone centre
            let semi = GRID_MIDI_LO as usize + c / CELLS_PER_SEMITONE;
            let wgt = if c % CELLS_PER_SEMITONE == 1 {
                1.0
            } else {
                0.5
            };
            chroma[semi % 12] += lv * wgt;
        }
        self.out.chroma.push(chroma);
        // timbre
        let mut tb = [0f32; TIMBRE_BANDS];
        for (b, t) in tb.iter_mut().enumerate() {
            let (lo, hi) = (
                self.band_edges[b],
                self.band_edges[b + 1].max(self.band_edges[b] + 1),
            );
            let e: f32 = self.power[lo..hi.min(self.power.len())].iter().sum();
            *t = (1e-10 + e / (hi - lo) as f32).log10();
        }
        self.out.timbre.push(tb);
        // tuning votes from spectral peaks 80 Hz .. 2 kHz
        let bin_hz = ANALYSIS_SR as f32 / n as f32;
        let (k0, k1) = ((80.0 / bin_hz) as usize, (2000.0 / bin_hz) as usize);
        let maxp = self.power[k0..k1].iter().cloned().fold(0.0f32, f32::max);
        if maxp > 1e-8 {
            let thr = maxp * 1e-3;
            for k in k0..k1 {
                let p = self.power[k];
                if p > thr && p > self.power[k - 1] && p >= self.power[k + 1] {
                    let (a, b, c) = (
                        (self.power[k - 1] + 1e-12).ln(),
                        (p + 1e-12).ln(),
                        (self.power[k + 1] + 1e-12).ln(),
                    );
                    let den = a - 2.0 * b + c;
                    let delta = if den.abs() > 1e-9 {
                        0.5 * (a - c) / den
                    } else {
                        0.0
                    };
                    let f = (k as f32 + delta.clamp(-0.5, 0.5)) * bin_hz;
                    let m = 69.0 + 12.0 * (f / 440.0).log2();
                    let dev = m - m.round();
                    let wgt = f64::from(p.sqrt());
                    let ang = 2.0 * std::f64::consts::PI * f64::from(dev);
                    self.out.tuning_cos += wgt * ang.cos();
                    self.out.tuning_sin += wgt * ang.sin();
                }
            }
        }
    }

    /// Seconds per onset frame.
    pub fn onset_fps() -> f64 {
        f64::from(ANALYSIS_SR) / ONSET_HOP as f64
    }

    /// Pitch frames per second.
    pub fn pitch_fps() -> f64 {
        f64::from(ANALYSIS_SR) / PITCH_HOP as f64
    }

    /// Samples consumed so far.
    pub fn samples(&self) -> usize {
        self.filled
    }
}

/// Time of onset frame `i` is `i / fps + onset_frame_offset_s()`: frame `i`
/// ends at sample `(i + 1) * ONSET_HOP`, and a new onset produces its
/// strongest flux when it lies about 300 samples before the window's end
/// (inside the current window, at the edge of the one two hops back).
pub fn onset_frame_offset_s() -> f64 {
    (ONSET_HOP as f64 - 300.0) / f64::from(ANALYSIS_SR)
}

/// Natural logarithm of a positive finite `x`, absolute error < 1e-3
/// (exponent from the bits, a 5th-order polynomial for the mantissa); the
/// onset flux takes ~40 000 logarithms per second of audio.
#[inline]
pub fn fast_ln(x: f32) -> f32 {
    let bits = x.to_bits();
    let e = ((bits >> 23) & 0xff) as i32 - 127;
    let m = f32::from_bits((bits & 0x007f_ffff) | 0x3f80_0000); // 1 <= m < 2
    let t = m - 1.0;
    // ln(1+t) on [0,1): minimax-style polynomial
    let p = t
        * (0.999_977_5
            + t * (-0.499_124_9
                + t * (0.327_257_6 + t * (-0.223_379_5 + t * (0.130_119_6 + t * -0.041_528_0)))));
    p + e as f32 * std::f32::consts::LN_2
}

#[cfg(test)]
mod tests {
    use super::fast_ln;

    #[test]
    fn fast_ln_is_accurate() {
        for i in 0..2000 {
            let x = 1.0 + i as f32 * 0.37;
            assert!((fast_ln(x) - x.ln()).abs() < 1e-3, "{x}");
        }
    }
}

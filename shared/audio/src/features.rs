//! Frame-level features computed while the file streams by.
//!
//! Exists so that no stage after decoding needs the PCM: the mono signal at
//! the analysis rate ([`ANALYSIS_SR`]) is consumed block by block and only
//! compact per-frame features are kept (an onset-strength value every
//! 23.2 ms, a 12-bin chroma and 12 timbre bands every 186 ms, running sums for
//! the global pitch spectrum and the tuning estimate). A one-hour file costs
//! a few MB of features.
//!
//! Two STFTs share one double-written ring buffer (so every window is a
//! contiguous slice, without copying). Each runs two consecutive frames
//! through one complex FFT (one frame as the real part, the next as the
//! imaginary part) and separates their power spectra, only up to the
//! highest bin used: half the transforms of a real FFT per frame, and no
//! real-FFT post-processing pass.
//! * onset: 512-sample Hann window (46 ms, SuperFlux's published window;
//!   21.5 Hz bins up to 5 kHz), hop 256 (43.1 frames/s, 23 ms: librosa's
//!   beat-tracking rate): log-compressed magnitude, SuperFlux-style
//!   positive flux (the previous spectrum is maximum-filtered across 3
//!   bins, 64 Hz, which ignores vibrato), 1 frame (23 ms) lag. Hop 128
//!   with a 2-frame lag gave the same tempi (within 0.2 %), keys and
//!   accuracy on the corpus and in the closed loop at twice the cost of
//!   the onset path and the beat tracker. A 1024 window (93 ms) gave the same tempo and key results
//!   at twice the cost.
//! * pitch: 4096-sample Hann window (2.7 Hz bins), hop 2048 (186 ms; hop
//!   1024 gave the same tempi and keys on the corpus and the same A – B – A
//!   forms, for 4 % more of the whole analysis):
//!   1/3-semitone cell from MIDI 24 (C1) to 100 (E7) (the maximum bin of
//!   the cell); the
//!   spectral peaks vote for the tuning.

use std::f32::consts::PI;
use std::sync::Arc;

use multiversion::multiversion;

use rustfft::Fft;
use rustfft::num_complex::Complex;

use crate::plans;

use crate::lanes::{lane_sum, max_of};

/// Sample rate of the analysis signal (mono), Hz.
pub const ANALYSIS_SR: u32 = 11_025;
/// Onset STFT window.
pub const ONSET_N: usize = 512;
/// Onset STFT hop.
pub const ONSET_HOP: usize = 256;
/// Onset flux lag in frames (1 or 2): the older frame the flux compares with.
const ONSET_LAG: usize = 1;
/// Samples before a window's end where an onset gives its strongest flux
/// (~300 for a 1024 window, ~218 for 512 at hop 128 and lag 2, ~207 on
/// average for 512 at hop 256 and lag 1, where single clicks read 130-280
/// by their phase in the hop).
const ONSET_PEAK_BEFORE_END: f64 = 207.0;
/// Pitch STFT window.
pub const PITCH_N: usize = 4096;
/// Pitch STFT hop (a multiple of [`ONSET_HOP`]).
pub const PITCH_HOP: usize = 2048;
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

/// Ring length: a pitch window plus one hop (the first frame of a pair is
/// transformed one hop late).
const RING: usize = 2 * PITCH_N;

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

/// Two real frames of length `n` through one complex FFT: their power
/// spectra for bins `0..=kmax`.
struct PairFft {
    n: usize,
    fft: Arc<dyn Fft<f32>>,
    buf: Vec<Complex<f32>>,
    scratch: Vec<Complex<f32>>,
}

impl PairFft {
    fn new(n: usize) -> Self {
        let fft = plans::forward_f32(n);
        let scratch = vec![Complex::new(0.0, 0.0); fft.get_inplace_scratch_len()];
        PairFft {
            n,
            fft,
            buf: vec![Complex::new(0.0, 0.0); n],
            scratch,
        }
    }

    /// Windows `a` and `b` (each `n` long) with `win`, transforms them
    /// together and writes `|A[k]|^2` to `pa` and `|B[k]|^2` to `pb`
    /// (`pa.len() == pb.len() <= n / 2 + 1`; same scale as a real FFT).
    fn power2(&mut self, a: &[f32], b: &[f32], win: &[f32], pa: &mut [f32], pb: &mut [f32]) {
        let n = self.n;
        pack_windowed(&mut self.buf, a, b, win);
        self.fft
            .process_with_scratch(&mut self.buf, &mut self.scratch);
        let kmax = pa.len().min(pb.len()).min(n / 2 + 1);
        if kmax == 0 {
            return;
        }
        let z0 = self.buf[0];
        pa[0] = z0.re * z0.re;
        pb[0] = z0.im * z0.im;
        separate_powers(
            &mut pa[1..kmax],
            &mut pb[1..kmax],
            &self.buf[1..kmax],
            &self.buf[n + 1 - kmax..],
        );
    }
}

/// `z[j] = a[j] w[j] + i b[j] w[j]`.
#[multiversion(targets(
    "x86_64+avx512f+avx512bw+avx512cd+avx512dq+avx512vl+avx2+fma",
    "x86_64+avx2+fma"
))] // own function: noalias slices
fn pack_windowed(z: &mut [Complex<f32>], a: &[f32], b: &[f32], w: &[f32]) {
    let n = z.len().min(a.len()).min(b.len()).min(w.len());
    let (z, a, b, w) = (&mut z[..n], &a[..n], &b[..n], &w[..n]);
    for j in 0..n {
        z[j] = Complex::new(a[j] * w[j], b[j] * w[j]);
    }
}

/// Power spectra of the two real frames packed in one complex spectrum:
/// for bin `k` (`fwd[j] = Z[k]`, `rev[len - 1 - j] = Z[n - k]`),
/// `A[k] = (Z[k] + conj Z[n-k]) / 2` and `B[k] = (Z[k] - conj Z[n-k]) / 2i`.
#[multiversion(targets(
    "x86_64+avx512f+avx512bw+avx512cd+avx512dq+avx512vl+avx2+fma",
    "x86_64+avx2+fma"
))] // own function: noalias slices
fn separate_powers(pa: &mut [f32], pb: &mut [f32], fwd: &[Complex<f32>], rev: &[Complex<f32>]) {
    let m = pa.len().min(pb.len()).min(fwd.len()).min(rev.len());
    let (pa, pb, fwd) = (&mut pa[..m], &mut pb[..m], &fwd[..m]);
    let rev = &rev[rev.len() - m..];
    for j in 0..m {
        let zk = fwd[j];
        let zn = rev[m - 1 - j];
        let (sr, di) = (zk.re + zn.re, zk.im - zn.im);
        let (si, dr) = (zk.im + zn.im, zk.re - zn.re);
        pa[j] = 0.25 * (sr * sr + di * di);
        pb[j] = 0.25 * (si * si + dr * dr);
    }
}

/// Streaming extractor fed with mono samples at [`ANALYSIS_SR`].
pub struct FeatureExtractor {
    ring: Vec<f32>,
    pos: usize,
    filled: usize,
    since_onset: usize,
    since_pitch: usize,
    /// An onset / pitch frame is due and waits for the next one (its pair).
    onset_pending: bool,
    pitch_pending: bool,
    onset_fft: PairFft,
    pitch_fft: PairFft,
    onset_win: Vec<f32>,
    pitch_win: Vec<f32>,
    /// Onset power spectra of a frame pair (bins `0..=onset_bins`).
    onset_pa: Vec<f32>,
    onset_pb: Vec<f32>,
    /// Log magnitude of the current frame and of the two before it.
    lm_cur: Vec<f32>,
    lm_prev1: Vec<f32>,
    lm_prev2: Vec<f32>,
    diff: Vec<f32>,
    onset_bins: usize,
    cell_map: Vec<CellMap>,
    power: Vec<f32>,
    power_b: Vec<f32>,
    /// `ln(power + 1e-12)` for the tuning-vote range of a pitch frame.
    ln_power: Vec<f32>,
    cells: Vec<f32>,
    /// `ln(1 + 10 cell)` of a pitch frame.
    cells_log: Vec<f32>,
    /// Spectral peaks of a pitch frame (scratch for the tuning votes).
    peaks: Vec<u32>,
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
        let onset_fft = PairFft::new(ONSET_N);
        let pitch_fft = PairFft::new(PITCH_N);
        let sr = ANALYSIS_SR as f32;
        let onset_bin_hz = sr / ONSET_N as f32;
        let onset_bins = ((5000.0 / onset_bin_hz) as usize).min(ONSET_N / 2 - 1);
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
        let nb = onset_bins + 2;
        // the pitch spectrum is needed up to the highest grid cell / band
        let pitch_bins = cell_map
            .iter()
            .map(|m| match *m {
                CellMap::Range(_, hi) => hi,
                CellMap::Interp(k, _) => k + 2,
            })
            .chain(band_edges.iter().map(|e| e + 1))
            .chain(std::iter::once((2000.0 / bin_hz) as usize + 2))
            .max()
            .unwrap_or(PITCH_N / 2 + 1)
            .min(PITCH_N / 2 + 1);
        FeatureExtractor {
            ring: vec![0.0; 2 * RING],
            pos: 0,
            filled: 0,
            since_onset: 0,
            since_pitch: 0,
            onset_pending: false,
            pitch_pending: false,
            onset_fft,
            pitch_fft,
            onset_win: hann(ONSET_N),
            pitch_win: hann(PITCH_N),
            onset_pa: vec![0.0; nb],
            onset_pb: vec![0.0; nb],
            lm_cur: vec![0.0; nb],
            lm_prev1: vec![0.0; nb],
            lm_prev2: vec![0.0; nb],
            diff: vec![0.0; nb],
            onset_bins,
            cell_map,
            power: vec![0.0; pitch_bins],
            power_b: vec![0.0; pitch_bins],
            ln_power: Vec::new(),
            cells: vec![0.0; GRID_LEN],
            cells_log: vec![0.0; GRID_LEN],
            peaks: Vec::new(),
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
                if self.onset_pending {
                    self.onset_pair(true);
                    self.onset_pending = false;
                } else {
                    self.onset_pending = true;
                }
            }
            if self.since_pitch == PITCH_HOP {
                self.since_pitch = 0;
                if self.pitch_pending {
                    self.pitch_pair(true);
                    self.pitch_pending = false;
                } else {
                    self.pitch_pending = true;
                }
            }
        }
    }

    /// Flush: pad with zeros so the last partial hop yields frames, then
    /// transform a frame still waiting for its pair.
    pub fn finish(&mut self) {
        let pad = vec![0.0f32; ONSET_N / 2];
        self.push(&pad);
        if self.onset_pending {
            self.onset_pair(false);
            self.onset_pending = false;
        }
        if self.pitch_pending {
            self.pitch_pair(false);
            self.pitch_pending = false;
        }
    }

    /// Onset frames: with `both` (called the moment a frame is due), the
    /// frame due one hop ago and the current one; without (at the end),
    /// only the waiting frame, due `since_onset` samples ago (the pair's
    /// second half is then a copy and discarded).
    fn onset_pair(&mut self, both: bool) {
        let ra = if both { ONSET_HOP } else { self.since_onset };
        let start_a = self.pos + RING - ONSET_N - ra;
        let start_b = self.pos + RING - ONSET_N;
        let mut pa = std::mem::take(&mut self.onset_pa);
        let mut pb = std::mem::take(&mut self.onset_pb);
        self.onset_fft.power2(
            &self.ring[start_a..start_a + ONSET_N],
            &self.ring[start_b..start_b + ONSET_N],
            &self.onset_win,
            &mut pa,
            &mut pb,
        );
        self.onset_from_power(&pa);
        if both {
            self.onset_from_power(&pb);
        }
        self.onset_pa = pa;
        self.onset_pb = pb;
    }

    /// SuperFlux of one frame from its power spectrum.
    fn onset_from_power(&mut self, power: &[f32]) {
        let nb = self.onset_bins;
        log_magnitude(&mut self.lm_cur[..nb + 1], &power[..nb + 1]);
        let prev = if ONSET_LAG == 1 {
            &self.lm_prev1
        } else {
            &self.lm_prev2
        };
        let flux = superflux(
            &mut self.diff[..nb - 1],
            &self.lm_cur[1..nb],
            &prev[..nb + 1],
        );
        // rotate: prev2 <- prev1 <- cur
        std::mem::swap(&mut self.lm_prev2, &mut self.lm_prev1);
        std::mem::swap(&mut self.lm_prev1, &mut self.lm_cur);
        self.out.onset.push(flux);
    }

    /// Pitch frames, paired like [`Self::onset_pair`].
    fn pitch_pair(&mut self, both: bool) {
        let ra = if both { PITCH_HOP } else { self.since_pitch };
        let start_a = self.pos + RING - PITCH_N - ra;
        let start_b = self.pos + RING - PITCH_N;
        let mut pa = std::mem::take(&mut self.power);
        let mut pb = std::mem::take(&mut self.power_b);
        self.pitch_fft.power2(
            &self.ring[start_a..start_a + PITCH_N],
            &self.ring[start_b..start_b + PITCH_N],
            &self.pitch_win,
            &mut pa,
            &mut pb,
        );
        self.power = pa;
        self.pitch_frame();
        if both {
            std::mem::swap(&mut self.power, &mut pb);
            self.pitch_frame();
            std::mem::swap(&mut self.power, &mut pb);
        }
        self.power_b = pb;
    }

    /// Pitch grid, chroma, timbre and tuning votes from `self.power`.
    fn pitch_frame(&mut self) {
        pitch_frame(self);
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

/// [`FeatureExtractor::pitch_frame`]: a free function so that it can be
/// compiled for AVX2 and AVX-512 too (its loops are most of the pitch path).
#[multiversion(targets(
    "x86_64+avx512f+avx512bw+avx512cd+avx512dq+avx512vl+avx2+fma",
    "x86_64+avx2+fma"
))]
fn pitch_frame(fx: &mut FeatureExtractor) {
    let n = PITCH_N;
    // pitch grid
    for (cell, m) in fx.cells.iter_mut().zip(fx.cell_map.iter()) {
        let pw = match *m {
            CellMap::Range(lo, hi) => max_of(&fx.power[lo..hi]),
            CellMap::Interp(k, f) => fx.power[k] * (1.0 - f) + fx.power[k + 1] * f,
        };
        *cell = pw.max(0.0);
    }
    // linear magnitude for the key (compression blurs the profile
    // contrast), log for the per-frame chroma used by structure; both
    // in vectorised passes over the cell powers
    log_magnitude(&mut fx.cells_log, &fx.cells);
    sqrt_in_place(&mut fx.cells);
    if fx.keep_raw_grid {
        fx.raw_grid.extend_from_slice(&fx.cells);
    }
    let mut chroma = [0f32; 12];
    for (c, (v, &lv)) in fx.cells.iter().zip(fx.cells_log.iter()).enumerate() {
        fx.out.grid_sum[c] += f64::from(*v);
        // nearest semitone; middle cell of each triple is the semitone centre
        let semi = GRID_MIDI_LO as usize + c / CELLS_PER_SEMITONE;
        let wgt = if c % CELLS_PER_SEMITONE == 1 {
            1.0
        } else {
            0.5
        };
        chroma[semi % 12] += lv * wgt;
    }
    fx.out.chroma.push(chroma);
    // timbre
    let mut tb = [0f32; TIMBRE_BANDS];
    for (b, t) in tb.iter_mut().enumerate() {
        let (lo, hi) = (
            fx.band_edges[b],
            fx.band_edges[b + 1].max(fx.band_edges[b] + 1),
        );
        let e = lane_sum(&fx.power[lo..hi.min(fx.power.len())]);
        *t = (1e-10 + e / (hi - lo) as f32).log10();
    }
    fx.out.timbre.push(tb);
    // tuning votes from spectral peaks 80 Hz .. 2 kHz
    let bin_hz = ANALYSIS_SR as f32 / n as f32;
    let (k0, k1) = ((80.0 / bin_hz) as usize, (2000.0 / bin_hz) as usize);
    let maxp = max_of(&fx.power[k0..k1]);
    if maxp > 1e-8 {
        let thr = maxp * 1e-3;
        // fast_ln: parabolic interpolation of the log power needs
        // differences, an absolute error of 1e-3 moves the peak by ~1e-3
        // bins; computed for the whole range in one vectorised pass
        // (a peak reads three, a neighbour is shared)
        fx.ln_power.resize(fx.power.len(), 0.0);
        ln_eps(&mut fx.ln_power[k0 - 1..=k1], &fx.power[k0 - 1..=k1]);
        let lp = &fx.ln_power;
        // peaks gathered without branches first (whether a bin is a
        // peak is unpredictable; a branch per bin mispredicts often)
        let npk = find_peaks(&mut fx.peaks, &fx.power[k0 - 1..=k1], thr);
        for &j in &fx.peaks[..npk] {
            let k = k0 + j as usize;
            let p = fx.power[k];
            {
                let (a, b, c) = (lp[k - 1], lp[k], lp[k + 1]);
                let den = a - 2.0 * b + c;
                let delta = if den.abs() > 1e-9 {
                    0.5 * (a - c) / den
                } else {
                    0.0
                };
                let f = (k as f32 + delta.clamp(-0.5, 0.5)) * bin_hz;
                // fast_ln: 1e-3 absolute error is 2 cents, far below
                // what a vote over thousands of peaks resolves
                let m = 69.0 + 12.0 * fast_ln(f / 440.0) / std::f32::consts::LN_2;
                // m >= 39 (f >= 80 Hz): rounding half away from zero by
                // truncation, without a libm call
                let dev = m - ((m + 0.5) as i32) as f32;
                let wgt = p.sqrt();
                let (sn, cs) = sin_cos_2pi(dev);
                fx.out.tuning_cos += f64::from(wgt * cs);
                fx.out.tuning_sin += f64::from(wgt * sn);
            }
        }
    }
}

/// Time of onset frame `i` is `i / fps + onset_frame_offset_s()`: frame `i`
/// ends at sample `(i + 1) * ONSET_HOP`, and a new onset produces its
/// strongest flux when it lies `ONSET_PEAK_BEFORE_END` samples before the
/// window's end (measured with clicks; unit test
/// `onset_offset_matches_click_peaks`).
pub fn onset_frame_offset_s() -> f64 {
    (ONSET_HOP as f64 - ONSET_PEAK_BEFORE_END) / f64::from(ANALYSIS_SR)
}

/// `out[k] = ln(1 + 10 |X[k]|)` from the power `|X[k]|^2`.
#[multiversion(targets(
    "x86_64+avx512f+avx512bw+avx512cd+avx512dq+avx512vl+avx2+fma",
    "x86_64+avx2+fma"
))] // own function: noalias slices
fn log_magnitude(out: &mut [f32], power: &[f32]) {
    for (l, &p) in out.iter_mut().zip(power) {
        *l = fast_ln(1.0 + 10.0 * p.sqrt());
    }
}

/// Indices `j` (into `x[1..x.len() - 1]`) of the local maxima above `thr`
/// (`x[j + 1] > thr`, `> x[j]`, `>= x[j + 2]`), in order, written to the
/// front of `out`; returns how many.
fn find_peaks(out: &mut Vec<u32>, x: &[f32], thr: f32) -> usize {
    let n = x.len().saturating_sub(2);
    out.resize(n, 0);
    let mut count = 0;
    for (j, w) in x.windows(3).enumerate() {
        let is_peak = (w[1] > thr) & (w[1] > w[0]) & (w[1] >= w[2]);
        if let Some(slot) = out.get_mut(count) {
            *slot = j as u32;
        }
        count += usize::from(is_peak);
    }
    count.min(n)
}

/// `x[k] = sqrt(x[k])`.
#[multiversion(targets(
    "x86_64+avx512f+avx512bw+avx512cd+avx512dq+avx512vl+avx2+fma",
    "x86_64+avx2+fma"
))] // own function: noalias slices
fn sqrt_in_place(x: &mut [f32]) {
    for v in x.iter_mut() {
        *v = v.sqrt();
    }
}

/// `out[k] = fast_ln(x[k] + 1e-12)`.
#[multiversion(targets(
    "x86_64+avx512f+avx512bw+avx512cd+avx512dq+avx512vl+avx2+fma",
    "x86_64+avx2+fma"
))] // own function: noalias slices
fn ln_eps(out: &mut [f32], x: &[f32]) {
    for (o, &v) in out.iter_mut().zip(x) {
        *o = fast_ln(v + 1e-12);
    }
}

/// SuperFlux: the sum over bins `k = 1..` of the positive difference
/// between `cur[k - 1]` (bin `k`) and the maximum of `prev[k - 1..=k + 1]`
/// (the older frame, maximum-filtered across 3 bins); `diff` is scratch of
/// `cur.len()`.
#[multiversion(targets(
    "x86_64+avx512f+avx512bw+avx512cd+avx512dq+avx512vl+avx2+fma",
    "x86_64+avx2+fma"
))] // own function: noalias slices
fn superflux(diff: &mut [f32], cur: &[f32], prev: &[f32]) -> f32 {
    let n = diff.len().min(cur.len()).min(prev.len().saturating_sub(2));
    let (diff, cur) = (&mut diff[..n], &cur[..n]);
    let (l, c, r) = (&prev[..n], &prev[1..n + 1], &prev[2..n + 2]);
    for j in 0..n {
        diff[j] = (cur[j] - l[j].max(c[j]).max(r[j])).max(0.0);
    }
    lane_sum(diff)
}

/// `(sin 2 pi x, cos 2 pi x)` for `x` in `[-0.5, 0.5]`, absolute error
/// < 1e-5 (odd / even Taylor polynomials on a quarter turn after folding);
/// the tuning votes take one per spectral peak.
fn sin_cos_2pi(x: f32) -> (f32, f32) {
    // fold to [-0.25, 0.25]: sin(2pi(h - x)) = sin(2pi x), cos flips sign
    let (xf, sign_c) = if x > 0.25 {
        (0.5 - x, -1.0)
    } else if x < -0.25 {
        (-0.5 - x, -1.0)
    } else {
        (x, 1.0)
    };
    let t = 2.0 * PI * xf; // |t| <= pi/2
    let t2 = t * t;
    let s =
        t * (1.0 + t2 * (-1.0 / 6.0 + t2 * (1.0 / 120.0 + t2 * (-1.0 / 5040.0 + t2 / 362_880.0))));
    let c = 1.0
        + t2 * (-0.5
            + t2 * (1.0 / 24.0 + t2 * (-1.0 / 720.0 + t2 * (1.0 / 40_320.0 - t2 / 3_628_800.0))));
    (s, sign_c * c)
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
    fn sin_cos_2pi_is_accurate() {
        for i in 0..=1000 {
            let x = -0.5 + i as f32 / 1000.0;
            let (s, c) = super::sin_cos_2pi(x);
            let a = 2.0 * std::f32::consts::PI * x;
            assert!((s - a.sin()).abs() < 1e-5, "{x}");
            assert!((c - a.cos()).abs() < 1e-5, "{x}");
        }
    }

    /// The onset-frame time offset matches where a click's flux peaks.
    #[test]
    fn onset_offset_matches_click_peaks() {
        let mut fx = super::FeatureExtractor::new();
        let mut x = vec![0f32; 11_025 * 4];
        let clicks: Vec<usize> = (0..8).map(|c| 5000 + c * 4447).collect();
        for &at in &clicks {
            for j in 0..20 {
                x[at + j] = (j as f32 * 1.3).sin() * 0.5 * (1.0 - j as f32 / 20.0);
            }
        }
        fx.push(&x);
        fx.finish();
        let o = &fx.out.onset;
        let hop = super::ONSET_HOP as f32;
        let want = super::ONSET_PEAK_BEFORE_END as f32;
        // clicks 4447 samples apart fall at every phase of the hop: each
        // reads within half a hop of the offset, their mean on it
        let mut sum = 0.0;
        for &at in &clicks {
            let lo = at / super::ONSET_HOP;
            let bi = (lo..lo + 6).max_by(|&a, &b| o[a].total_cmp(&o[b])).unwrap();
            let (a, b, c) = (o[bi - 1], o[bi], o[bi + 1]);
            let d = 0.5 * (a - c) / (a - 2.0 * b + c);
            let before_end = (bi as f32 + d + 1.0) * hop - at as f32;
            assert!((before_end - want).abs() < hop / 2.0, "{at}: {before_end}");
            sum += before_end;
        }
        let mean = sum / clicks.len() as f32;
        assert!((mean - want).abs() < 15.0, "mean {mean}");
    }

    #[test]
    fn fast_ln_is_accurate() {
        for i in 0..2000 {
            let x = 1.0 + i as f32 * 0.37;
            assert!((fast_ln(x) - x.ln()).abs() < 1e-3, "{x}");
        }
    }
}

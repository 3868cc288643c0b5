//! The streaming front end: one pass over the decoded PCM.
//!
//! Exists to do everything that needs samples in a single pass, so that the
//! decoder is the only per-sample cost of note: EBU R128 loudness (full
//! rate, all channels, the `ebur128` crate), RMS and sample peak, the energy
//! curve and full-band spectral shape (mono downmix at the file's rate), and
//! the downmix resampled with `rubato` to [`ANALYSIS_SR`] for the
//! [`FeatureExtractor`]. Memory is bounded: only fixed-size buffers plus
//! the compact per-frame features are kept.

use std::sync::Arc;

use ebur128::{EbuR128, Mode as EbuMode};
use realfft::{RealFftPlanner, RealToComplex};
use rubato::{FftFixedIn, Resampler, SincFixedIn, SincInterpolationParameters, WindowFunction};
use rustfft::num_complex::Complex;

use crate::decode::PcmSink;
use crate::error::AudioError;
use crate::features::{ANALYSIS_SR, FeatureExtractor};
use crate::types::AnalysisOptions;

const RS_CHUNK: usize = 2048;
/// Samples beyond +-16 (+24 dBFS) are clamped (only broken float files have them).
const MAX_ABS_SAMPLE: f32 = 16.0;

enum Rs {
    None,
    Fft(Box<FftFixedIn<f32>>),
    Sinc(Box<SincFixedIn<f32>>),
}

impl Rs {
    fn input_frames_next(&self) -> usize {
        match self {
            Rs::None => RS_CHUNK,
            Rs::Fft(r) => r.input_frames_next(),
            Rs::Sinc(r) => r.input_frames_next(),
        }
    }
    fn output_delay(&self) -> usize {
        match self {
            Rs::None => 0,
            Rs::Fft(r) => r.output_delay(),
            Rs::Sinc(r) => r.output_delay(),
        }
    }
    fn process(
        &mut self,
        input: &[Vec<f32>],
        out: &mut [Vec<f32>],
        partial: bool,
    ) -> Result<usize, rubato::ResampleError> {
        let res = match self {
            Rs::None => return Ok(0),
            Rs::Fft(r) => {
                if partial {
                    r.process_partial_into_buffer(Some(input), out, None)
                } else {
                    r.process_into_buffer(input, out, None)
                }
            }
            Rs::Sinc(r) => {
                if partial {
                    r.process_partial_into_buffer(Some(input), out, None)
                } else {
                    r.process_into_buffer(input, out, None)
                }
            }
        };
        res.map(|(_, w)| w)
    }
}

/// Full-band spectral shape from sparse frames at the file's rate.
struct Spectral {
    n: usize,
    hop: usize,
    fft: Arc<dyn RealToComplex<f32>>,
    win: Vec<f32>,
    buf: Vec<f32>,
    inp: Vec<f32>,
    spec: Vec<Complex<f32>>,
    scratch: Vec<Complex<f32>>,
    since: usize,
    sr: f32,
    sum_centroid: f64,
    sum_rolloff: f64,
    sum_flatness: f64,
    count: u64,
}

impl Spectral {
    fn new(sr: u32) -> Self {
        let n = ((f64::from(sr) * 0.046) as usize)
            .next_power_of_two()
            .clamp(256, 8192);
        let hop = (f64::from(sr) * 0.25) as usize;
        let mut planner = RealFftPlanner::<f32>::new();
        let fft = planner.plan_fft_forward(n);
        let inp = fft.make_input_vec();
        let spec = fft.make_output_vec();
        let scratch = fft.make_scratch_vec();
        let win = (0..n)
            .map(|i| 0.5 - 0.5 * (2.0 * std::f32::consts::PI * i as f32 / n as f32).cos())
            .collect();
        Spectral {
            n,
            hop: hop.max(n),
            fft,
            win,
            buf: Vec::with_capacity(n),
            inp,
            spec,
            scratch,
            since: 0,
            sr: sr as f32,
            sum_centroid: 0.0,
            sum_rolloff: 0.0,
            sum_flatness: 0.0,
            count: 0,
        }
    }

    fn push(&mut self, mut x: &[f32]) {
        // collect n samples at the start of every hop
        while !x.is_empty() {
            if self.since < self.n {
                let take = (self.n - self.since).min(x.len());
                self.buf.extend_from_slice(&x[..take]);
                self.since += take;
                x = &x[take..];
                if self.buf.len() == self.n {
                    self.frame();
                    self.buf.clear();
                }
            } else {
                let skip = (self.hop - self.since).min(x.len());
                self.since += skip;
                x = &x[skip..];
            }
            if self.since >= self.hop {
                self.since = 0;
            }
        }
    }

    fn frame(&mut self) {
        let energy: f32 = self.buf.iter().map(|v| v * v).sum::<f32>() / self.n as f32;
        if energy < 1e-6 {
            return; // below -60 dBFS: silence says nothing about spectral shape
        }
        for (o, (&x, &w)) in self
            .inp
            .iter_mut()
            .zip(self.buf.iter().zip(self.win.iter()))
        {
            *o = x * w;
        }
        if self
            .fft
            .process_with_scratch(&mut self.inp, &mut self.spec, &mut self.scratch)
            .is_err()
        {
            return;
        }
        let bin_hz = f64::from(self.sr) / self.n as f64;
        let (mut tot, mut wsum, mut logsum) = (0f64, 0f64, 0f64);
        let m = self.spec.len() - 1;
        for (k, c) in self.spec.iter().enumerate().skip(1) {
            let p = f64::from(c.norm_sqr());
            tot += p;
            wsum += p * k as f64 * bin_hz;
            logsum += (p + 1e-12).ln();
        }
        if tot <= 0.0 {
            return;
        }
        let mut acc = 0.0;
        let mut roll = 0.0;
        for (k, c) in self.spec.iter().enumerate().skip(1) {
            acc += f64::from(c.norm_sqr());
            if acc >= 0.85 * tot {
                roll = k as f64 * bin_hz;
                break;
            }
        }
        let geo = (logsum / m as f64).exp();
        let arith = tot / m as f64;
        self.sum_centroid += wsum / tot;
        self.sum_rolloff += roll;
        self.sum_flatness += (geo / arith).clamp(0.0, 1.0);
        self.count += 1;
    }
}

/// Results of the streaming pass that are not frame features.
pub struct StreamSummary {
    pub channels: usize,
    pub frames: u64,
    pub sum_sq: f64,
    pub peak: f32,
    pub integrated_lufs: Option<f64>,
    pub range_lu: Option<f64>,
    pub true_peak: Option<f64>,
    pub energy_curve: Vec<f32>,
    pub energy_hop_s: f64,
    pub centroid_hz: Option<f64>,
    pub rolloff_hz: Option<f64>,
    pub flatness: Option<f64>,
}

/// The [`PcmSink`] that runs the whole front end.
pub struct Pipeline {
    opts: AnalysisOptions,
    sr: u32,
    channels: usize,
    frames: u64,
    sum_sq: f64,
    peak: f32,
    ebu: Option<EbuR128>,
    ebu_failed: bool,
    ebu_decim: usize,
    ebu_phase: usize,
    ebu_buf: Vec<f32>,
    tp: Option<EbuR128>,
    tp_max: f64,
    tp_prev: Vec<f32>,
    tp_prev_fed: bool,
    spectral: Option<Spectral>,
    energy_hop: usize,
    energy_acc: f64,
    energy_n: usize,
    energy_curve: Vec<f32>,
    rs: Rs,
    rs_in: Vec<Vec<f32>>,
    rs_out: Vec<Vec<f32>>,
    rs_skip: usize,
    mono: Vec<f32>,
    /// The analysis-rate features.
    pub features: FeatureExtractor,
    error: Option<AudioError>,
}

impl Pipeline {
    /// A pipeline; the format is set by [`PcmSink::start`].
    pub fn new(opts: &AnalysisOptions) -> Self {
        Pipeline {
            opts: opts.clone(),
            sr: 0,
            channels: 0,
            frames: 0,
            sum_sq: 0.0,
            peak: 0.0,
            ebu: None,
            ebu_failed: false,
            ebu_decim: 1,
            ebu_phase: 0,
            ebu_buf: Vec::new(),
            tp: None,
            tp_max: 0.0,
            tp_prev: Vec::new(),
            tp_prev_fed: false,
            spectral: None,
            energy_hop: 1,
            energy_acc: 0.0,
            energy_n: 0,
            energy_curve: Vec::new(),
            rs: Rs::None,
            rs_in: vec![Vec::new()],
            rs_out: vec![Vec::new()],
            rs_skip: 0,
            mono: Vec::new(),
            features: FeatureExtractor::new(),
            error: None,
        }
    }

    fn feed_resampler(&mut self, partial: bool) {
        loop {
            let need = self.rs.input_frames_next();
            let have = self.rs_in[0].len();
            if have == 0 || (!partial && have < need) {
                return;
            }
            let take = have.min(need);
            let chunk: Vec<Vec<f32>> = if take == have {
                vec![std::mem::take(&mut self.rs_in[0])]
            } else {
                let rest = self.rs_in[0].split_off(take);
                vec![std::mem::replace(&mut self.rs_in[0], rest)]
            };
            let is_partial = take < need;
            match self.rs.process(&chunk, &mut self.rs_out, is_partial) {
                Ok(w) => {
                    let out = &self.rs_out[0][..w.min(self.rs_out[0].len())];
                    let skip = self.rs_skip.min(out.len());
                    self.rs_skip -= skip;
                    self.features.push(&out[skip..]);
                }
                Err(e) => {
                    tracing::warn!(error = %e, "resampler error; dropping a block");
                }
            }
            if is_partial {
                return;
            }
        }
    }

    /// True peak (EBU R128 / BS.1770 4x oversampling, by `ebur128`) only of
    /// blocks whose sample peak is within 6 dB of the running true-peak
    /// maximum: an inter-sample overshoot of a band-limited signal is far
    /// below 6 dB, so other blocks cannot raise the maximum, and skipping
    /// them removes most of the meter's cost. A block after a skipped one
    /// is preceded by the last 64 frames of its predecessor (result
    /// discarded) so the interpolator's history is the real signal.
    fn true_peak_block(&mut self, x: &[f32], block_peak: f32) {
        let ch = self.channels.max(1);
        let Some(tp) = self.tp.as_mut() else { return };
        if f64::from(block_peak) >= 0.5 * self.tp_max && block_peak > 0.0 {
            if !self.tp_prev_fed && !self.tp_prev.is_empty() {
                let _ = tp.add_frames_f32(&self.tp_prev);
            }
            if tp.add_frames_f32(x).is_ok() {
                for c in 0..ch {
                    if let Ok(p) = tp.prev_true_peak(c as u32)
                        && p.is_finite()
                    {
                        self.tp_max = self.tp_max.max(p);
                    }
                }
            }
            self.tp_prev_fed = true;
        } else {
            self.tp_prev_fed = false;
        }
        let keep = (64 * ch).min(x.len() / ch * ch);
        self.tp_prev.clear();
        self.tp_prev.extend_from_slice(&x[x.len() - keep..]);
    }

    /// Flush everything and summarise.
    pub fn finish(mut self) -> Result<(StreamSummary, FeatureExtractor), AudioError> {
        if let Some(e) = self.error.take() {
            return Err(e);
        }
        if !matches!(self.rs, Rs::None) {
            self.feed_resampler(true);
            // push the resampler's delay out with silence
            let delay = self.rs.output_delay() + RS_CHUNK;
            let mut pushed = 0;
            while pushed < delay * 4 && pushed < 1 << 20 {
                let need = self.rs.input_frames_next();
                self.rs_in[0].resize(need, 0.0);
                pushed += need;
                self.feed_resampler(false);
                if self.features.samples() as f64
                    >= self.frames as f64 * f64::from(ANALYSIS_SR) / f64::from(self.sr.max(1))
                {
                    break;
                }
            }
        } else if !self.rs_in[0].is_empty() {
            let rest = std::mem::take(&mut self.rs_in[0]);
            self.features.push(&rest);
        }
        self.features.finish();
        if self.energy_n > 0 && self.energy_n * 4 >= self.energy_hop {
            let rms = (self.energy_acc / self.energy_n as f64).sqrt();
            self.energy_curve.push(db_floor(rms));
        }
        let (mut il, mut lra, mut tp) = (None, None, None);
        if let Some(ebu) = self.ebu.as_ref() {
            il = ebu.loudness_global().ok().filter(|v| v.is_finite());
            lra = ebu
                .loudness_range()
                .ok()
                .filter(|v| v.is_finite() && il.is_some());
        }
        if self.tp.is_some() && self.tp_max > 0.0 && self.tp_max.is_finite() {
            tp = Some(20.0 * self.tp_max.log10());
        }
        let (mut cen, mut rol, mut fla) = (None, None, None);
        if let Some(s) = self.spectral.as_ref()
            && s.count > 0
        {
            let n = s.count as f64;
            cen = Some(s.sum_centroid / n);
            rol = Some(s.sum_rolloff / n);
            fla = Some(s.sum_flatness / n);
        }
        let summary = StreamSummary {
            channels: self.channels,
            frames: self.frames,
            sum_sq: self.sum_sq,
            peak: self.peak,
            integrated_lufs: il,
            range_lu: lra,
            true_peak: tp,
            energy_curve: self.energy_curve,
            energy_hop_s: self.energy_hop as f64 / f64::from(self.sr.max(1)),
            centroid_hz: cen,
            rolloff_hz: rol,
            flatness: fla,
        };
        Ok((summary, self.features))
    }
}

fn db_floor(rms: f64) -> f32 {
    if rms > 1e-5 {
        (20.0 * rms.log10()) as f32
    } else {
        -100.0
    }
}

impl PcmSink for Pipeline {
    fn start(&mut self, sample_rate: u32, channels: usize) -> Result<(), AudioError> {
        self.sr = sample_rate;
        self.channels = channels;
        if self.opts.true_peak {
            self.tp = EbuR128::new(channels as u32, sample_rate, EbuMode::TRUE_PEAK).ok();
        }
        // Loudness is measured on every `ebu_decim`-th frame (rate >= 22.05
        // kHz): mean-square energy is preserved by subsampling (content
        // above the new Nyquist folds into the K-weighting's flat +4 dB
        // shelf), so integrated loudness and LRA move by < 0.1 LU on music
        // (measured on the corpus, see docs/audio.md) at half the cost.
        self.ebu_decim = ((sample_rate / 22_050) as usize).max(1);
        let ebu_rate = sample_rate / self.ebu_decim as u32;
        match EbuR128::new(channels as u32, ebu_rate, EbuMode::I | EbuMode::LRA) {
            Ok(e) => self.ebu = Some(e),
            Err(e) => {
                tracing::warn!(error = ?e, sample_rate, channels, "loudness meter unavailable for this format");
            }
        }
        self.spectral = Some(Spectral::new(sample_rate));
        self.energy_hop =
            ((self.opts.energy_hop_s.clamp(0.01, 60.0)) * f64::from(sample_rate)).max(1.0) as usize;
        self.rs = if sample_rate == ANALYSIS_SR {
            Rs::None
        } else {
            let (a, b) = (sample_rate as usize, ANALYSIS_SR as usize);
            let g = gcd(a, b);
            if a / g <= 8192 && b / g <= 8192 {
                let r = FftFixedIn::<f32>::new(a, b, RS_CHUNK, 2, 1)
                    .map_err(|e| AudioError::Internal(e.to_string()))?;
                Rs::Fft(Box::new(r))
            } else {
                let params = SincInterpolationParameters {
                    sinc_len: 64,
                    f_cutoff: 0.92,
                    interpolation: rubato::SincInterpolationType::Linear,
                    oversampling_factor: 64,
                    window: WindowFunction::BlackmanHarris2,
                };
                let r = SincFixedIn::<f32>::new(b as f64 / a as f64, 1.0, params, RS_CHUNK, 1)
                    .map_err(|e| AudioError::Internal(e.to_string()))?;
                Rs::Sinc(Box::new(r))
            }
        };
        self.rs_skip = self.rs.output_delay();
        self.rs_out = vec![vec![0.0; RS_CHUNK * 16 + 8192]];
        self.rs_in = vec![Vec::with_capacity(RS_CHUNK * 8)];
        Ok(())
    }

    fn push(&mut self, x: &[f32]) {
        let ch = self.channels.max(1);
        let x = &x[..x.len() / ch * ch];
        let n = x.len() / ch;
        self.mono.clear();
        self.mono.reserve(n);
        let inv = 1.0 / ch as f32;
        let mut ss = 0f64;
        let mut block_peak = 0f32;
        let mut clean = true;
        if ch == 2 {
            let mut acc = 0f32;
            for fr in x.chunks_exact(2) {
                let (a, b) = (fr[0], fr[1]);
                acc += a * a + b * b;
                block_peak = block_peak.max(a.abs()).max(b.abs());
                self.mono.push((a + b) * 0.5);
            }
            ss += f64::from(acc);
        } else {
            for fr in x.chunks_exact(ch) {
                let mut m = 0f32;
                for &v in fr {
                    ss += f64::from(v * v);
                    block_peak = block_peak.max(v.abs());
                    m += v;
                }
                self.mono.push(m * inv);
            }
        }
        // NaN/inf or absurd values (a broken float file) would poison the
        // FFTs downstream: zero non-finite samples, clamp to +-16 (+24 dBFS)
        let sanitized: Vec<f32>;
        if !ss.is_finite() || !block_peak.is_finite() || block_peak > MAX_ABS_SAMPLE {
            clean = false;
            sanitized = x
                .iter()
                .map(|v| {
                    if v.is_finite() {
                        v.clamp(-MAX_ABS_SAMPLE, MAX_ABS_SAMPLE)
                    } else {
                        0.0
                    }
                })
                .collect();
            ss = sanitized.iter().map(|v| f64::from(v * v)).sum();
            block_peak = sanitized.iter().fold(0f32, |m, v| m.max(v.abs()));
            self.mono.clear();
            for fr in sanitized.chunks_exact(ch) {
                self.mono.push(fr.iter().sum::<f32>() * inv);
            }
        } else {
            sanitized = Vec::new();
        }
        self.sum_sq += ss;
        self.peak = self.peak.max(block_peak);
        self.frames += n as u64;
        let x = if clean { x } else { &sanitized[..] };
        if let Some(ebu) = self.ebu.as_mut()
            && !self.ebu_failed
        {
            {
                let fed: &[f32] = if self.ebu_decim <= 1 {
                    x
                } else {
                    self.ebu_buf.clear();
                    let mut i = self.ebu_phase;
                    while i < n {
                        self.ebu_buf.extend_from_slice(&x[i * ch..(i + 1) * ch]);
                        i += self.ebu_decim;
                    }
                    self.ebu_phase = i - n;
                    &self.ebu_buf
                };
                if let Err(e) = ebu.add_frames_f32(fed) {
                    tracing::warn!(error = ?e, "loudness meter rejected a block; loudness disabled");
                    self.ebu_failed = true;
                }
            }
        }
        self.true_peak_block(x, block_peak);
        if let Some(s) = self.spectral.as_mut() {
            s.push(&self.mono);
        }
        let mut i = 0;
        while i < self.mono.len() {
            let take = (self.energy_hop - self.energy_n).min(self.mono.len() - i);
            let e: f32 = self.mono[i..i + take].iter().map(|v| v * v).sum();
            self.energy_acc += f64::from(e);
            self.energy_n += take;
            i += take;
            if self.energy_n >= self.energy_hop {
                let rms = (self.energy_acc / self.energy_n as f64).sqrt();
                self.energy_curve.push(db_floor(rms));
                self.energy_acc = 0.0;
                self.energy_n = 0;
            }
        }
        if matches!(self.rs, Rs::None) {
            let mono = std::mem::take(&mut self.mono);
            self.features.push(&mono);
            self.mono = mono;
        } else {
            self.rs_in[0].extend_from_slice(&self.mono);
            self.feed_resampler(false);
        }
    }
}

fn gcd(mut a: usize, mut b: usize) -> usize {
    while b != 0 {
        let t = a % b;
        a = b;
        b = t;
    }
    a.max(1)
}

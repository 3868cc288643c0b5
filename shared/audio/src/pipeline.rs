//! The streaming front end: one pass over the decoded PCM.
//!
//! Exists to do everything that needs samples in a single pass, so that the
//! decoder is the only per-sample cost of note. Per decoded block:
//! * sum of squares and the sample peak of every 256-frame chunk, one
//!   vectorised pass per channel plane (broken float input is sanitised),
//!   then the mono downmix;
//! * EBU R128 loudness (I + LRA, [`LoudnessMeter`], full rate, all
//!   channels);
//! * true peak (BS.1770 4x oversampling, [`TruePeak`]) only on the chunks
//!   whose peak could reach the running maximum;
//! * energy curve and sparse full-band spectral frames from the mono mix at
//!   the file's rate;
//! * the mono mix decimated to [`ANALYSIS_SR`] by half-band stages
//!   ([`Decimator`]), with `rubato` only for a remaining non-power-of-two
//!   step (48 kHz -> 12 kHz -> 11.025 kHz), into the [`FeatureExtractor`].
//!
//! Memory is bounded: only fixed-size buffers plus the compact per-frame
//! features are kept.

use std::sync::Arc;

use multiversion::multiversion;

use realfft::RealToComplex;
use rubato::{FftFixedIn, Resampler, SincFixedIn, SincInterpolationParameters, WindowFunction};
use rustfft::num_complex::Complex;

use crate::decimate::Decimator;
use crate::decode::PcmSink;
use crate::error::AudioError;
use crate::features::{ANALYSIS_SR, FeatureExtractor};
use crate::lanes::sum_sq_peak;
use crate::loudness::LoudnessMeter;
use crate::truepeak::{self, TruePeak};
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
    /// Scratch: the power of every bin but DC.
    power: Vec<f32>,
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
        let fft = crate::plans::real_forward_f32(n);
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
            power: Vec::new(),
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
        let energy = sum_sq_peak(&self.buf).0 / self.n as f32;
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
        if let Some((centroid, rolloff, flatness)) =
            spectral_shape(&mut self.power, &self.spec, bin_hz)
        {
            self.sum_centroid += centroid;
            self.sum_rolloff += rolloff;
            self.sum_flatness += flatness;
            self.count += 1;
        }
    }
}

/// Centroid (Hz), 85 % roll-off (Hz) and flatness of the spectrum `spec`
/// (bins `bin_hz` apart; DC left out); `None` for no power. The sums run
/// in 8 lanes (vectorised); the geometric mean is the log of products of
/// 16 powers per lane (each in [1e-12, ~1e8], so a product stays within
/// f64's range) instead of a logarithm per bin.
#[multiversion(targets(
    "x86_64+avx512f+avx512bw+avx512cd+avx512dq+avx512vl+avx2+fma",
    "x86_64+avx2+fma"
))]
fn spectral_shape(
    power: &mut Vec<f32>,
    spec: &[Complex<f32>],
    bin_hz: f64,
) -> Option<(f64, f64, f64)> {
    let m = spec.len().checked_sub(1).filter(|&m| m > 0)?;
    power.clear();
    power.extend(spec[1..].iter().map(|c| c.norm_sqr()));
    let (mut tot, mut wsum, mut prod) = ([0f64; 8], [0f64; 8], [1f64; 8]);
    let mut logsum = 0f64;
    let mut it = power.chunks_exact(8);
    for (ci, c) in (&mut it).enumerate() {
        for l in 0..8 {
            let p = f64::from(c[l]);
            tot[l] += p;
            wsum[l] += p * (1 + 8 * ci + l) as f64;
            prod[l] *= p + 1e-12;
        }
        if ci % 16 == 15 {
            for v in prod.iter_mut() {
                logsum += v.ln();
                *v = 1.0;
            }
        }
    }
    let done = m - it.remainder().len();
    let mut rest = 1f64;
    for (j, &p) in it.remainder().iter().enumerate() {
        let p = f64::from(p);
        tot[0] += p;
        wsum[0] += p * (1 + done + j) as f64;
        rest *= p + 1e-12;
    }
    logsum += prod.iter().map(|v| v.ln()).sum::<f64>() + rest.ln();
    let tot: f64 = tot.iter().sum();
    if tot <= 0.0 || !tot.is_finite() {
        return None;
    }
    let wsum: f64 = wsum.iter().sum::<f64>() * bin_hz;
    let mut acc = 0.0;
    let mut roll = 0.0;
    for (k, &p) in power.iter().enumerate() {
        acc += f64::from(p);
        if acc >= 0.85 * tot {
            roll = (k + 1) as f64 * bin_hz;
            break;
        }
    }
    let geo = (logsum / m as f64).exp();
    let arith = tot / m as f64;
    Some((wsum / tot, roll, (geo / arith).clamp(0.0, 1.0)))
}

/// `mono[j] = (a[j] + b[j]) / 2`, returning the sum of the `mono[j]^2`
/// added exactly as [`sum_sq_peak`] adds them (8 lanes, then the rest):
/// the energy curve is read off the mix as it is made.
#[multiversion(targets(
    "x86_64+avx512f+avx512bw+avx512cd+avx512dq+avx512vl+avx2+fma",
    "x86_64+avx2+fma"
))] // own function: noalias slices
fn mix2_sq(mono: &mut [f32], a: &[f32], b: &[f32]) -> f32 {
    let n = mono.len().min(a.len()).min(b.len());
    let (mono, a, b) = (&mut mono[..n], &a[..n], &b[..n]);
    let full = n - n % 8;
    let mut sq = [0f32; 8];
    for ((mc, ac), bc) in mono[..full]
        .chunks_exact_mut(8)
        .zip(a.chunks_exact(8))
        .zip(b.chunks_exact(8))
    {
        for l in 0..8 {
            let m = (ac[l] + bc[l]) * 0.5;
            mc[l] = m;
            sq[l] += m * m;
        }
    }
    let mut s: f32 = sq.iter().sum();
    for j in full..n {
        let m = (a[j] + b[j]) * 0.5;
        mono[j] = m;
        s += m * m;
    }
    s
}

/// `mono[j] += a[j]`.
#[multiversion(targets(
    "x86_64+avx512f+avx512bw+avx512cd+avx512dq+avx512vl+avx2+fma",
    "x86_64+avx2+fma"
))] // own function: noalias slices
fn add_into(mono: &mut [f32], a: &[f32]) {
    for (m, x) in mono.iter_mut().zip(a) {
        *m += x;
    }
}

/// Mono mix of `frames` frames of `planes` into `mono` (two or more
/// channels; a mono stream is used as it is). The front end mixes a pair
/// with [`mix2_sq`] itself, segment by segment of the energy curve.
fn downmix(planes: &[Vec<f32>], frames: usize, mono: &mut Vec<f32>) {
    match planes {
        [a, b] => {
            mono.resize(frames, 0.0);
            mix2_sq(mono, &a[..frames], &b[..frames]);
        }
        [first, rest @ ..] => {
            mono.clear();
            mono.extend_from_slice(&first[..frames]);
            for p in rest {
                add_into(mono, &p[..frames]);
            }
            let inv = 1.0 / planes.len().max(1) as f32;
            for m in mono.iter_mut() {
                *m *= inv;
            }
        }
        [] => mono.clear(),
    }
}

/// Sum of squares of every sample (NaN when a sample is) and, per
/// [`truepeak::CHUNK`] frames, the largest |sample| over the channels
/// (into `peaks`): one pass over each plane.
fn measure(planes: &[Vec<f32>], frames: usize, peaks: &mut Vec<f32>) -> f64 {
    peaks.clear();
    peaks.resize(frames.div_ceil(truepeak::CHUNK), 0.0);
    let mut ss = 0f64;
    for p in planes {
        for (k, pk) in peaks.iter_mut().enumerate() {
            let s = k * truepeak::CHUNK;
            let e = (s + truepeak::CHUNK).min(frames);
            let (q, m) = sum_sq_peak(&p[s..e]);
            ss += f64::from(q);
            *pk = pk.max(m);
        }
    }
    ss
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
    loudness: Option<LoudnessMeter>,
    tp: Option<TruePeak>,
    spectral: Option<Spectral>,
    energy_hop: usize,
    energy_acc: f64,
    energy_n: usize,
    energy_curve: Vec<f32>,
    dec: Decimator,
    dec_out: Vec<f32>,
    rs: Rs,
    rs_in: Vec<Vec<f32>>,
    rs_out: Vec<Vec<f32>>,
    rs_skip: usize,
    mono: Vec<f32>,
    sanitized: Vec<Vec<f32>>,
    chunk_peaks: Vec<f32>,
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
            loudness: None,
            tp: None,
            spectral: None,
            energy_hop: 1,
            energy_acc: 0.0,
            energy_n: 0,
            energy_curve: Vec::new(),
            dec: Decimator::new(0),
            dec_out: Vec::new(),
            rs: Rs::None,
            rs_in: vec![Vec::new()],
            rs_out: vec![Vec::new()],
            rs_skip: 0,
            mono: Vec::new(),
            sanitized: Vec::new(),
            chunk_peaks: Vec::new(),
            features: FeatureExtractor::new(),
            error: None,
        }
    }

    /// Decimated mono samples in `dec_out` go to the features (through the
    /// resampler when the decimated rate is not [`ANALYSIS_SR`]).
    fn forward_decimated(&mut self) {
        if matches!(self.rs, Rs::None) {
            self.features.push(&self.dec_out);
        } else {
            self.rs_in[0].extend_from_slice(&self.dec_out);
            self.feed_resampler(false);
        }
        self.dec_out.clear();
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

    /// Flush everything and summarise.
    pub fn finish(mut self) -> Result<(StreamSummary, FeatureExtractor), AudioError> {
        if let Some(e) = self.error.take() {
            return Err(e);
        }
        let mut tail = std::mem::take(&mut self.dec_out);
        self.dec.finish(&mut tail);
        self.dec_out = tail;
        self.forward_decimated();
        let target = self.frames as f64 * f64::from(ANALYSIS_SR) / f64::from(self.sr.max(1));
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
                if self.features.samples() as f64 >= target {
                    break;
                }
            }
        }
        self.features.finish();
        if self.energy_n > 0 && self.energy_n * 4 >= self.energy_hop {
            let rms = (self.energy_acc / self.energy_n as f64).sqrt();
            self.energy_curve.push(db_floor(rms));
        }
        let (mut il, mut lra, mut tp) = (None, None, None);
        if let Some(m) = self.loudness.as_mut() {
            m.finish();
            il = m.integrated();
            lra = Some(m.range()).filter(|v| v.is_finite() && il.is_some());
        }
        if let Some(g) = self.tp.as_ref() {
            let m = g.value();
            if m > 0.0 && m.is_finite() {
                tp = Some(20.0 * m.log10());
            }
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
            self.tp = Some(TruePeak::new(channels, sample_rate));
        }
        self.loudness = LoudnessMeter::new(channels, sample_rate);
        if self.loudness.is_none() {
            tracing::warn!(
                sample_rate,
                channels,
                "loudness meter unavailable for this format"
            );
        }
        self.spectral = Some(Spectral::new(sample_rate));
        self.energy_hop =
            ((self.opts.energy_hop_s.clamp(0.01, 60.0)) * f64::from(sample_rate)).max(1.0) as usize;
        let stages = Decimator::stages_for(sample_rate, ANALYSIS_SR);
        self.dec = Decimator::new(stages);
        let dec_rate = sample_rate / self.dec.factor() as u32;
        self.rs = if dec_rate == ANALYSIS_SR {
            Rs::None
        } else {
            let (a, b) = (dec_rate as usize, ANALYSIS_SR as usize);
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

    fn push(&mut self, planes: &[Vec<f32>]) {
        let frames = planes.iter().map(Vec::len).min().unwrap_or(0);
        if planes.len() != self.channels || frames == 0 {
            return;
        }
        let mut peaks = std::mem::take(&mut self.chunk_peaks);
        let mut ss = measure(planes, frames, &mut peaks);
        let mut block_peak = peaks.iter().fold(0f32, |m, &p| m.max(p));
        // NaN/inf or absurd values (a broken float file) would poison the
        // filters and FFTs downstream: zero non-finite samples, clamp to
        // +-16 (+24 dBFS), and measure the block again
        let mut sanitized = std::mem::take(&mut self.sanitized);
        let planes = if !ss.is_finite() || !block_peak.is_finite() || block_peak > MAX_ABS_SAMPLE {
            sanitized.resize(planes.len(), Vec::new());
            for (dst, src) in sanitized.iter_mut().zip(planes) {
                dst.clear();
                dst.extend(src[..frames].iter().map(|v| {
                    if v.is_finite() {
                        v.clamp(-MAX_ABS_SAMPLE, MAX_ABS_SAMPLE)
                    } else {
                        0.0
                    }
                }));
            }
            ss = measure(&sanitized, frames, &mut peaks);
            block_peak = peaks.iter().fold(0f32, |m, &p| m.max(p));
            &sanitized[..]
        } else {
            planes
        };
        self.sum_sq += ss;
        self.peak = self.peak.max(block_peak);
        self.frames += frames as u64;
        if let Some(m) = self.loudness.as_mut() {
            m.push(planes, frames);
        }
        if let Some(tp) = self.tp.as_mut() {
            tp.push(planes, frames, &peaks);
        }
        let mut mix = std::mem::take(&mut self.mono);
        let pair = planes.len() == 2;
        if pair {
            // every frame is written by mix2_sq below
            mix.resize(frames, 0.0);
        } else if planes.len() > 2 {
            downmix(planes, frames, &mut mix);
        }
        let mut i = 0;
        while i < frames {
            let take = (self.energy_hop - self.energy_n).min(frames - i);
            let r = i..i + take;
            let sq = if pair {
                mix2_sq(&mut mix[r.clone()], &planes[0][r.clone()], &planes[1][r])
            } else if planes.len() == 1 {
                sum_sq_peak(&planes[0][r]).0
            } else {
                sum_sq_peak(&mix[r]).0
            };
            self.energy_acc += f64::from(sq);
            self.energy_n += take;
            i += take;
            if self.energy_n >= self.energy_hop {
                let rms = (self.energy_acc / self.energy_n as f64).sqrt();
                self.energy_curve.push(db_floor(rms));
                self.energy_acc = 0.0;
                self.energy_n = 0;
            }
        }
        let mono: &[f32] = if planes.len() == 1 {
            &planes[0][..frames]
        } else {
            &mix[..frames]
        };
        if let Some(s) = self.spectral.as_mut() {
            s.push(mono);
        }
        let mut out = std::mem::take(&mut self.dec_out);
        self.dec.process(mono, &mut out);
        self.dec_out = out;
        self.forward_decimated();
        self.mono = mix;
        self.sanitized = sanitized;
        self.chunk_peaks = peaks;
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::noise;

    #[test]
    fn one_pass_measures_match_the_plain_definitions() {
        let frames = 2 * truepeak::CHUNK + 89;
        let planes: Vec<Vec<f32>> = (0..3).map(|c| noise(frames + 5, c)).collect();
        let mut peaks = Vec::new();
        let ss = measure(&planes, frames, &mut peaks);
        let want: f64 = planes
            .iter()
            .flat_map(|p| &p[..frames])
            .map(|&v| f64::from(v) * f64::from(v))
            .sum();
        assert!((ss - want).abs() < 1e-4 * want, "{ss} vs {want}");
        assert_eq!(peaks.len(), 3);
        for (k, pk) in peaks.iter().enumerate() {
            let r = k * truepeak::CHUNK..((k + 1) * truepeak::CHUNK).min(frames);
            let want = planes
                .iter()
                .flat_map(|p| &p[r.clone()])
                .fold(0f32, |m, v| m.max(v.abs()));
            assert_eq!(*pk, want, "chunk {k}");
        }
        let mut mono = Vec::new();
        downmix(&planes, frames, &mut mono);
        assert_eq!(mono.len(), frames);
        for (j, m) in mono.iter().enumerate() {
            let want = (planes[0][j] + planes[1][j] + planes[2][j]) / 3.0;
            assert!((m - want).abs() < 1e-6);
        }
        downmix(&planes[..2], frames, &mut mono);
        assert_eq!(mono[7], (planes[0][7] + planes[1][7]) * 0.5);
    }

    #[test]
    fn a_nan_sample_shows_in_the_sum_and_not_in_the_peak() {
        let mut p = vec![0.25f32; 300];
        p[260] = f32::NAN;
        let mut peaks = Vec::new();
        let ss = measure(&[p], 300, &mut peaks);
        assert!(ss.is_nan());
        assert_eq!(peaks, vec![0.25, 0.25]);
    }
}

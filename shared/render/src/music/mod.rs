//! Deterministic music synthesiser.
//!
//! Why: the offline music provider must return a real, musical track whose
//! tempo and key a real analyser can measure back, without any model or
//! network access, and byte-identically for the same request.
//!
//! Design / signal chain:
//!
//! 1. **Compose** ([`score`]): pick a progression for the mode (seeded; some
//!    genres have their own tables), plan sections (intro / verse / chorus /
//!    bridge / outro) from the duration, derive per-section density from
//!    `energy`, build two melody motifs.
//! 2. **Synthesise** ([`dsp`]): every note or drum hit is a clip rendered
//!    once and mixed into a stereo bus (plus a mono reverb send) at its
//!    start, scaled by its velocity; recurring notes reuse their clip and
//!    each drum sound is a few one-shots per track. Voices: tuned sine kick
//!    with a fast pitch drop, body+noise snare, clap, noise hats, polyBLEP
//!    saw/square, triangle, sine and 2-op FM oscillators through a 2-pole
//!    low-pass with ADSR, unison detune (voices processed as SIMD lanes) and
//!    constant-power panning.
//! 3. **Master**: Schroeder-style reverb on the send, DC/sub-rumble removal,
//!    RMS normalisation to a level set by `energy`, a look-ahead peak
//!    limiter (ceiling −1 dBFS), short fades, and 16-bit quantisation into a
//!    RIFF WAV.
//!
//! Speed: a two-minute track takes roughly a tenth of a second to a fifth
//! on one core in a release build (`cargo bench -p noktvrn-render`,
//! figures in docs/benchmarks.md). What makes it fast: clip reuse (songs
//! repeat), control-rate (32-sample) DC tracker and limiter envelope instead
//! of per-sample recursions, block-processed reverb and branch-free inner
//! loops that vectorise.
//!
//! Analysability rules: the kick sits on beats 1 and 3 and the snare/clap on
//! 2 and 4 in every genre, so each quarter note at exactly `tempo_bpm` carries
//! a strong onset; harmony starts on and cadences (V → I) to the tonic, the
//! bass plays roots on downbeats, kick/snare are tuned to the tonic (the
//! kick's pitch drop is over within 8 ms, so its body adds the tonic and
//! not the semitones above it), the minor dominant is major (leading tone),
//! and the final bar is the tonic.
//!
//! Determinism: all randomness comes from `ChaCha8Rng::seed_from_u64(seed)`
//! (and a xorshift noise source seeded from it); no hashing, clocks or
//! threads. Equal temperament, A4 = 440 Hz.

mod dsp;
mod genre;
mod score;

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

pub use genre::GenrePreset;

use crate::RenderError;

/// Output sample rate (Hz).
pub const SAMPLE_RATE: u32 = 44_100;
/// Output channel count (interleaved stereo).
pub const CHANNELS: u16 = 2;

/// Major or minor mode.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Mode {
    Major,
    Minor,
}

impl Mode {
    /// "major" / "minor".
    pub fn as_str(self) -> &'static str {
        match self {
            Mode::Major => "major",
            Mode::Minor => "minor",
        }
    }
}

/// Pitch-class names with sharps, indexed by pitch class (C = 0).
pub const PITCH_CLASS_NAMES: [&str; 12] = [
    "C", "C#", "D", "D#", "E", "F", "F#", "G", "G#", "A", "A#", "B",
];

/// What to render.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrackSpec {
    /// Quarter-note tempo, 40–220 BPM.
    pub tempo_bpm: f64,
    /// Tonic pitch class, 0..12 with C = 0.
    pub tonic: u8,
    pub mode: Mode,
    /// 0 (sparse, quiet, dark) … 1 (dense, loud, bright).
    pub energy: f64,
    /// Length in seconds, 5–600.
    pub duration_s: f64,
    pub genre: GenrePreset,
    pub seed: u64,
}

impl TrackSpec {
    /// Check the ranges documented on the fields.
    pub fn validate(&self) -> Result<(), RenderError> {
        if !(40.0..=220.0).contains(&self.tempo_bpm) {
            return Err(RenderError::InvalidTempo(self.tempo_bpm));
        }
        if !(5.0..=600.0).contains(&self.duration_s) {
            return Err(RenderError::InvalidDuration(self.duration_s));
        }
        if !(0.0..=1.0).contains(&self.energy) {
            return Err(RenderError::InvalidEnergy(self.energy));
        }
        if self.tonic >= 12 {
            return Err(RenderError::InvalidTonic(self.tonic));
        }
        Ok(())
    }

    /// Human key name, e.g. "A minor".
    pub fn key_name(&self) -> String {
        let pc = PITCH_CLASS_NAMES[usize::from(self.tonic % 12)];
        format!("{pc} {}", self.mode.as_str())
    }
}

/// A named section of the arrangement: (name, start seconds, end seconds).
pub type SectionSpan = (String, f64, f64);

/// Rendered audio as interleaved `f32` samples in −1..1.
#[derive(Debug, Clone, PartialEq)]
pub struct RenderedPcm {
    /// Interleaved L/R samples.
    pub samples: Vec<f32>,
    pub sample_rate: u32,
    pub channels: u16,
    pub duration_s: f64,
    pub sections: Vec<SectionSpan>,
}

/// A rendered track as a RIFF WAV (44.1 kHz, 16-bit PCM, stereo).
#[derive(Debug, Clone, PartialEq)]
pub struct RenderedTrack {
    pub wav: Vec<u8>,
    pub duration_s: f64,
    pub sample_rate: u32,
    pub channels: u16,
    /// What was rendered: intro/verse/chorus/bridge/outro with start/end seconds.
    pub sections: Vec<SectionSpan>,
}

/// Render a track to a 16-bit stereo WAV.
pub fn render(spec: &TrackSpec) -> Result<RenderedTrack, RenderError> {
    let (bus, sections, duration_s) = render_bus(spec)?;
    let wav = encode_wav_stereo_i16(&bus.l, &bus.r, SAMPLE_RATE);
    Ok(RenderedTrack {
        wav,
        duration_s,
        sample_rate: SAMPLE_RATE,
        channels: CHANNELS,
        sections,
    })
}

/// Render a track to interleaved stereo `f32` PCM (peak ≤ −1 dBFS).
pub fn render_pcm(spec: &TrackSpec) -> Result<RenderedPcm, RenderError> {
    let (bus, sections, duration_s) = render_bus(spec)?;
    let mut samples = Vec::with_capacity(bus.len() * 2);
    for (l, r) in bus.l.iter().zip(bus.r.iter()) {
        samples.push(*l);
        samples.push(*r);
    }
    Ok(RenderedPcm {
        samples,
        sample_rate: SAMPLE_RATE,
        channels: CHANNELS,
        duration_s,
        sections,
    })
}

/// Compose, synthesise and master a track; returns the mastered bus, the
/// section spans and the duration in seconds.
fn render_bus(spec: &TrackSpec) -> Result<(dsp::Bus, Vec<SectionSpan>, f64), RenderError> {
    spec.validate()?;
    let sr = SAMPLE_RATE as f32;
    let n = (spec.duration_s * f64::from(SAMPLE_RATE)).round() as usize;
    let bar_s = 240.0 / spec.tempo_bpm;
    let total_bars = ((spec.duration_s / bar_s).floor() as usize).max(1);
    let sections = score::plan_sections(total_bars);
    let style = spec.genre.style();
    let mut rng = ChaCha8Rng::seed_from_u64(spec.seed);
    let mut bus = dsp::Bus::new(n, sr);
    let sc = score::Score {
        spec,
        style,
        sections,
        total_bars,
    };
    score::render_score(&sc, &mut bus, &mut rng);
    dsp::reverb(&mut bus, style.reverb_room, 0.35, style.reverb_wet);
    master(&mut bus, spec.energy as f32);

    let spans = sc
        .sections
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let start = (s.start as f64 * bar_s).min(spec.duration_s);
            let end = if i + 1 == sc.sections.len() {
                spec.duration_s
            } else {
                ((s.start + s.bars) as f64 * bar_s).min(spec.duration_s)
            };
            (s.kind.name().to_string(), start, end)
        })
        .collect();
    Ok((bus, spans, n as f64 / f64::from(SAMPLE_RATE)))
}

/// Sum of squares, accumulated in `f32` lanes per chunk and `f64` overall
/// (vectorises; exact enough for an RMS).
fn sum_squares(x: &[f32]) -> f64 {
    x.chunks(4096)
        .map(|c| {
            let mut acc = [0.0f32; 8];
            let mut it = c.chunks_exact(8);
            for ch in &mut it {
                for (a, v) in acc.iter_mut().zip(ch) {
                    *a += v * v;
                }
            }
            let tail: f32 = it.remainder().iter().map(|v| v * v).sum();
            acc.iter().map(|&a| f64::from(a)).sum::<f64>() + f64::from(tail)
        })
        .sum()
}

/// Control-rate block length (samples) of the master's DC tracker and
/// limiter envelope: 32 samples = 0.73 ms, far finer than either's time
/// constants, and it turns both into cheap per-block recursions plus
/// vectorised per-sample loops.
const CTRL: usize = 32;

/// `RAMP[j] = (j + 1) / CTRL`: interpolation weights across a block
/// (a table, so the per-sample loops need no int-to-float conversion).
const RAMP: [f32; CTRL] = {
    let mut r = [0.0f32; CTRL];
    let mut j = 0;
    while j < CTRL {
        r[j] = (j + 1) as f32 / CTRL as f32;
        j += 1;
    }
    r
};

/// Peak absolute value of two channels (lane-wise maxima, so it vectorises).
fn peak2(l: &[f32], r: &[f32]) -> f32 {
    let mut m = [0.0f32; 8];
    for (lc, rc) in l.chunks(8).zip(r.chunks(8)) {
        for ((mv, a), b) in m.iter_mut().zip(lc).zip(rc) {
            let v = a.abs();
            let w = b.abs();
            let v = if w > v { w } else { v };
            *mv = if v > *mv { v } else { *mv };
        }
    }
    m.iter().fold(0.0f32, |a, &b| if b > a { b } else { a })
}

/// Remove DC and sub-rumble (a one-pole ~25 Hz high-pass): the low-pass
/// being subtracted runs at control rate on block means, and is subtracted
/// as a linear ramp between block ends.
fn remove_dc(x: &mut [f32], sr: f32) {
    let a = dsp::lp_coef(25.0, sr / CTRL as f32);
    let mut lp = 0.0f32;
    for blk in x.chunks_mut(CTRL) {
        let mean = blk.iter().sum::<f32>() / blk.len() as f32;
        let prev = lp;
        lp += a * (mean - lp);
        let d = lp - prev;
        for (v, w) in blk.iter_mut().zip(&RAMP) {
            *v -= prev + d * w;
        }
    }
}

/// DC removal, RMS normalisation, look-ahead peak limiting and fades, in
/// place.
fn master(bus: &mut dsp::Bus, energy: f32) {
    let n = bus.len();
    if n == 0 {
        return;
    }
    let sr = bus.sr;
    remove_dc(&mut bus.l, sr);
    remove_dc(&mut bus.r, sr);
    let sum_sq = sum_squares(&bus.l) + sum_squares(&bus.r);
    let rms = (sum_sq / (2 * n) as f64).sqrt() as f32;
    let target = 0.085 + 0.13 * energy;
    let gain = if rms > 1e-9 { target / rms } else { 0.0 };

    // Look-ahead limiter at control rate: the envelope of each block is its
    // peak, carried backwards with a ~1.5 ms attack (so the gain is already
    // down when the peak arrives) and forwards with a ~120 ms release. The
    // gain at a block boundary is the smaller of its two blocks' gains and
    // is ramped linearly across each block, so no sample is pushed over
    // the ceiling (the final clamp only catches rounding).
    const CEIL: f32 = 0.891; // −1 dBFS
    let mut env: Vec<f32> = bus
        .l
        .chunks(CTRL)
        .zip(bus.r.chunks(CTRL))
        .map(|(l, r)| peak2(l, r) * gain)
        .collect();
    let att = (-(CTRL as f32) / (0.0015 * sr)).exp();
    let rel = (-(CTRL as f32) / (0.12 * sr)).exp();
    let mut carried = 0.0f32;
    for e in env.iter_mut().rev() {
        carried = (carried * att).max(*e);
        *e = carried;
    }
    carried = 0.0;
    for e in env.iter_mut() {
        carried = (carried * rel).max(*e);
        *e = if carried > CEIL { CEIL / carried } else { 1.0 };
    }
    let g_at = |b: usize| -> f32 {
        match (b.checked_sub(1).and_then(|p| env.get(p)), env.get(b)) {
            (Some(&x), Some(&y)) => x.min(y),
            (Some(&x), None) | (None, Some(&x)) => x,
            (None, None) => 1.0,
        }
    };
    for (b, (l, r)) in bus
        .l
        .chunks_mut(CTRL)
        .zip(bus.r.chunks_mut(CTRL))
        .enumerate()
    {
        let g0 = gain * g_at(b);
        let d = gain * g_at(b + 1) - g0;
        for ((l, r), w) in l.iter_mut().zip(r.iter_mut()).zip(&RAMP) {
            let g = g0 + d * (w - 1.0 / CTRL as f32);
            *l = (*l * g).clamp(-CEIL, CEIL);
            *r = (*r * g).clamp(-CEIL, CEIL);
        }
    }

    // Fades: 20 ms in, raised-cosine out over 8 % of the track (≤ 2 s).
    let fade_in = ((0.02 * sr) as usize).min(n);
    for i in 0..fade_in {
        let g = i as f32 / fade_in as f32;
        bus.l[i] *= g;
        bus.r[i] *= g;
    }
    let fade_out = (((n as f32 / sr * 0.08).min(2.0) * sr) as usize).min(n);
    for i in n - fade_out..n {
        let t = (n - i) as f32 / fade_out as f32;
        let g = 0.5 - 0.5 * (std::f32::consts::PI * t).cos();
        bus.l[i] *= g;
        bus.r[i] *= g;
    }
}

/// Quantise a sample in −1..1 to 16 bits, rounding to nearest (ties to
/// even). Adding 1.5·2^23 leaves the rounded integer in the low mantissa
/// bits, so this is a float add and an integer subtract: no libm call, no
/// saturating conversion, and the loops over it vectorise.
#[inline(always)]
fn quantise_i16(s: f32) -> i16 {
    const MAGIC: f32 = 12_582_912.0;
    let v = s.clamp(-1.0, 1.0) * 32767.0;
    ((v + MAGIC).to_bits() as i32 - MAGIC.to_bits() as i32) as i16
}

/// A 44-byte RIFF/WAVE header for 16-bit PCM with `data_len` bytes of data.
fn wav_header(data_len: u32, sample_rate: u32, channels: u16) -> Vec<u8> {
    let block_align = channels * 2;
    let mut out = Vec::with_capacity(44 + data_len as usize);
    out.extend_from_slice(b"RIFF");
    out.extend_from_slice(&(36 + data_len).to_le_bytes());
    out.extend_from_slice(b"WAVE");
    out.extend_from_slice(b"fmt ");
    out.extend_from_slice(&16u32.to_le_bytes());
    out.extend_from_slice(&1u16.to_le_bytes()); // PCM
    out.extend_from_slice(&channels.to_le_bytes());
    out.extend_from_slice(&sample_rate.to_le_bytes());
    out.extend_from_slice(&(sample_rate * u32::from(block_align)).to_le_bytes());
    out.extend_from_slice(&block_align.to_le_bytes());
    out.extend_from_slice(&16u16.to_le_bytes());
    out.extend_from_slice(b"data");
    out.extend_from_slice(&data_len.to_le_bytes());
    out
}

/// Encode separate left/right channels as a 16-bit stereo PCM RIFF WAV.
fn encode_wav_stereo_i16(l: &[f32], r: &[f32], sample_rate: u32) -> Vec<u8> {
    let frames = l.len().min(r.len());
    let mut out = wav_header((frames * 4) as u32, sample_rate, 2);
    let head = out.len();
    out.resize(head + frames * 4, 0);
    for ((o, &a), &b) in out[head..].chunks_exact_mut(4).zip(l).zip(r) {
        let frame = u32::from(quantise_i16(a) as u16) | (u32::from(quantise_i16(b) as u16) << 16);
        o.copy_from_slice(&frame.to_le_bytes());
    }
    out
}

/// Encode interleaved `f32` samples (−1..1) as a 16-bit PCM RIFF WAV.
pub fn encode_wav_i16(samples: &[f32], sample_rate: u32, channels: u16) -> Vec<u8> {
    let mut out = wav_header((samples.len() * 2) as u32, sample_rate, channels);
    for &s in samples {
        out.extend_from_slice(&quantise_i16(s).to_le_bytes());
    }
    out
}

//! Deterministic music synthesiser.
//!
//! Why: the offline music provider must return a real, musical track whose
//! tempo and key a real analyser can measure back, without any model or
//! network access, and byte-identically for the same request.
//!
//! Design / signal chain:
//!
//! 1. **Compose** ([`score`]): pick a progression for the mode (seeded), plan
//!    sections (intro / verse / chorus / bridge / outro) from the duration,
//!    derive per-section density from `energy`, build two melody motifs.
//! 2. **Synthesise** ([`dsp`]): every note or drum hit is rendered directly
//!    into a stereo bus (plus a mono reverb send) over the samples it covers.
//!    Voices: tuned sine kick, body+noise snare, clap, noise hats, polyBLEP
//!    saw/square, triangle, sine and 2-op FM oscillators through a 2-pole
//!    low-pass with ADSR, unison detune and constant-power panning.
//! 3. **Master**: Schroeder reverb on the send, RMS normalisation to a level
//!    set by `energy`, a look-ahead peak limiter (ceiling −1 dBFS), short
//!    fades, and 16-bit quantisation into a RIFF WAV.
//!
//! Analysability rules: the kick sits on beats 1 and 3 and the snare/clap on
//! 2 and 4 in every genre, so each quarter note at exactly `tempo_bpm` carries
//! a strong onset; harmony starts on and cadences (V → I) to the tonic, the
//! bass plays roots on downbeats, kick/snare are tuned to the tonic, the
//! minor dominant is major (leading tone), and the final bar is the tonic.
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
    let pcm = render_pcm(spec)?;
    let wav = encode_wav_i16(&pcm.samples, pcm.sample_rate, pcm.channels);
    Ok(RenderedTrack {
        wav,
        duration_s: pcm.duration_s,
        sample_rate: pcm.sample_rate,
        channels: pcm.channels,
        sections: pcm.sections,
    })
}

/// Render a track to interleaved stereo `f32` PCM (peak ≤ −1 dBFS).
pub fn render_pcm(spec: &TrackSpec) -> Result<RenderedPcm, RenderError> {
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

    let mut samples = Vec::with_capacity(n * 2);
    for (l, r) in bus.l.iter().zip(bus.r.iter()) {
        samples.push(*l);
        samples.push(*r);
    }
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
    Ok(RenderedPcm {
        samples,
        sample_rate: SAMPLE_RATE,
        channels: CHANNELS,
        duration_s: n as f64 / f64::from(SAMPLE_RATE),
        sections: spans,
    })
}

/// RMS normalisation, look-ahead peak limiting and fades, in place.
fn master(bus: &mut dsp::Bus, energy: f32) {
    let n = bus.len();
    if n == 0 {
        return;
    }
    let sr = bus.sr;
    // Gentle high-pass (~25 Hz) to remove DC / sub rumble.
    let a = dsp::lp_coef(25.0, sr);
    for ch in [&mut bus.l, &mut bus.r] {
        let mut lp = 0.0f32;
        for x in ch.iter_mut() {
            lp += a * (*x - lp);
            *x -= lp;
        }
    }
    let sum_sq: f64 = bus
        .l
        .iter()
        .chain(bus.r.iter())
        .map(|&x| f64::from(x) * f64::from(x))
        .sum();
    let rms = (sum_sq / (2 * n) as f64).sqrt() as f32;
    let target = 0.085 + 0.13 * energy;
    let gain = if rms > 1e-9 { target / rms } else { 0.0 };

    // Look-ahead limiter: envelope = max over a backwards-decaying window
    // (attack ~1.5 ms, before the peak) and a forward release (~120 ms).
    const CEIL: f32 = 0.891; // −1 dBFS
    let mut env: Vec<f32> = bus
        .l
        .iter()
        .zip(bus.r.iter())
        .map(|(l, r)| l.abs().max(r.abs()) * gain)
        .collect();
    let att = (-1.0 / (0.0015 * sr)).exp();
    let rel = (-1.0 / (0.12 * sr)).exp();
    for i in (0..n - 1).rev() {
        let carried = env[i + 1] * att;
        if carried > env[i] {
            env[i] = carried;
        }
    }
    for i in 1..n {
        let carried = env[i - 1] * rel;
        if carried > env[i] {
            env[i] = carried;
        }
    }
    let fade_in = ((0.02 * sr) as usize).min(n);
    let fade_out = (((n as f32 / sr * 0.08).min(2.0) * sr) as usize).min(n);
    for (i, &e) in env.iter().enumerate() {
        let g_lim = if e > CEIL { CEIL / e } else { 1.0 };
        let mut g = gain * g_lim;
        if i < fade_in {
            g *= i as f32 / fade_in as f32;
        }
        let from_end = n - i;
        if from_end <= fade_out {
            let t = from_end as f32 / fade_out as f32;
            g *= 0.5 - 0.5 * (std::f32::consts::PI * t).cos();
        }
        bus.l[i] = (bus.l[i] * g).clamp(-CEIL, CEIL);
        bus.r[i] = (bus.r[i] * g).clamp(-CEIL, CEIL);
    }
}

/// Encode interleaved `f32` samples (−1..1) as a 16-bit PCM RIFF WAV.
pub fn encode_wav_i16(samples: &[f32], sample_rate: u32, channels: u16) -> Vec<u8> {
    let data_len = (samples.len() * 2) as u32;
    let block_align = channels * 2;
    let mut out = Vec::with_capacity(44 + samples.len() * 2);
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
    for &s in samples {
        let v = (s.clamp(-1.0, 1.0) * 32767.0).round() as i16;
        out.extend_from_slice(&v.to_le_bytes());
    }
    out
}

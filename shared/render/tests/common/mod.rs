//! Tiny reference analysers used by the tests: WAV parsing, an onset-envelope
//! autocorrelation tempo check and a chroma/Krumhansl key estimate.
#![allow(dead_code)]

use rustfft::{FftPlanner, num_complex::Complex};

pub struct Wav {
    pub sample_rate: u32,
    pub channels: u16,
    pub bits: u16,
    pub samples: Vec<i16>,
}

pub fn parse_wav(b: &[u8]) -> Wav {
    assert_eq!(&b[0..4], b"RIFF");
    assert_eq!(&b[8..12], b"WAVE");
    assert_eq!(&b[12..16], b"fmt ");
    let u16_at = |i: usize| u16::from_le_bytes([b[i], b[i + 1]]);
    let u32_at = |i: usize| u32::from_le_bytes([b[i], b[i + 1], b[i + 2], b[i + 3]]);
    assert_eq!(u16_at(20), 1, "PCM");
    let channels = u16_at(22);
    let sample_rate = u32_at(24);
    let bits = u16_at(34);
    assert_eq!(&b[36..40], b"data");
    let len = u32_at(40) as usize;
    assert_eq!(u32_at(4) as usize, 36 + len);
    assert_eq!(b.len(), 44 + len);
    let samples = b[44..]
        .chunks_exact(2)
        .map(|c| i16::from_le_bytes([c[0], c[1]]))
        .collect();
    Wav {
        sample_rate,
        channels,
        bits,
        samples,
    }
}

pub fn mono(samples: &[f32]) -> Vec<f32> {
    samples
        .chunks_exact(2)
        .map(|c| 0.5 * (c[0] + c[1]))
        .collect()
}

fn hann(n: usize) -> Vec<f32> {
    (0..n)
        .map(|i| 0.5 - 0.5 * (std::f32::consts::TAU * i as f32 / n as f32).cos())
        .collect()
}

/// Magnitude spectrogram frames.
fn stft(x: &[f32], win: usize, hop: usize, mut f: impl FnMut(&[f32])) {
    let mut planner = FftPlanner::<f32>::new();
    let fft = planner.plan_fft_forward(win);
    let w = hann(win);
    let mut buf = vec![Complex::new(0.0f32, 0.0); win];
    let mut mag = vec![0.0f32; win / 2];
    let mut start = 0;
    while start + win <= x.len() {
        for i in 0..win {
            buf[i] = Complex::new(x[start + i] * w[i], 0.0);
        }
        fft.process(&mut buf);
        for i in 0..win / 2 {
            mag[i] = buf[i].norm();
        }
        f(&mag);
        start += hop;
    }
}

pub struct TempoCheck {
    /// Autocorrelation at the expected beat period (normalised by lag 0).
    pub at_beat: f64,
    /// Autocorrelation at half the beat period.
    pub at_half: f64,
    /// Best tempo (BPM) in the window [0.7, 1.4] × expected.
    pub local_best_bpm: f64,
    /// Best tempo (BPM) over 60–200 BPM weighted by a log-Gaussian prior at 120.
    pub global_best_bpm: f64,
}

/// Spectral-flux onset envelope, autocorrelation, peak picking.
pub fn tempo_check(samples: &[f32], sr: u32, expected_bpm: f64) -> TempoCheck {
    let x = mono(samples);
    let hop = 256usize;
    let mut prev: Vec<f32> = Vec::new();
    let mut flux = Vec::new();
    stft(&x, 1024, hop, |m| {
        let logm: Vec<f32> = m.iter().map(|v| (1.0 + 100.0 * v).ln()).collect();
        if prev.is_empty() {
            prev = logm.clone();
        }
        let f: f32 = logm
            .iter()
            .zip(prev.iter())
            .map(|(a, b)| (a - b).max(0.0))
            .sum();
        flux.push(f64::from(f));
        prev = logm;
    });
    let mean = flux.iter().sum::<f64>() / flux.len() as f64;
    let o: Vec<f64> = flux.iter().map(|v| v - mean).collect();
    let frame_rate = f64::from(sr) / hop as f64;
    let max_lag = (frame_rate * 60.0 / 30.0) as usize;
    let acf: Vec<f64> = (0..max_lag)
        .map(|l| {
            o.iter().zip(o[l..].iter()).map(|(a, b)| a * b).sum::<f64>() / (o.len() - l) as f64
        })
        .collect();
    let a0 = acf[0].max(1e-12);
    let interp = |lag: f64| -> f64 {
        let i = lag.floor() as usize;
        let t = lag - i as f64;
        (acf[i] * (1.0 - t) + acf[i + 1] * t) / a0
    };
    let lag_of = |bpm: f64| frame_rate * 60.0 / bpm;
    let peak_in = |lo_bpm: f64, hi_bpm: f64, prior: bool| -> f64 {
        let (lo, hi) = (
            lag_of(hi_bpm).floor() as usize,
            lag_of(lo_bpm).ceil() as usize,
        );
        let mut best = (f64::MIN, 0.0);
        for l in lo.max(2)..hi.min(acf.len() - 2) {
            if acf[l] >= acf[l - 1] && acf[l] >= acf[l + 1] {
                // Parabolic interpolation.
                let (a, b, c) = (acf[l - 1], acf[l], acf[l + 1]);
                let d = 0.5 * (a - c) / (a - 2.0 * b + c).min(-1e-12);
                let lag = l as f64 + d;
                let bpm = frame_rate * 60.0 / lag;
                let w = if prior {
                    (-0.5 * ((bpm / 120.0).log2() / 0.9).powi(2)).exp()
                } else {
                    1.0
                };
                let score = b / a0 * w;
                if score > best.0 {
                    best = (score, bpm);
                }
            }
        }
        best.1
    };
    TempoCheck {
        at_beat: interp(lag_of(expected_bpm)),
        at_half: interp(lag_of(expected_bpm * 2.0)),
        local_best_bpm: peak_in(expected_bpm * 0.7, expected_bpm * 1.4, false),
        global_best_bpm: peak_in(60.0, 200.0, true),
    }
}

/// Krumhansl–Kessler major and minor key profiles (tonic first).
pub const KK_MAJOR: [f64; 12] = [
    6.35, 2.23, 3.48, 2.33, 4.38, 4.09, 2.52, 5.19, 2.39, 3.66, 2.29, 2.88,
];
pub const KK_MINOR: [f64; 12] = [
    6.33, 2.68, 3.52, 5.38, 2.60, 3.53, 2.54, 4.75, 3.98, 2.69, 3.34, 3.17,
];
/// Temperley (Kostka–Payne) profiles.
pub const TP_MAJOR: [f64; 12] = [5.0, 2.0, 3.5, 2.0, 4.5, 4.0, 2.0, 4.5, 2.0, 3.5, 1.5, 4.0];
pub const TP_MINOR: [f64; 12] = [5.0, 2.0, 3.5, 4.5, 2.0, 4.0, 2.0, 4.5, 3.5, 2.0, 1.5, 4.0];

/// Chroma (pitch-class energy, C = 0) over C3–E7 (MIDI 48–100): per frame,
/// each semitone cell takes its *maximum* FFT bin (peak picking, so broadband
/// drums do not bias the cells that happen to contain more bins), summed
/// over octaves and frames.
pub fn chroma(samples: &[f32], sr: u32) -> [f64; 12] {
    chroma_range(samples, sr, 48, 100)
}

/// Bass chroma over E1–B2 (MIDI 28–47), same method.
pub fn bass_chroma(samples: &[f32], sr: u32) -> [f64; 12] {
    chroma_range(samples, sr, 28, 47)
}

fn chroma_range(samples: &[f32], sr: u32, lo_midi: i32, hi_midi: i32) -> [f64; 12] {
    let x = mono(samples);
    let win = 16384;
    let bin_hz = f64::from(sr) / win as f64;
    let mut c = [0.0f64; 12];
    stft(&x, win, win / 2, |m| {
        for midi in lo_midi..=hi_midi {
            let f = |d: f64| 440.0 * 2f64.powf((f64::from(midi) + d - 69.0) / 12.0) / bin_hz;
            let (lo, hi) = (f(-0.5).ceil() as usize, f(0.5).floor() as usize);
            let peak = m[lo..=hi.max(lo)].iter().copied().fold(0.0f32, f32::max);
            c[midi.rem_euclid(12) as usize] += f64::from(peak);
        }
    });
    c
}

fn pearson(a: &[f64; 12], b: &[f64; 12]) -> f64 {
    let ma = a.iter().sum::<f64>() / 12.0;
    let mb = b.iter().sum::<f64>() / 12.0;
    let (mut num, mut da, mut db) = (0.0, 0.0, 0.0);
    for i in 0..12 {
        num += (a[i] - ma) * (b[i] - mb);
        da += (a[i] - ma).powi(2);
        db += (b[i] - mb).powi(2);
    }
    num / (da * db).sqrt().max(1e-12)
}

/// Spread a pitch-class profile over the first six harmonics (decay 0.55),
/// so it predicts the chroma of real (harmonic-rich) audio.
fn harmonic(profile: &[f64; 12]) -> [f64; 12] {
    let mut t = [0.0; 12];
    for (i, &p) in profile.iter().enumerate() {
        for (h, o) in [0usize, 12, 19, 24, 28, 31].iter().enumerate() {
            t[(i + o) % 12] += p * 0.55f64.powi(h as i32);
        }
    }
    t
}

/// Bass-line profiles: tonic and dominant dominate.
pub const BASS_MAJOR: [f64; 12] = [
    1.0, 0.05, 0.30, 0.05, 0.35, 0.45, 0.05, 0.75, 0.05, 0.30, 0.05, 0.15,
];
pub const BASS_MINOR: [f64; 12] = [
    1.0, 0.05, 0.30, 0.35, 0.05, 0.45, 0.05, 0.75, 0.30, 0.05, 0.15, 0.10,
];

fn rotate(p: &[f64; 12], tonic: u8) -> [f64; 12] {
    let mut rot = [0.0; 12];
    for i in 0..12 {
        rot[(i + tonic as usize) % 12] = p[i];
    }
    rot
}

/// Best key (tonic, is_minor) and the margin over the runner-up: correlation
/// of the treble chroma with harmonically weighted key profiles plus half the
/// correlation of the bass chroma with bass-line profiles.
pub fn estimate_key(
    chroma: &[f64; 12],
    bass: &[f64; 12],
    major: &[f64; 12],
    minor: &[f64; 12],
) -> ((u8, bool), f64) {
    let (major, minor) = (&harmonic(major), &harmonic(minor));
    let mut scores = Vec::new();
    for tonic in 0..12u8 {
        for (minor_mode, prof, bprof) in [(false, major, &BASS_MAJOR), (true, minor, &BASS_MINOR)] {
            let s =
                pearson(chroma, &rotate(prof, tonic)) + 0.5 * pearson(bass, &rotate(bprof, tonic));
            scores.push(((tonic, minor_mode), s));
        }
    }
    scores.sort_by(|a, b| b.1.total_cmp(&a.1));
    (scores[0].0, scores[0].1 - scores[1].1)
}

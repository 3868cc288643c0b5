//! Tuning, chroma and key/mode estimation.
//!
//! Exists because key is the other number the product is scored on. Method:
//!
//! * Tuning: every spectral peak (80 Hz-2 kHz) votes with its magnitude for
//!   its deviation from the 12-TET grid on A4 = 440 Hz; the circular mean of
//!   the votes is the tuning offset (range -50..+50 cents).
//! * Pitch spectrum: log-compressed power in 1/3-semitone cells, summed over
//!   the whole file (see `features`), read back at the tuned semitone centres.
//! * Two chroma vectors from the mean linear magnitude: a *treble* chroma
//!   (C3-B6) and a *bass* chroma (C2-B3), whole octaves so no pitch class is
//!   counted more often than another.
//! * Key profiles with harmonic weighting: the pitch-class profiles are
//!   spread over the harmonics a real instrument adds (partials 1-6 at
//!   0, +12, +19, +24, +28, +31 semitones with weights `HARM_DECAY^(h-1)`),
//!   so the template predicts the *audio* chroma rather than the score's
//!   pitch classes.
//! * Score of each of the 24 keys = correlation of the treble chroma with
//!   the harmonic template + `BASS_WEIGHT` x correlation of the bass chroma
//!   with the same template (the tonic and dominant dominate the bass line
//!   in this repertoire, and the final bass defines the key in the score).
//!
//! Profiles: see [`PROFILE_MAJOR`]/[`PROFILE_MINOR`] and docs/audio.md.

use crate::features::{CELLS_PER_SEMITONE, GRID_LEN, GRID_MIDI_HI, GRID_MIDI_LO};
use crate::types::{Mode, PITCH_NAMES};

/// Major-key profile: Albrecht & Shanahan (2013), pitch-class distributions
/// of 490 major-mode pieces of the common-practice classical repertoire
/// (the repertoire we analyse: chorales, classical movements, folk tunes
/// in major/minor); sharply separates diatonic from chromatic degrees.
pub const PROFILE_MAJOR: [f64; 12] = [
    0.238, 0.006, 0.111, 0.006, 0.137, 0.094, 0.016, 0.214, 0.009, 0.080, 0.008, 0.081,
];
/// Minor-key profile: Albrecht & Shanahan (2013), 492 minor-mode pieces.
pub const PROFILE_MINOR: [f64; 12] = [
    0.220, 0.006, 0.104, 0.123, 0.019, 0.103, 0.012, 0.214, 0.062, 0.022, 0.061, 0.052,
];
/// Amplitude decay per harmonic in the templates (partials 1-6).
pub const HARM_DECAY: f64 = 0.8;
/// Weight of the bass correlation.
pub const BASS_WEIGHT: f64 = 0.5;

/// Key estimate.
#[derive(Debug, Clone, Default)]
pub struct KeyResult {
    pub tonic: Option<usize>,
    pub mode: Option<Mode>,
    pub confidence: f64,
    pub runner_up: Option<String>,
    pub tuning_cents: f64,
    pub chroma: Vec<f32>,
    pub debug: Vec<String>,
}

fn harmonic_template(profile: &[f64; 12]) -> [f64; 12] {
    let offs = [0usize, 12, 19, 24, 28, 31];
    let mut t = [0f64; 12];
    for (i, &p) in profile.iter().enumerate() {
        for (h, &o) in offs.iter().enumerate() {
            t[(i + o) % 12] += p * HARM_DECAY.powi(h as i32);
        }
    }
    t
}

fn corr(a: &[f64; 12], b: &[f64; 12]) -> f64 {
    let ma = a.iter().sum::<f64>() / 12.0;
    let mb = b.iter().sum::<f64>() / 12.0;
    let (mut num, mut da, mut db) = (0.0, 0.0, 0.0);
    for i in 0..12 {
        let (x, y) = (a[i] - ma, b[i] - mb);
        num += x * y;
        da += x * x;
        db += y * y;
    }
    if da <= 1e-18 || db <= 1e-18 {
        0.0
    } else {
        num / (da * db).sqrt()
    }
}

fn rotate(t: &[f64; 12], k: usize) -> [f64; 12] {
    let mut r = [0f64; 12];
    for i in 0..12 {
        r[(i + k) % 12] = t[i];
    }
    r
}

/// Read the cell grid at a fractional cell position (linear interpolation).
fn grid_at(grid: &[f64], x: f64) -> f64 {
    if x < 0.0 {
        return 0.0;
    }
    let i = x.floor() as usize;
    if i + 1 >= grid.len() {
        return grid.get(i).copied().unwrap_or(0.0);
    }
    let f = x - i as f64;
    grid[i] * (1.0 - f) + grid[i + 1] * f
}

/// Chroma for MIDI range `lo..=hi` at the given tuning (semitones).
fn chroma_range(grid: &[f64], tuning: f64, lo: i32, hi: i32) -> [f64; 12] {
    let mut c = [0f64; 12];
    let cps = CELLS_PER_SEMITONE as f64;
    for m in lo.max(GRID_MIDI_LO)..=hi.min(GRID_MIDI_HI) {
        let centre = (m - GRID_MIDI_LO) as f64 * cps + 1.0 + tuning * cps;
        let v = grid_at(grid, centre)
            + 0.5 * (grid_at(grid, centre - 1.0) + grid_at(grid, centre + 1.0));
        c[(m.rem_euclid(12)) as usize] += v;
    }
    c
}

/// Estimate the key from the summed pitch grid and the tuning votes.
pub fn estimate(grid_sum: &[f64], frames: usize, tuning_cos: f64, tuning_sin: f64) -> KeyResult {
    let mut res = KeyResult::default();
    let tuning = if tuning_cos.hypot(tuning_sin) > 1e-9 {
        tuning_sin.atan2(tuning_cos) / (2.0 * std::f64::consts::PI)
    } else {
        0.0
    };
    res.tuning_cents = (tuning * 100.0).clamp(-50.0, 50.0);
    if frames == 0 || grid_sum.len() != GRID_LEN {
        return res;
    }
    let grid: Vec<f64> = grid_sum.iter().map(|v| v / frames as f64).collect();
    // whole octaves only, so every pitch class is counted equally often
    let treble = chroma_range(&grid, tuning, 48, 95);
    let bass = chroma_range(&grid, tuning, 36, 59);
    let full = chroma_range(&grid, tuning, 28, 99);
    let tmax = full.iter().cloned().fold(0.0, f64::max);
    let tmin = full.iter().cloned().fold(f64::INFINITY, f64::min);
    if tmax <= 1e-6 || (tmax - tmin) / tmax < 1e-3 {
        // no pitched content (silence, noise, clicks)
        return res;
    }
    res.chroma = full.iter().map(|v| (v / tmax) as f32).collect();
    let tpl_major = harmonic_template(&PROFILE_MAJOR);
    let tpl_minor = harmonic_template(&PROFILE_MINOR);
    // the bass is scored against the same templates: in this repertoire the
    // bass line stresses tonic and dominant even more than the upper voices
    let (bass_major, bass_minor) = (tpl_major, tpl_minor);
    let mut scores: Vec<(f64, usize, Mode)> = Vec::with_capacity(24);
    for k in 0..12 {
        for (mode, tpl, btpl) in [
            (Mode::Major, &tpl_major, &bass_major),
            (Mode::Minor, &tpl_minor, &bass_minor),
        ] {
            let s = corr(&treble, &rotate(tpl, k)) + BASS_WEIGHT * corr(&bass, &rotate(btpl, k));
            scores.push((s, k, mode));
        }
    }
    scores.sort_by(|a, b| b.0.total_cmp(&a.0));
    let (s0, k0, m0) = scores[0];
    let (s1, k1, m1) = scores[1];
    res.tonic = Some(k0);
    res.mode = Some(m0);
    res.runner_up = Some(format!("{} {}", PITCH_NAMES[k1], m1.as_str()));
    let denom = s0.abs().max(1e-9);
    res.confidence = ((s0 - s1) / denom * 4.0).clamp(0.0, 1.0);
    let fmt = |c: &[f64; 12]| {
        let mx = c.iter().cloned().fold(1e-12, f64::max);
        c.iter()
            .map(|v| format!("{:.2}", v / mx))
            .collect::<Vec<_>>()
            .join(" ")
    };
    res.debug.push(format!("treble {}", fmt(&treble)));
    res.debug.push(format!("bass   {}", fmt(&bass)));
    for (s, k, m) in scores.iter().take(4) {
        res.debug
            .push(format!("{} {} {:.4}", PITCH_NAMES[*k], m.as_str(), s));
    }
    res
}

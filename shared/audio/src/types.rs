//! The serde result types: what one analysis returns.
//!
//! Kept apart from the algorithms so the schema (the contract with the CLI,
//! the release metadata and the database) is visible in one place.
//! Values that cannot be computed (e.g. loudness of digital silence) are
//! `Option`s, never NaN; every `f64` that is serialised is finite.

use serde::{Deserialize, Serialize};

/// Version of the [`Analysis`] schema; bumped on any breaking change.
pub const SCHEMA_VERSION: u32 = 1;

/// Major or minor.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    /// Major mode.
    Major,
    /// Minor mode.
    Minor,
}

impl Mode {
    /// `"major"` / `"minor"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Mode::Major => "major",
            Mode::Minor => "minor",
        }
    }
}

/// Pitch-class names used for tonics (flats for Eb, Ab, Bb; sharps for C#, F#).
pub const PITCH_NAMES: [&str; 12] = [
    "C", "C#", "D", "Eb", "E", "F", "F#", "G", "Ab", "A", "Bb", "B",
];

/// The complete result of analysing one file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Analysis {
    /// [`SCHEMA_VERSION`].
    pub schema_version: u32,
    /// Decoded duration, seconds.
    pub duration_s: f64,
    /// Sample rate of the file, Hz.
    pub sample_rate: u32,
    /// Channel count of the file.
    pub channels: u16,
    /// Codec short name (e.g. `"mp3"`).
    pub codec: String,
    /// RMS over all samples of all channels, dBFS (`None` for digital silence).
    pub rms_dbfs: Option<f64>,
    /// Highest absolute sample value, dBFS (`None` for digital silence).
    pub sample_peak_dbfs: Option<f64>,
    /// EBU R128 loudness.
    pub loudness: Loudness,
    /// Energy curve and score.
    pub energy: Energy,
    /// Spectral shape summaries.
    pub spectral: Spectral,
    /// Detected note onsets per second.
    pub onset_rate: f64,
    /// Tempo and beats.
    pub tempo: Tempo,
    /// Key and mode.
    pub key: Key,
    /// Sections.
    pub structure: Structure,
    /// Packets that failed to decode and were skipped.
    pub skipped_packets: u64,
    /// True when the stream ended early (truncated or broken file).
    pub truncated: bool,
}

/// EBU R128 / ITU-R BS.1770-4 loudness (integrated and range by `loudness`,
/// true peak by `truepeak`; both checked against the `ebur128` crate).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Loudness {
    /// Integrated loudness, LUFS (`None` when everything is below the
    /// absolute gate of -70 LUFS, e.g. silence, or the file is < 400 ms).
    pub integrated_lufs: Option<f64>,
    /// Loudness range, LU (`None` when it cannot be measured).
    pub range_lu: Option<f64>,
    /// Maximum true peak over channels (4x oversampled), dBTP (`None` for silence).
    pub true_peak_dbtp: Option<f64>,
}

/// Energy over time.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Energy {
    /// 0-1 perceived energy (loudness, onset density, brightness and tempo
    /// combined; see `docs/audio.md`).
    pub score: f64,
    /// Seconds between curve points.
    pub curve_hop_s: f64,
    /// RMS level per hop of the mono downmix, dBFS, floored at -100.
    pub curve: Vec<f32>,
}

/// Spectral shape (means over non-silent frames of the full-band mono mix).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Spectral {
    /// Spectral centroid, Hz.
    pub centroid_hz: Option<f64>,
    /// 85 % roll-off frequency, Hz.
    pub rolloff_hz: Option<f64>,
    /// Spectral flatness (geometric / arithmetic mean of power), 0-1.
    pub flatness: Option<f64>,
}

/// Tempo and beats.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Tempo {
    /// Beats per minute of the beat level (`None` when there is no pulse,
    /// e.g. silence or a single click).
    pub bpm: Option<f64>,
    /// 0-1 confidence in `bpm`.
    pub confidence: f64,
    /// True when the local tempo drifts by more than ~6 % over the piece.
    pub varies: bool,
    /// Beat positions, seconds.
    pub beats: Vec<f64>,
    /// Frames per second of the onset-strength envelope.
    pub onset_envelope_fps: f64,
}

/// Key and mode.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Key {
    /// Tonic name from [`PITCH_NAMES`] (`None` when there is no pitched content).
    pub tonic: Option<String>,
    /// Major or minor (`None` together with `tonic`).
    pub mode: Option<Mode>,
    /// 0-1 confidence (margin of the best key over the runner-up).
    pub confidence: f64,
    /// The second-best key, e.g. `"E minor"`.
    pub runner_up: Option<String>,
    /// Estimated deviation of the tuning from A4 = 440 Hz, cents (-50..50).
    pub tuning_cents: f64,
    /// The 12-bin chroma (C..B) the key was estimated from, max-normalised.
    pub chroma: Vec<f32>,
}

/// One section of the structure.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Section {
    /// Start, seconds.
    pub start_s: f64,
    /// End, seconds.
    pub end_s: f64,
    /// `"intro"`, `"outro"` or a letter `"A"`, `"B"`, ... (same letter =
    /// similar material).
    pub label: String,
}

/// Sections and the one-line summary.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Structure {
    /// Consecutive sections covering the whole file.
    pub sections: Vec<Section>,
    /// E.g. `"intro – A – B – A – outro"`.
    pub summary: String,
}

/// Options of an analysis.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AnalysisOptions {
    /// Seconds between points of the energy curve.
    pub energy_hop_s: f64,
    /// Lowest tempo reported, BPM (the beat level is folded into
    /// `[min_bpm, max_bpm]`).
    pub min_bpm: f64,
    /// Highest tempo reported, BPM.
    pub max_bpm: f64,
    /// Compute EBU R128 true peak (4x oversampling; the costliest loudness
    /// measure). When false, `true_peak_dbtp` is `None`.
    pub true_peak: bool,
}

impl Default for AnalysisOptions {
    fn default() -> Self {
        AnalysisOptions {
            energy_hop_s: 0.5,
            min_bpm: 55.0,
            max_bpm: 190.0,
            true_peak: true,
        }
    }
}

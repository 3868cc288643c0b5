//! Audio decoding and analysis: tempo, beats, key, loudness, energy, structure.
//!
//! The one heavy computation of the product. One call ([`analyze_path`] or
//! [`analyze_bytes`]) decodes a file in a single streaming pass (symphonia:
//! WAV, FLAC, MP3, OGG/Vorbis, raw AAC (ADTS) and AAC/M4A, AIFF), measures
//! loudness and true peak (BS.1770 K-weighting, gating and 4x
//! oversampling of our own, checked against the `ebur128` crate in the
//! tests), downmixes and decimates (half-band filters; rubato for
//! rates that are not a power-of-two multiple) to an 11.025 kHz analysis
//! signal whose compact frame features (onset strength, pitch grid, timbre)
//! are all that is kept, then estimates tempo and beats, key and mode, and
//! structure.
//! Memory is bounded by the features (a few MB per hour of audio), never by
//! the PCM. One file uses one core; [`report::analyze_many`] spreads files
//! over cores.
//!
//! Modules: [`decode`] (container/codec, robustness), `pipeline` (the single
//! pass over PCM), `lanes` (the shared 8-lane reductions), `loudness` (EBU R128 I + LRA in
//! that pass), `truepeak`
//! (gated true peak), `decimate`
//! (half-band decimation to the analysis rate),
//! [`features`] (STFT frame features), [`tempo`], [`key`],
//! [`structure`], [`report`] (CSV and batch), [`types`] (the serde schema).

mod decimate;
pub mod decode;
pub mod error;
pub mod features;
pub mod key;
mod lanes;
mod loudness;
mod pipeline;
mod plans;
pub mod report;
pub mod structure;
pub mod tempo;
#[cfg(test)]
mod testutil;
mod truepeak;
pub mod types;

use std::path::Path;

pub use decode::DecodeStats;
pub use error::AudioError;
pub use types::{
    Analysis, AnalysisOptions, Energy, Key, Loudness, Mode, PITCH_NAMES, SCHEMA_VERSION, Section,
    Spectral, Structure, Tempo,
};

use decode::{NullSink, decode_source};
use features::FeatureExtractor;
use pipeline::Pipeline;

fn ext_of(path: &Path) -> Option<String> {
    path.extension()
        .and_then(|e| e.to_str())
        .map(|s| s.to_ascii_lowercase())
}

fn open(path: &Path) -> Result<std::fs::File, AudioError> {
    std::fs::File::open(path).map_err(|source| AudioError::Io {
        path: path.to_path_buf(),
        source,
    })
}

/// Analyse the audio file at `path` (the container is sniffed; the extension
/// is only a hint).
pub fn analyze_path(path: &Path, opts: &AnalysisOptions) -> Result<Analysis, AudioError> {
    let file = open(path)?;
    let ext = ext_of(path);
    let span = tracing::debug_span!("analyze", path = %path.display());
    let _g = span.enter();
    analyze_source(Box::new(file), ext.as_deref(), opts)
}

/// Analyse an in-memory file. `extension_hint` (e.g. `"mp3"`) only orders
/// the probes; the content decides.
pub fn analyze_bytes(
    bytes: &[u8],
    extension_hint: Option<&str>,
    opts: &AnalysisOptions,
) -> Result<Analysis, AudioError> {
    let cursor = std::io::Cursor::new(bytes.to_vec());
    analyze_source(Box::new(cursor), extension_hint, opts)
}

/// Decode the file without analysing it (the speed floor, for the bench).
pub fn decode_only_path(path: &Path) -> Result<DecodeStats, AudioError> {
    let file = open(path)?;
    let ext = ext_of(path);
    let mut sink = NullSink { checksum: 0.0 };
    let stats = decode_source(Box::new(file), ext.as_deref(), &mut sink)?;
    std::hint::black_box(sink.checksum);
    Ok(stats)
}

/// Decode in-memory bytes without analysing them.
pub fn decode_only_bytes(
    bytes: &[u8],
    extension_hint: Option<&str>,
) -> Result<DecodeStats, AudioError> {
    let cursor = std::io::Cursor::new(bytes.to_vec());
    let mut sink = NullSink { checksum: 0.0 };
    decode_source(Box::new(cursor), extension_hint, &mut sink)
}

fn finite(v: Option<f64>) -> Option<f64> {
    v.filter(|x| x.is_finite())
}

fn fin(v: f64, default: f64) -> f64 {
    if v.is_finite() { v } else { default }
}

fn analyze_source(
    source: Box<dyn symphonia::core::io::MediaSource>,
    ext: Option<&str>,
    opts: &AnalysisOptions,
) -> Result<Analysis, AudioError> {
    let mut pipe = Pipeline::new(opts);
    let stats = decode_source(source, ext, &mut pipe)?;
    let (sum, fx) = pipe.finish()?;
    Ok(build_analysis(&stats, sum, fx, opts))
}

/// Debug lines from the tempo and key estimators (for development tools).
#[doc(hidden)]
pub fn analyze_path_debug(
    path: &Path,
    opts: &AnalysisOptions,
) -> Result<(Analysis, Vec<String>), AudioError> {
    let file = open(path)?;
    let ext = ext_of(path);
    let mut pipe = Pipeline::new(opts);
    let stats = decode_source(Box::new(file), ext.as_deref(), &mut pipe)?;
    let (sum, fx) = pipe.finish()?;
    let fps = FeatureExtractor::onset_fps();
    let t = tempo::estimate(&fx.out.onset, fps, opts.min_bpm, opts.max_bpm);
    let k = key::estimate(
        &fx.out.grid_sum,
        fx.out.chroma.len(),
        fx.out.tuning_cos,
        fx.out.tuning_sin,
    );
    let mut dbg = t.debug.clone();
    dbg.extend(k.debug.iter().cloned());
    Ok((build_analysis(&stats, sum, fx, opts), dbg))
}

/// Development aid: the onset envelope and the raw pitch grid (frames x
/// `features::GRID_LEN` cell magnitudes) of a file.
#[doc(hidden)]
pub fn extract_raw_features(path: &Path) -> Result<(Vec<f32>, Vec<f32>), AudioError> {
    let file = open(path)?;
    let ext = ext_of(path);
    let mut pipe = Pipeline::new(&AnalysisOptions::default());
    pipe.features.keep_raw_grid = true;
    decode_source(Box::new(file), ext.as_deref(), &mut pipe)?;
    let (_, fx) = pipe.finish()?;
    Ok((fx.out.onset, fx.raw_grid))
}

fn build_analysis(
    stats: &DecodeStats,
    sum: pipeline::StreamSummary,
    fx: FeatureExtractor,
    opts: &AnalysisOptions,
) -> Analysis {
    let fps = FeatureExtractor::onset_fps();
    let feats = &fx.out;
    let duration_s = stats.duration_s;
    let samples = sum.frames as f64 * sum.channels.max(1) as f64;
    let rms = if samples > 0.0 {
        (sum.sum_sq / samples).sqrt()
    } else {
        0.0
    };
    let rms_dbfs = if rms > 1e-10 {
        Some(20.0 * rms.log10())
    } else {
        None
    };
    let sample_peak_dbfs = if sum.peak > 1e-10 {
        Some(20.0 * f64::from(sum.peak).log10())
    } else {
        None
    };

    let t = tempo::estimate(&feats.onset, fps, opts.min_bpm, opts.max_bpm);
    let k = key::estimate(
        &feats.grid_sum,
        feats.chroma.len(),
        feats.tuning_cos,
        feats.tuning_sin,
    );
    let st = structure::analyse(&structure::StructureInput {
        chroma: &feats.chroma,
        timbre: &feats.timbre,
        fps: FeatureExtractor::pitch_fps(),
        beats: &t.beats,
        duration_s,
        energy_db: &sum.energy_curve,
        energy_hop_s: sum.energy_hop_s,
    });
    let loud = Loudness {
        integrated_lufs: finite(sum.integrated_lufs),
        range_lu: finite(sum.range_lu),
        true_peak_dbtp: finite(sum.true_peak),
    };
    let spectral = Spectral {
        centroid_hz: finite(sum.centroid_hz),
        rolloff_hz: finite(sum.rolloff_hz),
        flatness: finite(sum.flatness),
    };
    let score = energy_score(
        loud.integrated_lufs.or(rms_dbfs),
        t.onset_rate,
        spectral.centroid_hz,
        t.bpm,
    );
    Analysis {
        schema_version: SCHEMA_VERSION,
        duration_s: fin(duration_s, 0.0),
        sample_rate: stats.sample_rate,
        channels: stats.channels,
        codec: stats.codec.clone(),
        rms_dbfs: finite(rms_dbfs),
        sample_peak_dbfs: finite(sample_peak_dbfs),
        loudness: loud,
        energy: Energy {
            score: fin(score, 0.0),
            curve_hop_s: fin(sum.energy_hop_s, opts.energy_hop_s),
            curve: sum
                .energy_curve
                .iter()
                .map(|v| if v.is_finite() { *v } else { -100.0 })
                .collect(),
        },
        spectral,
        onset_rate: fin(t.onset_rate, 0.0),
        tempo: Tempo {
            bpm: finite(t.bpm),
            confidence: fin(t.confidence, 0.0),
            varies: t.varies,
            beats: t.beats.iter().copied().filter(|b| b.is_finite()).collect(),
            onset_envelope_fps: fps,
        },
        key: Key {
            tonic: k.tonic.map(|i| PITCH_NAMES[i].to_string()),
            mode: k.mode,
            confidence: fin(k.confidence, 0.0),
            runner_up: k.runner_up,
            tuning_cents: fin(k.tuning_cents, 0.0),
            chroma: k
                .chroma
                .iter()
                .map(|v| if v.is_finite() { *v } else { 0.0 })
                .collect(),
        },
        structure: st,
        skipped_packets: stats.skipped_packets,
        truncated: stats.truncated,
    }
}

/// 0-1 energy: loudness (-40..-8 LUFS), onset density (0..8 /s), brightness
/// (centroid 300..3000 Hz, log) and tempo (60..180 BPM), weighted
/// 0.4 / 0.3 / 0.15 / 0.15.
pub fn energy_score(
    loudness: Option<f64>,
    onset_rate: f64,
    centroid_hz: Option<f64>,
    bpm: Option<f64>,
) -> f64 {
    let Some(l) = loudness else { return 0.0 };
    let lin = |v: f64, a: f64, b: f64| ((v - a) / (b - a)).clamp(0.0, 1.0);
    let loud = lin(l, -40.0, -8.0);
    let dens = lin(onset_rate, 0.0, 8.0);
    let bright = centroid_hz.map_or(0.0, |c| lin(c.max(1.0).ln(), 300f64.ln(), 3000f64.ln()));
    let tempo = bpm.map_or(0.0, |b| lin(b, 60.0, 180.0));
    (0.4 * loud + 0.3 * dens + 0.15 * bright + 0.15 * tempo).clamp(0.0, 1.0)
}

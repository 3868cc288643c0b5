//! Offline renderers: a deterministic music synthesiser and a cover-art generator.
//!
//! noktvrn runs its whole pipeline locally with offline providers so that a new
//! user can produce a batch of virtual artists without any accounts. The
//! offline "music provider" and "image provider" need *real* content — a track
//! that a tempo/key analyser can measure, and cover art that is a valid,
//! distinctive image — and they need it to be reproducible. This crate is that
//! content generator:
//!
//! * [`music`] — a small additive/subtractive synthesiser with a composer in
//!   front of it: chord progressions in the requested key, bass, pads, drums
//!   and a phrase-structured melody, arranged into sections and mastered to a
//!   16-bit stereo WAV.
//! * [`cover`] — generative 3000×3000 cover art (gradients, shapes, noise,
//!   grain and an embedded bitmap font) encoded as PNG.
//!
//! Design rules shared by both modules:
//!
//! * **Pure**: no file system, network, clock or environment access; the
//!   functions take a spec and return bytes.
//! * **Deterministic**: every random choice comes from a `ChaCha8Rng` seeded
//!   from the spec's `seed`; no hash-map iteration order, no time, no threads.
//!   The same spec gives byte-identical output on the same platform.
//! * **Fast**: no per-sample/per-pixel allocation; a two-minute track renders
//!   in a fraction of a second in release builds.

pub mod cover;
pub mod music;

/// Errors returned by the renderers. All of them are caused by an invalid
/// spec except [`RenderError::Encode`], which wraps an encoder failure.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum RenderError {
    /// Tempo outside 40–220 BPM (or not finite).
    #[error("tempo {0} BPM is outside the supported range 40-220")]
    InvalidTempo(f64),
    /// Duration outside 5–600 seconds (or not finite).
    #[error("duration {0} s is outside the supported range 5-600")]
    InvalidDuration(f64),
    /// Energy outside 0–1 (or not finite).
    #[error("energy {0} is outside the range 0-1")]
    InvalidEnergy(f64),
    /// Tonic pitch class not in 0..12.
    #[error("tonic pitch class {0} is not in 0..12")]
    InvalidTonic(u8),
    /// Cover spec problem (e.g. an over-long title).
    #[error("invalid cover spec: {0}")]
    InvalidCover(String),
    /// The image encoder failed.
    #[error("encoding failed: {0}")]
    Encode(String),
}

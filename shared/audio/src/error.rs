//! Errors of the audio crate.
//!
//! One error type for the whole crate so callers can tell *their* fault
//! (a file that is not audio, a format we cannot decode:
//! [`AudioError::is_invalid_input`]) from the machine's fault (I/O errors),
//! and so the underlying decoder/I/O error is kept as the `source`.

use std::path::PathBuf;

/// Everything that can go wrong while decoding or analysing audio.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum AudioError {
    /// The file could not be opened or read (the operating system's fault,
    /// not the content's).
    #[error("cannot read {path}: {source}")]
    Io {
        /// The path that failed.
        path: PathBuf,
        /// The underlying I/O error.
        #[source]
        source: std::io::Error,
    },
    /// The content is not in a container/codec we recognise.
    #[error("unsupported or unrecognised audio format: {reason}")]
    Unsupported {
        /// What was not recognised.
        reason: String,
        /// The decoder's error, when there is one.
        #[source]
        source: Option<symphonia::core::errors::Error>,
    },
    /// The container was recognised but the stream cannot be decoded.
    #[error("undecodable audio: {reason}")]
    Undecodable {
        /// Why decoding failed.
        reason: String,
        /// The decoder's error, when there is one.
        #[source]
        source: Option<symphonia::core::errors::Error>,
    },
    /// The file has no audio track, or the audio track decodes to no samples.
    #[error("no audio: {reason}")]
    NoAudio {
        /// Details.
        reason: String,
    },
    /// A resampler or loudness meter refused its configuration (should not
    /// happen for valid input; kept so nothing in the pipeline panics).
    #[error("internal analysis error: {0}")]
    Internal(String),
}

impl AudioError {
    /// True when the error is caused by the input itself (not audio, an
    /// unsupported codec, corrupt beyond repair, no samples) rather than by
    /// the environment (I/O) or a bug.
    pub fn is_invalid_input(&self) -> bool {
        matches!(
            self,
            AudioError::Unsupported { .. }
                | AudioError::Undecodable { .. }
                | AudioError::NoAudio { .. }
        )
    }
}

//! Errors of the ports and the stages, and the one mapping from them to the
//! stable error names Step Functions and the CLI see (`Retryable.*`,
//! `Permanent.*`). Rust type names never leave the process.

use std::time::Duration;

pub type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// Failures of the stores (artists, runs, releases, trends, assets, queue).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    #[error("{entity} {id} not found")]
    NotFound { entity: &'static str, id: String },
    #[error("{entity} {id} already exists")]
    AlreadyExists { entity: &'static str, id: String },
    /// A conditional write lost: someone else changed the record first.
    #[error("{entity} {id} was changed concurrently (expected version {expected})")]
    Conflict {
        entity: &'static str,
        id: String,
        expected: u64,
    },
    /// A stored record could not be read back (bad JSON, unknown schema).
    #[error("corrupt {entity} record {id}")]
    Corrupt {
        entity: &'static str,
        id: String,
        #[source]
        source: BoxError,
    },
    /// Transient: the backend is unreachable or throttling.
    #[error("storage unavailable: {message}")]
    Unavailable {
        message: String,
        #[source]
        source: Option<BoxError>,
    },
    /// Anything else the backend reported.
    #[error("storage failure: {message}")]
    Backend {
        message: String,
        #[source]
        source: Option<BoxError>,
    },
}

impl StoreError {
    pub fn backend(message: impl Into<String>, source: impl Into<BoxError>) -> Self {
        StoreError::Backend {
            message: message.into(),
            source: Some(source.into()),
        }
    }

    pub fn corrupt(
        entity: &'static str,
        id: impl Into<String>,
        source: impl Into<BoxError>,
    ) -> Self {
        StoreError::Corrupt {
            entity,
            id: id.into(),
            source: source.into(),
        }
    }

    pub fn is_conflict(&self) -> bool {
        matches!(self, StoreError::Conflict { .. })
    }
}

/// Failures of external providers (music, video, LLM, cover, approval,
/// distribution), classified so retries act only where they can help.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ProviderError {
    /// 429 or a quota: retry after the given delay.
    #[error("{provider} is throttling requests")]
    Throttled {
        provider: String,
        retry_after: Option<Duration>,
    },
    /// 5xx, connection failure, timeout: retry with backoff.
    #[error("{provider} unavailable: {message}")]
    Unavailable {
        provider: String,
        message: String,
        #[source]
        source: Option<BoxError>,
    },
    /// The provider answered with something we cannot use (malformed body,
    /// output that fails its schema). Worth one more try.
    #[error("{provider} returned an invalid response: {message}")]
    InvalidResponse { provider: String, message: String },
    /// 4xx other than 429: our request or credentials are wrong; retrying
    /// cannot help.
    #[error("{provider} rejected the request: {message}")]
    Rejected { provider: String, message: String },
    /// The task or resource does not exist at the provider.
    #[error("{provider}: {what} not found")]
    NotFound { provider: String, what: String },
    /// The provider reports that the job failed on its side.
    #[error("{provider} job failed: {message}")]
    JobFailed { provider: String, message: String },
}

impl ProviderError {
    pub fn is_retryable(&self) -> bool {
        matches!(
            self,
            ProviderError::Throttled { .. }
                | ProviderError::Unavailable { .. }
                | ProviderError::InvalidResponse { .. }
        )
    }
}

/// What a stage can fail with.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StageError {
    #[error("invalid input: {0}")]
    InvalidInput(String),
    #[error("{entity} {id} not found")]
    NotFound { entity: &'static str, id: String },
    /// The run is not in a state this stage can act on (e.g. packaging a
    /// rejected run). Retrying cannot help.
    #[error("run {run_id} is {status}; {stage} needs {expected}")]
    IllegalState {
        run_id: String,
        status: String,
        stage: &'static str,
        expected: &'static str,
    },
    /// A package does not match its manifest.
    #[error("integrity check failed for {what}: {detail}")]
    Integrity { what: String, detail: String },
    /// Audio that cannot be decoded or analysed.
    #[error("audio analysis failed")]
    Audio(#[source] noktvrn_audio::AudioError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Provider(#[from] ProviderError),
    #[error(transparent)]
    Domain(#[from] noktvrn_domain::DomainError),
    /// The process was asked to stop (signal) before the run finished.
    #[error("interrupted: {0}")]
    Interrupted(String),
    /// A wait ran out (a track that never became ready).
    #[error("timed out: {0}")]
    Timeout(String),
    /// A bug or an impossible state; the message says which.
    #[error("internal error: {0}")]
    Internal(String),
}

impl From<noktvrn_audio::AudioError> for StageError {
    fn from(e: noktvrn_audio::AudioError) -> Self {
        StageError::Audio(e)
    }
}

/// The documented error names (docs/errors.md); the state machine matches
/// exactly these strings.
pub mod names {
    pub const RETRYABLE_PROVIDER: &str = "Retryable.Provider";
    pub const RETRYABLE_THROTTLED: &str = "Retryable.Throttled";
    pub const RETRYABLE_STORE: &str = "Retryable.Store";
    pub const RETRYABLE_CONFLICT: &str = "Retryable.Conflict";
    pub const PERMANENT_INVALID_INPUT: &str = "Permanent.InvalidInput";
    pub const PERMANENT_NOT_FOUND: &str = "Permanent.NotFound";
    pub const PERMANENT_ILLEGAL_STATE: &str = "Permanent.IllegalState";
    pub const PERMANENT_PROVIDER: &str = "Permanent.Provider";
    pub const PERMANENT_INTEGRITY: &str = "Permanent.Integrity";
    pub const PERMANENT_STORE: &str = "Permanent.Store";
    pub const PERMANENT_INTERNAL: &str = "Permanent.Internal";
    /// A run whose process stopped (signal, crash) and was ended by recovery.
    pub const PERMANENT_INTERRUPTED: &str = "Permanent.Interrupted";
    /// A wait ran out (track never ready, approval never answered).
    pub const PERMANENT_TIMEOUT: &str = "Permanent.Timeout";

    /// Every name, for docs and the ASL check.
    pub const ALL: [&str; 13] = [
        RETRYABLE_PROVIDER,
        RETRYABLE_THROTTLED,
        RETRYABLE_STORE,
        RETRYABLE_CONFLICT,
        PERMANENT_INVALID_INPUT,
        PERMANENT_NOT_FOUND,
        PERMANENT_ILLEGAL_STATE,
        PERMANENT_PROVIDER,
        PERMANENT_INTEGRITY,
        PERMANENT_STORE,
        PERMANENT_INTERNAL,
        PERMANENT_INTERRUPTED,
        PERMANENT_TIMEOUT,
    ];
}

impl StageError {
    pub fn illegal_state(
        run: &noktvrn_domain::run::Run,
        stage: &'static str,
        expected: &'static str,
    ) -> Self {
        StageError::IllegalState {
            run_id: run.run_id.to_string(),
            status: run.status.to_string(),
            stage,
            expected,
        }
    }

    /// The stable name Step Functions and the CLI see.
    pub fn error_name(&self) -> &'static str {
        use names::*;
        match self {
            StageError::InvalidInput(_) | StageError::Audio(_) => PERMANENT_INVALID_INPUT,
            StageError::NotFound { .. } => PERMANENT_NOT_FOUND,
            StageError::IllegalState { .. } => PERMANENT_ILLEGAL_STATE,
            StageError::Integrity { .. } => PERMANENT_INTEGRITY,
            StageError::Domain(noktvrn_domain::DomainError::IllegalTransition { .. }) => {
                PERMANENT_ILLEGAL_STATE
            }
            StageError::Domain(_) => PERMANENT_INVALID_INPUT,
            StageError::Internal(_) => PERMANENT_INTERNAL,
            StageError::Interrupted(_) => PERMANENT_INTERRUPTED,
            StageError::Timeout(_) => PERMANENT_TIMEOUT,
            StageError::Store(e) => match e {
                StoreError::NotFound { .. } => PERMANENT_NOT_FOUND,
                StoreError::Conflict { .. } => RETRYABLE_CONFLICT,
                StoreError::Unavailable { .. } => RETRYABLE_STORE,
                StoreError::AlreadyExists { .. }
                | StoreError::Corrupt { .. }
                | StoreError::Backend { .. } => PERMANENT_STORE,
            },
            StageError::Provider(e) => match e {
                ProviderError::Throttled { .. } => RETRYABLE_THROTTLED,
                ProviderError::Unavailable { .. } | ProviderError::InvalidResponse { .. } => {
                    RETRYABLE_PROVIDER
                }
                ProviderError::NotFound { .. } => PERMANENT_NOT_FOUND,
                ProviderError::Rejected { .. } | ProviderError::JobFailed { .. } => {
                    PERMANENT_PROVIDER
                }
            },
        }
    }

    pub fn is_retryable(&self) -> bool {
        self.error_name().starts_with("Retryable.")
    }

    /// How long to wait before retrying, when the provider said so.
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            StageError::Provider(ProviderError::Throttled { retry_after, .. }) => *retry_after,
            _ => None,
        }
    }

    /// The error and its causes on one line, for run records and the CLI.
    pub fn chain(&self) -> String {
        let mut s = self.to_string();
        let mut src = std::error::Error::source(self);
        while let Some(e) = src {
            let m = e.to_string();
            if !s.contains(&m) {
                s.push_str(": ");
                s.push_str(&m);
            }
            src = e.source();
        }
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_error_maps_to_a_documented_name() {
        let cases: Vec<StageError> = vec![
            StageError::InvalidInput("x".into()),
            StoreError::Conflict {
                entity: "run",
                id: "r".into(),
                expected: 1,
            }
            .into(),
            StoreError::Unavailable {
                message: "down".into(),
                source: None,
            }
            .into(),
            ProviderError::Throttled {
                provider: "p".into(),
                retry_after: None,
            }
            .into(),
            ProviderError::Rejected {
                provider: "p".into(),
                message: "401".into(),
            }
            .into(),
            StageError::Internal("bug".into()),
        ];
        let want = [
            "Permanent.InvalidInput",
            "Retryable.Conflict",
            "Retryable.Store",
            "Retryable.Throttled",
            "Permanent.Provider",
            "Permanent.Internal",
        ];
        for (e, w) in cases.iter().zip(want) {
            assert_eq!(e.error_name(), w, "{e}");
            assert!(names::ALL.contains(&e.error_name()));
            assert_eq!(e.is_retryable(), w.starts_with("Retryable."));
        }
    }

    #[test]
    fn chain_keeps_the_cause() {
        let e: StageError =
            StoreError::backend("write failed", std::io::Error::other("disk full")).into();
        assert_eq!(e.chain(), "storage failure: write failed: disk full");
    }
}

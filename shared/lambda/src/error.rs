//! How a Lambda fails: every error leaves as a [`lambda_runtime::Diagnostic`]
//! whose `error_type` is one of the documented names (`Retryable.*`,
//! `Permanent.*`, docs/errors.md). Step Functions matches exactly these
//! names in its Retry and Catch rules; Rust type names never leave the
//! process.

use noktvrn_pipeline::StageError;
use noktvrn_pipeline::error::names;

/// A failed invocation: a stable name and a one-line message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{name}: {message}")]
pub struct HandlerError {
    pub name: &'static str,
    pub message: String,
}

impl HandlerError {
    pub fn invalid_input(message: impl Into<String>) -> Self {
        Self {
            name: names::PERMANENT_INVALID_INPUT,
            message: message.into(),
        }
    }

    pub fn config(message: impl Into<String>) -> Self {
        Self {
            name: names::PERMANENT_INTERNAL,
            message: message.into(),
        }
    }

    pub fn is_retryable(&self) -> bool {
        self.name.starts_with("Retryable.")
    }
}

impl From<StageError> for HandlerError {
    fn from(e: StageError) -> Self {
        let name = e.error_name();
        let message = e.chain();
        if name.starts_with("Retryable.") {
            tracing::warn!(error = name, message = %message, "stage failed; retryable");
        } else {
            tracing::error!(error = name, message = %message, "stage failed");
        }
        Self { name, message }
    }
}

impl From<noktvrn_pipeline::StoreError> for HandlerError {
    fn from(e: noktvrn_pipeline::StoreError) -> Self {
        StageError::from(e).into()
    }
}

impl From<noktvrn_pipeline::ProviderError> for HandlerError {
    fn from(e: noktvrn_pipeline::ProviderError) -> Self {
        StageError::from(e).into()
    }
}

impl From<HandlerError> for lambda_runtime::Diagnostic {
    fn from(e: HandlerError) -> Self {
        lambda_runtime::Diagnostic {
            error_type: e.name.to_string(),
            error_message: e.message,
        }
    }
}

/// The payload a failed Lambda invocation returns (what Step Functions reads
/// `errorType` from); used by local test endpoints that stand in for Lambda.
pub fn error_payload(e: &HandlerError) -> serde_json::Value {
    serde_json::json!({ "errorType": e.name, "errorMessage": e.message })
}

#[cfg(test)]
mod tests {
    use super::*;
    use noktvrn_pipeline::{ProviderError, StoreError};

    #[test]
    fn stage_errors_keep_their_documented_names() {
        let e: HandlerError = StageError::from(ProviderError::Throttled {
            provider: "suno".into(),
            retry_after: None,
        })
        .into();
        assert_eq!(e.name, "Retryable.Throttled");
        assert!(e.is_retryable());
        let d: lambda_runtime::Diagnostic = e.into();
        assert_eq!(d.error_type, "Retryable.Throttled");

        let e: HandlerError = StoreError::NotFound {
            entity: "run",
            id: "01J".into(),
        }
        .into();
        assert_eq!(e.name, "Permanent.NotFound");
        assert_eq!(e.message, "run 01J not found");
        assert!(names::ALL.contains(&e.name));
        assert_eq!(
            error_payload(&e),
            serde_json::json!({"errorType": "Permanent.NotFound", "errorMessage": "run 01J not found"})
        );
    }
}

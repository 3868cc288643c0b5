//! The one place SDK failures become port errors, so every adapter
//! classifies them the same way and the state machine's `Retry` acts only
//! where a retry can help:
//!
//! | SDK failure | port error |
//! |---|---|
//! | timeout, dispatch failure (connection refused, DNS, TLS), unparseable response | `StoreError::Unavailable` / `ProviderError::Unavailable` |
//! | service error with HTTP 5xx, or a throttling / internal-error code | `StoreError::Unavailable` / `ProviderError::Throttled` or `Unavailable` |
//! | any other service error (validation, access denied, missing table) | `StoreError::Backend` / `ProviderError::Rejected` |
//! | request construction failure (a bug: missing required field) | `StoreError::Backend` / `ProviderError::Rejected` |
//!
//! The SDK error is kept as the `source` in every case; the message carries
//! the action, the AWS error code and the AWS message (never a request body,
//! so no document or secret reaches a log through it).
//!
//! The SDK's own retry layer (standard mode, 3 attempts with backoff and
//! jitter) has already retried throttling and transient errors by the time
//! an error reaches this module.

// The smithy error types are shared by every SDK crate; the DynamoDB
// crate's re-exports name them here for all services.
use aws_sdk_dynamodb::config::http::HttpResponse;
use aws_sdk_dynamodb::error::{ProvideErrorMetadata, SdkError};

use noktvrn_pipeline::{ProviderError, StoreError};

/// AWS error codes that mean "slow down" or "try again" whatever the HTTP
/// status the service chose for them.
const TRANSIENT_CODES: &[&str] = &[
    "ThrottlingException",
    "Throttling",
    "ThrottledException",
    "RequestThrottled",
    "RequestThrottledException",
    "TooManyRequestsException",
    "ProvisionedThroughputExceededException",
    "RequestLimitExceeded",
    "LimitExceededException",
    "TransactionInProgressException",
    "BandwidthLimitExceeded",
    "SlowDown",
    "PriorRequestNotComplete",
    "KmsThrottled",
    "InternalError",
    "InternalServerError",
    "InternalFailure",
    "ServiceUnavailable",
    "ServiceUnavailableException",
    "RequestTimeout",
    "RequestTimeoutException",
    "AWS.SimpleQueueService.RequestThrottled",
];

/// Codes that are throttling rather than an outage (for `ProviderError`).
const THROTTLING_CODES: &[&str] = &[
    "ThrottlingException",
    "Throttling",
    "ThrottledException",
    "RequestThrottled",
    "RequestThrottledException",
    "TooManyRequestsException",
    "ProvisionedThroughputExceededException",
    "RequestLimitExceeded",
    "LimitExceededException",
    "SlowDown",
    "AWS.SimpleQueueService.RequestThrottled",
];

/// How a failed SDK call should be treated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Class {
    /// Retrying later can help.
    Transient { throttled: bool },
    /// Retrying cannot help.
    Permanent,
}

pub(crate) fn classify<E: ProvideErrorMetadata>(err: &SdkError<E, HttpResponse>) -> Class {
    match err {
        SdkError::TimeoutError(_) | SdkError::DispatchFailure(_) | SdkError::ResponseError(_) => {
            Class::Transient { throttled: false }
        }
        SdkError::ServiceError(ctx) => {
            let status = ctx.raw().status().as_u16();
            let code = err.code().unwrap_or_default();
            let throttled = status == 429 || THROTTLING_CODES.contains(&code);
            if throttled || status >= 500 || TRANSIENT_CODES.contains(&code) {
                Class::Transient { throttled }
            } else {
                Class::Permanent
            }
        }
        // ConstructionFailure and any future variant.
        _ => Class::Permanent,
    }
}

/// `"{action}: {code}: {message}"`, or the kind of failure when the service
/// did not answer.
pub(crate) fn describe<E: ProvideErrorMetadata>(
    action: &str,
    err: &SdkError<E, HttpResponse>,
) -> String {
    match err {
        SdkError::ServiceError(_) => {
            let code = err.code().unwrap_or("UnknownError");
            match err.message() {
                Some(m) if !m.is_empty() => format!("{action}: {code}: {m}"),
                _ => format!("{action}: {code}"),
            }
        }
        SdkError::TimeoutError(_) => format!("{action}: request timed out"),
        SdkError::DispatchFailure(_) => format!("{action}: request could not be sent"),
        SdkError::ResponseError(_) => format!("{action}: response could not be read"),
        SdkError::ConstructionFailure(_) => format!("{action}: request could not be built"),
        _ => format!("{action}: SDK failure"),
    }
}

/// The error code of a service error, if the service answered.
pub(crate) fn code<E: ProvideErrorMetadata>(err: &SdkError<E, HttpResponse>) -> Option<&str> {
    match err {
        SdkError::ServiceError(_) => err.code(),
        _ => None,
    }
}

/// An SDK failure of a store operation.
pub(crate) fn store<E>(action: impl AsRef<str>, err: SdkError<E, HttpResponse>) -> StoreError
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
{
    let message = describe(action.as_ref(), &err);
    match classify(&err) {
        Class::Transient { .. } => {
            tracing::warn!(error.message = %message, "AWS storage call failed transiently");
            StoreError::Unavailable {
                message,
                source: Some(Box::new(err)),
            }
        }
        Class::Permanent => StoreError::Backend {
            message,
            source: Some(Box::new(err)),
        },
    }
}

/// An SDK failure of a provider-like call (Step Functions).
pub(crate) fn provider<E>(
    provider: &str,
    action: impl AsRef<str>,
    err: SdkError<E, HttpResponse>,
) -> ProviderError
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
{
    let message = describe(action.as_ref(), &err);
    match classify(&err) {
        Class::Transient { throttled: true } => ProviderError::Throttled {
            provider: provider.to_string(),
            retry_after: None,
        },
        Class::Transient { throttled: false } => ProviderError::Unavailable {
            provider: provider.to_string(),
            message,
            source: Some(Box::new(err)),
        },
        Class::Permanent => ProviderError::Rejected {
            provider: provider.to_string(),
            message,
        },
    }
}

/// Truncates `s` to at most `max` bytes on a character boundary.
pub(crate) fn truncate(s: &str, max: usize) -> &str {
    if s.len() <= max {
        return s;
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    &s[..end]
}

#[cfg(test)]
mod tests {
    use aws_sdk_dynamodb::error::ErrorMetadata;
    use aws_sdk_dynamodb::operation::get_item::GetItemError;

    use super::*;

    fn service_error(status: u16, code: &str) -> SdkError<GetItemError, HttpResponse> {
        let meta = ErrorMetadata::builder()
            .code(code)
            .message("details")
            .build();
        let err = GetItemError::generic(meta);
        let raw = HttpResponse::new(
            status.try_into().unwrap(),
            aws_sdk_s3::primitives::SdkBody::empty(),
        );
        SdkError::service_error(err, raw)
    }

    #[test]
    fn throttling_and_5xx_are_transient_validation_is_permanent() {
        let cases = [
            (400, "ProvisionedThroughputExceededException", true, true),
            (400, "ThrottlingException", true, true),
            (500, "InternalServerError", true, false),
            (503, "Whatever", true, false),
            (429, "Whatever", true, true),
            (400, "ValidationException", false, false),
            (400, "AccessDeniedException", false, false),
            (400, "ResourceNotFoundException", false, false),
        ];
        for (status, code, transient, throttled) in cases {
            let e = service_error(status, code);
            let class = classify(&e);
            if transient {
                assert_eq!(class, Class::Transient { throttled }, "{code}");
            } else {
                assert_eq!(class, Class::Permanent, "{code}");
            }
            let mapped = store("read run r1", e);
            assert_eq!(
                matches!(mapped, StoreError::Unavailable { .. }),
                transient,
                "{code}"
            );
            assert!(mapped.to_string().contains(code), "{mapped}");
            assert!(std::error::Error::source(&mapped).is_some(), "source kept");
        }
    }

    #[test]
    fn timeouts_are_transient_and_construction_failures_permanent() {
        let timeout: SdkError<GetItemError, HttpResponse> =
            SdkError::timeout_error(std::io::Error::other("slow"));
        assert!(matches!(
            store("read", timeout),
            StoreError::Unavailable { .. }
        ));
        let built: SdkError<GetItemError, HttpResponse> =
            SdkError::construction_failure(std::io::Error::other("no key"));
        let e = store("read", built);
        assert!(matches!(e, StoreError::Backend { .. }));
        assert_eq!(
            e.to_string(),
            "storage failure: read: request could not be built"
        );
    }

    #[test]
    fn provider_errors_are_classified() {
        assert!(matches!(
            provider("sfn", "x", service_error(400, "ThrottlingException")),
            ProviderError::Throttled { .. }
        ));
        assert!(matches!(
            provider("sfn", "x", service_error(500, "ServiceUnavailable")),
            ProviderError::Unavailable { .. }
        ));
        let e = provider("sfn", "x", service_error(400, "InvalidOutput"));
        assert!(matches!(e, ProviderError::Rejected { .. }));
        assert!(!e.is_retryable());
    }

    #[test]
    fn truncation_respects_char_boundaries() {
        assert_eq!(truncate("abc", 5), "abc");
        assert_eq!(truncate("abcdef", 3), "abc");
        assert_eq!(truncate("aé", 2), "a");
    }
}

//! Secrets (bot token, webhook secret, provider API keys) at cold start.
//!
//! A secret `NAME` comes from the environment variable `NAME`, or, in AWS,
//! from the SSM `SecureString` parameter whose *name* is in `NAME_SSM_PARAM`
//! (read with decryption). The template passes parameter names, never
//! values, so a secret never appears in the function configuration.
//!
//! The value is returned as a [`SecretString`]: it has no `Display`, its
//! `Debug` is redacted, and nothing here logs it — only the variable and
//! parameter names are logged.

use aws_sdk_ssm::Client;
use aws_sdk_ssm::operation::get_parameter::GetParameterError;
use secrecy::SecretString;

use crate::error;

/// Suffix of the variable naming the SSM parameter of a secret.
pub const SSM_PARAM_SUFFIX: &str = "_SSM_PARAM";

/// A secret that could not be read.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SecretError {
    /// Neither `NAME` nor `NAME_SSM_PARAM` is set ([`require_secret`]).
    #[error("secret {name} is not configured: set {name} or {name}{SSM_PARAM_SUFFIX}")]
    Missing { name: String },
    /// The parameter named by `NAME_SSM_PARAM` does not exist.
    #[error("SSM parameter {parameter} (from {name}{SSM_PARAM_SUFFIX}) does not exist")]
    ParameterNotFound { name: String, parameter: String },
    /// The parameter exists but holds no value.
    #[error("SSM parameter {parameter} (from {name}{SSM_PARAM_SUFFIX}) is empty")]
    EmptyParameter { name: String, parameter: String },
    /// SSM could not be read (access denied, throttling, outage).
    #[error("cannot read SSM parameter {parameter} (from {name}{SSM_PARAM_SUFFIX})")]
    Ssm {
        name: String,
        parameter: String,
        retryable: bool,
        #[source]
        source: noktvrn_pipeline::StoreError,
    },
}

impl SecretError {
    /// Whether trying again later can help (SSM throttling or outage).
    pub fn is_retryable(&self) -> bool {
        matches!(
            self,
            SecretError::Ssm {
                retryable: true,
                ..
            }
        )
    }
}

/// The secret `name` from the process environment or SSM; `Ok(None)` when
/// neither is configured (an optional provider key).
pub async fn resolve_secret(ssm: &Client, name: &str) -> Result<Option<SecretString>, SecretError> {
    resolve_secret_with(ssm, name, |k| std::env::var(k).ok()).await
}

/// [`resolve_secret`], but a missing secret is [`SecretError::Missing`].
pub async fn require_secret(ssm: &Client, name: &str) -> Result<SecretString, SecretError> {
    resolve_secret(ssm, name)
        .await?
        .ok_or_else(|| SecretError::Missing {
            name: name.to_string(),
        })
}

/// [`resolve_secret`] reading variables through `lookup` (tests, or a
/// config map). A variable set to an empty string counts as unset.
#[tracing::instrument(level = "debug", skip(ssm, lookup))]
pub async fn resolve_secret_with(
    ssm: &Client,
    name: &str,
    lookup: impl Fn(&str) -> Option<String>,
) -> Result<Option<SecretString>, SecretError> {
    if let Some(value) = lookup(name).filter(|v| !v.is_empty()) {
        tracing::debug!(source = "env", "secret resolved");
        return Ok(Some(SecretString::from(value)));
    }
    let param_var = format!("{name}{SSM_PARAM_SUFFIX}");
    let Some(parameter) = lookup(&param_var)
        .map(|v| v.trim().to_string())
        .filter(|v| !v.is_empty())
    else {
        return Ok(None);
    };
    let out = match ssm
        .get_parameter()
        .name(&parameter)
        .with_decryption(true)
        .send()
        .await
    {
        Ok(out) => out,
        Err(e)
            if matches!(
                e.as_service_error(),
                Some(GetParameterError::ParameterNotFound(_))
            ) =>
        {
            return Err(SecretError::ParameterNotFound {
                name: name.to_string(),
                parameter,
            });
        }
        Err(e) => {
            let source = error::store(format!("get SSM parameter {parameter}"), e);
            let retryable = matches!(source, noktvrn_pipeline::StoreError::Unavailable { .. });
            return Err(SecretError::Ssm {
                name: name.to_string(),
                parameter,
                retryable,
                source,
            });
        }
    };
    match out.parameter.and_then(|p| p.value) {
        Some(value) if !value.is_empty() => {
            tracing::debug!(source = "ssm", parameter = %parameter, "secret resolved");
            Ok(Some(SecretString::from(value)))
        }
        _ => Err(SecretError::EmptyParameter {
            name: name.to_string(),
            parameter,
        }),
    }
}

//! Configuration: the resource names the adapters need, read once from the
//! environment at cold start into [`AwsConfig`], and the shared SDK
//! configuration ([`sdk_config`]).
//!
//! The names are the ones of `../shared/design/ARCHITECTURE.md`
//! ("Conventions") and the outputs of `template.yaml`. A missing or empty
//! variable is an error naming it, so a mis-wired function fails at start-up
//! with a message that says what to set, never later with an SDK
//! "validation error" about an empty table name.

use aws_config::{BehaviorVersion, SdkConfig};

/// `ARTISTS_TABLE`: the DynamoDB table of artists and their progression log.
pub const ARTISTS_TABLE: &str = "ARTISTS_TABLE";
/// `RUNS_TABLE`: runs and approval tickets.
pub const RUNS_TABLE: &str = "RUNS_TABLE";
/// `RELEASES_TABLE`: release records.
pub const RELEASES_TABLE: &str = "RELEASES_TABLE";
/// `TRENDS_TABLE`: trend profiles.
pub const TRENDS_TABLE: &str = "TRENDS_TABLE";
/// `ASSETS_BUCKET`: the S3 bucket of tracks and release packages.
pub const ASSETS_BUCKET: &str = "ASSETS_BUCKET";
/// `RELEASE_QUEUE_URL`: the SQS release queue.
pub const RELEASE_QUEUE_URL: &str = "RELEASE_QUEUE_URL";
/// `RELEASE_DLQ_URL` (optional): its dead-letter queue. When unset,
/// `SqsReleaseQueue::dead_letters` finds the queue from the release
/// queue's redrive policy.
pub const RELEASE_DLQ_URL: &str = "RELEASE_DLQ_URL";
/// `STATE_MACHINE_ARN` (optional): the batch workflow, for functions that
/// start executions.
pub const STATE_MACHINE_ARN: &str = "STATE_MACHINE_ARN";

/// A required variable is missing or empty.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    #[error("environment variable {name} is not set ({what})")]
    Missing {
        name: &'static str,
        what: &'static str,
    },
    #[error("environment variable {name} is empty ({what})")]
    Empty {
        name: &'static str,
        what: &'static str,
    },
}

impl ConfigError {
    /// The variable to set.
    pub fn variable(&self) -> &'static str {
        match self {
            ConfigError::Missing { name, .. } | ConfigError::Empty { name, .. } => name,
        }
    }
}

/// The AWS resources of one deployment (one `Stage` of `template.yaml`).
///
/// Build it with [`AwsConfig::from_env`] at cold start, or as a struct
/// literal from explicit values (tests, tools).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AwsConfig {
    pub artists_table: String,
    pub runs_table: String,
    pub releases_table: String,
    pub trends_table: String,
    pub assets_bucket: String,
    pub release_queue_url: String,
    pub release_dlq_url: Option<String>,
    pub state_machine_arn: Option<String>,
}

impl AwsConfig {
    /// Reads every variable from the process environment.
    pub fn from_env() -> Result<AwsConfig, ConfigError> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Reads every variable through `lookup` (the environment in
    /// [`from_env`](Self::from_env), a map in tests). Optional variables
    /// that are empty count as unset.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<AwsConfig, ConfigError> {
        let required = |name: &'static str, what: &'static str| match lookup(name) {
            None => Err(ConfigError::Missing { name, what }),
            Some(v) if v.trim().is_empty() => Err(ConfigError::Empty { name, what }),
            Some(v) => Ok(v.trim().to_string()),
        };
        let optional = |name: &str| {
            lookup(name)
                .map(|v| v.trim().to_string())
                .filter(|v| !v.is_empty())
        };
        Ok(AwsConfig {
            artists_table: required(ARTISTS_TABLE, "DynamoDB table of artists")?,
            runs_table: required(RUNS_TABLE, "DynamoDB table of runs")?,
            releases_table: required(RELEASES_TABLE, "DynamoDB table of releases")?,
            trends_table: required(TRENDS_TABLE, "DynamoDB table of trends")?,
            assets_bucket: required(ASSETS_BUCKET, "S3 bucket of assets")?,
            release_queue_url: required(RELEASE_QUEUE_URL, "SQS release queue URL")?,
            release_dlq_url: optional(RELEASE_DLQ_URL),
            state_machine_arn: optional(STATE_MACHINE_ARN),
        })
    }
}

/// The SDK configuration every client is built from: region, credentials,
/// retry and timeout settings from the standard sources (environment,
/// profile, container/instance metadata).
///
/// `AWS_ENDPOINT_URL` (and the profile's `endpoint_url`) is honoured by
/// `aws-config` itself and ends up in [`SdkConfig::endpoint_url`]; the S3
/// client built by [`crate::S3AssetStore::new`] switches to path-style
/// addressing whenever an endpoint URL is set, which local AWS-compatible
/// endpoints such as moto need.
pub async fn sdk_config() -> SdkConfig {
    let config = aws_config::defaults(BehaviorVersion::latest()).load().await;
    tracing::debug!(
        region = ?config.region(),
        endpoint_url = ?config.endpoint_url(),
        "AWS SDK configuration loaded"
    );
    config
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    fn vars(pairs: &[(&str, &str)]) -> HashMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    fn complete() -> HashMap<String, String> {
        vars(&[
            (ARTISTS_TABLE, "artists"),
            (RUNS_TABLE, "runs"),
            (RELEASES_TABLE, "releases"),
            (TRENDS_TABLE, "trends"),
            (ASSETS_BUCKET, "bucket"),
            (RELEASE_QUEUE_URL, "http://q/releases"),
        ])
    }

    #[test]
    fn a_complete_environment_gives_the_config() {
        let mut env = complete();
        env.insert(STATE_MACHINE_ARN.into(), "arn:sm".into());
        env.insert(RELEASE_DLQ_URL.into(), "  ".into());
        let c = AwsConfig::from_lookup(|k| env.get(k).cloned()).unwrap();
        assert_eq!(c.artists_table, "artists");
        assert_eq!(c.release_queue_url, "http://q/releases");
        assert_eq!(c.state_machine_arn.as_deref(), Some("arn:sm"));
        assert_eq!(c.release_dlq_url, None, "blank optional is unset");
    }

    #[test]
    fn a_missing_variable_is_named() {
        for name in [
            ARTISTS_TABLE,
            RUNS_TABLE,
            RELEASES_TABLE,
            TRENDS_TABLE,
            ASSETS_BUCKET,
            RELEASE_QUEUE_URL,
        ] {
            let mut env = complete();
            env.remove(name);
            let e = AwsConfig::from_lookup(|k| env.get(k).cloned()).unwrap_err();
            assert_eq!(e.variable(), name);
            assert!(e.to_string().contains(name), "{e}");
            assert!(matches!(e, ConfigError::Missing { .. }));

            env.insert(name.to_string(), String::new());
            let e = AwsConfig::from_lookup(|k| env.get(k).cloned()).unwrap_err();
            assert!(matches!(e, ConfigError::Empty { .. }), "{e}");
            assert!(e.to_string().contains(name), "{e}");
        }
    }
}

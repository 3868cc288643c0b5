//! The settings of the stage Lambdas that are not resource names (those are
//! `noktvrn_aws::AwsConfig`): read once at cold start from the environment,
//! each with a default, and a clear error naming a variable that is set but
//! invalid. The template sets the same values the state machine uses (the
//! approval timeout is both the wait's `TimeoutSeconds` and the approval
//! ticket's expiry), so the two can never disagree.

use std::time::Duration;

use noktvrn_domain::lifecycle::LifecycleThresholds;
use noktvrn_pipeline::runner::BatchOptions;
use noktvrn_pipeline::stages::SelectionPolicy;

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ConfigError {
    #[error("environment variable {name} is not set")]
    Missing { name: &'static str },
    #[error("environment variable {name}={value:?} is invalid: {why}")]
    Invalid {
        name: &'static str,
        value: String,
        why: String,
    },
}

/// Stage settings of the AWS deployment.
#[derive(Debug, Clone, PartialEq)]
pub struct Settings {
    /// `APPROVAL_TIMEOUT_SECONDS` (default one day).
    pub approval_timeout: Duration,
    /// `MAX_TRACK_POLLS` (default 60): polls before a track counts as never coming.
    pub max_track_polls: u32,
    /// `MAX_POLL_WAIT_SECONDS` (default 30): the longest Wait between polls.
    pub max_poll_wait: Duration,
    /// `BATCH_MAX_ARTISTS` (default 10).
    pub max_artists: usize,
    /// `CREATION_PROBABILITY` (default 0.05).
    pub creation_probability: f64,
    /// `RESPECT_CADENCE` (default true): scheduled batches run only due artists.
    pub respect_cadence: bool,
    /// `RECOVER_AFTER_SECONDS` (default two days): an unfinished run untouched
    /// this long belongs to an execution that is gone.
    pub recover_after: Duration,
    /// `PRESIGN_TTL_SECONDS` (default one day): lifetime of preview links.
    pub presign_ttl: Duration,
    pub thresholds: LifecycleThresholds,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            approval_timeout: Duration::from_secs(24 * 3600),
            max_track_polls: 60,
            max_poll_wait: Duration::from_secs(30),
            max_artists: 10,
            creation_probability: 0.05,
            respect_cadence: true,
            recover_after: Duration::from_secs(48 * 3600),
            presign_ttl: Duration::from_secs(24 * 3600),
            thresholds: LifecycleThresholds::default(),
        }
    }
}

fn parse<T: std::str::FromStr>(
    get: &impl Fn(&str) -> Option<String>,
    name: &'static str,
    valid: impl Fn(&T) -> bool,
    why: &str,
) -> Result<Option<T>, ConfigError> {
    match get(name) {
        None => Ok(None),
        Some(v) if v.trim().is_empty() => Ok(None),
        Some(v) => match v.trim().parse::<T>() {
            Ok(t) if valid(&t) => Ok(Some(t)),
            _ => Err(ConfigError::Invalid {
                name,
                value: v,
                why: why.to_string(),
            }),
        },
    }
}

impl Settings {
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(|k| std::env::var(k).ok())
    }

    /// From any variable lookup (tests pass a map).
    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let d = Self::default();
        let secs = |name: &'static str, def: Duration| -> Result<Duration, ConfigError> {
            Ok(
                parse::<u64>(&get, name, |v| *v > 0, "a whole number of seconds > 0")?
                    .map(Duration::from_secs)
                    .unwrap_or(def),
            )
        };
        Ok(Self {
            approval_timeout: secs("APPROVAL_TIMEOUT_SECONDS", d.approval_timeout)?,
            max_track_polls: parse(&get, "MAX_TRACK_POLLS", |v: &u32| *v > 0, "a number > 0")?
                .unwrap_or(d.max_track_polls),
            max_poll_wait: secs("MAX_POLL_WAIT_SECONDS", d.max_poll_wait)?,
            max_artists: parse(
                &get,
                "BATCH_MAX_ARTISTS",
                |v: &usize| *v > 0,
                "a number > 0",
            )?
            .unwrap_or(d.max_artists),
            creation_probability: parse(
                &get,
                "CREATION_PROBABILITY",
                |v: &f64| (0.0..=1.0).contains(v),
                "a probability between 0 and 1",
            )?
            .unwrap_or(d.creation_probability),
            respect_cadence: parse(&get, "RESPECT_CADENCE", |_: &bool| true, "true or false")?
                .unwrap_or(d.respect_cadence),
            recover_after: secs("RECOVER_AFTER_SECONDS", d.recover_after)?,
            presign_ttl: secs("PRESIGN_TTL_SECONDS", d.presign_ttl)?,
            thresholds: d.thresholds,
        })
    }

    pub fn policy(&self) -> SelectionPolicy {
        SelectionPolicy {
            max_artists: self.max_artists,
            respect_cadence: self.respect_cadence,
            creation_probability: self.creation_probability,
            ..SelectionPolicy::default()
        }
    }

    pub fn batch_options(&self) -> BatchOptions {
        BatchOptions {
            policy: self.policy(),
            thresholds: self.thresholds.clone(),
            approval_timeout: self.approval_timeout,
            max_poll_wait: self.max_poll_wait,
            max_polls: self.max_track_polls,
            ..BatchOptions::default()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn lookup(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let m: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        move |k| m.get(k).cloned()
    }

    #[test]
    fn defaults_and_overrides() {
        assert_eq!(
            Settings::from_lookup(lookup(&[])).unwrap(),
            Settings::default()
        );
        let s = Settings::from_lookup(lookup(&[
            ("APPROVAL_TIMEOUT_SECONDS", "5"),
            ("MAX_TRACK_POLLS", "3"),
            ("RESPECT_CADENCE", "false"),
            ("CREATION_PROBABILITY", "0"),
        ]))
        .unwrap();
        assert_eq!(s.approval_timeout, Duration::from_secs(5));
        assert_eq!(s.max_track_polls, 3);
        assert!(!s.respect_cadence);
        assert_eq!(s.policy().creation_probability, 0.0);
    }

    #[test]
    fn an_invalid_value_names_the_variable() {
        let e = Settings::from_lookup(lookup(&[("APPROVAL_TIMEOUT_SECONDS", "soon")])).unwrap_err();
        assert_eq!(
            e.to_string(),
            "environment variable APPROVAL_TIMEOUT_SECONDS=\"soon\" is invalid: a whole number of seconds > 0"
        );
        let e = Settings::from_lookup(lookup(&[("CREATION_PROBABILITY", "1.5")])).unwrap_err();
        assert!(e.to_string().contains("CREATION_PROBABILITY"));
    }
}

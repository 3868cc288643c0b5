//! Identifiers. Runs and batches are ULIDs (sortable by creation time,
//! URL-safe); artists are stable slugs (or ULIDs); releases follow the
//! original system's readable rule `{artist_slug}_{YYYYMMDDHHMMSS}_{suffix}`.

use std::fmt;

use chrono::{DateTime, Utc};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use ulid::Ulid;

use crate::DomainError;

macro_rules! string_id {
    ($(#[$meta:meta])* $name:ident) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, JsonSchema)]
        #[serde(transparent)]
        pub struct $name(String);

        impl $name {
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }
    };
}

string_id!(
    /// A stable, URL-safe artist identifier (a slug such as `luna_echo`, or a ULID).
    ArtistId
);
string_id!(
    /// One content cycle of one artist: a ULID.
    RunId
);
string_id!(
    /// One scheduled batch over all due artists: a ULID.
    BatchId
);
string_id!(
    /// A packaged release: `{artist_slug}_{YYYYMMDDHHMMSS}_{suffix}`.
    ReleaseId
);

fn url_safe(value: &str, max: usize) -> Result<(), &'static str> {
    if value.is_empty() {
        return Err("must not be empty");
    }
    if value.len() > max {
        return Err("too long");
    }
    if !value
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
    {
        return Err("only ASCII letters, digits, '_' and '-' are allowed");
    }
    Ok(())
}

impl ArtistId {
    pub const MAX_LEN: usize = 64;

    pub fn parse(value: impl Into<String>) -> Result<Self, DomainError> {
        let value = value.into();
        url_safe(&value, Self::MAX_LEN).map_err(|reason| DomainError::InvalidId {
            value: value.clone(),
            reason,
        })?;
        Ok(Self(value))
    }

    /// The artist id derived from a display name: its slug, truncated.
    pub fn from_name(name: &str) -> Self {
        let mut s = slug(name);
        s.truncate(Self::MAX_LEN);
        Self(s)
    }
}

impl RunId {
    pub fn new(ulid: Ulid) -> Self {
        Self(ulid.to_string())
    }

    pub fn parse(value: impl Into<String>) -> Result<Self, DomainError> {
        let value = value.into();
        Ulid::from_string(&value).map_err(|_| DomainError::InvalidId {
            value: value.clone(),
            reason: "not a ULID",
        })?;
        Ok(Self(value))
    }

    /// The last four characters: the random end of the ULID (its first
    /// characters are the timestamp and barely change, so the original's
    /// `run_id[:4]` would collide on ULIDs).
    pub fn short(&self) -> String {
        let s = self.0.as_str();
        s[s.len().saturating_sub(4)..].to_ascii_lowercase()
    }
}

impl BatchId {
    pub fn new(ulid: Ulid) -> Self {
        Self(ulid.to_string())
    }

    pub fn parse(value: impl Into<String>) -> Result<Self, DomainError> {
        let value = value.into();
        Ulid::from_string(&value).map_err(|_| DomainError::InvalidId {
            value: value.clone(),
            reason: "not a ULID",
        })?;
        Ok(Self(value))
    }
}

impl ReleaseId {
    /// `{artist_slug}_{YYYYMMDDHHMMSS}_{run suffix}` (UTC).
    pub fn for_run(artist_name: &str, at: DateTime<Utc>, run_id: &RunId) -> Self {
        Self(format!(
            "{}_{}_{}",
            slug(artist_name),
            at.format("%Y%m%d%H%M%S"),
            run_id.short()
        ))
    }

    pub fn parse(value: impl Into<String>) -> Result<Self, DomainError> {
        let value = value.into();
        url_safe(&value, 128).map_err(|reason| DomainError::InvalidId {
            value: value.clone(),
            reason,
        })?;
        Ok(Self(value))
    }
}

/// The slug rule of the original system: keep ASCII alphanumerics and spaces
/// (other characters are dropped; underscores and hyphens count as spaces),
/// collapse runs of spaces into one `_`, lowercase; empty → `unknown_artist`.
pub fn slug(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut pending_sep = false;
    for c in name.chars() {
        if c.is_ascii_alphanumeric() {
            if pending_sep && !out.is_empty() {
                out.push('_');
            }
            pending_sep = false;
            out.push(c.to_ascii_lowercase());
        } else if c.is_whitespace() || c == '_' || c == '-' {
            pending_sep = true;
        }
    }
    if out.is_empty() {
        "unknown_artist".to_string()
    } else {
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn slug_follows_the_original_rule() {
        let cases = [
            ("Luna Echo", "luna_echo"),
            ("  Luna   Echo  ", "luna_echo"),
            ("DJ Ø-Mega!!", "dj_mega"),
            ("Beyoncé", "beyonc"),
            ("", "unknown_artist"),
            ("!!!", "unknown_artist"),
            ("Neon_Drift 2000", "neon_drift_2000"),
        ];
        for (name, want) in cases {
            assert_eq!(slug(name), want, "slug({name:?})");
        }
    }

    #[test]
    fn release_id_is_slug_time_and_random_run_suffix() {
        let run = RunId::parse("01JQ7ZQ5E8W3KX9V2N4M6P8R0T").unwrap();
        let at = Utc.with_ymd_and_hms(2026, 11, 24, 9, 5, 7).unwrap();
        let id = ReleaseId::for_run("Luna Echo", at, &run);
        assert_eq!(id.as_str(), "luna_echo_20261124090507_8r0t");
    }

    #[test]
    fn ids_reject_unsafe_characters() {
        assert!(ArtistId::parse("luna_echo").is_ok());
        assert!(ArtistId::parse("01JQ7ZQ5E8W3KX9V2N4M6P8R0T").is_ok());
        assert!(ArtistId::parse("").is_err());
        assert!(ArtistId::parse("a/b").is_err());
        assert!(ArtistId::parse("x".repeat(65)).is_err());
        assert!(RunId::parse("not-a-ulid").is_err());
        assert!(BatchId::parse("01JQ7ZQ5E8W3KX9V2N4M6P8R0T").is_ok());
        assert!(ReleaseId::parse("a b").is_err());
    }

    #[test]
    fn artist_id_from_name_is_its_slug() {
        assert_eq!(
            ArtistId::from_name("Velvet Static").as_str(),
            "velvet_static"
        );
    }
}

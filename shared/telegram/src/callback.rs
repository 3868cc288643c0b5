//! The data an Approve/Reject button carries: `approve:{approval_id}` or
//! `reject:{approval_id}`.
//!
//! Why a module of its own: the same format is written when the preview is
//! sent and read when the button is pressed, possibly by different
//! processes and versions; keeping the encoder and the strict parser side by
//! side is what keeps them in step. The button carries only the short
//! approval id: the Step Functions task token stays server-side (Telegram
//! limits callback data to 64 bytes, and a token is far longer and must not
//! leave AWS).

use std::fmt;

use noktvrn_domain::run::Decision;

/// Telegram's limit on `callback_data`, in bytes.
pub const MAX_CALLBACK_DATA_BYTES: usize = 64;

/// What the reviewer asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Verb {
    Approve,
    Reject,
}

impl Verb {
    pub fn as_str(self) -> &'static str {
        match self {
            Verb::Approve => "approve",
            Verb::Reject => "reject",
        }
    }

    pub fn decision(self) -> Decision {
        match self {
            Verb::Approve => Decision::Approved,
            Verb::Reject => Decision::Rejected,
        }
    }
}

/// One button's data, parsed.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CallbackData {
    pub verb: Verb,
    pub approval_id: String,
}

/// Why callback data was refused (on either side).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CallbackDataError {
    #[error("callback data has no ':' separator")]
    NoSeparator,
    #[error("unknown verb (expected approve or reject)")]
    UnknownVerb,
    #[error("empty approval id")]
    EmptyId,
    #[error("approval id has characters other than A-Z, a-z, 0-9, '_' and '-'")]
    BadCharacters,
    #[error("callback data is {len} bytes; Telegram allows {MAX_CALLBACK_DATA_BYTES}")]
    TooLong { len: usize },
}

impl CallbackDataError {
    /// A stable short name for logs and metrics.
    pub fn as_str(&self) -> &'static str {
        match self {
            CallbackDataError::NoSeparator => "no_separator",
            CallbackDataError::UnknownVerb => "unknown_verb",
            CallbackDataError::EmptyId => "empty_id",
            CallbackDataError::BadCharacters => "bad_characters",
            CallbackDataError::TooLong { .. } => "too_long",
        }
    }
}

impl CallbackData {
    pub fn new(verb: Verb, approval_id: impl Into<String>) -> Result<Self, CallbackDataError> {
        let data = Self {
            verb,
            approval_id: approval_id.into(),
        };
        data.validate()?;
        Ok(data)
    }

    /// Parses `approve:{id}` / `reject:{id}` strictly: known verb, a
    /// non-empty URL-safe id, at most 64 bytes in all.
    pub fn parse(raw: &str) -> Result<Self, CallbackDataError> {
        if raw.len() > MAX_CALLBACK_DATA_BYTES {
            return Err(CallbackDataError::TooLong { len: raw.len() });
        }
        let (verb, id) = raw.split_once(':').ok_or(CallbackDataError::NoSeparator)?;
        let verb = match verb {
            "approve" => Verb::Approve,
            "reject" => Verb::Reject,
            _ => return Err(CallbackDataError::UnknownVerb),
        };
        Self::new(verb, id)
    }

    fn validate(&self) -> Result<(), CallbackDataError> {
        if self.approval_id.is_empty() {
            return Err(CallbackDataError::EmptyId);
        }
        if !self
            .approval_id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
        {
            return Err(CallbackDataError::BadCharacters);
        }
        let len = self.verb.as_str().len() + 1 + self.approval_id.len();
        if len > MAX_CALLBACK_DATA_BYTES {
            return Err(CallbackDataError::TooLong { len });
        }
        Ok(())
    }
}

impl fmt::Display for CallbackData {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.verb.as_str(), self.approval_id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodes_and_parses_both_verbs() {
        for verb in [Verb::Approve, Verb::Reject] {
            let data = CallbackData::new(verb, "01hzx3k9abcd").unwrap();
            let raw = data.to_string();
            assert_eq!(raw, format!("{}:01hzx3k9abcd", verb.as_str()));
            assert_eq!(CallbackData::parse(&raw).unwrap(), data);
        }
        assert_eq!(Verb::Approve.decision(), Decision::Approved);
        assert_eq!(Verb::Reject.decision(), Decision::Rejected);
    }

    #[test]
    fn refuses_malformed_data() {
        let long = format!("approve:{}", "a".repeat(57));
        let cases: [(&str, CallbackDataError); 7] = [
            ("approve:", CallbackDataError::EmptyId),
            ("approve", CallbackDataError::NoSeparator),
            ("publish:01hzx3k9abcd", CallbackDataError::UnknownVerb),
            ("APPROVE:01hzx3k9abcd", CallbackDataError::UnknownVerb),
            ("approve:abc def", CallbackDataError::BadCharacters),
            ("reject:ab:cd", CallbackDataError::BadCharacters),
            (&long, CallbackDataError::TooLong { len: 65 }),
        ];
        for (raw, want) in cases {
            assert_eq!(CallbackData::parse(raw), Err(want), "{raw}");
        }
    }

    #[test]
    fn the_longest_id_that_fits_is_accepted() {
        let id = "a".repeat(MAX_CALLBACK_DATA_BYTES - "approve:".len());
        assert!(CallbackData::new(Verb::Approve, id.clone()).is_ok());
        assert_eq!(
            CallbackData::new(Verb::Approve, format!("{id}a")),
            Err(CallbackDataError::TooLong { len: 65 })
        );
    }
}

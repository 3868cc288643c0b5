//! Errors of the domain: validation failures that list every problem at once,
//! and rule violations such as an illegal run transition.

use std::fmt;

/// One problem with one field, named by its JSON path (e.g. `llm_config.temperature`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidationError {
    pub field: String,
    pub message: String,
}

/// Every problem found in one document, so a user fixes them all in one go.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ValidationErrors(pub Vec<ValidationError>);

impl ValidationErrors {
    pub fn push(&mut self, field: impl Into<String>, message: impl Into<String>) {
        self.0.push(ValidationError {
            field: field.into(),
            message: message.into(),
        });
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn into_result(self) -> Result<(), ValidationErrors> {
        if self.0.is_empty() { Ok(()) } else { Err(self) }
    }

    /// Names of the fields that failed, for assertions and summaries.
    pub fn fields(&self) -> Vec<&str> {
        self.0.iter().map(|e| e.field.as_str()).collect()
    }
}

impl fmt::Display for ValidationErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, e) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str("; ")?;
            }
            write!(f, "{}: {}", e.field, e.message)?;
        }
        Ok(())
    }
}

impl std::error::Error for ValidationErrors {}

/// A rule of the domain was broken.
#[derive(Debug, thiserror::Error, Clone, PartialEq)]
#[non_exhaustive]
pub enum DomainError {
    #[error("invalid {what}: {errors}")]
    Invalid {
        what: &'static str,
        errors: ValidationErrors,
    },
    #[error("illegal run transition {from} -> {to}")]
    IllegalTransition {
        from: crate::run::RunStatus,
        to: crate::run::RunStatus,
    },
    #[error("invalid identifier {value:?}: {reason}")]
    InvalidId { value: String, reason: &'static str },
}

//! The noktvrn domain: plain data and pure rules, no I/O.
//!
//! Everything the product decides about artists, runs and releases is decided
//! here, so that it can be unit-tested without a database, a network or a
//! clock. Stages (in `noktvrn-pipeline`) load data through ports, call these
//! rules, and store the result.
//!
//! # Layout
//!
//! - [`ids`]: artist, run, batch and release identifiers and the slug rule.
//! - [`music`]: pitch classes, keys and modes shared by parameters and analysis.
//! - [`artist`]: the artist record, persona, sound profile, A/B state, validation.
//! - [`run`]: one content cycle, its status transition table and stage records.
//! - [`release`]: release metadata, prompts used, the package manifest and
//!   per-platform delivery status.
//! - [`lifecycle`]: selection order, creation, outcome updates and the
//!   periodic evaluation rules 0–7.
//! - [`trend`]: trend profiles, trend compatibility and the bounded evolution step.
//! - [`params`]: generation parameters handed to the providers.
//! - [`schema`]: JSON Schemas generated from the types (committed under `docs/schemas/`).

pub mod artist;
pub mod error;
pub mod ids;
pub mod lifecycle;
pub mod music;
pub mod params;
pub mod release;
pub mod run;
pub mod schema;
pub mod trend;

pub use error::{DomainError, ValidationError, ValidationErrors};

/// Version of every JSON document this crate defines that is stored or sent.
/// Bump it (and handle the old one when reading) when a stored shape changes.
pub const SCHEMA_VERSION: u32 = 1;

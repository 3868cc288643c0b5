//! Ports and stages: the use cases of noktvrn, written against traits.
//!
//! A stage never names AWS, HTTP or a file path. The CLI runs the stages
//! in-process through [`runner`]; each Lambda runs one stage; tests run them
//! on the in-memory adapters of [`memory`].
//!
//! # Layout
//!
//! - [`ports`]: the traits adapters implement (stores, assets, queue, music,
//!   video, language models, cover art, approval, distribution, clock).
//! - [`stages`]: one function per pipeline step, idempotent and conditional.
//! - [`llm`]: typed, schema-checked generation over a chain of models.
//! - [`runner`]: the in-process batch (what the state machine does in AWS).
//! - [`error`]: store/provider/stage errors and their stable names.
//! - [`memory`]: in-memory adapters for tests.
//! - [`outbox`]: a distributor over the asset store (the AWS default).

pub mod error;
pub mod llm;
pub mod memory;
pub mod outbox;
pub mod ports;
pub mod runner;
pub mod stages;

pub use error::{ProviderError, StageError, StoreError};

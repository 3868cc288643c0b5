//! The shared body of the stage Lambdas.
//!
//! Each crate under `functions/` is a thin shell: its `main.rs` calls
//! [`runtime::serve_json`] (or the SQS / HTTP variant) with one handler
//! from [`handlers`]. Keeping the handlers here lets the workflow test run
//! the real handlers in-process behind a local Lambda endpoint, and keeps
//! every function's wiring identical.
//!
//! - [`needs`]: which ports each function builds (its bootstrap links only
//!   those); [`absent`] fills the other slots.
//! - [`config`]: settings from the environment (timeouts, batch size).
//! - [`deps`]: adapters and providers built once per cold start.
//! - [`handlers`]: one function per Lambda.
//! - [`error`]: the documented error names as Lambda `errorType`s.

pub mod absent;
pub mod config;
pub mod deps;
pub mod error;
pub mod handlers;
pub mod needs;
pub mod runtime;

pub use deps::Deps;
pub use error::HandlerError;

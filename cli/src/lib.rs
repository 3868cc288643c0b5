//! The `noktvrn` command as a library: the binary (`main.rs`) parses
//! arguments and calls [`commands`]; the integration tests build their
//! pipeline with the same [`app`] wiring the command uses.

pub mod app;
pub mod approval;
pub mod cli;
pub mod commands;
pub mod output;
pub mod progress;

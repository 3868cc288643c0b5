//! Integration tests of the AWS adapters: the real SDK clients against a
//! moto server per test (`noktvrn_aws::testing`). The port-contract tests
//! mirror `noktvrn-local`'s, so both backends are held to one behaviour.
//!
//! Needs `moto_server` on `PATH` (or `NOKTVRN_MOTO_SERVER`); scripts/test.sh
//! installs it.

mod artists;
mod assets;
mod config;
mod queue;
mod releases;
mod runs;
mod secrets;
mod support;
mod template;
mod trends;
mod workflow;

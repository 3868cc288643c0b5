//! Offline providers: synth music, template LLM, bundled video catalog, cover art.
//!
//! Why this crate exists: noktvrn creates and runs virtual music artists, and
//! locally it runs whole batches on *offline* providers so that a new user
//! needs no accounts, keys or network. Each adapter here implements one
//! provider port of `noktvrn-pipeline` and produces real output:
//!
//! * [`SynthMusic`] (`MusicGenerator`) — renders WAV tracks with the
//!   deterministic synthesiser of `noktvrn-render`; stateless, so submit,
//!   poll and fetch may run in different processes.
//! * [`TemplateLlm`] (`LanguageModel`) — deterministic, always-valid JSON
//!   for every prompt kind, built from the request context and word banks.
//! * [`CatalogVideo`] (`VideoSource`) — keyword search over a bundled
//!   catalog of stock-video metadata (attribution only, nothing downloaded).
//! * [`GenerativeCover`] (`CoverArtist`) — 3000×3000 PNG cover art from
//!   `noktvrn-render`.
//!
//! It also bundles the starting data a first run needs: [`starter_artists`]
//! and [`bundled_trends`].
//!
//! Every adapter is deterministic: the same request gives the same bytes.

pub mod catalog;
pub mod cover;
pub mod seed;
pub mod synth;
pub mod template;

pub use catalog::{CATALOG_SOURCE, CatalogEntry, CatalogVideo, catalog_entries};
pub use cover::{COVER_GENERATOR, COVER_SIZE, GenerativeCover};
pub use seed::{bundled_trends, starter_artists};
pub use synth::{SYNTH_MODEL, SYNTH_PROVIDER, SynthMusic};
pub use template::{TEMPLATE_MODEL, TEMPLATE_PROVIDER, TemplateLlm};

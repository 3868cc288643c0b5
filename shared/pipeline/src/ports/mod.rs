//! Ports: the traits stages are written against. Each is `Send + Sync` and
//! shaped by capability, so an entry point asks only for what it uses.
//! Adapters live elsewhere: `noktvrn-local` (SQLite + filesystem),
//! `noktvrn-offline` (synth, template LLM, video catalog, cover art), AWS and
//! real providers in their own crates, and [`crate::memory`] for tests.

mod assets;
mod clock;
mod providers;
mod queue;
mod store;
mod workflow;

pub use assets::{AssetInfo, AssetStore};
pub use clock::{Clock, SystemClock};
pub use providers::{
    ApprovalChannel, ApprovalPreview, CoverArtist, CoverRequest, DecisionSource, DeliveryReceipt,
    Distributor, GeneratedClip, GeneratedImage, HealthReport, IncomingDecision, LanguageModel,
    LlmRequest, LlmResponse, MusicGenerator, PromptKind, TrackRequest, TrackStatus, VideoCandidate,
    VideoQuery, VideoSource,
};
pub use queue::{QueueDelivery, ReleaseQueue};
pub use store::{ApprovalTicket, ArtistStore, ReleaseStore, RunStore, TrendStore};
pub use workflow::{ResumeOutcome, WorkflowCallback};

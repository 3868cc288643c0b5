use std::time::Duration;

use async_trait::async_trait;
use serde::{Deserialize, Serialize};

use noktvrn_domain::ids::{ArtistId, RunId};
use noktvrn_domain::music::MusicalKey;
use noktvrn_domain::params::LlmCallRecord;
use noktvrn_domain::release::{Manifest, ReleaseRecord};
use noktvrn_domain::run::{Decision, DecisionMethod};

use super::AssetStore;
use crate::error::ProviderError;

// ---------------------------------------------------------------- music

/// What the music provider is asked for.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrackRequest {
    pub run_id: RunId,
    pub title: String,
    pub prompt: String,
    pub style: String,
    pub lyrics: Option<String>,
    pub instrumental: bool,
    pub genre: String,
    pub tempo_bpm: f64,
    pub key: MusicalKey,
    pub energy: f64,
    pub duration_s: f64,
    pub seed: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GeneratedClip {
    pub clip_id: String,
    /// Where the audio can be fetched (`fetch_audio` knows how).
    pub audio_url: String,
    pub content_type: String,
    pub duration_s: Option<f64>,
    pub model: String,
}

#[derive(Debug, Clone, PartialEq)]
pub enum TrackStatus {
    Pending,
    /// One or more clips (Suno-style APIs return two per request).
    Ready(Vec<GeneratedClip>),
    Failed {
        reason: String,
    },
}

/// Submit/poll music generation: never a blocking call, so the state machine
/// can wait between polls without a Lambda sleeping.
#[async_trait]
pub trait MusicGenerator: Send + Sync {
    fn provider(&self) -> &str;
    /// Returns the provider's task id.
    async fn submit(&self, request: &TrackRequest) -> Result<String, ProviderError>;
    async fn poll(&self, task_id: &str) -> Result<TrackStatus, ProviderError>;
    async fn fetch_audio(&self, clip: &GeneratedClip) -> Result<Vec<u8>, ProviderError>;
}

// ---------------------------------------------------------------- video

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VideoQuery {
    pub keywords: Vec<String>,
    pub min_duration_s: f64,
    pub per_page: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VideoCandidate {
    pub source: String,
    pub clip_id: String,
    pub creator: String,
    pub page_url: String,
    pub download_url: Option<String>,
    pub tags: Vec<String>,
    pub duration_s: f64,
    pub width: u32,
    pub height: u32,
    pub fps: f64,
}

/// Stock video search (Pexels, Pixabay, the bundled catalog).
#[async_trait]
pub trait VideoSource: Send + Sync {
    fn name(&self) -> &str;
    async fn search(&self, query: &VideoQuery) -> Result<Vec<VideoCandidate>, ProviderError>;
}

// ---------------------------------------------------------------- LLM

/// Every kind of text the pipeline asks a language model for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PromptKind {
    Persona,
    MusicPrompt,
    Lyrics,
    Reflection,
}

impl PromptKind {
    pub fn as_str(self) -> &'static str {
        match self {
            PromptKind::Persona => "persona",
            PromptKind::MusicPrompt => "music_prompt",
            PromptKind::Lyrics => "lyrics",
            PromptKind::Reflection => "reflection",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LlmRequest {
    pub kind: PromptKind,
    pub system: String,
    pub prompt: String,
    /// The structured inputs the prompt was written from (template
    /// generators use these instead of the prose).
    pub context: serde_json::Value,
    /// JSON Schema the answer must satisfy.
    pub schema: serde_json::Value,
    pub model: Option<String>,
    pub temperature: f64,
    pub max_tokens: Option<u32>,
    pub seed: u64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct LlmResponse {
    pub value: serde_json::Value,
    pub record: LlmCallRecord,
}

/// A language model that answers with JSON.
#[async_trait]
pub trait LanguageModel: Send + Sync {
    fn provider(&self) -> &str;
    async fn complete(&self, request: &LlmRequest) -> Result<LlmResponse, ProviderError>;
}

// ---------------------------------------------------------------- cover art

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CoverRequest {
    pub title: String,
    pub artist_name: String,
    pub genre: String,
    pub palette: Vec<[u8; 3]>,
    pub prompt: String,
    pub seed: u64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct GeneratedImage {
    pub bytes: Vec<u8>,
    pub content_type: String,
    pub width: u32,
    pub height: u32,
    pub generator: String,
}

#[async_trait]
pub trait CoverArtist: Send + Sync {
    fn name(&self) -> &str;
    async fn render(&self, request: &CoverRequest) -> Result<GeneratedImage, ProviderError>;
}

// ---------------------------------------------------------------- approval

/// What a reviewer sees.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ApprovalPreview {
    pub approval_id: String,
    pub run_id: RunId,
    pub artist_id: ArtistId,
    pub artist_name: String,
    pub title: String,
    pub genre: String,
    pub bpm: Option<f64>,
    pub key: Option<String>,
    pub duration_s: f64,
    pub loudness_lufs: Option<f64>,
    pub structure: String,
    pub audio_url: String,
    pub video: Option<String>,
    pub ab_variant: Option<String>,
    pub expires_at: chrono::DateTime<chrono::Utc>,
}

/// A decision arriving from a reviewer (button, prompt, policy, timeout).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IncomingDecision {
    pub approval_id: String,
    pub decision: Decision,
    pub method: DecisionMethod,
    pub decided_by: String,
    pub note: Option<String>,
}

/// Sends approval requests (Telegram message with buttons, a terminal prompt).
#[async_trait]
pub trait ApprovalChannel: Send + Sync {
    fn name(&self) -> &str;
    /// Returns the channel's message reference.
    async fn send_request(&self, preview: &ApprovalPreview) -> Result<String, ProviderError>;
}

/// A pull source of decisions (terminal prompt, long polling, a policy).
/// Push sources (the webhook) call the apply-decision stage directly; both
/// end in the same conditional write.
#[async_trait]
pub trait DecisionSource: Send + Sync {
    /// `None` when no decision arrived within `wait`.
    async fn next_decision(
        &self,
        preview: &ApprovalPreview,
        wait: Duration,
    ) -> Result<Option<IncomingDecision>, ProviderError>;
}

// ---------------------------------------------------------------- distribution

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeliveryReceipt {
    pub external_id: Option<String>,
    /// Where it went (a folder, a URL, an outbox key).
    pub location: String,
}

/// A distribution target. `deliver` must be idempotent per release: a
/// redelivered message must not publish twice.
#[async_trait]
pub trait Distributor: Send + Sync {
    fn platform(&self) -> &str;
    async fn deliver(
        &self,
        release: &ReleaseRecord,
        manifest: &Manifest,
        assets: &dyn AssetStore,
    ) -> Result<DeliveryReceipt, ProviderError>;
}

// ---------------------------------------------------------------- health

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HealthReport {
    pub name: String,
    pub healthy: bool,
    /// A critical dependency that is down skips the batch.
    pub critical: bool,
    pub detail: String,
}

//! Generation parameters: what adapt-params decided for one run and what the
//! music, video and cover providers are asked for.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::music::MusicalKey;

/// The A/B prompt variant used by a run (the original's `ab_test_info`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct AbVariantUsed {
    pub variant_id: String,
    pub template: String,
    /// The Thompson sample that picked it.
    pub sampled_score: f64,
}

/// How well the artist fitted the trend it was adapted to.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct TrendFit {
    pub segment: String,
    pub compatibility: f64,
}

/// One call to a language model, as recorded on the run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct LlmCallRecord {
    /// persona, music_prompt, lyrics, reflection, …
    pub purpose: String,
    pub provider: String,
    pub model: String,
    pub latency_ms: u64,
    pub tokens_in: Option<u32>,
    pub tokens_out: Option<u32>,
    pub attempts: u32,
    /// True when the output was invalid and a fallback was used instead.
    pub fell_back: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct GenerationParams {
    pub title: String,
    pub music_prompt: String,
    pub music_style: String,
    pub lyrics: Option<String>,
    pub video_keywords: Vec<String>,
    pub cover_prompt: String,
    pub genre: String,
    pub tempo_bpm: f64,
    pub key: MusicalKey,
    pub energy: f64,
    pub duration_s: f64,
    pub instrumental: bool,
    pub seed: u64,
    pub ab_variant: Option<AbVariantUsed>,
    pub trend: Option<TrendFit>,
    pub llm_calls: Vec<LlmCallRecord>,
}

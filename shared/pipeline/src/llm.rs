//! Typed generation over a chain of language models.
//!
//! Every text the pipeline asks for has a Rust type with a JSON Schema
//! (schemars) and a validation rule. [`generate`] asks each model of the
//! chain in order; an answer that does not parse or validate gets one repair
//! round (the model is told what was wrong), then the next model is tried.
//! The offline template model at the end of the default chain always answers.

use std::time::Instant;

use schemars::{JsonSchema, schema_for};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use noktvrn_domain::music::MusicalKey;
use noktvrn_domain::params::LlmCallRecord;

use crate::error::{ProviderError, StageError};
use crate::ports::{LanguageModel, LlmRequest, PromptKind};

/// An answer type: its kind, schema (derived) and validation.
pub trait LlmOutput: DeserializeOwned + Serialize + JsonSchema {
    const KIND: PromptKind;
    fn validate(&self) -> Result<(), String>;
}

fn non_empty(field: &str, s: &str, max: usize) -> Result<(), String> {
    let n = s.trim().chars().count();
    if n == 0 {
        return Err(format!("{field} must not be empty"));
    }
    if n > max {
        return Err(format!("{field} must have at most {max} characters"));
    }
    Ok(())
}

fn list(field: &str, v: &[String], min: usize, max: usize) -> Result<(), String> {
    if v.len() < min || v.len() > max {
        return Err(format!("{field} must have {min} to {max} entries"));
    }
    for s in v {
        non_empty(field, s, 80)?;
    }
    Ok(())
}

/// A new artist's persona.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PersonaOut {
    pub name: String,
    pub genre: String,
    pub style_notes: String,
    pub persona_summary: String,
    pub secondary_genres: Vec<String>,
    pub visual_style_keywords: Vec<String>,
    pub target_audience: String,
    pub backstory: String,
    pub influences: Vec<String>,
    pub themes_and_topics: Vec<String>,
    pub initial_mood_tags: Vec<String>,
    /// `#rrggbb` colours.
    pub color_palette: Vec<String>,
    pub tempo_bpm: f64,
    pub energy: f64,
    pub preferred_keys: Vec<MusicalKey>,
}

impl LlmOutput for PersonaOut {
    const KIND: PromptKind = PromptKind::Persona;
    fn validate(&self) -> Result<(), String> {
        non_empty("name", &self.name, 80)?;
        non_empty("genre", &self.genre, 60)?;
        non_empty("persona_summary", &self.persona_summary, 1000)?;
        non_empty("target_audience", &self.target_audience, 200)?;
        list("visual_style_keywords", &self.visual_style_keywords, 1, 20)?;
        list("themes_and_topics", &self.themes_and_topics, 1, 20)?;
        if self.color_palette.is_empty()
            || self
                .color_palette
                .iter()
                .any(|c| noktvrn_domain::artist::parse_hex_colour(c).is_none())
        {
            return Err("color_palette must hold #rrggbb colours".into());
        }
        if !(60.0..=190.0).contains(&self.tempo_bpm) {
            return Err("tempo_bpm must be between 60 and 190".into());
        }
        if !(0.0..=1.0).contains(&self.energy) {
            return Err("energy must be between 0 and 1".into());
        }
        if self.preferred_keys.is_empty() {
            return Err("preferred_keys must name at least one key".into());
        }
        Ok(())
    }
}

/// The prompt and style for the music provider, plus video and cover cues.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct MusicPromptOut {
    pub title: String,
    pub music_prompt: String,
    pub music_style: String,
    pub video_keywords: Vec<String>,
    pub cover_prompt: String,
}

impl LlmOutput for MusicPromptOut {
    const KIND: PromptKind = PromptKind::MusicPrompt;
    fn validate(&self) -> Result<(), String> {
        non_empty("title", &self.title, 100)?;
        non_empty("music_prompt", &self.music_prompt, 400)?;
        non_empty("music_style", &self.music_style, 200)?;
        non_empty("cover_prompt", &self.cover_prompt, 400)?;
        list("video_keywords", &self.video_keywords, 1, 10)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct LyricsOut {
    pub lyrics: String,
}

impl LlmOutput for LyricsOut {
    const KIND: PromptKind = PromptKind::Lyrics;
    fn validate(&self) -> Result<(), String> {
        non_empty("lyrics", &self.lyrics, 3000)?;
        if self.lyrics.lines().filter(|l| !l.trim().is_empty()).count() < 4 {
            return Err("lyrics must have at least four lines".into());
        }
        Ok(())
    }
}

/// Subtle changes proposed after a run (the original's reflection).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ReflectionOut {
    /// The complete new style notes.
    pub style_notes: String,
    /// New LLM temperature, 0..2.
    pub temperature: f64,
    pub summary: String,
}

impl LlmOutput for ReflectionOut {
    const KIND: PromptKind = PromptKind::Reflection;
    fn validate(&self) -> Result<(), String> {
        non_empty("style_notes", &self.style_notes, 2000)?;
        non_empty("summary", &self.summary, 500)?;
        if !(0.0..=2.0).contains(&self.temperature) {
            return Err("temperature must be between 0 and 2".into());
        }
        Ok(())
    }
}

/// The schema handed to the model for `T`.
pub fn schema_of<T: JsonSchema>() -> serde_json::Value {
    serde_json::to_value(schema_for!(T)).unwrap_or(serde_json::Value::Null)
}

/// Builds a request for `T` with its schema.
pub fn request<T: LlmOutput>(
    system: impl Into<String>,
    prompt: impl Into<String>,
    context: serde_json::Value,
    temperature: f64,
    seed: u64,
) -> LlmRequest {
    LlmRequest {
        kind: T::KIND,
        system: system.into(),
        prompt: prompt.into(),
        context,
        schema: schema_of::<T>(),
        model: None,
        temperature,
        max_tokens: Some(800),
        seed,
    }
}

fn parse<T: LlmOutput>(value: serde_json::Value) -> Result<T, String> {
    let t: T =
        serde_json::from_value(value).map_err(|e| format!("does not match the schema: {e}"))?;
    t.validate()?;
    Ok(t)
}

/// Asks the chain in order; see the module docs.
pub async fn generate<T: LlmOutput>(
    chain: &[&dyn LanguageModel],
    base: &LlmRequest,
) -> Result<(T, Vec<LlmCallRecord>), StageError> {
    let mut records = Vec::new();
    let mut last_err: Option<ProviderError> = None;
    for (i, model) in chain.iter().enumerate() {
        let mut req = base.clone();
        for round in 0..2 {
            let started = Instant::now();
            match model.complete(&req).await {
                Ok(resp) => {
                    let mut rec = resp.record.clone();
                    rec.purpose = T::KIND.as_str().into();
                    rec.fell_back = i > 0;
                    records.push(rec);
                    match parse::<T>(resp.value) {
                        Ok(t) => return Ok((t, records)),
                        Err(problem) => {
                            tracing::warn!(provider = model.provider(), kind = T::KIND.as_str(), round, problem = %problem, "invalid LLM output");
                            last_err = Some(ProviderError::InvalidResponse {
                                provider: model.provider().to_string(),
                                message: problem.clone(),
                            });
                            req.prompt = format!(
                                "{}\n\nYour previous answer was invalid: {problem}. Answer again with JSON that matches the schema exactly.",
                                base.prompt
                            );
                        }
                    }
                }
                Err(e) => {
                    tracing::warn!(provider = model.provider(), kind = T::KIND.as_str(), error = %e, elapsed_ms = started.elapsed().as_millis() as u64, "LLM call failed; trying the next model");
                    last_err = Some(e);
                    break;
                }
            }
        }
    }
    Err(last_err
        .map(StageError::from)
        .unwrap_or_else(|| StageError::Internal("no language model configured".into())))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ports::LlmResponse;
    use async_trait::async_trait;
    use std::sync::Mutex;

    struct Scripted {
        name: &'static str,
        answers: Mutex<Vec<Result<serde_json::Value, ProviderError>>>,
    }

    #[async_trait]
    impl LanguageModel for Scripted {
        fn provider(&self) -> &str {
            self.name
        }
        async fn complete(&self, _r: &LlmRequest) -> Result<LlmResponse, ProviderError> {
            let next = self.answers.lock().unwrap().remove(0);
            next.map(|value| LlmResponse {
                value,
                record: LlmCallRecord {
                    purpose: String::new(),
                    provider: self.name.into(),
                    model: "m".into(),
                    latency_ms: 1,
                    tokens_in: None,
                    tokens_out: None,
                    attempts: 1,
                    fell_back: false,
                },
            })
        }
    }

    fn good() -> serde_json::Value {
        serde_json::json!({"lyrics": "a\nb\nc\nd"})
    }

    #[tokio::test]
    async fn an_invalid_answer_gets_one_repair_round() {
        let m = Scripted {
            name: "p",
            answers: Mutex::new(vec![Ok(serde_json::json!({"lyrics": "x"})), Ok(good())]),
        };
        let req = request::<LyricsOut>("s", "p", serde_json::Value::Null, 0.5, 1);
        let (out, recs) = generate::<LyricsOut>(&[&m], &req).await.unwrap();
        assert_eq!(out.lyrics, "a\nb\nc\nd");
        assert_eq!(recs.len(), 2);
    }

    #[tokio::test]
    async fn the_chain_falls_back_after_errors_and_two_invalid_answers() {
        let down = Scripted {
            name: "down",
            answers: Mutex::new(vec![Err(ProviderError::Unavailable {
                provider: "down".into(),
                message: "503".into(),
                source: None,
            })]),
        };
        let bad = Scripted {
            name: "bad",
            answers: Mutex::new(vec![
                Ok(serde_json::json!({})),
                Ok(serde_json::json!({"x":1})),
            ]),
        };
        let ok = Scripted {
            name: "ok",
            answers: Mutex::new(vec![Ok(good())]),
        };
        let req = request::<LyricsOut>("s", "p", serde_json::Value::Null, 0.5, 1);
        let (_, recs) = generate::<LyricsOut>(&[&down, &bad, &ok], &req)
            .await
            .unwrap();
        assert_eq!(recs.last().unwrap().provider, "ok");
        assert!(recs.last().unwrap().fell_back);
    }

    #[tokio::test]
    async fn when_every_model_fails_the_last_error_is_returned() {
        let bad = Scripted {
            name: "bad",
            answers: Mutex::new(vec![Ok(serde_json::json!({})), Ok(serde_json::json!({}))]),
        };
        let req = request::<LyricsOut>("s", "p", serde_json::Value::Null, 0.5, 1);
        let err = generate::<LyricsOut>(&[&bad], &req).await.unwrap_err();
        assert_eq!(err.error_name(), "Retryable.Provider");
    }
}

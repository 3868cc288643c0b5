//! adapt-params: trend compatibility → one bounded evolution step → the
//! generation parameters (tempo, key, energy, duration, seed), an A/B prompt
//! variant by Thompson sampling, and the prompts (music prompt and style,
//! video keywords, cover prompt, lyrics) from the language model chain.

use std::time::Instant;

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rand_distr::{Beta, Distribution};

use noktvrn_domain::SCHEMA_VERSION;
use noktvrn_domain::artist::{AbTestState, Artist};
use noktvrn_domain::ids::RunId;
use noktvrn_domain::params::{AbVariantUsed, GenerationParams, TrendFit};
use noktvrn_domain::release::PromptsUsed;
use noktvrn_domain::run::{RunStatus, StageName};
use noktvrn_domain::trend::{EvolutionEntry, EvolutionKind, evolution_step};

use super::{Change, load_artist, load_run, mutate_artist, mutate_run, seed_of};
use crate::error::StageError;
use crate::llm::{self, LyricsOut, MusicPromptOut};
use crate::ports::{ArtistStore, Clock, LanguageModel, RunStore, TrendStore};

pub struct AdaptPorts<'a> {
    pub artists: &'a dyn ArtistStore,
    pub runs: &'a dyn RunStore,
    pub trends: &'a dyn TrendStore,
    pub llm: &'a [&'a dyn LanguageModel],
    pub clock: &'a dyn Clock,
}

/// Thompson sampling over the variants' Beta(1 + approvals, 1 + rejections).
pub fn choose_variant(ab: &AbTestState, rng: &mut impl Rng) -> Option<AbVariantUsed> {
    if !ab.enabled {
        return None;
    }
    let mut best: Option<AbVariantUsed> = None;
    for v in &ab.variants {
        let a = 1.0 + f64::from(v.approvals);
        let b = 1.0 + f64::from(v.trials.saturating_sub(v.approvals));
        let sample = Beta::new(a, b).map(|d| d.sample(rng)).unwrap_or(0.0);
        if best.as_ref().is_none_or(|x| sample > x.sampled_score) {
            best = Some(AbVariantUsed {
                variant_id: v.variant_id.clone(),
                template: v.template.clone(),
                sampled_score: sample,
            });
        }
    }
    best
}

#[tracing::instrument(skip_all, fields(run_id = %run_id))]
pub async fn adapt_params(
    p: &AdaptPorts<'_>,
    run_id: &RunId,
) -> Result<GenerationParams, StageError> {
    let started = p.clock.now();
    let run = load_run(p.runs, run_id).await?;
    if run.status != RunStatus::Started {
        // Already adapted by an earlier attempt: hand back the same result.
        return match &run.params {
            Some(params) if run.status != RunStatus::Failed => Ok(params.clone()),
            _ => Err(StageError::illegal_state(&run, "adapt-params", "started")),
        };
    }
    let mut artist = load_artist(p.artists, &run.artist_id).await?;
    let seed = seed_of(run_id.as_str());
    let mut rng = ChaCha8Rng::seed_from_u64(seed);

    // Trend → bounded evolution step, logged, written conditionally.
    let trend = p
        .trends
        .latest(&artist.persona.market, &artist.genre)
        .await?;
    let mut trend_fit = None;
    if let Some(trend) = &trend {
        let mut evolved = artist.clone();
        let (compat, changes) = evolution_step(&mut evolved, trend);
        trend_fit = Some(TrendFit {
            segment: trend.segment.key(),
            compatibility: compat,
        });
        // One step per run: the step is keyed on the run in the progression
        // log, written before the artist, so a retry (say after an LLM
        // failure below) finds it and never applies a second step. A crash
        // between the two writes loses one small step; it never doubles one.
        let already = p
            .artists
            .evolution_log(&artist.artist_id, 50)
            .await?
            .iter()
            .any(|e| e.run_id.as_ref() == Some(run_id) && e.kind == EvolutionKind::TrendAdaptation);
        if !changes.is_empty() && !already {
            p.artists
                .append_evolution(&EvolutionEntry {
                    schema_version: SCHEMA_VERSION,
                    artist_id: artist.artist_id.clone(),
                    at: p.clock.now(),
                    run_id: Some(run_id.clone()),
                    kind: EvolutionKind::TrendAdaptation,
                    changes,
                    reason: format!(
                        "trend {} compatibility {:.2}, adaptability {:.2}",
                        trend.segment.key(),
                        compat,
                        artist.evolution.trend_adaptability
                    ),
                })
                .await?;
            let new_sound = evolved.sound.clone();
            artist = mutate_artist(p.artists, &artist.artist_id, |a| {
                a.sound.tempo_bpm = new_sound.tempo_bpm;
                a.sound.energy = new_sound.energy;
                Ok(Change::Write)
            })
            .await?;
        }
    }

    let variant = choose_variant(&artist.ab_test, &mut rng);
    let keys = &artist.sound.preferred_keys;
    if keys.is_empty() {
        return Err(StageError::InvalidInput(format!(
            "artist {} has no preferred keys",
            artist.artist_id
        )));
    }
    let key = keys[rng.random_range(0..keys.len())];
    // a little variety around the artist's centre, inside its anchor
    let tempo = (artist.sound.tempo_bpm * rng.random_range(0.97..1.03)).round();
    let energy = (artist.sound.energy + rng.random_range(-0.05..0.05)).clamp(0.0, 1.0);
    let duration = artist.sound.track_duration_s;

    let t0 = Instant::now();
    let context = prompt_context(&artist, variant.as_ref(), tempo, &key.to_string(), energy);
    let prefix = variant
        .as_ref()
        .map(|v| v.template.replace("{genre}", &artist.genre))
        .unwrap_or_else(|| format!("A {} track", artist.genre));
    let req = llm::request::<MusicPromptOut>(
        "You write prompts for a music generation model and cues for video and cover art. Answer with JSON only.",
        format!(
            "{prefix} by {name}. Style notes: {notes}. Persona: {persona}. Tempo {tempo} BPM, {key}, energy {energy:.2}. Themes: {themes}. Visual style: {visual}.",
            name = artist.name,
            notes = artist.style_notes,
            persona = artist.persona.persona_summary,
            themes = artist.persona.themes_and_topics.join(", "),
            visual = artist.persona.visual_style_keywords.join(", "),
        ),
        context.clone(),
        artist.llm_config.temperature,
        seed,
    );
    let (prompt, mut calls) = llm::generate::<MusicPromptOut>(p.llm, &req).await?;
    let lyrics_req = llm::request::<LyricsOut>(
        "You write song lyrics. Answer with JSON only.",
        format!(
            "Lyrics for \"{}\" by {}, a {} artist. Theme: {}. Style notes: {}. About {:.0} seconds at {} BPM.",
            prompt.title,
            artist.name,
            artist.genre,
            artist
                .persona
                .themes_and_topics
                .first()
                .map(String::as_str)
                .unwrap_or("night"),
            artist.style_notes,
            duration,
            tempo
        ),
        serde_json::json!({"title": prompt.title, "context": context}),
        artist.llm_config.temperature,
        seed ^ 0x5eed,
    );
    let (lyrics, lyric_calls) = llm::generate::<LyricsOut>(p.llm, &lyrics_req).await?;
    calls.extend(lyric_calls);
    tracing::debug!(
        elapsed_ms = t0.elapsed().as_millis() as u64,
        "prompts generated"
    );

    let params = GenerationParams {
        title: prompt.title.trim().to_string(),
        music_prompt: prompt.music_prompt,
        music_style: prompt.music_style,
        lyrics: Some(lyrics.lyrics),
        video_keywords: prompt.video_keywords,
        cover_prompt: prompt.cover_prompt,
        genre: artist.genre.clone(),
        tempo_bpm: tempo,
        key,
        energy,
        duration_s: duration,
        instrumental: artist.voice_url.is_none(),
        seed,
        ab_variant: variant,
        trend: trend_fit,
        llm_calls: calls,
    };
    let prompts = PromptsUsed {
        schema_version: SCHEMA_VERSION,
        generation_run_id: run_id.clone(),
        suno_prompt: params.music_prompt.clone(),
        suno_style: params.music_style.clone(),
        video_keywords: params.video_keywords.clone(),
        cover_prompt: params.cover_prompt.clone(),
        lyrics: params.lyrics.clone(),
        ab_variant_id: params.ab_variant.as_ref().map(|v| v.variant_id.clone()),
    };
    let ended = p.clock.now();
    let stored = mutate_run(p.runs, run_id, |r| {
        if r.status != RunStatus::Started {
            return Ok(Change::Skip);
        }
        r.params = Some(params.clone());
        r.prompts = Some(prompts.clone());
        r.transition(RunStatus::ParametersAdapted, ended)?;
        r.record_stage(StageName::AdaptParams, started, ended, None);
        Ok(Change::Write)
    })
    .await?;
    stored
        .params
        .ok_or_else(|| StageError::Internal("params missing after adapt".into()))
}

fn prompt_context(
    artist: &Artist,
    variant: Option<&AbVariantUsed>,
    tempo: f64,
    key: &str,
    energy: f64,
) -> serde_json::Value {
    serde_json::json!({
        "artist_name": artist.name,
        "genre": artist.genre,
        "style_notes": artist.style_notes,
        "persona_summary": artist.persona.persona_summary,
        "themes": artist.persona.themes_and_topics,
        "moods": artist.persona.initial_mood_tags,
        "visual_style_keywords": artist.persona.visual_style_keywords,
        "variant": variant.map(|v| v.variant_id.clone()),
        "variant_prefix": variant.map(|v| v.template.replace("{genre}", &artist.genre)),
        "tempo_bpm": tempo,
        "key": key,
        "energy": energy,
        "previous_runs": artist.performance_history.len(),
    })
}

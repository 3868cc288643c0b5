//! generate-track and poll-track: submit to the music provider, then poll
//! (the state machine waits between polls; the CLI sleeps). When the clips
//! are ready the first is copied into the asset store at once, because
//! provider URLs expire.

use serde::{Deserialize, Serialize};

use noktvrn_domain::ids::RunId;
use noktvrn_domain::release::keys;
use noktvrn_domain::run::{RunStatus, StageName, TrackRef, TrackTask};

use super::{Change, load_run, mutate_run};
use crate::error::{ProviderError, StageError};
use crate::ports::{AssetStore, Clock, MusicGenerator, RunStore, TrackRequest, TrackStatus};

/// Submits the track request; returns the provider task id. A second call
/// returns the task of the first.
#[tracing::instrument(skip_all, fields(run_id = %run_id))]
pub async fn submit_track(
    runs: &dyn RunStore,
    music: &dyn MusicGenerator,
    clock: &dyn Clock,
    run_id: &RunId,
) -> Result<String, StageError> {
    let started = clock.now();
    let run = load_run(runs, run_id).await?;
    if let Some(task) = &run.track_task {
        return Ok(task.task_id.clone());
    }
    if run.status != RunStatus::ParametersAdapted {
        return Err(StageError::illegal_state(
            &run,
            "generate-track",
            "parameters_adapted",
        ));
    }
    let params = run
        .params
        .as_ref()
        .ok_or_else(|| StageError::Internal("adapted run without params".into()))?;
    let request = TrackRequest {
        run_id: run_id.clone(),
        title: params.title.clone(),
        prompt: params.music_prompt.clone(),
        style: params.music_style.clone(),
        lyrics: params.lyrics.clone(),
        instrumental: params.instrumental,
        genre: params.genre.clone(),
        tempo_bpm: params.tempo_bpm,
        key: params.key,
        energy: params.energy,
        duration_s: params.duration_s,
        seed: params.seed,
    };
    let task_id = music.submit(&request).await?;
    let ended = clock.now();
    let provider = music.provider().to_string();
    let stored = mutate_run(runs, run_id, |r| {
        if r.track_task.is_some() {
            return Ok(Change::Skip);
        }
        r.track_task = Some(TrackTask {
            provider: provider.clone(),
            task_id: task_id.clone(),
            submitted_at: ended,
            polls: 0,
        });
        r.transition(RunStatus::TrackSubmitted, ended)?;
        r.record_stage(StageName::GenerateTrack, started, ended, None);
        Ok(Change::Write)
    })
    .await?;
    tracing::info!(task_id = %task_id, provider = %music.provider(), "track submitted");
    Ok(stored.track_task.map(|t| t.task_id).unwrap_or(task_id))
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum PollOutcome {
    /// Not ready; poll again after `wait_s`.
    Pending {
        polls: u32,
        wait_s: u64,
    },
    Ready {
        audio_key: String,
    },
}

/// Polls once. Ready → the audio is copied to `tracks/{run_id}/…`.
#[tracing::instrument(skip_all, fields(run_id = %run_id))]
pub async fn poll_track(
    runs: &dyn RunStore,
    music: &dyn MusicGenerator,
    assets: &dyn AssetStore,
    clock: &dyn Clock,
    run_id: &RunId,
) -> Result<PollOutcome, StageError> {
    let started = clock.now();
    let run = load_run(runs, run_id).await?;
    if let Some(track) = &run.track {
        return Ok(PollOutcome::Ready {
            audio_key: track.audio_key.clone(),
        });
    }
    if run.status != RunStatus::TrackSubmitted {
        return Err(StageError::illegal_state(
            &run,
            "poll-track",
            "track_submitted",
        ));
    }
    let task = run
        .track_task
        .clone()
        .ok_or_else(|| StageError::Internal("submitted run without a task".into()))?;
    match music.poll(&task.task_id).await? {
        TrackStatus::Pending => {
            let stored = mutate_run(runs, run_id, |r| {
                if let Some(t) = r.track_task.as_mut() {
                    t.polls += 1;
                }
                r.updated_at = clock.now();
                Ok(Change::Write)
            })
            .await?;
            let polls = stored.track_task.map(|t| t.polls).unwrap_or(0);
            // 10 s, 20 s, then 30 s between polls
            Ok(PollOutcome::Pending {
                polls,
                wait_s: u64::from(polls.clamp(1, 3)) * 10,
            })
        }
        TrackStatus::Failed { reason } => Err(ProviderError::JobFailed {
            provider: music.provider().to_string(),
            message: reason,
        }
        .into()),
        TrackStatus::Ready(clips) => {
            let clip = clips
                .into_iter()
                .next()
                .ok_or_else(|| ProviderError::InvalidResponse {
                    provider: music.provider().to_string(),
                    message: "ready without clips".into(),
                })?;
            let bytes = music.fetch_audio(&clip).await?;
            if bytes.is_empty() {
                return Err(ProviderError::InvalidResponse {
                    provider: music.provider().to_string(),
                    message: format!("clip {} has no audio", clip.clip_id),
                }
                .into());
            }
            let ext = extension_for(&clip.content_type);
            let key = keys::track_audio(run_id, &sanitize(&clip.clip_id), ext);
            let size = bytes.len() as u64;
            assets.put(&key, bytes, &clip.content_type).await?;
            let ended = clock.now();
            let track = TrackRef {
                provider: music.provider().to_string(),
                provider_task_id: task.task_id.clone(),
                clip_id: clip.clip_id.clone(),
                model_used: clip.model.clone(),
                audio_key: key.clone(),
                content_type: clip.content_type.clone(),
                size_bytes: size,
            };
            mutate_run(runs, run_id, |r| {
                if r.track.is_some() {
                    return Ok(Change::Skip);
                }
                r.track = Some(track.clone());
                r.transition(RunStatus::TrackGenerated, ended)?;
                r.record_stage(StageName::PollTrack, started, ended, None);
                Ok(Change::Write)
            })
            .await?;
            tracing::info!(audio_key = %key, size, "track stored");
            Ok(PollOutcome::Ready { audio_key: key })
        }
    }
}

fn extension_for(content_type: &str) -> &'static str {
    match content_type {
        "audio/wav" | "audio/x-wav" | "audio/wave" => "wav",
        "audio/mpeg" | "audio/mp3" => "mp3",
        "audio/flac" | "audio/x-flac" => "flac",
        "audio/ogg" => "ogg",
        "audio/mp4" | "audio/aac" | "audio/x-m4a" => "m4a",
        _ => "bin",
    }
}

/// Provider clip ids become part of a key: keep them URL-safe.
fn sanitize(id: &str) -> String {
    let s: String = id
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
        .take(64)
        .collect();
    if s.is_empty() { "clip".into() } else { s }
}

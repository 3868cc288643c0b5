//! analyze-audio: decode and analyse the stored track (tempo, key, loudness,
//! energy, structure); the full analysis is stored as
//! `tracks/{run_id}/analysis.json`, a summary on the run. Audio that cannot
//! be analysed fails the run as `generation_failed_track`.

use noktvrn_audio::{AnalysisOptions, analyze_bytes};
use noktvrn_domain::ids::RunId;
use noktvrn_domain::music::{Mode, MusicalKey, parse_tonic};
use noktvrn_domain::release::keys;
use noktvrn_domain::run::{AnalysisSummary, RunStatus, StageName};

use super::{Change, load_run, mutate_run};
use crate::error::StageError;
use crate::ports::{AssetStore, Clock, RunStore};

#[tracing::instrument(skip_all, fields(run_id = %run_id))]
pub async fn analyze_audio(
    runs: &dyn RunStore,
    assets: &dyn AssetStore,
    clock: &dyn Clock,
    run_id: &RunId,
) -> Result<AnalysisSummary, StageError> {
    let started = clock.now();
    let run = load_run(runs, run_id).await?;
    if let Some(a) = &run.analysis {
        return Ok(a.clone());
    }
    if run.status != RunStatus::TrackGenerated {
        return Err(StageError::illegal_state(
            &run,
            "analyze-audio",
            "track_generated",
        ));
    }
    let track = run
        .track
        .clone()
        .ok_or_else(|| StageError::Internal("generated run without a track".into()))?;
    let bytes = assets.get(&track.audio_key).await?;
    let ext = track.audio_key.rsplit('.').next().map(str::to_string);
    // CPU-bound: keep it off the async workers.
    let analysis = tokio::task::spawn_blocking(move || {
        analyze_bytes(&bytes, ext.as_deref(), &AnalysisOptions::default())
    })
    .await
    .map_err(|e| StageError::Internal(format!("analysis task failed: {e}")))??;

    let analysis_key = keys::track_analysis(run_id);
    let json = serde_json::to_vec_pretty(&analysis)
        .map_err(|e| StageError::Internal(format!("serialising analysis: {e}")))?;
    assets.put(&analysis_key, json, "application/json").await?;
    let key = match (&analysis.key.tonic, analysis.key.mode) {
        (Some(t), Some(m)) => parse_tonic(t).map(|pc| {
            MusicalKey::new(
                pc,
                match m {
                    noktvrn_audio::Mode::Major => Mode::Major,
                    noktvrn_audio::Mode::Minor => Mode::Minor,
                },
            )
        }),
        _ => None,
    };
    let summary = AnalysisSummary {
        analysis_key,
        duration_s: analysis.duration_s,
        bpm: analysis.tempo.bpm.map(|b| (b * 10.0).round() / 10.0),
        key,
        integrated_lufs: analysis.loudness.integrated_lufs,
        true_peak_dbtp: analysis.loudness.true_peak_dbtp,
        energy: Some(analysis.energy.score),
        structure_summary: analysis.structure.summary.clone(),
    };
    let ended = clock.now();
    let stored = mutate_run(runs, run_id, |r| {
        if r.analysis.is_some() {
            return Ok(Change::Skip);
        }
        r.analysis = Some(summary.clone());
        r.transition(RunStatus::Analyzed, ended)?;
        r.record_stage(StageName::AnalyzeAudio, started, ended, None);
        Ok(Change::Write)
    })
    .await?;
    tracing::info!(bpm = ?summary.bpm, key = ?summary.key.map(|k| k.to_string()), lufs = ?summary.integrated_lufs, "track analysed");
    stored
        .analysis
        .ok_or_else(|| StageError::Internal("analysis missing after write".into()))
}

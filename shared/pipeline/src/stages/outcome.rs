//! record-outcome: what one finished run means for its artist — history,
//! rejection streak and retirement, A/B variant counts, and a reflection
//! (subtle, bounded changes to style notes and temperature proposed by the
//! language model) — applied exactly once per run (`outcome_recorded_at`).
//! Also `fail_run`, which ends a run as failed with the reason.

use noktvrn_domain::SCHEMA_VERSION;
use noktvrn_domain::ids::RunId;
use noktvrn_domain::lifecycle::{LifecycleThresholds, apply_outcome};
use noktvrn_domain::run::{Run, RunOutcome, StageName};
use noktvrn_domain::trend::{EvolutionEntry, EvolutionKind, FieldChange};

use super::{Change, load_artist, load_run, mutate_artist, mutate_run};
use crate::error::StageError;
use crate::llm::{self, ReflectionOut};
use crate::ports::{ArtistStore, Clock, LanguageModel, RunStore};

pub struct OutcomePorts<'a> {
    pub runs: &'a dyn RunStore,
    pub artists: &'a dyn ArtistStore,
    pub llm: &'a [&'a dyn LanguageModel],
    pub clock: &'a dyn Clock,
}

/// Ends a non-terminal run as failed. Returns false when it was already
/// terminal (nothing changed).
pub async fn fail_run(
    runs: &dyn RunStore,
    clock: &dyn Clock,
    run_id: &RunId,
    stage: Option<StageName>,
    error_name: &str,
    message: &str,
) -> Result<bool, StageError> {
    let now = clock.now();
    let mut changed = false;
    mutate_run(runs, run_id, |r| {
        changed = false;
        if r.status.is_terminal() {
            return Ok(Change::Skip);
        }
        if let Some(s) = stage {
            let started = r.updated_at;
            r.record_stage(s, started, now, Some(format!("{error_name}: {message}")));
        }
        r.fail(stage, error_name, message, now)?;
        changed = true;
        Ok(Change::Write)
    })
    .await?;
    if changed {
        tracing::warn!(run_id = %run_id, stage = ?stage.map(|s| s.as_str()), error = error_name, message, "run failed");
    }
    Ok(changed)
}

/// Largest change of temperature one reflection may make.
const MAX_TEMPERATURE_STEP: f64 = 0.1;

#[tracing::instrument(skip_all, fields(run_id = %run_id))]
pub async fn record_outcome(
    p: &OutcomePorts<'_>,
    thresholds: &LifecycleThresholds,
    run_id: &RunId,
) -> Result<Option<RunOutcome>, StageError> {
    let run = load_run(p.runs, run_id).await?;
    if run.outcome_recorded_at.is_some() {
        return Ok(run.outcome);
    }
    let outcome = match (run.status.is_terminal(), run.outcome) {
        (true, Some(o)) => o,
        _ => {
            return Err(StageError::illegal_state(
                &run,
                "record-outcome",
                "a finished run (completed, rejected, expired or failed)",
            ));
        }
    };
    let now = p.clock.now();
    let at = run.updated_at;

    // Reflection: only on a judged run; bounded; a failure here never
    // loses the outcome (logged and skipped).
    let reflection = if matches!(outcome, RunOutcome::Approved | RunOutcome::Rejected) {
        reflect(p, &run, outcome).await
    } else {
        None
    };

    let variant = run
        .params
        .as_ref()
        .and_then(|pr| pr.ab_variant.as_ref().map(|v| v.variant_id.clone()));
    let mut status_change = None;
    let mut reflection_changes = vec![];
    let artist = mutate_artist(p.artists, &run.artist_id, |a| {
        if a.performance_history.iter().any(|h| h.run_id == *run_id) {
            return Ok(Change::Skip);
        }
        status_change = apply_outcome(a, run_id, outcome, at, thresholds);
        if let Some(vid) = &variant
            && let Some(v) = a.ab_test.variants.iter_mut().find(|v| &v.variant_id == vid)
        {
            match outcome {
                RunOutcome::Approved => {
                    v.trials += 1;
                    v.approvals += 1;
                }
                RunOutcome::Rejected => v.trials += 1,
                _ => {}
            }
        }
        reflection_changes.clear();
        if let Some(r) = &reflection {
            let sensitivity = a.evolution.feedback_sensitivity;
            let step = ((r.temperature - a.llm_config.temperature) * sensitivity)
                .clamp(-MAX_TEMPERATURE_STEP, MAX_TEMPERATURE_STEP);
            let t = ((a.llm_config.temperature + step) * 100.0).round() / 100.0;
            if (t - a.llm_config.temperature).abs() >= 0.01 {
                reflection_changes.push(FieldChange {
                    field: "llm_config.temperature".into(),
                    from: a.llm_config.temperature.into(),
                    to: t.into(),
                });
                a.llm_config.temperature = t.clamp(0.0, 2.0);
            }
            if r.style_notes.trim() != a.style_notes.trim() && sensitivity > 0.0 {
                reflection_changes.push(FieldChange {
                    field: "style_notes".into(),
                    from: a.style_notes.clone().into(),
                    to: r.style_notes.clone().into(),
                });
                a.style_notes = r.style_notes.trim().to_string();
            }
        }
        a.validate()?;
        Ok(Change::Write)
    })
    .await?;
    if !reflection_changes.is_empty() {
        p.artists
            .append_evolution(&EvolutionEntry {
                schema_version: SCHEMA_VERSION,
                artist_id: artist.artist_id.clone(),
                at: now,
                run_id: Some(run_id.clone()),
                kind: EvolutionKind::Reflection,
                changes: reflection_changes,
                reason: reflection.map(|r| r.summary).unwrap_or_default(),
            })
            .await?;
    }
    if let Some((from, to)) = status_change {
        p.artists
            .append_evolution(&EvolutionEntry {
                schema_version: SCHEMA_VERSION,
                artist_id: artist.artist_id.clone(),
                at: now,
                run_id: Some(run_id.clone()),
                kind: EvolutionKind::Lifecycle,
                changes: vec![FieldChange {
                    field: "status".into(),
                    from: serde_json::to_value(from).unwrap_or_default(),
                    to: serde_json::to_value(to).unwrap_or_default(),
                }],
                reason: format!("{} consecutive rejections", artist.consecutive_rejections),
            })
            .await?;
    }
    mutate_run(p.runs, run_id, |r| {
        if r.outcome_recorded_at.is_some() {
            return Ok(Change::Skip);
        }
        r.outcome_recorded_at = Some(now);
        r.record_stage(StageName::RecordOutcome, now, p.clock.now(), None);
        Ok(Change::Write)
    })
    .await?;
    tracing::info!(artist_id = %artist.artist_id, outcome = ?outcome, status = %artist.status, streak = artist.consecutive_rejections, "outcome recorded");
    Ok(Some(outcome))
}

async fn reflect(p: &OutcomePorts<'_>, run: &Run, outcome: RunOutcome) -> Option<ReflectionOut> {
    let artist = load_artist(p.artists, &run.artist_id).await.ok()?;
    let title = run
        .params
        .as_ref()
        .map(|x| x.title.clone())
        .unwrap_or_default();
    let req = llm::request::<ReflectionOut>(
        "You guide a virtual artist's evolution with small, careful changes. Answer with JSON only.",
        format!(
            "{name}'s track \"{title}\" was {outcome:?}. Current style notes: {notes}. Current temperature {t}. Recent outcomes: {hist}. Propose subtle updated style notes and temperature.",
            name = artist.name,
            notes = artist.style_notes,
            t = artist.llm_config.temperature,
            hist = artist
                .performance_history
                .iter()
                .rev()
                .take(5)
                .map(|h| format!("{:?}", h.outcome))
                .collect::<Vec<_>>()
                .join(", "),
        ),
        serde_json::json!({
            "artist_name": artist.name,
            "style_notes": artist.style_notes,
            "temperature": artist.llm_config.temperature,
            "outcome": outcome,
            "title": title,
            "bpm": run.analysis.as_ref().and_then(|a| a.bpm),
            "energy": run.analysis.as_ref().and_then(|a| a.energy),
            "genre": artist.genre,
        }),
        0.6,
        super::seed_of(run.run_id.as_str()) ^ 0xf00d,
    );
    match llm::generate::<ReflectionOut>(p.llm, &req).await {
        Ok((r, _)) => Some(r),
        Err(e) => {
            tracing::warn!(run_id = %run.run_id, error = %e, "reflection skipped");
            None
        }
    }
}

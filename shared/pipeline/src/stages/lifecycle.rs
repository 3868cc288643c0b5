//! lifecycle-evaluate: the periodic judgement of every artist (rules 0–7 of
//! the domain's lifecycle), applied with conditional writes and logged in
//! the progression log. Rule 5 evolves the artist toward its market's trend
//! with a stronger (still bounded) step: Active when that is possible,
//! Paused when there is nothing to evolve toward.

use serde::{Deserialize, Serialize};

use noktvrn_domain::SCHEMA_VERSION;
use noktvrn_domain::artist::LifecycleStatus;
use noktvrn_domain::ids::ArtistId;
use noktvrn_domain::lifecycle::{
    LifecycleDecision, LifecycleMetrics, LifecycleThresholds, evaluate,
};
use noktvrn_domain::trend::{EvolutionEntry, EvolutionKind, FieldChange, evolution_step};

use super::{Change, mutate_artist};
use crate::error::StageError;
use crate::ports::{ArtistStore, Clock, RunStore, TrendStore};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LifecycleChange {
    pub artist_id: ArtistId,
    pub rule: u8,
    pub from: LifecycleStatus,
    pub to: LifecycleStatus,
    pub reason: String,
    pub metrics: LifecycleMetrics,
}

#[tracing::instrument(skip_all)]
pub async fn lifecycle_evaluate(
    artists: &dyn ArtistStore,
    runs: &dyn RunStore,
    trends: &dyn TrendStore,
    clock: &dyn Clock,
    thresholds: &LifecycleThresholds,
) -> Result<Vec<LifecycleChange>, StageError> {
    let now = clock.now();
    let mut changes = vec![];
    for artist in artists.list().await? {
        let history: Vec<_> = runs
            .list_by_artist(&artist.artist_id, 1000)
            .await?
            .into_iter()
            .filter(|r| r.status.is_terminal())
            .filter_map(|r| r.outcome.map(|o| (r.updated_at, o)))
            .collect();
        let metrics = LifecycleMetrics::compute(&artist, &history, now, thresholds);
        let decision = evaluate(
            artist.status,
            artist.consecutive_rejections,
            &metrics,
            thresholds,
        );
        let (to, reason, evolve) = match &decision {
            LifecycleDecision::NoChange { .. } => continue,
            LifecycleDecision::SetStatus { to, reason, .. } => (*to, reason.clone(), false),
            LifecycleDecision::Evolve { reason, .. } => {
                (LifecycleStatus::Active, reason.clone(), true)
            }
        };
        let trend = if evolve {
            trends.latest(&artist.persona.market, &artist.genre).await?
        } else {
            None
        };
        let mut field_changes = vec![];
        let mut final_status = to;
        let mut final_reason = reason.clone();
        let stored = mutate_artist(artists, &artist.artist_id, |a| {
            field_changes.clear();
            final_status = to;
            final_reason = reason.clone();
            if evolve {
                match &trend {
                    Some(t) => {
                        let adapt = a.evolution.trend_adaptability;
                        a.evolution.trend_adaptability = adapt.max(0.8);
                        let (_, c) = evolution_step(a, t);
                        a.evolution.trend_adaptability = adapt;
                        field_changes = c;
                        // fresh A/B evidence for the new sound
                        for v in &mut a.ab_test.variants {
                            v.trials = 0;
                            v.approvals = 0;
                        }
                    }
                    None => {
                        final_status = LifecycleStatus::Paused;
                        final_reason = format!("{reason}; no trend to evolve toward");
                    }
                }
            }
            if a.status == final_status && field_changes.is_empty() {
                return Ok(Change::Skip);
            }
            a.status = final_status;
            Ok(Change::Write)
        })
        .await?;
        let from = artist.status;
        field_changes.push(FieldChange {
            field: "status".into(),
            from: serde_json::to_value(from).unwrap_or_default(),
            to: serde_json::to_value(stored.status).unwrap_or_default(),
        });
        artists
            .append_evolution(&EvolutionEntry {
                schema_version: SCHEMA_VERSION,
                artist_id: artist.artist_id.clone(),
                at: now,
                run_id: None,
                kind: EvolutionKind::Lifecycle,
                changes: field_changes.clone(),
                reason: format!("rule {}: {}", decision.rule(), final_reason),
            })
            .await?;
        tracing::info!(artist_id = %artist.artist_id, rule = decision.rule(), from = %from, to = %stored.status, reason = %final_reason, "lifecycle change");
        changes.push(LifecycleChange {
            artist_id: artist.artist_id.clone(),
            rule: decision.rule(),
            from,
            to: stored.status,
            reason: final_reason,
            metrics,
        });
    }
    Ok(changes)
}

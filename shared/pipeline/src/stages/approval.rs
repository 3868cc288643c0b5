//! request-approval and apply-decision.
//!
//! request-approval puts the run in `pending_approval`, stores a short
//! approval id (and the Step Functions task token, server-side) and sends the
//! preview. Autopilot artists are approved at once, recorded as `autopilot`.
//!
//! apply-decision is the one place a decision lands, whatever its source
//! (Telegram webhook, long polling, terminal prompt, policy, timeout): a
//! conditional write that only a pending run accepts, so a duplicate or late
//! decision changes nothing and reports `applied: false`.

use std::time::Duration;

use serde::{Deserialize, Serialize};

use noktvrn_domain::ids::RunId;
use noktvrn_domain::run::{
    ApprovalRecord, ApprovalRequestRef, Decision, DecisionMethod, RunStatus, StageName,
};

use super::{Change, load_artist, load_run, mutate_run};
use crate::error::{StageError, StoreError};
use crate::ports::{
    ApprovalChannel, ApprovalPreview, ApprovalTicket, ArtistStore, AssetStore, Clock,
    IncomingDecision, RunStore,
};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum ApprovalState {
    /// Decided without waiting (autopilot), or already decided earlier.
    Decided {
        decision: Decision,
        method: DecisionMethod,
    },
    /// Waiting for a decision on `approval_id`.
    Pending { preview: Box<ApprovalPreview> },
}

/// A short, URL-safe approval id (fits Telegram's 64-byte callback data).
fn approval_id(ulid: ulid::Ulid) -> String {
    let s = ulid.to_string().to_ascii_lowercase();
    s[s.len() - 12..].to_string()
}

#[allow(clippy::too_many_arguments)]
#[tracing::instrument(skip_all, fields(run_id = %run_id))]
pub async fn request_approval(
    runs: &dyn RunStore,
    artists: &dyn ArtistStore,
    assets: &dyn AssetStore,
    channel: &dyn ApprovalChannel,
    clock: &dyn Clock,
    run_id: &RunId,
    task_token: Option<&str>,
    timeout: Duration,
) -> Result<ApprovalState, StageError> {
    let started = clock.now();
    let run = load_run(runs, run_id).await?;
    if let Some(a) = &run.approval {
        return Ok(ApprovalState::Decided {
            decision: a.decision,
            method: a.method,
        });
    }
    if !matches!(
        run.status,
        RunStatus::VideoSelected | RunStatus::PendingApproval
    ) {
        return Err(StageError::illegal_state(
            &run,
            "request-approval",
            "video_selected",
        ));
    }
    let artist = load_artist(artists, &run.artist_id).await?;

    if artist.autopilot_enabled {
        let now = clock.now();
        mutate_run(runs, run_id, |r| {
            if r.approval.is_some() {
                return Ok(Change::Skip);
            }
            if r.status == RunStatus::VideoSelected {
                r.transition(RunStatus::PendingApproval, now)?;
            }
            r.decide(ApprovalRecord {
                decision: Decision::Approved,
                method: DecisionMethod::Autopilot,
                decided_by: "autopilot".into(),
                decided_at: now,
                note: None,
            })?;
            r.record_stage(StageName::RequestApproval, started, now, None);
            Ok(Change::Write)
        })
        .await?;
        tracing::info!(artist_id = %artist.artist_id, "approved by autopilot");
        return Ok(ApprovalState::Decided {
            decision: Decision::Approved,
            method: DecisionMethod::Autopilot,
        });
    }

    let now = clock.now();
    let expires_at =
        now + chrono::Duration::from_std(timeout).unwrap_or(chrono::Duration::hours(24));
    let request = match &run.approval_request {
        Some(existing) => existing.clone(),
        None => ApprovalRequestRef {
            approval_id: approval_id(clock.new_ulid()),
            requested_at: now,
            expires_at,
            channel: channel.name().to_string(),
        },
    };
    match runs
        .put_approval(&ApprovalTicket {
            approval_id: request.approval_id.clone(),
            run_id: run_id.clone(),
            task_token: task_token.map(str::to_string),
            expires_at: request.expires_at,
        })
        .await
    {
        Ok(()) | Err(StoreError::AlreadyExists { .. }) => {}
        Err(e) => return Err(e.into()),
    }
    let stored = mutate_run(runs, run_id, |r| {
        if r.status == RunStatus::PendingApproval {
            return Ok(Change::Skip);
        }
        r.approval_request = Some(request.clone());
        r.transition(RunStatus::PendingApproval, now)?;
        r.record_stage(StageName::RequestApproval, started, now, None);
        Ok(Change::Write)
    })
    .await?;
    let request = stored.approval_request.clone().unwrap_or(request);

    let params = stored.params.as_ref();
    let analysis = stored.analysis.as_ref();
    let audio_url = match &stored.track {
        Some(t) => assets.url_for(&t.audio_key, timeout).await?,
        None => String::new(),
    };
    let preview = ApprovalPreview {
        approval_id: request.approval_id.clone(),
        run_id: run_id.clone(),
        artist_id: artist.artist_id.clone(),
        artist_name: artist.name.clone(),
        title: params.map(|p| p.title.clone()).unwrap_or_default(),
        genre: artist.genre.clone(),
        bpm: analysis.and_then(|a| a.bpm),
        key: analysis.and_then(|a| a.key).map(|k| k.to_string()),
        duration_s: analysis.map(|a| a.duration_s).unwrap_or(0.0),
        loudness_lufs: analysis.and_then(|a| a.integrated_lufs),
        structure: analysis
            .map(|a| a.structure_summary.clone())
            .unwrap_or_default(),
        audio_url,
        video: stored
            .video
            .as_ref()
            .map(|v| format!("{} ({})", v.page_url, v.attribution)),
        ab_variant: params.and_then(|p| p.ab_variant.as_ref().map(|v| v.variant_id.clone())),
        expires_at: request.expires_at,
    };
    let message = channel.send_request(&preview).await?;
    tracing::info!(approval_id = %request.approval_id, channel = channel.name(), message = %message, "approval requested");
    Ok(ApprovalState::Pending {
        preview: Box::new(preview),
    })
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DecisionApplied {
    pub run_id: RunId,
    /// False when the run was no longer pending (duplicate or late decision).
    pub applied: bool,
    pub decision: Option<Decision>,
    pub status: RunStatus,
    /// The Step Functions task token to resume, when one was stored.
    #[serde(skip_serializing)]
    pub task_token: Option<String>,
}

/// Claims the decision for a pending run with a conditional write.
#[tracing::instrument(skip_all, fields(approval_id = %incoming.approval_id))]
pub async fn apply_decision(
    runs: &dyn RunStore,
    clock: &dyn Clock,
    incoming: &IncomingDecision,
) -> Result<DecisionApplied, StageError> {
    let ticket = runs
        .get_approval(&incoming.approval_id)
        .await?
        .ok_or_else(|| StageError::NotFound {
            entity: "approval",
            id: incoming.approval_id.clone(),
        })?;
    let now = clock.now();
    let mut applied = false;
    let stored = mutate_run(runs, &ticket.run_id, |r| {
        applied = false;
        if r.status != RunStatus::PendingApproval {
            return Ok(Change::Skip);
        }
        r.decide(ApprovalRecord {
            decision: incoming.decision,
            method: incoming.method,
            decided_by: incoming.decided_by.clone(),
            decided_at: now,
            note: incoming.note.clone(),
        })?;
        r.record_stage(StageName::ApplyDecision, now, now, None);
        applied = true;
        Ok(Change::Write)
    })
    .await?;
    tracing::info!(run_id = %stored.run_id, applied, decision = ?incoming.decision, method = ?incoming.method, "decision");
    Ok(DecisionApplied {
        run_id: stored.run_id.clone(),
        applied,
        decision: stored.approval.as_ref().map(|a| a.decision),
        status: stored.status,
        task_token: ticket.task_token,
    })
}

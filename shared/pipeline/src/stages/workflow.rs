//! The stages only a workflow engine needs (Step Functions in AWS): resuming
//! the execution that waits on an approval's task token, ending a run from
//! the state machine's `Catch`, and keeping open approval waits alive with
//! heartbeats.
//!
//! The in-process runner does the same things in its own control flow (it
//! awaits a [`crate::ports::DecisionSource`] and calls `fail_run` itself),
//! so these live apart from the per-step stages.

use serde::{Deserialize, Serialize};

use noktvrn_domain::ids::RunId;
use noktvrn_domain::lifecycle::LifecycleThresholds;
use noktvrn_domain::run::{Decision, DecisionMethod, RunOutcome, RunStatus, StageName};

use super::approval::{ApprovalState, apply_decision, request_approval};
use super::outcome::{OutcomePorts, fail_run, record_outcome};
use super::{load_artist, load_run};
use crate::error::{StageError, names};
use crate::ports::{
    ApprovalChannel, ArtistStore, AssetStore, Clock, IncomingDecision, ResumeOutcome, RunStore,
    WorkflowCallback,
};

/// The JSON a waiting approval task is resumed with; the state machine's
/// Choice reads `decision`.
pub fn decision_output(decision: Decision, method: DecisionMethod) -> serde_json::Value {
    serde_json::json!({
        "decision": decision,
        "method": method,
    })
}

/// What answering a decision did.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DecisionResumed {
    pub run_id: RunId,
    /// False for a duplicate or late decision (nothing changed in the run).
    pub applied: bool,
    /// The decision the run holds (which may be an earlier one).
    pub decision: Option<Decision>,
    pub status: RunStatus,
    /// Whether the waiting execution took the answer; `None` when the run
    /// has no task token (local runs) or no decision.
    pub resumed: Option<bool>,
}

/// Applies a decision (one conditional write) and resumes the waiting
/// execution with the decision the run holds.
///
/// The execution is resumed whenever the run holds a decision, not only when
/// this call applied it: an earlier attempt that stored the decision and died
/// before resuming is finished by the retry. Step Functions takes one answer
/// per token, so a second `SendTaskSuccess` changes nothing (`Gone`).
#[tracing::instrument(skip_all, fields(approval_id = %incoming.approval_id))]
pub async fn decide_and_resume(
    runs: &dyn RunStore,
    clock: &dyn Clock,
    callback: &dyn WorkflowCallback,
    incoming: &IncomingDecision,
) -> Result<DecisionResumed, StageError> {
    let applied = apply_decision(runs, clock, incoming).await?;
    let mut resumed = None;
    if let (Some(token), Some(decision)) = (&applied.task_token, applied.decision) {
        let run = load_run(runs, &applied.run_id).await?;
        let method = run.approval.as_ref().map_or(incoming.method, |a| a.method);
        let outcome = callback
            .succeed(token, &decision_output(decision, method))
            .await?;
        tracing::info!(run_id = %applied.run_id, ?decision, delivered = (outcome == ResumeOutcome::Delivered), "execution resumed");
        resumed = Some(outcome == ResumeOutcome::Delivered);
    }
    Ok(DecisionResumed {
        run_id: applied.run_id,
        applied: applied.applied,
        decision: applied.decision,
        status: applied.status,
        resumed,
    })
}

/// The step before the workflow waits for a reviewer: a run that needs no
/// person (its artist is on autopilot, or it was decided by an earlier
/// attempt) is decided here and the workflow skips the wait; `None` means a
/// reviewer must be asked (the `.waitForTaskToken` task comes next).
///
/// Deciding before the wait, rather than answering the task token from
/// inside the waiting task's own invocation, keeps an autopilot approval out
/// of the callback machinery altogether: no token, no heartbeat, nothing to
/// time out.
#[allow(clippy::too_many_arguments)]
pub async fn decide_without_reviewer(
    runs: &dyn RunStore,
    artists: &dyn ArtistStore,
    assets: &dyn AssetStore,
    channel: &dyn ApprovalChannel,
    clock: &dyn Clock,
    run_id: &RunId,
    timeout: std::time::Duration,
) -> Result<Option<ApprovalState>, StageError> {
    let run = load_run(runs, run_id).await?;
    if let Some(a) = &run.approval {
        return Ok(Some(ApprovalState::Decided {
            decision: a.decision,
            method: a.method,
        }));
    }
    let artist = load_artist(artists, &run.artist_id).await?;
    if !artist.autopilot_enabled {
        return Ok(None);
    }
    let state =
        request_approval(runs, artists, assets, channel, clock, run_id, None, timeout).await?;
    Ok(Some(state))
}

/// After request-approval: a run decided without waiting (autopilot, or an
/// earlier attempt's decision) answers its own task token at once, so the
/// execution does not wait for a person. Returns whether it answered.
pub async fn resume_if_decided(
    callback: &dyn WorkflowCallback,
    task_token: &str,
    state: &ApprovalState,
) -> Result<bool, StageError> {
    match state {
        ApprovalState::Decided { decision, method } => {
            callback
                .succeed(task_token, &decision_output(*decision, *method))
                .await?;
            Ok(true)
        }
        ApprovalState::Pending { .. } => Ok(false),
    }
}

/// A failure as a Step Functions `Catch` hands it on (`ResultPath` of the
/// caught error): a stable error name and its cause.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WorkflowFailure {
    #[serde(rename = "Error")]
    pub error: String,
    #[serde(rename = "Cause", default)]
    pub cause: String,
}

impl WorkflowFailure {
    /// Step Functions' own names for a wait that ran out.
    pub fn is_timeout(&self) -> bool {
        matches!(
            self.error.as_str(),
            "States.Timeout" | "States.HeartbeatTimeout"
        ) || self.error == names::PERMANENT_TIMEOUT
    }

    /// The documented name the run records: our own names pass through,
    /// a Step Functions timeout is `Permanent.Timeout`, anything else
    /// (Lambda service errors after their retries, `States.*`) is
    /// `Permanent.Internal` with the original name kept in the message.
    pub fn run_error_name(&self) -> &'static str {
        if let Some(n) = names::ALL.iter().find(|n| **n == self.error) {
            return n;
        }
        if self.is_timeout() {
            names::PERMANENT_TIMEOUT
        } else {
            names::PERMANENT_INTERNAL
        }
    }

    /// The cause as a person reads it: Lambda errors arrive as a JSON
    /// document (`errorType`, `errorMessage`); keep the message.
    pub fn message(&self) -> String {
        let detail = serde_json::from_str::<serde_json::Value>(&self.cause)
            .ok()
            .and_then(|v| {
                v.get("errorMessage")
                    .and_then(|m| m.as_str())
                    .map(str::to_string)
            })
            .unwrap_or_else(|| self.cause.clone());
        if self.run_error_name() == self.error {
            detail
        } else {
            format!("{}: {detail}", self.error)
        }
    }
}

/// The stage a run in `status` was in when its cycle failed.
pub fn stage_after(status: RunStatus) -> Option<StageName> {
    Some(match status {
        RunStatus::Started => StageName::AdaptParams,
        RunStatus::ParametersAdapted => StageName::GenerateTrack,
        RunStatus::TrackSubmitted => StageName::PollTrack,
        RunStatus::TrackGenerated => StageName::AnalyzeAudio,
        RunStatus::Analyzed => StageName::SelectVideo,
        RunStatus::VideoSelected => StageName::RequestApproval,
        RunStatus::PendingApproval => StageName::ApplyDecision,
        RunStatus::Approved => StageName::PackageRelease,
        RunStatus::Completed | RunStatus::Rejected | RunStatus::Expired | RunStatus::Failed => {
            return None;
        }
    })
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunClosed {
    pub run_id: RunId,
    pub status: RunStatus,
    pub outcome: Option<RunOutcome>,
}

/// The last step of every cycle in the state machine: ends the run with the
/// caught failure (if any) and records its outcome, exactly once.
///
/// - A wait that ran out while the run waited for approval is an *expired*
///   decision (method `timeout`), through the same conditional write as
///   every other decision, so a reviewer's late click finds it decided.
/// - Any other failure ends a non-terminal run as failed with the stage it
///   was in and the documented error name.
/// - A run that is already terminal is left as it is (a retried catch, or a
///   failure after the decision was stored).
#[tracing::instrument(skip_all, fields(run_id = %run_id))]
pub async fn close_run(
    p: &OutcomePorts<'_>,
    thresholds: &LifecycleThresholds,
    run_id: &RunId,
    failure: Option<&WorkflowFailure>,
) -> Result<RunClosed, StageError> {
    if let Some(f) = failure {
        let run = load_run(p.runs, run_id).await?;
        if !run.status.is_terminal() {
            match (&run.approval_request, run.status) {
                (Some(req), RunStatus::PendingApproval) if f.is_timeout() => {
                    apply_decision(
                        p.runs,
                        p.clock,
                        &IncomingDecision {
                            approval_id: req.approval_id.clone(),
                            decision: Decision::Expired,
                            method: DecisionMethod::Timeout,
                            decided_by: "timeout".into(),
                            note: Some(f.message()),
                        },
                    )
                    .await?;
                }
                _ => {
                    fail_run(
                        p.runs,
                        p.clock,
                        run_id,
                        stage_after(run.status),
                        f.run_error_name(),
                        &f.message(),
                    )
                    .await?;
                }
            }
        }
    }
    let outcome = record_outcome(p, thresholds, run_id).await?;
    let run = load_run(p.runs, run_id).await?;
    Ok(RunClosed {
        run_id: run.run_id,
        status: run.status,
        outcome,
    })
}

/// Sends a heartbeat for every approval still being waited for, so an
/// approval wait with `HeartbeatSeconds` ends early (as expired) only when
/// the system that would deliver the decision stops working. Returns how
/// many waits took the heartbeat.
pub async fn heartbeat_pending_approvals(
    runs: &dyn RunStore,
    callback: &dyn WorkflowCallback,
    clock: &dyn Clock,
) -> Result<usize, StageError> {
    let now = clock.now();
    let mut delivered = 0;
    for run in runs.list_unfinished().await? {
        if run.status != RunStatus::PendingApproval {
            continue;
        }
        let Some(req) = &run.approval_request else {
            continue;
        };
        let Some(ticket) = runs.get_approval(&req.approval_id).await? else {
            continue;
        };
        let Some(token) = ticket.task_token.as_deref() else {
            continue;
        };
        if ticket.expires_at <= now {
            continue;
        }
        if callback.heartbeat(token).await? == ResumeOutcome::Delivered {
            delivered += 1;
        }
    }
    Ok(delivered)
}

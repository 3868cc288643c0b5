//! One content cycle of one artist: its status with an explicit transition
//! table (illegal transitions are errors, so a retried or duplicated step can
//! never move a run backwards), one record per stage, and everything the
//! cycle produced or decided.

use std::fmt;

use chrono::{DateTime, Utc};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::ids::{ArtistId, BatchId, ReleaseId, RunId};
use crate::music::MusicalKey;
use crate::params::GenerationParams;
use crate::release::PromptsUsed;
use crate::{DomainError, SCHEMA_VERSION};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum RunStatus {
    Started,
    ParametersAdapted,
    TrackSubmitted,
    TrackGenerated,
    Analyzed,
    VideoSelected,
    PendingApproval,
    Approved,
    /// Approved, packaged and queued for distribution.
    Completed,
    Rejected,
    /// Nobody answered the approval request in time.
    Expired,
    Failed,
}

impl RunStatus {
    pub const ALL: [RunStatus; 12] = [
        RunStatus::Started,
        RunStatus::ParametersAdapted,
        RunStatus::TrackSubmitted,
        RunStatus::TrackGenerated,
        RunStatus::Analyzed,
        RunStatus::VideoSelected,
        RunStatus::PendingApproval,
        RunStatus::Approved,
        RunStatus::Completed,
        RunStatus::Rejected,
        RunStatus::Expired,
        RunStatus::Failed,
    ];

    pub fn is_terminal(self) -> bool {
        matches!(
            self,
            RunStatus::Completed | RunStatus::Rejected | RunStatus::Expired | RunStatus::Failed
        )
    }

    /// The transition table. Every non-terminal status may fail.
    pub fn can_transition_to(self, to: RunStatus) -> bool {
        use RunStatus::*;
        if to == Failed {
            return !self.is_terminal();
        }
        matches!(
            (self, to),
            (Started, ParametersAdapted)
                | (ParametersAdapted, TrackSubmitted)
                | (TrackSubmitted, TrackGenerated)
                | (TrackGenerated, Analyzed)
                | (Analyzed, VideoSelected)
                | (VideoSelected, PendingApproval)
                | (PendingApproval, Approved)
                | (PendingApproval, Rejected)
                | (PendingApproval, Expired)
                | (Approved, Completed)
        )
    }

    pub fn as_str(self) -> &'static str {
        match self {
            RunStatus::Started => "started",
            RunStatus::ParametersAdapted => "parameters_adapted",
            RunStatus::TrackSubmitted => "track_submitted",
            RunStatus::TrackGenerated => "track_generated",
            RunStatus::Analyzed => "analyzed",
            RunStatus::VideoSelected => "video_selected",
            RunStatus::PendingApproval => "pending_approval",
            RunStatus::Approved => "approved",
            RunStatus::Completed => "completed",
            RunStatus::Rejected => "rejected",
            RunStatus::Expired => "expired",
            RunStatus::Failed => "failed",
        }
    }
}

impl fmt::Display for RunStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What a run meant for its artist.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum RunOutcome {
    Approved,
    Rejected,
    /// The approval request timed out. Deliberately not a rejection: nobody
    /// judged the track, so it neither counts toward retirement nor resets
    /// the rejection streak.
    Expired,
    Error,
    GenerationFailedTrack,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum StageName {
    AdaptParams,
    GenerateTrack,
    PollTrack,
    AnalyzeAudio,
    SelectVideo,
    RequestApproval,
    ApplyDecision,
    PackageRelease,
    RecordOutcome,
}

impl StageName {
    pub fn as_str(self) -> &'static str {
        match self {
            StageName::AdaptParams => "adapt-params",
            StageName::GenerateTrack => "generate-track",
            StageName::PollTrack => "poll-track",
            StageName::AnalyzeAudio => "analyze-audio",
            StageName::SelectVideo => "select-video",
            StageName::RequestApproval => "request-approval",
            StageName::ApplyDecision => "apply-decision",
            StageName::PackageRelease => "package-release",
            StageName::RecordOutcome => "record-outcome",
        }
    }
}

impl fmt::Display for StageName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum StageOutcome {
    Succeeded,
    Failed,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct StageRecord {
    pub stage: StageName,
    pub started_at: DateTime<Utc>,
    pub ended_at: DateTime<Utc>,
    pub outcome: StageOutcome,
    /// Stable error name (`Permanent.InvalidInput`, …) and message on failure.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// A submitted generation task at the music provider.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct TrackTask {
    pub provider: String,
    pub task_id: String,
    pub submitted_at: DateTime<Utc>,
    /// Polls made so far (the state machine stops at its max-attempts guard).
    pub polls: u32,
}

/// The generated audio as stored by us (never the provider's URL only).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct TrackRef {
    pub provider: String,
    pub provider_task_id: String,
    pub clip_id: String,
    pub model_used: String,
    /// Asset key, `tracks/{run_id}/…`.
    pub audio_key: String,
    pub content_type: String,
    pub size_bytes: u64,
}

/// The analysis figures a run and a release need; the full analysis is
/// stored as `analysis.json` next to the track.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct AnalysisSummary {
    pub analysis_key: String,
    pub duration_s: f64,
    pub bpm: Option<f64>,
    pub key: Option<MusicalKey>,
    pub integrated_lufs: Option<f64>,
    pub true_peak_dbtp: Option<f64>,
    pub energy: Option<f64>,
    pub structure_summary: String,
}

/// The chosen video: a clip from a source with attribution; `asset_key` is set
/// only when the clip was copied into our store.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct VideoChoice {
    pub source: String,
    pub clip_id: String,
    pub creator: String,
    pub page_url: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub download_url: Option<String>,
    pub tags: Vec<String>,
    pub duration_s: f64,
    pub width: u32,
    pub height: u32,
    pub fps: f64,
    pub score: f64,
    pub attribution: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub asset_key: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Decision {
    Approved,
    Rejected,
    Expired,
}

/// How a decision was taken.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum DecisionMethod {
    /// A person pressed a button or answered a prompt.
    Human,
    /// The artist's autopilot approved it.
    Autopilot,
    /// Nobody answered in time.
    Timeout,
    /// An operator's batch-wide rule (`batch run --approve auto|reject`).
    Policy,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct ApprovalRecord {
    pub decision: Decision,
    pub method: DecisionMethod,
    /// Who decided (a Telegram user id, `cli`, `autopilot`, …).
    pub decided_by: String,
    pub decided_at: DateTime<Utc>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// The open approval request: the short id that buttons carry.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct ApprovalRequestRef {
    pub approval_id: String,
    pub requested_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub channel: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct RunFailure {
    pub stage: Option<StageName>,
    /// Stable error name, e.g. `Permanent.InvalidInput`.
    pub error_name: String,
    pub message: String,
    pub at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Run {
    pub schema_version: u32,
    pub run_id: RunId,
    pub artist_id: ArtistId,
    pub batch_id: BatchId,
    pub status: RunStatus,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub stages: Vec<StageRecord>,
    pub params: Option<GenerationParams>,
    pub prompts: Option<PromptsUsed>,
    /// The music provider's pending task, set at submit.
    pub track_task: Option<TrackTask>,
    pub track: Option<TrackRef>,
    pub analysis: Option<AnalysisSummary>,
    pub video: Option<VideoChoice>,
    pub approval_request: Option<ApprovalRequestRef>,
    pub approval: Option<ApprovalRecord>,
    pub release_id: Option<ReleaseId>,
    pub outcome: Option<RunOutcome>,
    pub failure: Option<RunFailure>,
    /// Set once record-outcome has applied this run to its artist.
    pub outcome_recorded_at: Option<DateTime<Utc>>,
    /// Optimistic-concurrency counter: every store write is conditional on it.
    pub version: u64,
}

impl Run {
    pub fn new(run_id: RunId, artist_id: ArtistId, batch_id: BatchId, now: DateTime<Utc>) -> Self {
        Self {
            schema_version: SCHEMA_VERSION,
            run_id,
            artist_id,
            batch_id,
            status: RunStatus::Started,
            created_at: now,
            updated_at: now,
            stages: vec![],
            params: None,
            prompts: None,
            track_task: None,
            track: None,
            analysis: None,
            video: None,
            approval_request: None,
            approval: None,
            release_id: None,
            outcome: None,
            failure: None,
            outcome_recorded_at: None,
            version: 0,
        }
    }

    /// Moves the run to `to` if the table allows it.
    pub fn transition(&mut self, to: RunStatus, now: DateTime<Utc>) -> Result<(), DomainError> {
        if !self.status.can_transition_to(to) {
            return Err(DomainError::IllegalTransition {
                from: self.status,
                to,
            });
        }
        self.status = to;
        self.updated_at = now;
        Ok(())
    }

    pub fn record_stage(
        &mut self,
        stage: StageName,
        started_at: DateTime<Utc>,
        ended_at: DateTime<Utc>,
        error: Option<String>,
    ) {
        self.stages.push(StageRecord {
            stage,
            started_at,
            ended_at,
            outcome: if error.is_some() {
                StageOutcome::Failed
            } else {
                StageOutcome::Succeeded
            },
            error,
        });
    }

    /// Ends the run as failed with a reason. The outcome is
    /// `generation_failed_track` when the track could not be made or analysed.
    pub fn fail(
        &mut self,
        stage: Option<StageName>,
        error_name: impl Into<String>,
        message: impl Into<String>,
        now: DateTime<Utc>,
    ) -> Result<(), DomainError> {
        self.transition(RunStatus::Failed, now)?;
        self.outcome = Some(match stage {
            Some(StageName::GenerateTrack | StageName::PollTrack | StageName::AnalyzeAudio) => {
                RunOutcome::GenerationFailedTrack
            }
            _ => RunOutcome::Error,
        });
        self.failure = Some(RunFailure {
            stage,
            error_name: error_name.into(),
            message: message.into(),
            at: now,
        });
        Ok(())
    }

    /// Sets the decision and the matching status.
    pub fn decide(&mut self, record: ApprovalRecord) -> Result<(), DomainError> {
        let (to, outcome) = match record.decision {
            Decision::Approved => (RunStatus::Approved, RunOutcome::Approved),
            Decision::Rejected => (RunStatus::Rejected, RunOutcome::Rejected),
            Decision::Expired => (RunStatus::Expired, RunOutcome::Expired),
        };
        self.transition(to, record.decided_at)?;
        self.outcome = Some(outcome);
        self.approval = Some(record);
        Ok(())
    }

    /// Total time from creation to the last update.
    pub fn elapsed_s(&self) -> f64 {
        (self.updated_at - self.created_at).num_milliseconds() as f64 / 1000.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use RunStatus::*;
    use chrono::TimeZone;

    fn run() -> Run {
        Run::new(
            RunId::parse("01JQ7ZQ5E8W3KX9V2N4M6P8R0T").unwrap(),
            ArtistId::parse("a").unwrap(),
            BatchId::parse("01JQ7ZQ5E8W3KX9V2N4M6P8R0A").unwrap(),
            Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap(),
        )
    }

    #[test]
    fn the_transition_table_is_exactly_the_documented_one() {
        let allowed: &[(RunStatus, RunStatus)] = &[
            (Started, ParametersAdapted),
            (ParametersAdapted, TrackSubmitted),
            (TrackSubmitted, TrackGenerated),
            (TrackGenerated, Analyzed),
            (Analyzed, VideoSelected),
            (VideoSelected, PendingApproval),
            (PendingApproval, Approved),
            (PendingApproval, Rejected),
            (PendingApproval, Expired),
            (Approved, Completed),
        ];
        for from in RunStatus::ALL {
            for to in RunStatus::ALL {
                let want = allowed.contains(&(from, to)) || (to == Failed && !from.is_terminal());
                assert_eq!(from.can_transition_to(to), want, "{from} -> {to}");
            }
        }
    }

    #[test]
    fn terminal_states_never_move() {
        for s in [Completed, Rejected, Expired, Failed] {
            assert!(
                RunStatus::ALL.iter().all(|t| !s.can_transition_to(*t)),
                "{s}"
            );
        }
    }

    #[test]
    fn an_illegal_transition_is_an_error_and_changes_nothing() {
        let mut r = run();
        let now = r.created_at;
        let err = r.transition(Approved, now).unwrap_err();
        assert_eq!(
            err,
            DomainError::IllegalTransition {
                from: Started,
                to: Approved
            }
        );
        assert_eq!(r.status, Started);
    }

    #[test]
    fn failing_in_a_track_stage_is_generation_failed_track() {
        let mut r = run();
        let now = r.created_at;
        r.fail(
            Some(StageName::AnalyzeAudio),
            "Permanent.InvalidInput",
            "bad audio",
            now,
        )
        .unwrap();
        assert_eq!(r.status, Failed);
        assert_eq!(r.outcome, Some(RunOutcome::GenerationFailedTrack));
        let mut r = run();
        r.fail(Some(StageName::SelectVideo), "Retryable.Provider", "x", now)
            .unwrap();
        assert_eq!(r.outcome, Some(RunOutcome::Error));
        assert!(
            r.fail(None, "x", "y", now).is_err(),
            "a failed run cannot fail twice"
        );
    }

    #[test]
    fn a_decision_needs_a_pending_run() {
        let mut r = run();
        let now = r.created_at;
        let rec = ApprovalRecord {
            decision: Decision::Approved,
            method: DecisionMethod::Human,
            decided_by: "42".into(),
            decided_at: now,
            note: None,
        };
        assert!(r.decide(rec.clone()).is_err());
        for s in [
            ParametersAdapted,
            TrackSubmitted,
            TrackGenerated,
            Analyzed,
            VideoSelected,
            PendingApproval,
        ] {
            r.transition(s, now).unwrap();
        }
        r.decide(rec.clone()).unwrap();
        assert_eq!(r.status, Approved);
        assert_eq!(r.outcome, Some(RunOutcome::Approved));
        assert!(r.decide(rec).is_err(), "a second decision is refused");
    }
}

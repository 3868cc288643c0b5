//! The pipeline stages: one use case per step, written against ports only,
//! so the CLI, the Lambdas and the tests run the same code.
//!
//! Every stage is idempotent: it reads the run, returns the earlier result
//! when its work is already done, and makes its state change with a
//! conditional write (retried on a lost race, re-checking the status).

mod adapt;
mod analyze;
mod approval;
mod create;
mod lifecycle;
mod outcome;
mod package;
mod recover;
mod select;
mod summary;
mod track;
mod upload;
mod video;
mod workflow;

pub use adapt::{AdaptPorts, adapt_params};
pub use analyze::analyze_audio;
pub use approval::{ApprovalState, DecisionApplied, apply_decision, request_approval};
pub use create::{ArtistBrief, create_artist};
pub use lifecycle::{LifecycleChange, lifecycle_evaluate};
pub use outcome::{OutcomePorts, fail_run, record_outcome};
pub use package::{PackagePorts, package_release, verify_package};
pub use recover::recover_interrupted;
pub use select::{BatchPlan, PlannedRun, SelectPorts, SelectionPolicy, select_artists};
pub use summary::{BatchSummary, SummaryRow, batch_summary};
pub use track::{PollOutcome, poll_track, submit_track};
pub use upload::{PlatformResult, UploadReport, upload_release};
pub use video::select_video;
pub use workflow::{
    DecisionResumed, RunClosed, WorkflowFailure, close_run, decide_and_resume,
    decide_without_reviewer, decision_output, heartbeat_pending_approvals, resume_if_decided,
    stage_after,
};

use noktvrn_domain::artist::Artist;
use noktvrn_domain::ids::{ArtistId, RunId};
use noktvrn_domain::run::Run;

use crate::error::{StageError, StoreError};
use crate::ports::{ArtistStore, RunStore};

pub(crate) async fn load_run(runs: &dyn RunStore, id: &RunId) -> Result<Run, StageError> {
    runs.get(id).await?.ok_or_else(|| StageError::NotFound {
        entity: "run",
        id: id.to_string(),
    })
}

pub(crate) async fn load_artist(
    artists: &dyn ArtistStore,
    id: &ArtistId,
) -> Result<Artist, StageError> {
    artists.get(id).await?.ok_or_else(|| StageError::NotFound {
        entity: "artist",
        id: id.to_string(),
    })
}

/// What a mutation closure decided.
pub(crate) enum Change {
    /// Write the mutated run.
    Write,
    /// Nothing to do (already done by an earlier attempt).
    Skip,
}

const CAS_ATTEMPTS: usize = 5;

/// Read-modify-write of a run with a conditional write; on a lost race the
/// closure runs again on the fresh record.
pub(crate) async fn mutate_run<F>(
    runs: &dyn RunStore,
    id: &RunId,
    mut f: F,
) -> Result<Run, StageError>
where
    F: FnMut(&mut Run) -> Result<Change, StageError>,
{
    let mut last = None;
    for _ in 0..CAS_ATTEMPTS {
        let mut run = load_run(runs, id).await?;
        match f(&mut run)? {
            Change::Skip => return Ok(run),
            Change::Write => match runs.update(&run).await {
                Ok(stored) => return Ok(stored),
                Err(e @ StoreError::Conflict { .. }) => {
                    tracing::debug!(run_id = %id, "conditional write lost a race; retrying");
                    last = Some(e);
                }
                Err(e) => return Err(e.into()),
            },
        }
    }
    Err(last
        .map(StageError::from)
        .unwrap_or_else(|| StageError::Internal("mutate_run".into())))
}

/// The same for artists.
pub(crate) async fn mutate_artist<F>(
    artists: &dyn ArtistStore,
    id: &ArtistId,
    mut f: F,
) -> Result<Artist, StageError>
where
    F: FnMut(&mut Artist) -> Result<Change, StageError>,
{
    let mut last = None;
    for _ in 0..CAS_ATTEMPTS {
        let mut artist = load_artist(artists, id).await?;
        match f(&mut artist)? {
            Change::Skip => return Ok(artist),
            Change::Write => match artists.update(&artist).await {
                Ok(stored) => return Ok(stored),
                Err(e @ StoreError::Conflict { .. }) => last = Some(e),
                Err(e) => return Err(e.into()),
            },
        }
    }
    Err(last
        .map(StageError::from)
        .unwrap_or_else(|| StageError::Internal("mutate_artist".into())))
}

/// A stable 64-bit seed from a string (FNV-1a), so a run's choices repeat
/// exactly when a stage is retried.
pub fn seed_of(s: &str) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in s.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

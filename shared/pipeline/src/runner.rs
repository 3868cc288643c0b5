//! The in-process batch runner: what the state machine does in AWS, done in
//! one process for the CLI. It calls exactly the same stages in the same
//! order, retries retryable errors with backoff and jitter (honouring
//! `Retry-After`), waits between track polls, takes approvals from a
//! [`DecisionSource`], isolates each artist's cycle (one failure never fails
//! the batch) and stops cleanly between stages when cancelled.

use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use rand::Rng;
use serde::{Deserialize, Serialize};

use noktvrn_domain::ids::{ArtistId, RunId};
use noktvrn_domain::lifecycle::LifecycleThresholds;
use noktvrn_domain::run::{Decision, DecisionMethod, RunStatus, StageName};

use crate::error::{StageError, names};
use crate::ports::*;
use crate::stages::{self, ApprovalState, BatchSummary, PollOutcome, SelectionPolicy};

/// Every port the whole pipeline uses.
#[derive(Clone)]
pub struct Pipeline {
    pub artists: Arc<dyn ArtistStore>,
    pub runs: Arc<dyn RunStore>,
    pub releases: Arc<dyn ReleaseStore>,
    pub trends: Arc<dyn TrendStore>,
    pub assets: Arc<dyn AssetStore>,
    pub queue: Arc<dyn ReleaseQueue>,
    pub music: Arc<dyn MusicGenerator>,
    pub video: Vec<Arc<dyn VideoSource>>,
    pub llm: Vec<Arc<dyn LanguageModel>>,
    pub cover: Arc<dyn CoverArtist>,
    pub approval: Arc<dyn ApprovalChannel>,
    pub decisions: Arc<dyn DecisionSource>,
    pub distributors: Vec<Arc<dyn Distributor>>,
    pub clock: Arc<dyn Clock>,
}

impl Pipeline {
    pub fn llm_chain(&self) -> Vec<&dyn LanguageModel> {
        self.llm.iter().map(|m| m.as_ref()).collect()
    }

    pub fn video_sources(&self) -> Vec<&dyn VideoSource> {
        self.video.iter().map(|m| m.as_ref()).collect()
    }

    pub fn distributor_list(&self) -> Vec<&dyn Distributor> {
        self.distributors.iter().map(|m| m.as_ref()).collect()
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BatchOptions {
    pub policy: SelectionPolicy,
    pub thresholds: LifecycleThresholds,
    pub approval_timeout: Duration,
    /// Longest wait between two track polls.
    pub max_poll_wait: Duration,
    /// Polls before a track counts as never coming.
    pub max_polls: u32,
    /// Attempts per stage for retryable errors.
    pub attempts: u32,
    pub health: Vec<HealthReport>,
}

impl Default for BatchOptions {
    fn default() -> Self {
        Self {
            policy: SelectionPolicy::default(),
            thresholds: LifecycleThresholds::default(),
            approval_timeout: Duration::from_secs(24 * 3600),
            max_poll_wait: Duration::from_secs(30),
            max_polls: 60,
            attempts: 3,
            health: vec![],
        }
    }
}

/// Progress reports for a display (the CLI's progress bars).
pub trait Progress: Send + Sync {
    fn planned(&self, _runs: &[(RunId, ArtistId)]) {}
    fn stage(&self, _run: &RunId, _artist: &ArtistId, _stage: StageName) {}
    fn finished(&self, _run: &RunId, _artist: &ArtistId, _status: RunStatus) {}
}

/// A progress sink that shows nothing.
pub struct NoProgress;
impl Progress for NoProgress {}

/// Set from a signal handler; checked between stages.
#[derive(Debug, Default, Clone)]
pub struct CancelFlag(Arc<AtomicBool>);

impl CancelFlag {
    pub fn cancel(&self) {
        self.0.store(true, Ordering::SeqCst);
    }
    pub fn is_cancelled(&self) -> bool {
        self.0.load(Ordering::SeqCst)
    }
}

/// Runs `f` up to `attempts` times while it fails with a retryable error.
pub async fn with_retry<T, F, Fut>(attempts: u32, what: &str, mut f: F) -> Result<T, StageError>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, StageError>>,
{
    let mut attempt = 0;
    loop {
        attempt += 1;
        match f().await {
            Ok(t) => return Ok(t),
            Err(e) if e.is_retryable() && attempt < attempts.max(1) => {
                let base = Duration::from_millis(250 * (1 << attempt.min(6)));
                let jitter = Duration::from_millis(
                    rand::rng().random_range(0..=base.as_millis() as u64 / 2),
                );
                let wait = e
                    .retry_after()
                    .unwrap_or(base + jitter)
                    .min(Duration::from_secs(60));
                tracing::warn!(stage = what, attempt, wait_ms = wait.as_millis() as u64, error = %e.chain(), "retrying");
                tokio::time::sleep(wait).await;
            }
            Err(e) => return Err(e),
        }
    }
}

/// One whole batch: recover interrupted runs, select, run every cycle,
/// summarise.
pub async fn run_batch(
    p: &Pipeline,
    opts: &BatchOptions,
    progress: &dyn Progress,
    cancel: &CancelFlag,
) -> Result<BatchSummary, StageError> {
    let chain = p.llm_chain();
    // Locally the data directory is locked for the batch, so every
    // unfinished run belongs to a process that is gone.
    let recovered = stages::recover_interrupted(
        p.runs.as_ref(),
        p.artists.as_ref(),
        p.assets.as_ref(),
        p.clock.as_ref(),
        chrono::Duration::zero(),
    )
    .await?;
    for run_id in &recovered {
        record(p, opts, &chain, run_id).await;
    }

    let plan = stages::select_artists(
        &stages::SelectPorts {
            artists: p.artists.as_ref(),
            runs: p.runs.as_ref(),
            llm: &chain,
            clock: p.clock.as_ref(),
        },
        &opts.policy,
        &opts.health,
    )
    .await?;
    if let Some(why) = &plan.skipped {
        tracing::warn!(reason = %why, "batch skipped");
    }
    progress.planned(
        &plan
            .runs
            .iter()
            .map(|r| (r.run_id.clone(), r.artist_id.clone()))
            .collect::<Vec<_>>(),
    );
    for planned in &plan.runs {
        if cancel.is_cancelled() {
            let _ = stages::fail_run(
                p.runs.as_ref(),
                p.clock.as_ref(),
                &planned.run_id,
                None,
                names::PERMANENT_INTERRUPTED,
                "interrupted before it started",
            )
            .await;
            record(p, opts, &chain, &planned.run_id).await;
            continue;
        }
        let status = run_cycle(
            p,
            opts,
            progress,
            cancel,
            &planned.run_id,
            &planned.artist_id,
        )
        .await;
        progress.finished(&planned.run_id, &planned.artist_id, status);
    }
    stages::batch_summary(p.runs.as_ref(), p.artists.as_ref(), &plan.batch_id).await
}

async fn record(p: &Pipeline, opts: &BatchOptions, chain: &[&dyn LanguageModel], run_id: &RunId) {
    let ports = stages::OutcomePorts {
        runs: p.runs.as_ref(),
        artists: p.artists.as_ref(),
        llm: chain,
        clock: p.clock.as_ref(),
    };
    let r = with_retry(opts.attempts, "record-outcome", || {
        stages::record_outcome(&ports, &opts.thresholds, run_id)
    })
    .await;
    if let Err(e) = r {
        tracing::error!(run_id = %run_id, error = %e.chain(), "could not record outcome");
    }
}

/// One artist's cycle; never returns an error (failures end the run).
pub async fn run_cycle(
    p: &Pipeline,
    opts: &BatchOptions,
    progress: &dyn Progress,
    cancel: &CancelFlag,
    run_id: &RunId,
    artist_id: &ArtistId,
) -> RunStatus {
    let chain = p.llm_chain();
    let result = cycle_steps(p, opts, progress, cancel, &chain, run_id, artist_id).await;
    if let Err((stage, e)) = result {
        let (name, msg) = (e.error_name(), e.chain());
        tracing::error!(run_id = %run_id, artist_id = %artist_id, stage = ?stage.map(|s| s.as_str()), error = name, message = %msg, "cycle failed");
        if let Err(e2) =
            stages::fail_run(p.runs.as_ref(), p.clock.as_ref(), run_id, stage, name, &msg).await
        {
            tracing::error!(run_id = %run_id, error = %e2.chain(), "could not mark the run failed");
        }
    }
    progress.stage(run_id, artist_id, StageName::RecordOutcome);
    record(p, opts, &chain, run_id).await;
    match p.runs.get(run_id).await {
        Ok(Some(r)) => r.status,
        _ => RunStatus::Failed,
    }
}

type CycleError = (Option<StageName>, StageError);

#[allow(clippy::too_many_arguments)]
async fn cycle_steps(
    p: &Pipeline,
    opts: &BatchOptions,
    progress: &dyn Progress,
    cancel: &CancelFlag,
    chain: &[&dyn LanguageModel],
    run_id: &RunId,
    artist_id: &ArtistId,
) -> Result<(), CycleError> {
    let n = opts.attempts;
    let step = |stage: StageName| -> Result<(), CycleError> {
        if cancel.is_cancelled() {
            return Err((
                Some(stage),
                StageError::Interrupted("stopped by a signal".into()),
            ));
        }
        progress.stage(run_id, artist_id, stage);
        Ok(())
    };
    let at = |stage: StageName| move |e: StageError| (Some(stage), e);
    let interrupted = |e: CycleError| -> CycleError {
        if cancel.is_cancelled() {
            (e.0, StageError::Interrupted("stopped by a signal".into()))
        } else {
            e
        }
    };

    step(StageName::AdaptParams)?;
    let adapt = stages::AdaptPorts {
        artists: p.artists.as_ref(),
        runs: p.runs.as_ref(),
        trends: p.trends.as_ref(),
        llm: chain,
        clock: p.clock.as_ref(),
    };
    with_retry(n, "adapt-params", || stages::adapt_params(&adapt, run_id))
        .await
        .map_err(at(StageName::AdaptParams))?;

    step(StageName::GenerateTrack)?;
    with_retry(n, "generate-track", || {
        stages::submit_track(p.runs.as_ref(), p.music.as_ref(), p.clock.as_ref(), run_id)
    })
    .await
    .map_err(at(StageName::GenerateTrack))?;

    step(StageName::PollTrack)?;
    loop {
        let outcome = with_retry(n, "poll-track", || {
            stages::poll_track(
                p.runs.as_ref(),
                p.music.as_ref(),
                p.assets.as_ref(),
                p.clock.as_ref(),
                run_id,
            )
        })
        .await
        .map_err(at(StageName::PollTrack))?;
        match outcome {
            PollOutcome::Ready { .. } => break,
            PollOutcome::Pending { polls, wait_s } => {
                if polls >= opts.max_polls {
                    return Err((
                        Some(StageName::PollTrack),
                        StageError::Timeout(format!("track not ready after {polls} polls")),
                    ));
                }
                step(StageName::PollTrack)?;
                tokio::time::sleep(Duration::from_secs(wait_s).min(opts.max_poll_wait)).await;
            }
        }
    }

    step(StageName::AnalyzeAudio)?;
    with_retry(n, "analyze-audio", || {
        stages::analyze_audio(p.runs.as_ref(), p.assets.as_ref(), p.clock.as_ref(), run_id)
    })
    .await
    .map_err(at(StageName::AnalyzeAudio))?;

    step(StageName::SelectVideo)?;
    let sources = p.video_sources();
    with_retry(n, "select-video", || {
        stages::select_video(
            p.runs.as_ref(),
            p.artists.as_ref(),
            &sources,
            p.clock.as_ref(),
            run_id,
        )
    })
    .await
    .map_err(at(StageName::SelectVideo))?;

    step(StageName::RequestApproval)?;
    let state = with_retry(n, "request-approval", || {
        stages::request_approval(
            p.runs.as_ref(),
            p.artists.as_ref(),
            p.assets.as_ref(),
            p.approval.as_ref(),
            p.clock.as_ref(),
            run_id,
            None,
            opts.approval_timeout,
        )
    })
    .await
    .map_err(at(StageName::RequestApproval))?;
    let approved = match state {
        ApprovalState::Decided { decision, .. } => decision == Decision::Approved,
        ApprovalState::Pending { preview } => {
            let incoming = p
                .decisions
                .next_decision(&preview, opts.approval_timeout)
                .await
                .map_err(|e| (Some(StageName::ApplyDecision), StageError::from(e)))
                .map_err(interrupted)?
                .unwrap_or(IncomingDecision {
                    approval_id: preview.approval_id.clone(),
                    decision: Decision::Expired,
                    method: DecisionMethod::Timeout,
                    decided_by: "timeout".into(),
                    note: Some(format!("no decision within {:?}", opts.approval_timeout)),
                });
            let applied = stages::apply_decision(p.runs.as_ref(), p.clock.as_ref(), &incoming)
                .await
                .map_err(at(StageName::ApplyDecision))?;
            applied.decision == Some(Decision::Approved)
        }
    };

    if approved {
        step(StageName::PackageRelease)?;
        let pkg = stages::PackagePorts {
            runs: p.runs.as_ref(),
            artists: p.artists.as_ref(),
            assets: p.assets.as_ref(),
            releases: p.releases.as_ref(),
            queue: p.queue.as_ref(),
            cover: p.cover.as_ref(),
            clock: p.clock.as_ref(),
        };
        with_retry(n, "package-release", || {
            stages::package_release(&pkg, run_id)
        })
        .await
        .map_err(at(StageName::PackageRelease))?;
    }
    Ok(())
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DrainReport {
    pub delivered: Vec<stages::UploadReport>,
    /// `(message id, error name, message)` of messages left for redelivery.
    pub failed: Vec<(String, String, String)>,
    pub dead_letters: usize,
}

/// Drains the release queue once: every visible message is processed;
/// successes are acked, failures stay for redelivery (and dead-letter after
/// the queue's receive limit).
pub async fn drain_queue(p: &Pipeline, visibility: Duration) -> Result<DrainReport, StageError> {
    let distributors = p.distributor_list();
    let mut report = DrainReport {
        delivered: vec![],
        failed: vec![],
        dead_letters: 0,
    };
    loop {
        let batch = p.queue.receive(10, visibility).await?;
        if batch.is_empty() {
            break;
        }
        for m in batch {
            match stages::upload_release(
                p.releases.as_ref(),
                p.assets.as_ref(),
                &distributors,
                p.clock.as_ref(),
                &m.body,
            )
            .await
            {
                Ok(r) => {
                    p.queue.ack(&m.receipt).await?;
                    report.delivered.push(r);
                }
                Err(e) => {
                    tracing::warn!(message_id = %m.message_id, receive_count = m.receive_count, error = e.error_name(), message = %e.chain(), "release message not processed; left for redelivery");
                    report.failed.push((
                        m.message_id.clone(),
                        e.error_name().to_string(),
                        e.chain(),
                    ));
                }
            }
        }
    }
    report.dead_letters = p.queue.dead_letters().await?.len();
    Ok(report)
}

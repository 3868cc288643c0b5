//! One handler per Lambda function: parse the event, call one stage, shape a
//! small result. Only ids, S3 keys and a few numbers go in and out (Step
//! Functions' 256 KB limit); everything else is in the stores.
//!
//! Handlers take the raw JSON payload and parse it themselves, so a bad
//! event is a `Permanent.InvalidInput` with a message naming the field,
//! never a runtime deserialisation error under a Rust type name.

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use aws_lambda_events::event::sqs::{BatchItemFailure, SqsBatchResponse, SqsEvent};
use noktvrn_domain::ids::{BatchId, RunId};
use noktvrn_domain::run::RunStatus;
use noktvrn_pipeline::ports::{ArtistStore, AssetStore, HealthReport};
use noktvrn_pipeline::stages::{
    self, ApprovalState, OutcomePorts, PollOutcome, SelectPorts, WorkflowFailure,
};

use crate::deps::Deps;
use crate::error::HandlerError;

fn parse<T: DeserializeOwned>(payload: Value, what: &str) -> Result<T, HandlerError> {
    serde_json::from_value(payload)
        .map_err(|e| HandlerError::invalid_input(format!("{what} event: {e}")))
}

fn to_value<T: Serialize>(t: &T) -> Result<Value, HandlerError> {
    serde_json::to_value(t).map_err(|e| HandlerError::config(format!("cannot encode result: {e}")))
}

fn run_id(s: &str) -> Result<RunId, HandlerError> {
    RunId::parse(s).map_err(|e| HandlerError::invalid_input(format!("run_id: {e}")))
}

/// Every function the state machine invokes, by its function name, for the
/// test endpoint that stands in for Lambda (and `cargo lambda invoke`).
pub const STATE_MACHINE_FUNCTIONS: [&str; 10] = [
    "select-artists",
    "adapt-params",
    "generate-track",
    "poll-track",
    "analyze-audio",
    "select-video",
    "request-approval",
    "package-release",
    "record-outcome",
    "batch-summary",
];

/// Calls the handler of `function` (a name in [`STATE_MACHINE_FUNCTIONS`],
/// or `lifecycle-evaluate` / `health-check`) with only the ports that
/// function builds in AWS ([`crate::needs`]), so every test that goes
/// through here also proves the function's set is complete.
pub async fn invoke(deps: &Deps, function: &str, payload: Value) -> Result<Value, HandlerError> {
    let Some(needs) = crate::needs::of(function) else {
        return Err(HandlerError::invalid_input(format!(
            "no handler named {function:?}"
        )));
    };
    let deps = &deps.restricted(needs);
    match function {
        "select-artists" => select_artists(deps, payload).await,
        "adapt-params" => adapt_params(deps, payload).await,
        "generate-track" => generate_track(deps, payload).await,
        "poll-track" => poll_track(deps, payload).await,
        "analyze-audio" => analyze_audio(deps, payload).await,
        "select-video" => select_video(deps, payload).await,
        "request-approval" => request_approval(deps, payload).await,
        "package-release" => package_release(deps, payload).await,
        "record-outcome" => record_outcome(deps, payload).await,
        "batch-summary" => batch_summary(deps, payload).await,
        "lifecycle-evaluate" => lifecycle_evaluate(deps, payload).await,
        "health-check" => health_check(deps, payload).await,
        other => Err(HandlerError::invalid_input(format!(
            "no handler named {other:?}"
        ))),
    }
}

// ------------------------------------------------------------ select-artists

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct SelectInput {
    /// Overrides `BATCH_MAX_ARTISTS` for this batch.
    #[serde(default)]
    max_artists: Option<usize>,
    /// Overrides `RESPECT_CADENCE` (a manual batch may run everyone).
    #[serde(default)]
    respect_cadence: Option<bool>,
}

#[derive(Debug, Serialize, Deserialize)]
pub struct SelectOutput {
    pub batch_id: String,
    pub runs: Vec<stages::PlannedRun>,
    pub created_artist: Option<String>,
    pub skipped: Option<String>,
    /// Unfinished runs of executions that are gone, ended as interrupted.
    pub recovered: usize,
}

/// The dependencies the pipeline cannot run without, probed through the
/// ports: an unreachable store skips the batch instead of failing every
/// cycle.
pub async fn probe_health(deps: &Deps) -> Vec<HealthReport> {
    let p = &deps.pipeline;
    let mut reports = vec![];
    let probe_id = RunId::new(ulid_zero());
    let r = p.runs.get(&probe_id).await;
    reports.push(report("runs-store", true, r.map(|_| ())));
    let r = ArtistStore::get(
        p.artists.as_ref(),
        &noktvrn_domain::ids::ArtistId::from_name("health-probe"),
    )
    .await;
    reports.push(report("artists-store", true, r.map(|_| ())));
    let r = AssetStore::head(p.assets.as_ref(), "health/probe").await;
    reports.push(report("asset-store", true, r.map(|_| ())));
    reports
}

fn ulid_zero() -> ulid::Ulid {
    ulid::Ulid::from_parts(0, 0)
}

fn report(name: &str, critical: bool, r: Result<(), noktvrn_pipeline::StoreError>) -> HealthReport {
    HealthReport {
        name: name.into(),
        healthy: r.is_ok(),
        critical,
        detail: match r {
            Ok(()) => "ok".into(),
            Err(e) => StageErrorChain(e.into()).to_string(),
        },
    }
}

struct StageErrorChain(noktvrn_pipeline::StageError);
impl std::fmt::Display for StageErrorChain {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0.chain())
    }
}

pub async fn select_artists(deps: &Deps, payload: Value) -> Result<Value, HandlerError> {
    let input: SelectInput = if payload.is_null() {
        SelectInput::default()
    } else {
        parse(payload, "select-artists")?
    };
    let p = &deps.pipeline;
    let chain = p.llm_chain();
    let older_than = chrono::Duration::from_std(deps.settings.recover_after)
        .unwrap_or(chrono::Duration::days(2));
    let recovered = stages::recover_interrupted(
        p.runs.as_ref(),
        p.artists.as_ref(),
        p.assets.as_ref(),
        p.clock.as_ref(),
        older_than,
    )
    .await?;
    let outcome = OutcomePorts {
        runs: p.runs.as_ref(),
        artists: p.artists.as_ref(),
        llm: &chain,
        clock: p.clock.as_ref(),
    };
    for id in &recovered {
        stages::record_outcome(&outcome, &deps.settings.thresholds, id).await?;
    }
    let mut policy = deps.settings.policy();
    if let Some(n) = input.max_artists {
        if n == 0 {
            return Err(HandlerError::invalid_input("max_artists must be > 0"));
        }
        policy.max_artists = n;
    }
    if let Some(c) = input.respect_cadence {
        policy.respect_cadence = c;
    }
    let health = probe_health(deps).await;
    let plan = stages::select_artists(
        &SelectPorts {
            artists: p.artists.as_ref(),
            runs: p.runs.as_ref(),
            llm: &chain,
            clock: p.clock.as_ref(),
        },
        &policy,
        &health,
    )
    .await?;
    to_value(&SelectOutput {
        batch_id: plan.batch_id.to_string(),
        runs: plan.runs,
        created_artist: plan.created_artist.map(|a| a.to_string()),
        skipped: plan.skipped,
        recovered: recovered.len(),
    })
}

// ------------------------------------------------------------ per-run stages

#[derive(Debug, Deserialize)]
struct RunInput {
    run_id: String,
}

fn run_input(payload: Value, what: &str) -> Result<RunId, HandlerError> {
    let input: RunInput = parse(payload, what)?;
    run_id(&input.run_id)
}

pub async fn adapt_params(deps: &Deps, payload: Value) -> Result<Value, HandlerError> {
    let id = run_input(payload, "adapt-params")?;
    let p = &deps.pipeline;
    let chain = p.llm_chain();
    let params = stages::adapt_params(
        &stages::AdaptPorts {
            artists: p.artists.as_ref(),
            runs: p.runs.as_ref(),
            trends: p.trends.as_ref(),
            llm: &chain,
            clock: p.clock.as_ref(),
        },
        &id,
    )
    .await?;
    Ok(serde_json::json!({ "run_id": id, "title": params.title }))
}

pub async fn generate_track(deps: &Deps, payload: Value) -> Result<Value, HandlerError> {
    let id = run_input(payload, "generate-track")?;
    let p = &deps.pipeline;
    let task_id =
        stages::submit_track(p.runs.as_ref(), p.music.as_ref(), p.clock.as_ref(), &id).await?;
    Ok(serde_json::json!({ "run_id": id, "task_id": task_id }))
}

/// What the state machine's poll loop reads: `ready`, else wait `wait_s`
/// and poll again until `polls` reaches the guard.
#[derive(Debug, Serialize, Deserialize, PartialEq)]
pub struct PollOutput {
    pub ready: bool,
    pub polls: u32,
    pub wait_s: u64,
    pub audio_key: Option<String>,
}

pub async fn poll_track(deps: &Deps, payload: Value) -> Result<Value, HandlerError> {
    let id = run_input(payload, "poll-track")?;
    let p = &deps.pipeline;
    let out = match stages::poll_track(
        p.runs.as_ref(),
        p.music.as_ref(),
        p.assets.as_ref(),
        p.clock.as_ref(),
        &id,
    )
    .await?
    {
        PollOutcome::Ready { audio_key } => PollOutput {
            ready: true,
            polls: 0,
            wait_s: 0,
            audio_key: Some(audio_key),
        },
        PollOutcome::Pending { polls, wait_s } => PollOutput {
            ready: false,
            polls,
            wait_s: wait_s.clamp(1, deps.settings.max_poll_wait.as_secs().max(1)),
            audio_key: None,
        },
    };
    to_value(&out)
}

pub async fn analyze_audio(deps: &Deps, payload: Value) -> Result<Value, HandlerError> {
    let id = run_input(payload, "analyze-audio")?;
    let p = &deps.pipeline;
    let a =
        stages::analyze_audio(p.runs.as_ref(), p.assets.as_ref(), p.clock.as_ref(), &id).await?;
    Ok(serde_json::json!({
        "run_id": id,
        "analysis_key": a.analysis_key,
        "bpm": a.bpm,
        "key": a.key.map(|k| k.to_string()),
        "duration_s": a.duration_s,
    }))
}

pub async fn select_video(deps: &Deps, payload: Value) -> Result<Value, HandlerError> {
    let id = run_input(payload, "select-video")?;
    let p = &deps.pipeline;
    let sources = p.video_sources();
    let v = stages::select_video(
        p.runs.as_ref(),
        p.artists.as_ref(),
        &sources,
        p.clock.as_ref(),
        &id,
    )
    .await?;
    Ok(serde_json::json!({
        "run_id": id,
        "video": v.map(|v| serde_json::json!({"source": v.source, "clip_id": v.clip_id})),
    }))
}

// ------------------------------------------------------------ approval

#[derive(Debug, Deserialize)]
struct ApprovalInput {
    run_id: String,
    /// Absent on the first call (can the run be decided without a
    /// reviewer?), present on the `.waitForTaskToken` call.
    #[serde(default)]
    task_token: Option<String>,
}

/// Two calls from the state machine:
///
/// - without a task token: decides the run when no person is needed
///   (autopilot, or decided earlier) and answers `decided`; the workflow
///   then skips the wait;
/// - with a task token (the `.waitForTaskToken` task): stores the token
///   behind a short approval id and sends the Telegram preview; the
///   execution continues with the token's answer. A run found decided by
///   then (a retry after the decision) answers its own token.
pub async fn request_approval(deps: &Deps, payload: Value) -> Result<Value, HandlerError> {
    let input: ApprovalInput = parse(payload, "request-approval")?;
    let id = run_id(&input.run_id)?;
    let p = &deps.pipeline;
    let Some(token) = input.task_token else {
        let state = stages::decide_without_reviewer(
            p.runs.as_ref(),
            p.artists.as_ref(),
            p.assets.as_ref(),
            p.approval.as_ref(),
            p.clock.as_ref(),
            &id,
            deps.settings.approval_timeout,
        )
        .await?;
        return Ok(match state {
            Some(ApprovalState::Decided { decision, method }) => serde_json::json!({
                "run_id": id, "decided": true, "decision": decision, "method": method,
            }),
            _ => serde_json::json!({ "run_id": id, "decided": false, "decision": null }),
        });
    };
    if token.is_empty() {
        return Err(HandlerError::invalid_input("task_token is empty"));
    }
    let state = stages::request_approval(
        p.runs.as_ref(),
        p.artists.as_ref(),
        p.assets.as_ref(),
        p.approval.as_ref(),
        p.clock.as_ref(),
        &id,
        Some(&token),
        deps.settings.approval_timeout,
    )
    .await?;
    let answered = stages::resume_if_decided(deps.workflow.as_ref(), &token, &state).await?;
    Ok(match state {
        ApprovalState::Decided { decision, method } => serde_json::json!({
            "run_id": id, "decided": true, "decision": decision, "method": method, "answered": answered,
        }),
        ApprovalState::Pending { preview } => serde_json::json!({
            "run_id": id, "decided": false, "approval_id": preview.approval_id,
        }),
    })
}

// ------------------------------------------------------------ package, outcome

pub async fn package_release(deps: &Deps, payload: Value) -> Result<Value, HandlerError> {
    let id = run_input(payload, "package-release")?;
    let p = &deps.pipeline;
    let release_id = stages::package_release(
        &stages::PackagePorts {
            runs: p.runs.as_ref(),
            artists: p.artists.as_ref(),
            assets: p.assets.as_ref(),
            releases: p.releases.as_ref(),
            queue: p.queue.as_ref(),
            cover: p.cover.as_ref(),
            clock: p.clock.as_ref(),
        },
        &id,
    )
    .await?;
    Ok(serde_json::json!({ "run_id": id, "release_id": release_id }))
}

#[derive(Debug, Deserialize)]
struct OutcomeInput {
    run_id: String,
    /// The error a `Catch` caught (`{"Error": …, "Cause": …}`), if any.
    #[serde(default)]
    failure: Option<WorkflowFailure>,
}

pub async fn record_outcome(deps: &Deps, payload: Value) -> Result<Value, HandlerError> {
    let input: OutcomeInput = parse(payload, "record-outcome")?;
    let id = run_id(&input.run_id)?;
    let p = &deps.pipeline;
    let chain = p.llm_chain();
    let closed = stages::close_run(
        &OutcomePorts {
            runs: p.runs.as_ref(),
            artists: p.artists.as_ref(),
            llm: &chain,
            clock: p.clock.as_ref(),
        },
        &deps.settings.thresholds,
        &id,
        input.failure.as_ref(),
    )
    .await?;
    to_value(&closed)
}

#[derive(Debug, Deserialize)]
struct BatchInput {
    batch_id: String,
}

pub async fn batch_summary(deps: &Deps, payload: Value) -> Result<Value, HandlerError> {
    let input: BatchInput = parse(payload, "batch-summary")?;
    let batch = BatchId::parse(&input.batch_id)
        .map_err(|e| HandlerError::invalid_input(format!("batch_id: {e}")))?;
    let p = &deps.pipeline;
    let summary = stages::batch_summary(p.runs.as_ref(), p.artists.as_ref(), &batch).await?;
    tracing::info!(
        batch_id = %summary.batch_id,
        completed = summary.completed,
        rejected = summary.rejected,
        expired = summary.expired,
        failed = summary.failed,
        unfinished = summary.unfinished,
        "batch summary"
    );
    to_value(&summary)
}

// ------------------------------------------------------------ scheduled

pub async fn lifecycle_evaluate(deps: &Deps, _payload: Value) -> Result<Value, HandlerError> {
    let p = &deps.pipeline;
    let changes = stages::lifecycle_evaluate(
        p.artists.as_ref(),
        p.runs.as_ref(),
        p.trends.as_ref(),
        p.clock.as_ref(),
        &deps.settings.thresholds,
    )
    .await?;
    for c in &changes {
        tracing::info!(artist_id = %c.artist_id, rule = c.rule, from = ?c.from, to = ?c.to, reason = %c.reason, "lifecycle change");
    }
    Ok(serde_json::json!({ "changes": changes }))
}

/// Scheduled: probes the stores and keeps every open approval wait alive
/// (`SendTaskHeartbeat`) while they are healthy. When the stores are down
/// no heartbeat goes out, so the waits end by `HeartbeatSeconds` as
/// expired runs instead of hanging on a broken system.
pub async fn health_check(deps: &Deps, _payload: Value) -> Result<Value, HandlerError> {
    let checks = probe_health(deps).await;
    let healthy = checks.iter().all(|c| c.healthy || !c.critical);
    let heartbeats = if healthy {
        stages::heartbeat_pending_approvals(
            deps.pipeline.runs.as_ref(),
            deps.workflow.as_ref(),
            deps.pipeline.clock.as_ref(),
        )
        .await?
    } else {
        0
    };
    for c in checks.iter().filter(|c| !c.healthy) {
        tracing::error!(dependency = %c.name, detail = %c.detail, "dependency unhealthy");
    }
    Ok(serde_json::json!({ "healthy": healthy, "checks": checks, "heartbeats": heartbeats }))
}

// ------------------------------------------------------------ upload (SQS)

/// The SQS consumer: each record is one release message; a record that
/// fails is reported in `batchItemFailures` so only it is redelivered (and
/// dead-lettered after the queue's receive limit), while the others are
/// deleted.
pub async fn upload_release(deps: &Deps, event: SqsEvent) -> SqsBatchResponse {
    let p = &deps.pipeline;
    let distributors = p.distributor_list();
    let mut response = SqsBatchResponse::default();
    for record in event.records {
        let message_id = record.message_id.clone().unwrap_or_default();
        let body = record.body.clone().unwrap_or_default();
        match stages::upload_release(
            p.releases.as_ref(),
            p.assets.as_ref(),
            &distributors,
            p.clock.as_ref(),
            &body,
        )
        .await
        {
            Ok(report) => {
                tracing::info!(%message_id, release_id = %report.release_id, status = ?report.status, "release delivered");
            }
            Err(e) => {
                tracing::warn!(%message_id, error = e.error_name(), message = %e.chain(), "release message failed; left for redelivery");
                let mut failure = BatchItemFailure::default();
                failure.item_identifier = message_id;
                response.batch_item_failures.push(failure);
            }
        }
    }
    response
}

// ------------------------------------------------------------ webhook

/// An HTTP answer for the webhook shell: status and JSON body.
#[derive(Debug, Clone, PartialEq)]
pub struct HttpReply {
    pub status: u16,
    pub body: Value,
}

/// The Telegram webhook: verifies the secret header, claims the decision
/// with a conditional write, resumes the execution, and answers the button
/// press in the HTTP response itself (Telegram's webhook reply), so nothing
/// waits on an outbound call. Every update Telegram sends gets a 200 unless
/// the secret is wrong, or Telegram would redeliver it forever; a store
/// failure is a 500 so Telegram retries later.
pub async fn telegram_webhook(deps: &Deps, secret: Option<&str>, body: &[u8]) -> HttpReply {
    use noktvrn_telegram::WebhookOutcome;
    let Some(webhook) = deps.webhook.as_ref() else {
        tracing::error!("telegram webhook called but Telegram is not configured");
        return HttpReply {
            status: 503,
            body: serde_json::json!({"error": "telegram is not configured"}),
        };
    };
    match webhook.handle(secret, body) {
        WebhookOutcome::Unauthorized => HttpReply {
            status: 401,
            body: serde_json::json!({"error": "unauthorized"}),
        },
        WebhookOutcome::Ignored { reason } => {
            tracing::info!(%reason, "update ignored");
            HttpReply {
                status: 200,
                body: serde_json::json!({}),
            }
        }
        WebhookOutcome::Refused {
            callback_query_id,
            reason,
        } => {
            tracing::warn!(%reason, "button press refused");
            HttpReply {
                status: 200,
                body: noktvrn_telegram::answer_callback(&callback_query_id, "Not allowed"),
            }
        }
        WebhookOutcome::Decision {
            decision,
            callback_query_id,
        } => {
            let p = &deps.pipeline;
            match stages::decide_and_resume(
                p.runs.as_ref(),
                p.clock.as_ref(),
                deps.workflow.as_ref(),
                &decision,
            )
            .await
            {
                Ok(r) => {
                    let text = decision_text(&r);
                    HttpReply {
                        status: 200,
                        body: noktvrn_telegram::answer_callback(&callback_query_id, &text),
                    }
                }
                Err(e) if matches!(e.error_name(), n if n.starts_with("Permanent.")) => {
                    tracing::warn!(error = e.error_name(), message = %e.chain(), "decision not applied");
                    HttpReply {
                        status: 200,
                        body: noktvrn_telegram::answer_callback(
                            &callback_query_id,
                            "This request is unknown or no longer open",
                        ),
                    }
                }
                Err(e) => {
                    tracing::error!(error = e.error_name(), message = %e.chain(), "decision failed; Telegram will retry");
                    HttpReply {
                        status: 500,
                        body: serde_json::json!({"error": e.error_name()}),
                    }
                }
            }
        }
    }
}

fn decision_text(r: &stages::DecisionResumed) -> String {
    let what = match r.decision {
        Some(d) => serde_json::to_value(d)
            .ok()
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_else(|| "decided".into()),
        None => "open".into(),
    };
    if r.applied {
        format!("Recorded: {what}")
    } else if r.status == RunStatus::PendingApproval {
        "Still open".into()
    } else {
        format!("Already decided: {what}")
    }
}

//! The batch workflow on AWS, proven locally: the real ASL
//! (`statemachine/batch.asl.json`) runs on moto's Step Functions executor,
//! its Lambda tasks execute the project's real handlers in-process, and the
//! adapters talk to moto's DynamoDB, S3, SQS and Step Functions with the
//! real aws-sdk clients.
//!
//! moto's executor sends its service calls to `localhost:$MOTO_PORT`. We
//! start a small endpoint first and give its port to moto as `MOTO_PORT`:
//! it serves `POST /2015-03-31/functions/{name}/invocations` by calling the
//! handler (errors come back as real Lambda does: `X-Amz-Function-Error`
//! and `{"errorType", "errorMessage"}`), plays the Telegram Bot API for the
//! real Telegram adapter, and forwards every other request to moto.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use async_trait::async_trait;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use secrecy::SecretString;
use serde_json::{Value, json};

use noktvrn_aws::testing::{MotoServer, TestStack, unique_prefix};
use noktvrn_domain::ids::ArtistId;
use noktvrn_domain::release::{Manifest, ReleaseMessage, ReleaseStatus};
use noktvrn_domain::run::{Decision, DecisionMethod, Run, RunStatus};
use noktvrn_lambda::config::Settings;
use noktvrn_lambda::deps::{Deps, Stores};
use noktvrn_lambda::handlers;
use noktvrn_lambda::needs;
use noktvrn_local::LocalBackend;
use noktvrn_offline::SynthMusic;
use noktvrn_pipeline::ProviderError;
use noktvrn_pipeline::ports::*;
use noktvrn_pipeline::runner::{self, BatchOptions, CancelFlag, NoProgress, Pipeline};
use noktvrn_pipeline::stages::{self, SelectionPolicy};
use noktvrn_telegram::{ChatTarget, TelegramApproval, TelegramConfig, Webhook};

const BOT_TOKEN: &str = "123456:TEST-token_for-local-telegram";
const WEBHOOK_SECRET: &str = "local-webhook-secret-0123456789";
const REVIEWER: i64 = 4242;
const CHAT: i64 = -1001234567890;

// ------------------------------------------------------------ fakes

/// The music provider of one artist is down: every submit fails as a 503
/// would. Everyone else gets the offline synthesiser.
struct FlakyMusic {
    inner: SynthMusic,
    runs: Arc<dyn RunStore>,
    failing: ArtistId,
    failures: AtomicU32,
}

#[async_trait]
impl MusicGenerator for FlakyMusic {
    fn provider(&self) -> &str {
        self.inner.provider()
    }
    async fn submit(&self, request: &TrackRequest) -> Result<String, ProviderError> {
        let run = self.runs.get(&request.run_id).await.ok().flatten();
        if run.is_some_and(|r| r.artist_id == self.failing) {
            self.failures.fetch_add(1, Ordering::SeqCst);
            return Err(ProviderError::Unavailable {
                provider: "suno".into(),
                message: "503 Service Unavailable".into(),
                source: None,
            });
        }
        self.inner.submit(request).await
    }
    async fn poll(&self, task_id: &str) -> Result<TrackStatus, ProviderError> {
        self.inner.poll(task_id).await
    }
    async fn fetch_audio(&self, clip: &GeneratedClip) -> Result<Vec<u8>, ProviderError> {
        self.inner.fetch_audio(clip).await
    }
}

// ------------------------------------------------------------ the local endpoint

#[derive(Clone, Default)]
struct Endpoint {
    deps: Arc<OnceLock<Arc<Deps>>>,
    moto: Arc<OnceLock<String>>,
    http: reqwest::Client,
    invocations: Arc<Mutex<Vec<(String, bool)>>>,
    telegram: Arc<Mutex<Vec<Value>>>,
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && i + 2 < bytes.len()
            && let Ok(b) = u8::from_str_radix(&s[i + 1..i + 3], 16)
        {
            out.push(b);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// `select-artists` from a function name or ARN.
fn function_name(segment: &str) -> String {
    let decoded = percent_decode(segment);
    match decoded.split_once(":function:") {
        Some((_, rest)) => rest.split(':').next().unwrap_or(rest).to_string(),
        None => decoded,
    }
}

async fn serve(
    State(ep): State<Endpoint>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let path = uri.path().to_string();
    if method == Method::POST
        && path.starts_with("/2015-03-31/functions/")
        && path.ends_with("/invocations")
    {
        let segment = &path["/2015-03-31/functions/".len()..path.len() - "/invocations".len()];
        let name = function_name(segment);
        let payload: Value = if body.is_empty() {
            Value::Null
        } else {
            match serde_json::from_slice(&body) {
                Ok(v) => v,
                Err(e) => return (StatusCode::BAD_REQUEST, e.to_string()).into_response(),
            }
        };
        let deps = ep
            .deps
            .get()
            .expect("deps set before the first execution")
            .clone();
        let result = handlers::invoke(&deps, &name, payload).await;
        ep.invocations
            .lock()
            .unwrap()
            .push((name.clone(), result.is_ok()));
        return match result {
            Ok(v) => (
                StatusCode::OK,
                [("content-type", "application/json")],
                v.to_string(),
            )
                .into_response(),
            Err(e) => (
                StatusCode::OK,
                [
                    ("content-type", "application/json"),
                    ("x-amz-function-error", "Unhandled"),
                ],
                noktvrn_lambda::error::error_payload(&e).to_string(),
            )
                .into_response(),
        };
    }
    if let Some(rest) = path.strip_prefix("/bot") {
        // The Telegram Bot API, as far as the adapter uses it.
        let method_name = rest.rsplit('/').next().unwrap_or_default().to_string();
        let request: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
        let mut sent = ep.telegram.lock().unwrap();
        sent.push(json!({"method": method_name, "request": request}));
        let result = if method_name == "sendMessage" {
            json!({
                "message_id": 100 + sent.len(),
                "date": 1_764_000_000,
                "chat": {"id": CHAT, "type": "supergroup", "title": "approvals"},
                "text": request.get("text").cloned().unwrap_or(json!("")),
            })
        } else {
            json!(true)
        };
        return (
            StatusCode::OK,
            [("content-type", "application/json")],
            json!({"ok": true, "result": result}).to_string(),
        )
            .into_response();
    }
    // Everything else is moto's.
    let moto = ep.moto.get().expect("moto started").clone();
    let url = format!(
        "{moto}{}",
        uri.path_and_query().map(|p| p.as_str()).unwrap_or("/")
    );
    let mut req = ep.http.request(method, url).body(body);
    for (k, v) in &headers {
        if k != "host" && k != "content-length" {
            req = req.header(k, v);
        }
    }
    match req.send().await {
        Ok(r) => {
            let status = r.status();
            let mut out_headers = HeaderMap::new();
            for (k, v) in r.headers() {
                if k != "content-length" && k != "transfer-encoding" && k != "connection" {
                    out_headers.insert(k.clone(), v.clone());
                }
            }
            let bytes = r.bytes().await.unwrap_or_default();
            (status, out_headers, bytes).into_response()
        }
        Err(e) => (StatusCode::BAD_GATEWAY, e.to_string()).into_response(),
    }
}

/// One test's world: endpoint, moto, the provisioned stack, the deps the
/// handlers use, and the state machine.
struct World {
    _moto: MotoServer,
    endpoint: Endpoint,
    endpoint_url: String,
    stack: TestStack,
    deps: Arc<Deps>,
    music: Arc<FlakyMusic>,
    sfn: aws_sdk_sfn::Client,
    state_machine_arn: String,
}

struct Knobs {
    approval_timeout_s: u64,
    heartbeat_s: u64,
}

async fn world(knobs: Knobs) -> World {
    let endpoint = Endpoint::default();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let app = axum::Router::new()
        .fallback(serve)
        .with_state(endpoint.clone());
    tokio::spawn(async move {
        axum::serve(listener, app).await.unwrap();
    });
    let endpoint_url = format!("http://127.0.0.1:{port}");

    let moto = MotoServer::start_with_env(&[("MOTO_PORT", &port.to_string())]);
    moto.enable_sfn_execution();
    endpoint.moto.set(moto.endpoint().to_string()).unwrap();
    let stack = moto.provision(&unique_prefix("wf"), 3).await;
    let aws = stack.stores();
    let stores = Stores::from_aws(&aws);
    let runs = stores.runs.clone();

    let telegram = TelegramConfig::new(
        SecretString::from(BOT_TOKEN),
        ChatTarget::Id(CHAT),
        [REVIEWER],
        SecretString::from(WEBHOOK_SECRET),
    )
    .unwrap()
    .with_api_url(&endpoint_url)
    .unwrap();
    let channel = TelegramApproval::new(&telegram).unwrap();
    let webhook = Webhook::new(&telegram);
    let settings = Settings {
        approval_timeout: Duration::from_secs(knobs.approval_timeout_s),
        max_poll_wait: Duration::from_secs(1),
        ..Settings::default()
    };
    let mut deps = Deps::assemble(
        stores,
        Some(Arc::new(channel)),
        Some(Arc::new(webhook)),
        Arc::new(noktvrn_aws::SfnCallback::new(&stack.sdk)),
        Arc::new(SystemClock),
        settings,
    );
    noktvrn_cli::app::seed_if_empty(
        deps.pipeline.artists.as_ref(),
        deps.pipeline.trends.as_ref(),
        deps.pipeline.clock.as_ref(),
    )
    .await
    .unwrap();
    let failing = assign_roles(&deps.pipeline).await.failing;
    let music = Arc::new(FlakyMusic {
        inner: SynthMusic::new(),
        runs,
        failing,
        failures: AtomicU32::new(0),
    });
    deps.pipeline.music = music.clone();
    let deps = Arc::new(deps);
    endpoint.deps.set(deps.clone()).ok().unwrap();

    // The real definition with the template's substitutions filled in.
    let asl = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../statemachine/batch.asl.json"
    ))
    .unwrap();
    let mut subs: BTreeMap<String, String> = BTreeMap::new();
    for f in [
        "SelectArtists",
        "AdaptParams",
        "GenerateTrack",
        "PollTrack",
        "AnalyzeAudio",
        "SelectVideo",
        "RequestApproval",
        "PackageRelease",
        "RecordOutcome",
        "BatchSummary",
    ] {
        let kebab: String = f
            .chars()
            .enumerate()
            .flat_map(|(i, c)| {
                if c.is_uppercase() && i > 0 {
                    vec!['-', c.to_ascii_lowercase()]
                } else {
                    vec![c.to_ascii_lowercase()]
                }
            })
            .collect();
        subs.insert(
            format!("{f}FunctionArn"),
            format!("arn:aws:lambda:us-east-1:123456789012:function:{kebab}"),
        );
    }
    subs.insert("MapMaxConcurrency".into(), "5".into());
    subs.insert("MaxTrackPolls".into(), "5".into());
    subs.insert(
        "ApprovalTimeoutSeconds".into(),
        knobs.approval_timeout_s.to_string(),
    );
    subs.insert(
        "ApprovalHeartbeatSeconds".into(),
        knobs.heartbeat_s.to_string(),
    );
    let mut definition = asl;
    for (k, v) in &subs {
        definition = definition.replace(&format!("${{{k}}}"), v);
    }
    assert!(!definition.contains("${"), "every substitution filled");
    let sfn = aws_sdk_sfn::Client::new(&stack.sdk);
    let created = sfn
        .create_state_machine()
        .name("noktvrn-batch-test")
        .definition(definition)
        .role_arn("arn:aws:iam::123456789012:role/noktvrn-batch")
        .r#type(aws_sdk_sfn::types::StateMachineType::Standard)
        .send()
        .await
        .unwrap();
    World {
        _moto: moto,
        endpoint,
        endpoint_url,
        stack,
        deps,
        music,
        sfn,
        state_machine_arn: created.state_machine_arn().to_string(),
    }
}

/// Who does what: the starter roster sorted by id; the autopilot artist
/// approves itself, the first human is approved, the second rejected, the
/// third's music provider is down, the fourth approved.
struct Roles {
    approve: BTreeSet<ArtistId>,
    reject: ArtistId,
    failing: ArtistId,
    autopilot: ArtistId,
}

async fn assign_roles(p: &Pipeline) -> Roles {
    let mut artists = p.artists.list().await.unwrap();
    artists.sort_by(|a, b| a.artist_id.as_str().cmp(b.artist_id.as_str()));
    let autopilot = artists
        .iter()
        .find(|a| a.autopilot_enabled)
        .unwrap()
        .artist_id
        .clone();
    let humans: Vec<ArtistId> = artists
        .iter()
        .filter(|a| !a.autopilot_enabled)
        .map(|a| a.artist_id.clone())
        .collect();
    assert_eq!(
        humans.len(),
        4,
        "the starter roster has four human-approved artists"
    );
    Roles {
        approve: [humans[0].clone(), humans[3].clone()].into_iter().collect(),
        reject: humans[1].clone(),
        failing: humans[2].clone(),
        autopilot,
    }
}

impl World {
    async fn start(&self, input: Value) -> String {
        self.sfn
            .start_execution()
            .state_machine_arn(&self.state_machine_arn)
            .input(input.to_string())
            .send()
            .await
            .unwrap()
            .execution_arn()
            .to_string()
    }

    async fn wait_done(
        &self,
        arn: &str,
        limit: Duration,
    ) -> aws_sdk_sfn::operation::describe_execution::DescribeExecutionOutput {
        let t0 = Instant::now();
        loop {
            let d = self
                .sfn
                .describe_execution()
                .execution_arn(arn)
                .send()
                .await
                .unwrap();
            if d.status() != &aws_sdk_sfn::types::ExecutionStatus::Running {
                return d;
            }
            assert!(
                t0.elapsed() < limit,
                "execution still running after {limit:?}"
            );
            tokio::time::sleep(Duration::from_millis(250)).await;
        }
    }

    async fn runs_of_batch(&self) -> Vec<Run> {
        let mut runs = self.deps.pipeline.runs.list_recent(100).await.unwrap();
        runs.sort_by(|a, b| a.artist_id.as_str().cmp(b.artist_id.as_str()));
        runs
    }

    /// Waits until `artist`'s run waits for approval; returns its approval id.
    async fn pending_approval(&self, artist: &ArtistId, limit: Duration) -> String {
        let t0 = Instant::now();
        loop {
            let runs = self
                .deps
                .pipeline
                .runs
                .list_by_artist(artist, 1)
                .await
                .unwrap();
            if let Some(r) = runs.first() {
                if r.status == RunStatus::PendingApproval {
                    return r.approval_request.as_ref().unwrap().approval_id.clone();
                }
                assert!(
                    !r.status.is_terminal(),
                    "{artist} ended as {} before approval",
                    r.status
                );
            }
            assert!(
                t0.elapsed() < limit,
                "{artist} never reached pending approval"
            );
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }

    /// A reviewer presses a button: the update Telegram would POST.
    async fn press(&self, verb: &str, approval_id: &str, user: i64) -> handlers::HttpReply {
        let update = json!({
            "update_id": 900_000 + user,
            "callback_query": {
                "id": format!("cbq-{approval_id}-{user}"),
                "from": {"id": user, "is_bot": false, "first_name": "Rev", "username": "reviewer"},
                "message": {"message_id": 101, "date": 1_764_000_000, "chat": {"id": CHAT, "type": "supergroup", "title": "approvals"}, "text": "preview"},
                "chat_instance": "-857382038475",
                "data": format!("{verb}:{approval_id}"),
            }
        });
        handlers::telegram_webhook(
            &self.deps.restricted(needs::TELEGRAM_WEBHOOK),
            Some(WEBHOOK_SECRET),
            update.to_string().as_bytes(),
        )
        .await
    }
}

fn answer_text(reply: &handlers::HttpReply) -> String {
    assert_eq!(reply.status, 200, "{:?}", reply.body);
    assert_eq!(
        reply.body["method"], "answerCallbackQuery",
        "{:?}",
        reply.body
    );
    reply.body["text"].as_str().unwrap_or_default().to_string()
}

/// What the local backend writes for the same roster and decisions.
struct LocalDecisions(Roles);

#[async_trait]
impl DecisionSource for LocalDecisions {
    async fn next_decision(
        &self,
        p: &ApprovalPreview,
        _w: Duration,
    ) -> Result<Option<IncomingDecision>, ProviderError> {
        let decision = if p.artist_id == self.0.reject {
            Decision::Rejected
        } else {
            Decision::Approved
        };
        Ok(Some(IncomingDecision {
            approval_id: p.approval_id.clone(),
            decision,
            method: DecisionMethod::Human,
            decided_by: format!("telegram:{REVIEWER}"),
            note: None,
        }))
    }
}

/// A run reduced to what must match between backends.
fn shape(r: &Run) -> Value {
    json!({
        "artist_id": r.artist_id,
        "status": r.status,
        "outcome": r.outcome,
        "stages": r.stages.iter().map(|s| json!([s.stage, s.outcome])).collect::<Vec<_>>(),
        "failure": r.failure.as_ref().map(|f| json!([f.stage, f.error_name])),
        "decision": r.approval.as_ref().map(|a| json!([a.decision, a.method])),
        "has_params": r.params.is_some(),
        "has_analysis": r.analysis.is_some(),
        "has_video": r.video.is_some(),
        "has_track": r.track.is_some(),
        "released": r.release_id.is_some(),
        "recorded": r.outcome_recorded_at.is_some(),
    })
}

async fn package_shape(p: &Pipeline, release_id: &noktvrn_domain::ids::ReleaseId) -> Value {
    let manifest: Manifest = stages::verify_package(p.assets.as_ref(), release_id)
        .await
        .unwrap();
    let metadata: Value = serde_json::from_slice(
        &p.assets
            .get(&noktvrn_domain::release::keys::release_file(
                release_id,
                "metadata.json",
            ))
            .await
            .unwrap(),
    )
    .unwrap();
    let v = noktvrn_tests::violations("release_metadata.schema.json", &metadata);
    assert!(v.is_empty(), "metadata.json violates its schema: {v:?}");
    let mut fields: Vec<String> = metadata.as_object().unwrap().keys().cloned().collect();
    fields.sort();
    json!({
        "files": manifest.files.iter().map(|f| json!([f.path, f.content_type])).collect::<Vec<_>>(),
        "metadata_fields": fields,
    })
}

// ------------------------------------------------------------ tests

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_batch_runs_on_the_real_state_machine_and_writes_what_the_local_backend_writes() {
    let w = world(Knobs {
        approval_timeout_s: 300,
        heartbeat_s: 240,
    })
    .await;
    let roles = assign_roles(&w.deps.pipeline).await;
    let arn = w.start(json!({"respect_cadence": false})).await;

    // The reviewer answers in Telegram: each press goes through the webhook
    // handler exactly as API Gateway would deliver it.
    for artist in roles.approve.iter().chain([&roles.reject]) {
        let approval_id = w.pending_approval(artist, Duration::from_secs(240)).await;
        let verb = if *artist == roles.reject {
            "reject"
        } else {
            "approve"
        };
        // Someone not on the allow list is refused and changes nothing.
        assert_eq!(
            answer_text(&w.press(verb, &approval_id, 777).await),
            "Not allowed"
        );
        let text = answer_text(&w.press(verb, &approval_id, REVIEWER).await);
        assert!(text.starts_with("Recorded"), "{text}");
        // Telegram redelivers the same update: nothing changes twice.
        let again = answer_text(&w.press(verb, &approval_id, REVIEWER).await);
        assert!(again.starts_with("Already decided"), "{again}");
    }
    let done = w.wait_done(&arn, Duration::from_secs(300)).await;
    assert_eq!(
        done.status(),
        &aws_sdk_sfn::types::ExecutionStatus::Succeeded,
        "{:?}",
        done.error()
    );
    let summary: Value = serde_json::from_str(done.output().unwrap()).unwrap();
    let runs = w.runs_of_batch().await;
    let failures: Vec<_> = runs
        .iter()
        .map(|r| (r.artist_id.to_string(), r.status, r.failure.clone()))
        .collect();
    assert_eq!(summary["completed"], 3, "{summary} {failures:?}");
    assert_eq!(summary["rejected"], 1, "{summary}");
    assert_eq!(
        summary["failed"], 1,
        "one artist failing never fails the batch: {summary}"
    );
    assert_eq!(summary["unfinished"], 0, "{summary}");

    // The provider failure was retried by the state machine (Retry on
    // Retryable.Provider, 3 retries), then caught and recorded.
    assert_eq!(
        w.music.failures.load(Ordering::SeqCst),
        4,
        "1 attempt + 3 retries"
    );
    assert_eq!(runs.len(), 5);
    let failed = runs.iter().find(|r| r.artist_id == roles.failing).unwrap();
    assert_eq!(failed.status, RunStatus::Failed);
    let f = failed.failure.as_ref().unwrap();
    assert_eq!(f.error_name, "Retryable.Provider");
    assert_eq!(f.stage.map(|s| s.as_str()), Some("generate-track"));
    assert!(f.message.contains("503"), "{}", f.message);
    let auto = runs
        .iter()
        .find(|r| r.artist_id == roles.autopilot)
        .unwrap();
    assert_eq!(
        auto.approval.as_ref().unwrap().method,
        DecisionMethod::Autopilot
    );
    for r in &runs {
        assert!(
            r.outcome_recorded_at.is_some(),
            "{} outcome recorded",
            r.artist_id
        );
    }
    // Telegram got one preview per human artist whose cycle reached approval,
    // with the approval id in its buttons.
    let sent: Vec<Value> = w
        .endpoint
        .telegram
        .lock()
        .unwrap()
        .iter()
        .filter(|m| m["method"] == "sendMessage")
        .cloned()
        .collect();
    assert_eq!(sent.len(), 3, "{sent:?}");
    for m in &sent {
        assert_eq!(m["request"]["chat_id"], CHAT);
        assert!(
            m["request"]["reply_markup"]
                .to_string()
                .contains("approve:")
        );
    }

    // Packages in S3 verify against their manifests; one message per
    // release is in SQS; the upload consumer delivers them.
    let p = &w.deps.pipeline;
    let mut aws_packages = BTreeMap::new();
    for r in runs.iter().filter(|r| r.status == RunStatus::Completed) {
        let id = r.release_id.clone().unwrap();
        aws_packages.insert(r.artist_id.to_string(), package_shape(p, &id).await);
    }
    assert_eq!(aws_packages.len(), 3);
    let deliveries = p.queue.receive(10, Duration::from_secs(30)).await.unwrap();
    assert_eq!(deliveries.len(), 3, "one release message per release");
    let mut records = vec![];
    for d in &deliveries {
        let msg: ReleaseMessage = serde_json::from_str(&d.body).unwrap();
        assert!(
            runs.iter()
                .any(|r| r.release_id.as_ref() == Some(&msg.release_id))
        );
        assert_eq!(
            msg.manifest_key,
            noktvrn_domain::release::keys::manifest(&msg.release_id)
        );
        let mut rec = aws_lambda_events::event::sqs::SqsMessage::default();
        rec.message_id = Some(d.message_id.clone());
        rec.body = Some(d.body.clone());
        records.push(rec);
    }
    let mut event = aws_lambda_events::event::sqs::SqsEvent::default();
    event.records = records;
    let response = handlers::upload_release(&w.deps.restricted(needs::UPLOAD_RELEASE), event).await;
    assert!(
        response.batch_item_failures.is_empty(),
        "{:?}",
        response.batch_item_failures
    );
    for d in &deliveries {
        let msg: ReleaseMessage = serde_json::from_str(&d.body).unwrap();
        let rec = p.releases.get(&msg.release_id).await.unwrap().unwrap();
        assert_eq!(rec.status, ReleaseStatus::Delivered, "{rec:?}");
        let outbox = noktvrn_pipeline::outbox::outbox_prefix(msg.release_id.as_str());
        assert!(
            p.assets
                .exists(&format!("{outbox}manifest.json"))
                .await
                .unwrap()
        );
    }

    // The same roster and decisions on the local backend write the same
    // shapes of runs and packages.
    let dir = tempfile::tempdir().unwrap();
    let backend = LocalBackend::open(dir.path()).unwrap();
    let mut local = noktvrn_tests::pipeline(&backend, None);
    noktvrn_tests::seed(&local).await;
    let local_roles = assign_roles(&local).await;
    local.music = Arc::new(FlakyMusic {
        inner: SynthMusic::new(),
        runs: local.runs.clone(),
        failing: local_roles.failing.clone(),
        failures: AtomicU32::new(0),
    });
    local.decisions = Arc::new(LocalDecisions(local_roles));
    let opts = BatchOptions {
        policy: SelectionPolicy {
            respect_cadence: false,
            creation_probability: 0.0,
            ..Default::default()
        },
        ..Default::default()
    };
    runner::run_batch(&local, &opts, &NoProgress, &CancelFlag::default())
        .await
        .unwrap();
    let mut local_runs = local.runs.list_recent(100).await.unwrap();
    local_runs.sort_by(|a, b| a.artist_id.as_str().cmp(b.artist_id.as_str()));
    assert_eq!(local_runs.len(), runs.len());
    for (a, l) in runs.iter().zip(&local_runs) {
        assert_eq!(
            shape(a),
            shape(l),
            "run of {} differs between AWS and local",
            a.artist_id
        );
        if let (Some(ra), Some(rl)) = (&a.release_id, &l.release_id) {
            assert_eq!(
                aws_packages[a.artist_id.as_str()],
                package_shape(&local, rl).await,
                "package of {}",
                a.artist_id
            );
            assert_eq!(ra.as_str().len(), rl.as_str().len());
        }
    }
    let invocations = w.endpoint.invocations.lock().unwrap().clone();
    assert!(
        invocations
            .iter()
            .any(|(n, ok)| n == "generate-track" && !ok)
    );
    assert_eq!(
        invocations
            .iter()
            .filter(|(n, _)| n == "batch-summary")
            .count(),
        1
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn an_unanswered_approval_expires_and_a_late_click_changes_nothing() {
    // Heartbeats every second keep the wait alive past HeartbeatSeconds, so
    // it is TimeoutSeconds that ends it.
    let w = world(Knobs {
        approval_timeout_s: 6,
        heartbeat_s: 3,
    })
    .await;
    let roles = assign_roles(&w.deps.pipeline).await;
    let artist = roles.approve.iter().next().unwrap().clone();
    // Only this artist is in the batch: pause the others.
    for a in w.deps.pipeline.artists.list().await.unwrap() {
        if a.artist_id != artist {
            let mut a = a;
            a.status = noktvrn_domain::artist::LifecycleStatus::Paused;
            w.deps.pipeline.artists.update(&a).await.unwrap();
        }
    }
    let arn = w.start(json!({"respect_cadence": false})).await;
    let approval_id = w.pending_approval(&artist, Duration::from_secs(120)).await;
    let waiting_since = Instant::now();
    let mut beats = 0;
    loop {
        let d = w
            .sfn
            .describe_execution()
            .execution_arn(&arn)
            .send()
            .await
            .unwrap();
        if d.status() != &aws_sdk_sfn::types::ExecutionStatus::Running {
            break;
        }
        let run = w
            .deps
            .pipeline
            .runs
            .list_by_artist(&artist, 1)
            .await
            .unwrap()
            .remove(0);
        if run.status != RunStatus::PendingApproval {
            // expired; the execution is finishing
            tokio::time::sleep(Duration::from_millis(200)).await;
            continue;
        }
        let h = handlers::invoke(&w.deps, "health-check", Value::Null)
            .await
            .unwrap();
        assert_eq!(h["healthy"], true, "{h}");
        beats += h["heartbeats"].as_u64().unwrap();
        assert!(
            waiting_since.elapsed() < Duration::from_secs(60),
            "the wait never timed out"
        );
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
    let done = w.wait_done(&arn, Duration::from_secs(60)).await;
    assert_eq!(
        done.status(),
        &aws_sdk_sfn::types::ExecutionStatus::Succeeded,
        "{:?}",
        done.error()
    );
    assert!(beats >= 3, "the health check sent heartbeats ({beats})");
    assert!(
        waiting_since.elapsed() >= Duration::from_secs(4),
        "ended by the timeout, not the heartbeat"
    );
    let run = w
        .deps
        .pipeline
        .runs
        .list_by_artist(&artist, 1)
        .await
        .unwrap()
        .remove(0);
    assert_eq!(run.status, RunStatus::Expired);
    let approval = run.approval.as_ref().unwrap();
    assert_eq!(approval.method, DecisionMethod::Timeout);
    assert!(
        approval
            .note
            .as_deref()
            .unwrap_or_default()
            .contains("States.Timeout"),
        "{approval:?}"
    );
    assert!(run.outcome_recorded_at.is_some());
    // The reviewer clicks after the timeout: the run stays expired.
    let text = answer_text(&w.press("approve", &approval_id, REVIEWER).await);
    assert!(text.starts_with("Already decided"), "{text}");
    assert_eq!(
        w.deps
            .pipeline
            .runs
            .get(&run.run_id)
            .await
            .unwrap()
            .unwrap()
            .status,
        RunStatus::Expired
    );
    let _ = (&w.endpoint_url, &w.stack);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_sample_event_is_accepted_by_its_handler() {
    // The events under infra/events are what `cargo lambda invoke` and
    // `sam local invoke` send: each must get past input parsing (the ids
    // do not exist here, so a stage may answer NotFound, never InvalidInput).
    let w = world(Knobs {
        approval_timeout_s: 60,
        heartbeat_s: 30,
    })
    .await;
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../infra/events");
    let mut seen = 0;
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_stem().unwrap().to_string_lossy().to_string();
        let event: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        seen += 1;
        match name.as_str() {
            "upload-release" => {
                let e: aws_lambda_events::event::sqs::SqsEvent =
                    serde_json::from_value(event).unwrap();
                let r =
                    handlers::upload_release(&w.deps.restricted(needs::UPLOAD_RELEASE), e).await;
                assert_eq!(
                    r.batch_item_failures.len(),
                    1,
                    "an unknown release stays for redelivery"
                );
            }
            "telegram-webhook" => {
                let body = event["body"].as_str().unwrap();
                let r = handlers::telegram_webhook(
                    &w.deps.restricted(needs::TELEGRAM_WEBHOOK),
                    Some(WEBHOOK_SECRET),
                    body.as_bytes(),
                )
                .await;
                assert_eq!(r.status, 200, "{:?}", r.body);
                let r = handlers::telegram_webhook(
                    &w.deps.restricted(needs::TELEGRAM_WEBHOOK),
                    event["headers"]["x-telegram-bot-api-secret-token"].as_str(),
                    body.as_bytes(),
                )
                .await;
                assert_eq!(
                    r.status, 401,
                    "the sample's placeholder secret is not the configured one"
                );
            }
            _ => match handlers::invoke(&w.deps, &name, event).await {
                Ok(_) => {}
                Err(e) => assert_ne!(e.name, "Permanent.InvalidInput", "{name}: {e}"),
            },
        }
    }
    assert_eq!(seen, 14);
    let bad = handlers::invoke(&w.deps, "poll-track", json!({"run": "x"}))
        .await
        .unwrap_err();
    assert_eq!(bad.name, "Permanent.InvalidInput");
    assert!(bad.message.contains("run_id"), "{}", bad.message);
}

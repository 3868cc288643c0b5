//! Stage tests on the in-memory adapters with scripted provider fakes:
//! the whole cycle, idempotency of every state change, duplicate decisions,
//! retries, failures that end a run, redelivery, recovery.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, TimeZone, Utc};

use noktvrn_domain::artist::{ArtistDraft, CreationMethod, LifecycleStatus};
use noktvrn_domain::ids::{ArtistId, BatchId, RunId};
use noktvrn_domain::params::LlmCallRecord;
use noktvrn_domain::release::{Manifest, ReleaseMessage, ReleaseRecord, ReleaseStatus, keys};
use noktvrn_domain::run::{Decision, DecisionMethod, Run, RunOutcome, RunStatus};
use noktvrn_pipeline::error::ProviderError;
use noktvrn_pipeline::memory::*;
use noktvrn_pipeline::ports::*;
use noktvrn_pipeline::runner::{self, BatchOptions, CancelFlag, NoProgress, Pipeline};
use noktvrn_pipeline::stages::{self, SelectionPolicy};

// ------------------------------------------------------------------ fakes

/// A clock that starts at a fixed time and advances 1 s per reading.
struct TestClock {
    t: Mutex<DateTime<Utc>>,
    n: Mutex<u64>,
}
impl TestClock {
    fn new() -> Self {
        Self {
            t: Mutex::new(Utc.with_ymd_and_hms(2026, 11, 24, 12, 0, 0).unwrap()),
            n: Mutex::new(1),
        }
    }
}
impl Clock for TestClock {
    fn now(&self) -> DateTime<Utc> {
        let mut t = self.t.lock().unwrap();
        *t += chrono::Duration::seconds(1);
        *t
    }
    fn new_ulid(&self) -> ulid::Ulid {
        let mut n = self.n.lock().unwrap();
        *n += 1;
        let ms = self.t.lock().unwrap().timestamp_millis() as u64;
        ulid::Ulid::from_parts(ms, u128::from(*n) * 7919)
    }
}

/// A 16-bit mono WAV: a click on every beat at `bpm` over a 220 Hz tone.
fn wav(bpm: f64, seconds: f64) -> Vec<u8> {
    let sr = 22_050u32;
    let n = (seconds * f64::from(sr)) as usize;
    let beat = (60.0 / bpm * f64::from(sr)) as usize;
    let mut data = Vec::with_capacity(n * 2);
    for i in 0..n {
        let t = i as f64 / f64::from(sr);
        let mut s = 0.2 * (2.0 * std::f64::consts::PI * 220.0 * t).sin();
        let k = i % beat;
        if k < 400 {
            s += 0.7 * (1.0 - k as f64 / 400.0) * ((i * 7919 % 2000) as f64 / 1000.0 - 1.0);
        }
        data.extend_from_slice(&((s.clamp(-1.0, 1.0) * 32000.0) as i16).to_le_bytes());
    }
    let mut out = Vec::new();
    out.extend_from_slice(b"RIFF");
    out.extend_from_slice(&(36 + data.len() as u32).to_le_bytes());
    out.extend_from_slice(b"WAVEfmt ");
    out.extend_from_slice(&16u32.to_le_bytes());
    out.extend_from_slice(&1u16.to_le_bytes());
    out.extend_from_slice(&1u16.to_le_bytes());
    out.extend_from_slice(&sr.to_le_bytes());
    out.extend_from_slice(&(sr * 2).to_le_bytes());
    out.extend_from_slice(&2u16.to_le_bytes());
    out.extend_from_slice(&16u16.to_le_bytes());
    out.extend_from_slice(b"data");
    out.extend_from_slice(&(data.len() as u32).to_le_bytes());
    out.extend_from_slice(&data);
    out
}

struct FakeMusic {
    /// Scripted poll answers; when empty, Ready.
    polls: Mutex<VecDeque<Result<TrackStatus, ProviderError>>>,
    submits: Mutex<VecDeque<ProviderError>>,
    audio: Vec<u8>,
    submitted: Mutex<u32>,
}
impl FakeMusic {
    fn new(audio: Vec<u8>) -> Self {
        Self {
            polls: Mutex::new(VecDeque::new()),
            submits: Mutex::new(VecDeque::new()),
            audio,
            submitted: Mutex::new(0),
        }
    }
}
#[async_trait]
impl MusicGenerator for FakeMusic {
    fn provider(&self) -> &str {
        "fake-music"
    }
    async fn submit(&self, r: &TrackRequest) -> Result<String, ProviderError> {
        if let Some(e) = self.submits.lock().unwrap().pop_front() {
            return Err(e);
        }
        *self.submitted.lock().unwrap() += 1;
        Ok(format!("task-{}", r.run_id))
    }
    async fn poll(&self, task: &str) -> Result<TrackStatus, ProviderError> {
        if let Some(next) = self.polls.lock().unwrap().pop_front() {
            return next;
        }
        Ok(TrackStatus::Ready(vec![GeneratedClip {
            clip_id: format!("{task}-a"),
            audio_url: "fake://a".into(),
            content_type: "audio/wav".into(),
            duration_s: None,
            model: "fake-1".into(),
        }]))
    }
    async fn fetch_audio(&self, _c: &GeneratedClip) -> Result<Vec<u8>, ProviderError> {
        Ok(self.audio.clone())
    }
}

struct FakeLlm;
#[async_trait]
impl LanguageModel for FakeLlm {
    fn provider(&self) -> &str {
        "fake-llm"
    }
    async fn complete(&self, r: &LlmRequest) -> Result<LlmResponse, ProviderError> {
        let value = match r.kind {
            PromptKind::MusicPrompt => serde_json::json!({
                "title": "Night Signal", "music_prompt": "A dreamy lofi track", "music_style": "lofi, warm",
                "video_keywords": ["neon city", "rain"], "cover_prompt": "neon rain"}),
            PromptKind::Lyrics => serde_json::json!({"lyrics": "one\ntwo\nthree\nfour"}),
            PromptKind::Reflection => {
                serde_json::json!({"style_notes": "dusty keys, more rain", "temperature": 0.9, "summary": "lean in"})
            }
            PromptKind::Persona => serde_json::json!({
                "name": "Vanta Bloom", "genre": "synthwave", "style_notes": "retro", "persona_summary": "A synth dreamer.",
                "secondary_genres": [], "visual_style_keywords": ["retro grid"], "target_audience": "night drivers",
                "backstory": "", "influences": [], "themes_and_topics": ["night"], "initial_mood_tags": [],
                "color_palette": ["#ff00aa"], "tempo_bpm": 110.0, "energy": 0.6,
                "preferred_keys": [{"tonic": "A", "mode": "minor"}]}),
        };
        Ok(LlmResponse {
            value,
            record: LlmCallRecord {
                purpose: String::new(),
                provider: "fake-llm".into(),
                model: "f".into(),
                latency_ms: 1,
                tokens_in: None,
                tokens_out: None,
                attempts: 1,
                fell_back: false,
            },
        })
    }
}

struct FakeVideo {
    fail: bool,
}
#[async_trait]
impl VideoSource for FakeVideo {
    fn name(&self) -> &str {
        "fake-video"
    }
    async fn search(&self, q: &VideoQuery) -> Result<Vec<VideoCandidate>, ProviderError> {
        if self.fail {
            return Err(ProviderError::Unavailable {
                provider: "fake-video".into(),
                message: "503".into(),
                source: None,
            });
        }
        Ok(vec![
            VideoCandidate {
                source: "pexels".into(),
                clip_id: "1".into(),
                creator: "Ann".into(),
                page_url: "https://www.pexels.com/video/1/".into(),
                download_url: None,
                tags: vec!["neon city".into(), "rain".into()],
                duration_s: 20.0,
                width: 1920,
                height: 1080,
                fps: 30.0,
            },
            VideoCandidate {
                source: "pexels".into(),
                clip_id: format!("2-{}", q.keywords.join("")),
                creator: "Bo".into(),
                page_url: "https://www.pexels.com/video/2/".into(),
                download_url: None,
                tags: vec!["forest".into()],
                duration_s: 8.0,
                width: 1280,
                height: 720,
                fps: 25.0,
            },
        ])
    }
}

struct FakeCover;
#[async_trait]
impl CoverArtist for FakeCover {
    fn name(&self) -> &str {
        "fake-cover"
    }
    async fn render(&self, r: &CoverRequest) -> Result<GeneratedImage, ProviderError> {
        Ok(GeneratedImage {
            bytes: format!("cover for {}", r.title).into_bytes(),
            content_type: "image/png".into(),
            width: 1,
            height: 1,
            generator: "fake-cover".into(),
        })
    }
}

#[derive(Default)]
struct FakeChannel {
    sent: Mutex<Vec<ApprovalPreview>>,
}
#[async_trait]
impl ApprovalChannel for FakeChannel {
    fn name(&self) -> &str {
        "fake-channel"
    }
    async fn send_request(&self, p: &ApprovalPreview) -> Result<String, ProviderError> {
        self.sent.lock().unwrap().push(p.clone());
        Ok("msg-1".into())
    }
}

struct FixedDecision(Option<Decision>);
#[async_trait]
impl DecisionSource for FixedDecision {
    async fn next_decision(
        &self,
        p: &ApprovalPreview,
        _w: Duration,
    ) -> Result<Option<IncomingDecision>, ProviderError> {
        Ok(self.0.map(|d| IncomingDecision {
            approval_id: p.approval_id.clone(),
            decision: d,
            method: DecisionMethod::Human,
            decided_by: "42".into(),
            note: None,
        }))
    }
}

struct FakeDistributor {
    name: &'static str,
    failures: Mutex<u32>,
    delivered: Mutex<Vec<String>>,
}
impl FakeDistributor {
    fn new(name: &'static str, failures: u32) -> Self {
        Self {
            name,
            failures: Mutex::new(failures),
            delivered: Mutex::new(vec![]),
        }
    }
}
#[async_trait]
impl Distributor for FakeDistributor {
    fn platform(&self) -> &str {
        self.name
    }
    async fn deliver(
        &self,
        r: &ReleaseRecord,
        _m: &Manifest,
        _a: &dyn AssetStore,
    ) -> Result<DeliveryReceipt, ProviderError> {
        let mut f = self.failures.lock().unwrap();
        if *f > 0 {
            *f -= 1;
            return Err(ProviderError::Unavailable {
                provider: self.name.into(),
                message: "502".into(),
                source: None,
            });
        }
        self.delivered
            .lock()
            .unwrap()
            .push(r.release_id.to_string());
        Ok(DeliveryReceipt {
            external_id: Some("x".into()),
            location: format!("{}://{}", self.name, r.release_id),
        })
    }
}

// ------------------------------------------------------------------ world

struct World {
    p: Pipeline,
    music: Arc<FakeMusic>,
    channel: Arc<FakeChannel>,
    dist_a: Arc<FakeDistributor>,
    dist_b: Arc<FakeDistributor>,
    artists: Arc<MemoryArtistStore>,
    runs: Arc<MemoryRunStore>,
}

fn world(decision: Option<Decision>, audio: Vec<u8>, b_failures: u32) -> World {
    let clock: Arc<dyn Clock> = Arc::new(TestClock::new());
    let music = Arc::new(FakeMusic::new(audio));
    let channel = Arc::new(FakeChannel::default());
    let dist_a = Arc::new(FakeDistributor::new("alpha", 0));
    let dist_b = Arc::new(FakeDistributor::new("beta", b_failures));
    let artists = Arc::new(MemoryArtistStore::default());
    let runs = Arc::new(MemoryRunStore::default());
    let p = Pipeline {
        artists: artists.clone(),
        runs: runs.clone(),
        releases: Arc::new(MemoryReleaseStore::default()),
        trends: Arc::new(MemoryTrendStore::default()),
        assets: Arc::new(MemoryAssetStore::default()),
        queue: Arc::new(MemoryQueue::new(clock.clone(), 3)),
        music: music.clone(),
        video: vec![Arc::new(FakeVideo { fail: false })],
        llm: vec![Arc::new(FakeLlm)],
        cover: Arc::new(FakeCover),
        approval: channel.clone(),
        decisions: Arc::new(FixedDecision(decision)),
        distributors: vec![dist_a.clone(), dist_b.clone()],
        clock,
    };
    World {
        p,
        music,
        channel,
        dist_a,
        dist_b,
        artists,
        runs,
    }
}

async fn add_artist(w: &World, name: &str, autopilot: bool) -> ArtistId {
    let draft: ArtistDraft = serde_json::from_value(serde_json::json!({
        "name": name, "genre": "lofi", "status": "active", "autopilot_enabled": autopilot
    }))
    .unwrap();
    let a = draft
        .into_artist(
            Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap(),
            CreationMethod::Manual,
        )
        .unwrap();
    w.p.artists.create(&a).await.unwrap();
    a.artist_id
}

fn opts() -> BatchOptions {
    BatchOptions {
        policy: SelectionPolicy {
            respect_cadence: false,
            creation_probability: 0.0,
            ..Default::default()
        },
        ..Default::default()
    }
}

// ------------------------------------------------------------------ tests

#[tokio::test(start_paused = true)]
async fn an_approved_cycle_packages_queues_and_delivers_a_verified_release() {
    let w = world(Some(Decision::Approved), wav(120.0, 12.0), 0);
    let id = add_artist(&w, "Luna Echo", false).await;
    let summary = runner::run_batch(&w.p, &opts(), &NoProgress, &CancelFlag::default())
        .await
        .unwrap();
    assert_eq!((summary.completed, summary.failed), (1, 0), "{summary:?}");
    let row = &summary.rows[0];
    let release_id =
        noktvrn_domain::ids::ReleaseId::parse(row.release_id.clone().unwrap()).unwrap();
    assert!(release_id.as_str().starts_with("luna_echo_2026"));

    // the package exists, with the manifest last and every file verified
    let manifest = stages::verify_package(w.p.assets.as_ref(), &release_id)
        .await
        .unwrap();
    let paths: Vec<&str> = manifest.files.iter().map(|f| f.path.as_str()).collect();
    assert_eq!(
        paths,
        [
            "analysis.json",
            "audio/track.wav",
            "cover/cover.png",
            "feedback_score.json",
            "metadata.json",
            "prompts_used.json"
        ]
    );
    let meta: noktvrn_domain::release::ReleaseMetadata = serde_json::from_slice(
        &w.p.assets
            .get(&keys::release_file(&release_id, "metadata.json"))
            .await
            .unwrap(),
    )
    .unwrap();
    meta.validate().unwrap();
    assert!((meta.duration_s - 12.0).abs() < 0.05, "{}", meta.duration_s);
    assert_eq!(
        meta.video_reference.unwrap().clip_id,
        "1",
        "the best-matching clip wins"
    );
    assert!(meta.ai_disclosure.ai_generated);

    // the preview went out with a short approval id
    assert_eq!(w.channel.sent.lock().unwrap()[0].approval_id.len(), 12);

    // delivery: both platforms, then a redelivered message changes nothing
    let report = runner::drain_queue(&w.p, Duration::from_secs(60))
        .await
        .unwrap();
    assert_eq!(report.delivered.len(), 1);
    assert_eq!(report.delivered[0].status, ReleaseStatus::Delivered);
    let body = serde_json::to_string(&ReleaseMessage {
        schema_version: 1,
        release_id: release_id.clone(),
        manifest_key: keys::manifest(&release_id),
        queued_at: Utc::now(),
    })
    .unwrap();
    let again = stages::upload_release(
        w.p.releases.as_ref(),
        w.p.assets.as_ref(),
        &w.p.distributor_list(),
        w.p.clock.as_ref(),
        &body,
    )
    .await
    .unwrap();
    assert!(again.platforms.iter().all(|p| p.skipped));
    assert_eq!(w.dist_a.delivered.lock().unwrap().len(), 1);

    // the outcome reached the artist once
    let a = w.artists.get(&id).await.unwrap().unwrap();
    assert_eq!(a.performance_history.len(), 1);
    assert_eq!(a.performance_history[0].outcome, RunOutcome::Approved);
    let variant = a
        .ab_test
        .variants
        .iter()
        .find(|v| v.trials == 1)
        .expect("the variant used was counted");
    assert_eq!(variant.approvals, 1);
    let run = w
        .runs
        .get(&RunId::parse(row.run_id.clone()).unwrap())
        .await
        .unwrap()
        .unwrap();
    assert!(run.outcome_recorded_at.is_some());
    let n = stages::record_outcome(
        &stages::OutcomePorts {
            runs: w.p.runs.as_ref(),
            artists: w.p.artists.as_ref(),
            llm: &w.p.llm_chain(),
            clock: w.p.clock.as_ref(),
        },
        &Default::default(),
        &run.run_id,
    )
    .await
    .unwrap();
    assert_eq!(n, Some(RunOutcome::Approved));
    assert_eq!(
        w.artists
            .get(&id)
            .await
            .unwrap()
            .unwrap()
            .performance_history
            .len(),
        1,
        "recording twice changes nothing"
    );
}

#[tokio::test(start_paused = true)]
async fn a_rejected_cycle_makes_no_release_and_counts_toward_retirement() {
    let w = world(Some(Decision::Rejected), wav(100.0, 8.0), 0);
    let id = add_artist(&w, "Grey Tide", false).await;
    let s = runner::run_batch(&w.p, &opts(), &NoProgress, &CancelFlag::default())
        .await
        .unwrap();
    assert_eq!(s.rejected, 1);
    assert!(s.rows[0].release_id.is_none());
    assert!(w.p.releases.list(10).await.unwrap().is_empty());
    let a = w.artists.get(&id).await.unwrap().unwrap();
    assert_eq!(a.consecutive_rejections, 1);
    // reflection asked for 0.9 from 0.7: scaled by sensitivity (0.14) and
    // capped at one 0.1 step, then logged
    assert!(
        (a.llm_config.temperature - 0.8).abs() < 1e-9,
        "{}",
        a.llm_config.temperature
    );
    assert_eq!(a.style_notes, "dusty keys, more rain");
    let log = w.artists.evolution_log(&id, 10).await.unwrap();
    assert!(
        log.iter()
            .any(|e| e.kind == noktvrn_domain::trend::EvolutionKind::Reflection)
    );
}

#[tokio::test(start_paused = true)]
async fn no_answer_expires_the_run_without_counting_a_rejection() {
    let w = world(None, wav(100.0, 8.0), 0);
    let id = add_artist(&w, "Quiet One", false).await;
    let s = runner::run_batch(&w.p, &opts(), &NoProgress, &CancelFlag::default())
        .await
        .unwrap();
    assert_eq!(s.expired, 1);
    let a = w.artists.get(&id).await.unwrap().unwrap();
    assert_eq!(a.consecutive_rejections, 0);
    assert_eq!(a.performance_history[0].outcome, RunOutcome::Expired);
}

#[tokio::test(start_paused = true)]
async fn autopilot_artists_are_approved_without_asking() {
    let w = world(Some(Decision::Rejected), wav(100.0, 8.0), 0);
    add_artist(&w, "Auto Pilot", true).await;
    let s = runner::run_batch(&w.p, &opts(), &NoProgress, &CancelFlag::default())
        .await
        .unwrap();
    assert_eq!(s.completed, 1);
    assert_eq!(s.rows[0].decision.as_deref(), Some("approved (autopilot)"));
    assert!(w.channel.sent.lock().unwrap().is_empty());
}

#[tokio::test(start_paused = true)]
async fn throttling_and_pending_polls_are_waited_out() {
    let w = world(Some(Decision::Approved), wav(120.0, 8.0), 0);
    w.music
        .submits
        .lock()
        .unwrap()
        .push_back(ProviderError::Throttled {
            provider: "m".into(),
            retry_after: Some(Duration::from_secs(5)),
        });
    w.music
        .polls
        .lock()
        .unwrap()
        .extend([Ok(TrackStatus::Pending), Ok(TrackStatus::Pending)]);
    add_artist(&w, "Patient", false).await;
    let s = runner::run_batch(&w.p, &opts(), &NoProgress, &CancelFlag::default())
        .await
        .unwrap();
    assert_eq!(s.completed, 1, "{s:?}");
    assert_eq!(
        *w.music.submitted.lock().unwrap(),
        1,
        "one successful submit"
    );
    let run = w.runs.list_recent(1).await.unwrap().remove(0);
    assert_eq!(run.track_task.unwrap().polls, 2);
}

#[tokio::test(start_paused = true)]
async fn undecodable_audio_fails_the_run_as_generation_failed_track_and_the_batch_goes_on() {
    let w = world(
        Some(Decision::Approved),
        b"definitely not audio".to_vec(),
        0,
    );
    add_artist(&w, "Broken", false).await;
    add_artist(&w, "Also Broken", false).await;
    let s = runner::run_batch(&w.p, &opts(), &NoProgress, &CancelFlag::default())
        .await
        .unwrap();
    assert_eq!(s.failed, 2);
    for r in w.runs.list_recent(10).await.unwrap() {
        assert_eq!(r.outcome, Some(RunOutcome::GenerationFailedTrack));
        let f = r.failure.unwrap();
        assert_eq!(f.error_name, "Permanent.InvalidInput");
        assert_eq!(f.stage, Some(noktvrn_domain::run::StageName::AnalyzeAudio));
    }
}

#[tokio::test(start_paused = true)]
async fn a_provider_job_failure_ends_the_run_with_a_permanent_error() {
    let w = world(Some(Decision::Approved), wav(120.0, 8.0), 0);
    w.music
        .polls
        .lock()
        .unwrap()
        .push_back(Ok(TrackStatus::Failed {
            reason: "content policy".into(),
        }));
    add_artist(&w, "Refused", false).await;
    let s = runner::run_batch(&w.p, &opts(), &NoProgress, &CancelFlag::default())
        .await
        .unwrap();
    assert_eq!(s.failed, 1);
    assert!(
        s.rows[0]
            .error
            .as_ref()
            .unwrap()
            .starts_with("Permanent.Provider"),
        "{:?}",
        s.rows[0].error
    );
}

#[tokio::test(start_paused = true)]
async fn a_duplicate_or_late_decision_changes_nothing() {
    let w = world(None, wav(120.0, 8.0), 0);
    let id = add_artist(&w, "Twice", false).await;
    let clock = w.p.clock.as_ref();
    let run_id = RunId::new(clock.new_ulid());
    w.runs
        .create(&Run::new(
            run_id.clone(),
            id,
            BatchId::new(clock.new_ulid()),
            clock.now(),
        ))
        .await
        .unwrap();
    let adapt = stages::AdaptPorts {
        artists: w.p.artists.as_ref(),
        runs: w.p.runs.as_ref(),
        trends: w.p.trends.as_ref(),
        llm: &w.p.llm_chain(),
        clock,
    };
    let first = stages::adapt_params(&adapt, &run_id).await.unwrap();
    let version = w.runs.get(&run_id).await.unwrap().unwrap().version;
    let second = stages::adapt_params(&adapt, &run_id).await.unwrap();
    assert_eq!(first, second, "a retried stage returns its first result");
    assert_eq!(
        w.runs.get(&run_id).await.unwrap().unwrap().version,
        version,
        "and writes nothing"
    );
    stages::submit_track(w.p.runs.as_ref(), w.p.music.as_ref(), clock, &run_id)
        .await
        .unwrap();
    stages::submit_track(w.p.runs.as_ref(), w.p.music.as_ref(), clock, &run_id)
        .await
        .unwrap();
    assert_eq!(*w.music.submitted.lock().unwrap(), 1);
    stages::poll_track(
        w.p.runs.as_ref(),
        w.p.music.as_ref(),
        w.p.assets.as_ref(),
        clock,
        &run_id,
    )
    .await
    .unwrap();
    stages::analyze_audio(w.p.runs.as_ref(), w.p.assets.as_ref(), clock, &run_id)
        .await
        .unwrap();
    stages::select_video(
        w.p.runs.as_ref(),
        w.p.artists.as_ref(),
        &w.p.video_sources(),
        clock,
        &run_id,
    )
    .await
    .unwrap();
    let state = stages::request_approval(
        w.p.runs.as_ref(),
        w.p.artists.as_ref(),
        w.p.assets.as_ref(),
        w.p.approval.as_ref(),
        clock,
        &run_id,
        Some("token-1"),
        Duration::from_secs(3600),
    )
    .await
    .unwrap();
    let stages::ApprovalState::Pending { preview } = state else {
        panic!("expected pending")
    };
    let decision = IncomingDecision {
        approval_id: preview.approval_id.clone(),
        decision: Decision::Approved,
        method: DecisionMethod::Human,
        decided_by: "42".into(),
        note: None,
    };
    let first = stages::apply_decision(w.p.runs.as_ref(), clock, &decision)
        .await
        .unwrap();
    assert!(first.applied);
    assert_eq!(
        first.task_token.as_deref(),
        Some("token-1"),
        "the webhook gets the stored task token"
    );
    let late = IncomingDecision {
        decision: Decision::Rejected,
        ..decision.clone()
    };
    let second = stages::apply_decision(w.p.runs.as_ref(), clock, &late)
        .await
        .unwrap();
    assert!(!second.applied);
    assert_eq!(
        second.decision,
        Some(Decision::Approved),
        "the first decision stands"
    );
    let unknown = IncomingDecision {
        approval_id: "nope".into(),
        ..decision
    };
    assert_eq!(
        stages::apply_decision(w.p.runs.as_ref(), clock, &unknown)
            .await
            .unwrap_err()
            .error_name(),
        "Permanent.NotFound"
    );
}

#[tokio::test(start_paused = true)]
async fn a_failed_platform_is_retried_alone_on_redelivery() {
    let w = world(Some(Decision::Approved), wav(120.0, 8.0), 1);
    add_artist(&w, "Retry Me", false).await;
    runner::run_batch(&w.p, &opts(), &NoProgress, &CancelFlag::default())
        .await
        .unwrap();
    let first = runner::drain_queue(&w.p, Duration::from_secs(30))
        .await
        .unwrap();
    assert_eq!(first.failed.len(), 1);
    assert_eq!(first.failed[0].1, "Retryable.Provider");
    let rel = w.p.releases.list(1).await.unwrap().remove(0);
    assert_eq!(rel.status, ReleaseStatus::PartiallyDelivered);
    tokio::time::advance(Duration::from_secs(31)).await;
    // the memory queue follows the clock, not tokio's: wait out visibility by receiving after the test clock moved
    for _ in 0..40 {
        w.p.clock.now();
    }
    let second = runner::drain_queue(&w.p, Duration::from_secs(30))
        .await
        .unwrap();
    assert_eq!(second.delivered.len(), 1, "{second:?}");
    assert_eq!(
        w.dist_a.delivered.lock().unwrap().len(),
        1,
        "alpha was not sent twice"
    );
    assert_eq!(w.dist_b.delivered.lock().unwrap().len(), 1);
    assert_eq!(
        w.p.releases.list(1).await.unwrap()[0].status,
        ReleaseStatus::Delivered
    );
}

#[tokio::test(start_paused = true)]
async fn a_tampered_package_fails_verification() {
    let w = world(Some(Decision::Approved), wav(120.0, 8.0), 0);
    add_artist(&w, "Tamper", false).await;
    let s = runner::run_batch(&w.p, &opts(), &NoProgress, &CancelFlag::default())
        .await
        .unwrap();
    let id = noktvrn_domain::ids::ReleaseId::parse(s.rows[0].release_id.clone().unwrap()).unwrap();
    w.p.assets
        .put(
            &keys::release_file(&id, "cover/cover.png"),
            b"other".to_vec(),
            "image/png",
        )
        .await
        .unwrap();
    let e = stages::verify_package(w.p.assets.as_ref(), &id)
        .await
        .unwrap_err();
    assert_eq!(e.error_name(), "Permanent.Integrity");
    assert!(e.to_string().contains("cover/cover.png"));
}

#[tokio::test(start_paused = true)]
async fn interrupted_runs_are_failed_and_half_packages_removed_at_the_next_batch() {
    let w = world(Some(Decision::Approved), wav(120.0, 8.0), 0);
    let id = add_artist(&w, "Cut Short", false).await;
    let clock = w.p.clock.as_ref();
    // a run that was approved when its process died mid-package
    let run_id = RunId::new(clock.new_ulid());
    let mut run = Run::new(
        run_id.clone(),
        id.clone(),
        BatchId::new(clock.new_ulid()),
        clock.now(),
    );
    for s in [
        RunStatus::ParametersAdapted,
        RunStatus::TrackSubmitted,
        RunStatus::TrackGenerated,
        RunStatus::Analyzed,
        RunStatus::VideoSelected,
        RunStatus::PendingApproval,
    ] {
        run.transition(s, clock.now()).unwrap();
    }
    let decided_at = clock.now();
    run.decide(noktvrn_domain::run::ApprovalRecord {
        decision: Decision::Approved,
        method: DecisionMethod::Human,
        decided_by: "1".into(),
        decided_at,
        note: None,
    })
    .unwrap();
    w.runs.create(&run).await.unwrap();
    let rel = noktvrn_domain::ids::ReleaseId::for_run("Cut Short", decided_at, &run_id);
    w.p.assets
        .put(
            &keys::release_file(&rel, "audio/track.wav"),
            vec![1, 2, 3],
            "audio/wav",
        )
        .await
        .unwrap();

    runner::run_batch(&w.p, &opts(), &NoProgress, &CancelFlag::default())
        .await
        .unwrap();
    let after = w.runs.get(&run_id).await.unwrap().unwrap();
    assert_eq!(after.status, RunStatus::Failed);
    assert!(after.failure.unwrap().message.contains("interrupted"));
    assert!(
        w.p.assets
            .list(&keys::release_prefix(&rel))
            .await
            .unwrap()
            .is_empty(),
        "half package removed"
    );
    assert!(w.runs.list_unfinished().await.unwrap().is_empty());
}

#[tokio::test(start_paused = true)]
async fn a_cancelled_batch_leaves_no_unfinished_run() {
    let w = world(Some(Decision::Approved), wav(120.0, 8.0), 0);
    add_artist(&w, "One", false).await;
    add_artist(&w, "Two", false).await;
    let cancel = CancelFlag::default();
    cancel.cancel();
    let s = runner::run_batch(&w.p, &opts(), &NoProgress, &cancel)
        .await
        .unwrap();
    assert_eq!(s.failed, 2);
    assert!(w.runs.list_unfinished().await.unwrap().is_empty());
}

#[tokio::test]
async fn a_critical_outage_skips_the_batch_and_an_empty_roster_creates_an_artist() {
    let w = world(Some(Decision::Approved), wav(120.0, 8.0), 0);
    let chain = w.p.llm_chain();
    let ports = stages::SelectPorts {
        artists: w.p.artists.as_ref(),
        runs: w.p.runs.as_ref(),
        llm: &chain,
        clock: w.p.clock.as_ref(),
    };
    let down = HealthReport {
        name: "music".into(),
        healthy: false,
        critical: true,
        detail: "503".into(),
    };
    let plan = stages::select_artists(&ports, &SelectionPolicy::default(), &[down])
        .await
        .unwrap();
    assert!(plan.skipped.is_some() && plan.runs.is_empty());
    assert!(w.artists.list().await.unwrap().is_empty());
    let plan = stages::select_artists(&ports, &SelectionPolicy::default(), &[])
        .await
        .unwrap();
    let created = plan
        .created_artist
        .expect("nobody in rotation: one is created");
    assert_eq!(created.as_str(), "vanta_bloom");
    assert_eq!(plan.runs.len(), 1);
    let a = w.artists.get(&created).await.unwrap().unwrap();
    assert_eq!(a.status, LifecycleStatus::Candidate);
}

#[tokio::test]
async fn the_memory_queue_redelivers_and_dead_letters() {
    let clock = Arc::new(TestClock::new());
    let q = MemoryQueue::new(clock.clone(), 2);
    q.send("m").await.unwrap();
    let a = q.receive(10, Duration::from_secs(10)).await.unwrap();
    assert_eq!(a.len(), 1);
    assert!(
        q.receive(10, Duration::from_secs(10))
            .await
            .unwrap()
            .is_empty(),
        "invisible"
    );
    for _ in 0..11 {
        clock.now();
    }
    let b = q.receive(10, Duration::from_secs(10)).await.unwrap();
    assert_eq!(b[0].receive_count, 2);
    for _ in 0..11 {
        clock.now();
    }
    assert!(
        q.receive(10, Duration::from_secs(10))
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(q.dead_letters().await.unwrap().len(), 1);
}

/// Fails the first lyrics request, then answers like `FakeLlm`.
struct LyricsFailOnce {
    failed: Mutex<bool>,
}
#[async_trait]
impl LanguageModel for LyricsFailOnce {
    fn provider(&self) -> &str {
        "flaky"
    }
    async fn complete(&self, r: &LlmRequest) -> Result<LlmResponse, ProviderError> {
        let fail_now = {
            let mut failed = self.failed.lock().unwrap();
            let fail_now = r.kind == PromptKind::Lyrics && !*failed;
            *failed |= fail_now;
            fail_now
        };
        if fail_now {
            return Err(ProviderError::Unavailable {
                provider: "flaky".into(),
                message: "503".into(),
                source: None,
            });
        }
        FakeLlm.complete(r).await
    }
}

#[tokio::test]
async fn a_retried_adapt_applies_one_evolution_step_only() {
    let w = world(None, wav(120.0, 8.0), 0);
    let id = add_artist(&w, "Drifter", false).await;
    let before = w.artists.get(&id).await.unwrap().unwrap();
    let trend = noktvrn_domain::trend::TrendProfile {
        schema_version: 1,
        segment: noktvrn_domain::trend::TrendSegment {
            country: "US".into(),
            genre: "lofi".into(),
            audience: "general".into(),
            period: "2026-11".into(),
        },
        tempo_bpm: 140.0,
        energy: 0.9,
        minor_share: 0.0,
        keywords: vec![],
        sample_size: 10,
        updated_at: Utc.with_ymd_and_hms(2026, 11, 1, 0, 0, 0).unwrap(),
        tempo_trend_per_period: 0.0,
        energy_trend_per_period: 0.0,
    };
    w.p.trends.put(&trend).await.unwrap();
    let mut once = before.clone();
    let (_, expected) = noktvrn_domain::trend::evolution_step(&mut once, &trend);
    assert!(!expected.is_empty());

    let clock = w.p.clock.as_ref();
    let run_id = RunId::new(clock.new_ulid());
    w.runs
        .create(&Run::new(
            run_id.clone(),
            id.clone(),
            BatchId::new(clock.new_ulid()),
            clock.now(),
        ))
        .await
        .unwrap();
    let flaky = LyricsFailOnce {
        failed: Mutex::new(false),
    };
    let chain: Vec<&dyn LanguageModel> = vec![&flaky];
    let adapt = stages::AdaptPorts {
        artists: w.p.artists.as_ref(),
        runs: w.p.runs.as_ref(),
        trends: w.p.trends.as_ref(),
        llm: &chain,
        clock,
    };
    let err = stages::adapt_params(&adapt, &run_id).await.unwrap_err();
    assert!(err.is_retryable(), "{err}");
    stages::adapt_params(&adapt, &run_id).await.unwrap();

    let after = w.artists.get(&id).await.unwrap().unwrap();
    assert_eq!(after.sound, once.sound, "exactly one step, not two");
    let steps = w
        .artists
        .evolution_log(&id, 50)
        .await
        .unwrap()
        .into_iter()
        .filter(|e| e.kind == noktvrn_domain::trend::EvolutionKind::TrendAdaptation)
        .count();
    assert_eq!(steps, 1);
}

/// Cancels the batch as soon as the first stage of a cycle starts.
struct CancelOnFirstStage(CancelFlag);
impl runner::Progress for CancelOnFirstStage {
    fn stage(&self, _r: &RunId, _a: &ArtistId, _s: noktvrn_domain::run::StageName) {
        self.0.cancel();
    }
}

#[tokio::test(start_paused = true)]
async fn a_run_stopped_mid_cycle_by_a_signal_is_recorded_as_interrupted() {
    let w = world(Some(Decision::Approved), wav(120.0, 8.0), 0);
    add_artist(&w, "Stopped", false).await;
    let cancel = CancelFlag::default();
    let s = runner::run_batch(&w.p, &opts(), &CancelOnFirstStage(cancel.clone()), &cancel)
        .await
        .unwrap();
    assert_eq!(s.failed, 1);
    let run = w.runs.list_recent(1).await.unwrap().remove(0);
    let failure = run.failure.unwrap();
    assert_eq!(
        failure.error_name, "Permanent.Interrupted",
        "{}",
        failure.message
    );
    assert!(run.outcome_recorded_at.is_some());
}

#[tokio::test(start_paused = true)]
async fn a_track_that_never_arrives_times_out() {
    let w = world(Some(Decision::Approved), wav(120.0, 8.0), 0);
    w.music
        .polls
        .lock()
        .unwrap()
        .extend((0..10).map(|_| Ok(TrackStatus::Pending)));
    add_artist(&w, "Waiting", false).await;
    let mut o = opts();
    o.max_polls = 3;
    let s = runner::run_batch(&w.p, &o, &NoProgress, &CancelFlag::default())
        .await
        .unwrap();
    assert_eq!(s.failed, 1);
    assert!(
        s.rows[0]
            .error
            .as_ref()
            .unwrap()
            .starts_with("Permanent.Timeout"),
        "{:?}",
        s.rows[0].error
    );
}

// ------------------------------------------------------------------ workflow stages

/// Drives a fresh run of a new artist through every stage up to
/// request-approval with a task token, as the state machine does.
async fn to_approval(
    w: &World,
    name: &str,
    autopilot: bool,
    token: &str,
) -> (RunId, stages::ApprovalState) {
    let id = add_artist(w, name, autopilot).await;
    let clock = w.p.clock.as_ref();
    let run_id = RunId::new(clock.new_ulid());
    w.runs
        .create(&Run::new(
            run_id.clone(),
            id,
            BatchId::new(clock.new_ulid()),
            clock.now(),
        ))
        .await
        .unwrap();
    let chain = w.p.llm_chain();
    let adapt = stages::AdaptPorts {
        artists: w.p.artists.as_ref(),
        runs: w.p.runs.as_ref(),
        trends: w.p.trends.as_ref(),
        llm: &chain,
        clock,
    };
    stages::adapt_params(&adapt, &run_id).await.unwrap();
    stages::submit_track(w.p.runs.as_ref(), w.p.music.as_ref(), clock, &run_id)
        .await
        .unwrap();
    stages::poll_track(
        w.p.runs.as_ref(),
        w.p.music.as_ref(),
        w.p.assets.as_ref(),
        clock,
        &run_id,
    )
    .await
    .unwrap();
    stages::analyze_audio(w.p.runs.as_ref(), w.p.assets.as_ref(), clock, &run_id)
        .await
        .unwrap();
    stages::select_video(
        w.p.runs.as_ref(),
        w.p.artists.as_ref(),
        &w.p.video_sources(),
        clock,
        &run_id,
    )
    .await
    .unwrap();
    let state = stages::request_approval(
        w.p.runs.as_ref(),
        w.p.artists.as_ref(),
        w.p.assets.as_ref(),
        w.p.approval.as_ref(),
        clock,
        &run_id,
        Some(token),
        Duration::from_secs(3600),
    )
    .await
    .unwrap();
    (run_id, state)
}

#[tokio::test]
async fn a_webhook_decision_resumes_the_waiting_execution_once() {
    let w = world(None, wav(120.0, 8.0), 0);
    let flow = MemoryWorkflow::new();
    flow.wait_on("tok-1");
    let (run_id, state) = to_approval(&w, "Resumed", false, "tok-1").await;
    let stages::ApprovalState::Pending { preview } = state else {
        panic!("a human artist waits for a decision");
    };
    assert!(
        !stages::resume_if_decided(
            &flow,
            "tok-1",
            &stages::ApprovalState::Pending {
                preview: preview.clone()
            }
        )
        .await
        .unwrap()
    );
    let incoming = IncomingDecision {
        approval_id: preview.approval_id.clone(),
        decision: Decision::Rejected,
        method: DecisionMethod::Human,
        decided_by: "telegram:42".into(),
        note: None,
    };
    let first = stages::decide_and_resume(w.p.runs.as_ref(), w.p.clock.as_ref(), &flow, &incoming)
        .await
        .unwrap();
    assert!(first.applied);
    assert_eq!(first.resumed, Some(true));
    assert_eq!(first.status, RunStatus::Rejected);
    // A duplicate webhook (or a second reviewer approving late) changes
    // nothing and resumes with the stored decision, which the engine ignores.
    let late = IncomingDecision {
        decision: Decision::Approved,
        ..incoming
    };
    let second = stages::decide_and_resume(w.p.runs.as_ref(), w.p.clock.as_ref(), &flow, &late)
        .await
        .unwrap();
    assert!(!second.applied);
    assert_eq!(second.decision, Some(Decision::Rejected));
    assert_eq!(second.resumed, Some(false));
    let calls = flow.calls();
    assert_eq!(calls.len(), 2);
    for c in &calls {
        let WorkflowCall::Succeed { token, output } = c else {
            panic!("{c:?}")
        };
        assert_eq!(token, "tok-1");
        assert_eq!(output["decision"], "rejected", "always the stored decision");
        assert_eq!(output["method"], "human");
    }
    let run = w.runs.get(&run_id).await.unwrap().unwrap();
    assert_eq!(run.status, RunStatus::Rejected);
}

#[tokio::test]
async fn an_autopilot_run_answers_its_own_task_token() {
    let w = world(None, wav(120.0, 8.0), 0);
    let flow = MemoryWorkflow::new();
    flow.wait_on("tok-auto");
    let (_, state) = to_approval(&w, "Pilot", true, "tok-auto").await;
    assert!(
        stages::resume_if_decided(&flow, "tok-auto", &state)
            .await
            .unwrap()
    );
    assert_eq!(
        flow.calls(),
        vec![WorkflowCall::Succeed {
            token: "tok-auto".into(),
            output: serde_json::json!({"decision": "approved", "method": "autopilot"}),
        }]
    );
    assert!(
        w.channel.sent.lock().unwrap().is_empty(),
        "nobody was asked"
    );
}

#[tokio::test]
async fn a_caught_timeout_expires_a_pending_run_and_a_late_click_finds_it_decided() {
    let w = world(None, wav(120.0, 8.0), 0);
    let flow = MemoryWorkflow::new();
    let (run_id, state) = to_approval(&w, "Late", false, "tok-late").await;
    let stages::ApprovalState::Pending { preview } = state else {
        panic!()
    };
    let chain = w.p.llm_chain();
    let ports = stages::OutcomePorts {
        runs: w.p.runs.as_ref(),
        artists: w.p.artists.as_ref(),
        llm: &chain,
        clock: w.p.clock.as_ref(),
    };
    let failure = stages::WorkflowFailure {
        error: "States.HeartbeatTimeout".into(),
        cause: String::new(),
    };
    let closed = stages::close_run(&ports, &Default::default(), &run_id, Some(&failure))
        .await
        .unwrap();
    assert_eq!(closed.status, RunStatus::Expired);
    assert_eq!(closed.outcome, Some(RunOutcome::Expired));
    let run = w.runs.get(&run_id).await.unwrap().unwrap();
    let approval = run.approval.as_ref().unwrap();
    assert_eq!(approval.method, DecisionMethod::Timeout);
    assert!(run.outcome_recorded_at.is_some());
    // Closing again (a retried Catch) changes nothing.
    let version = run.version;
    stages::close_run(&ports, &Default::default(), &run_id, Some(&failure))
        .await
        .unwrap();
    assert_eq!(w.runs.get(&run_id).await.unwrap().unwrap().version, version);
    // The reviewer clicks after the timeout: nothing changes.
    let click = IncomingDecision {
        approval_id: preview.approval_id.clone(),
        decision: Decision::Approved,
        method: DecisionMethod::Human,
        decided_by: "telegram:7".into(),
        note: None,
    };
    let r = stages::decide_and_resume(w.p.runs.as_ref(), w.p.clock.as_ref(), &flow, &click)
        .await
        .unwrap();
    assert!(!r.applied);
    assert_eq!(r.decision, Some(Decision::Expired));
    assert_eq!(r.resumed, Some(false), "the execution no longer waits");
}

#[tokio::test]
async fn a_caught_failure_ends_the_run_at_the_stage_it_was_in_with_a_documented_name() {
    let w = world(None, wav(120.0, 8.0), 0);
    let id = add_artist(&w, "Broken", false).await;
    let clock = w.p.clock.as_ref();
    let run_id = RunId::new(clock.new_ulid());
    w.runs
        .create(&Run::new(
            run_id.clone(),
            id,
            BatchId::new(clock.new_ulid()),
            clock.now(),
        ))
        .await
        .unwrap();
    let chain = w.p.llm_chain();
    let ports = stages::OutcomePorts {
        runs: w.p.runs.as_ref(),
        artists: w.p.artists.as_ref(),
        llm: &chain,
        clock,
    };
    let failure = stages::WorkflowFailure {
        error: "Retryable.Provider".into(),
        cause: r#"{"errorType":"Retryable.Provider","errorMessage":"music unavailable: 503"}"#
            .into(),
    };
    let closed = stages::close_run(&ports, &Default::default(), &run_id, Some(&failure))
        .await
        .unwrap();
    assert_eq!(closed.status, RunStatus::Failed);
    let run = w.runs.get(&run_id).await.unwrap().unwrap();
    let err = run.failure.as_ref().unwrap();
    assert_eq!(err.error_name, "Retryable.Provider");
    assert_eq!(err.message, "music unavailable: 503");
    assert_eq!(err.stage.map(|s| s.as_str()), Some("adapt-params"));

    // A Lambda service error keeps its original name in the message.
    let f = stages::WorkflowFailure {
        error: "Lambda.ServiceException".into(),
        cause: "boom".into(),
    };
    assert_eq!(f.run_error_name(), "Permanent.Internal");
    assert_eq!(f.message(), "Lambda.ServiceException: boom");
    let t = stages::WorkflowFailure {
        error: "States.Timeout".into(),
        cause: String::new(),
    };
    assert_eq!(t.run_error_name(), "Permanent.Timeout");
}

#[tokio::test]
async fn heartbeats_reach_only_live_unexpired_approval_waits() {
    let w = world(None, wav(120.0, 8.0), 0);
    let flow = MemoryWorkflow::new();
    flow.wait_on("tok-a");
    let (_a, _) = to_approval(&w, "Waiting", false, "tok-a").await;
    let (_b, _) = to_approval(&w, "Gone", false, "tok-b").await; // nobody waits on tok-b
    let (_c, _) = to_approval(&w, "Auto", true, "tok-c").await; // decided at once
    let n = stages::heartbeat_pending_approvals(w.p.runs.as_ref(), &flow, w.p.clock.as_ref())
        .await
        .unwrap();
    assert_eq!(n, 1);
    let beats: Vec<_> = flow
        .calls()
        .into_iter()
        .map(|c| match c {
            WorkflowCall::Heartbeat { token } => token,
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(beats, vec!["tok-a".to_string(), "tok-b".to_string()]);
}

#[tokio::test]
async fn only_runs_that_need_no_person_are_decided_before_the_wait() {
    let w = world(None, wav(120.0, 8.0), 0);
    let clock = w.p.clock.as_ref();
    let mut ids = vec![];
    for (name, autopilot) in [("Pilot Two", true), ("Person", false)] {
        let artist = add_artist(&w, name, autopilot).await;
        let run_id = RunId::new(clock.new_ulid());
        w.runs
            .create(&Run::new(
                run_id.clone(),
                artist,
                BatchId::new(clock.new_ulid()),
                clock.now(),
            ))
            .await
            .unwrap();
        runner::run_cycle(
            &w.p,
            &opts(),
            &NoProgress,
            &CancelFlag::default(),
            &run_id,
            &w.runs.get(&run_id).await.unwrap().unwrap().artist_id,
        )
        .await;
        ids.push(run_id);
    }
    // Both runs are decided by now (autopilot; the world's source decides
    // nothing, so the person's run expired): each answers its stored decision.
    for id in &ids {
        let s = stages::decide_without_reviewer(
            w.p.runs.as_ref(),
            w.p.artists.as_ref(),
            w.p.assets.as_ref(),
            w.p.approval.as_ref(),
            clock,
            id,
            Duration::from_secs(60),
        )
        .await
        .unwrap();
        assert!(
            matches!(s, Some(stages::ApprovalState::Decided { .. })),
            "{s:?}"
        );
    }
    // A fresh run of a person's artist needs a reviewer and is left alone.
    let (run_id, _) = {
        let artist = add_artist(&w, "Another Person", false).await;
        let run_id = RunId::new(clock.new_ulid());
        w.runs
            .create(&Run::new(
                run_id.clone(),
                artist,
                BatchId::new(clock.new_ulid()),
                clock.now(),
            ))
            .await
            .unwrap();
        (run_id, ())
    };
    let version = w.runs.get(&run_id).await.unwrap().unwrap().version;
    let s = stages::decide_without_reviewer(
        w.p.runs.as_ref(),
        w.p.artists.as_ref(),
        w.p.assets.as_ref(),
        w.p.approval.as_ref(),
        clock,
        &run_id,
        Duration::from_secs(60),
    )
    .await
    .unwrap();
    assert!(s.is_none());
    assert_eq!(
        w.runs.get(&run_id).await.unwrap().unwrap().version,
        version,
        "nothing written"
    );
    assert!(
        w.channel
            .sent
            .lock()
            .unwrap()
            .iter()
            .all(|p| p.artist_name != "Another Person")
    );
}

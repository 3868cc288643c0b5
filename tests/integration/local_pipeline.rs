use std::time::Duration;

use noktvrn_domain::ids::{BatchId, RunId};
use noktvrn_domain::run::{Decision, DecisionMethod, Run, RunStatus};
use noktvrn_local::LocalBackend;
use noktvrn_pipeline::ports::{Clock, IncomingDecision, SystemClock};
use noktvrn_pipeline::runner::{self, BatchOptions, CancelFlag, NoProgress};
use noktvrn_pipeline::stages::{self, ApprovalState, SelectionPolicy};
use noktvrn_tests::{pipeline, seed, violations};

fn opts() -> BatchOptions {
    BatchOptions {
        policy: SelectionPolicy {
            respect_cadence: false,
            creation_probability: 0.0,
            max_artists: 2,
            ..Default::default()
        },
        ..Default::default()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_decisions_on_sqlite_are_applied_exactly_once() {
    let dir = tempfile::tempdir().unwrap();
    let backend = LocalBackend::open(dir.path()).unwrap();
    let p = pipeline(&backend, None);
    seed(&p).await;
    let artist = p
        .artists
        .list()
        .await
        .unwrap()
        .into_iter()
        .find(|a| !a.autopilot_enabled)
        .unwrap();
    let clock = SystemClock;
    let run_id = RunId::new(clock.new_ulid());
    p.runs
        .create(&Run::new(
            run_id.clone(),
            artist.artist_id.clone(),
            BatchId::new(clock.new_ulid()),
            clock.now(),
        ))
        .await
        .unwrap();
    let chain = p.llm_chain();
    let adapt = stages::AdaptPorts {
        artists: p.artists.as_ref(),
        runs: p.runs.as_ref(),
        trends: p.trends.as_ref(),
        llm: &chain,
        clock: &clock,
    };
    stages::adapt_params(&adapt, &run_id).await.unwrap();
    stages::submit_track(p.runs.as_ref(), p.music.as_ref(), &clock, &run_id)
        .await
        .unwrap();
    stages::poll_track(
        p.runs.as_ref(),
        p.music.as_ref(),
        p.assets.as_ref(),
        &clock,
        &run_id,
    )
    .await
    .unwrap();
    stages::analyze_audio(p.runs.as_ref(), p.assets.as_ref(), &clock, &run_id)
        .await
        .unwrap();
    stages::select_video(
        p.runs.as_ref(),
        p.artists.as_ref(),
        &p.video_sources(),
        &clock,
        &run_id,
    )
    .await
    .unwrap();
    let ApprovalState::Pending { preview } = stages::request_approval(
        p.runs.as_ref(),
        p.artists.as_ref(),
        p.assets.as_ref(),
        p.approval.as_ref(),
        &clock,
        &run_id,
        Some("tok"),
        Duration::from_secs(60),
    )
    .await
    .unwrap() else {
        panic!("a non-autopilot artist waits for a decision")
    };

    // eight reviewers press a button at the same moment, half of them Reject
    let runs = p.runs.clone();
    let mut tasks = vec![];
    for i in 0..8 {
        let runs = runs.clone();
        let d = IncomingDecision {
            approval_id: preview.approval_id.clone(),
            decision: if i % 2 == 0 {
                Decision::Approved
            } else {
                Decision::Rejected
            },
            method: DecisionMethod::Human,
            decided_by: format!("user-{i}"),
            note: None,
        };
        tasks.push(tokio::spawn(async move {
            stages::apply_decision(runs.as_ref(), &SystemClock, &d).await
        }));
    }
    let mut applied = vec![];
    for t in tasks {
        let r = t.await.unwrap().unwrap();
        if r.applied {
            applied.push(r);
        }
    }
    assert_eq!(applied.len(), 1, "exactly one decision wins");
    let run = p.runs.get(&run_id).await.unwrap().unwrap();
    assert_eq!(Some(run.approval.unwrap().decision), applied[0].decision);
    assert!(matches!(
        run.status,
        RunStatus::Approved | RunStatus::Rejected
    ));
    assert_eq!(applied[0].task_token.as_deref(), Some("tok"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_stored_document_matches_its_committed_schema() {
    let dir = tempfile::tempdir().unwrap();
    let backend = LocalBackend::open(dir.path()).unwrap();
    let p = pipeline(&backend, Some(Decision::Approved));
    seed(&p).await;
    let summary = runner::run_batch(&p, &opts(), &NoProgress, &CancelFlag::default())
        .await
        .unwrap();
    assert_eq!(summary.completed, 2, "{summary:?}");

    for a in p.artists.list().await.unwrap() {
        let v = serde_json::to_value(&a).unwrap();
        assert!(
            violations("artist.schema.json", &v).is_empty(),
            "{:?}",
            violations("artist.schema.json", &v)
        );
        for e in p.artists.evolution_log(&a.artist_id, 50).await.unwrap() {
            let v = serde_json::to_value(&e).unwrap();
            assert!(violations("evolution_entry.schema.json", &v).is_empty());
        }
    }
    for r in p.runs.list_recent(10).await.unwrap() {
        let v = serde_json::to_value(&r).unwrap();
        assert!(
            violations("run.schema.json", &v).is_empty(),
            "{:?}",
            violations("run.schema.json", &v)
        );
    }
    for t in p.trends.list().await.unwrap() {
        assert!(
            violations(
                "trend_profile.schema.json",
                &serde_json::to_value(&t).unwrap()
            )
            .is_empty()
        );
    }
    for rel in p.releases.list(10).await.unwrap() {
        let prefix = noktvrn_domain::release::keys::release_prefix(&rel.release_id);
        for (file, schema) in [
            ("metadata.json", "release_metadata.schema.json"),
            ("prompts_used.json", "prompts_used.schema.json"),
            ("manifest.json", "manifest.schema.json"),
        ] {
            let bytes = p.assets.get(&format!("{prefix}{file}")).await.unwrap();
            let v: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
            let errs = violations(schema, &v);
            assert!(errs.is_empty(), "{file}: {errs:?}");
        }
        // analysis.json is the audio crate's full Analysis
        let a: noktvrn_audio::Analysis = serde_json::from_slice(
            &p.assets
                .get(&format!("{prefix}analysis.json"))
                .await
                .unwrap(),
        )
        .unwrap();
        assert!(a.duration_s > 10.0);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_synth_is_heard_back_at_the_tempo_and_key_adapt_params_asked_for() {
    let dir = tempfile::tempdir().unwrap();
    let backend = LocalBackend::open(dir.path()).unwrap();
    let mut p = pipeline(&backend, Some(Decision::Approved));
    // ids, hence seeds, hence the music, are the same on every run
    p.clock = std::sync::Arc::new(noktvrn_tests::StepClock::default());
    seed(&p).await;
    let mut o = opts();
    o.policy.max_artists = 5;
    runner::run_batch(&p, &o, &NoProgress, &CancelFlag::default())
        .await
        .unwrap();
    let mut exact_key = 0;
    let runs = p.runs.list_recent(10).await.unwrap();
    for r in &runs {
        let asked = r.params.as_ref().unwrap();
        let heard = r.analysis.as_ref().unwrap();
        let bpm = heard.bpm.expect("a tempo");
        let ratio = bpm / asked.tempo_bpm;
        assert!(
            (ratio - 1.0).abs() < 0.04,
            "asked {} heard {bpm}",
            asked.tempo_bpm
        );
        if heard.key == Some(asked.key) {
            exact_key += 1;
        }
        assert!((heard.duration_s - asked.duration_s).abs() < 0.5);
    }
    assert!(
        exact_key >= runs.len() - 1,
        "key heard back for {exact_key} of {}",
        runs.len()
    );
}

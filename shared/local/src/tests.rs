//! Tests of the local backend on temporary directories.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{DateTime, TimeZone, Utc};
use sha2::{Digest, Sha256};
use tempfile::TempDir;
use ulid::Ulid;

use noktvrn_domain::SCHEMA_VERSION as DOC_VERSION;
use noktvrn_domain::artist::{Artist, ArtistDraft, CreationMethod};
use noktvrn_domain::ids::{ArtistId, BatchId, ReleaseId, RunId};
use noktvrn_domain::release::{Manifest, ManifestEntry, ReleaseRecord, ReleaseStatus, keys};
use noktvrn_domain::run::{Run, RunStatus};
use noktvrn_domain::trend::{EvolutionEntry, EvolutionKind, TrendProfile, TrendSegment};
use noktvrn_pipeline::ports::{
    ApprovalTicket, ArtistStore, AssetStore, Clock, Distributor, ReleaseQueue, ReleaseStore,
    RunStore, TrendStore,
};
use noktvrn_pipeline::{ProviderError, StoreError};

use super::*;

// ---------------------------------------------------------------- fixtures

/// A clock whose time only moves when told; ULIDs are sequential.
struct TestClock {
    now: Mutex<DateTime<Utc>>,
    next: AtomicU64,
}

impl TestClock {
    fn new() -> Arc<Self> {
        Arc::new(Self {
            now: Mutex::new(t0()),
            next: AtomicU64::new(1),
        })
    }

    fn advance(&self, d: Duration) {
        let mut now = self.now.lock().unwrap();
        *now += chrono::Duration::from_std(d).unwrap();
    }
}

impl Clock for TestClock {
    fn now(&self) -> DateTime<Utc> {
        *self.now.lock().unwrap()
    }

    fn new_ulid(&self) -> Ulid {
        let ms = self.now().timestamp_millis() as u64;
        Ulid::from_parts(ms, u128::from(self.next.fetch_add(1, Ordering::SeqCst)))
    }
}

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 1, 12, 0, 0).unwrap()
}

fn at(minutes: i64) -> DateTime<Utc> {
    t0() + chrono::Duration::minutes(minutes)
}

fn open(dir: &TempDir) -> LocalBackend {
    LocalBackend::open(dir.path()).unwrap()
}

fn open_with_clock(dir: &TempDir, clock: Arc<TestClock>, max_receives: u32) -> LocalBackend {
    LocalBackend::open_with(
        dir.path(),
        LocalOptions {
            clock,
            max_receives,
        },
    )
    .unwrap()
}

fn artist(name: &str) -> Artist {
    ArtistDraft {
        artist_id: None,
        name: name.into(),
        genre: "lofi".into(),
        style_notes: "dusty keys".into(),
        llm_config: None,
        status: None,
        autopilot_enabled: false,
        voice_url: None,
        cadence_hours: None,
        persona: None,
        evolution: None,
        sound: None,
        ab_test: None,
    }
    .into_artist(t0(), CreationMethod::Manual)
    .unwrap()
}

fn ulid(n: u128) -> Ulid {
    Ulid::from_parts(t0().timestamp_millis() as u64, n)
}

fn run(n: u128, artist: &str, batch: u128, created: DateTime<Utc>) -> Run {
    Run::new(
        RunId::new(ulid(n)),
        ArtistId::parse(artist).unwrap(),
        BatchId::new(ulid(1000 + batch)),
        created,
    )
}

fn release(id: &str, created: DateTime<Utc>) -> ReleaseRecord {
    let release_id = ReleaseId::parse(id).unwrap();
    ReleaseRecord {
        schema_version: DOC_VERSION,
        manifest_key: keys::manifest(&release_id),
        release_id,
        run_id: RunId::new(ulid(7)),
        artist_id: ArtistId::parse("luna_echo").unwrap(),
        track_title: "Rain on Glass".into(),
        created_at: created,
        status: ReleaseStatus::Packaged,
        platforms: BTreeMap::new(),
        version: 0,
    }
}

fn trend(
    country: &str,
    genre: &str,
    audience: &str,
    period: &str,
    updated: DateTime<Utc>,
) -> TrendProfile {
    TrendProfile {
        schema_version: DOC_VERSION,
        segment: TrendSegment {
            country: country.into(),
            genre: genre.into(),
            audience: audience.into(),
            period: period.into(),
        },
        tempo_bpm: 90.0,
        energy: 0.4,
        minor_share: 0.6,
        keywords: vec!["rain".into()],
        sample_size: 50,
        updated_at: updated,
        tempo_trend_per_period: 0.0,
        energy_trend_per_period: 0.0,
    }
}

fn evolution(artist: &str, reason: &str, when: DateTime<Utc>) -> EvolutionEntry {
    EvolutionEntry {
        schema_version: DOC_VERSION,
        artist_id: ArtistId::parse(artist).unwrap(),
        at: when,
        run_id: None,
        kind: EvolutionKind::Manual,
        changes: vec![],
        reason: reason.into(),
    }
}

fn ids(runs: &[Run]) -> Vec<String> {
    runs.iter().map(|r| r.run_id.to_string()).collect()
}

fn rid(n: u128) -> String {
    ulid(n).to_string()
}

/// Runs raw SQL on the backend's connection (to plant corrupt rows).
fn raw_sql(b: &LocalBackend, sql: &str) {
    b.db.conn().execute_batch(sql).unwrap();
}

// ---------------------------------------------------------------- artists

#[tokio::test]
async fn artists_create_get_list_and_conditional_update() {
    let dir = TempDir::new().unwrap();
    let b = open(&dir);
    let store = b.artists();
    let a = artist("Luna Echo");
    store.create(&a).await.unwrap();
    store.create(&artist("Velvet Static")).await.unwrap();
    assert_eq!(store.get(&a.artist_id).await.unwrap(), Some(a.clone()));
    assert_eq!(
        store
            .get(&ArtistId::parse("nobody").unwrap())
            .await
            .unwrap(),
        None
    );

    let e = store.create(&a).await.unwrap_err();
    assert!(
        matches!(
            e,
            StoreError::AlreadyExists {
                entity: "artist",
                ..
            }
        ),
        "{e}"
    );

    let names: Vec<_> = store
        .list()
        .await
        .unwrap()
        .into_iter()
        .map(|a| a.name)
        .collect();
    assert_eq!(names, ["Luna Echo", "Velvet Static"]);

    // two writers read version 0; the first wins, the second conflicts
    let mut w1 = store.get(&a.artist_id).await.unwrap().unwrap();
    let mut w2 = w1.clone();
    w1.style_notes = "writer one".into();
    w2.style_notes = "writer two".into();
    let stored = store.update(&w1).await.unwrap();
    assert_eq!(stored.version, 1);
    let e = store.update(&w2).await.unwrap_err();
    assert!(
        matches!(
            e,
            StoreError::Conflict {
                entity: "artist",
                expected: 0,
                ..
            }
        ),
        "{e}"
    );
    let now = store.get(&a.artist_id).await.unwrap().unwrap();
    assert_eq!(now.style_notes, "writer one");
    assert_eq!(now.version, 1);
    assert_eq!(now, stored);

    // the winner's returned record is the one to update next
    let mut next = stored.clone();
    next.cadence_hours = 12;
    assert_eq!(store.update(&next).await.unwrap().version, 2);

    let mut ghost = artist("Nobody Here");
    ghost.version = 3;
    let e = store.update(&ghost).await.unwrap_err();
    assert!(
        matches!(
            e,
            StoreError::NotFound {
                entity: "artist",
                ..
            }
        ),
        "{e}"
    );
}

#[tokio::test]
async fn evolution_log_is_newest_first_per_artist_with_limit() {
    let dir = TempDir::new().unwrap();
    let b = open(&dir);
    let store = b.artists();
    for i in 0..5 {
        store
            .append_evolution(&evolution("luna_echo", &format!("step {i}"), at(i)))
            .await
            .unwrap();
        store
            .append_evolution(&evolution("velvet_static", &format!("other {i}"), at(i)))
            .await
            .unwrap();
    }
    let log = store
        .evolution_log(&ArtistId::parse("luna_echo").unwrap(), 3)
        .await
        .unwrap();
    let reasons: Vec<_> = log.iter().map(|e| e.reason.as_str()).collect();
    assert_eq!(reasons, ["step 4", "step 3", "step 2"]);
    assert!(
        store
            .evolution_log(&ArtistId::parse("nobody").unwrap(), 10)
            .await
            .unwrap()
            .is_empty()
    );
}

// ---------------------------------------------------------------- runs

#[tokio::test]
async fn runs_conditional_writes() {
    let dir = TempDir::new().unwrap();
    let b = open(&dir);
    let store = b.runs();
    let r = run(1, "luna_echo", 1, at(0));
    store.create(&r).await.unwrap();
    let e = store.create(&r).await.unwrap_err();
    assert!(
        matches!(e, StoreError::AlreadyExists { entity: "run", .. }),
        "{e}"
    );

    let mut w1 = store.get(&r.run_id).await.unwrap().unwrap();
    let mut w2 = w1.clone();
    w1.transition(RunStatus::ParametersAdapted, at(1)).unwrap();
    w2.fail(None, "Permanent.Internal", "boom", at(1)).unwrap();
    let stored = store.update(&w1).await.unwrap();
    assert_eq!(stored.version, 1);
    let e = store.update(&w2).await.unwrap_err();
    assert!(e.is_conflict(), "{e}");
    let now = store.get(&r.run_id).await.unwrap().unwrap();
    assert_eq!(now.status, RunStatus::ParametersAdapted);
    assert_eq!(now.version, 1);
    // the indexed status column follows the update
    assert_eq!(ids(&store.list_unfinished().await.unwrap()), [rid(1)]);

    let ghost = run(99, "luna_echo", 1, at(0));
    let e = store.update(&ghost).await.unwrap_err();
    assert!(
        matches!(e, StoreError::NotFound { entity: "run", .. }),
        "{e}"
    );
}

#[tokio::test]
async fn run_listings_are_ordered_and_filtered() {
    let dir = TempDir::new().unwrap();
    let b = open(&dir);
    let store = b.runs();
    // created_at out of id order, and a tie broken by run_id
    let runs = [
        run(1, "luna_echo", 1, at(5)),
        run(2, "luna_echo", 1, at(1)),
        run(3, "velvet_static", 2, at(3)),
        run(4, "luna_echo", 2, at(3)),
        run(5, "luna_echo", 2, at(9)),
    ];
    for r in &runs {
        store.create(r).await.unwrap();
    }
    // finish run 5 and run 2
    for n in [5, 2] {
        let mut r = store.get(&RunId::new(ulid(n))).await.unwrap().unwrap();
        r.fail(None, "Permanent.Internal", "x", at(10)).unwrap();
        store.update(&r).await.unwrap();
    }

    assert_eq!(
        ids(&store.list_recent(10).await.unwrap()),
        [rid(5), rid(1), rid(4), rid(3), rid(2)]
    );
    assert_eq!(ids(&store.list_recent(2).await.unwrap()), [rid(5), rid(1)]);
    assert_eq!(
        ids(&store
            .list_by_artist(&ArtistId::parse("luna_echo").unwrap(), 3)
            .await
            .unwrap()),
        [rid(5), rid(1), rid(4)]
    );
    assert_eq!(
        ids(&store
            .list_by_batch(&BatchId::new(ulid(1002)))
            .await
            .unwrap()),
        [rid(3), rid(4), rid(5)]
    );
    assert!(
        store
            .list_by_batch(&BatchId::new(ulid(1009)))
            .await
            .unwrap()
            .is_empty()
    );
    let unfinished = store.list_unfinished().await.unwrap();
    assert_eq!(ids(&unfinished), [rid(3), rid(4), rid(1)]);
    assert!(unfinished.iter().all(|r| !r.status.is_terminal()));
}

#[tokio::test]
async fn approvals_are_create_if_absent() {
    let dir = TempDir::new().unwrap();
    let b = open(&dir);
    let store = b.runs();
    let ticket = ApprovalTicket {
        approval_id: "ap_1".into(),
        run_id: RunId::new(ulid(1)),
        task_token: Some("token-1".into()),
        expires_at: at(60),
    };
    store.put_approval(&ticket).await.unwrap();
    let again = ApprovalTicket {
        task_token: Some("token-2".into()),
        ..ticket.clone()
    };
    let e = store.put_approval(&again).await.unwrap_err();
    assert!(
        matches!(
            e,
            StoreError::AlreadyExists {
                entity: "approval",
                ..
            }
        ),
        "{e}"
    );
    assert_eq!(store.get_approval("ap_1").await.unwrap(), Some(ticket));
    assert_eq!(store.get_approval("ap_2").await.unwrap(), None);

    let no_token = ApprovalTicket {
        approval_id: "ap_2".into(),
        run_id: RunId::new(ulid(2)),
        task_token: None,
        expires_at: at(5),
    };
    store.put_approval(&no_token).await.unwrap();
    assert_eq!(store.get_approval("ap_2").await.unwrap(), Some(no_token));
}

// ---------------------------------------------------------------- releases

#[tokio::test]
async fn releases_conditional_writes_and_newest_first() {
    let dir = TempDir::new().unwrap();
    let b = open(&dir);
    let store = b.releases();
    let r1 = release("luna_echo_20260301120000_aaaa", at(0));
    let r2 = release("luna_echo_20260301130000_bbbb", at(60));
    let r3 = release("luna_echo_20260301110000_cccc", at(-60));
    for r in [&r1, &r2, &r3] {
        store.create(r).await.unwrap();
    }
    let e = store.create(&r1).await.unwrap_err();
    assert!(
        matches!(
            e,
            StoreError::AlreadyExists {
                entity: "release",
                ..
            }
        ),
        "{e}"
    );

    let listed: Vec<_> = store
        .list(10)
        .await
        .unwrap()
        .into_iter()
        .map(|r| r.release_id.to_string())
        .collect();
    assert_eq!(
        listed,
        [
            "luna_echo_20260301130000_bbbb",
            "luna_echo_20260301120000_aaaa",
            "luna_echo_20260301110000_cccc"
        ]
    );
    assert_eq!(store.list(1).await.unwrap().len(), 1);

    let mut w1 = store.get(&r1.release_id).await.unwrap().unwrap();
    let mut w2 = w1.clone();
    w1.status = ReleaseStatus::Queued;
    w2.status = ReleaseStatus::Failed;
    assert_eq!(store.update(&w1).await.unwrap().version, 1);
    assert!(store.update(&w2).await.unwrap_err().is_conflict());
    let now = store.get(&r1.release_id).await.unwrap().unwrap();
    assert_eq!((now.status, now.version), (ReleaseStatus::Queued, 1));

    let ghost = release("nobody_20260301120000_zzzz", at(0));
    assert!(matches!(
        store.update(&ghost).await.unwrap_err(),
        StoreError::NotFound {
            entity: "release",
            ..
        }
    ));
}

// ---------------------------------------------------------------- trends

#[tokio::test]
async fn trends_replace_per_segment_and_latest_is_newest() {
    let dir = TempDir::new().unwrap();
    let b = open(&dir);
    let store = b.trends();
    assert_eq!(store.latest("US", "lofi").await.unwrap(), None);
    store
        .put(&trend("US", "lofi", "general", "2026-W09", at(0)))
        .await
        .unwrap();
    store
        .put(&trend("US", "lofi", "teens", "2026-W09", at(30)))
        .await
        .unwrap();
    store
        .put(&trend("US", "lofi", "general", "2026-W08", at(-60)))
        .await
        .unwrap();
    store
        .put(&trend("US", "techno", "general", "2026-W09", at(90)))
        .await
        .unwrap();
    store
        .put(&trend("DE", "lofi", "general", "2026-W09", at(120)))
        .await
        .unwrap();

    let latest = store.latest("US", "lofi").await.unwrap().unwrap();
    assert_eq!(latest.segment.audience, "teens");
    assert_eq!(latest.updated_at, at(30));

    // a put for the same segment replaces it
    let mut newer = trend("US", "lofi", "general", "2026-W09", at(45));
    newer.tempo_bpm = 120.0;
    store.put(&newer).await.unwrap();
    assert_eq!(store.latest("US", "lofi").await.unwrap(), Some(newer));
    assert_eq!(store.list().await.unwrap().len(), 5);
}

// ---------------------------------------------------------------- corruption

#[tokio::test]
async fn a_row_with_bad_json_is_corrupt_not_a_panic() {
    let dir = TempDir::new().unwrap();
    let b = open(&dir);
    let a = artist("Luna Echo");
    b.artists().create(&a).await.unwrap();
    let r = run(1, "luna_echo", 1, at(0));
    b.runs().create(&r).await.unwrap();
    raw_sql(
        &b,
        "UPDATE artists SET doc = '{\"artist_id\": 42' WHERE artist_id = 'luna_echo'",
    );
    raw_sql(&b, "UPDATE runs SET doc = '{\"run_id\": \"x\"}'");

    let e = b.artists().get(&a.artist_id).await.unwrap_err();
    match &e {
        StoreError::Corrupt { entity, id, source } => {
            assert_eq!((*entity, id.as_str()), ("artist", "luna_echo"));
            assert!(source.is::<serde_json::Error>());
        }
        other => panic!("expected Corrupt, got {other}"),
    }
    assert!(matches!(
        b.artists().list().await.unwrap_err(),
        StoreError::Corrupt { .. }
    ));
    assert!(matches!(
        b.runs().get(&r.run_id).await.unwrap_err(),
        StoreError::Corrupt { entity: "run", .. }
    ));
    assert!(matches!(
        b.runs().list_recent(5).await.unwrap_err(),
        StoreError::Corrupt { .. }
    ));
}

#[tokio::test]
async fn a_record_that_would_not_read_back_is_refused() {
    let dir = TempDir::new().unwrap();
    let b = open(&dir);
    let mut t = trend("US", "lofi", "general", "2026-W09", at(0));
    t.tempo_bpm = f64::NAN; // serde_json writes null, which f64 cannot read
    let e = b.trends().put(&t).await.unwrap_err();
    assert!(matches!(e, StoreError::Backend { .. }), "{e}");
    assert!(b.trends().list().await.unwrap().is_empty());
}

// ---------------------------------------------------------------- assets

#[tokio::test]
async fn assets_round_trip_head_list_delete() {
    let dir = TempDir::new().unwrap();
    let b = open(&dir);
    let assets = b.assets();
    assets
        .put("tracks/r1/clip.wav", b"RIFF".to_vec(), "audio/wav")
        .await
        .unwrap();
    assets
        .put(
            "tracks/r1/analysis.json",
            b"{}".to_vec(),
            "application/json",
        )
        .await
        .unwrap();
    assets
        .put("tracks/r2/clip.mp3", b"ID3x".to_vec(), "audio/mpeg")
        .await
        .unwrap();
    assets
        .put("releases/x/cover.png", b"png".to_vec(), "image/png")
        .await
        .unwrap();

    assert_eq!(assets.get("tracks/r1/clip.wav").await.unwrap(), b"RIFF");
    assert_eq!(
        std::fs::read(dir.path().join("assets/tracks/r1/clip.wav")).unwrap(),
        b"RIFF"
    );
    let head = assets.head("tracks/r2/clip.mp3").await.unwrap().unwrap();
    assert_eq!((head.size, head.content_type.as_str()), (4, "audio/mpeg"));
    assert_eq!(assets.head("tracks/r9/none.wav").await.unwrap(), None);
    assert_eq!(
        assets.head("tracks/r1").await.unwrap(),
        None,
        "a folder is not an object"
    );
    assert!(assets.exists("releases/x/cover.png").await.unwrap());
    assert!(matches!(
        assets.get("tracks/r9/none.wav").await.unwrap_err(),
        StoreError::NotFound {
            entity: "asset",
            ..
        }
    ));

    let keys_of = |v: Vec<noktvrn_pipeline::ports::AssetInfo>| {
        v.into_iter().map(|a| a.key).collect::<Vec<_>>()
    };
    assert_eq!(
        keys_of(assets.list("tracks/").await.unwrap()),
        [
            "tracks/r1/analysis.json",
            "tracks/r1/clip.wav",
            "tracks/r2/clip.mp3"
        ]
    );
    assert_eq!(
        keys_of(assets.list("tracks/r1/").await.unwrap()),
        ["tracks/r1/analysis.json", "tracks/r1/clip.wav"]
    );
    assert_eq!(keys_of(assets.list("tracks/r").await.unwrap()).len(), 3);
    assert_eq!(keys_of(assets.list("").await.unwrap()).len(), 4);
    assert!(assets.list("nothing/here/").await.unwrap().is_empty());
    let listed = assets.list("tracks/r1/").await.unwrap();
    assert_eq!(listed[0].content_type, "application/json");
    assert_eq!(listed[1].size, 4);

    assets.delete("tracks/r1/clip.wav").await.unwrap();
    assert!(!assets.exists("tracks/r1/clip.wav").await.unwrap());
    assets.delete("tracks/r1/clip.wav").await.unwrap(); // missing: Ok
    assets.delete("never/was.txt").await.unwrap();
}

#[tokio::test]
async fn asset_put_replaces_atomically_and_leaves_no_temp_files() {
    let dir = TempDir::new().unwrap();
    let b = open(&dir);
    let assets = b.assets();
    assets
        .put("a/b.txt", vec![1; 10_000], "text/plain")
        .await
        .unwrap();
    assets
        .put("a/b.txt", vec![2; 10], "text/plain")
        .await
        .unwrap();
    assert_eq!(assets.get("a/b.txt").await.unwrap(), vec![2; 10]);
    let names: Vec<_> = std::fs::read_dir(dir.path().join("assets/a"))
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    assert_eq!(names, ["b.txt"]);

    // a temp file left by a crash is invisible
    std::fs::write(
        dir.path().join("assets/a/.noktvrn-tmp-01ABC-b.txt"),
        b"partial",
    )
    .unwrap();
    let listed = assets.list("a/").await.unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].key, "a/b.txt");
}

#[tokio::test]
async fn asset_keys_are_validated() {
    let dir = TempDir::new().unwrap();
    let b = open(&dir);
    let assets = b.assets();
    for bad in [
        "/etc/passwd",
        "../escape.txt",
        "a/../../b",
        "a//b",
        "a\\b",
        "",
        "a/./b",
        "dir/",
    ] {
        let e = assets
            .put(bad, b"x".to_vec(), "text/plain")
            .await
            .unwrap_err();
        assert!(matches!(e, StoreError::Backend { .. }), "{bad}: {e}");
        assert!(e.to_string().contains("invalid asset key"), "{e}");
        assert!(assets.get(bad).await.is_err());
        assert!(assets.delete(bad).await.is_err());
    }
    assert!(assets.list("../").await.is_err());
    assert!(assets.list("/abs").await.is_err());
    assert!(!dir.path().join("escape.txt").exists());
}

#[tokio::test]
async fn url_for_is_an_absolute_file_url() {
    let dir = TempDir::new().unwrap();
    let b = open(&dir);
    let assets = b.assets();
    assets
        .put("tracks/r1/clip.wav", b"x".to_vec(), "audio/wav")
        .await
        .unwrap();
    let url = assets
        .url_for("tracks/r1/clip.wav", Duration::from_secs(60))
        .await
        .unwrap();
    let root = std::fs::canonicalize(dir.path()).unwrap();
    let expected = format!("file://{}/assets/tracks/r1/clip.wav", root.display());
    if !root.to_string_lossy().contains(' ') {
        assert_eq!(url, expected);
    }
    assert!(url.starts_with("file:///"));
}

// ---------------------------------------------------------------- queue

#[tokio::test]
async fn queue_send_receive_ack() {
    let dir = TempDir::new().unwrap();
    let clock = TestClock::new();
    let b = open_with_clock(&dir, clock.clone(), 5);
    let q = b.local_queue();
    let id1 = q.send("one").await.unwrap();
    let id2 = q.send("two").await.unwrap();
    let id3 = q.send("three").await.unwrap();
    assert_ne!(id1, id2);

    let got = q.receive(2, Duration::from_secs(30)).await.unwrap();
    assert_eq!(
        got.iter().map(|d| d.body.as_str()).collect::<Vec<_>>(),
        ["one", "two"]
    );
    assert_eq!(got[0].message_id, id1);
    assert!(got.iter().all(|d| d.receive_count == 1));
    assert_ne!(got[0].receipt, got[1].receipt);

    // in flight: only the third is visible
    let rest = q.receive(10, Duration::from_secs(30)).await.unwrap();
    assert_eq!(rest.len(), 1);
    assert_eq!(rest[0].message_id, id3);
    assert!(
        q.receive(10, Duration::from_secs(30))
            .await
            .unwrap()
            .is_empty()
    );
    assert!(
        q.receive(0, Duration::from_secs(30))
            .await
            .unwrap()
            .is_empty()
    );

    for d in got.iter().chain(&rest) {
        q.ack(&d.receipt).await.unwrap();
    }
    assert_eq!(q.depth().unwrap(), 0);
    clock.advance(Duration::from_secs(60));
    assert!(
        q.receive(10, Duration::from_secs(30))
            .await
            .unwrap()
            .is_empty()
    );
    q.ack("unknown-receipt").await.unwrap();
}

#[tokio::test]
async fn unacked_message_reappears_after_visibility_and_stale_receipt_does_not_delete() {
    let dir = TempDir::new().unwrap();
    let clock = TestClock::new();
    let b = open_with_clock(&dir, clock.clone(), 5);
    let q = b.local_queue();
    let id = q.send("release").await.unwrap();
    let first = q
        .receive(1, Duration::from_secs(30))
        .await
        .unwrap()
        .remove(0);

    clock.advance(Duration::from_secs(29));
    assert!(
        q.receive(1, Duration::from_secs(30))
            .await
            .unwrap()
            .is_empty()
    );
    clock.advance(Duration::from_secs(1));
    let second = q
        .receive(1, Duration::from_secs(30))
        .await
        .unwrap()
        .remove(0);
    assert_eq!(second.message_id, id);
    assert_eq!(second.receive_count, 2);
    assert_ne!(second.receipt, first.receipt);

    // the first consumer's ack comes late: the message stays
    q.ack(&first.receipt).await.unwrap();
    assert_eq!(q.depth().unwrap(), 1);
    clock.advance(Duration::from_secs(31));
    let third = q
        .receive(1, Duration::from_secs(30))
        .await
        .unwrap()
        .remove(0);
    assert_eq!(third.receive_count, 3);
    q.ack(&third.receipt).await.unwrap();
    assert_eq!(q.depth().unwrap(), 0);
}

#[tokio::test]
async fn messages_are_dead_lettered_after_max_receives() {
    let dir = TempDir::new().unwrap();
    let clock = TestClock::new();
    let b = open_with_clock(&dir, clock.clone(), 2);
    let q = b.local_queue();
    let poison = q.send("poison").await.unwrap();
    let vis = Duration::from_secs(10);
    for n in 1..=2 {
        let d = q.receive(1, vis).await.unwrap();
        assert_eq!(d[0].receive_count, n);
        clock.advance(vis);
    }
    let fine = q.send("fine").await.unwrap();
    // the poison message is moved, not delivered, and does not use up `max`
    let d = q.receive(1, vis).await.unwrap();
    assert_eq!(d.len(), 1);
    assert_eq!(d[0].message_id, fine);
    let dead = q.dead_letters().await.unwrap();
    assert_eq!(dead.len(), 1);
    assert_eq!(
        (
            dead[0].message_id.as_str(),
            dead[0].body.as_str(),
            dead[0].receive_count
        ),
        (poison.as_str(), "poison", 2)
    );
    assert_eq!(dead[0].receipt, "");
    assert_eq!(q.depth().unwrap(), 1);
}

#[tokio::test]
async fn the_queue_survives_a_reopen() {
    let dir = TempDir::new().unwrap();
    let clock = TestClock::new();
    {
        let b = open_with_clock(&dir, clock.clone(), 5);
        b.queue().send("persisted").await.unwrap();
    }
    let b = open_with_clock(&dir, clock.clone(), 5);
    let d = b.queue().receive(5, Duration::from_secs(1)).await.unwrap();
    assert_eq!(d.len(), 1);
    assert_eq!(d[0].body, "persisted");
}

// ---------------------------------------------------------------- opening

#[test]
fn open_creates_the_layout_and_migrates() {
    let dir = TempDir::new().unwrap();
    let root = dir.path().join("data/nested");
    let b = LocalBackend::open(&root).unwrap();
    for p in [DB_FILE, ASSETS_DIR, DEPLOY_DIR, LOCK_FILE] {
        assert!(root.join(p).exists(), "{p}");
    }
    assert_eq!(b.schema_version().unwrap(), SCHEMA_VERSION);
    assert!(b.root().is_absolute());
    let mode: String =
        b.db.conn()
            .query_row("PRAGMA journal_mode", [], |r| r.get(0))
            .unwrap();
    assert_eq!(mode, "wal");
    drop(b);
    // reopening applies nothing twice
    let b = LocalBackend::open(&root).unwrap();
    let n: i64 =
        b.db.conn()
            .query_row("SELECT COUNT(*) FROM schema_migrations", [], |r| r.get(0))
            .unwrap();
    assert_eq!(n, i64::from(SCHEMA_VERSION));
}

#[test]
fn a_second_open_is_locked_until_the_first_is_dropped() {
    let dir = TempDir::new().unwrap();
    let first = open(&dir);
    let e = LocalBackend::open(dir.path()).unwrap_err();
    match &e {
        LocalError::Locked { path } => assert!(path.ends_with(LOCK_FILE)),
        other => panic!("expected Locked, got {other}"),
    }
    assert!(e.to_string().contains("in use"), "{e}");

    // an adapter handed out keeps the lock
    let runs = first.runs();
    drop(first);
    assert!(matches!(
        LocalBackend::open(dir.path()),
        Err(LocalError::Locked { .. })
    ));
    drop(runs);
    let again = LocalBackend::open(dir.path()).unwrap();
    drop(again);
}

#[test]
fn a_corrupt_database_is_reported_and_left_untouched() {
    let dir = TempDir::new().unwrap();
    let db = dir.path().join(DB_FILE);
    let garbage: Vec<u8> = (0..8192u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    std::fs::write(&db, &garbage).unwrap();

    let e = LocalBackend::open(dir.path()).unwrap_err();
    match &e {
        LocalError::Database { path, .. } => assert!(path.ends_with(DB_FILE)),
        other => panic!("expected Database, got {other}"),
    }
    assert!(e.to_string().contains(DB_FILE), "{e}");
    assert_eq!(std::fs::read(&db).unwrap(), garbage);
    assert!(!dir.path().join("noktvrn.db-wal").exists());

    // the lock was released with the failed open: a read-only open reports the same
    assert!(matches!(
        LocalBackend::open_read_only(dir.path()),
        Err(LocalError::Database { .. })
    ));
    assert_eq!(std::fs::read(&db).unwrap(), garbage);
}

#[test]
fn an_unwritable_root_names_the_path_and_the_os_error() {
    let dir = TempDir::new().unwrap();
    let file = dir.path().join("plain-file");
    std::fs::write(&file, b"not a directory").unwrap();
    let root = file.join("data");
    let e = LocalBackend::open(&root).unwrap_err();
    let LocalError::Io { path, source, .. } = &e else {
        panic!("expected Io, got {e}");
    };
    assert_eq!(path, &root);
    let text = e.to_string();
    assert!(text.contains(&root.display().to_string()), "{text}");
    assert!(text.contains(&source.to_string()), "{text}");
    assert_eq!(std::fs::read(&file).unwrap(), b"not a directory");
}

#[test]
fn a_database_from_a_newer_noktvrn_is_refused() {
    let dir = TempDir::new().unwrap();
    {
        let b = open(&dir);
        raw_sql(
            &b,
            "INSERT INTO schema_migrations (version, applied_at) VALUES (99, '2030-01-01T00:00:00Z')",
        );
    }
    let e = LocalBackend::open(dir.path()).unwrap_err();
    assert!(
        matches!(
            e,
            LocalError::SchemaTooNew {
                found: 99,
                supported: SCHEMA_VERSION,
                ..
            }
        ),
        "{e}"
    );
    assert!(e.to_string().contains("upgrade"), "{e}");
}

#[tokio::test]
async fn read_only_open_reads_while_the_writer_holds_the_lock() {
    let dir = TempDir::new().unwrap();
    assert!(matches!(
        LocalBackend::open_read_only(dir.path()),
        Err(LocalError::NotInitialized { .. })
    ));
    let writer = open(&dir);
    let a = artist("Luna Echo");
    writer.artists().create(&a).await.unwrap();
    writer
        .assets()
        .put("a/b.txt", b"x".to_vec(), "text/plain")
        .await
        .unwrap();

    let reader = LocalBackend::open_read_only(dir.path()).unwrap();
    assert!(reader.is_read_only());
    assert_eq!(
        reader.artists().get(&a.artist_id).await.unwrap(),
        Some(a.clone())
    );
    assert_eq!(reader.assets().get("a/b.txt").await.unwrap(), b"x");
    // the writer's later writes are visible to the reader
    writer
        .artists()
        .create(&artist("Velvet Static"))
        .await
        .unwrap();
    assert_eq!(reader.artists().list().await.unwrap().len(), 2);

    assert!(matches!(
        reader
            .artists()
            .create(&artist("Third One"))
            .await
            .unwrap_err(),
        StoreError::Backend { .. }
    ));
    assert!(
        reader
            .assets()
            .put("a/c.txt", b"y".to_vec(), "text/plain")
            .await
            .is_err()
    );
    assert!(reader.assets().delete("a/b.txt").await.is_err());
    assert!(writer.assets().exists("a/b.txt").await.unwrap());
}

// ---------------------------------------------------------------- distributor

struct Package {
    record: ReleaseRecord,
    manifest: Manifest,
}

async fn package(assets: &dyn AssetStore, id: &str, files: &[(&str, &[u8])]) -> Package {
    let record = release(id, at(0));
    let mut entries = vec![];
    for (path, bytes) in files {
        assets
            .put(
                &keys::release_file(&record.release_id, path),
                bytes.to_vec(),
                "application/octet-stream",
            )
            .await
            .unwrap();
        entries.push(ManifestEntry {
            path: path.to_string(),
            size: bytes.len() as u64,
            sha256: hex::encode(Sha256::digest(bytes)),
            content_type: assets::content_type_for(path).into(),
        });
    }
    let manifest = Manifest::new(record.release_id.clone(), at(0), entries);
    Package { record, manifest }
}

#[tokio::test]
async fn the_local_distributor_copies_verifies_and_is_idempotent() {
    let dir = TempDir::new().unwrap();
    let b = open(&dir);
    let assets = b.assets();
    let d = b.distributor();
    assert_eq!(d.platform(), "local");
    let p = package(
        assets.as_ref(),
        "luna_echo_20260301120000_aaaa",
        &[
            ("audio/track.wav", b"RIFF....WAVE"),
            ("cover.png", b"\x89PNG"),
            ("metadata.json", b"{}"),
        ],
    )
    .await;

    let receipt = d
        .deliver(&p.record, &p.manifest, assets.as_ref())
        .await
        .unwrap();
    let folder = std::fs::canonicalize(dir.path())
        .unwrap()
        .join(DEPLOY_DIR)
        .join("luna_echo_20260301120000_aaaa");
    assert_eq!(Path::new(&receipt.location), folder);
    assert_eq!(
        std::fs::read(folder.join("audio/track.wav")).unwrap(),
        b"RIFF....WAVE"
    );
    assert_eq!(std::fs::read(folder.join("cover.png")).unwrap(), b"\x89PNG");
    assert_eq!(std::fs::read(folder.join("metadata.json")).unwrap(), b"{}");
    let written: Manifest =
        serde_json::from_slice(&std::fs::read(folder.join("manifest.json")).unwrap()).unwrap();
    assert_eq!(written, p.manifest);

    // idempotent: a redelivery reads nothing from the asset store (the
    // assets are gone) and rewrites nothing
    for f in &p.manifest.files {
        assets
            .delete(&keys::release_file(&p.record.release_id, &f.path))
            .await
            .unwrap();
    }
    let mtime = std::fs::metadata(folder.join("cover.png"))
        .unwrap()
        .modified()
        .unwrap();
    let again = d
        .deliver(&p.record, &p.manifest, assets.as_ref())
        .await
        .unwrap();
    assert_eq!(again, receipt);
    assert_eq!(
        std::fs::metadata(folder.join("cover.png"))
            .unwrap()
            .modified()
            .unwrap(),
        mtime
    );

    // a damaged copy in the folder is repaired from the assets
    let p = package(
        assets.as_ref(),
        "luna_echo_20260301120000_aaaa",
        &[("cover.png", b"\x89PNG")],
    )
    .await;
    std::fs::write(folder.join("cover.png"), b"damaged").unwrap();
    d.deliver(&p.record, &p.manifest, assets.as_ref())
        .await
        .unwrap();
    assert_eq!(std::fs::read(folder.join("cover.png")).unwrap(), b"\x89PNG");
}

#[tokio::test]
async fn the_local_distributor_refuses_assets_that_do_not_match_the_manifest() {
    let dir = TempDir::new().unwrap();
    let b = open(&dir);
    let assets = b.assets();
    let d = b.distributor();
    let p = package(
        assets.as_ref(),
        "luna_echo_20260301120000_bbbb",
        &[("cover.png", b"\x89PNG")],
    )
    .await;
    // the stored asset changes after packaging
    assets
        .put(
            &keys::release_file(&p.record.release_id, "cover.png"),
            b"tampered".to_vec(),
            "image/png",
        )
        .await
        .unwrap();
    let e = d
        .deliver(&p.record, &p.manifest, assets.as_ref())
        .await
        .unwrap_err();
    assert!(matches!(e, ProviderError::Rejected { .. }), "{e}");
    assert!(!e.is_retryable());
    assert!(e.to_string().contains("does not match the manifest"), "{e}");
    let folder = dir
        .path()
        .join(DEPLOY_DIR)
        .join("luna_echo_20260301120000_bbbb");
    assert!(!folder.join("cover.png").exists());

    // a missing asset
    assets
        .delete(&keys::release_file(&p.record.release_id, "cover.png"))
        .await
        .unwrap();
    let e = d
        .deliver(&p.record, &p.manifest, assets.as_ref())
        .await
        .unwrap_err();
    assert!(matches!(e, ProviderError::NotFound { .. }), "{e}");

    // a manifest path that escapes the folder
    let mut evil = p.manifest.clone();
    evil.files[0].path = "../../escape.png".into();
    let e = d
        .deliver(&p.record, &evil, assets.as_ref())
        .await
        .unwrap_err();
    assert!(matches!(e, ProviderError::Rejected { .. }), "{e}");
}

#[tokio::test]
async fn read_only_open_after_the_writer_closed() {
    let dir = TempDir::new().unwrap();
    {
        let writer = open(&dir);
        writer.artists().create(&artist("Luna Echo")).await.unwrap();
    }
    let reader = LocalBackend::open_read_only(dir.path()).unwrap();
    assert_eq!(reader.artists().list().await.unwrap().len(), 1);
    // a reader does not hold the lock
    let writer = open(&dir);
    writer
        .artists()
        .create(&artist("Velvet Static"))
        .await
        .unwrap();
    assert_eq!(reader.artists().list().await.unwrap().len(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_writers_from_one_version_exactly_one_wins() {
    let dir = TempDir::new().unwrap();
    let b = open(&dir);
    let store = b.runs();
    let r = run(1, "luna_echo", 1, at(0));
    store.create(&r).await.unwrap();
    let read = store.get(&r.run_id).await.unwrap().unwrap();
    let tasks: Vec<_> = (0..8)
        .map(|i| {
            let store = store.clone();
            let mut mine = read.clone();
            tokio::spawn(async move {
                mine.transition(RunStatus::ParametersAdapted, at(i))
                    .unwrap();
                store.update(&mine).await
            })
        })
        .collect();
    let mut won = 0;
    for t in tasks {
        match t.await.unwrap() {
            Ok(stored) => {
                won += 1;
                assert_eq!(stored.version, 1);
            }
            Err(e) => assert!(e.is_conflict(), "{e}"),
        }
    }
    assert_eq!(won, 1);
    assert_eq!(store.get(&r.run_id).await.unwrap().unwrap().version, 1);
}

#[test]
fn adapters_coerce_to_the_port_trait_objects() {
    let dir = TempDir::new().unwrap();
    let b = open(&dir);
    let _: Arc<dyn ArtistStore> = b.artists();
    let _: Arc<dyn RunStore> = b.runs();
    let _: Arc<dyn ReleaseStore> = b.releases();
    let _: Arc<dyn TrendStore> = b.trends();
    let _: Arc<dyn AssetStore> = b.assets();
    let _: Arc<dyn ReleaseQueue> = b.queue();
    let _: Arc<dyn Distributor> = b.distributor();
    assert_eq!(b.local_queue().max_receives(), DEFAULT_MAX_RECEIVES);
    assert!(b.local_assets().dir().ends_with(ASSETS_DIR));
    assert!(b.local_distributor().dir().ends_with(DEPLOY_DIR));
    assert_eq!(b.db_path(), b.root().join(DB_FILE));
}

#[tokio::test]
async fn a_killed_write_and_a_removed_package_leave_no_folders_behind() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().canonicalize().unwrap();
    {
        let b = open(&dir);
        b.assets
            .put("releases/r1/audio/track.wav", vec![1, 2, 3], "audio/wav")
            .await
            .unwrap();
        b.assets
            .put("releases/r2/cover/cover.png", vec![4], "image/png")
            .await
            .unwrap();
        // what a process killed mid-`put` leaves: only the temp file
        let half = root.join("assets/releases/r3/audio");
        std::fs::create_dir_all(&half).unwrap();
        std::fs::write(half.join(".noktvrn-tmp-01J-track.wav"), b"partial").unwrap();
        let deploy = root.join("deploy-ready/r9");
        std::fs::create_dir_all(&deploy).unwrap();
        std::fs::write(deploy.join(".noktvrn-tmp-01J-metadata.json"), b"{").unwrap();
        // a temp file is never listed
        assert!(b.assets.list("releases/r3/").await.unwrap().is_empty());

        // deleting the last file removes the folders it emptied, not more
        b.assets
            .delete("releases/r1/audio/track.wav")
            .await
            .unwrap();
        assert!(!root.join("assets/releases/r1").exists());
        assert!(root.join("assets/releases/r2/cover/cover.png").exists());
        assert!(root.join("assets/releases").exists());
    }
    // the next writer (holding the lock) sweeps what the killed one left
    let b = open(&dir);
    assert!(!root.join("assets/releases/r3").exists());
    assert!(!root.join("deploy-ready/r9").exists());
    assert_eq!(
        b.assets.get("releases/r2/cover/cover.png").await.unwrap(),
        vec![4]
    );
    // a put into a folder a delete just pruned still lands
    b.assets
        .delete("releases/r2/cover/cover.png")
        .await
        .unwrap();
    b.assets
        .put("releases/r2/cover/cover.png", vec![5], "image/png")
        .await
        .unwrap();
    assert_eq!(
        b.assets.get("releases/r2/cover/cover.png").await.unwrap(),
        vec![5]
    );
}

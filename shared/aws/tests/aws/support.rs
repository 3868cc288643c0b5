//! Fixtures: a moto server with the template's resources per test, and the
//! same records the local backend's tests use.

use std::collections::BTreeMap;

use chrono::{DateTime, TimeZone, Utc};
use ulid::Ulid;

use noktvrn_aws::AwsStores;
use noktvrn_aws::testing::{MotoServer, TestStack};
use noktvrn_domain::SCHEMA_VERSION as DOC_VERSION;
use noktvrn_domain::artist::{Artist, ArtistDraft, CreationMethod};
use noktvrn_domain::ids::{ArtistId, BatchId, ReleaseId, RunId};
use noktvrn_domain::release::{ReleaseRecord, ReleaseStatus, keys};
use noktvrn_domain::run::Run;
use noktvrn_domain::trend::{EvolutionEntry, EvolutionKind, TrendProfile, TrendSegment};

/// A running moto server (killed when dropped) with the tables, bucket and
/// queues of `template.yaml`.
pub struct Aws {
    pub moto: MotoServer,
    pub stack: TestStack,
    pub stores: AwsStores,
}

impl Aws {
    pub fn dynamodb(&self) -> aws_sdk_dynamodb::Client {
        aws_sdk_dynamodb::Client::new(&self.stack.sdk)
    }
}

/// A fresh stack whose queue dead-letters after `max_receives` receives.
pub async fn aws_with(max_receives: u32) -> Aws {
    let moto = MotoServer::start();
    let stack = moto.provision("noktvrn-test", max_receives).await;
    let stores = stack.stores();
    Aws {
        moto,
        stack,
        stores,
    }
}

pub async fn aws() -> Aws {
    aws_with(5).await
}

pub fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 1, 12, 0, 0).unwrap()
}

pub fn at(minutes: i64) -> DateTime<Utc> {
    t0() + chrono::Duration::minutes(minutes)
}

pub fn artist(name: &str) -> Artist {
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

pub fn ulid(n: u128) -> Ulid {
    Ulid::from_parts(t0().timestamp_millis() as u64, n)
}

pub fn run(n: u128, artist: &str, batch: u128, created: DateTime<Utc>) -> Run {
    Run::new(
        RunId::new(ulid(n)),
        ArtistId::parse(artist).unwrap(),
        BatchId::new(ulid(1000 + batch)),
        created,
    )
}

pub fn release(id: &str, created: DateTime<Utc>) -> ReleaseRecord {
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

pub fn trend(
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

pub fn evolution(artist: &str, reason: &str, when: DateTime<Utc>) -> EvolutionEntry {
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

pub fn ids(runs: &[Run]) -> Vec<String> {
    runs.iter().map(|r| r.run_id.to_string()).collect()
}

pub fn rid(n: u128) -> String {
    ulid(n).to_string()
}

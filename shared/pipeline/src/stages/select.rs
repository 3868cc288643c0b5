//! select-artists: which artists run in this batch. Skips the whole batch
//! when a critical dependency is unhealthy; creates a new artist with the
//! configured probability (always when nobody is in rotation); creates one
//! run record per selected artist.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

use noktvrn_domain::ids::{ArtistId, BatchId, RunId};
use noktvrn_domain::lifecycle::{selection_order, should_create_artist};
use noktvrn_domain::run::Run;

use super::create::{ArtistBrief, create_artist};
use crate::error::StageError;
use crate::ports::{ArtistStore, Clock, HealthReport, LanguageModel, RunStore};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SelectionPolicy {
    /// At most this many artists per batch.
    pub max_artists: usize,
    /// Skip artists whose cadence has not elapsed (scheduled batches); a
    /// manual local batch runs everyone in rotation.
    pub respect_cadence: bool,
    pub creation_probability: f64,
    /// Genres a newly created artist is drawn from.
    pub creation_genres: Vec<String>,
    pub market: String,
}

impl Default for SelectionPolicy {
    fn default() -> Self {
        Self {
            max_artists: 10,
            respect_cadence: true,
            creation_probability: 0.05,
            creation_genres: ["lofi", "synthwave", "phonk", "house", "ambient", "darkwave"]
                .map(String::from)
                .to_vec(),
            market: "US".into(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlannedRun {
    pub run_id: RunId,
    pub artist_id: ArtistId,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BatchPlan {
    pub batch_id: BatchId,
    pub runs: Vec<PlannedRun>,
    pub created_artist: Option<ArtistId>,
    /// Why the batch was skipped, if it was.
    pub skipped: Option<String>,
}

pub struct SelectPorts<'a> {
    pub artists: &'a dyn ArtistStore,
    pub runs: &'a dyn RunStore,
    pub llm: &'a [&'a dyn LanguageModel],
    pub clock: &'a dyn Clock,
}

#[tracing::instrument(skip_all, fields(max = policy.max_artists))]
pub async fn select_artists(
    p: &SelectPorts<'_>,
    policy: &SelectionPolicy,
    health: &[HealthReport],
) -> Result<BatchPlan, StageError> {
    let batch_id = BatchId::new(p.clock.new_ulid());
    let down: Vec<&HealthReport> = health.iter().filter(|h| h.critical && !h.healthy).collect();
    if !down.is_empty() {
        let why = down
            .iter()
            .map(|h| format!("{}: {}", h.name, h.detail))
            .collect::<Vec<_>>()
            .join("; ");
        tracing::warn!(batch_id = %batch_id, reason = %why, "batch skipped: critical dependency unhealthy");
        return Ok(BatchPlan {
            batch_id,
            runs: vec![],
            created_artist: None,
            skipped: Some(why),
        });
    }

    let mut rng = ChaCha8Rng::seed_from_u64(super::seed_of(batch_id.as_str()));
    let mut artists = p.artists.list().await?;
    let mut created_artist = None;
    if should_create_artist(&artists, rng.random::<f64>(), policy.creation_probability)
        && !policy.creation_genres.is_empty()
    {
        let genre = &policy.creation_genres[rng.random_range(0..policy.creation_genres.len())];
        let brief = ArtistBrief {
            genre: genre.clone(),
            market: policy.market.clone(),
            audience: "18-34 streaming listeners".into(),
            seed: rng.random(),
        };
        let artist = create_artist(p.artists, p.llm, p.clock, &brief).await?;
        created_artist = Some(artist.artist_id.clone());
        artists.push(artist);
    }

    let now = p.clock.now();
    let order = selection_order(&artists, now, policy.respect_cadence);
    let mut runs = Vec::new();
    for artist in order.into_iter().take(policy.max_artists) {
        let run_id = RunId::new(p.clock.new_ulid());
        let run = Run::new(
            run_id.clone(),
            artist.artist_id.clone(),
            batch_id.clone(),
            now,
        );
        p.runs.create(&run).await?;
        runs.push(PlannedRun {
            run_id,
            artist_id: artist.artist_id.clone(),
        });
    }
    tracing::info!(batch_id = %batch_id, runs = runs.len(), created = ?created_artist, "batch planned");
    Ok(BatchPlan {
        batch_id,
        runs,
        created_artist,
        skipped: None,
    })
}

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use noktvrn_domain::artist::Artist;
use noktvrn_domain::ids::{ArtistId, BatchId, ReleaseId, RunId};
use noktvrn_domain::release::ReleaseRecord;
use noktvrn_domain::run::Run;
use noktvrn_domain::trend::{EvolutionEntry, TrendProfile};

use crate::error::StoreError;

/// Artists and their progression log.
///
/// `update` is conditional: it succeeds only when the stored `version` equals
/// the given record's `version`, and stores it with `version + 1` (returned).
#[async_trait]
pub trait ArtistStore: Send + Sync {
    async fn get(&self, id: &ArtistId) -> Result<Option<Artist>, StoreError>;
    async fn list(&self) -> Result<Vec<Artist>, StoreError>;
    /// `AlreadyExists` when the id is taken.
    async fn create(&self, artist: &Artist) -> Result<(), StoreError>;
    async fn update(&self, artist: &Artist) -> Result<Artist, StoreError>;
    async fn append_evolution(&self, entry: &EvolutionEntry) -> Result<(), StoreError>;
    /// Newest first.
    async fn evolution_log(
        &self,
        id: &ArtistId,
        limit: usize,
    ) -> Result<Vec<EvolutionEntry>, StoreError>;
}

/// The approval id → run (and Step Functions task token) lookup, so buttons
/// carry only a short id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApprovalTicket {
    pub approval_id: String,
    pub run_id: RunId,
    pub task_token: Option<String>,
    pub expires_at: DateTime<Utc>,
}

/// Runs. Every write is conditional (`create` if absent, `update` on version).
#[async_trait]
pub trait RunStore: Send + Sync {
    async fn create(&self, run: &Run) -> Result<(), StoreError>;
    async fn get(&self, id: &RunId) -> Result<Option<Run>, StoreError>;
    async fn update(&self, run: &Run) -> Result<Run, StoreError>;
    /// Newest first.
    async fn list_by_artist(&self, id: &ArtistId, limit: usize) -> Result<Vec<Run>, StoreError>;
    async fn list_by_batch(&self, id: &BatchId) -> Result<Vec<Run>, StoreError>;
    /// Runs not in a terminal status.
    async fn list_unfinished(&self) -> Result<Vec<Run>, StoreError>;
    /// Newest first.
    async fn list_recent(&self, limit: usize) -> Result<Vec<Run>, StoreError>;
    /// Create-if-absent.
    async fn put_approval(&self, ticket: &ApprovalTicket) -> Result<(), StoreError>;
    async fn get_approval(&self, approval_id: &str) -> Result<Option<ApprovalTicket>, StoreError>;
}

/// Release records with per-platform delivery status.
#[async_trait]
pub trait ReleaseStore: Send + Sync {
    async fn create(&self, release: &ReleaseRecord) -> Result<(), StoreError>;
    async fn get(&self, id: &ReleaseId) -> Result<Option<ReleaseRecord>, StoreError>;
    async fn update(&self, release: &ReleaseRecord) -> Result<ReleaseRecord, StoreError>;
    /// Newest first.
    async fn list(&self, limit: usize) -> Result<Vec<ReleaseRecord>, StoreError>;
}

/// Trend profiles per country × genre × audience × period.
#[async_trait]
pub trait TrendStore: Send + Sync {
    /// The newest profile of the country and genre (any audience), if any.
    async fn latest(&self, country: &str, genre: &str) -> Result<Option<TrendProfile>, StoreError>;
    async fn put(&self, profile: &TrendProfile) -> Result<(), StoreError>;
    async fn list(&self) -> Result<Vec<TrendProfile>, StoreError>;
}

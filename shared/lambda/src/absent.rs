//! The port in a slot its function does not build ([`crate::needs`]).
//!
//! Every call fails with a message naming the port, mapped to a
//! `Permanent.*` name (`Permanent.Store` / `Permanent.Provider`): a missing
//! port is a deployment bug that no retry can fix, and it must be loud
//! rather than a silent no-op. The test suite runs every handler with
//! only its declared ports, so none of these errors is reachable from a
//! correctly declared function.

use std::time::Duration;

use async_trait::async_trait;

use noktvrn_domain::artist::Artist;
use noktvrn_domain::ids::{ArtistId, BatchId, ReleaseId, RunId};
use noktvrn_domain::release::ReleaseRecord;
use noktvrn_domain::run::Run;
use noktvrn_domain::trend::{EvolutionEntry, TrendProfile};
use noktvrn_pipeline::ports::{
    ApprovalChannel, ApprovalPreview, ApprovalTicket, ArtistStore, AssetInfo, AssetStore,
    CoverArtist, CoverRequest, GeneratedClip, GeneratedImage, MusicGenerator, QueueDelivery,
    ReleaseQueue, ReleaseStore, ResumeOutcome, RunStore, TrackRequest, TrackStatus, TrendStore,
    WorkflowCallback,
};
use noktvrn_pipeline::{ProviderError, StoreError};

/// A port this function was not built with.
#[derive(Debug, Clone, Copy)]
pub struct Absent {
    /// What is missing, e.g. "the artist store".
    pub port: &'static str,
}

/// The absent port of each slot, named once.
pub const ARTISTS: Absent = Absent::new("the artist store");
pub const RUNS: Absent = Absent::new("the run store");
pub const RELEASES: Absent = Absent::new("the release store");
pub const TRENDS: Absent = Absent::new("the trend store");
pub const ASSETS: Absent = Absent::new("the asset store");
pub const QUEUE: Absent = Absent::new("the release queue");
pub const MUSIC: Absent = Absent::new("the music generator");
pub const COVER: Absent = Absent::new("the cover artist");
pub const APPROVAL: Absent = Absent::new("the Telegram approval channel");
pub const WORKFLOW: Absent = Absent::new("the Step Functions callback");

impl Absent {
    pub const fn new(port: &'static str) -> Self {
        Self { port }
    }

    fn message(&self) -> String {
        format!(
            "{} is not built into this function; add it to the function's set in shared/lambda/src/needs.rs",
            self.port
        )
    }

    fn store_err<T>(&self) -> Result<T, StoreError> {
        Err(StoreError::Backend {
            message: self.message(),
            source: None,
        })
    }

    fn provider_err<T>(&self) -> Result<T, ProviderError> {
        Err(ProviderError::Rejected {
            provider: "deployment".into(),
            message: self.message(),
        })
    }
}

#[async_trait]
impl ArtistStore for Absent {
    async fn get(&self, _id: &ArtistId) -> Result<Option<Artist>, StoreError> {
        self.store_err()
    }
    async fn list(&self) -> Result<Vec<Artist>, StoreError> {
        self.store_err()
    }
    async fn create(&self, _artist: &Artist) -> Result<(), StoreError> {
        self.store_err()
    }
    async fn update(&self, _artist: &Artist) -> Result<Artist, StoreError> {
        self.store_err()
    }
    async fn append_evolution(&self, _entry: &EvolutionEntry) -> Result<(), StoreError> {
        self.store_err()
    }
    async fn evolution_log(
        &self,
        _id: &ArtistId,
        _limit: usize,
    ) -> Result<Vec<EvolutionEntry>, StoreError> {
        self.store_err()
    }
}

#[async_trait]
impl RunStore for Absent {
    async fn create(&self, _run: &Run) -> Result<(), StoreError> {
        self.store_err()
    }
    async fn get(&self, _id: &RunId) -> Result<Option<Run>, StoreError> {
        self.store_err()
    }
    async fn update(&self, _run: &Run) -> Result<Run, StoreError> {
        self.store_err()
    }
    async fn list_by_artist(&self, _id: &ArtistId, _limit: usize) -> Result<Vec<Run>, StoreError> {
        self.store_err()
    }
    async fn list_by_batch(&self, _id: &BatchId) -> Result<Vec<Run>, StoreError> {
        self.store_err()
    }
    async fn list_unfinished(&self) -> Result<Vec<Run>, StoreError> {
        self.store_err()
    }
    async fn list_recent(&self, _limit: usize) -> Result<Vec<Run>, StoreError> {
        self.store_err()
    }
    async fn put_approval(&self, _ticket: &ApprovalTicket) -> Result<(), StoreError> {
        self.store_err()
    }
    async fn get_approval(&self, _approval_id: &str) -> Result<Option<ApprovalTicket>, StoreError> {
        self.store_err()
    }
}

#[async_trait]
impl ReleaseStore for Absent {
    async fn create(&self, _release: &ReleaseRecord) -> Result<(), StoreError> {
        self.store_err()
    }
    async fn get(&self, _id: &ReleaseId) -> Result<Option<ReleaseRecord>, StoreError> {
        self.store_err()
    }
    async fn update(&self, _release: &ReleaseRecord) -> Result<ReleaseRecord, StoreError> {
        self.store_err()
    }
    async fn list(&self, _limit: usize) -> Result<Vec<ReleaseRecord>, StoreError> {
        self.store_err()
    }
}

#[async_trait]
impl TrendStore for Absent {
    async fn latest(
        &self,
        _country: &str,
        _genre: &str,
    ) -> Result<Option<TrendProfile>, StoreError> {
        self.store_err()
    }
    async fn put(&self, _profile: &TrendProfile) -> Result<(), StoreError> {
        self.store_err()
    }
    async fn list(&self) -> Result<Vec<TrendProfile>, StoreError> {
        self.store_err()
    }
}

#[async_trait]
impl AssetStore for Absent {
    async fn put(&self, _key: &str, _bytes: Vec<u8>, _ct: &str) -> Result<(), StoreError> {
        self.store_err()
    }
    async fn get(&self, _key: &str) -> Result<Vec<u8>, StoreError> {
        self.store_err()
    }
    async fn head(&self, _key: &str) -> Result<Option<AssetInfo>, StoreError> {
        self.store_err()
    }
    async fn list(&self, _prefix: &str) -> Result<Vec<AssetInfo>, StoreError> {
        self.store_err()
    }
    async fn delete(&self, _key: &str) -> Result<(), StoreError> {
        self.store_err()
    }
    async fn url_for(&self, _key: &str, _ttl: Duration) -> Result<String, StoreError> {
        self.store_err()
    }
}

#[async_trait]
impl ReleaseQueue for Absent {
    async fn send(&self, _body: &str) -> Result<String, StoreError> {
        self.store_err()
    }
    async fn receive(
        &self,
        _max: u32,
        _visibility: Duration,
    ) -> Result<Vec<QueueDelivery>, StoreError> {
        self.store_err()
    }
    async fn ack(&self, _receipt: &str) -> Result<(), StoreError> {
        self.store_err()
    }
    async fn dead_letters(&self) -> Result<Vec<QueueDelivery>, StoreError> {
        self.store_err()
    }
}

#[async_trait]
impl MusicGenerator for Absent {
    fn provider(&self) -> &str {
        "absent"
    }
    async fn submit(&self, _request: &TrackRequest) -> Result<String, ProviderError> {
        self.provider_err()
    }
    async fn poll(&self, _task_id: &str) -> Result<TrackStatus, ProviderError> {
        self.provider_err()
    }
    async fn fetch_audio(&self, _clip: &GeneratedClip) -> Result<Vec<u8>, ProviderError> {
        self.provider_err()
    }
}

#[async_trait]
impl CoverArtist for Absent {
    fn name(&self) -> &str {
        "absent"
    }
    async fn render(&self, _request: &CoverRequest) -> Result<GeneratedImage, ProviderError> {
        self.provider_err()
    }
}

#[async_trait]
impl ApprovalChannel for Absent {
    fn name(&self) -> &str {
        "absent"
    }
    async fn send_request(&self, _preview: &ApprovalPreview) -> Result<String, ProviderError> {
        self.provider_err()
    }
}

#[async_trait]
impl WorkflowCallback for Absent {
    async fn succeed(
        &self,
        _task_token: &str,
        _output: &serde_json::Value,
    ) -> Result<ResumeOutcome, ProviderError> {
        self.provider_err()
    }
    async fn fail(
        &self,
        _task_token: &str,
        _error: &str,
        _cause: &str,
    ) -> Result<ResumeOutcome, ProviderError> {
        self.provider_err()
    }
    async fn heartbeat(&self, _task_token: &str) -> Result<ResumeOutcome, ProviderError> {
        self.provider_err()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use noktvrn_pipeline::StageError;

    #[tokio::test]
    async fn every_call_is_a_permanent_error_naming_the_port() {
        let a = Absent::new("the artist store");
        let e = ArtistStore::list(&a).await.err().map(StageError::from);
        let e = e.map(|e| (e.error_name(), e.chain()));
        let (name, msg) = e.unwrap_or_default();
        assert!(name.starts_with("Permanent."), "{name}");
        assert!(msg.contains("the artist store is not built"), "{msg}");

        let m = Absent::new("the music generator");
        let e = m.poll("t").await.err().map(StageError::from);
        let (name, msg) = e.map(|e| (e.error_name(), e.chain())).unwrap_or_default();
        assert!(name.starts_with("Permanent."), "{name}");
        assert!(msg.contains("the music generator"), "{msg}");
    }
}

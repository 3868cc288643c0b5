//! AWS adapters: the store, asset, queue and workflow ports of
//! `noktvrn-pipeline` on DynamoDB, S3, SQS and Step Functions, so the
//! Lambda functions run the very stages the CLI runs locally.
//!
//! The semantics are those of the local SQLite backend (`noktvrn-local`)
//! and are checked by the same port-contract tests, here against moto's
//! server with the real SDK clients: conditional writes on `version`,
//! create-if-absent, newest-first listings, atomic asset puts,
//! at-least-once queue delivery with dead-lettering. The key design follows
//! `template.yaml` and is documented in `docs/aws-storage.md`.
//!
//! # Layout
//!
//! - [`config`]: [`AwsConfig`] (resource names from the environment, read
//!   once at cold start) and [`sdk_config`] (`AWS_ENDPOINT_URL` honoured).
//! - [`dynamo`]: [`DynamoArtistStore`], [`DynamoRunStore`],
//!   [`DynamoReleaseStore`], [`DynamoTrendStore`] — one table each, the
//!   record's JSON document in `doc` beside its key and index attributes.
//! - [`s3`]: [`S3AssetStore`], presigned GETs for previews.
//! - [`sqs`]: [`SqsReleaseQueue`], the release queue and its DLQ.
//! - [`sfn`]: [`SfnCallback`], `SendTask*` for `.waitForTaskToken` waits.
//! - [`secrets`]: [`resolve_secret`] — env var or SSM `SecureString`.
//! - `error` (private): the one mapping of SDK failures to `StoreError` /
//!   `ProviderError` (throttling, 5xx, timeouts → retryable).
//! - `testing` (feature `test-support`): a moto server per test and the
//!   resources of `template.yaml` created on it.
//!
//! # Building the adapters
//!
//! A Lambda builds what its stage needs once, at cold start:
//!
//! ```no_run
//! # async fn cold_start() -> Result<(), Box<dyn std::error::Error>> {
//! use std::sync::Arc;
//! use noktvrn_pipeline::ports::RunStore;
//!
//! let config = noktvrn_aws::AwsConfig::from_env()?;
//! let sdk = noktvrn_aws::sdk_config().await;
//! let stores = noktvrn_aws::AwsStores::new(&sdk, &config);
//! let runs: Arc<dyn RunStore> = stores.runs.clone();
//! # let _ = runs; Ok(()) }
//! ```

pub mod config;
pub mod dynamo;
mod error;
pub mod s3;
pub mod secrets;
pub mod sfn;
pub mod sqs;
#[cfg(feature = "test-support")]
pub mod testing;

use std::sync::Arc;

use aws_config::SdkConfig;

pub use config::{AwsConfig, ConfigError, sdk_config};
pub use dynamo::{
    APPROVAL_TTL_GRACE, DynamoArtistStore, DynamoReleaseStore, DynamoRunStore, DynamoTrendStore,
    TREND_RETENTION,
};
pub use s3::{S3AssetStore, s3_client};
pub use secrets::{SecretError, require_secret, resolve_secret, resolve_secret_with};
pub use sfn::SfnCallback;
pub use sqs::SqsReleaseQueue;

/// Every store adapter of one deployment, sharing one client per service.
///
/// Each field coerces to its port trait object
/// (`let runs: Arc<dyn RunStore> = stores.runs.clone();`); the concrete
/// types add a few operator helpers (queue depth, table names).
#[derive(Debug, Clone)]
pub struct AwsStores {
    /// [`noktvrn_pipeline::ports::ArtistStore`] on `ARTISTS_TABLE`.
    pub artists: Arc<DynamoArtistStore>,
    /// [`noktvrn_pipeline::ports::RunStore`] on `RUNS_TABLE`.
    pub runs: Arc<DynamoRunStore>,
    /// [`noktvrn_pipeline::ports::ReleaseStore`] on `RELEASES_TABLE`.
    pub releases: Arc<DynamoReleaseStore>,
    /// [`noktvrn_pipeline::ports::TrendStore`] on `TRENDS_TABLE`.
    pub trends: Arc<DynamoTrendStore>,
    /// [`noktvrn_pipeline::ports::AssetStore`] on `ASSETS_BUCKET`.
    pub assets: Arc<S3AssetStore>,
    /// [`noktvrn_pipeline::ports::ReleaseQueue`] on `RELEASE_QUEUE_URL`.
    pub queue: Arc<SqsReleaseQueue>,
}

impl AwsStores {
    /// Builds the clients (cheap: no network until the first call).
    pub fn new(sdk: &SdkConfig, config: &AwsConfig) -> AwsStores {
        let dynamodb = aws_sdk_dynamodb::Client::new(sdk);
        let sqs = aws_sdk_sqs::Client::new(sdk);
        AwsStores {
            artists: Arc::new(DynamoArtistStore::new(
                dynamodb.clone(),
                &config.artists_table,
            )),
            runs: Arc::new(DynamoRunStore::new(dynamodb.clone(), &config.runs_table)),
            releases: Arc::new(DynamoReleaseStore::new(
                dynamodb.clone(),
                &config.releases_table,
            )),
            trends: Arc::new(DynamoTrendStore::new(dynamodb, &config.trends_table)),
            assets: Arc::new(S3AssetStore::new(sdk, &config.assets_bucket)),
            queue: Arc::new(SqsReleaseQueue::new(
                sqs,
                &config.release_queue_url,
                config.release_dlq_url.clone(),
            )),
        }
    }
}

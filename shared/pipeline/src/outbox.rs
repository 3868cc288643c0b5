//! `OutboxDistributor`: the `outbox` platform, written purely over the
//! [`AssetStore`] port so it runs on S3 and on the local folder alike.
//! "Publishing" a release copies its verified package to
//! `deploy-ready/{release_id}/…` in the same asset store (the S3 counterpart
//! of the local `deploy-ready/` folder), manifest last, where a delivery
//! job or a person picks it up.
//!
//! Idempotent: when the outbox already holds this exact manifest the release
//! was delivered and nothing is copied again; otherwise every file is copied
//! (overwriting with identical bytes is harmless) and the manifest is written
//! last, so a half-finished delivery is never mistaken for a whole one.

use async_trait::async_trait;
use sha2::{Digest, Sha256};

use noktvrn_domain::release::{Manifest, ReleaseRecord, keys};

use crate::error::{ProviderError, StoreError};
use crate::ports::{AssetStore, DeliveryReceipt, Distributor};

/// The platform name of the outbox distributor.
pub const PLATFORM: &str = "outbox";

/// Where a release is delivered inside the asset store.
pub fn outbox_prefix(release_id: &str) -> String {
    format!("deploy-ready/{release_id}/")
}

#[derive(Debug, Clone, Default)]
pub struct OutboxDistributor;

impl OutboxDistributor {
    pub fn new() -> Self {
        Self
    }
}

fn unavailable(message: String, e: StoreError) -> ProviderError {
    ProviderError::Unavailable {
        provider: PLATFORM.into(),
        message,
        source: Some(Box::new(e)),
    }
}

fn rejected(message: String) -> ProviderError {
    ProviderError::Rejected {
        provider: PLATFORM.into(),
        message,
    }
}

#[async_trait]
impl Distributor for OutboxDistributor {
    fn platform(&self) -> &str {
        PLATFORM
    }

    async fn deliver(
        &self,
        release: &ReleaseRecord,
        manifest: &Manifest,
        assets: &dyn AssetStore,
    ) -> Result<DeliveryReceipt, ProviderError> {
        if manifest.release_id != release.release_id {
            return Err(rejected(format!(
                "manifest is for release {}, not {}",
                manifest.release_id, release.release_id
            )));
        }
        let prefix = outbox_prefix(release.release_id.as_str());
        let manifest_bytes = serde_json::to_vec_pretty(manifest)
            .map_err(|e| rejected(format!("cannot serialise the manifest: {e}")))?;
        let manifest_key = format!("{prefix}manifest.json");
        match assets.get(&manifest_key).await {
            Ok(current) if current == manifest_bytes => {
                tracing::info!(release_id = %release.release_id, %prefix, "already in the outbox; nothing copied");
                return Ok(DeliveryReceipt {
                    external_id: None,
                    location: prefix,
                });
            }
            Ok(_) | Err(StoreError::NotFound { .. }) => {}
            Err(e) => return Err(unavailable(format!("cannot read {manifest_key}"), e)),
        }
        for entry in &manifest.files {
            if entry.path == "manifest.json" || entry.path.contains("..") {
                return Err(rejected(format!("unsafe manifest path {:?}", entry.path)));
            }
            let key = keys::release_file(&release.release_id, &entry.path);
            let bytes = assets.get(&key).await.map_err(|e| match e {
                StoreError::NotFound { .. } => ProviderError::NotFound {
                    provider: PLATFORM.into(),
                    what: format!("asset {key}"),
                },
                other => unavailable(format!("cannot read asset {key}"), other),
            })?;
            let got = hex::encode(Sha256::digest(&bytes));
            if bytes.len() as u64 != entry.size || !got.eq_ignore_ascii_case(&entry.sha256) {
                return Err(rejected(format!(
                    "asset {key} does not match the manifest (size {} / sha256 {got}, expected size {} / sha256 {})",
                    bytes.len(),
                    entry.size,
                    entry.sha256
                )));
            }
            let target = format!("{prefix}{}", entry.path);
            assets
                .put(&target, bytes, &entry.content_type)
                .await
                .map_err(|e| unavailable(format!("cannot write {target}"), e))?;
        }
        assets
            .put(&manifest_key, manifest_bytes, "application/json")
            .await
            .map_err(|e| unavailable(format!("cannot write {manifest_key}"), e))?;
        tracing::info!(release_id = %release.release_id, %prefix, files = manifest.files.len(), "release copied to the outbox");
        Ok(DeliveryReceipt {
            external_id: None,
            location: prefix,
        })
    }
}

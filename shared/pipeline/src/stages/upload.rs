//! upload-release: the release queue's consumer. Verifies the package
//! against its manifest, then delivers it to every distributor that does not
//! have it yet and records per-platform status with conditional writes, so a
//! redelivered message never publishes twice. A partial failure is returned
//! as retryable, so the message comes back and only the missing platforms
//! are tried again.

use serde::{Deserialize, Serialize};

use noktvrn_domain::release::{DeliveryState, PlatformDelivery, ReleaseMessage, ReleaseStatus};

use super::package::verify_package;
use crate::error::{ProviderError, StageError, StoreError};
use crate::ports::{AssetStore, Clock, Distributor, ReleaseStore};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlatformResult {
    pub platform: String,
    pub state: DeliveryState,
    /// True when an earlier delivery was found and nothing was sent.
    pub skipped: bool,
    pub detail: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UploadReport {
    pub release_id: String,
    pub status: ReleaseStatus,
    pub platforms: Vec<PlatformResult>,
}

async fn load_release(
    releases: &dyn ReleaseStore,
    id: &noktvrn_domain::ids::ReleaseId,
) -> Result<noktvrn_domain::release::ReleaseRecord, StageError> {
    releases.get(id).await?.ok_or_else(|| StageError::NotFound {
        entity: "release",
        id: id.to_string(),
    })
}

#[tracing::instrument(skip_all)]
pub async fn upload_release(
    releases: &dyn ReleaseStore,
    assets: &dyn AssetStore,
    distributors: &[&dyn Distributor],
    clock: &dyn Clock,
    body: &str,
) -> Result<UploadReport, StageError> {
    let msg: ReleaseMessage = serde_json::from_str(body)
        .map_err(|e| StageError::InvalidInput(format!("release message is not valid: {e}")))?;
    let release_id = msg.release_id.clone();
    let mut record = load_release(releases, &release_id).await?;
    let manifest = verify_package(assets, &release_id).await?;

    let mut results = vec![];
    let mut first_error: Option<ProviderError> = None;
    for d in distributors {
        let platform = d.platform().to_string();
        if record.delivered_to(&platform) {
            results.push(PlatformResult {
                platform,
                state: DeliveryState::Delivered,
                skipped: true,
                detail: "already delivered".into(),
            });
            continue;
        }
        let attempts = record.platforms.get(&platform).map_or(0, |p| p.attempts) + 1;
        let (state, detail, external_id) = match d.deliver(&record, &manifest, assets).await {
            Ok(receipt) => (
                DeliveryState::Delivered,
                receipt.location,
                receipt.external_id,
            ),
            Err(e) => {
                tracing::warn!(platform = %platform, error = %e, "delivery failed");
                let detail = e.to_string();
                if first_error.is_none() {
                    first_error = Some(e);
                }
                (DeliveryState::Failed, detail, None)
            }
        };
        let delivery = PlatformDelivery {
            state,
            at: clock.now(),
            attempts,
            detail: detail.clone(),
            external_id,
        };
        // conditional per-platform write; on a lost race re-read and merge
        for _ in 0..5 {
            let mut next = record.clone();
            if next.delivered_to(&platform) {
                break;
            }
            next.platforms.insert(platform.clone(), delivery.clone());
            match releases.update(&next).await {
                Ok(stored) => {
                    record = stored;
                    break;
                }
                Err(StoreError::Conflict { .. }) => {
                    record =
                        releases
                            .get(&release_id)
                            .await?
                            .ok_or_else(|| StageError::NotFound {
                                entity: "release",
                                id: release_id.to_string(),
                            })?;
                }
                Err(e) => return Err(e.into()),
            }
        }
        results.push(PlatformResult {
            platform,
            state,
            skipped: false,
            detail,
        });
    }
    let all = distributors
        .iter()
        .all(|d| record.delivered_to(d.platform()));
    let status = if all {
        ReleaseStatus::Delivered
    } else {
        ReleaseStatus::PartiallyDelivered
    };
    if record.status != status {
        let mut next = record.clone();
        next.status = status;
        match releases.update(&next).await {
            Ok(stored) => record = stored,
            Err(StoreError::Conflict { .. }) => {}
            Err(e) => return Err(e.into()),
        }
    }
    tracing::info!(release_id = %release_id, status = ?record.status, "upload processed");
    if let Some(e) = first_error {
        // Not acked: the queue redelivers and the missing platforms are retried.
        return Err(e.into());
    }
    Ok(UploadReport {
        release_id: release_id.to_string(),
        status,
        platforms: results,
    })
}

//! Recovery of interrupted work: runs left in a non-final state by a process
//! that died (SIGKILL, power loss, a crash mid-package) are marked failed
//! with the reason, and any half-written package of theirs (files but no
//! manifest) is removed. Locally this runs at the start of every batch,
//! under the data directory's lock, so no live run is touched; in AWS only
//! runs older than the longest possible cycle are considered.

use chrono::Duration;

use noktvrn_domain::ids::{ReleaseId, RunId};
use noktvrn_domain::release::keys;
use noktvrn_domain::run::RunStatus;

use super::outcome::fail_run;
use crate::error::StageError;
use crate::ports::{ArtistStore, AssetStore, Clock, RunStore};

pub async fn recover_interrupted(
    runs: &dyn RunStore,
    artists: &dyn ArtistStore,
    assets: &dyn AssetStore,
    clock: &dyn Clock,
    older_than: Duration,
) -> Result<Vec<RunId>, StageError> {
    let now = clock.now();
    let mut recovered = vec![];
    for run in runs.list_unfinished().await? {
        if now - run.updated_at < older_than {
            continue;
        }
        if run.status == RunStatus::Approved {
            // package-release may have been cut off: remove a package that
            // never got its manifest
            // (a store error propagates: skipping the cleanup silently would
            // leave the half package behind)
            let artist = match &run.approval {
                Some(_) => artists.get(&run.artist_id).await?,
                None => None,
            };
            if let (Some(approval), Some(artist)) = (&run.approval, artist) {
                let id = ReleaseId::for_run(&artist.name, approval.decided_at, &run.run_id);
                if !assets.exists(&keys::manifest(&id)).await? {
                    for obj in assets.list(&keys::release_prefix(&id)).await? {
                        assets.delete(&obj.key).await?;
                    }
                }
            }
        }
        let message = format!(
            "interrupted: the process running this cycle stopped while the run was {}",
            run.status
        );
        if fail_run(
            runs,
            clock,
            &run.run_id,
            None,
            crate::error::names::PERMANENT_INTERRUPTED,
            &message,
        )
        .await?
        {
            recovered.push(run.run_id.clone());
        }
    }
    if !recovered.is_empty() {
        tracing::warn!(count = recovered.len(), "interrupted runs marked failed");
    }
    Ok(recovered)
}

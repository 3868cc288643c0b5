//! In-memory adapters of every store port: the fakes stage tests run on, and
//! a reference for the semantics real adapters must match (conditional
//! writes on `version`, create-if-absent, visibility timeouts).

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use async_trait::async_trait;

use noktvrn_domain::artist::Artist;
use noktvrn_domain::ids::{ArtistId, BatchId, ReleaseId, RunId};
use noktvrn_domain::release::ReleaseRecord;
use noktvrn_domain::run::Run;
use noktvrn_domain::trend::{EvolutionEntry, TrendProfile};

use crate::error::StoreError;
use crate::ports::{
    ApprovalTicket, ArtistStore, AssetInfo, AssetStore, Clock, QueueDelivery, ReleaseQueue,
    ReleaseStore, RunStore, TrendStore,
};

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // A poisoned lock only means another test thread panicked; the data is
    // still consistent for our simple maps.
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// Conditional update shared by the versioned maps.
fn cas<K: Ord + Clone + ToString, V: Clone>(
    map: &mut BTreeMap<K, V>,
    key: &K,
    entity: &'static str,
    new: V,
    version_of: impl Fn(&V) -> u64,
    bump: impl Fn(&mut V),
) -> Result<V, StoreError> {
    let Some(current) = map.get(key) else {
        return Err(StoreError::NotFound {
            entity,
            id: key.to_string(),
        });
    };
    let expected = version_of(&new);
    if version_of(current) != expected {
        return Err(StoreError::Conflict {
            entity,
            id: key.to_string(),
            expected,
        });
    }
    let mut stored = new;
    bump(&mut stored);
    map.insert(key.clone(), stored.clone());
    Ok(stored)
}

#[derive(Default)]
pub struct MemoryArtistStore {
    artists: Mutex<BTreeMap<ArtistId, Artist>>,
    log: Mutex<Vec<EvolutionEntry>>,
}

#[async_trait]
impl ArtistStore for MemoryArtistStore {
    async fn get(&self, id: &ArtistId) -> Result<Option<Artist>, StoreError> {
        Ok(lock(&self.artists).get(id).cloned())
    }
    async fn list(&self) -> Result<Vec<Artist>, StoreError> {
        Ok(lock(&self.artists).values().cloned().collect())
    }
    async fn create(&self, artist: &Artist) -> Result<(), StoreError> {
        let mut m = lock(&self.artists);
        if m.contains_key(&artist.artist_id) {
            return Err(StoreError::AlreadyExists {
                entity: "artist",
                id: artist.artist_id.to_string(),
            });
        }
        m.insert(artist.artist_id.clone(), artist.clone());
        Ok(())
    }
    async fn update(&self, artist: &Artist) -> Result<Artist, StoreError> {
        cas(
            &mut lock(&self.artists),
            &artist.artist_id,
            "artist",
            artist.clone(),
            |a| a.version,
            |a| a.version += 1,
        )
    }
    async fn append_evolution(&self, entry: &EvolutionEntry) -> Result<(), StoreError> {
        lock(&self.log).push(entry.clone());
        Ok(())
    }
    async fn evolution_log(
        &self,
        id: &ArtistId,
        limit: usize,
    ) -> Result<Vec<EvolutionEntry>, StoreError> {
        Ok(lock(&self.log)
            .iter()
            .rev()
            .filter(|e| &e.artist_id == id)
            .take(limit)
            .cloned()
            .collect())
    }
}

#[derive(Default)]
pub struct MemoryRunStore {
    runs: Mutex<BTreeMap<RunId, Run>>,
    approvals: Mutex<BTreeMap<String, ApprovalTicket>>,
}

#[async_trait]
impl RunStore for MemoryRunStore {
    async fn create(&self, run: &Run) -> Result<(), StoreError> {
        let mut m = lock(&self.runs);
        if m.contains_key(&run.run_id) {
            return Err(StoreError::AlreadyExists {
                entity: "run",
                id: run.run_id.to_string(),
            });
        }
        m.insert(run.run_id.clone(), run.clone());
        Ok(())
    }
    async fn get(&self, id: &RunId) -> Result<Option<Run>, StoreError> {
        Ok(lock(&self.runs).get(id).cloned())
    }
    async fn update(&self, run: &Run) -> Result<Run, StoreError> {
        cas(
            &mut lock(&self.runs),
            &run.run_id,
            "run",
            run.clone(),
            |r| r.version,
            |r| r.version += 1,
        )
    }
    async fn list_by_artist(&self, id: &ArtistId, limit: usize) -> Result<Vec<Run>, StoreError> {
        Ok(lock(&self.runs)
            .values()
            .rev()
            .filter(|r| &r.artist_id == id)
            .take(limit)
            .cloned()
            .collect())
    }
    async fn list_by_batch(&self, id: &BatchId) -> Result<Vec<Run>, StoreError> {
        Ok(lock(&self.runs)
            .values()
            .filter(|r| &r.batch_id == id)
            .cloned()
            .collect())
    }
    async fn list_unfinished(&self) -> Result<Vec<Run>, StoreError> {
        Ok(lock(&self.runs)
            .values()
            .filter(|r| !r.status.is_terminal())
            .cloned()
            .collect())
    }
    async fn list_recent(&self, limit: usize) -> Result<Vec<Run>, StoreError> {
        Ok(lock(&self.runs)
            .values()
            .rev()
            .take(limit)
            .cloned()
            .collect())
    }
    async fn put_approval(&self, ticket: &ApprovalTicket) -> Result<(), StoreError> {
        let mut m = lock(&self.approvals);
        if m.contains_key(&ticket.approval_id) {
            return Err(StoreError::AlreadyExists {
                entity: "approval",
                id: ticket.approval_id.clone(),
            });
        }
        m.insert(ticket.approval_id.clone(), ticket.clone());
        Ok(())
    }
    async fn get_approval(&self, approval_id: &str) -> Result<Option<ApprovalTicket>, StoreError> {
        Ok(lock(&self.approvals).get(approval_id).cloned())
    }
}

#[derive(Default)]
pub struct MemoryReleaseStore {
    releases: Mutex<BTreeMap<ReleaseId, ReleaseRecord>>,
}

#[async_trait]
impl ReleaseStore for MemoryReleaseStore {
    async fn create(&self, release: &ReleaseRecord) -> Result<(), StoreError> {
        let mut m = lock(&self.releases);
        if m.contains_key(&release.release_id) {
            return Err(StoreError::AlreadyExists {
                entity: "release",
                id: release.release_id.to_string(),
            });
        }
        m.insert(release.release_id.clone(), release.clone());
        Ok(())
    }
    async fn get(&self, id: &ReleaseId) -> Result<Option<ReleaseRecord>, StoreError> {
        Ok(lock(&self.releases).get(id).cloned())
    }
    async fn update(&self, release: &ReleaseRecord) -> Result<ReleaseRecord, StoreError> {
        cas(
            &mut lock(&self.releases),
            &release.release_id,
            "release",
            release.clone(),
            |r| r.version,
            |r| r.version += 1,
        )
    }
    async fn list(&self, limit: usize) -> Result<Vec<ReleaseRecord>, StoreError> {
        let m = lock(&self.releases);
        let mut v: Vec<ReleaseRecord> = m.values().cloned().collect();
        v.sort_by_key(|r| std::cmp::Reverse(r.created_at));
        v.truncate(limit);
        Ok(v)
    }
}

#[derive(Default)]
pub struct MemoryTrendStore {
    trends: Mutex<Vec<TrendProfile>>,
}

#[async_trait]
impl TrendStore for MemoryTrendStore {
    async fn latest(&self, country: &str, genre: &str) -> Result<Option<TrendProfile>, StoreError> {
        Ok(lock(&self.trends)
            .iter()
            .filter(|t| t.segment.country == country && t.segment.genre == genre)
            .max_by(|a, b| a.updated_at.cmp(&b.updated_at))
            .cloned())
    }
    async fn put(&self, profile: &TrendProfile) -> Result<(), StoreError> {
        let mut v = lock(&self.trends);
        v.retain(|t| t.segment != profile.segment);
        v.push(profile.clone());
        Ok(())
    }
    async fn list(&self) -> Result<Vec<TrendProfile>, StoreError> {
        Ok(lock(&self.trends).clone())
    }
}

#[derive(Default)]
pub struct MemoryAssetStore {
    objects: Mutex<BTreeMap<String, (Vec<u8>, String)>>,
}

#[async_trait]
impl AssetStore for MemoryAssetStore {
    async fn put(&self, key: &str, bytes: Vec<u8>, content_type: &str) -> Result<(), StoreError> {
        lock(&self.objects).insert(key.to_string(), (bytes, content_type.to_string()));
        Ok(())
    }
    async fn get(&self, key: &str) -> Result<Vec<u8>, StoreError> {
        lock(&self.objects)
            .get(key)
            .map(|(b, _)| b.clone())
            .ok_or_else(|| StoreError::NotFound {
                entity: "asset",
                id: key.to_string(),
            })
    }
    async fn head(&self, key: &str) -> Result<Option<AssetInfo>, StoreError> {
        Ok(lock(&self.objects).get(key).map(|(b, ct)| AssetInfo {
            key: key.to_string(),
            size: b.len() as u64,
            content_type: ct.clone(),
        }))
    }
    async fn list(&self, prefix: &str) -> Result<Vec<AssetInfo>, StoreError> {
        Ok(lock(&self.objects)
            .iter()
            .filter(|(k, _)| k.starts_with(prefix))
            .map(|(k, (b, ct))| AssetInfo {
                key: k.clone(),
                size: b.len() as u64,
                content_type: ct.clone(),
            })
            .collect())
    }
    async fn delete(&self, key: &str) -> Result<(), StoreError> {
        lock(&self.objects).remove(key);
        Ok(())
    }
    async fn url_for(&self, key: &str, _ttl: Duration) -> Result<String, StoreError> {
        Ok(format!("memory://{key}"))
    }
}

struct QueuedMessage {
    id: String,
    body: String,
    receive_count: u32,
    invisible_until: Option<chrono::DateTime<chrono::Utc>>,
    receipt: Option<String>,
}

/// A queue with visibility timeouts and dead-lettering after `max_receives`.
pub struct MemoryQueue {
    clock: Arc<dyn Clock>,
    max_receives: u32,
    messages: Mutex<Vec<QueuedMessage>>,
    dead: Mutex<Vec<QueueDelivery>>,
}

impl MemoryQueue {
    pub fn new(clock: Arc<dyn Clock>, max_receives: u32) -> Self {
        Self {
            clock,
            max_receives,
            messages: Mutex::new(vec![]),
            dead: Mutex::new(vec![]),
        }
    }
}

#[async_trait]
impl ReleaseQueue for MemoryQueue {
    async fn send(&self, body: &str) -> Result<String, StoreError> {
        let id = self.clock.new_ulid().to_string();
        lock(&self.messages).push(QueuedMessage {
            id: id.clone(),
            body: body.to_string(),
            receive_count: 0,
            invisible_until: None,
            receipt: None,
        });
        Ok(id)
    }

    async fn receive(
        &self,
        max: u32,
        visibility: Duration,
    ) -> Result<Vec<QueueDelivery>, StoreError> {
        let now = self.clock.now();
        let mut msgs = lock(&self.messages);
        let mut dead = lock(&self.dead);
        let mut out = vec![];
        let mut i = 0;
        while i < msgs.len() && out.len() < max as usize {
            let visible = msgs[i].invisible_until.is_none_or(|t| t <= now);
            if !visible {
                i += 1;
                continue;
            }
            if msgs[i].receive_count >= self.max_receives {
                let m = msgs.remove(i);
                dead.push(QueueDelivery {
                    message_id: m.id,
                    receipt: String::new(),
                    body: m.body,
                    receive_count: m.receive_count,
                });
                continue;
            }
            let m = &mut msgs[i];
            m.receive_count += 1;
            let receipt = self.clock.new_ulid().to_string();
            m.receipt = Some(receipt.clone());
            let vis = chrono::Duration::from_std(visibility).unwrap_or(chrono::Duration::zero());
            m.invisible_until = Some(now + vis);
            out.push(QueueDelivery {
                message_id: m.id.clone(),
                receipt,
                body: m.body.clone(),
                receive_count: m.receive_count,
            });
            i += 1;
        }
        Ok(out)
    }

    async fn ack(&self, receipt: &str) -> Result<(), StoreError> {
        lock(&self.messages).retain(|m| m.receipt.as_deref() != Some(receipt));
        Ok(())
    }

    async fn dead_letters(&self) -> Result<Vec<QueueDelivery>, StoreError> {
        Ok(lock(&self.dead).clone())
    }
}

/// One answer a [`MemoryWorkflow`] received.
#[derive(Debug, Clone, PartialEq)]
pub enum WorkflowCall {
    Succeed {
        token: String,
        output: serde_json::Value,
    },
    Fail {
        token: String,
        error: String,
        cause: String,
    },
    Heartbeat {
        token: String,
    },
}

/// A workflow engine's task-token side, as Step Functions behaves: a token
/// takes one answer (success or failure); later answers, and answers to
/// tokens nobody waits on, are `Gone`.
#[derive(Default, Clone)]
pub struct MemoryWorkflow {
    waiting: Arc<Mutex<std::collections::BTreeSet<String>>>,
    calls: Arc<Mutex<Vec<WorkflowCall>>>,
}

impl MemoryWorkflow {
    pub fn new() -> Self {
        Self::default()
    }

    /// A task starts waiting on `token`.
    pub fn wait_on(&self, token: &str) {
        lock(&self.waiting).insert(token.to_string());
    }

    pub fn calls(&self) -> Vec<WorkflowCall> {
        lock(&self.calls).clone()
    }

    fn answer(&self, token: &str, call: WorkflowCall, ends: bool) -> crate::ports::ResumeOutcome {
        lock(&self.calls).push(call);
        let mut waiting = lock(&self.waiting);
        let live = if ends {
            waiting.remove(token)
        } else {
            waiting.contains(token)
        };
        if live {
            crate::ports::ResumeOutcome::Delivered
        } else {
            crate::ports::ResumeOutcome::Gone
        }
    }
}

#[async_trait]
impl crate::ports::WorkflowCallback for MemoryWorkflow {
    async fn succeed(
        &self,
        task_token: &str,
        output: &serde_json::Value,
    ) -> Result<crate::ports::ResumeOutcome, crate::ProviderError> {
        Ok(self.answer(
            task_token,
            WorkflowCall::Succeed {
                token: task_token.into(),
                output: output.clone(),
            },
            true,
        ))
    }

    async fn fail(
        &self,
        task_token: &str,
        error: &str,
        cause: &str,
    ) -> Result<crate::ports::ResumeOutcome, crate::ProviderError> {
        Ok(self.answer(
            task_token,
            WorkflowCall::Fail {
                token: task_token.into(),
                error: error.into(),
                cause: cause.into(),
            },
            true,
        ))
    }

    async fn heartbeat(
        &self,
        task_token: &str,
    ) -> Result<crate::ports::ResumeOutcome, crate::ProviderError> {
        Ok(self.answer(
            task_token,
            WorkflowCall::Heartbeat {
                token: task_token.into(),
            },
            false,
        ))
    }
}

//! batch-summary: one row per run of a batch, for the CLI table, the
//! Telegram summary and the state machine's last step.

use serde::{Deserialize, Serialize};

use noktvrn_domain::ids::BatchId;
use noktvrn_domain::run::{DecisionMethod, RunStatus};

use crate::error::StageError;
use crate::ports::{ArtistStore, RunStore};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SummaryRow {
    pub artist_id: String,
    pub artist_name: String,
    pub run_id: String,
    pub status: RunStatus,
    pub title: Option<String>,
    pub bpm: Option<f64>,
    pub key: Option<String>,
    pub decision: Option<String>,
    pub release_id: Option<String>,
    pub error: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BatchSummary {
    pub batch_id: String,
    pub rows: Vec<SummaryRow>,
    pub completed: usize,
    pub rejected: usize,
    pub expired: usize,
    pub failed: usize,
    pub unfinished: usize,
}

pub async fn batch_summary(
    runs: &dyn RunStore,
    artists: &dyn ArtistStore,
    batch_id: &BatchId,
) -> Result<BatchSummary, StageError> {
    let mut list = runs.list_by_batch(batch_id).await?;
    list.sort_by(|a, b| a.run_id.cmp(&b.run_id));
    let mut rows = vec![];
    for r in &list {
        let name = artists
            .get(&r.artist_id)
            .await?
            .map(|a| a.name)
            .unwrap_or_else(|| r.artist_id.to_string());
        rows.push(SummaryRow {
            artist_id: r.artist_id.to_string(),
            artist_name: name,
            run_id: r.run_id.to_string(),
            status: r.status,
            title: r.params.as_ref().map(|p| p.title.clone()),
            bpm: r.analysis.as_ref().and_then(|a| a.bpm),
            key: r
                .analysis
                .as_ref()
                .and_then(|a| a.key)
                .map(|k| k.to_string()),
            decision: r.approval.as_ref().map(|a| {
                let how = match a.method {
                    DecisionMethod::Human => "human",
                    DecisionMethod::Autopilot => "autopilot",
                    DecisionMethod::Timeout => "timeout",
                    DecisionMethod::Policy => "policy",
                };
                format!("{:?} ({how})", a.decision).to_lowercase()
            }),
            release_id: r.release_id.as_ref().map(|x| x.to_string()),
            error: r
                .failure
                .as_ref()
                .map(|f| format!("{}: {}", f.error_name, f.message)),
        });
    }
    let count = |s: RunStatus| list.iter().filter(|r| r.status == s).count();
    Ok(BatchSummary {
        batch_id: batch_id.to_string(),
        completed: count(RunStatus::Completed),
        rejected: count(RunStatus::Rejected),
        expired: count(RunStatus::Expired),
        failed: count(RunStatus::Failed),
        unfinished: list.iter().filter(|r| !r.status.is_terminal()).count(),
        rows,
    })
}

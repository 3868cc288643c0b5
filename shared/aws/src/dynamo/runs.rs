//! Runs and approval tickets in one table (`RUNS_TABLE`, partition key
//! `pk` only):
//!
//! | item | `pk` | other attributes |
//! |---|---|---|
//! | run | run id (ULID) | `artist_id`, `batch_id`, `created_at`, `updated_at`, `status`, `unfinished` (only while not terminal), `version`, `doc` |
//! | approval ticket | `approval#{approval_id}` | `approval_id`, `run_id`, `task_token` (if any), `expires_at`, `ttl` |
//!
//! Indexes (all projecting every attribute):
//!
//! - `by_artist` (`artist_id`, `created_at`): an artist's runs, newest first;
//! - `by_batch` (`batch_id`, `created_at`): a batch's runs;
//! - `unfinished` (`unfinished`, `updated_at`): *sparse*: a run carries
//!   `unfinished = "1"` only while its status is not terminal, and the whole
//!   item is rewritten on every update, so a run that reaches completed /
//!   rejected / expired / failed drops out of the index by itself.
//!
//! Approval tickets carry none of the index attributes, so they never show
//! up in an index; they expire through `ttl` = `expires_at` +
//! [`APPROVAL_TTL_GRACE`] (a late button press still finds its ticket and
//! is answered "already decided" rather than "unknown").
//!
//! `list_recent` has no index (runs of every artist, newest first): it scans
//! the table. It serves the operator's `runs list`, not a stage.

use std::time::Duration;

use async_trait::async_trait;
use chrono::DateTime;

use noktvrn_domain::ids::{ArtistId, BatchId, RunId};
use noktvrn_domain::run::Run;
use noktvrn_pipeline::StoreError;
use noktvrn_pipeline::ports::{ApprovalTicket, RunStore};

use super::{
    DOC, Item, PK, TTL, Table, VERSION, bumped, decode, decode_all, encode, get_s, n, newest_first,
    oldest_first, s, ts,
};

/// How long an approval ticket outlives its `expires_at` before DynamoDB's
/// TTL may delete it.
pub const APPROVAL_TTL_GRACE: Duration = Duration::from_secs(7 * 24 * 3600);

/// Partition-key prefix of approval tickets.
pub(crate) const APPROVAL_PREFIX: &str = "approval#";
/// The one value of the sparse `unfinished` attribute.
pub(crate) const UNFINISHED: &str = "1";

/// [`RunStore`] on the runs table.
#[derive(Debug, Clone)]
pub struct DynamoRunStore {
    table: Table,
}

impl DynamoRunStore {
    pub fn new(client: aws_sdk_dynamodb::Client, table: impl Into<String>) -> Self {
        Self {
            table: Table::new(client, table),
        }
    }

    /// The table name.
    pub fn table(&self) -> &str {
        &self.table.name
    }

    fn key(id: &str) -> Item {
        Item::from([(PK.into(), s(id))])
    }

    fn item(run: &Run, doc: String) -> Item {
        let mut item = Self::key(run.run_id.as_str());
        item.insert("artist_id".into(), s(run.artist_id.as_str()));
        item.insert("batch_id".into(), s(run.batch_id.as_str()));
        item.insert("created_at".into(), s(ts(&run.created_at)));
        item.insert("updated_at".into(), s(ts(&run.updated_at)));
        item.insert("status".into(), s(run.status.as_str()));
        if !run.status.is_terminal() {
            item.insert("unfinished".into(), s(UNFINISHED));
        }
        item.insert(VERSION.into(), n(run.version));
        item.insert(DOC.into(), s(doc));
        item
    }

    fn approval_key(approval_id: &str) -> Item {
        Self::key(&format!("{APPROVAL_PREFIX}{approval_id}"))
    }

    /// A query on one of the run indexes.
    fn index_query(
        &self,
        index: &str,
        attr: &str,
        value: &str,
    ) -> aws_sdk_dynamodb::operation::query::builders::QueryFluentBuilder {
        self.table
            .client
            .query()
            .table_name(&self.table.name)
            .index_name(index)
            .key_condition_expression("#k = :v")
            .expression_attribute_names("#k", attr)
            .expression_attribute_values(":v", s(value))
    }
}

/// Epoch seconds of the ticket's `ttl`.
fn approval_ttl(expires_at: &DateTime<chrono::Utc>) -> i64 {
    let grace = i64::try_from(APPROVAL_TTL_GRACE.as_secs()).unwrap_or(i64::MAX);
    expires_at.timestamp().saturating_add(grace)
}

#[async_trait]
impl RunStore for DynamoRunStore {
    #[tracing::instrument(level = "debug", skip_all, fields(table = %self.table.name, run_id = %run.run_id))]
    async fn create(&self, run: &Run) -> Result<(), StoreError> {
        let id = run.run_id.as_str();
        let doc = encode("run", id, run)?;
        self.table.create(Self::item(run, doc), "run", id).await
    }

    #[tracing::instrument(level = "debug", skip_all, fields(table = %self.table.name, run_id = %id))]
    async fn get(&self, id: &RunId) -> Result<Option<Run>, StoreError> {
        let id = id.as_str();
        self.table
            .get(Self::key(id), &format!("read run {id}"))
            .await?
            .map(|item| decode("run", id, &item))
            .transpose()
    }

    #[tracing::instrument(level = "debug", skip_all, fields(table = %self.table.name, run_id = %run.run_id, version = run.version, status = %run.status))]
    async fn update(&self, run: &Run) -> Result<Run, StoreError> {
        let id = run.run_id.as_str();
        let mut stored = run.clone();
        stored.version = bumped("run", id, run.version)?;
        let doc = encode("run", id, &stored)?;
        self.table
            .replace(
                Self::item(&stored, doc),
                Self::key(id),
                run.version,
                "run",
                id,
            )
            .await?;
        Ok(stored)
    }

    #[tracing::instrument(level = "debug", skip_all, fields(table = %self.table.name, artist_id = %id, limit))]
    async fn list_by_artist(&self, id: &ArtistId, limit: usize) -> Result<Vec<Run>, StoreError> {
        let query = self.index_query("by_artist", "artist_id", id.as_str());
        let items = self
            .table
            .query_newest(
                query,
                limit,
                "created_at",
                &format!("list the runs of {id}"),
            )
            .await?;
        decode_all("run", PK, &newest_first(items, limit))
    }

    #[tracing::instrument(level = "debug", skip_all, fields(table = %self.table.name, batch_id = %id))]
    async fn list_by_batch(&self, id: &BatchId) -> Result<Vec<Run>, StoreError> {
        let query = self.index_query("by_batch", "batch_id", id.as_str());
        let items = self
            .table
            .query_all(query, &format!("list the runs of batch {id}"))
            .await?;
        decode_all("run", PK, &oldest_first(items))
    }

    #[tracing::instrument(level = "debug", skip_all, fields(table = %self.table.name))]
    async fn list_unfinished(&self) -> Result<Vec<Run>, StoreError> {
        let query = self.index_query("unfinished", "unfinished", UNFINISHED);
        let items = self.table.query_all(query, "list unfinished runs").await?;
        let runs: Vec<Run> = decode_all("run", PK, &oldest_first(items))?;
        // The index is eventually consistent: drop a run whose document
        // already says it finished.
        Ok(runs
            .into_iter()
            .filter(|r| !r.status.is_terminal())
            .collect())
    }

    #[tracing::instrument(level = "debug", skip_all, fields(table = %self.table.name, limit))]
    async fn list_recent(&self, limit: usize) -> Result<Vec<Run>, StoreError> {
        if limit == 0 {
            return Ok(vec![]);
        }
        let scan = self
            .table
            .client
            .scan()
            .table_name(&self.table.name)
            .consistent_read(true)
            .filter_expression("NOT begins_with(#pk, :approval)")
            .expression_attribute_names("#pk", PK)
            .expression_attribute_values(":approval", s(APPROVAL_PREFIX));
        let items = self.table.scan_all(scan, "list recent runs").await?;
        decode_all("run", PK, &newest_first(items, limit))
    }

    #[tracing::instrument(level = "debug", skip_all, fields(table = %self.table.name, approval_id = %ticket.approval_id, run_id = %ticket.run_id))]
    async fn put_approval(&self, ticket: &ApprovalTicket) -> Result<(), StoreError> {
        let mut item = Self::approval_key(&ticket.approval_id);
        item.insert("approval_id".into(), s(&ticket.approval_id));
        item.insert("run_id".into(), s(ticket.run_id.as_str()));
        if let Some(token) = &ticket.task_token {
            item.insert("task_token".into(), s(token));
        }
        item.insert("expires_at".into(), s(ts(&ticket.expires_at)));
        item.insert(TTL.into(), n(approval_ttl(&ticket.expires_at)));
        self.table
            .create(item, "approval", &ticket.approval_id)
            .await
    }

    #[tracing::instrument(level = "debug", skip_all, fields(table = %self.table.name, approval_id))]
    async fn get_approval(&self, approval_id: &str) -> Result<Option<ApprovalTicket>, StoreError> {
        let Some(item) = self
            .table
            .get(
                Self::approval_key(approval_id),
                &format!("read approval {approval_id}"),
            )
            .await?
        else {
            return Ok(None);
        };
        let corrupt = |what: &str| {
            StoreError::corrupt(
                "approval",
                approval_id,
                std::io::Error::other(format!("bad or missing attribute `{what}`")),
            )
        };
        let run_id = get_s(&item, "run_id").ok_or_else(|| corrupt("run_id"))?;
        let expires_at = get_s(&item, "expires_at").ok_or_else(|| corrupt("expires_at"))?;
        Ok(Some(ApprovalTicket {
            approval_id: approval_id.to_string(),
            run_id: RunId::parse(run_id)
                .map_err(|e| StoreError::corrupt("approval", approval_id, e))?,
            task_token: get_s(&item, "task_token").map(str::to_string),
            expires_at: DateTime::parse_from_rfc3339(expires_at)
                .map(|t| t.with_timezone(&chrono::Utc))
                .map_err(|e| StoreError::corrupt("approval", approval_id, e))?,
        }))
    }
}

#[cfg(test)]
mod tests {
    use chrono::{TimeZone, Utc};
    use noktvrn_domain::run::RunStatus;
    use ulid::Ulid;

    use super::*;

    fn run() -> Run {
        Run::new(
            RunId::new(Ulid::from_parts(1, 1)),
            ArtistId::parse("luna_echo").unwrap(),
            BatchId::new(Ulid::from_parts(1, 2)),
            Utc.with_ymd_and_hms(2026, 3, 1, 12, 0, 0).unwrap(),
        )
    }

    #[test]
    fn only_unfinished_runs_carry_the_sparse_index_attribute() {
        let mut r = run();
        let item = DynamoRunStore::item(&r, "{}".into());
        assert_eq!(get_s(&item, "unfinished"), Some(UNFINISHED));
        r.fail(None, "Permanent.Internal", "x", r.created_at)
            .unwrap();
        assert_eq!(r.status, RunStatus::Failed);
        let item = DynamoRunStore::item(&r, "{}".into());
        assert!(!item.contains_key("unfinished"));
        assert_eq!(get_s(&item, "status"), Some("failed"));
    }

    #[test]
    fn approval_ttl_is_expiry_plus_grace() {
        let at = Utc.with_ymd_and_hms(2026, 3, 1, 12, 0, 0).unwrap();
        assert_eq!(approval_ttl(&at), at.timestamp() + 7 * 24 * 3600);
    }
}

//! Release records (`RELEASES_TABLE`): `pk` = release id, plus `kind` =
//! `"release"`, `created_at`, `run_id`, `artist_id`, `status`, `version`,
//! `doc`.
//!
//! "Newest first" is the `by_created` index (`kind`, `created_at`) read
//! backwards: every release shares the one `kind` partition, which is what
//! lets a single query order all of them by time. At one release per artist
//! cycle that partition stays far below DynamoDB's per-partition limits.

use async_trait::async_trait;

use noktvrn_domain::ids::ReleaseId;
use noktvrn_domain::release::ReleaseRecord;
use noktvrn_pipeline::StoreError;
use noktvrn_pipeline::ports::ReleaseStore;

use super::artists::enum_text;
use super::{
    DOC, Item, PK, Table, VERSION, bumped, decode, decode_all, encode, n, newest_first, s, ts,
};

/// The value of `kind`, the partition of the `by_created` index.
pub(crate) const RELEASE_KIND: &str = "release";

/// [`ReleaseStore`] on the releases table.
#[derive(Debug, Clone)]
pub struct DynamoReleaseStore {
    table: Table,
}

impl DynamoReleaseStore {
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

    fn item(release: &ReleaseRecord, doc: String) -> Item {
        let mut item = Self::key(release.release_id.as_str());
        item.insert("kind".into(), s(RELEASE_KIND));
        item.insert("created_at".into(), s(ts(&release.created_at)));
        item.insert("run_id".into(), s(release.run_id.as_str()));
        item.insert("artist_id".into(), s(release.artist_id.as_str()));
        item.insert("status".into(), s(enum_text(&release.status)));
        item.insert(VERSION.into(), n(release.version));
        item.insert(DOC.into(), s(doc));
        item
    }
}

#[async_trait]
impl ReleaseStore for DynamoReleaseStore {
    #[tracing::instrument(level = "debug", skip_all, fields(table = %self.table.name, release_id = %release.release_id))]
    async fn create(&self, release: &ReleaseRecord) -> Result<(), StoreError> {
        let id = release.release_id.as_str();
        let doc = encode("release", id, release)?;
        self.table
            .create(Self::item(release, doc), "release", id)
            .await
    }

    #[tracing::instrument(level = "debug", skip_all, fields(table = %self.table.name, release_id = %id))]
    async fn get(&self, id: &ReleaseId) -> Result<Option<ReleaseRecord>, StoreError> {
        let id = id.as_str();
        self.table
            .get(Self::key(id), &format!("read release {id}"))
            .await?
            .map(|item| decode("release", id, &item))
            .transpose()
    }

    #[tracing::instrument(level = "debug", skip_all, fields(table = %self.table.name, release_id = %release.release_id, version = release.version))]
    async fn update(&self, release: &ReleaseRecord) -> Result<ReleaseRecord, StoreError> {
        let id = release.release_id.as_str();
        let mut stored = release.clone();
        stored.version = bumped("release", id, release.version)?;
        let doc = encode("release", id, &stored)?;
        self.table
            .replace(
                Self::item(&stored, doc),
                Self::key(id),
                release.version,
                "release",
                id,
            )
            .await?;
        Ok(stored)
    }

    #[tracing::instrument(level = "debug", skip_all, fields(table = %self.table.name, limit))]
    async fn list(&self, limit: usize) -> Result<Vec<ReleaseRecord>, StoreError> {
        let query = self
            .table
            .client
            .query()
            .table_name(&self.table.name)
            .index_name("by_created")
            .key_condition_expression("#kind = :kind")
            .expression_attribute_names("#kind", "kind")
            .expression_attribute_values(":kind", s(RELEASE_KIND));
        let items = self
            .table
            .query_newest(query, limit, "created_at", "list releases")
            .await?;
        decode_all("release", PK, &newest_first(items, limit))
    }
}

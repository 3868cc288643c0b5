//! Artists and their progression log in one table (`ARTISTS_TABLE`):
//!
//! | item | `pk` | `sk` | other attributes |
//! |---|---|---|---|
//! | artist | artist id | `artist` | `name`, `status`, `version`, `doc` |
//! | log entry | artist id | `log#{at}#{ulid}` | `at`, `doc` |
//!
//! The log of an artist is one `Query` on its partition, newest first
//! (`ScanIndexForward = false`, `begins_with(sk, "log#")`). The ULID after
//! the timestamp keeps two entries of the same instant apart and, coming
//! from a monotonic generator, in append order within a process.

use std::sync::Mutex;

use async_trait::async_trait;
use ulid::Generator;

use noktvrn_domain::artist::Artist;
use noktvrn_domain::ids::ArtistId;
use noktvrn_domain::trend::EvolutionEntry;
use noktvrn_pipeline::StoreError;
use noktvrn_pipeline::ports::ArtistStore;

use super::{
    DOC, Item, PK, SK, Table, VERSION, bumped, decode, decode_all, encode, get_s, n, page_size, s,
    ts,
};
use crate::error;

/// Sort key of the artist record itself.
pub(crate) const ARTIST_SK: &str = "artist";
/// Sort-key prefix of progression-log entries.
pub(crate) const LOG_PREFIX: &str = "log#";

/// serde's name of an enum value (`"active"`), for informational attributes.
pub(crate) fn enum_text<T: serde::Serialize>(v: &T) -> String {
    match serde_json::to_value(v) {
        Ok(serde_json::Value::String(s)) => s,
        Ok(other) => other.to_string(),
        Err(_) => String::new(),
    }
}

/// [`ArtistStore`] on the artists table.
pub struct DynamoArtistStore {
    table: Table,
    ulids: Mutex<Generator>,
}

impl std::fmt::Debug for DynamoArtistStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DynamoArtistStore")
            .field("table", &self.table.name)
            .finish_non_exhaustive()
    }
}

impl DynamoArtistStore {
    pub fn new(client: aws_sdk_dynamodb::Client, table: impl Into<String>) -> Self {
        Self {
            table: Table::new(client, table),
            ulids: Mutex::new(Generator::new()),
        }
    }

    /// The table name.
    pub fn table(&self) -> &str {
        &self.table.name
    }

    fn key(id: &str) -> Item {
        Item::from([(PK.into(), s(id)), (SK.into(), s(ARTIST_SK))])
    }

    fn item(artist: &Artist, doc: String) -> Item {
        let mut item = Self::key(artist.artist_id.as_str());
        item.insert("name".into(), s(&artist.name));
        item.insert("status".into(), s(enum_text(&artist.status)));
        item.insert(VERSION.into(), n(artist.version));
        item.insert(DOC.into(), s(doc));
        item
    }

    fn next_ulid(&self) -> ulid::Ulid {
        // A poisoned lock only means another thread panicked mid-call; the
        // generator state is still valid.
        let mut g = self.ulids.lock().unwrap_or_else(|p| p.into_inner());
        g.generate().unwrap_or_else(|_| ulid::Ulid::new())
    }
}

#[async_trait]
impl ArtistStore for DynamoArtistStore {
    #[tracing::instrument(level = "debug", skip_all, fields(table = %self.table.name, artist_id = %id))]
    async fn get(&self, id: &ArtistId) -> Result<Option<Artist>, StoreError> {
        let id = id.as_str();
        self.table
            .get(Self::key(id), &format!("read artist {id}"))
            .await?
            .map(|item| decode("artist", id, &item))
            .transpose()
    }

    #[tracing::instrument(level = "debug", skip_all, fields(table = %self.table.name))]
    async fn list(&self) -> Result<Vec<Artist>, StoreError> {
        let scan = self
            .table
            .client
            .scan()
            .table_name(&self.table.name)
            .consistent_read(true)
            .filter_expression("#sk = :artist")
            .expression_attribute_names("#sk", SK)
            .expression_attribute_values(":artist", s(ARTIST_SK));
        let mut items = self.table.scan_all(scan, "list artists").await?;
        items.sort_by(|a, b| get_s(a, PK).cmp(&get_s(b, PK)));
        decode_all("artist", PK, &items)
    }

    #[tracing::instrument(level = "debug", skip_all, fields(table = %self.table.name, artist_id = %artist.artist_id))]
    async fn create(&self, artist: &Artist) -> Result<(), StoreError> {
        let id = artist.artist_id.as_str();
        let doc = encode("artist", id, artist)?;
        self.table
            .create(Self::item(artist, doc), "artist", id)
            .await
    }

    #[tracing::instrument(level = "debug", skip_all, fields(table = %self.table.name, artist_id = %artist.artist_id, version = artist.version))]
    async fn update(&self, artist: &Artist) -> Result<Artist, StoreError> {
        let id = artist.artist_id.as_str();
        let mut stored = artist.clone();
        stored.version = bumped("artist", id, artist.version)?;
        let doc = encode("artist", id, &stored)?;
        self.table
            .replace(
                Self::item(&stored, doc),
                Self::key(id),
                artist.version,
                "artist",
                id,
            )
            .await?;
        Ok(stored)
    }

    #[tracing::instrument(level = "debug", skip_all, fields(table = %self.table.name, artist_id = %entry.artist_id))]
    async fn append_evolution(&self, entry: &EvolutionEntry) -> Result<(), StoreError> {
        let id = entry.artist_id.as_str();
        let sk = format!("{LOG_PREFIX}{}#{}", ts(&entry.at), self.next_ulid());
        let doc = encode("evolution entry", id, entry)?;
        let item = Item::from([
            (PK.into(), s(id)),
            (SK.into(), s(&sk)),
            ("at".into(), s(ts(&entry.at))),
            (DOC.into(), s(doc)),
        ]);
        // The sort key is unique, so the condition only guards against a
        // ULID collision overwriting an entry.
        self.table
            .create(item, "evolution entry", &format!("{id}#{sk}"))
            .await
    }

    #[tracing::instrument(level = "debug", skip_all, fields(table = %self.table.name, artist_id = %id, limit))]
    async fn evolution_log(
        &self,
        id: &ArtistId,
        limit: usize,
    ) -> Result<Vec<EvolutionEntry>, StoreError> {
        if limit == 0 {
            return Ok(vec![]);
        }
        let action = format!("read the evolution log of {id}");
        let mut pages = self
            .table
            .client
            .query()
            .table_name(&self.table.name)
            .key_condition_expression("#pk = :pk AND begins_with(#sk, :log)")
            .expression_attribute_names("#pk", PK)
            .expression_attribute_names("#sk", SK)
            .expression_attribute_values(":pk", s(id.as_str()))
            .expression_attribute_values(":log", s(LOG_PREFIX))
            .scan_index_forward(false)
            .consistent_read(true)
            .into_paginator()
            .page_size(page_size(limit))
            .items()
            .send();
        let mut out = Vec::new();
        while out.len() < limit {
            let Some(item) = pages.next().await else {
                break;
            };
            let item = item.map_err(|e| error::store(&action, e))?;
            let entry_id = format!("{id}#{}", get_s(&item, SK).unwrap_or("?"));
            out.push(decode("evolution entry", &entry_id, &item)?);
        }
        Ok(out)
    }
}

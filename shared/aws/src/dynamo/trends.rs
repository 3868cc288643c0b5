//! Trend profiles (`TRENDS_TABLE`): `pk` = `{country}#{genre}`, `sk` =
//! `{updated_at}#{audience}#{period}`, plus `country`, `genre`,
//! `audience`, `period`, `updated_at`, `ttl`, `doc`.
//!
//! - `latest(country, genre)` is one query on the partition, newest `sk`
//!   first, limit 1: the newest profile of any audience, exactly what
//!   adapt-params asks for.
//! - The store keeps one profile per segment (country × genre × audience ×
//!   period). Because `updated_at` is part of the sort key, a `put` writes a
//!   new item and then deletes the segment's items whose `sk` is older than
//!   the newest one it sees. Concurrent writers therefore converge on the
//!   newest profile and never delete it; `list` also keeps only the newest
//!   item per segment, so a reader between the put and the clean-up sees one
//!   profile. Difference from the SQLite store (last write wins): a put
//!   whose `updated_at` is *older* than the stored profile of its segment
//!   does not replace it.
//! - `ttl` = `updated_at` + [`TREND_RETENTION`]: a segment nobody refreshes
//!   any more ages out instead of steering artists forever.
//! - `country` may not contain `#` (it would make `pk` ambiguous).

use std::collections::BTreeMap;
use std::time::Duration;

use async_trait::async_trait;

use noktvrn_domain::trend::TrendProfile;
use noktvrn_pipeline::StoreError;
use noktvrn_pipeline::ports::TrendStore;

use super::{DOC, Item, PK, SK, TTL, Table, decode, encode, get_s, n, s, ts};
use crate::error;

/// How long a profile is kept after its `updated_at` (DynamoDB TTL).
pub const TREND_RETENTION: Duration = Duration::from_secs(180 * 24 * 3600);

/// [`TrendStore`] on the trends table.
#[derive(Debug, Clone)]
pub struct DynamoTrendStore {
    table: Table,
}

fn partition(country: &str, genre: &str) -> String {
    format!("{country}#{genre}")
}

/// The segment identity of an item: (country, genre, audience, period).
fn segment_of(item: &Item) -> (String, String, String, String) {
    let a = |k| get_s(item, k).unwrap_or_default().to_string();
    (a("country"), a("genre"), a("audience"), a("period"))
}

impl DynamoTrendStore {
    pub fn new(client: aws_sdk_dynamodb::Client, table: impl Into<String>) -> Self {
        Self {
            table: Table::new(client, table),
        }
    }

    /// The table name.
    pub fn table(&self) -> &str {
        &self.table.name
    }

    /// Deletes the items of `profile`'s segment older than the newest one.
    async fn remove_superseded(&self, pk: &str, profile: &TrendProfile) -> Result<(), StoreError> {
        let seg = &profile.segment;
        let query = self
            .table
            .client
            .query()
            .table_name(&self.table.name)
            .consistent_read(true)
            .key_condition_expression("#pk = :pk")
            .expression_attribute_names("#pk", PK)
            .expression_attribute_values(":pk", s(pk))
            .projection_expression("#pk, #sk, #audience, #period")
            .expression_attribute_names("#sk", SK)
            .expression_attribute_names("#audience", "audience")
            .expression_attribute_names("#period", "period");
        let items = self
            .table
            .query_all(query, &format!("read trends of {pk}"))
            .await?;
        let mut same: Vec<&str> = items
            .iter()
            .filter(|i| {
                get_s(i, "audience") == Some(seg.audience.as_str())
                    && get_s(i, "period") == Some(seg.period.as_str())
            })
            .filter_map(|i| get_s(i, SK))
            .collect();
        same.sort_unstable();
        let Some((_newest, older)) = same.split_last() else {
            return Ok(());
        };
        for sk in older {
            self.table
                .client
                .delete_item()
                .table_name(&self.table.name)
                .key(PK, s(pk))
                .key(SK, s(*sk))
                .send()
                .await
                .map_err(|e| error::store(format!("delete superseded trend {pk} {sk}"), e))?;
            tracing::debug!(table = %self.table.name, pk, sk, "superseded trend profile deleted");
        }
        Ok(())
    }
}

#[async_trait]
impl TrendStore for DynamoTrendStore {
    #[tracing::instrument(level = "debug", skip_all, fields(table = %self.table.name, country, genre))]
    async fn latest(&self, country: &str, genre: &str) -> Result<Option<TrendProfile>, StoreError> {
        let pk = partition(country, genre);
        let out = self
            .table
            .client
            .query()
            .table_name(&self.table.name)
            .consistent_read(true)
            .key_condition_expression("#pk = :pk")
            .expression_attribute_names("#pk", PK)
            .expression_attribute_values(":pk", s(&pk))
            .scan_index_forward(false)
            .limit(1)
            .send()
            .await
            .map_err(|e| error::store(format!("read the latest trend of {pk}"), e))?;
        out.items
            .unwrap_or_default()
            .first()
            .map(|item| {
                let id = format!("{pk}#{}", get_s(item, SK).unwrap_or("?"));
                decode("trend", &id, item)
            })
            .transpose()
    }

    #[tracing::instrument(level = "debug", skip_all, fields(table = %self.table.name, segment = %profile.segment.key()))]
    async fn put(&self, profile: &TrendProfile) -> Result<(), StoreError> {
        let seg = &profile.segment;
        let id = seg.key();
        if seg.country.contains('#') {
            return Err(StoreError::Backend {
                message: format!("trend {id}: a country may not contain '#'"),
                source: None,
            });
        }
        let doc = encode("trend", &id, profile)?;
        let pk = partition(&seg.country, &seg.genre);
        let sk = format!(
            "{}#{}#{}",
            ts(&profile.updated_at),
            seg.audience,
            seg.period
        );
        let retention = i64::try_from(TREND_RETENTION.as_secs()).unwrap_or(i64::MAX);
        let item = Item::from([
            (PK.into(), s(&pk)),
            (SK.into(), s(&sk)),
            ("country".into(), s(&seg.country)),
            ("genre".into(), s(&seg.genre)),
            ("audience".into(), s(&seg.audience)),
            ("period".into(), s(&seg.period)),
            ("updated_at".into(), s(ts(&profile.updated_at))),
            (
                TTL.into(),
                n(profile.updated_at.timestamp().saturating_add(retention)),
            ),
            (DOC.into(), s(doc)),
        ]);
        self.table
            .client
            .put_item()
            .table_name(&self.table.name)
            .set_item(Some(item))
            .send()
            .await
            .map_err(|e| error::store(format!("store trend {id}"), e))?;
        self.remove_superseded(&pk, profile).await
    }

    #[tracing::instrument(level = "debug", skip_all, fields(table = %self.table.name))]
    async fn list(&self) -> Result<Vec<TrendProfile>, StoreError> {
        let scan = self
            .table
            .client
            .scan()
            .table_name(&self.table.name)
            .consistent_read(true);
        let items = self.table.scan_all(scan, "list trends").await?;
        // The newest item per segment, ordered by segment.
        let mut newest: BTreeMap<(String, String, String, String), Item> = BTreeMap::new();
        for item in items {
            let seg = segment_of(&item);
            let newer = newest
                .get(&seg)
                .is_none_or(|kept| get_s(&item, SK) > get_s(kept, SK));
            if newer {
                newest.insert(seg, item);
            }
        }
        newest
            .into_iter()
            .map(|(seg, item)| {
                decode(
                    "trend",
                    &format!("{}#{}#{}#{}", seg.0, seg.1, seg.2, seg.3),
                    &item,
                )
            })
            .collect()
    }
}

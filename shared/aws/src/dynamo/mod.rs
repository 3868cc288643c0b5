//! The record stores on DynamoDB, one table each, with the key design of
//! `template.yaml` (documented in `docs/aws-storage.md`).
//!
//! Every item holds the record's whole serde JSON document in the string
//! attribute `doc` (the same versioned `schema_version` shape the local
//! SQLite backend stores), next to the key and index attributes queries need
//! and, for versioned records, a numeric `version`:
//!
//! - `create` is a `PutItem` with `attribute_not_exists(pk)`: a lost
//!   condition is `StoreError::AlreadyExists`.
//! - `update` is a `PutItem` of the whole item with `#version = :expected`,
//!   storing `version + 1`. A lost condition is `StoreError::Conflict` when
//!   the item exists and `StoreError::NotFound` when it does not (told
//!   apart by `ReturnValuesOnConditionCheckFailure = ALL_OLD`, with a
//!   consistent read as fallback).
//! - Reads of one record are strongly consistent (a stage reads, changes and
//!   writes back on that version); index queries are eventually consistent,
//!   as GSIs are, which every caller tolerates because it re-reads a record
//!   before changing it.
//! - A `doc` that does not parse is `StoreError::Corrupt` naming the record.
//!
//! Timestamps in key and index attributes are fixed-width RFC 3339 UTC with
//! nanoseconds (`2026-03-01T12:00:00.000000000Z`), so string order is time
//! order.

mod artists;
mod releases;
mod runs;
mod trends;

use std::collections::HashMap;

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::operation::put_item::PutItemError;
use aws_sdk_dynamodb::operation::query::builders::QueryFluentBuilder;
use aws_sdk_dynamodb::operation::scan::builders::ScanFluentBuilder;
use aws_sdk_dynamodb::types::{AttributeValue, ReturnValuesOnConditionCheckFailure};
use chrono::{DateTime, SecondsFormat, Utc};
use serde::Serialize;
use serde::de::DeserializeOwned;

use noktvrn_pipeline::StoreError;

pub use artists::DynamoArtistStore;
pub use releases::DynamoReleaseStore;
pub use runs::{APPROVAL_TTL_GRACE, DynamoRunStore};
pub use trends::{DynamoTrendStore, TREND_RETENTION};

use crate::error;

/// One DynamoDB item.
pub(crate) type Item = HashMap<String, AttributeValue>;

/// The partition key attribute of every table.
pub(crate) const PK: &str = "pk";
/// The sort key attribute (artists and trends tables).
pub(crate) const SK: &str = "sk";
/// The JSON document of the record.
pub(crate) const DOC: &str = "doc";
/// The record version the conditional updates test.
pub(crate) const VERSION: &str = "version";
/// Epoch seconds after which DynamoDB may delete the item.
pub(crate) const TTL: &str = "ttl";

/// Most items one query or scan page asks for.
const MAX_PAGE: usize = 1000;

pub(crate) fn s(v: impl Into<String>) -> AttributeValue {
    AttributeValue::S(v.into())
}

pub(crate) fn n(v: impl ToString) -> AttributeValue {
    AttributeValue::N(v.to_string())
}

/// A string attribute of an item.
pub(crate) fn get_s<'a>(item: &'a Item, name: &str) -> Option<&'a str> {
    match item.get(name) {
        Some(AttributeValue::S(v)) => Some(v),
        _ => None,
    }
}

/// Fixed-width RFC 3339 UTC (nanoseconds, `Z`): text order is time order.
pub(crate) fn ts(t: &DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Nanos, true)
}

/// Serialises a record, refusing one that would not read back (a
/// non-finite float becomes `null`, which `f64` cannot read).
pub(crate) fn encode<T: Serialize + DeserializeOwned>(
    entity: &'static str,
    id: &str,
    value: &T,
) -> Result<String, StoreError> {
    let doc = serde_json::to_string(value)
        .map_err(|e| StoreError::backend(format!("cannot serialise {entity} {id}"), e))?;
    serde_json::from_str::<T>(&doc).map_err(|e| {
        StoreError::backend(
            format!("{entity} {id} would not read back after serialisation (non-finite number?)"),
            e,
        )
    })?;
    Ok(doc)
}

/// The record in an item's `doc`.
pub(crate) fn decode<T: DeserializeOwned>(
    entity: &'static str,
    id: &str,
    item: &Item,
) -> Result<T, StoreError> {
    let doc = get_s(item, DOC).ok_or_else(|| {
        StoreError::corrupt(
            entity,
            id,
            std::io::Error::other("item has no string attribute `doc`"),
        )
    })?;
    serde_json::from_str(doc).map_err(|e| StoreError::corrupt(entity, id, e))
}

pub(crate) fn bumped(entity: &'static str, id: &str, version: u64) -> Result<u64, StoreError> {
    version.checked_add(1).ok_or_else(|| StoreError::Backend {
        message: format!("{entity} {id}: version counter overflow"),
        source: None,
    })
}

/// A page size for a query that needs `limit` items (plus one to see past a
/// tie at the boundary).
fn page_size(limit: usize) -> i32 {
    i32::try_from(limit.saturating_add(1).min(MAX_PAGE)).unwrap_or(1000)
}

/// One table and the client to reach it.
#[derive(Debug, Clone)]
pub(crate) struct Table {
    pub(crate) client: Client,
    pub(crate) name: String,
}

impl Table {
    pub(crate) fn new(client: Client, name: impl Into<String>) -> Self {
        Self {
            client,
            name: name.into(),
        }
    }

    /// A strongly consistent `GetItem`.
    pub(crate) async fn get(&self, key: Item, action: &str) -> Result<Option<Item>, StoreError> {
        let out = self
            .client
            .get_item()
            .table_name(&self.name)
            .set_key(Some(key))
            .consistent_read(true)
            .send()
            .await
            .map_err(|e| error::store(action, e))?;
        Ok(out.item.filter(|i| !i.is_empty()))
    }

    /// `PutItem` if no item has the key: `AlreadyExists` otherwise.
    pub(crate) async fn create(
        &self,
        item: Item,
        entity: &'static str,
        id: &str,
    ) -> Result<(), StoreError> {
        let r = self
            .client
            .put_item()
            .table_name(&self.name)
            .set_item(Some(item))
            .condition_expression("attribute_not_exists(#pk)")
            .expression_attribute_names("#pk", PK)
            .send()
            .await;
        match r {
            Ok(_) => Ok(()),
            Err(e)
                if e.as_service_error()
                    .is_some_and(PutItemError::is_conditional_check_failed_exception) =>
            {
                Err(StoreError::AlreadyExists {
                    entity,
                    id: id.to_string(),
                })
            }
            Err(e) => Err(error::store(format!("create {entity} {id}"), e)),
        }
    }

    /// `PutItem` of the whole item if the stored `version` is `expected`.
    pub(crate) async fn replace(
        &self,
        item: Item,
        key: Item,
        expected: u64,
        entity: &'static str,
        id: &str,
    ) -> Result<(), StoreError> {
        let r = self
            .client
            .put_item()
            .table_name(&self.name)
            .set_item(Some(item))
            .condition_expression("#version = :expected")
            .expression_attribute_names("#version", VERSION)
            .expression_attribute_values(":expected", n(expected))
            .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld)
            .send()
            .await;
        let e = match r {
            Ok(_) => return Ok(()),
            Err(e) => e,
        };
        let Some(PutItemError::ConditionalCheckFailedException(failed)) = e.as_service_error()
        else {
            return Err(error::store(format!("update {entity} {id}"), e));
        };
        let exists = match failed.item() {
            Some(old) if !old.is_empty() => true,
            _ => self
                .get(key, &format!("read {entity} {id}"))
                .await?
                .is_some(),
        };
        if exists {
            tracing::debug!(table = %self.name, entity, id, expected, "conditional write lost");
            Err(StoreError::Conflict {
                entity,
                id: id.to_string(),
                expected,
            })
        } else {
            Err(StoreError::NotFound {
                entity,
                id: id.to_string(),
            })
        }
    }

    /// Every item a query returns, all pages.
    pub(crate) async fn query_all(
        &self,
        query: QueryFluentBuilder,
        action: &str,
    ) -> Result<Vec<Item>, StoreError> {
        let mut items = query.into_paginator().items().send();
        let mut out = vec![];
        while let Some(item) = items.next().await {
            out.push(item.map_err(|e| error::store(action, e))?);
        }
        Ok(out)
    }

    /// Every item a scan returns, all pages.
    pub(crate) async fn scan_all(
        &self,
        scan: ScanFluentBuilder,
        action: &str,
    ) -> Result<Vec<Item>, StoreError> {
        let mut items = scan.into_paginator().items().send();
        let mut out = vec![];
        while let Some(item) = items.next().await {
            out.push(item.map_err(|e| error::store(action, e))?);
        }
        Ok(out)
    }

    /// The first `limit` items of a descending query on the string sort
    /// attribute `sort_attr`, plus every further item that ties with the
    /// last of them, so the caller can break ties and truncate exactly.
    pub(crate) async fn query_newest(
        &self,
        query: QueryFluentBuilder,
        limit: usize,
        sort_attr: &str,
        action: &str,
    ) -> Result<Vec<Item>, StoreError> {
        if limit == 0 {
            return Ok(vec![]);
        }
        let mut items = query
            .scan_index_forward(false)
            .into_paginator()
            .page_size(page_size(limit))
            .items()
            .send();
        let mut out = vec![];
        let mut boundary: Option<String> = None;
        while let Some(item) = items.next().await {
            let item = item.map_err(|e| error::store(action, e))?;
            let key = get_s(&item, sort_attr).unwrap_or_default().to_string();
            if boundary.as_ref().is_some_and(|b| key < *b) {
                break;
            }
            out.push(item);
            if out.len() == limit {
                boundary = Some(key);
            }
        }
        Ok(out)
    }
}

/// Decodes items whose id is in `id_attr`.
pub(crate) fn decode_all<T: DeserializeOwned>(
    entity: &'static str,
    id_attr: &str,
    items: &[Item],
) -> Result<Vec<T>, StoreError> {
    items
        .iter()
        .map(|i| decode(entity, get_s(i, id_attr).unwrap_or("?"), i))
        .collect()
}

/// Sorts items newest first by (`created_at`, `pk`), both descending, and
/// keeps `limit`.
pub(crate) fn newest_first(mut items: Vec<Item>, limit: usize) -> Vec<Item> {
    items.sort_by(|a, b| {
        let ka = (get_s(a, "created_at"), get_s(a, PK));
        let kb = (get_s(b, "created_at"), get_s(b, PK));
        kb.cmp(&ka)
    });
    items.truncate(limit);
    items
}

/// Sorts items oldest first by (`created_at`, `pk`).
pub(crate) fn oldest_first(mut items: Vec<Item>) -> Vec<Item> {
    items.sort_by(|a, b| {
        let ka = (get_s(a, "created_at"), get_s(a, PK));
        let kb = (get_s(b, "created_at"), get_s(b, PK));
        ka.cmp(&kb)
    });
    items
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    #[test]
    fn timestamps_are_fixed_width_so_text_order_is_time_order() {
        let a = Utc.with_ymd_and_hms(2026, 3, 1, 12, 0, 0).unwrap();
        let b = a + chrono::Duration::nanoseconds(1_500);
        assert_eq!(ts(&a), "2026-03-01T12:00:00.000000000Z");
        assert!(ts(&a) < ts(&b));
        assert_eq!(ts(&a).len(), ts(&b).len());
    }

    #[test]
    fn a_missing_or_bad_doc_is_corrupt() {
        let mut item = Item::new();
        let e = decode::<serde_json::Value>("run", "r1", &item).unwrap_err();
        assert!(
            matches!(e, StoreError::Corrupt { entity: "run", .. }),
            "{e}"
        );
        item.insert(DOC.into(), s("{not json"));
        let e = decode::<serde_json::Value>("run", "r1", &item).unwrap_err();
        assert!(matches!(e, StoreError::Corrupt { .. }), "{e}");
    }

    #[test]
    fn newest_first_breaks_ties_by_key() {
        let item = |pk: &str, at: &str| {
            Item::from([(PK.to_string(), s(pk)), ("created_at".to_string(), s(at))])
        };
        let sorted = newest_first(
            vec![
                item("a", "1"),
                item("c", "2"),
                item("b", "2"),
                item("d", "0"),
            ],
            3,
        );
        let keys: Vec<_> = sorted.iter().map(|i| get_s(i, PK).unwrap()).collect();
        assert_eq!(keys, ["c", "b", "a"]);
    }
}

//! The record stores (artists, runs, releases, trends) on the shared SQLite
//! connection, matching the semantics of `noktvrn_pipeline::memory`:
//!
//! - `create` is an `INSERT`; a primary-key violation is
//!   `StoreError::AlreadyExists`.
//! - `update` is `UPDATE … WHERE id = ? AND version = ?` storing the record
//!   with `version + 1` (returned); zero rows changed is `Conflict` when the
//!   row exists and `NotFound` when it does not.
//! - A stored document that does not parse is `StoreError::Corrupt` naming
//!   the record, never a panic.

use std::sync::Arc;

use async_trait::async_trait;
use rusqlite::{Connection, OptionalExtension, Params, params};
use serde::de::DeserializeOwned;

use noktvrn_domain::artist::Artist;
use noktvrn_domain::ids::{ArtistId, BatchId, ReleaseId, RunId};
use noktvrn_domain::release::ReleaseRecord;
use noktvrn_domain::run::Run;
use noktvrn_domain::trend::{EvolutionEntry, TrendProfile};
use noktvrn_pipeline::StoreError;
use noktvrn_pipeline::ports::{ApprovalTicket, ArtistStore, ReleaseStore, RunStore, TrendStore};

use crate::db::{
    Db, decode, encode, is_unique_violation, limit, parse_ts, sql, ts, version_to_sql,
};

/// Runs `query` (whose first two columns are the id and the JSON document)
/// and decodes every row.
fn query_docs<T: DeserializeOwned, P: Params>(
    conn: &Connection,
    entity: &'static str,
    query: &str,
    params: P,
) -> Result<Vec<T>, StoreError> {
    let action = format!("list {entity} records");
    let mut stmt = conn.prepare_cached(query).map_err(|e| sql(&action, e))?;
    let rows = stmt
        .query_map(params, |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?))
        })
        .map_err(|e| sql(&action, e))?;
    let mut out = vec![];
    for row in rows {
        let (id, doc) = row.map_err(|e| sql(&action, e))?;
        out.push(decode(entity, &id, &doc)?);
    }
    Ok(out)
}

/// The document of one record, if present.
fn get_doc<T: DeserializeOwned>(
    conn: &Connection,
    entity: &'static str,
    query: &str,
    id: &str,
) -> Result<Option<T>, StoreError> {
    let doc: Option<String> = conn
        .prepare_cached(query)
        .and_then(|mut s| s.query_row([id], |r| r.get(0)).optional())
        .map_err(|e| sql(&format!("read {entity} {id}"), e))?;
    doc.map(|d| decode(entity, id, &d)).transpose()
}

/// Maps the result of a create `INSERT`.
fn created(entity: &'static str, id: &str, r: rusqlite::Result<usize>) -> Result<(), StoreError> {
    match r {
        Ok(_) => Ok(()),
        Err(e) if is_unique_violation(&e) => Err(StoreError::AlreadyExists {
            entity,
            id: id.to_string(),
        }),
        Err(e) => Err(sql(&format!("create {entity} {id}"), e)),
    }
}

/// Interprets the row count of a conditional `UPDATE`.
fn updated(
    conn: &Connection,
    entity: &'static str,
    exists_query: &str,
    id: &str,
    expected: u64,
    r: rusqlite::Result<usize>,
) -> Result<(), StoreError> {
    let changed = r.map_err(|e| sql(&format!("update {entity} {id}"), e))?;
    if changed > 0 {
        return Ok(());
    }
    let exists = conn
        .query_row(exists_query, [id], |_| Ok(()))
        .optional()
        .map_err(|e| sql(&format!("read {entity} {id}"), e))?;
    Err(match exists {
        Some(()) => StoreError::Conflict {
            entity,
            id: id.to_string(),
            expected,
        },
        None => StoreError::NotFound {
            entity,
            id: id.to_string(),
        },
    })
}

fn bumped(entity: &'static str, id: &str, version: u64) -> Result<u64, StoreError> {
    version.checked_add(1).ok_or_else(|| StoreError::Backend {
        message: format!("{entity} {id}: version counter overflow"),
        source: None,
    })
}

/// serde's name of an enum value (`"pending_approval"`), for indexed columns.
fn enum_text<T: serde::Serialize>(v: &T) -> String {
    match serde_json::to_value(v) {
        Ok(serde_json::Value::String(s)) => s,
        Ok(other) => other.to_string(),
        Err(_) => String::new(),
    }
}

// ---------------------------------------------------------------- artists

/// Artists (`artists` table) and their progression log (`evolution_log`,
/// append order = `seq`).
#[derive(Debug, Clone)]
pub struct SqliteArtistStore {
    db: Arc<Db>,
}

impl SqliteArtistStore {
    pub(crate) fn new(db: Arc<Db>) -> Self {
        Self { db }
    }
}

#[async_trait]
impl ArtistStore for SqliteArtistStore {
    async fn get(&self, id: &ArtistId) -> Result<Option<Artist>, StoreError> {
        get_doc(
            &self.db.conn(),
            "artist",
            "SELECT doc FROM artists WHERE artist_id = ?1",
            id.as_str(),
        )
    }

    async fn list(&self) -> Result<Vec<Artist>, StoreError> {
        query_docs(
            &self.db.conn(),
            "artist",
            "SELECT artist_id, doc FROM artists ORDER BY artist_id",
            [],
        )
    }

    async fn create(&self, artist: &Artist) -> Result<(), StoreError> {
        let id = artist.artist_id.as_str();
        let doc = encode("artist", id, artist)?;
        let version = version_to_sql("artist", id, artist.version)?;
        let conn = self.db.conn();
        created(
            "artist",
            id,
            conn.execute(
                "INSERT INTO artists (artist_id, name, status, version, doc) VALUES (?1, ?2, ?3, ?4, ?5)",
                params![id, artist.name, enum_text(&artist.status), version, doc],
            ),
        )
    }

    async fn update(&self, artist: &Artist) -> Result<Artist, StoreError> {
        let id = artist.artist_id.as_str();
        let mut stored = artist.clone();
        stored.version = bumped("artist", id, artist.version)?;
        let doc = encode("artist", id, &stored)?;
        let expected = version_to_sql("artist", id, artist.version)?;
        let new_version = version_to_sql("artist", id, stored.version)?;
        let conn = self.db.conn();
        let r = conn.execute(
            "UPDATE artists SET name = ?2, status = ?3, version = ?4, doc = ?5
             WHERE artist_id = ?1 AND version = ?6",
            params![
                id,
                stored.name,
                enum_text(&stored.status),
                new_version,
                doc,
                expected
            ],
        );
        updated(
            &conn,
            "artist",
            "SELECT 1 FROM artists WHERE artist_id = ?1",
            id,
            artist.version,
            r,
        )?;
        Ok(stored)
    }

    async fn append_evolution(&self, entry: &EvolutionEntry) -> Result<(), StoreError> {
        let id = entry.artist_id.as_str();
        let doc = encode("evolution entry", id, entry)?;
        self.db
            .conn()
            .execute(
                "INSERT INTO evolution_log (artist_id, at, doc) VALUES (?1, ?2, ?3)",
                params![id, ts(&entry.at), doc],
            )
            .map_err(|e| sql(&format!("append to the evolution log of {id}"), e))?;
        Ok(())
    }

    async fn evolution_log(
        &self,
        id: &ArtistId,
        n: usize,
    ) -> Result<Vec<EvolutionEntry>, StoreError> {
        query_docs(
            &self.db.conn(),
            "evolution entry",
            "SELECT artist_id || '#' || seq, doc FROM evolution_log
             WHERE artist_id = ?1 ORDER BY seq DESC LIMIT ?2",
            params![id.as_str(), limit(n)],
        )
    }
}

// ---------------------------------------------------------------- runs

/// Runs (`runs` table) and approval tickets (`approvals`).
///
/// "Newest first" is `created_at DESC, run_id DESC`; `list_by_batch` and
/// `list_unfinished` are oldest first (the order the memory store's ULID
/// keys give).
#[derive(Debug, Clone)]
pub struct SqliteRunStore {
    db: Arc<Db>,
}

impl SqliteRunStore {
    pub(crate) fn new(db: Arc<Db>) -> Self {
        Self { db }
    }
}

const RUN_EXISTS: &str = "SELECT 1 FROM runs WHERE run_id = ?1";

#[async_trait]
impl RunStore for SqliteRunStore {
    async fn create(&self, run: &Run) -> Result<(), StoreError> {
        let id = run.run_id.as_str();
        let doc = encode("run", id, run)?;
        let version = version_to_sql("run", id, run.version)?;
        let conn = self.db.conn();
        created(
            "run",
            id,
            conn.execute(
                "INSERT INTO runs (run_id, artist_id, batch_id, status, terminal, created_at, updated_at, version, doc)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
                params![
                    id,
                    run.artist_id.as_str(),
                    run.batch_id.as_str(),
                    run.status.as_str(),
                    run.status.is_terminal(),
                    ts(&run.created_at),
                    ts(&run.updated_at),
                    version,
                    doc
                ],
            ),
        )
    }

    async fn get(&self, id: &RunId) -> Result<Option<Run>, StoreError> {
        get_doc(
            &self.db.conn(),
            "run",
            "SELECT doc FROM runs WHERE run_id = ?1",
            id.as_str(),
        )
    }

    async fn update(&self, run: &Run) -> Result<Run, StoreError> {
        let id = run.run_id.as_str();
        let mut stored = run.clone();
        stored.version = bumped("run", id, run.version)?;
        let doc = encode("run", id, &stored)?;
        let expected = version_to_sql("run", id, run.version)?;
        let new_version = version_to_sql("run", id, stored.version)?;
        let conn = self.db.conn();
        // artist, batch and created_at are part of the run's identity but
        // are rewritten too, so the indexed columns always match the doc.
        let r = conn.execute(
            "UPDATE runs SET artist_id = ?2, batch_id = ?3, status = ?4, terminal = ?5,
                 created_at = ?6, updated_at = ?7, version = ?8, doc = ?9
             WHERE run_id = ?1 AND version = ?10",
            params![
                id,
                stored.artist_id.as_str(),
                stored.batch_id.as_str(),
                stored.status.as_str(),
                stored.status.is_terminal(),
                ts(&stored.created_at),
                ts(&stored.updated_at),
                new_version,
                doc,
                expected
            ],
        );
        updated(&conn, "run", RUN_EXISTS, id, run.version, r)?;
        Ok(stored)
    }

    async fn list_by_artist(&self, id: &ArtistId, n: usize) -> Result<Vec<Run>, StoreError> {
        query_docs(
            &self.db.conn(),
            "run",
            "SELECT run_id, doc FROM runs WHERE artist_id = ?1
             ORDER BY created_at DESC, run_id DESC LIMIT ?2",
            params![id.as_str(), limit(n)],
        )
    }

    async fn list_by_batch(&self, id: &BatchId) -> Result<Vec<Run>, StoreError> {
        query_docs(
            &self.db.conn(),
            "run",
            "SELECT run_id, doc FROM runs WHERE batch_id = ?1 ORDER BY created_at, run_id",
            [id.as_str()],
        )
    }

    async fn list_unfinished(&self) -> Result<Vec<Run>, StoreError> {
        query_docs(
            &self.db.conn(),
            "run",
            "SELECT run_id, doc FROM runs WHERE terminal = 0 ORDER BY created_at, run_id",
            [],
        )
    }

    async fn list_recent(&self, n: usize) -> Result<Vec<Run>, StoreError> {
        query_docs(
            &self.db.conn(),
            "run",
            "SELECT run_id, doc FROM runs ORDER BY created_at DESC, run_id DESC LIMIT ?1",
            [limit(n)],
        )
    }

    async fn put_approval(&self, ticket: &ApprovalTicket) -> Result<(), StoreError> {
        let id = ticket.approval_id.as_str();
        let conn = self.db.conn();
        created(
            "approval",
            id,
            conn.execute(
                "INSERT INTO approvals (approval_id, run_id, task_token, expires_at) VALUES (?1, ?2, ?3, ?4)",
                params![
                    id,
                    ticket.run_id.as_str(),
                    ticket.task_token,
                    ts(&ticket.expires_at)
                ],
            ),
        )
    }

    async fn get_approval(&self, approval_id: &str) -> Result<Option<ApprovalTicket>, StoreError> {
        let row: Option<(String, Option<String>, String)> = self
            .db
            .conn()
            .query_row(
                "SELECT run_id, task_token, expires_at FROM approvals WHERE approval_id = ?1",
                [approval_id],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .optional()
            .map_err(|e| sql(&format!("read approval {approval_id}"), e))?;
        let Some((run_id, task_token, expires_at)) = row else {
            return Ok(None);
        };
        Ok(Some(ApprovalTicket {
            approval_id: approval_id.to_string(),
            run_id: RunId::parse(run_id)
                .map_err(|e| StoreError::corrupt("approval", approval_id, e))?,
            task_token,
            expires_at: parse_ts("approval", approval_id, &expires_at)?,
        }))
    }
}

// ---------------------------------------------------------------- releases

/// Release records (`releases` table). Newest first is
/// `created_at DESC, release_id DESC`.
#[derive(Debug, Clone)]
pub struct SqliteReleaseStore {
    db: Arc<Db>,
}

impl SqliteReleaseStore {
    pub(crate) fn new(db: Arc<Db>) -> Self {
        Self { db }
    }
}

#[async_trait]
impl ReleaseStore for SqliteReleaseStore {
    async fn create(&self, release: &ReleaseRecord) -> Result<(), StoreError> {
        let id = release.release_id.as_str();
        let doc = encode("release", id, release)?;
        let version = version_to_sql("release", id, release.version)?;
        let conn = self.db.conn();
        created(
            "release",
            id,
            conn.execute(
                "INSERT INTO releases (release_id, run_id, artist_id, status, created_at, version, doc)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                params![
                    id,
                    release.run_id.as_str(),
                    release.artist_id.as_str(),
                    enum_text(&release.status),
                    ts(&release.created_at),
                    version,
                    doc
                ],
            ),
        )
    }

    async fn get(&self, id: &ReleaseId) -> Result<Option<ReleaseRecord>, StoreError> {
        get_doc(
            &self.db.conn(),
            "release",
            "SELECT doc FROM releases WHERE release_id = ?1",
            id.as_str(),
        )
    }

    async fn update(&self, release: &ReleaseRecord) -> Result<ReleaseRecord, StoreError> {
        let id = release.release_id.as_str();
        let mut stored = release.clone();
        stored.version = bumped("release", id, release.version)?;
        let doc = encode("release", id, &stored)?;
        let expected = version_to_sql("release", id, release.version)?;
        let new_version = version_to_sql("release", id, stored.version)?;
        let conn = self.db.conn();
        let r = conn.execute(
            "UPDATE releases SET run_id = ?2, artist_id = ?3, status = ?4, created_at = ?5,
                 version = ?6, doc = ?7
             WHERE release_id = ?1 AND version = ?8",
            params![
                id,
                stored.run_id.as_str(),
                stored.artist_id.as_str(),
                enum_text(&stored.status),
                ts(&stored.created_at),
                new_version,
                doc,
                expected
            ],
        );
        updated(
            &conn,
            "release",
            "SELECT 1 FROM releases WHERE release_id = ?1",
            id,
            release.version,
            r,
        )?;
        Ok(stored)
    }

    async fn list(&self, n: usize) -> Result<Vec<ReleaseRecord>, StoreError> {
        query_docs(
            &self.db.conn(),
            "release",
            "SELECT release_id, doc FROM releases ORDER BY created_at DESC, release_id DESC LIMIT ?1",
            [limit(n)],
        )
    }
}

// ---------------------------------------------------------------- trends

/// Trend profiles (`trends` table), one per segment: `put` replaces the
/// profile of the same country × genre × audience × period. `list` is
/// sorted by segment.
#[derive(Debug, Clone)]
pub struct SqliteTrendStore {
    db: Arc<Db>,
}

impl SqliteTrendStore {
    pub(crate) fn new(db: Arc<Db>) -> Self {
        Self { db }
    }
}

#[async_trait]
impl TrendStore for SqliteTrendStore {
    async fn latest(&self, country: &str, genre: &str) -> Result<Option<TrendProfile>, StoreError> {
        let row: Option<(String, String)> = self
            .db
            .conn()
            .query_row(
                "SELECT country || '#' || genre || '#' || audience || '#' || period, doc
                 FROM trends WHERE country = ?1 AND genre = ?2
                 ORDER BY updated_at DESC, audience DESC, period DESC LIMIT 1",
                [country, genre],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()
            .map_err(|e| sql(&format!("read the latest trend of {country}/{genre}"), e))?;
        row.map(|(id, doc)| decode("trend", &id, &doc)).transpose()
    }

    async fn put(&self, profile: &TrendProfile) -> Result<(), StoreError> {
        let s = &profile.segment;
        let id = s.key();
        let doc = encode("trend", &id, profile)?;
        self.db
            .conn()
            .execute(
                "INSERT INTO trends (country, genre, audience, period, updated_at, doc)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)
                 ON CONFLICT (country, genre, audience, period)
                 DO UPDATE SET updated_at = excluded.updated_at, doc = excluded.doc",
                params![
                    s.country,
                    s.genre,
                    s.audience,
                    s.period,
                    ts(&profile.updated_at),
                    doc
                ],
            )
            .map_err(|e| sql(&format!("store trend {id}"), e))?;
        Ok(())
    }

    async fn list(&self) -> Result<Vec<TrendProfile>, StoreError> {
        query_docs(
            &self.db.conn(),
            "trend",
            "SELECT country || '#' || genre || '#' || audience || '#' || period, doc
             FROM trends ORDER BY country, genre, audience, period",
            [],
        )
    }
}

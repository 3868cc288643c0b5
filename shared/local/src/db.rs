//! The one SQLite database of a data directory: opening, versioned
//! migrations, and the helpers every store shares (JSON documents, error
//! mapping, timestamps).
//!
//! # Why one connection behind a mutex
//!
//! The data directory is used by one writing process at a time (the
//! directory lock), and every store call is a handful of short statements on
//! a local file. A single `rusqlite::Connection` behind a `std::sync::Mutex`
//! is therefore enough: the async port methods run their SQL inline (no
//! `spawn_blocking`), holding the mutex only for the statements of one call
//! and never across an `.await`. This keeps transactions simple (a queue
//! `receive` is one `BEGIN IMMEDIATE … COMMIT`) and avoids a pool whose
//! connections would contend for SQLite's own write lock anyway.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

use chrono::{DateTime, SecondsFormat, Utc};
use rusqlite::{Connection, ErrorCode, OpenFlags, OptionalExtension, TransactionBehavior};
use serde::Serialize;
use serde::de::DeserializeOwned;

use noktvrn_pipeline::StoreError;

use crate::{DirLock, LocalError};

/// File name of the database inside the data directory.
pub const DB_FILE: &str = "noktvrn.db";

/// How long a statement waits for a lock held by another connection (a
/// read-only `list` process checkpointing, say) before failing with
/// `StoreError::Unavailable`.
pub const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// The schema, one entry per version: `MIGRATIONS[i]` moves the database
/// from version `i` to `i + 1`. Append only; never edit a released entry.
///
/// Every record table stores the whole record as a JSON document (`doc`)
/// plus the columns the queries filter or sort on, and `version` for the
/// conditional updates. Timestamps are fixed-width RFC 3339 UTC text
/// (`2026-01-01T00:00:00.000000000Z`), so text order is time order.
pub const MIGRATIONS: &[&str] = &[
    // 1: initial schema
    r#"
    CREATE TABLE artists (
        artist_id  TEXT PRIMARY KEY NOT NULL,
        name       TEXT NOT NULL,
        status     TEXT NOT NULL,
        version    INTEGER NOT NULL,
        doc        TEXT NOT NULL
    );

    CREATE TABLE evolution_log (
        seq        INTEGER PRIMARY KEY AUTOINCREMENT,
        artist_id  TEXT NOT NULL,
        at         TEXT NOT NULL,
        doc        TEXT NOT NULL
    );
    CREATE INDEX evolution_log_by_artist ON evolution_log (artist_id, seq);

    CREATE TABLE runs (
        run_id      TEXT PRIMARY KEY NOT NULL,
        artist_id   TEXT NOT NULL,
        batch_id    TEXT NOT NULL,
        status      TEXT NOT NULL,
        terminal    INTEGER NOT NULL,
        created_at  TEXT NOT NULL,
        updated_at  TEXT NOT NULL,
        version     INTEGER NOT NULL,
        doc         TEXT NOT NULL
    );
    CREATE INDEX runs_by_artist  ON runs (artist_id, created_at, run_id);
    CREATE INDEX runs_by_batch   ON runs (batch_id, created_at, run_id);
    CREATE INDEX runs_by_status  ON runs (terminal, status, created_at, run_id);
    CREATE INDEX runs_by_created ON runs (created_at, run_id);

    CREATE TABLE approvals (
        approval_id TEXT PRIMARY KEY NOT NULL,
        run_id      TEXT NOT NULL,
        task_token  TEXT,
        expires_at  TEXT NOT NULL
    );
    CREATE INDEX approvals_by_run ON approvals (run_id);

    CREATE TABLE releases (
        release_id  TEXT PRIMARY KEY NOT NULL,
        run_id      TEXT NOT NULL,
        artist_id   TEXT NOT NULL,
        status      TEXT NOT NULL,
        created_at  TEXT NOT NULL,
        version     INTEGER NOT NULL,
        doc         TEXT NOT NULL
    );
    CREATE INDEX releases_by_created ON releases (created_at, release_id);
    CREATE INDEX releases_by_artist  ON releases (artist_id, created_at);

    CREATE TABLE trends (
        country     TEXT NOT NULL,
        genre       TEXT NOT NULL,
        audience    TEXT NOT NULL,
        period      TEXT NOT NULL,
        updated_at  TEXT NOT NULL,
        doc         TEXT NOT NULL,
        PRIMARY KEY (country, genre, audience, period)
    );
    CREATE INDEX trends_by_country_genre ON trends (country, genre, updated_at);

    CREATE TABLE queue_messages (
        seq             INTEGER PRIMARY KEY AUTOINCREMENT,
        message_id      TEXT NOT NULL UNIQUE,
        body            TEXT NOT NULL,
        sent_at         TEXT NOT NULL,
        receive_count   INTEGER NOT NULL DEFAULT 0,
        invisible_until TEXT,
        receipt         TEXT UNIQUE
    );
    CREATE INDEX queue_messages_by_visibility ON queue_messages (invisible_until, seq);

    CREATE TABLE queue_dead_letters (
        seq             INTEGER PRIMARY KEY AUTOINCREMENT,
        message_id      TEXT NOT NULL UNIQUE,
        body            TEXT NOT NULL,
        sent_at         TEXT NOT NULL,
        receive_count   INTEGER NOT NULL,
        dead_at         TEXT NOT NULL
    );
    "#,
];

/// The schema version this code writes.
pub const SCHEMA_VERSION: u32 = MIGRATIONS.len() as u32;

/// The shared connection. Adapters hold it in an `Arc`; it also keeps the
/// directory lock alive (see [`crate::DirLock`]) so that the lock outlives
/// every adapter handed out, not only the `LocalBackend` value.
pub(crate) struct Db {
    conn: Mutex<Connection>,
    path: PathBuf,
    read_only: bool,
    /// Held, never read: dropping the last `Arc<Db>` releases the lock.
    _lock: Option<Arc<DirLock>>,
}

impl std::fmt::Debug for Db {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Db")
            .field("path", &self.path)
            .field("read_only", &self.read_only)
            .finish_non_exhaustive()
    }
}

/// Opens a connection, configures it and reads its schema version,
/// refusing a database newer than this code. Reading the header first makes
/// a non-database file fail here, before any pragma that could write.
fn connect(path: &Path, flags: OpenFlags) -> Result<(Connection, u32), LocalError> {
    let conn = Connection::open_with_flags(path, flags).map_err(|e| database(path, e))?;
    configure(&conn, path)?;
    let found = current_version(&conn).map_err(|e| database(path, e))?;
    if found > SCHEMA_VERSION {
        return Err(LocalError::SchemaTooNew {
            path: path.to_path_buf(),
            found,
            supported: SCHEMA_VERSION,
        });
    }
    Ok((conn, found))
}

impl Db {
    /// Opens (creating if absent) and migrates the database at `path`.
    ///
    /// A file that is not a SQLite database is reported as
    /// [`LocalError::Database`] and left exactly as it was: SQLite refuses to
    /// write to a file whose header it does not recognise, and nothing here
    /// deletes or recreates the file.
    pub(crate) fn open(path: &Path) -> Result<Db, LocalError> {
        let flags = OpenFlags::SQLITE_OPEN_READ_WRITE
            | OpenFlags::SQLITE_OPEN_CREATE
            | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let (conn, found) = connect(path, flags)?;
        conn.pragma_update(None, "journal_mode", "WAL")
            .map_err(|e| database(path, e))?;
        // WAL + NORMAL: a crash of the process loses nothing committed; a
        // power cut may lose the last transactions but never corrupts.
        conn.pragma_update(None, "synchronous", "NORMAL")
            .map_err(|e| database(path, e))?;
        let mut conn = conn;
        migrate(&mut conn, path, found)?;
        Ok(Db {
            conn: Mutex::new(conn),
            path: path.to_path_buf(),
            read_only: false,
            _lock: None,
        })
    }

    /// Opens an existing, fully migrated database without writing to it.
    pub(crate) fn open_read_only(path: &Path) -> Result<Db, LocalError> {
        if !path.is_file() {
            return Err(LocalError::NotInitialized {
                path: path.to_path_buf(),
            });
        }
        let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let (conn, found) = connect(path, flags)?;
        if found < SCHEMA_VERSION {
            return Err(LocalError::SchemaOutdated {
                path: path.to_path_buf(),
                found,
                expected: SCHEMA_VERSION,
            });
        }
        Ok(Db {
            conn: Mutex::new(conn),
            path: path.to_path_buf(),
            read_only: true,
            _lock: None,
        })
    }

    /// Ties the directory lock to this connection's lifetime.
    pub(crate) fn hold_lock(mut self, lock: Arc<DirLock>) -> Self {
        self._lock = Some(lock);
        self
    }

    pub(crate) fn path(&self) -> &Path {
        &self.path
    }

    /// The connection. A poisoned mutex only means another thread panicked
    /// while holding it; any transaction it had open was rolled back when
    /// its `Transaction` was dropped, so the connection is still usable.
    pub(crate) fn conn(&self) -> MutexGuard<'_, Connection> {
        self.conn.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The schema version recorded in the database.
    pub(crate) fn schema_version(&self) -> Result<u32, StoreError> {
        current_version(&self.conn()).map_err(|e| sql("read the schema version", e))
    }
}

fn database(path: &Path, source: rusqlite::Error) -> LocalError {
    LocalError::Database {
        path: path.to_path_buf(),
        source,
    }
}

fn configure(conn: &Connection, path: &Path) -> Result<(), LocalError> {
    conn.busy_timeout(BUSY_TIMEOUT)
        .map_err(|e| database(path, e))?;
    conn.pragma_update(None, "foreign_keys", "ON")
        .map_err(|e| database(path, e))?;
    Ok(())
}

/// 0 for a fresh database (no `schema_migrations` table yet).
fn current_version(conn: &Connection) -> rusqlite::Result<u32> {
    let has_table: Option<i64> = conn
        .query_row(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'",
            [],
            |r| r.get(0),
        )
        .optional()?;
    if has_table.is_none() {
        return Ok(0);
    }
    let v: Option<i64> = conn.query_row("SELECT MAX(version) FROM schema_migrations", [], |r| {
        r.get(0)
    })?;
    Ok(u32::try_from(v.unwrap_or(0)).unwrap_or(u32::MAX))
}

/// Applies the pending migrations, each in its own `BEGIN IMMEDIATE`
/// transaction together with its `schema_migrations` row, so a crash leaves
/// the database at a whole version.
fn migrate(conn: &mut Connection, path: &Path, from: u32) -> Result<(), LocalError> {
    conn.execute_batch(
        "CREATE TABLE IF NOT EXISTS schema_migrations (
            version    INTEGER PRIMARY KEY NOT NULL,
            applied_at TEXT NOT NULL
        )",
    )
    .map_err(|e| database(path, e))?;
    for (i, sql_text) in MIGRATIONS.iter().enumerate().skip(from as usize) {
        let version = i as u32 + 1;
        let migration_err = |source| LocalError::Migration {
            path: path.to_path_buf(),
            version,
            source,
        };
        let tx = conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(migration_err)?;
        // Re-check under the write lock: another process may have migrated
        // between our read and this transaction.
        if current_version(&tx).map_err(migration_err)? >= version {
            continue;
        }
        tx.execute_batch(sql_text).map_err(migration_err)?;
        tx.execute(
            "INSERT INTO schema_migrations (version, applied_at) VALUES (?1, ?2)",
            rusqlite::params![version, ts(&Utc::now())],
        )
        .map_err(migration_err)?;
        tx.commit().map_err(migration_err)?;
        tracing::info!(db = %path.display(), version, "database migrated");
    }
    Ok(())
}

// ---------------------------------------------------------------- helpers

/// Fixed-width RFC 3339 UTC text: lexical order is time order (for years
/// 0000–9999).
pub(crate) fn ts(t: &DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Nanos, true)
}

pub(crate) fn parse_ts(
    entity: &'static str,
    id: &str,
    text: &str,
) -> Result<DateTime<Utc>, StoreError> {
    DateTime::parse_from_rfc3339(text)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|e| StoreError::corrupt(entity, id, e))
}

/// Maps a SQLite failure: a lock held too long is transient
/// (`Unavailable`); anything else is a `Backend` failure.
pub(crate) fn sql(action: &str, e: rusqlite::Error) -> StoreError {
    match e.sqlite_error_code() {
        Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked) => StoreError::Unavailable {
            message: format!("database busy while trying to {action}"),
            source: Some(Box::new(e)),
        },
        Some(ErrorCode::ReadOnly) => StoreError::backend(
            format!("cannot {action}: the data directory was opened read-only"),
            e,
        ),
        _ => StoreError::backend(format!("cannot {action}"), e),
    }
}

pub(crate) fn is_unique_violation(e: &rusqlite::Error) -> bool {
    matches!(
        e,
        rusqlite::Error::SqliteFailure(f, _)
            if f.code == ErrorCode::ConstraintViolation
                && (f.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_PRIMARYKEY
                    || f.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_UNIQUE)
    )
}

/// Serialises a record, and checks it reads back: a value serde_json writes
/// but cannot read (a NaN becomes `null`) would otherwise be stored and
/// surface later as a corrupt record.
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

pub(crate) fn decode<T: DeserializeOwned>(
    entity: &'static str,
    id: &str,
    doc: &str,
) -> Result<T, StoreError> {
    serde_json::from_str(doc).map_err(|e| StoreError::corrupt(entity, id, e))
}

/// `u64` record versions are stored as SQLite `INTEGER` (i64).
pub(crate) fn version_to_sql(entity: &'static str, id: &str, v: u64) -> Result<i64, StoreError> {
    i64::try_from(v)
        .map_err(|e| StoreError::backend(format!("{entity} {id}: version {v} out of range"), e))
}

/// SQL `LIMIT` from a `usize`.
pub(crate) fn limit(n: usize) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

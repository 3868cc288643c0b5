//! Local backend: the store ports of `noktvrn-pipeline` on a data directory,
//! so the CLI runs the same pipeline stages as the cloud without any
//! service.
//!
//! # Layout of a data directory
//!
//! ```text
//! <root>/
//!   .lock           advisory lock held by the one writing process
//!   noktvrn.db      SQLite (WAL): artists, evolution log, runs, approvals,
//!                   releases, trends, release queue + dead letters
//!   assets/         the asset store: key `a/b/c.ext` → `assets/a/b/c.ext`
//!   deploy-ready/   what the `local` distributor delivered, per release
//! ```
//!
//! # Key decisions
//!
//! - **One database file** ([`db`]). Everything but the blobs lives in one
//!   SQLite file, so a batch's writes are crash-safe (WAL) and a backup is a
//!   copy of one file plus `assets/`. The schema is versioned
//!   (`schema_migrations`, an append-only list of SQL migrations, each
//!   applied in a transaction); a database written by a newer noktvrn is
//!   refused rather than guessed at.
//! - **JSON documents + indexed columns** ([`stores`]). Each record is stored
//!   whole as its serde JSON document, next to the few columns queries filter
//!   and sort on and the `version` column the conditional updates test
//!   (`UPDATE … WHERE id = ? AND version = ?`). Domain types can grow fields
//!   without a migration; a document that does not parse is reported as
//!   `StoreError::Corrupt` naming the record.
//! - **Atomic asset writes** ([`assets`]): temp file in the same directory,
//!   fsync, rename. Readers never see half a file.
//! - **The lock** ([`LocalBackend::open`]): an exclusive advisory lock on
//!   `<root>/.lock` (`flock`/`LockFileEx` via `std::fs::File::try_lock`)
//!   for as long as the backend *or any adapter it handed out* is alive, so
//!   two batches can never interleave their writes. Read-only commands use
//!   [`LocalBackend::open_read_only`], which takes no lock and migrates
//!   nothing (SQLite's WAL lets them read while a batch writes).
//! - **One connection behind a mutex**: the async port methods run their
//!   short SQLite statements inline; see [`db`].
//! - **User data is never deleted**: opening never removes, truncates or
//!   recreates an existing database; a file that is not a database is an
//!   error naming it.

pub mod assets;
pub mod db;
pub mod distributor;
pub mod queue;
pub mod stores;

use std::fs::{self, File};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use noktvrn_pipeline::ports::{
    ArtistStore, AssetStore, Clock, Distributor, ReleaseQueue, ReleaseStore, RunStore, SystemClock,
    TrendStore,
};

pub use assets::FsAssetStore;
pub use db::{DB_FILE, SCHEMA_VERSION};
pub use distributor::LocalDistributor;
pub use queue::{DEFAULT_MAX_RECEIVES, SqliteQueue};
pub use stores::{SqliteArtistStore, SqliteReleaseStore, SqliteRunStore, SqliteTrendStore};

use db::Db;

/// Name of the lock file inside the data directory.
pub const LOCK_FILE: &str = ".lock";
/// Folder of the asset store inside the data directory.
pub const ASSETS_DIR: &str = "assets";
/// Folder the local distributor delivers to.
pub const DEPLOY_DIR: &str = "deploy-ready";

/// Failures opening a data directory. Store operations fail with
/// `noktvrn_pipeline::StoreError` instead.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum LocalError {
    /// The directory (or a file in it) cannot be created, opened or written.
    #[error("{action} {path}: {source}")]
    Io {
        action: &'static str,
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    /// Another process (or another `LocalBackend` in this one) holds the
    /// directory lock.
    #[error(
        "data directory is in use by another noktvrn process (lock held on {path}); \
         wait for it to finish or use a read-only command"
    )]
    Locked { path: PathBuf },
    /// The database cannot be opened or read (not a SQLite file, damaged,
    /// unreadable). The file is left untouched.
    #[error("cannot open database {path}: {source}")]
    Database {
        path: PathBuf,
        #[source]
        source: rusqlite::Error,
    },
    /// The database was written by a newer noktvrn.
    #[error(
        "database {path} has schema version {found}, newer than this noktvrn supports ({supported}); \
         upgrade noktvrn"
    )]
    SchemaTooNew {
        path: PathBuf,
        found: u32,
        supported: u32,
    },
    /// Read-only open of a database an older noktvrn wrote (it needs a
    /// migration, which only a writing open performs).
    #[error(
        "database {path} has schema version {found}, this noktvrn expects {expected}; \
         run a command that writes (it migrates the database) first"
    )]
    SchemaOutdated {
        path: PathBuf,
        found: u32,
        expected: u32,
    },
    /// A migration failed; it was rolled back and the database is at the
    /// previous version.
    #[error("migrating database {path} to schema version {version} failed: {source}")]
    Migration {
        path: PathBuf,
        version: u32,
        #[source]
        source: rusqlite::Error,
    },
    /// Read-only open of a directory without a database.
    #[error("no noktvrn database at {path}")]
    NotInitialized { path: PathBuf },
}

/// The exclusive lock on `<root>/.lock`, released when the last holder is
/// dropped (closing the file releases the advisory lock).
#[derive(Debug)]
pub struct DirLock {
    _file: File,
    path: PathBuf,
}

impl DirLock {
    fn acquire(path: &Path) -> Result<DirLock, LocalError> {
        let io_err = |action, source| LocalError::Io {
            action,
            path: path.to_path_buf(),
            source,
        };
        // No truncate before the lock is ours: the holder's PID stays readable.
        let mut file = fs::OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(path)
            .map_err(|e| io_err("cannot create lock file", e))?;
        match file.try_lock() {
            Ok(()) => {}
            Err(fs::TryLockError::WouldBlock) => {
                return Err(LocalError::Locked {
                    path: path.to_path_buf(),
                });
            }
            Err(fs::TryLockError::Error(e)) => return Err(io_err("cannot lock", e)),
        }
        // Diagnostics only: who holds the lock.
        if file.set_len(0).is_ok() {
            let _ = writeln!(file, "{}", std::process::id());
        }
        Ok(DirLock {
            _file: file,
            path: path.to_path_buf(),
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }
}

/// Options of [`LocalBackend::open_with`].
#[derive(Clone)]
pub struct LocalOptions {
    /// Time and ids for the queue (visibility timeouts, message ids,
    /// receipts).
    pub clock: Arc<dyn Clock>,
    /// Deliveries before a release message is dead-lettered.
    pub max_receives: u32,
}

impl Default for LocalOptions {
    fn default() -> Self {
        Self {
            clock: Arc::new(SystemClock),
            max_receives: DEFAULT_MAX_RECEIVES,
        }
    }
}

impl std::fmt::Debug for LocalOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LocalOptions")
            .field("max_receives", &self.max_receives)
            .finish_non_exhaustive()
    }
}

/// An open data directory and its adapters.
///
/// The adapters share one SQLite connection and the directory lock: the
/// lock is released when this value *and* every adapter `Arc` obtained from
/// it have been dropped.
#[derive(Debug)]
pub struct LocalBackend {
    root: PathBuf,
    read_only: bool,
    db: Arc<Db>,
    artists: Arc<SqliteArtistStore>,
    runs: Arc<SqliteRunStore>,
    releases: Arc<SqliteReleaseStore>,
    trends: Arc<SqliteTrendStore>,
    assets: Arc<FsAssetStore>,
    queue: Arc<SqliteQueue>,
    distributor: Arc<LocalDistributor>,
}

fn create_dir(path: &Path) -> Result<(), LocalError> {
    fs::create_dir_all(path).map_err(|source| LocalError::Io {
        action: "cannot create data directory",
        path: path.to_path_buf(),
        source,
    })
}

impl LocalBackend {
    /// Opens (creating if needed) the data directory `root` for writing,
    /// with the system clock and [`DEFAULT_MAX_RECEIVES`].
    pub fn open(root: &Path) -> Result<LocalBackend, LocalError> {
        Self::open_with(root, LocalOptions::default())
    }

    /// [`open`](Self::open) with an injected clock and queue settings.
    ///
    /// Creates `root`, `assets/` and `deploy-ready/` if missing, takes the
    /// directory lock ([`LocalError::Locked`] if held), then opens and
    /// migrates `noktvrn.db`.
    pub fn open_with(root: &Path, options: LocalOptions) -> Result<LocalBackend, LocalError> {
        create_dir(root)?;
        let root = fs::canonicalize(root).map_err(|source| LocalError::Io {
            action: "cannot resolve data directory",
            path: root.to_path_buf(),
            source,
        })?;
        let lock = Arc::new(DirLock::acquire(&root.join(LOCK_FILE))?);
        create_dir(&root.join(ASSETS_DIR))?;
        create_dir(&root.join(DEPLOY_DIR))?;
        // the lock is ours, so no write is in progress: temp files are
        // what a killed process left
        for dir in [ASSETS_DIR, DEPLOY_DIR] {
            let path = root.join(dir);
            match assets::sweep_temp_files(&path) {
                Ok(0) => {}
                Ok(n) => {
                    tracing::warn!(dir = %path.display(), files = n, "removed temp files of unfinished writes")
                }
                Err(source) => {
                    return Err(LocalError::Io {
                        action: "cannot sweep temp files in",
                        path,
                        source,
                    });
                }
            }
        }
        let db = Arc::new(Db::open(&root.join(DB_FILE))?.hold_lock(lock.clone()));
        tracing::debug!(root = %root.display(), "data directory opened");
        Ok(Self::assemble(root, false, db, Some(lock), options))
    }

    /// Opens an existing data directory for reading only (`list`, `show`
    /// while a batch runs): no lock, no migration, no directory creation.
    /// Writes through its adapters fail with `StoreError::Backend`.
    pub fn open_read_only(root: &Path) -> Result<LocalBackend, LocalError> {
        let root = fs::canonicalize(root).map_err(|source| LocalError::Io {
            action: "cannot open data directory",
            path: root.to_path_buf(),
            source,
        })?;
        let db = Arc::new(Db::open_read_only(&root.join(DB_FILE))?);
        Ok(Self::assemble(
            root,
            true,
            db,
            None,
            LocalOptions::default(),
        ))
    }

    fn assemble(
        root: PathBuf,
        read_only: bool,
        db: Arc<Db>,
        lock: Option<Arc<DirLock>>,
        options: LocalOptions,
    ) -> LocalBackend {
        let mut assets = FsAssetStore::new(root.join(ASSETS_DIR)).with_lock(lock.clone());
        if read_only {
            assets = assets.read_only();
        }
        LocalBackend {
            artists: Arc::new(SqliteArtistStore::new(db.clone())),
            runs: Arc::new(SqliteRunStore::new(db.clone())),
            releases: Arc::new(SqliteReleaseStore::new(db.clone())),
            trends: Arc::new(SqliteTrendStore::new(db.clone())),
            queue: Arc::new(SqliteQueue::new(
                db.clone(),
                options.clock,
                options.max_receives,
            )),
            assets: Arc::new(assets),
            distributor: Arc::new(LocalDistributor::new(root.join(DEPLOY_DIR)).with_lock(lock)),
            root,
            read_only,
            db,
        }
    }

    /// The data directory (absolute).
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// `<root>/noktvrn.db`.
    pub fn db_path(&self) -> &Path {
        self.db.path()
    }

    pub fn is_read_only(&self) -> bool {
        self.read_only
    }

    /// The schema version of the open database.
    pub fn schema_version(&self) -> Result<u32, noktvrn_pipeline::StoreError> {
        self.db.schema_version()
    }

    // The accessors return the port trait objects, so callers use the port
    // methods without importing the traits; the `local_*` accessors give the
    // concrete adapters for their extra methods.

    pub fn artists(&self) -> Arc<dyn ArtistStore> {
        self.artists.clone()
    }

    pub fn runs(&self) -> Arc<dyn RunStore> {
        self.runs.clone()
    }

    pub fn releases(&self) -> Arc<dyn ReleaseStore> {
        self.releases.clone()
    }

    pub fn trends(&self) -> Arc<dyn TrendStore> {
        self.trends.clone()
    }

    pub fn assets(&self) -> Arc<dyn AssetStore> {
        self.assets.clone()
    }

    pub fn queue(&self) -> Arc<dyn ReleaseQueue> {
        self.queue.clone()
    }

    pub fn distributor(&self) -> Arc<dyn Distributor> {
        self.distributor.clone()
    }

    /// The asset store as its concrete type (`dir`, `path_for`).
    pub fn local_assets(&self) -> Arc<FsAssetStore> {
        self.assets.clone()
    }

    /// The queue as its concrete type (`depth`, `max_receives`).
    pub fn local_queue(&self) -> Arc<SqliteQueue> {
        self.queue.clone()
    }

    /// The distributor as its concrete type (`dir`, `release_dir`).
    pub fn local_distributor(&self) -> Arc<LocalDistributor> {
        self.distributor.clone()
    }
}

#[cfg(test)]
mod tests;

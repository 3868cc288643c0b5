//! `LocalDistributor`: the `local` platform. "Publishing" a release copies
//! its packaged files to `<root>/deploy-ready/{release_id}/`, a folder a
//! person can upload by hand or a sync job can pick up.
//!
//! - Every file is checked against the manifest (size and sha256) before it
//!   is written, and what was written is read back and checked again before
//!   it is renamed into place (atomic per file).
//! - The manifest itself is written last as `manifest.json` (pretty JSON,
//!   as the package stage writes it): a folder with a manifest is complete.
//! - Idempotent: files already present with the manifest's hash are not
//!   rewritten, so a redelivered queue message costs a few hashes and
//!   changes nothing.
//! - An asset that is missing or does not match its manifest entry is a
//!   permanent `ProviderError` (`NotFound` / `Rejected`); I/O failures are
//!   `Unavailable` (retryable).

use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use async_trait::async_trait;
use sha2::{Digest, Sha256};

use noktvrn_domain::release::{Manifest, ManifestEntry, ReleaseRecord, keys};
use noktvrn_pipeline::ports::{AssetStore, DeliveryReceipt, Distributor};
use noktvrn_pipeline::{ProviderError, StoreError};

use crate::DirLock;
use crate::assets::{validate_key, write_atomic_checked};

/// The manifest written into each delivered folder, after every file.
pub const MANIFEST_FILE: &str = "manifest.json";

/// The platform name of the local distributor.
pub const PLATFORM: &str = "local";

#[derive(Debug, Clone)]
pub struct LocalDistributor {
    dir: PathBuf,
    _lock: Option<Arc<DirLock>>,
}

fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

fn unavailable(message: String, e: io::Error) -> ProviderError {
    ProviderError::Unavailable {
        provider: PLATFORM.into(),
        message,
        source: Some(Box::new(e)),
    }
}

fn rejected(message: String) -> ProviderError {
    ProviderError::Rejected {
        provider: PLATFORM.into(),
        message,
    }
}

/// Whether `path` already holds exactly the entry's content.
fn matches_entry(path: &Path, entry: &ManifestEntry) -> Result<bool, ProviderError> {
    match fs::metadata(path) {
        Ok(m) if m.is_file() && m.len() == entry.size => {}
        Ok(_) => return Ok(false),
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(false),
        Err(e) => return Err(unavailable(format!("cannot stat {}", path.display()), e)),
    }
    let bytes =
        fs::read(path).map_err(|e| unavailable(format!("cannot read {}", path.display()), e))?;
    Ok(sha256_hex(&bytes).eq_ignore_ascii_case(&entry.sha256))
}

/// Writes `bytes` to `target` atomically, reading the temp file back and
/// checking its hash before it is renamed into place.
fn write_verified(target: &Path, bytes: &[u8], sha256: &str) -> Result<(), ProviderError> {
    write_atomic_checked(target, bytes, |tmp| {
        let got = sha256_hex(&fs::read(tmp)?);
        if got.eq_ignore_ascii_case(sha256) {
            Ok(())
        } else {
            Err(io::Error::new(
                io::ErrorKind::InvalidData,
                format!("read back with sha256 {got}, expected {sha256}"),
            ))
        }
    })
    .map_err(|e| unavailable(format!("cannot write {}", target.display()), e))
}

impl LocalDistributor {
    /// A distributor writing under `dir` (`<root>/deploy-ready`).
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        Self {
            dir: dir.into(),
            _lock: None,
        }
    }

    pub(crate) fn with_lock(mut self, lock: Option<Arc<DirLock>>) -> Self {
        self._lock = lock;
        self
    }

    /// `<root>/deploy-ready`.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The folder a release is delivered to.
    pub fn release_dir(&self, release_id: &str) -> Result<PathBuf, ProviderError> {
        if release_id.contains('/') || validate_key(release_id).is_err() {
            return Err(rejected(format!("unsafe release id {release_id:?}")));
        }
        Ok(self.dir.join(release_id))
    }

    fn target(&self, folder: &Path, entry: &ManifestEntry) -> Result<PathBuf, ProviderError> {
        validate_key(&entry.path).map_err(|e| rejected(format!("manifest path: {e}")))?;
        let mut p = folder.to_path_buf();
        p.extend(entry.path.split('/'));
        Ok(p)
    }
}

#[async_trait]
impl Distributor for LocalDistributor {
    fn platform(&self) -> &str {
        PLATFORM
    }

    async fn deliver(
        &self,
        release: &ReleaseRecord,
        manifest: &Manifest,
        assets: &dyn AssetStore,
    ) -> Result<DeliveryReceipt, ProviderError> {
        if manifest.release_id != release.release_id {
            return Err(rejected(format!(
                "manifest is for release {}, not {}",
                manifest.release_id, release.release_id
            )));
        }
        if manifest.files.iter().any(|f| f.path == MANIFEST_FILE) {
            return Err(rejected(format!(
                "the manifest lists {MANIFEST_FILE} itself"
            )));
        }
        let folder = self.release_dir(release.release_id.as_str())?;
        let location = folder.to_string_lossy().into_owned();
        fs::create_dir_all(&folder)
            .map_err(|e| unavailable(format!("cannot create {}", folder.display()), e))?;
        let mut written = 0usize;
        for entry in &manifest.files {
            let target = self.target(&folder, entry)?;
            if matches_entry(&target, entry)? {
                continue;
            }
            let key = keys::release_file(&release.release_id, &entry.path);
            let bytes = assets.get(&key).await.map_err(|e| match e {
                StoreError::NotFound { .. } => ProviderError::NotFound {
                    provider: PLATFORM.into(),
                    what: format!("asset {key}"),
                },
                other => ProviderError::Unavailable {
                    provider: PLATFORM.into(),
                    message: format!("cannot read asset {key}"),
                    source: Some(Box::new(other)),
                },
            })?;
            let got = sha256_hex(&bytes);
            if bytes.len() as u64 != entry.size || !got.eq_ignore_ascii_case(&entry.sha256) {
                return Err(rejected(format!(
                    "asset {key} does not match the manifest (size {} / sha256 {got}, expected size {} / sha256 {})",
                    bytes.len(),
                    entry.size,
                    entry.sha256
                )));
            }
            write_verified(&target, &bytes, &entry.sha256)?;
            written += 1;
        }
        // Last, as in the package: a folder with a manifest is complete.
        let manifest_bytes = serde_json::to_vec_pretty(manifest)
            .map_err(|e| rejected(format!("cannot serialise the manifest: {e}")))?;
        let manifest_path = folder.join(MANIFEST_FILE);
        let current = match fs::read(&manifest_path) {
            Ok(b) => Some(b),
            Err(e) if e.kind() == io::ErrorKind::NotFound => None,
            Err(e) => {
                return Err(unavailable(
                    format!("cannot read {}", manifest_path.display()),
                    e,
                ));
            }
        };
        if current.as_deref() != Some(manifest_bytes.as_slice()) {
            write_verified(
                &manifest_path,
                &manifest_bytes,
                &sha256_hex(&manifest_bytes),
            )?;
            written += 1;
        }
        if written == 0 {
            tracing::info!(release_id = %release.release_id, %location, "already deployed; nothing written");
        } else {
            tracing::info!(release_id = %release.release_id, %location, files = written, "release deployed");
        }
        Ok(DeliveryReceipt {
            external_id: None,
            location,
        })
    }
}

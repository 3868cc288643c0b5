//! The asset store on the filesystem: key `a/b/c.ext` is the file
//! `<root>/assets/a/b/c.ext`, so the folder can be browsed and played
//! directly.
//!
//! - **Atomic `put`**: the bytes go to a temp file in the target's directory
//!   (`.noktvrn-tmp-<ulid>-<name>`), are fsynced, and the temp file is
//!   renamed over the target (then the directory is fsynced). Readers see
//!   the old file or the whole new one, never a part. Temp files left by a
//!   crash are ignored by `list`/`head` and removed when the data directory
//!   is next opened for writing (under its exclusive lock).
//! - **`delete`** also removes the folders it leaves empty, so a removed
//!   package leaves no empty `releases/{id}/` behind (S3 has no folders).
//! - **Key validation**: keys are relative `/`-separated paths; absolute
//!   keys, `..` or `.` segments, empty segments (`a//b`, trailing `/`),
//!   backslashes, NUL and the temp-file prefix are rejected with
//!   `StoreError::Backend`, so a key can never name a file outside `assets/`.
//! - **Content type**: not stored. `head`/`list` infer it from the file
//!   extension ([`content_type_for`]), which is how every key the pipeline
//!   writes is named (`.wav`, `.mp3`, `.png`, `.json`, `.mp4`…). This keeps
//!   the folder sidecar-free and `put` a single atomic rename; the cost is
//!   that a type given to `put` that disagrees with the extension is not
//!   remembered.
//! - The ports are async but the file I/O is done inline (the files are
//!   local and small: a track is a few MB).

use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use ulid::Ulid;

use noktvrn_pipeline::StoreError;
use noktvrn_pipeline::ports::{AssetInfo, AssetStore};

use crate::DirLock;

/// Prefix of the temp files an in-progress `put` writes.
pub(crate) const TMP_PREFIX: &str = ".noktvrn-tmp-";

/// The MIME type the local store reports for a key, from its extension.
pub fn content_type_for(key: &str) -> &'static str {
    let name = key.rsplit('/').next().unwrap_or(key);
    let ext = match name.rsplit_once('.') {
        Some((_, ext)) => ext.to_ascii_lowercase(),
        None => return "application/octet-stream",
    };
    match ext.as_str() {
        "wav" => "audio/wav",
        "mp3" => "audio/mpeg",
        "flac" => "audio/flac",
        "ogg" | "oga" => "audio/ogg",
        "m4a" | "aac" => "audio/mp4",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "webp" => "image/webp",
        "gif" => "image/gif",
        "svg" => "image/svg+xml",
        "json" => "application/json",
        "mp4" | "m4v" => "video/mp4",
        "webm" => "video/webm",
        "mov" => "video/quicktime",
        "txt" | "log" => "text/plain",
        "md" => "text/markdown",
        "csv" => "text/csv",
        "html" | "htm" => "text/html",
        "xml" => "application/xml",
        "pdf" => "application/pdf",
        "zip" => "application/zip",
        _ => "application/octet-stream",
    }
}

fn invalid_key(key: &str, why: &str) -> StoreError {
    StoreError::Backend {
        message: format!("invalid asset key {key:?}: {why}"),
        source: None,
    }
}

/// Checks that `key` is a safe relative path (see the module docs).
pub fn validate_key(key: &str) -> Result<(), StoreError> {
    if key.is_empty() {
        return Err(invalid_key(key, "empty"));
    }
    if key.starts_with('/') || Path::new(key).is_absolute() {
        return Err(invalid_key(key, "must be relative"));
    }
    if key.contains('\\') {
        return Err(invalid_key(key, "backslashes are not allowed"));
    }
    if key.contains('\0') {
        return Err(invalid_key(key, "NUL is not allowed"));
    }
    for segment in key.split('/') {
        match segment {
            "" => return Err(invalid_key(key, "empty path segment")),
            "." | ".." => return Err(invalid_key(key, "'.' and '..' segments are not allowed")),
            s if s.starts_with(TMP_PREFIX) => {
                return Err(invalid_key(key, "reserved temp-file prefix"));
            }
            _ => {}
        }
    }
    Ok(())
}

fn io_err(action: &str, path: &Path, e: io::Error) -> StoreError {
    StoreError::backend(format!("cannot {action} {}", path.display()), e)
}

/// Percent-encodes a path for a `file://` URL (RFC 3986 unreserved
/// characters and `/` are kept).
fn file_url(path: &Path) -> String {
    let text = path.to_string_lossy().replace('\\', "/");
    let mut out = String::from("file://");
    if !text.starts_with('/') {
        out.push('/'); // Windows: file:///C:/...
    }
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~' | b'/' | b':') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Writes `bytes` to `target` atomically: temp file in the same directory,
/// fsync, rename, fsync of the directory. The temp file is removed if any
/// step fails.
pub(crate) fn write_atomic(target: &Path, bytes: &[u8]) -> io::Result<()> {
    write_atomic_checked(target, bytes, |_| Ok(()))
}

/// [`write_atomic`] with a `check` of the finished temp file before it is
/// renamed into place (the distributor reads it back and verifies its hash).
pub(crate) fn write_atomic_checked(
    target: &Path,
    bytes: &[u8],
    check: impl FnOnce(&Path) -> io::Result<()>,
) -> io::Result<()> {
    let dir = target.parent().ok_or_else(|| {
        io::Error::new(
            io::ErrorKind::InvalidInput,
            "target has no parent directory",
        )
    })?;
    fs::create_dir_all(dir)?;
    let name = target
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = dir.join(format!("{TMP_PREFIX}{}-{name}", Ulid::new()));
    let result = (|| {
        let create = || {
            fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .open(&tmp)
        };
        let mut f = match create() {
            // a `delete` pruning the (then empty) folder got in between
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                fs::create_dir_all(dir)?;
                create()?
            }
            other => other?,
        };
        f.write_all(bytes)?;
        f.sync_all()?;
        drop(f);
        check(&tmp)?;
        fs::rename(&tmp, target)?;
        sync_dir(dir);
        Ok(())
    })();
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    result
}

/// Removes the temp files of writes that never finished (a process killed
/// mid-`put`) under `dir`, and the folders that leaves empty; returns how
/// many files it removed. Only safe while holding the data directory's
/// exclusive lock, when no other writer can be mid-`put`.
pub(crate) fn sweep_temp_files(dir: &Path) -> io::Result<usize> {
    let entries = match fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(0),
        Err(e) => return Err(e),
    };
    let mut removed = 0;
    for entry in entries {
        let entry = entry?;
        let file_type = entry.file_type()?;
        let path = entry.path();
        if file_type.is_dir() {
            let n = sweep_temp_files(&path)?;
            if n > 0 {
                // only folders the sweep emptied; fails (kept) when not empty
                let _ = fs::remove_dir(&path);
            }
            removed += n;
        } else if entry.file_name().to_string_lossy().starts_with(TMP_PREFIX) {
            match fs::remove_file(&path) {
                Ok(()) => removed += 1,
                Err(e) if e.kind() == io::ErrorKind::NotFound => {}
                Err(e) => return Err(e),
            }
        }
    }
    Ok(removed)
}

/// Makes a rename durable. Best effort: not every platform can open a
/// directory for syncing.
fn sync_dir(dir: &Path) {
    if let Ok(d) = fs::File::open(dir) {
        let _ = d.sync_all();
    }
}

/// Assets under `<root>/assets/`.
#[derive(Debug, Clone)]
pub struct FsAssetStore {
    dir: PathBuf,
    read_only: bool,
    _lock: Option<Arc<DirLock>>,
}

impl FsAssetStore {
    /// A store over `dir` (created on the first `put`). `dir` should be
    /// absolute so that `url_for` gives absolute URLs.
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        Self {
            dir: dir.into(),
            read_only: false,
            _lock: None,
        }
    }

    pub(crate) fn with_lock(mut self, lock: Option<Arc<DirLock>>) -> Self {
        self._lock = lock;
        self
    }

    pub(crate) fn read_only(mut self) -> Self {
        self.read_only = true;
        self
    }

    /// The folder holding the assets.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The file of a (validated) key.
    pub fn path_for(&self, key: &str) -> Result<PathBuf, StoreError> {
        validate_key(key)?;
        let mut p = self.dir.clone();
        p.extend(key.split('/'));
        Ok(p)
    }

    fn check_writable(&self, key: &str) -> Result<(), StoreError> {
        if self.read_only {
            return Err(StoreError::Backend {
                message: format!(
                    "cannot write asset {key}: the data directory was opened read-only"
                ),
                source: None,
            });
        }
        Ok(())
    }

    /// Removes the folders a `delete` left empty, up to (not including) the
    /// store's root, as S3 has no folders to leave behind: a removed
    /// package leaves no empty `releases/{id}/` to look like a release.
    fn prune_empty_parents(&self, path: &Path) {
        let mut dir = path.parent();
        while let Some(d) = dir {
            if d == self.dir || !d.starts_with(&self.dir) || fs::remove_dir(d).is_err() {
                break;
            }
            dir = d.parent();
        }
    }

    fn info(key: String, size: u64) -> AssetInfo {
        let content_type = content_type_for(&key).to_string();
        AssetInfo {
            key,
            size,
            content_type,
        }
    }

    /// Collects every regular file under `dir` (key prefix `key_prefix`),
    /// skipping temp files and not following symlinked directories.
    fn walk(
        &self,
        dir: &Path,
        key_prefix: &str,
        out: &mut Vec<AssetInfo>,
    ) -> Result<(), StoreError> {
        let entries = match fs::read_dir(dir) {
            Ok(e) => e,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(()),
            Err(e) if e.kind() == io::ErrorKind::NotADirectory => return Ok(()),
            Err(e) => return Err(io_err("list", dir, e)),
        };
        for entry in entries {
            let entry = entry.map_err(|e| io_err("list", dir, e))?;
            let name = entry.file_name();
            let Some(name) = name.to_str() else {
                tracing::warn!(path = %entry.path().display(), "asset with a non-UTF-8 name ignored");
                continue;
            };
            if name.starts_with(TMP_PREFIX) {
                continue;
            }
            let key = format!("{key_prefix}{name}");
            let file_type = entry
                .file_type()
                .map_err(|e| io_err("list", &entry.path(), e))?;
            if file_type.is_dir() {
                self.walk(&entry.path(), &format!("{key}/"), out)?;
            } else {
                // regular files, and symlinks to files
                match fs::metadata(entry.path()) {
                    Ok(m) if m.is_file() => out.push(Self::info(key, m.len())),
                    Ok(_) => {}
                    Err(e) if e.kind() == io::ErrorKind::NotFound => {}
                    Err(e) => return Err(io_err("stat", &entry.path(), e)),
                }
            }
        }
        Ok(())
    }
}

#[async_trait]
impl AssetStore for FsAssetStore {
    async fn put(&self, key: &str, bytes: Vec<u8>, _content_type: &str) -> Result<(), StoreError> {
        let path = self.path_for(key)?;
        self.check_writable(key)?;
        write_atomic(&path, &bytes).map_err(|e| io_err("write asset", &path, e))
    }

    async fn get(&self, key: &str) -> Result<Vec<u8>, StoreError> {
        let path = self.path_for(key)?;
        match fs::metadata(&path) {
            Ok(m) if m.is_file() => {}
            Ok(_) => {
                return Err(StoreError::NotFound {
                    entity: "asset",
                    id: key.to_string(),
                });
            }
            Err(e)
                if matches!(
                    e.kind(),
                    io::ErrorKind::NotFound | io::ErrorKind::NotADirectory
                ) =>
            {
                return Err(StoreError::NotFound {
                    entity: "asset",
                    id: key.to_string(),
                });
            }
            Err(e) => return Err(io_err("read asset", &path, e)),
        }
        fs::read(&path).map_err(|e| match e.kind() {
            io::ErrorKind::NotFound => StoreError::NotFound {
                entity: "asset",
                id: key.to_string(),
            },
            _ => io_err("read asset", &path, e),
        })
    }

    async fn head(&self, key: &str) -> Result<Option<AssetInfo>, StoreError> {
        let path = self.path_for(key)?;
        match fs::metadata(&path) {
            Ok(m) if m.is_file() => Ok(Some(Self::info(key.to_string(), m.len()))),
            Ok(_) => Ok(None),
            Err(e)
                if matches!(
                    e.kind(),
                    io::ErrorKind::NotFound | io::ErrorKind::NotADirectory
                ) =>
            {
                Ok(None)
            }
            Err(e) => Err(io_err("stat asset", &path, e)),
        }
    }

    async fn list(&self, prefix: &str) -> Result<Vec<AssetInfo>, StoreError> {
        // Start the walk at the deepest directory the prefix names.
        let (dir_part, _) = prefix.rsplit_once('/').unwrap_or(("", prefix));
        let (start, key_prefix) = if dir_part.is_empty() {
            if prefix.starts_with('/') {
                return Err(invalid_key(prefix, "must be relative"));
            }
            (self.dir.clone(), String::new())
        } else {
            (self.path_for(dir_part)?, format!("{dir_part}/"))
        };
        let mut out = vec![];
        self.walk(&start, &key_prefix, &mut out)?;
        out.retain(|a| a.key.starts_with(prefix));
        out.sort_by(|a, b| a.key.cmp(&b.key));
        Ok(out)
    }

    async fn delete(&self, key: &str) -> Result<(), StoreError> {
        let path = self.path_for(key)?;
        self.check_writable(key)?;
        match fs::remove_file(&path) {
            Ok(()) => {
                self.prune_empty_parents(&path);
                Ok(())
            }
            Err(e)
                if matches!(
                    e.kind(),
                    io::ErrorKind::NotFound | io::ErrorKind::NotADirectory
                ) =>
            {
                Ok(())
            }
            Err(e) => Err(io_err("delete asset", &path, e)),
        }
    }

    /// A `file://` URL of the absolute path; `ttl` does not apply locally.
    async fn url_for(&self, key: &str, _ttl: Duration) -> Result<String, StoreError> {
        let path = self.path_for(key)?;
        let abs = if path.is_absolute() {
            path
        } else {
            std::path::absolute(&path).map_err(|e| io_err("resolve", &path, e))?
        };
        Ok(file_url(&abs))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_validated() {
        for ok in ["a", "a/b/c.wav", "tracks/01J/clip-1.mp3", "a/.hidden"] {
            assert!(validate_key(ok).is_ok(), "{ok}");
        }
        for bad in [
            "",
            "/etc/passwd",
            "a/../b",
            "..",
            "./a",
            "a//b",
            "a/",
            "a\\b",
            "a/\0",
            "a/.noktvrn-tmp-x",
        ] {
            let e = validate_key(bad).unwrap_err();
            assert!(matches!(e, StoreError::Backend { .. }), "{bad}");
            assert!(e.to_string().contains("invalid asset key"), "{e}");
        }
    }

    #[test]
    fn content_type_from_extension() {
        assert_eq!(content_type_for("a/b.WAV"), "audio/wav");
        assert_eq!(content_type_for("a/b.mp3"), "audio/mpeg");
        assert_eq!(content_type_for("cover.jpg"), "image/jpeg");
        assert_eq!(content_type_for("x/manifest.json"), "application/json");
        assert_eq!(content_type_for("x/noext"), "application/octet-stream");
        assert_eq!(content_type_for("x.y/noext"), "application/octet-stream");
    }

    #[test]
    fn file_urls_are_percent_encoded() {
        assert_eq!(
            file_url(Path::new("/tmp/a b/c#.wav")),
            "file:///tmp/a%20b/c%23.wav"
        );
    }
}

//! The asset store on S3 (`ASSETS_BUCKET`): key `a/b/c.ext` is the object
//! `a/b/c.ext`, the same keys as the local `assets/` folder
//! (`noktvrn_domain::release::keys`).
//!
//! - **Atomic put**: a `PutObject` replaces an object whole; readers see the
//!   old or the new object, never a part. The content type is stored with
//!   the object and returned by `head` and `list`.
//! - **Key validation**: the same rules as the local store (relative,
//!   `/`-separated, no empty / `.` / `..` segments, no backslash or NUL), so
//!   a key that works in AWS works locally and the other way round.
//! - **Listing** is `ListObjectsV2` over every page, sorted by key. S3 does
//!   not list content types, so each listed object gets a `HeadObject`
//!   (at most [`HEAD_CONCURRENCY`] at a time); the prefixes the pipeline
//!   lists (one run's track, one release package) hold a handful of objects.
//! - **`url_for`** is a presigned `GetObject` valid for the given time
//!   (clamped to S3's maximum of 7 days). It is signed with the credentials
//!   of the caller, so in Lambda it also ends when the role session ends.
//! - **Path-style addressing** is used whenever the SDK configuration has an
//!   endpoint URL (`AWS_ENDPOINT_URL`): local S3-compatible endpoints such as
//!   moto cannot serve virtual-hosted bucket names.

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use aws_config::SdkConfig;
use aws_sdk_s3::Client;
use aws_sdk_s3::operation::get_object::GetObjectError;
use aws_sdk_s3::operation::head_object::HeadObjectError;
use aws_sdk_s3::presigning::PresigningConfig;
use aws_sdk_s3::primitives::ByteStream;
use tokio::sync::Semaphore;
use tokio::task::JoinSet;

use noktvrn_pipeline::StoreError;
use noktvrn_pipeline::ports::{AssetInfo, AssetStore};

use crate::error;

/// Longest validity S3 accepts for a presigned URL (SigV4).
pub const MAX_PRESIGN: Duration = Duration::from_secs(7 * 24 * 3600);
/// `HeadObject` calls in flight at once while listing.
pub const HEAD_CONCURRENCY: usize = 8;
/// The content type reported for an object stored without one.
const DEFAULT_CONTENT_TYPE: &str = "application/octet-stream";

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
    validate_chars(key)?;
    for segment in key.split('/') {
        match segment {
            "" => return Err(invalid_key(key, "empty path segment")),
            "." | ".." => return Err(invalid_key(key, "'.' and '..' segments are not allowed")),
            _ => {}
        }
    }
    Ok(())
}

fn validate_chars(key: &str) -> Result<(), StoreError> {
    if key.starts_with('/') {
        return Err(invalid_key(key, "must be relative"));
    }
    if key.contains('\\') {
        return Err(invalid_key(key, "backslashes are not allowed"));
    }
    if key.contains('\0') {
        return Err(invalid_key(key, "NUL is not allowed"));
    }
    Ok(())
}

/// A listing prefix: empty, or a key's beginning with no `.`/`..` folder.
fn validate_prefix(prefix: &str) -> Result<(), StoreError> {
    validate_chars(prefix)?;
    let folders = match prefix.rsplit_once('/') {
        Some((folders, _)) => folders,
        None => return Ok(()),
    };
    for segment in folders.split('/') {
        if matches!(segment, "" | "." | "..") {
            return Err(invalid_key(prefix, "invalid folder in prefix"));
        }
    }
    Ok(())
}

/// An S3 client for `sdk`: path-style addressing when an endpoint URL is
/// configured (local endpoints), virtual-hosted otherwise.
pub fn s3_client(sdk: &SdkConfig) -> Client {
    let path_style = sdk.endpoint_url().is_some();
    let conf = aws_sdk_s3::config::Builder::from(sdk)
        .force_path_style(path_style)
        .build();
    Client::from_conf(conf)
}

/// [`AssetStore`] on one S3 bucket.
#[derive(Debug, Clone)]
pub struct S3AssetStore {
    client: Client,
    bucket: Arc<str>,
    list_page_size: Option<i32>,
}

impl S3AssetStore {
    /// A store on `bucket` with its own S3 client built by [`s3_client`].
    pub fn new(sdk: &SdkConfig, bucket: impl Into<String>) -> Self {
        Self::with_client(s3_client(sdk), bucket)
    }

    /// A store on `bucket` through an existing client.
    pub fn with_client(client: Client, bucket: impl Into<String>) -> Self {
        Self {
            client,
            bucket: Arc::from(bucket.into()),
            list_page_size: None,
        }
    }

    /// Lists in pages of `keys` objects instead of S3's default 1000 (tests
    /// use it to exercise pagination).
    pub fn with_list_page_size(mut self, keys: u16) -> Self {
        self.list_page_size = Some(i32::from(keys.max(1)));
        self
    }

    pub fn bucket(&self) -> &str {
        &self.bucket
    }

    pub fn client(&self) -> &Client {
        &self.client
    }
}

/// `HeadObject`: the object's size and type, `None` when absent.
async fn head_object(
    client: &Client,
    bucket: &str,
    key: &str,
) -> Result<Option<AssetInfo>, StoreError> {
    match client.head_object().bucket(bucket).key(key).send().await {
        Ok(out) => Ok(Some(AssetInfo {
            key: key.to_string(),
            size: out
                .content_length()
                .and_then(|n| u64::try_from(n).ok())
                .unwrap_or(0),
            content_type: out
                .content_type()
                .filter(|t| !t.is_empty())
                .unwrap_or(DEFAULT_CONTENT_TYPE)
                .to_string(),
        })),
        Err(e) if matches!(e.as_service_error(), Some(HeadObjectError::NotFound(_))) => Ok(None),
        Err(e) => Err(error::store(format!("stat asset {key}"), e)),
    }
}

#[async_trait]
impl AssetStore for S3AssetStore {
    #[tracing::instrument(level = "debug", skip_all, fields(bucket = %self.bucket, key, size = bytes.len(), content_type))]
    async fn put(&self, key: &str, bytes: Vec<u8>, content_type: &str) -> Result<(), StoreError> {
        validate_key(key)?;
        self.client
            .put_object()
            .bucket(&*self.bucket)
            .key(key)
            .content_type(content_type)
            .body(ByteStream::from(bytes))
            .send()
            .await
            .map_err(|e| error::store(format!("write asset {key}"), e))?;
        Ok(())
    }

    #[tracing::instrument(level = "debug", skip_all, fields(bucket = %self.bucket, key))]
    async fn get(&self, key: &str) -> Result<Vec<u8>, StoreError> {
        validate_key(key)?;
        let out = match self
            .client
            .get_object()
            .bucket(&*self.bucket)
            .key(key)
            .send()
            .await
        {
            Ok(out) => out,
            Err(e) if matches!(e.as_service_error(), Some(GetObjectError::NoSuchKey(_))) => {
                return Err(StoreError::NotFound {
                    entity: "asset",
                    id: key.to_string(),
                });
            }
            Err(e) => return Err(error::store(format!("read asset {key}"), e)),
        };
        let body = out
            .body
            .collect()
            .await
            .map_err(|e| StoreError::Unavailable {
                message: format!("read asset {key}: the download was interrupted"),
                source: Some(Box::new(e)),
            })?;
        Ok(body.into_bytes().to_vec())
    }

    #[tracing::instrument(level = "debug", skip_all, fields(bucket = %self.bucket, key))]
    async fn head(&self, key: &str) -> Result<Option<AssetInfo>, StoreError> {
        validate_key(key)?;
        head_object(&self.client, &self.bucket, key).await
    }

    #[tracing::instrument(level = "debug", skip_all, fields(bucket = %self.bucket, prefix))]
    async fn list(&self, prefix: &str) -> Result<Vec<AssetInfo>, StoreError> {
        validate_prefix(prefix)?;
        let mut pages = self
            .client
            .list_objects_v2()
            .bucket(&*self.bucket)
            .prefix(prefix)
            .set_max_keys(self.list_page_size)
            .into_paginator()
            .send();
        let mut keys = vec![];
        while let Some(page) = pages.next().await {
            let page =
                page.map_err(|e| error::store(format!("list assets under {prefix:?}"), e))?;
            keys.extend(
                page.contents()
                    .iter()
                    .filter_map(|o| o.key())
                    .map(str::to_string),
            );
        }

        let permits = Arc::new(Semaphore::new(HEAD_CONCURRENCY));
        let mut heads = JoinSet::new();
        for key in keys {
            let client = self.client.clone();
            let bucket = self.bucket.clone();
            let permits = permits.clone();
            heads.spawn(async move {
                let _permit = permits.acquire_owned().await;
                head_object(&client, &bucket, &key).await
            });
        }
        let mut out = vec![];
        while let Some(joined) = heads.join_next().await {
            let head = joined.map_err(|e| StoreError::backend("stat listed asset", e))?;
            // An object deleted between the listing and its HEAD is gone.
            if let Some(info) = head? {
                out.push(info);
            }
        }
        out.sort_by(|a, b| a.key.cmp(&b.key));
        Ok(out)
    }

    #[tracing::instrument(level = "debug", skip_all, fields(bucket = %self.bucket, key))]
    async fn delete(&self, key: &str) -> Result<(), StoreError> {
        validate_key(key)?;
        // S3 answers a delete of a missing key with success, as the port wants.
        self.client
            .delete_object()
            .bucket(&*self.bucket)
            .key(key)
            .send()
            .await
            .map_err(|e| error::store(format!("delete asset {key}"), e))?;
        Ok(())
    }

    #[tracing::instrument(level = "debug", skip_all, fields(bucket = %self.bucket, key, ttl_s = ttl.as_secs()))]
    async fn url_for(&self, key: &str, ttl: Duration) -> Result<String, StoreError> {
        validate_key(key)?;
        let ttl = if ttl > MAX_PRESIGN {
            tracing::debug!(
                requested_s = ttl.as_secs(),
                "presigned URL validity clamped to 7 days"
            );
            MAX_PRESIGN
        } else {
            ttl.max(Duration::from_secs(1))
        };
        let config = PresigningConfig::expires_in(ttl)
            .map_err(|e| StoreError::backend(format!("presign asset {key}"), e))?;
        let request = self
            .client
            .get_object()
            .bucket(&*self.bucket)
            .key(key)
            .presigned(config)
            .await
            .map_err(|e| error::store(format!("presign asset {key}"), e))?;
        Ok(request.uri().to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_follow_the_local_rules() {
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
        ] {
            let e = validate_key(bad).unwrap_err();
            assert!(e.to_string().contains("invalid asset key"), "{e}");
        }
    }

    #[test]
    fn prefixes_may_end_anywhere_but_not_escape() {
        for ok in ["", "tracks/", "tracks/r", "releases/x/cover"] {
            assert!(validate_prefix(ok).is_ok(), "{ok}");
        }
        for bad in ["../", "/abs", "a//b", "a/../b/", "./x"] {
            assert!(validate_prefix(bad).is_err(), "{bad}");
        }
    }
}

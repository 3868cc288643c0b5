use std::time::Duration;

use async_trait::async_trait;

use crate::error::StoreError;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AssetInfo {
    pub key: String,
    pub size: u64,
    pub content_type: String,
}

/// Blobs by key (S3 in AWS, `<data-dir>/assets/` locally). Keys follow
/// `noktvrn_domain::release::keys`. A `put` is atomic: readers see the old
/// object or the whole new one, never a part.
#[async_trait]
pub trait AssetStore: Send + Sync {
    async fn put(&self, key: &str, bytes: Vec<u8>, content_type: &str) -> Result<(), StoreError>;
    /// `StoreError::NotFound` when absent.
    async fn get(&self, key: &str) -> Result<Vec<u8>, StoreError>;
    async fn head(&self, key: &str) -> Result<Option<AssetInfo>, StoreError>;
    async fn exists(&self, key: &str) -> Result<bool, StoreError> {
        Ok(self.head(key).await?.is_some())
    }
    /// Every object whose key starts with `prefix`, sorted by key.
    async fn list(&self, prefix: &str) -> Result<Vec<AssetInfo>, StoreError>;
    async fn delete(&self, key: &str) -> Result<(), StoreError>;
    /// A URL a person or provider can fetch the object from for `ttl`
    /// (a presigned GET on S3, a `file://` URL locally).
    async fn url_for(&self, key: &str, ttl: Duration) -> Result<String, StoreError>;
}

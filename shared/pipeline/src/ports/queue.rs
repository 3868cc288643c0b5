use std::time::Duration;

use async_trait::async_trait;

use crate::error::StoreError;

/// One received message. `body` is the raw text so a malformed message can be
/// reported and dead-lettered rather than lost.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueueDelivery {
    pub message_id: String,
    /// Token for `ack`; valid until the visibility timeout ends.
    pub receipt: String,
    pub body: String,
    /// How many times this message has been received, this time included.
    pub receive_count: u32,
}

/// The release queue (SQS with a DLQ in AWS, a SQLite table locally).
/// At-least-once: a message not acked within its visibility timeout is
/// delivered again; after `max_receives` deliveries it moves to the
/// dead-letter queue.
#[async_trait]
pub trait ReleaseQueue: Send + Sync {
    async fn send(&self, body: &str) -> Result<String, StoreError>;
    async fn receive(
        &self,
        max: u32,
        visibility: Duration,
    ) -> Result<Vec<QueueDelivery>, StoreError>;
    async fn ack(&self, receipt: &str) -> Result<(), StoreError>;
    /// Messages that exceeded `max_receives`.
    async fn dead_letters(&self) -> Result<Vec<QueueDelivery>, StoreError>;
}

//! The release queue on SQS (`RELEASE_QUEUE_URL`) with its dead-letter
//! queue (redrive policy `maxReceiveCount` in `template.yaml`):
//!
//! - `send` is `SendMessage`; the id returned is SQS's message id.
//! - `receive(max, visibility)` is `ReceiveMessage` with that visibility
//!   timeout (whole seconds, rounded up, at most 12 h) and the
//!   `ApproximateReceiveCount` system attribute, repeated in batches of 10
//!   until `max` messages or an incomplete batch. It does not long-poll by
//!   default ([`SqsReleaseQueue::with_wait_time`] turns it on); in AWS the
//!   upload function is fed by the Lambda event source mapping instead.
//! - `ack` is `DeleteMessage` with the receipt handle. A receipt SQS no
//!   longer accepts (`ReceiptHandleIsInvalid`) is ignored like the local
//!   queue ignores a stale receipt; the message is then redelivered.
//! - Dead-lettering is SQS's: after `maxReceiveCount` receives the next
//!   receive moves the message to the DLQ.
//! - `dead_letters` *peeks* the DLQ: `ReceiveMessage` with visibility
//!   timeout 0, repeated until a batch brings no message not already seen,
//!   so nothing is hidden from the next reader. A peek is a receive, so SQS
//!   counts it; the `receive_count` reported leaves that peek out (it is
//!   the count the message had when it was dead-lettered, as in the local
//!   queue), and `receipt` is empty (a DLQ receipt cannot ack a release
//!   message). SQS samples servers on short polls, so a peek is a view of
//!   the DLQ, not an exact inventory; [`SqsReleaseQueue::dead_letter_depth`]
//!   gives SQS's approximate count.
//! - The DLQ is `RELEASE_DLQ_URL` when set, else found from the release
//!   queue's `RedrivePolicy` (its `deadLetterTargetArn`) at first use.

use std::collections::HashSet;
use std::time::Duration;

use async_trait::async_trait;
use aws_sdk_sqs::Client;
use aws_sdk_sqs::operation::delete_message::DeleteMessageError;
use aws_sdk_sqs::types::{MessageSystemAttributeName, QueueAttributeName};
use tokio::sync::OnceCell;

use noktvrn_pipeline::StoreError;
use noktvrn_pipeline::ports::{QueueDelivery, ReleaseQueue};

use crate::error;

/// Most messages one `ReceiveMessage` returns.
const SQS_BATCH: u32 = 10;
/// Longest visibility timeout SQS accepts.
const MAX_VISIBILITY_S: u64 = 12 * 3600;
/// Longest long-poll wait SQS accepts.
const MAX_WAIT_S: u64 = 20;
/// Upper bound on the messages one `dead_letters` call returns.
pub const MAX_DEAD_LETTER_PEEK: usize = 1000;

/// [`ReleaseQueue`] on an SQS queue with a redrive policy.
#[derive(Debug)]
pub struct SqsReleaseQueue {
    client: Client,
    queue_url: String,
    dlq_url: OnceCell<Option<String>>,
    wait_time_s: i32,
}

fn whole_seconds(d: Duration, max: u64) -> i32 {
    let mut s = d.as_secs();
    if d.subsec_nanos() > 0 {
        s += 1;
    }
    i32::try_from(s.min(max)).unwrap_or(0)
}

fn receive_count(m: &aws_sdk_sqs::types::Message) -> u32 {
    m.attributes()
        .and_then(|a| a.get(&MessageSystemAttributeName::ApproximateReceiveCount))
        .and_then(|v| v.parse().ok())
        .unwrap_or(1)
}

/// The queue URL of a queue ARN (`arn:aws:sqs:{region}:{account}:{name}`):
/// `GetQueueUrl` by name and owner.
async fn url_of_arn(client: &Client, arn: &str) -> Result<String, StoreError> {
    let parts: Vec<&str> = arn.split(':').collect();
    let (Some(account), Some(name)) = (parts.get(4), parts.get(5)) else {
        return Err(StoreError::Backend {
            message: format!("dead-letter target {arn:?} is not an SQS queue ARN"),
            source: None,
        });
    };
    let out = client
        .get_queue_url()
        .queue_name(*name)
        .queue_owner_aws_account_id(*account)
        .send()
        .await
        .map_err(|e| error::store(format!("find the dead-letter queue {name}"), e))?;
    out.queue_url.ok_or_else(|| StoreError::Backend {
        message: format!("GetQueueUrl of {name} returned no URL"),
        source: None,
    })
}

impl SqsReleaseQueue {
    /// The release queue at `queue_url`; `dlq_url` as configured
    /// (`RELEASE_DLQ_URL`), or `None` to find it from the redrive policy.
    pub fn new(client: Client, queue_url: impl Into<String>, dlq_url: Option<String>) -> Self {
        let dlq_url = match dlq_url {
            Some(url) => OnceCell::new_with(Some(Some(url))),
            None => OnceCell::new(),
        };
        Self {
            client,
            queue_url: queue_url.into(),
            dlq_url,
            wait_time_s: 0,
        }
    }

    /// Long-polls each receive for up to `wait` (at most 20 s).
    pub fn with_wait_time(mut self, wait: Duration) -> Self {
        self.wait_time_s = whole_seconds(wait, MAX_WAIT_S);
        self
    }

    pub fn queue_url(&self) -> &str {
        &self.queue_url
    }

    /// The DLQ's URL, if the queue has one.
    pub async fn dead_letter_queue_url(&self) -> Result<Option<&str>, StoreError> {
        let url = self
            .dlq_url
            .get_or_try_init(|| async {
                let out = self
                    .client
                    .get_queue_attributes()
                    .queue_url(&self.queue_url)
                    .attribute_names(QueueAttributeName::RedrivePolicy)
                    .send()
                    .await
                    .map_err(|e| error::store("read the release queue's redrive policy", e))?;
                let Some(policy) = out
                    .attributes()
                    .and_then(|a| a.get(&QueueAttributeName::RedrivePolicy))
                else {
                    return Ok(None);
                };
                let policy: serde_json::Value = serde_json::from_str(policy).map_err(|e| {
                    StoreError::backend("the release queue's redrive policy is not JSON", e)
                })?;
                match policy.get("deadLetterTargetArn").and_then(|v| v.as_str()) {
                    Some(arn) => url_of_arn(&self.client, arn).await.map(Some),
                    None => Ok(None),
                }
            })
            .await?;
        Ok(url.as_deref())
    }

    /// SQS's approximate number of messages in the queue (visible and in
    /// flight).
    pub async fn depth(&self) -> Result<u64, StoreError> {
        self.approximate_depth(&self.queue_url).await
    }

    /// SQS's approximate number of dead-lettered messages (0 without a DLQ).
    pub async fn dead_letter_depth(&self) -> Result<u64, StoreError> {
        match self.dead_letter_queue_url().await? {
            Some(url) => self.approximate_depth(url).await,
            None => Ok(0),
        }
    }

    async fn approximate_depth(&self, url: &str) -> Result<u64, StoreError> {
        let out = self
            .client
            .get_queue_attributes()
            .queue_url(url)
            .attribute_names(QueueAttributeName::ApproximateNumberOfMessages)
            .attribute_names(QueueAttributeName::ApproximateNumberOfMessagesNotVisible)
            .send()
            .await
            .map_err(|e| error::store("read queue depth", e))?;
        let attr = |name: &QueueAttributeName| {
            out.attributes()
                .and_then(|a| a.get(name))
                .and_then(|v| v.parse::<u64>().ok())
                .unwrap_or(0)
        };
        Ok(attr(&QueueAttributeName::ApproximateNumberOfMessages)
            + attr(&QueueAttributeName::ApproximateNumberOfMessagesNotVisible))
    }

    /// One `ReceiveMessage` of up to 10 messages.
    async fn receive_batch(
        &self,
        url: &str,
        max: u32,
        visibility_s: i32,
        wait_s: i32,
    ) -> Result<Vec<aws_sdk_sqs::types::Message>, StoreError> {
        let out = self
            .client
            .receive_message()
            .queue_url(url)
            .max_number_of_messages(i32::try_from(max.min(SQS_BATCH)).unwrap_or(1))
            .visibility_timeout(visibility_s)
            .wait_time_seconds(wait_s)
            .message_system_attribute_names(MessageSystemAttributeName::ApproximateReceiveCount)
            .send()
            .await
            .map_err(|e| error::store("receive release messages", e))?;
        Ok(out.messages.unwrap_or_default())
    }
}

#[async_trait]
impl ReleaseQueue for SqsReleaseQueue {
    #[tracing::instrument(level = "debug", skip_all, fields(queue_url = %self.queue_url, size = body.len()))]
    async fn send(&self, body: &str) -> Result<String, StoreError> {
        let out = self
            .client
            .send_message()
            .queue_url(&self.queue_url)
            .message_body(body)
            .send()
            .await
            .map_err(|e| error::store("enqueue a release message", e))?;
        let id = out.message_id.unwrap_or_default();
        tracing::debug!(message_id = %id, "release message sent");
        Ok(id)
    }

    #[tracing::instrument(level = "debug", skip_all, fields(queue_url = %self.queue_url, max, visibility_s = visibility.as_secs()))]
    async fn receive(
        &self,
        max: u32,
        visibility: Duration,
    ) -> Result<Vec<QueueDelivery>, StoreError> {
        let visibility_s = whole_seconds(visibility, MAX_VISIBILITY_S);
        let mut out: Vec<QueueDelivery> = vec![];
        while (out.len() as u64) < u64::from(max) {
            let want = max - u32::try_from(out.len()).unwrap_or(max);
            let batch = self
                .receive_batch(&self.queue_url, want, visibility_s, self.wait_time_s)
                .await?;
            let asked = want.min(SQS_BATCH) as usize;
            let got = batch.len();
            for m in batch {
                let delivery = QueueDelivery {
                    message_id: m.message_id().unwrap_or_default().to_string(),
                    receipt: m.receipt_handle().unwrap_or_default().to_string(),
                    body: m.body().unwrap_or_default().to_string(),
                    receive_count: receive_count(&m),
                };
                tracing::debug!(message_id = %delivery.message_id, receive_count = delivery.receive_count, "release message received");
                out.push(delivery);
            }
            if got < asked {
                break;
            }
        }
        Ok(out)
    }

    #[tracing::instrument(level = "debug", skip_all, fields(queue_url = %self.queue_url))]
    async fn ack(&self, receipt: &str) -> Result<(), StoreError> {
        match self
            .client
            .delete_message()
            .queue_url(&self.queue_url)
            .receipt_handle(receipt)
            .send()
            .await
        {
            Ok(_) => Ok(()),
            Err(e)
                if matches!(
                    e.as_service_error(),
                    Some(DeleteMessageError::ReceiptHandleIsInvalid(_))
                ) || error::code(&e).is_some_and(|c| c.ends_with("ReceiptHandleIsInvalid")) =>
            {
                tracing::debug!("ack with an unknown or stale receipt ignored");
                Ok(())
            }
            Err(e) => Err(error::store("acknowledge a release message", e)),
        }
    }

    #[tracing::instrument(level = "debug", skip_all, fields(queue_url = %self.queue_url))]
    async fn dead_letters(&self) -> Result<Vec<QueueDelivery>, StoreError> {
        let Some(dlq) = self.dead_letter_queue_url().await? else {
            return Ok(vec![]);
        };
        let dlq = dlq.to_string();
        let mut seen = HashSet::new();
        let mut out = vec![];
        while out.len() < MAX_DEAD_LETTER_PEEK {
            let batch = self.receive_batch(&dlq, SQS_BATCH, 0, 0).await?;
            let mut new = 0;
            for m in batch {
                let id = m.message_id().unwrap_or_default().to_string();
                if !seen.insert(id.clone()) {
                    continue;
                }
                new += 1;
                out.push(QueueDelivery {
                    message_id: id,
                    receipt: String::new(),
                    body: m.body().unwrap_or_default().to_string(),
                    // This peek was a receive too.
                    receive_count: receive_count(&m).saturating_sub(1).max(1),
                });
            }
            if new == 0 {
                break;
            }
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn visibility_rounds_up_to_whole_seconds_and_is_capped() {
        assert_eq!(whole_seconds(Duration::from_millis(0), 60), 0);
        assert_eq!(whole_seconds(Duration::from_millis(1), 60), 1);
        assert_eq!(whole_seconds(Duration::from_millis(1500), 60), 2);
        assert_eq!(whole_seconds(Duration::from_secs(30), 60), 30);
        assert_eq!(whole_seconds(Duration::from_secs(3600), 60), 60);
    }
}

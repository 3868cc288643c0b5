//! The release queue on SQLite, with the semantics of
//! `noktvrn_pipeline::memory::MemoryQueue` (and of SQS with a redrive
//! policy):
//!
//! - messages are delivered oldest first (`seq`);
//! - a received message is invisible until `now + visibility`, then delivered
//!   again unless acked;
//! - every receive issues a fresh receipt (a ULID from the clock); `ack`
//!   deletes the message only if the receipt is the *current* one, so a
//!   consumer whose visibility ran out and whose message was redelivered
//!   cannot delete it from under the new consumer;
//! - a visible message already received `max_receives` times is moved to
//!   `queue_dead_letters` at the next receive instead of being delivered.
//!
//! Each `receive` is one `BEGIN IMMEDIATE` transaction.

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use rusqlite::{TransactionBehavior, params};

use noktvrn_pipeline::StoreError;
use noktvrn_pipeline::ports::{Clock, QueueDelivery, ReleaseQueue};

use crate::db::{Db, sql, ts};

/// SQS's default `maxReceiveCount` for our redrive policy.
pub const DEFAULT_MAX_RECEIVES: u32 = 5;

/// The latest instant stored as a visibility deadline (fixed-width text
/// needs a four-digit year).
fn far_future() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("9999-12-31T23:59:59Z")
        .map(|t| t.with_timezone(&Utc))
        .unwrap_or(DateTime::<Utc>::MAX_UTC)
}

pub struct SqliteQueue {
    db: Arc<Db>,
    clock: Arc<dyn Clock>,
    max_receives: u32,
}

impl std::fmt::Debug for SqliteQueue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqliteQueue")
            .field("db", &self.db)
            .field("max_receives", &self.max_receives)
            .finish_non_exhaustive()
    }
}

impl SqliteQueue {
    pub(crate) fn new(db: Arc<Db>, clock: Arc<dyn Clock>, max_receives: u32) -> Self {
        Self {
            db,
            clock,
            max_receives,
        }
    }

    pub fn max_receives(&self) -> u32 {
        self.max_receives
    }

    /// Messages waiting (visible or in flight), not counting dead letters.
    pub fn depth(&self) -> Result<u64, StoreError> {
        let n: i64 = self
            .db
            .conn()
            .query_row("SELECT COUNT(*) FROM queue_messages", [], |r| r.get(0))
            .map_err(|e| sql("count queued messages", e))?;
        Ok(u64::try_from(n).unwrap_or(0))
    }
}

struct Candidate {
    seq: i64,
    message_id: String,
    body: String,
    receive_count: u32,
}

#[async_trait]
impl ReleaseQueue for SqliteQueue {
    async fn send(&self, body: &str) -> Result<String, StoreError> {
        let id = self.clock.new_ulid().to_string();
        let now = self.clock.now();
        self.db
            .conn()
            .execute(
                "INSERT INTO queue_messages (message_id, body, sent_at) VALUES (?1, ?2, ?3)",
                params![id, body, ts(&now)],
            )
            .map_err(|e| sql("enqueue a release message", e))?;
        Ok(id)
    }

    async fn receive(
        &self,
        max: u32,
        visibility: Duration,
    ) -> Result<Vec<QueueDelivery>, StoreError> {
        if max == 0 {
            return Ok(vec![]);
        }
        let now = self.clock.now();
        let vis = chrono::Duration::from_std(visibility).unwrap_or(chrono::Duration::zero());
        let until = now
            .checked_add_signed(vis)
            .unwrap_or_else(far_future)
            .min(far_future());
        let now_text = ts(&now);
        let until_text = ts(&until);
        let action = "receive release messages";

        let mut conn = self.db.conn();
        let tx = conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(|e| sql(action, e))?;
        // Walk the visible messages in order until `max` are deliverable;
        // exhausted ones met on the way are dead-lettered and do not count.
        let mut deliver = vec![];
        let mut dead = vec![];
        {
            let mut stmt = tx
                .prepare_cached(
                    "SELECT seq, message_id, body, receive_count FROM queue_messages
                     WHERE invisible_until IS NULL OR invisible_until <= ?1
                     ORDER BY seq",
                )
                .map_err(|e| sql(action, e))?;
            let mut rows = stmt.query([&now_text]).map_err(|e| sql(action, e))?;
            while deliver.len() < max as usize {
                let Some(row) = rows.next().map_err(|e| sql(action, e))? else {
                    break;
                };
                let count: i64 = row.get(3).map_err(|e| sql(action, e))?;
                let c = Candidate {
                    seq: row.get(0).map_err(|e| sql(action, e))?,
                    message_id: row.get(1).map_err(|e| sql(action, e))?,
                    body: row.get(2).map_err(|e| sql(action, e))?,
                    receive_count: u32::try_from(count).unwrap_or(u32::MAX),
                };
                if c.receive_count >= self.max_receives {
                    dead.push(c);
                } else {
                    deliver.push(c);
                }
            }
        }
        for c in &dead {
            tx.execute(
                "INSERT INTO queue_dead_letters (message_id, body, sent_at, receive_count, dead_at)
                 SELECT message_id, body, sent_at, receive_count, ?2 FROM queue_messages WHERE seq = ?1",
                params![c.seq, now_text],
            )
            .map_err(|e| sql("dead-letter a release message", e))?;
            tx.execute("DELETE FROM queue_messages WHERE seq = ?1", [c.seq])
                .map_err(|e| sql("dead-letter a release message", e))?;
            tracing::warn!(
                message_id = %c.message_id,
                receive_count = c.receive_count,
                "release message dead-lettered"
            );
        }
        let mut out = Vec::with_capacity(deliver.len());
        for c in deliver {
            let receipt = self.clock.new_ulid().to_string();
            let receive_count = c.receive_count.saturating_add(1);
            tx.execute(
                "UPDATE queue_messages SET receive_count = ?2, invisible_until = ?3, receipt = ?4
                 WHERE seq = ?1",
                params![c.seq, receive_count, until_text, receipt],
            )
            .map_err(|e| sql(action, e))?;
            out.push(QueueDelivery {
                message_id: c.message_id,
                receipt,
                body: c.body,
                receive_count,
            });
        }
        tx.commit().map_err(|e| sql(action, e))?;
        Ok(out)
    }

    async fn ack(&self, receipt: &str) -> Result<(), StoreError> {
        // A stale receipt matches no row: the message stays queued.
        let n = self
            .db
            .conn()
            .execute("DELETE FROM queue_messages WHERE receipt = ?1", [receipt])
            .map_err(|e| sql("acknowledge a release message", e))?;
        if n == 0 {
            tracing::debug!(receipt, "ack with an unknown or stale receipt ignored");
        }
        Ok(())
    }

    async fn dead_letters(&self) -> Result<Vec<QueueDelivery>, StoreError> {
        let conn = self.db.conn();
        let action = "list dead-lettered release messages";
        let mut stmt = conn
            .prepare_cached(
                "SELECT message_id, body, receive_count FROM queue_dead_letters ORDER BY seq",
            )
            .map_err(|e| sql(action, e))?;
        let rows = stmt
            .query_map([], |r| {
                let count: i64 = r.get(2)?;
                Ok(QueueDelivery {
                    message_id: r.get(0)?,
                    receipt: String::new(),
                    body: r.get(1)?,
                    receive_count: u32::try_from(count).unwrap_or(u32::MAX),
                })
            })
            .map_err(|e| sql(action, e))?;
        rows.collect::<Result<Vec<_>, _>>()
            .map_err(|e| sql(action, e))
    }
}

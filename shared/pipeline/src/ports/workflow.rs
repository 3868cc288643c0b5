use async_trait::async_trait;

use crate::error::ProviderError;

/// Resumes a workflow that is waiting on a task token (Step Functions'
/// `.waitForTaskToken`). Locally there is no workflow engine: the in-process
/// runner waits on a [`crate::ports::DecisionSource`] instead and never needs
/// this port.
///
/// Implementations treat a token that is no longer waited on (already
/// answered, timed out, unknown) as [`ResumeOutcome::Gone`], not as an error:
/// a duplicate or late answer is normal under at-least-once delivery.
#[async_trait]
pub trait WorkflowCallback: Send + Sync {
    /// `SendTaskSuccess` with a JSON output.
    async fn succeed(
        &self,
        task_token: &str,
        output: &serde_json::Value,
    ) -> Result<ResumeOutcome, ProviderError>;
    /// `SendTaskFailure` with a stable error name (`Permanent.*`).
    async fn fail(
        &self,
        task_token: &str,
        error: &str,
        cause: &str,
    ) -> Result<ResumeOutcome, ProviderError>;
    /// `SendTaskHeartbeat`: the wait is still being served.
    async fn heartbeat(&self, task_token: &str) -> Result<ResumeOutcome, ProviderError>;
}

/// What answering a task token did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResumeOutcome {
    /// The waiting task received the answer.
    Delivered,
    /// Nobody waits on the token any more (answered before, timed out, or
    /// unknown): nothing changed.
    Gone,
}

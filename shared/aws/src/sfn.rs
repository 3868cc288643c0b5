//! [`WorkflowCallback`] on the Step Functions task API: the telegram webhook
//! resumes the execution waiting in `request-approval`
//! (`.waitForTaskToken`) with `SendTaskSuccess` / `SendTaskFailure`, and
//! keeps a long wait alive with `SendTaskHeartbeat`.
//!
//! A token nobody waits on any more is normal under at-least-once delivery
//! (a duplicate webhook, a decision after the approval timed out), so the
//! three "gone" answers — `TaskTimedOut`, `TaskDoesNotExist`,
//! `InvalidToken` — are [`ResumeOutcome::Gone`], not errors. Other failures
//! are classified by the crate's `error` module: throttling and outages
//! are retryable, anything else (`InvalidOutput`, access denied) is
//! `Rejected`.
//!
//! Task tokens are credentials for the waiting task: they are never logged.

use async_trait::async_trait;
use aws_config::SdkConfig;
use aws_sdk_sfn::Client;

use noktvrn_pipeline::ProviderError;
use noktvrn_pipeline::ports::{ResumeOutcome, WorkflowCallback};

use crate::error::{self, truncate};

/// Provider name in errors.
const PROVIDER: &str = "step-functions";
/// Error codes meaning the token is no longer waited on.
const GONE_CODES: &[&str] = &["TaskTimedOut", "TaskDoesNotExist", "InvalidToken"];
/// Step Functions' limits on `SendTaskFailure`.
const MAX_ERROR_LEN: usize = 256;
const MAX_CAUSE_LEN: usize = 32_768;

/// Resumes Step Functions executions waiting on a task token.
#[derive(Debug, Clone)]
pub struct SfnCallback {
    client: Client,
}

impl SfnCallback {
    pub fn new(sdk: &SdkConfig) -> Self {
        Self::with_client(Client::new(sdk))
    }

    pub fn with_client(client: Client) -> Self {
        Self { client }
    }

    pub fn client(&self) -> &Client {
        &self.client
    }
}

/// `Gone` for the "nobody waits" codes, the classified error otherwise.
fn outcome<T, E>(
    action: &'static str,
    r: Result<T, aws_sdk_sfn::error::SdkError<E, aws_sdk_sfn::config::http::HttpResponse>>,
) -> Result<ResumeOutcome, ProviderError>
where
    E: aws_sdk_sfn::error::ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
{
    match r {
        Ok(_) => {
            tracing::info!(action, "task token answered");
            Ok(ResumeOutcome::Delivered)
        }
        Err(e) => match error::code(&e) {
            Some(code) if GONE_CODES.contains(&code) => {
                tracing::info!(action, code, "task token no longer waited on");
                Ok(ResumeOutcome::Gone)
            }
            _ => Err(error::provider(PROVIDER, action, e)),
        },
    }
}

#[async_trait]
impl WorkflowCallback for SfnCallback {
    #[tracing::instrument(level = "debug", skip_all)]
    async fn succeed(
        &self,
        task_token: &str,
        output: &serde_json::Value,
    ) -> Result<ResumeOutcome, ProviderError> {
        let r = self
            .client
            .send_task_success()
            .task_token(task_token)
            .output(output.to_string())
            .send()
            .await;
        outcome("SendTaskSuccess", r)
    }

    #[tracing::instrument(level = "debug", skip_all, fields(error))]
    async fn fail(
        &self,
        task_token: &str,
        error: &str,
        cause: &str,
    ) -> Result<ResumeOutcome, ProviderError> {
        let r = self
            .client
            .send_task_failure()
            .task_token(task_token)
            .error(truncate(error, MAX_ERROR_LEN))
            .cause(truncate(cause, MAX_CAUSE_LEN))
            .send()
            .await;
        outcome("SendTaskFailure", r)
    }

    #[tracing::instrument(level = "debug", skip_all)]
    async fn heartbeat(&self, task_token: &str) -> Result<ResumeOutcome, ProviderError> {
        let r = self
            .client
            .send_task_heartbeat()
            .task_token(task_token)
            .send()
            .await;
        outcome("SendTaskHeartbeat", r)
    }
}

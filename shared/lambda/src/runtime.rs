//! The Lambda runtime glue every `main.rs` shares: JSON logs, dependencies
//! built once, and the loop that calls one handler per event.

use std::future::Future;
use std::sync::Arc;

use lambda_runtime::{LambdaEvent, service_fn};
use serde_json::Value;

use crate::deps::Deps;
use crate::error::HandlerError;

/// JSON logs with structured fields (CloudWatch Logs Insights can query
/// them); level from `RUST_LOG` or `AWS_LAMBDA_LOG_LEVEL`, default info.
pub fn init_tracing() {
    let level = std::env::var("RUST_LOG")
        .or_else(|_| std::env::var("AWS_LAMBDA_LOG_LEVEL").map(|l| l.to_lowercase()))
        .unwrap_or_else(|_| "info".into());
    let filter = tracing_subscriber::EnvFilter::try_new(&level)
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let _ = tracing_subscriber::fmt()
        .json()
        .with_env_filter(filter)
        .with_current_span(false)
        .with_target(false)
        .without_time()
        .try_init();
}

/// Builds the dependencies once (cold start) and serves events with a
/// JSON handler until the runtime stops.
pub async fn serve_json<F, Fut>(handler: F) -> Result<(), lambda_runtime::Error>
where
    F: Fn(Arc<Deps>, Value) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<Value, HandlerError>> + Send,
{
    init_tracing();
    let deps = Arc::new(Deps::from_env().await.map_err(|e| {
        tracing::error!(error = e.name, message = %e.message, "cold start failed");
        lambda_runtime::Error::from(e.to_string())
    })?);
    let handler = &handler;
    lambda_runtime::run(service_fn(move |event: LambdaEvent<Value>| {
        let deps = deps.clone();
        async move {
            let request_id = event.context.request_id.clone();
            let span = tracing::info_span!("invocation", %request_id);
            let _guard = span.enter();
            handler(deps, event.payload).await
        }
    }))
    .await
}

/// The SQS consumer loop (upload-release): partial batch failures are
/// reported, never a failed invocation for one bad message.
pub async fn serve_sqs() -> Result<(), lambda_runtime::Error> {
    use aws_lambda_events::event::sqs::{SqsBatchResponse, SqsEvent};
    init_tracing();
    let deps = Arc::new(Deps::from_env().await.map_err(|e| {
        tracing::error!(error = e.name, message = %e.message, "cold start failed");
        lambda_runtime::Error::from(e.to_string())
    })?);
    lambda_runtime::run(service_fn(move |event: LambdaEvent<SqsEvent>| {
        let deps = deps.clone();
        async move {
            Ok::<SqsBatchResponse, HandlerError>(
                crate::handlers::upload_release(&deps, event.payload).await,
            )
        }
    }))
    .await
}

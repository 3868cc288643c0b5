//! The Lambda runtime glue every `main.rs` shares: JSON logs, dependencies
//! built once, and the loop that calls one handler per event.

use std::future::Future;
use std::sync::Arc;

use lambda_runtime::{LambdaEvent, service_fn};
use serde_json::Value;

use crate::deps::Deps;
use crate::error::HandlerError;

/// JSON logs with structured fields (CloudWatch Logs Insights can query
/// them) at one level: `RUST_LOG` when it is a plain level, else
/// `AWS_LAMBDA_LOG_LEVEL` (what the function's `LoggingConfig` sets), else
/// info. (No per-module filters: that would link a regex engine into every
/// bootstrap.)
pub fn init_tracing() {
    let level = log_level(
        std::env::var("RUST_LOG").ok().as_deref(),
        std::env::var("AWS_LAMBDA_LOG_LEVEL").ok().as_deref(),
    );
    let _ = tracing_subscriber::fmt()
        .json()
        .with_max_level(level)
        .with_current_span(false)
        .with_target(false)
        .without_time()
        .try_init();
}

/// The log level from `RUST_LOG`, else the function's log level, else info.
/// Lambda's levels include TRACE…FATAL; FATAL is logged as ERROR.
pub fn log_level(
    rust_log: Option<&str>,
    lambda_level: Option<&str>,
) -> tracing_subscriber::filter::LevelFilter {
    use tracing_subscriber::filter::LevelFilter;
    let parse = |s: &str| match s.trim().to_ascii_lowercase().as_str() {
        "trace" => Some(LevelFilter::TRACE),
        "debug" => Some(LevelFilter::DEBUG),
        "info" => Some(LevelFilter::INFO),
        "warn" => Some(LevelFilter::WARN),
        "error" | "fatal" => Some(LevelFilter::ERROR),
        "off" => Some(LevelFilter::OFF),
        _ => None,
    };
    rust_log
        .and_then(parse)
        .or_else(|| lambda_level.and_then(parse))
        .unwrap_or(LevelFilter::INFO)
}

/// Builds the dependencies once (cold start), only the ports in `NEEDS`
/// ([`crate::needs`]), and serves events with a JSON handler until the
/// runtime stops.
pub async fn serve_json<const NEEDS: u32, F, Fut>(handler: F) -> Result<(), lambda_runtime::Error>
where
    F: Fn(Arc<Deps>, Value) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<Value, HandlerError>> + Send,
{
    init_tracing();
    let deps = Arc::new(cold_start::<NEEDS>().await?);
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
pub async fn serve_sqs<const NEEDS: u32>() -> Result<(), lambda_runtime::Error> {
    use aws_lambda_events::event::sqs::{SqsBatchResponse, SqsEvent};
    init_tracing();
    let deps = Arc::new(cold_start::<NEEDS>().await?);
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

/// [`Deps::from_env`] for the ports in `NEEDS`, logging a failure before
/// the runtime reports it.
pub async fn cold_start<const NEEDS: u32>() -> Result<Deps, lambda_runtime::Error> {
    Deps::from_env::<NEEDS>().await.map_err(|e| {
        tracing::error!(error = e.name, message = %e.message, "cold start failed");
        lambda_runtime::Error::from(e.to_string())
    })
}

#[cfg(test)]
mod tests {
    use super::log_level;
    use tracing_subscriber::filter::LevelFilter;

    #[test]
    fn rust_log_wins_then_the_function_log_level_then_info() {
        assert_eq!(log_level(Some("debug"), Some("ERROR")), LevelFilter::DEBUG);
        assert_eq!(log_level(None, Some("FATAL")), LevelFilter::ERROR);
        assert_eq!(log_level(None, Some("WARN")), LevelFilter::WARN);
        assert_eq!(log_level(Some("bogus"), Some("TRACE")), LevelFilter::TRACE);
        assert_eq!(log_level(Some("noktvrn=debug"), None), LevelFilter::INFO);
        assert_eq!(log_level(None, None), LevelFilter::INFO);
    }
}

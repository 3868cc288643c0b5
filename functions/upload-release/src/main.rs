//! `upload-release` Lambda: the release queue's consumer. Delivers each
//! release to the distributors idempotently and reports partial batch
//! failures, so only the failed messages are redelivered (and moved to the
//! dead-letter queue after the receive limit).
//!
//! A thin shell over `noktvrn_lambda::handlers::upload_release`.

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    noktvrn_lambda::runtime::serve_sqs::<{ noktvrn_lambda::needs::UPLOAD_RELEASE }>().await
}

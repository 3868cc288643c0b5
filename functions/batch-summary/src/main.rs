//! `batch-summary` Lambda. The batch's last step: one row per run, logged for the operator.
//!
//! A thin shell: the handler lives in `noktvrn_lambda::handlers` so the
//! workflow test runs exactly this code in-process.

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    noktvrn_lambda::runtime::serve_json::<{ noktvrn_lambda::needs::BATCH_SUMMARY }, _, _>(
        |deps, event| async move { noktvrn_lambda::handlers::batch_summary(&deps, event).await },
    )
    .await
}

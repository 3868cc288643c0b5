//! `record-outcome` Lambda. The last step of every cycle: ends the run with a caught failure or timeout, then records its outcome for the artist exactly once.
//!
//! A thin shell: the handler lives in `noktvrn_lambda::handlers` so the
//! workflow test runs exactly this code in-process.

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    noktvrn_lambda::runtime::serve_json::<{ noktvrn_lambda::needs::RECORD_OUTCOME }, _, _>(
        |deps, event| async move { noktvrn_lambda::handlers::record_outcome(&deps, event).await },
    )
    .await
}

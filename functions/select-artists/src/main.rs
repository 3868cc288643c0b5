//! `select-artists` Lambda. Starts a batch: recovers runs of executions that are gone, skips the batch when a store is unreachable, picks the due artists and creates one run each.
//!
//! A thin shell: the handler lives in `noktvrn_lambda::handlers` so the
//! workflow test runs exactly this code in-process.

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    noktvrn_lambda::runtime::serve_json::<{ noktvrn_lambda::needs::SELECT_ARTISTS }, _, _>(
        |deps, event| async move { noktvrn_lambda::handlers::select_artists(&deps, event).await },
    )
    .await
}

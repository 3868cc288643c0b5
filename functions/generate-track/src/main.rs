//! `generate-track` Lambda. Submits one run's track to the music provider; the state machine then polls (no Lambda ever sleeps).
//!
//! A thin shell: the handler lives in `noktvrn_lambda::handlers` so the
//! workflow test runs exactly this code in-process.

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    noktvrn_lambda::runtime::serve_json::<{ noktvrn_lambda::needs::GENERATE_TRACK }, _, _>(
        |deps, event| async move { noktvrn_lambda::handlers::generate_track(&deps, event).await },
    )
    .await
}

//! `poll-track` Lambda. Polls the music provider once; when the track is ready its audio is copied to S3 at once.
//!
//! A thin shell: the handler lives in `noktvrn_lambda::handlers` so the
//! workflow test runs exactly this code in-process.

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    noktvrn_lambda::runtime::serve_json::<{ noktvrn_lambda::needs::POLL_TRACK }, _, _>(
        |deps, event| async move { noktvrn_lambda::handlers::poll_track(&deps, event).await },
    )
    .await
}

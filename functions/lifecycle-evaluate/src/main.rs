//! `lifecycle-evaluate` Lambda. Scheduled: applies the lifecycle rules (pause, retire, reactivate) to every artist.
//!
//! A thin shell: the handler lives in `noktvrn_lambda::handlers` so the
//! workflow test runs exactly this code in-process.

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    noktvrn_lambda::runtime::serve_json::<{ noktvrn_lambda::needs::LIFECYCLE_EVALUATE }, _, _>(|deps, event| async move {
        noktvrn_lambda::handlers::lifecycle_evaluate(&deps, event).await
    })
    .await
}

//! `health-check` Lambda. Scheduled: probes the stores and keeps open approval waits alive with heartbeats while the system is healthy.
//!
//! A thin shell: the handler lives in `noktvrn_lambda::handlers` so the
//! workflow test runs exactly this code in-process.

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    noktvrn_lambda::runtime::serve_json::<{ noktvrn_lambda::needs::HEALTH_CHECK }, _, _>(
        |deps, event| async move { noktvrn_lambda::handlers::health_check(&deps, event).await },
    )
    .await
}

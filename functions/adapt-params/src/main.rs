//! `adapt-params` Lambda. Adapts one run's artist to the current trends (one bounded evolution step) and writes the generation parameters and prompts.
//!
//! A thin shell: the handler lives in `noktvrn_lambda::handlers` so the
//! workflow test runs exactly this code in-process.

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    noktvrn_lambda::runtime::serve_json::<{ noktvrn_lambda::needs::ADAPT_PARAMS }, _, _>(
        |deps, event| async move { noktvrn_lambda::handlers::adapt_params(&deps, event).await },
    )
    .await
}

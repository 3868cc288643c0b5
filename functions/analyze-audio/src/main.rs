//! `analyze-audio` Lambda. Analyses one run's audio (tempo, key, loudness, energy, structure) and stores the analysis beside it.
//!
//! A thin shell: the handler lives in `noktvrn_lambda::handlers` so the
//! workflow test runs exactly this code in-process.

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    noktvrn_lambda::runtime::serve_json::<{ noktvrn_lambda::needs::ANALYZE_AUDIO }, _, _>(
        |deps, event| async move { noktvrn_lambda::handlers::analyze_audio(&deps, event).await },
    )
    .await
}

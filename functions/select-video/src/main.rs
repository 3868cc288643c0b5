//! `select-video` Lambda. Chooses the video for one run from the stock sources, scored against the audio and the artist.
//!
//! A thin shell: the handler lives in `noktvrn_lambda::handlers` so the
//! workflow test runs exactly this code in-process.

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    noktvrn_lambda::runtime::serve_json::<{ noktvrn_lambda::needs::SELECT_VIDEO }, _, _>(
        |deps, event| async move { noktvrn_lambda::handlers::select_video(&deps, event).await },
    )
    .await
}

//! `request-approval` Lambda. The `.waitForTaskToken` task: stores the task token behind a short approval id and sends the Telegram preview; autopilot runs answer their own token.
//!
//! A thin shell: the handler lives in `noktvrn_lambda::handlers` so the
//! workflow test runs exactly this code in-process.

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    noktvrn_lambda::runtime::serve_json::<{ noktvrn_lambda::needs::REQUEST_APPROVAL }, _, _>(
        |deps, event| async move { noktvrn_lambda::handlers::request_approval(&deps, event).await },
    )
    .await
}

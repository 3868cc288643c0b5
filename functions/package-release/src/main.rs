//! `package-release` Lambda. Packages an approved run to S3 (assets, metadata, manifest last) and queues one release message.
//!
//! A thin shell: the handler lives in `noktvrn_lambda::handlers` so the
//! workflow test runs exactly this code in-process.

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    noktvrn_lambda::runtime::serve_json::<{ noktvrn_lambda::needs::PACKAGE_RELEASE }, _, _>(
        |deps, event| async move { noktvrn_lambda::handlers::package_release(&deps, event).await },
    )
    .await
}

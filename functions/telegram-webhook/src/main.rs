//! `telegram-webhook` Lambda (HTTP API route `POST /telegram/webhook`):
//! checks Telegram's secret header, claims the reviewer's decision with a
//! conditional write, resumes the waiting execution and answers the button
//! press in the HTTP response itself.
//!
//! A thin shell over `noktvrn_lambda::handlers::telegram_webhook`.

use std::sync::Arc;

use lambda_http::{Body, Request, Response, service_fn};

/// The header Telegram sends with the secret given to `setWebhook`.
const SECRET_HEADER: &str = "x-telegram-bot-api-secret-token";

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    noktvrn_lambda::runtime::init_tracing();
    let deps = Arc::new(
        noktvrn_lambda::runtime::cold_start::<{ noktvrn_lambda::needs::TELEGRAM_WEBHOOK }>()
            .await?,
    );
    lambda_http::run(service_fn(move |req: Request| {
        let deps = deps.clone();
        async move {
            let secret = req
                .headers()
                .get(SECRET_HEADER)
                .and_then(|v| v.to_str().ok())
                .map(str::to_string);
            let body: &[u8] = req.body().as_ref();
            let reply =
                noktvrn_lambda::handlers::telegram_webhook(&deps, secret.as_deref(), body).await;
            Response::builder()
                .status(reply.status)
                .header("content-type", "application/json")
                .body(Body::from(reply.body.to_string()))
                .map_err(lambda_http::Error::from)
        }
    }))
    .await
}

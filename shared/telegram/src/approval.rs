//! [`TelegramApproval`]: the `ApprovalChannel` that posts a preview with
//! Approve/Reject buttons to the review chat.
//!
//! Why a module of its own: it is the crate's only network I/O, and the
//! place where Bot API answers become [`ProviderError`]s that Step Functions
//! can act on (`Throttled` with Telegram's `retry_after`, `Unavailable` for
//! network failures and 5xx, `InvalidResponse`, `Rejected` for 4xx).
//!
//! # Design choice: teloxide-core types, reqwest transport
//!
//! Requests are built from teloxide-core's payload types (`SendMessage`,
//! `EditMessageText`, `InlineKeyboardMarkup`, `ParseMode`), so their JSON is
//! the library's rendering of the Bot API. They are sent with reqwest (the
//! same 0.12 line teloxide-core uses, rustls) instead of teloxide-core's
//! `Bot`, because `Bot`'s transport does not fit a Lambda:
//!
//! * on any 5xx it sleeps a hard-coded 10 s before reading the body
//!   (`DELAY_ON_SERVER_ERROR` in `teloxide-core/src/net/request.rs`), which a
//!   Lambda pays for and which makes retries the state machine's job twice;
//! * it drops the HTTP status and the `error_code`, classifying failures only
//!   by matching the `description` string: a 500 with a JSON body becomes
//!   `ApiError::Unknown`, indistinguishable from an unknown 400, and a 502
//!   from a proxy becomes `InvalidJson`, so "retryable or permanent" cannot
//!   be decided reliably.
//!
//! Here the status, `error_code` and `parameters.retry_after` are all read,
//! and no error message ever contains the request URL (it holds the token).
//!
//! No call is retried in-process: `sendMessage` has no idempotency key, so a
//! retry after a timeout could post the preview twice; the error kind tells
//! the state machine whether and when to retry.

use std::borrow::Borrow;
use std::fmt;
use std::str::FromStr;
use std::time::Duration;

use async_trait::async_trait;
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use teloxide_core::payloads::{EditMessageText, SendMessage};
use teloxide_core::types::{
    ChatId, InlineKeyboardButton, InlineKeyboardMarkup, LinkPreviewOptions, MessageId, ParseMode,
    Recipient,
};

use noktvrn_pipeline::error::ProviderError;
use noktvrn_pipeline::ports::{ApprovalChannel, ApprovalPreview};

use crate::callback::{CallbackData, Verb};
use crate::config::{ChatTarget, ConfigError, TelegramConfig};
use crate::format::preview_html;

/// The channel's name, as recorded on approval requests.
pub const CHANNEL_NAME: &str = "telegram";
/// The provider name in [`ProviderError`]s.
const PROVIDER: &str = "telegram";
/// Longest Bot API `description` quoted in an error message.
const MAX_DESCRIPTION_CHARS: usize = 200;

/// Where a sent message lives: `{chat_id}/{message_id}`, the string
/// [`ApprovalChannel::send_request`] returns and `edit_after_decision` takes.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct MessageRef {
    pub chat: ChatTarget,
    pub message_id: i32,
}

impl fmt::Display for MessageRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.chat, self.message_id)
    }
}

impl FromStr for MessageRef {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let (chat, id) = s
            .rsplit_once('/')
            .ok_or_else(|| "expected {chat_id}/{message_id}".to_string())?;
        Ok(Self {
            chat: chat.parse()?,
            message_id: id
                .parse()
                .map_err(|_| "message id is not a number".to_string())?,
        })
    }
}

/// Posts approval previews to the review chat. Build once at cold start (it
/// owns the HTTP client and its connection pool); share by reference.
pub struct TelegramApproval {
    http: reqwest::Client,
    api_url: reqwest::Url,
    token: SecretString,
    chat: ChatTarget,
}

impl fmt::Debug for TelegramApproval {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TelegramApproval")
            .field("api_url", &self.api_url.as_str())
            .field("chat", &self.chat)
            .finish_non_exhaustive()
    }
}

impl TelegramApproval {
    /// Builds the HTTP client (rustls, the configured timeout for connect and
    /// the whole response). Takes the configuration by value or by reference.
    pub fn new(config: impl Borrow<TelegramConfig>) -> Result<Self, ConfigError> {
        let config = config.borrow();
        let http = reqwest::Client::builder()
            .timeout(config.timeout())
            .connect_timeout(config.timeout())
            .user_agent(concat!("noktvrn-telegram/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(ConfigError::HttpClient)?;
        Ok(Self {
            http,
            api_url: config.api_url().clone(),
            token: config.bot_token().clone(),
            chat: config.chat().clone(),
        })
    }

    /// Replaces the preview's text with `text` (plain text, no markup) and
    /// removes its keyboard, so the chat shows who decided and nobody presses
    /// a stale button. Editing to the same text again (a duplicate webhook)
    /// succeeds.
    #[tracing::instrument(skip_all, fields(message_ref = %message_ref))]
    pub async fn edit_after_decision(
        &self,
        message_ref: &str,
        text: &str,
    ) -> Result<(), ProviderError> {
        let target: MessageRef = message_ref
            .parse()
            .map_err(|reason| ProviderError::Rejected {
                provider: PROVIDER.into(),
                message: format!("invalid message reference: {reason}"),
            })?;
        let mut payload =
            EditMessageText::new(recipient(&target.chat), MessageId(target.message_id), text);
        payload.link_preview_options = Some(no_link_preview());
        match self.call("editMessageText", &payload).await {
            Ok(_) => Ok(()),
            Err(Failure::Api { description, .. })
                if description.contains("message is not modified") =>
            {
                Ok(())
            }
            Err(failure) => Err(failure.into_provider_error("editMessageText")),
        }
    }

    /// POSTs one Bot API method as JSON and returns its `result`.
    async fn call<P: Serialize>(
        &self,
        method: &'static str,
        payload: &P,
    ) -> Result<serde_json::Value, Failure> {
        let url = format!(
            "{}/bot{}/{method}",
            self.api_url.as_str().trim_end_matches('/'),
            self.token.expose_secret()
        );
        let started = std::time::Instant::now();
        let response = self
            .http
            .post(url)
            .json(payload)
            .send()
            .await
            .map_err(Failure::transport)?;
        let status = response.status();
        let retry_after = response
            .headers()
            .get(reqwest::header::RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u64>().ok())
            .map(Duration::from_secs);
        let body = response.bytes().await.map_err(Failure::transport)?;
        let result = interpret(status.as_u16(), retry_after, &body);
        let elapsed_ms = started.elapsed().as_millis() as u64;
        match &result {
            Ok(_) => tracing::debug!(method, status = status.as_u16(), elapsed_ms, "bot api call"),
            Err(failure) => tracing::warn!(
                method,
                status = status.as_u16(),
                elapsed_ms,
                failure = %failure,
                "bot api call failed"
            ),
        }
        result
    }
}

#[async_trait]
impl ApprovalChannel for TelegramApproval {
    fn name(&self) -> &str {
        CHANNEL_NAME
    }

    /// Sends one message: the preview in HTML, [Approve] [Reject] buttons
    /// carrying `approve:{id}` / `reject:{id}`, and a "Listen" URL button
    /// when the audio URL is http(s). Returns `{chat_id}/{message_id}`.
    #[tracing::instrument(skip_all, fields(approval_id = %preview.approval_id, run_id = %preview.run_id))]
    async fn send_request(&self, preview: &ApprovalPreview) -> Result<String, ProviderError> {
        let keyboard = keyboard(preview)?;
        let mut payload = SendMessage::new(recipient(&self.chat), preview_html(preview));
        payload.parse_mode = Some(ParseMode::Html);
        payload.link_preview_options = Some(no_link_preview());
        payload.reply_markup = Some(keyboard.into());

        let result = self
            .call("sendMessage", &payload)
            .await
            .map_err(|f| f.into_provider_error("sendMessage"))?;
        let sent: SentMessage =
            serde_json::from_value(result).map_err(|e| ProviderError::InvalidResponse {
                provider: PROVIDER.into(),
                message: format!("sendMessage result is not a Message: {e}"),
            })?;
        let chat = sent
            .chat
            .map(|c| ChatTarget::Id(c.id))
            .unwrap_or_else(|| self.chat.clone());
        let reference = MessageRef {
            chat,
            message_id: sent.message_id,
        };
        tracing::info!(message_ref = %reference, "approval preview sent");
        Ok(reference.to_string())
    }
}

/// The keyboard: [Approve] [Reject] on one row, [Listen] below when the
/// audio is at an http(s) URL Telegram can open.
fn keyboard(preview: &ApprovalPreview) -> Result<InlineKeyboardMarkup, ProviderError> {
    let data = |verb| {
        CallbackData::new(verb, preview.approval_id.as_str())
            .map(|d| d.to_string())
            .map_err(|e| ProviderError::Rejected {
                provider: PROVIDER.into(),
                message: format!("approval id cannot travel as callback data: {e}"),
            })
    };
    let mut rows = vec![vec![
        InlineKeyboardButton::callback("✅ Approve", data(Verb::Approve)?),
        InlineKeyboardButton::callback("❌ Reject", data(Verb::Reject)?),
    ]];
    if let Ok(url) = reqwest::Url::parse(&preview.audio_url)
        && matches!(url.scheme(), "http" | "https")
    {
        rows.push(vec![InlineKeyboardButton::url("🎧 Listen", url)]);
    }
    Ok(InlineKeyboardMarkup::new(rows))
}

fn recipient(chat: &ChatTarget) -> Recipient {
    match chat {
        ChatTarget::Id(id) => Recipient::Id(ChatId(*id)),
        ChatTarget::Channel(name) => Recipient::ChannelUsername(name.clone()),
    }
}

/// Links in the preview (the video page) would otherwise expand into a
/// large card above the buttons.
fn no_link_preview() -> LinkPreviewOptions {
    LinkPreviewOptions {
        is_disabled: true,
        url: None,
        prefer_small_media: false,
        prefer_large_media: false,
        show_above_text: false,
    }
}

/// The fields of a sent `Message` that are used; read narrowly so a new
/// field in Telegram's answer cannot turn a delivered preview into an error
/// (and a retry into a duplicate).
#[derive(Deserialize)]
struct SentMessage {
    message_id: i32,
    #[serde(default)]
    chat: Option<SentChat>,
}

#[derive(Deserialize)]
struct SentChat {
    id: i64,
}

/// The Bot API's answer envelope: `{"ok":true,"result":…}` or
/// `{"ok":false,"error_code":…,"description":…,"parameters":{…}}`.
#[derive(Deserialize)]
struct Envelope {
    ok: bool,
    #[serde(default)]
    result: Option<serde_json::Value>,
    #[serde(default)]
    error_code: Option<u16>,
    #[serde(default)]
    description: Option<String>,
    #[serde(default)]
    parameters: Option<ResponseParameters>,
}

#[derive(Deserialize)]
struct ResponseParameters {
    #[serde(default)]
    retry_after: Option<u64>,
    #[serde(default)]
    migrate_to_chat_id: Option<i64>,
}

/// A failed call, before it is named as a [`ProviderError`].
#[derive(Debug)]
enum Failure {
    /// Connect, TLS, timeout, reading the body. The URL is stripped.
    Transport(reqwest::Error),
    /// A Bot API error answer.
    Api {
        code: u16,
        description: String,
        retry_after: Option<Duration>,
        migrate_to_chat_id: Option<i64>,
    },
    /// A body that is not the Bot API envelope (a proxy's HTML page, junk).
    NotAnApiResponse {
        status: u16,
        retry_after: Option<Duration>,
        detail: String,
    },
}

impl Failure {
    fn transport(e: reqwest::Error) -> Self {
        Failure::Transport(e.without_url())
    }

    fn into_provider_error(self, method: &str) -> ProviderError {
        let provider = PROVIDER.to_string();
        match self {
            Failure::Transport(e) => {
                let what = if e.is_timeout() {
                    "timed out"
                } else if e.is_connect() {
                    "could not connect"
                } else {
                    "request failed"
                };
                ProviderError::Unavailable {
                    provider,
                    message: format!("{method} {what}"),
                    source: Some(Box::new(e)),
                }
            }
            Failure::Api {
                code,
                description,
                retry_after,
                migrate_to_chat_id,
            } => {
                if code == 429 || retry_after.is_some() {
                    return ProviderError::Throttled {
                        provider,
                        retry_after,
                    };
                }
                let description = clip(&description);
                if let Some(to) = migrate_to_chat_id {
                    return ProviderError::Rejected {
                        provider,
                        message: format!(
                            "{method}: the group became supergroup {to}; set TELEGRAM_CHAT_ID to it"
                        ),
                    };
                }
                match code {
                    500..=599 => ProviderError::Unavailable {
                        provider,
                        message: format!("{method}: {code} {description}"),
                        source: None,
                    },
                    400..=499 => ProviderError::Rejected {
                        provider,
                        message: format!("{method}: {code} {description}"),
                    },
                    _ => ProviderError::InvalidResponse {
                        provider,
                        message: format!("{method}: unexpected error code {code} {description}"),
                    },
                }
            }
            Failure::NotAnApiResponse {
                status,
                retry_after,
                detail,
            } => match status {
                429 => ProviderError::Throttled {
                    provider,
                    retry_after,
                },
                500..=599 => ProviderError::Unavailable {
                    provider,
                    message: format!("{method}: HTTP {status} without a Bot API answer"),
                    source: None,
                },
                _ => ProviderError::InvalidResponse {
                    provider,
                    message: format!("{method}: HTTP {status}: {detail}"),
                },
            },
        }
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Failure::Transport(e) => write!(f, "transport: {e}"),
            Failure::Api {
                code, description, ..
            } => write!(f, "api error {code}: {}", clip(description)),
            Failure::NotAnApiResponse { status, detail, .. } => {
                write!(f, "HTTP {status}: {detail}")
            }
        }
    }
}

fn clip(text: &str) -> String {
    text.chars().take(MAX_DESCRIPTION_CHARS).collect()
}

/// Reads one HTTP answer of the Bot API. Pure, so every documented shape is
/// tested without a server.
fn interpret(
    status: u16,
    retry_after_header: Option<Duration>,
    body: &[u8],
) -> Result<serde_json::Value, Failure> {
    let envelope: Envelope = match serde_json::from_slice(body) {
        Ok(envelope) => envelope,
        Err(e) => {
            return Err(Failure::NotAnApiResponse {
                status,
                retry_after: retry_after_header,
                detail: format!("body is not a Bot API answer ({e})"),
            });
        }
    };
    let is_success = (200..300).contains(&status);
    match envelope {
        Envelope {
            ok: true,
            result: Some(result),
            ..
        } if is_success => Ok(result),
        Envelope { ok: true, .. } => Err(Failure::NotAnApiResponse {
            status,
            retry_after: retry_after_header,
            detail: "ok answer without a result".into(),
        }),
        Envelope {
            ok: false,
            error_code,
            description,
            parameters,
            ..
        } => {
            let parameters = parameters.unwrap_or(ResponseParameters {
                retry_after: None,
                migrate_to_chat_id: None,
            });
            Err(Failure::Api {
                code: error_code.unwrap_or(status),
                description: description.unwrap_or_default(),
                retry_after: parameters
                    .retry_after
                    .map(Duration::from_secs)
                    .or(retry_after_header),
                migrate_to_chat_id: parameters.migrate_to_chat_id,
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn provider_error(status: u16, body: &str) -> ProviderError {
        match interpret(status, None, body.as_bytes()) {
            Ok(v) => panic!("expected a failure, got {v}"),
            Err(f) => f.into_provider_error("sendMessage"),
        }
    }

    #[test]
    fn an_ok_answer_yields_its_result() {
        let v = interpret(200, None, br#"{"ok":true,"result":{"message_id":7}}"#).unwrap();
        assert_eq!(v["message_id"], 7);
    }

    #[test]
    fn flood_control_is_throttling_with_telegrams_delay() {
        let e = provider_error(
            429,
            r#"{"ok":false,"error_code":429,"description":"Too Many Requests: retry after 7","parameters":{"retry_after":7}}"#,
        );
        assert!(
            matches!(e, ProviderError::Throttled { retry_after: Some(d), .. } if d == Duration::from_secs(7)),
            "{e:?}"
        );
    }

    #[test]
    fn a_429_without_json_uses_the_retry_after_header() {
        let f = interpret(429, Some(Duration::from_secs(3)), b"slow down").unwrap_err();
        let e = f.into_provider_error("sendMessage");
        assert!(
            matches!(e, ProviderError::Throttled { retry_after: Some(d), .. } if d == Duration::from_secs(3))
        );
    }

    #[test]
    fn server_errors_are_unavailable_with_or_without_json() {
        let json = provider_error(
            500,
            r#"{"ok":false,"error_code":500,"description":"Internal Server Error"}"#,
        );
        assert!(
            matches!(json, ProviderError::Unavailable { .. }),
            "{json:?}"
        );
        let html = provider_error(502, "<html><body>502 Bad Gateway</body></html>");
        assert!(
            matches!(html, ProviderError::Unavailable { .. }),
            "{html:?}"
        );
        assert!(html.is_retryable());
    }

    #[test]
    fn client_errors_are_rejections_quoting_the_description() {
        for (code, description) in [
            (400, "Bad Request: chat not found"),
            (401, "Unauthorized"),
            (403, "Forbidden: bot was blocked by the user"),
            (404, "Not Found"),
        ] {
            let body =
                format!(r#"{{"ok":false,"error_code":{code},"description":"{description}"}}"#);
            let e = provider_error(code, &body);
            match &e {
                ProviderError::Rejected { message, .. } => {
                    assert!(message.contains(description), "{message}")
                }
                other => panic!("{code}: {other:?}"),
            }
            assert!(!e.is_retryable());
        }
    }

    #[test]
    fn a_migrated_group_is_a_rejection_naming_the_new_chat() {
        let e = provider_error(
            400,
            r#"{"ok":false,"error_code":400,"description":"Bad Request: group chat was upgraded to a supergroup chat","parameters":{"migrate_to_chat_id":-1001234}}"#,
        );
        assert!(
            matches!(&e, ProviderError::Rejected { message, .. } if message.contains("-1001234")),
            "{e:?}"
        );
    }

    #[test]
    fn junk_with_a_success_status_is_an_invalid_response() {
        for body in ["not json", r#"{"ok":true}"#, r#"{"result":1}"#] {
            let e = match interpret(200, None, body.as_bytes()) {
                Ok(v) => panic!("{body}: {v}"),
                Err(f) => f.into_provider_error("sendMessage"),
            };
            assert!(
                matches!(e, ProviderError::InvalidResponse { .. }),
                "{body}: {e:?}"
            );
        }
    }

    #[test]
    fn message_refs_round_trip() {
        for raw in ["-1001234567890/42", "@noktvrn_review/7"] {
            let r: MessageRef = raw.parse().unwrap();
            assert_eq!(r.to_string(), raw);
        }
        assert!("nope".parse::<MessageRef>().is_err());
        assert!("-100/x".parse::<MessageRef>().is_err());
    }
}

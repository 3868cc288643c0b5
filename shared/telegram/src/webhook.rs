//! The webhook's decision logic, pure and I/O-free.
//!
//! Why a module of its own: the `telegram-webhook` Lambda must (1) refuse
//! requests that do not carry the secret header, (2) turn a button press by
//! an allowed reviewer into an [`IncomingDecision`], and (3) answer every
//! other update with 200, because Telegram redelivers an update until it
//! gets a 2xx, forever. All three are decisions on bytes, so they live here
//! as one function, [`Webhook::handle`], tested without HTTP; the Lambda
//! shell does the I/O (claims the decision with the apply-decision stage,
//! resumes the execution) and answers the button press inside its HTTP
//! response with [`answer_callback`], so no outbound call is needed.
//!
//! Parsing is deliberately narrow: only the fields used here
//! (`callback_query.id`, `from.id`, `from.username`, `data`, and the
//! message's chat and id) are read, so a new or unusual field elsewhere in an
//! update can never cost a reviewer's button press. Bodies are never logged:
//! they hold names and messages of real people.

use std::borrow::Borrow;
use std::collections::BTreeSet;
use std::fmt;

use serde::Deserialize;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use noktvrn_domain::run::DecisionMethod;
use noktvrn_pipeline::ports::IncomingDecision;
use secrecy::ExposeSecret;

use crate::callback::{CallbackData, CallbackDataError};
use crate::config::TelegramConfig;

/// The header Telegram sets to the webhook's `secret_token`. Header names
/// are case-insensitive (API Gateway HTTP APIs lower-case them); compare
/// accordingly.
pub const SECRET_HEADER: &str = "x-telegram-bot-api-secret-token";

/// Telegram's limit on the text of a callback answer, in characters.
pub const MAX_ANSWER_CHARS: usize = 200;

/// Bodies larger than this are not updates Telegram sends; they are ignored
/// unparsed.
pub const MAX_BODY_BYTES: usize = 1024 * 1024;

/// The update kinds of the Bot API, so logs name a kind without ever
/// echoing an arbitrary key from the body.
const UPDATE_KINDS: [&str; 23] = [
    "message",
    "edited_message",
    "channel_post",
    "edited_channel_post",
    "business_connection",
    "business_message",
    "edited_business_message",
    "deleted_business_messages",
    "message_reaction",
    "message_reaction_count",
    "inline_query",
    "chosen_inline_result",
    "callback_query",
    "shipping_query",
    "pre_checkout_query",
    "purchased_paid_media",
    "poll",
    "poll_answer",
    "my_chat_member",
    "chat_member",
    "chat_join_request",
    "chat_boost",
    "removed_chat_boost",
];

/// What the shell should do with one webhook request.
#[derive(Debug, Clone, PartialEq)]
pub enum WebhookOutcome {
    /// The secret header is missing or wrong: answer 401, do nothing else.
    Unauthorized,
    /// An allowed reviewer pressed Approve or Reject: apply the decision,
    /// then answer the callback (see [`Notice`](crate::Notice)).
    Decision {
        decision: IncomingDecision,
        callback_query_id: String,
    },
    /// Someone not on the allow list pressed a button: answer the callback
    /// with "Not allowed"; nothing is decided.
    Refused {
        callback_query_id: String,
        reason: RefusalReason,
    },
    /// Anything else: answer 200 and do nothing (a callback with unreadable
    /// data still carries its id, so its spinner can be stopped).
    Ignored { reason: IgnoreReason },
}

impl WebhookOutcome {
    /// The callback query to answer, if the update was a button press.
    pub fn callback_query_id(&self) -> Option<&str> {
        match self {
            WebhookOutcome::Decision {
                callback_query_id, ..
            }
            | WebhookOutcome::Refused {
                callback_query_id, ..
            } => Some(callback_query_id),
            WebhookOutcome::Ignored { reason } => reason.callback_query_id(),
            WebhookOutcome::Unauthorized => None,
        }
    }

    /// A stable short name for logs and metrics.
    pub fn as_str(&self) -> &'static str {
        match self {
            WebhookOutcome::Unauthorized => "unauthorized",
            WebhookOutcome::Decision { .. } => "decision",
            WebhookOutcome::Refused { .. } => "refused",
            WebhookOutcome::Ignored { .. } => "ignored",
        }
    }
}

/// Why a button press was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum RefusalReason {
    /// The user id is not in `TELEGRAM_ALLOWED_USER_IDS`.
    UserNotAllowed { user_id: i64 },
}

impl fmt::Display for RefusalReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RefusalReason::UserNotAllowed { user_id } => {
                write!(f, "user {user_id} is not allowed to decide")
            }
        }
    }
}

/// Why an update was ignored.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum IgnoreReason {
    /// Not JSON, not an object, or too large.
    MalformedBody,
    /// A valid update of another kind (`message`, `edited_message`, ...);
    /// `kind` is `"unknown"` for kinds this crate does not know.
    NotACallback { kind: &'static str },
    /// A `callback_query` without the fields every one has (`id`, `from`).
    MalformedCallbackQuery,
    /// A button press without `data` (a game button).
    NoCallbackData { callback_query_id: String },
    /// A button press whose data is not `approve:{id}` / `reject:{id}`.
    MalformedCallbackData {
        callback_query_id: String,
        error: CallbackDataError,
    },
}

impl IgnoreReason {
    pub fn callback_query_id(&self) -> Option<&str> {
        match self {
            IgnoreReason::NoCallbackData { callback_query_id }
            | IgnoreReason::MalformedCallbackData {
                callback_query_id, ..
            } => Some(callback_query_id),
            _ => None,
        }
    }

    /// A stable short name for logs and metrics.
    pub fn as_str(&self) -> &'static str {
        match self {
            IgnoreReason::MalformedBody => "malformed_body",
            IgnoreReason::NotACallback { .. } => "not_a_callback",
            IgnoreReason::MalformedCallbackQuery => "malformed_callback_query",
            IgnoreReason::NoCallbackData { .. } => "no_callback_data",
            IgnoreReason::MalformedCallbackData { .. } => "malformed_callback_data",
        }
    }
}

impl fmt::Display for IgnoreReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            IgnoreReason::NotACallback { kind } => write!(f, "not a callback query ({kind})"),
            IgnoreReason::MalformedCallbackData { error, .. } => {
                write!(f, "malformed callback data: {error}")
            }
            other => f.write_str(other.as_str()),
        }
    }
}

/// The webhook's checks, built once at cold start from the configuration.
/// Holds a digest of the secret, not the secret.
#[derive(Clone)]
pub struct Webhook {
    secret_digest: [u8; 32],
    allowed_user_ids: BTreeSet<i64>,
}

impl fmt::Debug for Webhook {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Webhook")
            .field("allowed_user_ids", &self.allowed_user_ids)
            .finish_non_exhaustive()
    }
}

fn digest(bytes: &[u8]) -> [u8; 32] {
    Sha256::digest(bytes).into()
}

#[derive(Deserialize)]
struct RawCallbackQuery {
    id: String,
    from: RawUser,
    #[serde(default)]
    data: Option<String>,
}

#[derive(Deserialize)]
struct RawUser {
    id: i64,
    #[serde(default)]
    username: Option<String>,
}

impl Webhook {
    /// Takes the configuration by value or by reference.
    pub fn new(config: impl Borrow<TelegramConfig>) -> Self {
        let config = config.borrow();
        Self {
            secret_digest: digest(config.webhook_secret().expose_secret().as_bytes()),
            allowed_user_ids: config.allowed_user_ids().clone(),
        }
    }

    /// Compares digests of the given and the expected secret with
    /// `subtle`'s constant-time equality: the time taken reveals neither
    /// the secret's bytes nor its length.
    fn secret_matches(&self, header: Option<&str>) -> bool {
        match header {
            Some(given) => digest(given.as_bytes()).ct_eq(&self.secret_digest).into(),
            None => false,
        }
    }

    /// Decides what one webhook request means. Never fails: anything that
    /// is not an authorised button press is `Unauthorized`, `Refused` or
    /// `Ignored`, and the shell answers 401 for the first and 200 for the
    /// rest.
    pub fn handle(&self, secret_header: Option<&str>, body: &[u8]) -> WebhookOutcome {
        if !self.secret_matches(secret_header) {
            tracing::warn!(
                header_present = secret_header.is_some(),
                "telegram webhook: secret header missing or wrong"
            );
            return WebhookOutcome::Unauthorized;
        }
        let outcome = self.classify(body);
        match &outcome {
            WebhookOutcome::Decision { decision, .. } => tracing::info!(
                approval_id = %decision.approval_id,
                decision = ?decision.decision,
                decided_by = %decision.decided_by,
                "telegram webhook: decision received"
            ),
            WebhookOutcome::Refused { reason, .. } => tracing::warn!(
                reason = %reason,
                "telegram webhook: button press refused"
            ),
            WebhookOutcome::Ignored { reason } => tracing::info!(
                reason = reason.as_str(),
                update_kind = match reason {
                    IgnoreReason::NotACallback { kind } => *kind,
                    IgnoreReason::MalformedBody => "unparseable",
                    _ => "callback_query",
                },
                body_bytes = body.len(),
                "telegram webhook: update ignored"
            ),
            WebhookOutcome::Unauthorized => {}
        }
        outcome
    }

    fn classify(&self, body: &[u8]) -> WebhookOutcome {
        let ignored = |reason| WebhookOutcome::Ignored { reason };
        if body.len() > MAX_BODY_BYTES {
            return ignored(IgnoreReason::MalformedBody);
        }
        let Ok(serde_json::Value::Object(mut update)) = serde_json::from_slice(body) else {
            return ignored(IgnoreReason::MalformedBody);
        };
        let Some(raw) = update.remove("callback_query") else {
            let kind = update
                .keys()
                .find_map(|k| UPDATE_KINDS.iter().copied().find(|known| known == k))
                .unwrap_or("unknown");
            return ignored(IgnoreReason::NotACallback { kind });
        };
        let Ok(query) = serde_json::from_value::<RawCallbackQuery>(raw) else {
            return ignored(IgnoreReason::MalformedCallbackQuery);
        };
        let callback_query_id = query.id;

        if !self.allowed_user_ids.contains(&query.from.id) {
            return WebhookOutcome::Refused {
                callback_query_id,
                reason: RefusalReason::UserNotAllowed {
                    user_id: query.from.id,
                },
            };
        }
        let Some(data) = query.data else {
            return ignored(IgnoreReason::NoCallbackData { callback_query_id });
        };
        let data = match CallbackData::parse(&data) {
            Ok(data) => data,
            Err(error) => {
                return ignored(IgnoreReason::MalformedCallbackData {
                    callback_query_id,
                    error,
                });
            }
        };
        let decided_by = match query.from.username.as_deref().filter(|u| !u.is_empty()) {
            Some(username) => format!("telegram:{} @{username}", query.from.id),
            None => format!("telegram:{}", query.from.id),
        };
        WebhookOutcome::Decision {
            decision: IncomingDecision {
                approval_id: data.approval_id,
                decision: data.verb.decision(),
                method: DecisionMethod::Human,
                decided_by,
                note: None,
            },
            callback_query_id,
        }
    }
}

/// `{chat_id}/{message_id}` of the message a button press came from (the
/// form `send_request` returns), for `TelegramApproval::edit_after_decision`.
/// `None` for anything but a callback query on a (possibly inaccessible)
/// message. Kept apart from [`Webhook::handle`] so `WebhookOutcome::Decision`
/// stays two fields; call it only after `handle` returned a decision (it does
/// not check the secret).
pub fn callback_message_ref(body: &[u8]) -> Option<String> {
    if body.len() > MAX_BODY_BYTES {
        return None;
    }
    let update: serde_json::Value = serde_json::from_slice(body).ok()?;
    let message = update.get("callback_query")?.get("message")?;
    let message_id = message.get("message_id")?.as_i64()?;
    let chat_id = message.get("chat")?.get("id")?.as_i64()?;
    Some(format!("{chat_id}/{message_id}"))
}

/// The webhook reply that answers a button press with no outbound call:
/// Telegram executes a Bot API method given as the JSON body of the webhook
/// response (`"method"` plus its parameters). The shell must send it with
/// status 200 and `Content-Type: application/json`. Telegram does not report
/// whether such a call succeeded, which is acceptable for a toast. `text` is
/// clipped to Telegram's 200 characters.
pub fn answer_callback(callback_query_id: &str, text: &str) -> serde_json::Value {
    let text: String = text.chars().take(MAX_ANSWER_CHARS).collect();
    serde_json::json!({
        "method": "answerCallbackQuery",
        "callback_query_id": callback_query_id,
        "text": text,
    })
}

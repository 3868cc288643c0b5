//! The Telegram side of human approval.
//!
//! Why this crate exists: a person approves or rejects every track that is
//! not on autopilot, and in production they do it with two buttons under a
//! Telegram message. Two AWS Lambdas share this crate: `request-approval`
//! sends the preview through [`TelegramApproval`] (an implementation of the
//! pipeline's `ApprovalChannel` port), and `telegram-webhook` turns the
//! button press into an `IncomingDecision` with [`Webhook::handle`]. The
//! design choice it embodies: everything that is a *decision* (is this
//! request authentic, who pressed what, is that person allowed) is pure and
//! I/O-free, so it is tested on real Bot API update shapes without a
//! network; the only I/O is the outbound Bot API call, whose failures are
//! classified into retryable and permanent `ProviderError`s.
//!
//! The button carries only `approve:{approval_id}` / `reject:{approval_id}`;
//! the Step Functions task token never leaves AWS.
//!
//! # Layout
//!
//! * [`config`] — [`TelegramConfig`]: token, chat, allowed users, webhook
//!   secret, API URL, timeout; `from_env` or explicit values.
//! * [`callback`] — the button data format, encoder and strict parser.
//! * [`format`] — the HTML preview (every user value escaped) and the short
//!   [`Notice`] texts shown after a press.
//! * [`approval`] — [`TelegramApproval`]: `sendMessage` with the keyboard,
//!   `editMessageText` after a decision, Bot API errors → `ProviderError`.
//! * [`webhook`] — [`Webhook`] and [`WebhookOutcome`]: the secret check
//!   (constant time), the allow list, and [`answer_callback`], the reply that
//!   answers a button press inside the webhook response.

pub mod approval;
pub mod callback;
pub mod config;
pub mod format;
pub mod webhook;

pub use approval::{CHANNEL_NAME, MessageRef, TelegramApproval};
pub use callback::{CallbackData, CallbackDataError, MAX_CALLBACK_DATA_BYTES, Verb};
pub use config::{ChatTarget, ConfigError, TelegramConfig};
pub use format::{Notice, escape_html, preview_html};
pub use webhook::{
    IgnoreReason, RefusalReason, SECRET_HEADER, Webhook, WebhookOutcome, answer_callback,
    callback_message_ref,
};

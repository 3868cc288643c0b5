//! Contract tests: `TelegramApproval` against a local HTTP server replaying
//! the Bot API's documented answers (success and failure shapes), and the
//! webhook logic on real Bot API `Update` JSON.

mod send;
mod support;
mod webhook;

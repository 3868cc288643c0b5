//! The typed Telegram configuration, read once at start-up.
//!
//! Why a module of its own: both Lambdas (`request-approval`,
//! `telegram-webhook`) and the CLI build their Telegram side from the same
//! settings, and each must fail at cold start with an error that names the
//! variable at fault rather than deep inside a request. Secrets (the bot
//! token, the webhook secret) are [`SecretString`]s: the hand-written
//! [`Debug`] below prints neither, and no error message quotes them.
//!
//! Two ways in: [`TelegramConfig::from_env`] for the plain environment, and
//! [`TelegramConfig::new`] for callers that resolve secrets themselves (the
//! Lambda crate reads `<NAME>_SSM_PARAM` from SSM at cold start).
//! [`TelegramConfig::from_lookup`] sits between the two: the same parsing and
//! the same error names over any `name -> value` source.

use std::collections::BTreeSet;
use std::fmt;
use std::str::FromStr;
use std::time::Duration;

use secrecy::{ExposeSecret, SecretString};

/// `TELEGRAM_BOT_TOKEN`: the token BotFather gave (`123456:ABC-...`).
pub const ENV_BOT_TOKEN: &str = "TELEGRAM_BOT_TOKEN";
/// `TELEGRAM_CHAT_ID`: a numeric chat id or an `@channelusername`.
pub const ENV_CHAT_ID: &str = "TELEGRAM_CHAT_ID";
/// `TELEGRAM_ALLOWED_USER_IDS`: comma-separated numeric user ids.
pub const ENV_ALLOWED_USER_IDS: &str = "TELEGRAM_ALLOWED_USER_IDS";
/// `TELEGRAM_WEBHOOK_SECRET`: the `secret_token` given to `setWebhook`.
pub const ENV_WEBHOOK_SECRET: &str = "TELEGRAM_WEBHOOK_SECRET";
/// `TELEGRAM_API_URL`: the Bot API base URL (a local server in tests).
pub const ENV_API_URL: &str = "TELEGRAM_API_URL";

/// The public Bot API.
pub const DEFAULT_API_URL: &str = "https://api.telegram.org";
/// Per-request timeout (connect + response) unless told otherwise: well
/// inside a Lambda's own timeout, long enough for a slow Bot API answer.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);

/// Why a configuration could not be built. Every variant names the variable;
/// none quotes a secret's value.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    #[error("{var} is not set")]
    Missing { var: &'static str },
    #[error("{var} is invalid: {reason}")]
    Invalid { var: &'static str, reason: String },
    /// The HTTP client could not be built (TLS backend initialisation).
    #[error("could not build the Telegram HTTP client")]
    HttpClient(#[source] reqwest::Error),
}

impl ConfigError {
    fn invalid(var: &'static str, reason: impl Into<String>) -> Self {
        ConfigError::Invalid {
            var,
            reason: reason.into(),
        }
    }
}

/// Where approval previews go: a chat id (users, groups, supergroups are
/// numbers, negative for groups) or a public channel's `@username`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum ChatTarget {
    Id(i64),
    Channel(String),
}

impl fmt::Display for ChatTarget {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ChatTarget::Id(id) => write!(f, "{id}"),
            ChatTarget::Channel(name) => f.write_str(name),
        }
    }
}

impl FromStr for ChatTarget {
    type Err = String;

    /// `-1001234567890`, `42` or `@channelusername` (5-32 letters, digits,
    /// underscores after the `@`, as Telegram allows).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.trim();
        if let Some(name) = s.strip_prefix('@') {
            let ok_len = (5..=32).contains(&name.len());
            let ok_chars = name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_');
            if ok_len && ok_chars {
                return Ok(ChatTarget::Channel(s.to_string()));
            }
            return Err("a channel must be @ followed by 5-32 letters, digits or '_'".into());
        }
        s.parse::<i64>()
            .map(ChatTarget::Id)
            .map_err(|_| "expected a numeric chat id or an @channelusername".into())
    }
}

/// Everything the Telegram side needs. Build it once; clone it cheaply.
#[derive(Clone)]
pub struct TelegramConfig {
    bot_token: SecretString,
    chat: ChatTarget,
    allowed_user_ids: BTreeSet<i64>,
    webhook_secret: SecretString,
    api_url: reqwest::Url,
    timeout: Duration,
}

impl fmt::Debug for TelegramConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TelegramConfig")
            .field("bot_token", &"[REDACTED]")
            .field("chat", &self.chat)
            .field("allowed_user_ids", &self.allowed_user_ids)
            .field("webhook_secret", &"[REDACTED]")
            .field("api_url", &self.api_url.as_str())
            .field("timeout", &self.timeout)
            .finish()
    }
}

impl TelegramConfig {
    /// A configuration from explicit values (secrets already resolved), with
    /// the default API URL and timeout. The values are validated as
    /// `from_env` validates them, and errors name the matching variable.
    pub fn new(
        bot_token: SecretString,
        chat: ChatTarget,
        allowed_user_ids: impl IntoIterator<Item = i64>,
        webhook_secret: SecretString,
    ) -> Result<Self, ConfigError> {
        validate_bot_token(bot_token.expose_secret())?;
        validate_webhook_secret(webhook_secret.expose_secret())?;
        let allowed_user_ids: BTreeSet<i64> = allowed_user_ids.into_iter().collect();
        if allowed_user_ids.is_empty() {
            return Err(ConfigError::invalid(
                ENV_ALLOWED_USER_IDS,
                "must list at least one user id (nobody could approve)",
            ));
        }
        Ok(Self {
            bot_token,
            chat,
            allowed_user_ids,
            webhook_secret,
            api_url: parse_api_url(DEFAULT_API_URL)?,
            timeout: DEFAULT_TIMEOUT,
        })
    }

    /// Reads `TELEGRAM_BOT_TOKEN`, `TELEGRAM_CHAT_ID`,
    /// `TELEGRAM_ALLOWED_USER_IDS`, `TELEGRAM_WEBHOOK_SECRET` and the
    /// optional `TELEGRAM_API_URL` from the process environment.
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// As [`from_env`](Self::from_env), over any source of variables (a map
    /// of SSM-resolved secrets falling back to the environment, a test map).
    /// Empty values count as missing.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let secret = |var: &'static str| {
            lookup(var)
                .map(|v| v.trim().to_string())
                .filter(|v| !v.is_empty())
                .map(SecretString::from)
        };
        let bot_token = secret(ENV_BOT_TOKEN);
        let webhook_secret = secret(ENV_WEBHOOK_SECRET);
        Self::from_lookup_with_secrets(lookup, bot_token, webhook_secret)
    }

    /// The Lambda's way in: the bot token and the webhook secret already
    /// resolved (from the environment or an SSM SecureString), everything
    /// else from the environment. A `None` secret is reported as its
    /// variable missing (`TELEGRAM_BOT_TOKEN is not set`).
    pub fn from_env_with_secrets(
        bot_token: Option<SecretString>,
        webhook_secret: Option<SecretString>,
    ) -> Result<Self, ConfigError> {
        Self::from_lookup_with_secrets(|name| std::env::var(name).ok(), bot_token, webhook_secret)
    }

    /// As [`from_env_with_secrets`](Self::from_env_with_secrets), over any
    /// source of the non-secret variables.
    pub fn from_lookup_with_secrets(
        lookup: impl Fn(&str) -> Option<String>,
        bot_token: Option<SecretString>,
        webhook_secret: Option<SecretString>,
    ) -> Result<Self, ConfigError> {
        let get = |var: &'static str| lookup(var).filter(|v| !v.trim().is_empty());
        let require = |var: &'static str| get(var).ok_or(ConfigError::Missing { var });

        let bot_token = bot_token.ok_or(ConfigError::Missing { var: ENV_BOT_TOKEN })?;
        let chat = require(ENV_CHAT_ID)?
            .parse::<ChatTarget>()
            .map_err(|reason| ConfigError::invalid(ENV_CHAT_ID, reason))?;
        let allowed = parse_user_ids(&require(ENV_ALLOWED_USER_IDS)?)?;
        let webhook_secret = webhook_secret.ok_or(ConfigError::Missing {
            var: ENV_WEBHOOK_SECRET,
        })?;

        let config = Self::new(bot_token, chat, allowed, webhook_secret)?;
        match get(ENV_API_URL) {
            Some(url) => config.with_api_url(&url),
            None => Ok(config),
        }
    }

    /// Points the client at another Bot API server (a local Bot API server,
    /// a test double). Must be an absolute http(s) URL.
    pub fn with_api_url(mut self, url: &str) -> Result<Self, ConfigError> {
        self.api_url = parse_api_url(url)?;
        Ok(self)
    }

    /// The per-request timeout (connect + full response).
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    pub fn bot_token(&self) -> &SecretString {
        &self.bot_token
    }

    pub fn chat(&self) -> &ChatTarget {
        &self.chat
    }

    pub fn allowed_user_ids(&self) -> &BTreeSet<i64> {
        &self.allowed_user_ids
    }

    pub fn is_allowed(&self, user_id: i64) -> bool {
        self.allowed_user_ids.contains(&user_id)
    }

    pub fn webhook_secret(&self) -> &SecretString {
        &self.webhook_secret
    }

    pub fn api_url(&self) -> &reqwest::Url {
        &self.api_url
    }

    pub fn timeout(&self) -> Duration {
        self.timeout
    }
}

/// `123456789:AA...`: a numeric bot id, a colon, then URL-safe characters.
/// Checked so that a pasted value with spaces or a path does not end up in a
/// URL; the reason never quotes the value.
fn validate_bot_token(token: &str) -> Result<(), ConfigError> {
    let Some((id, secret)) = token.split_once(':') else {
        return Err(ConfigError::invalid(
            ENV_BOT_TOKEN,
            "expected <bot id>:<secret> as BotFather prints it",
        ));
    };
    let id_ok = !id.is_empty() && id.bytes().all(|b| b.is_ascii_digit());
    let secret_ok = !secret.is_empty()
        && secret
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
    if id_ok && secret_ok {
        Ok(())
    } else {
        Err(ConfigError::invalid(
            ENV_BOT_TOKEN,
            "expected <digits>:<letters, digits, '_' or '-'>",
        ))
    }
}

/// Telegram accepts 1-256 characters `A-Z`, `a-z`, `0-9`, `_` and `-` as a
/// webhook `secret_token`; anything else could never match the header.
fn validate_webhook_secret(secret: &str) -> Result<(), ConfigError> {
    let ok_len = (1..=256).contains(&secret.len());
    let ok_chars = secret
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
    if ok_len && ok_chars {
        Ok(())
    } else {
        Err(ConfigError::invalid(
            ENV_WEBHOOK_SECRET,
            "must be 1-256 characters of A-Z, a-z, 0-9, '_' or '-' (Telegram's secret_token rule)",
        ))
    }
}

fn parse_user_ids(raw: &str) -> Result<BTreeSet<i64>, ConfigError> {
    raw.split(',')
        .map(str::trim)
        .filter(|part| !part.is_empty())
        .map(|part| {
            part.parse::<i64>().map_err(|_| {
                ConfigError::invalid(
                    ENV_ALLOWED_USER_IDS,
                    format!("{part:?} is not a numeric Telegram user id"),
                )
            })
        })
        .collect()
}

fn parse_api_url(raw: &str) -> Result<reqwest::Url, ConfigError> {
    let url = reqwest::Url::parse(raw.trim())
        .map_err(|e| ConfigError::invalid(ENV_API_URL, e.to_string()))?;
    if !matches!(url.scheme(), "http" | "https") || url.cannot_be_a_base() {
        return Err(ConfigError::invalid(
            ENV_API_URL,
            "must be an absolute http(s) URL",
        ));
    }
    Ok(url)
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    fn vars(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        move |name| map.get(name).cloned()
    }

    const FULL: [(&str, &str); 4] = [
        (ENV_BOT_TOKEN, "123456:ABC-def_ghi"),
        (ENV_CHAT_ID, "-1001234567890"),
        (ENV_ALLOWED_USER_IDS, " 111, 222 ,,333"),
        (ENV_WEBHOOK_SECRET, "s3cr3t-Value_x"),
    ];

    #[test]
    fn a_complete_environment_gives_a_config_with_defaults() {
        let config = TelegramConfig::from_lookup(vars(&FULL)).unwrap();
        assert_eq!(config.chat(), &ChatTarget::Id(-1001234567890));
        assert_eq!(
            config
                .allowed_user_ids()
                .iter()
                .copied()
                .collect::<Vec<_>>(),
            vec![111, 222, 333]
        );
        assert_eq!(config.api_url().as_str(), "https://api.telegram.org/");
        assert_eq!(config.timeout(), DEFAULT_TIMEOUT);
        assert!(config.is_allowed(222));
        assert!(!config.is_allowed(444));
    }

    #[test]
    fn each_missing_variable_is_named() {
        for missing in [
            ENV_BOT_TOKEN,
            ENV_CHAT_ID,
            ENV_ALLOWED_USER_IDS,
            ENV_WEBHOOK_SECRET,
        ] {
            let pairs: Vec<_> = FULL
                .iter()
                .copied()
                .filter(|(k, _)| *k != missing)
                .collect();
            let err = TelegramConfig::from_lookup(vars(&pairs)).unwrap_err();
            assert!(
                matches!(err, ConfigError::Missing { var } if var == missing),
                "{err}"
            );
            assert_eq!(err.to_string(), format!("{missing} is not set"));
        }
    }

    #[test]
    fn an_empty_value_counts_as_missing() {
        let mut pairs = FULL.to_vec();
        pairs[1] = (ENV_CHAT_ID, "  ");
        let err = TelegramConfig::from_lookup(vars(&pairs)).unwrap_err();
        assert!(matches!(err, ConfigError::Missing { var: ENV_CHAT_ID }));
    }

    #[test]
    fn invalid_values_name_their_variable_and_never_quote_secrets() {
        let cases = [
            (ENV_BOT_TOKEN, "not a token with spaces"),
            (ENV_BOT_TOKEN, "abc:def"),
            (ENV_CHAT_ID, "general"),
            (ENV_CHAT_ID, "@abc"),
            (ENV_ALLOWED_USER_IDS, "111,bob"),
            (ENV_ALLOWED_USER_IDS, " , "),
            (ENV_WEBHOOK_SECRET, "has space"),
            (ENV_API_URL, "ftp://example.org"),
            (ENV_API_URL, "not a url"),
        ];
        for (var, value) in cases {
            let mut pairs = FULL.to_vec();
            pairs.retain(|(k, _)| *k != var);
            pairs.push((var, value));
            let err = TelegramConfig::from_lookup(vars(&pairs)).unwrap_err();
            let msg = err.to_string();
            // " , " has no entries at all: reported as an empty allow list.
            assert!(msg.starts_with(var), "{var}={value:?}: {msg}");
            if var == ENV_BOT_TOKEN || var == ENV_WEBHOOK_SECRET {
                assert!(!msg.contains(value), "{msg}");
            }
        }
    }

    #[test]
    fn resolved_secrets_join_the_other_variables() {
        let others: Vec<_> = FULL
            .iter()
            .copied()
            .filter(|(k, _)| *k != ENV_BOT_TOKEN && *k != ENV_WEBHOOK_SECRET)
            .collect();
        let config = TelegramConfig::from_lookup_with_secrets(
            vars(&others),
            Some(SecretString::from("42:from-ssm")),
            Some(SecretString::from("ssm-secret")),
        )
        .unwrap();
        assert_eq!(config.bot_token().expose_secret(), "42:from-ssm");
        assert_eq!(config.webhook_secret().expose_secret(), "ssm-secret");

        let err = TelegramConfig::from_lookup_with_secrets(vars(&others), None, None).unwrap_err();
        assert_eq!(err.to_string(), "TELEGRAM_BOT_TOKEN is not set");
        let err = TelegramConfig::from_lookup_with_secrets(
            vars(&others),
            Some(SecretString::from("42:from-ssm")),
            None,
        )
        .unwrap_err();
        assert_eq!(err.to_string(), "TELEGRAM_WEBHOOK_SECRET is not set");
    }

    #[test]
    fn a_channel_username_is_a_chat_target() {
        let mut pairs = FULL.to_vec();
        pairs[1] = (ENV_CHAT_ID, "@noktvrn_review");
        let config = TelegramConfig::from_lookup(vars(&pairs)).unwrap();
        assert_eq!(
            config.chat(),
            &ChatTarget::Channel("@noktvrn_review".into())
        );
        assert_eq!(config.chat().to_string(), "@noktvrn_review");
    }

    #[test]
    fn the_api_url_can_be_overridden() {
        let mut pairs = FULL.to_vec();
        pairs.push((ENV_API_URL, "http://127.0.0.1:8081"));
        let config = TelegramConfig::from_lookup(vars(&pairs)).unwrap();
        assert_eq!(config.api_url().as_str(), "http://127.0.0.1:8081/");
    }

    #[test]
    fn debug_never_shows_the_token_or_the_secret() {
        let config = TelegramConfig::from_lookup(vars(&FULL)).unwrap();
        let debug = format!("{config:?}");
        assert!(!debug.contains("ABC-def_ghi"), "{debug}");
        assert!(!debug.contains("123456:"), "{debug}");
        assert!(!debug.contains("s3cr3t"), "{debug}");
        assert!(debug.contains("[REDACTED]"));
        assert!(debug.contains("-1001234567890"));
    }
}

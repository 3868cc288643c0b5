//! Everything a handler needs, built once per cold start (clients outside the
//! handler): the AWS adapters behind the ports, the providers (offline
//! defaults until real provider keys select real ones), the Telegram
//! channel and webhook, the Step Functions callback and the settings.
//!
//! Tests build a [`Deps`] the same way from explicit parts
//! ([`Deps::assemble`]), pointing the AWS adapters at a local endpoint.

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;

use noktvrn_offline::{CatalogVideo, GenerativeCover, SynthMusic, TemplateLlm};
use noktvrn_pipeline::ProviderError;
use noktvrn_pipeline::outbox::OutboxDistributor;
use noktvrn_pipeline::ports::{
    ApprovalChannel, ApprovalPreview, Clock, DecisionSource, IncomingDecision, SystemClock,
    WorkflowCallback,
};
use noktvrn_pipeline::runner::Pipeline;

use crate::config::Settings;
use crate::error::HandlerError;

/// The dependencies of every handler.
#[derive(Clone)]
pub struct Deps {
    pub pipeline: Pipeline,
    pub workflow: Arc<dyn WorkflowCallback>,
    /// `None` when Telegram is not configured (the webhook answers 503).
    pub webhook: Option<Arc<noktvrn_telegram::Webhook>>,
    pub settings: Settings,
}

/// In AWS decisions are pushed (the webhook), never pulled.
struct PushOnly;

#[async_trait]
impl DecisionSource for PushOnly {
    async fn next_decision(
        &self,
        _preview: &ApprovalPreview,
        _wait: Duration,
    ) -> Result<Option<IncomingDecision>, ProviderError> {
        Err(ProviderError::Rejected {
            provider: "workflow".into(),
            message: "decisions arrive through the Telegram webhook in AWS".into(),
        })
    }
}

/// Stands in for Telegram when it is not configured: an approval request
/// fails as `Permanent.Provider` with a message saying what to set, rather
/// than waiting for a decision nobody was asked for.
struct Unconfigured;

#[async_trait]
impl ApprovalChannel for Unconfigured {
    fn name(&self) -> &str {
        "unconfigured"
    }
    async fn send_request(&self, _preview: &ApprovalPreview) -> Result<String, ProviderError> {
        Err(ProviderError::Rejected {
            provider: "telegram".into(),
            message: "Telegram is not configured: set TELEGRAM_BOT_TOKEN (or TELEGRAM_BOT_TOKEN_SSM_PARAM) and TELEGRAM_CHAT_ID".into(),
        })
    }
}

/// The stores of one deployment, as ports.
pub struct Stores {
    pub artists: Arc<dyn noktvrn_pipeline::ports::ArtistStore>,
    pub runs: Arc<dyn noktvrn_pipeline::ports::RunStore>,
    pub releases: Arc<dyn noktvrn_pipeline::ports::ReleaseStore>,
    pub trends: Arc<dyn noktvrn_pipeline::ports::TrendStore>,
    pub assets: Arc<dyn noktvrn_pipeline::ports::AssetStore>,
    pub queue: Arc<dyn noktvrn_pipeline::ports::ReleaseQueue>,
}

impl Stores {
    pub fn from_aws(s: &noktvrn_aws::AwsStores) -> Self {
        Self {
            artists: s.artists.clone(),
            runs: s.runs.clone(),
            releases: s.releases.clone(),
            trends: s.trends.clone(),
            assets: s.assets.clone(),
            queue: s.queue.clone(),
        }
    }
}

impl Deps {
    /// Assembles the pipeline from stores, an approval channel and a
    /// workflow callback, with the offline providers.
    pub fn assemble(
        stores: Stores,
        approval: Option<Arc<dyn ApprovalChannel>>,
        webhook: Option<Arc<noktvrn_telegram::Webhook>>,
        workflow: Arc<dyn WorkflowCallback>,
        clock: Arc<dyn Clock>,
        settings: Settings,
    ) -> Self {
        let pipeline = Pipeline {
            artists: stores.artists,
            runs: stores.runs,
            releases: stores.releases,
            trends: stores.trends,
            assets: stores.assets,
            queue: stores.queue,
            music: Arc::new(SynthMusic::new()),
            video: vec![Arc::new(CatalogVideo::new())],
            llm: vec![Arc::new(TemplateLlm::new())],
            cover: Arc::new(GenerativeCover::new()),
            approval: approval.unwrap_or_else(|| Arc::new(Unconfigured)),
            decisions: Arc::new(PushOnly),
            distributors: vec![Arc::new(OutboxDistributor::new())],
            clock,
        };
        Self {
            pipeline,
            workflow,
            webhook,
            settings,
        }
    }

    /// The cold start of a Lambda: typed config from the environment (a clear
    /// error naming a missing variable), SDK clients, secrets from the
    /// environment or SSM.
    pub async fn from_env() -> Result<Self, HandlerError> {
        let settings = Settings::from_env().map_err(|e| HandlerError::config(e.to_string()))?;
        let aws =
            noktvrn_aws::AwsConfig::from_env().map_err(|e| HandlerError::config(e.to_string()))?;
        let sdk = noktvrn_aws::sdk_config().await;
        let stores = noktvrn_aws::AwsStores::new(&sdk, &aws);
        let workflow: Arc<dyn WorkflowCallback> = Arc::new(noktvrn_aws::SfnCallback::new(&sdk));
        let telegram = telegram_from_env(&sdk).await?;
        let (approval, webhook) = match telegram {
            Some(cfg) => {
                let channel = noktvrn_telegram::TelegramApproval::new(cfg.clone())
                    .map_err(|e| HandlerError::config(e.to_string()))?;
                (
                    Some(Arc::new(channel) as Arc<dyn ApprovalChannel>),
                    Some(Arc::new(noktvrn_telegram::Webhook::new(cfg))),
                )
            }
            None => (None, None),
        };
        provider_keys_notice();
        Ok(Self::assemble(
            Stores::from_aws(&stores),
            approval,
            webhook,
            workflow,
            Arc::new(SystemClock),
            settings,
        ))
    }
}

/// Telegram's settings, the token and webhook secret from the environment
/// or SSM (`TELEGRAM_BOT_TOKEN_SSM_PARAM`, `TELEGRAM_WEBHOOK_SECRET_SSM_PARAM`).
/// `None` when no bot token is configured at all.
async fn telegram_from_env(
    sdk: &aws_config::SdkConfig,
) -> Result<Option<noktvrn_telegram::TelegramConfig>, HandlerError> {
    let configured = ["TELEGRAM_BOT_TOKEN", "TELEGRAM_BOT_TOKEN_SSM_PARAM"]
        .iter()
        .any(|k| std::env::var(k).is_ok_and(|v| !v.is_empty()));
    if !configured {
        tracing::warn!("Telegram is not configured; approval requests will fail until it is");
        return Ok(None);
    }
    let ssm = aws_sdk_ssm::Client::new(sdk);
    let token = noktvrn_aws::resolve_secret(&ssm, "TELEGRAM_BOT_TOKEN")
        .await
        .map_err(|e| HandlerError::config(e.to_string()))?;
    let secret = noktvrn_aws::resolve_secret(&ssm, "TELEGRAM_WEBHOOK_SECRET")
        .await
        .map_err(|e| HandlerError::config(e.to_string()))?;
    let cfg = noktvrn_telegram::TelegramConfig::from_env_with_secrets(token, secret)
        .map_err(|e| HandlerError::config(e.to_string()))?;
    Ok(Some(cfg))
}

fn provider_keys_notice() {
    const KEYS: [&str; 9] = [
        "SUNO_API_KEY",
        "PEXELS_API_KEY",
        "PIXABAY_API_KEY",
        "LUMA_API_KEY",
        "OPENAI_API_KEY",
        "DEEPSEEK_API_KEY",
        "XAI_API_KEY",
        "GEMINI_API_KEY",
        "MISTRAL_API_KEY",
    ];
    let set: Vec<&str> = KEYS
        .iter()
        .copied()
        .filter(|k| std::env::var_os(k).is_some_and(|v| !v.is_empty()))
        .collect();
    if !set.is_empty() {
        tracing::warn!(keys = ?set, "provider keys are set, but this build has only the offline providers; using them");
    }
}

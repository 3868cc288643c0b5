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

use crate::absent;
use crate::config::Settings;
use crate::error::HandlerError;
use crate::needs::{
    APPROVAL, ARTISTS, ASSETS, COVER, DISTRIBUTORS, LLM, MUSIC, QUEUE, RELEASES, RUNS, TRENDS,
    VIDEO, WEBHOOK, WORKFLOW, has,
};

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
    /// workflow callback, with the offline providers (all of them: tests
    /// restrict per function with [`Deps::restricted`]).
    pub fn assemble(
        stores: Stores,
        approval: Option<Arc<dyn ApprovalChannel>>,
        webhook: Option<Arc<noktvrn_telegram::Webhook>>,
        workflow: Arc<dyn WorkflowCallback>,
        clock: Arc<dyn Clock>,
        settings: Settings,
    ) -> Self {
        Self::assemble_with::<{ crate::needs::ALL }>(
            stores, approval, webhook, workflow, clock, settings,
        )
    }

    /// [`Deps::assemble`] building only the providers in `NEEDS`.
    fn assemble_with<const NEEDS: u32>(
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
            music: if const { has(NEEDS, MUSIC) } {
                Arc::new(SynthMusic::new())
            } else {
                Arc::new(absent::MUSIC)
            },
            video: if const { has(NEEDS, VIDEO) } {
                vec![Arc::new(CatalogVideo::new())]
            } else {
                Vec::new()
            },
            llm: if const { has(NEEDS, LLM) } {
                vec![Arc::new(TemplateLlm::new())]
            } else {
                Vec::new()
            },
            cover: if const { has(NEEDS, COVER) } {
                Arc::new(GenerativeCover::new())
            } else {
                Arc::new(absent::COVER)
            },
            approval: approval.unwrap_or_else(|| Arc::new(Unconfigured)),
            decisions: Arc::new(PushOnly),
            distributors: if const { has(NEEDS, DISTRIBUTORS) } {
                vec![Arc::new(OutboxDistributor::new())]
            } else {
                Vec::new()
            },
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
    /// environment or SSM, for the ports in `NEEDS` only ([`crate::needs`]):
    /// the others are never constructed, so their code is not linked into
    /// the function, and their slots hold [`absent::Absent`] ports.
    pub async fn from_env<const NEEDS: u32>() -> Result<Self, HandlerError> {
        let settings = Settings::from_env().map_err(|e| HandlerError::config(e.to_string()))?;
        let aws =
            noktvrn_aws::AwsConfig::from_env().map_err(|e| HandlerError::config(e.to_string()))?;
        let sdk = noktvrn_aws::sdk_config().await;
        let dynamodb = const { has(NEEDS, ARTISTS | RUNS | RELEASES | TRENDS) }
            .then(|| aws_sdk_dynamodb::Client::new(&sdk));
        let stores = Stores {
            artists: match &dynamodb {
                Some(c) if const { has(NEEDS, ARTISTS) } => Arc::new(
                    noktvrn_aws::DynamoArtistStore::new(c.clone(), &aws.artists_table),
                ),
                _ => Arc::new(absent::ARTISTS),
            },
            runs: match &dynamodb {
                Some(c) if const { has(NEEDS, RUNS) } => {
                    Arc::new(noktvrn_aws::DynamoRunStore::new(c.clone(), &aws.runs_table))
                }
                _ => Arc::new(absent::RUNS),
            },
            releases: match &dynamodb {
                Some(c) if const { has(NEEDS, RELEASES) } => Arc::new(
                    noktvrn_aws::DynamoReleaseStore::new(c.clone(), &aws.releases_table),
                ),
                _ => Arc::new(absent::RELEASES),
            },
            trends: match &dynamodb {
                Some(c) if const { has(NEEDS, TRENDS) } => Arc::new(
                    noktvrn_aws::DynamoTrendStore::new(c.clone(), &aws.trends_table),
                ),
                _ => Arc::new(absent::TRENDS),
            },
            assets: if const { has(NEEDS, ASSETS) } {
                Arc::new(noktvrn_aws::S3AssetStore::new(&sdk, &aws.assets_bucket))
            } else {
                Arc::new(absent::ASSETS)
            },
            queue: if const { has(NEEDS, QUEUE) } {
                Arc::new(noktvrn_aws::SqsReleaseQueue::new(
                    aws_sdk_sqs::Client::new(&sdk),
                    &aws.release_queue_url,
                    aws.release_dlq_url.clone(),
                ))
            } else {
                Arc::new(absent::QUEUE)
            },
        };
        let workflow: Arc<dyn WorkflowCallback> = if const { has(NEEDS, WORKFLOW) } {
            Arc::new(noktvrn_aws::SfnCallback::new(&sdk))
        } else {
            Arc::new(absent::WORKFLOW)
        };
        // Chosen as a function before awaiting: an `.await` inside a branch
        // that is dead for this function would still link the code behind
        // it (the state machine keeps a resume point for it).
        let telegram: fn(&aws_config::SdkConfig) -> TelegramFuture<'_> =
            if const { has(NEEDS, APPROVAL | WEBHOOK) } {
                |sdk| Box::pin(telegram_from_env(sdk))
            } else {
                |_| Box::pin(std::future::ready(Ok(None)))
            };
        let telegram = telegram(&sdk).await?;
        let (mut approval, mut webhook) = (None, None);
        if let Some(cfg) = telegram {
            if const { has(NEEDS, APPROVAL) } {
                let channel = noktvrn_telegram::TelegramApproval::new(cfg.clone())
                    .map_err(|e| HandlerError::config(e.to_string()))?;
                approval = Some(Arc::new(channel) as Arc<dyn ApprovalChannel>);
            }
            if const { has(NEEDS, WEBHOOK) } {
                webhook = Some(Arc::new(noktvrn_telegram::Webhook::new(cfg)));
            }
        }
        if const { has(NEEDS, MUSIC | VIDEO | LLM | COVER) } {
            provider_keys_notice();
        }
        // the slots left empty above hold what `restricted` puts there
        Ok(Self::assemble_with::<NEEDS>(
            stores,
            approval,
            webhook,
            workflow,
            Arc::new(SystemClock),
            settings,
        )
        .restricted(NEEDS))
    }

    /// The same dependencies with every port outside `needs` replaced by an
    /// [`absent::Absent`] one: what the function's `main.rs` would have built. The
    /// test suite calls handlers through this ([`crate::handlers::invoke`]),
    /// which proves each function's set in [`crate::needs`] is enough.
    pub fn restricted(&self, needs: u32) -> Self {
        let mut d = self.clone();
        let p = &mut d.pipeline;
        if !has(needs, ARTISTS) {
            p.artists = Arc::new(absent::ARTISTS);
        }
        if !has(needs, RUNS) {
            p.runs = Arc::new(absent::RUNS);
        }
        if !has(needs, RELEASES) {
            p.releases = Arc::new(absent::RELEASES);
        }
        if !has(needs, TRENDS) {
            p.trends = Arc::new(absent::TRENDS);
        }
        if !has(needs, ASSETS) {
            p.assets = Arc::new(absent::ASSETS);
        }
        if !has(needs, QUEUE) {
            p.queue = Arc::new(absent::QUEUE);
        }
        if !has(needs, MUSIC) {
            p.music = Arc::new(absent::MUSIC);
        }
        if !has(needs, VIDEO) {
            p.video = Vec::new();
        }
        if !has(needs, LLM) {
            p.llm = Vec::new();
        }
        if !has(needs, COVER) {
            p.cover = Arc::new(absent::COVER);
        }
        if !has(needs, APPROVAL) {
            p.approval = Arc::new(absent::APPROVAL);
        }
        if !has(needs, DISTRIBUTORS) {
            p.distributors = Vec::new();
        }
        if !has(needs, WEBHOOK) {
            d.webhook = None;
        }
        if !has(needs, WORKFLOW) {
            d.workflow = Arc::new(absent::WORKFLOW);
        }
        d
    }
}

type TelegramFuture<'a> = std::pin::Pin<
    Box<
        dyn std::future::Future<
                Output = Result<Option<noktvrn_telegram::TelegramConfig>, HandlerError>,
            > + Send
            + 'a,
    >,
>;

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

//! Wiring for the CLI: opens the local backend in the data directory and
//! assembles the pipeline with the offline providers. This is the CLI's
//! counterpart of a Lambda's cold start: everything is built once here.

use std::path::Path;
use std::sync::Arc;

use anyhow::Context;

use noktvrn_domain::artist::CreationMethod;
use noktvrn_local::LocalBackend;
use noktvrn_offline::{CatalogVideo, GenerativeCover, SynthMusic, TemplateLlm};
use noktvrn_pipeline::StoreError;
use noktvrn_pipeline::ports::{
    ApprovalChannel, ArtistStore, Clock, DecisionSource, SystemClock, TrendStore,
};
use noktvrn_pipeline::runner::Pipeline;

/// Provider keys that select real providers once those adapters exist.
const PROVIDER_KEYS: [&str; 10] = [
    "SUNO_API_KEY",
    "PEXELS_API_KEY",
    "PIXABAY_API_KEY",
    "LUMA_API_KEY",
    "OPENAI_API_KEY",
    "DEEPSEEK_API_KEY",
    "XAI_API_KEY",
    "GEMINI_API_KEY",
    "MISTRAL_API_KEY",
    "TELEGRAM_BOT_TOKEN",
];

pub fn open_backend(data_dir: &Path) -> anyhow::Result<LocalBackend> {
    LocalBackend::open(data_dir)
        .with_context(|| format!("cannot open the data directory {}", data_dir.display()))
}

pub fn build_pipeline(
    backend: &LocalBackend,
    approval: Arc<dyn ApprovalChannel>,
    decisions: Arc<dyn DecisionSource>,
) -> Pipeline {
    let set: Vec<&str> = PROVIDER_KEYS
        .iter()
        .copied()
        .filter(|k| std::env::var_os(k).is_some_and(|v| !v.is_empty()))
        .collect();
    if !set.is_empty() {
        tracing::warn!(keys = ?set, "provider keys are set, but this build has only the offline providers; using them");
    }
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    Pipeline {
        artists: backend.artists(),
        runs: backend.runs(),
        releases: backend.releases(),
        trends: backend.trends(),
        assets: backend.assets(),
        queue: backend.queue(),
        music: Arc::new(SynthMusic::new()),
        video: vec![Arc::new(CatalogVideo::new())],
        llm: vec![Arc::new(TemplateLlm::new())],
        cover: Arc::new(GenerativeCover::new()),
        approval,
        decisions,
        distributors: vec![backend.distributor()],
        clock,
    }
}

/// First use of a data directory: the starter roster and trend profiles.
pub async fn seed_if_empty(
    artists: &dyn ArtistStore,
    trends: &dyn TrendStore,
    clock: &dyn Clock,
) -> anyhow::Result<usize> {
    let now = clock.now();
    if trends.list().await?.is_empty() {
        for t in noktvrn_offline::bundled_trends(now) {
            trends.put(&t).await?;
        }
    }
    if !artists.list().await?.is_empty() {
        return Ok(0);
    }
    let mut n = 0;
    for draft in noktvrn_offline::starter_artists() {
        let name = draft.name.clone();
        let artist = draft
            .into_artist(now, CreationMethod::Seed)
            .with_context(|| format!("bundled starter artist {name} is invalid"))?;
        match artists.create(&artist).await {
            Ok(()) => n += 1,
            Err(StoreError::AlreadyExists { .. }) => {}
            Err(e) => return Err(e.into()),
        }
    }
    tracing::info!(count = n, "starter artists created");
    Ok(n)
}

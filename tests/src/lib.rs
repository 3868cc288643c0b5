//! Helpers for the integration tests: a pipeline on the real local backend
//! with the offline providers, as the CLI builds it, in a temporary directory.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use noktvrn_domain::artist::CreationMethod;
use noktvrn_domain::run::Decision;
use noktvrn_local::LocalBackend;
use noktvrn_offline::{CatalogVideo, GenerativeCover, SynthMusic, TemplateLlm};
use noktvrn_pipeline::ProviderError;
use noktvrn_pipeline::ports::{
    ApprovalChannel, ApprovalPreview, DecisionSource, IncomingDecision, SystemClock,
};
use noktvrn_pipeline::runner::Pipeline;

/// Decides every approval the same way (or never, with `None`).
pub struct Fixed(pub Option<Decision>);

#[async_trait::async_trait]
impl ApprovalChannel for Fixed {
    fn name(&self) -> &str {
        "test"
    }
    async fn send_request(&self, p: &ApprovalPreview) -> Result<String, ProviderError> {
        Ok(p.approval_id.clone())
    }
}

#[async_trait::async_trait]
impl DecisionSource for Fixed {
    async fn next_decision(
        &self,
        p: &ApprovalPreview,
        _wait: std::time::Duration,
    ) -> Result<Option<IncomingDecision>, ProviderError> {
        Ok(self.0.map(|d| IncomingDecision {
            approval_id: p.approval_id.clone(),
            decision: d,
            method: noktvrn_domain::run::DecisionMethod::Human,
            decided_by: "test".into(),
            note: None,
        }))
    }
}

pub fn pipeline(backend: &LocalBackend, decision: Option<Decision>) -> Pipeline {
    let d = Arc::new(Fixed(decision));
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
        approval: d.clone(),
        decisions: d,
        distributors: vec![backend.distributor()],
        clock: Arc::new(SystemClock),
    }
}

/// Seeds the starter roster and trends.
pub async fn seed(p: &Pipeline) {
    let now = chrono::Utc::now();
    for t in noktvrn_offline::bundled_trends(now) {
        p.trends.put(&t).await.expect("trend stored");
    }
    for d in noktvrn_offline::starter_artists() {
        let a = d
            .into_artist(now, CreationMethod::Seed)
            .expect("valid starter");
        p.artists.create(&a).await.expect("artist stored");
    }
}

/// The committed schema `docs/schemas/{name}`.
pub fn schema(name: &str) -> serde_json::Value {
    let path: PathBuf = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../docs/schemas")
        .join(name);
    let text = std::fs::read_to_string(&path).expect("committed schema");
    serde_json::from_str(&text).expect("schema is JSON")
}

/// Every violation of `value` against the committed schema `name`.
pub fn violations(name: &str, value: &serde_json::Value) -> Vec<String> {
    let schema = schema(name);
    let v = jsonschema::validator_for(&schema).expect("valid schema");
    v.iter_errors(value)
        .map(|e| format!("{e} at {}", e.instance_path))
        .collect()
}

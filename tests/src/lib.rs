//! Helpers for the integration tests: a pipeline on the real local backend
//! with the offline providers, as the CLI builds it, in a temporary directory.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use noktvrn_domain::run::Decision;
use noktvrn_local::LocalBackend;
use noktvrn_pipeline::ProviderError;
use noktvrn_pipeline::ports::{ApprovalChannel, ApprovalPreview, DecisionSource, IncomingDecision};
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

/// A clock that starts at a fixed instant, ticks one second per reading
/// and numbers its ULIDs: the same batch gets the same ids, hence the same
/// seeds and the same music, on every run of a test.
pub struct StepClock {
    t: std::sync::Mutex<(chrono::DateTime<chrono::Utc>, u128)>,
}

impl Default for StepClock {
    fn default() -> Self {
        Self {
            t: std::sync::Mutex::new((
                chrono::DateTime::from_timestamp(1_795_000_000, 0).unwrap_or_default(),
                0,
            )),
        }
    }
}

impl noktvrn_pipeline::ports::Clock for StepClock {
    fn now(&self) -> chrono::DateTime<chrono::Utc> {
        let mut t = self.t.lock().unwrap_or_else(|e| e.into_inner());
        t.0 += chrono::Duration::seconds(1);
        t.0
    }
    fn new_ulid(&self) -> ulid::Ulid {
        let mut t = self.t.lock().unwrap_or_else(|e| e.into_inner());
        t.1 += 1;
        ulid::Ulid::from_parts(t.0.timestamp_millis().max(0) as u64, t.1 * 7919)
    }
}

/// The pipeline exactly as the CLI wires it, with a fixed decision source.
pub fn pipeline(backend: &LocalBackend, decision: Option<Decision>) -> Pipeline {
    let d = Arc::new(Fixed(decision));
    noktvrn_cli::app::build_pipeline(backend, d.clone(), d)
}

/// Seeds the starter roster and trends, as the first `batch run` does.
pub async fn seed(p: &Pipeline) {
    let n =
        noktvrn_cli::app::seed_if_empty(p.artists.as_ref(), p.trends.as_ref(), p.clock.as_ref())
            .await
            .expect("seeded");
    assert!(n > 0, "a fresh store gets the starter roster");
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

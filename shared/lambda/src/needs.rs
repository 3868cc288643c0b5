//! Which ports each function builds at cold start.
//!
//! A Lambda links only the code it can reach. When every function built the
//! whole pipeline (five SDK clients, the synthesiser, the cover renderer,
//! Telegram's HTTP client and its TLS stack), every bootstrap carried all of
//! it: 7.5–8.8 MB zipped. Each `main.rs` now names its function's set as a
//! const generic ([`crate::runtime::serve_json`]); a port outside the set is
//! never constructed, so the compiler and the linker drop its adapter, and
//! the slot holds an [`crate::absent`] port that fails with a clear
//! `Permanent.*` error instead.
//!
//! The sets are proven sufficient by the test suite: [`crate::handlers::invoke`]
//! restricts the dependencies to the function's set before calling its
//! handler ([`crate::Deps::restricted`]), and the workflow test runs every
//! function that way on the real state machine.

/// The artist store (DynamoDB).
pub const ARTISTS: u32 = 1 << 0;
/// The run store (DynamoDB), including approval tickets.
pub const RUNS: u32 = 1 << 1;
/// The release store (DynamoDB).
pub const RELEASES: u32 = 1 << 2;
/// The trend store (DynamoDB).
pub const TRENDS: u32 = 1 << 3;
/// The asset store (S3).
pub const ASSETS: u32 = 1 << 4;
/// The release queue (SQS).
pub const QUEUE: u32 = 1 << 5;
/// The music generator.
pub const MUSIC: u32 = 1 << 6;
/// The video sources.
pub const VIDEO: u32 = 1 << 7;
/// The language models.
pub const LLM: u32 = 1 << 8;
/// The cover artist.
pub const COVER: u32 = 1 << 9;
/// Telegram, sending approval requests (an HTTP client).
pub const APPROVAL: u32 = 1 << 10;
/// Telegram, receiving button presses (the webhook check; no HTTP client).
pub const WEBHOOK: u32 = 1 << 11;
/// The Step Functions task-token callback.
pub const WORKFLOW: u32 = 1 << 12;
/// The distributors the upload consumer delivers to.
pub const DISTRIBUTORS: u32 = 1 << 13;

/// Everything: tests and tools that run every handler with one set of
/// dependencies.
pub const ALL: u32 = (1 << 14) - 1;

pub const SELECT_ARTISTS: u32 = ARTISTS | RUNS | ASSETS | LLM;
pub const ADAPT_PARAMS: u32 = ARTISTS | RUNS | TRENDS | LLM;
pub const GENERATE_TRACK: u32 = RUNS | MUSIC;
pub const POLL_TRACK: u32 = RUNS | MUSIC | ASSETS;
pub const ANALYZE_AUDIO: u32 = RUNS | ASSETS;
pub const SELECT_VIDEO: u32 = RUNS | ARTISTS | VIDEO;
pub const REQUEST_APPROVAL: u32 = RUNS | ARTISTS | ASSETS | APPROVAL | WORKFLOW;
pub const TELEGRAM_WEBHOOK: u32 = RUNS | WEBHOOK | WORKFLOW;
pub const PACKAGE_RELEASE: u32 = RUNS | ARTISTS | ASSETS | RELEASES | QUEUE | COVER;
pub const UPLOAD_RELEASE: u32 = RELEASES | ASSETS | DISTRIBUTORS;
pub const RECORD_OUTCOME: u32 = RUNS | ARTISTS | LLM;
pub const BATCH_SUMMARY: u32 = RUNS | ARTISTS;
pub const LIFECYCLE_EVALUATE: u32 = ARTISTS | RUNS | TRENDS;
pub const HEALTH_CHECK: u32 = RUNS | ARTISTS | ASSETS | WORKFLOW;

/// Every function and its set, by function name (the crate under
/// `functions/`).
pub const FUNCTIONS: [(&str, u32); 14] = [
    ("select-artists", SELECT_ARTISTS),
    ("adapt-params", ADAPT_PARAMS),
    ("generate-track", GENERATE_TRACK),
    ("poll-track", POLL_TRACK),
    ("analyze-audio", ANALYZE_AUDIO),
    ("select-video", SELECT_VIDEO),
    ("request-approval", REQUEST_APPROVAL),
    ("telegram-webhook", TELEGRAM_WEBHOOK),
    ("package-release", PACKAGE_RELEASE),
    ("upload-release", UPLOAD_RELEASE),
    ("record-outcome", RECORD_OUTCOME),
    ("batch-summary", BATCH_SUMMARY),
    ("lifecycle-evaluate", LIFECYCLE_EVALUATE),
    ("health-check", HEALTH_CHECK),
];

/// The set of `function`, if it is one of ours.
pub fn of(function: &str) -> Option<u32> {
    FUNCTIONS
        .iter()
        .find(|(name, _)| *name == function)
        .map(|(_, n)| *n)
}

/// The name of the constant a `main.rs` passes for `function`
/// (`select-artists` → `SELECT_ARTISTS`).
pub fn const_name(function: &str) -> String {
    function.replace('-', "_").to_uppercase()
}

/// `true` when `needs` includes `port`.
#[inline(always)]
pub const fn has(needs: u32, port: u32) -> bool {
    needs & port != 0
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Each `functions/<name>/src/main.rs` passes its own set, so a new
    /// port in a handler that is missing from the set fails the workflow
    /// test, and a main that passes another function's set fails here.
    #[test]
    fn every_function_main_passes_its_own_set() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../functions");
        let mut seen = 0;
        for (name, _) in FUNCTIONS {
            let main = root.join(name).join("src/main.rs");
            let text = std::fs::read_to_string(&main)
                .unwrap_or_else(|e| panic!("{}: {e}", main.display()));
            let wanted = format!("noktvrn_lambda::needs::{} }}", const_name(name));
            assert!(text.contains(&wanted), "{name}: main.rs must pass {wanted}");
            assert_eq!(
                text.matches("noktvrn_lambda::needs::").count(),
                1,
                "{name}: one set per function"
            );
            seen += 1;
        }
        let crates = std::fs::read_dir(&root)
            .map(|d| {
                d.filter_map(Result::ok)
                    .filter(|e| e.path().join("Cargo.toml").exists())
                    .count()
            })
            .unwrap_or(0);
        assert_eq!(seen, crates, "every crate under functions/ has a set");
    }

    #[test]
    fn sets_are_within_all_and_named() {
        for (name, n) in FUNCTIONS {
            assert_eq!(n & !ALL, 0, "{name}");
            assert_eq!(of(name), Some(n));
        }
        assert_eq!(of("nope"), None);
        assert!(has(SELECT_ARTISTS, ARTISTS) && !has(SELECT_ARTISTS, MUSIC));
    }
}

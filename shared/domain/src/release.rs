//! Releases: the metadata and prompts written into every package, the
//! manifest that makes a package exist (written last, with the size and
//! sha256 of every file), the release record with per-platform delivery
//! status, and the queue message that hands a package to distribution.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::error::ValidationErrors;
use crate::ids::{ArtistId, ReleaseId, RunId};
use crate::music::MusicalKey;
use crate::{DomainError, SCHEMA_VERSION};

/// The AI-generation disclosure platforms increasingly require.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct AiDisclosure {
    pub ai_generated: bool,
    /// The systems that made the parts (`music: offline-synth`, …).
    pub tools: Vec<String>,
    /// What a person did (`approved by telegram user 42`, `autopilot`, …).
    pub human_involvement: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ReleaseMetadata {
    pub schema_version: u32,
    pub release_id: ReleaseId,
    pub generation_run_id: RunId,
    pub artist_id: ArtistId,
    pub artist_name: String,
    pub release_date: NaiveDate,
    pub track_title: String,
    pub genre: String,
    /// Paths relative to the release folder, e.g. `audio/track.wav`.
    pub audio_file: String,
    pub video_file: Option<String>,
    /// The chosen clip when it is referenced rather than copied.
    pub video_reference: Option<VideoReference>,
    pub cover_file: String,
    pub track_structure_summary: String,
    pub visuals_source: String,
    pub llm_summary: String,
    pub bpm: Option<f64>,
    pub key: Option<MusicalKey>,
    pub loudness_lufs: Option<f64>,
    pub true_peak_dbtp: Option<f64>,
    pub duration_s: f64,
    #[schemars(regex(pattern = r"^[A-Z]{2}[A-Z0-9]{3}[0-9]{7}$"))]
    pub isrc: Option<String>,
    #[schemars(regex(pattern = r"^[0-9]{12,13}$"))]
    pub upc: Option<String>,
    pub ai_disclosure: AiDisclosure,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct VideoReference {
    pub source: String,
    pub clip_id: String,
    pub page_url: String,
    pub creator: String,
    pub attribution: String,
}

/// ISRC: CC-XXX-YY-NNNNN without dashes (country, registrant, year, designation).
pub fn is_valid_isrc(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 12
        && b[..2].iter().all(u8::is_ascii_uppercase)
        && b[2..5]
            .iter()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
        && b[5..].iter().all(u8::is_ascii_digit)
}

/// UPC-A (12 digits) or EAN-13 (13 digits), with a correct check digit.
pub fn is_valid_upc(s: &str) -> bool {
    let b = s.as_bytes();
    if !(b.len() == 12 || b.len() == 13) || !b.iter().all(u8::is_ascii_digit) {
        return false;
    }
    let digits: Vec<u32> = b.iter().map(|c| u32::from(c - b'0')).collect();
    let (body, check) = digits.split_at(digits.len() - 1);
    // weights 3,1,3,1… from the rightmost body digit
    let sum: u32 = body
        .iter()
        .rev()
        .enumerate()
        .map(|(i, d)| if i % 2 == 0 { d * 3 } else { *d })
        .sum();
    (10 - sum % 10) % 10 == check[0]
}

impl ReleaseMetadata {
    pub fn validate(&self) -> Result<(), DomainError> {
        let mut e = ValidationErrors::default();
        if self.track_title.trim().is_empty() || self.track_title.chars().count() > 200 {
            e.push("track_title", "must have 1 to 200 characters");
        }
        if self.artist_name.trim().is_empty() {
            e.push("artist_name", "must not be empty");
        }
        if !(self.duration_s.is_finite() && self.duration_s > 0.0) {
            e.push("duration_s", "must be positive");
        }
        if let Some(bpm) = self.bpm
            && !(bpm.is_finite() && (20.0..=300.0).contains(&bpm))
        {
            e.push("bpm", "must be between 20 and 300");
        }
        if let Some(isrc) = &self.isrc
            && !is_valid_isrc(isrc)
        {
            e.push("isrc", "must be 12 characters CCXXXYYNNNNN");
        }
        if let Some(upc) = &self.upc
            && !is_valid_upc(upc)
        {
            e.push("upc", "must be a UPC-A/EAN-13 with a valid check digit");
        }
        for (field, path) in [
            ("audio_file", &self.audio_file),
            ("cover_file", &self.cover_file),
        ] {
            if path.is_empty() || path.starts_with('/') || path.contains("..") {
                e.push(field, "must be a relative path inside the release");
            }
        }
        e.into_result().map_err(|errors| DomainError::Invalid {
            what: "release metadata",
            errors,
        })
    }
}

/// The prompts a release was made from (the original's `prompts_used.json`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct PromptsUsed {
    pub schema_version: u32,
    pub generation_run_id: RunId,
    pub suno_prompt: String,
    pub suno_style: String,
    pub video_keywords: Vec<String>,
    pub cover_prompt: String,
    pub lyrics: Option<String>,
    pub ab_variant_id: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct ManifestEntry {
    /// Relative to `releases/{release_id}/`.
    pub path: String,
    pub size: u64,
    pub sha256: String,
    pub content_type: String,
}

/// Written last: a release without a manifest does not exist.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Manifest {
    pub schema_version: u32,
    pub release_id: ReleaseId,
    pub created_at: DateTime<Utc>,
    pub files: Vec<ManifestEntry>,
}

impl Manifest {
    pub fn new(
        release_id: ReleaseId,
        created_at: DateTime<Utc>,
        mut files: Vec<ManifestEntry>,
    ) -> Self {
        files.sort_by(|a, b| a.path.cmp(&b.path));
        Self {
            schema_version: SCHEMA_VERSION,
            release_id,
            created_at,
            files,
        }
    }

    pub fn total_size(&self) -> u64 {
        self.files.iter().map(|f| f.size).sum()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ReleaseStatus {
    /// Package written, manifest last.
    Packaged,
    /// Handed to the release queue.
    Queued,
    /// Every distributor accepted it.
    Delivered,
    /// Some distributors failed; the message will be retried.
    PartiallyDelivered,
    /// Dead-lettered after too many attempts.
    Failed,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum DeliveryState {
    Delivered,
    Failed,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct PlatformDelivery {
    pub state: DeliveryState,
    pub at: DateTime<Utc>,
    pub attempts: u32,
    /// Where it went or why it failed.
    pub detail: String,
    pub external_id: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct ReleaseRecord {
    pub schema_version: u32,
    pub release_id: ReleaseId,
    pub run_id: RunId,
    pub artist_id: ArtistId,
    pub track_title: String,
    pub created_at: DateTime<Utc>,
    pub status: ReleaseStatus,
    pub manifest_key: String,
    pub platforms: BTreeMap<String, PlatformDelivery>,
    pub version: u64,
}

impl ReleaseRecord {
    /// Whether `platform` already has this release (so redelivery skips it).
    pub fn delivered_to(&self, platform: &str) -> bool {
        self.platforms
            .get(platform)
            .is_some_and(|p| p.state == DeliveryState::Delivered)
    }
}

/// The release queue's message: ids and keys only.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct ReleaseMessage {
    pub schema_version: u32,
    pub release_id: ReleaseId,
    pub manifest_key: String,
    pub queued_at: DateTime<Utc>,
}

/// Asset keys, identical on S3 and in the local `assets/` folder.
pub mod keys {
    use crate::ids::{ReleaseId, RunId};

    pub fn track_prefix(run: &RunId) -> String {
        format!("tracks/{run}/")
    }
    pub fn track_audio(run: &RunId, clip_id: &str, ext: &str) -> String {
        format!("tracks/{run}/{clip_id}.{ext}")
    }
    pub fn track_analysis(run: &RunId) -> String {
        format!("tracks/{run}/analysis.json")
    }
    pub fn release_prefix(release: &ReleaseId) -> String {
        format!("releases/{release}/")
    }
    pub fn release_file(release: &ReleaseId, rel_path: &str) -> String {
        format!("releases/{release}/{rel_path}")
    }
    pub fn manifest(release: &ReleaseId) -> String {
        release_file(release, "manifest.json")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn isrc_pattern() {
        assert!(is_valid_isrc("USRC17607839"));
        assert!(is_valid_isrc("GBAYE6800011"));
        assert!(!is_valid_isrc("US-RC1-76-07839"));
        assert!(!is_valid_isrc("usrc17607839"));
        assert!(!is_valid_isrc("USRC1760783"));
    }

    #[test]
    fn upc_check_digit() {
        assert!(is_valid_upc("036000291452"));
        assert!(!is_valid_upc("036000291453"));
        assert!(is_valid_upc("4006381333931"));
        assert!(!is_valid_upc("40063813339"));
        assert!(!is_valid_upc("03600029145a"));
    }

    #[test]
    fn manifest_sorts_files() {
        let m = Manifest::new(
            ReleaseId::parse("x_1_abcd").unwrap(),
            chrono::Utc::now(),
            vec![
                ManifestEntry {
                    path: "b".into(),
                    size: 2,
                    sha256: "".into(),
                    content_type: "".into(),
                },
                ManifestEntry {
                    path: "a".into(),
                    size: 1,
                    sha256: "".into(),
                    content_type: "".into(),
                },
            ],
        );
        assert_eq!(m.files[0].path, "a");
        assert_eq!(m.total_size(), 3);
    }
}

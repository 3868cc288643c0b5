//! [`CatalogVideo`]: stock-video search over a catalog bundled in the crate.
//!
//! Why: the select-video stage scores stock clips against the track and the
//! artist and records the chosen clip's reference with attribution. Offline
//! there is no Pexels/Pixabay key, so this source answers from
//! `data/video_catalog.json`: illustrative metadata in the shape those APIs
//! return (source, numeric id, creator, page URL, tags, duration, size,
//! fps), covering the imagery the genres ask for and the motion words the
//! stage adds. Nothing is downloaded (`download_url` is `None`).

use async_trait::async_trait;
use serde::Deserialize;

use noktvrn_pipeline::error::ProviderError;
use noktvrn_pipeline::ports::{VideoCandidate, VideoQuery, VideoSource};

/// Source name of this adapter.
pub const CATALOG_SOURCE: &str = "catalog";

const CATALOG_JSON: &str = include_str!("../data/video_catalog.json");

/// One clip of the bundled catalog.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CatalogEntry {
    /// `pexels` or `pixabay`.
    pub source: String,
    pub id: u64,
    pub title: String,
    pub creator: String,
    pub page_url: String,
    pub tags: Vec<String>,
    pub duration_s: f64,
    pub width: u32,
    pub height: u32,
    pub fps: f64,
}

impl CatalogEntry {
    fn candidate(&self) -> VideoCandidate {
        VideoCandidate {
            source: self.source.clone(),
            clip_id: self.id.to_string(),
            creator: self.creator.clone(),
            page_url: self.page_url.clone(),
            download_url: None,
            tags: self.tags.clone(),
            duration_s: self.duration_s,
            width: self.width,
            height: self.height,
            fps: self.fps,
        }
    }

    /// Lowercase words of the tags and the title.
    fn words(&self) -> Vec<String> {
        let mut w: Vec<String> = self
            .tags
            .iter()
            .chain(std::iter::once(&self.title))
            .flat_map(|t| words(t))
            .collect();
        w.sort();
        w.dedup();
        w
    }
}

#[derive(Deserialize)]
struct CatalogFile {
    #[allow(dead_code)]
    note: String,
    clips: Vec<CatalogEntry>,
}

/// The bundled catalog entries (empty only if the bundled file were broken,
/// which a test rules out).
pub fn catalog_entries() -> Vec<CatalogEntry> {
    match serde_json::from_str::<CatalogFile>(CATALOG_JSON) {
        Ok(f) => f.clips,
        Err(e) => {
            tracing::error!(error = %e, "bundled video catalog is invalid");
            vec![]
        }
    }
}

fn words(s: &str) -> impl Iterator<Item = String> + '_ {
    s.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
}

/// Words that never count as a match on their own.
const STOP_WORDS: [&str; 12] = [
    "a", "an", "and", "at", "by", "for", "in", "of", "on", "the", "to", "with",
];

/// Video search over the bundled catalog.
#[derive(Debug, Clone)]
pub struct CatalogVideo {
    entries: Vec<(CatalogEntry, Vec<String>)>,
}

impl Default for CatalogVideo {
    fn default() -> Self {
        Self::new()
    }
}

impl CatalogVideo {
    /// The bundled catalog.
    pub fn new() -> Self {
        Self::with_entries(catalog_entries())
    }

    /// A catalog over other entries (tests, custom catalogs).
    pub fn with_entries(entries: Vec<CatalogEntry>) -> Self {
        Self {
            entries: entries
                .into_iter()
                .map(|e| {
                    let w = e.words();
                    (e, w)
                })
                .collect(),
        }
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Matches ranked by how many query words hit the clip's tags/title;
    /// ties keep catalog order. Deterministic.
    pub fn search_sync(&self, query: &VideoQuery) -> Vec<VideoCandidate> {
        let mut wanted: Vec<String> = query
            .keywords
            .iter()
            .flat_map(|k| words(k).collect::<Vec<_>>())
            .filter(|w| !STOP_WORDS.contains(&w.as_str()))
            .collect();
        wanted.sort();
        wanted.dedup();
        if wanted.is_empty() {
            return vec![];
        }
        let min = if query.min_duration_s.is_finite() {
            query.min_duration_s
        } else {
            0.0
        };
        let mut hits: Vec<(usize, usize, &CatalogEntry)> = self
            .entries
            .iter()
            .enumerate()
            .filter(|(_, (e, _))| e.duration_s >= min)
            .filter_map(|(i, (e, clip_words))| {
                let n = wanted
                    .iter()
                    .filter(|w| clip_words.binary_search(w).is_ok())
                    .count();
                (n > 0).then_some((n, i, e))
            })
            .collect();
        hits.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
        let per_page = usize::try_from(query.per_page.max(1)).unwrap_or(usize::MAX);
        hits.into_iter()
            .take(per_page)
            .map(|(_, _, e)| e.candidate())
            .collect()
    }
}

#[async_trait]
impl VideoSource for CatalogVideo {
    fn name(&self) -> &str {
        CATALOG_SOURCE
    }

    async fn search(&self, query: &VideoQuery) -> Result<Vec<VideoCandidate>, ProviderError> {
        Ok(self.search_sync(query))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    fn q(keywords: &[&str], min: f64, per_page: u32) -> VideoQuery {
        VideoQuery {
            keywords: keywords.iter().map(|s| s.to_string()).collect(),
            min_duration_s: min,
            per_page,
        }
    }

    #[test]
    fn the_bundled_catalog_is_valid() {
        let entries = catalog_entries();
        assert!(entries.len() >= 60, "{}", entries.len());
        let mut ids = BTreeSet::new();
        for e in &entries {
            assert!(ids.insert((e.source.clone(), e.id)), "duplicate {}", e.id);
            let slug_ok = |prefix: &str| {
                e.page_url
                    .strip_prefix(prefix)
                    .and_then(|rest| rest.strip_suffix('/'))
                    .is_some_and(|slug| {
                        slug.ends_with(&format!("-{}", e.id))
                            && slug
                                .bytes()
                                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
                    })
            };
            match e.source.as_str() {
                "pexels" => assert!(slug_ok("https://www.pexels.com/video/"), "{}", e.page_url),
                "pixabay" => assert!(slug_ok("https://pixabay.com/videos/"), "{}", e.page_url),
                other => panic!("unknown source {other}"),
            }
            assert!(!e.creator.trim().is_empty() && !e.title.trim().is_empty());
            assert!(
                e.tags.len() >= 3
                    && e.tags
                        .iter()
                        .all(|t| t == &t.to_lowercase() && !t.is_empty())
            );
            assert!((5.0..=120.0).contains(&e.duration_s), "{}", e.duration_s);
            assert!(e.width >= 640 && e.height >= 640 && e.width <= 8192 && e.height <= 8192);
            assert!((23.0..=60.0).contains(&e.fps), "{}", e.fps);
        }
        assert!(entries.iter().any(|e| e.source == "pixabay"));
        // imagery the genres and the stage's fallback queries ask for
        let all: BTreeSet<String> = entries.iter().flat_map(|e| e.tags.clone()).collect();
        for w in [
            "neon",
            "city",
            "rain",
            "night",
            "drive",
            "retro",
            "grid",
            "forest",
            "ocean",
            "abstract",
            "particles",
            "club",
            "laser",
            "clouds",
            "desert",
            "snow",
            "studio",
            "skate",
            "anime",
            "sunset",
            "fast",
            "energetic",
            "slow",
            "calm",
            "intense",
            "dynamic",
            "peaceful",
            "dreamy",
            "lights",
            "sky",
            "background",
            "visualization",
        ] {
            assert!(all.contains(w), "no clip tagged {w}");
        }
    }

    #[tokio::test]
    async fn search_ranks_by_matches_and_respects_limits() {
        let c = CatalogVideo::new();
        assert_eq!(c.name(), "catalog");
        let r = c.search(&q(&["Neon City", "night"], 0.0, 5)).await.unwrap();
        assert_eq!(r.len(), 5);
        let score = |v: &VideoCandidate| {
            ["neon", "city", "night"]
                .iter()
                .filter(|w| v.tags.iter().any(|t| t == *w))
                .count()
        };
        assert_eq!(score(&r[0]), 3);
        assert!(r.windows(2).all(|w| score(&w[0]) >= score(&w[1])));
        assert!(r.iter().all(|v| v.download_url.is_none()));

        let long = c.search(&q(&["ocean"], 30.0, 50)).await.unwrap();
        assert!(long.iter().all(|v| v.duration_s >= 30.0));
        let all_ocean = c.search(&q(&["ocean"], 0.0, 50)).await.unwrap();
        assert!(all_ocean.len() >= long.len());
        assert!(
            all_ocean.iter().all(|v| v.tags.iter().any(|t| t == "ocean")
                || v.tags.contains(&"underwater".to_string()))
        );

        // stage fallback queries and motion words find something
        for kw in [
            "abstract background",
            "city lights",
            "music visualization",
            "night sky",
            "fast energetic",
        ] {
            assert!(
                !c.search(&q(&[kw], 10.0, 15)).await.unwrap().is_empty(),
                "{kw}"
            );
        }
        assert!(c.search(&q(&["zzzz"], 0.0, 15)).await.unwrap().is_empty());
        assert!(c.search(&q(&[], 0.0, 15)).await.unwrap().is_empty());
        assert!(c.search(&q(&["the"], 0.0, 15)).await.unwrap().is_empty());
    }

    #[tokio::test]
    async fn search_is_deterministic() {
        let c = CatalogVideo::new();
        let query = q(&["sunset", "dreamy"], 5.0, 10);
        assert_eq!(
            c.search(&query).await.unwrap(),
            c.search(&query).await.unwrap()
        );
    }
}

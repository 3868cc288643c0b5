//! select-video: stock search scored against the audio and the artist.
//!
//! Queries, in order: the prompt's video keywords, the artist's visual
//! style, tempo/energy words, then generic fallbacks. Every source is asked;
//! candidates are scored on tag overlap, duration fit, motion (tempo and
//! energy vs tags), resolution and frame rate. A source that fails is
//! skipped (logged), so one provider's outage never stops a run.

use std::collections::BTreeSet;

use noktvrn_domain::ids::RunId;
use noktvrn_domain::run::{RunStatus, StageName, VideoChoice};

use super::{Change, load_artist, load_run, mutate_run};
use crate::error::{ProviderError, StageError};
use crate::ports::{ArtistStore, Clock, RunStore, VideoCandidate, VideoQuery, VideoSource};

const FALLBACK_QUERIES: [&str; 4] = [
    "abstract background",
    "city lights",
    "music visualization",
    "night sky",
];

/// Tempo and energy words, as the original's selector added them.
pub fn motion_words(bpm: Option<f64>, energy: Option<f64>) -> Vec<&'static str> {
    let mut w = vec![];
    match bpm {
        Some(b) if b > 140.0 => w.extend(["fast", "energetic"]),
        Some(b) if b < 90.0 => w.extend(["slow", "calm"]),
        _ => {}
    }
    match energy {
        Some(e) if e > 0.7 => w.extend(["intense", "dynamic"]),
        Some(e) if e < 0.35 => w.extend(["peaceful", "dreamy"]),
        _ => {}
    }
    w
}

fn words(s: &str) -> impl Iterator<Item = String> + '_ {
    s.split(|c: char| !c.is_alphanumeric())
        .filter(|w| w.len() > 2)
        .map(str::to_lowercase)
}

/// 0..1 score of one candidate.
pub fn score_candidate(
    c: &VideoCandidate,
    wanted: &BTreeSet<String>,
    motion: &[&str],
    track_s: f64,
) -> f64 {
    let tags: BTreeSet<String> = c
        .tags
        .iter()
        .flat_map(|t| words(t).collect::<Vec<_>>())
        .collect();
    let overlap = tags.intersection(wanted).count() as f64;
    let keyword = (overlap / 3.0).min(1.0);
    let wanted_len = track_s.clamp(5.0, 30.0);
    let duration = (c.duration_s / wanted_len).min(1.0);
    let motion_fit = if motion.is_empty() {
        0.5
    } else {
        motion.iter().filter(|m| tags.contains(**m)).count() as f64 / motion.len() as f64
    };
    let resolution = (f64::from(c.width.min(c.height)) / 1080.0).min(1.0);
    let fps = if c.fps >= 23.9 { 1.0 } else { c.fps / 24.0 };
    0.45 * keyword + 0.2 * duration + 0.15 * motion_fit + 0.1 * resolution + 0.1 * fps
}

fn source_title(source: &str) -> String {
    let mut c = source.chars();
    c.next()
        .map(|f| f.to_uppercase().collect::<String>() + c.as_str())
        .unwrap_or_default()
}

#[tracing::instrument(skip_all, fields(run_id = %run_id))]
pub async fn select_video(
    runs: &dyn RunStore,
    artists: &dyn ArtistStore,
    sources: &[&dyn VideoSource],
    clock: &dyn Clock,
    run_id: &RunId,
) -> Result<Option<VideoChoice>, StageError> {
    let started = clock.now();
    let run = load_run(runs, run_id).await?;
    if run.status != RunStatus::Analyzed {
        if run.stages.iter().any(|s| s.stage == StageName::SelectVideo) && !run.status.is_terminal()
        {
            return Ok(run.video.clone());
        }
        return Err(StageError::illegal_state(&run, "select-video", "analyzed"));
    }
    let artist = load_artist(artists, &run.artist_id).await?;
    let params = run
        .params
        .as_ref()
        .ok_or_else(|| StageError::Internal("analysed run without params".into()))?;
    let bpm = run.analysis.as_ref().and_then(|a| a.bpm);
    let energy = run.analysis.as_ref().and_then(|a| a.energy);
    let track_s = run
        .analysis
        .as_ref()
        .map(|a| a.duration_s)
        .unwrap_or(params.duration_s);
    let motion = motion_words(bpm, energy);

    let mut wanted: BTreeSet<String> = BTreeSet::new();
    for k in params
        .video_keywords
        .iter()
        .chain(&artist.persona.visual_style_keywords)
    {
        wanted.extend(words(k));
    }
    wanted.extend(motion.iter().map(|m| m.to_string()));

    let mut queries: Vec<Vec<String>> = vec![params.video_keywords.clone()];
    if !artist.persona.visual_style_keywords.is_empty() {
        queries.push(
            artist
                .persona
                .visual_style_keywords
                .iter()
                .take(3)
                .cloned()
                .collect(),
        );
    }
    if !motion.is_empty() {
        let mut q: Vec<String> = params.video_keywords.iter().take(1).cloned().collect();
        q.extend(motion.iter().map(|m| m.to_string()));
        queries.push(q);
    }
    queries.extend(FALLBACK_QUERIES.iter().map(|q| vec![q.to_string()]));

    let mut seen = BTreeSet::new();
    let mut candidates: Vec<(f64, VideoCandidate)> = vec![];
    let mut errors: Vec<ProviderError> = vec![];
    for (qi, q) in queries.iter().enumerate() {
        if q.is_empty() {
            continue;
        }
        for source in sources {
            let query = VideoQuery {
                keywords: q.clone(),
                min_duration_s: track_s.clamp(5.0, 15.0),
                per_page: 15,
            };
            match source.search(&query).await {
                Ok(found) => {
                    for c in found {
                        if seen.insert((c.source.clone(), c.clip_id.clone())) {
                            let s = score_candidate(&c, &wanted, &motion, track_s);
                            candidates.push((s, c));
                        }
                    }
                }
                Err(e) => {
                    tracing::warn!(source = source.name(), error = %e, "video search failed; skipping source");
                    errors.push(e);
                }
            }
        }
        // the first queries are the specific ones; stop once we have a choice
        if qi >= 1 && candidates.len() >= 5 {
            break;
        }
    }
    if candidates.is_empty() && !errors.is_empty() && errors.len() >= sources.len() {
        // every source failed: let the caller retry rather than ship without video
        if let Some(e) = errors.into_iter().find(ProviderError::is_retryable) {
            return Err(e.into());
        }
    }
    candidates.sort_by(|a, b| {
        b.0.total_cmp(&a.0)
            .then_with(|| a.1.clip_id.cmp(&b.1.clip_id))
    });
    let choice = candidates.into_iter().next().map(|(score, c)| VideoChoice {
        attribution: format!("Video by {} on {}", c.creator, source_title(&c.source)),
        source: c.source,
        clip_id: c.clip_id,
        creator: c.creator,
        page_url: c.page_url,
        download_url: c.download_url,
        tags: c.tags,
        duration_s: c.duration_s,
        width: c.width,
        height: c.height,
        fps: c.fps,
        score: (score * 1000.0).round() / 1000.0,
        asset_key: None,
    });
    let ended = clock.now();
    let stored = mutate_run(runs, run_id, |r| {
        if r.status != RunStatus::Analyzed {
            return Ok(Change::Skip);
        }
        r.video = choice.clone();
        r.transition(RunStatus::VideoSelected, ended)?;
        r.record_stage(StageName::SelectVideo, started, ended, None);
        Ok(Change::Write)
    })
    .await?;
    tracing::info!(video = ?stored.video.as_ref().map(|v| (&v.source, &v.clip_id, v.score)), "video selected");
    Ok(stored.video)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cand(tags: &[&str], dur: f64, h: u32) -> VideoCandidate {
        VideoCandidate {
            source: "catalog".into(),
            clip_id: "1".into(),
            creator: "c".into(),
            page_url: "u".into(),
            download_url: None,
            tags: tags.iter().map(|s| s.to_string()).collect(),
            duration_s: dur,
            width: h * 16 / 9,
            height: h,
            fps: 30.0,
        }
    }

    #[test]
    fn matching_tags_and_motion_score_higher() {
        let wanted: BTreeSet<String> = ["neon", "city", "rain"].map(String::from).into();
        let motion = motion_words(Some(150.0), Some(0.8));
        let good = score_candidate(
            &cand(&["neon city", "rain", "fast"], 30.0, 1080),
            &wanted,
            &motion,
            120.0,
        );
        let bad = score_candidate(&cand(&["forest"], 6.0, 720), &wanted, &motion, 120.0);
        assert!(good > bad + 0.4, "{good} vs {bad}");
        assert!(good <= 1.0 && bad >= 0.0);
    }

    #[test]
    fn motion_words_follow_tempo_and_energy() {
        assert_eq!(motion_words(Some(150.0), None), ["fast", "energetic"]);
        assert_eq!(
            motion_words(Some(80.0), Some(0.2)),
            ["slow", "calm", "peaceful", "dreamy"]
        );
        assert!(motion_words(Some(120.0), Some(0.5)).is_empty());
    }
}

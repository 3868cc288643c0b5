//! Bundled starting data: five starter artists and illustrative trends.
//!
//! Why: a new user's first `batch` must have artists to run and trends for
//! them to adapt to, with no accounts and no imports. The starter roster
//! (`data/starter_artists.json`) holds five complete artists in distinct
//! genres; [`bundled_trends`] gives one trend profile per country × genre.
//!
//! The trends are **illustrative starting data**, hand-tuned to be plausible
//! for each genre and slightly different per country; they are not measured
//! from any chart. Real trend imports replace them (the store keeps the
//! latest profile per segment).

use chrono::{DateTime, Utc};

use noktvrn_domain::SCHEMA_VERSION;
use noktvrn_domain::artist::ArtistDraft;
use noktvrn_domain::trend::{TrendProfile, TrendSegment};

const STARTER_ARTISTS_JSON: &str = include_str!("../data/starter_artists.json");

/// The starter roster as drafts; turn each into an artist with
/// `draft.into_artist(now, CreationMethod::Seed)`. Empty only if the bundled
/// file were broken, which a test rules out.
pub fn starter_artists() -> Vec<ArtistDraft> {
    match serde_json::from_str(STARTER_ARTISTS_JSON) {
        Ok(drafts) => drafts,
        Err(e) => {
            tracing::error!(error = %e, "bundled starter artists are invalid");
            vec![]
        }
    }
}

/// Countries the bundled trends cover (ISO 3166-1 alpha-2).
pub const TREND_COUNTRIES: [&str; 5] = ["US", "GB", "DE", "JP", "BR"];
/// Genres the bundled trends cover (the starter artists' genres).
pub const TREND_GENRES: [&str; 5] = ["lofi", "synthwave", "phonk", "house", "ambient"];
/// Audience of the bundled segments.
pub const TREND_AUDIENCE: &str = "general";

struct GenreBase {
    genre: &'static str,
    tempo: f64,
    energy: f64,
    minor_share: f64,
    keywords: [&'static str; 5],
}

const BASES: [GenreBase; 5] = [
    GenreBase {
        genre: "lofi",
        tempo: 82.0,
        energy: 0.32,
        minor_share: 0.6,
        keywords: ["chill", "study", "jazzy", "rain", "vinyl"],
    },
    GenreBase {
        genre: "synthwave",
        tempo: 106.0,
        energy: 0.62,
        minor_share: 0.7,
        keywords: ["retro", "80s", "neon", "night drive", "arpeggio"],
    },
    GenreBase {
        genre: "phonk",
        tempo: 138.0,
        energy: 0.84,
        minor_share: 0.9,
        keywords: ["drift", "cowbell", "aggressive", "808", "gym"],
    },
    GenreBase {
        genre: "house",
        tempo: 124.0,
        energy: 0.72,
        minor_share: 0.55,
        keywords: ["groovy", "deep", "disco", "summer", "club"],
    },
    GenreBase {
        genre: "ambient",
        tempo: 70.0,
        energy: 0.2,
        minor_share: 0.45,
        keywords: ["calm", "sleep", "meditation", "nature", "drone"],
    },
];

/// Per-country flavour: (tempo offset BPM, energy offset, minor-share offset,
/// sample-size factor, local keyword).
fn country_offsets(country: &str) -> (f64, f64, f64, f64, &'static str) {
    match country {
        "US" => (1.0, 0.03, 0.0, 1.6, "playlist"),
        "GB" => (2.0, 0.04, 0.05, 1.1, "uk"),
        "DE" => (3.0, 0.05, 0.08, 1.0, "berlin"),
        "JP" => (-2.0, -0.04, -0.05, 0.9, "city pop"),
        "BR" => (4.0, 0.06, -0.02, 0.8, "funk"),
        _ => (0.0, 0.0, 0.0, 1.0, "global"),
    }
}

/// One trend profile per country × genre for the month of `now`
/// (`period` = `YYYY-MM`, `updated_at` = `now`). Illustrative starting data
/// (see the module docs); deterministic for a given `now`.
pub fn bundled_trends(now: DateTime<Utc>) -> Vec<TrendProfile> {
    let period = now.format("%Y-%m").to_string();
    let mut out = Vec::with_capacity(TREND_COUNTRIES.len() * BASES.len());
    for (ci, country) in TREND_COUNTRIES.iter().enumerate() {
        let (dt, de, dm, size, local) = country_offsets(country);
        for (gi, base) in BASES.iter().enumerate() {
            // small per-segment variation so no two segments are identical
            let wiggle = ((ci * 7 + gi * 3) % 5) as f64 - 2.0;
            let tempo_scale = base.tempo / 110.0;
            let tempo = ((base.tempo + (dt + wiggle * 0.5) * tempo_scale) * 10.0).round() / 10.0;
            let energy =
                ((base.energy + de + wiggle * 0.01).clamp(0.05, 0.95) * 100.0).round() / 100.0;
            let minor = ((base.minor_share + dm).clamp(0.0, 1.0) * 100.0).round() / 100.0;
            let mut keywords: Vec<String> = base.keywords.iter().map(|k| k.to_string()).collect();
            keywords.push(local.to_string());
            let sample_size =
                (f64::from(200 + 37 * ((ci + 2 * gi) % 7) as u32) * size).round() as u32;
            out.push(TrendProfile {
                schema_version: SCHEMA_VERSION,
                segment: TrendSegment {
                    country: (*country).to_string(),
                    genre: base.genre.to_string(),
                    audience: TREND_AUDIENCE.to_string(),
                    period: period.clone(),
                },
                tempo_bpm: tempo,
                energy,
                minor_share: minor,
                keywords,
                sample_size,
                updated_at: now,
                tempo_trend_per_period: (wiggle * 0.2 * 10.0).round() / 10.0,
                energy_trend_per_period: (wiggle * 0.005 * 1000.0).round() / 1000.0,
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use noktvrn_domain::artist::{CreationMethod, LifecycleStatus};
    use noktvrn_domain::trend::compatibility;
    use std::collections::BTreeSet;

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 3, 14, 9, 30, 0)
            .single()
            .unwrap_or_default()
    }

    #[test]
    fn every_starter_artist_becomes_a_valid_artist() {
        let drafts = starter_artists();
        assert_eq!(drafts.len(), 5);
        let mut genres = BTreeSet::new();
        let mut ids = BTreeSet::new();
        let mut autopilot = 0;
        for d in drafts {
            let a = d.into_artist(now(), CreationMethod::Seed).unwrap();
            assert!(
                genres.insert(a.genre.clone()),
                "duplicate genre {}",
                a.genre
            );
            assert!(ids.insert(a.artist_id.to_string()));
            assert!(matches!(
                a.status,
                LifecycleStatus::Active | LifecycleStatus::Candidate
            ));
            assert_eq!(a.persona.creation_method, CreationMethod::Seed);
            assert!((60.0..=150.0).contains(&a.sound.track_duration_s));
            assert!(a.palette_rgb().len() >= 4);
            assert!(!a.persona.visual_style_keywords.is_empty());
            assert!(!a.persona.themes_and_topics.is_empty());
            assert!(TREND_COUNTRIES.contains(&a.persona.market.as_str()));
            autopilot += usize::from(a.autopilot_enabled);
        }
        assert_eq!(autopilot, 1);
        assert_eq!(genres, TREND_GENRES.iter().map(|g| g.to_string()).collect());
    }

    #[test]
    fn trends_cover_every_country_and_genre_for_the_month() {
        let t = bundled_trends(now());
        assert_eq!(t.len(), 25);
        let keys: BTreeSet<String> = t.iter().map(|p| p.segment.key()).collect();
        assert_eq!(keys.len(), 25);
        assert!(
            t.iter()
                .all(|p| p.segment.period == "2026-03" && p.updated_at == now())
        );
        for p in &t {
            assert!((50.0..=200.0).contains(&p.tempo_bpm));
            assert!((0.0..=1.0).contains(&p.energy) && (0.0..=1.0).contains(&p.minor_share));
            assert!(p.sample_size >= 100 && !p.keywords.is_empty());
        }
        // countries differ
        for g in TREND_GENRES {
            let tempos: BTreeSet<u64> = t
                .iter()
                .filter(|p| p.segment.genre == g)
                .map(|p| (p.tempo_bpm * 10.0) as u64)
                .collect();
            assert!(tempos.len() >= 4, "{g}");
        }
        assert_eq!(t, bundled_trends(now()));
    }

    #[test]
    fn starter_artists_sit_close_to_their_home_trend() {
        let t = bundled_trends(now());
        for d in starter_artists() {
            let a = d.into_artist(now(), CreationMethod::Seed).unwrap();
            let trend = t
                .iter()
                .find(|p| p.segment.country == a.persona.market && p.segment.genre == a.genre)
                .unwrap();
            assert!(compatibility(&a.sound, trend) > 0.8, "{}", a.name);
        }
    }
}

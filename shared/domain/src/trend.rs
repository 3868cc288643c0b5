//! Trends and evolution. A trend profile describes what one segment
//! (country × genre × audience × period) currently sounds like; the artist's
//! compatibility with it decides how far one evolution step moves the artist's
//! sound toward it. Steps are small (bounded by `max_step`), scaled by the
//! artist's `trend_adaptability`, and never leave the identity anchor, so an
//! artist changes gradually and stays recognisable. Every change is logged.

use chrono::{DateTime, Utc};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::artist::{Artist, SoundProfile};
use crate::ids::{ArtistId, RunId};

#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
pub struct TrendSegment {
    /// ISO 3166-1 alpha-2.
    pub country: String,
    pub genre: String,
    pub audience: String,
    /// e.g. `2026-W47` or `2026-11`.
    pub period: String,
}

impl TrendSegment {
    pub fn key(&self) -> String {
        format!(
            "{}#{}#{}#{}",
            self.country, self.genre, self.audience, self.period
        )
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct TrendProfile {
    pub schema_version: u32,
    pub segment: TrendSegment,
    pub tempo_bpm: f64,
    pub energy: f64,
    /// Share of trending tracks in minor keys.
    pub minor_share: f64,
    pub keywords: Vec<String>,
    pub sample_size: u32,
    pub updated_at: DateTime<Utc>,
    /// Direction of travel per period (forecast), same units as the fields.
    #[serde(default)]
    pub tempo_trend_per_period: f64,
    #[serde(default)]
    pub energy_trend_per_period: f64,
}

/// 0 (nothing in common) .. 1 (identical): tempo distance (octave-aware,
/// relative), energy distance and mode share, weighted 0.45 / 0.35 / 0.2.
pub fn compatibility(sound: &SoundProfile, trend: &TrendProfile) -> f64 {
    let tempo_gap = {
        let ratio = (sound.tempo_bpm / trend.tempo_bpm.max(1.0)).max(1e-6);
        // half/double time feels alike: compare on the octave circle
        let octaves = ratio.log2();
        let frac = (octaves - octaves.round()).abs();
        (frac / 0.25).min(1.0)
    };
    let energy_gap = (sound.energy - trend.energy).abs().min(1.0);
    let mode_gap = (sound.minor_share() - trend.minor_share).abs().min(1.0);
    (1.0 - (0.45 * tempo_gap + 0.35 * energy_gap + 0.2 * mode_gap)).clamp(0.0, 1.0)
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct FieldChange {
    pub field: String,
    pub from: serde_json::Value,
    pub to: serde_json::Value,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum EvolutionKind {
    TrendAdaptation,
    Reflection,
    Feedback,
    Lifecycle,
    Manual,
}

/// One entry of an artist's progression log.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct EvolutionEntry {
    pub schema_version: u32,
    pub artist_id: ArtistId,
    pub at: DateTime<Utc>,
    pub run_id: Option<RunId>,
    pub kind: EvolutionKind,
    pub changes: Vec<FieldChange>,
    pub reason: String,
}

/// One bounded evolution step of the artist's sound toward `trend`.
///
/// The step for each dimension is `gap × trend_adaptability × (1 − compat/2)`,
/// capped at `max_step` (relative for tempo, absolute for energy), and the
/// result is clamped into the identity anchor. Returns the changes made
/// (empty when the artist already sits on the trend or on its anchor bound).
pub fn evolution_step(artist: &mut Artist, trend: &TrendProfile) -> (f64, Vec<FieldChange>) {
    let compat = compatibility(&artist.sound, trend);
    let adapt = artist.evolution.trend_adaptability.clamp(0.0, 1.0);
    let max_step = artist.evolution.max_step.clamp(0.0, 0.5);
    let pull = adapt * (1.0 - compat / 2.0);
    let s = &mut artist.sound;
    let mut changes = Vec::new();

    // tempo: move toward the trend tempo folded into the artist's octave
    let mut target = trend.tempo_bpm;
    while target < s.tempo_bpm / 1.5 {
        target *= 2.0;
    }
    while target > s.tempo_bpm * 1.5 {
        target /= 2.0;
    }
    let rel_gap = (target - s.tempo_bpm) / s.tempo_bpm;
    let rel_step = (rel_gap * pull).clamp(-max_step, max_step);
    let lo = s.anchor.tempo_bpm * (1.0 - s.anchor.tempo_tolerance);
    let hi = s.anchor.tempo_bpm * (1.0 + s.anchor.tempo_tolerance);
    let new_tempo = round2((s.tempo_bpm * (1.0 + rel_step)).clamp(lo, hi));
    if (new_tempo - s.tempo_bpm).abs() >= 0.01 {
        changes.push(FieldChange {
            field: "sound.tempo_bpm".into(),
            from: s.tempo_bpm.into(),
            to: new_tempo.into(),
        });
        s.tempo_bpm = new_tempo;
    }

    let e_step = ((trend.energy - s.energy) * pull).clamp(-max_step, max_step);
    let e_lo = (s.anchor.energy - s.anchor.energy_tolerance).max(0.0);
    let e_hi = (s.anchor.energy + s.anchor.energy_tolerance).min(1.0);
    let new_energy = round3((s.energy + e_step).clamp(e_lo, e_hi));
    if (new_energy - s.energy).abs() >= 0.001 {
        changes.push(FieldChange {
            field: "sound.energy".into(),
            from: s.energy.into(),
            to: new_energy.into(),
        });
        s.energy = new_energy;
    }
    (compat, changes)
}

fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

fn round3(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::artist::tests::sample_artist;
    use proptest::prelude::*;

    fn trend(tempo: f64, energy: f64, minor: f64) -> TrendProfile {
        TrendProfile {
            schema_version: 1,
            segment: TrendSegment {
                country: "US".into(),
                genre: "lofi".into(),
                audience: "general".into(),
                period: "2026-11".into(),
            },
            tempo_bpm: tempo,
            energy,
            minor_share: minor,
            keywords: vec![],
            sample_size: 100,
            updated_at: chrono::Utc::now(),
            tempo_trend_per_period: 0.0,
            energy_trend_per_period: 0.0,
        }
    }

    #[test]
    fn compatibility_is_one_on_the_trend_and_octave_aware() {
        let a = sample_artist(); // 100 bpm, energy 0.5, all minor
        assert!((compatibility(&a.sound, &trend(100.0, 0.5, 1.0)) - 1.0).abs() < 1e-9);
        assert!((compatibility(&a.sound, &trend(200.0, 0.5, 1.0)) - 1.0).abs() < 1e-9);
        assert!(compatibility(&a.sound, &trend(140.0, 0.9, 0.0)) < 0.5);
    }

    #[test]
    fn a_step_moves_toward_the_trend_but_at_most_max_step() {
        let mut a = sample_artist();
        let (_, changes) = evolution_step(&mut a, &trend(130.0, 0.9, 1.0));
        assert_eq!(changes.len(), 2);
        assert!(a.sound.tempo_bpm > 100.0 && a.sound.tempo_bpm <= 105.0 + 1e-9);
        assert!(a.sound.energy > 0.5 && a.sound.energy <= 0.55 + 1e-9);
    }

    #[test]
    fn a_step_on_the_trend_changes_nothing() {
        let mut a = sample_artist();
        let (c, changes) = evolution_step(&mut a, &trend(100.0, 0.5, 1.0));
        assert!(changes.is_empty());
        assert!((c - 1.0).abs() < 1e-9);
    }

    proptest! {
        #[test]
        fn repeated_steps_never_leave_the_anchor(
            tempos in proptest::collection::vec(50.0f64..200.0, 1..60),
            energies in proptest::collection::vec(0.0f64..1.0, 1..60),
            adapt in 0.0f64..1.0,
        ) {
            let mut a = sample_artist();
            a.evolution.trend_adaptability = adapt;
            let anchor = a.sound.anchor;
            for (t, e) in tempos.iter().zip(energies.iter().cycle()) {
                let before = a.sound.clone();
                evolution_step(&mut a, &trend(*t, *e, 0.5));
                prop_assert!(a.sound.tempo_bpm >= anchor.tempo_bpm * (1.0 - anchor.tempo_tolerance) - 0.01);
                prop_assert!(a.sound.tempo_bpm <= anchor.tempo_bpm * (1.0 + anchor.tempo_tolerance) + 0.01);
                prop_assert!(a.sound.energy >= anchor.energy - anchor.energy_tolerance - 0.001);
                prop_assert!(a.sound.energy <= anchor.energy + anchor.energy_tolerance + 0.001);
                prop_assert!((a.sound.tempo_bpm / before.tempo_bpm - 1.0).abs() <= a.evolution.max_step + 0.001);
                prop_assert!((a.sound.energy - before.energy).abs() <= a.evolution.max_step + 0.001);
            }
        }
    }
}

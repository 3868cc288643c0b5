//! The artist lifecycle: who runs next, when a new artist is created, how one
//! run's outcome changes its artist, and the periodic evaluation (rules 0–7 of
//! the original, first match wins, thresholds configurable).

use chrono::{DateTime, Duration, Utc};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::artist::{Artist, LifecycleStatus, PERFORMANCE_HISTORY_LEN, PerformanceEntry};
use crate::ids::RunId;
use crate::run::RunOutcome;

/// Every threshold of the lifecycle, defaults from the original system.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct LifecycleThresholds {
    /// `ARTIST_CREATION_PROBABILITY`.
    pub creation_probability: f64,
    /// `RETIREMENT_CONSECUTIVE_REJECTIONS`.
    pub retirement_consecutive_rejections: u32,
    pub window_days: i64,
    pub paused_retire_after_inactive_days: i64,
    pub min_runs_for_rates: u32,
    pub pause_after_inactive_days: i64,
    pub pause_below_approval: f64,
    pub pause_above_error_rate: f64,
    pub evolve_below_approval: f64,
    pub promote_above_approval: f64,
    /// `LIFECYCLE_CHECK_INTERVAL_MINUTES`.
    pub check_interval_minutes: u32,
}

impl Default for LifecycleThresholds {
    fn default() -> Self {
        Self {
            creation_probability: 0.05,
            retirement_consecutive_rejections: 5,
            window_days: 30,
            paused_retire_after_inactive_days: 90,
            min_runs_for_rates: 10,
            pause_after_inactive_days: 45,
            pause_below_approval: 0.20,
            pause_above_error_rate: 0.30,
            evolve_below_approval: 0.40,
            promote_above_approval: 0.85,
            check_interval_minutes: 360,
        }
    }
}

/// Orders the selection pool: Candidates first, then the artist whose last
/// run is oldest (never-run first); ties by id so the order is stable.
/// Artists not in rotation are dropped. With `respect_cadence`, artists whose
/// cadence has not elapsed since their last run are dropped too.
pub fn selection_order(
    artists: &[Artist],
    now: DateTime<Utc>,
    respect_cadence: bool,
) -> Vec<&Artist> {
    let mut pool: Vec<&Artist> = artists
        .iter()
        .filter(|a| a.status.in_rotation())
        .filter(|a| !respect_cadence || is_due(a, now))
        .collect();
    pool.sort_by(|a, b| {
        let cand = |x: &Artist| x.status != LifecycleStatus::Candidate;
        cand(a)
            .cmp(&cand(b))
            .then_with(|| a.last_run_at.cmp(&b.last_run_at))
            .then_with(|| a.artist_id.cmp(&b.artist_id))
    });
    pool
}

/// Whether the artist's cadence has elapsed since its last run.
pub fn is_due(artist: &Artist, now: DateTime<Utc>) -> bool {
    match artist.last_run_at {
        None => true,
        Some(last) => now - last >= Duration::hours(i64::from(artist.cadence_hours)),
    }
}

/// A new artist is created with probability `p` per batch (`roll` is uniform
/// in [0, 1)), and always when no artist is Active or Candidate.
pub fn should_create_artist(artists: &[Artist], roll: f64, p: f64) -> bool {
    !artists.iter().any(|a| a.status.in_rotation()) || roll < p
}

/// Applies one run's outcome to its artist: history (newest 20 kept),
/// `last_run_at`, the rejection streak, and retirement at the threshold.
/// Returns the status change, if any.
pub fn apply_outcome(
    artist: &mut Artist,
    run_id: &RunId,
    outcome: RunOutcome,
    at: DateTime<Utc>,
    thresholds: &LifecycleThresholds,
) -> Option<(LifecycleStatus, LifecycleStatus)> {
    artist.performance_history.push(PerformanceEntry {
        run_id: run_id.clone(),
        outcome,
        timestamp: at,
    });
    let excess = artist
        .performance_history
        .len()
        .saturating_sub(PERFORMANCE_HISTORY_LEN);
    artist.performance_history.drain(..excess);
    artist.last_run_at = Some(artist.last_run_at.map_or(at, |l| l.max(at)));
    match outcome {
        RunOutcome::Approved => artist.consecutive_rejections = 0,
        RunOutcome::Rejected => {
            artist.consecutive_rejections += 1;
            if artist.consecutive_rejections >= thresholds.retirement_consecutive_rejections
                && artist.status.in_rotation()
            {
                let from = artist.status;
                artist.status = LifecycleStatus::Retired;
                return Some((from, LifecycleStatus::Retired));
            }
        }
        RunOutcome::Expired | RunOutcome::Error | RunOutcome::GenerationFailedTrack => {}
    }
    None
}

/// Figures over the runs of the evaluation window.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct LifecycleMetrics {
    pub total_runs: u32,
    /// Approved / (approved + rejected); 0 when nothing was judged.
    pub approval_rate: f64,
    /// (error + generation_failed_track) / total.
    pub error_rate: f64,
    /// Days since the last run (or since creation when it never ran).
    pub inactivity_days: f64,
}

impl LifecycleMetrics {
    /// Computes the metrics from `(finished_at, outcome)` pairs, counting only
    /// those inside the window.
    pub fn compute(
        artist: &Artist,
        runs: &[(DateTime<Utc>, RunOutcome)],
        now: DateTime<Utc>,
        thresholds: &LifecycleThresholds,
    ) -> Self {
        let since = now - Duration::days(thresholds.window_days);
        let in_window: Vec<RunOutcome> = runs
            .iter()
            .filter(|(t, _)| *t >= since && *t <= now)
            .map(|(_, o)| *o)
            .collect();
        let count = |f: &dyn Fn(RunOutcome) -> bool| in_window.iter().filter(|o| f(**o)).count();
        let approved = count(&|o| o == RunOutcome::Approved);
        let rejected = count(&|o| o == RunOutcome::Rejected);
        let errors = count(&|o| matches!(o, RunOutcome::Error | RunOutcome::GenerationFailedTrack));
        let total = in_window.len();
        let judged = approved + rejected;
        let last = artist.last_run_at.unwrap_or(artist.created_at);
        Self {
            total_runs: u32::try_from(total).unwrap_or(u32::MAX),
            approval_rate: if judged == 0 {
                0.0
            } else {
                approved as f64 / judged as f64
            },
            error_rate: if total == 0 {
                0.0
            } else {
                errors as f64 / total as f64
            },
            inactivity_days: ((now - last).num_seconds().max(0) as f64) / 86_400.0,
        }
    }
}

/// What the evaluation decided, with the rule that matched.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum LifecycleDecision {
    NoChange {
        rule: u8,
    },
    SetStatus {
        rule: u8,
        to: LifecycleStatus,
        reason: String,
    },
    /// Rule 5: reshape the artist; Active when that succeeds, Paused when not.
    Evolve {
        rule: u8,
        reason: String,
    },
}

impl LifecycleDecision {
    pub fn rule(&self) -> u8 {
        match self {
            LifecycleDecision::NoChange { rule }
            | LifecycleDecision::SetStatus { rule, .. }
            | LifecycleDecision::Evolve { rule, .. } => *rule,
        }
    }
}

/// Rules 0–7; the first that matches wins.
pub fn evaluate(
    status: LifecycleStatus,
    consecutive_rejections: u32,
    m: &LifecycleMetrics,
    t: &LifecycleThresholds,
) -> LifecycleDecision {
    use LifecycleStatus::*;
    let set = |rule, to, reason: String| LifecycleDecision::SetStatus { rule, to, reason };
    // 0
    if status != Retired && consecutive_rejections >= t.retirement_consecutive_rejections {
        return set(
            0,
            Retired,
            format!("{consecutive_rejections} consecutive rejections"),
        );
    }
    // 1
    match status {
        Paused if m.inactivity_days > t.paused_retire_after_inactive_days as f64 => {
            return set(
                1,
                Retired,
                format!("paused and inactive {:.0} days", m.inactivity_days),
            );
        }
        Paused | Retired => return LifecycleDecision::NoChange { rule: 1 },
        Active | Candidate | Evolving => {}
    }
    let inactive = m.inactivity_days > t.pause_after_inactive_days as f64;
    // 2
    if m.total_runs < t.min_runs_for_rates {
        return if inactive {
            set(
                2,
                Paused,
                format!("few runs and inactive {:.0} days", m.inactivity_days),
            )
        } else {
            LifecycleDecision::NoChange { rule: 2 }
        };
    }
    // 3
    if m.approval_rate < t.pause_below_approval || m.error_rate > t.pause_above_error_rate {
        return set(
            3,
            Paused,
            format!(
                "approval {:.2}, error rate {:.2}",
                m.approval_rate, m.error_rate
            ),
        );
    }
    // 4
    if inactive {
        return set(4, Paused, format!("inactive {:.0} days", m.inactivity_days));
    }
    // 5
    if m.approval_rate < t.evolve_below_approval {
        return LifecycleDecision::Evolve {
            rule: 5,
            reason: format!(
                "approval {:.2} below {:.2}",
                m.approval_rate, t.evolve_below_approval
            ),
        };
    }
    // 6
    if m.approval_rate > t.promote_above_approval {
        return if status == Candidate {
            set(6, Active, format!("approval {:.2}", m.approval_rate))
        } else {
            LifecycleDecision::NoChange { rule: 6 }
        };
    }
    // 7
    if matches!(status, Candidate | Evolving) {
        return set(7, Active, "steady approval".into());
    }
    LifecycleDecision::NoChange { rule: 7 }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::artist::tests::sample_artist;
    use LifecycleStatus::*;
    use chrono::TimeZone;

    fn m(total: u32, approval: f64, error: f64, inactive: f64) -> LifecycleMetrics {
        LifecycleMetrics {
            total_runs: total,
            approval_rate: approval,
            error_rate: error,
            inactivity_days: inactive,
        }
    }

    enum Want {
        Same(u8),
        To(u8, LifecycleStatus),
        Evolve,
    }

    #[test]
    fn evaluation_rules_match_the_original_thresholds() {
        let t = LifecycleThresholds::default();
        use Want::*;
        // (status, consecutive rejections, metrics, expected)
        let table: Vec<(LifecycleStatus, u32, LifecycleMetrics, Want)> = vec![
            (Active, 5, m(20, 0.9, 0.0, 0.0), To(0, Retired)),
            (Paused, 5, m(0, 0.0, 0.0, 0.0), To(0, Retired)),
            (Retired, 9, m(0, 0.0, 0.0, 500.0), Same(1)),
            (Active, 4, m(20, 0.9, 0.0, 0.0), Same(6)),
            (Paused, 0, m(0, 0.0, 0.0, 90.5), To(1, Retired)),
            (Paused, 0, m(0, 0.0, 0.0, 90.0), Same(1)),
            (Candidate, 0, m(9, 0.0, 1.0, 45.5), To(2, Paused)),
            (Candidate, 0, m(9, 0.0, 1.0, 45.0), Same(2)),
            (Active, 0, m(10, 0.19, 0.0, 0.0), To(3, Paused)),
            (Active, 0, m(10, 0.20, 0.31, 0.0), To(3, Paused)),
            (Active, 0, m(10, 0.20, 0.30, 0.0), Evolve),
            (Active, 0, m(10, 0.50, 0.0, 46.0), To(4, Paused)),
            (Evolving, 0, m(10, 0.39, 0.0, 0.0), Evolve),
            (Active, 0, m(10, 0.40, 0.0, 0.0), Same(7)),
            (Candidate, 0, m(10, 0.86, 0.0, 0.0), To(6, Active)),
            (Evolving, 0, m(10, 0.86, 0.0, 0.0), Same(6)),
            (Active, 0, m(10, 0.85, 0.0, 0.0), Same(7)),
            (Candidate, 0, m(10, 0.6, 0.0, 0.0), To(7, Active)),
            (Evolving, 0, m(10, 0.6, 0.0, 0.0), To(7, Active)),
        ];
        for (i, (status, rej, metrics, want)) in table.into_iter().enumerate() {
            let got = evaluate(status, rej, &metrics, &t);
            match want {
                Same(rule) => assert_eq!(got, LifecycleDecision::NoChange { rule }, "row {i}"),
                To(rule, to) => match &got {
                    LifecycleDecision::SetStatus { rule: r, to: s, .. } => {
                        assert_eq!((*r, *s), (rule, to), "row {i}")
                    }
                    other => panic!("row {i}: {other:?}"),
                },
                Evolve => assert!(
                    matches!(got, LifecycleDecision::Evolve { rule: 5, .. }),
                    "row {i}: {got:?}"
                ),
            }
        }
    }

    #[test]
    fn thresholds_are_configurable() {
        let t = LifecycleThresholds {
            retirement_consecutive_rejections: 2,
            ..Default::default()
        };
        let got = evaluate(Active, 2, &m(1, 1.0, 0.0, 0.0), &t);
        assert!(matches!(
            got,
            LifecycleDecision::SetStatus {
                rule: 0,
                to: Retired,
                ..
            }
        ));
    }

    fn at(day: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 3, day, 12, 0, 0).unwrap()
    }

    #[test]
    fn selection_puts_candidates_first_then_oldest_run() {
        let mk = |id: &str, status, last: Option<u32>| {
            let mut a = sample_artist();
            a.artist_id = crate::ids::ArtistId::parse(id).unwrap();
            a.status = status;
            a.last_run_at = last.map(at);
            a
        };
        let artists = vec![
            mk("active_old", Active, Some(1)),
            mk("active_new", Active, Some(5)),
            mk("cand_ran", Candidate, Some(3)),
            mk("active_never", Active, None),
            mk("paused", Paused, None),
            mk("retired", Retired, None),
            mk("cand_never", Candidate, None),
            mk("evolving", Evolving, None),
        ];
        let order: Vec<&str> = selection_order(&artists, at(6), false)
            .iter()
            .map(|a| a.artist_id.as_str())
            .collect();
        assert_eq!(
            order,
            [
                "cand_never",
                "cand_ran",
                "active_never",
                "active_old",
                "active_new"
            ]
        );
        // cadence 24 h: only those whose last run is at least a day old
        let due: Vec<&str> = selection_order(&artists, at(5) + Duration::hours(23), true)
            .iter()
            .map(|a| a.artist_id.as_str())
            .collect();
        assert_eq!(
            due,
            ["cand_never", "cand_ran", "active_never", "active_old"]
        );
    }

    #[test]
    fn creation_is_forced_when_nobody_is_in_rotation() {
        let mut a = sample_artist();
        assert!(!should_create_artist(std::slice::from_ref(&a), 0.5, 0.05));
        assert!(should_create_artist(std::slice::from_ref(&a), 0.04, 0.05));
        a.status = Paused;
        assert!(should_create_artist(&[a], 0.99, 0.05));
        assert!(should_create_artist(&[], 0.99, 0.05));
    }

    #[test]
    fn outcomes_update_history_streak_and_retire_at_five() {
        let t = LifecycleThresholds::default();
        let mut a = sample_artist();
        a.status = Active;
        let run = |i: u32| RunId::new(ulid::Ulid::from_parts(u64::from(i), 1));
        for i in 0..4 {
            assert_eq!(
                apply_outcome(&mut a, &run(i), RunOutcome::Rejected, at(1), &t),
                None
            );
        }
        assert_eq!(a.consecutive_rejections, 4);
        // an expiry and an error neither reset nor extend the streak
        apply_outcome(&mut a, &run(10), RunOutcome::Expired, at(2), &t);
        apply_outcome(&mut a, &run(11), RunOutcome::Error, at(2), &t);
        assert_eq!(a.consecutive_rejections, 4);
        assert_eq!(
            apply_outcome(&mut a, &run(12), RunOutcome::Rejected, at(3), &t),
            Some((Active, Retired))
        );
        assert_eq!(a.status, Retired);
        assert_eq!(a.last_run_at, Some(at(3)));

        let mut b = sample_artist();
        b.consecutive_rejections = 3;
        apply_outcome(&mut b, &run(1), RunOutcome::Approved, at(1), &t);
        assert_eq!(b.consecutive_rejections, 0);
        for i in 0..25 {
            apply_outcome(&mut b, &run(100 + i), RunOutcome::Approved, at(1), &t);
        }
        assert_eq!(b.performance_history.len(), PERFORMANCE_HISTORY_LEN);
        assert_eq!(
            b.performance_history.last().map(|p| p.run_id.clone()),
            Some(run(124))
        );
    }

    #[test]
    fn a_paused_artist_is_not_retired_by_rejections_of_old_runs() {
        let t = LifecycleThresholds::default();
        let mut a = sample_artist();
        a.status = Paused;
        a.consecutive_rejections = 4;
        let r = RunId::new(ulid::Ulid::from_parts(1, 1));
        assert_eq!(
            apply_outcome(&mut a, &r, RunOutcome::Rejected, at(1), &t),
            None
        );
        assert_eq!(a.status, Paused);
    }

    #[test]
    fn metrics_count_only_the_window() {
        let t = LifecycleThresholds::default();
        let mut a = sample_artist();
        a.last_run_at = Some(at(1));
        let now = at(31);
        let runs = vec![
            (at(1), RunOutcome::Approved),
            (at(2), RunOutcome::Rejected),
            (at(3), RunOutcome::Error),
            (at(3), RunOutcome::Expired),
            (at(1) - Duration::days(40), RunOutcome::Rejected),
        ];
        let mm = LifecycleMetrics::compute(&a, &runs, now, &t);
        assert_eq!(mm.total_runs, 4);
        assert!((mm.approval_rate - 0.5).abs() < 1e-9);
        assert!((mm.error_rate - 0.25).abs() < 1e-9);
        assert!((mm.inactivity_days - 30.0).abs() < 1e-9);
    }
}

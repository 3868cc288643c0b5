//! Progress display for `batch run`: one bar per artist cycle (indicatif),
//! hidden when stderr is not a terminal or JSON output was asked for.

use std::collections::HashMap;
use std::sync::Mutex;

use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};

use noktvrn_domain::ids::{ArtistId, RunId};
use noktvrn_domain::run::{RunStatus, StageName};
use noktvrn_pipeline::runner::Progress;

const STAGES: u64 = 9;

pub struct Bars {
    multi: MultiProgress,
    bars: Mutex<HashMap<RunId, ProgressBar>>,
}

impl Bars {
    pub fn new(visible: bool) -> Self {
        let target = if visible {
            ProgressDrawTarget::stderr()
        } else {
            ProgressDrawTarget::hidden()
        };
        Self {
            multi: MultiProgress::with_draw_target(target),
            bars: Mutex::new(HashMap::new()),
        }
    }

    fn with_bar(&self, run: &RunId, f: impl FnOnce(&ProgressBar)) {
        let bars = self.bars.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(b) = bars.get(run) {
            f(b);
        }
    }
}

fn position(stage: StageName) -> u64 {
    match stage {
        StageName::AdaptParams => 0,
        StageName::GenerateTrack => 1,
        StageName::PollTrack => 2,
        StageName::AnalyzeAudio => 3,
        StageName::SelectVideo => 4,
        StageName::RequestApproval => 5,
        StageName::ApplyDecision => 6,
        StageName::PackageRelease => 7,
        StageName::RecordOutcome => 8,
    }
}

impl Progress for Bars {
    fn planned(&self, runs: &[(RunId, ArtistId)]) {
        let style = ProgressStyle::with_template("{prefix:>22} [{bar:20}] {msg}")
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> ");
        let mut bars = self.bars.lock().unwrap_or_else(|p| p.into_inner());
        for (run, artist) in runs {
            let b = self.multi.add(ProgressBar::new(STAGES));
            b.set_style(style.clone());
            b.set_prefix(artist.to_string());
            b.set_message("waiting");
            bars.insert(run.clone(), b);
        }
    }

    fn stage(&self, run: &RunId, _artist: &ArtistId, stage: StageName) {
        self.with_bar(run, |b| {
            b.set_position(position(stage));
            b.set_message(stage.as_str());
        });
    }

    fn finished(&self, run: &RunId, _artist: &ArtistId, status: RunStatus) {
        self.with_bar(run, |b| {
            b.set_position(STAGES);
            b.finish_with_message(status.to_string());
        });
    }
}

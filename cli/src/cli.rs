//! The command-line grammar (clap derive). Kept apart from the commands so
//! `--help` text and argument rules are reviewed in one place.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

#[derive(Debug, Parser)]
#[command(
    name = "noktvrn",
    version,
    about = "Create and run virtual music artists: whole batches locally, offline, with no accounts.",
    long_about = "noktvrn takes every due artist through one content cycle: adapt to trends, generate a \
                  track, analyse it, pick a video, ask for approval, package the release and hand it to \
                  distribution. Locally everything runs on an embedded database and offline providers."
)]
pub struct Cli {
    /// Where artists, runs, releases and assets live.
    #[arg(
        long,
        global = true,
        env = "NOKTVRN_DATA_DIR",
        default_value = "./noktvrn-data"
    )]
    pub data_dir: PathBuf,
    /// Machine-readable JSON output on list/show commands.
    #[arg(long, global = true)]
    pub json: bool,
    /// More log output (-v info, -vv debug); RUST_LOG overrides.
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run batches.
    #[command(subcommand)]
    Batch(BatchCommand),
    /// Inspect and manage artists.
    #[command(subcommand)]
    Artist(ArtistCommand),
    /// Inspect runs (one content cycle each).
    #[command(subcommand)]
    Runs(RunsCommand),
    /// Inspect and verify release packages.
    #[command(subcommand)]
    Releases(ReleasesCommand),
    /// Deliver queued releases to the distributors (drain the release queue).
    Upload,
    /// Judge every artist by the lifecycle rules (pause, retire, evolve, promote).
    Lifecycle,
    /// Analyse audio files: tempo, key, loudness, energy, structure.
    Analyze(AnalyzeArgs),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ApproveMode {
    /// Approve every release (recorded as an operator policy decision).
    Auto,
    /// Ask y/n in the terminal for each release.
    Prompt,
    /// Reject every release (recorded as an operator policy decision).
    Reject,
}

#[derive(Debug, Subcommand)]
pub enum BatchCommand {
    /// Run one batch: every due artist's cycle, then deliver what was approved.
    Run(BatchRunArgs),
}

#[derive(Debug, Args)]
pub struct BatchRunArgs {
    /// At most this many artists.
    #[arg(long, default_value_t = 5)]
    pub artists: usize,
    /// How releases are approved (autopilot artists are always approved).
    #[arg(long, value_enum, default_value_t = ApproveMode::Auto)]
    pub approve: ApproveMode,
    /// Only artists whose cadence has elapsed since their last run.
    #[arg(long)]
    pub due_only: bool,
    /// Seconds to wait for a decision in prompt mode before the run expires.
    #[arg(long, default_value_t = 3600)]
    pub approval_timeout: u64,
    /// Chance (0..1) that the batch also creates a new artist (always when
    /// nobody is in rotation).
    #[arg(long, default_value_t = 0.05)]
    pub creation_probability: f64,
    /// Do not deliver approved releases after the batch (leave them queued).
    #[arg(long)]
    pub no_upload: bool,
}

#[derive(Debug, Subcommand)]
pub enum ArtistCommand {
    /// List artists.
    List,
    /// Show one artist with its recent progression log.
    Show { artist_id: String },
    /// Create an artist from a JSON file (see docs/schemas/artist_draft.schema.json).
    Create {
        #[arg(long)]
        from_file: PathBuf,
    },
    /// Take an artist out of rotation.
    Pause { artist_id: String },
    /// Put a paused artist back into rotation.
    Resume { artist_id: String },
    /// Turn autopilot (automatic approval) on or off.
    Autopilot {
        artist_id: String,
        #[arg(value_enum)]
        state: OnOff,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OnOff {
    On,
    Off,
}

#[derive(Debug, Subcommand)]
pub enum RunsCommand {
    /// List recent runs.
    List {
        #[arg(long)]
        artist: Option<String>,
        #[arg(long, default_value_t = 20)]
        limit: usize,
    },
    /// Show one run with every stage record.
    Show { run_id: String },
}

#[derive(Debug, Subcommand)]
pub enum ReleasesCommand {
    /// List releases.
    List {
        #[arg(long, default_value_t = 20)]
        limit: usize,
    },
    /// Show a release record and its metadata.
    Show { release_id: String },
    /// Re-hash a package (or every package with --all) against its manifest.
    Verify {
        release_id: Option<String>,
        #[arg(long)]
        all: bool,
    },
}

#[derive(Debug, Args)]
pub struct AnalyzeArgs {
    /// Audio files (WAV, FLAC, MP3, OGG/Vorbis, AAC/M4A).
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
    /// One CSV row per file after a header (file,bpm,key,mode,duration_s,…).
    #[arg(long, conflicts_with = "json")]
    pub csv: bool,
    /// Worker threads (files are analysed in parallel, one core per file).
    #[arg(long)]
    pub threads: Option<usize>,
}

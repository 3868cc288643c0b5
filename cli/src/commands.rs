//! The commands. Each opens what it needs, calls stages or stores, and
//! prints a table (or JSON with `--json`). Errors bubble up to `main`,
//! which prints one line and exits non-zero.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, bail};

use noktvrn_domain::SCHEMA_VERSION;
use noktvrn_domain::artist::{ArtistDraft, CreationMethod, LifecycleStatus};
use noktvrn_domain::ids::{ArtistId, ReleaseId, RunId};
use noktvrn_domain::release::{ReleaseMetadata, keys};
use noktvrn_domain::run::Decision;
use noktvrn_domain::trend::{EvolutionEntry, EvolutionKind, FieldChange};
use noktvrn_pipeline::StoreError;
use noktvrn_pipeline::ports::{ApprovalChannel, Clock, DecisionSource, SystemClock};
use noktvrn_pipeline::runner::{self, BatchOptions, CancelFlag};
use noktvrn_pipeline::stages::{self, SelectionPolicy};

use crate::app;
use crate::approval::{PolicyApproval, TerminalApproval};
use crate::cli::*;
use crate::output::{json, opt, table};
use crate::progress::Bars;

pub struct Ctx {
    pub data_dir: PathBuf,
    pub json: bool,
}

fn policy_pipeline(backend: &noktvrn_local::LocalBackend) -> runner::Pipeline {
    let p = Arc::new(PolicyApproval {
        decision: Decision::Approved,
    });
    app::build_pipeline(backend, p.clone(), p)
}

pub async fn batch_run(ctx: &Ctx, args: &BatchRunArgs, cancel: CancelFlag) -> anyhow::Result<bool> {
    let backend = app::open_backend(&ctx.data_dir)?;
    let (channel, decisions): (Arc<dyn ApprovalChannel>, Arc<dyn DecisionSource>) =
        match args.approve {
            ApproveMode::Auto | ApproveMode::Reject => {
                let decision = if args.approve == ApproveMode::Auto {
                    Decision::Approved
                } else {
                    Decision::Rejected
                };
                let p = Arc::new(PolicyApproval { decision });
                (p.clone(), p)
            }
            ApproveMode::Prompt => {
                let t = Arc::new(TerminalApproval);
                (t.clone(), t)
            }
        };
    let pipeline = app::build_pipeline(&backend, channel, decisions);
    let seeded = app::seed_if_empty(
        pipeline.artists.as_ref(),
        pipeline.trends.as_ref(),
        pipeline.clock.as_ref(),
    )
    .await?;
    if seeded > 0 && !ctx.json {
        eprintln!(
            "Created {seeded} starter artists in {}",
            ctx.data_dir.display()
        );
    }
    let opts = BatchOptions {
        policy: SelectionPolicy {
            max_artists: args.artists,
            respect_cadence: args.due_only,
            creation_probability: args.creation_probability.clamp(0.0, 1.0),
            ..SelectionPolicy::default()
        },
        approval_timeout: Duration::from_secs(args.approval_timeout),
        ..BatchOptions::default()
    };
    let show_bars = !ctx.json
        && args.approve != ApproveMode::Prompt
        && std::io::IsTerminal::is_terminal(&std::io::stderr());
    let bars = Bars::new(show_bars);
    let summary = runner::run_batch(&pipeline, &opts, &bars, &cancel).await?;

    let upload = if args.no_upload || cancel.is_cancelled() {
        None
    } else {
        Some(runner::drain_queue(&pipeline, Duration::from_secs(300)).await?)
    };
    if ctx.json {
        print!(
            "{}",
            json(
                &serde_json::json!({"summary": summary, "upload": upload.as_ref().map(|u| serde_json::json!({
                    "delivered": u.delivered, "failed": u.failed, "dead_letters": u.dead_letters,
                }))})
            )?
        );
    } else {
        let rows: Vec<Vec<String>> = summary
            .rows
            .iter()
            .map(|r| {
                vec![
                    r.artist_name.clone(),
                    opt(r.title.as_ref()),
                    opt(r.bpm.map(|b| format!("{b:.1}"))),
                    opt(r.key.as_ref()),
                    r.decision.clone().unwrap_or_else(|| r.status.to_string()),
                    r.release_id.clone().unwrap_or_else(|| {
                        r.error
                            .clone()
                            .map(|e| format!("error: {e}"))
                            .unwrap_or_else(|| "—".into())
                    }),
                ]
            })
            .collect();
        println!("batch {}", summary.batch_id);
        print!(
            "{}",
            table(
                &["artist", "track", "bpm", "key", "decision", "release"],
                &rows
            )
        );
        println!(
            "{} completed, {} rejected, {} expired, {} failed",
            summary.completed, summary.rejected, summary.expired, summary.failed
        );
        if let Some(u) = &upload {
            println!(
                "delivered {} release(s) to {}",
                u.delivered.len(),
                ctx.data_dir.join("deploy-ready").display()
            );
            for (id, name, msg) in &u.failed {
                println!("  not delivered (will retry): message {id}: {name}: {msg}");
            }
        }
    }
    Ok(!cancel.is_cancelled())
}

pub async fn artist(ctx: &Ctx, cmd: &ArtistCommand) -> anyhow::Result<()> {
    let backend = app::open_backend(&ctx.data_dir)?;
    let artists = backend.artists();
    let clock = SystemClock;
    match cmd {
        ArtistCommand::List => {
            let mut list = artists.list().await?;
            list.sort_by(|a, b| a.artist_id.cmp(&b.artist_id));
            if ctx.json {
                print!("{}", json(&list)?);
            } else {
                let rows: Vec<Vec<String>> = list
                    .iter()
                    .map(|a| {
                        vec![
                            a.artist_id.to_string(),
                            a.name.clone(),
                            a.genre.clone(),
                            a.status.to_string(),
                            if a.autopilot_enabled { "on" } else { "off" }.into(),
                            format!("{:.0}", a.sound.tempo_bpm),
                            format!("{:.2}", a.sound.energy),
                            a.performance_history.len().to_string(),
                            a.consecutive_rejections.to_string(),
                            opt(a
                                .last_run_at
                                .map(|t| t.format("%Y-%m-%d %H:%M").to_string())),
                        ]
                    })
                    .collect();
                print!(
                    "{}",
                    table(
                        &[
                            "id",
                            "name",
                            "genre",
                            "status",
                            "autopilot",
                            "bpm",
                            "energy",
                            "runs",
                            "rejections",
                            "last run"
                        ],
                        &rows
                    )
                );
            }
        }
        ArtistCommand::Show { artist_id } => {
            let id = ArtistId::parse(artist_id.clone())?;
            let a = artists
                .get(&id)
                .await?
                .with_context(|| format!("no artist {artist_id}"))?;
            let log = artists.evolution_log(&id, 20).await?;
            if ctx.json {
                print!(
                    "{}",
                    json(&serde_json::json!({"artist": a, "evolution_log": log}))?
                );
            } else {
                println!("{} ({}) — {}, {}", a.name, a.artist_id, a.genre, a.status);
                println!("  {}", a.persona.persona_summary);
                println!("  style     {}", a.style_notes);
                println!(
                    "  sound     {:.0} BPM, energy {:.2}, keys {}",
                    a.sound.tempo_bpm,
                    a.sound.energy,
                    a.sound
                        .preferred_keys
                        .iter()
                        .map(|k| k.to_string())
                        .collect::<Vec<_>>()
                        .join(", ")
                );
                println!(
                    "  autopilot {}   rejections in a row {}",
                    a.autopilot_enabled, a.consecutive_rejections
                );
                for v in &a.ab_test.variants {
                    println!(
                        "  variant   {:<14} {}/{} approved",
                        v.variant_id, v.approvals, v.trials
                    );
                }
                println!("  progression log:");
                for e in &log {
                    let changes: Vec<String> = e
                        .changes
                        .iter()
                        .map(|c| format!("{} {} → {}", c.field, c.from, c.to))
                        .collect();
                    println!(
                        "    {} {:?}: {} {}",
                        e.at.format("%Y-%m-%d %H:%M"),
                        e.kind,
                        e.reason,
                        changes.join(", ")
                    );
                }
            }
        }
        ArtistCommand::Create { from_file } => {
            let text = std::fs::read_to_string(from_file)
                .with_context(|| format!("cannot read {}", from_file.display()))?;
            let draft: ArtistDraft = serde_json::from_str(&text)
                .with_context(|| format!("{} is not a valid artist draft", from_file.display()))?;
            let artist = draft
                .into_artist(clock.now(), CreationMethod::Manual)
                .with_context(|| format!("{} is not a valid artist", from_file.display()))?;
            match artists.create(&artist).await {
                Ok(()) => {}
                Err(StoreError::AlreadyExists { id, .. }) => {
                    bail!("an artist with id {id} already exists")
                }
                Err(e) => return Err(e.into()),
            }
            if ctx.json {
                print!("{}", json(&artist)?);
            } else {
                println!("created artist {} ({})", artist.name, artist.artist_id);
            }
        }
        ArtistCommand::Pause { artist_id } => {
            operator_change(
                ctx,
                artists.as_ref(),
                artist_id,
                "paused by operator",
                |a| {
                    if a.status == LifecycleStatus::Retired {
                        bail!("artist {} is retired", a.artist_id);
                    }
                    a.status = LifecycleStatus::Paused;
                    Ok(())
                },
            )
            .await?
        }
        ArtistCommand::Resume { artist_id } => {
            operator_change(
                ctx,
                artists.as_ref(),
                artist_id,
                "resumed by operator",
                |a| {
                    match a.status {
                        LifecycleStatus::Paused => a.status = LifecycleStatus::Active,
                        LifecycleStatus::Retired => {
                            bail!("artist {} is retired and cannot be resumed", a.artist_id)
                        }
                        _ => {}
                    }
                    a.consecutive_rejections = 0;
                    Ok(())
                },
            )
            .await?
        }
        ArtistCommand::Autopilot { artist_id, state } => {
            let on = *state == OnOff::On;
            operator_change(
                ctx,
                artists.as_ref(),
                artist_id,
                "autopilot set by operator",
                |a| {
                    a.autopilot_enabled = on;
                    Ok(())
                },
            )
            .await?
        }
    }
    Ok(())
}

/// Applies an operator's change to an artist with a conditional write and
/// logs what changed in the progression log.
async fn operator_change(
    ctx: &Ctx,
    artists: &dyn noktvrn_pipeline::ports::ArtistStore,
    artist_id: &str,
    reason: &str,
    change: impl FnOnce(&mut noktvrn_domain::artist::Artist) -> anyhow::Result<()>,
) -> anyhow::Result<()> {
    let id = ArtistId::parse(artist_id.to_string())?;
    let before = artists
        .get(&id)
        .await?
        .with_context(|| format!("no artist {artist_id}"))?;
    let mut a = before.clone();
    change(&mut a)?;
    let stored = artists.update(&a).await.map_err(|e| match e {
        StoreError::Conflict { .. } => {
            anyhow::anyhow!("artist {artist_id} changed meanwhile; try again")
        }
        e => e.into(),
    })?;
    let mut changes = vec![];
    if before.status != stored.status {
        changes.push(FieldChange {
            field: "status".into(),
            from: serde_json::to_value(before.status)?,
            to: serde_json::to_value(stored.status)?,
        });
    }
    if before.autopilot_enabled != stored.autopilot_enabled {
        changes.push(FieldChange {
            field: "autopilot_enabled".into(),
            from: before.autopilot_enabled.into(),
            to: stored.autopilot_enabled.into(),
        });
    }
    if !changes.is_empty() {
        artists
            .append_evolution(&EvolutionEntry {
                schema_version: SCHEMA_VERSION,
                artist_id: id,
                at: SystemClock.now(),
                run_id: None,
                kind: EvolutionKind::Manual,
                changes,
                reason: reason.into(),
            })
            .await?;
    }
    if ctx.json {
        print!("{}", json(&stored)?);
    } else {
        println!(
            "{}: status {}, autopilot {}",
            stored.artist_id,
            stored.status,
            if stored.autopilot_enabled {
                "on"
            } else {
                "off"
            }
        );
    }
    Ok(())
}

pub async fn runs(ctx: &Ctx, cmd: &RunsCommand) -> anyhow::Result<()> {
    let backend = app::open_backend(&ctx.data_dir)?;
    let store = backend.runs();
    match cmd {
        RunsCommand::List { artist, limit } => {
            let list = match artist {
                Some(a) => {
                    store
                        .list_by_artist(&ArtistId::parse(a.clone())?, *limit)
                        .await?
                }
                None => store.list_recent(*limit).await?,
            };
            if ctx.json {
                print!("{}", json(&list)?);
            } else {
                let rows: Vec<Vec<String>> = list
                    .iter()
                    .map(|r| {
                        vec![
                            r.run_id.to_string(),
                            r.artist_id.to_string(),
                            r.status.to_string(),
                            opt(r.params.as_ref().map(|p| p.title.clone())),
                            opt(r
                                .analysis
                                .as_ref()
                                .and_then(|a| a.bpm)
                                .map(|b| format!("{b:.1}"))),
                            opt(r.analysis.as_ref().and_then(|a| a.key)),
                            opt(r.release_id.as_ref()),
                            r.created_at.format("%Y-%m-%d %H:%M:%S").to_string(),
                        ]
                    })
                    .collect();
                print!(
                    "{}",
                    table(
                        &[
                            "run", "artist", "status", "title", "bpm", "key", "release", "created"
                        ],
                        &rows
                    )
                );
            }
        }
        RunsCommand::Show { run_id } => {
            let id = RunId::parse(run_id.clone())?;
            let r = store
                .get(&id)
                .await?
                .with_context(|| format!("no run {run_id}"))?;
            if ctx.json {
                print!("{}", json(&r)?);
            } else {
                println!(
                    "run {} — artist {}, batch {}, {}",
                    r.run_id, r.artist_id, r.batch_id, r.status
                );
                if let Some(p) = &r.params {
                    println!(
                        "  title   {}\n  prompt  {}\n  style   {}",
                        p.title, p.music_prompt, p.music_style
                    );
                    println!(
                        "  asked   {:.0} BPM, {}, energy {:.2}, {:.0}s",
                        p.tempo_bpm, p.key, p.energy, p.duration_s
                    );
                }
                if let Some(a) = &r.analysis {
                    println!(
                        "  heard   {} BPM, {}, {} LUFS, {:.1}s, {}",
                        opt(a.bpm.map(|b| format!("{b:.1}"))),
                        opt(a.key),
                        opt(a.integrated_lufs.map(|l| format!("{l:.1}"))),
                        a.duration_s,
                        a.structure_summary
                    );
                }
                if let Some(v) = &r.video {
                    println!("  video   {} ({})", v.page_url, v.attribution);
                }
                if let Some(a) = &r.approval {
                    println!(
                        "  decided {:?} by {} ({:?}) at {}",
                        a.decision, a.decided_by, a.method, a.decided_at
                    );
                }
                if let Some(f) = &r.failure {
                    println!("  failed  {}: {}", f.error_name, f.message);
                }
                for s in &r.stages {
                    println!(
                        "  stage   {:<17} {:?} {} ms{}",
                        s.stage.as_str(),
                        s.outcome,
                        (s.ended_at - s.started_at).num_milliseconds(),
                        s.error
                            .as_ref()
                            .map(|e| format!(" — {e}"))
                            .unwrap_or_default()
                    );
                }
            }
        }
    }
    Ok(())
}

pub async fn releases(ctx: &Ctx, cmd: &ReleasesCommand) -> anyhow::Result<bool> {
    let backend = app::open_backend(&ctx.data_dir)?;
    let store = backend.releases();
    let assets = backend.assets();
    match cmd {
        ReleasesCommand::List { limit } => {
            let list = store.list(*limit).await?;
            if ctx.json {
                print!("{}", json(&list)?);
            } else {
                let rows: Vec<Vec<String>> = list
                    .iter()
                    .map(|r| {
                        vec![
                            r.release_id.to_string(),
                            r.artist_id.to_string(),
                            r.track_title.clone(),
                            format!("{:?}", r.status).to_lowercase(),
                            r.platforms
                                .iter()
                                .map(|(k, v)| format!("{k}:{:?}", v.state).to_lowercase())
                                .collect::<Vec<_>>()
                                .join(","),
                            r.created_at.format("%Y-%m-%d %H:%M").to_string(),
                        ]
                    })
                    .collect();
                print!(
                    "{}",
                    table(
                        &[
                            "release",
                            "artist",
                            "title",
                            "status",
                            "platforms",
                            "created"
                        ],
                        &rows
                    )
                );
            }
        }
        ReleasesCommand::Show { release_id } => {
            let id = ReleaseId::parse(release_id.clone())?;
            let r = store
                .get(&id)
                .await?
                .with_context(|| format!("no release {release_id}"))?;
            let meta: Option<ReleaseMetadata> = match assets
                .get(&keys::release_file(&id, "metadata.json"))
                .await
            {
                Ok(b) => Some(serde_json::from_slice(&b).context("metadata.json is unreadable")?),
                Err(StoreError::NotFound { .. }) => None,
                Err(e) => return Err(e.into()),
            };
            if ctx.json {
                print!(
                    "{}",
                    json(&serde_json::json!({"release": r, "metadata": meta}))?
                );
            } else {
                println!(
                    "release {} — {} by {}",
                    r.release_id, r.track_title, r.artist_id
                );
                println!("  status  {:?}", r.status);
                for (k, v) in &r.platforms {
                    println!(
                        "  {k:<7} {:?} ({} attempts) {}",
                        v.state, v.attempts, v.detail
                    );
                }
                if let Some(m) = meta {
                    println!(
                        "  audio   {} — {} BPM, {}, {} LUFS, {:.1}s",
                        m.audio_file,
                        opt(m.bpm.map(|b| format!("{b:.1}"))),
                        opt(m.key),
                        opt(m.loudness_lufs.map(|l| format!("{l:.1}"))),
                        m.duration_s
                    );
                    println!("  cover   {}", m.cover_file);
                    if let Some(v) = m.video_reference {
                        println!("  video   {} ({})", v.page_url, v.attribution);
                    }
                    println!("  form    {}", m.track_structure_summary);
                    println!("  ai      {}", m.ai_disclosure.tools.join("; "));
                }
            }
        }
        ReleasesCommand::Verify { release_id, all } => {
            let ids: Vec<ReleaseId> = match (release_id, all) {
                (Some(id), false) => vec![ReleaseId::parse(id.clone())?],
                (None, true) => store
                    .list(usize::MAX)
                    .await?
                    .into_iter()
                    .map(|r| r.release_id)
                    .collect(),
                _ => bail!("name one release id, or --all"),
            };
            let mut ok = true;
            let mut results = vec![];
            for id in ids {
                match stages::verify_package(assets.as_ref(), &id).await {
                    Ok(m) => {
                        results.push(serde_json::json!({"release_id": id, "ok": true, "files": m.files.len(), "bytes": m.total_size()}));
                        if !ctx.json {
                            println!(
                                "{id}: ok ({} files, {} bytes)",
                                m.files.len(),
                                m.total_size()
                            );
                        }
                    }
                    Err(e) => {
                        ok = false;
                        results.push(
                            serde_json::json!({"release_id": id, "ok": false, "error": e.chain()}),
                        );
                        if !ctx.json {
                            println!("{id}: FAILED: {}", e.chain());
                        }
                    }
                }
            }
            if ctx.json {
                print!("{}", json(&results)?);
            }
            return Ok(ok);
        }
    }
    Ok(true)
}

pub async fn upload(ctx: &Ctx) -> anyhow::Result<bool> {
    let backend = app::open_backend(&ctx.data_dir)?;
    let pipeline = policy_pipeline(&backend);
    let report = runner::drain_queue(&pipeline, Duration::from_secs(300)).await?;
    if ctx.json {
        print!(
            "{}",
            json(
                &serde_json::json!({"delivered": report.delivered, "failed": report.failed, "dead_letters": report.dead_letters})
            )?
        );
    } else {
        for r in &report.delivered {
            println!(
                "{}: {:?} ({})",
                r.release_id,
                r.status,
                r.platforms
                    .iter()
                    .map(|p| format!(
                        "{} {:?}{}",
                        p.platform,
                        p.state,
                        if p.skipped { " (already)" } else { "" }
                    ))
                    .collect::<Vec<_>>()
                    .join(", ")
            );
        }
        for (id, name, msg) in &report.failed {
            println!("message {id}: {name}: {msg} (left for redelivery)");
        }
        if report.delivered.is_empty() && report.failed.is_empty() {
            println!("the release queue is empty");
        }
        if report.dead_letters > 0 {
            println!(
                "{} message(s) in the dead-letter queue",
                report.dead_letters
            );
        }
    }
    Ok(report.failed.is_empty())
}

pub async fn lifecycle(ctx: &Ctx) -> anyhow::Result<()> {
    let backend = app::open_backend(&ctx.data_dir)?;
    let changes = stages::lifecycle_evaluate(
        backend.artists().as_ref(),
        backend.runs().as_ref(),
        backend.trends().as_ref(),
        &SystemClock,
        &Default::default(),
    )
    .await?;
    if ctx.json {
        print!("{}", json(&changes)?);
    } else if changes.is_empty() {
        println!("no lifecycle changes");
    } else {
        for c in &changes {
            println!(
                "{}: {} → {} (rule {}: {})",
                c.artist_id, c.from, c.to, c.rule, c.reason
            );
        }
    }
    Ok(())
}

pub fn analyze(ctx: &Ctx, args: &AnalyzeArgs) -> anyhow::Result<bool> {
    use noktvrn_audio::report;
    let threads = args.threads.unwrap_or_else(|| {
        std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1)
    });
    let results = report::analyze_many(&args.files, threads);
    let mut ok = true;
    if args.csv {
        println!("{}", report::csv_header());
    }
    for (path, result) in results {
        let shown = path.display().to_string();
        match result {
            Ok(a) => {
                if args.csv {
                    println!("{}", report::csv_row(&shown, &a));
                } else if ctx.json {
                    println!(
                        "{}",
                        serde_json::to_string(&serde_json::json!({"file": shown, "analysis": a}))?
                    );
                } else {
                    println!(
                        "{shown}: {} BPM, {} {}, {:.1}s, {} LUFS, energy {:.2}, {}",
                        opt(a.tempo.bpm.map(|b| format!("{b:.1}"))),
                        a.key.tonic.clone().unwrap_or_else(|| "—".into()),
                        a.key.mode.map(|m| m.as_str()).unwrap_or(""),
                        a.duration_s,
                        opt(a.loudness.integrated_lufs.map(|l| format!("{l:.1}"))),
                        a.energy.score,
                        a.structure.summary
                    );
                }
            }
            Err(e) => {
                ok = false;
                let mut msg = e.to_string();
                let mut src = std::error::Error::source(&e);
                while let Some(s) = src {
                    msg.push_str(&format!(": {s}"));
                    src = s.source();
                }
                eprintln!("error: {shown}: {msg}");
            }
        }
    }
    Ok(ok)
}

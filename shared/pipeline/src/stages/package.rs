//! package-release: the approved run becomes a release package under
//! `releases/{release_id}/` (audio, cover, optional video, analysis,
//! metadata, prompts, feedback placeholder) with `manifest.json` written
//! last; then one release record and one queue message. A package without
//! a manifest does not exist: readers ignore it and recovery removes it.

use sha2::{Digest, Sha256};

use noktvrn_domain::SCHEMA_VERSION;
use noktvrn_domain::ids::{ReleaseId, RunId};
use noktvrn_domain::release::{
    AiDisclosure, Manifest, ManifestEntry, ReleaseMessage, ReleaseMetadata, ReleaseRecord,
    ReleaseStatus, VideoReference, keys,
};
use noktvrn_domain::run::{DecisionMethod, RunStatus, StageName};

use super::{Change, load_artist, load_run, mutate_run};
use crate::error::{StageError, StoreError};
use crate::ports::{
    ArtistStore, AssetStore, Clock, CoverArtist, CoverRequest, ReleaseQueue, ReleaseStore, RunStore,
};

pub struct PackagePorts<'a> {
    pub runs: &'a dyn RunStore,
    pub artists: &'a dyn ArtistStore,
    pub assets: &'a dyn AssetStore,
    pub releases: &'a dyn ReleaseStore,
    pub queue: &'a dyn ReleaseQueue,
    pub cover: &'a dyn CoverArtist,
    pub clock: &'a dyn Clock,
}

fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

struct Writer<'a> {
    assets: &'a dyn AssetStore,
    release_id: &'a ReleaseId,
    entries: Vec<ManifestEntry>,
}

impl Writer<'_> {
    async fn put(
        &mut self,
        path: &str,
        bytes: Vec<u8>,
        content_type: &str,
    ) -> Result<(), StoreError> {
        let entry = ManifestEntry {
            path: path.to_string(),
            size: bytes.len() as u64,
            sha256: sha256_hex(&bytes),
            content_type: content_type.to_string(),
        };
        self.assets
            .put(
                &keys::release_file(self.release_id, path),
                bytes,
                content_type,
            )
            .await?;
        self.entries.push(entry);
        Ok(())
    }

    async fn put_json<T: serde::Serialize>(
        &mut self,
        path: &str,
        value: &T,
    ) -> Result<(), StageError> {
        let bytes = serde_json::to_vec_pretty(value)
            .map_err(|e| StageError::Internal(format!("serialising {path}: {e}")))?;
        Ok(self.put(path, bytes, "application/json").await?)
    }
}

#[tracing::instrument(skip_all, fields(run_id = %run_id))]
pub async fn package_release(
    p: &PackagePorts<'_>,
    run_id: &RunId,
) -> Result<ReleaseId, StageError> {
    let started = p.clock.now();
    let run = load_run(p.runs, run_id).await?;
    if let (RunStatus::Completed, Some(id)) = (run.status, &run.release_id) {
        return Ok(id.clone());
    }
    if run.status != RunStatus::Approved {
        return Err(StageError::illegal_state(
            &run,
            "package-release",
            "approved",
        ));
    }
    let artist = load_artist(p.artists, &run.artist_id).await?;
    let missing = |what: &str| StageError::Internal(format!("approved run without {what}"));
    let params = run.params.as_ref().ok_or_else(|| missing("params"))?;
    let prompts = run.prompts.as_ref().ok_or_else(|| missing("prompts"))?;
    let track = run.track.as_ref().ok_or_else(|| missing("track"))?;
    let analysis = run.analysis.as_ref().ok_or_else(|| missing("analysis"))?;
    let approval = run.approval.as_ref().ok_or_else(|| missing("approval"))?;
    let release_id = ReleaseId::for_run(&artist.name, approval.decided_at, run_id);
    let manifest_key = keys::manifest(&release_id);

    if !p.assets.exists(&manifest_key).await? {
        let mut w = Writer {
            assets: p.assets,
            release_id: &release_id,
            entries: vec![],
        };
        let ext = track.audio_key.rsplit('.').next().unwrap_or("wav");
        let audio_file = format!("audio/track.{ext}");
        let audio = p.assets.get(&track.audio_key).await?;
        w.put(&audio_file, audio, &track.content_type).await?;

        let cover = p
            .cover
            .render(&CoverRequest {
                title: params.title.clone(),
                artist_name: artist.name.clone(),
                genre: artist.genre.clone(),
                palette: artist.palette_rgb(),
                prompt: params.cover_prompt.clone(),
                seed: params.seed,
            })
            .await?;
        let cover_ext = if cover.content_type == "image/jpeg" {
            "jpg"
        } else {
            "png"
        };
        let cover_file = format!("cover/cover.{cover_ext}");
        w.put(&cover_file, cover.bytes, &cover.content_type).await?;

        let mut video_file = None;
        if let Some(v) = &run.video
            && let Some(key) = &v.asset_key
        {
            let bytes = p.assets.get(key).await?;
            let path = "video/clip.mp4".to_string();
            w.put(&path, bytes, "video/mp4").await?;
            video_file = Some(path);
        }
        let analysis_json = p.assets.get(&analysis.analysis_key).await?;
        w.put("analysis.json", analysis_json, "application/json")
            .await?;

        let human = match approval.method {
            DecisionMethod::Human => format!("approved by {}", approval.decided_by),
            DecisionMethod::Autopilot => "approved by the artist's autopilot".into(),
            DecisionMethod::Policy => {
                format!("approved by operator policy ({})", approval.decided_by)
            }
            DecisionMethod::Timeout => "no human decision".into(),
        };
        let mut tools = vec![
            format!("music: {} ({})", track.provider, track.model_used),
            format!("cover: {}", cover.generator),
        ];
        tools.extend(
            params
                .llm_calls
                .iter()
                .map(|c| format!("text: {} ({})", c.provider, c.model))
                .collect::<std::collections::BTreeSet<_>>(),
        );
        if let Some(v) = &run.video {
            tools.push(format!("video: {} stock clip {}", v.source, v.clip_id));
        }
        let metadata = ReleaseMetadata {
            schema_version: SCHEMA_VERSION,
            release_id: release_id.clone(),
            generation_run_id: run_id.clone(),
            artist_id: artist.artist_id.clone(),
            artist_name: artist.name.clone(),
            release_date: approval.decided_at.date_naive(),
            track_title: params.title.clone(),
            genre: artist.genre.clone(),
            audio_file: audio_file.clone(),
            video_file,
            video_reference: run.video.as_ref().map(|v| VideoReference {
                source: v.source.clone(),
                clip_id: v.clip_id.clone(),
                page_url: v.page_url.clone(),
                creator: v.creator.clone(),
                attribution: v.attribution.clone(),
            }),
            cover_file: cover_file.clone(),
            track_structure_summary: analysis.structure_summary.clone(),
            visuals_source: run
                .video
                .as_ref()
                .map(|v| v.source.clone())
                .unwrap_or_else(|| "none".into()),
            llm_summary: format!("{} — {}", params.music_prompt, params.music_style),
            bpm: analysis.bpm,
            key: analysis.key,
            loudness_lufs: analysis.integrated_lufs,
            true_peak_dbtp: analysis.true_peak_dbtp,
            duration_s: analysis.duration_s,
            isrc: None,
            upc: None,
            ai_disclosure: AiDisclosure {
                ai_generated: true,
                tools,
                human_involvement: human,
            },
            created_at: p.clock.now(),
        };
        metadata.validate()?;
        w.put_json("metadata.json", &metadata).await?;
        w.put_json("prompts_used.json", prompts).await?;
        w.put_json(
            "feedback_score.json",
            &serde_json::json!({"score": null, "reason": "pending"}),
        )
        .await?;
        let manifest = Manifest::new(release_id.clone(), p.clock.now(), w.entries);
        let bytes = serde_json::to_vec_pretty(&manifest)
            .map_err(|e| StageError::Internal(format!("serialising manifest: {e}")))?;
        // last: from here on the release exists
        p.assets
            .put(&manifest_key, bytes, "application/json")
            .await?;
        tracing::info!(release_id = %release_id, files = manifest.files.len(), bytes = manifest.total_size(), "package written");
    }

    let record = ReleaseRecord {
        schema_version: SCHEMA_VERSION,
        release_id: release_id.clone(),
        run_id: run_id.clone(),
        artist_id: artist.artist_id.clone(),
        track_title: params.title.clone(),
        created_at: p.clock.now(),
        status: ReleaseStatus::Packaged,
        manifest_key: manifest_key.clone(),
        platforms: Default::default(),
        version: 0,
    };
    match p.releases.create(&record).await {
        Ok(()) | Err(StoreError::AlreadyExists { .. }) => {}
        Err(e) => return Err(e.into()),
    }
    let current = p
        .releases
        .get(&release_id)
        .await?
        .ok_or_else(|| StageError::Internal("release vanished after create".into()))?;
    if current.status == ReleaseStatus::Packaged {
        let msg = ReleaseMessage {
            schema_version: SCHEMA_VERSION,
            release_id: release_id.clone(),
            manifest_key: manifest_key.clone(),
            queued_at: p.clock.now(),
        };
        let body = serde_json::to_string(&msg)
            .map_err(|e| StageError::Internal(format!("serialising message: {e}")))?;
        let message_id = p.queue.send(&body).await?;
        let mut queued = current.clone();
        queued.status = ReleaseStatus::Queued;
        match p.releases.update(&queued).await {
            Ok(_) | Err(StoreError::Conflict { .. }) => {}
            Err(e) => return Err(e.into()),
        }
        tracing::info!(release_id = %release_id, message_id = %message_id, "release queued");
    }

    let ended = p.clock.now();
    mutate_run(p.runs, run_id, |r| {
        if r.status != RunStatus::Approved {
            return Ok(Change::Skip);
        }
        r.release_id = Some(release_id.clone());
        r.transition(RunStatus::Completed, ended)?;
        r.record_stage(StageName::PackageRelease, started, ended, None);
        Ok(Change::Write)
    })
    .await?;
    Ok(release_id)
}

/// Re-reads every file of a package and checks it against the manifest.
pub async fn verify_package(
    assets: &dyn AssetStore,
    release_id: &ReleaseId,
) -> Result<Manifest, StageError> {
    let manifest_key = keys::manifest(release_id);
    let bytes = match assets.get(&manifest_key).await {
        Ok(b) => b,
        Err(StoreError::NotFound { .. }) => {
            return Err(StageError::NotFound {
                entity: "release package",
                id: release_id.to_string(),
            });
        }
        Err(e) => return Err(e.into()),
    };
    let manifest: Manifest = serde_json::from_slice(&bytes).map_err(|e| StageError::Integrity {
        what: manifest_key.clone(),
        detail: format!("unreadable manifest: {e}"),
    })?;
    if &manifest.release_id != release_id {
        return Err(StageError::Integrity {
            what: manifest_key,
            detail: format!("manifest names release {}", manifest.release_id),
        });
    }
    let mut problems = vec![];
    for f in &manifest.files {
        let key = keys::release_file(release_id, &f.path);
        match assets.get(&key).await {
            Ok(b) => {
                if b.len() as u64 != f.size {
                    problems.push(format!("{}: size {} != {}", f.path, b.len(), f.size));
                } else if sha256_hex(&b) != f.sha256 {
                    problems.push(format!("{}: sha256 mismatch", f.path));
                }
            }
            Err(StoreError::NotFound { .. }) => problems.push(format!("{}: missing", f.path)),
            Err(e) => return Err(e.into()),
        }
    }
    if problems.is_empty() {
        Ok(manifest)
    } else {
        Err(StageError::Integrity {
            what: format!("release {release_id}"),
            detail: problems.join("; "),
        })
    }
}

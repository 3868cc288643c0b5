//! The offline adapters driven by the real pipeline stages on in-memory
//! stores: the starter roster adapts (template LLM + bundled trends),
//! submits and polls (synth), and the template creates new artists.

use chrono::Utc;

use noktvrn_domain::artist::CreationMethod;
use noktvrn_domain::ids::{BatchId, RunId};
use noktvrn_domain::run::Run;
use noktvrn_offline::{SynthMusic, TemplateLlm, bundled_trends, starter_artists};
use noktvrn_pipeline::memory::{
    MemoryArtistStore, MemoryAssetStore, MemoryRunStore, MemoryTrendStore,
};
use noktvrn_pipeline::ports::{
    ArtistStore, AssetStore, LanguageModel, RunStore, SystemClock, TrendStore,
};
use noktvrn_pipeline::stages::{
    AdaptPorts, ArtistBrief, PollOutcome, adapt_params, create_artist, poll_track, submit_track,
};

#[tokio::test]
async fn starter_artists_run_through_adapt_submit_and_poll() {
    let artists = MemoryArtistStore::default();
    let runs = MemoryRunStore::default();
    let trends = MemoryTrendStore::default();
    let assets = MemoryAssetStore::default();
    let clock = SystemClock;
    let template = TemplateLlm::new();
    let chain: [&dyn LanguageModel; 1] = [&template];
    let synth = SynthMusic::new();
    for t in bundled_trends(Utc::now()) {
        trends.put(&t).await.unwrap();
    }
    let batch = BatchId::new(ulid::Ulid::new());
    for draft in starter_artists() {
        let mut artist = draft.into_artist(Utc::now(), CreationMethod::Seed).unwrap();
        // keep the test quick: short tracks
        artist.sound.track_duration_s = 20.0;
        artists.create(&artist).await.unwrap();
        let run_id = RunId::new(ulid::Ulid::new());
        runs.create(&Run::new(
            run_id.clone(),
            artist.artist_id.clone(),
            batch.clone(),
            Utc::now(),
        ))
        .await
        .unwrap();
        let ports = AdaptPorts {
            artists: &artists,
            runs: &runs,
            trends: &trends,
            llm: &chain,
            clock: &clock,
        };
        let params = adapt_params(&ports, &run_id).await.unwrap();
        assert!(params.trend.is_some(), "{} found its trend", artist.name);
        assert!(
            params
                .lyrics
                .as_ref()
                .is_some_and(|l| l.contains("[Chorus]"))
        );
        assert!(!params.video_keywords.is_empty());
        assert!(params.llm_calls.iter().all(|c| c.provider == "template"));

        let task = submit_track(&runs, &synth, &clock, &run_id).await.unwrap();
        let PollOutcome::Ready { audio_key } = poll_track(&runs, &synth, &assets, &clock, &run_id)
            .await
            .unwrap()
        else {
            panic!("the synth is ready at once");
        };
        assert!(audio_key.ends_with(".wav"), "{audio_key}");
        let wav = assets.get(&audio_key).await.unwrap();
        assert_eq!(&wav[..4], b"RIFF");
        assert!(task.starts_with("synth-v1-"));
    }
}

#[tokio::test]
async fn the_template_creates_valid_artists_from_briefs() {
    let artists = MemoryArtistStore::default();
    let template = TemplateLlm::new();
    let chain: [&dyn LanguageModel; 1] = [&template];
    for (i, genre) in [
        "lofi",
        "synthwave",
        "phonk",
        "house",
        "ambient",
        "techno",
        "k-pop",
        "",
    ]
    .iter()
    .enumerate()
    {
        for seed in 0..3u64 {
            let brief = ArtistBrief {
                genre: genre.to_string(),
                market: ["US", "GB", "DE", "JP", "BR"][i % 5].into(),
                audience: "general".into(),
                seed: seed * 31 + i as u64,
            };
            let a = create_artist(&artists, &chain, &SystemClock, &brief).await;
            // an empty genre in the brief is the caller's problem only if the
            // artist cannot be valid; the template fills in a genre
            let a = a.unwrap_or_else(|e| panic!("{genre:?}/{seed}: {e}"));
            assert_eq!(a.persona.creation_method, CreationMethod::Template);
            a.validate().unwrap();
        }
    }
    assert_eq!(artists.list().await.unwrap().len(), 24);
}

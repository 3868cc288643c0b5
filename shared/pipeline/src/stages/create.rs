//! Creating an artist from a brief with the persona model (template offline).

use noktvrn_domain::SCHEMA_VERSION;
use noktvrn_domain::artist::{
    AbTestState, Artist, CreationMethod, EvolutionParameters, LifecycleStatus, LlmConfig, Persona,
    SoundProfile,
};
use noktvrn_domain::ids::ArtistId;
use noktvrn_domain::trend::{EvolutionEntry, EvolutionKind};
use serde::{Deserialize, Serialize};

use crate::error::{StageError, StoreError};
use crate::llm::{self, PersonaOut};
use crate::ports::{ArtistStore, Clock, LanguageModel};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ArtistBrief {
    pub genre: String,
    pub market: String,
    pub audience: String,
    pub seed: u64,
}

/// Asks the persona model for a new artist and stores it as a Candidate.
/// A name that is taken gets a numeric suffix.
pub async fn create_artist(
    artists: &dyn ArtistStore,
    llm_chain: &[&dyn LanguageModel],
    clock: &dyn Clock,
    brief: &ArtistBrief,
) -> Result<Artist, StageError> {
    let req = llm::request::<PersonaOut>(
        "You create fictional music artists for an AI music label. Answer with JSON only.",
        format!(
            "Create a new {} artist for the {} market aimed at {}. Give a name, a persona, visual style, a colour palette and their sound (tempo, energy, keys).",
            brief.genre, brief.market, brief.audience
        ),
        serde_json::json!({"genre": brief.genre, "market": brief.market, "audience": brief.audience}),
        0.9,
        brief.seed,
    );
    let (p, records) = llm::generate::<PersonaOut>(llm_chain, &req).await?;
    let by_template = records.last().is_some_and(|r| r.provider == "template");
    let method = if by_template {
        CreationMethod::Template
    } else {
        CreationMethod::Llm
    };
    let now = clock.now();
    let base_id = ArtistId::from_name(&p.name);
    let mut sound = SoundProfile::new(p.tempo_bpm, p.energy, p.preferred_keys.clone(), 120.0);
    sound.track_duration_s = 120.0;
    let mut artist = Artist {
        schema_version: SCHEMA_VERSION,
        artist_id: base_id.clone(),
        name: p.name.trim().to_string(),
        genre: p.genre.clone(),
        style_notes: p.style_notes.clone(),
        llm_config: LlmConfig::default(),
        created_at: now,
        last_run_at: None,
        status: LifecycleStatus::Candidate,
        performance_history: vec![],
        consecutive_rejections: 0,
        autopilot_enabled: false,
        voice_url: None,
        cadence_hours: 24,
        persona: Persona {
            persona_summary: p.persona_summary.clone(),
            primary_genre: p.genre.clone(),
            secondary_genres: p.secondary_genres.clone(),
            visual_style_keywords: p.visual_style_keywords.clone(),
            target_audience: p.target_audience.clone(),
            backstory: p.backstory.clone(),
            influences: p.influences.clone(),
            themes_and_topics: p.themes_and_topics.clone(),
            initial_mood_tags: p.initial_mood_tags.clone(),
            color_palette: p.color_palette.clone(),
            market: brief.market.clone(),
            creation_method: method,
        },
        evolution: EvolutionParameters::default(),
        sound,
        ab_test: AbTestState::default(),
        version: 0,
    };
    artist.validate()?;
    for n in 1..=50u32 {
        match artists.create(&artist).await {
            Ok(()) => {
                artists
                    .append_evolution(&EvolutionEntry {
                        schema_version: SCHEMA_VERSION,
                        artist_id: artist.artist_id.clone(),
                        at: now,
                        run_id: None,
                        kind: EvolutionKind::Manual,
                        changes: vec![],
                        reason: format!(
                            "created by {} from brief: {} / {} / {}",
                            records.last().map(|r| r.provider.as_str()).unwrap_or("?"),
                            brief.genre,
                            brief.market,
                            brief.audience
                        ),
                    })
                    .await?;
                tracing::info!(artist_id = %artist.artist_id, method = ?method, "artist created");
                return Ok(artist);
            }
            Err(StoreError::AlreadyExists { .. }) => {
                artist.artist_id = ArtistId::parse(format!("{}_{}", base_id, n + 1))?;
            }
            Err(e) => return Err(e.into()),
        }
    }
    Err(StageError::Internal(
        "could not find a free artist id".into(),
    ))
}

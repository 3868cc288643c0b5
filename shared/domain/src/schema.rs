//! JSON Schemas generated from the types. They are committed under
//! `docs/schemas/` so that people and other systems can validate our
//! documents; a test fails when a committed schema is stale.

use schemars::{JsonSchema, schema_for};

use crate::artist::{Artist, ArtistDraft};
use crate::release::{Manifest, PromptsUsed, ReleaseMessage, ReleaseMetadata};
use crate::run::Run;
use crate::trend::{EvolutionEntry, TrendProfile};

fn pretty<T: JsonSchema>() -> String {
    let schema = schema_for!(T);
    // Serialising a schemars schema (a JSON value) cannot fail.
    let mut s = serde_json::to_string_pretty(&schema).unwrap_or_default();
    s.push('\n');
    s
}

/// `(file name, schema JSON)` for every committed schema.
pub fn all() -> Vec<(&'static str, String)> {
    vec![
        ("artist.schema.json", pretty::<Artist>()),
        ("artist_draft.schema.json", pretty::<ArtistDraft>()),
        ("run.schema.json", pretty::<Run>()),
        ("release_metadata.schema.json", pretty::<ReleaseMetadata>()),
        ("prompts_used.schema.json", pretty::<PromptsUsed>()),
        ("manifest.schema.json", pretty::<Manifest>()),
        ("release_message.schema.json", pretty::<ReleaseMessage>()),
        ("trend_profile.schema.json", pretty::<TrendProfile>()),
        ("evolution_entry.schema.json", pretty::<EvolutionEntry>()),
    ]
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    /// Regenerate with `UPDATE_SCHEMAS=1 cargo test -p noktvrn-domain schema`.
    #[test]
    fn committed_schemas_are_up_to_date() {
        let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../docs/schemas");
        let update = std::env::var_os("UPDATE_SCHEMAS").is_some();
        if update {
            std::fs::create_dir_all(&dir).unwrap();
        }
        let mut stale = vec![];
        for (name, json) in super::all() {
            let path = dir.join(name);
            if update {
                std::fs::write(&path, &json).unwrap();
                continue;
            }
            match std::fs::read_to_string(&path) {
                Ok(committed) if committed == json => {}
                _ => stale.push(name),
            }
        }
        assert!(
            stale.is_empty(),
            "stale schemas in docs/schemas: {stale:?}; run UPDATE_SCHEMAS=1 cargo test -p noktvrn-domain schema"
        );
    }
}

//! Offline providers: synth music, template LLM, bundled video catalog, cover art.

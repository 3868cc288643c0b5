use super::*;
use noktvrn_pipeline::llm::{self, generate};
use proptest::prelude::*;
use serde_json::json;

fn req<T: LlmOutput>(context: Value, seed: u64) -> LlmRequest {
    llm::request::<T>("system", "prompt", context, 0.7, seed)
}

async fn gen_ok<T: LlmOutput>(context: Value, seed: u64) -> T {
    let t = TemplateLlm::new();
    let (out, records) = generate::<T>(&[&t], &req::<T>(context.clone(), seed))
        .await
        .unwrap_or_else(|e| panic!("{:?} seed {seed} context {context}: {e}", T::KIND));
    assert_eq!(records.len(), 1, "valid on the first round");
    assert_eq!(records[0].provider, "template");
    assert_eq!(records[0].model, TEMPLATE_MODEL);
    assert_eq!(records[0].attempts, 1);
    assert!(records[0].tokens_out.unwrap_or(0) > 0);
    out
}

fn adapt_context(genre: &str) -> Value {
    json!({
        "artist_name": "Nova Drive",
        "genre": genre,
        "style_notes": "analog pads, gated drums",
        "persona_summary": "retro",
        "themes": ["midnight highways", "lost arcades"],
        "moods": ["nostalgic", "driving"],
        "visual_style_keywords": ["neon city", "retro grid"],
        "variant": "dreamy",
        "variant_prefix": format!("A dreamy {genre} track"),
        "tempo_bpm": 150.0,
        "key": "F# minor",
        "energy": 0.8,
        "previous_runs": 3,
    })
}

fn odd_contexts() -> Vec<Value> {
    let long = "x".repeat(5000);
    let words = "word ".repeat(2000);
    vec![
        Value::Null,
        json!({}),
        json!([]),
        json!("just a string"),
        json!(42),
        json!({"genre": ""}),
        json!({"genre": "   "}),
        json!({"genre": long}),
        json!({"genre": words, "artist_name": words, "themes": [words, long], "moods": long}),
        json!({"genre": 5, "themes": 7, "moods": {"a": 1}, "tempo_bpm": "fast", "energy": "x", "key": "H dorian"}),
        json!({"genre": "k-pop\n\t\u{0}ballad", "tempo_bpm": -5, "energy": 99, "key": 3}),
        json!({"genre": "メタル", "artist_name": "ß∂ƒ", "themes": ["🌧️🌧️", ""], "title": "🌙"}),
        json!({"temperature": 9.0, "outcome": "approved", "style_notes": long}),
        json!({"temperature": -1, "outcome": "rejected", "style_notes": ""}),
        json!({"temperature": null, "outcome": "expired"}),
        json!({"title": long, "context": {"genre": "phonk", "themes": []}}),
        json!({"variant_prefix": long, "visual_style_keywords": [long, long, long]}),
        json!({"context": "not an object"}),
        json!({"market": "zz", "audience": long}),
    ]
}

const GENRES: [&str; 14] = [
    "lofi",
    "synthwave",
    "phonk",
    "house",
    "ambient",
    "techno",
    "drum and bass",
    "indie rock",
    "hyperpop",
    "r&b",
    "trap",
    "darkwave",
    "polka",
    "Lo-Fi Hip Hop",
];

#[tokio::test]
async fn every_kind_is_valid_across_seeds_and_genres() {
    for (i, genre) in GENRES.iter().enumerate() {
        for seed in 0..12u64 {
            let seed = seed * 7919 + i as u64;
            let p: PersonaOut = gen_ok(
                json!({"genre": genre, "market": "JP", "audience": "general"}),
                seed,
            )
            .await;
            assert_eq!(p.genre, *genre);
            let ctx = adapt_context(genre);
            let m: MusicPromptOut = gen_ok(ctx.clone(), seed).await;
            assert!(
                m.music_prompt
                    .starts_with(&format!("A dreamy {genre} track"))
            );
            let l: LyricsOut = gen_ok(json!({"title": m.title, "context": ctx}), seed).await;
            assert!(l.lyrics.contains(&m.title));
            let r: ReflectionOut = gen_ok(
                json!({"style_notes": "warm pads", "temperature": 0.7, "outcome": "approved", "genre": genre, "title": m.title}),
                seed,
            )
            .await;
            assert!(r.style_notes.starts_with("warm pads"));
        }
    }
}

#[tokio::test]
async fn odd_contexts_never_fail() {
    for ctx in odd_contexts() {
        for seed in [0, 1, u64::MAX, 0xdead_beef] {
            assert_eq!(valid_directly::<PersonaOut>(ctx.clone(), seed), Ok(()));
            assert_eq!(valid_directly::<MusicPromptOut>(ctx.clone(), seed), Ok(()));
            assert_eq!(valid_directly::<LyricsOut>(ctx.clone(), seed), Ok(()));
            assert_eq!(valid_directly::<ReflectionOut>(ctx.clone(), seed), Ok(()));
            gen_ok::<PersonaOut>(ctx.clone(), seed).await;
            gen_ok::<MusicPromptOut>(ctx.clone(), seed).await;
            gen_ok::<LyricsOut>(ctx.clone(), seed).await;
            gen_ok::<ReflectionOut>(ctx.clone(), seed).await;
        }
    }
}

fn valid_directly<T: LlmOutput>(context: Value, seed: u64) -> Result<(), String> {
    let v = TemplateLlm::try_answer(&req::<T>(context, seed))?;
    let t: T = serde_json::from_value(v).map_err(|e| e.to_string())?;
    t.validate()
}

fn arb_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<f64>().prop_map(|f| serde_json::Number::from_f64(f)
            .map(Value::Number)
            .unwrap_or(Value::Null)),
        ".{0,300}".prop_map(Value::String),
    ];
    leaf.prop_recursive(3, 24, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::btree_map(
                prop_oneof![
                    Just("genre".to_string()),
                    Just("themes".to_string()),
                    Just("moods".to_string()),
                    Just("title".to_string()),
                    Just("style_notes".to_string()),
                    Just("artist_name".to_string()),
                    Just("variant_prefix".to_string()),
                    Just("visual_style_keywords".to_string()),
                    Just("temperature".to_string()),
                    Just("outcome".to_string()),
                    Just("key".to_string()),
                    Just("tempo_bpm".to_string()),
                    Just("context".to_string()),
                    ".{0,10}",
                ],
                inner,
                0..8
            )
            .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]
    #[test]
    fn arbitrary_contexts_give_valid_answers(ctx in arb_json(), seed in any::<u64>()) {
        prop_assert_eq!(valid_directly::<PersonaOut>(ctx.clone(), seed), Ok(()));
        prop_assert_eq!(valid_directly::<MusicPromptOut>(ctx.clone(), seed), Ok(()));
        prop_assert_eq!(valid_directly::<LyricsOut>(ctx.clone(), seed), Ok(()));
        prop_assert_eq!(valid_directly::<ReflectionOut>(ctx, seed), Ok(()));
    }
}

#[test]
fn answers_are_deterministic_and_vary_with_the_seed() {
    let ctx = adapt_context("synthwave");
    for kind_req in [
        req::<PersonaOut>(json!({"genre": "lofi"}), 5),
        req::<MusicPromptOut>(ctx.clone(), 5),
        req::<LyricsOut>(json!({"title": "Neon Drive", "context": ctx}), 5),
    ] {
        let a = TemplateLlm::answer(&kind_req);
        assert_eq!(a, TemplateLlm::answer(&kind_req));
        let distinct: std::collections::BTreeSet<String> = (0..20)
            .map(|s| {
                let mut r = kind_req.clone();
                r.seed = s;
                TemplateLlm::answer(&r).to_string()
            })
            .collect();
        assert!(
            distinct.len() >= 15,
            "{:?}: only {} distinct",
            kind_req.kind,
            distinct.len()
        );
    }
}

#[tokio::test]
async fn persona_fits_the_genre() {
    for seed in 0..30 {
        let p: PersonaOut = gen_ok(json!({"genre": "drum and bass", "market": "GB"}), seed).await;
        assert!((170.0..=176.0).contains(&p.tempo_bpm), "{}", p.tempo_bpm);
        assert!(p.energy >= 0.75);
        assert!((1..=3).contains(&p.preferred_keys.len()));
        assert!(
            p.color_palette
                .iter()
                .all(|c| c.len() == 7 && c.starts_with('#'))
        );
        let ambient: PersonaOut = gen_ok(json!({"genre": "ambient"}), seed).await;
        assert!(ambient.tempo_bpm <= 80.0 && ambient.energy <= 0.3);
        // the persona becomes a valid artist id
        assert!(
            !noktvrn_domain::ids::ArtistId::from_name(&p.name)
                .as_str()
                .is_empty()
        );
    }
    let json = TemplateLlm::answer(&req::<PersonaOut>(json!({"genre": "phonk"}), 1));
    let k = &json["preferred_keys"][0];
    assert!(k["tonic"].is_string() && (k["mode"] == "minor" || k["mode"] == "major"));
}

#[tokio::test]
async fn music_prompt_uses_the_context() {
    let m: MusicPromptOut = gen_ok(adapt_context("synthwave"), 3).await;
    assert!(m.music_style.contains("synthwave"));
    assert!(m.music_style.contains("150 bpm"));
    assert!(m.music_style.contains("F# minor"));
    assert!(m.music_style.contains("high-energy"));
    assert!(m.video_keywords.iter().any(|k| k == "neon city"));
    assert!(m.video_keywords.iter().any(|k| k == "fast"));
    assert!(m.video_keywords.iter().any(|k| k == "intense"));
    assert!(m.cover_prompt.contains("Nova Drive"));
    let no_variant: MusicPromptOut = gen_ok(json!({"genre": "house"}), 3).await;
    assert!(no_variant.music_prompt.starts_with("A house track"));
}

#[tokio::test]
async fn lyrics_have_sections_a_repeated_chorus_and_the_themes() {
    let ctx = json!({"title": "Lost Arcades", "context": adapt_context("synthwave")});
    for seed in 0..20 {
        let l: LyricsOut = gen_ok(ctx.clone(), seed).await;
        let lines: Vec<&str> = l.lyrics.lines().filter(|x| !x.trim().is_empty()).collect();
        assert!(lines.len() >= 8);
        assert!(l.lyrics.contains("[Verse 1]") && l.lyrics.contains("[Chorus]"));
        let chorus: Vec<&str> = l
            .lyrics
            .split("[Chorus]\n")
            .skip(1)
            .map(|c| c.split("\n\n").next().unwrap_or_default())
            .collect();
        assert_eq!(chorus.len(), 2);
        assert_eq!(chorus[0], chorus[1], "the chorus repeats");
        let low = l.lyrics.to_lowercase();
        assert!(low.contains("midnight highways") || low.contains("lost arcades"));
    }
}

#[tokio::test]
async fn reflection_nudges_temperature_and_notes() {
    let base = json!({"style_notes": "dusty keys, rain", "temperature": 0.7, "genre": "lofi", "title": "Tea"});
    let mut approved = base.clone();
    approved["outcome"] = json!("approved");
    let mut rejected = base.clone();
    rejected["outcome"] = json!("rejected");
    let mut expired = base.clone();
    expired["outcome"] = json!("expired");
    for seed in 0..20 {
        let a: ReflectionOut = gen_ok(approved.clone(), seed).await;
        assert!(
            a.temperature < 0.7 && a.temperature >= 0.64,
            "{}",
            a.temperature
        );
        assert!(
            a.style_notes
                .starts_with("dusty keys, rain — tweaks: keep it, with ")
        );
        assert!(a.summary.contains("approved"));
        let r: ReflectionOut = gen_ok(rejected.clone(), seed).await;
        assert!(
            r.temperature > 0.7 && r.temperature <= 0.76,
            "{}",
            r.temperature
        );
        assert!(r.style_notes.starts_with("dusty keys, rain — tweaks: try "));
        assert!(r.summary.contains("rejected"));
        let e: ReflectionOut = gen_ok(expired.clone(), seed).await;
        assert_eq!(e.temperature, 0.7);
        assert_eq!(e.style_notes, "dusty keys, rain");
    }
    // repeated reflections do not grow the notes without bound
    let mut ctx = approved.clone();
    for seed in 0..30 {
        let a: ReflectionOut = gen_ok(ctx.clone(), seed).await;
        ctx["style_notes"] = json!(a.style_notes);
        ctx["temperature"] = json!(a.temperature);
        ctx["outcome"] = json!(if seed % 3 == 0 {
            "rejected"
        } else {
            "approved"
        });
    }
    let notes = ctx["style_notes"].as_str().unwrap_or_default();
    assert!(notes.starts_with("dusty keys, rain — tweaks: "));
    assert!(notes.matches(';').count() < MAX_REFINEMENTS, "{notes}");
}

#[test]
fn the_fixed_fallbacks_are_valid() {
    assert_eq!(fallback_persona().validate(), Ok(()));
    assert_eq!(fallback_music_prompt().validate(), Ok(()));
    assert_eq!(fallback_lyrics().validate(), Ok(()));
    assert_eq!(fallback_reflection().validate(), Ok(()));
}

#[test]
#[ignore = "prints sample answers for review"]
fn print_samples() {
    for genre in ["lofi", "synthwave", "phonk", "house", "ambient"] {
        let ctx = adapt_context(genre);
        for v in [
            TemplateLlm::answer(&req::<PersonaOut>(
                json!({"genre": genre, "market": "GB"}),
                1,
            )),
            TemplateLlm::answer(&req::<MusicPromptOut>(ctx.clone(), 1)),
            TemplateLlm::answer(&req::<LyricsOut>(
                json!({"title": "Lost Arcades", "context": ctx}),
                1,
            )),
            TemplateLlm::answer(&req::<ReflectionOut>(
                json!({"style_notes": "warm pads", "temperature": 0.7, "outcome": "rejected", "genre": genre, "title": "X"}),
                1,
            )),
        ] {
            println!("{}", serde_json::to_string_pretty(&v).unwrap_or_default());
        }
    }
}

//! [`TemplateLlm`]: the offline language model at the end of every chain.
//!
//! Why: the pipeline asks a language model for personas, music prompts,
//! lyrics and reflections. Offline (or when every hosted model fails) this
//! generator answers instead, so a run never stops for lack of text. It does
//! not read the prose prompt; it reads the structured `context` the stages
//! attach to every request, combines it with curated per-genre word banks
//! ([`banks`]) and picks with a `ChaCha8Rng` seeded from (kind, context,
//! seed). The same request always gives the same answer.
//!
//! Guarantee: every answer deserialises into the matching type of
//! `noktvrn_pipeline::llm` and passes its `validate()`, whatever the context
//! holds (missing fields, wrong types, over-long strings). Every answer is
//! checked before it is returned and replaced by a fixed known-good answer
//! in the (tested-unreachable) case that it fails.

mod banks;

use std::time::Instant;

use async_trait::async_trait;
use rand::seq::{IndexedRandom, SliceRandom};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde_json::Value;

use noktvrn_domain::music::{Mode, MusicalKey};
use noktvrn_domain::params::LlmCallRecord;
use noktvrn_pipeline::error::ProviderError;
use noktvrn_pipeline::llm::{LlmOutput, LyricsOut, MusicPromptOut, PersonaOut, ReflectionOut};
use noktvrn_pipeline::ports::{LanguageModel, LlmRequest, LlmResponse, PromptKind};
use noktvrn_render::music::GenrePreset;

use banks::{Bank, bank_for};

/// Provider name (the chain and `create_artist` recognise it).
pub const TEMPLATE_PROVIDER: &str = "template";
/// Model name recorded on calls.
pub const TEMPLATE_MODEL: &str = "noktvrn-template-1";

/// Separates an artist's own style notes from reflection refinements.
const REFINE_MARK: &str = " — tweaks: ";
/// Refinements kept in the style notes (older ones drop off).
const MAX_REFINEMENTS: usize = 3;

/// Deterministic, offline, always-valid language model.
#[derive(Debug, Clone, Copy, Default)]
pub struct TemplateLlm;

impl TemplateLlm {
    pub fn new() -> Self {
        Self
    }

    /// The answer for `request` as JSON (what `complete` returns as `value`).
    pub fn answer(request: &LlmRequest) -> Value {
        match Self::try_answer(request) {
            Ok(v) => v,
            Err(problem) => {
                tracing::error!(kind = request.kind.as_str(), problem = %problem, "template output invalid; using the fixed answer");
                match request.kind {
                    PromptKind::Persona => to_json(&fallback_persona()),
                    PromptKind::MusicPrompt => to_json(&fallback_music_prompt()),
                    PromptKind::Lyrics => to_json(&fallback_lyrics()),
                    PromptKind::Reflection => to_json(&fallback_reflection()),
                }
            }
        }
    }

    /// The generated answer, or why it failed validation (never expected).
    fn try_answer(request: &LlmRequest) -> Result<Value, String> {
        let ctx = Ctx::new(&request.context);
        let mut rng = ChaCha8Rng::seed_from_u64(mix_seed(request));
        match request.kind {
            PromptKind::Persona => checked(persona(&ctx, &mut rng)),
            PromptKind::MusicPrompt => checked(music_prompt(&ctx, &mut rng)),
            PromptKind::Lyrics => checked(lyrics(&ctx, &mut rng)),
            PromptKind::Reflection => checked(reflection(&ctx, &mut rng)),
        }
    }
}

#[async_trait]
impl LanguageModel for TemplateLlm {
    fn provider(&self) -> &str {
        TEMPLATE_PROVIDER
    }

    async fn complete(&self, request: &LlmRequest) -> Result<LlmResponse, ProviderError> {
        let started = Instant::now();
        let value = Self::answer(request);
        let out_chars = value.to_string().chars().count();
        let in_chars = request.system.chars().count()
            + request.prompt.chars().count()
            + request.context.to_string().chars().count();
        Ok(LlmResponse {
            value,
            record: LlmCallRecord {
                purpose: request.kind.as_str().into(),
                provider: TEMPLATE_PROVIDER.into(),
                model: TEMPLATE_MODEL.into(),
                latency_ms: u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX),
                tokens_in: Some(estimate_tokens(in_chars)),
                tokens_out: Some(estimate_tokens(out_chars)),
                attempts: 1,
                fell_back: false,
            },
        })
    }
}

/// About four characters per token, as for English text.
fn estimate_tokens(chars: usize) -> u32 {
    u32::try_from(chars.div_ceil(4)).unwrap_or(u32::MAX)
}

fn fnv1a64(h: &mut u64, bytes: &[u8]) {
    for b in bytes {
        *h ^= u64::from(*b);
        *h = h.wrapping_mul(0x0100_0000_01b3);
    }
}

fn mix_seed(request: &LlmRequest) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    fnv1a64(&mut h, request.kind.as_str().as_bytes());
    fnv1a64(&mut h, request.context.to_string().as_bytes());
    fnv1a64(&mut h, &request.seed.to_le_bytes());
    h
}

/// Serialises `out` if it validates.
fn checked<T: LlmOutput>(out: T) -> Result<Value, String> {
    out.validate()?;
    serde_json::to_value(&out).map_err(|e| e.to_string())
}

fn to_json<T: LlmOutput>(out: &T) -> Value {
    serde_json::to_value(out).unwrap_or(Value::Null)
}

// ---------------------------------------------------------------- context

/// Tolerant reader of the request context: looks at the top level, then
/// inside a nested `context` object (the lyrics request nests the prompt
/// context); wrong types read as missing; strings are cleaned and bounded.
struct Ctx<'a> {
    root: &'a Value,
}

impl<'a> Ctx<'a> {
    fn new(root: &'a Value) -> Self {
        Self { root }
    }

    fn get(&self, key: &str) -> Option<&'a Value> {
        let found = self.root.get(key).filter(|v| !v.is_null());
        found.or_else(|| {
            self.root
                .get("context")
                .and_then(|c| c.get(key))
                .filter(|v| !v.is_null())
        })
    }

    fn text(&self, key: &str, max: usize) -> Option<String> {
        let v = self.get(key)?;
        let s = match v {
            Value::String(s) => clean(s, max),
            Value::Number(n) => n.to_string(),
            Value::Bool(b) => b.to_string(),
            _ => return None,
        };
        (!s.is_empty()).then_some(s)
    }

    fn num(&self, key: &str) -> Option<f64> {
        let v = self.get(key)?;
        let x = match v {
            Value::Number(n) => n.as_f64()?,
            Value::String(s) => s.trim().parse().ok()?,
            _ => return None,
        };
        x.is_finite().then_some(x)
    }

    /// A list of short strings: a JSON array of strings or a comma list.
    fn list(&self, key: &str, max_items: usize, max_chars: usize) -> Vec<String> {
        let raw: Vec<String> = match self.get(key) {
            Some(Value::Array(a)) => a
                .iter()
                .filter_map(|v| v.as_str().map(str::to_string))
                .collect(),
            Some(Value::String(s)) => s.split(',').map(str::to_string).collect(),
            _ => vec![],
        };
        let mut out: Vec<String> = vec![];
        for s in raw {
            let c = clean(&s, max_chars);
            if !c.is_empty() && !out.iter().any(|o| o.eq_ignore_ascii_case(&c)) {
                out.push(c);
            }
            if out.len() >= max_items {
                break;
            }
        }
        out
    }
}

/// Control characters removed, whitespace collapsed, at most `max` chars
/// (cut at a word boundary when one is near).
fn clean(s: &str, max: usize) -> String {
    let collapsed = s
        .split(|c: char| c.is_whitespace() || c.is_control())
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join(" ");
    truncate(&collapsed, max)
}

fn truncate(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_string();
    }
    let cut: String = s.chars().take(max).collect();
    let trimmed = match cut.rfind(' ') {
        Some(i) if cut[..i].chars().count() > max / 2 => cut[..i].to_string(),
        _ => cut,
    };
    trimmed
        .trim_end_matches([' ', ',', ';', ':', '-', '—', '.'])
        .to_string()
}

fn pick<'b, R: Rng>(rng: &mut R, items: &[&'b str], default: &'b str) -> &'b str {
    items.choose(rng).copied().unwrap_or(default)
}

fn pick_s<R: Rng>(rng: &mut R, items: &[String]) -> Option<String> {
    items.choose(rng).cloned()
}

/// `n` distinct items in random order.
fn sample<R: Rng>(rng: &mut R, items: &[&str], n: usize) -> Vec<String> {
    let mut v: Vec<&str> = items.to_vec();
    v.shuffle(rng);
    v.into_iter().take(n).map(str::to_string).collect()
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().collect::<String>() + c.as_str(),
        None => String::new(),
    }
}

fn push_unique(v: &mut Vec<String>, s: impl Into<String>, max_chars: usize) {
    let s = clean(&s.into(), max_chars);
    if !s.is_empty() && !v.iter().any(|x| x.eq_ignore_ascii_case(&s)) {
        v.push(s);
    }
}

/// The genre (as given, cleaned) and its bank; a seeded default when absent.
fn genre_of<R: Rng>(ctx: &Ctx<'_>, rng: &mut R) -> (String, &'static Bank) {
    let genre = ctx
        .text("genre", 60)
        .unwrap_or_else(|| pick(rng, &banks::DEFAULT_GENRES, "lofi").to_string());
    let bank = bank_for(GenrePreset::from_genre_name(&genre));
    (genre, bank)
}

fn tempo_words(bpm: f64) -> (&'static str, Option<[&'static str; 2]>) {
    if bpm > 140.0 {
        ("fast", Some(["fast", "energetic"]))
    } else if bpm < 90.0 {
        ("slow", Some(["slow", "calm"]))
    } else if bpm < 110.0 {
        ("mid-tempo", None)
    } else {
        ("uptempo", None)
    }
}

fn energy_words(energy: f64) -> (&'static str, Option<[&'static str; 2]>) {
    if energy > 0.7 {
        ("high-energy", Some(["intense", "dynamic"]))
    } else if energy < 0.35 {
        ("laid-back", Some(["peaceful", "dreamy"]))
    } else {
        ("steady", None)
    }
}

fn key_of<R: Rng>(ctx: &Ctx<'_>, bank: &Bank, rng: &mut R) -> MusicalKey {
    ctx.text("key", 20)
        .and_then(|k| k.parse::<MusicalKey>().ok())
        .unwrap_or_else(|| {
            let (t, minor) = bank.keys.choose(rng).copied().unwrap_or((9, true));
            MusicalKey::new(t, if minor { Mode::Minor } else { Mode::Major })
        })
}

/// A single capitalised word from a phrase (the longest alphabetic one).
fn key_word(phrase: &str) -> Option<String> {
    phrase
        .split(|c: char| !c.is_alphabetic())
        .filter(|w| w.chars().count() >= 3 && w.chars().count() <= 14)
        .max_by_key(|w| w.chars().count())
        .map(|w| capitalise(&w.to_lowercase()))
}

// ---------------------------------------------------------------- persona

fn persona<R: Rng>(ctx: &Ctx<'_>, rng: &mut R) -> PersonaOut {
    let (genre, bank) = genre_of(ctx, rng);
    let market = ctx
        .text("market", 2)
        .map(|m| m.to_ascii_uppercase())
        .unwrap_or_else(|| "US".into());
    let audience = ctx
        .text("audience", 200)
        .filter(|a| !a.eq_ignore_ascii_case("general"))
        .unwrap_or_else(|| pick(rng, bank.audience, "music fans").to_string());

    let first = pick(rng, bank.name_first, "Nova");
    let second = pick(rng, bank.name_second, "Drift");
    let name = match rng.random_range(0..4) {
        0 => first.to_string(),
        1 => format!("{first}{}", second.to_lowercase().replace(' ', "")),
        _ => format!("{first} {second}"),
    };
    let name = truncate(&name, 80);

    let instruments = sample(rng, bank.instruments, 3);
    let textures = sample(rng, bank.textures, 2);
    let moods = sample(rng, bank.moods, 3);
    let themes = sample(rng, bank.themes, 4);
    let visual = sample(rng, bank.imagery, 4);
    let influences = sample(rng, bank.influences, 3);
    let n_secondary = rng.random_range(1..=2);
    let secondary = sample(rng, bank.secondary, n_secondary);
    let mut palette = sample(rng, bank.palette, 4);
    palette.sort();

    let tempo = (rng.random_range(bank.tempo.0..=bank.tempo.1))
        .round()
        .clamp(60.0, 190.0);
    let energy = (rng.random_range(bank.energy.0..=bank.energy.1) * 100.0).round() / 100.0;
    let n_keys = rng.random_range(1..=3usize).min(bank.keys.len());
    let mut keys: Vec<(u8, bool)> = bank.keys.to_vec();
    keys.shuffle(rng);
    let preferred_keys: Vec<MusicalKey> = keys
        .into_iter()
        .take(n_keys)
        .map(|(t, minor)| MusicalKey::new(t, if minor { Mode::Minor } else { Mode::Major }))
        .collect();

    let city = pick(rng, banks::cities(&market), "a quiet city");
    let style_notes = format!(
        "{}, {} and {}; {} and {} production; {} mood.",
        instruments[0], instruments[1], instruments[2], textures[0], textures[1], moods[0]
    );
    let persona_summary = format!(
        "{name} makes {mood} {genre} from {city}: {i0} and {i1}, songs about {t0} and {t1}.",
        mood = moods[0],
        i0 = instruments[0],
        i1 = instruments[1],
        t0 = themes[0],
        t1 = themes[1],
    );
    let backstory = format!(
        "{name} started making music in {city}, inspired by {inf}. The first tracks were about {t0}; \
         the sound grew around {i0} and a {tex} feel, aimed at {audience}.",
        inf = influences[0],
        t0 = themes[2],
        i0 = instruments[0],
        tex = textures[0],
    );
    PersonaOut {
        name,
        genre: genre.clone(),
        style_notes,
        persona_summary: truncate(&persona_summary, 1000),
        secondary_genres: secondary,
        visual_style_keywords: visual,
        target_audience: truncate(&audience, 200),
        backstory: truncate(&backstory, 4000),
        influences,
        themes_and_topics: themes,
        initial_mood_tags: moods,
        color_palette: palette,
        tempo_bpm: tempo,
        energy: energy.clamp(0.0, 1.0),
        preferred_keys,
    }
}

fn fallback_persona() -> PersonaOut {
    PersonaOut {
        name: "Mellow Tapes".into(),
        genre: "lofi".into(),
        style_notes: "dusty Rhodes, vinyl crackle, soft drums.".into(),
        persona_summary: "Mellow Tapes makes calm lofi for late nights.".into(),
        secondary_genres: vec!["chillhop".into()],
        visual_style_keywords: vec!["rain window".into(), "cozy room".into()],
        target_audience: "students who study to music".into(),
        backstory: String::new(),
        influences: vec!["late-night radio".into()],
        themes_and_topics: vec!["rainy afternoons".into()],
        initial_mood_tags: vec!["calm".into()],
        color_palette: vec!["#2b2d42".into(), "#e9c46a".into()],
        tempo_bpm: 80.0,
        energy: 0.3,
        preferred_keys: vec![MusicalKey::new(9, Mode::Minor)],
    }
}

// ---------------------------------------------------------------- music prompt

struct Song {
    genre: String,
    bank: &'static Bank,
    artist: String,
    title: String,
    moods: Vec<String>,
    themes: Vec<String>,
}

fn song<R: Rng>(ctx: &Ctx<'_>, rng: &mut R) -> Song {
    let (genre, bank) = genre_of(ctx, rng);
    let artist = ctx
        .text("artist_name", 60)
        .unwrap_or_else(|| "the artist".into());
    let mut moods = ctx.list("moods", 8, 40);
    if moods.is_empty() {
        moods = sample(rng, bank.moods, 3);
    }
    let mut themes = ctx.list("themes", 8, 40);
    if themes.is_empty() {
        themes = sample(rng, bank.themes, 3);
    }
    let title = match ctx.text("title", 100) {
        Some(t) => t,
        None => make_title(bank, &moods, &themes, rng),
    };
    Song {
        genre,
        bank,
        artist,
        title,
        moods,
        themes,
    }
}

fn make_title<R: Rng>(bank: &Bank, moods: &[String], themes: &[String], rng: &mut R) -> String {
    let adj = pick(rng, bank.title_adj, "Quiet").to_string();
    let noun = pick(rng, bank.title_noun, "Lights").to_string();
    let theme_word = pick_s(rng, themes).and_then(|t| key_word(&t));
    let mood_word = pick_s(rng, moods).and_then(|m| key_word(&m));
    let t = match rng.random_range(0..5) {
        0 => format!("{adj} {noun}"),
        1 => match &theme_word {
            Some(w) => format!("{noun} of {w}"),
            None => format!("{adj} {noun}"),
        },
        2 => match &mood_word {
            Some(w) => format!("{w} {noun}"),
            None => format!("{adj} {noun}"),
        },
        3 => match &theme_word {
            Some(w) => format!("{adj} {w}"),
            None => format!("{noun} {}", rng.random_range(1..=99)),
        },
        _ => format!("{noun} ({adj} Mix)"),
    };
    truncate(&t, 100)
}

fn music_prompt<R: Rng>(ctx: &Ctx<'_>, rng: &mut R) -> MusicPromptOut {
    let s = song(ctx, rng);
    let bank = s.bank;
    let tempo = ctx
        .num("tempo_bpm")
        .filter(|t| (20.0..=400.0).contains(t))
        .unwrap_or_else(|| ((bank.tempo.0 + bank.tempo.1) / 2.0).round());
    let energy = ctx
        .num("energy")
        .map(|e| e.clamp(0.0, 1.0))
        .unwrap_or((bank.energy.0 + bank.energy.1) / 2.0);
    let key = key_of(ctx, bank, rng);
    let (tempo_word, tempo_motion) = tempo_words(tempo);
    let (energy_word, energy_motion) = energy_words(energy);

    let prefix = ctx
        .text("variant_prefix", 120)
        .unwrap_or_else(|| format!("A {} track", s.genre));
    let instruments = sample(rng, bank.instruments, 3);
    let mood = s.moods.first().cloned().unwrap_or_else(|| "calm".into());
    let theme = pick_s(rng, &s.themes).unwrap_or_else(|| "the night".into());
    let mut music_prompt = format!(
        "{prefix} by {artist}: {i0}, {i1} and {i2}; a {mood}, {energy_word} feel about {theme}. {bpm} BPM in {key}.",
        artist = s.artist,
        i0 = instruments[0],
        i1 = instruments[1],
        i2 = instruments[2],
        bpm = tempo.round(),
    );
    if let Some(notes) = ctx.text("style_notes", 150) {
        music_prompt = format!("{music_prompt} Style: {notes}");
    }

    let mut style_tags: Vec<String> = vec![];
    push_unique(&mut style_tags, s.genre.to_lowercase(), 60);
    push_unique(&mut style_tags, bank.label, 40);
    for t in sample(rng, bank.textures, 2) {
        push_unique(&mut style_tags, t, 40);
    }
    push_unique(&mut style_tags, tempo_word, 20);
    push_unique(&mut style_tags, format!("{} bpm", tempo.round()), 20);
    push_unique(&mut style_tags, key.to_string(), 20);
    push_unique(&mut style_tags, energy_word, 20);
    push_unique(&mut style_tags, mood.to_lowercase(), 40);
    let music_style = truncate(&style_tags.join(", "), 200);

    let mut video: Vec<String> = vec![];
    for k in ctx.list("visual_style_keywords", 3, 60).into_iter().take(2) {
        push_unique(&mut video, k, 60);
    }
    for k in sample(rng, bank.imagery, 3) {
        push_unique(&mut video, k, 60);
    }
    for w in tempo_motion
        .into_iter()
        .flatten()
        .chain(energy_motion.into_iter().flatten())
    {
        push_unique(&mut video, w, 20);
    }
    video.truncate(10);

    let mut cover_images: Vec<String> = ctx.list("visual_style_keywords", 2, 40);
    for k in sample(rng, bank.imagery, 2) {
        push_unique(&mut cover_images, k, 40);
    }
    let palette = ctx.list("color_palette", 3, 7);
    let colours = if palette.is_empty() {
        String::new()
    } else {
        format!(", colours {}", palette.join(" "))
    };
    let cover_prompt = format!(
        "Album cover for \"{title}\" by {artist}: {imagery}; {mood} {genre} aesthetic{colours}, {texture} texture, bold typography, square format.",
        title = s.title,
        artist = s.artist,
        imagery = cover_images.join(", "),
        genre = s.genre.to_lowercase(),
        texture = pick(
            rng,
            &[
                "film grain",
                "soft gradient",
                "halftone",
                "glow",
                "grainy print"
            ],
            "grain"
        ),
    );

    MusicPromptOut {
        title: s.title,
        music_prompt: truncate(&music_prompt, 400),
        music_style,
        video_keywords: video,
        cover_prompt: truncate(&cover_prompt, 400),
    }
}

fn fallback_music_prompt() -> MusicPromptOut {
    MusicPromptOut {
        title: "Quiet Lights".into(),
        music_prompt: "A calm lofi track with dusty Rhodes and soft drums.".into(),
        music_style: "lofi, mellow, 80 bpm".into(),
        video_keywords: vec!["city lights".into(), "night sky".into()],
        cover_prompt: "Album cover: city lights at night, soft colours.".into(),
    }
}

// ---------------------------------------------------------------- lyrics

fn fill(template: &str, title: &str, img: &str, theme: &str, mood: &str) -> String {
    let line = template
        .replace("{title}", title)
        .replace("{img}", img)
        .replace("{theme}", theme)
        .replace("{mood}", mood);
    capitalise(&truncate(&line, 120))
}

fn verse<R: Rng>(s: &Song, rng: &mut R, n: usize) -> Vec<String> {
    let mut templates: Vec<&str> = banks::VERSE_LINES.to_vec();
    templates.shuffle(rng);
    templates
        .into_iter()
        .take(n)
        .map(|t| {
            let img = pick(rng, s.bank.lyric_images, "the city lights");
            let theme = pick_s(rng, &s.themes)
                .unwrap_or_else(|| "the night".into())
                .to_lowercase();
            let mood = pick_s(rng, &s.moods)
                .unwrap_or_else(|| "quiet".into())
                .to_lowercase();
            fill(t, &s.title, img, &theme, &mood)
        })
        .collect()
}

fn lyrics<R: Rng>(ctx: &Ctx<'_>, rng: &mut R) -> LyricsOut {
    let mut s = song(ctx, rng);
    s.title = truncate(&s.title, 60);
    let theme = s
        .themes
        .first()
        .cloned()
        .unwrap_or_else(|| "the night".into())
        .to_lowercase();
    let mood = s
        .moods
        .first()
        .cloned()
        .unwrap_or_else(|| "quiet".into())
        .to_lowercase();

    let hook = pick(rng, banks::CHORUS_LINES, "{title}, {title}");
    let tail = pick(rng, banks::CHORUS_TAILS, "and I don't want it to end");
    let img = pick(rng, s.bank.lyric_images, "the city lights");
    let chorus = [
        fill(hook, &s.title, img, &theme, &mood),
        capitalise(tail),
        fill("{img}, {mood} and bright", &s.title, img, &theme, &mood),
        fill(hook, &s.title, img, &theme, &mood),
    ];
    let bridge_t = pick(rng, banks::BRIDGE_LINES, "Let it fade, let it stay");
    let bridge_img = pick(rng, s.bank.lyric_images, "the city lights");

    let mut out: Vec<String> = vec!["[Verse 1]".into()];
    out.extend(verse(&s, rng, 4));
    out.push(String::new());
    out.push("[Chorus]".into());
    out.extend(chorus.iter().cloned());
    out.push(String::new());
    out.push("[Verse 2]".into());
    out.extend(verse(&s, rng, 4));
    out.push(String::new());
    out.push("[Chorus]".into());
    out.extend(chorus.iter().cloned());
    out.push(String::new());
    out.push("[Bridge]".into());
    out.push(fill(bridge_t, &s.title, bridge_img, &theme, &mood));
    out.push(fill(
        "I still think about {theme}",
        &s.title,
        bridge_img,
        &theme,
        &mood,
    ));
    out.push(String::new());
    out.push("[Outro]".into());
    out.push(chorus[0].clone());
    LyricsOut {
        lyrics: truncate_lines(&out.join("\n"), 3000),
    }
}

/// Whole lines only, at most `max` characters.
fn truncate_lines(s: &str, max: usize) -> String {
    let mut out = String::new();
    for line in s.lines() {
        if out.chars().count() + line.chars().count() + 1 > max {
            break;
        }
        if !out.is_empty() {
            out.push('\n');
        }
        out.push_str(line);
    }
    out
}

fn fallback_lyrics() -> LyricsOut {
    LyricsOut {
        lyrics: "[Verse 1]\nRain on the window\nA cold cup of tea\n\n[Chorus]\nQuiet lights, quiet lights\nStay with me tonight\n\n[Chorus]\nQuiet lights, quiet lights\nStay with me tonight".into(),
    }
}

// ---------------------------------------------------------------- reflection

fn reflection<R: Rng>(ctx: &Ctx<'_>, rng: &mut R) -> ReflectionOut {
    let (genre, bank) = genre_of(ctx, rng);
    let temperature = ctx
        .num("temperature")
        .map(|t| t.clamp(0.0, 2.0))
        .unwrap_or(0.7);
    let outcome = ctx.text("outcome", 40).map(|o| o.to_lowercase());
    let title = ctx.text("title", 80);
    let notes = ctx.text("style_notes", 2000).unwrap_or_default();

    // Split the artist's own notes from earlier refinements.
    let (base, earlier) = match notes.split_once(REFINE_MARK) {
        Some((b, r)) => (
            b.trim().to_string(),
            r.split(';')
                .map(|x| x.trim().trim_end_matches('.').to_string())
                .filter(|x| !x.is_empty())
                .collect::<Vec<_>>(),
        ),
        None => (notes.trim().to_string(), vec![]),
    };
    let base = if base.is_empty() {
        format!(
            "{} with {}",
            genre,
            sample(rng, bank.instruments, 2).join(" and ")
        )
    } else {
        base
    };
    let fresh: Vec<&str> = bank
        .refinements
        .iter()
        .copied()
        .filter(|r| !earlier.iter().any(|e| e.contains(r)))
        .collect();
    let refinement = pick(
        rng,
        if fresh.is_empty() {
            bank.refinements
        } else {
            &fresh
        },
        "a little more space",
    )
    .to_string();
    let song = title
        .map(|t| format!("\"{t}\""))
        .unwrap_or_else(|| "the last track".into());
    let step = f64::from(rng.random_range(2..=5u8)) / 100.0;

    let (kept, new_temp, summary) = match outcome.as_deref() {
        Some("approved") => {
            let mut kept = earlier.clone();
            kept.push(format!("keep it, with {refinement}"));
            (
                kept,
                temperature - step,
                format!(
                    "{song} was approved, so the sound stays; one small refinement ({refinement}) and a slightly lower temperature to stay consistent."
                ),
            )
        }
        Some("rejected") => {
            let mut kept = earlier.clone();
            // replace the most recent refinement: it did not help
            kept.pop();
            kept.push(format!("try {refinement}"));
            (
                kept,
                temperature + step,
                format!(
                    "{song} was rejected, so try a small change ({refinement}) and a slightly higher temperature for more variety."
                ),
            )
        }
        _ => (
            earlier.clone(),
            temperature,
            format!("{song} was not judged, so nothing changes."),
        ),
    };
    let kept: Vec<String> = kept
        .into_iter()
        .rev()
        .take(MAX_REFINEMENTS)
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect();
    let refinements = kept.join("; ");
    let room =
        2000usize.saturating_sub(refinements.chars().count() + REFINE_MARK.chars().count() + 1);
    let style_notes = if refinements.is_empty() {
        truncate(&base, 2000)
    } else {
        format!(
            "{}{REFINE_MARK}{refinements}.",
            truncate(&base, room.max(1))
        )
    };
    ReflectionOut {
        style_notes: truncate(&style_notes, 2000),
        temperature: ((new_temp.clamp(0.0, 2.0)) * 100.0).round() / 100.0,
        summary: truncate(&summary, 500),
    }
}

fn fallback_reflection() -> ReflectionOut {
    ReflectionOut {
        style_notes: "keep the current sound".into(),
        temperature: 0.7,
        summary: "no change".into(),
    }
}

#[cfg(test)]
mod tests;

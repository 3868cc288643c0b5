//! [`SynthMusic`]: the offline music provider.
//!
//! Why: a new user must be able to run a whole batch without a music-model
//! account, and the rest of the pipeline (analysis, approval, packaging) needs
//! a *real* track to work on. This adapter speaks the same submit/poll/fetch
//! protocol as a hosted Suno-style API but renders locally with
//! [`noktvrn_render::music`].
//!
//! It is **stateless**: `submit` encodes every render parameter into the task
//! id itself, so `poll` and `fetch_audio` can run in a different process (a
//! different Lambda invocation) and still produce byte-identical audio.
//!
//! Task id layout (`synth-v1-` + 44 lowercase hex digits = 22 bytes):
//!
//! | bytes  | field                                     |
//! |--------|-------------------------------------------|
//! | 0      | layout version (1)                        |
//! | 1..3   | tempo × 100, u16 big-endian               |
//! | 3      | tonic pitch class 0..12                   |
//! | 4      | mode (0 major, 1 minor)                   |
//! | 5..7   | energy × 10 000, u16 big-endian           |
//! | 7..9   | duration × 10 (deciseconds), u16 BE       |
//! | 9      | genre code (see `GENRE_CODES`)            |
//! | 10..18 | seed, u64 big-endian                      |
//! | 18..22 | FNV-1a 32 checksum of bytes 0..18         |
//!
//! Anything that does not decode, fails the checksum or holds an out-of-range
//! value is a foreign id and answers [`ProviderError::NotFound`].

use async_trait::async_trait;

use noktvrn_domain::music::Mode as DomainMode;
use noktvrn_pipeline::error::ProviderError;
use noktvrn_pipeline::ports::{GeneratedClip, MusicGenerator, TrackRequest, TrackStatus};
use noktvrn_render::RenderError;
use noktvrn_render::music::{GenrePreset, Mode, TrackSpec, render};

/// Provider name recorded on runs.
pub const SYNTH_PROVIDER: &str = "offline-synth";
/// Model name recorded on clips.
pub const SYNTH_MODEL: &str = "noktvrn-synth-1";

const TASK_PREFIX: &str = "synth-v1-";
const LAYOUT_VERSION: u8 = 1;
const PAYLOAD_LEN: usize = 18;
const TOTAL_LEN: usize = PAYLOAD_LEN + 4;
const URL_SCHEME: &str = "synth://";

/// Renderer limits (see `TrackSpec::validate`) the request is clamped into.
const TEMPO_RANGE: (f64, f64) = (40.0, 220.0);
const DURATION_RANGE: (f64, f64) = (5.0, 600.0);
const DEFAULT_DURATION_S: f64 = 120.0;

/// Offline music generator backed by the deterministic synthesiser.
#[derive(Debug, Clone, Copy, Default)]
pub struct SynthMusic;

impl SynthMusic {
    pub fn new() -> Self {
        Self
    }

    /// The render parameters a request maps to (clamped into the renderer's
    /// ranges and quantised to what the task id can hold).
    pub fn spec_for(request: &TrackRequest) -> TrackSpec {
        let mut genre = GenrePreset::from_genre_name(&request.genre);
        if genre_code(genre).is_none() {
            // a preset newer than this adapter's table
            genre = GenrePreset::Pop;
        }
        let tempo = if request.tempo_bpm.is_finite() {
            request.tempo_bpm.clamp(TEMPO_RANGE.0, TEMPO_RANGE.1)
        } else {
            genre.typical_tempo()
        };
        let energy = if request.energy.is_finite() {
            request.energy.clamp(0.0, 1.0)
        } else {
            0.5
        };
        let duration = if request.duration_s.is_finite() {
            request.duration_s.clamp(DURATION_RANGE.0, DURATION_RANGE.1)
        } else {
            DEFAULT_DURATION_S
        };
        let spec = TrackSpec {
            tempo_bpm: tempo,
            tonic: request.key.tonic % 12,
            mode: match request.key.mode {
                DomainMode::Major => Mode::Major,
                DomainMode::Minor => Mode::Minor,
            },
            energy,
            duration_s: duration,
            genre,
            seed: request.seed,
        };
        // Quantise through the task-id encoding so submit and fetch agree.
        decode_payload(&encode_payload(&spec)).unwrap_or(spec)
    }

    fn not_found(what: impl Into<String>) -> ProviderError {
        ProviderError::NotFound {
            provider: SYNTH_PROVIDER.into(),
            what: what.into(),
        }
    }

    fn rejected(e: &RenderError) -> ProviderError {
        ProviderError::Rejected {
            provider: SYNTH_PROVIDER.into(),
            message: e.to_string(),
        }
    }

    fn clip(task_id: &str, suffix: char, spec: &TrackSpec) -> GeneratedClip {
        let clip_id = format!("{task_id}-{suffix}");
        GeneratedClip {
            audio_url: format!("{URL_SCHEME}{clip_id}"),
            clip_id,
            content_type: "audio/wav".into(),
            duration_s: Some(spec.duration_s),
            model: SYNTH_MODEL.into(),
        }
    }

    /// The spec a clip id (`<task>-a` / `<task>-b`) renders.
    fn spec_for_clip(clip_id: &str) -> Option<TrackSpec> {
        let (task, suffix) = clip_id.rsplit_once('-')?;
        let mut spec = decode_task_id(task)?;
        match suffix {
            "a" => {}
            "b" => spec.seed = spec.seed.wrapping_add(1),
            _ => return None,
        }
        Some(spec)
    }
}

/// Stable one-byte codes of the genre presets (by name, so reordering or
/// extending `GenrePreset` never changes what an issued task id means).
const GENRE_CODES: [(u8, &str); 13] = [
    (1, "lofi"),
    (2, "phonk"),
    (3, "trap"),
    (4, "synthwave"),
    (5, "darkwave"),
    (6, "house"),
    (7, "techno"),
    (8, "hyperpop"),
    (9, "ambient"),
    (10, "pop"),
    (11, "drum_and_bass"),
    (12, "rock"),
    (13, "rnb"),
];

fn genre_code(g: GenrePreset) -> Option<u8> {
    GENRE_CODES
        .iter()
        .find(|(_, name)| *name == g.as_str())
        .map(|(c, _)| *c)
}

fn genre_from_code(code: u8) -> Option<GenrePreset> {
    let (_, name) = GENRE_CODES.iter().find(|(c, _)| *c == code)?;
    GenrePreset::ALL
        .iter()
        .copied()
        .find(|g| g.as_str() == *name)
}

fn fnv1a32(bytes: &[u8]) -> u32 {
    let mut h: u32 = 0x811c_9dc5;
    for b in bytes {
        h ^= u32::from(*b);
        h = h.wrapping_mul(0x0100_0193);
    }
    h
}

fn encode_payload(spec: &TrackSpec) -> [u8; TOTAL_LEN] {
    let mut b = [0u8; TOTAL_LEN];
    b[0] = LAYOUT_VERSION;
    let tempo = (spec.tempo_bpm * 100.0)
        .round()
        .clamp(0.0, f64::from(u16::MAX)) as u16;
    b[1..3].copy_from_slice(&tempo.to_be_bytes());
    b[3] = spec.tonic % 12;
    b[4] = match spec.mode {
        Mode::Major => 0,
        Mode::Minor => 1,
    };
    let energy = (spec.energy * 10_000.0).round().clamp(0.0, 10_000.0) as u16;
    b[5..7].copy_from_slice(&energy.to_be_bytes());
    let duration = (spec.duration_s * 10.0)
        .round()
        .clamp(0.0, f64::from(u16::MAX)) as u16;
    b[7..9].copy_from_slice(&duration.to_be_bytes());
    b[9] = genre_code(spec.genre).unwrap_or(0);
    b[10..18].copy_from_slice(&spec.seed.to_be_bytes());
    let sum = fnv1a32(&b[..PAYLOAD_LEN]);
    b[PAYLOAD_LEN..].copy_from_slice(&sum.to_be_bytes());
    b
}

fn decode_payload(b: &[u8]) -> Option<TrackSpec> {
    if b.len() != TOTAL_LEN || b[0] != LAYOUT_VERSION {
        return None;
    }
    let sum = u32::from_be_bytes(b[PAYLOAD_LEN..].try_into().ok()?);
    if sum != fnv1a32(&b[..PAYLOAD_LEN]) {
        return None;
    }
    let u16_at = |i: usize| u16::from_be_bytes([b[i], b[i + 1]]);
    let mode = match b[4] {
        0 => Mode::Major,
        1 => Mode::Minor,
        _ => return None,
    };
    let spec = TrackSpec {
        tempo_bpm: f64::from(u16_at(1)) / 100.0,
        tonic: b[3],
        mode,
        energy: f64::from(u16_at(5)) / 10_000.0,
        duration_s: f64::from(u16_at(7)) / 10.0,
        genre: genre_from_code(b[9])?,
        seed: u64::from_be_bytes(b[10..18].try_into().ok()?),
    };
    spec.validate().ok()?;
    Some(spec)
}

/// The task id that carries `spec`.
fn encode_task_id(spec: &TrackSpec) -> String {
    format!("{TASK_PREFIX}{}", hex::encode(encode_payload(spec)))
}

/// The spec a task id carries; `None` for anything this provider did not issue.
fn decode_task_id(task_id: &str) -> Option<TrackSpec> {
    let hexpart = task_id.strip_prefix(TASK_PREFIX)?;
    if hexpart.len() != TOTAL_LEN * 2 || hexpart.bytes().any(|c| c.is_ascii_uppercase()) {
        return None;
    }
    let bytes = hex::decode(hexpart).ok()?;
    decode_payload(&bytes)
}

#[async_trait]
impl MusicGenerator for SynthMusic {
    fn provider(&self) -> &str {
        SYNTH_PROVIDER
    }

    async fn submit(&self, request: &TrackRequest) -> Result<String, ProviderError> {
        let spec = Self::spec_for(request);
        spec.validate().map_err(|e| Self::rejected(&e))?;
        let task_id = encode_task_id(&spec);
        tracing::debug!(task_id = %task_id, key = %spec.key_name(), genre = %spec.genre, "synth task encoded");
        Ok(task_id)
    }

    async fn poll(&self, task_id: &str) -> Result<TrackStatus, ProviderError> {
        let spec =
            decode_task_id(task_id).ok_or_else(|| Self::not_found(format!("task {task_id}")))?;
        Ok(TrackStatus::Ready(vec![
            Self::clip(task_id, 'a', &spec),
            Self::clip(task_id, 'b', &spec),
        ]))
    }

    async fn fetch_audio(&self, clip: &GeneratedClip) -> Result<Vec<u8>, ProviderError> {
        let spec = Self::spec_for_clip(&clip.clip_id)
            .or_else(|| {
                clip.audio_url
                    .strip_prefix(URL_SCHEME)
                    .and_then(Self::spec_for_clip)
            })
            .ok_or_else(|| Self::not_found(format!("clip {}", clip.clip_id)))?;
        let rendered = tokio::task::spawn_blocking(move || render(&spec))
            .await
            .map_err(|e| ProviderError::Unavailable {
                provider: SYNTH_PROVIDER.into(),
                message: format!("render task failed: {e}"),
                source: None,
            })?
            .map_err(|e| Self::rejected(&e))?;
        Ok(rendered.wav)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use noktvrn_domain::ids::RunId;
    use noktvrn_domain::music::MusicalKey;

    fn request(duration_s: f64, seed: u64) -> TrackRequest {
        TrackRequest {
            run_id: RunId::new(ulid::Ulid::nil()),
            title: "Night Drive".into(),
            prompt: "A dreamy synthwave track".into(),
            style: "synthwave, 110 bpm".into(),
            lyrics: None,
            instrumental: true,
            genre: "Synthwave".into(),
            tempo_bpm: 110.0,
            key: MusicalKey::new(9, DomainMode::Minor),
            energy: 0.6,
            duration_s,
            seed,
        }
    }

    struct Wav {
        channels: u16,
        rate: u32,
        bits: u16,
        data_len: u32,
    }

    fn parse_wav(b: &[u8]) -> Wav {
        assert_eq!(&b[0..4], b"RIFF");
        assert_eq!(&b[8..12], b"WAVE");
        let mut i = 12;
        let mut fmt = None;
        let mut data_len = None;
        while i + 8 <= b.len() {
            let id = &b[i..i + 4];
            let len = u32::from_le_bytes(b[i + 4..i + 8].try_into().unwrap());
            if id == b"fmt " {
                let f = &b[i + 8..];
                fmt = Some((
                    u16::from_le_bytes([f[2], f[3]]),
                    u32::from_le_bytes(f[4..8].try_into().unwrap()),
                    u16::from_le_bytes([f[14], f[15]]),
                ));
            } else if id == b"data" {
                data_len = Some(len);
            }
            i += 8 + len as usize + (len as usize & 1);
        }
        let (channels, rate, bits) = fmt.unwrap();
        Wav {
            channels,
            rate,
            bits,
            data_len: data_len.unwrap(),
        }
    }

    #[tokio::test]
    async fn round_trip_gives_a_wav_of_the_requested_duration() {
        let synth = SynthMusic::new();
        let task = synth.submit(&request(12.34, 7)).await.unwrap();
        assert!(task.starts_with("synth-v1-"));
        let TrackStatus::Ready(clips) = synth.poll(&task).await.unwrap() else {
            panic!("not ready");
        };
        assert_eq!(clips.len(), 2);
        assert_ne!(clips[0].clip_id, clips[1].clip_id);
        for c in &clips {
            assert!(c.clip_id.len() <= 64, "clip ids become asset keys");
            assert_eq!(c.audio_url, format!("synth://{}", c.clip_id));
            assert_eq!(c.content_type, "audio/wav");
            assert_eq!(c.model, SYNTH_MODEL);
        }
        let a = synth.fetch_audio(&clips[0]).await.unwrap();
        let b = synth.fetch_audio(&clips[1]).await.unwrap();
        assert_ne!(a, b, "the second clip uses another seed");
        for wav in [&a, &b] {
            let w = parse_wav(wav);
            assert_eq!((w.channels, w.rate, w.bits), (2, 44_100, 16));
            let secs = f64::from(w.data_len) / (44_100.0 * 4.0);
            assert!((secs - 12.34).abs() <= 0.1, "duration {secs}");
        }
    }

    #[tokio::test]
    async fn everything_is_deterministic_and_stateless() {
        let task1 = SynthMusic::new().submit(&request(6.0, 42)).await.unwrap();
        let task2 = SynthMusic::new().submit(&request(6.0, 42)).await.unwrap();
        assert_eq!(task1, task2);
        let TrackStatus::Ready(c1) = SynthMusic::new().poll(&task1).await.unwrap() else {
            panic!()
        };
        let TrackStatus::Ready(c2) = SynthMusic::new().poll(&task2).await.unwrap() else {
            panic!()
        };
        assert_eq!(c1, c2);
        let a1 = SynthMusic::new().fetch_audio(&c1[0]).await.unwrap();
        let a2 = SynthMusic::new().fetch_audio(&c2[0]).await.unwrap();
        assert_eq!(a1, a2);
        let other = SynthMusic::new().submit(&request(6.0, 43)).await.unwrap();
        assert_ne!(task1, other);
    }

    #[tokio::test]
    async fn malformed_or_foreign_task_ids_are_not_found() {
        let synth = SynthMusic::new();
        let good = synth.submit(&request(30.0, 1)).await.unwrap();
        let mut tampered = good.clone().into_bytes();
        let last = tampered.len() - 10;
        tampered[last] = if tampered[last] == b'0' { b'1' } else { b'0' };
        let tampered = String::from_utf8(tampered).unwrap();
        for bad in [
            "",
            "suno-123",
            "synth-v1-",
            "synth-v1-zz",
            "synth-v2-00",
            &good[..good.len() - 2],
            &format!("{good}00"),
            &good.to_uppercase(),
            &tampered,
        ] {
            let err = synth.poll(bad).await.unwrap_err();
            assert!(
                matches!(err, ProviderError::NotFound { .. }),
                "{bad}: {err}"
            );
        }
        let clip = GeneratedClip {
            clip_id: format!("{good}-c"),
            audio_url: "https://example.com/x.mp3".into(),
            content_type: "audio/wav".into(),
            duration_s: None,
            model: SYNTH_MODEL.into(),
        };
        let err = synth.fetch_audio(&clip).await.unwrap_err();
        assert!(matches!(err, ProviderError::NotFound { .. }));
    }

    #[tokio::test]
    async fn out_of_range_requests_are_clamped() {
        let mut r = request(10_000.0, 3);
        r.tempo_bpm = 400.0;
        r.energy = f64::NAN;
        let spec = SynthMusic::spec_for(&r);
        assert_eq!(spec.duration_s, 600.0);
        assert_eq!(spec.tempo_bpm, 220.0);
        assert_eq!(spec.energy, 0.5);
        r.duration_s = 0.5;
        assert_eq!(SynthMusic::spec_for(&r).duration_s, 5.0);
        assert!(SynthMusic::new().submit(&r).await.is_ok());
    }

    #[test]
    fn every_preset_has_a_genre_code() {
        for g in GenrePreset::ALL {
            assert_eq!(genre_from_code(genre_code(g).unwrap()), Some(g));
        }
    }

    #[test]
    fn every_genre_and_key_survives_the_task_id() {
        for (i, g) in GenrePreset::ALL.iter().enumerate() {
            let spec = TrackSpec {
                tempo_bpm: 123.45,
                tonic: (i % 12) as u8,
                mode: if i % 2 == 0 { Mode::Major } else { Mode::Minor },
                energy: 0.4321,
                duration_s: 87.6,
                genre: *g,
                seed: u64::MAX - i as u64,
            };
            assert_eq!(decode_task_id(&encode_task_id(&spec)), Some(spec));
        }
    }
}

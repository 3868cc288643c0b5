//! Behavioural tests of the synthesiser: validation, determinism, WAV format,
//! levels, tempo and key (checked with the tiny analysers in `common`).
mod common;

use noktvrn_render::RenderError;
use noktvrn_render::music::*;

fn spec(
    genre: GenrePreset,
    tempo: f64,
    tonic: u8,
    mode: Mode,
    energy: f64,
    dur: f64,
    seed: u64,
) -> TrackSpec {
    TrackSpec {
        tempo_bpm: tempo,
        tonic,
        mode,
        energy,
        duration_s: dur,
        genre,
        seed,
    }
}

#[test]
fn validation_rejects_out_of_range_specs() {
    let ok = spec(GenrePreset::Pop, 120.0, 0, Mode::Major, 0.5, 10.0, 1);
    assert!(ok.validate().is_ok());
    let cases = [
        (
            TrackSpec {
                tempo_bpm: 39.9,
                ..ok.clone()
            },
            RenderError::InvalidTempo(39.9),
        ),
        (
            TrackSpec {
                tempo_bpm: 220.1,
                ..ok.clone()
            },
            RenderError::InvalidTempo(220.1),
        ),
        (
            TrackSpec {
                duration_s: 4.0,
                ..ok.clone()
            },
            RenderError::InvalidDuration(4.0),
        ),
        (
            TrackSpec {
                duration_s: 601.0,
                ..ok.clone()
            },
            RenderError::InvalidDuration(601.0),
        ),
        (
            TrackSpec {
                energy: -0.1,
                ..ok.clone()
            },
            RenderError::InvalidEnergy(-0.1),
        ),
        (
            TrackSpec {
                energy: 1.5,
                ..ok.clone()
            },
            RenderError::InvalidEnergy(1.5),
        ),
        (
            TrackSpec {
                tonic: 12,
                ..ok.clone()
            },
            RenderError::InvalidTonic(12),
        ),
    ];
    for (s, want) in cases {
        assert_eq!(render(&s).err(), Some(want));
    }
    let nan = TrackSpec {
        tempo_bpm: f64::NAN,
        ..ok.clone()
    };
    assert!(matches!(render(&nan), Err(RenderError::InvalidTempo(_))));
    let inf = TrackSpec {
        duration_s: f64::INFINITY,
        ..ok
    };
    assert!(matches!(render(&inf), Err(RenderError::InvalidDuration(_))));
}

#[test]
fn same_spec_same_bytes_different_seed_different_bytes() {
    let a = spec(GenrePreset::Synthwave, 110.0, 9, Mode::Minor, 0.7, 12.0, 42);
    let r1 = render(&a).unwrap();
    let r2 = render(&a).unwrap();
    assert_eq!(r1.wav, r2.wav);
    assert_eq!(r1.sections, r2.sections);
    let b = TrackSpec {
        seed: 43,
        ..a.clone()
    };
    assert_ne!(render(&b).unwrap().wav, r1.wav);
    let c = TrackSpec {
        genre: GenrePreset::Lofi,
        ..a
    };
    assert_ne!(render(&c).unwrap().wav, r1.wav);
}

#[test]
fn wav_header_and_duration_match_spec() {
    for dur in [5.0, 7.3, 33.333] {
        let s = spec(GenrePreset::House, 124.0, 2, Mode::Major, 0.6, dur, 7);
        let t = render(&s).unwrap();
        let w = common::parse_wav(&t.wav);
        assert_eq!((w.sample_rate, w.channels, w.bits), (44_100, 2, 16));
        assert_eq!((t.sample_rate, t.channels), (44_100, 2));
        let frames = w.samples.len() / 2;
        let want = (dur * 44_100.0).round() as usize;
        assert!(frames.abs_diff(want) <= 1, "{frames} vs {want}");
        assert!((t.duration_s - dur).abs() < 1.0 / 44_100.0 + 1e-9);
        // Sections tile the track.
        assert_eq!(t.sections.first().map(|s| s.1), Some(0.0));
        assert!((t.sections.last().map_or(0.0, |s| s.2) - dur).abs() < 1e-9);
        for pair in t.sections.windows(2) {
            assert!((pair[0].2 - pair[1].1).abs() < 1e-9);
            assert!(pair[0].1 < pair[0].2);
        }
    }
}

#[test]
fn arrangement_has_song_sections() {
    let t = render(&spec(
        GenrePreset::Pop,
        120.0,
        0,
        Mode::Major,
        0.5,
        150.0,
        1,
    ))
    .unwrap();
    let names: Vec<&str> = t.sections.iter().map(|s| s.0.as_str()).collect();
    for want in ["intro", "verse", "chorus", "bridge", "outro"] {
        assert!(names.contains(&want), "{names:?}");
    }
    assert_eq!(names.first(), Some(&"intro"));
    assert_eq!(names.last(), Some(&"outro"));
}

#[test]
fn never_clips_and_never_silent_across_presets_and_energies() {
    for (i, g) in GenrePreset::ALL.iter().enumerate() {
        for energy in [0.0, 0.5, 1.0] {
            let s = spec(
                *g,
                80.0 + 10.0 * i as f64,
                (i % 12) as u8,
                Mode::Minor,
                energy,
                20.0,
                i as u64,
            );
            let t = render(&s).unwrap();
            let w = common::parse_wav(&t.wav);
            let peak = w
                .samples
                .iter()
                .map(|v| v.unsigned_abs())
                .max()
                .unwrap_or(0);
            assert!(peak < 32_767, "{g} e={energy}: clipped ({peak})");
            assert!(peak > 3_000, "{g} e={energy}: too quiet ({peak})");
            let rms = (w
                .samples
                .iter()
                .map(|&v| (f64::from(v) / 32768.0).powi(2))
                .sum::<f64>()
                / w.samples.len() as f64)
                .sqrt();
            assert!((0.03..0.4).contains(&rms), "{g} e={energy}: rms {rms}");
        }
    }
}

#[test]
fn energy_raises_level() {
    let lo = render_pcm(&spec(
        GenrePreset::Trap,
        140.0,
        5,
        Mode::Minor,
        0.0,
        20.0,
        3,
    ))
    .unwrap();
    let hi = render_pcm(&spec(
        GenrePreset::Trap,
        140.0,
        5,
        Mode::Minor,
        1.0,
        20.0,
        3,
    ))
    .unwrap();
    let rms =
        |x: &[f32]| (x.iter().map(|v| f64::from(*v).powi(2)).sum::<f64>() / x.len() as f64).sqrt();
    assert!(rms(&hi.samples) > 1.3 * rms(&lo.samples));
}

#[test]
fn beat_is_at_the_requested_tempo() {
    let tempos = [70.0, 84.5, 97.0, 110.0, 124.0, 140.0, 155.0, 172.0, 180.0];
    for (i, g) in GenrePreset::ALL.iter().enumerate() {
        for (j, &tempo) in tempos.iter().enumerate().filter(|(j, _)| (j + i) % 3 == 0) {
            let s = spec(
                *g,
                tempo,
                ((i + j) % 12) as u8,
                Mode::Major,
                0.6,
                30.0,
                (i * 10 + j) as u64,
            );
            let p = render_pcm(&s).unwrap();
            let t = common::tempo_check(&p.samples, p.sample_rate, tempo);
            assert!(
                (t.local_best_bpm / tempo - 1.0).abs() < 0.02,
                "{g} @ {tempo}: strongest periodicity near the beat is {:.2}",
                t.local_best_bpm
            );
            assert!(
                t.at_beat > 0.2,
                "{g} @ {tempo}: weak beat periodicity {:.2}",
                t.at_beat
            );
            assert!(
                t.at_beat > t.at_half,
                "{g} @ {tempo}: half-beat stronger than beat"
            );
        }
    }
}

#[test]
fn key_sweep_all_24_keys() {
    let mut failures = Vec::new();
    let mut n = 0;
    for k in 0..24u8 {
        for (gi, g) in [
            GenrePreset::Pop,
            GenrePreset::Lofi,
            GenrePreset::Synthwave,
            GenrePreset::Trap,
        ]
        .iter()
        .enumerate()
        {
            let mode = if k < 12 { Mode::Major } else { Mode::Minor };
            let s = spec(
                *g,
                70.0 + 4.5 * f64::from(k),
                k % 12,
                mode,
                0.5,
                30.0,
                u64::from(k) * 31 + gi as u64,
            );
            let p = render_pcm(&s).unwrap();
            let c = common::chroma(&p.samples, p.sample_rate);
            let b = common::bass_chroma(&p.samples, p.sample_rate);
            let (kk, _) = common::estimate_key(&c, &b, &common::KK_MAJOR, &common::KK_MINOR);
            n += 1;
            if kk != (s.tonic, mode == Mode::Minor) {
                failures.push(format!("{} {}: got {kk:?}", g, s.key_name()));
            }
        }
    }
    // Allow a small miss rate: the test analyser is deliberately naive.
    assert!(
        failures.len() * 20 <= n,
        "{} / {n} wrong: {failures:?}",
        failures.len()
    );
}

#[test]
fn genre_names_map_to_presets() {
    assert_eq!(
        GenrePreset::from_genre_name("Lo-fi Hip Hop"),
        GenrePreset::Lofi
    );
    assert_eq!(
        GenrePreset::from_genre_name("dark phonk"),
        GenrePreset::Phonk
    );
    assert_eq!(
        GenrePreset::from_genre_name("synthwave"),
        GenrePreset::Synthwave
    );
    assert_eq!(
        GenrePreset::from_genre_name("something else"),
        GenrePreset::Pop
    );
}

#[test]
fn spec_roundtrips_through_serde() {
    let s = spec(
        GenrePreset::DrumAndBass,
        174.0,
        3,
        Mode::Minor,
        0.9,
        60.0,
        9,
    );
    let json = serde_json::to_string(&s).unwrap();
    assert!(json.contains("\"drum_and_bass\"") && json.contains("\"minor\""));
    let back: TrackSpec = serde_json::from_str(&json).unwrap();
    assert_eq!(back, s);
}

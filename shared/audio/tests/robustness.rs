//! Edge cases: synthetic signals written with hound, corpus samples cut or
//! mislabelled, and garbage. Every test asserts something that can fail.

use std::io::Cursor;
use std::path::PathBuf;

use noktvrn_audio::{
    AnalysisOptions, AudioError, analyze_bytes, analyze_path, decode_only_bytes, report,
};

const SR: u32 = 44_100;

fn samples_dir() -> Option<PathBuf> {
    let p = PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../shared/audio-corpus/samples"
    ));
    if p.is_dir() {
        Some(p)
    } else {
        println!(
            "notice: {} absent, skipping corpus-based checks",
            p.display()
        );
        None
    }
}

/// Interleaved f32 -> WAV bytes with the requested sample format.
fn wav(samples: &[f32], sr: u32, channels: u16, bits: u16, float: bool) -> Vec<u8> {
    let spec = hound::WavSpec {
        channels,
        sample_rate: sr,
        bits_per_sample: bits,
        sample_format: if float {
            hound::SampleFormat::Float
        } else {
            hound::SampleFormat::Int
        },
    };
    let mut cur = Cursor::new(Vec::new());
    {
        let mut w = hound::WavWriter::new(&mut cur, spec).expect("writer");
        for &s in samples {
            let s = s.clamp(-1.0, 1.0);
            if float {
                w.write_sample(s).expect("write");
            } else {
                let max = ((1i64 << (bits - 1)) - 1) as f32;
                w.write_sample((s * max).round() as i32).expect("write");
            }
        }
        w.finalize().expect("finalize");
    }
    cur.into_inner()
}

fn mono_to(ch: u16, mono: &[f32]) -> Vec<f32> {
    mono.iter()
        .flat_map(|&s| std::iter::repeat_n(s, ch as usize))
        .collect()
}

/// A click track: 25 ms decaying 1 kHz + noise bursts at `bpm`.
fn clicks(bpm: f64, seconds: f64, sr: u32) -> Vec<f32> {
    let n = (seconds * f64::from(sr)) as usize;
    let mut x = vec![0f32; n];
    let period = 60.0 / bpm * f64::from(sr);
    let mut seed = 12345u32;
    let mut t = 0.25 * f64::from(sr);
    let mut beat = 0;
    while (t as usize) < n {
        let amp = if beat % 4 == 0 { 0.8 } else { 0.5 };
        for i in 0..(0.025 * f64::from(sr)) as usize {
            let j = t as usize + i;
            if j >= n {
                break;
            }
            seed = seed.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
            let noise = (seed >> 8) as f32 / (1u32 << 24) as f32 * 2.0 - 1.0;
            let env = (-(i as f32) / (0.004 * sr as f32)).exp();
            let tone = (2.0 * std::f32::consts::PI * 1000.0 * i as f32 / sr as f32).sin();
            x[j] += amp * env * (0.6 * tone + 0.4 * noise);
        }
        t += period;
        beat += 1;
    }
    x
}

fn tone(freq: f32, seconds: f64, sr: u32, amp: f32) -> Vec<f32> {
    let n = (seconds * f64::from(sr)) as usize;
    (0..n)
        .map(|i| amp * (2.0 * std::f32::consts::PI * freq * i as f32 / sr as f32).sin())
        .collect()
}

fn opts() -> AnalysisOptions {
    AnalysisOptions::default()
}

fn assert_json_clean(a: &noktvrn_audio::Analysis) {
    let js = serde_json::to_string(a).expect("serialise");
    assert!(
        !js.contains("NaN") && !js.contains("inf"),
        "non-finite value in {js}"
    );
    let back: noktvrn_audio::Analysis = serde_json::from_str(&js).expect("round trip");
    assert_eq!(back.schema_version, a.schema_version);
}

#[test]
fn silence_has_no_tempo_key_or_loudness() {
    let x = vec![0f32; SR as usize * 10 * 2];
    let a =
        analyze_bytes(&wav(&x, SR, 2, 16, false), Some("wav"), &opts()).expect("silence decodes");
    assert!((a.duration_s - 10.0).abs() < 1e-3);
    assert_eq!(a.tempo.bpm, None);
    assert!(a.tempo.beats.is_empty());
    assert_eq!(a.key.tonic, None);
    assert_eq!(a.loudness.integrated_lufs, None);
    assert_eq!(a.rms_dbfs, None);
    assert_eq!(a.energy.score, 0.0);
    assert_json_clean(&a);
}

#[test]
fn single_click_has_no_tempo() {
    let mut x = vec![0f32; SR as usize * 6];
    for (i, v) in x[SR as usize * 2..SR as usize * 2 + 200]
        .iter_mut()
        .enumerate()
    {
        *v = 0.9 * (-(i as f32) / 30.0).exp();
    }
    let a = analyze_bytes(&wav(&x, SR, 1, 16, false), None, &opts()).expect("decodes");
    assert_eq!(a.tempo.bpm, None, "one click is not a pulse");
    assert!(a.sample_peak_dbfs.expect("peak") > -2.0);
    assert_json_clean(&a);
}

#[test]
fn pure_tone_tuning_and_no_tempo() {
    // A4 at 440 Hz: in tune
    let x = tone(440.0, 8.0, SR, 0.5);
    let a = analyze_bytes(&wav(&x, SR, 1, 16, false), Some("wav"), &opts()).expect("decodes");
    assert!(
        a.key.tuning_cents.abs() < 5.0,
        "tuning {}",
        a.key.tuning_cents
    );
    assert_eq!(a.tempo.bpm, None, "a steady tone has no beat");
    // 20 cents sharp
    let f = 440.0 * 2f32.powf(20.0 / 1200.0);
    let x = tone(f, 8.0, SR, 0.5);
    let a = analyze_bytes(&wav(&x, SR, 1, 16, false), Some("wav"), &opts()).expect("decodes");
    assert!(
        (a.key.tuning_cents - 20.0).abs() < 5.0,
        "tuning {}",
        a.key.tuning_cents
    );
    // a sine at -6 dBFS peak has RMS -9.03 dBFS
    assert!((a.rms_dbfs.expect("rms") + 9.03).abs() < 0.1);
    let c = a.spectral.centroid_hz.expect("centroid");
    assert!((c - f64::from(f)).abs() < 60.0, "centroid {c}");
    assert_json_clean(&a);
}

#[test]
fn white_noise_is_flat_and_bright() {
    let mut seed = 7u64;
    let x: Vec<f32> = (0..SR as usize * 5)
        .map(|_| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            ((seed >> 40) as f32 / (1u64 << 24) as f32 - 0.5) * 0.5
        })
        .collect();
    let a = analyze_bytes(&wav(&x, SR, 1, 16, false), Some("wav"), &opts()).expect("decodes");
    assert!(
        a.spectral.flatness.expect("flatness") > 0.4,
        "{:?}",
        a.spectral
    );
    assert!(a.spectral.centroid_hz.expect("centroid") > 6000.0);
    assert_json_clean(&a);
}

#[test]
fn one_second_file() {
    let x = mono_to(2, &tone(330.0, 1.0, SR, 0.3));
    let a = analyze_bytes(&wav(&x, SR, 2, 16, false), Some("wav"), &opts()).expect("decodes");
    assert!((a.duration_s - 1.0).abs() < 1e-3);
    assert_eq!(a.channels, 2);
    assert_eq!(a.structure.sections.len(), 1);
    assert_json_clean(&a);
}

#[test]
fn eight_khz_mono_click_track() {
    let x = clicks(120.0, 20.0, 8000);
    let a = analyze_bytes(&wav(&x, 8000, 1, 16, false), Some("wav"), &opts()).expect("decodes");
    assert_eq!(a.sample_rate, 8000);
    assert_eq!(a.channels, 1);
    let bpm = a.tempo.bpm.expect("tempo");
    assert!((bpm / 120.0 - 1.0).abs() < 0.02, "bpm {bpm}");
    // beats land on the clicks (first at 0.25 s, every 0.5 s)
    let off: f64 = a
        .tempo
        .beats
        .iter()
        .map(|b| ((b - 0.25) / 0.5 - ((b - 0.25) / 0.5).round()).abs() * 0.5)
        .sum::<f64>()
        / a.tempo.beats.len() as f64;
    assert!(off < 0.03, "mean beat offset {off} s");
}

#[test]
fn ninety_six_khz_24_bit() {
    let sr = 96_000;
    let x = mono_to(2, &clicks(100.0, 20.0, sr));
    let a = analyze_bytes(&wav(&x, sr, 2, 24, false), Some("wav"), &opts()).expect("decodes");
    assert_eq!(a.sample_rate, sr);
    let bpm = a.tempo.bpm.expect("tempo");
    assert!((bpm / 100.0 - 1.0).abs() < 0.02, "bpm {bpm}");
    assert!(a.loudness.true_peak_dbtp.is_some());
}

#[test]
fn wav_sample_formats_agree() {
    let x = mono_to(2, &tone(220.0, 3.0, SR, 0.25));
    let mut rms = Vec::new();
    for (bits, float) in [(16, false), (24, false), (32, false), (32, true)] {
        let a = analyze_bytes(&wav(&x, SR, 2, bits, float), Some("wav"), &opts())
            .unwrap_or_else(|e| panic!("{bits}-bit float={float}: {e}"));
        assert!((a.duration_s - 3.0).abs() < 1e-3);
        rms.push(a.rms_dbfs.expect("rms"));
    }
    for r in &rms {
        assert!((r - rms[0]).abs() < 0.05, "{rms:?}");
    }
}

#[test]
fn six_channels() {
    let sr = 48_000;
    let mono = tone(261.63, 4.0, sr, 0.3);
    let x = mono_to(6, &mono);
    let a = analyze_bytes(&wav(&x, sr, 6, 16, false), Some("wav"), &opts()).expect("decodes");
    assert_eq!(a.channels, 6);
    assert!(a.loudness.integrated_lufs.is_some());
    assert_eq!(
        a.key
            .tonic
            .as_deref()
            .map(|t| t == "C" || t == "F" || t == "A"),
        Some(true),
        "{:?}",
        a.key
    );
}

/// The whole front end (decode to planes, chunk peaks, loudness, true
/// peak) against the `ebur128` meter on the same samples: a float WAV so
/// nothing is requantised. The right channel is an fs/4 sine at 45 degrees,
/// whose samples sit 3 dB below its peak, so the true peak is inter-sample.
#[test]
fn loudness_and_true_peak_match_ebur128_end_to_end() {
    let sr = 48_000;
    let n = sr as usize * 10;
    let mut x = Vec::with_capacity(2 * n);
    for i in 0..n {
        let t = i as f32 / sr as f32;
        let swell = 0.2 + 0.15 * (2.0 * std::f32::consts::PI * 0.3 * t).sin();
        x.push(swell * (2.0 * std::f32::consts::PI * 997.0 * t).sin());
        let q = std::f32::consts::FRAC_PI_2 * i as f32 + std::f32::consts::FRAC_PI_4;
        // faded in over the second half's first second (a step would ring
        // above 0.5)
        let fade = ((t - 5.0).clamp(0.0, 1.0) * std::f32::consts::FRAC_PI_2).sin();
        x.push(0.5 * fade * fade * q.sin());
    }
    let a = analyze_bytes(&wav(&x, sr, 2, 32, true), Some("wav"), &opts()).expect("decodes");
    let mut m = ebur128::EbuR128::new(
        2,
        sr,
        ebur128::Mode::I | ebur128::Mode::LRA | ebur128::Mode::TRUE_PEAK,
    )
    .expect("meter");
    m.add_frames_f32(&x).expect("frames");
    let tp = (0..2)
        .map(|c| m.true_peak(c).expect("tp"))
        .fold(0f64, f64::max);
    let want_tp = 20.0 * tp.log10();
    let got_tp = a.loudness.true_peak_dbtp.expect("true peak");
    assert!((got_tp - want_tp).abs() < 1e-4, "TP {got_tp} vs {want_tp}");
    assert!(
        got_tp > -6.1 && got_tp < -5.9,
        "the inter-sample peak of 0.5: {got_tp}"
    );
    let want_i = m.loudness_global().expect("I");
    let got_i = a.loudness.integrated_lufs.expect("I");
    assert!((got_i - want_i).abs() < 1e-3, "I {got_i} vs {want_i}");
    let want_lra = m.loudness_range().expect("LRA");
    let got_lra = a.loudness.range_lu.expect("LRA");
    assert!(
        (got_lra - want_lra).abs() < 1e-3,
        "LRA {got_lra} vs {want_lra}"
    );
}

#[test]
fn garbage_and_empty_are_invalid_input() {
    let garbage: Vec<u8> = (0..50_000u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    for (bytes, hint) in [
        (&garbage[..], Some("mp3")),
        (&garbage[..], None),
        (&[][..], Some("wav")),
        (&b"RIFF"[..], None),
    ] {
        let e = analyze_bytes(bytes, hint, &opts()).expect_err("not audio");
        assert!(e.is_invalid_input(), "{e:?}");
        assert!(!e.to_string().is_empty());
    }
}

#[test]
fn missing_file_is_io_error() {
    let e = analyze_path(std::path::Path::new("/nonexistent/x.wav"), &opts()).expect_err("missing");
    assert!(matches!(e, AudioError::Io { .. }));
    assert!(!e.is_invalid_input());
    assert!(std::error::Error::source(&e).is_some());
}

#[test]
fn extension_that_lies() {
    // WAV content, told it is an MP3
    let x = mono_to(2, &clicks(90.0, 12.0, SR));
    let a = analyze_bytes(&wav(&x, SR, 2, 16, false), Some("mp3"), &opts()).expect("sniffed");
    assert_eq!(a.codec, "pcm_s16le");
    let Some(dir) = samples_dir() else { return };
    // FLAC file named .mp3, MP3 file named .wav
    let tmp = tempfile::tempdir().expect("tmp");
    for (src, name) in [("d008.flac", "lying.mp3"), ("d003.mp3", "lying.wav")] {
        let dst = tmp.path().join(name);
        std::fs::copy(dir.join(src), &dst).expect("copy");
        let a = analyze_path(&dst, &opts()).expect("sniffed");
        assert!(a.duration_s > 30.0, "{src}: {}", a.duration_s);
    }
}

/// MP3 goes through the MPEG audio path: encoder delay and padding are
/// trimmed (the decoded length is the rendered length, to the sample), and
/// junk before the first frame or between frames is skipped by the frame
/// sync.
#[test]
fn mp3_is_gapless_and_survives_junk() {
    let Some(dir) = samples_dir() else { return };
    let truth = std::fs::read_to_string(dir.join("truth.csv")).expect("truth");
    for line in truth.lines().skip(1).filter(|l| l.contains(".mp3")) {
        let f: Vec<&str> = line.split(',').collect();
        let file = f[0].trim_start_matches("samples/");
        let want: f64 = f[6].parse().expect("duration");
        let full = std::fs::read(dir.join(file)).expect("read");
        let s = decode_only_bytes(&full, Some("mp3")).expect("decodes");
        assert_eq!(s.codec, "mp3");
        assert!(
            (s.duration_s - want).abs() < 0.5 / 44_100.0 + 1e-3,
            "{file}: {} vs {want}",
            s.duration_s
        );
        assert!(!s.truncated, "{file}");
        // 3000 bytes of junk after the tags and 1500 between frames
        let mut bad = full.clone();
        let at = bad.len() / 3;
        bad.splice(at..at, (0..1500).map(|i| (i * 91 % 253) as u8));
        let mut junk: Vec<u8> = (0..3000).map(|i| (i * 37 % 249) as u8).collect();
        junk.extend_from_slice(&bad);
        let j = decode_only_bytes(&junk, Some("mp3")).expect("junk is skipped");
        assert!(
            j.duration_s > 0.9 * want && j.duration_s < want + 0.2,
            "{file}: {} vs {want}",
            j.duration_s
        );
    }
}

#[test]
fn truncated_and_corrupted_mp3() {
    let Some(dir) = samples_dir() else { return };
    let full = std::fs::read(dir.join("d003.mp3")).expect("read");
    let whole = decode_only_bytes(&full, Some("mp3")).expect("decodes");
    // cut in the middle of a frame
    let cut = &full[..full.len() * 2 / 5 + 77];
    let a = analyze_bytes(cut, Some("mp3"), &opts()).expect("truncated mp3 still analyses");
    assert!(
        a.duration_s > 0.3 * whole.duration_s && a.duration_s < 0.5 * whole.duration_s,
        "{}",
        a.duration_s
    );
    // garbage in the middle: skipped, not fatal
    let mut bad = full.clone();
    let mid = bad.len() / 2;
    for (i, b) in bad[mid..mid + 4000].iter_mut().enumerate() {
        *b = (i * 37 % 251) as u8;
    }
    let a = analyze_bytes(&bad, Some("mp3"), &opts()).expect("corrupt middle still analyses");
    assert!(a.duration_s > 0.8 * whole.duration_s);
    // only the header
    let e = analyze_bytes(&full[..200], Some("mp3"), &opts());
    if let Err(e) = e {
        assert!(e.is_invalid_input(), "{e:?}");
    }
}

#[test]
fn corpus_samples_tempo_and_key() {
    let Some(dir) = samples_dir() else { return };
    let truth = std::fs::read_to_string(dir.join("truth.csv")).expect("truth");
    let (mut tempo_ok, mut key_ok, mut n) = (0, 0, 0);
    for line in truth.lines().skip(1) {
        let f: Vec<&str> = line.split(',').collect();
        let file = f[0].trim_start_matches("samples/");
        let bpm: f64 = f[1].parse().expect("bpm");
        let a = analyze_path(&dir.join(file), &opts()).expect("analyses");
        n += 1;
        if a.tempo.bpm.is_some_and(|b| (b / bpm - 1.0).abs() < 0.04) {
            tempo_ok += 1;
        }
        if a.key.tonic.as_deref() == Some(f[2]) && a.key.mode.map(|m| m.as_str()) == Some(f[3]) {
            key_ok += 1;
        }
        let dur: f64 = f[6].parse().expect("duration");
        assert!(
            (a.duration_s - dur).abs() < 0.05,
            "{file}: {} vs {dur}",
            a.duration_s
        );
        assert!(!a.structure.summary.is_empty());
        assert!(
            a.tempo.beats.len() as f64 > 0.5 * dur * bpm / 60.0,
            "{file}: too few beats"
        );
    }
    assert_eq!(n, 6);
    assert!(tempo_ok >= 5, "tempo right on {tempo_ok}/6");
    assert!(key_ok >= 4, "key right on {key_ok}/6");
}

#[test]
fn csv_report_and_batch_order() {
    let tmp = tempfile::tempdir().expect("tmp");
    let mut paths = Vec::new();
    for (i, bpm) in [80.0, 120.0, 150.0].iter().enumerate() {
        let p = tmp.path().join(format!("c,{i}.wav"));
        std::fs::write(&p, wav(&clicks(*bpm, 15.0, SR), SR, 1, 16, false)).expect("write");
        paths.push(p);
    }
    paths.push(tmp.path().join("missing.wav"));
    let out = report::analyze_many(&paths, 2);
    assert_eq!(out.len(), 4);
    for (i, (p, r)) in out.iter().enumerate() {
        assert_eq!(p, &paths[i]);
        if i < 3 {
            let a = r.as_ref().expect("ok");
            let row = report::csv_row(&p.display().to_string(), a);
            assert!(row.starts_with('"'), "file with a comma is quoted: {row}");
            let ncols = report::csv_header().split(',').count();
            assert!(row.matches(',').count() >= ncols - 1);
        } else {
            assert!(r.is_err());
        }
    }
    let hdr = report::csv_header();
    assert!(hdr.starts_with("file,bpm,key,mode,duration_s,rms_dbfs"));
    assert_eq!(report::csv_quote("a\"b"), "\"a\"\"b\"");
}

//! Malformed input never panics (the release profile aborts on panic, so a
//! panic would be a crashed process), and the compressed formats without a
//! WAV writer in the tests (raw AAC, M4A, Ogg Vorbis) decode.
//!
//! `tests/fuzz-regressions/` holds every input the fuzzer (`fuzz/`) found
//! crashing or hanging, in the fuzz target's format: the first byte picks
//! the extension hint, the rest is the file.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use noktvrn_audio::{AnalysisOptions, analyze_bytes, decode_only_bytes};

/// The fuzz target's hint table (`fuzz/fuzz_targets/decode_analyze.rs`).
const HINTS: [Option<&str>; 8] = [
    None,
    Some("wav"),
    Some("flac"),
    Some("mp3"),
    Some("ogg"),
    Some("m4a"),
    Some("aac"),
    Some("aiff"),
];

fn data(name: &str) -> Vec<u8> {
    let p = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(name);
    std::fs::read(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

/// An ADTS header (AAC LC, 44.1 kHz, stereo) announcing a frame of
/// `payload` bytes after the 7-byte header.
fn adts_header(payload: usize) -> [u8; 7] {
    let len = payload + 7;
    [
        0xFF,
        0xF1,
        0x50,
        0x80 | ((len >> 11) & 0x3) as u8,
        ((len >> 3) & 0xFF) as u8,
        (((len & 0x7) as u8) << 5) | 0x1F,
        0xFC,
    ]
}

/// Zeros, then an ADTS frame header in the second half: symphonia 0.5.5's
/// raw ADTS probe computed `(len - pos) - pos`, underflowed and panicked.
fn adts_sync_late() -> Vec<u8> {
    let mut v = vec![0u8; 64];
    v.extend_from_slice(&adts_header(10));
    v.extend_from_slice(&[0u8; 10]);
    v
}

/// Checks the fuzz target's contract on one input: a result or an error,
/// no panic, finite values, bounded time.
fn check_no_panic(input: &[u8], what: &str) {
    let Some((&sel, rest)) = input.split_first() else {
        return;
    };
    let hint = HINTS[usize::from(sel) % HINTS.len()];
    let t0 = Instant::now();
    if let Ok(a) = analyze_bytes(rest, hint, &AnalysisOptions::default()) {
        assert!(a.duration_s.is_finite(), "{what}");
        assert!(a.tempo.bpm.is_none_or(f64::is_finite), "{what}");
        assert!(a.energy.score.is_finite(), "{what}");
        serde_json::to_string(&a).unwrap_or_else(|e| panic!("{what}: {e}"));
    }
    let _ = decode_only_bytes(rest, hint);
    assert!(
        t0.elapsed() < Duration::from_secs(20),
        "{what} took {:?}",
        t0.elapsed()
    );
}

#[test]
fn an_adts_sync_word_late_in_a_tiny_stream_is_a_clean_error() {
    // GIVEN bytes on which symphonia 0.5.5's raw ADTS probe panicked
    let bytes = adts_sync_late();
    // WHEN we analyse them, with every extension hint
    for hint in HINTS {
        let r = analyze_bytes(&bytes, hint, &AnalysisOptions::default());
        // THEN it is an invalid-input error, not a crash
        let e = r.expect_err("no audio in these bytes");
        assert!(e.is_invalid_input(), "{hint:?}: {e}");
    }
}

#[test]
fn tiny_adts_like_streams_never_panic() {
    let h = adts_header(0);
    let mut cases: Vec<Vec<u8>> = vec![
        vec![0xFF, 0xF1],
        h.to_vec(),
        h[..5].to_vec(),
        [&h[..], &h[..]].concat(),
        [&[0u8; 3][..], &h[..]].concat(),
        [&b"ID3\x04\x00\x00\x00\x00\x00\x00"[..], &h[..]].concat(),
        // an ID3 tag whose size points past the end of the stream
        [&b"ID3\x04\x00\x00\x7f\x7f\x7f\x7f"[..], &h[..]].concat(),
        // an ID3 tag bigger than the ADTS data behind it
        [
            &b"ID3\x04\x00\x00\x00\x00\x01\x00"[..],
            &[0u8; 128][..],
            &h[..],
        ]
        .concat(),
    ];
    for k in 0..40 {
        let mut v = vec![0u8; k];
        v.extend_from_slice(&h);
        v.extend(std::iter::repeat_n(0xA5, k / 3));
        cases.push(v);
    }
    for (i, c) in cases.iter().enumerate() {
        for sel in 0..HINTS.len() as u8 {
            let mut input = vec![sel];
            input.extend_from_slice(c);
            check_no_panic(&input, &format!("case {i}, hint {sel}"));
        }
    }
}

#[test]
fn every_fuzz_regression_input_is_a_result_or_an_error() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fuzz-regressions");
    let mut n = 0;
    for entry in std::fs::read_dir(&dir).expect("tests/fuzz-regressions") {
        let p = entry.expect("dir entry").path();
        if p.extension().is_some_and(|e| e == "md") {
            continue;
        }
        let bytes = std::fs::read(&p).expect("read");
        check_no_panic(&bytes, &p.display().to_string());
        n += 1;
    }
    assert!(n > 0, "no regression inputs in {}", dir.display());
}

fn assert_a440(bytes: &[u8], hint: Option<&str>, codec: &str) {
    let a = analyze_bytes(bytes, hint, &AnalysisOptions::default())
        .unwrap_or_else(|e| panic!("{codec}: {e}"));
    assert_eq!(a.codec, codec);
    assert_eq!(a.channels, 1);
    assert_eq!(a.sample_rate, 22_050);
    assert!(
        (a.duration_s - 3.0).abs() < 0.1,
        "{codec}: {} s",
        a.duration_s
    );
    assert_eq!(a.key.chroma.len(), 12);
    // A dominates the chroma of a 440 Hz tone
    let top = a
        .key
        .chroma
        .iter()
        .enumerate()
        .max_by(|x, y| x.1.total_cmp(y.1))
        .map(|(i, _)| i);
    assert_eq!(top, Some(9), "{codec}: chroma {:?}", a.key.chroma);
    assert!(a.loudness.integrated_lufs.is_some(), "{codec}");
}

#[test]
fn raw_aac_decodes_with_or_without_a_hint() {
    let aac = data("tone_a440.aac");
    assert_a440(&aac, Some("aac"), "aac");
    assert_a440(&aac, None, "aac");
    assert_a440(&aac, Some("mp3"), "aac");
}

#[test]
fn raw_aac_behind_an_id3_tag_decodes() {
    // an ID3v2.4 tag of 300 bytes (padding), bigger than the offset bug needs
    let mut bytes = b"ID3\x04\x00\x00\x00\x00\x02\x2c".to_vec();
    bytes.extend(std::iter::repeat_n(0u8, 300));
    bytes.extend_from_slice(&data("tone_a440.aac"));
    assert_a440(&bytes, Some("aac"), "aac");
}

#[test]
fn m4a_and_ogg_vorbis_decode() {
    assert_a440(&data("tone_a440.m4a"), Some("m4a"), "aac");
    assert_a440(&data("tone_a440.ogg"), Some("ogg"), "vorbis");
    // the extension lies
    assert_a440(&data("tone_a440.m4a"), Some("wav"), "aac");
}

#[test]
fn truncated_compressed_files_never_panic() {
    for name in ["tone_a440.aac", "tone_a440.m4a", "tone_a440.ogg"] {
        let bytes = data(name);
        for cut in [1, 7, 64, 500, bytes.len() / 2, bytes.len() - 3] {
            let mut input = vec![0u8];
            input.extend_from_slice(&bytes[..cut.min(bytes.len())]);
            check_no_panic(&input, &format!("{name} cut at {cut}"));
        }
    }
}

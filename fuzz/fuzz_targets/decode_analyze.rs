//! Fuzz decode + analysis: any byte string must give `Ok` or an `Err`,
//! never a panic, and finish within libFuzzer's `-timeout`.
//! The first byte picks the extension hint, so every demuxer is reached
//! with both honest and lying hints.
#![no_main]

use libfuzzer_sys::fuzz_target;

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

fuzz_target!(|data: &[u8]| {
    let Some((&sel, rest)) = data.split_first() else {
        return;
    };
    let hint = HINTS[usize::from(sel) % HINTS.len()];
    let opts = noktvrn_audio::AnalysisOptions::default();
    if let Ok(a) = noktvrn_audio::analyze_bytes(rest, hint, &opts) {
        // the result must serialise (no NaN/inf slipped through)
        assert!(a.duration_s.is_finite());
        assert!(a.tempo.bpm.is_none_or(f64::is_finite));
        assert!(a.energy.score.is_finite());
    }
});

//! Structure on music whose form is known: two different synthesised
//! passages in the form A – B – A must come back as three sections with the
//! boundaries where the passages meet and the first and last labelled
//! alike.

use std::io::Cursor;

use noktvrn_audio::{AnalysisOptions, analyze_bytes};
use noktvrn_render::music::{GenrePreset, Mode, TrackSpec, render_pcm};

fn passage(genre: GenrePreset, tonic: u8, mode: Mode, seed: u64) -> Vec<f32> {
    let spec = TrackSpec {
        tempo_bpm: 100.0,
        tonic,
        mode,
        energy: 0.7,
        duration_s: 30.0,
        genre,
        seed,
    };
    let pcm = render_pcm(&spec).expect("render");
    assert_eq!((pcm.sample_rate, pcm.channels), (44_100, 2));
    // the arrangement without its intro and outro (a sparse outro would
    // rightly be a section of its own)
    let core: Vec<_> = pcm
        .sections
        .iter()
        .filter(|(name, _, _)| name != "intro" && name != "outro")
        .collect();
    let (Some(first), Some(last)) = (core.first(), core.last()) else {
        panic!("no core sections: {:?}", pcm.sections);
    };
    let at = |t: f64| 2 * (t * 44_100.0).round() as usize;
    pcm.samples[at(first.1)..at(last.2).min(pcm.samples.len())].to_vec()
}

fn wav(samples: &[f32]) -> Vec<u8> {
    let spec = hound::WavSpec {
        channels: 2,
        sample_rate: 44_100,
        bits_per_sample: 32,
        sample_format: hound::SampleFormat::Float,
    };
    let mut cur = Cursor::new(Vec::new());
    {
        let mut w = hound::WavWriter::new(&mut cur, spec).expect("writer");
        for &s in samples {
            w.write_sample(s).expect("write");
        }
        w.finalize().expect("finalize");
    }
    cur.into_inner()
}

#[test]
fn a_b_a_form_is_found() {
    // different genre (instruments, drums) and key; the last pair differs
    // in key and mode only a little (relative keys share their notes)
    let cases = [
        (
            (GenrePreset::Pop, 0, Mode::Major),
            (GenrePreset::Techno, 6, Mode::Minor),
        ),
        (
            (GenrePreset::Ambient, 2, Mode::Minor),
            (GenrePreset::Rock, 9, Mode::Major),
        ),
        (
            (GenrePreset::Lofi, 7, Mode::Major),
            (GenrePreset::House, 4, Mode::Minor),
        ),
    ];
    for (i, ((ga, ta, ma), (gb, tb, mb))) in cases.into_iter().enumerate() {
        let a = passage(ga, ta, ma, 10 + i as u64);
        let b = passage(gb, tb, mb, 20 + i as u64);
        check_a_b_a(&a, &b, &format!("{ga:?} / {gb:?}"));
    }
}

fn check_a_b_a(a: &[f32], b: &[f32], what: &str) {
    let len = a.len().min(b.len());
    let seconds = len as f64 / 2.0 / 44_100.0;
    let mut x = Vec::with_capacity(3 * len);
    x.extend_from_slice(&a[..len]);
    x.extend_from_slice(&b[..len]);
    x.extend_from_slice(&a[..len]);
    let an = analyze_bytes(&wav(&x), Some("wav"), &AnalysisOptions::default()).expect("analyse");
    let s = &an.structure;
    println!("{what}: {} {:?}", s.summary, s.sections);
    // a boundary within 2 s of each seam
    for seam in [seconds, 2.0 * seconds] {
        assert!(
            s.sections
                .iter()
                .skip(1)
                .any(|sec| (sec.start_s - seam).abs() <= 2.0),
            "{what}: no boundary near {seam:.1} s: {:?}",
            s.sections
        );
    }
    // the label in the middle of each passage
    let label_at = |t: f64| {
        s.sections
            .iter()
            .find(|sec| sec.start_s <= t && t < sec.end_s)
            .map(|sec| sec.label.clone())
            .expect("covered")
    };
    let (l1, l2, l3) = (
        label_at(0.5 * seconds),
        label_at(1.5 * seconds),
        label_at(2.5 * seconds),
    );
    assert_eq!(l1, l3, "{what}: {}", s.summary);
    assert_ne!(l1, l2, "{what}: {}", s.summary);
}

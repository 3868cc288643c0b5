//! Manual probe: `cargo test --release -p noktvrn-render --test probe -- --ignored --nocapture`.
mod common;
use noktvrn_render::music::*;

#[test]
#[ignore]
fn probe_sweep() {
    let mut bad = 0;
    let mut n = 0;
    for (gi, g) in GenrePreset::ALL.iter().enumerate() {
        for k in 0..24u8 {
            let tempo = 70.0 + ((gi * 24 + k as usize) * 37 % 111) as f64 + (k as f64) * 0.37;
            let spec = TrackSpec {
                tempo_bpm: tempo,
                tonic: k % 12,
                mode: if k >= 12 { Mode::Minor } else { Mode::Major },
                energy: ((k as f64) * 0.13 + gi as f64 * 0.07) % 1.0,
                duration_s: 40.0,
                genre: *g,
                seed: 1000 + k as u64 + gi as u64 * 77,
            };
            let p = render_pcm(&spec).unwrap();
            let t = common::tempo_check(&p.samples, p.sample_rate, tempo);
            let c = common::chroma(&p.samples, p.sample_rate);
            let b = common::bass_chroma(&p.samples, p.sample_rate);
            let (kk, m1) = common::estimate_key(&c, &b, &common::KK_MAJOR, &common::KK_MINOR);
            let (tp, m2) = common::estimate_key(&c, &b, &common::TP_MAJOR, &common::TP_MINOR);
            let want = (spec.tonic, spec.mode == Mode::Minor);
            let tempo_ok = (t.global_best_bpm / tempo - 1.0).abs() < 0.02;
            let ok = kk == want && tp == want && tempo_ok;
            n += 1;
            if !ok {
                bad += 1;
            }
            println!(
                "{:>12} {:>6.1} {:>9} e={:.2} | acf b={:.2} h={:.2} local={:.1} glob={:.1} {} | kk {:?} {:.3} tp {:?} {:.3} {}",
                g.as_str(),
                tempo,
                spec.key_name(),
                spec.energy,
                t.at_beat,
                t.at_half,
                t.local_best_bpm,
                t.global_best_bpm,
                if tempo_ok { "" } else { "TEMPO!" },
                kk,
                m1,
                tp,
                m2,
                if kk == want && tp == want { "" } else { "KEY!" }
            );
        }
    }
    println!("bad {bad}/{n}");
}

#[test]
#[ignore]
fn probe_chroma() {
    for g in [GenrePreset::Phonk, GenrePreset::Lofi, GenrePreset::Pop] {
        for (tonic, mode) in [(0u8, Mode::Major), (9, Mode::Minor)] {
            let spec = TrackSpec {
                tempo_bpm: 100.0,
                tonic,
                mode,
                energy: 0.6,
                duration_s: 40.0,
                genre: g,
                seed: 5,
            };
            let p = render_pcm(&spec).unwrap();
            let c = common::chroma(&p.samples, p.sample_rate);
            let mx = c.iter().cloned().fold(0.0, f64::max);
            let s: Vec<String> = c
                .iter()
                .enumerate()
                .map(|(i, v)| format!("{}:{:.2}", PITCH_CLASS_NAMES[i], v / mx))
                .collect();
            println!("{:>8} {:>9} {}", g.as_str(), spec.key_name(), s.join(" "));
        }
    }
}

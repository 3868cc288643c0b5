//! Plain timing bench (no criterion): `cargo bench -p noktvrn-render`.
use std::time::Instant;

use noktvrn_render::cover::{CoverSpec, render_cover};
use noktvrn_render::music::{GenrePreset, Mode, TrackSpec, render};

fn time<T>(label: &str, runs: u32, mut f: impl FnMut() -> T) {
    let _ = f(); // warm-up
    let mut best = f64::MAX;
    let mut total = 0.0;
    for _ in 0..runs {
        let t = Instant::now();
        std::hint::black_box(f());
        let s = t.elapsed().as_secs_f64();
        best = best.min(s);
        total += s;
    }
    println!("{label:<40} best {:>8.1} ms   mean {:>8.1} ms", best * 1e3, total / f64::from(runs) * 1e3);
}

fn main() {
    for g in GenrePreset::ALL {
        let spec = TrackSpec {
            tempo_bpm: g.typical_tempo(),
            tonic: 9,
            mode: Mode::Minor,
            energy: 0.7,
            duration_s: 120.0,
            genre: g,
            seed: 1,
        };
        time(&format!("render 120 s {g}"), 3, || render(&spec));
    }
    let cover = CoverSpec {
        title: "Night Drive".into(),
        artist_name: "Kai Nova".into(),
        genre: "synthwave".into(),
        palette: vec![],
        seed: 1,
    };
    time("render_cover 3000x3000", 3, || render_cover(&cover));
}

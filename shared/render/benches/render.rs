//! Plain timing bench (no criterion): `cargo bench -p noktvrn-render`.
use std::time::Instant;

use noktvrn_render::cover::{CoverSpec, render_cover};
use noktvrn_render::music::{GenrePreset, Mode, TrackSpec, render};

/// Nanoseconds this thread has spent on a CPU (Linux; 0 elsewhere). Wall time
/// is misleading on a loaded machine, so both are reported.
fn cpu_ns() -> u64 {
    std::fs::read_to_string("/proc/thread-self/schedstat")
        .ok()
        .and_then(|s| s.split_whitespace().next().and_then(|v| v.parse().ok()))
        .unwrap_or(0)
}

fn time<T>(label: &str, runs: u32, mut f: impl FnMut() -> T) {
    let _ = f(); // warm-up
    let mut best = f64::MAX;
    let mut best_cpu = f64::MAX;
    for _ in 0..runs {
        let c = cpu_ns();
        let t = Instant::now();
        std::hint::black_box(f());
        best = best.min(t.elapsed().as_secs_f64());
        best_cpu = best_cpu.min((cpu_ns() - c) as f64 * 1e-9);
    }
    println!(
        "{label:<40} wall best {:>8.1} ms   cpu best {:>8.1} ms",
        best * 1e3,
        best_cpu * 1e3
    );
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

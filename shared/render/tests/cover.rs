//! Cover tests: format, determinism, palette use.
use noktvrn_render::cover::*;

fn spec(palette: Vec<[u8; 3]>, genre: &str, seed: u64) -> CoverSpec {
    CoverSpec {
        title: "Night Drive 2".into(),
        artist_name: "Kai Nova".into(),
        genre: genre.into(),
        palette,
        seed,
    }
}

fn decode(png: &[u8]) -> image::RgbImage {
    image::load_from_memory_with_format(png, image::ImageFormat::Png)
        .unwrap()
        .to_rgb8()
}

#[test]
fn cover_is_a_3000_png_and_deterministic() {
    let s = spec(vec![], "synthwave", 1);
    let a = render_cover(&s).unwrap();
    assert_eq!(&a[..8], b"\x89PNG\r\n\x1a\n");
    let img = decode(&a);
    assert_eq!(img.dimensions(), (3000, 3000));
    assert_eq!(render_cover(&s).unwrap(), a);
    let b = render_cover(&CoverSpec { seed: 2, ..s }).unwrap();
    assert_ne!(a, b);
}

fn palette_coverage(rgb: &[u8], palette: &[[u8; 3]]) -> f64 {
    let mut near = 0usize;
    let mut n = 0usize;
    for px in rgb.chunks_exact(3).step_by(7) {
        n += 1;
        let d = palette
            .iter()
            .map(|c| {
                (0..3)
                    .map(|k| (f64::from(px[k]) - f64::from(c[k])).powi(2))
                    .sum::<f64>()
                    .sqrt()
            })
            .fold(f64::MAX, f64::min);
        if d < 90.0 {
            near += 1;
        }
    }
    near as f64 / n as f64
}

#[test]
fn cover_uses_the_palette() {
    let palettes = [
        vec![[200, 30, 40], [20, 20, 90], [240, 220, 200]],
        vec![[10, 120, 60], [240, 240, 30]],
        vec![[250, 250, 250], [0, 0, 0], [120, 120, 255]],
    ];
    for (i, p) in palettes.iter().enumerate() {
        for genre in ["lofi", "phonk", "house", "synthwave", "ambient"] {
            let s = spec(p.clone(), genre, i as u64);
            let rgb = render_cover_rgb(&s, 600, 600).unwrap();
            let cov = palette_coverage(&rgb, p);
            assert!(
                cov > 0.6,
                "{genre} palette {i}: only {cov:.2} of pixels near the palette"
            );
            // A palette that is far away must not match.
            let other = [[255u8, 0, 255]];
            if !p.iter().any(|c| c[0] > 200 && c[2] > 200 && c[1] < 100) {
                assert!(palette_coverage(&rgb, &other) < 0.3);
            }
        }
    }
}

#[test]
fn full_size_cover_matches_palette() {
    let p = vec![[30, 60, 200], [230, 120, 30]];
    let png = render_cover(&spec(p.clone(), "pop", 5)).unwrap();
    let img = decode(&png);
    assert!(palette_coverage(img.as_raw(), &p) > 0.6);
}

#[test]
fn long_titles_and_odd_characters_are_fine() {
    let mut s = spec(vec![], "darkwave", 3);
    s.title = "Ünïcödé — a very long title that keeps going and going 123!?".into();
    let rgb = render_cover_rgb(&s, 300, 300).unwrap();
    assert_eq!(rgb.len(), 300 * 300 * 3);
    s.title = "x".repeat(500);
    assert!(render_cover(&s).is_err());
}

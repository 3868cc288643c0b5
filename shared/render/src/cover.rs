//! Generative cover art.
//!
//! Why: the offline image provider must hand back a real, distinctive
//! 3000×3000 cover for every release without a model or network access, and
//! the same request must give the same bytes.
//!
//! Design: a background gradient (linear or radial) between two palette
//! colours, a genre-flavoured shape layer (synthwave sun with horizon grid,
//! soft orbs, bars, shards, waves, concentric rings), low-frequency value
//! noise, per-pixel film grain and a vignette, then optional title/artist
//! text in a hand-made 5×7 bitmap font scaled up (no font files). Every
//! shape is drawn only inside its bounding box with a 1.5 px anti-aliased
//! edge. All randomness comes from `ChaCha8Rng::seed_from_u64(seed ^ hash
//! of the text fields)` (FNV-1a, order-independent of any map), so output is
//! deterministic. The PNG is written with fast deflate and the `Sub` filter:
//! a good trade of size for time on noisy images.

use image::ImageEncoder;
use image::codecs::png::{CompressionType, FilterType, PngEncoder};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

use crate::RenderError;
use crate::music::GenrePreset;

/// Cover edge length in pixels.
pub const COVER_SIZE: u32 = 3000;

/// What to draw.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CoverSpec {
    pub title: String,
    pub artist_name: String,
    /// Free-text genre; picks the shape style and, if `palette` is empty, the colours.
    pub genre: String,
    /// RGB colours (first = dominant); may be empty.
    pub palette: Vec<[u8; 3]>,
    pub seed: u64,
}

/// Palette used when the spec's palette is empty.
pub fn genre_palette(genre: GenrePreset) -> Vec<[u8; 3]> {
    use GenrePreset as G;
    let p: &[[u8; 3]] = match genre {
        G::Lofi => &[
            [46, 38, 64],
            [214, 150, 120],
            [244, 214, 170],
            [92, 120, 140],
        ],
        G::Phonk => &[[14, 10, 18], [140, 20, 40], [220, 60, 70], [235, 225, 230]],
        G::Trap => &[[12, 12, 20], [90, 40, 160], [230, 200, 80], [240, 240, 245]],
        G::Synthwave => &[[24, 10, 60], [255, 60, 160], [255, 170, 60], [40, 220, 255]],
        G::Darkwave => &[[10, 10, 14], [70, 30, 90], [160, 40, 60], [200, 200, 210]],
        G::House => &[[20, 30, 60], [255, 120, 60], [250, 220, 90], [70, 200, 200]],
        G::Techno => &[[8, 8, 8], [60, 60, 70], [200, 200, 200], [255, 60, 40]],
        G::Hyperpop => &[
            [255, 110, 200],
            [120, 230, 255],
            [200, 255, 90],
            [250, 250, 255],
        ],
        G::Ambient => &[
            [20, 40, 60],
            [90, 140, 170],
            [190, 220, 225],
            [240, 235, 220],
        ],
        G::Pop => &[
            [250, 90, 120],
            [255, 200, 80],
            [90, 170, 255],
            [255, 245, 240],
        ],
        G::DrumAndBass => &[[6, 20, 24], [0, 200, 170], [40, 90, 255], [230, 255, 250]],
        G::Rock => &[
            [20, 18, 16],
            [170, 40, 30],
            [230, 200, 160],
            [250, 250, 245],
        ],
        G::Rnb => &[
            [40, 16, 40],
            [150, 60, 110],
            [230, 170, 120],
            [250, 230, 220],
        ],
    };
    p.to_vec()
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Style {
    Sun,
    Orbs,
    Bars,
    Shards,
    Waves,
    Rings,
}

fn style_for(genre: GenrePreset, rng: &mut ChaCha8Rng) -> Style {
    use GenrePreset as G;
    let options: &[Style] = match genre {
        G::Synthwave => &[Style::Sun, Style::Sun, Style::Rings],
        G::Lofi | G::Ambient | G::Rnb => &[Style::Orbs, Style::Waves, Style::Rings],
        G::House | G::Techno | G::DrumAndBass => &[Style::Bars, Style::Rings, Style::Shards],
        G::Phonk | G::Trap | G::Darkwave | G::Rock => &[Style::Shards, Style::Bars, Style::Orbs],
        G::Hyperpop | G::Pop => &[Style::Orbs, Style::Waves, Style::Shards, Style::Sun],
    };
    options[rng.random_range(0..options.len())]
}

/// An RGB float canvas (0..255 per channel).
struct Canvas {
    w: usize,
    h: usize,
    px: Vec<[f32; 3]>,
}

impl Canvas {
    #[inline]
    fn blend(&mut self, x: usize, y: usize, c: [f32; 3], a: f32) {
        let p = &mut self.px[y * self.w + x];
        for k in 0..3 {
            p[k] += (c[k] - p[k]) * a;
        }
    }

    /// Filled circle with anti-aliased edge.
    fn circle(&mut self, cx: f32, cy: f32, r: f32, c: [f32; 3], alpha: f32) {
        let (x0, x1, y0, y1) = self.bbox(cx - r - 2.0, cx + r + 2.0, cy - r - 2.0, cy + r + 2.0);
        for y in y0..y1 {
            let dy = y as f32 + 0.5 - cy;
            for x in x0..x1 {
                let dx = x as f32 + 0.5 - cx;
                let d = (dx * dx + dy * dy).sqrt() - r;
                let a = (0.5 - d / 1.5).clamp(0.0, 1.0);
                if a > 0.0 {
                    self.blend(x, y, c, a * alpha);
                }
            }
        }
    }

    /// Ring between radii `r - t/2` and `r + t/2`.
    fn ring(&mut self, cx: f32, cy: f32, r: f32, t: f32, c: [f32; 3], alpha: f32) {
        let ro = r + t;
        let (x0, x1, y0, y1) = self.bbox(cx - ro, cx + ro, cy - ro, cy + ro);
        for y in y0..y1 {
            let dy = y as f32 + 0.5 - cy;
            for x in x0..x1 {
                let dx = x as f32 + 0.5 - cx;
                let d = ((dx * dx + dy * dy).sqrt() - r).abs() - t * 0.5;
                let a = (0.5 - d / 1.5).clamp(0.0, 1.0);
                if a > 0.0 {
                    self.blend(x, y, c, a * alpha);
                }
            }
        }
    }

    /// Axis-aligned rectangle.
    fn rect(&mut self, x0: f32, y0: f32, x1: f32, y1: f32, c: [f32; 3], alpha: f32) {
        let (a0, a1, b0, b1) = self.bbox(x0, x1, y0, y1);
        for y in b0..b1 {
            for x in a0..a1 {
                self.blend(x, y, c, alpha);
            }
        }
    }

    /// Filled triangle (edge-function test with AA).
    fn triangle(&mut self, p: [(f32, f32); 3], c: [f32; 3], alpha: f32) {
        let minx = p.iter().map(|q| q.0).fold(f32::MAX, f32::min);
        let maxx = p.iter().map(|q| q.0).fold(f32::MIN, f32::max);
        let miny = p.iter().map(|q| q.1).fold(f32::MAX, f32::min);
        let maxy = p.iter().map(|q| q.1).fold(f32::MIN, f32::max);
        let (x0, x1, y0, y1) = self.bbox(minx - 2.0, maxx + 2.0, miny - 2.0, maxy + 2.0);
        let area = (p[1].0 - p[0].0) * (p[2].1 - p[0].1) - (p[1].1 - p[0].1) * (p[2].0 - p[0].0);
        let sign = if area < 0.0 { -1.0 } else { 1.0 };
        let edges: Vec<(f32, f32, f32)> = (0..3)
            .map(|i| {
                let (a, b) = (p[i], p[(i + 1) % 3]);
                let (nx, ny) = (-(b.1 - a.1) * sign, (b.0 - a.0) * sign);
                let len = (nx * nx + ny * ny).sqrt().max(1e-6);
                (nx / len, ny / len, -(nx * a.0 + ny * a.1) / len)
            })
            .collect();
        for y in y0..y1 {
            let fy = y as f32 + 0.5;
            for x in x0..x1 {
                let fx = x as f32 + 0.5;
                let d = edges
                    .iter()
                    .map(|e| e.0 * fx + e.1 * fy + e.2)
                    .fold(f32::MAX, f32::min);
                let a = (0.5 + d / 1.5).clamp(0.0, 1.0);
                if a > 0.0 {
                    self.blend(x, y, c, a * alpha);
                }
            }
        }
    }

    fn bbox(&self, x0: f32, x1: f32, y0: f32, y1: f32) -> (usize, usize, usize, usize) {
        let cl = |v: f32, m: usize| (v.max(0.0) as usize).min(m);
        (
            cl(x0.floor(), self.w),
            cl(x1.ceil(), self.w),
            cl(y0.floor(), self.h),
            cl(y1.ceil(), self.h),
        )
    }
}

fn fnv1a(parts: &[&str]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for p in parts {
        for b in p.bytes().chain(std::iter::once(0xff)) {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
    }
    h
}

fn to_f(c: [u8; 3]) -> [f32; 3] {
    [f32::from(c[0]), f32::from(c[1]), f32::from(c[2])]
}

fn mix(a: [f32; 3], b: [f32; 3], t: f32) -> [f32; 3] {
    [
        a[0] + (b[0] - a[0]) * t,
        a[1] + (b[1] - a[1]) * t,
        a[2] + (b[2] - a[2]) * t,
    ]
}

/// Render the cover as a 3000×3000 RGB PNG.
pub fn render_cover(spec: &CoverSpec) -> Result<Vec<u8>, RenderError> {
    let (w, h) = (COVER_SIZE, COVER_SIZE);
    let px = render_cover_rgb(spec, w, h)?;
    let mut out = Vec::with_capacity(px.len() / 3);
    let enc = PngEncoder::new_with_quality(&mut out, CompressionType::Fast, FilterType::Sub);
    enc.write_image(&px, w, h, image::ExtendedColorType::Rgb8)
        .map_err(|e| RenderError::Encode(e.to_string()))?;
    Ok(out)
}

/// Render the cover as raw RGB8 pixels (row-major) at any size ≥ 64.
pub fn render_cover_rgb(spec: &CoverSpec, w: u32, h: u32) -> Result<Vec<u8>, RenderError> {
    if spec.title.chars().count() > 200 || spec.artist_name.chars().count() > 200 {
        return Err(RenderError::InvalidCover(
            "title/artist longer than 200 characters".into(),
        ));
    }
    if !(64..=8192).contains(&w) || !(64..=8192).contains(&h) {
        return Err(RenderError::InvalidCover(format!(
            "size {w}x{h} out of range"
        )));
    }
    let genre = GenrePreset::from_genre_name(&spec.genre);
    let palette: Vec<[f32; 3]> = if spec.palette.is_empty() {
        genre_palette(genre).into_iter().map(to_f).collect()
    } else {
        spec.palette.iter().take(8).copied().map(to_f).collect()
    };
    let pc = |i: usize| palette[i % palette.len()];
    let mut rng = ChaCha8Rng::seed_from_u64(
        spec.seed ^ fnv1a(&[&spec.title, &spec.artist_name, &spec.genre]),
    );
    let (wu, hu) = (w as usize, h as usize);
    let s = w.min(h) as f32; // scale unit
    let mut cv = Canvas {
        w: wu,
        h: hu,
        px: vec![[0.0; 3]; wu * hu],
    };

    // 1. Background gradient from the dominant colour toward the second.
    let c0 = pc(0);
    // The far end of the gradient leans only 20 % toward the second colour,
    // so the background stays recognisably the dominant palette colour.
    let c1 = mix(c0, pc(1), 0.2);
    let radial = rng.random::<f32>() < 0.4;
    let ang = rng.random::<f32>() * std::f32::consts::TAU;
    let (dx, dy) = (ang.cos(), ang.sin());
    let (gcx, gcy) = (
        0.3 + 0.4 * rng.random::<f32>(),
        0.3 + 0.4 * rng.random::<f32>(),
    );
    for y in 0..hu {
        let fy = y as f32 / h as f32;
        for x in 0..wu {
            let fx = x as f32 / w as f32;
            let t = if radial {
                (((fx - gcx).powi(2) + (fy - gcy).powi(2)).sqrt() * 1.4).min(1.0)
            } else {
                ((fx - 0.5) * dx + (fy - 0.5) * dy + 0.5).clamp(0.0, 1.0)
            };
            cv.px[y * wu + x] = mix(c0, c1, t);
        }
    }

    // 2. Shapes.
    let style = style_for(genre, &mut rng);
    let accent = |i: usize| pc(1 + i % palette.len().max(1));
    match style {
        Style::Sun => {
            let cx = w as f32 * (0.4 + 0.2 * rng.random::<f32>());
            let cy = h as f32 * 0.5;
            let r = s * (0.22 + 0.08 * rng.random::<f32>());
            cv.circle(cx, cy, r, accent(0), 1.0);
            // Horizontal cuts through the lower half of the sun.
            let bands = 6;
            for b in 0..bands {
                let y = cy + r * (0.15 + 0.85 * b as f32 / bands as f32);
                let th = r * 0.02 * (1.0 + b as f32);
                cv.rect(cx - r - 2.0, y, cx + r + 2.0, y + th, c0, 1.0);
            }
            // Horizon grid.
            let horizon = h as f32 * 0.68;
            cv.rect(
                0.0,
                horizon,
                w as f32,
                h as f32,
                mix(c0, [0.0; 3], 0.3),
                1.0,
            );
            let grid = accent(2);
            for i in 0..14 {
                let t = (i as f32 / 14.0).powi(2);
                let y = horizon + t * (h as f32 - horizon);
                cv.rect(0.0, y, w as f32, y + 2.0 + 6.0 * t, grid, 0.8);
            }
            for i in -12i32..=12 {
                let xb = w as f32 * 0.5 + i as f32 * w as f32 * 0.09;
                let xt = w as f32 * 0.5 + i as f32 * w as f32 * 0.012;
                cv.triangle(
                    [
                        (xt - 1.5, horizon),
                        (xb - 5.0, h as f32),
                        (xb + 5.0, h as f32),
                    ],
                    grid,
                    0.7,
                );
            }
        }
        Style::Orbs => {
            let n = 5 + rng.random_range(0..6);
            for i in 0..n {
                let cx = w as f32 * rng.random::<f32>();
                let cy = h as f32 * rng.random::<f32>();
                let r = s * (0.05 + 0.22 * rng.random::<f32>());
                cv.circle(cx, cy, r, accent(i), 0.8 + 0.2 * rng.random::<f32>());
            }
        }
        Style::Bars => {
            let n = 8 + rng.random_range(0..10);
            let vertical = rng.random::<bool>();
            for i in 0..n {
                let a = rng.random::<f32>();
                let thick = s * (0.01 + 0.06 * rng.random::<f32>());
                let len0 = rng.random::<f32>() * 0.5;
                let len1 = len0 + 0.2 + 0.5 * rng.random::<f32>();
                let c = accent(i);
                if vertical {
                    let x = a * w as f32;
                    cv.rect(x, len0 * h as f32, x + thick, len1 * h as f32, c, 0.85);
                } else {
                    let y = a * h as f32;
                    cv.rect(len0 * w as f32, y, len1 * w as f32, y + thick, c, 0.85);
                }
            }
        }
        Style::Shards => {
            let n = 6 + rng.random_range(0..8);
            for i in 0..n {
                let cx = w as f32 * rng.random::<f32>();
                let cy = h as f32 * rng.random::<f32>();
                let r = s * (0.08 + 0.3 * rng.random::<f32>());
                let a0 = rng.random::<f32>() * std::f32::consts::TAU;
                let pts = [0.0f32, 2.1, 4.2].map(|o| {
                    let a = a0 + o + 0.6 * (rng.random::<f32>() - 0.5);
                    (cx + r * a.cos(), cy + r * a.sin())
                });
                cv.triangle(pts, accent(i), 0.8 + 0.2 * rng.random::<f32>());
            }
        }
        Style::Waves => {
            let n = 5 + rng.random_range(0..5);
            for i in 0..n {
                let base = h as f32 * (0.3 + 0.6 * i as f32 / n as f32);
                let amp = s * (0.02 + 0.05 * rng.random::<f32>());
                let freq = 1.0 + 3.0 * rng.random::<f32>();
                let ph = rng.random::<f32>() * std::f32::consts::TAU;
                let c = accent(i);
                for x in 0..wu {
                    let y = base
                        + amp * (x as f32 / w as f32 * freq * std::f32::consts::TAU + ph).sin();
                    let y0 = (y.max(0.0) as usize).min(hu);
                    for yy in y0..hu {
                        cv.blend(x, yy, c, 0.92);
                    }
                }
            }
        }
        Style::Rings => {
            let cx = w as f32 * (0.3 + 0.4 * rng.random::<f32>());
            let cy = h as f32 * (0.3 + 0.4 * rng.random::<f32>());
            let n = 6 + rng.random_range(0..8);
            for i in 0..n {
                let r = s * (0.05 + 0.06 * i as f32);
                let t = s * (0.004 + 0.02 * rng.random::<f32>());
                cv.ring(cx, cy, r, t, accent(i), 0.8);
            }
        }
    }

    // 3. Value noise (16×16 lattice, bilinear), film grain, vignette.
    const G: usize = 17;
    let mut lattice = [0.0f32; G * G];
    for v in lattice.iter_mut() {
        *v = rng.random::<f32>() - 0.5;
    }
    let noise_amt = 18.0;
    let grain_amt = 10.0;
    let mut grain_state: u64 = rng.random::<u64>() | 1;
    let mut out = vec![0u8; wu * hu * 3];
    for y in 0..hu {
        let gy = y as f32 / h as f32 * (G - 1) as f32;
        let iy = (gy as usize).min(G - 2);
        let ty = gy - iy as f32;
        let vy = y as f32 / h as f32 - 0.5;
        for x in 0..wu {
            let gx = x as f32 / w as f32 * (G - 1) as f32;
            let ix = (gx as usize).min(G - 2);
            let tx = gx - ix as f32;
            let a = lattice[iy * G + ix];
            let b = lattice[iy * G + ix + 1];
            let c = lattice[(iy + 1) * G + ix];
            let d = lattice[(iy + 1) * G + ix + 1];
            let n = (a + (b - a) * tx) + ((c + (d - c) * tx) - (a + (b - a) * tx)) * ty;
            grain_state ^= grain_state << 13;
            grain_state ^= grain_state >> 7;
            grain_state ^= grain_state << 17;
            let g = ((grain_state >> 40) as f32 / 16_777_216.0) - 0.5;
            let vx = x as f32 / w as f32 - 0.5;
            let vig = 1.0 - 0.25 * (vx * vx + vy * vy);
            let p = cv.px[y * wu + x];
            let off = n * noise_amt + g * grain_amt;
            let o = (y * wu + x) * 3;
            for k in 0..3 {
                out[o + k] = ((p[k] + off) * vig).clamp(0.0, 255.0) as u8;
            }
        }
    }

    // 4. Text.
    let light = {
        let l = 0.299 * c0[0] + 0.587 * c0[1] + 0.114 * c0[2];
        l < 140.0
    };
    let (fg, shadow) = if light {
        ([245u8, 245, 245], [0u8, 0, 0])
    } else {
        ([15u8, 15, 20], [255u8, 255, 255])
    };
    let margin = (s * 0.06) as usize;
    let title = spec.title.to_uppercase();
    let artist = spec.artist_name.to_uppercase();
    let max_w = wu.saturating_sub(2 * margin);
    let title_scale = fit_scale(&title, max_w, (s / 110.0) as usize);
    let artist_scale = fit_scale(&artist, max_w, (s / 180.0) as usize);
    let mut y = hu.saturating_sub(margin);
    if !artist.is_empty() {
        y = y.saturating_sub(7 * artist_scale);
        draw_text(
            &mut out,
            wu,
            hu,
            &artist,
            margin,
            y,
            artist_scale,
            fg,
            shadow,
        );
        y = y.saturating_sub(4 * artist_scale);
    }
    if !title.is_empty() {
        y = y.saturating_sub(7 * title_scale);
        draw_text(&mut out, wu, hu, &title, margin, y, title_scale, fg, shadow);
    }
    Ok(out)
}

fn fit_scale(text: &str, max_w: usize, want: usize) -> usize {
    let n = text.chars().count().max(1);
    let per_char = 6; // 5 px glyph + 1 px spacing
    (max_w / (n * per_char)).min(want).max(1)
}

#[allow(clippy::too_many_arguments)]
fn draw_text(
    out: &mut [u8],
    w: usize,
    h: usize,
    text: &str,
    x0: usize,
    y0: usize,
    scale: usize,
    fg: [u8; 3],
    shadow: [u8; 3],
) {
    let sh = (scale / 3).max(1);
    for (pass, color, off) in [(0, shadow, sh), (1, fg, 0)] {
        let _ = pass;
        let mut x = x0 + off;
        for ch in text.chars() {
            let rows = glyph(ch);
            for (ry, bits) in rows.iter().enumerate() {
                for rx in 0..5 {
                    if bits & (0x10 >> rx) == 0 {
                        continue;
                    }
                    let px0 = x + rx * scale;
                    let py0 = y0 + off + ry * scale;
                    for py in py0..(py0 + scale).min(h) {
                        for pxx in px0..(px0 + scale).min(w) {
                            let o = (py * w + pxx) * 3;
                            out[o..o + 3].copy_from_slice(&color);
                        }
                    }
                }
            }
            x += 6 * scale;
        }
    }
}

/// 5×7 glyphs, one byte per row, bit 4 = leftmost column.
fn glyph(c: char) -> [u8; 7] {
    match c {
        'A' => [0x0E, 0x11, 0x11, 0x1F, 0x11, 0x11, 0x11],
        'B' => [0x1E, 0x11, 0x11, 0x1E, 0x11, 0x11, 0x1E],
        'C' => [0x0E, 0x11, 0x10, 0x10, 0x10, 0x11, 0x0E],
        'D' => [0x1E, 0x11, 0x11, 0x11, 0x11, 0x11, 0x1E],
        'E' => [0x1F, 0x10, 0x10, 0x1E, 0x10, 0x10, 0x1F],
        'F' => [0x1F, 0x10, 0x10, 0x1E, 0x10, 0x10, 0x10],
        'G' => [0x0E, 0x11, 0x10, 0x17, 0x11, 0x11, 0x0F],
        'H' => [0x11, 0x11, 0x11, 0x1F, 0x11, 0x11, 0x11],
        'I' => [0x0E, 0x04, 0x04, 0x04, 0x04, 0x04, 0x0E],
        'J' => [0x07, 0x02, 0x02, 0x02, 0x02, 0x12, 0x0C],
        'K' => [0x11, 0x12, 0x14, 0x18, 0x14, 0x12, 0x11],
        'L' => [0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x1F],
        'M' => [0x11, 0x1B, 0x15, 0x15, 0x11, 0x11, 0x11],
        'N' => [0x11, 0x11, 0x19, 0x15, 0x13, 0x11, 0x11],
        'O' => [0x0E, 0x11, 0x11, 0x11, 0x11, 0x11, 0x0E],
        'P' => [0x1E, 0x11, 0x11, 0x1E, 0x10, 0x10, 0x10],
        'Q' => [0x0E, 0x11, 0x11, 0x11, 0x15, 0x12, 0x0D],
        'R' => [0x1E, 0x11, 0x11, 0x1E, 0x14, 0x12, 0x11],
        'S' => [0x0F, 0x10, 0x10, 0x0E, 0x01, 0x01, 0x1E],
        'T' => [0x1F, 0x04, 0x04, 0x04, 0x04, 0x04, 0x04],
        'U' => [0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x0E],
        'V' => [0x11, 0x11, 0x11, 0x11, 0x11, 0x0A, 0x04],
        'W' => [0x11, 0x11, 0x11, 0x15, 0x15, 0x15, 0x0A],
        'X' => [0x11, 0x11, 0x0A, 0x04, 0x0A, 0x11, 0x11],
        'Y' => [0x11, 0x11, 0x11, 0x0A, 0x04, 0x04, 0x04],
        'Z' => [0x1F, 0x01, 0x02, 0x04, 0x08, 0x10, 0x1F],
        '0' => [0x0E, 0x11, 0x13, 0x15, 0x19, 0x11, 0x0E],
        '1' => [0x04, 0x0C, 0x04, 0x04, 0x04, 0x04, 0x0E],
        '2' => [0x0E, 0x11, 0x01, 0x02, 0x04, 0x08, 0x1F],
        '3' => [0x1F, 0x02, 0x04, 0x02, 0x01, 0x11, 0x0E],
        '4' => [0x02, 0x06, 0x0A, 0x12, 0x1F, 0x02, 0x02],
        '5' => [0x1F, 0x10, 0x1E, 0x01, 0x01, 0x11, 0x0E],
        '6' => [0x06, 0x08, 0x10, 0x1E, 0x11, 0x11, 0x0E],
        '7' => [0x1F, 0x01, 0x02, 0x04, 0x08, 0x08, 0x08],
        '8' => [0x0E, 0x11, 0x11, 0x0E, 0x11, 0x11, 0x0E],
        '9' => [0x0E, 0x11, 0x11, 0x0F, 0x01, 0x02, 0x0C],
        '.' => [0x00, 0x00, 0x00, 0x00, 0x00, 0x0C, 0x0C],
        ',' => [0x00, 0x00, 0x00, 0x00, 0x0C, 0x04, 0x08],
        '!' => [0x04, 0x04, 0x04, 0x04, 0x04, 0x00, 0x04],
        '?' => [0x0E, 0x11, 0x01, 0x02, 0x04, 0x00, 0x04],
        '-' => [0x00, 0x00, 0x00, 0x1F, 0x00, 0x00, 0x00],
        '\'' => [0x04, 0x04, 0x08, 0x00, 0x00, 0x00, 0x00],
        '&' => [0x0C, 0x12, 0x14, 0x08, 0x15, 0x12, 0x0D],
        ':' => [0x00, 0x0C, 0x0C, 0x00, 0x0C, 0x0C, 0x00],
        '/' => [0x00, 0x01, 0x02, 0x04, 0x08, 0x10, 0x00],
        '#' => [0x0A, 0x0A, 0x1F, 0x0A, 0x1F, 0x0A, 0x0A],
        ' ' => [0; 7],
        // Unknown characters (accents, emoji, ...) render as a small box.
        _ => [0x00, 0x1F, 0x11, 0x11, 0x11, 0x1F, 0x00],
    }
}

//! Section boundaries, labels and the one-line summary.
//!
//! Exists for release metadata ("intro – A – B – A – outro"). Method
//! (Foote 2000 novelty on a self-similarity matrix):
//!
//! 1. Feature frames are beat-synchronous (one per beat, or fixed 0.5 s
//!    blocks when there is no beat), merged so there are at most
//!    [`MAX_FRAMES`]: log-chroma (L2-normalised) and 12 log band energies
//!    (z-scored over the file), so both harmony and instrumentation count.
//! 2. Cosine self-similarity matrix, z-scored.
//! 3. Novelty = correlation of a Gaussian-tapered checkerboard kernel
//!    (about 8 s half-width) along the diagonal; boundaries are novelty
//!    peaks above mean + 0.5 sd, at least ~8 s apart.
//! 4. Labels: segments are compared by the mean of the z-scored SSM over
//!    their block; a segment takes the label of the most similar earlier
//!    segment when that similarity is high, otherwise the next letter.
//!    Adjacent segments with the same label merge.
//! 5. A short first (last) segment that is quieter than the rest or whose
//!    material never returns is the intro (outro).

use crate::features::TIMBRE_BANDS;
use crate::types::{Section, Structure};

/// Upper bound on SSM size (memory and time are quadratic in it).
pub const MAX_FRAMES: usize = 480;

/// Inputs, all at the pitch-frame rate `fps` except `beats` (seconds) and
/// `energy_db` (dB per `energy_hop_s`).
pub struct StructureInput<'a> {
    pub chroma: &'a [[f32; 12]],
    pub timbre: &'a [[f32; TIMBRE_BANDS]],
    pub fps: f64,
    pub beats: &'a [f64],
    pub duration_s: f64,
    pub energy_db: &'a [f32],
    pub energy_hop_s: f64,
}

fn letter(i: usize) -> String {
    if i < 26 {
        ((b'A' + i as u8) as char).to_string()
    } else {
        format!("Z{}", i - 25)
    }
}

fn summarise(sections: &[Section]) -> String {
    sections
        .iter()
        .map(|s| s.label.as_str())
        .collect::<Vec<_>>()
        .join(" – ")
}

/// Segment the piece.
pub fn analyse(inp: &StructureInput) -> Structure {
    let dur = inp.duration_s.max(0.0);
    let whole = |label: &str| {
        let sections = vec![Section {
            start_s: 0.0,
            end_s: dur,
            label: label.to_string(),
        }];
        Structure {
            summary: summarise(&sections),
            sections,
        }
    };
    let nf = inp.chroma.len().min(inp.timbre.len());
    if nf < 8 || dur < 12.0 {
        return whole("A");
    }
    // 1. frame boundaries (seconds)
    let mut edges: Vec<f64> = if inp.beats.len() >= 16 {
        let mut e = vec![0.0];
        e.extend(inp.beats.iter().copied().filter(|&b| b > 0.0 && b < dur));
        e.push(dur);
        e
    } else {
        let n = (dur / 0.5).ceil() as usize;
        (0..=n).map(|i| (i as f64 * 0.5).min(dur)).collect()
    };
    edges.dedup_by(|a, b| (*a - *b).abs() < 1e-6);
    let mut step = 1;
    while (edges.len() - 1) / step > MAX_FRAMES {
        step += 1;
    }
    let edges: Vec<f64> = edges
        .iter()
        .copied()
        .enumerate()
        .filter(|(i, _)| i % step == 0 || *i == edges.len() - 1)
        .map(|(_, v)| v)
        .collect();
    let m = edges.len() - 1;
    if m < 8 {
        return whole("A");
    }
    // 2. features per frame
    let dim = 12 + TIMBRE_BANDS;
    let mut feats = vec![0f64; m * dim];
    for i in 0..m {
        let a = ((edges[i] * inp.fps) as usize).min(nf - 1);
        let b = ((edges[i + 1] * inp.fps).ceil() as usize).clamp(a + 1, nf);
        let f = &mut feats[i * dim..(i + 1) * dim];
        for j in a..b {
            for (d, v) in f[..12].iter_mut().zip(inp.chroma[j].iter()) {
                *d += f64::from(*v);
            }
            for (d, v) in f[12..].iter_mut().zip(inp.timbre[j].iter()) {
                *d += f64::from(*v);
            }
        }
        let cnt = (b - a) as f64;
        for v in f.iter_mut() {
            *v /= cnt;
        }
    }
    // normalise: chroma mean-removed + L2, timbre z-scored over frames
    for t in 0..dim {
        let mean = (0..m).map(|i| feats[i * dim + t]).sum::<f64>() / m as f64;
        let sd = ((0..m)
            .map(|i| (feats[i * dim + t] - mean).powi(2))
            .sum::<f64>()
            / m as f64)
            .sqrt();
        for i in 0..m {
            let v = &mut feats[i * dim + t];
            *v = if t < 12 {
                *v - mean
            } else if sd > 1e-9 {
                (*v - mean) / sd
            } else {
                0.0
            };
        }
    }
    for i in 0..m {
        let f = &mut feats[i * dim..(i + 1) * dim];
        let cn = f[..12].iter().map(|v| v * v).sum::<f64>().sqrt();
        let tn = f[12..].iter().map(|v| v * v).sum::<f64>().sqrt();
        for v in f[..12].iter_mut() {
            *v = if cn > 1e-12 { *v / cn } else { 0.0 };
        }
        for v in f[12..].iter_mut() {
            *v = if tn > 1e-12 { *v / tn * 0.8 } else { 0.0 };
        }
    }
    // 3. SSM (cosine of the combined vectors), z-scored
    let mut ssm = vec![0f64; m * m];
    for i in 0..m {
        for j in i..m {
            let (fi, fj) = (
                &feats[i * dim..(i + 1) * dim],
                &feats[j * dim..(j + 1) * dim],
            );
            let s: f64 = fi.iter().zip(fj.iter()).map(|(a, b)| a * b).sum();
            ssm[i * m + j] = s;
            ssm[j * m + i] = s;
        }
    }
    let mean = ssm.iter().sum::<f64>() / (m * m) as f64;
    let sd = (ssm.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (m * m) as f64)
        .sqrt()
        .max(1e-9);
    for v in ssm.iter_mut() {
        *v = (*v - mean) / sd;
    }
    // 4. novelty
    let frame_s = dur / m as f64;
    let w = ((8.0 / frame_s).round() as usize).clamp(3, m / 3 + 1);
    let sigma = w as f64 / 2.0;
    // the Gaussian taper of the checkerboard kernel, once (not per centre)
    let side = 2 * w;
    let mut taper = vec![0f64; side * side];
    for (k, g) in taper.iter_mut().enumerate() {
        let x = (k / side) as f64 - w as f64 + 0.5;
        let y = (k % side) as f64 - w as f64 + 0.5;
        *g = (-(x * x + y * y) / (2.0 * sigma * sigma)).exp();
    }
    let mut nov = vec![0f64; m];
    for (c, nv) in nov.iter_mut().enumerate() {
        let mut acc = 0.0;
        let mut norm = 0.0;
        for di in -(w as isize)..(w as isize) {
            for dj in -(w as isize)..(w as isize) {
                let (i, j) = (c as isize + di, c as isize + dj);
                if i < 0 || j < 0 || i >= m as isize || j >= m as isize {
                    continue;
                }
                let g = taper[(di + w as isize) as usize * side + (dj + w as isize) as usize];
                let sign = if (di < 0) == (dj < 0) { 1.0 } else { -1.0 };
                acc += sign * g * ssm[i as usize * m + j as usize];
                norm += g;
            }
        }
        *nv = if norm > 0.0 { acc / norm } else { 0.0 };
    }
    let nm = nov.iter().sum::<f64>() / m as f64;
    let nsd = (nov.iter().map(|v| (v - nm).powi(2)).sum::<f64>() / m as f64).sqrt();
    let thr = nm + 0.5 * nsd;
    let min_gap = ((8.0 / frame_s).round() as usize).max(2);
    let mut cands: Vec<usize> = (1..m - 1)
        .filter(|&i| nov[i] > thr && nov[i] >= nov[i - 1] && nov[i] >= nov[i + 1])
        .collect();
    cands.sort_by(|&a, &b| nov[b].total_cmp(&nov[a]));
    let mut bounds: Vec<usize> = Vec::new();
    for c in cands {
        if c >= min_gap / 2
            && m - c >= min_gap / 2
            && bounds.iter().all(|&b| b.abs_diff(c) >= min_gap)
        {
            bounds.push(c);
        }
    }
    bounds.sort_unstable();
    let mut segs: Vec<(usize, usize)> = Vec::new();
    let mut s = 0;
    for &b in &bounds {
        segs.push((s, b));
        s = b;
    }
    segs.push((s, m));
    // 5. labels
    let block = |a: (usize, usize), b: (usize, usize)| {
        let mut acc = 0.0;
        for i in a.0..a.1 {
            for j in b.0..b.1 {
                acc += ssm[i * m + j];
            }
        }
        acc / ((a.1 - a.0) * (b.1 - b.0)).max(1) as f64
    };
    let mut labels: Vec<usize> = Vec::new();
    let mut next = 0usize;
    for (i, &sg) in segs.iter().enumerate() {
        let within = block(sg, sg);
        let mut best: Option<(f64, usize)> = None;
        for (j, &pj) in segs[..i].iter().enumerate() {
            let sim = block(sg, pj);
            let wj = block(pj, pj);
            let rel = sim / within.min(wj).max(1e-9);
            if sim > 0.0 && rel > 0.6 && best.is_none_or(|(b, _)| rel > b) {
                best = Some((rel, labels[j]));
            }
        }
        match best {
            Some((_, l)) => labels.push(l),
            None => {
                labels.push(next);
                next += 1;
            }
        }
    }
    // merge adjacent equal labels
    let mut merged: Vec<((usize, usize), usize)> = Vec::new();
    for (sg, l) in segs.into_iter().zip(labels) {
        match merged.last_mut() {
            Some((prev, pl)) if *pl == l => prev.1 = sg.1,
            _ => merged.push((sg, l)),
        }
    }
    // relabel letters in order of appearance
    let mut map: Vec<(usize, usize)> = Vec::new();
    for (_, l) in merged.iter_mut() {
        let idx = match map.iter().find(|(a, _)| a == l) {
            Some(&(_, b)) => b,
            None => {
                let b = map.len();
                map.push((*l, b));
                b
            }
        };
        *l = idx;
    }
    let mut sections: Vec<Section> = merged
        .iter()
        .map(|&((a, b), l)| Section {
            start_s: edges[a],
            end_s: edges[b],
            label: letter(l),
        })
        .collect();
    // intro / outro
    if sections.len() >= 3 {
        let energy_of = |a: f64, b: f64| -> f64 {
            let h = inp.energy_hop_s.max(1e-3);
            let (i, j) = (
                (a / h) as usize,
                ((b / h).ceil() as usize).min(inp.energy_db.len()),
            );
            if j <= i {
                return -100.0;
            }
            // mean power in dB
            let p = inp.energy_db[i..j]
                .iter()
                .map(|&d| 10f64.powf(f64::from(d) / 10.0))
                .sum::<f64>()
                / (j - i) as f64;
            10.0 * p.max(1e-10).log10()
        };
        let total = energy_of(0.0, dur);
        let count = |lab: &str, secs: &[Section]| secs.iter().filter(|s| s.label == lab).count();
        let first = sections[0].clone();
        let last = sections[sections.len() - 1].clone();
        let short = |s: &Section| s.end_s - s.start_s <= (0.2 * dur).min(40.0);
        if short(&first)
            && (energy_of(first.start_s, first.end_s) < total - 3.0
                || count(&first.label, &sections) == 1)
        {
            sections[0].label = "intro".into();
        }
        let li = sections.len() - 1;
        if short(&last)
            && (energy_of(last.start_s, last.end_s) < total - 3.0
                || count(&last.label, &sections) == 1)
        {
            sections[li].label = "outro".into();
        }
        // letters may now skip (e.g. intro was "A"): relabel the rest
        let mut map2: Vec<(String, String)> = Vec::new();
        for s in sections.iter_mut() {
            if s.label == "intro" || s.label == "outro" {
                continue;
            }
            let new = match map2.iter().find(|(a, _)| *a == s.label) {
                Some((_, b)) => b.clone(),
                None => {
                    let b = letter(map2.len());
                    map2.push((s.label.clone(), b.clone()));
                    b
                }
            };
            s.label = new;
        }
    }
    if let Some(l) = sections.last_mut() {
        l.end_s = dur;
    }
    Structure {
        summary: summarise(&sections),
        sections,
    }
}

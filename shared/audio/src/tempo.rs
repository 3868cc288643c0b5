//! Tempo and beat tracking from the onset-strength envelope.
//!
//! Exists because the tempo is the product's most visible number and the
//! usual tools get the metrical level wrong (octave errors). Method:
//!
//! 1. The onset envelope (SuperFlux, 86 frames/s, see `features`), without
//!    the silent frames at either end, is detrended (minus a 0.5 s running
//!    mean) and half-wave rectified.
//! 2. Its autocorrelation (via FFT) gives a periodicity salience per lag.
//! 3. Candidate beat periods are the autocorrelation peaks and their
//!    metrical relatives (x2, x1/2, x3, x1/3, x3/2, x2/3, x4, x1/4) whose
//!    tempo lies in `[min_bpm, max_bpm]`; only the metrical relatives of the
//!    strongest in-range pulse are kept (a dense texture has peaks at every
//!    multiple of the tatum, e.g. 5 or 7 sixteenths, which are never beats).
//! 4. Every candidate is beat-tracked by dynamic programming (Ellis 2007);
//!    the beats are smoothed to a locally straight grid (the tracker bends
//!    each beat towards an onset, which flatters wrong periods) and the
//!    candidate is scored by how well its beats line up with onsets, by how
//!    much *weaker* the half-beat positions are than the beats (the beat
//!    level is the slowest level whose subdivisions are clearly weaker: a
//!    half-note "beat" has a full-strength onset half-way), by its
//!    periodicity salience and by a broad log-normal tempo prior
//!    (documented in `docs/audio.md`).
//! 5. The winner's period is refined by parabolic interpolation of the
//!    autocorrelation at its first multiples; local tempo from 12 s windows
//!    sets the `varies` flag.

use multiversion::multiversion;
use rustfft::num_complex::Complex;

/// Prior centre, BPM (log-normal; see docs/audio.md).
pub const PRIOR_CENTER_BPM: f64 = 105.0;
/// Prior width, octaves (standard deviation of log2 tempo).
pub const PRIOR_SIGMA_OCT: f64 = 1.0;

/// Period ratios between metrical levels considered (beat vs the strongest
/// pulse): duple and triple divisions and groupings.
const METRICAL_RATIOS: [f64; 9] = [0.25, 1.0 / 3.0, 0.5, 2.0 / 3.0, 1.0, 1.5, 2.0, 3.0, 4.0];

/// Below this standard deviation of the detrended flux there are no onsets
/// (a steady tone or digital silence measures ~1e-4; music at -50 dBFS ~0.05).
const MIN_FLUX_SD: f64 = 5e-3;
/// The beat period's normalised autocorrelation must reach this.
const MIN_PULSE_ACF: f64 = 0.08;
/// Candidate beats are read on a grid smoothed over +-this many beats
/// (results are the same for 3..12 on the dev split).
const SMOOTH_BEATS: usize = 4;
/// At least this many onsets are needed for a tempo.
const MIN_ONSETS: f64 = 4.0;

/// Result of tempo estimation.
#[derive(Debug, Clone, Default)]
pub struct TempoResult {
    pub bpm: Option<f64>,
    pub confidence: f64,
    pub varies: bool,
    /// Beat times, seconds.
    pub beats: Vec<f64>,
    /// Onset count (peaks of the envelope) per second.
    pub onset_rate: f64,
    /// Debug: candidate (bpm, score, features...) lines.
    pub debug: Vec<String>,
}

/// Candidate features.
#[derive(Debug, Clone, Copy)]
struct Cand {
    period: f64,
    bpm: f64,
    acf: f64,
    on: f64,
    mid: f64,
    third: f64,
    score: f64,
}

fn running_mean(x: &[f32], half: usize) -> Vec<f32> {
    let n = x.len();
    let mut pre = vec![0f64; n + 1];
    for i in 0..n {
        pre[i + 1] = pre[i] + f64::from(x[i]);
    }
    (0..n)
        .map(|i| {
            let a = i.saturating_sub(half);
            let b = (i + half + 1).min(n);
            ((pre[b] - pre[a]) / (b - a).max(1) as f64) as f32
        })
        .collect()
}

/// Autocorrelation for lags `0..=max_lag`, normalised so lag 0 is 1.
/// The plans (and their twiddles) are the thread's ([`crate::plans`]).
fn autocorr(x: &[f32], max_lag: usize) -> Vec<f64> {
    let n = x.len();
    let size = (n + max_lag + 1).next_power_of_two();
    let (fwd, inv) = crate::plans::pair_f64(size);
    let mut buf: Vec<Complex<f64>> = x.iter().map(|&v| Complex::new(f64::from(v), 0.0)).collect();
    buf.resize(size, Complex::new(0.0, 0.0));
    fwd.process(&mut buf);
    for c in buf.iter_mut() {
        *c = Complex::new(c.norm_sqr(), 0.0);
    }
    inv.process(&mut buf);
    let a0 = buf[0].re.max(1e-12);
    (0..=max_lag.min(size - 1))
        .map(|l| {
            let unb = n as f64 / (n.saturating_sub(l)).max(1) as f64;
            buf[l].re / a0 * unb
        })
        .collect()
}

fn interp(a: &[f64], x: f64) -> f64 {
    if x < 0.0 {
        return 0.0;
    }
    let i = x.floor() as usize;
    if i + 1 >= a.len() {
        return 0.0;
    }
    let f = x - i as f64;
    a[i] * (1.0 - f) + a[i + 1] * f
}

/// Parabolic refinement of a peak near `x` (searching +-`radius` lags).
fn refine_peak(a: &[f64], x: f64, radius: f64) -> (f64, f64) {
    let lo = (x - radius).floor().max(1.0) as usize;
    let hi = ((x + radius).ceil() as usize).min(a.len().saturating_sub(2));
    if lo >= hi {
        return (x, interp(a, x));
    }
    let mut best = lo;
    for i in lo..=hi {
        if a[i] > a[best] {
            best = i;
        }
    }
    let (y0, y1, y2) = (a[best - 1], a[best], a[best + 1]);
    let den = y0 - 2.0 * y1 + y2;
    let d = if den.abs() > 1e-12 {
        (0.5 * (y0 - y2) / den).clamp(-0.5, 0.5)
    } else {
        0.0
    };
    (best as f64 + d, y1 - 0.25 * (y0 - y2) * d)
}

/// Dynamic-programming beat tracker (Ellis 2007). Returns beat frames.
fn track_beats(local: &[f32], period: f64, tightness: f64) -> Vec<usize> {
    let n = local.len();
    if n == 0 || period < 2.0 {
        return Vec::new();
    }
    let lo = (period / 2.0).round().max(1.0) as usize;
    let hi = (period * 2.0).round() as usize;
    // penalty table by interval
    let pen: Vec<f64> = (0..=hi)
        .map(|d| {
            if d == 0 {
                f64::NEG_INFINITY
            } else {
                let r = (d as f64 / period).ln();
                -tightness * r * r
            }
        })
        .collect();
    // reversed, so that the candidates `tau` of frame `t` and their
    // penalties are two ascending slices: `pen_rev[hi - t + tau] = pen[t - tau]`
    let pen_rev: Vec<f64> = pen.iter().rev().copied().collect();
    let mut cum = vec![0f64; n];
    let mut back = vec![usize::MAX; n];
    for t in 0..n {
        let mut best = f64::NEG_INFINITY;
        let mut arg = usize::MAX;
        if t >= lo {
            let start = t.saturating_sub(hi);
            let end = t - lo + 1;
            let from = hi + start - t;
            if let Some((v, i)) = argmax_sum(&cum[start..end], &pen_rev[from..from + end - start]) {
                (best, arg) = (v, start + i);
            }
        }
        if arg != usize::MAX && best > 0.0 {
            cum[t] = f64::from(local[t]) + best;
            back[t] = arg;
        } else {
            cum[t] = f64::from(local[t]);
        }
    }
    // last beat: the last local maximum of cum above half the median of maxima
    let mut maxima = Vec::new();
    for t in 1..n.saturating_sub(1) {
        if cum[t] > cum[t - 1] && cum[t] >= cum[t + 1] {
            maxima.push(t);
        }
    }
    if maxima.is_empty() {
        return Vec::new();
    }
    let mut vals: Vec<f64> = maxima.iter().map(|&t| cum[t]).collect();
    vals.sort_by(f64::total_cmp);
    let med = vals[vals.len() / 2];
    let mut t = *maxima
        .iter()
        .rev()
        .find(|&&t| cum[t] >= 0.5 * med)
        .unwrap_or(&maxima[maxima.len() - 1]);
    // among frames within one period before that, take the best cum (ends are soft)
    let mut beats = vec![t];
    let mut guard = 0;
    while back[t] != usize::MAX && guard < n {
        t = back[t];
        beats.push(t);
        guard += 1;
    }
    beats.reverse();
    beats
}

/// The largest `a[i] + b[i]` and the first `i` that reaches it (`None` for
/// empty slices): the maximum in 4 lanes (vectorised, branch-free; the
/// sums are compared exactly as computed), then a scan for its first
/// position. A compare-and-branch per candidate mispredicted often.
#[multiversion(targets(
    "x86_64+avx512f+avx512bw+avx512cd+avx512dq+avx512vl+avx2+fma",
    "x86_64+avx2+fma"
))]
fn argmax_sum(a: &[f64], b: &[f64]) -> Option<(f64, usize)> {
    let n = a.len().min(b.len());
    let (a, b) = (&a[..n], &b[..n]);
    let mut lanes = [f64::NEG_INFINITY; 4];
    let (mut ca, mut cb) = (a.chunks_exact(4), b.chunks_exact(4));
    for (x, y) in (&mut ca).zip(&mut cb) {
        for k in 0..4 {
            let v = x[k] + y[k];
            lanes[k] = if v > lanes[k] { v } else { lanes[k] };
        }
    }
    let mut best = f64::NEG_INFINITY;
    let rest = ca
        .remainder()
        .iter()
        .zip(cb.remainder())
        .map(|(x, y)| x + y);
    for v in lanes.into_iter().chain(rest) {
        best = if v > best { v } else { best };
    }
    let i = a.iter().zip(b).position(|(x, y)| x + y == best)?;
    Some((best, i))
}

/// Max of `x` within +-r of position p.
fn peak_near(x: &[f32], p: f64, r: usize) -> f64 {
    let c = p.round() as isize;
    let mut m = 0f32;
    for i in (c - r as isize)..=(c + r as isize) {
        if i >= 0 && (i as usize) < x.len() {
            m = m.max(x[i as usize]);
        }
    }
    f64::from(m)
}

/// Each beat replaced by the mean of the beats within `h` of it (a local
/// straight-line fit for an evenly spaced sequence): keeps the phase and
/// slow tempo changes of the beat tracker's path, removes the per-beat
/// bending towards onsets.
fn smooth_beats(beats: &[usize], h: usize) -> Vec<f64> {
    let n = beats.len();
    (0..n)
        .map(|k| {
            let a = k.saturating_sub(h);
            let b = (k + h + 1).min(n);
            // symmetric window so a straight line is kept exactly
            let w = (k - a).min(b - 1 - k);
            let (a, b) = (k - w, k + w + 1);
            beats[a..b].iter().map(|&x| x as f64).sum::<f64>() / (b - a) as f64
        })
        .collect()
}

fn prior(bpm: f64) -> f64 {
    let z = (bpm / PRIOR_CENTER_BPM).log2() / PRIOR_SIGMA_OCT;
    (-0.5 * z * z).exp()
}

/// Estimate tempo and beats from the onset envelope at `fps` frames/s.
pub fn estimate(onset_full: &[f32], fps: f64, min_bpm: f64, max_bpm: f64) -> TempoResult {
    let mut res = TempoResult::default();
    // Frames of zero flux at either end (digital silence, and the padding
    // that flushes the analysis filters) carry no tempo information but
    // move the autocorrelation's normalisation and the beat tracker's end
    // conditions: the same music with more or less silence around it must
    // get the same tempo, so they are cut off (beat times keep the offset).
    let first = onset_full.iter().position(|&v| v > 0.0).unwrap_or(0);
    let last = onset_full
        .iter()
        .rposition(|&v| v > 0.0)
        .map_or(first, |i| i + 1);
    let onset = &onset_full[first..last];
    let n = onset.len();
    // onsets per second of the whole file
    let dur = onset_full.len() as f64 / fps;
    if n < (fps * 2.0) as usize {
        return res;
    }
    // 1. detrend + rectify
    let half = (0.25 * fps) as usize;
    let mean = running_mean(onset, half);
    let mut env: Vec<f32> = onset
        .iter()
        .zip(mean.iter())
        .map(|(&o, &m)| (o - m).max(0.0))
        .collect();
    let sd = {
        let m = env.iter().map(|&v| f64::from(v)).sum::<f64>() / n as f64;
        (env.iter().map(|&v| (f64::from(v) - m).powi(2)).sum::<f64>() / n as f64).sqrt()
    };
    // no pulse: a flux this small is numerical noise (steady tones, silence)
    res.debug.push(format!("flux_sd {sd:.6}"));
    if sd < MIN_FLUX_SD {
        return res;
    }
    for v in env.iter_mut() {
        *v = (f64::from(*v) / sd) as f32;
    }
    // onset rate: peaks above an adaptive threshold
    {
        let thr_mean = running_mean(&env, (fps * 1.0) as usize);
        let mut count = 0usize;
        let mut last = 0usize;
        let gap = (0.05 * fps) as usize;
        for i in 1..n - 1 {
            let v = env[i];
            if v > env[i - 1]
                && v >= env[i + 1]
                && v > 1.0
                && v > 1.5 * thr_mean[i]
                && (count == 0 || i - last > gap)
            {
                count += 1;
                last = i;
            }
        }
        res.onset_rate = count as f64 / dur;
    }
    // 2. autocorrelation
    let max_lag = ((60.0 / 20.0) * fps) as usize + 2; // down to 20 BPM (bar multiples)
    let max_lag = max_lag.min(n - 1);
    let acf = autocorr(&env, max_lag);
    let lag_of = |bpm: f64| 60.0 * fps / bpm;
    // strongest pulse between 40 and 300 BPM (weighted by the prior)
    let (l_lo, l_hi) = (
        lag_of(320.0).floor() as usize,
        (lag_of(35.0).ceil() as usize).min(max_lag - 1),
    );
    let mut peaks: Vec<(f64, f64)> = Vec::new();
    for l in l_lo.max(2)..l_hi {
        if acf[l] > acf[l - 1] && acf[l] >= acf[l + 1] && acf[l] > 0.0 {
            let (x, v) = refine_peak(&acf, l as f64, 1.0);
            peaks.push((x, v));
        }
    }
    if peaks.is_empty() {
        return res;
    }
    // 3. candidates in range
    let mut cand_periods: Vec<f64> = Vec::new();
    let in_range = |p: f64| {
        let b = 60.0 * fps / p;
        b >= min_bpm && b <= max_bpm
    };
    let mut sorted = peaks.clone();
    sorted.sort_by(|a, b| b.1.total_cmp(&a.1));
    for &(p, _) in sorted.iter().take(6) {
        for m in [1.0, 2.0, 0.5, 3.0, 1.0 / 3.0, 1.5, 2.0 / 3.0, 4.0, 0.25] {
            let q = p * m;
            if in_range(q) && q + 2.0 < max_lag as f64 {
                let (r, _) = refine_peak(&acf, q, (q * 0.03).max(1.0));
                if in_range(r) && !cand_periods.iter().any(|&c| (c / r - 1.0).abs() < 0.03) {
                    cand_periods.push(r);
                }
            }
        }
    }
    if cand_periods.is_empty() {
        return res;
    }
    // keep only metrical relatives of the strongest in-range pulse: dense
    // textures (continuous 16ths) put autocorrelation peaks at every multiple
    // of the tatum (5, 7 sixteenths...), which are never the beat
    let strongest = cand_periods
        .iter()
        .copied()
        .max_by(|a, b| interp(&acf, *a).total_cmp(&interp(&acf, *b)))
        .unwrap_or(cand_periods[0]);
    cand_periods.retain(|&p| {
        METRICAL_RATIOS
            .iter()
            .any(|&r| (p / (strongest * r) - 1.0).abs() < 0.03)
    });
    // 4. score candidates with the beat tracker
    let mut cands: Vec<Cand> = Vec::new();
    let r = ((0.025 * fps).round() as usize).max(1);
    for &p in &cand_periods {
        let beats = track_beats(&env, p, 100.0);
        if beats.len() < 4 {
            continue;
        }
        // read the onset strength on a locally straight grid through the
        // tracker's beats: the dynamic programme bends each beat towards
        // the nearest onset, which flatters a wrong period (a dotted-quarter
        // "beat" in running eighths finds an eighth at every step and
        // looks as strong as the real beat)
        let beats = smooth_beats(&beats, SMOOTH_BEATS);
        let (mut on, mut mid, mut third) = (0f64, 0f64, 0f64);
        let mut cnt = 0usize;
        for w in beats.windows(2) {
            let (a, b) = (w[0], w[1]);
            on += peak_near(&env, a, r);
            mid += peak_near(&env, 0.5 * (a + b), r);
            third += 0.5
                * (peak_near(&env, a + (b - a) / 3.0, r)
                    + peak_near(&env, a + 2.0 * (b - a) / 3.0, r));
            cnt += 1;
        }
        let c = cnt.max(1) as f64;
        let acf_v = interp(&acf, p);
        let bpm = 60.0 * fps / p;
        cands.push(Cand {
            period: p,
            bpm,
            acf: acf_v,
            on: on / c,
            mid: mid / c,
            third: third / c,
            score: 0.0,
        });
    }
    if cands.is_empty() {
        return res;
    }
    for c in cands.iter_mut() {
        let sub = c.mid.max(c.third);
        let contrast = (c.on - sub).max(0.0) / c.on.max(1e-9);
        c.score = c.on * (0.25 + contrast) * c.acf.max(0.0).sqrt() * prior(c.bpm);
    }
    for c in &cands {
        let a = |m: f64| interp(&acf, c.period * m).max(0.0);
        res.debug.push(format!(
            "CAND {:.3} {:.4} {:.4} {:.4} {:.4} {:.4} {:.4} {:.4} {:.4} {:.4} {:.4}",
            c.bpm,
            c.acf,
            a(2.0),
            a(3.0),
            a(4.0),
            a(0.5),
            a(1.0 / 3.0),
            c.on,
            c.mid,
            c.third,
            res.onset_rate
        ));
    }
    cands.sort_by(|a, b| b.score.total_cmp(&a.score));
    let best = cands[0];
    if best.acf < MIN_PULSE_ACF || res.onset_rate * dur < MIN_ONSETS {
        return res;
    }
    // 5. refine the period with the first multiples of the autocorrelation
    let mut est = Vec::new();
    for k in 1..=4 {
        let q = best.period * k as f64;
        if q + 2.0 < max_lag as f64 {
            let (x, v) = refine_peak(&acf, q, (0.02 * q).max(1.0));
            if v > 0.0 {
                est.push((x / k as f64, v * k as f64));
            }
        }
    }
    let period = if est.is_empty() {
        best.period
    } else {
        let wsum: f64 = est.iter().map(|e| e.1).sum();
        est.iter().map(|e| e.0 * e.1).sum::<f64>() / wsum
    };
    let bpm = 60.0 * fps / period;
    let beats = track_beats(&env, period, 100.0);
    // trim weak beats at the ends
    let strengths: Vec<f64> = beats
        .iter()
        .map(|&b| peak_near(&env, b as f64, r))
        .collect();
    let rms = (strengths.iter().map(|s| s * s).sum::<f64>() / strengths.len().max(1) as f64).sqrt();
    let keep: Vec<usize> = {
        let first = strengths.iter().position(|&s| s > 0.5 * rms).unwrap_or(0);
        let last = strengths
            .iter()
            .rposition(|&s| s > 0.5 * rms)
            .unwrap_or(beats.len().saturating_sub(1));
        beats[first..=last.max(first).min(beats.len().saturating_sub(1))].to_vec()
    };
    // frame -> time: where in onset frame i a new onset gives its peak flux
    let offset_s = crate::features::onset_frame_offset_s();
    res.beats = keep
        .iter()
        .map(|&b| ((b + first) as f64 / fps + offset_s).max(0.0))
        .collect();
    // 6. varies: local periods in 12 s windows near the global period
    res.varies = local_tempo_varies(&env, period, fps);
    // confidence: margin over the runner-up with a different tempo, times clarity
    let runner = cands
        .iter()
        .skip(1)
        .find(|c| (c.bpm / best.bpm - 1.0).abs() > 0.04)
        .map(|c| c.score)
        .unwrap_or(0.0);
    let margin = if best.score > 0.0 {
        1.0 - runner / best.score
    } else {
        0.0
    };
    let clarity = best.acf.clamp(0.0, 1.0);
    res.confidence = (0.5 * margin + 0.5 * clarity.sqrt()).clamp(0.0, 1.0);
    res.bpm = Some(bpm);
    res
}

fn local_tempo_varies(env: &[f32], period: f64, fps: f64) -> bool {
    let win = (12.0 * fps) as usize;
    let hop = (6.0 * fps) as usize;
    if env.len() < 2 * win || period * 3.0 > win as f64 {
        return false;
    }
    let max_lag = (period * 1.3).ceil() as usize + 2;
    let mut locals = Vec::new();
    let mut s = 0;
    while s + win <= env.len() {
        let seg = &env[s..s + win];
        let a = autocorr(seg, max_lag);
        let (x, v) = refine_peak(&a, period, period * 0.2);
        if v > 0.1 {
            locals.push(x);
        }
        s += hop;
    }
    if locals.len() < 3 {
        return false;
    }
    locals.sort_by(f64::total_cmp);
    let q = |f: f64| locals[((locals.len() - 1) as f64 * f).round() as usize];
    let (p10, p50, p90) = (q(0.1), q(0.5), q(0.9));
    (p90 - p10) / p50 > 0.06
}

#[cfg(test)]
mod tests {
    use super::argmax_sum;

    /// The first maximum of `a[i] + b[i]` by the plain compare-and-branch
    /// scan the beat tracker used before.
    fn naive(a: &[f64], b: &[f64]) -> Option<(f64, usize)> {
        let mut best = None;
        for (i, (x, y)) in a.iter().zip(b).enumerate() {
            let v = x + y;
            if best.is_none_or(|(m, _)| v > m) {
                best = Some((v, i));
            }
        }
        best
    }

    #[test]
    fn argmax_sum_is_the_first_maximum() {
        let mut s = 7u64;
        let mut r = || {
            s = s
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            ((s >> 40) % 8) as f64 // few values: many ties
        };
        for n in 0..70 {
            let a: Vec<f64> = (0..n).map(|_| r()).collect();
            let b: Vec<f64> = (0..n).map(|_| -r()).collect();
            assert_eq!(argmax_sum(&a, &b), naive(&a, &b), "{n}");
        }
        let inf = [f64::NEG_INFINITY; 9];
        assert_eq!(argmax_sum(&inf, &[0.0; 9]), Some((f64::NEG_INFINITY, 0)));
        assert_eq!(argmax_sum(&[], &[1.0]), None);
    }
}

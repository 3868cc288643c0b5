//! EBU R128 integrated loudness and loudness range, fused into the front end.
//!
//! Exists because the `ebur128` crate's meter was the largest cost after the
//! decoder (26.5 % of the whole analysis on the dev split, 0.67x the decode
//! even on every 2nd frame): its K-filter is a scalar f64 4th-order IIR per
//! channel behind generic sample access, and it re-sums every filtered sample
//! 7 times (400 ms blocks every 100 ms, 3 s short-term windows every second).
//! Here the same measurement (ITU-R BS.1770-4, EBU Tech 3341/3342, with the
//! filter coefficients derived exactly as `ebur128` / libebur128 derive them
//! for the actual sample rate) runs at the full rate in one pass:
//! * K-weighting = high-shelf biquad then the RLB high-pass biquad (direct
//!   form I, f64), both channels of a pair in the two lanes of a vector, the
//!   high-pass running one sample behind the shelf so each lane's recursion
//!   is a single multiply and subtraction per sample (f32 was no faster here,
//!   and its quantised RLB poles moved a 20 Hz sine at 96 kHz by 0.03 LU);
//!   it runs on each decoded packet inside the front end's one pass,
//!   reading the two channels' planes (the downmix, sum of squares and
//!   peak stay separate 8-lane loops over the same packet, still in cache:
//!   folded into this loop as scalar work they cost more than the filter
//!   itself, measured). Splitting the stream into two chains filtered side
//!   by side, with the numerators moved into vectorised passes, made the
//!   recursion 3x faster but the whole meter slower: the passes' block
//!   buffers (MBs of f64) fall out of cache (measured, not kept);
//! * each filtered sample is squared once into a 100 ms sum; 400 ms gating
//!   blocks (75 % overlap) and 3 s short-term windows (every second, the
//!   first at 3 s, as libebur128) are sums of those;
//! * gating as `ebur128`'s exact (queue) mode: absolute gate at -70 LUFS,
//!   relative gate -10 LU (integrated) and -20 LU (range), range = 95th minus
//!   10th percentile of the gated short-term loudness.
//!
//! `ebur128` stays the reference: the tests compare both meters on synthetic
//! signals (noise, sines 20 Hz-18 kHz, crescendo, gated silences; 1, 2 and 6
//! channels; 8 to 96 kHz).

/// Energy of the absolute gate (-70 LUFS), the value `ebur128` uses.
const ABS_GATE_ENERGY: f64 = 0.000_000_117_246_530_458_229_81;
/// 100 ms segments per short-term window (3 s).
const ST_SEGS: usize = 30;
/// Stage 2 lags stage 1 by this many samples.
const LAG: usize = 1;
/// Alternating +-amplitude added to the input: keeps the filter states far
/// from subnormal numbers in digital silence (their arithmetic is ~100x
/// slower) while adding ~1e-36 to a sample's energy (the gate is at 1e-7).
const DITHER: L = 1e-18;

/// The two biquads of the K-weighting for `rate`, as in `ebur128`
/// (`filter::filter_coefficients`, which multiplies them into one 4th-order
/// section): (b, a) of the high shelf, then of the RLB high-pass; a[0] = 1.
#[allow(non_snake_case)]
fn k_biquads(rate: f64) -> ([[f64; 3]; 2], [[f64; 3]; 2]) {
    let f0 = 1681.974450955533;
    let G = 3.999843853973347;
    let Q = 0.7071752369554196;
    let K = (std::f64::consts::PI * f0 / rate).tan();
    let Vh = 10f64.powf(G / 20.0);
    let Vb = Vh.powf(0.4996667741545416);
    let a0 = 1.0 + K / Q + K * K;
    let shelf_b = [
        (Vh + Vb * K / Q + K * K) / a0,
        2.0 * (K * K - Vh) / a0,
        (Vh - Vb * K / Q + K * K) / a0,
    ];
    let shelf_a = [1.0, 2.0 * (K * K - 1.0) / a0, (1.0 - K / Q + K * K) / a0];
    let f0 = 38.13547087602444;
    let Q = 0.5003270373238773;
    let K = (std::f64::consts::PI * f0 / rate).tan();
    let a0 = 1.0 + K / Q + K * K;
    let hp_b = [1.0, -2.0, 1.0];
    let hp_a = [1.0, 2.0 * (K * K - 1.0) / a0, (1.0 - K / Q + K * K) / a0];
    ([shelf_b, hp_b], [shelf_a, hp_a])
}

/// The filter's arithmetic.
type L = f64;

/// Coefficients: the shelf (stage 1) and the RLB high-pass denominator
/// (stage 2; its numerator is 1, -2, 1).
#[derive(Clone, Copy)]
struct Coefs {
    b0: L,
    b1: L,
    b2: L,
    a1: L,
    a2: L,
    c1: L,
    c2: L,
}

impl Coefs {
    fn new(rate: u32) -> Self {
        let (b, a) = k_biquads(f64::from(rate));
        Coefs {
            b0: b[0][0],
            b1: b[0][1],
            b2: b[0][2],
            a1: a[0][1],
            a2: a[0][2],
            c1: a[1][1],
            c2: a[1][2],
        }
    }
}

/// Filter state of one channel pair (lanes: channel a, b); direct form I.
/// Stage 2 runs one sample behind stage 1 and reads its input from stage
/// 1's output history.
#[derive(Clone, Copy, Default)]
struct PairState {
    /// Stage-1 input history.
    x1: [L; 2],
    x2: [L; 2],
    /// Stage-1 outputs, newest first.
    y1: [L; 2],
    y2: [L; 2],
    y3: [L; 2],
    /// Stage-2 outputs.
    z1: [L; 2],
    z2: [L; 2],
    dither: L,
}

/// Filters the frames `it` yields (channel a, channel b) and returns the
/// sums of the squared K-weighted outputs. Each lane's recursion is one
/// multiply and one subtraction per step; everything else is off that
/// chain.
#[inline(always)]
fn run<I: Iterator<Item = [f32; 2]>>(c: &Coefs, st: &mut PairState, it: I) -> [L; 2] {
    let mut s = *st;
    let mut k: [L; 2] = [0.0; 2];
    for [xa, xb] in it {
        s.dither = -s.dither;
        let v = [L::from(xa) + s.dither, L::from(xb) + s.dither];
        let mut y: [L; 2] = [0.0; 2];
        let mut z: [L; 2] = [0.0; 2];
        for i in 0..2 {
            y[i] =
                (c.b0 * v[i] + c.b1 * s.x1[i] + c.b2 * s.x2[i] - c.a2 * s.y2[i]) - c.a1 * s.y1[i];
            z[i] = ((s.y1[i] + s.y3[i]) - (s.y2[i] + s.y2[i]) - c.c2 * s.z2[i]) - c.c1 * s.z1[i];
            k[i] += z[i] * z[i];
        }
        s.x2 = s.x1;
        s.x1 = v;
        s.y3 = s.y2;
        s.y2 = s.y1;
        s.y1 = y;
        s.z2 = s.z1;
        s.z1 = z;
    }
    *st = s;
    k
}

#[inline(never)] // its own function so the loop is compiled for this shape
fn run_pair(c: &Coefs, st: &mut PairState, a: &[f32], b: &[f32]) -> [L; 2] {
    run(c, st, a.iter().zip(b).map(|(&x, &y)| [x, y]))
}

#[inline(never)]
fn run_single(c: &Coefs, st: &mut PairState, a: &[f32]) -> [L; 2] {
    // lane b filters silence
    run(c, st, a.iter().map(|&v| [v, 0.0]))
}

/// One channel pair (b absent for an odd last channel) and their BS.1770
/// weights.
#[derive(Clone, Copy)]
struct Pair {
    a: usize,
    b: Option<usize>,
    wa: f64,
    wb: f64,
}

/// BS.1770 channel weights for `channels` interleaved channels, in
/// `ebur128`'s default channel map: 4 = L R Ls Rs, 5 = L R C Ls Rs, else
/// L R C LFE Ls Rs and the rest unused. LFE and unused channels weigh 0,
/// surrounds 1.41.
fn channel_weights(channels: usize) -> Vec<f64> {
    match channels {
        4 => vec![1.0, 1.0, 1.41, 1.41],
        5 => vec![1.0, 1.0, 1.0, 1.41, 1.41],
        _ => {
            let map = [1.0, 1.0, 1.0, 0.0, 1.41, 1.41];
            (0..channels)
                .map(|c| map.get(c).copied().unwrap_or(0.0))
                .collect()
        }
    }
}

/// The streaming meter (integrated loudness and loudness range).
pub struct LoudnessMeter {
    coefs: Coefs,
    ch: usize,
    pairs: Vec<Pair>,
    states: Vec<PairState>,
    pos: Position,
    seg_len: usize,
    /// Energies (weighted sums of squares) of the last [`ST_SEGS`]
    /// segments, a ring indexed by segment number.
    ring: [f64; ST_SEGS],
    /// 400 ms block energies above the absolute gate.
    blocks: Vec<f64>,
    /// 3 s short-term energies above the absolute gate.
    short: Vec<f64>,
    flushed: bool,
}

/// Where the segment accounting stands.
#[derive(Clone, Copy, Default)]
struct Position {
    seg_left: usize,
    seg_acc: f64,
    segs: u64,
}

impl LoudnessMeter {
    /// A meter; `None` for a format `ebur128` would refuse (no channels,
    /// more than 64, rate outside 16 Hz-2.8224 MHz).
    pub fn new(channels: usize, rate: u32) -> Option<Self> {
        if channels == 0 || channels > 64 || !(16..=2_822_400).contains(&rate) {
            return None;
        }
        let w = channel_weights(channels);
        let used: Vec<usize> = (0..channels).filter(|&c| w[c] > 0.0).collect();
        let pairs: Vec<Pair> = used
            .chunks(2)
            .map(|p| Pair {
                a: p[0],
                b: p.get(1).copied(),
                wa: w[p[0]],
                wb: p.get(1).map_or(0.0, |&b| w[b]),
            })
            .collect();
        let state = PairState {
            dither: DITHER,
            ..PairState::default()
        };
        let seg_len = (rate as usize + 5) / 10;
        let pos = Position {
            seg_left: seg_len + LAG,
            ..Position::default()
        };
        Some(LoudnessMeter {
            coefs: Coefs::new(rate),
            ch: channels,
            states: vec![state; pairs.len()],
            pairs,
            pos,
            seg_len,
            ring: [0.0; ST_SEGS],
            blocks: Vec::new(),
            short: Vec::new(),
            flushed: false,
        })
    }

    /// Feeds `frames` frames of each channel's plane (finite samples: the
    /// front end sanitises broken input first).
    pub fn push(&mut self, planes: &[Vec<f32>], frames: usize) {
        if planes.len() != self.ch {
            return;
        }
        let mut done = 0;
        while done < frames {
            let take = self.pos.seg_left.min(frames - done);
            let r = done..done + take;
            let mut e = 0f64;
            for (p, st) in self.pairs.iter().zip(self.states.iter_mut()) {
                let a = &planes[p.a][r.clone()];
                let k = match p.b {
                    Some(b) => run_pair(&self.coefs, st, a, &planes[b][r.clone()]),
                    None => run_single(&self.coefs, st, a),
                };
                e += p.wa * k[0] + p.wb * k[1];
            }
            self.pos.seg_acc += e;
            self.pos.seg_left -= take;
            done += take;
            if self.pos.seg_left == 0 {
                self.close_segment();
            }
        }
    }

    /// Feeds interleaved frames (the tests; the front end is planar).
    #[cfg(test)]
    pub fn push_interleaved(&mut self, x: &[f32]) {
        let ch = self.ch;
        let frames = x.len() / ch;
        let planes: Vec<Vec<f32>> = (0..ch)
            .map(|c| x.chunks_exact(ch).map(|f| f[c]).collect())
            .collect();
        self.push(&planes, frames);
    }

    fn close_segment(&mut self) {
        let seg = self.pos.segs as usize;
        self.ring[seg % ST_SEGS] = self.pos.seg_acc;
        self.pos.segs += 1;
        self.pos.seg_acc = 0.0;
        self.pos.seg_left = self.seg_len;
        let n = self.pos.segs as usize;
        let sum_last = |k: usize| -> f64 { (n - k..n).map(|i| self.ring[i % ST_SEGS]).sum() };
        if n >= 4 {
            let e = sum_last(4) / (4 * self.seg_len) as f64;
            if e >= ABS_GATE_ENERGY {
                self.blocks.push(e);
            }
        }
        // libebur128: the first short-term window at 3 s, then every second
        if n >= ST_SEGS && (n - ST_SEGS).is_multiple_of(10) {
            let e = sum_last(ST_SEGS) / (ST_SEGS * self.seg_len) as f64;
            if e >= ABS_GATE_ENERGY {
                self.short.push(e);
            }
        }
    }

    /// Runs the last [`LAG`] samples through the second stage (call once at
    /// the end of the stream, before reading the results).
    pub fn finish(&mut self) {
        if !self.flushed {
            self.flushed = true;
            let zeros = vec![vec![0f32; LAG]; self.ch];
            self.push(&zeros, LAG);
        }
    }

    /// Integrated loudness (LUFS); `None` when no block passes the absolute
    /// gate.
    pub fn integrated(&self) -> Option<f64> {
        if self.blocks.is_empty() {
            return None;
        }
        let mean = self.blocks.iter().sum::<f64>() / self.blocks.len() as f64;
        let thr = mean * 0.1;
        let (n, sum) = self
            .blocks
            .iter()
            .filter(|&&e| e >= thr)
            .fold((0u64, 0f64), |(n, s), &e| (n + 1, s + e));
        if n == 0 {
            return None;
        }
        let l = energy_to_loudness(sum / n as f64);
        l.is_finite().then_some(l)
    }

    /// Loudness range (LU), EBU Tech 3342; 0 when fewer than one short-term
    /// window passes the gates.
    pub fn range(&self) -> f64 {
        let mut q = self.short.clone();
        if q.is_empty() {
            return 0.0;
        }
        q.sort_by(f64::total_cmp);
        let power = q.iter().sum::<f64>() / q.len() as f64;
        let thr = 0.01 * power;
        let gated = q.iter().take_while(|&&v| v < thr).count();
        let Some(last) = (q.len() - gated).checked_sub(1) else {
            return 0.0;
        };
        let at = |p: f64| q.get(gated + (last as f64 * p + 0.5) as usize).copied();
        match (at(0.95), at(0.1)) {
            (Some(h), Some(l)) => energy_to_loudness(h) - energy_to_loudness(l),
            _ => 0.0,
        }
    }
}

fn energy_to_loudness(e: f64) -> f64 {
    10.0 * e.log10() - 0.691
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::lcg;
    use ebur128::{EbuR128, Mode};

    /// (integrated, range) by ours, fed in uneven blocks, and by ebur128.
    fn both(x: &[f32], ch: usize, rate: u32) -> ((Option<f64>, f64), (Option<f64>, f64)) {
        let mut m = LoudnessMeter::new(ch, rate).expect("meter");
        let mut i = 0;
        let mut k = 0;
        while i < x.len() / ch {
            let n = [1152, 4096, 7, 333, 1][k % 5].min(x.len() / ch - i);
            m.push_interleaved(&x[i * ch..(i + n) * ch]);
            i += n;
            k += 1;
        }
        m.finish();
        let mut e = EbuR128::new(ch as u32, rate, Mode::I | Mode::LRA).expect("ebur128");
        e.add_frames_f32(x).expect("add");
        let ei = e.loudness_global().expect("I");
        let el = e.loudness_range().expect("LRA");
        (
            (m.integrated(), m.range()),
            (ei.is_finite().then_some(ei), el),
        )
    }

    /// LU; measured: 3e-7 (I) and 3e-9 (LRA) at most over these cases.
    const TOL: f64 = 1e-3;

    fn check(name: &str, x: &[f32], ch: usize, rate: u32) {
        let ((i, l), (ei, el)) = both(x, ch, rate);
        match (i, ei) {
            (Some(a), Some(b)) => assert!(
                (a - b).abs() <= TOL,
                "{name} {ch}ch {rate} Hz: I {a:.4} vs ebur128 {b:.4}"
            ),
            (a, b) => assert_eq!(a.is_some(), b.is_some(), "{name}: I {a:?} vs {b:?}"),
        }
        assert!(
            (l - el).abs() <= TOL,
            "{name} {ch}ch {rate} Hz: LRA {l:.4} vs ebur128 {el:.4}"
        );
    }

    /// Interleaves `ch` channels made by `f(channel, frame)`.
    fn make(ch: usize, frames: usize, mut f: impl FnMut(usize, usize) -> f32) -> Vec<f32> {
        let mut x = Vec::with_capacity(ch * frames);
        for n in 0..frames {
            for c in 0..ch {
                x.push(f(c, n));
            }
        }
        x
    }

    #[test]
    fn matches_ebur128_on_noise_sines_crescendo_and_gated_silence() {
        for &rate in &[8_000u32, 44_100, 48_000, 96_000] {
            let r = rate as f32;
            let secs = 12.0;
            let frames = (secs * r) as usize;
            for &ch in &[1usize, 2, 6] {
                let mut g = lcg(ch as u64 * 7 + u64::from(rate));
                check(
                    "noise",
                    &make(ch, frames, |c, _| 0.3 * g() * (1.0 + c as f32 * 0.1)),
                    ch,
                    rate,
                );
                // crescendo: -60 dB to 0 dB, exercising both gates and the range
                let mut g = lcg(3);
                check(
                    "crescendo",
                    &make(ch, frames, |_, n| {
                        let t = n as f32 / frames as f32;
                        0.5 * g() * 10f32.powf(3.0 * (t - 1.0))
                    }),
                    ch,
                    rate,
                );
                // loud passages separated by digital silence and by a -50 dB
                // passage (below the relative gate)
                let mut g = lcg(5);
                check(
                    "gaps",
                    &make(ch, frames, |_, n| {
                        let t = n as f32 / r;
                        let v = g();
                        match (t as usize) % 4 {
                            0 | 1 => 0.4 * v,
                            2 => 0.0,
                            _ => 0.001 * v,
                        }
                    }),
                    ch,
                    rate,
                );
            }
            // sines 20 Hz-18 kHz (below Nyquist), stereo and mono
            for &f in &[
                20.0f32, 40.0, 100.0, 1000.0, 3000.0, 8000.0, 12000.0, 18000.0,
            ] {
                if f >= 0.45 * r {
                    continue;
                }
                for &ch in &[1usize, 2] {
                    let w = 2.0 * std::f64::consts::PI * f64::from(f) / f64::from(rate);
                    let x = make(ch, (5.0 * r) as usize, |c, n| {
                        (0.5 * (w * n as f64 + c as f64).sin()) as f32
                    });
                    check(&format!("sine {f} Hz"), &x, ch, rate);
                }
            }
        }
    }

    #[test]
    fn silence_and_short_input_have_no_loudness() {
        let mut m = LoudnessMeter::new(2, 44_100).expect("meter");
        m.push_interleaved(&vec![0.0; 2 * 44_100 * 5]);
        m.finish();
        assert_eq!(m.integrated(), None);
        assert_eq!(m.range(), 0.0);
        let mut m = LoudnessMeter::new(1, 48_000).expect("meter");
        m.push_interleaved(&[0.5; 1000]);
        m.finish();
        assert_eq!(m.integrated(), None);
        // rates where the K-filter design is unstable or odd: a finite value
        // or None, never NaN
        for rate in [16u32, 1_000, 3_000, 2_822_400] {
            let mut m = LoudnessMeter::new(2, rate).expect("meter");
            let mut g = lcg(u64::from(rate));
            let x: Vec<f32> = (0..2 * (rate as usize * 5).max(100)).map(|_| g()).collect();
            m.push_interleaved(&x);
            m.finish();
            assert!(m.integrated().is_none_or(f64::is_finite), "{rate}");
            assert!(!m.range().is_nan(), "{rate}");
        }
        assert!(LoudnessMeter::new(0, 44_100).is_none());
        assert!(LoudnessMeter::new(2, 8).is_none());
    }
}

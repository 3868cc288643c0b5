//! DSP building blocks: oscillators, envelopes, filters, drum voices, reverb.
//!
//! Every voice renders one note/hit straight into the mix bus over the sample
//! range it covers (event-based rendering): there is no per-sample scheduler
//! and no allocation inside the sample loops. All arithmetic is `f32`, all
//! noise comes from a seeded xorshift generator, so output is reproducible.

use std::f32::consts::{PI, TAU};

/// Stereo mix bus plus a mono reverb send.
pub(crate) struct Bus {
    pub l: Vec<f32>,
    pub r: Vec<f32>,
    pub send: Vec<f32>,
    pub sr: f32,
}

impl Bus {
    pub fn new(len: usize, sr: f32) -> Self {
        Self {
            l: vec![0.0; len],
            r: vec![0.0; len],
            send: vec![0.0; len],
            sr,
        }
    }
    pub fn len(&self) -> usize {
        self.l.len()
    }
}

/// Constant-power pan law; `pan` in -1 (left) .. 1 (right).
#[inline]
pub(crate) fn pan_gains(pan: f32) -> (f32, f32) {
    let t = (pan.clamp(-1.0, 1.0) + 1.0) * 0.25 * PI;
    (t.cos(), t.sin())
}

/// Fast sine of `phase` in cycles (any real). Max error ~0.1 %.
#[inline(always)]
pub(crate) fn sin_cycles(phase: f32) -> f32 {
    // Reduce to [-0.5, 0.5).
    let x = phase - fast_floor(phase + 0.5);
    // Parabolic approximation with one refinement step.
    let y = 8.0 * x - 16.0 * x * x.abs();
    0.225 * (y * y.abs() - y) + y
}

/// `floor` without a libm call (baseline x86-64 has no SSE4.1 `roundss`).
#[inline(always)]
pub(crate) fn fast_floor(x: f32) -> f32 {
    let t = x as i32 as f32;
    if t > x { t - 1.0 } else { t }
}

/// Fast tanh-like soft clipper (rational approximation, exact ±1 limits).
#[inline(always)]
pub(crate) fn soft_clip(x: f32) -> f32 {
    if x > 3.0 {
        1.0
    } else if x < -3.0 {
        -1.0
    } else {
        let x2 = x * x;
        x * (27.0 + x2) / (27.0 + 9.0 * x2)
    }
}

#[inline(always)]
fn poly_blep(t: f32, dt: f32) -> f32 {
    if t < dt {
        let t = t / dt;
        t + t - t * t - 1.0
    } else if t > 1.0 - dt {
        let t = (t - 1.0) / dt;
        t * t + t + t + 1.0
    } else {
        0.0
    }
}

/// One-pole low-pass coefficient for cutoff `fc` at sample rate `sr`.
#[inline]
pub(crate) fn lp_coef(fc: f32, sr: f32) -> f32 {
    let fc = fc.clamp(10.0, sr * 0.45);
    1.0 - (-TAU * fc / sr).exp()
}

/// Deterministic xorshift noise (white, -1..1).
pub(crate) struct Noise(u64);

impl Noise {
    pub fn new(seed: u64) -> Self {
        Self(seed | 1)
    }
    #[inline(always)]
    pub fn next(&mut self) -> f32 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        // Top 24 bits -> [-1, 1).
        ((x >> 40) as f32) * (2.0 / 16_777_216.0) - 1.0
    }
}

/// Oscillator shapes.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Wave {
    Sine,
    Triangle,
    Saw,
    Square,
    /// Two-operator FM: modulator at `ratio`×f, index decaying with `decay` s.
    Fm {
        ratio: f32,
        index: f32,
        decay: f32,
    },
    /// Two detuned squares at f and 1.48·f (the 808 cowbell).
    Cowbell,
}

/// A synth patch: oscillator(s) → 2-pole low-pass → amp ADSR → pan/send.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Patch {
    pub wave: Wave,
    /// Unison voices (1..=3), detuned by `detune` cents and spread in stereo.
    pub voices: u8,
    pub detune: f32,
    pub spread: f32,
    pub attack: f32,
    pub decay: f32,
    pub sustain: f32,
    pub release: f32,
    /// Base low-pass cutoff in Hz (scaled by brightness).
    pub cutoff: f32,
    /// Extra cutoff (Hz) following a decaying filter envelope.
    pub env_cutoff: f32,
    pub filter_decay: f32,
    /// Soft-clip drive (0 = clean).
    pub drive: f32,
    pub level: f32,
    /// Vibrato depth in cents (5.5 Hz, delayed).
    pub vibrato: f32,
}

impl Patch {
    pub const fn new(wave: Wave) -> Self {
        Self {
            wave,
            voices: 1,
            detune: 0.0,
            spread: 0.0,
            attack: 0.005,
            decay: 0.3,
            sustain: 0.7,
            release: 0.2,
            cutoff: 4000.0,
            env_cutoff: 0.0,
            filter_decay: 0.2,
            drive: 0.0,
            level: 1.0,
            vibrato: 0.0,
        }
    }
}

/// Parameters of one note.
pub(crate) struct Note {
    pub start: usize,
    /// Gate length in samples (release follows).
    pub len: usize,
    pub freq: f32,
    pub vel: f32,
    pub pan: f32,
    pub send: f32,
    pub bright: f32,
}

/// Samples per processing block: envelopes and filter coefficients are
/// computed once per block and shared by the unison voices, and the voices
/// accumulate into stack buffers that are added to the bus in one pass.
const BLK: usize = 128;

#[derive(Clone, Copy, Default)]
struct VoiceState {
    phase: f32,
    phase2: f32,
    y1: f32,
    y2: f32,
    dt: f32,
    gl: f32,
    gr: f32,
}

/// Render one note of `patch` into the bus.
pub(crate) fn render_note(bus: &mut Bus, p: &Patch, n: &Note) {
    let sr = bus.sr;
    let total_len = bus.len();
    if n.start >= total_len || n.vel <= 0.0 {
        return;
    }
    let rel_samples = (p.release * sr) as usize;
    let end = (n.start + n.len + rel_samples).min(total_len);
    let voices = usize::from(p.voices.clamp(1, 3));
    let norm = p.level * n.vel / (voices as f32).sqrt();
    let att = (p.attack * sr).max(1.0);
    let dec_coef = (-1.0 / (p.decay.max(0.001) * sr)).exp();
    let rel_coef = (-6.9 / (p.release.max(0.005) * sr)).exp();
    let fenv_blk = (-(BLK as f32) / (p.filter_decay.max(0.001) * sr)).exp();
    let base_cut = (p.cutoff * n.bright).max(n.freq * 1.5);
    let drive_norm = if p.drive > 0.0 {
        1.0 / soft_clip(1.0 + p.drive)
    } else {
        1.0
    };
    let (mod_ratio, mod_index, mod_coef) = match p.wave {
        Wave::Fm {
            ratio,
            index,
            decay,
        } => (ratio, index, (-1.0 / (decay.max(0.001) * sr)).exp()),
        Wave::Cowbell => (1.48, 0.0, 1.0),
        _ => (1.0, 0.0, 1.0),
    };
    let mut vs = [VoiceState::default(); 3];
    for (v, st) in vs.iter_mut().enumerate().take(voices) {
        let off = if voices == 1 {
            0.0
        } else {
            (v as f32 / (voices - 1) as f32) * 2.0 - 1.0
        };
        let f = n.freq * (2f32).powf(off * p.detune / 1200.0);
        let (gl, gr) = pan_gains(n.pan + off * p.spread);
        *st = VoiceState {
            phase: v as f32 * 0.37,
            phase2: v as f32 * 0.11,
            dt: f / sr,
            gl: gl * norm,
            gr: gr * norm,
            ..VoiceState::default()
        };
    }
    let vib_depth = p.vibrato / 1200.0 * std::f32::consts::LN_2;
    let vib_start = 0.25 * sr;
    let mut vib_phase = 0.0f32;
    let mut sus_part = 1.0f32;
    let mut rel_env = 0.0f32;
    let mut fenv = 1.0f32;
    let mut mod_env = 1.0f32;
    let mut env = [0.0f32; BLK];
    let mut modv = [0.0f32; BLK];
    let mut incm = [1.0f32; BLK];
    let mut bl = [0.0f32; BLK];
    let mut br = [0.0f32; BLK];
    let mut bs = [0.0f32; BLK];
    let mut k0 = 0usize;
    let span = end - n.start;
    while k0 < span {
        let m = BLK.min(span - k0);
        // Shared envelopes for this block.
        let mut done = false;
        for (j, e) in env.iter_mut().enumerate().take(m) {
            let k = k0 + j;
            if k < n.len {
                sus_part *= dec_coef;
                let level = p.sustain + (1.0 - p.sustain) * sus_part;
                let kf = k as f32;
                *e = if kf < att { kf / att * level } else { level };
                rel_env = *e;
            } else {
                rel_env *= rel_coef;
                *e = rel_env;
            }
        }
        if k0 >= n.len && rel_env < 1e-4 {
            done = true;
        }
        if mod_index > 0.0 {
            for mv in modv.iter_mut().take(m) {
                mod_env *= mod_coef;
                *mv = mod_index * (0.15 + 0.85 * mod_env) * 0.159_154_94;
            }
        }
        if vib_depth > 0.0 && (k0 as f32) > vib_start {
            for im in incm.iter_mut().take(m) {
                vib_phase += 5.5 / sr;
                *im = 1.0 + vib_depth * sin_cycles(vib_phase);
            }
        }
        let a = lp_coef(base_cut + p.env_cutoff * n.bright * fenv, sr);
        fenv *= fenv_blk;
        bl[..m].fill(0.0);
        br[..m].fill(0.0);
        bs[..m].fill(0.0);
        for st in vs.iter_mut().take(voices) {
            let mut vst = *st;
            for j in 0..m {
                let inc = vst.dt * incm[j];
                let s = match p.wave {
                    Wave::Sine => sin_cycles(vst.phase),
                    Wave::Triangle => 4.0 * (vst.phase - 0.5).abs() - 1.0,
                    Wave::Saw => 2.0 * vst.phase - 1.0 - poly_blep(vst.phase, inc),
                    Wave::Square => {
                        let ph = vst.phase;
                        let (sq, p2) = if ph < 0.5 {
                            (1.0, ph + 0.5)
                        } else {
                            (-1.0, ph - 0.5)
                        };
                        sq + poly_blep(ph, inc) - poly_blep(p2, inc)
                    }
                    Wave::Fm { .. } => {
                        let mo = sin_cycles(vst.phase2) * modv[j];
                        vst.phase2 += inc * mod_ratio;
                        if vst.phase2 >= 1.0 {
                            vst.phase2 -= 1.0;
                        }
                        sin_cycles(vst.phase + mo)
                    }
                    Wave::Cowbell => {
                        let s1 = if vst.phase < 0.5 { 0.5 } else { -0.5 };
                        let s2 = if vst.phase2 < 0.5 { 0.5 } else { -0.5 };
                        vst.phase2 += inc * mod_ratio;
                        if vst.phase2 >= 1.0 {
                            vst.phase2 -= 1.0;
                        }
                        s1 + s2
                    }
                };
                vst.phase += inc;
                if vst.phase >= 1.0 {
                    vst.phase -= 1.0;
                }
                vst.y1 += a * (s - vst.y1);
                vst.y2 += a * (vst.y1 - vst.y2);
                let mut out = vst.y2;
                if p.drive > 0.0 {
                    out = soft_clip(out * (1.0 + p.drive)) * drive_norm;
                }
                let out = out * env[j];
                bl[j] += out * vst.gl;
                br[j] += out * vst.gr;
                bs[j] += out;
            }
            *st = vst;
        }
        let i0 = n.start + k0;
        let gs = n.send * norm;
        for (o, x) in bus.l[i0..i0 + m].iter_mut().zip(&bl[..m]) {
            *o += x;
        }
        for (o, x) in bus.r[i0..i0 + m].iter_mut().zip(&br[..m]) {
            *o += x;
        }
        if gs > 0.0 {
            for (o, x) in bus.send[i0..i0 + m].iter_mut().zip(&bs[..m]) {
                *o += x * gs;
            }
        }
        if done {
            break;
        }
        k0 += m;
    }
}

/// Kick drum: sine with exponential pitch drop to `f_end`, click, optional drive.
///
/// A short broadband noise transient (`click`) makes the hit register across
/// the spectrum in onset detectors, so beats 1/3 are as salient as the
/// snare on 2/4 and the quarter-note level is the unambiguous beat.
pub(crate) fn kick(
    bus: &mut Bus,
    start: usize,
    vel: f32,
    f_end: f32,
    decay: f32,
    drive: f32,
    noise: &mut Noise,
) {
    let sr = bus.sr;
    let len = ((decay * 5.0 + 0.02) * sr) as usize;
    let click_len = (0.04 * sr) as usize;
    let end = (start + len).min(bus.len());
    if start >= end {
        return;
    }
    let amp_coef = (-1.0 / (decay * sr)).exp();
    let click_coef = (-1.0 / (0.005 * sr)).exp();
    // Pitch sweep that *reaches* f_end after 50 ms (cubic), so the sustained
    // body is exactly on the tuned pitch (no sharp tail smearing the chroma).
    let sweep = (0.05 * sr) as usize;
    let mut amp = 1.0f32;
    let mut click = 1.0f32;
    let mut phase = 0.0f32;
    let dn = 1.0 / soft_clip(1.0 + drive);
    for (k, i) in (start..end).enumerate() {
        let f = if k < sweep {
            let u = 1.0 - k as f32 / sweep as f32;
            f_end * (1.0 + 3.0 * u * u * u)
        } else {
            f_end
        };
        let mut s = sin_cycles(phase) * amp;
        if k < click_len {
            s += click * (0.25 * sin_cycles(phase * 3.0) + 0.45 * noise.next());
        }
        phase += f / sr;
        if phase >= 1.0 {
            phase -= 1.0;
        }
        amp *= amp_coef;
        click *= click_coef;
        if drive > 0.0 {
            s = soft_clip(s * (1.0 + drive)) * dn;
        }
        let o = s * vel;
        bus.l[i] += o;
        bus.r[i] += o;
    }
}

/// Snare: tuned body (two sines) + high-passed noise.
#[allow(clippy::too_many_arguments)]
pub(crate) fn snare(
    bus: &mut Bus,
    start: usize,
    vel: f32,
    tone_f: f32,
    noise_decay: f32,
    noise: &mut Noise,
    pan: f32,
    send: f32,
) {
    let sr = bus.sr;
    let len = ((noise_decay * 7.0) * sr) as usize;
    let end = (start + len).min(bus.len());
    let body_coef = (-1.0 / (0.06 * sr)).exp();
    let noise_coef = (-1.0 / (noise_decay * sr)).exp();
    let a = lp_coef(1800.0, sr);
    let a2 = lp_coef(9000.0, sr);
    let (gl, gr) = pan_gains(pan);
    let (mut be, mut ne) = (1.0f32, 1.0f32);
    let (mut p1, mut p2) = (0.0f32, 0.0f32);
    let (mut lp, mut lp2) = (0.0f32, 0.0f32);
    for i in start..end {
        let body = 0.55 * sin_cycles(p1) + 0.35 * sin_cycles(p2);
        p1 += tone_f / sr;
        p2 += tone_f * 1.5 / sr;
        if p1 >= 1.0 {
            p1 -= 1.0;
        }
        if p2 >= 1.0 {
            p2 -= 1.0;
        }
        let w = noise.next();
        lp += a * (w - lp);
        lp2 += a2 * ((w - lp) - lp2);
        let s = (body * be + 0.9 * lp2 * ne) * vel;
        be *= body_coef;
        ne *= noise_coef;
        bus.l[i] += s * gl;
        bus.r[i] += s * gr;
        bus.send[i] += s * send;
    }
}

/// Clap: three quick noise bursts then a tail, band-limited.
pub(crate) fn clap(bus: &mut Bus, start: usize, vel: f32, noise: &mut Noise, send: f32) {
    let sr = bus.sr;
    let len = (0.35 * sr) as usize;
    let end = (start + len).min(bus.len());
    let a_lo = lp_coef(900.0, sr);
    let a_hi = lp_coef(5000.0, sr);
    let burst = (0.011 * sr) as usize;
    let tail_coef = (-1.0 / (0.07 * sr)).exp();
    let mut tail = 1.0f32;
    let (mut lo, mut hi) = (0.0f32, 0.0f32);
    for (k, i) in (start..end).enumerate() {
        let env = if k < 3 * burst {
            let t = (k % burst) as f32 / burst as f32;
            1.0 - t * 0.7
        } else {
            tail *= tail_coef;
            tail
        };
        let w = noise.next();
        lo += a_lo * (w - lo);
        hi += a_hi * ((w - lo) - hi);
        let s = hi * env * vel * 1.4;
        let n2 = noise.next() * 0.08 * s;
        bus.l[i] += s + n2;
        bus.r[i] += s - n2;
        bus.send[i] += s * send;
    }
}

/// Hi-hat / shaker: high-passed noise with exponential decay.
pub(crate) fn hat(bus: &mut Bus, start: usize, vel: f32, decay: f32, pan: f32, noise: &mut Noise) {
    let sr = bus.sr;
    let len = ((decay * 6.0) * sr) as usize;
    let end = (start + len).min(bus.len());
    let coef = (-1.0 / (decay * sr)).exp();
    let a = lp_coef(6500.0, sr);
    let (gl, gr) = pan_gains(pan);
    let mut env = 1.0f32;
    let mut lp = 0.0f32;
    let mut prev = 0.0f32;
    for i in start..end {
        let w = noise.next();
        lp += a * (w - lp);
        let hp = w - lp;
        let s = (hp - 0.5 * prev) * env * vel;
        prev = hp;
        env *= coef;
        bus.l[i] += s * gl;
        bus.r[i] += s * gr;
    }
}

/// Crash/noise swell: long, darker noise decay with stereo decorrelation.
pub(crate) fn crash(bus: &mut Bus, start: usize, vel: f32, noise: &mut Noise) {
    let sr = bus.sr;
    let len = (2.2 * sr) as usize;
    let end = (start + len).min(bus.len());
    let coef = (-1.0 / (0.5 * sr)).exp();
    let a = lp_coef(4000.0, sr);
    let (mut ll, mut lr) = (0.0f32, 0.0f32);
    let mut env = 1.0f32;
    for i in start..end {
        let wl = noise.next();
        let wr = noise.next();
        ll += a * (wl - ll);
        lr += a * (wr - lr);
        bus.l[i] += (wl - ll) * env * vel;
        bus.r[i] += (wr - lr) * env * vel;
        env *= coef;
    }
}

/// A small Schroeder/Freeverb-style reverb (8 combs + 4 all-passes per side).
pub(crate) fn reverb(bus: &mut Bus, room: f32, damp: f32, wet: f32) {
    if wet <= 0.0 {
        return;
    }
    let scale = bus.sr / 44_100.0;
    const COMBS: [usize; 4] = [1116, 1188, 1277, 1356];
    const APS: [usize; 2] = [556, 441];
    const SPREAD: usize = 23;
    for side in 0..2 {
        let extra = side * SPREAD;
        let mut combs: Vec<(Vec<f32>, usize, f32)> = COMBS
            .iter()
            .map(|&c| (vec![0.0; ((c + extra) as f32 * scale) as usize + 1], 0, 0.0))
            .collect();
        let mut aps: Vec<(Vec<f32>, usize)> = APS
            .iter()
            .map(|&c| (vec![0.0; ((c + extra) as f32 * scale) as usize + 1], 0))
            .collect();
        let out = if side == 0 { &mut bus.l } else { &mut bus.r };
        for (o, &x_in) in out.iter_mut().zip(bus.send.iter()) {
            let x = x_in * 0.25;
            let mut acc = 0.0f32;
            for (buf, idx, store) in combs.iter_mut() {
                let y = buf[*idx];
                *store = y * (1.0 - damp) + *store * damp;
                buf[*idx] = x + *store * room;
                *idx += 1;
                if *idx >= buf.len() {
                    *idx = 0;
                }
                acc += y;
            }
            for (buf, idx) in aps.iter_mut() {
                let b = buf[*idx];
                buf[*idx] = acc + b * 0.5;
                acc = b - acc;
                *idx += 1;
                if *idx >= buf.len() {
                    *idx = 0;
                }
            }
            *o += acc * wet;
        }
    }
}

//! DSP building blocks: oscillators, envelopes, filters, drum voices, reverb.
//!
//! Every note or drum hit is rendered once into a [`Clip`] starting at
//! sample 0 and then mixed into the bus at its start, scaled by its
//! velocity. Rendering is deterministic in the note's parameters, so a note
//! that recurs (the same chord tone every few bars, the same bass note every
//! beat) is synthesised once and mixed many times ([`Instrument`]), and each
//! drum sound is a handful of one-shots per track (round-robin variants),
//! like a drum machine. Mixing is a scaled slice add, which vectorises; the
//! synthesis loops have no allocation. All arithmetic is `f32`, all noise
//! comes from a seeded xorshift generator, so output is reproducible.

use std::collections::BTreeMap;
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

    /// Add `clip × gain` at `start` (clipped to the bus); the clip's send
    /// signal goes to the reverb send scaled by `gain × send_gain`.
    pub fn mix(&mut self, clip: &Clip, start: usize, gain: f32, send_gain: f32) {
        if start >= self.len() {
            return;
        }
        let m = clip.l.len().min(self.len() - start);
        add_scaled(&mut self.l[start..start + m], &clip.l[..m], gain);
        add_scaled(&mut self.r[start..start + m], &clip.r[..m], gain);
        let gs = gain * send_gain;
        if gs != 0.0 {
            let ms = m.min(clip.send.len());
            add_scaled(&mut self.send[start..start + ms], &clip.send[..ms], gs);
        }
    }

    /// Add a mono one-shot at `start` with left/right/send gains.
    pub fn mix_mono(&mut self, x: &[f32], start: usize, gl: f32, gr: f32, gs: f32) {
        if start >= self.len() {
            return;
        }
        let m = x.len().min(self.len() - start);
        add_scaled(&mut self.l[start..start + m], &x[..m], gl);
        add_scaled(&mut self.r[start..start + m], &x[..m], gr);
        if gs != 0.0 {
            add_scaled(&mut self.send[start..start + m], &x[..m], gs);
        }
    }
}

/// `dst += src × g`, element-wise.
#[inline]
fn add_scaled(dst: &mut [f32], src: &[f32], g: f32) {
    for (d, s) in dst.iter_mut().zip(src) {
        *d += s * g;
    }
}

/// A rendered sound starting at sample 0: stereo dry signal plus the mono
/// signal it sends to the reverb (empty when it sends nothing).
pub(crate) struct Clip {
    pub l: Vec<f32>,
    pub r: Vec<f32>,
    pub send: Vec<f32>,
}

impl Clip {
    fn with_capacity(n: usize) -> Self {
        Self {
            l: Vec::with_capacity(n),
            r: Vec::with_capacity(n),
            send: Vec::with_capacity(n),
        }
    }

    fn truncate(&mut self, n: usize) {
        self.l.truncate(n);
        self.r.truncate(n);
        self.send.truncate(n);
    }
}

/// Constant-power pan law; `pan` in -1 (left) .. 1 (right).
#[inline]
pub(crate) fn pan_gains(pan: f32) -> (f32, f32) {
    let t = (pan.clamp(-1.0, 1.0) + 1.0) * 0.25 * PI;
    (t.cos(), t.sin())
}

/// Fast sine of `phase` in cycles (|phase| < 2^22). Max error ~0.1 %.
/// Branch-free, so loops over it vectorise.
#[inline(always)]
pub(crate) fn sin_cycles(phase: f32) -> f32 {
    // Reduce to [-0.5, 0.5].
    let x = phase - round_nearest(phase);
    // Parabolic approximation with one refinement step.
    let y = 8.0 * x - 16.0 * x * x.abs();
    0.225 * (y * y.abs() - y) + y
}

/// Round to the nearest integer (ties to even) for |x| < 2^22, without a
/// libm call (baseline x86-64 has no SSE4.1 `roundss`) and without a
/// float-to-int conversion, so it vectorises: adding 1.5·2^23 pushes the
/// fraction bits out of the mantissa.
#[inline(always)]
fn round_nearest(x: f32) -> f32 {
    const MAGIC: f32 = 12_582_912.0;
    (x + MAGIC) - MAGIC
}

/// Fast tanh-like soft clipper (rational approximation, exact ±1 at ±3 and
/// beyond). Branch-free.
#[inline(always)]
pub(crate) fn soft_clip(x: f32) -> f32 {
    let x = x.clamp(-3.0, 3.0);
    let x2 = x * x;
    x * (27.0 + x2) / (27.0 + 9.0 * x2)
}

/// PolyBLEP correction for a unit step at phase 0 (`t` in [0, 1), `dt` the
/// phase increment). Both polynomials are evaluated and selected, so it is
/// branch-free.
#[inline(always)]
fn poly_blep(t: f32, dt: f32) -> f32 {
    let a = t / dt;
    let b = (t - 1.0) / dt;
    let rise = a + a - a * a - 1.0;
    let fall = b * b + b + b + 1.0;
    let c = if t > 1.0 - dt { fall } else { 0.0 };
    if t < dt { rise } else { c }
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
/// computed once per block and shared by the unison voices.
const BLK: usize = 128;

/// The unison voices of one note, one per lane. Lanes are processed in
/// lockstep so that their filter recursions overlap (and vectorise); unused
/// lanes have zero frequency and zero gains.
#[derive(Clone, Copy)]
struct Voices<const N: usize> {
    phase: [f32; N],
    phase2: [f32; N],
    y1: [f32; N],
    y2: [f32; N],
    dt: [f32; N],
    gl: [f32; N],
    gr: [f32; N],
    gs: [f32; N],
}

/// Per-block inputs shared by the unison voices of one note.
struct BlockCtx<'a> {
    /// Amplitude envelope.
    env: &'a [f32],
    /// FM modulation index (radians / 2π) per sample.
    modv: &'a [f32],
    /// Vibrato frequency multiplier per sample.
    incm: &'a [f32],
    /// Low-pass coefficient for this block.
    a: f32,
    mod_ratio: f32,
    drive: f32,
    drive_norm: f32,
}

/// Run the voices over one block, writing (not adding) `l`, `r` and the
/// send signal `s`. Generic over the oscillator (`osc(phase, phase2, inc,
/// mod_index)`, branch-free) so each waveform gets its own inner loop; the
/// per-lane steps are separate fixed-length loops so LLVM can turn each
/// into one SIMD operation across the voices.
#[inline(always)]
fn run_voices<const N: usize, const PHASE2: bool, F>(
    vs: &mut Voices<N>,
    cx: &BlockCtx<'_>,
    l: &mut [f32],
    r: &mut [f32],
    s: &mut [f32],
    osc: F,
) where
    F: Fn(f32, f32, f32, f32) -> f32,
{
    let m = cx.env.len();
    let Voices {
        mut phase,
        mut phase2,
        mut y1,
        mut y2,
        dt,
        gl,
        gr,
        gs,
    } = *vs;
    let (a, drive, dn) = (cx.a, cx.drive, cx.drive_norm);
    let b = 1.0 - a;
    let (l, r, s) = (&mut l[..m], &mut r[..m], &mut s[..m]);
    for j in 0..m {
        let (im, mv) = (cx.incm[j], cx.modv[j]);
        let mut inc = [0.0f32; N];
        let mut x = [0.0f32; N];
        for k in 0..N {
            inc[k] = dt[k] * im;
        }
        for k in 0..N {
            x[k] = osc(phase[k], phase2[k], inc[k], mv);
        }
        for k in 0..N {
            let p = phase[k] + inc[k];
            phase[k] = if p >= 1.0 { p - 1.0 } else { p };
        }
        if PHASE2 {
            for k in 0..N {
                let p = phase2[k] + inc[k] * cx.mod_ratio;
                phase2[k] = if p >= 1.0 { p - 1.0 } else { p };
            }
        }
        // `y = b·y + a·x`: the a·x term is off the recursion's critical path.
        for k in 0..N {
            y1[k] = b * y1[k] + a * x[k];
            y2[k] = b * y2[k] + a * y1[k];
        }
        let mut o = y2;
        if drive > 0.0 {
            for v in o.iter_mut() {
                *v = soft_clip(*v * (1.0 + drive)) * dn;
            }
        }
        let (mut ol, mut or, mut os) = (0.0f32, 0.0f32, 0.0f32);
        for k in 0..N {
            ol += o[k] * gl[k];
            or += o[k] * gr[k];
            os += o[k] * gs[k];
        }
        let e = cx.env[j];
        l[j] = ol * e;
        r[j] = or * e;
        s[j] = os * e;
    }
    vs.phase = phase;
    vs.phase2 = phase2;
    vs.y1 = y1;
    vs.y2 = y2;
}

/// Render one note of `p` at unit velocity, starting at sample 0: the gate
/// (`gate` samples) then the release, cut once the release has decayed
/// below −80 dB. `send` is the unscaled mono signal for the reverb send
/// (left empty when `with_send` is false). A note's sound depends only on
/// these arguments, not on where it starts, which is what makes
/// [`Instrument`]'s cache exact.
pub(crate) fn synth_note(
    p: &Patch,
    freq: f32,
    gate: usize,
    pan: f32,
    bright: f32,
    with_send: bool,
    sr: f32,
) -> Clip {
    match p.voices {
        0 | 1 => synth_voices::<1>(p, freq, gate, pan, bright, with_send, sr),
        2 => synth_voices::<2>(p, freq, gate, pan, bright, with_send, sr),
        _ => synth_voices::<4>(p, freq, gate, pan, bright, with_send, sr),
    }
}

fn synth_voices<const N: usize>(
    p: &Patch,
    freq: f32,
    gate: usize,
    pan: f32,
    bright: f32,
    with_send: bool,
    sr: f32,
) -> Clip {
    let rel_samples = (p.release * sr) as usize;
    let span = gate + rel_samples;
    let mut clip = Clip {
        l: vec![0.0; span],
        r: vec![0.0; span],
        send: if with_send {
            vec![0.0; span]
        } else {
            Vec::new()
        },
    };
    let voices = usize::from(p.voices.clamp(1, 3)).min(N);
    let norm = p.level / (voices as f32).sqrt();
    let att = (p.attack * sr).max(1.0);
    let inv_att = 1.0 / att;
    // Gate-time sample counter as f32 (only compared with `att`, so its
    // precision limit beyond 2^24 samples does not matter).
    let mut kf = 0.0f32;
    let dec_coef = (-1.0 / (p.decay.max(0.001) * sr)).exp();
    let rel_coef = (-6.9 / (p.release.max(0.005) * sr)).exp();
    let fenv_blk = (-(BLK as f32) / (p.filter_decay.max(0.001) * sr)).exp();
    let base_cut = (p.cutoff * bright).max(freq * 1.5);
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
    let mut vs = Voices::<N> {
        phase: [0.0; N],
        phase2: [0.0; N],
        y1: [0.0; N],
        y2: [0.0; N],
        dt: [0.0; N],
        gl: [0.0; N],
        gr: [0.0; N],
        gs: [0.0; N],
    };
    for v in 0..voices {
        let off = if voices == 1 {
            0.0
        } else {
            (v as f32 / (voices - 1) as f32) * 2.0 - 1.0
        };
        let f = freq * (2f32).powf(off * p.detune / 1200.0);
        let (gl, gr) = pan_gains(pan + off * p.spread);
        vs.phase[v] = v as f32 * 0.37;
        vs.phase2[v] = v as f32 * 0.11;
        vs.dt[v] = f / sr;
        vs.gl[v] = gl * norm;
        vs.gr[v] = gr * norm;
        vs.gs[v] = norm;
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
    let mut bs = [0.0f32; BLK];
    let mut k0 = 0usize;
    while k0 < span {
        let m = BLK.min(span - k0);
        // Shared envelopes for this block.
        for (j, e) in env.iter_mut().enumerate().take(m) {
            if k0 + j < gate {
                sus_part *= dec_coef;
                let level = p.sustain + (1.0 - p.sustain) * sus_part;
                *e = if kf < att {
                    kf * inv_att * level
                } else {
                    level
                };
                kf += 1.0;
                rel_env = *e;
            } else {
                rel_env *= rel_coef;
                *e = rel_env;
            }
        }
        let done = k0 >= gate && rel_env < 1e-4;
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
        let cx = BlockCtx {
            env: &env[..m],
            modv: &modv[..m],
            incm: &incm[..m],
            a: lp_coef(base_cut + p.env_cutoff * bright * fenv, sr),
            mod_ratio,
            drive: p.drive,
            drive_norm,
        };
        fenv *= fenv_blk;
        let l = &mut clip.l[k0..k0 + m];
        let r = &mut clip.r[k0..k0 + m];
        let s = if with_send {
            &mut clip.send[k0..k0 + m]
        } else {
            &mut bs[..m]
        };
        match p.wave {
            Wave::Sine => {
                run_voices::<N, false, _>(&mut vs, &cx, l, r, s, |ph, _, _, _| sin_cycles(ph))
            }
            Wave::Triangle => run_voices::<N, false, _>(&mut vs, &cx, l, r, s, |ph, _, _, _| {
                4.0 * (ph - 0.5).abs() - 1.0
            }),
            Wave::Saw => run_voices::<N, false, _>(&mut vs, &cx, l, r, s, |ph, _, inc, _| {
                2.0 * ph - 1.0 - poly_blep(ph, inc)
            }),
            Wave::Square => run_voices::<N, false, _>(&mut vs, &cx, l, r, s, |ph, _, inc, _| {
                let (sq, p2) = if ph < 0.5 {
                    (1.0, ph + 0.5)
                } else {
                    (-1.0, ph - 0.5)
                };
                sq + poly_blep(ph, inc) - poly_blep(p2, inc)
            }),
            Wave::Fm { .. } => run_voices::<N, true, _>(&mut vs, &cx, l, r, s, |ph, ph2, _, mv| {
                sin_cycles(ph + sin_cycles(ph2) * mv)
            }),
            Wave::Cowbell => run_voices::<N, true, _>(&mut vs, &cx, l, r, s, |ph, ph2, _, _| {
                let s1 = if ph < 0.5 { 0.5 } else { -0.5 };
                let s2 = if ph2 < 0.5 { 0.5 } else { -0.5 };
                s1 + s2
            }),
        }
        k0 += m;
        if done {
            break;
        }
    }
    clip.truncate(k0);
    clip
}

/// Cache key of a note: everything [`synth_note`] depends on besides the
/// instrument's patch (velocity and send level are applied when mixing).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct NoteKey {
    gate: usize,
    freq: u32,
    pan: u32,
    bright: u32,
    send: bool,
}

/// A patch plus a cache of the notes it has rendered.
///
/// Songs repeat themselves: the same chord tone, bass note or melody note
/// with the same length recurs every few bars. Each distinct note is
/// synthesised once (at unit velocity) and mixed, scaled, wherever it
/// recurs — the output is the same as rendering every note afresh, at the
/// cost of a few hundred kilobytes per distinct note. The key space is
/// small (pitches × a handful of gate lengths per instrument), so the cache
/// does not grow with the track length.
pub(crate) struct Instrument {
    pub patch: Patch,
    clips: BTreeMap<NoteKey, Clip>,
}

impl Instrument {
    pub fn new(patch: Patch) -> Self {
        Self {
            patch,
            clips: BTreeMap::new(),
        }
    }

    /// Play one note into the bus.
    pub fn play(&mut self, bus: &mut Bus, n: &Note) {
        if n.start >= bus.len() || n.vel <= 0.0 {
            return;
        }
        let key = NoteKey {
            gate: n.len,
            freq: n.freq.to_bits(),
            pan: n.pan.to_bits(),
            bright: n.bright.to_bits(),
            send: n.send > 0.0,
        };
        let (p, sr) = (&self.patch, bus.sr);
        let clip = self
            .clips
            .entry(key)
            .or_insert_with(|| synth_note(p, n.freq, n.len, n.pan, n.bright, key.send, sr));
        bus.mix(clip, n.start, n.vel, n.send);
    }
}

/// Kick pitch drop: the body starts this many octaves above its tuned pitch…
const KICK_DROP_OCT: f32 = 2.0;
/// …and falls onto it, linearly in pitch, in this many seconds.
const KICK_DROP_S: f32 = 0.008;

/// Kick drum one-shot at unit velocity: a sine that falls two octaves onto
/// `f_end` in the first 8 ms, a click, optional drive.
///
/// The fast pitch drop is the punch of an electronic (808/909-style) kick,
/// and after it the body sits exactly on the tuned pitch. A slower drop
/// (this synthesiser used a 50 ms cubic one) keeps the loudest part of the
/// body a semitone or two sharp for tens of milliseconds; on a kick tuned to
/// the tonic and played on every beat, that smear outweighed the harmony
/// around the tonic (the major/minor third, the leading tone) and blurred
/// the key.
///
/// A short broadband noise transient (`click`) makes the hit register across
/// the spectrum in onset detectors, so beats 1/3 are as salient as the
/// snare on 2/4 and the quarter-note level is the unambiguous beat.
pub(crate) fn kick(sr: f32, f_end: f32, decay: f32, drive: f32, noise: &mut Noise) -> Vec<f32> {
    let len = ((decay * 5.0 + 0.02) * sr) as usize;
    let click_len = (0.04 * sr) as usize;
    let amp_coef = (-1.0 / (decay * sr)).exp();
    let click_coef = (-1.0 / (0.005 * sr)).exp();
    let drop = ((KICK_DROP_S * sr) as usize).max(1);
    // Per-sample frequency ratio of the drop (exponential in Hz).
    let drop_coef = (2f32).powf(-KICK_DROP_OCT / drop as f32);
    let mut f = f_end * (2f32).powf(KICK_DROP_OCT);
    let mut amp = 1.0f32;
    let mut click = 1.0f32;
    let mut phase = 0.0f32;
    let dn = 1.0 / soft_clip(1.0 + drive);
    let mut out = Vec::with_capacity(len);
    for k in 0..len {
        let mut s = sin_cycles(phase) * amp;
        if k < click_len {
            s += click * (0.25 * sin_cycles(phase * 3.0) + 0.45 * noise.next());
        }
        phase += f / sr;
        if phase >= 1.0 {
            phase -= 1.0;
        }
        f = if k + 1 < drop { f * drop_coef } else { f_end };
        amp *= amp_coef;
        click *= click_coef;
        if drive > 0.0 {
            s = soft_clip(s * (1.0 + drive)) * dn;
        }
        out.push(s);
    }
    out
}

/// Snare one-shot at unit velocity: tuned body (two sines) + high-passed
/// noise. Mono; pan and send are applied when mixing.
pub(crate) fn snare(sr: f32, tone_f: f32, noise_decay: f32, noise: &mut Noise) -> Vec<f32> {
    let len = ((noise_decay * 7.0) * sr) as usize;
    let body_coef = (-1.0 / (0.06 * sr)).exp();
    let noise_coef = (-1.0 / (noise_decay * sr)).exp();
    let a = lp_coef(1800.0, sr);
    let a2 = lp_coef(9000.0, sr);
    let (mut be, mut ne) = (1.0f32, 1.0f32);
    let (mut p1, mut p2) = (0.0f32, 0.0f32);
    let (mut lp, mut lp2) = (0.0f32, 0.0f32);
    let mut out = Vec::with_capacity(len);
    for _ in 0..len {
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
        out.push(body * be + 0.9 * lp2 * ne);
        be *= body_coef;
        ne *= noise_coef;
    }
    out
}

/// Clap one-shot at unit velocity: three quick noise bursts then a tail,
/// band-limited, slightly decorrelated in stereo; `send` is the dry mono.
pub(crate) fn clap(sr: f32, noise: &mut Noise) -> Clip {
    let len = (0.35 * sr) as usize;
    let a_lo = lp_coef(900.0, sr);
    let a_hi = lp_coef(5000.0, sr);
    let burst = (0.011 * sr) as usize;
    let tail_coef = (-1.0 / (0.07 * sr)).exp();
    let mut tail = 1.0f32;
    let (mut lo, mut hi) = (0.0f32, 0.0f32);
    let mut c = Clip::with_capacity(len);
    for k in 0..len {
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
        let s = hi * env * 1.4;
        let n2 = noise.next() * 0.08 * s;
        c.l.push(s + n2);
        c.r.push(s - n2);
        c.send.push(s);
    }
    c
}

/// Hi-hat / shaker one-shot at unit velocity: high-passed noise with an
/// exponential decay. Mono; pan is applied when mixing.
pub(crate) fn hat(sr: f32, decay: f32, noise: &mut Noise) -> Vec<f32> {
    let len = ((decay * 6.0) * sr) as usize;
    let coef = (-1.0 / (decay * sr)).exp();
    let a = lp_coef(6500.0, sr);
    let mut env = 1.0f32;
    let mut lp = 0.0f32;
    let mut prev = 0.0f32;
    let mut out = Vec::with_capacity(len);
    for _ in 0..len {
        let w = noise.next();
        lp += a * (w - lp);
        let hp = w - lp;
        out.push((hp - 0.5 * prev) * env);
        prev = hp;
        env *= coef;
    }
    out
}

/// Crash/noise swell one-shot at unit velocity: long, darker noise decay
/// with stereo decorrelation; no send.
pub(crate) fn crash(sr: f32, noise: &mut Noise) -> Clip {
    let len = (2.2 * sr) as usize;
    let coef = (-1.0 / (0.5 * sr)).exp();
    let a = lp_coef(4000.0, sr);
    let (mut ll, mut lr) = (0.0f32, 0.0f32);
    let mut env = 1.0f32;
    let mut c = Clip {
        l: Vec::with_capacity(len),
        r: Vec::with_capacity(len),
        send: Vec::new(),
    };
    for _ in 0..len {
        let wl = noise.next();
        let wr = noise.next();
        ll += a * (wl - ll);
        lr += a * (wr - lr);
        c.l.push((wl - ll) * env);
        c.r.push((wr - lr) * env);
        env *= coef;
    }
    c
}

/// Reverb block length: at most the shortest delay line, so within a block
/// every delay line is read before it is overwritten and the loops carry no
/// arithmetic recursion from sample to sample.
const RBLK: usize = 256;

/// Feedback comb with a two-tap (FIR) damping filter in the loop.
struct Comb {
    buf: Vec<f32>,
    idx: usize,
    /// Last value read from the line (the damping filter's second tap).
    prev: f32,
}

/// Schroeder all-pass (gain 0.5).
struct AllPass {
    buf: Vec<f32>,
    idx: usize,
}

/// A small Schroeder/Freeverb-style reverb (4 combs + 2 all-passes per side,
/// the right side's lines 23 samples longer), fed by the mono send.
///
/// Unlike Freeverb, the damping in each comb's feedback path is a two-tap
/// average (`(1 − damp)·y[n] + damp·y[n−1]`) rather than a one-pole filter:
/// a similar gentle high-frequency roll-off, but with no recursion shorter
/// than the delay line, so each block of [`RBLK`] samples is a few slice
/// loops (the four combs in one, the all-passes vectorised) instead of a
/// latency-bound per-sample filter chain.
pub(crate) fn reverb(bus: &mut Bus, room: f32, damp: f32, wet: f32) {
    if wet <= 0.0 {
        return;
    }
    let scale = bus.sr / 44_100.0;
    const COMBS: [usize; 4] = [1116, 1188, 1277, 1356];
    const APS: [usize; 2] = [556, 441];
    const SPREAD: usize = 23;
    let line = |c: usize, extra: usize| {
        vec![0.0f32; (((c + extra) as f32 * scale) as usize + 1).max(RBLK)]
    };
    let n = bus.len();
    let mut x = [0.0f32; RBLK];
    let mut acc = [0.0f32; RBLK];
    for side in 0..2 {
        let extra = side * SPREAD;
        let mut combs = COMBS.map(|c| Comb {
            buf: line(c, extra),
            idx: 0,
            prev: 0.0,
        });
        let mut aps = APS.map(|c| AllPass {
            buf: line(c, extra),
            idx: 0,
        });
        let out = if side == 0 { &mut bus.l } else { &mut bus.r };
        let mut i = 0;
        while i < n {
            // Largest block that wraps no delay line.
            let mut m = RBLK.min(n - i);
            for c in &combs {
                m = m.min(c.buf.len() - c.idx);
            }
            for a in &aps {
                m = m.min(a.buf.len() - a.idx);
            }
            for (xv, s) in x[..m].iter_mut().zip(&bus.send[i..i + m]) {
                *xv = s * 0.25;
            }
            {
                let [c0, c1, c2, c3] = &mut combs;
                let s0 = &mut c0.buf[c0.idx..c0.idx + m];
                let s1 = &mut c1.buf[c1.idx..c1.idx + m];
                let s2 = &mut c2.buf[c2.idx..c2.idx + m];
                let s3 = &mut c3.buf[c3.idx..c3.idx + m];
                let (mut p0, mut p1, mut p2, mut p3) = (c0.prev, c1.prev, c2.prev, c3.prev);
                let (g_now, g_prev) = (1.0 - damp, damp);
                for j in 0..m {
                    let xj = x[j];
                    let (y0, y1, y2, y3) = (s0[j], s1[j], s2[j], s3[j]);
                    s0[j] = xj + (y0 * g_now + p0 * g_prev) * room;
                    s1[j] = xj + (y1 * g_now + p1 * g_prev) * room;
                    s2[j] = xj + (y2 * g_now + p2 * g_prev) * room;
                    s3[j] = xj + (y3 * g_now + p3 * g_prev) * room;
                    (p0, p1, p2, p3) = (y0, y1, y2, y3);
                    acc[j] = (y0 + y1) + (y2 + y3);
                }
                (c0.prev, c1.prev, c2.prev, c3.prev) = (p0, p1, p2, p3);
            }
            for c in combs.iter_mut() {
                c.idx += m;
                if c.idx == c.buf.len() {
                    c.idx = 0;
                }
            }
            for a in aps.iter_mut() {
                let seg = &mut a.buf[a.idx..a.idx + m];
                for (b, v) in seg.iter_mut().zip(acc[..m].iter_mut()) {
                    let d = *b;
                    *b = *v + d * 0.5;
                    *v = d - *v;
                }
                a.idx += m;
                if a.idx == a.buf.len() {
                    a.idx = 0;
                }
            }
            for (o, v) in out[i..i + m].iter_mut().zip(&acc[..m]) {
                *o += v * wet;
            }
            i += m;
        }
    }
}

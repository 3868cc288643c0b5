//! The composer/arranger: turns a [`TrackSpec`](super::TrackSpec) into note
//! events and renders them onto the bus.
//!
//! Harmony is expressed as diatonic scale degrees (0 = tonic). Every 8-bar
//! block (or shorter section) ends with a V → I cadence, blocks start on the
//! tonic chord, and in minor the dominant is major (raised leading tone), so
//! the tonic and mode are unambiguous. The bass plays chord roots on the
//! downbeats, the kick and snare bodies are tuned to the tonic, and the melody
//! resolves to the tonic at the end of every phrase. Presets may bring their
//! own progression tables (techno and house vamp on the tonic, which holds
//! half of every phrase) and a sustained chord bed under short chord stabs
//! (house), so the harmony is heard between the hits.

use rand::Rng;
use rand_chacha::ChaCha8Rng;

use super::dsp::{self, Bus, Clip, Instrument, Noise, Note};
use super::genre::{BackBeat, BassInt, Style};
use super::{Mode, TrackSpec};

const MAJOR: [i32; 7] = [0, 2, 4, 5, 7, 9, 11];
const MINOR: [i32; 7] = [0, 2, 3, 5, 7, 8, 10];

const MAJOR_PROGS: [[u8; 4]; 5] = [
    [0, 4, 5, 3], // I–V–vi–IV
    [0, 3, 4, 0], // I–IV–V–I
    [0, 5, 3, 4], // I–vi–IV–V
    [0, 5, 1, 4], // I–vi–ii–V
    [0, 3, 0, 4], // I–IV–I–V
];
const MINOR_PROGS: [[u8; 4]; 5] = [
    [0, 5, 2, 6], // i–VI–III–VII
    [0, 3, 4, 0], // i–iv–V–i
    [0, 6, 5, 4], // i–VII–VI–V
    [0, 5, 3, 4], // i–VI–iv–V
    [0, 3, 0, 4], // i–iv–i–V
];
const MAJOR_BRIDGES: [[u8; 4]; 2] = [[3, 0, 4, 5], [5, 3, 0, 4]];
const MINOR_BRIDGES: [[u8; 4]; 2] = [[5, 6, 0, 3], [3, 5, 6, 4]];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    Intro,
    Verse,
    Chorus,
    Bridge,
    Outro,
}

impl Kind {
    pub fn name(self) -> &'static str {
        match self {
            Kind::Intro => "intro",
            Kind::Verse => "verse",
            Kind::Chorus => "chorus",
            Kind::Bridge => "bridge",
            Kind::Outro => "outro",
        }
    }
    fn factor(self) -> f32 {
        match self {
            Kind::Intro => 0.55,
            Kind::Verse => 0.75,
            Kind::Chorus => 1.0,
            Kind::Bridge => 0.6,
            Kind::Outro => 0.5,
        }
    }
}

/// A section of the arrangement, in bars.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Section {
    pub kind: Kind,
    pub start: usize,
    pub bars: usize,
}

/// Split `n` bars into an arrangement.
pub(crate) fn plan_sections(n: usize) -> Vec<Section> {
    let mut out = Vec::new();
    let push = |out: &mut Vec<Section>, kind, bars| {
        let start = out.last().map_or(0, |s: &Section| s.start + s.bars);
        out.push(Section { kind, start, bars });
    };
    if n <= 4 {
        push(&mut out, Kind::Verse, n.max(1));
        return out;
    }
    if n < 10 {
        push(&mut out, Kind::Intro, 1);
        push(&mut out, Kind::Chorus, n - 2);
        push(&mut out, Kind::Outro, 1);
        return out;
    }
    let edge = if n >= 28 { 4 } else { 2 };
    push(&mut out, Kind::Intro, edge);
    let mut middle = n - 2 * edge;
    const ORDER: [Kind; 9] = [
        Kind::Verse,
        Kind::Chorus,
        Kind::Verse,
        Kind::Chorus,
        Kind::Bridge,
        Kind::Chorus,
        Kind::Chorus,
        Kind::Verse,
        Kind::Chorus,
    ];
    let mut k = 0usize;
    while middle > 0 {
        let kind = ORDER[k % ORDER.len()];
        let take = if middle < 12 { middle } else { 8 };
        push(&mut out, kind, take);
        middle -= take;
        k += 1;
    }
    push(&mut out, Kind::Outro, edge);
    out
}

/// A chord as a diatonic scale degree (0..7) plus an optional seventh.
#[derive(Debug, Clone, Copy)]
struct Chord {
    degree: u8,
    seventh: bool,
}

struct Theory {
    mode: Mode,
    tonic: i32,
}

impl Theory {
    /// Semitones above the tonic for diatonic degree `deg` (any integer),
    /// with the raised leading tone over the dominant chord in minor.
    fn semis(&self, deg: i32, chord: Chord) -> i32 {
        let oct = deg.div_euclid(7);
        let idx = deg.rem_euclid(7) as usize;
        // In minor the 7th degree is raised (leading tone; the dominant is
        // major) unless the chord itself contains the subtonic (III, VII, i7):
        // harmonic/melodic minor
        // colour that keeps the relative major from taking over.
        let (scale, raise) = match self.mode {
            Mode::Major => (&MAJOR, false),
            Mode::Minor => (
                &MINOR,
                idx == 6 && !matches!(chord.degree, 2 | 6) && !(chord.degree == 0 && chord.seventh),
            ),
        };
        scale[idx] + 12 * oct + i32::from(raise)
    }
    fn is_chord_tone(&self, deg: i32, chord: Chord) -> bool {
        let rel = (deg - i32::from(chord.degree)).rem_euclid(7);
        rel == 0 || rel == 2 || rel == 4 || (chord.seventh && rel == 6)
    }
    /// Nearest degree to `target` that is a chord tone.
    fn snap(&self, target: i32, chord: Chord) -> i32 {
        for d in [0, -1, 1, -2, 2, -3, 3] {
            if self.is_chord_tone(target + d, chord) {
                return target + d;
            }
        }
        target
    }
    /// MIDI note for a pitch `semis` above the tonic placed in [lo, lo+12).
    fn place(&self, semis: i32, lo: i32) -> i32 {
        let pc = (self.tonic + semis).rem_euclid(12);
        lo + (pc - lo).rem_euclid(12)
    }
}

fn midi_hz(m: f32) -> f32 {
    440.0 * (2f32).powf((m - 69.0) / 12.0)
}

/// Melody motif: onsets on the melody grid plus a step contour.
struct Motif {
    /// (step, length in steps)
    rhythm: Vec<(u8, u8)>,
    contour: Vec<i32>,
}

fn make_motif(rng: &mut ChaCha8Rng, grid: u8, density: f32) -> Motif {
    let slots = 16 / grid;
    let mut onsets: Vec<u8> = Vec::with_capacity(16);
    for s in 0..slots {
        let step = s * grid;
        let strong = step.is_multiple_of(8);
        let p = if s == 0 {
            0.9
        } else if strong {
            density * 1.2
        } else {
            density
        };
        if rng.random::<f32>() < p.min(0.95) {
            onsets.push(step);
        }
    }
    while onsets.len() < 2 {
        let cand = (rng.random_range(0..slots)) * grid;
        if !onsets.contains(&cand) {
            onsets.push(cand);
            onsets.sort_unstable();
        }
    }
    let mut rhythm = Vec::with_capacity(onsets.len());
    for (i, &o) in onsets.iter().enumerate() {
        let next = onsets.get(i + 1).copied().unwrap_or(16);
        let len = (next - o).clamp(1, 8);
        rhythm.push((o, len));
    }
    let contour = rhythm
        .iter()
        .map(|_| match rng.random_range(0..10) {
            0 => -2,
            1..=3 => -1,
            4 => 0,
            5..=7 => 1,
            8 => 2,
            _ => 3,
        })
        .collect();
    Motif { rhythm, contour }
}

/// Per-section mix decisions derived from the spec energy and section kind.
struct SecMix {
    level: f32,
    hats: u8,
    kick_extra: bool,
    ghosts: bool,
    melody: bool,
    melody_thin: bool,
    fill: bool,
}

fn sec_mix(kind: Kind, e: f32, bars: usize) -> SecMix {
    let f = kind.factor();
    let level = 0.72 + 0.28 * f;
    let hats = match kind {
        Kind::Chorus if e > 0.55 => 2,
        Kind::Intro | Kind::Outro if e < 0.35 => 0,
        Kind::Bridge if e < 0.45 => 0,
        _ => 1,
    };
    SecMix {
        level,
        hats,
        kick_extra: e > 0.35 && matches!(kind, Kind::Verse | Kind::Chorus),
        ghosts: e > 0.7 && kind == Kind::Chorus,
        melody: matches!(kind, Kind::Verse | Kind::Chorus | Kind::Bridge),
        melody_thin: kind != Kind::Chorus,
        fill: bars >= 4 && e > 0.3 && kind != Kind::Outro,
    }
}

/// Everything needed to render the score.
pub(crate) struct Score<'a> {
    pub spec: &'a TrackSpec,
    pub style: Style,
    pub sections: Vec<Section>,
    pub total_bars: usize,
}

/// Round-robin variants of one drum sound, each rendered on first use.
struct OneShots<T> {
    variants: Vec<T>,
    max: usize,
    hits: usize,
}

impl<T> OneShots<T> {
    fn new(max: usize) -> Self {
        Self {
            variants: Vec::with_capacity(max),
            max: max.max(1),
            hits: 0,
        }
    }

    /// The variant for the next hit (rendering it with `make` if new).
    fn next(&mut self, make: impl FnOnce() -> T) -> &T {
        let i = self.hits % self.max;
        self.hits += 1;
        if i >= self.variants.len() {
            self.variants.push(make());
        }
        // After the push the vector is non-empty and `i` is at most its last
        // index (hits count up one at a time).
        &self.variants[i.min(self.variants.len() - 1)]
    }
}

/// The track's drum kit: every hit mixes a one-shot rendered once per track
/// (a few noise variants per sound so repeated hats and snares are not
/// sample-identical), scaled by the hit's velocity — as a drum machine does.
struct Kit {
    kick: OneShots<Vec<f32>>,
    snare: OneShots<Vec<f32>>,
    snare_short: OneShots<Vec<f32>>,
    clap: OneShots<Clip>,
    hat: OneShots<Vec<f32>>,
    open_hat: OneShots<Vec<f32>>,
    crash: OneShots<Clip>,
}

impl Kit {
    fn new() -> Self {
        Self {
            kick: OneShots::new(1),
            snare: OneShots::new(4),
            snare_short: OneShots::new(4),
            clap: OneShots::new(2),
            hat: OneShots::new(4),
            open_hat: OneShots::new(2),
            crash: OneShots::new(1),
        }
    }
}

/// Mix a mono one-shot with velocity, pan and send.
fn hit(bus: &mut Bus, x: &[f32], start: usize, vel: f32, pan: f32, send: f32) {
    let (gl, gr) = dsp::pan_gains(pan);
    bus.mix_mono(x, start, gl * vel, gr * vel, send * vel);
}

pub(crate) fn render_score(score: &Score<'_>, bus: &mut Bus, rng: &mut ChaCha8Rng) {
    let spec = score.spec;
    let st = &score.style;
    let sr = f64::from(bus.sr);
    let step_s = 60.0 / spec.tempo_bpm / 4.0;
    let step_len = step_s * sr;
    let n_total = bus.len();
    let e = spec.energy as f32;
    let bright = 0.55 + 0.9 * e;
    let th = Theory {
        mode: spec.mode,
        tonic: i32::from(spec.tonic),
    };
    let mut noise = Noise::new(rng.random::<u64>());
    let fsr = bus.sr;
    let mut kit = Kit::new();
    let mut bass = Instrument::new(st.bass_patch);
    let mut pad = Instrument::new(st.pad);
    let mut lead = Instrument::new(st.lead);
    let mut pad_bed = st.pad_bed.map(Instrument::new);

    // Harmony choices.
    let (progs, bridges) = match spec.mode {
        Mode::Major => (&MAJOR_PROGS, &MAJOR_BRIDGES),
        Mode::Minor => (&MINOR_PROGS, &MINOR_BRIDGES),
    };
    let table: &[[u8; 4]] = match (st.progressions, spec.mode) {
        (Some(p), Mode::Major) => p.major,
        (Some(p), Mode::Minor) => p.minor,
        (None, _) => progs,
    };
    let prog = table[rng.random_range(0..table.len())];
    let bridge = bridges[rng.random_range(0..bridges.len())];
    let dens = st.melody_density * (0.75 + 0.5 * e);
    let motif_a = make_motif(rng, st.melody_grid, dens * 0.85);
    let motif_b = make_motif(rng, st.melody_grid, dens);
    let mel_start = [2, 4][rng.random_range(0..2)];

    let pos = |bar: usize, step: f64| -> usize {
        ((bar as f64 * 16.0 + step) * step_len).round() as usize
    };
    let kick_hz = midi_hz(th.place(0, 31) as f32);
    let snare_hz = midi_hz(th.place(0, 50) as f32);
    let tonic_mel = th.place(0, st.melody_center - 6);

    // Off-8th events are swung at slow tempos so that the 8th-note grid does
    // not out-weigh the quarter-note pulse (avoids double-tempo estimates).
    let swing = if spec.tempo_bpm < 100.0 {
        f64::from(st.swing.max(0.12))
    } else {
        f64::from(st.swing)
    };
    let swung = |step: u8| -> f64 {
        if step % 4 == 2 {
            f64::from(step) + swing * 4.0
        } else {
            f64::from(step)
        }
    };
    let slow = spec.tempo_bpm < 100.0;
    let four_floor = st.kick & (1 << 4) != 0 && st.kick & (1 << 12) != 0;

    let mut prev_deg = mel_start;
    let last_bar = score.total_bars.saturating_sub(1);

    for sec in &score.sections {
        let mix = sec_mix(sec.kind, e, sec.bars);
        let lvl = mix.level;
        for b in 0..sec.bars {
            let bar = sec.start + b;
            let is_last_bar = bar == last_bar;
            // --- Harmony for this bar.
            let p8 = b % 8;
            let block_len = (sec.bars - (b - p8)).min(8);
            let deg = if block_len >= 2 && p8 == block_len - 1 {
                0
            } else if block_len >= 3 && p8 == block_len - 2 {
                4
            } else if sec.kind == Kind::Bridge {
                bridge[p8 % 4]
            } else {
                prog[p8 % 4]
            };
            let deg = if is_last_bar { 0 } else { deg };
            let chord = Chord {
                degree: deg,
                // The tonic chord is always a plain triad: Imaj7 contains the
                // iii triad and i7 the relative major, both key-ambiguous.
                seventh: st.sevenths && deg != 0,
            };
            let bar_start = pos(bar, 0.0);
            let bar_end = if is_last_bar {
                n_total
            } else {
                pos(bar + 1, 0.0)
            };
            let bar_len = bar_end.saturating_sub(bar_start);

            // --- Drums.
            let dl = st.drum_level * lvl;
            let hum = |rng: &mut ChaCha8Rng| 0.95 + 0.1 * rng.random::<f32>();
            for step in 0..16u8 {
                if is_last_bar && step > 0 {
                    break;
                }
                let bit = 1u16 << step;
                let t = pos(bar, swung(step));
                let kick_v = if st.kick & bit != 0 {
                    Some(if step == 0 { 1.0 } else { 0.92 })
                } else if mix.kick_extra && st.kick_extra & bit != 0 {
                    Some(0.6)
                } else {
                    None
                };
                if let Some(v) = kick_v {
                    let v = v * dl * hum(rng);
                    let k = kit
                        .kick
                        .next(|| dsp::kick(fsr, kick_hz, st.kick_decay, st.kick_drive, &mut noise));
                    bus.mix_mono(k, t, v, v, 0.0);
                }
                let fill_step = mix.fill && b + 1 == sec.bars && step >= 13 && !is_last_bar;
                if step == 4 || step == 12 || fill_step || (mix.ghosts && step == 14) {
                    // With a kick on every quarter the backbeat is lighter so
                    // beats 2/4 do not out-weigh 1/3 (no half-time reading).
                    let v = if step == 4 || step == 12 {
                        if four_floor { 0.5 } else { 0.8 }
                    } else if fill_step {
                        0.22 + 0.06 * f32::from(step - 13)
                    } else {
                        0.18
                    } * dl
                        * hum(rng);
                    let backbeat = step == 4 || step == 12;
                    match st.backbeat {
                        BackBeat::Snare => {
                            let x = kit
                                .snare
                                .next(|| dsp::snare(fsr, snare_hz, st.snare_decay, &mut noise));
                            hit(bus, x, t, v, 0.05, 0.25);
                        }
                        BackBeat::Clap => {
                            let x = kit
                                .snare_short
                                .next(|| dsp::snare(fsr, snare_hz, 0.05, &mut noise));
                            if backbeat {
                                hit(bus, x, t, v * 0.45, 0.0, 0.1);
                                let c = kit.clap.next(|| dsp::clap(fsr, &mut noise));
                                bus.mix(c, t, v, 0.25);
                            } else {
                                hit(bus, x, t, v, 0.1, 0.1);
                            }
                        }
                        BackBeat::Both => {
                            let x = kit
                                .snare
                                .next(|| dsp::snare(fsr, snare_hz, st.snare_decay, &mut noise));
                            hit(bus, x, t, v, 0.0, 0.2);
                            if backbeat {
                                let c = kit.clap.next(|| dsp::clap(fsr, &mut noise));
                                bus.mix(c, t, v * 0.6, 0.2);
                            }
                        }
                    }
                }
                let hat_mask = match mix.hats {
                    0 => 0,
                    1 => st.hat,
                    _ if slow => st.hat,
                    _ => st.hat_busy,
                };
                if hat_mask & bit != 0 {
                    let th_ = pos(bar, swung(step));
                    // Quarter-note hats carry the pulse; subdivisions are
                    // much softer so they never compete with the beat.
                    let v = match step % 4 {
                        0 => 0.2,
                        2 => 0.08,
                        _ => 0.045,
                    } * dl
                        * hum(rng)
                        * (0.7 + 0.5 * e);
                    let pan = if step % 4 == 2 { 0.3 } else { 0.2 };
                    if !slow && st.open_hat & bit != 0 {
                        let x = kit.open_hat.next(|| dsp::hat(fsr, 0.12, &mut noise));
                        hit(bus, x, th_, v * 0.8, -0.2, 0.0);
                    } else {
                        let x = kit.hat.next(|| dsp::hat(fsr, 0.025, &mut noise));
                        hit(bus, x, th_, v, pan, 0.0);
                    }
                }
            }
            if st.crash && b == 0 && (sec.kind == Kind::Chorus || is_last_bar) && e > 0.25 {
                let c = kit.crash.next(|| dsp::crash(fsr, &mut noise));
                bus.mix(c, bar_start, 0.12 * dl, 0.0);
            }

            // --- Bass.
            let root_semis = th.semis(i32::from(chord.degree), chord);
            let bass_root = th.place(root_semis, 36);
            let bvel = lvl;
            let mut bass_note = |bus: &mut Bus, start: usize, len: usize, midi: i32, vel: f32| {
                bass.play(
                    bus,
                    &Note {
                        start,
                        len,
                        freq: midi_hz(midi as f32),
                        vel,
                        pan: 0.0,
                        send: 0.0,
                        bright,
                    },
                );
            };
            if is_last_bar {
                let len = bar_len.saturating_sub((0.3 * sr) as usize);
                bass_note(bus, bar_start, len, bass_root, bvel);
            } else if st.bass.is_empty() {
                // 808: follow the kick hits.
                let mut hits: Vec<u8> = Vec::with_capacity(16);
                for step in 0..16u8 {
                    let bit = 1u16 << step;
                    if st.kick & bit != 0 || (mix.kick_extra && st.kick_extra & bit != 0) {
                        hits.push(step);
                    }
                }
                for (i, &h) in hits.iter().enumerate() {
                    let next = hits.get(i + 1).copied().unwrap_or(16);
                    let t = pos(bar, swung(h));
                    let len = (f64::from(next - h) * step_len * 0.9) as usize;
                    let v = if h % 8 == 0 { bvel } else { bvel * 0.8 };
                    bass_note(bus, t, len, bass_root, v);
                }
            } else {
                for &(step, len, int) in st.bass {
                    let t = pos(bar, swung(step));
                    let l = (f64::from(len) * step_len * 0.85) as usize;
                    let m = match int {
                        BassInt::Root => bass_root,
                        BassInt::Octave => bass_root + 12,
                    };
                    let v = if step == 0 { bvel } else { bvel * 0.85 };
                    bass_note(bus, t, l, m, v);
                }
            }

            // --- Chords.
            let mut tones: [i32; 5] = [0; 5];
            let mut nt = 0;
            let n_chord = if chord.seventh { 4 } else { 3 };
            for k in 0..n_chord {
                let d = i32::from(chord.degree) + 2 * k;
                tones[nt] = th.place(th.semis(d, chord), 55);
                nt += 1;
            }
            if chord.degree == 0 {
                // Tonic chord: add the third an octave up (mode-defining).
                tones[nt] = th.place(th.semis(2, chord), 67);
                nt += 1;
            }
            let hits: &[(u8, u8)] = if is_last_bar {
                &[(0, 16)]
            } else {
                st.chord_hits.hits
            };
            for &(step, len) in hits {
                let t = pos(bar, swung(step));
                let l = if is_last_bar {
                    bar_len.saturating_sub((0.3 * sr) as usize)
                } else {
                    (f64::from(len) * step_len * 0.95) as usize
                };
                for (k, &m) in tones[..nt].iter().enumerate() {
                    let pan = [-0.35, 0.35, -0.15, 0.15, 0.0][k];
                    pad.play(
                        bus,
                        &Note {
                            start: t,
                            len: l,
                            freq: midi_hz(m as f32),
                            vel: lvl * (0.8 + 0.2 * e),
                            pan,
                            send: st.pad_send,
                            bright,
                        },
                    );
                }
            }
            if let Some(bed) = pad_bed.as_mut() {
                let l = if is_last_bar {
                    bar_len.saturating_sub((0.3 * sr) as usize)
                } else {
                    // Nominal bar length (not `bar_len`, which varies by a
                    // sample with rounding), so the notes repeat exactly.
                    ((16.0 * step_len) - 0.05 * sr) as usize
                };
                for (k, &m) in tones[..nt].iter().enumerate() {
                    bed.play(
                        bus,
                        &Note {
                            start: bar_start,
                            len: l,
                            freq: midi_hz(m as f32),
                            vel: lvl * (0.8 + 0.2 * e),
                            pan: [-0.5, 0.5, -0.25, 0.25, 0.0][k],
                            send: st.pad_send,
                            bright,
                        },
                    );
                }
            }

            // --- Melody.
            let cadence_bar = block_len >= 2 && p8 == block_len - 1;
            let dominant_bar = block_len >= 3 && p8 == block_len - 2;
            let play_melody = mix.melody || is_last_bar;
            if !play_melody {
                continue;
            }
            let mut mel_notes: [(u8, u8, i32); 16] = [(0, 0, 0); 16];
            let mut nm = 0;
            if cadence_bar || is_last_bar {
                let d = if prev_deg >= 4 { 7 } else { 0 };
                mel_notes[0] = (0, 12, d);
                nm = 1;
                prev_deg = d;
            } else {
                let motif = if sec.kind == Kind::Chorus {
                    &motif_b
                } else {
                    &motif_a
                };
                let invert = b % 2 == 1;
                let count = motif.rhythm.len();
                let mut d = if p8 == 0 {
                    th.snap(mel_start, chord)
                } else {
                    th.snap(prev_deg, chord)
                };
                for (k, &(step, len)) in motif.rhythm.iter().enumerate() {
                    if mix.melody_thin && k % 2 == 1 && k + 1 != count {
                        continue;
                    }
                    if k > 0 {
                        let c = motif.contour[k];
                        d += if invert { -c } else { c };
                    }
                    if d > 9 {
                        d -= 3;
                    }
                    if d < -3 {
                        d += 3;
                    }
                    if step % 8 == 0 {
                        d = th.snap(d, chord);
                    }
                    if dominant_bar && k + 1 == count {
                        // Lead into the tonic: leading tone or supertonic.
                        d = if d >= 4 { 8 } else { -1 };
                    }
                    mel_notes[nm] = (step, len, d);
                    nm += 1;
                }
                prev_deg = d;
            }
            for &(step, len, d) in &mel_notes[..nm] {
                let t = pos(bar, f64::from(step));
                let l = if is_last_bar {
                    bar_len.saturating_sub((0.3 * sr) as usize)
                } else {
                    (f64::from(len) * step_len * 0.9) as usize
                };
                let midi = tonic_mel + th.semis(d, chord);
                lead.play(
                    bus,
                    &Note {
                        start: t,
                        len: l,
                        freq: midi_hz(midi as f32),
                        vel: lvl * (0.85 + 0.15 * e),
                        pan: 0.1,
                        send: st.lead_send,
                        bright,
                    },
                );
            }
        }
    }
}

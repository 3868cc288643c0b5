//! Genre presets: drum grooves, bass rhythm, instrument patches and mix
//! settings per genre, plus the free-text genre-name mapping.
//!
//! Every drum groove keeps the kick on beats 1 and 3 and the snare/clap on
//! beats 2 and 4 (16-step masks, bit `i` = 16th `i`), so each quarter note has
//! a strong onset and the perceived pulse is always the requested tempo — no
//! half-time trap/phonk grooves.

use serde::{Deserialize, Serialize};

use super::dsp::{Patch, Wave};

/// The supported genre presets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GenrePreset {
    Lofi,
    Phonk,
    Trap,
    Synthwave,
    Darkwave,
    House,
    Techno,
    Hyperpop,
    Ambient,
    Pop,
    DrumAndBass,
    Rock,
    Rnb,
}

impl GenrePreset {
    /// Every preset, in declaration order.
    pub const ALL: [GenrePreset; 13] = [
        GenrePreset::Lofi,
        GenrePreset::Phonk,
        GenrePreset::Trap,
        GenrePreset::Synthwave,
        GenrePreset::Darkwave,
        GenrePreset::House,
        GenrePreset::Techno,
        GenrePreset::Hyperpop,
        GenrePreset::Ambient,
        GenrePreset::Pop,
        GenrePreset::DrumAndBass,
        GenrePreset::Rock,
        GenrePreset::Rnb,
    ];

    /// The snake_case name (same as the serde name).
    pub fn as_str(self) -> &'static str {
        match self {
            GenrePreset::Lofi => "lofi",
            GenrePreset::Phonk => "phonk",
            GenrePreset::Trap => "trap",
            GenrePreset::Synthwave => "synthwave",
            GenrePreset::Darkwave => "darkwave",
            GenrePreset::House => "house",
            GenrePreset::Techno => "techno",
            GenrePreset::Hyperpop => "hyperpop",
            GenrePreset::Ambient => "ambient",
            GenrePreset::Pop => "pop",
            GenrePreset::DrumAndBass => "drum_and_bass",
            GenrePreset::Rock => "rock",
            GenrePreset::Rnb => "rnb",
        }
    }

    /// A typical tempo for the genre (BPM, quarter note).
    pub fn typical_tempo(self) -> f64 {
        match self {
            GenrePreset::Lofi => 82.0,
            GenrePreset::Phonk => 130.0,
            GenrePreset::Trap => 140.0,
            GenrePreset::Synthwave => 110.0,
            GenrePreset::Darkwave => 120.0,
            GenrePreset::House => 124.0,
            GenrePreset::Techno => 130.0,
            GenrePreset::Hyperpop => 160.0,
            GenrePreset::Ambient => 72.0,
            GenrePreset::Pop => 110.0,
            GenrePreset::DrumAndBass => 174.0,
            GenrePreset::Rock => 120.0,
            GenrePreset::Rnb => 90.0,
        }
    }

    /// Map a free-text genre name ("Lo-fi Hip Hop", "dark phonk", "Synthwave")
    /// to the nearest preset. Unknown names map to [`GenrePreset::Pop`].
    pub fn from_genre_name(name: &str) -> GenrePreset {
        let lower = name.to_lowercase().replace('&', " and ");
        let spaced: String = lower
            .chars()
            .map(|c| if c.is_alphanumeric() { c } else { ' ' })
            .collect();
        let words: Vec<&str> = spaced.split_whitespace().collect();
        let compact: String = words.concat();
        let has = |k: &str| compact.contains(k);
        let word = |k: &str| words.contains(&k);
        use GenrePreset as G;
        if has("phonk") || has("cowbell") || has("memphis") {
            G::Phonk
        } else if has("lofi") || has("chillhop") || has("boombap") || has("jazzhop") {
            G::Lofi
        } else if has("drumandbass")
            || has("drumnbass")
            || word("dnb")
            || has("jungle")
            || has("neurofunk")
            || has("liquidfunk")
            || has("breakbeat")
        {
            G::DrumAndBass
        } else if has("hyperpop") || has("glitch") || has("digicore") || has("bubblegum") {
            G::Hyperpop
        } else if has("darkwave")
            || has("coldwave")
            || has("postpunk")
            || has("goth")
            || has("industrial")
            || has("witchhouse")
            || has("ebm")
        {
            G::Darkwave
        } else if has("synthwave")
            || has("retrowave")
            || has("outrun")
            || has("vaporwave")
            || has("chillwave")
            || has("synthpop")
            || has("80s")
        {
            G::Synthwave
        } else if has("trap") || has("drill") || word("rage") || word("rap") || has("hiphop") {
            G::Trap
        } else if has("techno") || has("trance") || has("minimal") {
            G::Techno
        } else if has("house")
            || has("disco")
            || has("garage")
            || word("edm")
            || has("dance")
            || has("electro")
            || has("club")
        {
            G::House
        } else if has("ambient")
            || has("drone")
            || has("newage")
            || has("soundscape")
            || has("cinematic")
            || has("meditation")
            || has("downtempo")
        {
            G::Ambient
        } else if has("rnb") || (word("r") && word("b")) || has("soul") || has("funk") {
            G::Rnb
        } else if has("rock")
            || has("punk")
            || has("metal")
            || has("grunge")
            || has("shoegaze")
            || word("emo")
            || (has("indie") && !has("pop"))
        {
            G::Rock
        } else {
            G::Pop
        }
    }
}

impl std::fmt::Display for GenrePreset {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Build a 16-step mask from step indices.
const fn mask(steps: &[u8]) -> u16 {
    let mut m = 0u16;
    let mut i = 0;
    while i < steps.len() {
        m |= 1 << steps[i];
        i += 1;
    }
    m
}

/// Which interval of the chord root a bass note plays.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum BassInt {
    Root,
    Octave,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum BackBeat {
    Snare,
    Clap,
    /// Snare layered with a clap.
    Both,
}

/// A genre's chord progressions: four diatonic degrees (0 = tonic) per
/// 4-bar phrase, for each mode.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Progressions {
    pub major: &'static [[u8; 4]],
    pub minor: &'static [[u8; 4]],
}

/// How the chord instrument plays.
#[derive(Debug, Clone, Copy)]
pub(crate) struct ChordHits {
    /// (step, length in steps)
    pub hits: &'static [(u8, u8)],
}

/// Everything the arranger needs to know about a genre.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Style {
    pub kick: u16,
    /// Kicks added at high energy (syncopation, never replacing 1 and 3).
    pub kick_extra: u16,
    pub backbeat: BackBeat,
    pub hat: u16,
    pub hat_busy: u16,
    pub open_hat: u16,
    pub swing: f32,
    pub kick_decay: f32,
    pub kick_drive: f32,
    pub snare_decay: f32,
    /// Bass rhythm: (step, length in steps, interval). Empty = follow kick (808).
    pub bass: &'static [(u8, u8, BassInt)],
    pub bass_patch: Patch,
    pub pad: Patch,
    pub chord_hits: ChordHits,
    pub lead: Patch,
    /// Melody grid in 16ths (2 = 8th notes, 4 = quarter notes).
    pub melody_grid: u8,
    /// Probability that a melody slot has an onset (before energy scaling).
    pub melody_density: f32,
    /// Melody register: MIDI note of scale degree 0 (tonic) is placed near this.
    pub melody_center: i32,
    pub sevenths: bool,
    pub reverb_room: f32,
    pub reverb_wet: f32,
    pub pad_send: f32,
    pub lead_send: f32,
    /// Loudness offset of the drum bus.
    pub drum_level: f32,
    pub crash: bool,
    /// Chord progressions to pick from, overriding the general tables in
    /// `score`.
    pub progressions: Option<Progressions>,
    /// A sustained chord bed under the chord instrument (for presets whose
    /// chords are short stabs): it carries the harmony between the hits.
    pub pad_bed: Option<Patch>,
}

const R: BassInt = BassInt::Root;
const O: BassInt = BassInt::Octave;

const EIGHTHS: u16 = mask(&[0, 2, 4, 6, 8, 10, 12, 14]);
const SIXTEENTHS: u16 = 0xFFFF;
const OFFBEATS: u16 = mask(&[2, 6, 10, 14]);
const QUARTERS_OFFBEATS: u16 = mask(&[0, 2, 4, 6, 8, 10, 12, 14]);
const QUARTERS: u16 = mask(&[0, 4, 8, 12]);
const ONE_THREE: u16 = mask(&[0, 8]);

const SUSTAIN: ChordHits = ChordHits { hits: &[(0, 16)] };

/// Techno harmony: a tonic vamp. The tonic holds for two bars of every
/// phrase and the phrase turns on one chord before the dominant (major in
/// minor keys, from harmonic minor), so a loop never leaves the key centre
/// for long.
const TECHNO_MAJOR: [[u8; 4]; 3] = [[0, 0, 3, 4], [0, 3, 0, 4], [0, 0, 5, 4]];
const TECHNO_MINOR: [[u8; 4]; 3] = [[0, 0, 5, 4], [0, 0, 3, 4], [0, 5, 0, 4]];
/// House harmony: the tonic alternating with one other chord (I–IV, I–vi;
/// i–VI, i–VII) before the dominant. No i–iv vamp in minor: the tonic is
/// also the fifth of iv, so under a tonic-tuned kick on every beat an i–iv
/// loop can be heard as v–i in the key a fourth up; VI shares the tonic and
/// its third, and VII steps back up to the tonic.
const HOUSE_MAJOR: [[u8; 4]; 3] = [[0, 3, 0, 4], [0, 5, 0, 4], [0, 0, 3, 4]];
const HOUSE_MINOR: [[u8; 4]; 3] = [[0, 5, 0, 4], [0, 6, 0, 4], [0, 0, 5, 4]];

/// A soft, slow-attack saw pad for sustained chord beds (no onsets of its
/// own, so it adds harmony without blurring the groove).
const fn bed_pad() -> Patch {
    let mut p = saw_pad(1800.0);
    p.attack = 0.4;
    p.sustain = 0.85;
    p.release = 0.6;
    p
}

const fn saw_pad(cutoff: f32) -> Patch {
    let mut p = Patch::new(Wave::Saw);
    p.voices = 2;
    p.detune = 9.0;
    p.spread = 0.6;
    p.attack = 0.08;
    p.decay = 1.0;
    p.sustain = 0.8;
    p.release = 0.5;
    p.cutoff = cutoff;
    p.level = 0.10;
    p
}

const fn ep() -> Patch {
    let mut p = Patch::new(Wave::Fm {
        ratio: 1.0,
        index: 1.6,
        decay: 0.4,
    });
    p.voices = 1;
    p.attack = 0.004;
    p.decay = 1.2;
    p.sustain = 0.35;
    p.release = 0.35;
    p.cutoff = 3500.0;
    p.level = 0.16;
    p
}

const fn sub808(drive: f32) -> Patch {
    let mut p = Patch::new(Wave::Sine);
    p.attack = 0.003;
    p.decay = 0.9;
    p.sustain = 0.55;
    p.release = 0.12;
    p.cutoff = 2000.0;
    p.drive = drive;
    p.level = 0.55;
    p
}

const fn saw_bass(cutoff: f32, env: f32) -> Patch {
    let mut p = Patch::new(Wave::Saw);
    p.attack = 0.003;
    p.decay = 0.25;
    p.sustain = 0.7;
    p.release = 0.06;
    p.cutoff = cutoff;
    p.env_cutoff = env;
    p.filter_decay = 0.12;
    p.level = 0.42;
    p
}

const fn lead(wave: Wave, cutoff: f32) -> Patch {
    let mut p = Patch::new(wave);
    p.attack = 0.01;
    p.decay = 0.4;
    p.sustain = 0.6;
    p.release = 0.18;
    p.cutoff = cutoff;
    p.env_cutoff = cutoff;
    p.filter_decay = 0.15;
    p.level = 0.16;
    p.vibrato = 12.0;
    p
}

const fn bell() -> Patch {
    let mut p = Patch::new(Wave::Fm {
        ratio: 3.5,
        index: 2.2,
        decay: 0.5,
    });
    p.attack = 0.002;
    p.decay = 0.6;
    p.sustain = 0.15;
    p.release = 0.6;
    p.cutoff = 6000.0;
    p.level = 0.15;
    p
}

impl GenrePreset {
    pub(crate) fn style(self) -> Style {
        let base = Style {
            kick: ONE_THREE,
            kick_extra: 0,
            backbeat: BackBeat::Snare,
            hat: EIGHTHS,
            hat_busy: SIXTEENTHS,
            open_hat: 0,
            swing: 0.0,
            kick_decay: 0.16,
            kick_drive: 0.0,
            snare_decay: 0.09,
            bass: &[(0, 6, R), (6, 2, R), (8, 6, R), (14, 2, O)],
            bass_patch: saw_bass(300.0, 900.0),
            pad: saw_pad(2200.0),
            chord_hits: SUSTAIN,
            lead: lead(Wave::Square, 2500.0),
            melody_grid: 2,
            melody_density: 0.55,
            melody_center: 72,
            sevenths: false,
            reverb_room: 0.8,
            reverb_wet: 0.25,
            pad_send: 0.3,
            lead_send: 0.25,
            drum_level: 1.0,
            crash: true,
            progressions: None,
            pad_bed: None,
        };
        match self {
            GenrePreset::Lofi => Style {
                kick: ONE_THREE,
                kick_extra: mask(&[11]),
                hat: EIGHTHS,
                hat_busy: EIGHTHS,
                swing: 0.12,
                kick_decay: 0.2,
                snare_decay: 0.07,
                bass: &[(0, 7, R), (8, 3, R), (11, 5, R)],
                bass_patch: {
                    let mut p = Patch::new(Wave::Triangle);
                    p.decay = 0.5;
                    p.sustain = 0.6;
                    p.release = 0.08;
                    p.cutoff = 700.0;
                    p.level = 0.5;
                    p
                },
                pad: ep(),
                chord_hits: ChordHits {
                    hits: &[(0, 10), (10, 6)],
                },
                lead: {
                    let mut p = lead(Wave::Triangle, 1800.0);
                    p.vibrato = 8.0;
                    p
                },
                melody_density: 0.45,
                sevenths: true,
                reverb_wet: 0.3,
                crash: false,
                ..base
            },
            GenrePreset::Phonk => Style {
                kick_extra: mask(&[6, 11]),
                backbeat: BackBeat::Clap,
                hat_busy: SIXTEENTHS,
                kick_decay: 0.22,
                kick_drive: 1.5,
                bass: &[],
                bass_patch: sub808(1.8),
                pad: {
                    let mut p = saw_pad(1300.0);
                    p.level = 0.07;
                    p
                },
                lead: {
                    let mut p = lead(Wave::Cowbell, 3000.0);
                    p.decay = 0.12;
                    p.sustain = 0.0;
                    p.release = 0.1;
                    p.vibrato = 0.0;
                    p.level = 0.15;
                    p
                },
                melody_grid: 2,
                melody_density: 0.7,
                melody_center: 74,
                reverb_wet: 0.2,
                ..base
            },
            GenrePreset::Trap => Style {
                kick_extra: mask(&[11, 14]),
                backbeat: BackBeat::Clap,
                kick_decay: 0.2,
                kick_drive: 0.5,
                bass: &[],
                bass_patch: sub808(0.9),
                pad: {
                    let mut p = saw_pad(1500.0);
                    p.level = 0.07;
                    p.attack = 0.2;
                    p
                },
                lead: bell(),
                melody_density: 0.5,
                melody_center: 76,
                ..base
            },
            GenrePreset::Synthwave => Style {
                kick: ONE_THREE,
                kick_extra: mask(&[10]),
                bass: &[
                    (0, 2, R),
                    (2, 2, O),
                    (4, 2, R),
                    (6, 2, O),
                    (8, 2, R),
                    (10, 2, O),
                    (12, 2, R),
                    (14, 2, O),
                ],
                bass_patch: saw_bass(400.0, 1400.0),
                pad: saw_pad(2600.0),
                lead: lead(Wave::Saw, 3000.0),
                reverb_room: 0.85,
                reverb_wet: 0.35,
                snare_decay: 0.14,
                ..base
            },
            GenrePreset::Darkwave => Style {
                kick: QUARTERS,
                bass: &[
                    (0, 2, R),
                    (2, 2, R),
                    (4, 2, R),
                    (6, 2, R),
                    (8, 2, R),
                    (10, 2, R),
                    (12, 2, R),
                    (14, 2, R),
                ],
                bass_patch: saw_bass(350.0, 1000.0),
                pad: {
                    let mut p = saw_pad(1600.0);
                    p.wave = Wave::Square;
                    p.level = 0.08;
                    p
                },
                lead: lead(Wave::Square, 2000.0),
                melody_center: 70,
                reverb_room: 0.88,
                reverb_wet: 0.35,
                ..base
            },
            GenrePreset::House => Style {
                kick: QUARTERS,
                backbeat: BackBeat::Clap,
                hat: QUARTERS_OFFBEATS,
                hat_busy: SIXTEENTHS,
                open_hat: OFFBEATS,
                kick_decay: 0.15,
                bass: &[(0, 2, R), (3, 2, R), (6, 2, R), (10, 2, O), (14, 2, R)],
                bass_patch: saw_bass(500.0, 1200.0),
                pad: {
                    let mut p = saw_pad(2800.0);
                    p.attack = 0.005;
                    p.decay = 0.18;
                    p.sustain = 0.2;
                    p.release = 0.15;
                    p.env_cutoff = 2000.0;
                    p.level = 0.14;
                    p
                },
                chord_hits: ChordHits {
                    hits: &[(0, 2), (3, 2), (6, 2), (10, 2), (14, 2)],
                },
                lead: lead(Wave::Saw, 2500.0),
                sevenths: true,
                melody_density: 0.45,
                progressions: Some(Progressions {
                    major: &HOUSE_MAJOR,
                    minor: &HOUSE_MINOR,
                }),
                pad_bed: Some(bed_pad()),
                ..base
            },
            GenrePreset::Techno => Style {
                kick: QUARTERS,
                backbeat: BackBeat::Clap,
                hat: QUARTERS_OFFBEATS,
                hat_busy: SIXTEENTHS,
                open_hat: OFFBEATS,
                kick_decay: 0.18,
                kick_drive: 0.8,
                bass: &[
                    (0, 1, R),
                    (2, 1, R),
                    (3, 1, R),
                    (6, 1, R),
                    (7, 1, O),
                    (10, 1, R),
                    (11, 1, R),
                    (14, 1, R),
                    (15, 1, O),
                ],
                bass_patch: saw_bass(300.0, 1800.0),
                pad: {
                    let mut p = saw_pad(1600.0);
                    p.level = 0.14;
                    p.attack = 0.3;
                    p
                },
                lead: {
                    let mut p = lead(Wave::Saw, 900.0);
                    p.env_cutoff = 3000.0;
                    p.vibrato = 0.0;
                    p.sustain = 0.3;
                    p
                },
                melody_density: 0.4,
                melody_center: 67,
                reverb_wet: 0.22,
                progressions: Some(Progressions {
                    major: &TECHNO_MAJOR,
                    minor: &TECHNO_MINOR,
                }),
                ..base
            },
            GenrePreset::Hyperpop => Style {
                kick_extra: mask(&[10, 14]),
                backbeat: BackBeat::Both,
                hat_busy: SIXTEENTHS,
                kick_decay: 0.18,
                kick_drive: 1.2,
                bass: &[],
                bass_patch: sub808(2.5),
                pad: {
                    let mut p = saw_pad(5000.0);
                    p.voices = 3;
                    p.detune = 18.0;
                    p.level = 0.09;
                    p
                },
                lead: {
                    let mut p = lead(Wave::Saw, 6000.0);
                    p.voices = 3;
                    p.detune = 14.0;
                    p.spread = 0.5;
                    p.level = 0.14;
                    p
                },
                melody_density: 0.65,
                melody_center: 79,
                reverb_wet: 0.2,
                ..base
            },
            GenrePreset::Ambient => Style {
                kick: ONE_THREE,
                backbeat: BackBeat::Snare,
                hat: EIGHTHS,
                hat_busy: EIGHTHS,
                kick_decay: 0.25,
                snare_decay: 0.05,
                bass: &[(0, 16, R)],
                bass_patch: {
                    let mut p = Patch::new(Wave::Sine);
                    p.attack = 0.2;
                    p.decay = 2.0;
                    p.sustain = 0.8;
                    p.release = 0.8;
                    p.level = 0.45;
                    p
                },
                pad: {
                    let mut p = saw_pad(1500.0);
                    p.attack = 1.2;
                    p.release = 2.0;
                    p.voices = 3;
                    p.level = 0.11;
                    p
                },
                lead: {
                    let mut p = bell();
                    p.release = 1.5;
                    p
                },
                melody_grid: 4,
                melody_density: 0.45,
                reverb_room: 0.92,
                reverb_wet: 0.55,
                pad_send: 0.6,
                lead_send: 0.6,
                drum_level: 0.55,
                crash: false,
                ..base
            },
            GenrePreset::Pop => Style {
                kick_extra: mask(&[6]),
                pad: {
                    let mut p = ep();
                    p.level = 0.14;
                    p
                },
                chord_hits: ChordHits {
                    hits: &[(0, 6), (6, 4), (10, 6)],
                },
                lead: {
                    let mut p = lead(Wave::Square, 2200.0);
                    p.decay = 0.25;
                    p.sustain = 0.4;
                    p
                },
                ..base
            },
            GenrePreset::DrumAndBass => Style {
                kick_extra: mask(&[10]),
                hat: EIGHTHS,
                hat_busy: SIXTEENTHS,
                kick_decay: 0.13,
                snare_decay: 0.1,
                bass: &[(0, 10, R), (10, 6, R)],
                bass_patch: {
                    let mut p = saw_bass(450.0, 300.0);
                    p.voices = 2;
                    p.detune = 12.0;
                    p.decay = 1.0;
                    p.sustain = 0.8;
                    p
                },
                pad: {
                    let mut p = saw_pad(2000.0);
                    p.attack = 0.3;
                    p
                },
                lead: lead(Wave::Saw, 2600.0),
                melody_grid: 4,
                melody_density: 0.6,
                ..base
            },
            GenrePreset::Rock => Style {
                kick_extra: mask(&[10]),
                kick_decay: 0.15,
                snare_decay: 0.12,
                bass: &[
                    (0, 2, R),
                    (2, 2, R),
                    (4, 2, R),
                    (6, 2, R),
                    (8, 2, R),
                    (10, 2, R),
                    (12, 2, R),
                    (14, 2, R),
                ],
                bass_patch: saw_bass(600.0, 800.0),
                pad: {
                    let mut p = saw_pad(2200.0);
                    p.attack = 0.005;
                    p.drive = 2.5;
                    p.level = 0.09;
                    p
                },
                chord_hits: ChordHits {
                    hits: &[(0, 3), (3, 3), (6, 2), (8, 3), (11, 3), (14, 2)],
                },
                lead: {
                    let mut p = lead(Wave::Saw, 2800.0);
                    p.drive = 1.5;
                    p
                },
                reverb_wet: 0.2,
                ..base
            },
            GenrePreset::Rnb => Style {
                kick_extra: mask(&[7]),
                hat: EIGHTHS,
                hat_busy: SIXTEENTHS,
                swing: 0.06,
                kick_decay: 0.2,
                bass: &[(0, 6, R), (7, 1, R), (8, 6, R), (14, 2, O)],
                bass_patch: {
                    let mut p = Patch::new(Wave::Sine);
                    p.decay = 0.6;
                    p.sustain = 0.7;
                    p.release = 0.08;
                    p.drive = 0.6;
                    p.level = 0.55;
                    p
                },
                pad: ep(),
                chord_hits: ChordHits {
                    hits: &[(0, 8), (8, 8)],
                },
                lead: {
                    let mut p = lead(Wave::Sine, 3000.0);
                    p.vibrato = 18.0;
                    p
                },
                sevenths: true,
                crash: false,
                ..base
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_groove_has_a_quarter_note_pulse() {
        for g in GenrePreset::ALL {
            let s = g.style();
            assert!(
                s.kick & 1 != 0 && s.kick & (1 << 8) != 0,
                "{g}: kick on 1 and 3"
            );
        }
    }

    #[test]
    fn genre_names_map() {
        use GenrePreset as G;
        let cases = [
            ("Lo-fi Hip Hop", G::Lofi),
            ("lofi", G::Lofi),
            ("dark phonk", G::Phonk),
            ("Drift Phonk", G::Phonk),
            ("synthwave", G::Synthwave),
            ("Retrowave", G::Synthwave),
            ("Darkwave", G::Darkwave),
            ("post-punk", G::Darkwave),
            ("Deep House", G::House),
            ("melodic techno", G::Techno),
            ("Hyperpop", G::Hyperpop),
            ("ambient", G::Ambient),
            ("Drum & Bass", G::DrumAndBass),
            ("drum and bass", G::DrumAndBass),
            ("DnB", G::DrumAndBass),
            ("UK drill", G::Trap),
            ("trap", G::Trap),
            ("Hip-Hop", G::Trap),
            ("indie rock", G::Rock),
            ("R&B", G::Rnb),
            ("neo soul", G::Rnb),
            ("K-pop", G::Pop),
            ("indie pop", G::Pop),
            ("polka", G::Pop),
            ("", G::Pop),
        ];
        for (name, want) in cases {
            assert_eq!(GenrePreset::from_genre_name(name), want, "{name}");
        }
    }

    #[test]
    fn serde_names_are_snake_case() {
        for g in GenrePreset::ALL {
            let json = serde_json::to_string(&g).unwrap_or_default();
            assert_eq!(json, format!("\"{}\"", g.as_str()));
        }
    }
}

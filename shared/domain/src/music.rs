//! Musical vocabulary shared by generation parameters and analysis results:
//! pitch classes with conventional spellings, modes and keys.

use std::fmt;
use std::str::FromStr;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// Conventional spellings, one per pitch class (C = 0).
pub const PITCH_NAMES: [&str; 12] = [
    "C", "C#", "D", "Eb", "E", "F", "F#", "G", "Ab", "A", "Bb", "B",
];

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Mode {
    Major,
    Minor,
}

impl fmt::Display for Mode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Mode::Major => "major",
            Mode::Minor => "minor",
        })
    }
}

/// A key: tonic pitch class 0..12 (C = 0) and mode. Serialised as
/// `{"tonic": "F#", "mode": "minor"}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
pub struct MusicalKey {
    #[serde(with = "tonic_name")]
    #[schemars(with = "String", regex(pattern = r"^[A-G](#|b)?$"))]
    pub tonic: u8,
    pub mode: Mode,
}

impl MusicalKey {
    pub fn new(tonic: u8, mode: Mode) -> Self {
        Self {
            tonic: tonic % 12,
            mode,
        }
    }

    pub fn tonic_name(&self) -> &'static str {
        PITCH_NAMES[usize::from(self.tonic % 12)]
    }
}

impl fmt::Display for MusicalKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.tonic_name(), self.mode)
    }
}

/// Parses a tonic name: a letter, optional `#`/`b` (any number), any case.
pub fn parse_tonic(s: &str) -> Option<u8> {
    let mut chars = s.trim().chars();
    let letter = chars.next()?;
    let base: i32 = match letter.to_ascii_uppercase() {
        'C' => 0,
        'D' => 2,
        'E' => 4,
        'F' => 5,
        'G' => 7,
        'A' => 9,
        'B' => 11,
        _ => return None,
    };
    let mut pc = base;
    for c in chars {
        match c {
            '#' | '♯' => pc += 1,
            'b' | '♭' => pc -= 1,
            _ => return None,
        }
    }
    u8::try_from(pc.rem_euclid(12)).ok()
}

impl FromStr for MusicalKey {
    type Err = String;

    /// Parses `"F# minor"`, `"Bb major"`, `"Am"`, `"C"` (bare tonic = major).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.trim();
        let (tonic_part, mode) = if let Some((t, m)) = s.split_once(char::is_whitespace) {
            let mode = match m.trim().to_ascii_lowercase().as_str() {
                "major" | "maj" => Mode::Major,
                "minor" | "min" => Mode::Minor,
                other => return Err(format!("unknown mode {other:?}")),
            };
            (t, mode)
        } else if let Some(t) = s.strip_suffix('m') {
            (t, Mode::Minor)
        } else {
            (s, Mode::Major)
        };
        let tonic =
            parse_tonic(tonic_part).ok_or_else(|| format!("unknown tonic {tonic_part:?}"))?;
        Ok(Self::new(tonic, mode))
    }
}

mod tonic_name {
    use serde::{Deserialize, Deserializer, Serializer, de::Error};

    pub fn serialize<S: Serializer>(tonic: &u8, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(super::PITCH_NAMES[usize::from(*tonic % 12)])
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<u8, D::Error> {
        let s = String::deserialize(d)?;
        super::parse_tonic(&s).ok_or_else(|| D::Error::custom(format!("unknown tonic {s:?}")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_parse_and_print_with_conventional_spelling() {
        let k: MusicalKey = "F# minor".parse().unwrap();
        assert_eq!(k, MusicalKey::new(6, Mode::Minor));
        assert_eq!(k.to_string(), "F# minor");
        assert_eq!(
            "Gb major".parse::<MusicalKey>().unwrap().to_string(),
            "F# major"
        );
        assert_eq!("Am".parse::<MusicalKey>().unwrap().to_string(), "A minor");
        assert_eq!("A#".parse::<MusicalKey>().unwrap().to_string(), "Bb major");
        assert!("H major".parse::<MusicalKey>().is_err());
        assert!("C dorian".parse::<MusicalKey>().is_err());
    }

    #[test]
    fn keys_round_trip_through_json() {
        let k = MusicalKey::new(10, Mode::Minor);
        let json = serde_json::to_string(&k).unwrap();
        assert_eq!(json, r#"{"tonic":"Bb","mode":"minor"}"#);
        assert_eq!(serde_json::from_str::<MusicalKey>(&json).unwrap(), k);
        assert!(serde_json::from_str::<MusicalKey>(r#"{"tonic":"X","mode":"minor"}"#).is_err());
    }
}

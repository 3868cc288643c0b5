//! Word banks per genre family for the template language model.
//!
//! Why: without a model, variety has to come from curated vocabulary. Each
//! bank holds what a genre sounds and looks like (instruments, production
//! words, imagery that matches the bundled video catalog's tags, palettes,
//! typical tempo/energy/keys) and the raw material for names, titles and
//! lyrics. Genres map to a bank through the renderer's preset mapping, so the
//! words and the synthesised audio always agree.

use noktvrn_render::music::GenrePreset;

/// The vocabulary of one genre family.
pub(crate) struct Bank {
    /// Display name used when the context names no genre.
    pub label: &'static str,
    /// Typical tempo range (BPM) and energy range (0..1).
    pub tempo: (f64, f64),
    pub energy: (f64, f64),
    /// Typical keys: (tonic pitch class, minor?).
    pub keys: &'static [(u8, bool)],
    pub palette: &'static [&'static str],
    pub instruments: &'static [&'static str],
    pub textures: &'static [&'static str],
    /// Visual imagery; words chosen to match the video catalog's tags.
    pub imagery: &'static [&'static str],
    pub moods: &'static [&'static str],
    pub themes: &'static [&'static str],
    pub title_adj: &'static [&'static str],
    pub title_noun: &'static [&'static str],
    pub name_first: &'static [&'static str],
    pub name_second: &'static [&'static str],
    pub influences: &'static [&'static str],
    pub secondary: &'static [&'static str],
    pub audience: &'static [&'static str],
    /// Short concrete images for lyric lines (lowercase).
    pub lyric_images: &'static [&'static str],
    /// Refinements a reflection may propose (lowercase phrases).
    pub refinements: &'static [&'static str],
}

pub(crate) fn bank_for(preset: GenrePreset) -> &'static Bank {
    use GenrePreset as G;
    match preset {
        G::Lofi => &LOFI,
        G::Synthwave | G::Darkwave => &SYNTHWAVE,
        G::Phonk | G::Trap => &PHONK,
        G::House => &HOUSE,
        G::Techno => &TECHNO,
        G::Ambient => &AMBIENT,
        G::DrumAndBass => &DNB,
        G::Rock => &ROCK,
        G::Pop | G::Hyperpop | G::Rnb => &POP,
    }
}

/// The genres a persona is drawn from when the context names none.
pub(crate) const DEFAULT_GENRES: [&str; 5] = ["lofi", "synthwave", "phonk", "house", "ambient"];

const LOFI: Bank = Bank {
    label: "lofi",
    tempo: (70.0, 90.0),
    energy: (0.2, 0.4),
    keys: &[
        (9, true),
        (2, true),
        (5, false),
        (0, false),
        (4, true),
        (10, false),
    ],
    palette: &[
        "#2b2d42", "#8d99ae", "#edf2f4", "#e9c46a", "#a98467", "#6b705c", "#f4a261",
    ],
    instruments: &[
        "dusty Rhodes",
        "muted jazz guitar",
        "vinyl crackle",
        "soft boom-bap drums",
        "warm upright bass",
        "tape-saturated piano",
        "mellow Wurlitzer",
    ],
    textures: &[
        "tape hiss",
        "lo-fi",
        "jazzy chords",
        "sidechained warmth",
        "swing",
        "bit-crushed",
        "cosy",
    ],
    imagery: &[
        "rain window",
        "cozy room",
        "anime sunset",
        "night city",
        "coffee",
        "bedroom studio",
        "autumn leaves",
    ],
    moods: &["nostalgic", "calm", "mellow", "wistful", "cozy", "sleepy"],
    themes: &[
        "late-night study sessions",
        "rainy afternoons",
        "old photographs",
        "quiet train rides",
        "small rituals",
        "first snow",
    ],
    title_adj: &[
        "Faded", "Quiet", "Dusty", "Sleepy", "Warm", "Paper", "Soft", "Velvet",
    ],
    title_noun: &[
        "Polaroids",
        "Rain",
        "Tea",
        "Notebooks",
        "Windows",
        "Streetlights",
        "Cassettes",
        "Mornings",
    ],
    name_first: &[
        "Mellow", "Koi", "Hazel", "Yuzu", "Saku", "Juniper", "Kumo", "Nori", "Miso", "Willow",
    ],
    name_second: &[
        "Tapes", "Bloom", "Drift", "Loops", "Café", "Sleeps", "Garden", "Radio",
    ],
    influences: &[
        "90s jazz-rap beat tapes",
        "Japanese city pop",
        "Blue Note records",
        "late-night radio",
    ],
    secondary: &["chillhop", "jazz hop", "downtempo"],
    audience: &[
        "students who study to music",
        "night-owl readers and coders",
        "listeners who unwind after work",
    ],
    lyric_images: &[
        "rain on the window",
        "a cold cup of tea",
        "pages turning slow",
        "the radiator hum",
        "streetlights in the puddles",
        "a cassette on rewind",
    ],
    refinements: &[
        "a little more tape warmth",
        "a softer kick",
        "longer chord tails",
        "a gentler swing",
        "more space between the keys",
        "a brighter piano voicing",
    ],
};

const SYNTHWAVE: Bank = Bank {
    label: "synthwave",
    tempo: (96.0, 118.0),
    energy: (0.5, 0.7),
    keys: &[
        (9, true),
        (4, true),
        (2, true),
        (7, false),
        (11, true),
        (5, false),
    ],
    palette: &[
        "#ff2a6d", "#05d9e8", "#d1f7ff", "#01012b", "#7700a6", "#fe75fe", "#ffd319",
    ],
    instruments: &[
        "analog polysynth",
        "gated reverb drums",
        "arpeggiated bass",
        "FM lead",
        "Juno pads",
        "electric tom fills",
    ],
    textures: &[
        "retro",
        "neon",
        "80s",
        "gated reverb",
        "wide chorus",
        "analog warmth",
        "cinematic",
    ],
    imagery: &[
        "neon city",
        "night drive",
        "retro grid",
        "sunset highway",
        "palm trees",
        "laser",
        "city lights",
    ],
    moods: &[
        "nostalgic",
        "driving",
        "romantic",
        "mysterious",
        "euphoric",
        "melancholic",
    ],
    themes: &[
        "midnight highways",
        "lost arcades",
        "a future that never came",
        "chrome and neon",
        "summer of 1986",
        "leaving the city",
    ],
    title_adj: &[
        "Neon", "Chrome", "Electric", "Midnight", "Crimson", "Infinite", "Analog", "Violet",
    ],
    title_noun: &[
        "Highway", "Horizon", "Arcade", "Skyline", "Drive", "Runner", "Grid", "Signal",
    ],
    name_first: &[
        "Nova", "Vector", "Kayla", "Dex", "Lazer", "Miami", "Sola", "Turbo", "Vhs", "Cyan",
    ],
    name_second: &[
        "Drive", "Runner", "Nights", "Wave", "Protocol", "Shore", "Machine", "Sunset",
    ],
    influences: &[
        "80s film soundtracks",
        "Italo disco",
        "arcade cabinets",
        "VHS-era sci-fi",
    ],
    secondary: &["retrowave", "outrun", "synthpop"],
    audience: &[
        "night drivers and retro gamers",
        "fans of 80s soundtracks",
        "listeners who like neon nostalgia",
    ],
    lyric_images: &[
        "neon on the dashboard",
        "tail lights in the rain",
        "the radio glowing blue",
        "an empty arcade",
        "chrome reflections",
        "the skyline fading out",
    ],
    refinements: &[
        "a wider arpeggio",
        "more gated snare",
        "a warmer analog pad",
        "a slower filter sweep",
        "a brighter lead",
        "less chorus on the bass",
    ],
};

const PHONK: Bank = Bank {
    label: "phonk",
    tempo: (125.0, 150.0),
    energy: (0.7, 0.9),
    keys: &[(1, true), (6, true), (4, true), (9, true), (11, true)],
    palette: &[
        "#0b0b0b", "#8a0000", "#e10600", "#f5f5f5", "#5a189a", "#ff4d00",
    ],
    instruments: &[
        "distorted 808",
        "cowbell melody",
        "Memphis vocal chops",
        "hard clap",
        "drift bass",
        "detuned bell lead",
    ],
    textures: &[
        "aggressive",
        "distorted",
        "dark",
        "gritty",
        "saturated",
        "heavy low end",
        "drift",
    ],
    imagery: &[
        "night drive",
        "street racing",
        "dark city",
        "smoke",
        "drift car",
        "red lights",
        "tunnel",
    ],
    moods: &[
        "aggressive",
        "dark",
        "menacing",
        "intense",
        "hypnotic",
        "cold",
    ],
    themes: &[
        "street racing at night",
        "neon alleys",
        "tunnel runs",
        "rivals and respect",
        "engines and smoke",
        "the city after hours",
    ],
    title_adj: &[
        "Midnight", "Toxic", "Black", "Cursed", "Ghost", "Crimson", "Savage", "Frozen",
    ],
    title_noun: &[
        "Drift", "Tunnel", "Engine", "Phantom", "Smoke", "Pressure", "Bell", "Rival",
    ],
    name_first: &[
        "Kxllx", "Vandal", "Shadow", "Ryze", "Grim", "Dusk", "Kaito", "Razor", "Venom", "Onyx",
    ],
    name_second: &[
        "Phonk", "Drift", "Mafia", "Ghost", "Noir", "Kult", "Tape", "Reaper",
    ],
    influences: &[
        "Memphis rap cassettes",
        "drift car videos",
        "90s horrorcore tapes",
        "Japanese street racing culture",
    ],
    secondary: &["drift phonk", "trap", "Memphis rap"],
    audience: &[
        "gym-goers and car enthusiasts",
        "gamers who want adrenaline",
        "fans of dark, heavy beats",
    ],
    lyric_images: &[
        "tires screaming on the wet road",
        "red lights in the mirror",
        "smoke on the asphalt",
        "the engine's cold growl",
        "a tunnel full of echoes",
        "shadows on the overpass",
    ],
    refinements: &[
        "a harder cowbell",
        "more 808 distortion",
        "a darker bell lead",
        "a tighter clap",
        "a longer drift break",
        "less reverb on the vocals",
    ],
};

const HOUSE: Bank = Bank {
    label: "house",
    tempo: (120.0, 128.0),
    energy: (0.6, 0.8),
    keys: &[
        (5, true),
        (9, true),
        (2, true),
        (0, false),
        (7, false),
        (10, true),
    ],
    palette: &[
        "#1d3557", "#e63946", "#f1faee", "#a8dadc", "#ffb703", "#8338ec", "#3a86ff",
    ],
    instruments: &[
        "four-on-the-floor kick",
        "organ stabs",
        "filtered disco chords",
        "deep sub bass",
        "crisp open hats",
        "piano riff",
    ],
    textures: &[
        "groovy",
        "deep",
        "soulful",
        "filtered",
        "sidechained",
        "warm",
        "uplifting",
    ],
    imagery: &[
        "club lights",
        "dance floor",
        "laser",
        "crowd",
        "summer festival",
        "disco ball",
        "city lights",
    ],
    moods: &[
        "euphoric",
        "groovy",
        "uplifting",
        "sensual",
        "joyful",
        "warm",
    ],
    themes: &[
        "dancing until sunrise",
        "summer rooftops",
        "strangers becoming friends",
        "the last train home",
        "warehouse nights",
        "letting go",
    ],
    title_adj: &[
        "Golden", "Deep", "Late", "Endless", "Sunlit", "Velvet", "Higher", "Electric",
    ],
    title_noun: &[
        "Groove",
        "Rooftop",
        "Sunrise",
        "Motion",
        "Feeling",
        "Dancefloor",
        "Heat",
        "Pulse",
    ],
    name_first: &[
        "Solis", "Marlo", "Kiki", "Leon", "Avi", "Odessa", "Remy", "Jules", "Nia", "Bruno",
    ],
    name_second: &[
        "House",
        "Club",
        "Avenue",
        "Society",
        "Motion",
        "Hours",
        "Collective",
        "Theory",
    ],
    influences: &[
        "Chicago house records",
        "French touch",
        "90s garage",
        "disco edits",
    ],
    secondary: &["deep house", "disco house", "UK garage"],
    audience: &[
        "club-goers and festival fans",
        "people who dance in the kitchen",
        "weekend DJs",
    ],
    lyric_images: &[
        "bodies moving in the light",
        "the bassline under my feet",
        "a rooftop full of strangers",
        "the sunrise through the smoke",
        "hands up in the heat",
        "the last song of the night",
    ],
    refinements: &[
        "a punchier kick",
        "a longer filter build",
        "more organ stabs",
        "a rounder bassline",
        "a cleaner break",
        "brighter hi-hats",
    ],
};

const TECHNO: Bank = Bank {
    label: "techno",
    tempo: (126.0, 140.0),
    energy: (0.7, 0.9),
    keys: &[(9, true), (5, true), (7, true), (0, true), (2, true)],
    palette: &[
        "#0d0d0d", "#3a3a3a", "#c0c0c0", "#00ff9f", "#ff0054", "#1f4068",
    ],
    instruments: &[
        "rumbling kick",
        "acid 303 line",
        "metallic percussion",
        "modular sequence",
        "industrial hats",
        "dub chord",
    ],
    textures: &[
        "hypnotic",
        "industrial",
        "minimal",
        "driving",
        "raw",
        "relentless",
        "dark",
    ],
    imagery: &[
        "laser",
        "warehouse",
        "strobe",
        "abstract particles",
        "tunnel",
        "industrial",
        "club lights",
    ],
    moods: &[
        "hypnotic",
        "dark",
        "relentless",
        "trance-like",
        "cold",
        "intense",
    ],
    themes: &[
        "machines that dream",
        "concrete and steel",
        "the warehouse at 5am",
        "signal and noise",
        "endless motion",
        "underground",
    ],
    title_adj: &[
        "Concrete", "Binary", "Hollow", "Steel", "Phase", "Zero", "Static", "Iron",
    ],
    title_noun: &[
        "Signal",
        "Machine",
        "Circuit",
        "Pulse",
        "System",
        "Tunnel",
        "Frequency",
        "Sector",
    ],
    name_first: &[
        "Kern", "Axis", "Voss", "Mira", "Unit", "Halden", "Sable", "Nox", "Tessa", "Oren",
    ],
    name_second: &[
        "Form",
        "Sector",
        "Modul",
        "Dept",
        "Relay",
        "Frequency",
        "Static",
        "Room",
    ],
    influences: &[
        "Detroit techno",
        "Berlin warehouse nights",
        "modular synthesis",
        "industrial music",
    ],
    secondary: &["minimal techno", "acid", "industrial techno"],
    audience: &[
        "warehouse ravers",
        "fans of long hypnotic sets",
        "people who code to repetitive music",
    ],
    lyric_images: &[
        "the strobe cutting through",
        "concrete shaking",
        "a machine heartbeat",
        "sirens far away",
        "the signal in the dark",
        "steel and smoke",
    ],
    refinements: &[
        "a drier kick",
        "a slower acid sweep",
        "more metallic percussion",
        "a longer breakdown",
        "less low-mid rumble",
        "a sharper hat pattern",
    ],
};

const AMBIENT: Bank = Bank {
    label: "ambient",
    tempo: (60.0, 80.0),
    energy: (0.1, 0.3),
    keys: &[
        (2, false),
        (7, false),
        (4, true),
        (0, false),
        (9, true),
        (5, false),
    ],
    palette: &[
        "#cad2c5", "#84a98c", "#52796f", "#354f52", "#2f3e46", "#e0fbfc", "#98c1d9",
    ],
    instruments: &[
        "evolving pads",
        "granular textures",
        "soft piano",
        "field recordings",
        "shimmer reverb",
        "slow sine drones",
    ],
    textures: &[
        "ethereal",
        "spacious",
        "drifting",
        "meditative",
        "organic",
        "slow-moving",
        "airy",
    ],
    imagery: &[
        "clouds",
        "ocean",
        "forest",
        "snow",
        "mountains",
        "aurora",
        "mist",
    ],
    moods: &[
        "peaceful",
        "dreamy",
        "serene",
        "reflective",
        "weightless",
        "calm",
    ],
    themes: &[
        "tides and time",
        "forests after rain",
        "breathing slowly",
        "the space between stars",
        "winter light",
        "drifting clouds",
    ],
    title_adj: &[
        "Still", "Distant", "Silver", "Slow", "Pale", "Floating", "Hidden", "Tidal",
    ],
    title_noun: &[
        "Tides", "Forest", "Light", "Horizon", "Breath", "Glacier", "Lantern", "Clouds",
    ],
    name_first: &[
        "Aeris", "Lumen", "Sora", "Fjord", "Halcyon", "Elin", "Mist", "Tide", "Aster", "Nimbus",
    ],
    name_second: &[
        "Fields", "Drift", "Atlas", "Hollow", "Aurora", "Quiet", "Vale", "Lights",
    ],
    influences: &[
        "tape-loop minimalism",
        "Nordic landscapes",
        "generative music",
        "nature field recordings",
    ],
    secondary: &["drone", "new age", "neoclassical"],
    audience: &[
        "listeners who meditate or sleep to music",
        "readers and writers",
        "people who need calm focus",
    ],
    lyric_images: &[
        "the tide coming in",
        "snow on the pines",
        "light through the mist",
        "a slow breath out",
        "clouds over the water",
        "the hum of the morning",
    ],
    refinements: &[
        "longer reverb tails",
        "a softer pad attack",
        "more field recording",
        "a quieter low end",
        "a slower swell",
        "a warmer drone",
    ],
};

const DNB: Bank = Bank {
    label: "drum and bass",
    tempo: (170.0, 176.0),
    energy: (0.75, 0.95),
    keys: &[(5, true), (9, true), (2, true), (7, true), (4, true)],
    palette: &[
        "#03071e", "#370617", "#dc2f02", "#ffba08", "#00b4d8", "#caf0f8",
    ],
    instruments: &[
        "amen breaks",
        "reese bass",
        "rolling sub",
        "atmospheric pads",
        "chopped vocals",
        "snappy snares",
    ],
    textures: &[
        "rolling",
        "liquid",
        "high-octane",
        "breakbeat",
        "punchy",
        "futuristic",
        "tight",
    ],
    imagery: &[
        "tunnel",
        "city lights",
        "night city",
        "abstract particles",
        "rain",
        "skate",
        "laser",
    ],
    moods: &[
        "energetic",
        "urgent",
        "euphoric",
        "dark",
        "fast",
        "determined",
    ],
    themes: &[
        "running through the city",
        "rain on the motorway",
        "pressure and release",
        "the last bus",
        "future cities",
        "heartbeat at full speed",
    ],
    title_adj: &[
        "Rapid", "Liquid", "Broken", "Urban", "Night", "Rolling", "Hyper", "Blue",
    ],
    title_noun: &[
        "Pressure", "Motion", "Circuit", "Skyline", "Rush", "Breaks", "Current", "Static",
    ],
    name_first: &[
        "Kyro", "Dex", "Sonar", "Vela", "Rix", "Ember", "Nexa", "Kade", "Lio", "Zeph",
    ],
    name_second: &[
        "Audio", "System", "Breaks", "Signal", "Flux", "Circuit", "Theory", "Motion",
    ],
    influences: &[
        "UK jungle",
        "liquid funk",
        "pirate radio",
        "breakbeat hardcore",
    ],
    secondary: &["liquid funk", "jungle", "neurofunk"],
    audience: &["runners and cyclists", "ravers who like it fast", "gamers"],
    lyric_images: &[
        "the city rushing past",
        "rain on the motorway",
        "my heart on double time",
        "lights in the underpass",
        "a bassline like thunder",
        "footsteps in the tunnel",
    ],
    refinements: &[
        "a cleaner break edit",
        "a rounder reese",
        "more space in the intro",
        "a harder drop",
        "lighter pads",
        "a faster hat roll",
    ],
};

const ROCK: Bank = Bank {
    label: "indie rock",
    tempo: (100.0, 140.0),
    energy: (0.6, 0.85),
    keys: &[
        (4, false),
        (7, false),
        (2, false),
        (9, false),
        (4, true),
        (9, true),
    ],
    palette: &[
        "#264653", "#2a9d8f", "#e9c46a", "#f4a261", "#e76f51", "#1b1b1b",
    ],
    instruments: &[
        "jangly guitars",
        "driving bass",
        "live drums",
        "fuzz pedal",
        "organ",
        "tambourine",
    ],
    textures: &[
        "raw",
        "anthemic",
        "garage",
        "fuzzy",
        "shoegaze haze",
        "live-room",
        "loud-quiet-loud",
    ],
    imagery: &[
        "skate",
        "desert",
        "road trip",
        "concert crowd",
        "sunset highway",
        "garage",
        "city lights",
    ],
    moods: &[
        "restless",
        "defiant",
        "bittersweet",
        "hopeful",
        "loud",
        "youthful",
    ],
    themes: &[
        "leaving home",
        "summer jobs",
        "friends in old cars",
        "small-town nights",
        "growing up",
        "basement shows",
    ],
    title_adj: &[
        "Broken", "Wild", "Golden", "Paper", "Loud", "Lonely", "Restless", "Young",
    ],
    title_noun: &[
        "Hearts", "Summer", "Radio", "Highway", "Garage", "Letters", "Fires", "Basement",
    ],
    name_first: &[
        "The Paper",
        "Velvet",
        "Glass",
        "The Lonely",
        "Static",
        "Rosa",
        "Wolf",
        "Copper",
        "Nine",
        "Sunday",
    ],
    name_second: &[
        "Hearts", "Kids", "Hounds", "Engines", "Parade", "Saints", "Lights", "Foxes",
    ],
    influences: &[
        "90s college radio",
        "garage rock revival",
        "shoegaze records",
        "basement punk shows",
    ],
    secondary: &["garage rock", "shoegaze", "post-punk"],
    audience: &[
        "indie kids and skaters",
        "people who miss guitar bands",
        "festival crowds",
    ],
    lyric_images: &[
        "a borrowed car with the windows down",
        "a basement full of friends",
        "guitar strings and cheap beer",
        "the highway out of town",
        "posters peeling off the wall",
        "the summer we were young",
    ],
    refinements: &[
        "a louder chorus",
        "rawer guitars",
        "a tighter drum take",
        "a quieter verse",
        "more fuzz on the bridge",
        "a shorter intro",
    ],
};

const POP: Bank = Bank {
    label: "pop",
    tempo: (95.0, 125.0),
    energy: (0.55, 0.8),
    keys: &[
        (0, false),
        (7, false),
        (2, false),
        (9, true),
        (5, false),
        (11, true),
    ],
    palette: &[
        "#ffafcc", "#bde0fe", "#a2d2ff", "#cdb4db", "#ffc8dd", "#ff006e", "#fb5607",
    ],
    instruments: &[
        "glossy synths",
        "punchy drums",
        "plucked bass",
        "vocal chops",
        "bright piano",
        "sparkling arps",
    ],
    textures: &[
        "catchy",
        "glossy",
        "bright",
        "polished",
        "bouncy",
        "modern",
        "hook-driven",
    ],
    imagery: &[
        "city lights",
        "sunset",
        "summer",
        "beach",
        "confetti",
        "neon city",
        "clouds",
    ],
    moods: &[
        "happy",
        "bittersweet",
        "confident",
        "romantic",
        "playful",
        "euphoric",
    ],
    themes: &[
        "falling in love in summer",
        "late-night texts",
        "dancing alone",
        "new beginnings",
        "best friends",
        "city lights",
    ],
    title_adj: &[
        "Sugar", "Golden", "Electric", "Pink", "Lucky", "Perfect", "Starry", "Sweet",
    ],
    title_noun: &[
        "Heartbeat",
        "Summer",
        "Signal",
        "Stars",
        "Rush",
        "Lights",
        "Daydream",
        "Message",
    ],
    name_first: &[
        "Lola", "Mika", "Zara", "Nico", "Luna", "Ivy", "Kai", "Skye", "Romi", "Tess",
    ],
    name_second: &[
        "Star", "Bloom", "Rae", "Vega", "Rose", "Sky", "Nova", "Lane",
    ],
    influences: &[
        "2000s pop radio",
        "K-pop production",
        "disco-pop",
        "bedroom pop",
    ],
    secondary: &["synthpop", "dance pop", "bedroom pop"],
    audience: &[
        "playlist listeners aged 16-30",
        "fans of catchy hooks",
        "social media creators",
    ],
    lyric_images: &[
        "your name on my phone",
        "city lights in your eyes",
        "a summer that won't end",
        "dancing in the kitchen",
        "stars over the parking lot",
        "a song stuck on repeat",
    ],
    refinements: &[
        "a bigger chorus hook",
        "a shorter intro",
        "brighter synths",
        "a punchier snare",
        "more vocal chops",
        "a cleaner bass",
    ],
};

/// Cities for backstories, by market (ISO 3166-1 alpha-2).
pub(crate) fn cities(market: &str) -> &'static [&'static str] {
    match market {
        "US" => &[
            "Los Angeles",
            "Chicago",
            "Detroit",
            "Brooklyn",
            "Austin",
            "Seattle",
        ],
        "GB" => &["London", "Manchester", "Bristol", "Glasgow", "Leeds"],
        "DE" => &["Berlin", "Hamburg", "Cologne", "Leipzig", "Munich"],
        "JP" => &["Tokyo", "Osaka", "Fukuoka", "Sapporo", "Yokohama"],
        "BR" => &["São Paulo", "Rio de Janeiro", "Belo Horizonte", "Recife"],
        "FR" => &["Paris", "Lyon", "Marseille"],
        "CA" => &["Toronto", "Montreal", "Vancouver"],
        "KR" => &["Seoul", "Busan"],
        "SE" => &["Stockholm", "Gothenburg"],
        "NL" => &["Amsterdam", "Rotterdam"],
        _ => &[
            "a small coastal town",
            "a rainy harbour city",
            "a sleepless capital",
        ],
    }
}

/// Line templates for verses: `{img}` a bank image, `{theme}` a theme,
/// `{mood}` a mood word.
pub(crate) const VERSE_LINES: &[&str] = &[
    "I keep coming back to {img}",
    "{img}, and I'm thinking about {theme}",
    "Everything feels {mood} tonight",
    "We said we'd never talk about {theme}",
    "There's {img} in every memory",
    "Hold on to the {mood} part of me",
    "Counting hours, chasing {theme}",
    "All I hear is {img}",
    "Maybe it's the {mood} in the air",
    "You and me and {img}",
    "I wrote it down: {theme}",
    "The world goes quiet, {mood} and slow",
];

/// Chorus templates; `{title}` is the song title.
pub(crate) const CHORUS_LINES: &[&str] = &[
    "{title}, {title}",
    "Take me back to {title}",
    "Oh, it's {title} again",
    "We were {mood}, we were {title}",
    "Say it with me: {title}",
    "All night long it's {title}",
];

pub(crate) const CHORUS_TAILS: &[&str] = &[
    "and I don't want it to end",
    "and the night is on our side",
    "so let it carry us away",
    "like we're the only ones awake",
    "and it's ringing in my head",
    "till the morning finds us here",
];

pub(crate) const BRIDGE_LINES: &[&str] = &[
    "If I close my eyes, it's {theme}",
    "Slower now, {mood}, slower now",
    "Everything we were is {img}",
    "Let it fade, let it stay",
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn banks_are_complete_and_in_range() {
        for g in GenrePreset::ALL {
            let b = bank_for(g);
            assert!(b.tempo.0 >= 60.0 && b.tempo.1 <= 190.0 && b.tempo.0 <= b.tempo.1);
            assert!(b.energy.0 >= 0.0 && b.energy.1 <= 1.0 && b.energy.0 <= b.energy.1);
            assert!(b.palette.len() >= 4);
            for c in b.palette {
                assert!(noktvrn_domain::artist::parse_hex_colour(c).is_some(), "{c}");
            }
            assert!(b.keys.iter().all(|(t, _)| *t < 12) && !b.keys.is_empty());
            for list in [
                b.instruments,
                b.textures,
                b.imagery,
                b.moods,
                b.themes,
                b.title_adj,
                b.title_noun,
                b.name_first,
                b.name_second,
                b.influences,
                b.secondary,
                b.audience,
                b.lyric_images,
                b.refinements,
            ] {
                assert!(list.len() >= 3, "{}", b.label);
            }
        }
    }
}

//! Shared fixtures: a configuration pointed at a local server, a preview,
//! and the Bot API JSON shapes under `tests/fixtures/`.

use std::time::Duration;

use chrono::TimeZone;
use noktvrn_domain::ids::{ArtistId, RunId};
use noktvrn_pipeline::ports::ApprovalPreview;
use noktvrn_telegram::{ChatTarget, TelegramConfig};
use secrecy::SecretString;

pub const TOKEN: &str = "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw";
pub const SECRET: &str = "wH00k-s3cret_Value";
pub const CHAT_ID: i64 = -1001234567890;
pub const ALICE: i64 = 1111111;
pub const BOB: i64 = 2222222;
pub const MALLORY: i64 = 6666666;
pub const APPROVAL_ID: &str = "01hzx3k9abcd";
pub const AUDIO_URL: &str =
    "https://assets.example.org/tracks/01HZX3K9ABCDEFGHJKMNPQRSTV/audio.wav?X-Amz-Signature=abc";

pub const SEND_MESSAGE_OK: &str = include_str!("../fixtures/send_message_ok.json");
pub const EDIT_MESSAGE_TEXT_OK: &str = include_str!("../fixtures/edit_message_text_ok.json");
pub const UPDATE_CALLBACK_QUERY: &str = include_str!("../fixtures/update_callback_query.json");
pub const UPDATE_CALLBACK_INACCESSIBLE: &str =
    include_str!("../fixtures/update_callback_inaccessible_message.json");
pub const UPDATE_CALLBACK_GAME: &str = include_str!("../fixtures/update_callback_game.json");
pub const UPDATE_MESSAGE: &str = include_str!("../fixtures/update_message.json");
pub const UPDATE_EDITED_MESSAGE: &str = include_str!("../fixtures/update_edited_message.json");
pub const UPDATE_MY_CHAT_MEMBER: &str = include_str!("../fixtures/update_my_chat_member.json");

pub fn config(api_url: &str) -> TelegramConfig {
    TelegramConfig::new(
        SecretString::from(TOKEN),
        ChatTarget::Id(CHAT_ID),
        [ALICE, BOB],
        SecretString::from(SECRET),
    )
    .unwrap()
    .with_api_url(api_url)
    .unwrap()
    .with_timeout(Duration::from_millis(500))
}

pub fn preview() -> ApprovalPreview {
    ApprovalPreview {
        approval_id: APPROVAL_ID.into(),
        run_id: RunId::parse("01HZX3K9ABCDEFGHJKMNPQRSTV").unwrap(),
        artist_id: ArtistId::parse("nova_vale").unwrap(),
        artist_name: "Nova Vale".into(),
        title: "Neon Tides".into(),
        genre: "synthwave".into(),
        bpm: Some(118.0),
        key: Some("A minor".into()),
        duration_s: 185.4,
        loudness_lufs: Some(-14.2),
        structure: "intro → verse → chorus → outro".into(),
        audio_url: AUDIO_URL.into(),
        video: Some("https://www.pexels.com/video/123/ (Video by Jo Doe on Pexels)".into()),
        ab_variant: Some("B".into()),
        expires_at: chrono::Utc.with_ymd_and_hms(2025, 1, 2, 10, 0, 0).unwrap(),
    }
}

/// A fixture as a JSON value, to vary one field.
pub fn json(fixture: &str) -> serde_json::Value {
    serde_json::from_str(fixture).unwrap()
}

//! What a reviewer reads: the preview message (Bot API HTML parse mode) and
//! the short texts shown after a button press.
//!
//! Why a module of its own: this is the only place user-controlled text
//! (titles, artist names, structure summaries from an LLM or a person) meets
//! Telegram's markup, so every such value goes through [`escape_html`] here
//! and nowhere else needs to remember it. It is pure, so it is tested
//! without a network.

use std::fmt;

use noktvrn_domain::run::Decision;
use noktvrn_pipeline::ports::ApprovalPreview;

/// Longest stretch of one free-text field in a preview, in characters: a
/// runaway title or structure summary must not push the message past
/// Telegram's 4096-character limit (which would fail the whole request).
pub const MAX_FIELD_CHARS: usize = 300;

/// Escapes text for Telegram's HTML parse mode: `&`, `<`, `>` and `"` are
/// the characters its parser gives meaning to (it knows exactly the named
/// entities `&lt;`, `&gt;`, `&amp;` and `&quot;`).
pub fn escape_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            c => out.push(c),
        }
    }
    out
}

/// At most `max` characters, with an ellipsis when cut.
fn clip(text: &str, max: usize) -> String {
    let text = text.trim();
    match text.char_indices().nth(max) {
        None => text.to_string(),
        Some((cut, _)) => format!("{}…", &text[..cut]),
    }
}

/// User text, clipped and escaped; an em dash when empty.
fn field(text: &str) -> String {
    let text = text.trim();
    if text.is_empty() {
        "—".to_string()
    } else {
        escape_html(&clip(text, MAX_FIELD_CHARS))
    }
}

/// `m:ss` (minutes unbounded): 185.4 s is `3:05`.
pub fn format_duration(seconds: f64) -> String {
    let total = if seconds.is_finite() && seconds > 0.0 {
        seconds.round() as u64
    } else {
        0
    };
    format!("{}:{:02}", total / 60, total % 60)
}

fn number(value: Option<f64>, decimals: usize, unit: &str) -> String {
    match value {
        Some(v) if v.is_finite() => format!("{v:.decimals$}{unit}"),
        _ => "—".to_string(),
    }
}

/// The preview message in HTML parse mode. Every value that came from an
/// artist, an LLM or a provider is escaped.
pub fn preview_html(preview: &ApprovalPreview) -> String {
    let key = preview.key.as_deref().map(field);
    let lines = [
        "🎧 <b>New track awaiting approval</b>".to_string(),
        String::new(),
        format!("<b>Artist:</b> {}", field(&preview.artist_name)),
        format!("<b>Title:</b> {}", field(&preview.title)),
        format!("<b>Genre:</b> {}", field(&preview.genre)),
        format!(
            "<b>BPM:</b> {} · <b>Key:</b> {}",
            number(preview.bpm, 0, ""),
            key.unwrap_or_else(|| "—".into())
        ),
        format!(
            "<b>Duration:</b> {} · <b>Loudness:</b> {}",
            format_duration(preview.duration_s),
            number(preview.loudness_lufs, 1, " LUFS")
        ),
        format!("<b>Structure:</b> {}", field(&preview.structure)),
        format!(
            "<b>Video:</b> {}",
            field(preview.video.as_deref().unwrap_or_default())
        ),
        format!(
            "<b>A/B variant:</b> {}",
            field(preview.ab_variant.as_deref().unwrap_or_default())
        ),
        format!(
            "<b>Expires:</b> {}",
            preview.expires_at.format("%Y-%m-%d %H:%M UTC")
        ),
        format!(
            "<b>Approval id:</b> <code>{}</code>",
            escape_html(&preview.approval_id)
        ),
    ];
    lines.join("\n")
}

/// The short texts shown after a button press (the callback answer, a toast
/// of at most 200 characters) and in the edited message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Notice<'a> {
    /// The press was recorded. `decided_by` is
    /// [`IncomingDecision::decided_by`](noktvrn_pipeline::ports::IncomingDecision):
    /// `telegram:{user_id}` optionally followed by ` @username`.
    Decided {
        decision: Decision,
        decided_by: &'a str,
    },
    /// Someone decided first, or the request expired: nothing changed.
    AlreadyDecided,
    /// The user is not on the allow list.
    NotAllowed,
    /// The button's data could not be read (an old or foreign keyboard).
    UnknownButton,
}

impl fmt::Display for Notice<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Notice::Decided {
                decision,
                decided_by,
            } => {
                let verb = match decision {
                    Decision::Approved => "✅ Approved",
                    Decision::Rejected => "❌ Rejected",
                    Decision::Expired => return f.write_str("⌛ Expired"),
                };
                write!(f, "{verb} by {}", reviewer_label(decided_by))
            }
            Notice::AlreadyDecided => f.write_str("Already decided"),
            Notice::NotAllowed => f.write_str("Not allowed"),
            Notice::UnknownButton => f.write_str("Unknown button"),
        }
    }
}

/// `@alice` for `telegram:42 @alice`, `user 42` for `telegram:42`, the value
/// itself otherwise.
fn reviewer_label(decided_by: &str) -> String {
    if let Some((_, name)) = decided_by.split_once(' ')
        && name.starts_with('@')
    {
        return name.to_string();
    }
    match decided_by.strip_prefix("telegram:") {
        Some(id) => format!("user {id}"),
        None => decided_by.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;
    use noktvrn_domain::ids::{ArtistId, RunId};

    use super::*;

    fn preview() -> ApprovalPreview {
        ApprovalPreview {
            approval_id: "01hzx3k9abcd".into(),
            run_id: RunId::parse("01HZX3K9ABCDEFGHJKMNPQRSTV").unwrap(),
            artist_id: ArtistId::parse("nova_vale").unwrap(),
            artist_name: "Nova & Vale".into(),
            title: "Neon <b>Tides</b> & \"Echoes\"".into(),
            genre: "synthwave".into(),
            bpm: Some(118.4),
            key: Some("A minor".into()),
            duration_s: 185.4,
            loudness_lufs: Some(-14.23),
            structure: "intro → verse → chorus".into(),
            audio_url: "https://example.org/a.wav".into(),
            video: Some("https://www.pexels.com/video/1/ (Video by Jo on Pexels)".into()),
            ab_variant: Some("B".into()),
            expires_at: chrono::Utc.with_ymd_and_hms(2025, 3, 4, 5, 6, 7).unwrap(),
        }
    }

    #[test]
    fn escapes_every_character_the_html_mode_parses() {
        assert_eq!(
            escape_html(r#"<b>Tom & "Jerry"</b>"#),
            "&lt;b&gt;Tom &amp; &quot;Jerry&quot;&lt;/b&gt;"
        );
    }

    #[test]
    fn the_preview_shows_every_field_with_user_text_escaped() {
        let html = preview_html(&preview());
        assert!(html.contains("<b>Artist:</b> Nova &amp; Vale"), "{html}");
        assert!(
            html.contains("<b>Title:</b> Neon &lt;b&gt;Tides&lt;/b&gt; &amp; &quot;Echoes&quot;"),
            "{html}"
        );
        assert!(html.contains("<b>BPM:</b> 118 · <b>Key:</b> A minor"));
        assert!(html.contains("<b>Duration:</b> 3:05 · <b>Loudness:</b> -14.2 LUFS"));
        assert!(html.contains("<b>Structure:</b> intro → verse → chorus"));
        assert!(html.contains("(Video by Jo on Pexels)"));
        assert!(html.contains("<b>A/B variant:</b> B"));
        assert!(html.contains("<b>Expires:</b> 2025-03-04 05:06 UTC"));
        assert!(html.contains("<code>01hzx3k9abcd</code>"));
        assert!(!html.contains("<b>Tides"));
    }

    #[test]
    fn missing_values_show_a_dash() {
        let mut p = preview();
        p.bpm = None;
        p.key = None;
        p.loudness_lufs = Some(f64::NAN);
        p.video = None;
        p.ab_variant = None;
        p.structure = String::new();
        let html = preview_html(&p);
        assert!(html.contains("<b>BPM:</b> — · <b>Key:</b> —"), "{html}");
        assert!(html.contains("<b>Loudness:</b> —"));
        assert!(html.contains("<b>Video:</b> —"));
        assert!(html.contains("<b>A/B variant:</b> —"));
        assert!(html.contains("<b>Structure:</b> —"));
    }

    #[test]
    fn long_fields_are_clipped_before_escaping() {
        let mut p = preview();
        p.structure = "<".repeat(5000);
        let html = preview_html(&p);
        assert!(html.chars().count() < 4096, "{}", html.len());
        assert!(html.contains(&format!("{}…", "&lt;".repeat(MAX_FIELD_CHARS))));
    }

    #[test]
    fn durations_are_minutes_and_seconds() {
        assert_eq!(format_duration(185.4), "3:05");
        assert_eq!(format_duration(59.6), "1:00");
        assert_eq!(format_duration(3725.0), "62:05");
        assert_eq!(format_duration(-1.0), "0:00");
        assert_eq!(format_duration(f64::NAN), "0:00");
    }

    #[test]
    fn notices_name_the_reviewer() {
        let approved = Notice::Decided {
            decision: Decision::Approved,
            decided_by: "telegram:42 @alice",
        };
        assert_eq!(approved.to_string(), "✅ Approved by @alice");
        let rejected = Notice::Decided {
            decision: Decision::Rejected,
            decided_by: "telegram:42",
        };
        assert_eq!(rejected.to_string(), "❌ Rejected by user 42");
        assert_eq!(Notice::AlreadyDecided.to_string(), "Already decided");
        assert_eq!(Notice::NotAllowed.to_string(), "Not allowed");
    }
}

//! `TelegramApproval` against a wiremock server speaking the Bot API.

use std::time::Duration;

use noktvrn_pipeline::error::ProviderError;
use noktvrn_pipeline::ports::ApprovalChannel;
use noktvrn_telegram::{ChatTarget, TelegramApproval, TelegramConfig};
use secrecy::SecretString;
use serde_json::Value;
use wiremock::matchers::{header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::support::*;

fn send_message_path() -> String {
    format!("/bot{TOKEN}/sendMessage")
}

async fn server_answering(status: u16, body: &str) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(send_message_path()))
        .respond_with(
            ResponseTemplate::new(status).set_body_raw(body.to_owned(), "application/json"),
        )
        .mount(&server)
        .await;
    server
}

async fn send_to(server: &MockServer) -> Result<String, ProviderError> {
    let channel = TelegramApproval::new(config(&server.uri())).unwrap();
    channel.send_request(&preview()).await
}

/// The one JSON body the server received.
async fn only_request_body(server: &MockServer) -> Value {
    let requests = server.received_requests().await.unwrap();
    assert_eq!(requests.len(), 1, "exactly one request is sent");
    serde_json::from_slice(&requests[0].body).unwrap()
}

/// Everything an error shows, for checking that the token never leaks.
fn everything_shown(e: &ProviderError) -> String {
    let mut shown = format!("{e} | {e:?}");
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        shown.push_str(&format!(" | {s} | {s:?}"));
        source = s.source();
    }
    shown
}

#[tokio::test]
async fn send_request_posts_one_html_message_with_approve_reject_and_listen_buttons() {
    // GIVEN a Bot API that accepts the message
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(send_message_path()))
        .and(header("content-type", "application/json"))
        .respond_with(ResponseTemplate::new(200).set_body_raw(SEND_MESSAGE_OK, "application/json"))
        .expect(1)
        .mount(&server)
        .await;

    // WHEN the preview is sent
    let reference = send_to(&server).await.unwrap();

    // THEN the message reference is {chat_id}/{message_id} from the answer
    assert_eq!(reference, format!("{CHAT_ID}/42"));
    // AND the request carries the chat, HTML mode and the keyboard
    let body = only_request_body(&server).await;
    assert_eq!(body["chat_id"], CHAT_ID);
    assert_eq!(body["parse_mode"], "HTML");
    assert_eq!(body["link_preview_options"]["is_disabled"], true);
    let keyboard = body["reply_markup"]["inline_keyboard"].as_array().unwrap();
    assert_eq!(keyboard.len(), 2, "{keyboard:?}");
    assert_eq!(
        keyboard[0][0]["callback_data"],
        format!("approve:{APPROVAL_ID}")
    );
    assert_eq!(
        keyboard[0][1]["callback_data"],
        format!("reject:{APPROVAL_ID}")
    );
    assert!(keyboard[0][0]["text"].as_str().unwrap().contains("Approve"));
    assert!(keyboard[0][1]["text"].as_str().unwrap().contains("Reject"));
    assert_eq!(keyboard[1][0]["url"], AUDIO_URL);
    assert!(keyboard[1][0]["text"].as_str().unwrap().contains("Listen"));
    for button in keyboard.iter().flat_map(|row| row.as_array().unwrap()) {
        if let Some(data) = button["callback_data"].as_str() {
            assert!(data.len() <= 64, "{data}");
        }
    }
    let text = body["text"].as_str().unwrap();
    for expected in [
        "<b>Artist:</b> Nova Vale",
        "<b>Title:</b> Neon Tides",
        "<b>Genre:</b> synthwave",
        "<b>BPM:</b> 118",
        "<b>Key:</b> A minor",
        "<b>Duration:</b> 3:05",
        "-14.2 LUFS",
        "intro → verse → chorus → outro",
        "(Video by Jo Doe on Pexels)",
        "<b>A/B variant:</b> B",
        "<b>Expires:</b> 2025-01-02 10:00 UTC",
        "<code>01hzx3k9abcd</code>",
    ] {
        assert!(text.contains(expected), "missing {expected:?} in {text}");
    }
}

#[tokio::test]
async fn user_text_with_markup_is_escaped_in_the_request() {
    let server = server_answering(200, SEND_MESSAGE_OK).await;
    let channel = TelegramApproval::new(config(&server.uri())).unwrap();
    let mut preview = preview();
    preview.title = "<b>&".into();
    preview.artist_name = "<i>Nova</i>".into();

    channel.send_request(&preview).await.unwrap();

    let body = only_request_body(&server).await;
    let text = body["text"].as_str().unwrap();
    assert!(text.contains("<b>Title:</b> &lt;b&gt;&amp;"), "{text}");
    assert!(text.contains("&lt;i&gt;Nova&lt;/i&gt;"), "{text}");
    assert!(!text.contains("<b>&"), "{text}");
}

#[tokio::test]
async fn a_channel_username_is_sent_as_a_string_and_the_reference_uses_the_numeric_chat() {
    let server = server_answering(200, SEND_MESSAGE_OK).await;
    let config = TelegramConfig::new(
        SecretString::from(TOKEN),
        ChatTarget::Channel("@noktvrn_review".into()),
        [ALICE],
        SecretString::from(SECRET),
    )
    .unwrap()
    .with_api_url(&server.uri())
    .unwrap();
    let channel = TelegramApproval::new(&config).unwrap();

    let reference = channel.send_request(&preview()).await.unwrap();

    assert_eq!(reference, format!("{CHAT_ID}/42"));
    assert_eq!(
        only_request_body(&server).await["chat_id"],
        "@noktvrn_review"
    );
}

#[tokio::test]
async fn no_listen_button_when_the_audio_is_not_at_an_http_url() {
    for audio_url in ["", "file:///tmp/audio.wav", "tracks/01HZX/audio.wav"] {
        let server = server_answering(200, SEND_MESSAGE_OK).await;
        let channel = TelegramApproval::new(config(&server.uri())).unwrap();
        let mut preview = preview();
        preview.audio_url = audio_url.into();

        channel.send_request(&preview).await.unwrap();

        let body = only_request_body(&server).await;
        let keyboard = body["reply_markup"]["inline_keyboard"].as_array().unwrap();
        assert_eq!(keyboard.len(), 1, "{audio_url:?}: {keyboard:?}");
    }
}

#[tokio::test]
async fn an_approval_id_that_cannot_be_callback_data_is_rejected_before_sending() {
    let server = server_answering(200, SEND_MESSAGE_OK).await;
    let channel = TelegramApproval::new(config(&server.uri())).unwrap();
    for id in ["x".repeat(60), "has space".into(), String::new()] {
        let mut preview = preview();
        preview.approval_id = id.clone();
        let e = channel.send_request(&preview).await.unwrap_err();
        assert!(matches!(e, ProviderError::Rejected { .. }), "{id:?}: {e:?}");
    }
    assert!(server.received_requests().await.unwrap().is_empty());
}

#[tokio::test]
async fn flood_control_is_throttling_with_telegrams_retry_after() {
    let server = server_answering(
        429,
        r#"{"ok":false,"error_code":429,"description":"Too Many Requests: retry after 7","parameters":{"retry_after":7}}"#,
    )
    .await;

    let e = send_to(&server).await.unwrap_err();

    match e {
        ProviderError::Throttled { retry_after, .. } => {
            assert_eq!(retry_after, Some(Duration::from_secs(7)))
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn server_errors_are_unavailable_and_answered_without_delay() {
    for (status, body) in [
        (
            500,
            r#"{"ok":false,"error_code":500,"description":"Internal Server Error"}"#,
        ),
        (
            502,
            "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx/1.18.0</center>\r\n</body>\r\n</html>\r\n",
        ),
    ] {
        let server = server_answering(status, body).await;
        let started = std::time::Instant::now();

        let e = send_to(&server).await.unwrap_err();

        assert!(
            matches!(e, ProviderError::Unavailable { .. }),
            "{status}: {e:?}"
        );
        assert!(e.is_retryable());
        assert!(
            started.elapsed() < Duration::from_secs(2),
            "no in-process sleep"
        );
    }
}

#[tokio::test]
async fn a_hang_past_the_timeout_is_unavailable_and_the_error_hides_the_token() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(send_message_path()))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_raw(SEND_MESSAGE_OK, "application/json")
                .set_delay(Duration::from_secs(5)),
        )
        .mount(&server)
        .await;
    let started = std::time::Instant::now();

    let e = send_to(&server).await.unwrap_err();

    assert!(
        started.elapsed() < Duration::from_secs(3),
        "the 500 ms timeout applies"
    );
    match &e {
        ProviderError::Unavailable { message, .. } => {
            assert!(message.contains("timed out"), "{message}")
        }
        other => panic!("{other:?}"),
    }
    let shown = everything_shown(&e);
    assert!(!shown.contains(TOKEN), "{shown}");
    assert!(
        !shown.contains("AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw"),
        "{shown}"
    );
}

#[tokio::test]
async fn an_unreachable_server_is_unavailable_and_the_error_hides_the_token() {
    // A port nothing listens on: bind, note the port, close.
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let channel = TelegramApproval::new(config(&format!("http://127.0.0.1:{port}"))).unwrap();

    let e = channel.send_request(&preview()).await.unwrap_err();

    assert!(matches!(e, ProviderError::Unavailable { .. }), "{e:?}");
    let shown = everything_shown(&e);
    assert!(
        !shown.contains("AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw"),
        "{shown}"
    );
}

#[tokio::test]
async fn a_malformed_body_is_an_invalid_response() {
    for body in [
        "{\"ok\":true,\"result\":",
        "Service temporarily overloaded",
        r#"{"ok":true,"result":{"chat":{"id":1}}}"#,
        r#"{"ok":true}"#,
    ] {
        let server = server_answering(200, body).await;

        let e = send_to(&server).await.unwrap_err();

        assert!(
            matches!(e, ProviderError::InvalidResponse { .. }),
            "{body}: {e:?}"
        );
    }
}

#[tokio::test]
async fn client_errors_are_rejections_that_are_not_retried() {
    for (status, body) in [
        (
            400,
            r#"{"ok":false,"error_code":400,"description":"Bad Request: chat not found"}"#,
        ),
        (
            401,
            r#"{"ok":false,"error_code":401,"description":"Unauthorized"}"#,
        ),
        (
            403,
            r#"{"ok":false,"error_code":403,"description":"Forbidden: bot was blocked by the user"}"#,
        ),
        (
            403,
            r#"{"ok":false,"error_code":403,"description":"Forbidden: bot is not a member of the channel chat"}"#,
        ),
        (
            404,
            r#"{"ok":false,"error_code":404,"description":"Not Found"}"#,
        ),
        (
            400,
            r#"{"ok":false,"error_code":400,"description":"Bad Request: can't parse entities: Unsupported start tag \"x\" at byte offset 12"}"#,
        ),
    ] {
        let server = server_answering(status, body).await;

        let e = send_to(&server).await.unwrap_err();

        match &e {
            ProviderError::Rejected { message, .. } => {
                assert!(message.contains(&status.to_string()), "{message}")
            }
            other => panic!("{status}: {other:?}"),
        }
        assert!(!e.is_retryable());
    }
}

#[tokio::test]
async fn the_channel_is_named_telegram_and_its_debug_hides_the_token() {
    let channel = TelegramApproval::new(config("http://127.0.0.1:9")).unwrap();
    assert_eq!(channel.name(), "telegram");
    let debug = format!("{channel:?}");
    assert!(
        !debug.contains("AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw"),
        "{debug}"
    );
}

#[tokio::test]
async fn edit_after_decision_replaces_the_text_and_drops_the_keyboard() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(format!("/bot{TOKEN}/editMessageText")))
        .respond_with(
            ResponseTemplate::new(200).set_body_raw(EDIT_MESSAGE_TEXT_OK, "application/json"),
        )
        .expect(1)
        .mount(&server)
        .await;
    let channel = TelegramApproval::new(config(&server.uri())).unwrap();

    channel
        .edit_after_decision(&format!("{CHAT_ID}/42"), "✅ Approved by @alice")
        .await
        .unwrap();

    let body = only_request_body(&server).await;
    assert_eq!(body["chat_id"], CHAT_ID);
    assert_eq!(body["message_id"], 42);
    assert_eq!(body["text"], "✅ Approved by @alice");
    assert!(body.get("reply_markup").is_none(), "{body}");
    assert!(body.get("parse_mode").is_none(), "plain text: {body}");
}

#[tokio::test]
async fn editing_an_already_edited_message_succeeds() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(format!("/bot{TOKEN}/editMessageText")))
        .respond_with(ResponseTemplate::new(400).set_body_raw(
            r#"{"ok":false,"error_code":400,"description":"Bad Request: message is not modified: specified new message content and reply markup are exactly the same as a current content and reply markup of the message"}"#,
            "application/json",
        ))
        .mount(&server)
        .await;
    let channel = TelegramApproval::new(config(&server.uri())).unwrap();

    channel
        .edit_after_decision(&format!("{CHAT_ID}/42"), "✅ Approved by @alice")
        .await
        .unwrap();
}

#[tokio::test]
async fn editing_a_deleted_message_is_rejected_and_a_bad_reference_never_calls_out() {
    let server = server_answering(200, SEND_MESSAGE_OK).await;
    Mock::given(method("POST"))
        .and(path(format!("/bot{TOKEN}/editMessageText")))
        .respond_with(ResponseTemplate::new(400).set_body_raw(
            r#"{"ok":false,"error_code":400,"description":"Bad Request: message to edit not found"}"#,
            "application/json",
        ))
        .mount(&server)
        .await;
    let channel = TelegramApproval::new(config(&server.uri())).unwrap();

    let e = channel
        .edit_after_decision(&format!("{CHAT_ID}/42"), "x")
        .await
        .unwrap_err();
    assert!(matches!(e, ProviderError::Rejected { .. }), "{e:?}");

    let before = server.received_requests().await.unwrap().len();
    let e = channel
        .edit_after_decision("not-a-ref", "x")
        .await
        .unwrap_err();
    assert!(matches!(e, ProviderError::Rejected { .. }), "{e:?}");
    assert_eq!(server.received_requests().await.unwrap().len(), before);
}

//! `Webhook::handle` on real Bot API `Update` shapes.

use std::io::Write;
use std::sync::{Arc, Mutex};

use noktvrn_domain::run::{Decision, DecisionMethod};
use noktvrn_telegram::{
    CallbackDataError, IgnoreReason, Notice, RefusalReason, Webhook, WebhookOutcome,
    answer_callback, callback_message_ref,
};
use serde_json::{Value, json};

use crate::support::*;

const CALLBACK_ID: &str = "4382bfdwdsb323b2d9";

fn webhook() -> Webhook {
    Webhook::new(config("http://127.0.0.1:9"))
}

fn handle(body: &Value) -> WebhookOutcome {
    webhook().handle(Some(SECRET), body.to_string().as_bytes())
}

/// The callback-query update with its `data` and `from` changed.
fn press(data: &str, from: Value) -> Value {
    let mut update = json(UPDATE_CALLBACK_QUERY);
    update["callback_query"]["data"] = Value::from(data);
    update["callback_query"]["from"] = from;
    update
}

fn alice() -> Value {
    json!({"id": ALICE, "is_bot": false, "first_name": "Alice", "username": "alice", "language_code": "en"})
}

#[test]
fn an_allowed_reviewer_pressing_approve_is_a_human_decision() {
    // GIVEN the real callback-query update, with the right secret
    let body = UPDATE_CALLBACK_QUERY.as_bytes();

    // WHEN the webhook handles it
    let outcome = webhook().handle(Some(SECRET), body);

    // THEN it is Alice's approval of the approval id on the button
    match outcome {
        WebhookOutcome::Decision {
            decision,
            callback_query_id,
        } => {
            assert_eq!(decision.approval_id, APPROVAL_ID);
            assert_eq!(decision.decision, Decision::Approved);
            assert_eq!(decision.method, DecisionMethod::Human);
            assert_eq!(decision.decided_by, format!("telegram:{ALICE} @alice"));
            assert_eq!(decision.note, None);
            assert_eq!(callback_query_id, CALLBACK_ID);
        }
        other => panic!("{other:?}"),
    }
    // AND the message it came from can be found for editing
    assert_eq!(
        callback_message_ref(body).as_deref(),
        Some("-1001234567890/42")
    );
}

#[test]
fn reject_data_is_a_rejection() {
    let outcome = handle(&press(&format!("reject:{APPROVAL_ID}"), alice()));
    match outcome {
        WebhookOutcome::Decision { decision, .. } => {
            assert_eq!(decision.decision, Decision::Rejected);
            assert_eq!(decision.approval_id, APPROVAL_ID);
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_reviewer_without_a_username_is_named_by_id_only() {
    let bob = json!({"id": BOB, "is_bot": false, "first_name": "Bob"});
    match handle(&press(&format!("approve:{APPROVAL_ID}"), bob)) {
        WebhookOutcome::Decision { decision, .. } => {
            assert_eq!(decision.decided_by, format!("telegram:{BOB}"))
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_press_on_an_inaccessible_message_still_counts() {
    let outcome = webhook().handle(Some(SECRET), UPDATE_CALLBACK_INACCESSIBLE.as_bytes());
    match outcome {
        WebhookOutcome::Decision { decision, .. } => {
            assert_eq!(decision.decision, Decision::Rejected);
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(
        callback_message_ref(UPDATE_CALLBACK_INACCESSIBLE.as_bytes()).as_deref(),
        Some("-1001234567890/42")
    );
}

#[test]
fn a_wrong_or_missing_secret_is_unauthorized_whatever_the_body() {
    let wrong_prefix = &SECRET[..SECRET.len() - 1];
    let longer = format!("{SECRET}x");
    let upper = SECRET.to_uppercase();
    for header in [
        None,
        Some(""),
        Some("nope"),
        Some(wrong_prefix),
        Some(longer.as_str()),
        Some(upper.as_str()),
    ] {
        for body in [UPDATE_CALLBACK_QUERY.as_bytes(), b"garbage".as_slice()] {
            assert_eq!(
                webhook().handle(header, body),
                WebhookOutcome::Unauthorized,
                "{header:?}"
            );
        }
    }
}

#[test]
fn a_user_not_on_the_allow_list_is_refused_with_the_callback_id() {
    let mallory =
        json!({"id": MALLORY, "is_bot": false, "first_name": "Mallory", "username": "mallory"});
    for data in [format!("approve:{APPROVAL_ID}"), "approve:".into()] {
        let outcome = handle(&press(&data, mallory.clone()));
        assert_eq!(
            outcome,
            WebhookOutcome::Refused {
                callback_query_id: CALLBACK_ID.into(),
                reason: RefusalReason::UserNotAllowed { user_id: MALLORY },
            },
            "{data}"
        );
        assert_eq!(outcome.callback_query_id(), Some(CALLBACK_ID));
    }
}

#[test]
fn malformed_callback_data_is_ignored_but_keeps_the_callback_id() {
    let too_long = format!("approve:{}", "a".repeat(57));
    let cases = [
        ("approve:".to_string(), CallbackDataError::EmptyId),
        (too_long, CallbackDataError::TooLong { len: 65 }),
        (
            format!("publish:{APPROVAL_ID}"),
            CallbackDataError::UnknownVerb,
        ),
        (APPROVAL_ID.to_string(), CallbackDataError::NoSeparator),
        (
            "approve:<script>".to_string(),
            CallbackDataError::BadCharacters,
        ),
    ];
    for (data, error) in cases {
        let outcome = handle(&press(&data, alice()));
        assert_eq!(
            outcome,
            WebhookOutcome::Ignored {
                reason: IgnoreReason::MalformedCallbackData {
                    callback_query_id: CALLBACK_ID.into(),
                    error,
                }
            },
            "{data}"
        );
        assert_eq!(outcome.callback_query_id(), Some(CALLBACK_ID));
    }
}

#[test]
fn a_press_without_data_is_ignored() {
    let outcome = webhook().handle(Some(SECRET), UPDATE_CALLBACK_GAME.as_bytes());
    assert_eq!(
        outcome,
        WebhookOutcome::Ignored {
            reason: IgnoreReason::NoCallbackData {
                callback_query_id: "4382bfdwdsb323b2e1".into()
            }
        }
    );
}

#[test]
fn other_update_kinds_are_ignored_and_named() {
    let cases = [
        (UPDATE_MESSAGE.to_string(), "message"),
        (UPDATE_EDITED_MESSAGE.to_string(), "edited_message"),
        (UPDATE_MY_CHAT_MEMBER.to_string(), "my_chat_member"),
        (
            json!({"update_id": 1, "some_future_kind": {"x": 1}}).to_string(),
            "unknown",
        ),
        (json!({"update_id": 1}).to_string(), "unknown"),
    ];
    for (body, kind) in cases {
        let outcome = webhook().handle(Some(SECRET), body.as_bytes());
        assert_eq!(
            outcome,
            WebhookOutcome::Ignored {
                reason: IgnoreReason::NotACallback { kind }
            }
        );
        assert_eq!(outcome.callback_query_id(), None);
    }
}

#[test]
fn only_a_button_press_has_a_message_ref() {
    for body in [UPDATE_MESSAGE, UPDATE_CALLBACK_GAME, "garbage"] {
        assert_eq!(callback_message_ref(body.as_bytes()), None, "{body}");
    }
}

#[test]
fn a_garbage_body_is_ignored_so_telegram_stops_retrying() {
    let huge = vec![b'{'; 2 * 1024 * 1024];
    let bodies: [&[u8]; 6] = [
        b"",
        b"garbage",
        b"[1,2,3]",
        b"null",
        b"{\"update_id\":",
        &huge,
    ];
    for body in bodies {
        assert_eq!(
            webhook().handle(Some(SECRET), body),
            WebhookOutcome::Ignored {
                reason: IgnoreReason::MalformedBody
            }
        );
    }
}

#[test]
fn a_callback_query_without_its_required_fields_is_ignored() {
    let mut update = json(UPDATE_CALLBACK_QUERY);
    update["callback_query"]
        .as_object_mut()
        .unwrap()
        .remove("from");
    assert_eq!(
        handle(&update),
        WebhookOutcome::Ignored {
            reason: IgnoreReason::MalformedCallbackQuery
        }
    );
}

#[test]
fn the_answer_is_telegrams_webhook_reply_form() {
    let answer = answer_callback(CALLBACK_ID, "✅ Approved by @alice");
    assert_eq!(
        answer,
        json!({
            "method": "answerCallbackQuery",
            "callback_query_id": CALLBACK_ID,
            "text": "✅ Approved by @alice",
        })
    );
}

#[test]
fn the_answer_text_is_clipped_to_200_characters() {
    let answer = answer_callback(CALLBACK_ID, &"é".repeat(300));
    assert_eq!(answer["text"].as_str().unwrap().chars().count(), 200);
}

#[test]
fn each_outcome_has_its_notice() {
    let outcome = webhook().handle(Some(SECRET), UPDATE_CALLBACK_QUERY.as_bytes());
    let WebhookOutcome::Decision { decision, .. } = &outcome else {
        panic!("{outcome:?}")
    };
    let decided = Notice::Decided {
        decision: decision.decision,
        decided_by: &decision.decided_by,
    };
    assert_eq!(decided.to_string(), "✅ Approved by @alice");
    assert_eq!(Notice::AlreadyDecided.to_string(), "Already decided");
    assert_eq!(Notice::NotAllowed.to_string(), "Not allowed");
    assert_eq!(
        answer_callback(
            outcome.callback_query_id().unwrap(),
            &Notice::NotAllowed.to_string()
        )["text"],
        "Not allowed"
    );
}

#[test]
fn debug_of_the_webhook_and_the_config_shows_no_secret() {
    let config = config("http://127.0.0.1:9");
    for shown in [format!("{:?}", webhook()), format!("{config:?}")] {
        assert!(!shown.contains(SECRET), "{shown}");
        assert!(
            !shown.contains("AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw"),
            "{shown}"
        );
    }
}

/// Collects everything logged while it is the default subscriber.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[test]
fn logs_name_the_update_kind_but_never_the_body() {
    let captured = Captured::default();
    let sink = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_ansi(false)
        .with_writer(move || sink.clone())
        .finish();

    tracing::subscriber::with_default(subscriber, || {
        let webhook = webhook();
        webhook.handle(Some(SECRET), UPDATE_EDITED_MESSAGE.as_bytes());
        webhook.handle(Some(SECRET), b"{\"private\": \"+1 555 0100\"");
        webhook.handle(Some("wrong-secret"), UPDATE_CALLBACK_QUERY.as_bytes());
        webhook.handle(Some(SECRET), UPDATE_CALLBACK_QUERY.as_bytes());
    });

    let logs = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
    assert!(logs.contains("edited_message"), "{logs}");
    assert!(logs.contains("unparseable"), "{logs}");
    for private in [
        "555 0100",
        "phone",
        "Alice",
        "Reviewer",
        "wrong-secret",
        SECRET,
    ] {
        assert!(!logs.contains(private), "{private:?} leaked into {logs}");
    }
}

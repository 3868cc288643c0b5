//! RunStore on DynamoDB: conditional writes, the listings, approval tickets,
//! and races between concurrent writers.

use std::sync::Arc;

use aws_sdk_dynamodb::types::AttributeValue;

use noktvrn_domain::ids::{ArtistId, BatchId, RunId};
use noktvrn_domain::run::{Decision, DecisionMethod, RunStatus};
use noktvrn_pipeline::StoreError;
use noktvrn_pipeline::ports::{ApprovalTicket, IncomingDecision, RunStore, SystemClock};
use noktvrn_pipeline::stages::apply_decision;

use crate::support::{at, aws, ids, rid, run, ulid};

/// The raw item of a run.
async fn raw_run(
    aws: &crate::support::Aws,
    pk: &str,
) -> std::collections::HashMap<String, AttributeValue> {
    aws.dynamodb()
        .get_item()
        .table_name(&aws.stack.config.runs_table)
        .key("pk", AttributeValue::S(pk.into()))
        .send()
        .await
        .unwrap()
        .item
        .unwrap()
}

#[tokio::test]
async fn runs_conditional_writes() {
    let aws = aws().await;
    let store = aws.stores.runs.clone();
    let r = run(1, "luna_echo", 1, at(0));
    store.create(&r).await.unwrap();
    let e = store.create(&r).await.unwrap_err();
    assert!(
        matches!(e, StoreError::AlreadyExists { entity: "run", .. }),
        "{e}"
    );

    let mut w1 = store.get(&r.run_id).await.unwrap().unwrap();
    let mut w2 = w1.clone();
    w1.transition(RunStatus::ParametersAdapted, at(1)).unwrap();
    w2.fail(None, "Permanent.Internal", "boom", at(1)).unwrap();
    let stored = store.update(&w1).await.unwrap();
    assert_eq!(stored.version, 1);
    let e = store.update(&w2).await.unwrap_err();
    assert!(
        matches!(
            e,
            StoreError::Conflict {
                entity: "run",
                expected: 0,
                ..
            }
        ),
        "{e}"
    );
    let now = store.get(&r.run_id).await.unwrap().unwrap();
    assert_eq!((now.status, now.version), (RunStatus::ParametersAdapted, 1));
    assert_eq!(ids(&store.list_unfinished().await.unwrap()), [rid(1)]);

    let ghost = run(99, "luna_echo", 1, at(0));
    let e = store.update(&ghost).await.unwrap_err();
    assert!(
        matches!(e, StoreError::NotFound { entity: "run", .. }),
        "{e}"
    );
}

#[tokio::test]
async fn a_terminal_run_leaves_the_sparse_unfinished_index() {
    let aws = aws().await;
    let store = aws.stores.runs.clone();
    let r = run(1, "luna_echo", 1, at(0));
    store.create(&r).await.unwrap();
    let item = raw_run(&aws, &rid(1)).await;
    assert_eq!(item["unfinished"], AttributeValue::S("1".into()));
    assert_eq!(item["version"], AttributeValue::N("0".into()));
    assert_eq!(item["artist_id"], AttributeValue::S("luna_echo".into()));
    assert_eq!(
        item["created_at"],
        AttributeValue::S("2026-03-01T12:00:00.000000000Z".into())
    );

    let mut done = store.get(&r.run_id).await.unwrap().unwrap();
    done.fail(None, "Permanent.Internal", "x", at(1)).unwrap();
    store.update(&done).await.unwrap();
    let item = raw_run(&aws, &rid(1)).await;
    assert!(!item.contains_key("unfinished"), "{item:?}");
    assert_eq!(item["status"], AttributeValue::S("failed".into()));
    assert!(store.list_unfinished().await.unwrap().is_empty());
}

#[tokio::test]
async fn run_listings_are_ordered_and_filtered() {
    let aws = aws().await;
    let store = aws.stores.runs.clone();
    // created_at out of id order, and a tie broken by run_id
    let runs = [
        run(1, "luna_echo", 1, at(5)),
        run(2, "luna_echo", 1, at(1)),
        run(3, "velvet_static", 2, at(3)),
        run(4, "luna_echo", 2, at(3)),
        run(5, "luna_echo", 2, at(9)),
    ];
    for r in &runs {
        store.create(r).await.unwrap();
    }
    for n in [5, 2] {
        let mut r = store.get(&RunId::new(ulid(n))).await.unwrap().unwrap();
        r.fail(None, "Permanent.Internal", "x", at(10)).unwrap();
        store.update(&r).await.unwrap();
    }
    // approval tickets share the table but are not runs
    store
        .put_approval(&ApprovalTicket {
            approval_id: "ap_1".into(),
            run_id: RunId::new(ulid(1)),
            task_token: None,
            expires_at: at(60),
        })
        .await
        .unwrap();

    assert_eq!(
        ids(&store.list_recent(10).await.unwrap()),
        [rid(5), rid(1), rid(4), rid(3), rid(2)]
    );
    assert_eq!(ids(&store.list_recent(2).await.unwrap()), [rid(5), rid(1)]);
    assert!(store.list_recent(0).await.unwrap().is_empty());
    let luna = ArtistId::parse("luna_echo").unwrap();
    assert_eq!(
        ids(&store.list_by_artist(&luna, 3).await.unwrap()),
        [rid(5), rid(1), rid(4)]
    );
    assert_eq!(
        ids(&store
            .list_by_batch(&BatchId::new(ulid(1002)))
            .await
            .unwrap()),
        [rid(3), rid(4), rid(5)]
    );
    assert!(
        store
            .list_by_batch(&BatchId::new(ulid(1009)))
            .await
            .unwrap()
            .is_empty()
    );
    let unfinished = store.list_unfinished().await.unwrap();
    assert_eq!(ids(&unfinished), [rid(3), rid(4), rid(1)]);
}

#[tokio::test]
async fn newest_first_breaks_ties_across_query_pages() {
    // GIVEN three runs of one artist created at the same instant
    let aws = aws().await;
    let store = aws.stores.runs.clone();
    for n in [1, 3, 2] {
        store.create(&run(n, "luna_echo", 1, at(0))).await.unwrap();
    }
    store.create(&run(4, "luna_echo", 1, at(-5))).await.unwrap();
    let luna = ArtistId::parse("luna_echo").unwrap();
    // WHEN one is asked for (a query page of two) THEN the tie is read to its
    // end and broken by run id, newest first
    assert_eq!(
        ids(&store.list_by_artist(&luna, 1).await.unwrap()),
        [rid(3)]
    );
    assert_eq!(
        ids(&store.list_by_artist(&luna, 2).await.unwrap()),
        [rid(3), rid(2)]
    );
    assert_eq!(
        ids(&store.list_by_artist(&luna, 10).await.unwrap()),
        [rid(3), rid(2), rid(1), rid(4)]
    );
    assert!(store.list_by_artist(&luna, 0).await.unwrap().is_empty());
}

#[tokio::test]
async fn approvals_are_create_if_absent_and_expire_after_a_grace_period() {
    let aws = aws().await;
    let store = aws.stores.runs.clone();
    let ticket = ApprovalTicket {
        approval_id: "ap_1".into(),
        run_id: RunId::new(ulid(1)),
        task_token: Some("token-1".into()),
        expires_at: at(60),
    };
    store.put_approval(&ticket).await.unwrap();
    let again = ApprovalTicket {
        task_token: Some("token-2".into()),
        ..ticket.clone()
    };
    let e = store.put_approval(&again).await.unwrap_err();
    assert!(
        matches!(
            e,
            StoreError::AlreadyExists {
                entity: "approval",
                ..
            }
        ),
        "{e}"
    );
    assert_eq!(store.get_approval("ap_1").await.unwrap(), Some(ticket));
    assert_eq!(store.get_approval("ap_2").await.unwrap(), None);

    let no_token = ApprovalTicket {
        approval_id: "ap_2".into(),
        run_id: RunId::new(ulid(2)),
        task_token: None,
        expires_at: at(5),
    };
    store.put_approval(&no_token).await.unwrap();
    assert_eq!(store.get_approval("ap_2").await.unwrap(), Some(no_token));

    let item = raw_run(&aws, "approval#ap_1").await;
    let grace = noktvrn_aws::APPROVAL_TTL_GRACE.as_secs() as i64;
    assert_eq!(
        item["ttl"],
        AttributeValue::N((at(60).timestamp() + grace).to_string())
    );
    assert!(
        !item.contains_key("artist_id"),
        "tickets stay out of the indexes"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_writers_from_one_version_exactly_one_wins() {
    let aws = aws().await;
    let store = aws.stores.runs.clone();
    let r = run(1, "luna_echo", 1, at(0));
    store.create(&r).await.unwrap();
    let read = store.get(&r.run_id).await.unwrap().unwrap();
    let tasks: Vec<_> = (0..8)
        .map(|i| {
            let store = store.clone();
            let mut mine = read.clone();
            tokio::spawn(async move {
                mine.transition(RunStatus::ParametersAdapted, at(i))
                    .unwrap();
                store.update(&mine).await
            })
        })
        .collect();
    let mut won = 0;
    for t in tasks {
        match t.await.unwrap() {
            Ok(stored) => {
                won += 1;
                assert_eq!(stored.version, 1);
            }
            Err(e) => assert!(e.is_conflict(), "{e}"),
        }
    }
    assert_eq!(won, 1);
    assert_eq!(store.get(&r.run_id).await.unwrap().unwrap().version, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn eight_concurrent_claims_of_one_approval_apply_exactly_once() {
    // GIVEN a run waiting for approval and its ticket
    let aws = aws().await;
    let runs: Arc<dyn RunStore> = aws.stores.runs.clone();
    let mut r = run(1, "luna_echo", 1, at(0));
    runs.create(&r).await.unwrap();
    for s in [
        RunStatus::ParametersAdapted,
        RunStatus::TrackSubmitted,
        RunStatus::TrackGenerated,
        RunStatus::Analyzed,
        RunStatus::VideoSelected,
        RunStatus::PendingApproval,
    ] {
        r.transition(s, at(1)).unwrap();
    }
    runs.update(&r).await.unwrap();
    runs.put_approval(&ApprovalTicket {
        approval_id: "ap_race".into(),
        run_id: r.run_id.clone(),
        task_token: Some("token".into()),
        expires_at: at(60),
    })
    .await
    .unwrap();

    // WHEN eight webhook deliveries claim it at once, half approving and
    // half rejecting
    let tasks: Vec<_> = (0..8)
        .map(|i| {
            let runs = runs.clone();
            tokio::spawn(async move {
                let incoming = IncomingDecision {
                    approval_id: "ap_race".into(),
                    decision: if i % 2 == 0 {
                        Decision::Approved
                    } else {
                        Decision::Rejected
                    },
                    method: DecisionMethod::Human,
                    decided_by: format!("user-{i}"),
                    note: None,
                };
                let applied = apply_decision(runs.as_ref(), &SystemClock, &incoming)
                    .await
                    .unwrap();
                (i, applied)
            })
        })
        .collect();
    let mut winners = vec![];
    for t in tasks {
        let (i, applied) = t.await.unwrap();
        assert_eq!(applied.task_token.as_deref(), Some("token"));
        if applied.applied {
            winners.push(i);
        }
    }

    // THEN exactly one decision landed, and the stored run is that one's
    assert_eq!(winners.len(), 1, "{winners:?}");
    let stored = runs.get(&r.run_id).await.unwrap().unwrap();
    let approval = stored.approval.unwrap();
    assert_eq!(approval.decided_by, format!("user-{}", winners[0]));
    let expected = if winners[0] % 2 == 0 {
        RunStatus::Approved
    } else {
        RunStatus::Rejected
    };
    assert_eq!(stored.status, expected);
    assert_eq!(stored.version, 2);
}

//! ReleaseQueue on SQS: delivery, redelivery after the visibility timeout
//! with a growing receive count, and dead-lettering after maxReceiveCount.

use std::collections::BTreeSet;
use std::time::Duration;

use noktvrn_aws::SqsReleaseQueue;
use noktvrn_pipeline::ports::ReleaseQueue;

use crate::support::{aws, aws_with};

const VISIBILITY: Duration = Duration::from_secs(1);
/// Past the visibility timeout (moto counts whole seconds).
const PAST_VISIBILITY: Duration = Duration::from_millis(1300);

#[tokio::test]
async fn queue_send_receive_ack() {
    let aws = aws().await;
    let q = aws.stores.queue.clone();
    let id1 = q.send("one").await.unwrap();
    let id2 = q.send("two").await.unwrap();
    let id3 = q.send("three").await.unwrap();
    assert_ne!(id1, id2);

    let got = q.receive(2, Duration::from_secs(30)).await.unwrap();
    assert_eq!(got.len(), 2);
    assert!(got.iter().all(|d| d.receive_count == 1));
    assert_ne!(got[0].receipt, got[1].receipt);
    // in flight: only the third is visible
    let rest = q.receive(10, Duration::from_secs(30)).await.unwrap();
    assert_eq!(rest.len(), 1);
    let all: BTreeSet<_> = got
        .iter()
        .chain(&rest)
        .map(|d| d.message_id.clone())
        .collect();
    assert_eq!(all, BTreeSet::from([id1, id2, id3]));
    let bodies: BTreeSet<_> = got.iter().chain(&rest).map(|d| d.body.as_str()).collect();
    assert_eq!(bodies, BTreeSet::from(["one", "two", "three"]));
    assert!(
        q.receive(10, Duration::from_secs(30))
            .await
            .unwrap()
            .is_empty()
    );
    assert!(
        q.receive(0, Duration::from_secs(30))
            .await
            .unwrap()
            .is_empty()
    );

    for d in got.iter().chain(&rest) {
        q.ack(&d.receipt).await.unwrap();
    }
    assert_eq!(q.depth().await.unwrap(), 0);
    q.ack("unknown-receipt").await.unwrap();
}

#[tokio::test]
async fn more_than_one_sqs_batch_is_received_in_one_call() {
    let aws = aws().await;
    let q = aws.stores.queue.clone();
    for i in 0..14 {
        q.send(&format!("m{i}")).await.unwrap();
    }
    let got = q.receive(12, Duration::from_secs(30)).await.unwrap();
    assert_eq!(got.len(), 12);
    let rest = q.receive(12, Duration::from_secs(30)).await.unwrap();
    assert_eq!(rest.len(), 2);
}

#[tokio::test]
async fn an_unacked_message_is_redelivered_after_its_visibility_timeout_with_a_higher_count() {
    let aws = aws().await;
    let q = aws.stores.queue.clone();
    let id = q.send("release").await.unwrap();
    let first = q.receive(1, VISIBILITY).await.unwrap().remove(0);
    assert_eq!(
        (first.message_id.as_str(), first.receive_count),
        (id.as_str(), 1)
    );
    // still invisible
    assert!(q.receive(1, VISIBILITY).await.unwrap().is_empty());

    tokio::time::sleep(PAST_VISIBILITY).await;
    let second = q.receive(1, VISIBILITY).await.unwrap().remove(0);
    assert_eq!(second.message_id, id);
    assert_eq!(second.receive_count, 2);
    assert_ne!(second.receipt, first.receipt);

    tokio::time::sleep(PAST_VISIBILITY).await;
    let third = q
        .receive(1, Duration::from_secs(30))
        .await
        .unwrap()
        .remove(0);
    assert_eq!(third.receive_count, 3);
    q.ack(&third.receipt).await.unwrap();
    assert_eq!(q.depth().await.unwrap(), 0);
}

#[tokio::test]
async fn messages_are_dead_lettered_after_max_receives() {
    // GIVEN a queue whose redrive policy allows two receives
    let aws = aws_with(2).await;
    let q = aws.stores.queue.clone();
    let poison = q.send("poison").await.unwrap();
    for n in 1..=2 {
        let d = q.receive(1, VISIBILITY).await.unwrap();
        assert_eq!(d.len(), 1);
        assert_eq!(d[0].receive_count, n);
        tokio::time::sleep(PAST_VISIBILITY).await;
    }
    let fine = q.send("fine").await.unwrap();

    // WHEN it is received once more THEN it moves to the DLQ instead of
    // being delivered, and does not use up `max`
    let d = q.receive(1, VISIBILITY).await.unwrap();
    assert_eq!(d.len(), 1);
    assert_eq!(d[0].message_id, fine);
    let dead = q.dead_letters().await.unwrap();
    assert_eq!(dead.len(), 1);
    assert_eq!(
        (
            dead[0].message_id.as_str(),
            dead[0].body.as_str(),
            dead[0].receive_count
        ),
        (poison.as_str(), "poison", 2)
    );
    assert_eq!(dead[0].receipt, "");
    // a peek hides nothing: the DLQ still shows it
    assert_eq!(q.dead_letters().await.unwrap().len(), 1);
    assert_eq!(q.dead_letter_depth().await.unwrap(), 1);
}

#[tokio::test]
async fn the_dead_letter_queue_is_found_from_the_redrive_policy() {
    let aws = aws_with(1).await;
    let client = aws_sdk_sqs::Client::new(&aws.stack.sdk);
    let q = SqsReleaseQueue::new(client, &aws.stack.config.release_queue_url, None);
    assert_eq!(
        q.dead_letter_queue_url().await.unwrap(),
        aws.stack.config.release_dlq_url.as_deref()
    );
    q.send("poison").await.unwrap();
    assert_eq!(q.receive(1, VISIBILITY).await.unwrap().len(), 1);
    tokio::time::sleep(PAST_VISIBILITY).await;
    assert!(q.receive(1, VISIBILITY).await.unwrap().is_empty());
    let dead = q.dead_letters().await.unwrap();
    assert_eq!(dead.len(), 1);
    assert_eq!(
        (dead[0].body.as_str(), dead[0].receive_count),
        ("poison", 1)
    );
}

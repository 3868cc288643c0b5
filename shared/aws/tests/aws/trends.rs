//! TrendStore on DynamoDB: one profile per segment, newest wins.

use aws_sdk_dynamodb::types::AttributeValue;

use noktvrn_pipeline::StoreError;
use noktvrn_pipeline::ports::TrendStore;

use crate::support::{at, aws, trend};

#[tokio::test]
async fn trends_replace_per_segment_and_latest_is_newest() {
    let aws = aws().await;
    let store = aws.stores.trends.clone();
    assert_eq!(store.latest("US", "lofi").await.unwrap(), None);
    store
        .put(&trend("US", "lofi", "general", "2026-W09", at(0)))
        .await
        .unwrap();
    store
        .put(&trend("US", "lofi", "teens", "2026-W09", at(30)))
        .await
        .unwrap();
    store
        .put(&trend("US", "lofi", "general", "2026-W08", at(-60)))
        .await
        .unwrap();
    store
        .put(&trend("US", "techno", "general", "2026-W09", at(90)))
        .await
        .unwrap();
    store
        .put(&trend("DE", "lofi", "general", "2026-W09", at(120)))
        .await
        .unwrap();

    let latest = store.latest("US", "lofi").await.unwrap().unwrap();
    assert_eq!(latest.segment.audience, "teens");
    assert_eq!(latest.updated_at, at(30));

    // a newer put for the same segment replaces it
    let mut newer = trend("US", "lofi", "general", "2026-W09", at(45));
    newer.tempo_bpm = 120.0;
    store.put(&newer).await.unwrap();
    assert_eq!(
        store.latest("US", "lofi").await.unwrap(),
        Some(newer.clone())
    );
    let listed = store.list().await.unwrap();
    let keys: Vec<_> = listed.iter().map(|t| t.segment.key()).collect();
    assert_eq!(
        keys,
        [
            "DE#lofi#general#2026-W09",
            "US#lofi#general#2026-W08",
            "US#lofi#general#2026-W09",
            "US#lofi#teens#2026-W09",
            "US#techno#general#2026-W09",
        ]
    );
    assert_eq!(listed[2], newer);

    // the superseded item is gone from the table, and items carry a ttl
    let items = aws
        .dynamodb()
        .query()
        .table_name(&aws.stack.config.trends_table)
        .key_condition_expression("pk = :pk")
        .expression_attribute_values(":pk", AttributeValue::S("US#lofi".into()))
        .send()
        .await
        .unwrap()
        .items
        .unwrap();
    assert_eq!(items.len(), 3);
    let general = items
        .iter()
        .find(|i| {
            i["audience"] == AttributeValue::S("general".into())
                && i["period"] == AttributeValue::S("2026-W09".into())
        })
        .unwrap();
    assert_eq!(
        general["sk"],
        AttributeValue::S("2026-03-01T12:45:00.000000000Z#general#2026-W09".into())
    );
    let retention = noktvrn_aws::TREND_RETENTION.as_secs() as i64;
    assert_eq!(
        general["ttl"],
        AttributeValue::N((at(45).timestamp() + retention).to_string())
    );
}

#[tokio::test]
async fn an_older_profile_does_not_displace_a_newer_one() {
    let aws = aws().await;
    let store = aws.stores.trends.clone();
    let newer = trend("US", "lofi", "general", "2026-W09", at(45));
    store.put(&newer).await.unwrap();
    store
        .put(&trend("US", "lofi", "general", "2026-W09", at(0)))
        .await
        .unwrap();
    assert_eq!(store.list().await.unwrap(), std::slice::from_ref(&newer));
    assert_eq!(store.latest("US", "lofi").await.unwrap(), Some(newer));
}

#[tokio::test]
async fn a_record_that_would_not_read_back_is_refused() {
    let aws = aws().await;
    let mut t = trend("US", "lofi", "general", "2026-W09", at(0));
    t.tempo_bpm = f64::NAN; // serde_json writes null, which f64 cannot read
    let e = aws.stores.trends.put(&t).await.unwrap_err();
    assert!(matches!(e, StoreError::Backend { .. }), "{e}");
    let bad_country = trend("U#S", "lofi", "general", "2026-W09", at(0));
    assert!(matches!(
        aws.stores.trends.put(&bad_country).await.unwrap_err(),
        StoreError::Backend { .. }
    ));
    assert!(aws.stores.trends.list().await.unwrap().is_empty());
}

//! ArtistStore on DynamoDB: the local contract, plus the stored item shape.

use aws_sdk_dynamodb::types::AttributeValue;

use noktvrn_domain::ids::ArtistId;
use noktvrn_pipeline::StoreError;
use noktvrn_pipeline::ports::ArtistStore;

use crate::support::{artist, at, aws, evolution};

#[tokio::test]
async fn artists_create_get_list_and_conditional_update() {
    let aws = aws().await;
    let store = aws.stores.artists.clone();
    let a = artist("Luna Echo");
    store.create(&a).await.unwrap();
    store.create(&artist("Velvet Static")).await.unwrap();
    assert_eq!(store.get(&a.artist_id).await.unwrap(), Some(a.clone()));
    assert_eq!(
        store
            .get(&ArtistId::parse("nobody").unwrap())
            .await
            .unwrap(),
        None
    );

    // GIVEN an existing id WHEN it is created again THEN AlreadyExists
    let e = store.create(&a).await.unwrap_err();
    assert!(
        matches!(
            e,
            StoreError::AlreadyExists {
                entity: "artist",
                ..
            }
        ),
        "{e}"
    );

    let names: Vec<_> = store
        .list()
        .await
        .unwrap()
        .into_iter()
        .map(|a| a.name)
        .collect();
    assert_eq!(names, ["Luna Echo", "Velvet Static"]);

    // two writers read version 0; the first wins, the second conflicts
    let mut w1 = store.get(&a.artist_id).await.unwrap().unwrap();
    let mut w2 = w1.clone();
    w1.style_notes = "writer one".into();
    w2.style_notes = "writer two".into();
    let stored = store.update(&w1).await.unwrap();
    assert_eq!(stored.version, 1);
    let e = store.update(&w2).await.unwrap_err();
    assert!(
        matches!(
            e,
            StoreError::Conflict {
                entity: "artist",
                expected: 0,
                ..
            }
        ),
        "{e}"
    );
    let now = store.get(&a.artist_id).await.unwrap().unwrap();
    assert_eq!(now.style_notes, "writer one");
    assert_eq!(now, stored);

    let mut next = stored.clone();
    next.cadence_hours = 12;
    assert_eq!(store.update(&next).await.unwrap().version, 2);

    let mut ghost = artist("Nobody Here");
    ghost.version = 3;
    let e = store.update(&ghost).await.unwrap_err();
    assert!(
        matches!(
            e,
            StoreError::NotFound {
                entity: "artist",
                ..
            }
        ),
        "{e}"
    );
}

#[tokio::test]
async fn the_artist_item_has_the_template_keys_and_a_numeric_version() {
    let aws = aws().await;
    let a = artist("Luna Echo");
    aws.stores.artists.create(&a).await.unwrap();
    aws.stores.artists.update(&a).await.unwrap();
    let item = aws
        .dynamodb()
        .get_item()
        .table_name(&aws.stack.config.artists_table)
        .key("pk", AttributeValue::S("luna_echo".into()))
        .key("sk", AttributeValue::S("artist".into()))
        .send()
        .await
        .unwrap()
        .item
        .unwrap();
    assert_eq!(item["version"], AttributeValue::N("1".into()));
    let doc: serde_json::Value = serde_json::from_str(item["doc"].as_s().unwrap()).unwrap();
    assert_eq!(doc["artist_id"], "luna_echo");
    assert_eq!(doc["version"], 1);
}

#[tokio::test]
async fn evolution_log_is_newest_first_per_artist_with_limit() {
    let aws = aws().await;
    let store = aws.stores.artists.clone();
    for i in 0..5 {
        store
            .append_evolution(&evolution("luna_echo", &format!("step {i}"), at(i)))
            .await
            .unwrap();
        store
            .append_evolution(&evolution("velvet_static", &format!("other {i}"), at(i)))
            .await
            .unwrap();
    }
    // two entries of the same instant keep their append order
    store
        .append_evolution(&evolution("luna_echo", "step 5a", at(5)))
        .await
        .unwrap();
    store
        .append_evolution(&evolution("luna_echo", "step 5b", at(5)))
        .await
        .unwrap();
    let luna = ArtistId::parse("luna_echo").unwrap();
    let log = store.evolution_log(&luna, 3).await.unwrap();
    let reasons: Vec<_> = log.iter().map(|e| e.reason.as_str()).collect();
    assert_eq!(reasons, ["step 5b", "step 5a", "step 4"]);
    assert_eq!(store.evolution_log(&luna, 100).await.unwrap().len(), 7);
    assert!(store.evolution_log(&luna, 0).await.unwrap().is_empty());
    assert!(
        store
            .evolution_log(&ArtistId::parse("nobody").unwrap(), 10)
            .await
            .unwrap()
            .is_empty()
    );
    // log entries are not artists
    assert!(store.list().await.unwrap().is_empty());
}

#[tokio::test]
async fn an_item_whose_document_does_not_parse_is_corrupt_not_a_panic() {
    let aws = aws().await;
    let a = artist("Luna Echo");
    aws.stores.artists.create(&a).await.unwrap();
    aws.dynamodb()
        .update_item()
        .table_name(&aws.stack.config.artists_table)
        .key("pk", AttributeValue::S("luna_echo".into()))
        .key("sk", AttributeValue::S("artist".into()))
        .update_expression("SET #doc = :bad")
        .expression_attribute_names("#doc", "doc")
        .expression_attribute_values(":bad", AttributeValue::S("{\"artist_id\": 42".into()))
        .send()
        .await
        .unwrap();
    match aws.stores.artists.get(&a.artist_id).await.unwrap_err() {
        StoreError::Corrupt { entity, id, source } => {
            assert_eq!((entity, id.as_str()), ("artist", "luna_echo"));
            assert!(source.is::<serde_json::Error>());
        }
        other => panic!("expected Corrupt, got {other}"),
    }
    assert!(matches!(
        aws.stores.artists.list().await.unwrap_err(),
        StoreError::Corrupt { .. }
    ));
}

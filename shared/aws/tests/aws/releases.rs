//! ReleaseStore on DynamoDB.

use noktvrn_domain::release::ReleaseStatus;
use noktvrn_pipeline::StoreError;
use noktvrn_pipeline::ports::ReleaseStore;

use crate::support::{at, aws, release};

#[tokio::test]
async fn releases_conditional_writes_and_newest_first() {
    let aws = aws().await;
    let store = aws.stores.releases.clone();
    let r1 = release("luna_echo_20260301120000_aaaa", at(0));
    let r2 = release("luna_echo_20260301130000_bbbb", at(60));
    let r3 = release("luna_echo_20260301110000_cccc", at(-60));
    let r4 = release("luna_echo_20260301120000_dddd", at(0));
    for r in [&r1, &r2, &r3, &r4] {
        store.create(r).await.unwrap();
    }
    let e = store.create(&r1).await.unwrap_err();
    assert!(
        matches!(
            e,
            StoreError::AlreadyExists {
                entity: "release",
                ..
            }
        ),
        "{e}"
    );

    let listed: Vec<_> = store
        .list(10)
        .await
        .unwrap()
        .into_iter()
        .map(|r| r.release_id.to_string())
        .collect();
    assert_eq!(
        listed,
        [
            "luna_echo_20260301130000_bbbb",
            "luna_echo_20260301120000_dddd",
            "luna_echo_20260301120000_aaaa",
            "luna_echo_20260301110000_cccc"
        ]
    );
    let two: Vec<_> = store
        .list(2)
        .await
        .unwrap()
        .into_iter()
        .map(|r| r.release_id.to_string())
        .collect();
    assert_eq!(
        two,
        [
            "luna_echo_20260301130000_bbbb",
            "luna_echo_20260301120000_dddd"
        ]
    );
    assert!(store.list(0).await.unwrap().is_empty());

    let mut w1 = store.get(&r1.release_id).await.unwrap().unwrap();
    let mut w2 = w1.clone();
    w1.status = ReleaseStatus::Queued;
    w2.status = ReleaseStatus::Failed;
    assert_eq!(store.update(&w1).await.unwrap().version, 1);
    assert!(store.update(&w2).await.unwrap_err().is_conflict());
    let now = store.get(&r1.release_id).await.unwrap().unwrap();
    assert_eq!((now.status, now.version), (ReleaseStatus::Queued, 1));

    let ghost = release("nobody_20260301120000_zzzz", at(0));
    assert!(matches!(
        store.update(&ghost).await.unwrap_err(),
        StoreError::NotFound {
            entity: "release",
            ..
        }
    ));
    assert_eq!(store.get(&ghost.release_id).await.unwrap(), None);
}

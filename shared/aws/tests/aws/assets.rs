//! AssetStore on S3: round trips with content types, listing, deletion,
//! key validation and presigned URLs fetched with a plain HTTP GET.

use std::time::Duration;

use noktvrn_aws::S3AssetStore;
use noktvrn_aws::testing::http_get;
use noktvrn_pipeline::StoreError;
use noktvrn_pipeline::ports::{AssetInfo, AssetStore};

use crate::support::aws;

fn keys_of(v: Vec<AssetInfo>) -> Vec<String> {
    v.into_iter().map(|a| a.key).collect()
}

#[tokio::test]
async fn assets_round_trip_head_list_delete() {
    let aws = aws().await;
    let assets = aws.stores.assets.clone();
    assets
        .put("tracks/r1/clip.wav", b"RIFF".to_vec(), "audio/wav")
        .await
        .unwrap();
    assets
        .put(
            "tracks/r1/analysis.json",
            b"{}".to_vec(),
            "application/json",
        )
        .await
        .unwrap();
    assets
        .put("tracks/r2/clip.mp3", b"ID3x".to_vec(), "audio/mpeg")
        .await
        .unwrap();
    // the stored type is the one given, whatever the extension says
    assets
        .put("releases/x/cover.bin", b"png".to_vec(), "image/png")
        .await
        .unwrap();

    assert_eq!(assets.get("tracks/r1/clip.wav").await.unwrap(), b"RIFF");
    let head = assets.head("tracks/r2/clip.mp3").await.unwrap().unwrap();
    assert_eq!(
        (head.key.as_str(), head.size, head.content_type.as_str()),
        ("tracks/r2/clip.mp3", 4, "audio/mpeg")
    );
    assert_eq!(
        assets
            .head("releases/x/cover.bin")
            .await
            .unwrap()
            .unwrap()
            .content_type,
        "image/png"
    );
    assert_eq!(assets.head("tracks/r9/none.wav").await.unwrap(), None);
    assert_eq!(
        assets.head("tracks/r1").await.unwrap(),
        None,
        "a folder is not an object"
    );
    assert!(assets.exists("releases/x/cover.bin").await.unwrap());
    assert!(matches!(
        assets.get("tracks/r9/none.wav").await.unwrap_err(),
        StoreError::NotFound {
            entity: "asset",
            ..
        }
    ));

    assert_eq!(
        keys_of(assets.list("tracks/").await.unwrap()),
        [
            "tracks/r1/analysis.json",
            "tracks/r1/clip.wav",
            "tracks/r2/clip.mp3"
        ]
    );
    assert_eq!(
        keys_of(assets.list("tracks/r1/").await.unwrap()),
        ["tracks/r1/analysis.json", "tracks/r1/clip.wav"]
    );
    assert_eq!(assets.list("tracks/r").await.unwrap().len(), 3);
    assert_eq!(assets.list("").await.unwrap().len(), 4);
    assert!(assets.list("nothing/here/").await.unwrap().is_empty());
    let listed = assets.list("tracks/r1/").await.unwrap();
    assert_eq!(listed[0].content_type, "application/json");
    assert_eq!(
        (listed[1].size, listed[1].content_type.as_str()),
        (4, "audio/wav")
    );

    assets.delete("tracks/r1/clip.wav").await.unwrap();
    assert!(!assets.exists("tracks/r1/clip.wav").await.unwrap());
    assets.delete("tracks/r1/clip.wav").await.unwrap(); // missing: Ok
    assets.delete("never/was.txt").await.unwrap();
}

#[tokio::test]
async fn a_put_replaces_the_whole_object() {
    let aws = aws().await;
    let assets = aws.stores.assets.clone();
    assets
        .put("a/b.txt", vec![1; 100_000], "text/plain")
        .await
        .unwrap();
    assets
        .put("a/b.txt", vec![2; 10], "application/octet-stream")
        .await
        .unwrap();
    assert_eq!(assets.get("a/b.txt").await.unwrap(), vec![2; 10]);
    let head = assets.head("a/b.txt").await.unwrap().unwrap();
    assert_eq!(
        (head.size, head.content_type.as_str()),
        (10, "application/octet-stream")
    );
}

#[tokio::test]
async fn listing_follows_every_page_and_sorts_by_key() {
    let aws = aws().await;
    let assets =
        S3AssetStore::new(&aws.stack.sdk, &aws.stack.config.assets_bucket).with_list_page_size(2);
    let mut expected = vec![];
    for i in (0..7).rev() {
        let key = format!("releases/r1/audio/part-{i}.wav");
        assets.put(&key, vec![0; i], "audio/wav").await.unwrap();
        expected.push(key);
    }
    expected.sort();
    let listed = assets.list("releases/r1/").await.unwrap();
    assert_eq!(keys_of(listed.clone()), expected);
    assert!(listed.iter().enumerate().all(|(i, a)| a.size == i as u64));
}

#[tokio::test]
async fn asset_keys_are_validated() {
    let aws = aws().await;
    let assets = aws.stores.assets.clone();
    for bad in [
        "/etc/passwd",
        "../escape.txt",
        "a/../../b",
        "a//b",
        "a\\b",
        "",
        "a/./b",
        "dir/",
    ] {
        let e = assets
            .put(bad, b"x".to_vec(), "text/plain")
            .await
            .unwrap_err();
        assert!(matches!(e, StoreError::Backend { .. }), "{bad}: {e}");
        assert!(e.to_string().contains("invalid asset key"), "{e}");
        assert!(assets.get(bad).await.is_err());
        assert!(assets.delete(bad).await.is_err());
        assert!(assets.url_for(bad, Duration::from_secs(60)).await.is_err());
    }
    assert!(assets.list("../").await.is_err());
    assert!(assets.list("/abs").await.is_err());
    assert!(assets.list("").await.unwrap().is_empty());
}

#[tokio::test]
async fn a_presigned_url_serves_the_bytes_to_a_plain_http_get() {
    let aws = aws().await;
    let assets = aws.stores.assets.clone();
    let bytes: Vec<u8> = (0..=255u8).cycle().take(70_000).collect();
    assets
        .put("tracks/r1/clip.wav", bytes.clone(), "audio/wav")
        .await
        .unwrap();
    let url = assets
        .url_for("tracks/r1/clip.wav", Duration::from_secs(600))
        .await
        .unwrap();
    // path-style against the local endpoint, signed for the asked time
    let prefix = format!(
        "{}/{}/tracks/r1/clip.wav?",
        aws.moto.endpoint(),
        aws.stack.config.assets_bucket
    );
    assert!(url.starts_with(&prefix), "{url}");
    assert!(url.contains("X-Amz-Expires=600"), "{url}");
    assert!(url.contains("X-Amz-Signature="), "{url}");

    let reply = tokio::task::spawn_blocking(move || http_get(&url))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(reply.status, 200, "{}", reply.text());
    assert_eq!(reply.header("content-type"), Some("audio/wav"));
    assert_eq!(reply.body, bytes);

    // validity beyond S3's 7 days is clamped, not refused
    let long = assets
        .url_for("tracks/r1/clip.wav", Duration::from_secs(30 * 24 * 3600))
        .await
        .unwrap();
    assert!(long.contains("X-Amz-Expires=604800"), "{long}");
}

//! Configuration from the environment alone, as at a Lambda cold start:
//! the resource names (`AwsConfig::from_env`), env credentials, the region
//! and `AWS_ENDPOINT_URL` (`sdk_config`), with S3 path-style addressing.
//!
//! The process environment cannot be changed safely while other tests run,
//! so the test re-runs this test binary as a child with the variables set;
//! the child takes the probe branch.

use std::process::Command;

use noktvrn_aws::{AwsConfig, AwsStores, sdk_config};
use noktvrn_pipeline::ports::{ArtistStore, AssetStore, ReleaseQueue};

use crate::support::aws;

const PROBE: &str = "NOKTVRN_AWS_ENV_PROBE";
const THIS_TEST: &str = "config::the_environment_alone_configures_the_adapters";

/// Runs in the child: everything from the environment.
async fn probe() {
    let config = AwsConfig::from_env().unwrap();
    let sdk = sdk_config().await;
    assert_eq!(
        sdk.endpoint_url(),
        std::env::var("AWS_ENDPOINT_URL").ok().as_deref()
    );
    let stores = AwsStores::new(&sdk, &config);
    stores
        .assets
        .put("probe/hello.txt", b"hello".to_vec(), "text/plain")
        .await
        .unwrap();
    assert_eq!(
        stores.assets.get("probe/hello.txt").await.unwrap(),
        b"hello"
    );
    assert!(stores.artists.list().await.unwrap().is_empty());
    stores.queue.send("probe").await.unwrap();
    println!("probe ok");
}

#[tokio::test]
async fn the_environment_alone_configures_the_adapters() {
    if std::env::var_os(PROBE).is_some() {
        return probe().await;
    }
    let aws = aws().await;
    let c = &aws.stack.config;
    let mut cmd = Command::new(std::env::current_exe().unwrap());
    cmd.args(["--exact", THIS_TEST, "--nocapture", "--test-threads=1"])
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env(PROBE, "1")
        .env("AWS_ENDPOINT_URL", aws.moto.endpoint())
        .env("AWS_REGION", "us-east-1")
        .env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing")
        .env("AWS_SESSION_TOKEN", "testing")
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env("ARTISTS_TABLE", &c.artists_table)
        .env("RUNS_TABLE", &c.runs_table)
        .env("RELEASES_TABLE", &c.releases_table)
        .env("TRENDS_TABLE", &c.trends_table)
        .env("ASSETS_BUCKET", &c.assets_bucket)
        .env("RELEASE_QUEUE_URL", &c.release_queue_url);
    let out = tokio::task::spawn_blocking(move || cmd.output())
        .await
        .unwrap()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "probe failed:\n{stdout}\n{stderr}");
    assert!(stdout.contains("probe ok"), "probe did not run:\n{stdout}");
    assert!(stdout.contains("1 passed"), "{stdout}");

    // what the child wrote is there
    assert_eq!(
        aws.stores.assets.get("probe/hello.txt").await.unwrap(),
        b"hello"
    );
    let got = aws
        .stores
        .queue
        .receive(1, std::time::Duration::from_secs(30))
        .await
        .unwrap();
    assert_eq!(got[0].body, "probe");
}

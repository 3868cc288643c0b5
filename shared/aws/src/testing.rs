//! Test support (feature `test-support`): a moto server per test, the
//! resources of `template.yaml` created on it, and an SDK configuration
//! pointing at it. Used by this crate's integration tests and by the
//! workflow test in `tests/`.
//!
//! ```no_run
//! # async fn t() {
//! use noktvrn_aws::testing::MotoServer;
//! let moto = MotoServer::start();
//! let stack = moto.provision("noktvrn-test", 5).await;
//! let stores = stack.stores();
//! # let _ = stores; }
//! ```
//!
//! - [`MotoServer::start`] spawns `moto_server` (from `NOKTVRN_MOTO_SERVER`
//!   or `PATH`; `scripts/test.sh` installs it with
//!   `pip install 'moto[server]'`) on a free `127.0.0.1` port, waits until
//!   it answers and kills it when dropped. Each test owns its server, so
//!   tests run in parallel without sharing state.
//! - [`create_tables`], [`create_bucket`], [`create_release_queue`] create
//!   the four tables (keys, GSIs and TTL exactly as `template.yaml`), the
//!   bucket and the queue with its DLQ; [`MotoServer::provision`] does all
//!   of it and returns a [`TestStack`].
//! - Credentials are static test credentials, region `us-east-1`; nothing
//!   is read from the environment or `~/.aws`.
//! - [`http_request`] / [`http_get`]: a minimal HTTP/1.1 client over
//!   `std::net` (moto's control API, fetching presigned URLs) so the tests
//!   need no HTTP client crate of their own.
//!
//! The helpers panic (with the reason) where a test could not go on
//! anyway; the resource creators return errors for callers that want them.

use std::io::{self, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_sdk_dynamodb::config::{Credentials, SharedCredentialsProvider};
use aws_sdk_dynamodb::types::{
    AttributeDefinition, BillingMode, GlobalSecondaryIndex, KeySchemaElement, KeyType, Projection,
    ProjectionType, ScalarAttributeType, TimeToLiveSpecification,
};
use aws_sdk_sqs::types::QueueAttributeName;

use crate::AwsConfig;

/// A boxed error for the resource helpers.
pub type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// Variable naming the `moto_server` executable (else it is looked up on
/// `PATH`).
pub const MOTO_SERVER_ENV: &str = "NOKTVRN_MOTO_SERVER";
/// The region every test resource lives in.
pub const TEST_REGION: &str = "us-east-1";
/// How long a starting server may take to answer.
const START_TIMEOUT: Duration = Duration::from_secs(60);

static STARTED: AtomicU64 = AtomicU64::new(0);

/// A running `moto_server`, killed on drop.
#[derive(Debug)]
pub struct MotoServer {
    child: Child,
    port: u16,
    endpoint: String,
    log: PathBuf,
}

/// Finds the `moto_server` executable.
fn moto_binary() -> PathBuf {
    if let Some(path) = std::env::var_os(MOTO_SERVER_ENV).filter(|p| !p.is_empty()) {
        return PathBuf::from(path);
    }
    if let Some(paths) = std::env::var_os("PATH") {
        for dir in std::env::split_paths(&paths) {
            let candidate = dir.join("moto_server");
            if candidate.is_file() {
                return candidate;
            }
        }
    }
    panic!(
        "moto_server not found: the AWS adapter tests need moto's server. \
         scripts/test.sh installs it (pip install 'moto[server]'); \
         put it on PATH or set {MOTO_SERVER_ENV} to its path"
    );
}

fn free_port() -> u16 {
    match TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()) {
        Ok(addr) => addr.port(),
        Err(e) => panic!("cannot find a free local port for moto_server: {e}"),
    }
}

fn tail(path: &Path) -> String {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(20)..].join("\n")
}

impl MotoServer {
    /// Starts a server on a free port.
    pub fn start() -> MotoServer {
        Self::start_with_env(&[])
    }

    /// Starts a server with extra environment variables (the workflow test
    /// sets `MOTO_PORT`, where moto's Step Functions executor sends its
    /// service calls). Without an explicit `MOTO_PORT`, moto uses its own
    /// port.
    pub fn start_with_env(env: &[(&str, &str)]) -> MotoServer {
        let binary = moto_binary();
        let mut last_failure = String::new();
        // A port found free can be taken before moto binds it: try again.
        for _ in 0..5 {
            match Self::try_start(&binary, env) {
                Ok(server) => return server,
                Err(why) => last_failure = why,
            }
        }
        panic!(
            "moto_server ({}) did not start: {last_failure}",
            binary.display()
        );
    }

    fn try_start(binary: &Path, env: &[(&str, &str)]) -> Result<MotoServer, String> {
        let port = free_port();
        let n = STARTED.fetch_add(1, Ordering::Relaxed);
        let log = std::env::temp_dir().join(format!(
            "noktvrn-moto-{}-{port}-{n}.log",
            std::process::id()
        ));
        let log_file = std::fs::File::create(&log)
            .map_err(|e| format!("cannot create {}: {e}", log.display()))?;
        let log_err = log_file
            .try_clone()
            .map_err(|e| format!("cannot open {}: {e}", log.display()))?;
        let mut cmd = Command::new(binary);
        cmd.args(["-H", "127.0.0.1", "-p", &port.to_string()])
            .env_remove("MOTO_PORT")
            .stdin(Stdio::null())
            .stdout(Stdio::from(log_file))
            .stderr(Stdio::from(log_err));
        for (k, v) in env {
            cmd.env(k, v);
        }
        let child = cmd
            .spawn()
            .map_err(|e| format!("cannot run {}: {e}", binary.display()))?;
        let mut server = MotoServer {
            child,
            port,
            endpoint: format!("http://127.0.0.1:{port}"),
            log,
        };
        let deadline = Instant::now() + START_TIMEOUT;
        loop {
            if let Ok(Some(status)) = server.child.try_wait() {
                return Err(format!(
                    "exited with {status} on port {port}:\n{}",
                    tail(&server.log)
                ));
            }
            if server.http("GET", "/moto-api/", None).is_ok() {
                return Ok(server);
            }
            if Instant::now() > deadline {
                return Err(format!(
                    "no answer on port {port} after {START_TIMEOUT:?}:\n{}",
                    tail(&server.log)
                ));
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// `http://127.0.0.1:{port}`.
    pub fn endpoint(&self) -> &str {
        &self.endpoint
    }

    /// The server's log file (kept when a test panics).
    pub fn log_path(&self) -> &Path {
        &self.log
    }

    /// One HTTP request to the server (moto's control API under
    /// `/moto-api/`).
    pub fn http(&self, method: &str, path: &str, body: Option<&str>) -> io::Result<HttpReply> {
        http_request(
            &format!("127.0.0.1:{}", self.port),
            method,
            path,
            body.map(str::as_bytes),
        )
    }

    /// `POST /moto-api/config` with a JSON body, e.g.
    /// `{"stepfunctions":{"execute_state_machine":true}}`.
    pub fn configure(&self, json: &str) {
        match self.http("POST", "/moto-api/config", Some(json)) {
            Ok(r) if r.status < 300 => {}
            Ok(r) => panic!("moto config {json} failed: HTTP {}: {}", r.status, r.text()),
            Err(e) => panic!("moto config {json} failed: {e}"),
        }
    }

    /// Makes moto's Step Functions run state machines (needed for task
    /// tokens to exist at all; without it every token is accepted).
    pub fn enable_sfn_execution(&self) {
        self.configure(r#"{"stepfunctions":{"execute_state_machine":true}}"#);
    }

    /// An SDK configuration for this server: static test credentials,
    /// region `us-east-1`, nothing read from the environment.
    pub fn sdk_config(&self) -> SdkConfig {
        test_sdk_config(&self.endpoint)
    }

    /// Creates the tables, bucket and queue of `template.yaml` named
    /// `{prefix}-artists`, …, `{prefix}-assets`, `{prefix}-releases` (+
    /// `-dlq`), and returns their configuration. Panics on failure.
    pub async fn provision(&self, prefix: &str, max_receives: u32) -> TestStack {
        let sdk = self.sdk_config();
        let names = AwsConfig {
            artists_table: format!("{prefix}-artists"),
            runs_table: format!("{prefix}-runs"),
            releases_table: format!("{prefix}-releases"),
            trends_table: format!("{prefix}-trends"),
            assets_bucket: format!("{prefix}-assets"),
            release_queue_url: String::new(),
            release_dlq_url: None,
            state_machine_arn: None,
        };
        let dynamodb = aws_sdk_dynamodb::Client::new(&sdk);
        if let Err(e) = create_tables(&dynamodb, &names).await {
            panic!("cannot create the test tables on moto: {e:?}");
        }
        if let Err(e) = create_bucket(&crate::s3_client(&sdk), &names.assets_bucket).await {
            panic!("cannot create the test bucket on moto: {e:?}");
        }
        let sqs = aws_sdk_sqs::Client::new(&sdk);
        let (queue, dlq) =
            match create_release_queue(&sqs, &format!("{prefix}-releases"), max_receives).await {
                Ok(urls) => urls,
                Err(e) => panic!("cannot create the test queues on moto: {e:?}"),
            };
        TestStack {
            sdk,
            config: AwsConfig {
                release_queue_url: queue,
                release_dlq_url: Some(dlq),
                ..names
            },
        }
    }
}

impl Drop for MotoServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        if std::thread::panicking() {
            eprintln!("moto_server log kept at {}", self.log.display());
        } else {
            let _ = std::fs::remove_file(&self.log);
        }
    }
}

/// An SDK configuration for a local endpoint with static test credentials.
pub fn test_sdk_config(endpoint: &str) -> SdkConfig {
    SdkConfig::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new(TEST_REGION))
        .endpoint_url(endpoint)
        .credentials_provider(SharedCredentialsProvider::new(Credentials::new(
            "testing",
            "testing",
            None,
            None,
            "noktvrn-test",
        )))
        .build()
}

/// The resources of one provisioned test stack.
#[derive(Debug, Clone)]
pub struct TestStack {
    pub sdk: SdkConfig,
    pub config: AwsConfig,
}

impl TestStack {
    /// The adapters on this stack.
    pub fn stores(&self) -> crate::AwsStores {
        crate::AwsStores::new(&self.sdk, &self.config)
    }
}

/// A unique, DNS-safe resource-name prefix (`{base}-{12 chars}`).
pub fn unique_prefix(base: &str) -> String {
    let id = ulid::Ulid::new().to_string().to_ascii_lowercase();
    format!("{base}-{}", &id[id.len() - 12..])
}

fn attr(name: &str) -> Result<AttributeDefinition, BoxError> {
    Ok(AttributeDefinition::builder()
        .attribute_name(name)
        .attribute_type(ScalarAttributeType::S)
        .build()?)
}

fn key(name: &str, kind: KeyType) -> Result<KeySchemaElement, BoxError> {
    Ok(KeySchemaElement::builder()
        .attribute_name(name)
        .key_type(kind)
        .build()?)
}

fn gsi(name: &str, hash: &str, range: &str) -> Result<GlobalSecondaryIndex, BoxError> {
    Ok(GlobalSecondaryIndex::builder()
        .index_name(name)
        .key_schema(key(hash, KeyType::Hash)?)
        .key_schema(key(range, KeyType::Range)?)
        .projection(
            Projection::builder()
                .projection_type(ProjectionType::All)
                .build(),
        )
        .build()?)
}

/// A table as `template.yaml` defines it: `(name, key attributes (hash,
/// optional range), GSIs (name, hash, range), ttl)`.
struct TableSpec<'a> {
    name: &'a str,
    hash: &'static str,
    range: Option<&'static str>,
    gsis: &'static [(&'static str, &'static str, &'static str)],
    ttl: bool,
}

/// The table designs of `template.yaml` (checked against it by a test).
pub const RUNS_GSIS: &[(&str, &str, &str)] = &[
    ("by_artist", "artist_id", "created_at"),
    ("by_batch", "batch_id", "created_at"),
    ("unfinished", "unfinished", "updated_at"),
];
/// The releases table's GSI.
pub const RELEASES_GSIS: &[(&str, &str, &str)] = &[("by_created", "kind", "created_at")];

async fn create_table(
    client: &aws_sdk_dynamodb::Client,
    spec: TableSpec<'_>,
) -> Result<(), BoxError> {
    let mut attrs = vec![spec.hash];
    attrs.extend(spec.range);
    for (_, h, r) in spec.gsis {
        attrs.push(h);
        attrs.push(r);
    }
    attrs.sort_unstable();
    attrs.dedup();
    let mut req = client
        .create_table()
        .table_name(spec.name)
        .billing_mode(BillingMode::PayPerRequest)
        .key_schema(key(spec.hash, KeyType::Hash)?);
    if let Some(range) = spec.range {
        req = req.key_schema(key(range, KeyType::Range)?);
    }
    for a in attrs {
        req = req.attribute_definitions(attr(a)?);
    }
    for (name, h, r) in spec.gsis {
        req = req.global_secondary_indexes(gsi(name, h, r)?);
    }
    req.send().await?;
    if spec.ttl {
        client
            .update_time_to_live()
            .table_name(spec.name)
            .time_to_live_specification(
                TimeToLiveSpecification::builder()
                    .attribute_name(crate::dynamo::TTL)
                    .enabled(true)
                    .build()?,
            )
            .send()
            .await?;
    }
    Ok(())
}

/// Creates the four tables named in `config` with the keys, GSIs and TTL
/// of `template.yaml`.
pub async fn create_tables(
    client: &aws_sdk_dynamodb::Client,
    config: &AwsConfig,
) -> Result<(), BoxError> {
    let specs = [
        TableSpec {
            name: &config.artists_table,
            hash: "pk",
            range: Some("sk"),
            gsis: &[],
            ttl: false,
        },
        TableSpec {
            name: &config.runs_table,
            hash: "pk",
            range: None,
            gsis: RUNS_GSIS,
            ttl: true,
        },
        TableSpec {
            name: &config.releases_table,
            hash: "pk",
            range: None,
            gsis: RELEASES_GSIS,
            ttl: false,
        },
        TableSpec {
            name: &config.trends_table,
            hash: "pk",
            range: Some("sk"),
            gsis: &[],
            ttl: true,
        },
    ];
    for spec in specs {
        create_table(client, spec).await?;
    }
    Ok(())
}

/// Creates the assets bucket (region `us-east-1`: no location constraint).
pub async fn create_bucket(client: &aws_sdk_s3::Client, bucket: &str) -> Result<(), BoxError> {
    client.create_bucket().bucket(bucket).send().await?;
    Ok(())
}

/// Creates `{name}-dlq` and `{name}` with a redrive policy moving a message
/// to the DLQ after `max_receives` receives (the queue attributes of
/// `template.yaml`). Returns `(queue_url, dlq_url)`.
pub async fn create_release_queue(
    client: &aws_sdk_sqs::Client,
    name: &str,
    max_receives: u32,
) -> Result<(String, String), BoxError> {
    let dlq_url = client
        .create_queue()
        .queue_name(format!("{name}-dlq"))
        .attributes(QueueAttributeName::MessageRetentionPeriod, "1209600")
        .send()
        .await?
        .queue_url
        .ok_or("CreateQueue returned no URL")?;
    let dlq_arn = client
        .get_queue_attributes()
        .queue_url(&dlq_url)
        .attribute_names(QueueAttributeName::QueueArn)
        .send()
        .await?
        .attributes
        .and_then(|mut a| a.remove(&QueueAttributeName::QueueArn))
        .ok_or("GetQueueAttributes returned no QueueArn")?;
    let redrive = serde_json::json!({
        "deadLetterTargetArn": dlq_arn,
        "maxReceiveCount": max_receives.to_string(),
    })
    .to_string();
    let queue_url = client
        .create_queue()
        .queue_name(name)
        .attributes(QueueAttributeName::VisibilityTimeout, "900")
        .attributes(QueueAttributeName::MessageRetentionPeriod, "345600")
        .attributes(QueueAttributeName::RedrivePolicy, redrive)
        .send()
        .await?
        .queue_url
        .ok_or("CreateQueue returned no URL")?;
    Ok((queue_url, dlq_url))
}

/// An HTTP response read by [`http_request`].
#[derive(Debug, Clone)]
pub struct HttpReply {
    pub status: u16,
    /// Header names lower-cased.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl HttpReply {
    pub fn header(&self, name: &str) -> Option<&str> {
        let name = name.to_ascii_lowercase();
        self.headers
            .iter()
            .find(|(k, _)| *k == name)
            .map(|(_, v)| v.as_str())
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

/// One HTTP/1.1 request to `host:port` (plain HTTP, `Connection: close`).
pub fn http_request(
    authority: &str,
    method: &str,
    path_and_query: &str,
    body: Option<&[u8]>,
) -> io::Result<HttpReply> {
    let mut stream = TcpStream::connect(authority)?;
    stream.set_read_timeout(Some(Duration::from_secs(30)))?;
    let body = body.unwrap_or_default();
    let head = format!(
        "{method} {path_and_query} HTTP/1.1\r\nHost: {authority}\r\nConnection: close\r\n\
         Content-Type: application/json\r\nContent-Length: {}\r\n\r\n",
        body.len()
    );
    stream.write_all(head.as_bytes())?;
    stream.write_all(body)?;
    let mut raw = vec![];
    stream.read_to_end(&mut raw)?;
    parse_reply(&raw)
}

/// `GET` of an `http://host:port/path?query` URL.
pub fn http_get(url: &str) -> io::Result<HttpReply> {
    let rest = url.strip_prefix("http://").ok_or_else(|| {
        io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("not an http:// URL: {url}"),
        )
    })?;
    let (authority, path) = match rest.find('/') {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, "/"),
    };
    http_request(authority, "GET", path, None)
}

fn bad(msg: &str) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, msg.to_string())
}

fn parse_reply(raw: &[u8]) -> io::Result<HttpReply> {
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .ok_or_else(|| bad("no end of HTTP headers"))?;
    let head = std::str::from_utf8(&raw[..split]).map_err(|_| bad("non-UTF-8 HTTP headers"))?;
    let mut lines = head.split("\r\n");
    let status = lines
        .next()
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| bad("bad HTTP status line"))?;
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    let mut body = raw[split + 4..].to_vec();
    let chunked = headers
        .iter()
        .any(|(k, v)| k == "transfer-encoding" && v.eq_ignore_ascii_case("chunked"));
    if chunked {
        body = dechunk(&body)?;
    }
    Ok(HttpReply {
        status,
        headers,
        body,
    })
}

fn dechunk(mut data: &[u8]) -> io::Result<Vec<u8>> {
    let mut out = vec![];
    loop {
        let line_end = data
            .windows(2)
            .position(|w| w == b"\r\n")
            .ok_or_else(|| bad("bad chunk"))?;
        let size_text = std::str::from_utf8(&data[..line_end]).map_err(|_| bad("bad chunk"))?;
        let size_text = size_text.split(';').next().unwrap_or_default().trim();
        let size = usize::from_str_radix(size_text, 16).map_err(|_| bad("bad chunk size"))?;
        data = &data[line_end + 2..];
        if size == 0 {
            return Ok(out);
        }
        if data.len() < size + 2 {
            return Err(bad("truncated chunk"));
        }
        out.extend_from_slice(&data[..size]);
        data = &data[size + 2..];
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replies_are_parsed_plain_and_chunked() {
        let r = parse_reply(b"HTTP/1.1 200 OK\r\nContent-Type: a/b\r\n\r\nhello").unwrap();
        assert_eq!(
            (r.status, r.header("content-type"), r.text().as_str()),
            (200, Some("a/b"), "hello")
        );
        let r = parse_reply(
            b"HTTP/1.1 404 Not Found\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n1;x\r\n!\r\n0\r\n\r\n",
        )
        .unwrap();
        assert_eq!((r.status, r.text().as_str()), (404, "hello!"));
    }

    #[test]
    fn unique_prefixes_are_dns_safe_and_distinct() {
        let a = unique_prefix("noktvrn");
        let b = unique_prefix("noktvrn");
        assert_ne!(a, b);
        assert!(
            a.chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        );
    }
}

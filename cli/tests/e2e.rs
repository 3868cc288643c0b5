//! End to end: the built `noktvrn` binary on a temporary data directory,
//! asserted on what it wrote. These are the issue's "done when" checks.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::Duration;

use serde_json::Value;

fn bin() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_noktvrn"));
    c.env_remove("NOKTVRN_DATA_DIR").env("RUST_LOG", "warn");
    c
}

fn run(dir: &Path, args: &[&str]) -> Output {
    bin()
        .arg("--data-dir")
        .arg(dir)
        .args(args)
        .stdin(Stdio::null())
        .output()
        .expect("the binary runs")
}

fn ok_json(dir: &Path, args: &[&str]) -> Value {
    let out = run(dir, &[&["--json"], args].concat());
    assert!(
        out.status.success(),
        "{args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("JSON output")
}

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn png_size(bytes: &[u8]) -> (u32, u32) {
    assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n", "a PNG signature");
    assert_eq!(&bytes[12..16], b"IHDR");
    let w = u32::from_be_bytes(bytes[16..20].try_into().unwrap());
    let h = u32::from_be_bytes(bytes[20..24].try_into().unwrap());
    (w, h)
}

/// Every release folder of the data dir, and whether it has a manifest.
fn release_dirs(dir: &Path) -> Vec<(String, bool)> {
    let root = dir.join("assets/releases");
    let Ok(rd) = std::fs::read_dir(&root) else {
        return vec![];
    };
    let mut v: Vec<(String, bool)> = rd
        .map(|e| e.unwrap())
        .map(|e| {
            (
                e.file_name().to_string_lossy().into_owned(),
                e.path().join("manifest.json").exists(),
            )
        })
        .collect();
    v.sort();
    v
}

#[test]
fn a_batch_runs_offline_and_leaves_verified_releases_and_a_second_batch_continues() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("data");
    let out = run(
        &dir,
        &[
            "batch",
            "run",
            "--artists",
            "3",
            "--creation-probability",
            "0",
        ],
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "batch failed: {}\n{stdout}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("3 completed"), "{stdout}");

    let releases = ok_json(&dir, &["releases", "list"]);
    let releases = releases.as_array().unwrap();
    assert_eq!(releases.len(), 3);
    let schema: Value = serde_json::from_str(
        &std::fs::read_to_string(repo().join("docs/schemas/release_metadata.schema.json")).unwrap(),
    )
    .unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    for r in releases {
        let id = r["release_id"].as_str().unwrap();
        assert_eq!(r["status"], "delivered", "{r}");
        let pkg = dir.join("assets/releases").join(id);
        let meta: Value =
            serde_json::from_slice(&std::fs::read(pkg.join("metadata.json")).unwrap()).unwrap();
        let errors: Vec<String> = validator
            .iter_errors(&meta)
            .map(|e| e.to_string())
            .collect();
        assert!(
            errors.is_empty(),
            "metadata of {id} violates the schema: {errors:?}"
        );
        // the cover is a 3000x3000 PNG
        let cover = std::fs::read(pkg.join(meta["cover_file"].as_str().unwrap())).unwrap();
        assert_eq!(png_size(&cover), (3000, 3000));
        // the audio decodes to the duration in the metadata
        let audio = pkg.join(meta["audio_file"].as_str().unwrap());
        let decoded = noktvrn_audio::decode_only_path(&audio).unwrap();
        let want = meta["duration_s"].as_f64().unwrap();
        assert!(
            (decoded.duration_s - want).abs() < 0.05,
            "{} vs {want}",
            decoded.duration_s
        );
        // delivered to the local distributor
        assert!(
            dir.join("deploy-ready")
                .join(id)
                .join("manifest.json")
                .exists()
        );
    }
    let verify = run(&dir, &["releases", "verify", "--all"]);
    assert!(
        verify.status.success(),
        "{}",
        String::from_utf8_lossy(&verify.stdout)
    );

    let artists_before = ok_json(&dir, &["artist", "list"]);
    let history_before: usize = artists_before
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["performance_history"].as_array().unwrap().len())
        .sum();
    assert_eq!(history_before, 3);

    // a second batch continues with the same store
    let out = run(
        &dir,
        &[
            "batch",
            "run",
            "--artists",
            "3",
            "--creation-probability",
            "0",
        ],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let artists_after = ok_json(&dir, &["artist", "list"]);
    assert_eq!(
        artists_after.as_array().unwrap().len(),
        artists_before.as_array().unwrap().len(),
        "the roster is not seeded twice"
    );
    let history_after: usize = artists_after
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["performance_history"].as_array().unwrap().len())
        .sum();
    assert_eq!(history_after, 6);
    let all = ok_json(&dir, &["releases", "list", "--limit", "100"]);
    let mut ids: Vec<&str> = all
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["release_id"].as_str().unwrap())
        .collect();
    assert_eq!(ids.len(), 6);
    ids.dedup();
    assert_eq!(ids.len(), 6, "no release twice");
    let runs = ok_json(&dir, &["runs", "list", "--limit", "100"]);
    assert_eq!(runs.as_array().unwrap().len(), 6);
    // and a drained queue has nothing left
    let up = run(&dir, &["upload"]);
    assert!(String::from_utf8_lossy(&up.stdout).contains("queue is empty"));
}

#[test]
fn rejecting_everything_makes_no_releases_and_records_the_rejections() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("data");
    let out = run(
        &dir,
        &[
            "batch",
            "run",
            "--artists",
            "5",
            "--approve",
            "reject",
            "--creation-probability",
            "0",
        ],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let artists = ok_json(&dir, &["artist", "list"]);
    // the starter roster has one autopilot artist, whose release is approved anyway
    let releases = ok_json(&dir, &["releases", "list"]);
    assert_eq!(releases.as_array().unwrap().len(), 1);
    let rejected = artists
        .as_array()
        .unwrap()
        .iter()
        .filter(|a| a["consecutive_rejections"] == 1)
        .count();
    assert_eq!(rejected, 4);
}

#[test]
fn interrupting_a_batch_leaves_nothing_half_done_after_the_next_batch_starts() {
    for signal in ["INT", "KILL"] {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("data");
        let mut child = bin()
            .arg("--data-dir")
            .arg(&dir)
            .args(["batch", "run", "--artists", "5"])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        // let it get into the cycles (the database appears once it has started)
        let t0 = std::time::Instant::now();
        while !dir.join("assets/tracks").exists() && t0.elapsed() < Duration::from_secs(60) {
            std::thread::sleep(Duration::from_millis(20));
        }
        std::thread::sleep(Duration::from_millis(300));
        let status = Command::new("kill")
            .args([format!("-{signal}"), child.id().to_string()])
            .status()
            .unwrap();
        assert!(status.success());
        let exit = child.wait().unwrap();
        if signal == "INT" && exit.code().is_some() {
            // either the batch finished first (0) or it stopped cleanly (130)
            assert!(matches!(exit.code(), Some(0) | Some(130)), "{exit:?}");
        }
        // the next batch recovers whatever was left
        let out = run(&dir, &["batch", "run", "--artists", "1"]);
        assert!(
            out.status.success(),
            "{signal}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let runs = ok_json(&dir, &["runs", "list", "--limit", "100"]);
        for r in runs.as_array().unwrap() {
            let status = r["status"].as_str().unwrap();
            assert!(
                ["completed", "rejected", "expired", "failed"].contains(&status),
                "{signal}: run {} left {status}",
                r["run_id"]
            );
            if status == "failed" {
                assert!(!r["failure"]["message"].as_str().unwrap().is_empty());
            }
        }
        for (id, has_manifest) in release_dirs(&dir) {
            assert!(has_manifest, "{signal}: release {id} has no manifest");
        }
    }
}

#[test]
fn bad_input_is_a_clear_error_and_deletes_nothing() {
    let tmp = tempfile::tempdir().unwrap();

    // a corrupt database file
    let dir = tmp.path().join("corrupt");
    std::fs::create_dir_all(&dir).unwrap();
    let garbage = b"this is not a sqlite database, not at all......".repeat(100);
    std::fs::write(dir.join("noktvrn.db"), &garbage).unwrap();
    let out = run(&dir, &["batch", "run"]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.starts_with("error: ") && err.contains("noktvrn.db"),
        "{err}"
    );
    assert_eq!(err.trim_end().lines().count(), 1, "one line: {err}");
    assert_eq!(
        std::fs::read(dir.join("noktvrn.db")).unwrap(),
        garbage,
        "untouched"
    );

    // a data dir that cannot be created (under a regular file)
    let file = tmp.path().join("plain-file");
    std::fs::write(&file, b"x").unwrap();
    let out = run(&file.join("data"), &["artist", "list"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("plain-file"));

    // an invalid artist file
    let dir = tmp.path().join("ok");
    let bad = tmp.path().join("artist.json");
    std::fs::write(
        &bad,
        r#"{"name": "", "genre": "lofi", "llm_config": {"model": "x", "temperature": 9}}"#,
    )
    .unwrap();
    let out = run(
        &dir,
        &["artist", "create", "--from-file", bad.to_str().unwrap()],
    );
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("name") && err.contains("llm_config.temperature"),
        "{err}"
    );
    std::fs::write(&bad, r#"{"name": "A", "genre": "lofi", "colour": "red"}"#).unwrap();
    let out = run(
        &dir,
        &["artist", "create", "--from-file", bad.to_str().unwrap()],
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("unknown field"));
    assert_eq!(
        ok_json(&dir, &["artist", "list"]).as_array().unwrap().len(),
        0
    );
    // a good one goes in
    std::fs::write(&bad, r#"{"name": "Velvet Static", "genre": "darkwave"}"#).unwrap();
    let out = run(
        &dir,
        &["artist", "create", "--from-file", bad.to_str().unwrap()],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let shown = ok_json(&dir, &["artist", "show", "velvet_static"]);
    assert_eq!(shown["artist"]["status"], "candidate");

    // an unreadable audio file
    let junk = tmp.path().join("song.mp3");
    std::fs::write(&junk, b"not audio at all").unwrap();
    let out = run(&dir, &["analyze", junk.to_str().unwrap()]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("song.mp3"));
    assert!(junk.exists());
}

#[test]
fn operators_pause_resume_and_set_autopilot_with_a_logged_reason() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("data");
    let f = tmp.path().join("a.json");
    std::fs::write(
        &f,
        r#"{"name": "Night Bus", "genre": "lofi", "status": "active"}"#,
    )
    .unwrap();
    assert!(
        run(
            &dir,
            &["artist", "create", "--from-file", f.to_str().unwrap()]
        )
        .status
        .success()
    );
    assert!(
        run(&dir, &["artist", "pause", "night_bus"])
            .status
            .success()
    );
    let a = ok_json(&dir, &["artist", "show", "night_bus"]);
    assert_eq!(a["artist"]["status"], "paused");
    assert!(
        run(&dir, &["artist", "autopilot", "night_bus", "on"])
            .status
            .success()
    );
    assert!(
        run(&dir, &["artist", "resume", "night_bus"])
            .status
            .success()
    );
    let a = ok_json(&dir, &["artist", "show", "night_bus"]);
    assert_eq!(a["artist"]["status"], "active");
    assert_eq!(a["artist"]["autopilot_enabled"], true);
    assert_eq!(a["evolution_log"].as_array().unwrap().len(), 3);
    assert!(!run(&dir, &["artist", "pause", "nobody"]).status.success());
}

#[test]
fn prompt_mode_takes_the_answers_typed_in_the_terminal() {
    use std::io::Write;
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("data");
    // five starter artists, one on autopilot: four questions answered
    // yes, (unclear), no, yes
    let mut child = bin()
        .arg("--data-dir")
        .arg(&dir)
        .args([
            "batch",
            "run",
            "--artists",
            "5",
            "--approve",
            "prompt",
            "--creation-probability",
            "0",
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(b"y\nmaybe\nn\ny\nn\n")
        .unwrap();
    let out = child.wait_with_output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    // stdin is not a terminal: an unclear answer counts as no answer (expired)
    assert!(
        stdout.contains("3 completed, 1 rejected, 1 expired, 0 failed"),
        "{stdout}
{stderr}"
    );
    assert!(
        stderr.contains("Approve release?"),
        "the preview is shown: {stderr}"
    );
    let runs = ok_json(&dir, &["runs", "list"]);
    let human = runs
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["approval"]["method"] == "human")
        .count();
    assert_eq!(human, 3, "three answers came from the terminal");
}

//! Analyse files and print CSV (default), JSON lines (`--json`), or only
//! decode them (`--decode-only`, the speed floor). Same output as
//! `noktvrn analyze`; used by `bench/audio/bench.sh`.
//!
//! `cargo run --release -p noktvrn-audio --example analyze -- [--json|--csv|--decode-only] [--threads N] FILE...`

use std::path::PathBuf;

fn main() {
    let mut json = false;
    let mut decode_only = false;
    let mut debug = false;
    let mut dump: Option<PathBuf> = None;
    let mut threads = 1usize;
    let mut files: Vec<PathBuf> = Vec::new();
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--json" => json = true,
            "--csv" => json = false,
            "--decode-only" => decode_only = true,
            "--debug" => debug = true,
            "--dump" => dump = args.next().map(PathBuf::from),
            "--threads" => threads = args.next().and_then(|v| v.parse().ok()).unwrap_or(1),
            _ => files.push(PathBuf::from(a)),
        }
    }
    if std::env::var_os("RUST_LOG").is_some() {
        tracing_subscriber::fmt()
            .with_writer(std::io::stderr)
            .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
            .init();
    }
    let mut failed = false;
    if let Some(dir) = dump {
        for f in &files {
            if let Ok((onset, grid)) = noktvrn_audio::extract_raw_features(f) {
                let stem = f
                    .file_stem()
                    .map(|s| s.to_string_lossy().to_string())
                    .unwrap_or_default();
                let bytes = |v: &[f32]| v.iter().flat_map(|x| x.to_le_bytes()).collect::<Vec<u8>>();
                let _ = std::fs::write(dir.join(format!("{stem}.onset.f32")), bytes(&onset));
                let _ = std::fs::write(dir.join(format!("{stem}.grid.f32")), bytes(&grid));
            }
        }
        return;
    }
    if decode_only {
        println!("file,frames,duration_s,sample_rate,channels,codec");
        for f in &files {
            match noktvrn_audio::decode_only_path(f) {
                Ok(s) => println!(
                    "{},{},{:.3},{},{},{}",
                    f.display(),
                    s.frames,
                    s.duration_s,
                    s.sample_rate,
                    s.channels,
                    s.codec
                ),
                Err(e) => {
                    eprintln!("{}: {e}", f.display());
                    failed = true;
                }
            }
        }
    } else if debug {
        for f in &files {
            match noktvrn_audio::analyze_path_debug(f, &noktvrn_audio::AnalysisOptions::default()) {
                Ok((a, d)) => {
                    println!(
                        "== {} bpm={:?} key={:?} {:?}",
                        f.display(),
                        a.tempo.bpm,
                        a.key.tonic,
                        a.key.mode
                    );
                    for l in d {
                        println!("   {l}");
                    }
                }
                Err(e) => eprintln!("{}: {e}", f.display()),
            }
        }
    } else {
        if !json {
            println!("{}", noktvrn_audio::report::csv_header());
        }
        for (p, r) in noktvrn_audio::report::analyze_many(&files, threads) {
            match r {
                Ok(a) => {
                    if json {
                        let mut v = serde_json::to_value(&a).unwrap_or_default();
                        if let Some(o) = v.as_object_mut() {
                            o.insert(
                                "file".into(),
                                serde_json::Value::String(p.display().to_string()),
                            );
                        }
                        println!("{v}");
                    } else {
                        println!(
                            "{}",
                            noktvrn_audio::report::csv_row(&p.display().to_string(), &a)
                        );
                    }
                }
                Err(e) => {
                    eprintln!("{}: {e}", p.display());
                    failed = true;
                }
            }
        }
    }
    if failed {
        std::process::exit(1);
    }
}

//! CSV output and parallel batch analysis for the CLI.
//!
//! Exists so `noktvrn analyze FILE... --csv` and the bench produce the same
//! columns `eval.py` scores, and so batches use every core (one file per
//! core, a local rayon pool) while results stay in input order.

use std::path::PathBuf;

use rayon::prelude::*;

use crate::error::AudioError;
use crate::types::{Analysis, AnalysisOptions};

/// The CSV header (matches [`csv_row`]).
pub fn csv_header() -> &'static str {
    "file,bpm,key,mode,duration_s,rms_dbfs,lufs,true_peak_dbtp,tempo_confidence,key_confidence,energy,onset_rate,structure"
}

/// Quote a CSV field when needed (RFC 4180).
pub fn csv_quote(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

fn opt(v: Option<f64>, prec: usize) -> String {
    v.filter(|x| x.is_finite())
        .map(|x| format!("{x:.prec$}"))
        .unwrap_or_default()
}

/// One CSV row for `file`.
pub fn csv_row(file: &str, a: &Analysis) -> String {
    let fields = [
        csv_quote(file),
        opt(a.tempo.bpm, 2),
        a.key.tonic.clone().unwrap_or_default(),
        a.key
            .mode
            .map(|m| m.as_str().to_string())
            .unwrap_or_default(),
        format!("{:.3}", a.duration_s),
        opt(a.rms_dbfs, 2),
        opt(a.loudness.integrated_lufs, 2),
        opt(a.loudness.true_peak_dbtp, 2),
        format!("{:.3}", a.tempo.confidence),
        format!("{:.3}", a.key.confidence),
        format!("{:.3}", a.energy.score),
        format!("{:.3}", a.onset_rate),
        csv_quote(&a.structure.summary),
    ];
    fields.join(",")
}

/// Analyse many files in parallel (`threads` workers, 0 = all cores), one
/// file per worker; results in input order.
pub fn analyze_many(
    paths: &[PathBuf],
    threads: usize,
) -> Vec<(PathBuf, Result<Analysis, AudioError>)> {
    analyze_many_with(paths, threads, &AnalysisOptions::default())
}

/// [`analyze_many`] with options.
pub fn analyze_many_with(
    paths: &[PathBuf],
    threads: usize,
    opts: &AnalysisOptions,
) -> Vec<(PathBuf, Result<Analysis, AudioError>)> {
    let run = || {
        paths
            .par_iter()
            .with_max_len(1)
            .map(|p| (p.clone(), crate::analyze_path(p, opts)))
            .collect::<Vec<_>>()
    };
    match rayon::ThreadPoolBuilder::new().num_threads(threads).build() {
        Ok(pool) => pool.install(run),
        Err(e) => {
            tracing::warn!(error = %e, "could not build a thread pool; analysing sequentially");
            paths
                .iter()
                .map(|p| (p.clone(), crate::analyze_path(p, opts)))
                .collect()
        }
    }
}

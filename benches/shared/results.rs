//! The interleaved runs' raw times, written where `examples/report.rs` reads them to make
//! `docs/benchmarks.md` and `docs/benchmarks.svg`: one JSON file per bench and run under
//! `<target>/bench-results/`.

use std::path::PathBuf;

/// One workload's interleaved times: each side's time per round, in milliseconds.
pub struct Measured {
    /// The workload's name.
    pub workload: &'static str,
    /// Each side's name and its times, in the bench's side order.
    pub sides: Vec<(&'static str, Vec<f64>)>,
    /// For a streaming workload, each side's peak memory growth per round (MiB), in the same
    /// order; its times are then CPU times. Empty otherwise.
    pub peaks: Vec<Vec<f64>>,
}

/// Where the results go: `bench-results` under `CARGO_TARGET_DIR` (or `target`).
pub fn results_dir() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR").map_or_else(|| "target".into(), PathBuf::from);
    target.join("bench-results")
}

/// Writes `bench`'s results: its database and driver versions (`about`), and every workload.
pub fn write(bench: &str, about: &[(&str, String)], rows: &[Measured]) {
    let workloads: Vec<serde_json::Value> = rows
        .iter()
        .map(|m| {
            let sides: Vec<serde_json::Value> = m
                .sides
                .iter()
                .enumerate()
                .map(|(i, (name, times))| match m.peaks.get(i) {
                    Some(peaks) => serde_json::json!({ "side": name, "ms": times, "peak_mib": peaks }),
                    None => serde_json::json!({ "side": name, "ms": times }),
                })
                .collect();
            serde_json::json!({ "workload": m.workload, "sides": sides })
        })
        .collect();
    let about: serde_json::Map<String, serde_json::Value> =
        about.iter().map(|(k, v)| ((*k).to_owned(), serde_json::Value::String(v.clone()))).collect();
    let doc = serde_json::json!({ "bench": bench, "about": about, "workloads": workloads });
    let dir = results_dir();
    std::fs::create_dir_all(&dir).expect("results directory");
    // Several runs keep apart (`DJORM_BENCH_RUN=2` writes `<bench>-2.json`).
    let run = std::env::var("DJORM_BENCH_RUN").unwrap_or_else(|_| "1".into());
    let path = dir.join(format!("{bench}-{run}.json"));
    std::fs::write(&path, serde_json::to_string_pretty(&doc).expect("json")).expect("write results");
    println!("results: {}", path.display());
}

/// Whether criterion's own runs are skipped (`DJORM_BENCH_INTERLEAVED_ONLY=1`), for the report,
/// which reads only the interleaved runs.
pub fn interleaved_only() -> bool {
    std::env::var("DJORM_BENCH_INTERLEAVED_ONLY").is_ok_and(|v| v == "1")
}

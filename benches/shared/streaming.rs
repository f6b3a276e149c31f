//! The streaming workload: a million rows read one at a time into structs (djorm's
//! `iterator()` against the raw driver's own row stream), measured in process CPU time and in
//! peak resident memory above what the process held before, the two things streaming is for.

use djorm::prelude::*;

/// The streamed table: a million readings.
#[derive(Model, Debug, Clone)]
#[djorm(app = "bench", db_table = "bench_reading")]
pub struct Reading {
    pub id: AutoId,
    #[djorm(max_length = 100)]
    pub label: String,
    pub value: f64,
}

/// How many rows the workload streams.
pub const STREAMED_ROWS: i64 = 1_000_000;

/// What one streaming run cost.
#[derive(Debug, Clone, Copy)]
pub struct Usage {
    /// Process CPU time (user + system, every thread), in milliseconds.
    pub cpu_ms: f64,
    /// Peak resident memory above the resident memory before the run, in MiB.
    pub peak_growth_mib: f64,
}

fn status_kib(field: &str) -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|t| {
            t.lines().find(|l| l.starts_with(field)).and_then(|l| l.split_whitespace().nth(1)?.parse::<f64>().ok())
        })
        .unwrap_or(0.0)
}

fn cpu_ms() -> f64 {
    // utime and stime, the 14th and 15th fields, in clock ticks (100 per second on Linux).
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let after_name = stat.rsplit(')').next().unwrap_or("");
    // After the name: state, then the numbers; utime and stime are the 12th and 13th tokens.
    let fields: Vec<&str> = after_name.split_whitespace().collect();
    let ticks = |i: usize| fields.get(i).and_then(|f| f.parse::<f64>().ok()).unwrap_or(0.0);
    (ticks(11) + ticks(12)) * 10.0
}

/// Runs `body`, with the process's peak memory mark reset first (`/proc/self/clear_refs`).
pub fn measure(body: impl FnOnce() -> f64) -> Usage {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
    let before_rss = status_kib("VmRSS:");
    let before_cpu = cpu_ms();
    std::hint::black_box(body());
    let cpu = cpu_ms() - before_cpu;
    let peak = status_kib("VmHWM:");
    Usage { cpu_ms: cpu, peak_growth_mib: ((peak - before_rss) / 1024.0).max(0.0) }
}

/// djorm's side: `iterator()` over every reading in key order, summing the values.
pub async fn djorm_stream(db: &Db) -> f64 {
    use futures_util::StreamExt;
    let mut sum = 0.0;
    let mut rows = std::pin::pin!(Reading::objects().order_by(["id"]).iterator(db).await.expect("iterator"));
    while let Some(reading) = rows.next().await {
        let reading = reading.expect("row");
        sum += reading.value + reading.label.len() as f64;
    }
    sum
}

/// djorm's `all()` on the same rows (what `iterator()` is compared with on SQLite).
#[allow(dead_code)] // the PostgreSQL bench does not compare with all()
pub async fn djorm_all(db: &Db) -> f64 {
    let rows = Reading::objects().order_by(["id"]).all(db).await.expect("all");
    rows.iter().map(|r| r.value + r.label.len() as f64).sum()
}

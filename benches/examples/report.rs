//! Writes `benchmarks.md` and `benchmarks.svg` into the directory given (the repository's
//! `docs/`) from the interleaved runs the benches saved under `<target>/bench-results/`: per
//! workload each side's median time and spread (10th to 90th percentile of the rounds), djorm's
//! median over each side's in every run, the machine, the versions and the date, and a chart of
//! each side's time over the raw driver's. `benches/regenerate-report` runs the benches and this.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use plotters::prelude::*;

/// One side of a workload: its name and each run's round times (ms).
type SideRuns = (String, Vec<Vec<f64>>);
/// One workload: its name and its sides, in first-seen order.
type WorkloadRuns = (String, Vec<SideRuns>);

/// One bench's runs: workload → side → each run's round times (ms), in first-seen order.
struct Bench {
    name: String,
    server: String,
    workloads: Vec<WorkloadRuns>,
    /// Streaming workloads' peak memory growth (MiB) per (workload, side), every round of every
    /// run; their times are CPU times.
    peaks: BTreeMap<(String, String), Vec<f64>>,
}

fn percentile(times: &[f64], p: f64) -> f64 {
    let mut sorted = times.to_vec();
    sorted.sort_by(f64::total_cmp);
    let at = ((sorted.len() - 1) as f64 * p).round() as usize;
    sorted[at]
}

fn median(times: &[f64]) -> f64 {
    percentile(times, 0.5)
}

fn load(dir: &Path, bench: &str) -> Option<Bench> {
    let mut runs: Vec<serde_json::Value> = Vec::new();
    for run in 1.. {
        let Ok(text) = std::fs::read_to_string(dir.join(format!("{bench}-{run}.json"))) else { break };
        runs.push(serde_json::from_str(&text).expect("a results file"));
    }
    let first = runs.first()?;
    let server = first["about"]["server"].as_str().unwrap_or_default().to_owned();
    let mut workloads: Vec<WorkloadRuns> = Vec::new();
    let mut peaks: BTreeMap<(String, String), Vec<f64>> = BTreeMap::new();
    for run in &runs {
        for w in run["workloads"].as_array().into_iter().flatten() {
            let name = w["workload"].as_str().unwrap_or_default().to_owned();
            let at = match workloads.iter().position(|(n, _)| *n == name) {
                Some(at) => at,
                None => {
                    workloads.push((name, Vec::new()));
                    workloads.len() - 1
                }
            };
            for side in w["sides"].as_array().into_iter().flatten() {
                let side_name = side["side"].as_str().unwrap_or_default().to_owned();
                let times: Vec<f64> = side["ms"].as_array().into_iter().flatten().filter_map(|t| t.as_f64()).collect();
                if let Some(peak) = side["peak_mib"].as_array() {
                    let entry = peaks.entry((workloads[at].0.clone(), side_name.clone())).or_default();
                    entry.extend(peak.iter().filter_map(|p| p.as_f64()));
                }
                let sides = &mut workloads[at].1;
                match sides.iter_mut().find(|(n, _)| *n == side_name) {
                    Some((_, per_run)) => per_run.push(times),
                    None => sides.push((side_name, vec![times])),
                }
            }
        }
    }
    Some(Bench { name: bench.to_owned(), server, workloads, peaks })
}

/// Versions of the crates measured, from the bench crate's lock file.
fn versions() -> BTreeMap<String, String> {
    let lock = std::fs::read_to_string("Cargo.lock").unwrap_or_default();
    let wanted = [
        "tokio-postgres",
        "sqlx",
        "diesel",
        "diesel-async",
        "sea-orm",
        "rusqlite",
        "mysql_async",
        "tokio",
        "criterion",
    ];
    let mut found = BTreeMap::new();
    let mut name = None;
    for line in lock.lines() {
        if let Some(n) = line.strip_prefix("name = ") {
            name = Some(n.trim_matches('"').to_owned());
        } else if let (Some(v), Some(n)) = (line.strip_prefix("version = "), name.take()) {
            if wanted.contains(&n.as_str()) {
                // A crate locked at two versions (SeaORM brings its own SQLx) shows both.
                let version = v.trim_matches('"').to_owned();
                found
                    .entry(n)
                    .and_modify(|known: &mut String| *known = format!("{known} and {version}"))
                    .or_insert(version);
            }
        }
    }
    found
}

fn machine() -> String {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|t| {
            t.lines().find(|l| l.starts_with("model name")).map(|l| l.split(':').nth(1).unwrap_or("").trim().to_owned())
        })
        .unwrap_or_else(|| "unknown CPU".into());
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    let memory = std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|t| t.lines().next().and_then(|l| l.split_whitespace().nth(1)).and_then(|kb| kb.parse::<f64>().ok()))
        .map_or_else(String::new, |kb| format!(", {:.0} GiB", kb / 1024.0 / 1024.0));
    let rustc = std::process::Command::new("rustc")
        .arg("-V")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
        .unwrap_or_default();
    format!("{cpu}, {cores} cores{memory}; {rustc}")
}

/// The targets the speed issue set, per workload: djorm's median over the raw driver's at most
/// `limit`, and (on PostgreSQL) below every other ORM's.
fn targets(out: &mut String, bench: &Bench, limit: impl Fn(&str) -> f64) {
    let _ = writeln!(out, "Against the targets (djorm's median over the raw driver's, all rounds of all runs):\n");
    let _ = writeln!(out, "| workload | ÷ raw | target | djorm slower than |");
    let _ = writeln!(out, "|---|---|---|---|");
    for (workload, sides) in &bench.workloads {
        let djorm = median(&sides[0].1.concat());
        let raw = median(&sides[1].1.concat());
        let ratio = djorm / raw;
        let target = limit(workload);
        let verdict = if ratio <= target {
            format!("≤ {target:.2}: met")
        } else {
            format!("≤ {target:.2}: missed by {:.0}%", (ratio / target - 1.0) * 100.0)
        };
        let slower: Vec<&str> =
            sides[2..].iter().filter(|(_, r)| median(&r.concat()) < djorm).map(|(n, _)| n.as_str()).collect();
        let slower = if slower.is_empty() { "none".to_owned() } else { slower.join(", ") };
        let _ = writeln!(out, "| {workload} | {ratio:.2} | {verdict} | {slower} |");
    }
    out.push('\n');
}

/// The streaming workloads: CPU time and peak memory growth per side.
fn streaming(out: &mut String, bench: &Bench) {
    if bench.peaks.is_empty() {
        return;
    }
    let _ = writeln!(
        out,
        "Streaming (a million rows read one at a time into structs; CPU is the process's user and system \
         time for those rows, every thread; peak memory is the resident high-water mark above what the \
         process held before the round; target: CPU ≤ 1.2× raw, peak under 20 MiB):\n"
    );
    let _ = writeln!(out, "| workload | side | CPU ms (median) | peak MiB above baseline (median, max) |");
    let _ = writeln!(out, "|---|---|---|---|");
    for (workload, sides) in &bench.workloads {
        for (side, runs) in sides {
            let Some(peak) = bench.peaks.get(&(workload.clone(), side.clone())) else { continue };
            let max = peak.iter().copied().fold(0.0f64, f64::max);
            let _ = writeln!(
                out,
                "| {workload} | {side} | {:.0} | {:.1}, {max:.1} |",
                median(&runs.concat()),
                median(peak)
            );
        }
    }
    out.push('\n');
}

fn table(out: &mut String, bench: &Bench, raw: &str) {
    let Some((_, sides)) = bench.workloads.first() else { return };
    let names: Vec<&str> = sides.iter().map(|(n, _)| n.as_str()).collect();
    // Workloads with other sides (the streaming ones) have a table of their own.
    let same_sides =
        |sides: &[(String, Vec<Vec<f64>>)]| sides.iter().map(|(n, _)| n.as_str()).eq(names.iter().copied());
    let workloads: Vec<&WorkloadRuns> = bench.workloads.iter().filter(|(_, sides)| same_sides(sides)).collect();
    let _ = writeln!(out, "Median time per round in ms, with the 10th–90th percentile of all rounds of all runs:\n");
    let _ = writeln!(out, "| workload | {} |", names.join(" | "));
    let _ = writeln!(out, "|---|{}", "---|".repeat(names.len()));
    for (workload, sides) in workloads.iter().map(|w| (&w.0, &w.1)) {
        let cells: Vec<String> = sides
            .iter()
            .map(|(_, runs)| {
                let all: Vec<f64> = runs.concat();
                format!("{:.3} ({:.3}–{:.3})", median(&all), percentile(&all, 0.1), percentile(&all, 0.9))
            })
            .collect();
        let _ = writeln!(out, "| {workload} | {} |", cells.join(" | "));
    }
    let _ = writeln!(
        out,
        "\ndjorm's median over each side's, per run (below 1 means djorm is faster; `{raw}` is the raw driver):\n"
    );
    let others = &names[1..];
    let _ = writeln!(out, "| workload | {} |", others.iter().map(|n| format!("÷ {n}")).collect::<Vec<_>>().join(" | "));
    let _ = writeln!(out, "|---|{}", "---|".repeat(others.len()));
    for (workload, sides) in workloads.iter().map(|w| (&w.0, &w.1)) {
        let djorm = &sides[0].1;
        let cells: Vec<String> = sides[1..]
            .iter()
            .map(|(_, runs)| {
                let ratios: Vec<String> =
                    djorm.iter().zip(runs).map(|(d, o)| format!("{:.2}", median(d) / median(o))).collect();
                ratios.join(" / ")
            })
            .collect();
        let _ = writeln!(out, "| {workload} | {} |", cells.join(" | "));
    }
}

/// Each side's median over the raw driver's, per workload, as grouped bars.
fn chart(path: &Path, benches: &[(&Bench, &str)]) -> Result<(), Box<dyn std::error::Error>> {
    let rows: Vec<(String, Vec<(String, f64)>)> = benches
        .iter()
        .flat_map(|(bench, raw)| {
            bench.workloads.iter().map(move |(workload, sides)| {
                let raw_median = sides.iter().find(|(n, _)| n == raw).map_or(1.0, |(_, r)| median(&r.concat()));
                let bars = sides.iter().map(|(n, r)| (n.clone(), median(&r.concat()) / raw_median)).collect();
                (format!("{}: {workload}", bench.name), bars)
            })
        })
        .collect();
    let mut sides: Vec<String> = Vec::new();
    for (_, bars) in &rows {
        for (name, _) in bars {
            if !sides.contains(name) {
                sides.push(name.clone());
            }
        }
    }
    // Past 3x a bar is cut short; its label still gives the whole ratio.
    let top = rows.iter().flat_map(|(_, b)| b.iter().map(|(_, r)| *r)).fold(1.0f64, f64::max).min(3.0) * 1.15;
    let height = 120 + rows.len() as u32 * (sides.len() as u32 * 12 + 24);
    let root = SVGBackend::new(path, (1000, height)).into_drawing_area();
    root.fill(&WHITE)?;
    let mut chart = ChartBuilder::on(&root)
        .caption(
            "time over the raw driver's (1 = raw tokio-postgres / rusqlite / mysql_async; shorter is faster)",
            ("sans-serif", 18),
        )
        .margin(12)
        .x_label_area_size(36)
        .y_label_area_size(8)
        .build_cartesian_2d(0.0..top, 0.0..rows.len() as f64)?;
    chart.configure_mesh().disable_y_mesh().disable_y_axis().x_desc("× raw driver").draw()?;
    // Row i is the band from the top: its label along the band's top, its bars below.
    let band = |i: usize| (rows.len() - 1 - i) as f64;
    chart.draw_series(rows.iter().enumerate().map(|(i, (label, _))| {
        Text::new(label.clone(), (top * 0.005, band(i) + 0.97), ("sans-serif", 13).into_font())
    }))?;
    let most = rows.iter().map(|(_, bars)| bars.len()).max().unwrap_or(1);
    let step = 0.75 / most as f64;
    // A bar's place in its row: its side's place among the row's own sides.
    let place = |bars: &[(String, f64)], side: &str| bars.iter().position(|(n, _)| n == side);
    for (s, side) in sides.iter().enumerate() {
        let color = Palette99::pick(s).to_rgba();
        let bars: Vec<(f64, f64, f64)> = rows
            .iter()
            .enumerate()
            .filter_map(|(i, (_, bars))| {
                let at = place(bars, side)?;
                let y = band(i) + 0.8 - step * (at as f64 + 1.0);
                Some((bars[at].1, y, y + step * 0.85))
            })
            .collect();
        chart
            .draw_series(
                bars.iter().map(|(ratio, y0, y1)| Rectangle::new([(0.0, *y0), (ratio.min(top), *y1)], color.filled())),
            )?
            .label(side.clone())
            .legend(move |(x, y)| Rectangle::new([(x, y - 5), (x + 12, y + 5)], Palette99::pick(s).to_rgba().filled()));
        chart.draw_series(bars.iter().map(|(ratio, y0, y1)| {
            let x = if *ratio > top { top * 0.93 } else { ratio + top * 0.005 };
            let at = (x, (y0 + y1) / 2.0 + step * 0.4);
            Text::new(format!("{ratio:.2}"), at, ("sans-serif", 10).into_font())
        }))?;
    }
    chart.draw_series(std::iter::once(PathElement::new(vec![(1.0, 0.0), (1.0, rows.len() as f64)], BLACK)))?;
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::UpperRight)
        .background_style(WHITE)
        .border_style(BLACK)
        .draw()?;
    root.present()?;
    Ok(())
}

fn main() {
    let out_dir = PathBuf::from(std::env::args().nth(1).unwrap_or_else(|| "../docs".into()));
    let results = std::env::var_os("CARGO_TARGET_DIR")
        .map_or_else(|| PathBuf::from("target"), PathBuf::from)
        .join("bench-results");
    let postgres = load(&results, "postgresql");
    let sqlite = load(&results, "sqlite");
    let mariadb = load(&results, "mariadb");
    let mut out = String::from("# Benchmarks\n\n");
    let _ = writeln!(
        out,
        "Regenerate with `benches/regenerate-report` (it runs the benches' interleaved workloads twice each, then \
         `cargo run --release --example report`). Each workload's sides take turns, round after round, the first \
         place rotating, so drifting load on a shared machine skews no side; times are wall-clock. The \
         instruction-count gate in CI (`crates/djorm-gate`) is the repeatable measure; these are the end-to-end \
         times a user sees.\n"
    );
    let _ = writeln!(out, "- Date: {}", djorm::prelude::Utc::now().format("%Y-%m-%d %H:%M UTC"));
    let _ = writeln!(out, "- Machine: {}", machine());
    for bench in [&postgres, &sqlite, &mariadb].into_iter().flatten() {
        let runs = bench.workloads.first().and_then(|(_, s)| s.first()).map_or(0, |(_, r)| r.len());
        let _ = writeln!(out, "- {}: {runs} interleaved runs", bench.server);
    }
    let versions: Vec<String> = versions().into_iter().map(|(n, v)| format!("{n} {v}")).collect();
    let _ = writeln!(out, "- Crates: djorm (this checkout), {}\n", versions.join(", "));
    let _ = writeln!(out, "![Each side's time over the raw driver's](benchmarks.svg)\n");
    if let Some(bench) = &postgres {
        let _ = writeln!(out, "## PostgreSQL (`benches/benches/vs_raw_driver.rs`)\n");
        // The pool target is a throughput: at least 0.95x deadpool + raw's, so at most 1/0.95 its time.
        targets(&mut out, bench, |w| match w {
            w if w.contains("stream") => 1.2,
            w if w.contains("64_tasks") => 1.0 / 0.95,
            _ => 1.10,
        });
        table(&mut out, bench, "tokio-postgres");
        out.push('\n');
        streaming(&mut out, bench);
        out.push('\n');
    }
    if let Some(bench) = &sqlite {
        let _ = writeln!(out, "## SQLite (`benches/benches/sqlite.rs`)\n");
        targets(&mut out, bench, |w| if w.contains("get_by_pk") { 1.5 } else { 1.2 });
        table(&mut out, bench, "rusqlite");
        out.push('\n');
        streaming(&mut out, bench);
        out.push('\n');
    }
    if let Some(bench) = &mariadb {
        let _ = writeln!(out, "## MariaDB (`benches/benches/mariadb.rs`)\n");
        targets(&mut out, bench, |_| 1.15);
        table(&mut out, bench, "mysql_async");
        out.push('\n');
    }
    std::fs::create_dir_all(&out_dir).expect("docs directory");
    std::fs::write(out_dir.join("benchmarks.md"), out).expect("write benchmarks.md");
    let benches: Vec<(&Bench, &str)> =
        [(postgres.as_ref(), "tokio-postgres"), (sqlite.as_ref(), "rusqlite"), (mariadb.as_ref(), "mysql_async")]
            .into_iter()
            .filter_map(|(b, raw)| b.map(|b| (b, raw)))
            .collect();
    chart(&out_dir.join("benchmarks.svg"), &benches).expect("write benchmarks.svg");
    println!("wrote {} and benchmarks.svg", out_dir.join("benchmarks.md").display());
}

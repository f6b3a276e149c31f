//! The instruction-count regression gate (`.ci/run` runs it): djorm's cost per operation over
//! rusqlite's, counted by callgrind, must stay within the committed budget
//! (`.ci/instruction-budget.txt`) plus 5%, so a change that makes djorm slower fails CI however
//! noisy the machine is.
//!
//! - `djorm-gate check <budget>`: measures every workload on both sides and compares;
//!   `--write` rewrites the budget with what it measured (after a deliberate change).
//! - `djorm-gate run <workload> <djorm|raw> <times> <database>`: what callgrind runs.
//!
//! Instructions per operation are `(count(times) - count(0)) / times`: the seeding, start-up
//! and exit cancel out.

mod budget;
mod callgrind;
mod workloads;

use std::path::PathBuf;
use std::process::ExitCode;

use workloads::Workload;

/// How many operations a measured run performs.
fn repetitions(workload: Workload) -> u64 {
    match workload {
        Workload::Get => 2000,
        Workload::FilterOrderSlice | Workload::SelectRelated | Workload::Insert => 500,
    }
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result =
        match args.first().map(String::as_str) {
            Some("run") => run(&args[1..]),
            Some("check") => check(&args[1..]),
            _ => Err("usage: djorm-gate check <budget file> [--write] | run <workload> <djorm|raw> <times> <database>"
                .into()),
        };
    match result {
        Ok(code) => code,
        Err(message) => {
            eprintln!("djorm-gate: {message}");
            ExitCode::from(2)
        }
    }
}

/// Seeds a database and runs one workload `times` times on one side.
fn run(args: &[String]) -> Result<ExitCode, String> {
    let [workload, side, times, database] = args else {
        return Err("run <workload> <djorm|raw> <times> <database>".into());
    };
    let workload = Workload::named(workload).ok_or_else(|| format!("no workload {workload}"))?;
    let times: u64 = times.parse().map_err(|_| format!("{times} is not a count"))?;
    let database = PathBuf::from(database);
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().map_err(|e| e.to_string())?;
    let db = runtime.block_on(workloads::seed(&database)).map_err(|e| e.to_string())?;
    match side.as_str() {
        "djorm" => runtime.block_on(workloads::djorm_side(&db, workload, times)).map_err(|e| e.to_string())?,
        "raw" => {
            let conn = rusqlite::Connection::open(&database).map_err(|e| e.to_string())?;
            workloads::raw_side(&conn, workload, times).map_err(|e| e.to_string())?;
        }
        other => return Err(format!("no side {other}: djorm or raw")),
    }
    Ok(ExitCode::SUCCESS)
}

/// Instructions per operation of `workload` on `side`. Counts repeat run after run (the gate
/// gives SQLite's inline reads a budget valgrind's slow clock cannot exhaust).
fn per_operation(workload: Workload, side: &str, scratch: &std::path::Path) -> Result<f64, String> {
    let program = std::env::current_exe().map_err(|e| e.to_string())?;
    let times = repetitions(workload);
    let mut counts = [0u64; 2];
    for (slot, n) in [0, times].into_iter().enumerate() {
        let database = scratch.join(format!("{}-{side}-{n}.sqlite3", workload.name()));
        let args = ["run", workload.name(), side, &n.to_string(), &database.display().to_string()].map(String::from);
        counts[slot] = callgrind::instructions(&program, &args, scratch)?;
    }
    Ok(counts[1].saturating_sub(counts[0]) as f64 / times as f64)
}

/// Measures every workload and compares with the budget in `args[0]`.
fn check(args: &[String]) -> Result<ExitCode, String> {
    let (path, write) = match args {
        [path] => (PathBuf::from(path), false),
        [path, flag] if flag == "--write" => (PathBuf::from(path), true),
        _ => return Err("check <budget file> [--write]".into()),
    };
    let budget = if write {
        Vec::new()
    } else {
        budget::parse(&std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?)?
    };
    let scratch = std::env::temp_dir().join(format!("djorm-gate-{}", std::process::id()));
    std::fs::create_dir_all(&scratch).map_err(|e| e.to_string())?;
    let mut failed = false;
    let mut written = String::from("# djorm's instructions per operation over rusqlite's (callgrind), per workload.\n# Regenerate after a deliberate change: cargo run --release -p djorm-gate -- check .ci/instruction-budget.txt --write\n");
    println!("{:<20} {:>12} {:>12} {:>8} {:>8}", "workload", "djorm Ir/op", "raw Ir/op", "ratio", "budget");
    for workload in Workload::ALL {
        let (ours, raw) = (per_operation(workload, "djorm", &scratch)?, per_operation(workload, "raw", &scratch)?);
        let ratio = ours / raw;
        written.push_str(&format!("{} {ratio:.3}\n", workload.name()));
        let allowed = budget.iter().find(|e| e.workload == workload.name()).map(|e| e.ratio);
        let verdict = match allowed {
            _ if write => String::from("written"),
            None => {
                failed = true;
                String::from("no budget")
            }
            Some(b) if budget::within(ratio, b) => format!("{b:.3}"),
            Some(b) => {
                failed = true;
                format!("{b:.3} EXCEEDED")
            }
        };
        println!("{:<20} {ours:>12.0} {raw:>12.0} {ratio:>8.3} {verdict:>8}", workload.name());
    }
    let _ = std::fs::remove_dir_all(&scratch);
    if write {
        std::fs::write(&path, written).map_err(|e| format!("{}: {e}", path.display()))?;
        return Ok(ExitCode::SUCCESS);
    }
    if failed {
        eprintln!(
            "djorm-gate: djorm costs more instructions per operation than the budget allows (+{:.0}%)",
            (budget::TOLERANCE - 1.0) * 100.0
        );
        return Ok(ExitCode::from(1));
    }
    Ok(ExitCode::SUCCESS)
}

//! The instruction-count regression gate (`.ci/run` runs it): djorm's cost per operation over
//! the raw driver's — rusqlite on SQLite, tokio-postgres on PostgreSQL — counted by callgrind,
//! must stay within the committed budget (`.ci/instruction-budget.txt`) plus 5%, so a change
//! that makes djorm slower fails CI however noisy the machine is.
//!
//! - `djorm-gate check <budget>`: measures every workload on both backends and both sides and
//!   compares; `--write` rewrites the budget with what it measured (after a deliberate change).
//! - `djorm-gate run <backend> <workload> <djorm|raw> <times> <target>`: what callgrind runs;
//!   the target is a SQLite file (seeded by the run) or a PostgreSQL URL (seeded by `check`).
//! - `djorm-gate seed <url>`: creates and seeds the gate's tables in an empty database, to
//!   profile one run by hand (`valgrind --tool=callgrind djorm-gate run postgresql get djorm
//!   2000 <url>`, then `callgrind_annotate`).
//!
//! Instructions per operation are `(count(times) - count(0)) / times`: the seeding, start-up
//! and exit cancel out. Only the client is counted; the PostgreSQL server runs outside valgrind.
//! Heap allocations per operation are counted the same way, by the binary's own counting
//! allocator in a run outside valgrind, and budgeted too (`<workload>.allocs` lines).

mod allocations;
mod budget;
mod callgrind;
mod raw_postgres;
mod raw_rows;
mod raw_sqlite;
mod workloads;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use djorm::testing::TestDatabase;
use workloads::Workload;

#[global_allocator]
static ALLOCATOR: allocations::Counting = allocations::Counting;

/// The databases the gate measures, each against its own raw driver.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Backend {
    /// SQLite through rusqlite.
    Sqlite,
    /// PostgreSQL through tokio-postgres, on the test server (`DJORM_TEST_POSTGRES_URL`).
    Postgres,
}

impl Backend {
    const ALL: [Backend; 2] = [Backend::Sqlite, Backend::Postgres];

    fn name(self) -> &'static str {
        match self {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgresql",
        }
    }

    fn named(name: &str) -> Option<Backend> {
        Backend::ALL.into_iter().find(|b| b.name() == name)
    }
}

/// How many operations a measured run performs.
fn repetitions(workload: Workload) -> u64 {
    match workload {
        Workload::Get => 2000,
        Workload::FilterOrderSlice | Workload::SelectRelated | Workload::Insert => 500,
        // A thousand rows each.
        Workload::Stream => 20,
    }
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("run") => run(&args[1..]),
        Some("check") => check(&args[1..]),
        Some("seed") => seed(&args[1..]),
        _ => Err(
            "usage: djorm-gate check <budget file> [--write] | run <backend> <workload> <djorm|raw> <times> <target>"
                .into(),
        ),
    };
    match result {
        Ok(code) => code,
        Err(message) => {
            eprintln!("djorm-gate: {message}");
            ExitCode::from(2)
        }
    }
}

/// Creates and seeds the gate's tables in the empty database at `args[0]`.
fn seed(args: &[String]) -> Result<ExitCode, String> {
    let [url] = args else {
        return Err("seed <url>".into());
    };
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().map_err(|e| e.to_string())?;
    runtime
        .block_on(async {
            let db = djorm::connect(url).await?;
            db.create_tables(&workloads::models()).await?;
            workloads::seed(&db).await
        })
        .map_err(|e| e.to_string())?;
    Ok(ExitCode::SUCCESS)
}

/// Runs one workload `times` times on one side (seeding a SQLite target first).
fn run(args: &[String]) -> Result<ExitCode, String> {
    let [backend, workload, side, times, target] = args else {
        return Err("run <backend> <workload> <djorm|raw> <times> <target>".into());
    };
    let backend = Backend::named(backend).ok_or_else(|| format!("no backend {backend}: sqlite or postgresql"))?;
    let workload = Workload::named(workload).ok_or_else(|| format!("no workload {workload}"))?;
    let times: u64 = times.parse().map_err(|_| format!("{times} is not a count"))?;
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().map_err(|e| e.to_string())?;
    runtime.block_on(async {
        let url = match backend {
            Backend::Sqlite => {
                let _ = std::fs::remove_file(target);
                let db = djorm::connect(&format!("sqlite://{target}")).await.map_err(|e| e.to_string())?;
                db.create_tables(&workloads::models()).await.map_err(|e| e.to_string())?;
                workloads::seed(&db).await.map_err(|e| e.to_string())?;
                format!("sqlite://{target}")
            }
            Backend::Postgres => target.clone(),
        };
        let before = allocations::count();
        let outcome = match (side.as_str(), backend) {
            ("djorm", _) => {
                let db = djorm::connect(&url).await.map_err(|e| e.to_string())?;
                workloads::djorm_side(&db, workload, times).await.map_err(|e| e.to_string())
            }
            ("raw", Backend::Sqlite) => {
                let conn = rusqlite::Connection::open(target).map_err(|e| e.to_string())?;
                raw_sqlite::run(&conn, workload, times).map_err(|e| e.to_string())
            }
            ("raw", Backend::Postgres) => {
                let (client, connection) =
                    tokio_postgres::connect(target, tokio_postgres::NoTls).await.map_err(|e| e.to_string())?;
                let driver = tokio::spawn(connection);
                let result = raw_postgres::run(&client, workload, times).await.map_err(|e| e.to_string());
                drop(client);
                let _ = driver.await;
                result
            }
            (other, _) => Err(format!("no side {other}: djorm or raw")),
        };
        // Read by `check`, which runs this outside valgrind to count allocations.
        println!("allocations {}", allocations::count() - before);
        outcome
    })?;
    Ok(ExitCode::SUCCESS)
}

/// Where a backend's runs work: a SQLite file of their own in the scratch directory (each run
/// seeds it), or one seeded PostgreSQL test database (its URL) that the runs share.
enum Target {
    SqliteFiles,
    Postgres(String),
}

/// What one operation costs on one side: instructions and heap allocations.
struct Cost {
    instructions: f64,
    allocations: f64,
}

/// The cost per operation of `workload` on `side`. Counts repeat run after run (the gate gives
/// SQLite's inline reads a budget valgrind's slow clock cannot exhaust, in both kinds of run).
fn per_operation(
    backend: Backend,
    workload: Workload,
    side: &str,
    target: &Target,
    scratch: &Path,
) -> Result<Cost, String> {
    let program = std::env::current_exe().map_err(|e| e.to_string())?;
    let times = repetitions(workload);
    let (mut instructions, mut allocations) = ([0u64; 2], [0u64; 2]);
    for (slot, n) in [0, times].into_iter().enumerate() {
        let place = match target {
            Target::SqliteFiles => {
                scratch.join(format!("{}-{side}-{n}.sqlite3", workload.name())).display().to_string()
            }
            Target::Postgres(url) => url.clone(),
        };
        let args = ["run", backend.name(), workload.name(), side, &n.to_string(), &place].map(String::from);
        instructions[slot] = callgrind::instructions(&program, &args, scratch)?;
        allocations[slot] = allocations_of(&program, &args)?;
    }
    let per = |counts: [u64; 2]| counts[1].saturating_sub(counts[0]) as f64 / times as f64;
    Ok(Cost { instructions: per(instructions), allocations: per(allocations) })
}

/// The allocations a `run` reports, run natively.
fn allocations_of(program: &Path, args: &[String]) -> Result<u64, String> {
    let output = std::process::Command::new(program)
        .args(args)
        .env("DJORM_SQLITE_INLINE_BUDGET", "1s")
        .output()
        .map_err(|e| e.to_string())?;
    if !output.status.success() {
        return Err(format!(
            "{} {} failed:\n{}",
            program.display(),
            args.join(" "),
            String::from_utf8_lossy(&output.stderr)
        ));
    }
    let stdout = String::from_utf8_lossy(&output.stdout);
    stdout
        .lines()
        .find_map(|l| l.strip_prefix("allocations ")?.trim().parse().ok())
        .ok_or_else(|| format!("no allocation count from {}", args.join(" ")))
}

/// Measures every workload on every backend and compares with the budget in `args[0]`.
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
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().map_err(|e| e.to_string())?;
    let mut failed = false;
    let mut written = String::from("# djorm's instructions per operation over the raw driver's (callgrind), per backend and workload.\n# Regenerate after a deliberate change: cargo run --release -p djorm-gate -- check .ci/instruction-budget.txt --write\n");
    println!(
        "{:<11} {:<20} {:>12} {:>12} {:>8} {:>8} {:>13} {:>11} {:>8}",
        "backend", "workload", "djorm Ir/op", "raw Ir/op", "ratio", "budget", "djorm allocs", "raw allocs", "budget"
    );
    for backend in Backend::ALL {
        // PostgreSQL's runs share one seeded test database, dropped when this ends.
        let (target, _database) = match backend {
            Backend::Sqlite => (Target::SqliteFiles, None),
            Backend::Postgres => {
                let database = runtime.block_on(seeded_postgres()).map_err(|e| e.to_string())?;
                (Target::Postgres(database.url().unwrap_or_default()), Some(database))
            }
        };
        for workload in Workload::ALL {
            let ours = per_operation(backend, workload, "djorm", &target, &scratch)?;
            let raw = per_operation(backend, workload, "raw", &target, &scratch)?;
            let ratio = ours.instructions / raw.instructions;
            let allocs_name = format!("{}.allocs", workload.name());
            written.push_str(&format!("{} {} {ratio:.3}\n", backend.name(), workload.name()));
            written.push_str(&format!("{} {allocs_name} {:.1}\n", backend.name(), ours.allocations));
            let mut verdict = |measured: f64, name: &str, within: fn(f64, f64) -> bool| {
                let allowed = budget.iter().find(|e| e.backend == backend.name() && e.workload == name);
                match allowed {
                    _ if write => String::from("written"),
                    None => {
                        failed = true;
                        String::from("no budget")
                    }
                    Some(b) if within(measured, b.ratio) => format!("{:.3}", b.ratio),
                    Some(b) => {
                        failed = true;
                        format!("{:.3} EXCEEDED", b.ratio)
                    }
                }
            };
            let ratio_verdict = verdict(ratio, workload.name(), budget::within);
            let allocs_verdict = verdict(ours.allocations, &allocs_name, budget::allocations_within);
            println!(
                "{:<11} {:<20} {:>12.0} {:>12.0} {ratio:>8.3} {ratio_verdict:>8} {:>13.1} {:>11.1} {allocs_verdict:>8}",
                backend.name(),
                workload.name(),
                ours.instructions,
                raw.instructions,
                ours.allocations,
                raw.allocations
            );
        }
    }
    let _ = std::fs::remove_dir_all(&scratch);
    if write {
        std::fs::write(&path, written).map_err(|e| format!("{}: {e}", path.display()))?;
        return Ok(ExitCode::SUCCESS);
    }
    if failed {
        eprintln!(
            "djorm-gate: djorm costs more instructions per operation than the budget allows (+{:.0}%), or more allocations",
            (budget::TOLERANCE - 1.0) * 100.0
        );
        return Ok(ExitCode::from(1));
    }
    Ok(ExitCode::SUCCESS)
}

/// A new PostgreSQL test database with the gate's tables and rows.
async fn seeded_postgres() -> djorm::Result<TestDatabase> {
    let database = TestDatabase::new(Backend::Postgres.name(), &workloads::models()).await?;
    workloads::seed(database.db()).await?;
    Ok(database)
}

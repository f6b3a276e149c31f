//! djorm on SQLite against the driver it wraps: rusqlite called directly (synchronous, statements
//! cached on the connection) and rusqlite behind `tokio::task::spawn_blocking` (what an async
//! service that wraps it by hand pays). Workloads: get by primary key ×1000, select 10,000 rows
//! into structs, insert 100 rows in one statement.
//!
//! Prints criterion's estimates and an interleaved run (the sides taking turns, round after
//! round), with djorm's time over each other side's.
//!
//! Run: `cargo bench --manifest-path benches/Cargo.toml --bench sqlite`

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use criterion::{criterion_group, Criterion};
use djorm::prelude::*;
use tokio::runtime::Runtime;

#[path = "../sides/sqlite_peers.rs"]
mod peers;
#[path = "../shared/results.rs"]
mod results;
#[path = "../shared/streaming.rs"]
mod streaming;

#[derive(Model, Debug, Clone)]
#[djorm(app = "bench", db_table = "bench_user")]
struct User {
    id: AutoId,
    #[djorm(max_length = 100)]
    name: String,
    #[djorm(email)]
    email: String,
    age: i32,
    #[djorm(default = true)]
    active: bool,
}

/// What the driver sides map rows into, field for field.
#[allow(dead_code)]
struct RawUser {
    id: i64,
    name: String,
    email: String,
    age: i32,
    active: bool,
}

const ROWS: i64 = 10_000;
const GET: &str = "SELECT id, name, email, age, active FROM bench_user WHERE id = ?1";
const SELECT: &str = "SELECT id, name, email, age, active FROM bench_user ORDER BY id LIMIT 10000";

fn insert_sql() -> String {
    let tuples: Vec<&str> = (0..100).map(|_| "(?, ?, ?, ?)").collect();
    format!("INSERT INTO bench_user (name, email, age, active) VALUES {} RETURNING id", tuples.join(", "))
}

fn raw_user(row: &rusqlite::Row<'_>) -> rusqlite::Result<RawUser> {
    Ok(RawUser { id: row.get(0)?, name: row.get(1)?, email: row.get(2)?, age: row.get(3)?, active: row.get(4)? })
}

struct Setup {
    db: Db,
    raw: Arc<Mutex<rusqlite::Connection>>,
    insert: String,
    /// Diesel's synchronous connection on the same file.
    diesel: Mutex<diesel::SqliteConnection>,
    /// SQLx's one-connection pool on the same file.
    sqlx: sqlx::SqlitePool,
}

async fn setup() -> Setup {
    let dir = std::env::temp_dir().join(format!("djorm-bench-sqlite-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let path = dir.join("bench.sqlite3");
    let _ = std::fs::remove_file(&path);
    let db = djorm::connect(&format!("sqlite://{}", path.display())).await.expect("djorm opens");
    db.create_tables(&[User::meta()]).await.expect("schema");
    let users: Vec<User> = (0..ROWS)
        .map(|i| User {
            name: format!("user {i}"),
            email: format!("user{i}@example.com"),
            age: (i % 90) as i32,
            ..Default::default()
        })
        .collect();
    User::objects().bulk_create(&db, users).await.expect("seed");
    db.create_tables(&[streaming::Reading::meta()]).await.expect("schema");
    db.execute_script(&[format!(
        "WITH RECURSIVE g(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM g WHERE n < {}) \
         INSERT INTO bench_reading (label, value) SELECT 'reading number ' || n, n * 0.5 FROM g",
        streaming::STREAMED_ROWS
    )])
    .await
    .expect("seed readings");
    let raw = rusqlite::Connection::open(&path).expect("rusqlite opens");
    raw.execute_batch("PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;").expect("pragmas");
    let diesel = Mutex::new(peers::diesel_connect(&path));
    let sqlx = peers::sqlx_connect(&path).await;
    Setup { db, raw: Arc::new(Mutex::new(raw)), insert: insert_sql(), diesel, sqlx }
}

#[derive(Clone, Copy)]
enum Side {
    Djorm,
    Rusqlite,
    RusqliteBlocking,
    Diesel,
    Sqlx,
}

const SIDES: [Side; 5] = [Side::Djorm, Side::Rusqlite, Side::RusqliteBlocking, Side::Diesel, Side::Sqlx];

impl Side {
    fn id(self) -> &'static str {
        match self {
            Side::Djorm => "djorm",
            Side::Rusqlite => "rusqlite",
            Side::RusqliteBlocking => "rusqlite_spawn_blocking",
            Side::Diesel => "diesel",
            Side::Sqlx => "sqlx",
        }
    }

    /// The side's name in the report.
    fn name(self) -> &'static str {
        match self {
            Side::Djorm => "djorm",
            Side::Rusqlite => "rusqlite",
            Side::RusqliteBlocking => "rusqlite + spawn_blocking",
            Side::Diesel => "diesel (sync)",
            Side::Sqlx => "sqlx",
        }
    }
}

const WORKLOADS: [(&str, u32); 3] =
    [("sqlite_get_by_pk_x1000", 40), ("sqlite_select_10000_rows", 40), ("sqlite_insert_100_rows", 200)];

fn raw_get(conn: &rusqlite::Connection) {
    let mut statement = conn.prepare_cached(GET).expect("prepare");
    for i in 1..=1000i64 {
        std::hint::black_box(statement.query_row([i], raw_user).expect("get"));
    }
}

fn raw_select(conn: &rusqlite::Connection) {
    let mut statement = conn.prepare_cached(SELECT).expect("prepare");
    let users: Vec<RawUser> = statement.query_map([], raw_user).expect("select").map(|u| u.expect("row")).collect();
    assert_eq!(users.len(), ROWS as usize);
    std::hint::black_box(users);
}

fn raw_insert(conn: &rusqlite::Connection, sql: &str) {
    let mut params: Vec<rusqlite::types::Value> = Vec::with_capacity(400);
    for i in 0..100 {
        params.push(format!("new {i}").into());
        params.push(format!("new{i}@example.com").into());
        params.push(30i64.into());
        params.push(true.into());
    }
    let mut statement = conn.prepare_cached(sql).expect("prepare");
    let ids: Vec<i64> = statement
        .query_map(rusqlite::params_from_iter(params), |r| r.get(0))
        .expect("insert")
        .map(|i| i.expect("id"))
        .collect();
    std::hint::black_box(ids);
}

async fn run(s: &Setup, workload: usize, side: Side) {
    match (workload, side) {
        (0, Side::Djorm) => {
            for i in 1..=1000i64 {
                std::hint::black_box(User::objects().get(&s.db, q!(User, id = i)).await.expect("get"));
            }
        }
        (1, Side::Djorm) => {
            let users = User::objects().order_by(["id"]).slice(..ROWS as u64).all(&s.db).await.expect("all");
            assert_eq!(users.len(), ROWS as usize);
            std::hint::black_box(users);
        }
        (_, Side::Djorm) => {
            let users: Vec<User> = (0..100)
                .map(|i| User {
                    name: format!("new {i}"),
                    email: format!("new{i}@example.com"),
                    age: 30,
                    ..Default::default()
                })
                .collect();
            std::hint::black_box(User::objects().bulk_create(&s.db, users).await.expect("insert"));
        }
        (w, Side::Diesel) => {
            let mut conn = s.diesel.lock().expect("lock");
            match w {
                0 => peers::diesel_get(&mut conn),
                1 => peers::diesel_select(&mut conn),
                _ => peers::diesel_insert(&mut conn),
            }
        }
        (0, Side::Sqlx) => peers::sqlx_get(&s.sqlx).await,
        (1, Side::Sqlx) => peers::sqlx_select(&s.sqlx).await,
        (_, Side::Sqlx) => peers::sqlx_insert(&s.sqlx, &s.insert).await,
        (w, Side::Rusqlite) => {
            let conn = s.raw.lock().expect("lock");
            match w {
                0 => raw_get(&conn),
                1 => raw_select(&conn),
                _ => raw_insert(&conn, &s.insert),
            }
        }
        (0, Side::RusqliteBlocking) => {
            // One hop per statement, as an async service wrapping rusqlite by hand pays.
            for i in 1..=1000i64 {
                let raw = s.raw.clone();
                let user = tokio::task::spawn_blocking(move || {
                    let conn = raw.lock().expect("lock");
                    let mut statement = conn.prepare_cached(GET).expect("prepare");
                    statement.query_row([i], raw_user).expect("get")
                })
                .await
                .expect("join");
                std::hint::black_box(user);
            }
        }
        (w, Side::RusqliteBlocking) => {
            let (raw, sql) = (s.raw.clone(), s.insert.clone());
            tokio::task::spawn_blocking(move || {
                let conn = raw.lock().expect("lock");
                if w == 1 {
                    raw_select(&conn)
                } else {
                    raw_insert(&conn, &sql)
                }
            })
            .await
            .expect("join");
        }
    }
}

/// The rows the insert workload added, removed between rounds.
async fn cleanup(s: &Setup) {
    User::objects().filter(q!(User, id__gt = ROWS)).delete(&s.db).await.expect("cleanup");
}

fn benches(c: &mut Criterion) {
    let rt = Runtime::new().expect("runtime");
    let setup = rt.block_on(setup());
    for (index, (group, _)) in WORKLOADS.iter().enumerate().filter(|_| !results::interleaved_only()) {
        let mut g = c.benchmark_group(*group);
        g.sample_size(20).measurement_time(Duration::from_secs(5));
        for side in SIDES {
            g.bench_function(side.id(), |b| b.to_async(&rt).iter(|| run(&setup, index, side)));
        }
        g.finish();
        rt.block_on(cleanup(&setup));
    }
    println!("\ninterleaved medians (ms), djorm ÷ each side");
    let mut measured = Vec::new();
    for (index, (group, rounds)) in WORKLOADS.iter().enumerate() {
        let mut times: [Vec<f64>; SIDES.len()] = Default::default();
        for round in 0..*rounds {
            for k in 0..SIDES.len() {
                let side = SIDES[(k + round as usize) % SIDES.len()];
                let started = Instant::now();
                rt.block_on(run(&setup, index, side));
                times[side as usize].push(started.elapsed().as_secs_f64() * 1e3);
                if index == 2 {
                    rt.block_on(cleanup(&setup));
                }
            }
        }
        let medians = times.clone().map(|mut t| {
            t.sort_by(f64::total_cmp);
            t[t.len() / 2]
        });
        let sides = SIDES.iter().zip(times).map(|(side, t)| (side.name(), t)).collect();
        measured.push(results::Measured { workload: group, sides, peaks: Vec::new() });
        let mut line = format!("{group:<28}");
        for (side, median) in SIDES.iter().zip(medians) {
            line.push_str(&format!(" {}={median:.3}", side.id()));
        }
        line.push_str(&format!(
            "  ÷rusqlite={:.2} ÷spawn_blocking={:.2}",
            medians[0] / medians[1],
            medians[0] / medians[2]
        ));
        println!("{line}");
    }
    measured.push(stream_runs(&rt, &setup));
    results::write("sqlite", &[("server", format!("SQLite {} (bundled)", rusqlite::version()))], &measured);
}

/// rusqlite's side of the streaming workload: its row iterator, each row mapped by hand.
fn raw_stream(conn: &rusqlite::Connection) -> f64 {
    let mut statement = conn.prepare_cached("SELECT id, label, value FROM bench_reading ORDER BY id").expect("prepare");
    let mut rows = statement.query([]).expect("query");
    let mut sum = 0.0;
    while let Some(row) = rows.next().expect("row") {
        let (_id, label, value): (i64, String, f64) =
            (row.get(0).expect("id"), row.get(1).expect("label"), row.get(2).expect("value"));
        sum += value + label.len() as f64;
    }
    sum
}

/// Streams a million rows through djorm's `iterator()`, rusqlite and djorm's `all()`, in turns,
/// three rounds: CPU time and peak memory growth per round.
fn stream_runs(rt: &Runtime, s: &Setup) -> results::Measured {
    let mut cpu: [Vec<f64>; 3] = Default::default();
    let mut peak: [Vec<f64>; 3] = Default::default();
    for round in 0..3 {
        for k in 0..3 {
            let side = (k + round) % 3;
            let usage = streaming::measure(|| match side {
                0 => rt.block_on(streaming::djorm_stream(&s.db)),
                1 => raw_stream(&s.raw.lock().expect("raw connection")),
                _ => rt.block_on(streaming::djorm_all(&s.db)),
            });
            cpu[side].push(usage.cpu_ms);
            peak[side].push(usage.peak_growth_mib);
        }
    }
    println!("stream 1,000,000 rows: CPU ms {cpu:?}; peak MiB {peak:?} (djorm iterator, rusqlite, djorm all)");
    let [c0, c1, c2] = cpu;
    let [p0, p1, p2] = peak;
    results::Measured {
        workload: "sqlite_stream_1m_rows",
        sides: vec![("djorm", c0), ("rusqlite", c1), ("djorm all()", c2)],
        peaks: vec![p0, p1, p2],
    }
}

criterion_group!(all, benches);

fn main() {
    all();
}

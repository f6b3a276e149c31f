//! djorm on MariaDB against the driver it wraps, mysql_async called directly (one connection,
//! its statement cache), and SQLx's MySQL driver (a one-connection pool, rows mapped by hand).
//! Workloads: get by primary key ×1000, select 10,000 rows into structs, insert 100 rows in one
//! statement (`RETURNING id`, as djorm does on MariaDB). Diesel's MySQL backend needs the C
//! client library (mysqlclient-sys) and is not measured here.
//!
//! Prints an interleaved run (the sides taking turns, round after round), with djorm's time
//! over each other side's, and saves it for the report.
//!
//! Needs MariaDB at DJORM_TEST_MYSQL_URL (default mysql://root@127.0.0.1:3306/test).
//! Run: `cargo bench --manifest-path benches/Cargo.toml --bench mariadb`

use std::time::{Duration, Instant};

use criterion::{criterion_group, Criterion};
use djorm::prelude::*;
use mysql_async::prelude::Queryable;
use sqlx::Row as _;
use tokio::runtime::Runtime;
use tokio::sync::Mutex;

#[path = "../shared/results.rs"]
mod results;

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
const GET: &str = "SELECT id, name, email, age, active FROM bench_user WHERE id = ?";
const SELECT: &str = "SELECT id, name, email, age, active FROM bench_user ORDER BY id LIMIT 10000";

fn insert_sql() -> String {
    let tuples: Vec<&str> = (0..100).map(|_| "(?, ?, ?, ?)").collect();
    format!("INSERT INTO bench_user (name, email, age, active) VALUES {} RETURNING id", tuples.join(", "))
}

struct Setup {
    db: Db,
    raw: Mutex<mysql_async::Conn>,
    sqlx: sqlx::MySqlPool,
    insert: String,
    /// The database the bench made, dropped at the end.
    name: String,
    admin: String,
}

async fn setup() -> Setup {
    let admin = std::env::var("DJORM_TEST_MYSQL_URL").unwrap_or_else(|_| "mysql://root@127.0.0.1:3306/test".into());
    let name = format!("djorm_bench_{}", std::process::id());
    let mut conn = mysql_async::Conn::from_url(&admin).await.expect("MariaDB is reachable");
    conn.query_drop(format!("DROP DATABASE IF EXISTS {name}")).await.expect("drop");
    conn.query_drop(format!("CREATE DATABASE {name} CHARACTER SET utf8mb4")).await.expect("create");
    drop(conn);
    let base = admin.rsplit_once('/').expect("a database in the URL").0.to_owned();
    let url = format!("{base}/{name}");
    let db = djorm::connect(&url).await.expect("djorm connects");
    db.create_tables(&[User::meta()]).await.expect("schema");
    for chunk in 0..(ROWS / 1000) {
        let users: Vec<User> = (chunk * 1000..(chunk + 1) * 1000)
            .map(|i| User {
                name: format!("user {i}"),
                email: format!("user{i}@example.com"),
                age: (i % 90) as i32,
                ..Default::default()
            })
            .collect();
        User::objects().bulk_create(&db, users).await.expect("seed");
    }
    let raw = mysql_async::Conn::from_url(&url).await.expect("mysql_async connects");
    let sqlx = sqlx::mysql::MySqlPoolOptions::new().max_connections(1).connect(&url).await.expect("sqlx connects");
    Setup { db, raw: Mutex::new(raw), sqlx, insert: insert_sql(), name, admin }
}

#[derive(Clone, Copy)]
enum Side {
    Djorm,
    MysqlAsync,
    Sqlx,
}

const SIDES: [Side; 3] = [Side::Djorm, Side::MysqlAsync, Side::Sqlx];

impl Side {
    fn name(self) -> &'static str {
        match self {
            Side::Djorm => "djorm",
            Side::MysqlAsync => "mysql_async",
            Side::Sqlx => "sqlx",
        }
    }
}

const WORKLOADS: [(&str, u32); 3] =
    [("mariadb_get_by_pk_x1000", 30), ("mariadb_select_10000_rows", 30), ("mariadb_insert_100_rows", 100)];

fn insert_params() -> Vec<mysql_async::Value> {
    let mut params = Vec::with_capacity(400);
    for i in 0..100 {
        params.push(format!("new {i}").into());
        params.push(format!("new{i}@example.com").into());
        params.push(30i32.into());
        params.push(true.into());
    }
    params
}

fn raw_user(row: mysql_async::Row) -> RawUser {
    let (id, name, email, age, active) = mysql_async::from_row(row);
    RawUser { id, name, email, age, active }
}

fn sqlx_user(row: sqlx::mysql::MySqlRow) -> RawUser {
    RawUser { id: row.get(0), name: row.get(1), email: row.get(2), age: row.get(3), active: row.get(4) }
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
        (0, Side::MysqlAsync) => {
            let mut conn = s.raw.lock().await;
            for i in 1..=1000i64 {
                let row: mysql_async::Row = conn.exec_first(GET, (i,)).await.expect("get").expect("a row");
                std::hint::black_box(raw_user(row));
            }
        }
        (1, Side::MysqlAsync) => {
            let mut conn = s.raw.lock().await;
            let rows: Vec<mysql_async::Row> = conn.exec(SELECT, ()).await.expect("select");
            let users: Vec<RawUser> = rows.into_iter().map(raw_user).collect();
            assert_eq!(users.len(), ROWS as usize);
            std::hint::black_box(users);
        }
        (_, Side::MysqlAsync) => {
            let mut conn = s.raw.lock().await;
            let ids: Vec<i64> = conn.exec(&s.insert, insert_params()).await.expect("insert");
            std::hint::black_box(ids);
        }
        (0, Side::Sqlx) => {
            for i in 1..=1000i64 {
                let row = sqlx::query(GET).bind(i).fetch_one(&s.sqlx).await.expect("get");
                std::hint::black_box(sqlx_user(row));
            }
        }
        (1, Side::Sqlx) => {
            let rows = sqlx::query(SELECT).fetch_all(&s.sqlx).await.expect("select");
            let users: Vec<RawUser> = rows.into_iter().map(sqlx_user).collect();
            assert_eq!(users.len(), ROWS as usize);
            std::hint::black_box(users);
        }
        (_, Side::Sqlx) => {
            let mut query = sqlx::query(&s.insert);
            for i in 0..100 {
                query = query.bind(format!("new {i}")).bind(format!("new{i}@example.com")).bind(30i32).bind(true);
            }
            let rows = query.fetch_all(&s.sqlx).await.expect("insert");
            let ids: Vec<i64> = rows.iter().map(|r| r.get(0)).collect();
            std::hint::black_box(ids);
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
        g.sample_size(10).measurement_time(Duration::from_secs(5));
        for side in SIDES {
            g.bench_function(side.name(), |b| b.to_async(&rt).iter(|| run(&setup, index, side)));
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
            line.push_str(&format!(" {}={median:.3}", side.name()));
        }
        line.push_str(&format!("  ÷mysql_async={:.2} ÷sqlx={:.2}", medians[0] / medians[1], medians[0] / medians[2]));
        println!("{line}");
    }
    let version: String = rt.block_on(async {
        let mut conn = setup.raw.lock().await;
        conn.query_first("SELECT VERSION()").await.expect("version").unwrap_or_default()
    });
    results::write("mariadb", &[("server", format!("MariaDB {version}"))], &measured);
    rt.block_on(async {
        if let Ok(mut conn) = mysql_async::Conn::from_url(&setup.admin).await {
            let _ = conn.query_drop(format!("DROP DATABASE IF EXISTS {}", setup.name)).await;
        }
    });
}

criterion_group!(all, benches);

fn main() {
    all();
}

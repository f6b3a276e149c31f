//! djorm, used as a user would (public API, its own pool), against four other sides, each used
//! the way its users write code:
//! - raw tokio-postgres, statements prepared once on one connection;
//! - SQLx (`sqlx::query(..).bind(..).fetch_all(&pool)` on a one-connection `PgPool`, rows mapped
//!   by hand with `Row::get`, statements cached per connection);
//! - Diesel through diesel-async (`table!` schema, `Queryable`/`Selectable`/`Insertable` structs,
//!   the query DSL run on one `AsyncPgConnection`, which caches its prepared statements);
//! - SeaORM (hand-written `DeriveEntityModel` entities with their relations, `find`/`find_by_id`,
//!   the `LoaderTrait` loader, `find_also_related`, `insert_many`, on a one-connection pool).
//!
//! Workloads: get by primary key ×1000, select 10,000 rows into structs, insert 100 rows in one
//! statement, prefetch two levels, a join into related objects, values() across a reverse key
//! (a LEFT OUTER JOIN), 64 tasks getting by key through each side's pool of 16 connections
//! (`sides/pool.rs`: djorm's, deadpool + raw, SQLx's, diesel-async's deadpool, SeaORM's), and a
//! million rows streamed (`shared/streaming.rs`: CPU time and peak memory). The two drivers run the same SQL text (the `sql` module); Diesel and
//! SeaORM run the SQL their query builders write.
//!
//! Prints two result sets at the end, each as a table of times and a table of djorm's time over
//! each other side's: criterion's estimates (each side measured for ten seconds, one after the
//! other) and an interleaved run (the five sides taking turns, round after round, the first place
//! rotating), whose ratios drifting load on a small machine cannot skew.
//!
//! Needs PostgreSQL at DJORM_TEST_POSTGRES_URL (default postgres://root@127.0.0.1:5432/test);
//! creates and drops a database of its own.
//!
//! Run: `cargo bench --manifest-path benches/Cargo.toml`

use std::str::FromStr;
use std::time::Duration;

use criterion::{criterion_group, Criterion};
use djorm::prelude::*;
use tokio::runtime::Runtime;

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

#[path = "../shared/relations.rs"]
mod relations;
#[path = "../shared/results.rs"]
mod results;
#[path = "../shared/streaming.rs"]
mod streaming;
use relations::{group_prefetched, Article, RawArticle, RawNote, RawWriter, Writer};

/// The struct the two driver sides map rows into, field for field (Diesel's `diesel_side::User`
/// and SeaORM's `sea_orm_side::user::Model` have the same fields).
#[allow(dead_code)]
struct RawUser {
    id: i64,
    name: String,
    email: String,
    age: i32,
    active: bool,
}

const DB_NAME: &str = "djorm_bench";
const ROWS: i64 = 10_000;

fn admin_url() -> String {
    std::env::var("DJORM_TEST_POSTGRES_URL").unwrap_or_else(|_| "postgres://root@127.0.0.1:5432/test".into())
}

fn bench_config() -> tokio_postgres::Config {
    let mut config = tokio_postgres::Config::from_str(&admin_url()).expect("valid DJORM_TEST_POSTGRES_URL");
    config.dbname(DB_NAME);
    config
}

/// `admin_url()` with the bench database as its path: Diesel and SeaORM connect by URL, as their
/// users do.
fn bench_url() -> String {
    let admin = admin_url();
    let (base, query) = match admin.split_once('?') {
        Some((base, query)) => (base, Some(query)),
        None => (admin.as_str(), None),
    };
    let authority = base.find("://").map_or(0, |at| at + 3);
    let base = base[authority..].find('/').map_or(base, |slash| &base[..authority + slash]);
    match query {
        Some(query) => format!("{base}/{DB_NAME}?{query}"),
        None => format!("{base}/{DB_NAME}"),
    }
}

/// The SQL both driver sides run, text for text.
mod sql {
    pub const GET: &str = "SELECT id, name, email, age, active FROM bench_user WHERE id = $1";
    pub const SELECT: &str = "SELECT id, name, email, age, active FROM bench_user ORDER BY id LIMIT 10000";
    pub const WRITERS: &str = "SELECT id, name FROM bench_author ORDER BY id";
    pub const ARTICLES: &str = "SELECT id, writer_id, title FROM bench_article WHERE writer_id = ANY($1)";
    pub const NOTES: &str = "SELECT id, article_id, body FROM bench_note WHERE article_id = ANY($1)";
    pub const JOIN: &str = "SELECT a.id, a.writer_id, a.title, w.id, w.name FROM bench_article a \
                            INNER JOIN bench_author w ON a.writer_id = w.id ORDER BY a.id";
    pub const LEFT_JOIN: &str = "SELECT w.name, a.title FROM bench_author w \
                                 LEFT OUTER JOIN bench_article a ON a.writer_id = w.id ORDER BY w.id";

    /// One INSERT of 100 rows: a VALUES list of 100 tuples, 400 parameters, ids returned.
    pub fn insert() -> String {
        let placeholders: Vec<String> =
            (0..100).map(|r| format!("(${}, ${}, ${}, ${})", r * 4 + 1, r * 4 + 2, r * 4 + 3, r * 4 + 4)).collect();
        format!("INSERT INTO bench_user (name, email, age, active) VALUES {} RETURNING id", placeholders.join(", "))
    }
}

/// Everything the workloads run against: djorm's `Db`, the raw client with its prepared
/// statements, SQLx's pool with the insert's SQL text (SQLx prepares and caches on first use),
/// Diesel's connection and SeaORM's.
struct Setup {
    db: Db,
    raw: tokio_postgres::Client,
    statements: Statements,
    sqlx: sqlx::PgPool,
    insert_sql: String,
    /// Diesel's one connection (no pool): a workload locks it once and runs all its queries on it.
    diesel: tokio::sync::Mutex<diesel_async::AsyncPgConnection>,
    /// SeaORM's connection: a one-connection SQLx pool underneath.
    sea_orm: sea_orm::DatabaseConnection,
    /// Every side's pool of 16 connections, for the pool workload.
    pools: std::sync::Arc<pool::Pools>,
}

/// The raw side's statements, prepared once.
struct Statements {
    get: tokio_postgres::Statement,
    select: tokio_postgres::Statement,
    insert: tokio_postgres::Statement,
    writers: tokio_postgres::Statement,
    articles: tokio_postgres::Statement,
    notes: tokio_postgres::Statement,
    join: tokio_postgres::Statement,
    left_join: tokio_postgres::Statement,
}

async fn setup() -> Setup {
    let admin = admin_url();
    djorm::postgres::creation::drop_database(&admin, DB_NAME).await.expect("drop old bench database");
    djorm::postgres::creation::create_database(&admin, DB_NAME).await.expect("create bench database");
    let db = djorm::Db::new(std::sync::Arc::new(
        djorm::postgres::PgBackend::from_config(bench_config(), 16).await.expect("djorm connects"),
    ));
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
    relations::seed(&db).await;
    db.create_tables(&[streaming::Reading::meta()]).await.expect("schema");
    db.execute_script(&[format!(
        "INSERT INTO bench_reading (label, value) SELECT 'reading number ' || g, g * 0.5 \
         FROM generate_series(1, {}) AS g",
        streaming::STREAMED_ROWS
    )])
    .await
    .expect("seed readings");
    let (raw, connection) = bench_config().connect(tokio_postgres::NoTls).await.expect("raw connects");
    tokio::spawn(connection);
    let insert_sql = sql::insert();
    let statements = Statements {
        get: raw.prepare(sql::GET).await.expect("prepare"),
        select: raw.prepare(sql::SELECT).await.expect("prepare"),
        insert: raw.prepare(&insert_sql).await.expect("prepare"),
        writers: raw.prepare(sql::WRITERS).await.expect("prepare"),
        articles: raw.prepare(sql::ARTICLES).await.expect("prepare"),
        notes: raw.prepare(sql::NOTES).await.expect("prepare"),
        join: raw.prepare(sql::JOIN).await.expect("prepare"),
        left_join: raw.prepare(sql::LEFT_JOIN).await.expect("prepare"),
    };
    let sqlx = sqlx_side::connect().await;
    let diesel = tokio::sync::Mutex::new(diesel_side::connect().await);
    let sea_orm = sea_orm_side::connect().await;
    let pools = pool::connect().await;
    Setup { db, raw, statements, sqlx, insert_sql, diesel, sea_orm, pools }
}

fn new_users() -> Vec<User> {
    (0..100)
        .map(|i| User { name: format!("new {i}"), email: format!("new{i}@example.com"), age: 30, ..Default::default() })
        .collect()
}

async fn djorm_get(s: &Setup) {
    for i in 1..=1000i64 {
        std::hint::black_box(User::objects().get(&s.db, q!(User, id = i)).await.expect("get"));
    }
}

async fn raw_get(s: &Setup) {
    for i in 1..=1000i64 {
        let row = s.raw.query_one(&s.statements.get, &[&i]).await.expect("get");
        let u = RawUser { id: row.get(0), name: row.get(1), email: row.get(2), age: row.get(3), active: row.get(4) };
        std::hint::black_box(u);
    }
}

async fn djorm_select(s: &Setup) {
    // The first 10,000 rows: the insert workload adds more as it runs.
    let users = User::objects().order_by(["id"]).slice(..ROWS as u64).all(&s.db).await.expect("all");
    assert_eq!(users.len(), ROWS as usize);
    std::hint::black_box(users);
}

async fn raw_select(s: &Setup) {
    let rows = s.raw.query(&s.statements.select, &[]).await.expect("query");
    let users: Vec<RawUser> = rows
        .iter()
        .map(|row| RawUser { id: row.get(0), name: row.get(1), email: row.get(2), age: row.get(3), active: row.get(4) })
        .collect();
    assert_eq!(users.len(), ROWS as usize);
    std::hint::black_box(users);
}

async fn djorm_insert(s: &Setup) {
    std::hint::black_box(User::objects().bulk_create(&s.db, new_users()).await.expect("insert"));
}

async fn raw_insert(s: &Setup) {
    let users = new_users();
    let mut params: Vec<&(dyn tokio_postgres::types::ToSql + Sync)> = Vec::with_capacity(400);
    for u in &users {
        params.push(&u.name);
        params.push(&u.email);
        params.push(&u.age);
        params.push(&u.active);
    }
    std::hint::black_box(s.raw.query(&s.statements.insert, &params).await.expect("insert"));
}

async fn djorm_prefetch(s: &Setup) {
    let writers = Writer::objects()
        .order_by(["id"])
        .prefetch_related(["articles", "articles__notes"])
        .all(&s.db)
        .await
        .expect("p");
    assert_eq!(writers.len(), 100);
    std::hint::black_box(writers);
}

/// The same three queries by hand, grouped into structs.
async fn raw_prefetch(s: &Setup) {
    let st = &s.statements;
    let writers = relations::tokio_postgres_prefetch(&s.raw, [&st.writers, &st.articles, &st.notes]).await;
    assert_eq!(writers.len(), 100);
    std::hint::black_box(writers);
}

/// djorm's select_related on a non-null key joins INNER, as Django does; the raw side runs the
/// same statement.
async fn djorm_join(s: &Setup) {
    let articles = Article::objects().order_by(["id"]).select_related(["writer"]).all(&s.db).await.expect("join");
    assert_eq!(articles.len(), 500);
    std::hint::black_box(articles);
}

/// A writer as the driver sides' join maps it.
struct JoinedWriter {
    _id: i64,
    _name: String,
}

/// An article as the driver sides' join maps it, with its writer.
struct JoinedArticle {
    _id: i64,
    _writer_id: i64,
    _title: String,
    _writer: JoinedWriter,
}

async fn raw_join(s: &Setup) {
    let rows: Vec<JoinedArticle> = s
        .raw
        .query(&s.statements.join, &[])
        .await
        .expect("join")
        .iter()
        .map(|r| JoinedArticle {
            _id: r.get(0),
            _writer_id: r.get(1),
            _title: r.get(2),
            _writer: JoinedWriter { _id: r.get(3), _name: r.get(4) },
        })
        .collect();
    assert_eq!(rows.len(), 500);
    std::hint::black_box(rows);
}

/// Every writer with each of its articles' titles: `values()` across the reverse key, which
/// Django (and djorm) join LEFT OUTER so writers without articles stay; the raw side runs the
/// same join.
async fn djorm_left_join(s: &Setup) {
    let rows = Writer::objects().order_by(["id"]).values(&s.db, &["name", "articles__title"]).await.expect("values");
    assert_eq!(rows.len(), 500);
    std::hint::black_box(rows);
}

async fn raw_left_join(s: &Setup) {
    let rows: Vec<(String, Option<String>)> = s
        .raw
        .query(&s.statements.left_join, &[])
        .await
        .expect("left join")
        .iter()
        .map(|r| (r.get(0), r.get(1)))
        .collect();
    assert_eq!(rows.len(), 500);
    std::hint::black_box(rows);
}

// The three other sides, one file each under `benches/sides/` (their docs are there).
#[path = "../sides/sqlx.rs"]
mod sqlx_side;

#[path = "../sides/diesel.rs"]
mod diesel_side;

#[path = "../sides/sea_orm.rs"]
mod sea_orm_side;

#[path = "../sides/pool.rs"]
mod pool;

/// One workload: its criterion group, its sample size, and how many interleaved rounds.
struct Workload {
    group: &'static str,
    samples: usize,
    rounds: u32,
}

/// The insert workload runs last: the rows it adds would change what the others read.
const WORKLOADS: [Workload; 7] = [
    Workload { group: "get_by_pk_x1000", samples: 20, rounds: 20 },
    Workload { group: "select_10000_rows", samples: 20, rounds: 100 },
    Workload { group: "prefetch_100_writers_articles_notes", samples: 20, rounds: 300 },
    Workload { group: "articles_join_writers_500_rows", samples: 20, rounds: 500 },
    Workload { group: "writers_left_join_articles_values", samples: 20, rounds: 500 },
    Workload { group: "get_by_pk_64_tasks_16_connections", samples: 10, rounds: 10 },
    Workload { group: "insert_100_rows_one_statement", samples: 30, rounds: 300 },
];

/// Who runs a workload: djorm, one of the two drivers used by hand, or one of the two other ORMs.
#[derive(Clone, Copy)]
enum Side {
    Djorm,
    TokioPostgres,
    Sqlx,
    /// Diesel's query DSL through diesel-async.
    Diesel,
    /// SeaORM's entities and loader.
    SeaOrm,
}

/// How many sides there are.
const SIDES: usize = 5;

impl Side {
    /// The sides, in table order.
    const ALL: [Side; SIDES] = [Side::Djorm, Side::TokioPostgres, Side::Sqlx, Side::Diesel, Side::SeaOrm];

    /// The side's criterion benchmark id (its directory under target/criterion).
    fn id(self) -> &'static str {
        match self {
            Side::Djorm => "djorm",
            Side::TokioPostgres => "tokio_postgres",
            Side::Sqlx => "sqlx",
            Side::Diesel => "diesel",
            Side::SeaOrm => "sea_orm",
        }
    }

    /// The side's name as a table column.
    fn name(self) -> &'static str {
        match self {
            Side::Djorm => "djorm",
            Side::TokioPostgres => "tokio-postgres",
            Side::Sqlx => "sqlx",
            Side::Diesel => "diesel",
            Side::SeaOrm => "sea-orm",
        }
    }
}

/// Runs workload `index` on `side`.
async fn run(s: &Setup, index: usize, side: Side) {
    match (index, side) {
        (0, Side::Djorm) => djorm_get(s).await,
        (0, Side::TokioPostgres) => raw_get(s).await,
        (0, Side::Sqlx) => sqlx_side::get(s).await,
        (0, Side::Diesel) => diesel_side::get(s).await,
        (0, Side::SeaOrm) => sea_orm_side::get(s).await,
        (1, Side::Djorm) => djorm_select(s).await,
        (1, Side::TokioPostgres) => raw_select(s).await,
        (1, Side::Sqlx) => sqlx_side::select(s).await,
        (1, Side::Diesel) => diesel_side::select(s).await,
        (1, Side::SeaOrm) => sea_orm_side::select(s).await,
        (2, Side::Djorm) => djorm_prefetch(s).await,
        (2, Side::TokioPostgres) => raw_prefetch(s).await,
        (2, Side::Sqlx) => sqlx_side::prefetch(s).await,
        (2, Side::Diesel) => diesel_side::prefetch(s).await,
        (2, Side::SeaOrm) => sea_orm_side::prefetch(s).await,
        (3, Side::Djorm) => djorm_join(s).await,
        (3, Side::TokioPostgres) => raw_join(s).await,
        (3, Side::Sqlx) => sqlx_side::join(s).await,
        (3, Side::Diesel) => diesel_side::join(s).await,
        (3, Side::SeaOrm) => sea_orm_side::join(s).await,
        (4, Side::Djorm) => djorm_left_join(s).await,
        (4, Side::TokioPostgres) => raw_left_join(s).await,
        (4, Side::Sqlx) => sqlx_side::left_join(s).await,
        (4, Side::Diesel) => diesel_side::left_join(s).await,
        (4, Side::SeaOrm) => sea_orm_side::left_join(s).await,
        (5, side) => pool::run(&s.pools, side).await,
        (6, Side::Djorm) => djorm_insert(s).await,
        (6, Side::TokioPostgres) => raw_insert(s).await,
        (6, Side::Sqlx) => sqlx_side::insert(s).await,
        (6, Side::Diesel) => diesel_side::insert(s).await,
        (6, Side::SeaOrm) => sea_orm_side::insert(s).await,
        _ => unreachable!("no workload {index}"),
    }
}

/// Removes the rows the insert workload added and lets PostgreSQL catch up with the churn.
async fn cleanup(s: &Setup) {
    s.raw.execute("DELETE FROM bench_user WHERE id > 10000", &[]).await.expect("cleanup");
    s.raw.batch_execute("VACUUM ANALYZE bench_user").await.expect("vacuum");
}

/// Runs the sides in turn, round after round, and returns each round's time (ms) per side in
/// `Side::ALL` order.
fn interleaved(rt: &Runtime, s: &Setup, index: usize, rounds: u32) -> [Vec<f64>; SIDES] {
    rt.block_on(async {
        let mut times: [Vec<f64>; SIDES] = Default::default();
        for round in 0..rounds {
            // The order rotates too, so no side always runs first (on a cache the others warmed).
            let shift = round as usize % Side::ALL.len();
            for slot in 0..Side::ALL.len() {
                let at = (slot + shift) % Side::ALL.len();
                let started = std::time::Instant::now();
                run(s, index, Side::ALL[at]).await;
                times[at].push(started.elapsed().as_secs_f64() * 1e3);
            }
        }
        times
    })
}

fn median(times: &[f64]) -> f64 {
    let mut sorted = times.to_vec();
    sorted.sort_by(f64::total_cmp);
    sorted[sorted.len() / 2]
}

/// The raw driver's side of the streaming workload: its row stream, each row mapped by hand.
async fn raw_stream(client: &tokio_postgres::Client) -> f64 {
    use futures_util::TryStreamExt;
    let statement = client.prepare("SELECT id, label, value FROM bench_reading ORDER BY id").await.expect("prepare");
    let rows = client.query_raw(&statement, std::iter::empty::<i32>()).await.expect("query");
    let mut rows = std::pin::pin!(rows);
    let mut sum = 0.0;
    while let Some(row) = rows.try_next().await.expect("row") {
        let (_id, label, value): (i64, String, f64) = (row.get(0), row.get(1), row.get(2));
        sum += value + label.len() as f64;
    }
    sum
}

/// Streams a million rows through djorm and through the raw driver, in turns, three rounds:
/// CPU time and peak memory growth per round.
fn stream_runs(rt: &Runtime, s: &Setup) -> results::Measured {
    let (mut cpu, mut peak) = ([Vec::new(), Vec::new()], [Vec::new(), Vec::new()]);
    for round in 0..3 {
        for k in 0..2 {
            let side = (k + round) % 2;
            let usage = streaming::measure(|| match side {
                0 => rt.block_on(streaming::djorm_stream(&s.db)),
                _ => rt.block_on(raw_stream(&s.raw)),
            });
            cpu[side].push(usage.cpu_ms);
            peak[side].push(usage.peak_growth_mib);
        }
    }
    let [djorm_cpu, raw_cpu] = cpu;
    let [djorm_peak, raw_peak] = peak;
    println!("stream 1,000,000 rows: CPU ms djorm {djorm_cpu:?} raw {raw_cpu:?}; peak MiB djorm {djorm_peak:?} raw {raw_peak:?}");
    results::Measured {
        workload: "stream_1m_rows",
        sides: vec![("djorm", djorm_cpu), ("tokio-postgres", raw_cpu)],
        peaks: vec![djorm_peak, raw_peak],
    }
}

/// Prints one result set as two tables: each side's time in milliseconds, then djorm's time over
/// each other side's. `rows` holds a workload's group and its times in `Side::ALL` order.
fn print_tables(title: &str, rows: &[(&str, [f64; SIDES])]) {
    println!("\n{title}");
    let names = Side::ALL.map(Side::name);
    let mut header = format!("{:<38}", "workload");
    for name in names {
        header += &format!(" {name:>16}");
    }
    println!("{header}");
    for (group, times) in rows {
        let mut line = format!("{group:<38}");
        for time in times {
            line += &format!(" {time:>14.3}ms");
        }
        println!("{line}");
    }
    let ratios: Vec<String> = names[1..].iter().map(|name| format!("{}/{name}", names[0])).collect();
    let mut header = format!("{:<38}", "workload");
    for ratio in &ratios {
        header += &format!(" {ratio:>20}");
    }
    println!("{header}");
    for (group, times) in rows {
        let mut line = format!("{group:<38}");
        for time in &times[1..] {
            line += &format!(" {:>19.3}x", times[0] / time);
        }
        println!("{line}");
    }
}

/// Where criterion keeps its estimates: `CRITERION_HOME`, else `criterion` under
/// `CARGO_TARGET_DIR` (or `target`), as criterion itself decides.
fn criterion_dir() -> std::path::PathBuf {
    if let Some(home) = std::env::var_os("CRITERION_HOME") {
        return home.into();
    }
    let target = std::env::var_os("CARGO_TARGET_DIR").map_or_else(|| "target".into(), std::path::PathBuf::from);
    target.join("criterion")
}

fn estimate_ns(group: &str, id: &str) -> Option<f64> {
    let path = criterion_dir().join(group).join(id).join("new/estimates.json");
    let text = std::fs::read_to_string(path).ok()?;
    let json: serde_json::Value = serde_json::from_str(&text).ok()?;
    json["mean"]["point_estimate"].as_f64()
}

fn benches(c: &mut Criterion) {
    let rt = Runtime::new().expect("runtime");
    let setup = rt.block_on(setup());
    for (index, workload) in WORKLOADS.iter().enumerate().filter(|_| !results::interleaved_only()) {
        let mut group = c.benchmark_group(workload.group);
        group.sample_size(workload.samples).measurement_time(Duration::from_secs(10));
        for side in Side::ALL {
            group.bench_function(side.id(), |b| b.to_async(&rt).iter(|| run(&setup, index, side)));
        }
        group.finish();
    }
    // A workload appears once all its sides have an estimate (a filtered run may leave some out).
    let estimates: Vec<(&str, [f64; SIDES])> = WORKLOADS
        .iter()
        .filter_map(|workload| {
            let ns = Side::ALL.map(|side| estimate_ns(workload.group, side.id()));
            ns.iter().all(Option::is_some).then(|| (workload.group, ns.map(|ns| ns.unwrap_or_default() / 1e6)))
        })
        .collect();
    print_tables("criterion (each side ten seconds, one after the other)", &estimates);
    // Back to the seeded table, vacuumed, so the interleaved run reads what criterion read.
    rt.block_on(cleanup(&setup));
    let rounds: Vec<[Vec<f64>; SIDES]> = WORKLOADS
        .iter()
        .enumerate()
        .map(|(index, workload)| interleaved(&rt, &setup, index, workload.rounds))
        .collect();
    let medians: Vec<(&str, [f64; SIDES])> =
        WORKLOADS.iter().zip(&rounds).map(|(w, times)| (w.group, [0, 1, 2, 3, 4].map(|i| median(&times[i])))).collect();
    print_tables("interleaved medians (the five sides taking turns, round after round)", &medians);
    let server = rt.block_on(setup.raw.query_one("SHOW server_version", &[])).map(|r| r.get::<_, String>(0));
    let measured: Vec<results::Measured> = WORKLOADS
        .iter()
        .zip(rounds)
        .map(|(w, times)| results::Measured {
            workload: w.group,
            sides: Side::ALL.iter().zip(times).map(|(side, t)| (side.name(), t)).collect(),
            peaks: Vec::new(),
        })
        .collect();
    let mut measured = measured;
    measured.push(stream_runs(&rt, &setup));
    results::write("postgresql", &[("server", format!("PostgreSQL {}", server.unwrap_or_default()))], &measured);
    rt.block_on(setup.sqlx.close());
    rt.block_on(setup.sea_orm.close_by_ref()).expect("sea-orm closes");
    drop(setup);
    rt.block_on(djorm::postgres::creation::drop_database(&admin_url(), DB_NAME)).expect("drop bench database");
}

criterion_group!(all, benches);

fn main() {
    all();
    Criterion::default().configure_from_args().final_summary();
}

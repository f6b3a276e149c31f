//! djorm, used as a user would (public API, its own pool), against raw tokio-postgres with
//! statements prepared once on one connection. Workloads: get by primary key ×1000, select
//! 10,000 rows into structs, insert 100 rows in one statement, prefetch two levels, a join into
//! related objects, and values() across a reverse key (a LEFT OUTER JOIN).
//!
//! Prints two tables at the end: criterion's estimates (each side measured for ten seconds, one
//! after the other) and an interleaved run (djorm and the raw driver alternating, round after
//! round), whose ratio drifting load on a small machine cannot skew.
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
use relations::{Article, Writer};

/// The struct the raw-driver side maps rows into, field for field.
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

struct Setup {
    db: Db,
    raw: tokio_postgres::Client,
    statements: Statements,
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
    let db = djorm::DatabaseConfig::Postgres(Box::new(bench_config())).connect().await.expect("djorm connects");
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
    let (raw, connection) = bench_config().connect(tokio_postgres::NoTls).await.expect("raw connects");
    tokio::spawn(connection);
    let placeholders: Vec<String> =
        (0..100).map(|r| format!("(${}, ${}, ${}, ${})", r * 4 + 1, r * 4 + 2, r * 4 + 3, r * 4 + 4)).collect();
    let insert =
        format!("INSERT INTO bench_user (name, email, age, active) VALUES {} RETURNING id", placeholders.join(", "));
    let statements = Statements {
        get: raw.prepare("SELECT id, name, email, age, active FROM bench_user WHERE id = $1").await.expect("prepare"),
        select: raw
            .prepare("SELECT id, name, email, age, active FROM bench_user ORDER BY id LIMIT 10000")
            .await
            .expect("prepare"),
        insert: raw.prepare(&insert).await.expect("prepare"),
        writers: raw.prepare("SELECT id, name FROM bench_author ORDER BY id").await.expect("prepare"),
        articles: raw
            .prepare("SELECT id, writer_id, title FROM bench_article WHERE writer_id = ANY($1)")
            .await
            .expect("prepare"),
        notes: raw
            .prepare("SELECT id, article_id, body FROM bench_note WHERE article_id = ANY($1)")
            .await
            .expect("prepare"),
        join: raw
            .prepare(
                "SELECT a.id, a.writer_id, a.title, w.id, w.name FROM bench_article a \
                 INNER JOIN bench_author w ON a.writer_id = w.id ORDER BY a.id",
            )
            .await
            .expect("prepare"),
        left_join: raw
            .prepare(
                "SELECT w.name, a.title FROM bench_author w \
                 LEFT OUTER JOIN bench_article a ON a.writer_id = w.id ORDER BY w.id",
            )
            .await
            .expect("prepare"),
    };
    Setup { db, raw, statements }
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
    struct RawNote {
        _id: i64,
        _body: String,
    }
    struct RawArticle {
        id: i64,
        _title: String,
        notes: Vec<RawNote>,
    }
    struct RawWriter {
        id: i64,
        _name: String,
        articles: Vec<RawArticle>,
    }
    let mut writers: Vec<RawWriter> = s
        .raw
        .query(&s.statements.writers, &[])
        .await
        .expect("writers")
        .iter()
        .map(|r| RawWriter { id: r.get(0), _name: r.get(1), articles: Vec::new() })
        .collect();
    let ids: Vec<i64> = writers.iter().map(|w| w.id).collect();
    let mut articles: Vec<(i64, RawArticle)> = s
        .raw
        .query(&s.statements.articles, &[&ids])
        .await
        .expect("articles")
        .iter()
        .map(|r| (r.get(1), RawArticle { id: r.get(0), _title: r.get(2), notes: Vec::new() }))
        .collect();
    let article_ids: Vec<i64> = articles.iter().map(|(_, a)| a.id).collect();
    let mut notes_by_article: std::collections::HashMap<i64, Vec<RawNote>> = std::collections::HashMap::new();
    for r in s.raw.query(&s.statements.notes, &[&article_ids]).await.expect("notes") {
        notes_by_article.entry(r.get(1)).or_default().push(RawNote { _id: r.get(0), _body: r.get(2) });
    }
    let mut by_writer: std::collections::HashMap<i64, Vec<RawArticle>> = std::collections::HashMap::new();
    for (writer, mut a) in articles.drain(..) {
        a.notes = notes_by_article.remove(&a.id).unwrap_or_default();
        by_writer.entry(writer).or_default().push(a);
    }
    for w in &mut writers {
        w.articles = by_writer.remove(&w.id).unwrap_or_default();
    }
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

async fn raw_join(s: &Setup) {
    struct RawWriter {
        _id: i64,
        _name: String,
    }
    struct RawArticle {
        _id: i64,
        _writer_id: i64,
        _title: String,
        _writer: RawWriter,
    }
    let rows: Vec<RawArticle> = s
        .raw
        .query(&s.statements.join, &[])
        .await
        .expect("join")
        .iter()
        .map(|r| RawArticle {
            _id: r.get(0),
            _writer_id: r.get(1),
            _title: r.get(2),
            _writer: RawWriter { _id: r.get(3), _name: r.get(4) },
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

/// One workload: its criterion group, its sample size, and how many interleaved rounds.
struct Workload {
    group: &'static str,
    samples: usize,
    rounds: u32,
}

/// The insert workload runs last: the rows it adds would change what the others read.
const WORKLOADS: [Workload; 6] = [
    Workload { group: "get_by_pk_x1000", samples: 20, rounds: 20 },
    Workload { group: "select_10000_rows", samples: 20, rounds: 100 },
    Workload { group: "prefetch_100_writers_articles_notes", samples: 20, rounds: 300 },
    Workload { group: "articles_join_writers_500_rows", samples: 20, rounds: 500 },
    Workload { group: "writers_left_join_articles_values", samples: 20, rounds: 500 },
    Workload { group: "insert_100_rows_one_statement", samples: 30, rounds: 300 },
];

/// Runs side `djorm` (true) or the raw driver of workload `index`.
async fn run(s: &Setup, index: usize, djorm: bool) {
    match (index, djorm) {
        (0, true) => djorm_get(s).await,
        (0, false) => raw_get(s).await,
        (1, true) => djorm_select(s).await,
        (1, false) => raw_select(s).await,
        (2, true) => djorm_prefetch(s).await,
        (2, false) => raw_prefetch(s).await,
        (3, true) => djorm_join(s).await,
        (3, false) => raw_join(s).await,
        (4, true) => djorm_left_join(s).await,
        (4, false) => raw_left_join(s).await,
        (5, true) => djorm_insert(s).await,
        _ => raw_insert(s).await,
    }
}

/// Removes the rows the insert workload added and lets PostgreSQL catch up with the churn.
async fn cleanup(s: &Setup) {
    s.raw.execute("DELETE FROM bench_user WHERE id > 10000", &[]).await.expect("cleanup");
    s.raw.batch_execute("VACUUM ANALYZE bench_user").await.expect("vacuum");
}

/// Alternates the two sides round after round and returns their mean times.
fn interleaved(rt: &Runtime, s: &Setup, index: usize, rounds: u32) -> (Duration, Duration) {
    rt.block_on(async {
        let (mut djorm, mut raw) = (Duration::ZERO, Duration::ZERO);
        for round in 0..rounds {
            // Who goes first alternates too, so neither side always runs on a warm cache.
            for djorm_side in if round % 2 == 0 { [true, false] } else { [false, true] } {
                let started = std::time::Instant::now();
                run(s, index, djorm_side).await;
                *(if djorm_side { &mut djorm } else { &mut raw }) += started.elapsed();
            }
        }
        (djorm / rounds, raw / rounds)
    })
}

fn estimate_ns(group: &str, id: &str) -> Option<f64> {
    let path = format!("target/criterion/{group}/{id}/new/estimates.json");
    let text = std::fs::read_to_string(path).ok()?;
    let json: serde_json::Value = serde_json::from_str(&text).ok()?;
    json["mean"]["point_estimate"].as_f64()
}

fn benches(c: &mut Criterion) {
    let rt = Runtime::new().expect("runtime");
    let setup = rt.block_on(setup());
    for (index, workload) in WORKLOADS.iter().enumerate() {
        let mut group = c.benchmark_group(workload.group);
        group.sample_size(workload.samples).measurement_time(Duration::from_secs(10));
        group.bench_function("djorm", |b| b.to_async(&rt).iter(|| run(&setup, index, true)));
        group.bench_function("tokio_postgres", |b| b.to_async(&rt).iter(|| run(&setup, index, false)));
        group.finish();
    }
    println!("\ncriterion (each side ten seconds, one after the other)");
    println!("{:<38} {:>14} {:>16} {:>8}", "workload", "djorm", "tokio-postgres", "ratio");
    for workload in &WORKLOADS {
        if let (Some(d), Some(r)) =
            (estimate_ns(workload.group, "djorm"), estimate_ns(workload.group, "tokio_postgres"))
        {
            println!("{:<38} {:>12.3}ms {:>14.3}ms {:>7.3}x", workload.group, d / 1e6, r / 1e6, d / r);
        }
    }
    // Back to the seeded table, vacuumed, so the interleaved run reads what criterion read.
    rt.block_on(cleanup(&setup));
    println!("\ninterleaved (the two sides alternating, round after round)");
    println!("{:<38} {:>14} {:>16} {:>8}", "workload", "djorm", "tokio-postgres", "ratio");
    for (index, workload) in WORKLOADS.iter().enumerate() {
        let (d, r) = interleaved(&rt, &setup, index, workload.rounds);
        let ratio = d.as_secs_f64() / r.as_secs_f64();
        println!(
            "{:<38} {:>12.3}ms {:>14.3}ms {:>7.3}x",
            workload.group,
            d.as_secs_f64() * 1e3,
            r.as_secs_f64() * 1e3,
            ratio
        );
    }
    drop(setup);
    rt.block_on(djorm::postgres::creation::drop_database(&admin_url(), DB_NAME)).expect("drop bench database");
}

criterion_group!(all, benches);

fn main() {
    all();
    Criterion::default().configure_from_args().final_summary();
}

//! djorm, used as a user would (public API, its own pool), against raw tokio-postgres with
//! statements prepared once on one connection. Workloads: get by primary key ×1000, select
//! 10,000 rows into structs, insert 100 rows in one statement. Prints the ratios at the end.
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
use relations::{Article, Note, Writer};

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
    db.create_tables(&[Writer::meta(), Article::meta(), Note::meta()]).await.expect("schema");
    let writers: Vec<Writer> = (0..100).map(|i| Writer { name: format!("writer {i}"), ..Default::default() }).collect();
    let writers = Writer::objects().bulk_create(&db, writers).await.expect("writers");
    let articles: Vec<Article> = writers
        .iter()
        .flat_map(|w| {
            (0..5).map(move |j| Article { writer: w.into(), title: format!("article {j}"), ..Default::default() })
        })
        .collect();
    let articles = Article::objects().bulk_create(&db, articles).await.expect("articles");
    let notes: Vec<Note> = articles
        .iter()
        .flat_map(|a| (0..3).map(move |k| Note { article: a.into(), body: format!("note {k}"), ..Default::default() }))
        .collect();
    Note::objects().bulk_create(&db, notes).await.expect("notes");
    let (raw, connection) = bench_config().connect(tokio_postgres::NoTls).await.expect("raw connects");
    tokio::spawn(connection);
    Setup { db, raw }
}

fn get_by_pk(c: &mut Criterion, rt: &Runtime, s: &Setup) {
    let mut group = c.benchmark_group("get_by_pk_x1000");
    group.sample_size(20).measurement_time(Duration::from_secs(10));
    group.bench_function("djorm", |b| {
        b.to_async(rt).iter(|| async {
            for i in 1..=1000i64 {
                let u = User::objects().get(&s.db, q!(User, id = i)).await.expect("get");
                std::hint::black_box(u);
            }
        })
    });
    let stmt = rt
        .block_on(s.raw.prepare("SELECT id, name, email, age, active FROM bench_user WHERE id = $1"))
        .expect("prepare");
    group.bench_function("tokio_postgres", |b| {
        b.to_async(rt).iter(|| async {
            for i in 1..=1000i64 {
                let row = s.raw.query_one(&stmt, &[&i]).await.expect("get");
                let u = RawUser {
                    id: row.get(0),
                    name: row.get(1),
                    email: row.get(2),
                    age: row.get(3),
                    active: row.get(4),
                };
                std::hint::black_box(u);
            }
        })
    });
    group.finish();
}

fn select_10k(c: &mut Criterion, rt: &Runtime, s: &Setup) {
    let mut group = c.benchmark_group("select_10000_rows");
    group.sample_size(20).measurement_time(Duration::from_secs(10));
    group.bench_function("djorm", |b| {
        b.to_async(rt).iter(|| async {
            let users = User::objects().order_by(["id"]).all(&s.db).await.expect("all");
            assert_eq!(users.len(), ROWS as usize);
            std::hint::black_box(users);
        })
    });
    let stmt =
        rt.block_on(s.raw.prepare("SELECT id, name, email, age, active FROM bench_user ORDER BY id")).expect("prepare");
    group.bench_function("tokio_postgres", |b| {
        b.to_async(rt).iter(|| async {
            let rows = s.raw.query(&stmt, &[]).await.expect("query");
            let users: Vec<RawUser> = rows
                .iter()
                .map(|row| RawUser {
                    id: row.get(0),
                    name: row.get(1),
                    email: row.get(2),
                    age: row.get(3),
                    active: row.get(4),
                })
                .collect();
            assert_eq!(users.len(), ROWS as usize);
            std::hint::black_box(users);
        })
    });
    group.finish();
}

fn insert_100(c: &mut Criterion, rt: &Runtime, s: &Setup) {
    let mut group = c.benchmark_group("insert_100_rows_one_statement");
    group.sample_size(30).measurement_time(Duration::from_secs(10));
    let batch = || -> Vec<User> {
        (0..100)
            .map(|i| User {
                name: format!("new {i}"),
                email: format!("new{i}@example.com"),
                age: 30,
                ..Default::default()
            })
            .collect()
    };
    group.bench_function("djorm", |b| {
        b.to_async(rt).iter(|| async {
            let created = User::objects().bulk_create(&s.db, batch()).await.expect("insert");
            std::hint::black_box(created);
        })
    });
    let placeholders: Vec<String> =
        (0..100).map(|r| format!("(${}, ${}, ${}, ${})", r * 4 + 1, r * 4 + 2, r * 4 + 3, r * 4 + 4)).collect();
    let sql =
        format!("INSERT INTO bench_user (name, email, age, active) VALUES {} RETURNING id", placeholders.join(", "));
    let stmt = rt.block_on(s.raw.prepare(&sql)).expect("prepare");
    group.bench_function("tokio_postgres", |b| {
        b.to_async(rt).iter(|| async {
            let users = batch();
            let mut params: Vec<&(dyn tokio_postgres::types::ToSql + Sync)> = Vec::with_capacity(400);
            for u in &users {
                params.push(&u.name);
                params.push(&u.email);
                params.push(&u.age);
                params.push(&u.active);
            }
            let ids = s.raw.query(&stmt, &params).await.expect("insert");
            std::hint::black_box(ids);
        })
    });
    group.finish();
}

/// 100 writers → 500 articles → 1,500 notes: djorm's prefetch_related (3 queries) against the
/// same three queries by hand, grouped into structs.
fn prefetch_two_levels(c: &mut Criterion, rt: &Runtime, s: &Setup) {
    let mut group = c.benchmark_group("prefetch_100_writers_articles_notes");
    group.sample_size(20).measurement_time(Duration::from_secs(10));
    group.bench_function("djorm", |b| {
        b.to_async(rt).iter(|| async {
            let writers = Writer::objects()
                .order_by(["id"])
                .prefetch_related(["articles", "articles__notes"])
                .all(&s.db)
                .await
                .expect("prefetch");
            assert_eq!(writers.len(), 100);
            std::hint::black_box(writers);
        })
    });
    let q_writers = rt.block_on(s.raw.prepare("SELECT id, name FROM bench_author ORDER BY id")).expect("prepare");
    let q_articles = rt
        .block_on(s.raw.prepare("SELECT id, writer_id, title FROM bench_article WHERE writer_id = ANY($1)"))
        .expect("prepare");
    let q_notes = rt
        .block_on(s.raw.prepare("SELECT id, article_id, body FROM bench_note WHERE article_id = ANY($1)"))
        .expect("prepare");
    group.bench_function("tokio_postgres", |b| {
        b.to_async(rt).iter(|| async {
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
                .query(&q_writers, &[])
                .await
                .expect("writers")
                .iter()
                .map(|r| RawWriter { id: r.get(0), _name: r.get(1), articles: Vec::new() })
                .collect();
            let ids: Vec<i64> = writers.iter().map(|w| w.id).collect();
            let mut articles: Vec<(i64, RawArticle)> = s
                .raw
                .query(&q_articles, &[&ids])
                .await
                .expect("articles")
                .iter()
                .map(|r| (r.get(1), RawArticle { id: r.get(0), _title: r.get(2), notes: Vec::new() }))
                .collect();
            let article_ids: Vec<i64> = articles.iter().map(|(_, a)| a.id).collect();
            let mut notes_by_article: std::collections::HashMap<i64, Vec<RawNote>> = std::collections::HashMap::new();
            for r in s.raw.query(&q_notes, &[&article_ids]).await.expect("notes") {
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
        })
    });
    group.finish();
}

/// Every article with its writer: one LEFT OUTER JOIN... djorm's select_related on a
/// non-null key joins INNER, as Django does; the raw side runs the same statement.
fn select_related_join(c: &mut Criterion, rt: &Runtime, s: &Setup) {
    let mut group = c.benchmark_group("articles_join_writers_500_rows");
    group.sample_size(20).measurement_time(Duration::from_secs(10));
    group.bench_function("djorm", |b| {
        b.to_async(rt).iter(|| async {
            let articles =
                Article::objects().order_by(["id"]).select_related(["writer"]).all(&s.db).await.expect("join");
            assert_eq!(articles.len(), 500);
            std::hint::black_box(articles);
        })
    });
    let stmt = rt
        .block_on(s.raw.prepare(
            "SELECT a.id, a.writer_id, a.title, w.id, w.name FROM bench_article a \
             INNER JOIN bench_author w ON a.writer_id = w.id ORDER BY a.id",
        ))
        .expect("prepare");
    group.bench_function("tokio_postgres", |b| {
        b.to_async(rt).iter(|| async {
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
                .query(&stmt, &[])
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
        })
    });
    group.finish();
}

fn estimate_ns(group: &str, id: &str) -> Option<f64> {
    let path = format!("target/criterion/{group}/{id}/new/estimates.json");
    let text = std::fs::read_to_string(path).ok()?;
    let json: serde_json::Value = serde_json::from_str(&text).ok()?;
    json["mean"]["point_estimate"].as_f64()
}

fn report() {
    println!("\n{:<38} {:>14} {:>16} {:>8}", "workload", "djorm", "tokio-postgres", "ratio");
    for group in [
        "get_by_pk_x1000",
        "select_10000_rows",
        "insert_100_rows_one_statement",
        "prefetch_100_writers_articles_notes",
        "articles_join_writers_500_rows",
    ] {
        if let (Some(d), Some(r)) = (estimate_ns(group, "djorm"), estimate_ns(group, "tokio_postgres")) {
            println!("{group:<38} {:>12.3}ms {:>14.3}ms {:>7.3}x", d / 1e6, r / 1e6, d / r);
        }
    }
}

fn benches(c: &mut Criterion) {
    let rt = Runtime::new().expect("runtime");
    let setup = rt.block_on(setup());
    get_by_pk(c, &rt, &setup);
    select_10k(c, &rt, &setup);
    insert_100(c, &rt, &setup);
    prefetch_two_levels(c, &rt, &setup);
    select_related_join(c, &rt, &setup);
    drop(setup);
    rt.block_on(djorm::postgres::creation::drop_database(&admin_url(), DB_NAME)).expect("drop bench database");
}

criterion_group!(all, benches);

fn main() {
    all();
    Criterion::default().configure_from_args().final_summary();
    report();
}

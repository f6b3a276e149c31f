//! Profiling aid: runs djorm's prefetch_related and select_related workloads in a loop
//! (`perf record -g target/release/examples/profile`), against the database the benchmark
//! seeds. Not part of the benchmark's numbers.

use std::str::FromStr;

use djorm::prelude::*;

#[path = "../shared/relations.rs"]
mod relations;
use relations::{Article, Note, Writer};

#[tokio::main]
async fn main() {
    let url = std::env::var("DJORM_TEST_POSTGRES_URL").unwrap_or_else(|_| "postgres://root@127.0.0.1:5432/test".into());
    let admin = tokio_postgres::Config::from_str(&url).expect("url");
    let mut config = admin.clone();
    config.dbname("djorm_profile");
    let _ = djorm::postgres::creation::drop_database(&url, "djorm_profile").await;
    djorm::postgres::creation::create_database(&url, "djorm_profile").await.expect("create");
    let db = djorm::DatabaseConfig::Postgres(Box::new(config.clone())).connect().await.expect("connect");
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
    let what = std::env::args().nth(1).unwrap_or_else(|| "prefetch".into());
    if what == "rawget" {
        let (raw, connection) = config.connect(tokio_postgres::NoTls).await.expect("raw");
        tokio::spawn(connection);
        let stmt = raw.prepare("SELECT id, name FROM bench_author WHERE id = $1").await.expect("prepare");
        let started = std::time::Instant::now();
        for _ in 0..20 {
            for i in 1..=100i64 {
                std::hint::black_box(raw.query_one(&stmt, &[&i]).await.expect("get"));
            }
        }
        println!("raw get: {:?} each", started.elapsed() / 2000);
        return;
    }
    if what == "fetchonly" {
        let compiled = Writer::objects().filter(q!(Writer, id = 1)).sql(&db).expect("sql").expect("q");
        let kinds = [djorm::ValueKind::I64, djorm::ValueKind::String];
        let started = std::time::Instant::now();
        for _ in 0..20 {
            for i in 1..=100i64 {
                let c = djorm::sql::Compiled { sql: compiled.sql.clone(), params: vec![Value::I64(i)] };
                std::hint::black_box(db.fetch(&c, &kinds).await.expect("fetch"));
            }
        }
        println!("fetch only: {:?} each", started.elapsed() / 2000);
        return;
    }
    if what == "compileloop" {
        let started = std::time::Instant::now();
        let mut lowering = std::time::Duration::ZERO;
        for _ in 0..20 {
            for i in 1..=100i64 {
                let t = std::time::Instant::now();
                let compiled =
                    Writer::objects().filter(q!(Writer, id = i)).limit(21).sql(&db).expect("sql").expect("q");
                lowering += t.elapsed();
                let kinds = [djorm::ValueKind::I64, djorm::ValueKind::String];
                std::hint::black_box(db.fetch(&compiled, &kinds).await.expect("fetch"));
            }
        }
        println!("compile+fetch: {:?} each, of which lowering {:?}", started.elapsed() / 2000, lowering / 2000);
        return;
    }
    if what == "get" {
        let started = std::time::Instant::now();
        for _ in 0..20 {
            for i in 1..=100i64 {
                std::hint::black_box(Writer::objects().get(&db, q!(Writer, id = i)).await.expect("get"));
            }
        }
        println!("get: {:?} each", started.elapsed() / 2000);
        return;
    }
    if what == "compile" {
        let started = std::time::Instant::now();
        for _ in 0..10_000 {
            let qs = Article::objects().order_by(["id"]).select_related(["writer"]);
            std::hint::black_box(qs.sql_for(&djorm::postgres::PostgresDialect).expect("sql"));
        }
        println!("compile select_related: {:?} each", started.elapsed() / 10_000);
        let started = std::time::Instant::now();
        for i in 0..10_000i64 {
            let qs = Writer::objects().filter(q!(Writer, id = i));
            std::hint::black_box(qs.sql_for(&djorm::postgres::PostgresDialect).expect("sql"));
        }
        println!("compile get: {:?} each", started.elapsed() / 10_000);
        return;
    }
    if what == "queries" {
        let capture = db.capture_queries();
        let w = Writer::objects()
            .order_by(["id"])
            .prefetch_related(["articles", "articles__notes"])
            .all(&db)
            .await
            .expect("p");
        std::hint::black_box(w);
        for q in capture.take() {
            println!("{} -- {} params", q.sql, q.params.len());
        }
        return;
    }
    let started = std::time::Instant::now();
    for _ in 0..500 {
        if what == "prefetch" {
            let w = Writer::objects()
                .order_by(["id"])
                .prefetch_related(["articles", "articles__notes"])
                .all(&db)
                .await
                .expect("p");
            std::hint::black_box(w);
        } else {
            let a = Article::objects().order_by(["id"]).select_related(["writer"]).all(&db).await.expect("j");
            std::hint::black_box(a);
        }
    }
    println!("{what}: {:?} per run", started.elapsed() / 500);
    drop(db);
    let _ = djorm::postgres::creation::drop_database(&url, "djorm_profile").await;
}

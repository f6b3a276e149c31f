//! Profiling aid: runs djorm's prefetch_related and select_related workloads in a loop
//! (`perf record -g target/release/examples/profile`), against the database the benchmark
//! seeds. Not part of the benchmark's numbers.

use std::str::FromStr;

use djorm::prelude::*;

#[path = "../shared/relations.rs"]
mod relations;
use relations::{Article, Writer};

/// Prints the mean and median time of each side and their ratios (the median shrugs off the
/// occasional slow run that the machine, not the code, causes).
fn report(name: &str, djorm: &[std::time::Duration], raw: &[std::time::Duration]) {
    fn median(times: &[std::time::Duration]) -> std::time::Duration {
        let mut sorted = times.to_vec();
        sorted.sort();
        sorted[sorted.len() / 2]
    }
    let mean = |t: &[std::time::Duration]| t.iter().sum::<std::time::Duration>() / t.len() as u32;
    let (dm, rm, dmed, rmed) = (mean(djorm), mean(raw), median(djorm), median(raw));
    println!(
        "{name}: djorm {dm:?} raw {rm:?} ratio {:.3} | median djorm {dmed:?} raw {rmed:?} ratio {:.3}",
        dm.as_secs_f64() / rm.as_secs_f64(),
        dmed.as_secs_f64() / rmed.as_secs_f64()
    );
}

/// The hand-written side: one tokio-postgres connection and its prepared statements.
struct Raw {
    client: tokio_postgres::Client,
    get: tokio_postgres::Statement,
    join: tokio_postgres::Statement,
    writers: tokio_postgres::Statement,
    articles: tokio_postgres::Statement,
    notes: tokio_postgres::Statement,
    left_join: tokio_postgres::Statement,
}

/// An article and its writer, as the raw join maps them.
type JoinedRow = (i64, i64, String, i64, String);

impl Raw {
    async fn connect(config: &tokio_postgres::Config) -> Raw {
        let (client, connection) = config.connect(tokio_postgres::NoTls).await.expect("raw");
        tokio::spawn(connection);
        let prepare = |sql: &'static str| {
            let client = &client;
            async move { client.prepare(sql).await.expect("prepare") }
        };
        let get = prepare("SELECT id, name FROM bench_author WHERE id = $1").await;
        let join = prepare(
            "SELECT a.id, a.writer_id, a.title, w.id, w.name FROM bench_article a \
             INNER JOIN bench_author w ON a.writer_id = w.id ORDER BY a.id",
        )
        .await;
        let writers = prepare("SELECT id, name FROM bench_author ORDER BY id").await;
        let articles = prepare("SELECT id, writer_id, title FROM bench_article WHERE writer_id = ANY($1)").await;
        let notes = prepare("SELECT id, article_id, body FROM bench_note WHERE article_id = ANY($1)").await;
        let left_join = prepare(
            "SELECT w.name, a.title FROM bench_author w \
             LEFT OUTER JOIN bench_article a ON a.writer_id = w.id ORDER BY w.id",
        )
        .await;
        Raw { client, get, join, writers, articles, notes, left_join }
    }

    /// One writer by key.
    async fn get(&self, id: i64) -> tokio_postgres::Row {
        self.client.query_one(&self.get, &[&id]).await.expect("get")
    }

    /// The join, rows mapped into tuples.
    async fn join(&self) -> Vec<JoinedRow> {
        self.client
            .query(&self.join, &[])
            .await
            .expect("join")
            .iter()
            .map(|r| (r.get(0), r.get(1), r.get(2), r.get(3), r.get(4)))
            .collect()
    }

    /// The join's rows, not mapped.
    async fn join_rows(&self) -> usize {
        self.client.query(&self.join, &[]).await.expect("join").len()
    }

    /// Writers, their articles and the articles' notes: three queries, grouped by hand (the
    /// benchmark's tokio-postgres side).
    async fn prefetch(&self) -> Vec<relations::RawWriter> {
        relations::tokio_postgres_prefetch(&self.client, [&self.writers, &self.articles, &self.notes]).await
    }
}

#[tokio::main]
async fn main() {
    let url = std::env::var("DJORM_TEST_POSTGRES_URL").unwrap_or_else(|_| "postgres://root@127.0.0.1:5432/test".into());
    let admin = tokio_postgres::Config::from_str(&url).expect("url");
    let mut config = admin.clone();
    config.dbname("djorm_profile");
    let _ = djorm::postgres::creation::drop_database(&url, "djorm_profile").await;
    djorm::postgres::creation::create_database(&url, "djorm_profile").await.expect("create");
    let db = djorm::Db::new(std::sync::Arc::new(
        djorm::postgres::PgBackend::from_config(config.clone(), 16).await.expect("connect"),
    ));
    relations::seed(&db).await;
    let what = std::env::args().nth(1).unwrap_or_else(|| "prefetch".into());
    if what == "rawget" {
        let raw = Raw::connect(&config).await;
        let started = std::time::Instant::now();
        for _ in 0..20 {
            for i in 1..=100i64 {
                std::hint::black_box(raw.get(i).await);
            }
        }
        println!("raw get: {:?} each", started.elapsed() / 2000);
        return;
    }
    if what == "getratio" {
        // One-row gets: djorm's backend alone on the compiled statement, djorm's get(), and the
        // raw driver, taking turns call after call. The order matters on a small machine: a call
        // that starts a few microseconds after the previous answer (get()'s lowering) finds the
        // connection's worker thread parked and pays for waking it; the one right after another
        // answer does not. Swap the first two to see it.
        let raw = Raw::connect(&config).await;
        let compiled = Writer::objects().filter(q!(Writer, id = 1)).limit(21).sql(&db).expect("sql").expect("q");
        let kinds = [djorm::ValueKind::I64, djorm::ValueKind::String];
        let (mut full, mut backend, mut driver) = (Vec::new(), Vec::new(), Vec::new());
        for _ in 0..20 {
            for i in 1..=100i64 {
                let c = djorm::sql::Compiled { sql: compiled.sql.clone(), params: vec![Value::I64(i)] };
                let t = std::time::Instant::now();
                std::hint::black_box(db.fetch_native(&c, &kinds, None).await.expect("fetch").len());
                backend.push(t.elapsed());
                let t = std::time::Instant::now();
                std::hint::black_box(Writer::objects().get(&db, q!(Writer, id = i)).await.expect("get"));
                full.push(t.elapsed());
                let t = std::time::Instant::now();
                std::hint::black_box(raw.get(i).await);
                driver.push(t.elapsed());
            }
        }
        report("get()", &full, &driver);
        report("backend only", &backend, &driver);
        // The same driver running djorm's statement text, against its own.
        let same = raw.client.prepare(&compiled.sql).await.expect("prepare djorm's SQL");
        let (mut theirs, mut ours) = (Vec::new(), Vec::new());
        for _ in 0..20 {
            for i in 1..=100i64 {
                let t = std::time::Instant::now();
                std::hint::black_box(raw.client.query(&same, &[&i]).await.expect("get"));
                theirs.push(t.elapsed());
                let t = std::time::Instant::now();
                std::hint::black_box(raw.get(i).await);
                ours.push(t.elapsed());
            }
        }
        report("raw driver, djorm's SQL", &theirs, &ours);
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
                if std::env::var("NATIVE").is_ok() {
                    std::hint::black_box(db.fetch_native(&compiled, &kinds, None).await.expect("fetch").len());
                } else {
                    std::hint::black_box(db.fetch(&compiled, &kinds).await.expect("fetch"));
                }
            }
        }
        println!("compile+fetch: {:?} each, of which lowering {:?}", started.elapsed() / 2000, lowering / 2000);
        return;
    }
    if what == "ratio" {
        // djorm's select_related and prefetch_related against the same statements by hand,
        // alternated in one process so machine noise hits both sides alike.
        let raw = Raw::connect(&config).await;
        let (mut djorm_join, mut raw_join) = (Vec::new(), Vec::new());
        for _ in 0..400 {
            let t = std::time::Instant::now();
            let a = Article::objects().order_by(["id"]).select_related(["writer"]).all(&db).await.expect("j");
            djorm_join.push(t.elapsed());
            std::hint::black_box(a);
            let t = std::time::Instant::now();
            let rows = raw.join().await;
            raw_join.push(t.elapsed());
            std::hint::black_box(rows);
        }
        report("join", &djorm_join, &raw_join);
        // The backend alone: the same statement through Db::fetch into Values, no structs.
        let compiled =
            Article::objects().order_by(["id"]).select_related(["writer"]).sql(&db).expect("sql").expect("q");
        let kinds = [
            djorm::ValueKind::I64,
            djorm::ValueKind::I64,
            djorm::ValueKind::String,
            djorm::ValueKind::I64,
            djorm::ValueKind::String,
        ];
        let (mut fetch_only, mut raw_again) = (Vec::new(), Vec::new());
        for _ in 0..400 {
            let t = std::time::Instant::now();
            if std::env::var("NATIVE").is_ok() {
                std::hint::black_box(db.fetch_native(&compiled, &kinds, None).await.expect("fetch").len());
            } else {
                std::hint::black_box(db.fetch(&compiled, &kinds).await.expect("fetch"));
            }
            fetch_only.push(t.elapsed());
            let t = std::time::Instant::now();
            if std::env::var("NATIVE").is_ok() {
                std::hint::black_box(raw.join_rows().await);
            } else {
                std::hint::black_box(raw.join().await);
            }
            raw_again.push(t.elapsed());
        }
        report("fetch only", &fetch_only, &raw_again);
        let (mut djorm_prefetch, mut raw_prefetch) = (Vec::new(), Vec::new());
        for _ in 0..200 {
            let t = std::time::Instant::now();
            let w = Writer::objects()
                .order_by(["id"])
                .prefetch_related(["articles", "articles__notes"])
                .all(&db)
                .await
                .expect("p");
            djorm_prefetch.push(t.elapsed());
            std::hint::black_box(w);
            let t = std::time::Instant::now();
            let loaded = raw.prefetch().await;
            raw_prefetch.push(t.elapsed());
            std::hint::black_box(loaded);
        }
        report("prefetch", &djorm_prefetch, &raw_prefetch);
        let capture = db.capture_queries();
        std::hint::black_box(
            Writer::objects()
                .order_by(["id"])
                .prefetch_related(["articles", "articles__notes"])
                .all(&db)
                .await
                .expect("p"),
        );
        for q in capture.take() {
            println!("  {}", q.sql);
        }
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
    let runs: u32 = std::env::var("RUNS").ok().and_then(|r| r.parse().ok()).unwrap_or(500);
    if what == "rawjoin" {
        let raw = Raw::connect(&config).await;
        let started = std::time::Instant::now();
        for _ in 0..runs {
            std::hint::black_box(raw.join().await);
        }
        println!("rawjoin: {:?} per run", started.elapsed() / runs);
        return;
    }
    if what == "rawleftjoin" {
        let raw = Raw::connect(&config).await;
        let started = std::time::Instant::now();
        for _ in 0..runs {
            let rows = raw.client.query(&raw.left_join, &[]).await.expect("left join");
            let mapped: Vec<(String, Option<String>)> = rows.iter().map(|r| (r.get(0), r.get(1))).collect();
            std::hint::black_box(mapped);
        }
        println!("rawleftjoin: {:?} per run", started.elapsed() / runs);
        return;
    }
    if what == "leftjoin" {
        let started = std::time::Instant::now();
        for _ in 0..runs {
            let rows =
                Writer::objects().order_by(["id"]).values(&db, &["name", "articles__title"]).await.expect("values");
            std::hint::black_box(rows);
        }
        println!("leftjoin: {:?} per run", started.elapsed() / runs);
        return;
    }
    if what == "rawprefetch" {
        let raw = Raw::connect(&config).await;
        let started = std::time::Instant::now();
        for _ in 0..runs {
            std::hint::black_box(raw.prefetch().await);
        }
        println!("rawprefetch: {:?} per run", started.elapsed() / runs);
        return;
    }
    let started = std::time::Instant::now();
    for _ in 0..runs {
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
    println!("{what}: {:?} per run", started.elapsed() / runs);

    drop(db);
    let _ = djorm::postgres::creation::drop_database(&url, "djorm_profile").await;
}

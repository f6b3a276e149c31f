//! Every wait has a bound: faults injected with a loopback TCP proxy between djorm and
//! PostgreSQL (stall, blackhole, cut), killed connections, pool exhaustion, lock waits, the
//! migration lock, dropped iterators, and SQLite's writer queue. Each hang ends within its
//! configured timeout with a clear error, and the pool serves again once the fault is gone.

mod common;
#[path = "common/fault_proxy.rs"]
mod fault_proxy;
use common::*;
use fault_proxy::FaultProxy;

use std::sync::Arc;
use std::time::{Duration, Instant};

use djorm::prelude::*;
use djorm::sql::Compiled;
use djorm::testing::TestDatabase;
use djorm::{ConnectOptions, ValueKind};
use futures_util::StreamExt;

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

/// Short bounds, so each fault shows within a second or two.
fn quick() -> ConnectOptions {
    ConnectOptions {
        pool_size: 4,
        connect_timeout: ms(500),
        acquire_timeout: ms(500),
        statement_timeout: Some(ms(400)),
        lock_timeout: None,
        migration_lock_timeout: ms(400),
        busy_timeout: ms(400),
        ..ConnectOptions::default()
    }
}

/// The test database's URL with its port replaced.
fn with_port(url: &str, port: u16) -> String {
    let (server, database) = url.rsplit_once('/').expect("a database URL");
    let host = match server.rsplit_once(':') {
        Some((host, p)) if p.chars().all(|c| c.is_ascii_digit()) => host,
        _ => server,
    };
    format!("{host}:{port}/{database}")
}

fn upstream(url: &str) -> std::net::SocketAddr {
    let (server, _) = url.rsplit_once('/').expect("a database URL");
    let authority = server.rsplit_once('@').map_or(server.trim_start_matches("postgres://"), |(_, h)| h);
    let with_port = if authority.contains(':') { authority.to_owned() } else { format!("{authority}:5432") };
    let with_port = with_port.replace("localhost", "127.0.0.1");
    with_port.parse().expect("a loopback address in DJORM_TEST_POSTGRES_URL")
}

async fn fresh_postgres() -> TestDatabase {
    TestDatabase::new("postgresql", &[Author::meta()]).await.unwrap_or_else(|e| panic!("{e}"))
}

async fn connect(url: &str, options: ConnectOptions) -> djorm::Result<Db> {
    Ok(Db::new(Arc::new(djorm::postgres::PgBackend::connect_with(url, options).await?)))
}

/// A fresh database, a proxy in front of its server, and a handle connected through it.
async fn behind_proxy(options: ConnectOptions) -> (TestDatabase, FaultProxy, Db) {
    let test_db = fresh_postgres().await;
    let url = test_db.url().expect("url");
    let proxy = FaultProxy::start(upstream(&url)).await;
    let db = connect(&with_port(&url, proxy.port()), options).await.expect("connect through the proxy");
    (test_db, proxy, db)
}

fn assert_timeout(result: djorm::Result<impl std::fmt::Debug>, started: Instant, within: Duration, says: &str) {
    let elapsed = started.elapsed();
    let err = result.expect_err("the wait must end in an error");
    assert!(err.is_timeout(), "expected a timeout, got {err:?}");
    assert!(err.to_string().contains(says), "the error should say '{says}': {err}");
    assert!(elapsed < within, "took {elapsed:?}, more than {within:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_that_accepts_but_never_answers_fails_the_connect_in_time() {
    let test_db = fresh_postgres().await;
    let url = test_db.url().expect("url");
    let proxy = FaultProxy::start(upstream(&url)).await;
    proxy.blackhole();
    let started = Instant::now();
    let result = connect(&with_port(&url, proxy.port()), quick()).await;
    assert_timeout(result, started, Duration::from_secs(3), "did not finish the connection");
    proxy.pass();
    let db = connect(&with_port(&url, proxy.port()), quick()).await.expect("connects once the server answers");
    assert_eq!(Author::objects().count(&db).await.expect("count"), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stalled_server_times_out_the_statement_and_the_pool_recovers() {
    let (_test_db, proxy, db) = behind_proxy(quick()).await;
    Author::objects().create(&db, Author::new("a", "a@example.com")).await.expect("create");
    proxy.stall();
    let started = Instant::now();
    let result = Author::objects().count(&db).await;
    assert_timeout(result, started, Duration::from_secs(3), "got no answer");
    // A new connection made while stalled waits for the connect bound, not forever.
    let started = Instant::now();
    let result = Author::objects().count(&db).await;
    assert!(result.is_err() && started.elapsed() < Duration::from_secs(3), "{result:?}");
    proxy.pass();
    assert_eq!(Author::objects().count(&db).await.expect("serves again after the stall"), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cut_connections_are_replaced_without_losing_a_query() {
    let (_test_db, proxy, db) = behind_proxy(quick()).await;
    let warm: Vec<_> = (0..4).map(|_| async { Author::objects().count(&db).await }).collect();
    for n in futures_util::future::join_all(warm).await {
        n.expect("warm the pool");
    }
    proxy.cut();
    tokio::time::sleep(ms(50)).await;
    for i in 0..20 {
        let n = Author::objects().count(&db).await.unwrap_or_else(|e| panic!("read {i} after the cut: {e}"));
        assert_eq!(n, 0);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killed_connections_lose_none_of_100_queries() {
    let test_db = fresh_postgres().await;
    let url = test_db.url().expect("url");
    let db = connect(&url, ConnectOptions { pool_size: 8, ..ConnectOptions::default() }).await.expect("connect");
    let admin = connect(&url, ConnectOptions { pool_size: 1, ..ConnectOptions::default() }).await.expect("admin");
    let kill = Compiled {
        sql: "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
              WHERE datname = current_database() AND pid <> pg_backend_pid() AND application_name = 'djorm'"
            .into(),
        params: Vec::new(),
    };
    let mut failures = Vec::new();
    for round in 0..10 {
        let warm: Vec<_> = (0..8).map(|_| async { Author::objects().count(&db).await }).collect();
        for n in futures_util::future::join_all(warm).await {
            n.expect("warm the pool");
        }
        let killed = admin.fetch(&kill, &[ValueKind::Bool]).await.expect("terminate");
        assert!(killed.len() >= 2, "round {round}: the pool's connections were killed ({})", killed.len());
        let queries: Vec<_> = (0..10)
            .map(|i| {
                let db = db.clone();
                async move {
                    if i % 2 == 0 {
                        Author::objects().count(&db).await.map(drop)
                    } else {
                        let email = format!("r{round}q{i}@example.com");
                        Author::objects().create(&db, Author::new("w", &email)).await.map(drop)
                    }
                }
            })
            .collect();
        for outcome in futures_util::future::join_all(queries).await {
            if let Err(e) = outcome {
                failures.push(e.to_string());
            }
        }
    }
    assert_eq!(failures, Vec::<String>::new(), "queries lost to killed connections");
    assert_eq!(Author::objects().count(&db).await.expect("count"), 50, "every write landed once");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_exhausted_pool_times_out_naming_its_size() {
    let test_db = fresh_postgres().await;
    let url = test_db.url().expect("url");
    let db = connect(&url, ConnectOptions { pool_size: 2, ..quick() }).await.expect("connect");
    // Two tasks each hold a transaction and query through the pool: the classic deadlock.
    let first = db.begin().await.expect("tx 1");
    let second = db.begin().await.expect("tx 2");
    let started = Instant::now();
    let result = Author::objects().count(&db).await;
    assert_timeout(result, started, Duration::from_secs(3), "2 pooled connections");
    drop(first);
    assert_eq!(Author::objects().count(&db).await.expect("a connection is free again"), 0);
    second.rollback().await.expect("rollback");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lock_and_statement_waits_end_with_a_timeout() {
    let test_db = fresh_postgres().await;
    let url = test_db.url().expect("url");
    let options = ConnectOptions { lock_timeout: Some(ms(300)), statement_timeout: Some(ms(1500)), ..quick() };
    let db = connect(&url, options).await.expect("connect");
    let author = Author::objects().create(&db, Author::new("locked", "l@example.com")).await.expect("create");
    let holder = db.begin().await.expect("tx");
    Author::objects().select_for_update(false, false, &[]).all(&holder).await.expect("lock the row");
    let started = Instant::now();
    let result = Author::objects().filter(q!(Author, pk = author.id)).update(&db, [("name", "changed")]).await;
    assert_timeout(result, started, Duration::from_secs(2), "lock_timeout");
    holder.rollback().await.expect("rollback");

    let sleep = Compiled { sql: "SELECT pg_sleep(10)".into(), params: Vec::new() };
    let started = Instant::now();
    let result = db.fetch(&sleep, &[ValueKind::Any]).await;
    assert_timeout(result, started, Duration::from_secs(4), "statement_timeout");
    assert_eq!(Author::objects().count(&db).await.expect("the pool serves on"), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_migration_lock_wait_is_bounded_and_names_the_holder() {
    let test_db = fresh_postgres().await;
    let url = test_db.url().expect("url");
    let first = connect(&url, quick()).await.expect("connect");
    let second = connect(&url, quick()).await.expect("connect");
    let held = first.acquire_migration_lock().await.expect("first takes the lock");
    let started = Instant::now();
    let result = second.acquire_migration_lock().await;
    assert_timeout(result, started, Duration::from_secs(3), "PostgreSQL process");
    drop(held);
    tokio::time::sleep(ms(100)).await;
    second.acquire_migration_lock().await.expect("free once the holder is done");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_iterator_whose_server_stalls_mid_fetch_times_out_and_the_pool_recovers() {
    let (_test_db, proxy, db) = behind_proxy(quick()).await;
    // 4 MB per FETCH of 2,000 rows: more than the sockets buffer, so the stall below catches
    // the rows of the first FETCH still arriving (the wait for the next row is what times out).
    let bio = "x".repeat(2000);
    let authors =
        (0..4000).map(|i| Author { bio: bio.clone(), ..Author::new(&format!("n{i}"), &format!("s{i}@example.com")) });
    Author::objects().bulk_create(&db, authors).await.expect("4,000 rows");
    let mut stream = std::pin::pin!(Author::objects().order_by(["id"]).iterator(&db).await.expect("iterator"));
    for _ in 0..10 {
        stream.next().await.expect("a row").expect("decodes");
    }
    proxy.stall();
    let started = Instant::now();
    let outcome = async {
        while let Some(author) = stream.next().await {
            author?;
        }
        Ok(())
    }
    .await;
    assert_timeout(outcome, started, Duration::from_secs(4), "fetching rows for iterator() got no answer");
    assert!(stream.next().await.is_none(), "nothing is read after the error");
    proxy.pass();
    assert_eq!(Author::objects().count(&db).await.expect("serves again after the stall"), 4000);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dropped_iterator_stops_its_query_instead_of_draining_it() {
    let test_db = fresh_postgres().await;
    let url = test_db.url().expect("url");
    let db = connect(&url, ConnectOptions { pool_size: 1, ..ConnectOptions::default() }).await.expect("connect");
    let admin = connect(&url, ConnectOptions { pool_size: 1, ..ConnectOptions::default() }).await.expect("admin");
    let rows: Vec<Author> = (0..200_000).map(|i| Author::new(&format!("n{i}"), &format!("i{i}@example.com"))).collect();
    Author::objects().bulk_create(&db, rows).await.expect("200k rows");
    {
        let mut stream = std::pin::pin!(Author::objects().order_by(["id"]).iterator(&db).await.expect("iterator"));
        for _ in 0..5 {
            stream.next().await.expect("a row").expect("decodes");
        }
    }
    let started = Instant::now();
    assert_eq!(Author::objects().filter(q!(Author, name = "n7")).count(&db).await.expect("next query"), 1);
    assert!(started.elapsed() < Duration::from_secs(1), "the next query waited {:?}", started.elapsed());
    let busy = Compiled {
        sql: "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() \
              AND pid <> pg_backend_pid() AND state = 'active' AND query LIKE '%blog_author%'"
            .into(),
        params: Vec::new(),
    };
    let active = admin.fetch(&busy, &[ValueKind::I64]).await.expect("activity");
    assert_eq!(active.values, [djorm::Value::I64(0)], "no backend is still sending the dropped iterator's rows");
}

djorm::backend_tests! {
    models = [Author];

    async fn an_iterator_and_an_update_share_one_transaction(db) {
        Author::objects()
            .bulk_create(&db, (0..5000).map(|i| Author::new(&format!("n{i}"), &format!("t{i}@example.com"))))
            .await?;
        let tx = db.begin().await?;
        let work = async {
            let mut stream = std::pin::pin!(Author::objects().order_by(["id"]).iterator(&tx).await?);
            let mut seen = 0;
            while let Some(author) = stream.next().await {
                let author = author?;
                seen += 1;
                if seen % 1000 == 0 {
                    Author::objects().filter(q!(Author, pk = author.id)).update(&tx, [("bio", "touched")]).await?;
                }
            }
            Ok::<_, djorm::Error>(seen)
        };
        let seen = tokio::time::timeout(Duration::from_secs(20), work).await.expect("no hang")?;
        assert_eq!(seen, 5000);
        tx.commit().await?;
        assert_eq!(Author::objects().filter(q!(Author, bio = "touched")).count(&db).await?, 5);
        Ok(())
    }

    async fn an_iterator_inside_a_transaction_sees_its_writes(db) {
        let tx = db.begin().await?;
        Author::objects().create(&tx, Author::new("uncommitted", "u@example.com")).await?;
        let names: Vec<String> = Author::objects().iterator(&tx).await?.map(|a| a.map(|a| a.name)).collect::<Vec<_>>().await.into_iter().collect::<djorm::Result<_>>()?;
        assert_eq!(names, ["uncommitted"]);
        tx.rollback().await?;
        Ok(())
    }
}

async fn memory_db() -> Db {
    let db = djorm::connect("sqlite::memory:").await.expect("memory database");
    db.create_tables(&[Author::meta()]).await.expect("tables");
    db
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_transactions_on_a_sqlite_memory_database_queue_instead_of_failing() {
    let db = memory_db().await;
    let tasks: Vec<_> = (0..32)
        .map(|i| {
            let db = db.clone();
            tokio::spawn(async move {
                db.atomic(|tx| async move {
                    let n = Author::objects().count(&tx).await?;
                    Author::objects().create(&tx, Author::new(&format!("t{n}"), &format!("t{i}@example.com"))).await?;
                    Ok(())
                })
                .await
            })
        })
        .collect();
    let mut failures = Vec::new();
    for task in tasks {
        if let Err(e) = task.await.expect("task") {
            failures.push(e.to_string());
        }
    }
    assert_eq!(failures, Vec::<String>::new());
    assert_eq!(Author::objects().count(&db).await.expect("count"), 32);
    let distinct: std::collections::BTreeSet<String> =
        Author::objects().values_list_flat::<String>(&db, "name").await.expect("names").into_iter().collect();
    assert_eq!(distinct.len(), 32, "each transaction saw the ones before it: they ran one at a time");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sqlite_write_that_would_wait_for_its_own_transaction_fails_at_once() {
    let test_db = TestDatabase::new("sqlite", &[Author::meta()]).await.expect("sqlite");
    let db = test_db.db().clone();
    let tx = db.begin().await.expect("tx");
    Author::objects().create(&tx, Author::new("in tx", "tx@example.com")).await.expect("write in tx");
    let started = Instant::now();
    let err = Author::objects().create(&db, Author::new("outside", "out@example.com")).await.expect_err("self-wait");
    assert!(err.is_transaction_management(), "{err:?}");
    assert!(err.to_string().contains("run the statement through the transaction's handle"), "{err}");
    assert!(started.elapsed() < Duration::from_secs(1), "failed at once, not after a stall");
    // Another task's write queues behind the transaction and lands once it commits.
    let other = db.clone();
    let queued =
        tokio::spawn(async move { Author::objects().create(&other, Author::new("queued", "q@example.com")).await });
    tokio::time::sleep(ms(100)).await;
    tx.commit().await.expect("commit");
    queued.await.expect("task").expect("the queued write lands after the commit");
    assert_eq!(Author::objects().count(&db).await.expect("count"), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sqlite_writer_waits_at_most_busy_timeout() {
    let test_db = TestDatabase::new("sqlite", &[Author::meta()]).await.expect("sqlite");
    let path = test_db.url().expect("url");
    let db = djorm::connect(&format!("{path}?busy_timeout=300ms")).await.expect("connect");
    let holder = db.begin().await.expect("tx");
    let other = db.clone();
    let started = Instant::now();
    let result = tokio::spawn(async move { other.begin().await.map(drop) }).await.expect("task");
    assert_timeout(result, started, Duration::from_secs(2), "SQLite's write lock");
    holder.rollback().await.expect("rollback");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_long_sqlite_statement_is_interrupted_at_statement_timeout() {
    let test_db = TestDatabase::new("sqlite", &[Author::meta()]).await.expect("sqlite");
    let path = test_db.url().expect("url");
    let db = djorm::connect(&format!("{path}?statement_timeout=200ms")).await.expect("connect");
    let endless = Compiled {
        sql: "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT count(*) FROM c".into(),
        params: Vec::new(),
    };
    let started = Instant::now();
    let result = db.fetch(&endless, &[ValueKind::I64]).await;
    assert_timeout(result, started, Duration::from_secs(2), "statement_timeout");
    assert_eq!(Author::objects().count(&db).await.expect("the connection serves on"), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_sqlite_migration_lock_wait_is_bounded_and_names_the_holder() {
    let test_db = TestDatabase::new("sqlite", &[Author::meta()]).await.expect("sqlite");
    let path = test_db.url().expect("url");
    let first = djorm::connect(&path).await.expect("connect");
    let second = djorm::connect(&format!("{path}?migration_lock_timeout=300ms")).await.expect("connect");
    let held = first.acquire_migration_lock().await.expect("first takes it");
    let started = Instant::now();
    let result = second.acquire_migration_lock().await;
    assert_timeout(result, started, Duration::from_secs(2), &format!("process {}", std::process::id()));
    drop(held);
    second.acquire_migration_lock().await.expect("free once released");
}

/// An interrupted write makes SQLite roll the whole transaction back by itself; the statements
/// after it must not run in autocommit believing they are inside the transaction.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_interrupted_sqlite_transaction_refuses_what_follows() {
    let test_db = TestDatabase::new("sqlite", &[Author::meta()]).await.expect("sqlite");
    let db = test_db.db().clone();
    let tx = db.begin().await.expect("tx");
    Author::objects().create(&tx, Author::new("first", "first@example.com")).await.expect("create");
    let heavy = Compiled {
        sql: "INSERT INTO blog_author (name, email, bio, created_at) \
              SELECT 'x', 'e' || x, '', '2024-01-01 00:00:00' FROM \
              (WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c LIMIT 50000000) SELECT x FROM c)"
            .into(),
        params: Vec::new(),
    };
    let cut = tokio::time::timeout(ms(100), tx.execute(&heavy)).await;
    assert!(cut.is_err(), "the caller stopped waiting");
    let after = Author::objects().create(&tx, Author::new("after", "after@example.com")).await;
    let after = after.expect_err("not in autocommit");
    assert!(after.is_transaction_management());
    let c = tx.commit().await;
    assert!(c.is_err(), "the commit of a lost transaction fails");
    assert_eq!(Author::objects().count(&db).await.expect("count"), 0, "nothing of it stays");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_writes_of_one_task_queue_on_sqlite() {
    let db = memory_db().await;
    let authors = Author::objects();
    let (a, b) = tokio::join!(
        authors.create(&db, Author::new("a", "a@example.com")),
        authors.create(&db, Author::new("b", "b@example.com")),
    );
    a.expect("first write");
    b.expect("second write queues, it is not mistaken for a self-wait");
    let (x, y) = tokio::join!(authors.count(&db), authors.count(&db));
    assert_eq!((x.expect("count"), y.expect("count")), (2, 2));
    // Saving while iterating a memory database: no "table is locked".
    let mut stream = std::pin::pin!(Author::objects().iterator(&db).await.expect("iterator"));
    while let Some(author) = stream.next().await {
        let mut author = author.expect("row");
        author.bio = "seen".into();
        author.save(&db).await.expect("save during iteration");
    }
    assert_eq!(Author::objects().filter(q!(Author, bio = "seen")).count(&db).await.expect("count"), 2);
}

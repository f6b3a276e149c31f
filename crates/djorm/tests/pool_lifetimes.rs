//! Pool lifetimes on PostgreSQL, seen from the server (`pg_backend_pid()`, `pg_stat_activity`):
//! Django's `CONN_MAX_AGE` (`0`: a connection per unit of work; `N`: retired after N), an idle
//! timeout, `min_idle`, health checks, and the pool's gauges and counters.

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Duration;

use djorm::backend::ConnectOptions;
use djorm::prelude::*;
use djorm::sql::Compiled;
use djorm::testing::TestDatabase;
use djorm::ValueKind;

async fn connect(test_db: &TestDatabase, options: ConnectOptions) -> Db {
    let url = test_db.url().expect("url");
    Db::new(Arc::new(djorm::postgres::PgBackend::connect_with(&url, options).await.expect("connect")))
}

fn sql(text: &str) -> Compiled {
    Compiled { sql: text.into(), params: vec![] }
}

/// The server process serving this query: a new one means a new connection.
async fn pid(db: &Db) -> i64 {
    let rows = db.fetch(&sql("SELECT pg_backend_pid()::bigint"), &[ValueKind::I64]).await.expect("pid");
    rows.values[0].as_i64().expect("an integer")
}

/// How many sessions the server has open on `db`'s database.
async fn sessions(admin: &Db, database: &str) -> i64 {
    let query = Compiled {
        sql: "SELECT count(*)::bigint FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()".into(),
        params: vec![Value::String(database.into())],
    };
    admin.fetch(&query, &[ValueKind::I64]).await.expect("count").values[0].as_i64().expect("an integer")
}

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn conn_max_age_zero_is_one_connection_per_unit_of_work() {
    let test_db = TestDatabase::new("postgresql", &[]).await.expect("db");
    let db =
        connect(&test_db, ConnectOptions { conn_max_age: Some(Duration::ZERO), ..ConnectOptions::default() }).await;
    let mut pids = BTreeSet::new();
    for _ in 0..5 {
        pids.insert(pid(&db).await);
    }
    // A transaction is one unit: one connection throughout.
    let inside = db
        .atomic(|tx| async move { Ok::<_, djorm::Error>((pid(&tx).await, pid(&tx).await)) })
        .await
        .expect("a transaction");
    assert_eq!(inside.0, inside.1);
    pids.insert(inside.0);
    assert_eq!(pids.len(), 6, "six units of work, six connections: {pids:?}");
    let status = db.pool_status().expect("a pool");
    assert_eq!((status.size, status.opened), (0, 7), "closed after each unit (one more checked the server at connect)");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn conn_max_age_retires_old_connections_without_failing_a_query() {
    let test_db = TestDatabase::new("postgresql", &[]).await.expect("db");
    let options = ConnectOptions { pool_size: 4, conn_max_age: Some(ms(300)), ..ConnectOptions::default() };
    let db = connect(&test_db, options).await;
    let first = pid(&db).await;
    assert_eq!(pid(&db).await, first, "a young connection is reused");
    // 32 tasks query for 1.2 s across several retirements; none fails, and the server saw
    // several generations of connections, none of them older than the bound plus the time one
    // statement takes to finish.
    let mut tasks = Vec::new();
    for _ in 0..32 {
        let db = db.clone();
        tasks.push(tokio::spawn(async move {
            let started = tokio::time::Instant::now();
            let mut seen = BTreeSet::new();
            while started.elapsed() < ms(1200) {
                let query =
                    sql("SELECT pg_backend_pid()::bigint, (extract(epoch FROM now() - backend_start) * 1000)::bigint \
                                 FROM pg_stat_activity WHERE pid = pg_backend_pid()");
                let rows = db.fetch(&query, &[ValueKind::I64, ValueKind::I64]).await?;
                let (pid, age_ms) = (rows.values[0].as_i64().unwrap_or(0), rows.values[1].as_i64().unwrap_or(0));
                assert!(age_ms < 1000, "a connection {age_ms} ms old served a query");
                seen.insert(pid);
                tokio::time::sleep(ms(20)).await;
            }
            Ok::<_, djorm::Error>(seen)
        }));
    }
    let mut pids = BTreeSet::new();
    for task in tasks {
        pids.extend(task.await.expect("the task").expect("every query succeeded"));
    }
    assert!(pids.len() > 4, "connections were retired and replaced: {pids:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn idle_connections_close_and_min_idle_keeps_some_open() {
    let test_db = TestDatabase::new("postgresql", &[]).await.expect("db");
    let name = test_db.url().expect("url").rsplit('/').next().expect("a name").to_owned();
    let admin = connect(&test_db, ConnectOptions { pool_size: 1, ..ConnectOptions::default() }).await;
    let base = sessions(&admin, &name).await; // the test harness's own and this admin one

    let idle = connect(&test_db, ConnectOptions { idle_timeout: Some(ms(200)), ..ConnectOptions::default() }).await;
    let concurrent: Vec<_> = (0..3).map(|_| pid(&idle)).collect();
    futures_util::future::join_all(concurrent).await;
    assert!(sessions(&admin, &name).await > base, "connections opened");
    tokio::time::sleep(ms(700)).await;
    assert_eq!(sessions(&admin, &name).await, base, "idle connections were closed");
    assert_eq!(idle.pool_status().expect("a pool").size, 0);
    pid(&idle).await; // and the pool opens one again when asked

    let warm = connect(&test_db, ConnectOptions { min_idle: 3, ..ConnectOptions::default() }).await;
    tokio::time::sleep(ms(500)).await;
    assert!(warm.pool_status().expect("a pool").size >= 3, "{:?}", warm.pool_status());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn health_checks_and_pool_metrics() {
    let test_db = TestDatabase::new("postgresql", &[]).await.expect("db");
    let admin = connect(&test_db, ConnectOptions { pool_size: 1, ..ConnectOptions::default() }).await;
    let options = ConnectOptions {
        pool_size: 1,
        conn_health_checks: true,
        acquire_timeout: ms(200),
        ..ConnectOptions::default()
    };
    let db = connect(&test_db, options).await;
    // The server ends the pooled connection while it is idle: the health check finds it
    // dead and the next query runs on a new one.
    let old = pid(&db).await;
    let kill = Compiled { sql: "SELECT pg_terminate_backend($1::int)".into(), params: vec![Value::I64(old)] };
    admin.fetch(&kill, &[ValueKind::Bool]).await.expect("terminate");
    tokio::time::sleep(ms(100)).await;
    assert_ne!(pid(&db).await, old);

    // One connection, held by a transaction: another caller times out, and the pool counts it.
    let holder = db.clone();
    let (entered, release) = (Arc::new(tokio::sync::Notify::new()), Arc::new(tokio::sync::Notify::new()));
    let (e, r) = (entered.clone(), release.clone());
    let held = tokio::spawn(async move {
        holder
            .atomic(|tx| async move {
                pid(&tx).await;
                e.notify_one();
                r.notified().await;
                Ok::<_, djorm::Error>(())
            })
            .await
    });
    entered.notified().await;
    let status = db.pool_status().expect("a pool");
    assert_eq!((status.size, status.in_use, status.idle), (1, 1, 0));
    let err = db.fetch(&sql("SELECT 1"), &[ValueKind::I64]).await.expect_err("the only connection is busy");
    assert!(matches!(err, djorm::Error::Timeout { .. }), "{err}");
    release.notify_one();
    held.await.expect("the task").expect("the transaction");
    let status = db.pool_status().expect("a pool");
    assert_eq!((status.timeouts, status.in_use), (1, 0), "{status:?}");
}

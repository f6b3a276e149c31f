//! A query whose future is dropped (Ctrl-C in the shell, a timeout) is cancelled on the
//! PostgreSQL server instead of running on, and the pool keeps working.

use std::time::{Duration, Instant};

use djorm::sql::Compiled;
use djorm::testing::TestDatabase;
use djorm::{Value, ValueKind};

const MARKER: &str = "djorm_cancel_probe";

async fn still_running(db: &djorm::Db) -> i64 {
    let watch = Compiled {
        sql: "SELECT count(*) FROM pg_stat_activity WHERE state = 'active' AND pid <> pg_backend_pid() \
              AND position($1 in query) > 0"
            .into(),
        params: vec![Value::String(MARKER.into())],
    };
    let rows = db.fetch(&watch, &[ValueKind::I64]).await.expect("pg_stat_activity");
    rows.values[0].as_i64().expect("a count")
}

#[tokio::test]
async fn a_dropped_query_is_cancelled_on_the_server() {
    let test = TestDatabase::new("postgresql", &[]).await.expect("postgres");
    let db = test.db().clone();
    let sleeping = Compiled { sql: format!("SELECT 1 AS {MARKER} FROM pg_sleep(30)"), params: Vec::new() };
    let started = db.fetch(&sleeping, &[ValueKind::I64]);
    let outcome = tokio::time::timeout(Duration::from_millis(500), started).await;
    assert!(outcome.is_err(), "the sleep cannot finish in half a second");

    // Watched from a pool of its own, so a connection still busy with the sleep cannot delay it.
    let watcher = djorm::connect(&test.url().expect("url")).await.expect("second pool");
    let deadline = Instant::now() + Duration::from_secs(5);
    let mut running = still_running(&watcher).await;
    while running > 0 && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(50)).await;
        running = still_running(&watcher).await;
    }
    assert_eq!(running, 0, "the server stopped the dropped statement (it would sleep for 30 s)");
    let one = Compiled { sql: "SELECT 1".into(), params: Vec::new() };
    let served = tokio::time::timeout(Duration::from_secs(5), db.fetch(&one, &[ValueKind::I64])).await;
    assert_eq!(served.expect("no wait behind the sleep").expect("pool still serves").values, vec![Value::I64(1)]);
}

//! Failover without a restart: the application connects with a multi-host URL and
//! `target_session_attrs=read-write` (libpq's, which tokio-postgres implements); the primary
//! crashes, the replica is promoted, and the same `Db` writes again — the statements in flight
//! when the primary died fail with a connection error, and nothing else does.

#[path = "common/pg_server.rs"]
mod pg_server;

use std::time::Duration;

use djorm::prelude::*;
use pg_server::PgServer;

#[derive(Model, Debug, Clone)]
#[djorm(app = "failover", ordering = ["id"])]
struct Entry {
    id: AutoId,
    #[djorm(max_length = 40)]
    text: String,
}

async fn write(db: &Db, text: &str) -> djorm::Result<Entry> {
    Entry::objects().create(db, Entry { text: text.into(), ..Default::default() }).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_app_writes_again_after_the_replica_is_promoted() {
    let primary = PgServer::start(
        "fo-primary",
        "true",
        "wal_level = replica\nmax_wal_senders = 4\nhot_standby = on",
        "host replication root 127.0.0.1/32 trust\nhost all all 127.0.0.1/32 trust",
    );
    let replica = PgServer::replica_of(&primary, "fo-replica");
    let url = format!(
        "postgres://root@127.0.0.1:{},127.0.0.1:{}/postgres?target_session_attrs=read-write&connect_timeout=5",
        primary.port, replica.port
    );
    let db = djorm::connect(&url).await.expect("connects to the primary");
    db.create_tables(&[Entry::meta()]).await.expect("table");
    write(&db, "before").await.expect("a write on the primary");

    primary.crash();
    // Until a read-write server exists, writes fail with a connection error naming the hosts,
    // never silently and never with a success.
    let err = write(&db, "during").await.expect_err("no primary");
    assert_eq!(err.class(), "OperationalError", "{err}");

    replica.promote();
    let mut failures = Vec::new();
    let written = loop {
        match write(&db, "after").await {
            Ok(entry) => break entry,
            Err(e) => {
                assert_eq!(e.class(), "OperationalError", "{e}");
                failures.push(e.to_string());
                assert!(failures.len() < 20, "still failing: {failures:?}");
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        }
    };
    assert!(written.id.get().is_some_and(|id| id > 0));
    // The promoted server has everything written before the crash and after the promotion.
    let texts: Vec<String> = Entry::objects().values_list_flat(&db, "text").await.expect("read");
    assert_eq!(texts, ["before", "after"]);
}

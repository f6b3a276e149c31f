//! A real primary and a streaming replica (started by the test: `initdb`, `pg_basebackup -R`,
//! `pg_ctl`) behind the built-in primary/replica router: reads go to the replica, writes to the
//! primary, a write sent to the replica is refused as read-only, replication lag is observable,
//! and a read that must see a write waits for the replica to replay it.

#[path = "common/pg_server.rs"]
mod pg_server;

use std::time::Duration;

use djorm::postgres::replication::{current_lsn, replay_lsn, wait_for_replay};
use djorm::prelude::*;
use djorm::sql::Compiled;
use djorm::{Databases, PrimaryReplicaRouter};
use pg_server::PgServer;

#[derive(Model, Debug, Clone)]
#[djorm(app = "replicated", ordering = ["id"])]
struct Note {
    id: AutoId,
    #[djorm(max_length = 40)]
    text: String,
}

async fn run(db: &Db, sql: &str) {
    db.execute(&Compiled { sql: sql.into(), params: vec![] }).await.unwrap_or_else(|e| panic!("{sql}: {e}"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reads_go_to_a_real_replica_and_writes_to_the_primary() {
    let primary = PgServer::start(
        "primary",
        "true",
        "wal_level = replica\nmax_wal_senders = 4\nhot_standby = on",
        "host replication root 127.0.0.1/32 trust\nhost all all 127.0.0.1/32 trust",
    );
    let replica = PgServer::replica_of(&primary, "replica");
    let url = |server: &PgServer| format!("postgres://root@127.0.0.1:{}/postgres", server.port);
    let (primary_db, replica_db) = (
        djorm::connect(&url(&primary)).await.expect("primary"),
        djorm::connect(&url(&replica)).await.expect("replica"),
    );
    primary_db.create_tables(&[Note::meta()]).await.expect("the table, replicated");
    let db = Databases::new()
        .database("default", primary_db.clone())
        .database("replica", replica_db.clone())
        .router(PrimaryReplicaRouter::new("default", ["replica"]))
        .build()
        .expect("a set");

    // A write goes to the primary; once the replica has replayed it, a read there sees it.
    let (writes, reads) = (primary_db.queries_executed(), replica_db.queries_executed());
    Note::objects().create(&db, Note { text: "first".into(), ..Default::default() }).await.expect("write");
    assert!(
        primary_db.queries_executed() > writes && replica_db.queries_executed() == reads,
        "the write hit the primary"
    );
    let written = current_lsn(&primary_db).await.expect("the primary's position");
    wait_for_replay(&replica_db, written, Duration::from_secs(10)).await.expect("the replica catches up");
    assert_eq!(Note::objects().count(&db).await.expect("count"), 1);
    assert!(replica_db.queries_executed() > reads, "the read hit the replica");

    // The replica refuses writes with PostgreSQL's read-only error.
    let err = Note::objects().using("replica").create(&db, Note { text: "x".into(), ..Default::default() }).await;
    let err = err.expect_err("a replica is read-only");
    assert!(
        err.to_string().contains("read-only transaction") && err.to_string().contains("send writes to the primary"),
        "{err}"
    );

    // Lag made visible: with replay paused, a new write is ahead of the replica, reads there
    // do not see it, and waiting for it times out naming the distance; resumed, it arrives.
    run(&replica_db, "SELECT pg_wal_replay_pause()").await;
    // A pause is a request: wait until replay has actually stopped.
    let state = Compiled { sql: "SELECT pg_get_wal_replay_pause_state()".into(), params: vec![] };
    for _ in 0..500 {
        let rows = replica_db.fetch(&state, &[djorm::ValueKind::String]).await.expect("pause state");
        if rows.values == [Value::String("paused".into())] {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    Note::objects().create(&db, Note { text: "second".into(), ..Default::default() }).await.expect("write");
    let written = current_lsn(&primary_db).await.expect("position");
    let replayed = replay_lsn(&replica_db).await.expect("replay position").expect("a replica");
    assert!(written.bytes_after(replayed) > 0, "the replica is behind: {replayed} < {written}");
    assert_eq!(Note::objects().count(&db).await.expect("count"), 1, "the replica has not replayed the write");
    let err = wait_for_replay(&replica_db, written, Duration::from_millis(200)).await.expect_err("still paused");
    assert!(matches!(err, djorm::Error::Timeout { .. }) && err.to_string().contains("bytes behind"), "{err}");
    run(&replica_db, "SELECT pg_wal_replay_resume()").await;
    wait_for_replay(&replica_db, written, Duration::from_secs(10)).await.expect("replayed");
    assert_eq!(Note::objects().count(&db).await.expect("count"), 2);
    assert_eq!(replay_lsn(&primary_db).await.expect("a query"), None, "the primary replays nothing");
}

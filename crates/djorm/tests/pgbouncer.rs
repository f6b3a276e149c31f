//! Behind pgbouncer in transaction mode (`pool_mode = transaction`), with two server
//! connections shared by many client connections: `transaction_pooling=true` sends each
//! statement as one unnamed, typed round trip and no startup options, so queries, writes,
//! transactions and `iterator()` all work; without it, connecting fails with an error that names
//! the setting, instead of a random "prepared statement does not exist" later.

#[path = "common/pgbouncer.rs"]
mod pgbouncer;

use djorm::prelude::*;
use djorm::testing::TestDatabase;
use futures_util::StreamExt;
use pgbouncer::PgBouncer;

#[derive(Model, Debug, Clone)]
#[djorm(app = "bouncer", ordering = ["id"])]
struct Item {
    id: AutoId,
    #[djorm(max_length = 40)]
    name: String,
    n: i32,
    at: Option<DateTime<Utc>>,
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn transaction_pooling_works_through_pgbouncer_in_transaction_mode() {
    let bouncer = PgBouncer::start(2);
    let test_db = TestDatabase::new("postgresql", &[Item::meta()]).await.expect("a test database");
    let name = test_db.url().expect("url").rsplit('/').next().expect("name").to_owned();

    // The default mode sends the timeouts as startup options: pgbouncer refuses them, and the
    // error says what to set.
    let err = djorm::connect(&bouncer.url(&name, "?transaction_pooling=false"))
        .await
        .expect_err("startup options are refused");
    assert!(err.to_string().contains("set transaction_pooling=true"), "{err}");

    let db = djorm::connect(&bouncer.url(&name, "?transaction_pooling=true&pool_size=8")).await.expect("connects");
    // 32 tasks, 8 client connections, 2 server connections: every statement may land on a
    // server connection another client used last, which named statements would not survive.
    let mut tasks = Vec::new();
    for t in 0..32 {
        let db = db.clone();
        tasks.push(tokio::spawn(async move {
            for i in 0..10 {
                let item = Item { name: format!("t{t}-{i}"), n: i, at: Some(Utc::now()), ..Default::default() };
                let item = Item::objects().create(&db, item).await?;
                let got = Item::objects().get(&db, Q::new("pk", item.id)).await?;
                assert_eq!(got.name, item.name);
                Item::objects().filter(Q::new("pk", item.id)).update(&db, [("n", F("n") + 100)]).await?;
            }
            Ok::<_, djorm::Error>(())
        }));
    }
    for task in tasks {
        task.await.expect("the task").expect("every statement succeeded");
    }
    assert_eq!(Item::objects().count(&db).await.expect("count"), 320);
    assert_eq!(Item::objects().filter(Q::new("n__gte", 100)).count(&db).await.expect("count"), 320);
    let some = Item::objects()
        .filter(Q::new("name__in", djorm::Rhs::List(vec!["t0-0".into(), "t1-1".into()])))
        .count(&db)
        .await
        .expect("in");
    assert_eq!(some, 2);

    // A transaction keeps its server connection until it ends; a failed one rolls back.
    let kept = db
        .atomic(|tx| async move {
            Item::objects().filter(Q::new("name__startswith", "t0-")).delete(&tx).await?;
            Item::objects().count(&tx).await
        })
        .await
        .expect("a transaction");
    assert_eq!(kept, 310);
    let failed: djorm::Result<()> = db
        .atomic(|tx| async move {
            Item::objects().filter(Q::all()).delete(&tx).await?;
            Err(djorm::Error::InvalidQuery("changed my mind".into()))
        })
        .await;
    assert!(failed.is_err());
    assert_eq!(Item::objects().count(&db).await.expect("count"), 310, "rolled back");

    // iterator(): a cursor in a transaction of its own, fetched in chunks.
    let streamed: Vec<_> = Item::objects().iterator(&db).await.expect("a cursor").collect().await;
    assert_eq!(streamed.len(), 310);
    assert!(streamed.iter().all(|r| r.is_ok()));
}

/// An `iterator()` dropped halfway cancels its FETCH on the server and closes its connection.
/// The cancel request waits for pgbouncer to act on it before closing its socket, as libpq's
/// does: closing it first (what tokio-postgres does) crashed Debian's pgbouncer 1.18 ("FATAL in
/// disconnect_client(): bad client state: 0"), taking every client connection down with it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn iterators_dropped_halfway_through_pgbouncer_cancel_without_bringing_it_down() {
    let bouncer = PgBouncer::start(4);
    let test_db = TestDatabase::new("postgresql", &[Item::meta()]).await.expect("a test database");
    let name = test_db.url().expect("url").rsplit('/').next().expect("name").to_owned();
    let db = djorm::connect(&bouncer.url(&name, "?transaction_pooling=true&pool_size=32")).await.expect("connects");
    let items = (0..5_000).map(|n| Item { name: format!("item {n}"), n, ..Default::default() }).collect::<Vec<_>>();
    Item::objects().bulk_create(&db, items).await.expect("rows to stream");

    // 32 tasks, each dropping eight iterators after their first row: 256 cancel requests, many
    // at once.
    let mut tasks = Vec::new();
    for _ in 0..32 {
        let db = db.clone();
        tasks.push(tokio::spawn(async move {
            for _ in 0..8 {
                let mut rows = Item::objects().iterator(&db).await?;
                let first = rows.next().await.expect("a first row")?;
                assert_eq!(first.n, 0);
            }
            Ok::<_, djorm::Error>(())
        }));
    }
    for task in tasks {
        task.await.expect("the task").expect("every iterator started");
    }
    // The cancel requests run in the background, each within 5 s.
    tokio::time::sleep(std::time::Duration::from_secs(2)).await;
    assert!(!bouncer.log().contains("FATAL"), "pgbouncer crashed:\n{}", bouncer.log());
    let fresh = djorm::connect(&bouncer.url(&name, "?transaction_pooling=true")).await.expect("pgbouncer still serves");
    assert_eq!(Item::objects().count(&fresh).await.expect("a count through pgbouncer"), 5_000);
}

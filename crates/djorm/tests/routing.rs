//! Several databases and Django's routers, on every backend: each alias is a test database of its
//! own, so where a row lands shows where a query went.

use std::time::Duration;

use djorm::prelude::*;
use djorm::testing::{test_backends, TestDatabase};
use djorm::{Databases, Hints, ModelMeta, PrimaryReplicaRouter, Router};

#[derive(Model, Debug, Clone)]
#[djorm(app = "shop", ordering = ["id"])]
struct Order {
    id: AutoId,
    #[djorm(max_length = 20)]
    region: String,
}

#[derive(Model, Debug, Clone)]
#[djorm(app = "analytics", ordering = ["id"])]
struct Event {
    id: AutoId,
    #[djorm(max_length = 20)]
    name: String,
}

/// Test databases with both tables, one per alias.
async fn databases(backend: &'static str, aliases: &[&str]) -> Vec<(String, TestDatabase)> {
    let mut out = Vec::new();
    for alias in aliases {
        let test_db = TestDatabase::new(backend, &[Order::meta(), Event::meta()]).await.expect("a test database");
        out.push(((*alias).to_owned(), test_db));
    }
    out
}

fn set(dbs: &[(String, TestDatabase)]) -> Databases {
    dbs.iter().fold(Databases::new(), |set, (alias, t)| set.database(alias.clone(), t.db().clone()))
}

/// How many orders the database `alias` holds, asked of it directly.
async fn orders_in(dbs: &[(String, TestDatabase)], alias: &str) -> u64 {
    let db = &dbs.iter().find(|(a, _)| a == alias).expect("alias").1;
    Order::objects().count(db.db()).await.expect("count")
}

/// Sends the analytics app to its own database, as Django's docs' app router does.
struct AppRouter;

impl Router for AppRouter {
    fn db_for_read(&self, model: &'static ModelMeta, _: &Hints<'_>) -> Option<String> {
        (model.app_label == "analytics").then(|| "analytics".to_owned())
    }
    fn db_for_write(&self, model: &'static ModelMeta, hints: &Hints<'_>) -> Option<String> {
        self.db_for_read(model, hints)
    }
    fn allow_migrate(&self, db: &str, app_label: &str, _: Option<&str>) -> Option<bool> {
        Some((app_label == "analytics") == (db == "analytics"))
    }
}

/// Sends each order to the database of its region, from the instance Django passes as a hint.
struct RegionRouter;

impl Router for RegionRouter {
    fn db_for_write(&self, _: &'static ModelMeta, hints: &Hints<'_>) -> Option<String> {
        let order = hints.instance?.downcast_ref::<Order>()?;
        (order.region == "eu").then(|| "eu".to_owned())
    }
}

tokio::task_local! {
    static TENANT: &'static str;
}

/// Sharding by tenant: every query goes to the current tenant's database.
struct TenantRouter;

impl Router for TenantRouter {
    fn db_for_read(&self, _: &'static ModelMeta, _: &Hints<'_>) -> Option<String> {
        TENANT.try_with(|t| format!("tenant_{t}")).ok()
    }
    fn db_for_write(&self, model: &'static ModelMeta, hints: &Hints<'_>) -> Option<String> {
        self.db_for_read(model, hints)
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn routers_and_using_choose_the_database() {
    for backend in test_backends() {
        let dbs = databases(backend, &["default", "analytics", "eu"]).await;
        let db = set(&dbs).router(AppRouter).router(RegionRouter).build().expect("a set");

        // The app router sends analytics models to their database; the others stay on default.
        Event::objects().create(&db, Event { name: "signup".into(), ..Default::default() }).await.expect("event");
        assert_eq!(Event::objects().count(&db).await.expect("count"), 1, "{backend}");
        let analytics = &dbs[1].1;
        assert_eq!(Event::objects().count(analytics.db()).await.expect("count"), 1, "{backend}: written there");
        assert_eq!(Event::objects().count(dbs[0].1.db()).await.expect("count"), 0, "{backend}: not on default");

        // The second router sees the instance being saved.
        for region in ["eu", "us", "eu"] {
            Order::objects().create(&db, Order { region: region.into(), ..Default::default() }).await.expect("order");
        }
        assert_eq!((orders_in(&dbs, "eu").await, orders_in(&dbs, "default").await), (2, 1), "{backend}");

        // using() names the database, on a QuerySet or on the handle.
        assert_eq!(Order::objects().using("eu").count(&db).await.expect("count"), 2);
        assert_eq!(Order::objects().count(&db.using("eu").expect("eu")).await.expect("count"), 2);
        Order::objects()
            .using("eu")
            .filter(Q::new("region", "eu"))
            .update(&db, [("region", "EU")])
            .await
            .expect("update");
        let regions: Vec<String> = Order::objects().using("eu").values_list_flat(&db, "region").await.expect("regions");
        assert_eq!(regions, ["EU", "EU"]);
        let err = Order::objects().using("nowhere").count(&db).await.expect_err("no such alias");
        assert_eq!(err.to_string(), "The connection 'nowhere' doesn't exist.");
        assert!(db.using("nowhere").is_err());

        // allow_migrate: analytics only on its database.
        let on = |alias: &str| db.using(alias).expect("alias");
        assert!(on("analytics").allow_migrate("analytics", Some("Event")));
        assert!(!on("default").allow_migrate("analytics", Some("Event")));
        assert!(on("default").allow_migrate("shop", None));
        assert!(Databases::new().database("replica", dbs[0].1.db().clone()).build().is_err(), "no default");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_primary_replica_router_reads_from_replicas_and_writes_to_the_primary() {
    for backend in test_backends() {
        let dbs = databases(backend, &["default", "replica"]).await;
        let router = PrimaryReplicaRouter::new("default", ["replica"]).read_your_writes(Duration::from_millis(400));
        let db = set(&dbs).router(router).build().expect("a set");
        // Rows only the "replica" has (no replication between test databases: where a row is
        // read from shows which database answered).
        let replica = dbs[1].1.db();
        Order::objects().create(replica, Order { region: "replica".into(), ..Default::default() }).await.expect("row");

        let regions = || async { Order::objects().values_list_flat::<String>(&db, "region").await.expect("read") };
        assert_eq!(regions().await, ["replica"], "{backend}: reads go to the replica");

        // Another task writes: the write lands on the primary, and that task reads its own
        // write there during the window; this task keeps reading the replica.
        let writer_db = db.clone();
        let seen_by_writer = tokio::spawn(async move {
            Order::objects().create(&writer_db, Order { region: "primary".into(), ..Default::default() }).await?;
            Order::objects().values_list_flat::<String>(&writer_db, "region").await
        })
        .await
        .expect("the task")
        .expect("write then read");
        assert_eq!(seen_by_writer, ["primary"], "{backend}: read your writes");
        assert_eq!(regions().await, ["replica"], "{backend}: other tasks still read the replica");
        assert_eq!(orders_in(&dbs, "default").await, 1, "{backend}: the write went to the primary");

        // This task writes: for the window it reads the primary, then the replica again.
        Order::objects().create(&db, Order { region: "primary".into(), ..Default::default() }).await.expect("row");
        assert_eq!(regions().await, ["primary", "primary"]);
        tokio::time::sleep(Duration::from_millis(500)).await;
        assert_eq!(regions().await, ["replica"]);

        // Inside a transaction every query goes to the primary.
        let inside = db
            .atomic(|tx| async move { Order::objects().values_list_flat::<String>(&tx, "region").await })
            .await
            .expect("a transaction");
        assert_eq!(inside, ["primary", "primary"], "{backend}");
        // Only the primary migrates.
        assert!(db.allow_migrate("shop", None) && !db.using("replica").expect("replica").allow_migrate("shop", None));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tenant_router_shards_by_the_current_tenant() {
    for backend in test_backends() {
        let dbs = databases(backend, &["default", "tenant_a", "tenant_b"]).await;
        let db = set(&dbs).router(TenantRouter).build().expect("a set");
        for (tenant, n) in [("a", 2), ("b", 1)] {
            let db = db.clone();
            TENANT
                .scope(tenant, async move {
                    for _ in 0..n {
                        Order::objects().create(&db, Order { region: tenant.into(), ..Default::default() }).await?;
                    }
                    Ok::<_, djorm::Error>(())
                })
                .await
                .expect("writes");
        }
        assert_eq!(orders_in(&dbs, "tenant_a").await, 2, "{backend}");
        assert_eq!(orders_in(&dbs, "tenant_b").await, 1, "{backend}");
        assert_eq!(orders_in(&dbs, "default").await, 0, "{backend}: no tenant, no row");
        let seen = TENANT.scope("b", Order::objects().values_list_flat::<String>(&db, "region")).await.expect("read");
        assert_eq!(seen, ["b"]);
    }
}

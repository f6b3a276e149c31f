//! The pool workload: 64 tasks share 16 connections and each gets 100 users by key, through
//! djorm's own pool and through each peer's: deadpool-postgres with raw tokio-postgres
//! (statements cached per connection), SQLx's `PgPool`, diesel-async on its deadpool pool, and
//! SeaORM on its SQLx pool. No side pings a connection before lending it out.

use std::sync::Arc;

use djorm::prelude::*;

use super::{bench_config, diesel_side, sea_orm_side, sql, sqlx_side, RawUser, Side, User, ROWS};

/// Concurrent tasks and connections per pool.
pub(super) const TASKS: usize = 64;
pub(super) const CONNECTIONS: usize = 16;
/// Gets each task makes.
const GETS_PER_TASK: i64 = 100;

/// Each side's pool of [`CONNECTIONS`].
pub(super) struct Pools {
    djorm: Db,
    deadpool: deadpool_postgres::Pool,
    sqlx: sqlx::PgPool,
    diesel: diesel_side::Pool,
    sea_orm: sea_orm::DatabaseConnection,
}

pub(super) async fn connect() -> Arc<Pools> {
    let djorm = djorm::Db::new(Arc::new(
        djorm::postgres::PgBackend::from_config(bench_config(), CONNECTIONS).await.expect("djorm connects"),
    ));
    let manager = deadpool_postgres::Manager::from_config(
        bench_config(),
        tokio_postgres::NoTls,
        deadpool_postgres::ManagerConfig { recycling_method: deadpool_postgres::RecyclingMethod::Fast },
    );
    let deadpool = deadpool_postgres::Pool::builder(manager).max_size(CONNECTIONS).build().expect("deadpool");
    Arc::new(Pools {
        djorm,
        deadpool,
        sqlx: sqlx_side::pool(CONNECTIONS as u32).await,
        diesel: diesel_side::pool(CONNECTIONS),
        sea_orm: sea_orm_side::pool(CONNECTIONS as u32).await,
    })
}

/// One task's gets on `side`, starting at key `first`.
async fn task(pools: &Pools, side: Side, first: i64) {
    for n in 0..GETS_PER_TASK {
        let key = (first + n) % ROWS + 1;
        match side {
            Side::Djorm => {
                std::hint::black_box(User::objects().get(&pools.djorm, q!(User, id = key)).await.expect("get"));
            }
            Side::TokioPostgres => {
                let client = pools.deadpool.get().await.expect("checkout");
                let statement = client.prepare_cached(sql::GET).await.expect("prepare");
                let row = client.query_one(&statement, &[&key]).await.expect("get");
                let u = RawUser {
                    id: row.get(0),
                    name: row.get(1),
                    email: row.get(2),
                    age: row.get(3),
                    active: row.get(4),
                };
                std::hint::black_box(u);
            }
            Side::Sqlx => sqlx_side::get_one(&pools.sqlx, key).await,
            Side::Diesel => diesel_side::pooled_get(&pools.diesel, key).await,
            Side::SeaOrm => sea_orm_side::get_one(&pools.sea_orm, key).await,
        }
    }
}

/// [`TASKS`] tasks at once on `side`'s pool, until all are done.
pub(super) async fn run(pools: &Arc<Pools>, side: Side) {
    let tasks: Vec<_> = (0..TASKS)
        .map(|t| {
            let pools = Arc::clone(pools);
            tokio::spawn(async move { task(&pools, side, t as i64 * 997).await })
        })
        .collect();
    for t in tasks {
        t.await.expect("task");
    }
}

//! The SQLx side: the same SQL text as the raw driver (`super::sql`), run as SQLx users write it
//! (`sqlx::query(..).bind(..).fetch_all(&pool)`), rows mapped by hand with `Row::get`.

use std::str::FromStr;

use sqlx::Row as _;

use super::{
    admin_url, group_prefetched, new_users, sql, JoinedArticle, JoinedWriter, RawArticle, RawNote, RawUser, RawWriter,
    Setup, DB_NAME, ROWS,
};

/// A one-connection pool on the bench database. No ping before each checkout (SQLx's default
/// sends one, a round trip per query): djorm's pool recycles without one and the raw side has no
/// pool, so this keeps the sides alike.
pub(super) async fn connect() -> sqlx::PgPool {
    let options = sqlx::postgres::PgConnectOptions::from_str(&admin_url())
        .expect("valid DJORM_TEST_POSTGRES_URL")
        .database(DB_NAME);
    sqlx::postgres::PgPoolOptions::new()
        .max_connections(1)
        .test_before_acquire(false)
        .connect_with(options)
        .await
        .expect("sqlx connects")
}

/// A pool of `size` connections, for the pool workload (no ping per checkout either).
pub(super) async fn pool(size: u32) -> sqlx::PgPool {
    let options = sqlx::postgres::PgConnectOptions::from_str(&admin_url())
        .expect("valid DJORM_TEST_POSTGRES_URL")
        .database(DB_NAME);
    sqlx::postgres::PgPoolOptions::new()
        .max_connections(size)
        .test_before_acquire(false)
        .connect_with(options)
        .await
        .expect("sqlx connects")
}

/// One get by key on `pool`.
pub(super) async fn get_one(pool: &sqlx::PgPool, key: i64) {
    let row = sqlx::query(sql::GET).bind(key).fetch_one(pool).await.expect("get");
    let u = RawUser { id: row.get(0), name: row.get(1), email: row.get(2), age: row.get(3), active: row.get(4) };
    std::hint::black_box(u);
}

/// `raw_get` through SQLx: one `fetch_one` per key.
pub(super) async fn get(s: &Setup) {
    for i in 1..=1000i64 {
        let row = sqlx::query(sql::GET).bind(i).fetch_one(&s.sqlx).await.expect("get");
        let u = RawUser { id: row.get(0), name: row.get(1), email: row.get(2), age: row.get(3), active: row.get(4) };
        std::hint::black_box(u);
    }
}

/// `raw_select` through SQLx: one `fetch_all`, rows mapped into `RawUser`.
pub(super) async fn select(s: &Setup) {
    let rows = sqlx::query(sql::SELECT).fetch_all(&s.sqlx).await.expect("query");
    let users: Vec<RawUser> = rows
        .iter()
        .map(|row| RawUser { id: row.get(0), name: row.get(1), email: row.get(2), age: row.get(3), active: row.get(4) })
        .collect();
    assert_eq!(users.len(), ROWS as usize);
    std::hint::black_box(users);
}

/// `raw_insert` through SQLx: the same 100-row VALUES statement, its 400 parameters bound one by
/// one, the returned ids fetched.
pub(super) async fn insert(s: &Setup) {
    let users = new_users();
    let mut query = sqlx::query(&s.insert_sql);
    for u in &users {
        query = query.bind(&u.name).bind(&u.email).bind(u.age).bind(u.active);
    }
    std::hint::black_box(query.fetch_all(&s.sqlx).await.expect("insert"));
}

/// `raw_prefetch` through SQLx: the same three queries, the keys bound as `Vec<i64>` arrays.
pub(super) async fn prefetch(s: &Setup) {
    let writers: Vec<RawWriter> = sqlx::query(sql::WRITERS)
        .fetch_all(&s.sqlx)
        .await
        .expect("writers")
        .iter()
        .map(|r| RawWriter { id: r.get(0), _name: r.get(1), articles: Vec::new() })
        .collect();
    let ids: Vec<i64> = writers.iter().map(|w| w.id).collect();
    let articles: Vec<(i64, RawArticle)> = sqlx::query(sql::ARTICLES)
        .bind(&ids)
        .fetch_all(&s.sqlx)
        .await
        .expect("articles")
        .iter()
        .map(|r| (r.get(1), RawArticle { id: r.get(0), _title: r.get(2), notes: Vec::new() }))
        .collect();
    let article_ids: Vec<i64> = articles.iter().map(|(_, a)| a.id).collect();
    let mut notes_by_article: std::collections::HashMap<i64, Vec<RawNote>> = std::collections::HashMap::new();
    for r in sqlx::query(sql::NOTES).bind(&article_ids).fetch_all(&s.sqlx).await.expect("notes") {
        notes_by_article.entry(r.get(1)).or_default().push(RawNote { _id: r.get(0), _body: r.get(2) });
    }
    let writers = group_prefetched(writers, articles, notes_by_article);
    assert_eq!(writers.len(), 100);
    std::hint::black_box(writers);
}

/// `raw_join` through SQLx: one `fetch_all`, each row into an article and its writer.
pub(super) async fn join(s: &Setup) {
    let rows: Vec<JoinedArticle> = sqlx::query(sql::JOIN)
        .fetch_all(&s.sqlx)
        .await
        .expect("join")
        .iter()
        .map(|r| JoinedArticle {
            _id: r.get(0),
            _writer_id: r.get(1),
            _title: r.get(2),
            _writer: JoinedWriter { _id: r.get(3), _name: r.get(4) },
        })
        .collect();
    assert_eq!(rows.len(), 500);
    std::hint::black_box(rows);
}

/// `raw_left_join` through SQLx: the titles of writers without articles come back NULL.
pub(super) async fn left_join(s: &Setup) {
    let rows: Vec<(String, Option<String>)> = sqlx::query(sql::LEFT_JOIN)
        .fetch_all(&s.sqlx)
        .await
        .expect("left join")
        .iter()
        .map(|r| (r.get(0), r.get(1)))
        .collect();
    assert_eq!(rows.len(), 500);
    std::hint::black_box(rows);
}

//! The Diesel side: its schema, its row structs, and the workloads written with its query DSL,
//! run through diesel-async on one `AsyncPgConnection`.

use diesel::prelude::*;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};

use super::{group_prefetched, new_users, RawArticle, RawNote, RawWriter, Setup, ROWS};

/// Diesel's schema for the four tables, as `diesel print-schema` writes it for the columns the
/// djorm models create (`AutoId` and the foreign keys are bigint).
mod schema {
    diesel::table! {
        /// djorm's `User`.
        bench_user (id) {
            id -> Int8,
            #[max_length = 100]
            name -> Varchar,
            #[max_length = 254]
            email -> Varchar,
            age -> Int4,
            active -> Bool,
        }
    }

    diesel::table! {
        /// djorm's `Writer`.
        bench_author (id) {
            id -> Int8,
            #[max_length = 100]
            name -> Varchar,
        }
    }

    diesel::table! {
        /// djorm's `Article`.
        bench_article (id) {
            id -> Int8,
            writer_id -> Int8,
            #[max_length = 200]
            title -> Varchar,
        }
    }

    diesel::table! {
        /// djorm's `Note`.
        bench_note (id) {
            id -> Int8,
            article_id -> Int8,
            body -> Text,
        }
    }

    diesel::joinable!(bench_article -> bench_author (writer_id));
    diesel::joinable!(bench_note -> bench_article (article_id));
    diesel::allow_tables_to_appear_in_same_query!(bench_user, bench_author, bench_article, bench_note);
}

use schema::{bench_article, bench_author, bench_note, bench_user};

/// A `bench_user` row as Diesel loads it: `RawUser`'s fields.
#[allow(dead_code)]
#[derive(Queryable, Selectable)]
#[diesel(table_name = bench_user, check_for_backend(diesel::pg::Pg))]
struct User {
    id: i64,
    name: String,
    email: String,
    age: i32,
    active: bool,
}

/// A `bench_user` row as Diesel inserts it, borrowing from `new_users()` as the raw side's
/// parameters do.
#[derive(Insertable)]
#[diesel(table_name = bench_user)]
struct NewUser<'a> {
    name: &'a str,
    email: &'a str,
    age: i32,
    active: bool,
}

/// A `bench_author` row as Diesel loads it.
#[derive(Queryable, Selectable)]
#[diesel(table_name = bench_author, check_for_backend(diesel::pg::Pg))]
struct Writer {
    id: i64,
    name: String,
}

/// A `bench_article` row as Diesel loads it.
#[derive(Queryable, Selectable)]
#[diesel(table_name = bench_article, check_for_backend(diesel::pg::Pg))]
struct Article {
    id: i64,
    writer_id: i64,
    title: String,
}

/// A `bench_note` row as Diesel loads it.
#[derive(Queryable, Selectable)]
#[diesel(table_name = bench_note, check_for_backend(diesel::pg::Pg))]
struct Note {
    id: i64,
    article_id: i64,
    body: String,
}

/// Diesel's connection to the bench database, by URL.
pub async fn connect() -> AsyncPgConnection {
    AsyncPgConnection::establish(&super::bench_url()).await.expect("diesel connects")
}

/// `raw_get` through Diesel: `find(id).first()` per key.
pub async fn get(s: &Setup) {
    let mut conn = s.diesel.lock().await;
    for i in 1..=1000i64 {
        let u: User = bench_user::table.find(i).select(User::as_select()).first(&mut *conn).await.expect("get");
        std::hint::black_box(u);
    }
}

/// `raw_select` through Diesel: `order(id).limit(10000).load()`.
pub async fn select(s: &Setup) {
    let mut conn = s.diesel.lock().await;
    let users: Vec<User> = bench_user::table
        .order(bench_user::id)
        .limit(ROWS)
        .select(User::as_select())
        .load(&mut *conn)
        .await
        .expect("query");
    assert_eq!(users.len(), ROWS as usize);
    std::hint::black_box(users);
}

/// `raw_prefetch` through Diesel: the same three levels, `filter(key.eq_any(ids))` for the
/// two below the writers, grouped as the raw side groups them.
pub async fn prefetch(s: &Setup) {
    let mut conn = s.diesel.lock().await;
    let writers: Vec<Writer> = bench_author::table
        .order(bench_author::id)
        .select(Writer::as_select())
        .load(&mut *conn)
        .await
        .expect("writers");
    let ids: Vec<i64> = writers.iter().map(|w| w.id).collect();
    let articles: Vec<Article> = bench_article::table
        .filter(bench_article::writer_id.eq_any(&ids))
        .select(Article::as_select())
        .load(&mut *conn)
        .await
        .expect("articles");
    let article_ids: Vec<i64> = articles.iter().map(|a| a.id).collect();
    let notes: Vec<Note> = bench_note::table
        .filter(bench_note::article_id.eq_any(&article_ids))
        .select(Note::as_select())
        .load(&mut *conn)
        .await
        .expect("notes");
    drop(conn);
    let writers: Vec<RawWriter> =
        writers.into_iter().map(|w| RawWriter { id: w.id, _name: w.name, articles: Vec::new() }).collect();
    let articles: Vec<(i64, RawArticle)> = articles
        .into_iter()
        .map(|a| (a.writer_id, RawArticle { id: a.id, _title: a.title, notes: Vec::new() }))
        .collect();
    let mut notes_by_article: std::collections::HashMap<i64, Vec<RawNote>> = std::collections::HashMap::new();
    for n in notes {
        notes_by_article.entry(n.article_id).or_default().push(RawNote { _id: n.id, _body: n.body });
    }
    let writers = group_prefetched(writers, articles, notes_by_article);
    assert_eq!(writers.len(), 100);
    std::hint::black_box(writers);
}

/// `raw_join` through Diesel: `inner_join`, each row into an article and its writer.
pub async fn join(s: &Setup) {
    let mut conn = s.diesel.lock().await;
    let rows: Vec<(Article, Writer)> = bench_article::table
        .inner_join(bench_author::table)
        .order(bench_article::id)
        .select((Article::as_select(), Writer::as_select()))
        .load(&mut *conn)
        .await
        .expect("join");
    assert_eq!(rows.len(), 500);
    std::hint::black_box(rows);
}

/// `raw_left_join` through Diesel: `left_join`, selecting `(name, title.nullable())`.
pub async fn left_join(s: &Setup) {
    let mut conn = s.diesel.lock().await;
    let rows: Vec<(String, Option<String>)> = bench_author::table
        .left_join(bench_article::table)
        .order(bench_author::id)
        .select((bench_author::name, bench_article::title.nullable()))
        .load(&mut *conn)
        .await
        .expect("left join");
    assert_eq!(rows.len(), 500);
    std::hint::black_box(rows);
}

/// `raw_insert` through Diesel: `insert_into(..).values(&rows).returning(id).get_results()`,
/// one statement of 100 rows. Diesel's statement cache skips a batch insert from a `Vec`, so
/// it is prepared afresh on every call (a round trip the other sides save).
pub async fn insert(s: &Setup) {
    let users = new_users();
    let rows: Vec<NewUser<'_>> =
        users.iter().map(|u| NewUser { name: &u.name, email: &u.email, age: u.age, active: u.active }).collect();
    let mut conn = s.diesel.lock().await;
    let ids: Vec<i64> = diesel::insert_into(bench_user::table)
        .values(&rows)
        .returning(bench_user::id)
        .get_results(&mut *conn)
        .await
        .expect("insert");
    std::hint::black_box(ids);
}

/// diesel-async's deadpool pool, for the pool workload.
pub type Pool = diesel_async::pooled_connection::deadpool::Pool<AsyncPgConnection>;

/// A pool of `size` connections on the bench database.
pub fn pool(size: usize) -> Pool {
    let manager =
        diesel_async::pooled_connection::AsyncDieselConnectionManager::<AsyncPgConnection>::new(super::bench_url());
    Pool::builder(manager).max_size(size).build().expect("diesel pool")
}

/// One get by key on a connection checked out of `pool`.
pub async fn pooled_get(pool: &Pool, key: i64) {
    let mut conn = pool.get().await.expect("checkout");
    let u: User = bench_user::table.find(key).select(User::as_select()).first(&mut *conn).await.expect("get");
    std::hint::black_box(u);
}

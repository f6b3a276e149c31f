//! The other ORMs on SQLite, used as their users write them: Diesel (sync `SqliteConnection`,
//! `table!` schema, the query DSL) and SQLx (`sqlx::query(..).bind(..)` on a one-connection
//! `SqlitePool`, rows mapped by hand), on the same file and table as djorm and rusqlite.

use diesel::prelude::*;
use sqlx::Row as _;

use super::{RawUser, GET, ROWS, SELECT};

mod schema {
    diesel::table! {
        /// djorm's `User` on SQLite.
        bench_user (id) {
            id -> BigInt,
            name -> Text,
            email -> Text,
            age -> Integer,
            active -> Bool,
        }
    }
}

use schema::bench_user;

/// A `bench_user` row as Diesel loads it.
#[derive(Queryable, Selectable, Debug)]
#[diesel(table_name = bench_user)]
#[diesel(check_for_backend(diesel::sqlite::Sqlite))]
#[allow(dead_code)]
pub struct User {
    id: i64,
    name: String,
    email: String,
    age: i32,
    active: bool,
}

/// A new `bench_user` row.
#[derive(Insertable)]
#[diesel(table_name = bench_user)]
struct NewUser {
    name: String,
    email: String,
    age: i32,
    active: bool,
}

/// Diesel's connection on the bench file.
pub fn diesel_connect(path: &std::path::Path) -> SqliteConnection {
    let mut conn = SqliteConnection::establish(&path.display().to_string()).expect("diesel opens");
    diesel::sql_query("PRAGMA busy_timeout = 5000").execute(&mut conn).expect("busy timeout");
    conn
}

/// get by key ×1000 through Diesel.
pub fn diesel_get(conn: &mut SqliteConnection) {
    for i in 1..=1000i64 {
        let u: User = bench_user::table.find(i).select(User::as_select()).first(conn).expect("get");
        std::hint::black_box(u);
    }
}

/// 10,000 rows into structs through Diesel.
pub fn diesel_select(conn: &mut SqliteConnection) {
    let users: Vec<User> =
        bench_user::table.order(bench_user::id).limit(ROWS).select(User::as_select()).load(conn).expect("select");
    assert_eq!(users.len(), ROWS as usize);
    std::hint::black_box(users);
}

/// 100 rows in one statement through Diesel, keys returned.
pub fn diesel_insert(conn: &mut SqliteConnection) {
    let rows: Vec<NewUser> = (0..100)
        .map(|i| NewUser { name: format!("new {i}"), email: format!("new{i}@example.com"), age: 30, active: true })
        .collect();
    let ids: Vec<i64> = diesel::insert_into(bench_user::table)
        .values(&rows)
        .returning(bench_user::id)
        .get_results(conn)
        .expect("insert");
    std::hint::black_box(ids);
}

/// SQLx's one-connection pool on the bench file.
pub async fn sqlx_connect(path: &std::path::Path) -> sqlx::SqlitePool {
    let options = sqlx::sqlite::SqliteConnectOptions::new()
        .filename(path)
        .journal_mode(sqlx::sqlite::SqliteJournalMode::Wal)
        .busy_timeout(std::time::Duration::from_secs(5));
    sqlx::sqlite::SqlitePoolOptions::new().max_connections(1).connect_with(options).await.expect("sqlx opens")
}

fn sqlx_user(row: &sqlx::sqlite::SqliteRow) -> RawUser {
    RawUser { id: row.get(0), name: row.get(1), email: row.get(2), age: row.get(3), active: row.get(4) }
}

/// get by key ×1000 through SQLx.
pub async fn sqlx_get(pool: &sqlx::SqlitePool) {
    for i in 1..=1000i64 {
        let row = sqlx::query(GET).bind(i).fetch_one(pool).await.expect("get");
        std::hint::black_box(sqlx_user(&row));
    }
}

/// 10,000 rows into structs through SQLx.
pub async fn sqlx_select(pool: &sqlx::SqlitePool) {
    let rows = sqlx::query(SELECT).fetch_all(pool).await.expect("select");
    let users: Vec<RawUser> = rows.iter().map(sqlx_user).collect();
    assert_eq!(users.len(), ROWS as usize);
    std::hint::black_box(users);
}

/// 100 rows in one statement through SQLx, keys returned.
pub async fn sqlx_insert(pool: &sqlx::SqlitePool, sql: &str) {
    let mut query = sqlx::query(sql);
    for i in 0..100 {
        query = query.bind(format!("new {i}")).bind(format!("new{i}@example.com")).bind(30i64).bind(true);
    }
    let ids: Vec<i64> = query.fetch_all(pool).await.expect("insert").iter().map(|r| r.get(0)).collect();
    std::hint::black_box(ids);
}

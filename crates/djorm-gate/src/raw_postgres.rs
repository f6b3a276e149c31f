//! The gate's operations through tokio-postgres by hand: the same statements djorm runs,
//! prepared once, rows mapped into structs. The SQL is written by hand on purpose, as a
//! tokio-postgres user writes it: it is the yardstick djorm's compiler is measured against, so
//! it must not go through that compiler.

use tokio_postgres::{Client, Error, Row};

use crate::raw_rows::{RawArticle, RawUser};
use crate::workloads::{Workload, USERS};

fn raw_user(row: &Row) -> RawUser {
    RawUser { id: row.get(0), name: row.get(1), email: row.get(2), age: row.get(3) }
}

/// Runs `workload` `times` times through tokio-postgres on `client`.
pub async fn run(client: &Client, workload: Workload, times: u64) -> Result<(), Error> {
    let get = client.prepare("SELECT id, name, email, age FROM gate_user WHERE id = $1").await?;
    let filter =
        client.prepare("SELECT id, name, email, age FROM gate_user WHERE age >= $1 ORDER BY id DESC LIMIT 10").await?;
    let join = client
        .prepare(
            "SELECT a.id, a.writer_id, a.title, w.id, w.name FROM gate_article a \
             INNER JOIN gate_writer w ON a.writer_id = w.id WHERE a.id <= $1",
        )
        .await?;
    let every = client.prepare("SELECT id, name, email, age FROM gate_user ORDER BY id").await?;
    let insert = client.prepare("INSERT INTO gate_user (name, email, age) VALUES ($1, $2, $3) RETURNING id").await?;
    for i in 0..times {
        let key = (i as i64 % USERS) + 1;
        match workload {
            Workload::Get => {
                std::hint::black_box(raw_user(&client.query_one(&get, &[&key]).await?));
            }
            Workload::FilterOrderSlice => {
                let users: Vec<RawUser> = client.query(&filter, &[&30i32]).await?.iter().map(raw_user).collect();
                std::hint::black_box(users);
            }
            Workload::SelectRelated => {
                let articles: Vec<RawArticle> = client
                    .query(&join, &[&10i64])
                    .await?
                    .iter()
                    .map(|r| RawArticle {
                        id: r.get(0),
                        writer_id: r.get(1),
                        title: r.get(2),
                        writer: (r.get(3), r.get(4)),
                    })
                    .collect();
                std::hint::black_box(articles);
            }
            Workload::Stream => {
                use futures_util::TryStreamExt;
                let mut rows = std::pin::pin!(client.query_raw(&every, std::iter::empty::<i32>()).await?);
                while let Some(row) = rows.try_next().await? {
                    std::hint::black_box(raw_user(&row));
                }
            }
            Workload::Insert => {
                let id: i64 =
                    client.query_one(&insert, &[&format!("new {i}"), &"new@example.com", &30i32]).await?.get(0);
                std::hint::black_box(id);
            }
        }
    }
    Ok(())
}

//! The gate's operations through rusqlite by hand: the same statements djorm runs, prepared
//! once, rows mapped into structs. The SQL is written by hand on purpose, as a rusqlite user
//! writes it: it is the yardstick djorm's compiler is measured against, so it must not go
//! through that compiler.

use crate::raw_rows::{RawArticle, RawUser};
use crate::workloads::{Workload, USERS};

fn raw_user(row: &rusqlite::Row<'_>) -> rusqlite::Result<RawUser> {
    Ok(RawUser { id: row.get(0)?, name: row.get(1)?, email: row.get(2)?, age: row.get(3)? })
}

/// Runs `workload` `times` times through rusqlite on `conn`.
pub fn run(conn: &rusqlite::Connection, workload: Workload, times: u64) -> rusqlite::Result<()> {
    for i in 0..times {
        let key = (i as i64 % USERS) + 1;
        match workload {
            Workload::Get => {
                let mut statement = conn.prepare_cached("SELECT id, name, email, age FROM gate_user WHERE id = ?1")?;
                std::hint::black_box(statement.query_row([key], raw_user)?);
            }
            Workload::FilterOrderSlice => {
                let mut statement = conn.prepare_cached(
                    "SELECT id, name, email, age FROM gate_user WHERE age >= ?1 ORDER BY id DESC LIMIT 10",
                )?;
                let users: Vec<RawUser> = statement.query_map([30], raw_user)?.collect::<rusqlite::Result<_>>()?;
                std::hint::black_box(users);
            }
            Workload::SelectRelated => {
                let mut statement = conn.prepare_cached(
                    "SELECT a.id, a.writer_id, a.title, w.id, w.name FROM gate_article a \
                     INNER JOIN gate_writer w ON a.writer_id = w.id WHERE a.id <= ?1",
                )?;
                let articles: Vec<RawArticle> = statement
                    .query_map([10], |r| {
                        Ok(RawArticle {
                            id: r.get(0)?,
                            writer_id: r.get(1)?,
                            title: r.get(2)?,
                            writer: (r.get(3)?, r.get(4)?),
                        })
                    })?
                    .collect::<rusqlite::Result<_>>()?;
                std::hint::black_box(articles);
            }
            Workload::Stream => {
                let mut statement = conn.prepare_cached("SELECT id, name, email, age FROM gate_user ORDER BY id")?;
                for user in statement.query_map([], raw_user)? {
                    std::hint::black_box(user?);
                }
            }
            Workload::Insert => {
                let mut statement =
                    conn.prepare_cached("INSERT INTO gate_user (name, email, age) VALUES (?1, ?2, ?3) RETURNING id")?;
                let id: i64 =
                    statement.query_row(rusqlite::params![format!("new {i}"), "new@example.com", 30], |r| r.get(0))?;
                std::hint::black_box(id);
            }
        }
    }
    Ok(())
}

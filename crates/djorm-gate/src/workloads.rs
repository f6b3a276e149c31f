//! The operations the gate counts, each through djorm and through rusqlite by hand, on one
//! SQLite file the gate seeds: get by key, filter + order + slice, a select_related join, and
//! an insert. The raw side runs the same statements prepared once, rows mapped into structs;
//! its SQL is written by hand on purpose, as a rusqlite user writes it: it is the yardstick
//! djorm's compiler is measured against, so it must not go through that compiler.

use std::path::Path;

use djorm::prelude::*;

/// The gate's user table.
#[derive(Model, Debug, Clone)]
#[djorm(app = "gate", db_table = "gate_user")]
pub struct User {
    /// Key.
    pub id: AutoId,
    /// Name.
    #[djorm(max_length = 100)]
    pub name: String,
    /// E-mail.
    #[djorm(email)]
    pub email: String,
    /// Age.
    pub age: i32,
}

/// Writers of articles.
#[derive(Model, Debug, Clone)]
#[djorm(app = "gate", db_table = "gate_writer")]
pub struct Writer {
    /// Key.
    pub id: AutoId,
    /// Name.
    #[djorm(max_length = 100)]
    pub name: String,
}

/// Articles, each by a writer.
#[derive(Model, Debug, Clone)]
#[djorm(app = "gate", db_table = "gate_article")]
pub struct Article {
    /// Key.
    pub id: AutoId,
    /// Its writer.
    #[djorm(on_delete = Cascade)]
    pub writer: ForeignKey<Writer>,
    /// Title.
    #[djorm(max_length = 200)]
    pub title: String,
}

/// One operation the gate counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Workload {
    /// `User.objects.get(pk=n)`.
    Get,
    /// `User.objects.filter(age__gte=30).order_by("-id")[:10]`.
    FilterOrderSlice,
    /// `Article.objects.select_related("writer").filter(id__lte=10)`.
    SelectRelated,
    /// `User.objects.create(...)`.
    Insert,
}

impl Workload {
    /// Every workload, in report order.
    pub const ALL: [Workload; 4] =
        [Workload::Get, Workload::FilterOrderSlice, Workload::SelectRelated, Workload::Insert];

    /// Its name on the command line and in the budget.
    pub fn name(self) -> &'static str {
        match self {
            Workload::Get => "get",
            Workload::FilterOrderSlice => "filter_order_slice",
            Workload::SelectRelated => "select_related",
            Workload::Insert => "insert",
        }
    }

    /// The workload called `name`.
    pub fn named(name: &str) -> Option<Workload> {
        Workload::ALL.into_iter().find(|w| w.name() == name)
    }
}

const USERS: i64 = 1000;

/// Seeds a new database file at `path` with 1,000 users, 100 writers and 1,000 articles.
pub async fn seed(path: &Path) -> djorm::Result<Db> {
    let _ = std::fs::remove_file(path);
    let db = djorm::connect(&format!("sqlite://{}", path.display())).await?;
    db.create_tables(&[User::meta(), Writer::meta(), Article::meta()]).await?;
    let users: Vec<User> = (0..USERS)
        .map(|i| User {
            name: format!("user {i}"),
            email: format!("user{i}@example.com"),
            age: (i % 90) as i32,
            ..Default::default()
        })
        .collect();
    User::objects().bulk_create(&db, users).await?;
    let writers: Vec<Writer> = (0..100).map(|i| Writer { name: format!("writer {i}"), ..Default::default() }).collect();
    let writers = Writer::objects().bulk_create(&db, writers).await?;
    let articles: Vec<Article> = (0..1000)
        .map(|i| Article {
            writer: (&writers[i % writers.len()]).into(),
            title: format!("article {i}"),
            ..Default::default()
        })
        .collect();
    Article::objects().bulk_create(&db, articles).await?;
    Ok(db)
}

/// Runs `workload` `times` times through djorm.
pub async fn djorm_side(db: &Db, workload: Workload, times: u64) -> djorm::Result<()> {
    for i in 0..times {
        let key = (i as i64 % USERS) + 1;
        match workload {
            Workload::Get => {
                std::hint::black_box(User::objects().get(db, q!(User, id = key)).await?);
            }
            Workload::FilterOrderSlice => {
                let users =
                    User::objects().filter(q!(User, age__gte = 30)).order_by(["-id"]).slice(..10).all(db).await?;
                std::hint::black_box(users);
            }
            Workload::SelectRelated => {
                let articles =
                    Article::objects().select_related(["writer"]).filter(q!(Article, id__lte = 10)).all(db).await?;
                std::hint::black_box(articles);
            }
            Workload::Insert => {
                let user =
                    User { name: format!("new {i}"), email: "new@example.com".into(), age: 30, ..Default::default() };
                std::hint::black_box(User::objects().create(db, user).await?);
            }
        }
    }
    Ok(())
}

/// A user row as the raw side maps it.
#[allow(dead_code)]
struct RawUser {
    id: i64,
    name: String,
    email: String,
    age: i32,
}

#[allow(dead_code)]
struct RawArticle {
    id: i64,
    writer_id: i64,
    title: String,
    writer: (i64, String),
}

fn raw_user(row: &rusqlite::Row<'_>) -> rusqlite::Result<RawUser> {
    Ok(RawUser { id: row.get(0)?, name: row.get(1)?, email: row.get(2)?, age: row.get(3)? })
}

/// Runs `workload` `times` times through rusqlite on `conn`.
pub fn raw_side(conn: &rusqlite::Connection, workload: Workload, times: u64) -> rusqlite::Result<()> {
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

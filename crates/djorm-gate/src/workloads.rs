//! The operations the gate counts through djorm: get by key, filter + order + slice, a
//! select_related join, and an insert, on a database the gate seeds. The raw drivers' sides of
//! the same operations are `raw_sqlite.rs` and `raw_postgres.rs`.

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
    /// `for user in User.objects.order_by("id").iterator(): ...`: every user, one at a time.
    Stream,
    /// `User.objects.create(...)`.
    Insert,
}

impl Workload {
    /// Every workload, in report order (inserts last: the runs on PostgreSQL share one
    /// database, and the others must see the same rows on both sides).
    pub const ALL: [Workload; 5] =
        [Workload::Get, Workload::FilterOrderSlice, Workload::SelectRelated, Workload::Stream, Workload::Insert];

    /// Its name on the command line and in the budget.
    pub fn name(self) -> &'static str {
        match self {
            Workload::Get => "get",
            Workload::FilterOrderSlice => "filter_order_slice",
            Workload::SelectRelated => "select_related",
            Workload::Stream => "stream",
            Workload::Insert => "insert",
        }
    }

    /// The workload called `name`.
    pub fn named(name: &str) -> Option<Workload> {
        Workload::ALL.into_iter().find(|w| w.name() == name)
    }
}

/// How many users the gate seeds; operations cycle through their keys.
pub const USERS: i64 = 1000;

/// The gate's models, in the order their tables are created.
pub fn models() -> [&'static djorm::ModelMeta; 3] {
    [User::meta(), Writer::meta(), Article::meta()]
}

/// Seeds `db`, whose tables exist and are empty, with 1,000 users, 100 writers and 1,000
/// articles.
pub async fn seed(db: &Db) -> djorm::Result<()> {
    let users: Vec<User> = (0..USERS)
        .map(|i| User {
            name: format!("user {i}"),
            email: format!("user{i}@example.com"),
            age: (i % 90) as i32,
            ..Default::default()
        })
        .collect();
    User::objects().bulk_create(db, users).await?;
    let writers: Vec<Writer> = (0..100).map(|i| Writer { name: format!("writer {i}"), ..Default::default() }).collect();
    let writers = Writer::objects().bulk_create(db, writers).await?;
    let articles: Vec<Article> = (0..1000)
        .map(|i| Article {
            writer: (&writers[i % writers.len()]).into(),
            title: format!("article {i}"),
            ..Default::default()
        })
        .collect();
    Article::objects().bulk_create(db, articles).await?;
    Ok(())
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
            Workload::Stream => {
                use futures_util::StreamExt;
                let mut users = std::pin::pin!(User::objects().order_by(["id"]).iterator(db).await?);
                while let Some(user) = users.next().await {
                    std::hint::black_box(user?);
                }
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

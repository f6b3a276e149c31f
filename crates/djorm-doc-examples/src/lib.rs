//! The small blog every doc example of the QuerySet API runs against: three models and a
//! private in-memory SQLite database seeded with a few rows, so an example shows a query and
//! what it returns, and `cargo test` runs it. Not published: a dev-dependency of the crates
//! whose docs use it (its models would otherwise join every application's model registry).

use djorm::prelude::*;

/// A person who writes posts.
#[derive(Model, Debug, Clone)]
#[djorm(app = "docs", str = "name", ordering = ["name"])]
pub struct Author {
    /// Key.
    pub id: AutoId,
    /// Name.
    #[djorm(max_length = 100)]
    pub name: String,
    /// E-mail, unique.
    #[djorm(email, unique)]
    pub email: String,
    /// `author.posts`.
    pub posts: Reverse<Post>,
}

/// A keyword.
#[derive(Model, Debug, Clone)]
#[djorm(app = "docs", str = "name", ordering = ["name"])]
pub struct Tag {
    /// Key.
    pub id: AutoId,
    /// Name.
    #[djorm(max_length = 50, unique)]
    pub name: String,
    /// `tag.posts`.
    pub posts: Reverse<Post>,
}

/// A blog entry.
#[derive(Model, Debug, Clone)]
#[djorm(app = "docs", str = "title", ordering = ["id"])]
pub struct Post {
    /// Key.
    pub id: AutoId,
    /// Title.
    #[djorm(max_length = 200)]
    pub title: String,
    /// Its author (`related_name = "posts"`).
    #[djorm(on_delete = Cascade, related_name = "posts")]
    pub author: ForeignKey<Author>,
    /// Its tags (`related_name = "posts"`).
    #[djorm(related_name = "posts")]
    pub tags: ManyToMany<Tag>,
    /// Published or a draft.
    #[djorm(default = false)]
    pub published: bool,
    /// Views.
    #[djorm(default = 0)]
    pub views: i32,
    /// When it was written.
    pub created_at: DateTime<Utc>,
}

/// A fresh in-memory database with the three tables and these rows: authors Jane Doe (1) and
/// John Smith (2); posts "First Post" (1, Jane, published, 10 views, 2024-01-10), "Django ORM in
/// Rust" (2, Jane, published, 25 views, 2024-03-05) and "Draft" (3, John, a draft, 0 views,
/// 2025-02-01); tags "django" on post 2 and "rust" on posts 1 and 2.
pub async fn blog() -> Result<Db> {
    let db = djorm::connect("sqlite://:memory:").await?;
    db.create_tables(&[Author::meta(), Tag::meta(), Post::meta()]).await?;
    let author = |name: &str, email: &str| Author { name: name.into(), email: email.into(), ..Default::default() };
    let jane = Author::objects().create(&db, author("Jane Doe", "jane@example.com")).await?;
    let john = Author::objects().create(&db, author("John Smith", "john@example.com")).await?;
    let at = |s: &str| s.parse::<DateTime<Utc>>().unwrap_or_default();
    let post = |title: &str, by: &Author, published: bool, views: i32, when: &str| Post {
        title: title.into(),
        author: by.into(),
        published,
        views,
        created_at: at(when),
        ..Default::default()
    };
    let first = Post::objects().create(&db, post("First Post", &jane, true, 10, "2024-01-10T09:00:00Z")).await?;
    let orm = Post::objects().create(&db, post("Django ORM in Rust", &jane, true, 25, "2024-03-05T12:00:00Z")).await?;
    Post::objects().create(&db, post("Draft", &john, false, 0, "2025-02-01T08:00:00Z")).await?;
    let django = Tag::objects().create(&db, Tag { name: "django".into(), ..Default::default() }).await?;
    let rust = Tag::objects().create(&db, Tag { name: "rust".into(), ..Default::default() }).await?;
    orm.tags.add(&db, [&django, &rust]).await?;
    first.tags.add(&db, [&rust]).await?;
    Ok(db)
}

/// Runs one doc example: builds the blog, runs `example` on it on a fresh runtime, and panics
/// with the error if it fails.
pub fn run<F, Fut>(example: F)
where
    F: FnOnce(Db) -> Fut,
    Fut: std::future::Future<Output = Result<()>>,
{
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("a runtime");
    runtime.block_on(async move {
        let db = blog().await.expect("the doc examples' blog");
        if let Err(e) = example(db).await {
            panic!("the example failed: {e}");
        }
    });
}

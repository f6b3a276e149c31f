//! The standalone `djorm shell`: no models linked in, so they are rebuilt from the blog's
//! migration files — on PostgreSQL and SQLite it creates, relates, queries across relations both
//! ways, fills literal defaults and cascades deletes, and names what the files do not record.

mod chapter_blog;

use std::process::ExitCode;

use djorm::testing::TestDatabase;
use djorm_cli::Project;
use serde_json::{json, Value as Json};

async fn shell(url: &str, line: &str) -> (ExitCode, String) {
    let dir = chapter_blog::blog_migrations();
    let args: Vec<String> = ["--dir", &dir.display().to_string(), "--database", url]
        .into_iter()
        .chain(["shell", "--yes", "--format", "json", "-c", line])
        .map(String::from)
        .collect();
    let mut out = Vec::new();
    // Project::default() is the standalone binary's: no models.
    let code = djorm_cli::run(&args, &Project::default(), &mut out).await;
    (code, String::from_utf8_lossy(&out).into_owned())
}

async fn json(url: &str, line: &str) -> Json {
    let (code, text) = shell(url, line).await;
    assert_eq!(code, ExitCode::SUCCESS, "{line}\n{text}");
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{line}: {e}\n{text}"))
}

const STAMPS: &str = r#"created_at="2026-01-01T00:00:00Z", updated_at="2026-01-01T00:00:00Z""#;

async fn standalone_shell(backend: &'static str) {
    let test_db = TestDatabase::new(backend, &[]).await.expect("test database");
    let url = test_db.url().expect("url");
    let mut migrate = Vec::new();
    let dir = chapter_blog::blog_migrations();
    let args = ["--dir".to_owned(), dir.display().to_string(), "--database".to_owned(), url.clone(), "migrate".into()];
    assert_eq!(djorm_cli::run(&args, &Project::default(), &mut migrate).await, ExitCode::SUCCESS);

    json(
        &url,
        &format!(
            r#"Author.objects.create(name="Ann Lee", email="ann@example.com", bio="", {})"#,
            "created_at=\"2026-01-01T00:00:00Z\""
        ),
    )
    .await;
    json(&url, r#"Tag.objects.create(name="rust", slug="rust")"#).await;
    let post = json(
        &url,
        &format!(r#"Post.objects.create(title="Ownership", slug="ownership", content="...", author=Author.objects.get(pk=1), {STAMPS})"#),
    )
    .await;
    // The files' literal defaults fill what the line leaves out.
    assert_eq!((&post["published"], &post["views"]), (&json!(false), &json!(0)), "{post}");
    json(&url, r#"p = Post.objects.get(slug="ownership"); p.tags.add(Tag.objects.get(name="rust")); p.tags.count()"#)
        .await;

    let rows = json(
        &url,
        r#"Post.objects.filter(author__name__icontains="ann", tags__slug="rust").values("title", "author__name")"#,
    )
    .await;
    assert_eq!(rows, json!([{"title": "Ownership", "author__name": "Ann Lee"}]));
    // Reverse relations take the related_name the migration files record (`posts`).
    let counted = json(&url, r#"Author.objects.annotate(n=Count("posts")).values("name", "n")"#).await;
    assert_eq!(counted, json!([{"name": "Ann Lee", "n": 1}]));
    assert_eq!(json(&url, "Author.objects.get(pk=1).posts.count()").await, json!(1));
    let across = json(&url, r#"Author.objects.filter(posts__title="Ownership").values_list("name", flat=True)"#).await;
    assert_eq!(across, json!(["Ann Lee"]));
    // Meta.ordering comes from the files too (Author is ordered by name).
    json(
        &url,
        r#"Author.objects.create(name="Abe", email="abe@example.com", bio="", created_at="2026-01-02T00:00:00Z")"#,
    )
    .await;
    let names = json(&url, r#"Author.objects.values_list("name", flat=True)"#).await;
    assert_eq!(names, json!(["Abe", "Ann Lee"]));

    // Django's default name is gone once a related_name is given, as in Django.
    let (code, text) = shell(&url, r#"Author.objects.filter(post__title="Ownership")"#).await;
    assert_eq!(code, ExitCode::from(2));
    assert!(
        text.contains("Cannot resolve keyword 'post' into field. Choices are:") && text.contains("posts"),
        "{text}"
    );

    // CASCADE from the files' on_delete: the post and its join-table row go with the author.
    json(&url, "Author.objects.filter(pk=1).delete()").await;
    assert_eq!(json(&url, "Post.objects.count()").await, json!(0));
    assert_eq!(json(&url, r#"Tag.objects.filter(posts__isnull=False).count()"#).await, json!(0));
}

#[tokio::test]
async fn standalone_shell_on_postgres() {
    standalone_shell("postgresql").await;
}

#[tokio::test]
async fn standalone_shell_on_sqlite() {
    standalone_shell("sqlite").await;
}

#[tokio::test]
async fn standalone_shell_without_migration_files_says_where_it_looked() {
    let mut out = Vec::new();
    let args =
        ["--dir", "/nonexistent-djorm-dir", "--database", "sqlite::memory:", "shell", "-c", "1"].map(String::from);
    let code = djorm_cli::run(&args, &Project::default(), &mut out).await;
    let text = String::from_utf8_lossy(&out);
    assert_eq!(code, ExitCode::from(2), "{text}");
    assert!(text.contains("no migration files under '/nonexistent-djorm-dir'"), "{text}");
}

//! The main job: the chapter's CRUD and lookups on djorm, on SQLite by default (no server).
//!
//! Run with `cargo run -p blog`. Set `DATABASE_URL=postgres://…` to run it on PostgreSQL.

mod show;

use blog::models::{Author, Post, Profile, Tag};
use djorm::prelude::*;
use djorm_auth::{AuthUserExt, User, UserManager};

#[tokio::main]
async fn main() {
    if let Err(e) = run().await {
        eprintln!("error: {e}");
        std::process::exit(1);
    }
}

async fn run() -> djorm::Result<()> {
    let db = djorm::connect_from_env().await?;
    show::database(&db);
    let capture = db.capture_queries();
    // Django's auth tables (the Profile points at its User), then the blog's.
    let mut models = djorm_auth::models::all();
    models.extend(blog::models::all());

    show::step("Schema (the example starts from empty tables every run)");
    db.drop_tables(&models).await?;
    db.create_tables(&models).await?;
    show::sql(&capture);

    show::step("Create: Author.objects.create(...) and Author(...).save()");
    let jane = Author::objects()
        .create(&db, Author { name: "Jane Doe".into(), email: "jane@example.com".into(), ..Default::default() })
        .await?;
    let mut john = Author { name: "John Smith".into(), email: "john@example.com".into(), ..Default::default() };
    john.save(&db).await?;
    show::sql(&capture);
    let posts = [
        ("First Post", "first-post", true),
        ("Django ORM in Rust", "django-orm-in-rust", true),
        ("Draft: 100% done", "draft-100", false),
    ];
    let posts: Vec<Post> = posts
        .iter()
        .map(|(title, slug, published)| Post {
            title: (*title).into(),
            slug: (*slug).into(),
            content: "Hello world!".into(),
            published: *published,
            author: (&jane).into(),
            ..Default::default()
        })
        .collect();
    let created = Post::objects().bulk_create(&db, posts).await?;
    show::sql(&capture);
    show::result("bulk_create ids", created.iter().map(|p| p.id.to_string()).collect::<Vec<_>>().join(", "));

    show::step("Read: Author.objects.all()");
    let all = Author::objects().all(&db).await?;
    show::sql(&capture);
    show::objects(&all);

    show::step("Read: Author.objects.get(id=1), first(), last()");
    let got = Author::objects().get(&db, q!(Author, id = jane.id)).await?;
    show::sql(&capture);
    show::result("get", &got.name);
    let first = Author::objects().first(&db).await?;
    let last = Author::objects().last(&db).await?;
    show::sql(&capture);
    show::result("first", first.map(|a| a.name).unwrap_or_default());
    show::result("last", last.map(|a| a.name).unwrap_or_default());

    show::step("get() that matches nothing raises DoesNotExist");
    let missing = Author::objects().get(&db, q!(Author, name = "Nobody")).await;
    show::sql(&capture);
    match missing {
        Err(e @ Error::DoesNotExist { .. }) => show::result("error", e),
        other => show::result("unexpected", format!("{other:?}")),
    }

    show::step("Filtering: filter(name=\"Jane Doe\"), exclude(name=\"John Smith\")");
    let janes = Author::objects().filter(q!(Author, name = "Jane Doe")).all(&db).await?;
    let not_john = Author::objects().exclude(q!(Author, name = "John Smith")).all(&db).await?;
    show::sql(&capture);
    show::objects(&janes);
    show::objects(&not_john);

    show::step("Lookups: name__icontains, id__in, created_at__year, title__contains a literal %");
    let does = Author::objects().filter(q!(Author, name__icontains = "doe")).count(&db).await?;
    let some = Post::objects().filter(q!(Post, id__in = [1, 3, 5])).values(&db, &["id", "title"]).await?;
    let year = Utc::now().format("%Y").to_string().parse::<i32>().unwrap_or(2026);
    let this_year = Post::objects().filter(q!(Post, created_at__year = year)).count(&db).await?;
    let percent = Post::objects().filter(q!(Post, title__contains = "100%")).values(&db, &["title"]).await?;
    show::sql(&capture);
    show::result("authors named like 'doe'", does);
    show::values(&some);
    show::result("posts created this year", this_year);
    show::values(&percent);

    show::step("Q objects: Q(title__icontains=\"django\") | Q(published=False); & ~Q(...)");
    let either = Post::objects()
        .filter(q!(Post, title__icontains = "django") | q!(Post, published = false))
        .values(&db, &["title", "published"])
        .await?;
    let and_not = Post::objects()
        .filter(q!(Post, content__contains = "Hello") & !q!(Post, published = true))
        .values(&db, &["title"])
        .await?;
    show::sql(&capture);
    show::values(&either);
    show::values(&and_not);

    show::step("F expressions: update(views=F(\"views\") + 1); filter(name=F(\"email\"))");
    let changed = Post::objects().filter(q!(Post, published = true)).update(&db, [("views", F("views") + 1)]).await?;
    let odd = Author::objects().filter(q!(Author, name = F("email"))).count(&db).await?;
    show::sql(&capture);
    show::result("posts updated", changed);
    show::result("authors whose name equals their email", odd);
    show::values(&Post::objects().order_by(["id"]).values(&db, &["title", "views"]).await?);
    show::sql(&capture);

    show::step("Update: author.name = \"Jane Roe\"; author.save(); bulk update()");
    let mut author = Author::objects().get(&db, q!(Author, id = jane.id)).await?;
    author.name = "Jane Roe".into();
    author.save(&db).await?;
    let renamed =
        Author::objects().filter(q!(Author, name = "John Smith")).update(&db, [("name", "Johnny Smith")]).await?;
    show::sql(&capture);
    show::result("bulk update rows", renamed);
    show::objects(&Author::objects().all(&db).await?);
    show::sql(&capture);

    show::step("7.3 Relations: post.author, author.posts.create(), tags.add(), author__name lookups");
    let jane = Author::objects().get(&db, q!(Author, email = "jane@example.com")).await?;
    let another = jane
        .posts
        .create(
            &db,
            Post {
                title: "Another Post".into(),
                slug: "another-post".into(),
                content: "...".into(),
                ..Default::default()
            },
        )
        .await?;
    let django =
        Tag::objects().create(&db, Tag { name: "Django".into(), slug: "django".into(), ..Default::default() }).await?;
    let python =
        Tag::objects().create(&db, Tag { name: "Python".into(), slug: "python".into(), ..Default::default() }).await?;
    another.tags.add(&db, [&django, &python]).await?;
    another.tags.remove(&db, [&python]).await?;
    show::sql(&capture);
    show::result("post.author.name", another.author.get(&db).await?.name);
    show::result("author.posts.count()", jane.posts.count(&db).await?);
    show::result(
        "tag.posts.all()",
        django.posts.all(&db).await?.iter().map(|p| p.title.clone()).collect::<Vec<_>>().join(", "),
    );
    let by_jane =
        Post::objects().filter(q!(Post, author__name = "Jane Roe")).values(&db, &["title", "author__name"]).await?;
    show::sql(&capture);
    show::values(&by_jane);

    show::step("Aggregation: aggregate(total_posts=Count('id')), annotate(post_count=Count('posts'))");
    let total = Post::objects().aggregate(&db, [("total_posts", Count("id"))]).await?;
    let counted = Author::objects().annotate("post_count", Count("posts")).values(&db, &["name", "post_count"]).await?;
    show::sql(&capture);
    show::result("total_posts", total.get_as::<i64>("total_posts")?);
    show::values(&counted);

    show::step("N+1 avoided: select_related(\"author\") + prefetch_related(\"tags\") = 2 queries");
    let listed = Post::objects().select_related(["author"]).prefetch_related(["tags"]).all(&db).await?;
    show::sql(&capture);
    for p in &listed {
        let tags: Vec<&str> = p.tags.cached().unwrap_or_default().iter().map(|t| t.name.as_str()).collect();
        show::result(
            &p.title,
            format!("by {} tagged [{}]", p.author.cached().map(|a| a.name.as_str()).unwrap_or("?"), tags.join(", ")),
        );
    }

    show::step("One-to-one: a post_save receiver gives every new User a Profile (the chapter's signals)");
    blog::models::connect_profile_signals();
    let mut alice = User::objects()
        .create_user(&db, "alice", Some("alice@EXAMPLE.com"), Some("correct horse battery staple"))
        .await?;
    show::sql_without_params(&capture);
    let mut profile = ReverseOne::<Profile>::of(&alice, "profile").get(&db).await?;
    profile.location = "Lagos".into();
    profile.save(&db).await?;
    show::sql(&capture);
    show::result("user.email (domain normalized)", &alice.email);
    show::result("user.profile.location", &profile.location);
    show::result("profile.user.username", profile.user.get(&db).await?.username);
    show::result("check_password(\"wrong\")", alice.check_password(&db, "wrong").await?);
    show::result("check_password(...)", alice.check_password(&db, "correct horse battery staple").await?);
    show::sql_without_params(&capture);

    show::step("Delete: author.delete() cascades to the posts; filter(...).delete()");
    let deleted = author.delete(&db).await?;
    let drafts = Post::objects().filter(q!(Post, published = false)).delete(&db).await?;
    show::sql(&capture);
    show::result("author.delete()", format!("{} {:?}", deleted.total, deleted.per_model));
    show::result("drafts deleted", format!("{} {:?}", drafts.total, drafts.per_model));
    show::result("authors left", Author::objects().count(&db).await?);
    show::sql(&capture);
    show::next_steps();
    Ok(())
}

//! Section 7.2.3's aggregate() and annotate(), with Django's ordering rules, on both backends.

#[path = "common/blog.rs"]
mod blog;
use blog::*;
use djorm::prelude::*;

async fn seed(db: &Db) -> djorm::Result<(Author, Author, Author)> {
    let ann = Author::objects().create(db, Author { name: "Ann".into(), ..Default::default() }).await?;
    let bob = Author::objects().create(db, Author { name: "Bob".into(), ..Default::default() }).await?;
    let cid = Author::objects().create(db, Author { name: "Cid".into(), ..Default::default() }).await?;
    let (rust, web) = (
        Tag::objects().create(db, Tag { name: "rust".into(), slug: "rust".into(), ..Default::default() }).await?,
        Tag::objects().create(db, Tag { name: "web".into(), slug: "web".into(), ..Default::default() }).await?,
    );
    for (title, who, views, published) in [
        ("Rust tips", &ann, 10, true),
        ("Python 1", &ann, 20, true),
        ("Python 2", &ann, 30, false),
        ("Go", &bob, 5, true),
    ] {
        let p = Post::objects()
            .create(db, Post { title: title.into(), author: who.into(), views, published, ..Default::default() })
            .await?;
        p.tags.add(db, [&rust, &web]).await?;
    }
    Ok((ann, bob, cid))
}

fn counts(rows: &[djorm::Annotated<Author>], name: &str) -> Vec<(String, i64)> {
    let mut out: Vec<(String, i64)> = rows.iter().map(|a| (a.name.clone(), a.get::<i64>(name).unwrap_or(-1))).collect();
    out.sort();
    out
}

djorm::backend_tests! {
    models = [User, Author, Tag, Post, PostTag, Comment, Profile];

    async fn the_chapters_two_examples(db) {
        seed(&db).await?;
        // total = Post.objects.aggregate(total_posts=Count('id'))
        let total = Post::objects().aggregate(&db, [("total_posts", Count("id"))]).await?;
        assert_eq!(total.get_as::<i64>("total_posts")?, 4);
        // authors = Author.objects.annotate(post_count=Count('posts')), zero-post authors included
        let authors = Author::objects().annotate("post_count", Count("posts")).annotated(&db).await?;
        assert_eq!(counts(&authors, "post_count"), [("Ann".into(), 3), ("Bob".into(), 1), ("Cid".into(), 0)]);
        Ok(())
    }

    async fn aggregate_functions_types_filters_and_defaults(db) {
        seed(&db).await?;
        let r = Post::objects()
            .aggregate(
                &db,
                [
                    ("n", Count("*")),
                    ("views", Sum("views")),
                    ("avg", Avg("views")),
                    ("low", Min("views")),
                    ("high", Max("views")),
                    ("published", Count("id").filter(q!(Post, published = true))),
                    ("authors", Count("author").distinct()),
                ],
            )
            .await?;
        assert_eq!(r.get_as::<i64>("n")?, 4);
        assert_eq!(r.get_as::<i64>("views")?, 65);
        assert_eq!(r.get_as::<f64>("avg")?, 16.25, "Avg of integers is a float, as in Django");
        assert_eq!((r.get_as::<u32>("low")?, r.get_as::<u32>("high")?), (5, 30));
        assert_eq!(r.get_as::<i64>("published")?, 3);
        assert_eq!(r.get_as::<i64>("authors")?, 2);
        // Over no rows: Count is 0, the others None unless given a default.
        let none = Post::objects().filter(q!(Post, views__gt = 1000u32)).aggregate(&db, [("n", Count("id")), ("s", Sum("views")), ("a", Avg("views")), ("d", Sum("views").default(0))]).await?;
        assert_eq!(none.get_as::<i64>("n")?, 0);
        assert_eq!(none.get("s"), Some(&Value::Null));
        assert_eq!(none.get("a"), Some(&Value::Null));
        assert_eq!(none.get_as::<i64>("d")?, 0);
        // Aggregating across a relation.
        let r = Author::objects().aggregate(&db, [("views", Sum("posts__views"))]).await?;
        assert_eq!(r.get_as::<i64>("views")?, 65);
        // StdDev: PostgreSQL and MariaDB compute it; SQLite has no such function and says so.
        let std = Post::objects().aggregate(&db, [("sd", StdDev("views"))]).await;
        match db.vendor() {
            "postgresql" | "mysql" => assert!((std?.get_as::<f64>("sd")? - 9.60143).abs() < 1e-4),
            _ => assert!(matches!(std, Err(Error::NotSupported { backend: "sqlite", .. })), "{std:?}"),
        }
        Ok(())
    }

    async fn having_versus_where_order_matters(db) {
        seed(&db).await?;
        // filter() then annotate(): only the matching posts are counted.
        let first = Author::objects().filter(q!(Author, posts__title__startswith = "Rust")).annotate("n", Count("posts")).annotated(&db).await?;
        assert_eq!(counts(&first, "n"), [("Ann".into(), 1)]);
        // annotate() then filter(): the filter joins again and does not restrict the count.
        let second = Author::objects().annotate("n", Count("posts")).filter(q!(Author, posts__title__startswith = "Rust")).annotated(&db).await?;
        assert_eq!(counts(&second, "n"), [("Ann".into(), 3)]);
        // A filter on the annotation is a HAVING.
        let busy = Author::objects().annotate("n", Count("posts")).filter(Q::new("n__gt", 1)).annotated(&db).await?;
        assert_eq!(counts(&busy, "n"), [("Ann".into(), 3)]);
        let sql = Author::objects().annotate("n", Count("posts")).filter(Q::new("n__gt", 1)).sql(&db)?.map(|c| c.sql).unwrap_or_default();
        assert!(sql.contains(" GROUP BY ") && sql.contains(" HAVING COUNT("), "{sql}");
        // Ordering by an annotation.
        let ordered = Author::objects().annotate("n", Count("posts")).order_by(["-n", "name"]).annotated(&db).await?;
        assert_eq!(ordered.iter().map(|a| a.name.as_str()).collect::<Vec<_>>(), ["Ann", "Bob", "Cid"]);
        Ok(())
    }

    async fn distinct_count_over_two_joins(db) {
        seed(&db).await?;
        // Two many-valued joins multiply rows: Ann's 3 posts × 2 tags each.
        let inflated = Author::objects().annotate("posts_n", Count("posts")).annotate("tags_n", Count("posts__tags")).annotated(&db).await?;
        assert_eq!(counts(&inflated, "posts_n")[0], ("Ann".into(), 6), "Django's inflated count");
        let exact = Author::objects()
            .annotate("posts_n", Count("posts").distinct())
            .annotate("tags_n", Count("posts__tags").distinct())
            .annotated(&db)
            .await?;
        assert_eq!(counts(&exact, "posts_n"), [("Ann".into(), 3), ("Bob".into(), 1), ("Cid".into(), 0)]);
        assert_eq!(counts(&exact, "tags_n"), [("Ann".into(), 2), ("Bob".into(), 2), ("Cid".into(), 0)]);
        Ok(())
    }

    async fn values_then_annotate_groups(db) {
        seed(&db).await?;
        // Post.objects.values("author__name").annotate(n=Count("id")) — Meta.ordering (id) does
        // not leak into GROUP BY.
        let rows = Post::objects().values_group(["author__name"]).annotate("n", Count("id")).annotate("views", Sum("views")).order_by(["author__name"]).values(&db, &[]).await?;
        let got: Vec<(Value, Value, Value)> =
            rows.iter().map(|r| (r.values()[0].clone(), r.values()[1].clone(), r.values()[2].clone())).collect();
        assert_eq!(
            got,
            [
                (Value::String("Ann".into()), Value::I64(3), Value::I64(60)),
                (Value::String("Bob".into()), Value::I64(1), Value::I64(5)),
            ]
        );
        let by_published = Post::objects().values_group(["published"]).annotate("n", Count("id")).order_by(["published"]).values_list(&db, &[]).await?;
        assert_eq!(by_published, [vec![Value::Bool(false), Value::I64(1)], vec![Value::Bool(true), Value::I64(3)]]);
        assert_eq!(Post::objects().values_group(["published"]).annotate("n", Count("id")).count(&db).await?, 2);
        Ok(())
    }
}

//! union/intersection/difference, bulk_update, raw(), explain(), Extract and Trunc (with a time
//! zone), on both backends.

#[path = "common/blog.rs"]
mod blog;
use blog::*;
use djorm::functions::{ExtractYear, Trunc, TruncMonth};
use djorm::prelude::*;

async fn seed(db: &Db) -> djorm::Result<Vec<Post>> {
    let ann = Author::objects().create(db, Author { name: "Ann".into(), ..Default::default() }).await?;
    let mut out = Vec::new();
    for (title, views, published) in [("a", 1u32, true), ("b", 2, false), ("c", 3, true), ("d", 4, false)] {
        out.push(
            Post::objects()
                .create(db, Post { title: title.into(), views, published, author: (&ann).into(), ..Default::default() })
                .await?,
        );
    }
    Ok(out)
}

fn titles(posts: &[Post]) -> Vec<&str> {
    posts.iter().map(|p| p.title.as_str()).collect()
}

djorm::backend_tests! {
    models = [User, Author, Tag, Post, PostTag, Comment, Profile];

    async fn set_operations(db) {
        seed(&db).await?;
        let published = Post::objects().filter(q!(Post, published = true));
        let popular = Post::objects().filter(q!(Post, views__gte = 3u32));
        let union = published.union(&popular, false).order_by(["-title"]).all(&db).await?;
        assert_eq!(titles(&union), ["d", "c", "a"]);
        let both = published.intersection(&popular).all(&db).await?;
        assert_eq!(titles(&both), ["c"]);
        let only = published.difference(&popular).all(&db).await?;
        assert_eq!(titles(&only), ["a"]);
        assert_eq!(published.union(&popular, true).count(&db).await?, 4, "UNION ALL keeps the duplicate");
        Ok(())
    }

    async fn bulk_update_writes_many_rows_in_one_statement(db) {
        let mut posts = seed(&db).await?;
        for p in &mut posts {
            p.views *= 10;
            p.title = p.title.to_uppercase();
        }
        let n = djorm::testing::assert_num_queries(&db, 1, Post::objects().bulk_update(&db, &posts, &["views", "title"])).await?;
        assert_eq!(n, 4);
        let rows = Post::objects().order_by(["id"]).values_list(&db, &["title", "views"]).await?;
        assert_eq!(rows[2], vec![Value::String("C".into()), Value::I64(30)]);
        let err = Post::objects().bulk_update(&db, &posts, &["id"]).await.expect_err("pk");
        assert!(err.to_string().contains("primary key"), "{err}");
        Ok(())
    }

    async fn raw_maps_rows_and_binds_parameters(db) {
        seed(&db).await?;
        let sql = "SELECT id, title, content, author_id, published, views FROM blog_post WHERE views > %s ORDER BY id";
        let posts = Post::objects().raw(&db, sql, [Value::I64(2)]).await?;
        assert_eq!(titles(&posts), ["c", "d"]);
        let evil = Post::objects().raw(&db, "SELECT id, title, content, author_id, published, views FROM blog_post WHERE title = %s", [Value::from("x' OR '1'='1")]).await?;
        assert!(evil.is_empty(), "the parameter is data, not SQL");
        let err = Post::objects().raw(&db, sql, []).await.expect_err("count");
        assert!(err.to_string().contains("1 %s placeholders but 0 parameters"), "{err}");
        let plan = Post::objects().filter(q!(Post, views__gt = 1u32)).explain(&db).await?;
        assert!(!plan.is_empty());
        Ok(())
    }

    async fn extract_and_trunc(db) {
        let ann = Author::objects().create(&db, Author { name: "Ann".into(), ..Default::default() }).await?;
        // PostTag.added_at is the blog's timestamp to group by.
        let tag = Tag::objects().create(&db, Tag { name: "t".into(), slug: "t".into(), ..Default::default() }).await?;
        for (i, at) in ["2024-01-31 23:30:00", "2024-01-15 10:00:00", "2024-02-10 08:00:00"].iter().enumerate() {
            let p = Post::objects().create(&db, Post { title: format!("p{i}"), author: (&ann).into(), ..Default::default() }).await?;
            let link = PostTag::objects().create(&db, PostTag { post: (&p).into(), tag: (&tag).into(), ..Default::default() }).await?;
            PostTag::objects().filter(q!(PostTag, pk = link.id)).update(&db, [("added_at", djorm::query::lower::parse_datetime(at).expect("ts"))]).await?;
        }
        let years = PostTag::objects().annotate("y", ExtractYear("added_at")).values_list_flat::<i64>(&db, "y").await?;
        assert_eq!(years, [2024, 2024, 2024]);
        // TruncMonth grouping in UTC: January has two, February one.
        let rows = PostTag::objects()
            .annotate("month", TruncMonth("added_at"))
            .values_group(["month"])
            .annotate("n", Count("id"))
            .order_by(["month"])
            .values_list(&db, &["month", "n"])
            .await?;
        let counts: Vec<i64> = rows.iter().map(|r| r[1].as_i64().unwrap_or(-1)).collect();
        assert_eq!(counts, [2, 1]);
        // Across a time-zone boundary: 2024-01-31 23:30 UTC is February in Tokyo.
        let tokyo = PostTag::objects()
            .annotate("month", Trunc("added_at", djorm::sql::TruncUnit::Month, Some("Asia/Tokyo")))
            .values_group(["month"])
            .annotate("n", Count("id"))
            .order_by(["month"])
            .values_list(&db, &["month", "n"])
            .await?;
        let counts: Vec<i64> = tokyo.iter().map(|r| r[1].as_i64().unwrap_or(-1)).collect();
        assert_eq!(counts, [1, 2], "the late-January post moves to February in Tokyo");
        // Tokyo's 1 February, as an instant.
        assert_eq!(tokyo[1][0], Value::DateTime("2024-01-31T15:00:00Z".parse().expect("an instant")));
        Ok(())
    }
}

djorm::backend_tests! {
    models = [User, Author, Tag, Post, PostTag, Comment, Profile];

    async fn alias_only_defer_distinct_on_dates_and_raw_sql(db) {
        let posts = seed(&db).await?;
        // alias(): filter and order by a name that is not selected.
        let rows = Post::objects().alias("double", F("views") * 2).filter(Q::new("double__gte", 6)).order_by(["-double"]).values(&db, &[]).await?;
        assert_eq!(rows.len(), 2);
        assert!(rows[0].get("double").is_none(), "an alias is not selected");
        // only()/defer(): the other fields keep their defaults.
        let light = Post::objects().only(["title"]).order_by(["id"]).all(&db).await?;
        assert_eq!((light[0].title.as_str(), light[0].views, light[0].id), ("a", 0, posts[0].id));
        let heavy = Post::objects().defer(["title"]).order_by(["id"]).all(&db).await?;
        assert_eq!((heavy[1].title.as_str(), heavy[1].views), ("", 2));
        // distinct(fields): PostgreSQL's DISTINCT ON; SQLite and MariaDB say they cannot.
        let firsts = Post::objects().distinct_on(["published"]).order_by(["published", "views"]).all(&db).await;
        match db.vendor() {
            "postgresql" => assert_eq!(titles(&firsts?), ["b", "a"]),
            other => assert!(matches!(firsts, Err(Error::NotSupported { backend, .. }) if backend == other), "{firsts:?}"),
        }
        // dates(): one per month with links in it.
        let tag = Tag::objects().create(&db, Tag { name: "t".into(), slug: "t".into(), ..Default::default() }).await?;
        for (post, at) in posts.iter().zip(["2024-01-31 23:30:00", "2024-01-02 00:00:00", "2024-03-01 12:00:00"]) {
            let link = PostTag::objects().create(&db, PostTag { post: post.into(), tag: (&tag).into(), ..Default::default() }).await?;
            PostTag::objects().filter(q!(PostTag, pk = link.id)).update(&db, [("added_at", djorm::query::lower::parse_datetime(at).expect("ts"))]).await?;
        }
        let months = PostTag::objects().dates(&db, "added_at", djorm::sql::TruncUnit::Month).await?;
        let shown: Vec<String> = months.iter().map(ToString::to_string).collect();
        assert_eq!(shown, ["2024-01-01", "2024-03-01"]);
        // RawSQL: an escape hatch with bound parameters.
        let rows = Post::objects()
            .annotate("bonus", djorm::RawSQL("\"views\" * %s", [Value::I64(100)], djorm::FieldKind::BigIntegerField))
            .order_by(["id"])
            .values_list_flat::<i64>(&db, "bonus")
            .await?;
        assert_eq!(rows, [100, 200, 300, 400]);
        Ok(())
    }
}

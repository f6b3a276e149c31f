//! Subquery, OuterRef and Exists in filter, annotate and order_by, on both backends.

#[path = "common/blog.rs"]
mod blog;
use blog::*;
use djorm::prelude::*;
use djorm::{Exists, OuterRef, Subquery};

async fn seed(db: &Db) -> djorm::Result<()> {
    let ann = Author::objects().create(db, Author { name: "Ann".into(), ..Default::default() }).await?;
    let bob = Author::objects().create(db, Author { name: "Bob".into(), ..Default::default() }).await?;
    Author::objects().create(db, Author { name: "Cid".into(), ..Default::default() }).await?;
    for (title, who, views, published) in
        [("ann old", &ann, 1u32, true), ("ann new", &ann, 2, false), ("bob only", &bob, 3, false)]
    {
        Post::objects()
            .create(db, Post { title: title.into(), author: who.into(), views, published, ..Default::default() })
            .await?;
    }
    Ok(())
}

djorm::backend_tests! {
    models = [User, Author, Tag, Post, PostTag, Comment, Profile];

    async fn latest_post_per_author(db) {
        seed(&db).await?;
        // newest = Post.objects.filter(author=OuterRef("pk")).order_by("-id")
        // Author.objects.annotate(latest=Subquery(newest.values("title")[:1]))
        let newest = Post::objects().filter(Q::new("author", OuterRef("pk"))).order_by(["-id"]).limit(1);
        let rows = Author::objects().annotate("latest", Subquery(newest, "title")).values(&db, &["name", "latest"]).await?;
        let got: Vec<(String, Value)> =
            rows.iter().map(|r| (r.get_as::<String>("name").unwrap_or_default(), r.values()[1].clone())).collect();
        assert_eq!(
            got,
            [
                ("Ann".into(), Value::String("ann new".into())),
                ("Bob".into(), Value::String("bob only".into())),
                ("Cid".into(), Value::Null),
            ]
        );
        // Ordering by a subquery annotation.
        let views = Post::objects().filter(Q::new("author", OuterRef("pk"))).order_by(["-views"]).limit(1);
        let ordered = Author::objects()
            .annotate("top", Subquery(views, "views"))
            .filter(Q::new("top__isnull", false))
            .order_by(["-top"])
            .values_list_flat::<String>(&db, "name")
            .await?;
        assert_eq!(ordered, ["Bob", "Ann"]);
        Ok(())
    }

    async fn exists_in_filter_and_annotate(db) {
        seed(&db).await?;
        let published = Post::objects().filter(Q::new("author", OuterRef("pk")) & q!(Post, published = true));
        let with = Author::objects().filter(Exists(published.clone())).values_list_flat::<String>(&db, "name").await?;
        assert_eq!(with, ["Ann"]);
        let without = Author::objects().filter(!Q::from(Exists(published.clone()))).values_list_flat::<String>(&db, "name").await?;
        assert_eq!(without, ["Bob", "Cid"]);
        let flagged = Author::objects().annotate("has_published", Exists(published)).values(&db, &["name", "has_published"]).await?;
        let flags: Vec<bool> = flagged.iter().map(|r| r.get_as::<bool>("has_published").unwrap_or(false)).collect();
        assert_eq!(flags, [true, false, false]);
        // OuterRef outside a subquery is a clear error.
        let err = Post::objects().filter(Q::new("author", OuterRef("pk"))).count(&db).await.expect_err("outer");
        assert!(err.to_string().contains("only valid inside a Subquery or Exists"), "{err}");
        Ok(())
    }
}

//! Q with | & ! and nesting, exclude on nullable columns, F comparisons and atomic F updates.

mod common;
use common::*;
use djorm::prelude::*;

async fn seed(db: &Db) -> djorm::Result<()> {
    let rows = [("Jane post", 5, true, Some("x")), ("Django intro", 10, false, None), ("Other", 10, true, Some("y"))];
    for (title, views, published, tagline) in rows {
        let a = Article { views, published, tagline: tagline.map(Into::into), ..article(title) };
        Article::objects().create(db, a).await?;
    }
    Ok(())
}

async fn titles(db: &Db, qs: QuerySet<Article>) -> djorm::Result<Vec<String>> {
    let mut t: Vec<String> = qs.all(db).await?.into_iter().map(|a| a.title).collect();
    t.sort();
    Ok(t)
}

djorm::backend_tests! {
    models = [Author, Article];

    async fn q_or_and_not_nesting(db) {
        seed(&db).await?;
        let objects = Article::objects();
        // Q(author__name="Jane") | Q(title__icontains="Django")
        let either = objects.filter(q!(Article, title__startswith = "Jane") | q!(Article, title__icontains = "django"));
        assert_eq!(titles(&db, either).await?, ["Django intro", "Jane post"]);
        // Q(...) & ~Q(published=True)
        let and_not = objects.filter(q!(Article, views = 10) & !q!(Article, published = true));
        assert_eq!(titles(&db, and_not).await?, ["Django intro"]);
        // nested: (views=10 AND (published OR title contains 'intro')) OR title='Jane post'
        let nested = objects.filter(
            (q!(Article, views = 10) & (q!(Article, published = true) | q!(Article, title__contains = "intro")))
                | q!(Article, title = "Jane post"),
        );
        assert_eq!(titles(&db, nested).await?.len(), 3);
        let double_not = objects.filter(!!q!(Article, views = 5));
        assert_eq!(titles(&db, double_not).await?, ["Jane post"]);
        // exclude with a Q tree: NOT (views = 10 AND published)
        let excluded = objects.exclude(q!(Article, views = 10) & q!(Article, published = true));
        assert_eq!(titles(&db, excluded).await?, ["Django intro", "Jane post"]);
        // chained filter + exclude, as in the chapter
        let chained = objects.filter(q!(Article, published = true)).exclude(q!(Article, title = "Other"));
        assert_eq!(titles(&db, chained).await?, ["Jane post"]);
        Ok(())
    }

    async fn exclude_keeps_null_rows_like_django(db) {
        seed(&db).await?;
        // tagline is NULL for "Django intro": NOT (tagline = 'x') must still return it.
        let qs = Article::objects().exclude(q!(Article, tagline = "x"));
        assert_eq!(titles(&db, qs).await?, ["Django intro", "Other"]);
        let qs = Article::objects().filter(!q!(Article, tagline__contains = "y"));
        assert_eq!(titles(&db, qs).await?, ["Django intro", "Jane post"]);
        Ok(())
    }

    async fn f_compares_two_fields(db) {
        Author::objects().create(&db, Author::new("same@example.com", "same@example.com")).await?;
        Author::objects().create(&db, Author::new("Jane", "jane@example.com")).await?;
        // Author.objects.filter(name=F('email'))
        let same = Author::objects().filter(q!(Author, name = F("email"))).all(&db).await?;
        assert_eq!(same.len(), 1);
        assert_eq!(same[0].name, "same@example.com");
        let contains = Author::objects().filter(Q::new("email__icontains", F("name"))).count(&db).await?;
        assert_eq!(contains, 2, "both emails contain the name, ignoring case");
        Ok(())
    }

    async fn f_update_arithmetic(db) {
        seed(&db).await?;
        // Post.objects.filter(id=1).update(views=F('views') + 1)
        let n = Article::objects().filter(q!(Article, title = "Jane post")).update(&db, [("views", F("views") + 1)]).await?;
        assert_eq!(n, 1);
        let views = |db: Db| async move { Ok::<u32, Error>(Article::objects().get(&db, q!(Article, title = "Jane post")).await?.views) };
        assert_eq!(views(db.clone()).await?, 6);
        Article::objects().filter(q!(Article, title = "Jane post")).update(&db, [Article::views().set(F("views") * 3 - 2)]).await?;
        assert_eq!(views(db.clone()).await?, 16);
        Article::objects().filter(q!(Article, title = "Jane post")).update(&db, [("views", F("views") / 4)]).await?;
        assert_eq!(views(db.clone()).await?, 4);
        Ok(())
    }

    async fn concurrent_f_increments_lose_nothing(db) {
        let a = Article::objects().create(&db, article("counter")).await?;
        let id = a.id.get().unwrap_or_default();
        let bump = |db: Db| async move {
            for _ in 0..50 {
                Article::objects().filter(q!(Article, id = id)).update(&db, [("views", F("views") + 1)]).await?;
            }
            Ok::<(), Error>(())
        };
        let (x, y) = djorm::__private::tokio::join!(tokio_spawn(bump(db.clone())), tokio_spawn(bump(db.clone())));
        x?;
        y?;
        assert_eq!(Article::objects().get(&db, q!(Article, id = id)).await?.views, 100);
        Ok(())
    }
}

/// Runs a future on its own task, so the two updaters really run concurrently.
async fn tokio_spawn(f: impl std::future::Future<Output = djorm::Result<()>> + Send + 'static) -> djorm::Result<()> {
    djorm::__private::tokio::spawn(f).await.map_err(|e| Error::Connection(e.to_string()))?
}

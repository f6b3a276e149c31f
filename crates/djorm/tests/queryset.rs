//! QuerySet behaviour: laziness, ordering with NULLs, slicing, values, bulk and get-or-create.

mod common;
use common::*;
use djorm::prelude::*;

async fn three_articles(db: &Db) -> djorm::Result<()> {
    for (title, rating) in [("b", Some(2.0)), ("a", None), ("c", Some(1.0))] {
        Article::objects().create(db, Article { rating, ..article(title) }).await?;
    }
    Ok(())
}

fn titles(articles: &[Article]) -> Vec<&str> {
    articles.iter().map(|a| a.title.as_str()).collect()
}

djorm::backend_tests! {
    models = [Author, Article];

    async fn chaining_is_lazy_and_never_changes_the_parent(db) {
        three_articles(&db).await?;
        let before = db.queries_executed();
        let base = Article::objects().filter(q!(Article, views = 0));
        let narrowed = base.filter(q!(Article, title = "a"));
        let _ordered = base.order_by(["-title"]).reverse().limit(1);
        assert_eq!(db.queries_executed(), before, "building QuerySets runs nothing");
        assert_eq!(base.count(&db).await?, 3);
        assert_eq!(narrowed.count(&db).await?, 1);
        assert_eq!(base.count(&db).await?, 3, "the parent is unchanged");
        Ok(())
    }

    async fn ordering_several_keys_and_nulls(db) {
        three_articles(&db).await?;
        let asc = Article::objects().order_by(["title"]).all(&db).await?;
        assert_eq!(titles(&asc), ["a", "b", "c"]);
        let desc = Article::objects().order_by(["-title"]).all(&db).await?;
        assert_eq!(titles(&desc), ["c", "b", "a"]);
        let nulls_first = Article::objects().order_by([Article::rating().asc().nulls_first()]).all(&db).await?;
        assert_eq!(titles(&nulls_first), ["a", "c", "b"]);
        let nulls_last = Article::objects().order_by([Article::rating().asc().nulls_last()]).all(&db).await?;
        assert_eq!(titles(&nulls_last), ["c", "b", "a"]);
        let desc_nulls_last = Article::objects().order_by([Article::rating().desc().nulls_last()]).all(&db).await?;
        assert_eq!(titles(&desc_nulls_last), ["b", "c", "a"]);
        // several keys: views (all 0) then -title
        let multi = Article::objects().order_by(["views", "-title"]).all(&db).await?;
        assert_eq!(titles(&multi), ["c", "b", "a"]);
        // reverse() flips every key, NULL placement included
        let reversed = Article::objects().order_by([Article::rating().asc().nulls_first()]).reverse().all(&db).await?;
        assert_eq!(titles(&reversed), ["b", "c", "a"]);
        Ok(())
    }

    async fn slicing_limit_offset(db) {
        for i in 0..10 {
            Article::objects().create(&db, article(&format!("t{i}"))).await?;
        }
        let qs = Article::objects().order_by(["title"]);
        assert_eq!(titles(&qs.slice(..3).all(&db).await?), ["t0", "t1", "t2"]);
        assert_eq!(titles(&qs.slice(3..5).all(&db).await?), ["t3", "t4"]);
        assert_eq!(titles(&qs.slice(8..).all(&db).await?), ["t8", "t9"]);
        // slices compose, as qs[2:8][1:3]
        assert_eq!(titles(&qs.slice(2..8).slice(1..3).all(&db).await?), ["t3", "t4"]);
        assert_eq!(qs.slice(2..8).count(&db).await?, 6);
        assert_eq!(qs.slice(8..).count(&db).await?, 2);
        // Django forbids filtering or updating a sliced QuerySet.
        let err = qs.slice(..2).filter(q!(Article, views = 0)).all(&db).await.expect_err("sliced");
        assert_eq!(err.to_string(), "Cannot filter a query once a slice has been taken.");
        let err = qs.slice(..2).update(&db, [("views", 1)]).await.expect_err("sliced");
        assert_eq!(err.to_string(), "Cannot update a query once a slice has been taken.");
        Ok(())
    }

    async fn values_values_list_flat_distinct(db) {
        three_articles(&db).await?;
        let rows = Article::objects().order_by(["title"]).values(&db, &["title", "rating"]).await?;
        assert_eq!(rows.len(), 3);
        assert_eq!(rows[0].get("title"), Some(&Value::String("a".into())));
        assert_eq!(rows[0].get("rating"), Some(&Value::Null));
        assert_eq!(rows[1].get("rating"), Some(&Value::F64(2.0)));
        let list = Article::objects().order_by(["-title"]).values_list(&db, &["title", "views"]).await?;
        assert_eq!(list[0], vec![Value::String("c".into()), Value::I64(0)]);
        let flat: Vec<String> = Article::objects().order_by(["title"]).values_list_flat(&db, "title").await?;
        assert_eq!(flat, ["a", "b", "c"]);
        let views: Vec<u32> = Article::objects().distinct().order_by(["views"]).values_list_flat(&db, "views").await?;
        assert_eq!(views, [0]);
        let all_fields = Article::objects().values(&db, &[]).await?;
        assert_eq!(all_fields[0].names().len(), Article::meta().fields.len());
        Ok(())
    }

    async fn none_in_bulk_exists(db) {
        three_articles(&db).await?;
        let before = db.queries_executed();
        assert!(Article::objects().none().all(&db).await?.is_empty());
        assert_eq!(Article::objects().none().count(&db).await?, 0);
        assert!(!Article::objects().none().exists(&db).await?);
        assert_eq!(db.queries_executed(), before, "none() runs no query");
        assert!(Article::objects().exists(&db).await?);
        assert!(!Article::objects().filter(q!(Article, title = "zzz")).exists(&db).await?);
        let ids: Vec<i64> = Article::objects().values_list_flat(&db, "id").await?;
        let bulk = Article::objects().in_bulk(&db, ids.clone()).await?;
        assert_eq!(bulk.len(), 3);
        for id in &ids {
            assert_eq!(bulk[id].id, AutoId::new(*id));
        }
        assert!(Article::objects().in_bulk(&db, Vec::<i64>::new()).await?.is_empty());
        Ok(())
    }

    async fn get_or_create_and_update_or_create(db) {
        let make = || Author::new("Jane", "jane@example.com");
        let (a, created) = Author::objects().get_or_create(&db, q!(Author, email = "jane@example.com"), make).await?;
        assert!(created);
        let (b, created) = Author::objects().get_or_create(&db, q!(Author, email = "jane@example.com"), make).await?;
        assert!(!created);
        assert_eq!(a.id, b.id);
        assert_eq!(Author::objects().count(&db).await?, 1);

        let (c, created) = Author::objects()
            .update_or_create(&db, q!(Author, email = "jane@example.com"), |a| a.bio = "updated".into(), make)
            .await?;
        assert!(!created);
        assert_eq!(c.id, a.id);
        assert_eq!(Author::objects().get(&db, q!(Author, pk = a.id)).await?.bio, "updated");
        let (d, created) = Author::objects()
            .update_or_create(&db, q!(Author, email = "john@example.com"), |a| a.bio = "new".into(), || Author::new("John", "john@example.com"))
            .await?;
        assert!(created);
        assert_eq!(d.bio, "new");
        assert_eq!(Author::objects().count(&db).await?, 2);
        Ok(())
    }

    async fn bulk_create_fills_ids(db) {
        let authors: Vec<Author> = (0..250).map(|i| Author::new(&format!("A{i:03}"), &format!("a{i}@example.com"))).collect();
        let created = assert_ok_queries(&db, Author::objects().bulk_create(&db, authors)).await?;
        assert_eq!(created.len(), 250);
        let mut ids: Vec<i64> = created.iter().filter_map(|a| a.id.get()).collect();
        assert_eq!(ids.len(), 250, "every object got its id");
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), 250, "ids are distinct");
        // the ids are the real rows' ids, in order
        for a in created.iter().step_by(50) {
            assert_eq!(Author::objects().get(&db, q!(Author, pk = a.id)).await?.name, a.name);
        }
        Ok(())
    }
}

/// bulk_create of 250 small rows is one INSERT.
async fn assert_ok_queries<T>(db: &Db, body: impl std::future::Future<Output = djorm::Result<T>>) -> djorm::Result<T> {
    djorm::testing::assert_num_queries(db, 1, body).await
}

//! Section 7.2.2 of the chapter, line by line: create, read, update, delete.

mod common;
use common::*;
use djorm::prelude::*;

djorm::backend_tests! {
    models = [Author];

    async fn chapter_crud(db) {
        // author = Author.objects.create(name="Jane Doe", email="jane@example.com")
        let jane = Author::objects().create(&db, Author::new("Jane Doe", "jane@example.com")).await?;
        assert!(jane.id.is_set());
        // author = Author(name="John Smith", email="john@example.com"); author.save()
        let mut john = Author::new("John Smith", "john@example.com");
        john.save(&db).await?;
        assert!(john.id.is_set());
        assert_ne!(jane.id, john.id);

        // all_authors = Author.objects.all()  (Meta.ordering = ['name'])
        let all = Author::objects().all(&db).await?;
        assert_eq!(all.iter().map(|a| a.name.as_str()).collect::<Vec<_>>(), ["Jane Doe", "John Smith"]);

        // author = Author.objects.get(id=1)
        let id = jane.id.get().unwrap_or_default();
        let got = Author::objects().get(&db, q!(Author, id = id)).await?;
        assert_eq!(got, jane);

        // first / last follow Meta.ordering
        assert_eq!(Author::objects().first(&db).await?.map(|a| a.name), Some("Jane Doe".into()));
        assert_eq!(Author::objects().last(&db).await?.map(|a| a.name), Some("John Smith".into()));

        // filter / exclude
        let janes = Author::objects().filter(q!(Author, name = "Jane Doe")).all(&db).await?;
        assert_eq!(janes.len(), 1);
        let not_john = Author::objects().exclude(q!(Author, name = "John Smith")).all(&db).await?;
        assert_eq!(not_john, vec![jane.clone()]);

        // author.name = "Jane Roe"; author.save()
        let mut author = Author::objects().get(&db, q!(Author, id = id)).await?;
        author.name = "Jane Roe".into();
        author.save(&db).await?;
        assert_eq!(Author::objects().get(&db, q!(Author, id = id)).await?.name, "Jane Roe");
        assert_eq!(Author::objects().count(&db).await?, 2, "save() on a saved object updates, never inserts");

        // Author.objects.filter(name="Old Name").update(name="New Name")
        let changed = Author::objects().filter(q!(Author, name = "Jane Roe")).update(&db, [("name", "New Name")]).await?;
        assert_eq!(changed, 1);
        let changed = Author::objects().filter(q!(Author, name = "Nobody")).update(&db, [Author::name().set("x")]).await?;
        assert_eq!(changed, 0);

        // author.delete()
        let deleted = author.delete(&db).await?;
        assert_eq!(deleted.total, 1);
        assert_eq!(deleted.per_model.get("blog.Author"), Some(&1));
        // Author.objects.filter(name="Unwanted").delete()
        Author::objects().create(&db, Author::new("Unwanted", "u1@example.com")).await?;
        Author::objects().create(&db, Author::new("Unwanted", "u2@example.com")).await?;
        let deleted = Author::objects().filter(q!(Author, name = "Unwanted")).delete(&db).await?;
        assert_eq!(deleted.total, 2);
        assert_eq!(Author::objects().count(&db).await?, 1);
        Ok(())
    }

    async fn get_raises_does_not_exist_and_multiple_objects_returned(db) {
        let err = Author::objects().get(&db, q!(Author, name = "Nobody")).await.expect_err("no row");
        assert!(err.is_does_not_exist(), "{err}");
        assert_eq!(err.to_string(), "Author matching query does not exist.");
        for i in 0..3 {
            Author::objects().create(&db, Author::new("Twin", &format!("twin{i}@example.com"))).await?;
        }
        let err = Author::objects().get(&db, q!(Author, name = "Twin")).await.expect_err("three rows");
        assert!(matches!(err, Error::MultipleObjectsReturned { model: "Author", count: 3 }), "{err:?}");
        assert_eq!(err.to_string(), "get() returned more than one Author -- it returned 3!");
        // filter().first() is the safe alternative the chapter recommends.
        assert!(Author::objects().filter(q!(Author, name = "Nobody")).first(&db).await?.is_none());
        Ok(())
    }

    async fn auto_now_add_is_set_on_create(db) {
        let before = Utc::now();
        let a = Author::objects().create(&db, Author::new("Timed", "t@example.com")).await?;
        assert!(a.created_at >= before - chrono::Duration::seconds(1));
        let stored = Author::objects().get(&db, q!(Author, pk = a.id)).await?;
        assert_eq!(stored.created_at.timestamp_micros(), a.created_at.timestamp_micros());
        Ok(())
    }

    async fn refresh_from_db_reloads(db) {
        let mut a = Author::objects().create(&db, Author::new("Old", "old@example.com")).await?;
        Author::objects().filter(q!(Author, pk = a.id)).update(&db, [("name", "New")]).await?;
        a.refresh_from_db(&db).await?;
        assert_eq!(a.name, "New");
        Ok(())
    }

    async fn save_with_explicit_pk_inserts_when_missing(db) {
        let mut a = Author::new("Explicit", "explicit@example.com");
        a.id = AutoId::new(4242);
        a.save(&db).await?;
        assert_eq!(Author::objects().get(&db, q!(Author, id = 4242)).await?.name, "Explicit");
        Ok(())
    }
}

//! Smoke test: create and read back on both backends.
mod common;
use common::*;
use djorm::prelude::*;

djorm::backend_tests! {
    models = [Author, Article];

    async fn create_and_get(db) {
        let jane = Author::objects().create(&db, Author::new("Jane Doe", "jane@example.com")).await?;
        assert!(jane.id.is_set());
        let got = Author::objects().get(&db, q!(Author, id = jane.id.get().unwrap_or_default())).await?;
        assert_eq!(got.name, "Jane Doe");
        let a = Article::objects().create(&db, article("Hello World")).await?;
        assert_eq!(Article::objects().filter(q!(Article, slug = "hello-world")).count(&db).await?, 1);
        assert!(a.id.is_set());
        Ok(())
    }
}

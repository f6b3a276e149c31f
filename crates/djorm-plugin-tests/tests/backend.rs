//! The recording backend, defined outside djorm, works through djorm's front doors: connect by
//! URL, run the conformance tests (backend_tests! includes it), transactions and migrations.

use djorm::prelude::*;

/// A model the conformance tests run on every backend.
#[derive(Model, Debug, Clone)]
#[djorm(app = "plugin", ordering = ["name"])]
struct Author {
    id: AutoId,
    #[djorm(max_length = 100)]
    name: String,
    #[djorm(default = 0)]
    books: i32,
}

#[tokio::test]
async fn connect_by_url_records_every_statement() {
    // Link the crate that registers the backend.
    let _ = &djorm_plugin_tests::STATEMENTS;
    let path = std::env::temp_dir().join(format!("djorm-plugin-{}.sqlite3", std::process::id()));
    let db = djorm::connect(&format!("recording://{}", path.display())).await.expect("the registered backend connects");
    assert_eq!(djorm::DatabaseConfig::from_url("recording://x").expect("known scheme").vendor(), "recording");
    db.create_tables(&[Author::meta()]).await.expect("tables");
    db.atomic(|tx| async move {
        Author::objects().create(&tx, Author { name: "Ann".into(), ..Default::default() }).await?;
        Ok(())
    })
    .await
    .expect("a transaction");
    assert_eq!(Author::objects().filter(q!(Author, name = "Ann")).count(&db).await.expect("count"), 1);
    assert!(!djorm_plugin_tests::recorded(r#"INSERT INTO "plugin_author""#).is_empty());
    assert!(!djorm_plugin_tests::recorded("COMMIT").is_empty());
    let _ = std::fs::remove_file(&path);
}

#[test]
fn the_test_helpers_see_the_backend() {
    let _ = &djorm_plugin_tests::STATEMENTS;
    assert!(djorm::testing::test_backends().contains(&"recording"), "{:?}", djorm::testing::test_backends());
}

djorm::backend_tests! {
    models = [Author];

    async fn conformance_crud(db) {
        let _ = &djorm_plugin_tests::STATEMENTS;
        let a = Author::objects().create(&db, Author { name: "Bob".into(), books: 2, ..Default::default() }).await?;
        Author::objects().filter(q!(Author, pk = a.id)).update(&db, [("books", F("books") + 1)]).await?;
        let got = Author::objects().get(&db, q!(Author, name = "Bob")).await?;
        assert_eq!(got.books, 3);
        assert_eq!(Author::objects().filter(q!(Author, books__gte = 3)).delete(&db).await?.total, 1);
        Ok(())
    }
}

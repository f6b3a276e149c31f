//! Django's PostgreSQL `_like` indexes: an indexed, unique or key text column gets a second
//! index with the pattern operator class, named as Django names it, so a prefix LIKE can use an
//! index outside the C locale. SQLite has no operator classes and gets none.

use djorm::prelude::*;
use djorm::sql::Compiled;
use djorm::testing::TestDatabase;
use djorm::ValueKind;

#[derive(Model, Debug, Clone)]
#[djorm(app = "likes")]
struct Page {
    #[djorm(primary_key, max_length = 20)]
    id: String,
    #[djorm(max_length = 50, db_index)]
    slug: String,
    #[djorm(max_length = 10, unique)]
    code: String,
    #[djorm(db_index)]
    body: String,
    // Not indexed: no second index.
    #[djorm(max_length = 30)]
    title: String,
}

async fn index_definitions(db: &Db) -> Vec<(String, String)> {
    let sql = "SELECT indexname::text, indexdef FROM pg_indexes WHERE tablename = 'likes_page' AND indexname LIKE '%_like' ORDER BY indexname";
    let rows = db
        .fetch(&Compiled { sql: sql.into(), params: vec![] }, &[ValueKind::String, ValueKind::String])
        .await
        .expect("pg_indexes");
    rows.values.chunks(2).map(|r| (r[0].to_string(), r[1].to_string())).collect()
}

#[tokio::test]
async fn postgresql_adds_djangos_like_indexes() {
    let test = TestDatabase::new("postgresql", &[Page::meta()]).await.expect("postgres");
    let defs = index_definitions(test.db()).await;
    let names: Vec<&str> = defs.iter().map(|(n, _)| n.as_str()).collect();
    // Django's names: <table>_<column>_<md5(table, column)[:8]>_like.
    assert_eq!(
        names,
        [
            "likes_page_body_87633242_like",
            "likes_page_code_87c1f05a_like",
            "likes_page_id_d6e613d2_like",
            "likes_page_slug_56fb5936_like"
        ]
    );
    let def = |name: &str| defs.iter().find(|(n, _)| n == name).map(|(_, d)| d.clone()).unwrap_or_default();
    assert!(def("likes_page_slug_56fb5936_like").contains("varchar_pattern_ops"), "{defs:?}");
    assert!(def("likes_page_body_87633242_like").contains("text_pattern_ops"), "{defs:?}");
    // The index answers a prefix LIKE.
    Page::objects()
        .create(
            test.db(),
            Page { id: "p1".into(), slug: "rust-orm".into(), code: "A".into(), body: "b".into(), title: "t".into() },
        )
        .await
        .expect("row");
    let found = Page::objects().filter(q!(Page, slug__startswith = "rust")).count(test.db()).await.expect("count");
    assert_eq!(found, 1);
}

#[tokio::test]
async fn sqlite_has_no_operator_classes_and_gets_no_like_index() {
    let test = TestDatabase::new("sqlite", &[Page::meta()]).await.expect("sqlite");
    let rows = test
        .db()
        .fetch(
            &Compiled {
                sql: "SELECT name FROM sqlite_master WHERE type = 'index' AND name LIKE '%_like'".into(),
                params: vec![],
            },
            &[ValueKind::String],
        )
        .await
        .expect("sqlite_master");
    assert!(rows.values.is_empty(), "{:?}", rows.values);
}

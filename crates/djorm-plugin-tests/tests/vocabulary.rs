//! Lookups, a transform and a function registered from this crate work in every front door
//! djorm has: runtime paths (`Q::new`), typed paths, `q!`, functions by value and by name, and
//! the registry's name lists that the shell completes from.

use djorm::prelude::*;
use djorm::Arg;
use djorm_plugin_tests::vocabulary::{Unaccent, NOT_EQUAL, STR_INDEX};

#[derive(Model, Debug, Clone)]
#[djorm(app = "vocab", ordering = ["name"])]
struct Place {
    id: AutoId,
    #[djorm(max_length = 100)]
    name: String,
    #[djorm(default = 0)]
    visits: i32,
}

async fn seed(db: &Db) -> Result<()> {
    for (name, visits) in [("Café Noir", 3), ("Cafe Blanc", 5), ("Bar", 7)] {
        Place::objects().create(db, Place { name: name.into(), visits, ..Default::default() }).await?;
    }
    Ok(())
}

async fn names(db: &Db, qs: QuerySet<Place>) -> Result<Vec<String>> {
    Ok(qs.all(db).await?.into_iter().map(|p| p.name).collect())
}

djorm::backend_tests! {
    models = [Place];

    async fn a_registered_lookup_works_from_text_and_typed_paths(db) {
        seed(&db).await?;
        let by_text = names(&db, Place::objects().filter(Q::new("name__ne", "Bar"))).await?;
        assert_eq!(by_text, ["Cafe Blanc", "Café Noir"]);
        let typed = names(&db, Place::objects().filter(Place::visits().lookup(&NOT_EQUAL, 5))).await?;
        assert_eq!(typed, ["Bar", "Café Noir"]);
        // Negated and through an annotation, as a built-in lookup would be.
        let excluded = names(&db, Place::objects().exclude(Q::new("visits__ne", 7))).await?;
        assert_eq!(excluded, ["Bar"]);
        let counted = Place::objects()
            .annotate("doubled", F("visits") * 2)
            .filter(Q::new("doubled__ne", 10))
            .count(&db)
            .await?;
        assert_eq!(counted, 2);
        Ok(())
    }

    async fn a_registered_function_is_spelt_per_database(db) {
        seed(&db).await?;
        let by_value = Place::objects()
            .annotate("at", Expression::call(&STR_INDEX, [Arg::from("name"), Arg::from(Expression::value("a"))]))
            .order_by(["id"])
            .values(&db, &["at"])
            .await?;
        let at: Vec<i64> = by_value.iter().map(|r| r.get_as::<i64>("at")).collect::<Result<_>>()?;
        assert_eq!(at, [2, 2, 2]);
        // The shell's spelling: the function by its Django name.
        let by_name = Expression::function("StrIndex", vec![F("name"), Expression::value("Noir")])?;
        let found = Place::objects().annotate("at", by_name).filter(Q::new("at__gt", 0)).count(&db).await?;
        assert_eq!(found, 1);
        Ok(())
    }
}

#[test]
fn the_registry_lists_what_this_crate_registered() {
    assert!(djorm::vocabulary::lookup_names().contains(&"ne"));
    assert!(djorm::vocabulary::transform_names().contains(&"unaccent"));
    assert!(djorm::vocabulary::function_names().contains(&"StrIndex"));
    // And still every built-in.
    assert!(djorm::vocabulary::lookup_names().contains(&"icontains"));
    let unknown = Expression::function("NoSuchFunction", Vec::new()).expect_err("unknown");
    assert!(unknown.to_string().contains("StrIndex"), "{unknown}");
}

#[test]
fn a_registered_transform_applies_only_where_it_says() {
    let err = Place::objects()
        .filter(Q::new("visits__unaccent", "x"))
        .sql_for(&djorm::sqlite::SqliteDialect)
        .expect_err("unaccent is for text");
    assert!(err.to_string().contains("Unsupported lookup 'unaccent' for IntegerField"), "{err}");
}

/// PostgreSQL's `unaccent` extension, from Rust's three spellings of a path.
#[tokio::test]
async fn unaccent_matches_text_without_its_accents_on_postgresql() {
    let test_db = djorm::testing::TestDatabase::new("postgresql", &[Place::meta()]).await.expect("test database");
    let db = test_db.db();
    db.execute_script(&["CREATE EXTENSION IF NOT EXISTS unaccent".into()]).await.expect("extension");
    seed(db).await.expect("rows");
    let by_text = names(db, Place::objects().filter(Q::new("name__unaccent__icontains", "cafe"))).await.expect("text");
    assert_eq!(by_text, ["Cafe Blanc", "Café Noir"]);
    let typed =
        names(db, Place::objects().filter(Place::name().unaccent().istartswith("CAFE N"))).await.expect("typed");
    assert_eq!(typed, ["Café Noir"]);
    let by_macro =
        names(db, Place::objects().filter(q!(Place, name__unaccent__exact = "Cafe Noir"))).await.expect("q!");
    assert_eq!(by_macro, ["Café Noir"]);
    let sql = Place::objects()
        .filter(Q::new("name__unaccent__icontains", "cafe"))
        .sql_for(&djorm::postgres::PostgresDialect)
        .expect("compiles")
        .expect("a query")
        .sql;
    assert!(sql.contains(r#"UNACCENT("vocab_place"."name")"#), "{sql}");
}

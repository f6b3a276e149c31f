//! Bad input gets a typed error and loses nothing; values are always bound parameters.

mod common;
use common::*;
use djorm::prelude::*;
use djorm::{IntegrityKind, ModelExt};

djorm::backend_tests! {
    models = [Author, Article];

    async fn unique_violation_is_an_integrity_error_naming_the_constraint(db) {
        Author::objects().create(&db, Author::new("Jane", "jane@example.com")).await?;
        let err = Author::objects().create(&db, Author::new("Other", "jane@example.com")).await.expect_err("duplicate email");
        assert!(err.is_unique_violation(), "{err:?}");
        let Error::Integrity { kind, constraint, .. } = &err else { panic!("{err:?}") };
        assert_eq!(*kind, IntegrityKind::Unique);
        let constraint = constraint.clone().unwrap_or_default();
        assert!(constraint.contains("email"), "constraint names the column: {constraint}");
        // The failed insert left the table as it was.
        assert_eq!(Author::objects().count(&db).await?, 1);
        // A named Meta constraint is reported by name on PostgreSQL, by columns on SQLite.
        Article::objects().create(&db, article("Same")).await?;
        let err = Article::objects().create(&db, article("Same")).await.expect_err("duplicate title+slug");
        let Error::Integrity { constraint, .. } = &err else { panic!("{err:?}") };
        let constraint = constraint.clone().unwrap_or_default();
        assert!(constraint == "article_title_slug_uniq" || constraint.contains("title"), "{constraint}");
        Ok(())
    }

    async fn check_constraints_hold(db) {
        let err = Article::objects().create(&db, Article { views: 2_000_000, ..article("too popular") }).await.expect_err("check");
        assert!(matches!(err, Error::Integrity { kind: IntegrityKind::Check, .. }), "{err:?}");
        assert_eq!(Article::objects().count(&db).await?, 0);
        Ok(())
    }

    async fn injection_attempts_round_trip_as_data(db) {
        let evil = "'; DROP TABLE blog_author; --";
        let a = Author::objects().create(&db, Author::new(evil, "evil@example.com")).await?;
        let found = Author::objects().filter(q!(Author, name = evil)).all(&db).await?;
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].name, evil);
        assert_eq!(Author::objects().filter(q!(Author, name__icontains = "drop table")).count(&db).await?, 1);
        Author::objects().filter(q!(Author, pk = a.id)).update(&db, [("bio", "\"; DELETE FROM blog_author; --")]).await?;
        assert_eq!(Author::objects().count(&db).await?, 1, "the table is still there and intact");
        // Identifiers are quoted too: a model whose column is a keyword works.
        Ok(())
    }

    async fn misspelt_fields_are_field_errors_listing_the_choices(db) {
        let err = Author::objects().filter(Q::new("nme__icontains", "x")).all(&db).await.expect_err("bad field");
        assert!(matches!(err, Error::FieldError(_)));
        assert_eq!(
            err.to_string(),
            "Cannot resolve keyword 'nme' into field. Choices are: bio, created_at, email, id, name"
        );
        let err = Author::objects().filter(Q::new("name__icontainz", "x")).count(&db).await.expect_err("bad lookup");
        assert!(err.to_string().contains("Unsupported lookup 'icontainz' for CharField"), "{err}");
        assert!(err.to_string().contains("perhaps you meant icontains?"), "{err}");
        let err = Author::objects().order_by(["-nope"]).all(&db).await.expect_err("bad order");
        assert!(err.to_string().starts_with("Cannot resolve keyword 'nope'"), "{err}");
        let err = Author::objects().filter(Q::new("id", "abc")).all(&db).await.expect_err("bad value");
        assert!(err.to_string().contains("Field 'id' expected a number"), "{err}");
        Ok(())
    }

    async fn clean_fields_reports_per_field(db) {
        let mut a = Article {
            title: "x".repeat(201),
            slug: "not a slug".into(),
            website: "notaurl".into(),
            price: Decimal::new(123456, 1), // 12345.6: 6 digits, 1 place, but 5 before the point > 4
            body: String::new(),
            ..Default::default()
        };
        let err = a.clean_fields().expect_err("invalid");
        assert_eq!(err.messages("title"), ["Ensure this value has at most 200 characters (it has 201)."]);
        assert_eq!(err.messages("slug"), ["Enter a valid “slug” consisting of letters, numbers, underscores or hyphens."]);
        assert_eq!(err.messages("website"), ["Enter a valid URL."]);
        assert_eq!(err.messages("price"), ["Ensure that there are no more than 4 digits before the decimal point."]);
        assert_eq!(err.messages("body"), ["This field cannot be blank."]);
        assert!(err.messages("tagline").is_empty(), "blank=True allows empty");
        a = Article { price: Decimal::new(1234, 3), ..article("ok") };
        assert_eq!(a.clean_fields().expect_err("3 places").messages("price"), ["Ensure that there are no more than 2 decimal places."]);
        assert!(article("Fine title").clean_fields().is_ok());
        let bad_email = Author::new("Jane", "jane-at-example");
        assert_eq!(bad_email.clean_fields().expect_err("email").messages("email"), ["Enter a valid email address."]);
        assert!(Author::new("Jane", "jane@example.com").clean_fields().is_ok());
        // Nothing was written by validation.
        assert_eq!(Author::objects().count(&db).await?, 0);
        Ok(())
    }

    /// Django's full_clean(): the field checks, then the unique checks against the database —
    /// a unique field and a unique set of fields already held by another row, with Django's
    /// messages; the object's own row does not count, and a field that failed its own checks
    /// is not looked up.
    async fn full_clean_checks_uniqueness_against_the_database(db) {
        let jane = Author::objects().create(&db, Author::new("Jane", "jane@example.com")).await?;
        let twin = Author::new("Other Jane", "jane@example.com");
        let Err(djorm::Error::Validation(err)) = twin.full_clean(&db).await else { panic!("a taken e-mail") };
        assert_eq!(err.messages("email"), ["Author with this Email already exists."]);
        // Saved objects are not duplicates of themselves.
        jane.full_clean(&db).await?;
        Article::objects().create(&db, article("Same")).await?;
        let Err(djorm::Error::Validation(err)) = article("Same").full_clean(&db).await else { panic!("a taken pair") };
        assert_eq!(err.messages("__all__"), ["Article with this Title and Slug already exists."]);
        let bad = Author::new("Jane", "not-an-email").full_clean(&db).await.expect_err("a bad e-mail");
        assert_eq!(bad.class(), "ValidationError");
        let djorm::Error::Validation(err) = bad else { panic!("{bad:?}") };
        assert_eq!(err.messages("email"), ["Enter a valid email address."]);
        Ok(())
    }

    async fn every_field_type_round_trips(db) {
        let token = Uuid::new_v4();
        let a = Article {
            tagline: Some("tag".into()),
            rating: Some(4.25),
            published: true,
            published_at: Some(ts("2024-02-29 12:34:56.789012")),
            birthday: NaiveDate::from_ymd_opt(1990, 5, 17),
            alarm: NaiveTime::from_hms_micro_opt(6, 30, 15, 250_000),
            price: Decimal::new(1999, 2),
            status: Status::Published,
            website: "https://example.com/a?b=c".into(),
            token: Some(token),
            data: Some(serde_json::json!({"k": [1, 2, {"x": null}]})),
            payload: Some(vec![0, 159, 146, 150, 255]),
            small: -32768,
            big: i64::MAX,
            views: 999_999,
            ..article("Round trip")
        };
        let saved = Article::objects().create(&db, a.clone()).await?;
        let loaded = Article::objects().get(&db, q!(Article, pk = saved.id)).await?;
        assert_eq!(loaded, Article { id: saved.id, ..a });
        assert_eq!(Article::objects().filter(q!(Article, token = token)).count(&db).await?, 1);
        assert_eq!(Article::objects().filter(q!(Article, price = Decimal::new(1999, 2))).count(&db).await?, 1);
        assert_eq!(Article::objects().filter(q!(Article, status = Status::Published)).count(&db).await?, 1);
        Ok(())
    }
}

/// Values that would change silently on the way in or out are errors naming the field.
mod silent_values {
    use super::*;
    use djorm::sql::Compiled;
    use djorm::testing::TestDatabase;

    async fn postgres() -> TestDatabase {
        TestDatabase::new("postgresql", &[Author::meta(), Article::meta()]).await.unwrap_or_else(|e| panic!("{e}"))
    }

    /// PostgreSQL allows `24:00:00`; chrono's NaiveTime (like Python's time) has no such
    /// value. The driver's own decoding turned it into 00:00:00; the undecoded path refused it.
    /// Both paths now refuse it the same way.
    #[tokio::test]
    async fn a_postgres_time_of_24_00_is_an_error_on_every_path() {
        let test_db = postgres().await;
        let db = test_db.db();
        let a = Article::objects().create(db, article("midnight")).await.expect("create");
        let set = Compiled {
            sql: "UPDATE blog_article SET alarm = '24:00:00' WHERE id = $1".into(),
            params: vec![djorm::Value::I64(a.id.get().unwrap_or_default())],
        };
        db.execute(&set).await.expect("PostgreSQL stores 24:00:00");
        // The whole row: its numeric column sends the row through the driver's decoding.
        let err = Article::objects().get(db, q!(Article, pk = a.id)).await.expect_err("no 00:00:00");
        assert!(err.to_string().contains("Article.alarm") && err.to_string().contains("24:00:00"), "{err}");
        // The time column alone: read undecoded, the same error.
        let err = Article::objects().values_list_flat::<Option<NaiveTime>>(db, "alarm").await.expect_err("no 00:00:00");
        assert!(err.to_string().contains("24:00:00"), "{err}");
    }

    /// A value that does not fit its PostgreSQL column names the field.
    #[tokio::test]
    async fn a_value_too_big_for_its_column_names_the_field() {
        let test_db = postgres().await;
        let db = test_db.db();
        let long = "x".repeat(150);
        let err = Author::objects().create(db, Author::new(&long, "long@example.com")).await.expect_err("too long");
        assert!(err.to_string().contains("Author.name: is 150 characters long; max_length is 100"), "{err}");
        let mut a = Author::objects().create(db, Author::new("short", "short@example.com")).await.expect("create");
        a.name = long.clone();
        let err = a.save(db).await.expect_err("too long");
        assert!(err.to_string().contains("Author.name"), "{err}");
        let err = Article::objects()
            .create(db, Article { price: Decimal::new(123_456, 0), ..article("pricey") })
            .await
            .expect_err("6 digits before the point, max_digits 6 with decimal_places 2");
        assert!(err.to_string().contains("Article.price"), "{err}");
        let err = Article::objects()
            .bulk_create(db, [article("ok"), Article { title: "t".repeat(201), ..article("long title") }])
            .await
            .expect_err("title too long");
        assert!(err.to_string().contains("Article.title: is 201 characters long"), "{err}");
        assert_eq!(Article::objects().count(db).await.expect("count"), 0, "nothing of the failed calls stays");
    }
}

djorm::backend_tests! {
    models = [Author, Article];

    async fn an_integer_column_is_not_read_as_a_bool(db) {
        Article::objects().create(&db, Article { views: 1, ..article("one view") }).await?;
        let err = Article::objects().values_list_flat::<bool>(&db, "views").await.expect_err("1 is not a boolean");
        assert!(matches!(err, Error::Decode(_)), "{err:?}");
        let published: Vec<bool> = Article::objects().values_list_flat(&db, "published").await?;
        assert_eq!(published, [false]);
        Ok(())
    }
}

djorm::backend_tests! {
    models = [Author, Article];

    async fn names_that_would_do_nothing_are_errors(db) {
        Author::objects().create(&db, Author::new("A", "a@example.com")).await?;
        let err = Author::objects().defer(["bioo"]).all(&db).await.expect_err("unknown field");
        assert_eq!(err.to_string(), "Author has no field named 'bioo'");
        assert_eq!(Author::objects().defer(["bio"]).all(&db).await?.len(), 1);
        let err = Author::objects()
            .values_group(["nmae"])
            .annotate("n", Count("id"))
            .annotated(&db)
            .await
            .expect_err("unknown grouping");
        assert!(err.to_string().contains("Cannot resolve keyword 'nmae' into field"), "{err}");
        // Django: ValueError("The annotation 'name' conflicts with a field on the model.")
        let err = Author::objects().annotate("name", Count("id")).count(&db).await.expect_err("conflict");
        assert_eq!(err.to_string(), "The annotation 'name' conflicts with a field on the model.");
        let err = Author::objects().alias("email", Lower("name")).all(&db).await.expect_err("conflict");
        assert_eq!(err.to_string(), "The annotation 'email' conflicts with a field on the model.");
        Ok(())
    }
}

djorm::backend_tests! {
    models = [Author, Article];

    async fn paths_naming_values_keep_their_transforms_and_refuse_lookups(db) {
        let a = Article { published_at: Some(ts("2024-03-05T10:00:00Z")), ..article("dated") };
        Article::objects().create(&db, a).await?;
        // Django: FieldError("Cannot resolve keyword 'in' into field. Join on 'id' not permitted.")
        let err = Article::objects().update(&db, [("views", F("pk__in"))]).await.expect_err("a lookup is not a value");
        assert_eq!(err.to_string(), "Cannot resolve keyword 'in' into field. Join on 'id' not permitted.");
        let err = Article::objects().order_by(["title__icontains"]).all(&db).await.expect_err("lookup");
        assert!(err.to_string().contains("Cannot resolve keyword 'icontains'"), "{err}");
        // A transform is applied, not dropped.
        let years: Vec<i64> = Article::objects().values_list_flat(&db, "published_at__year").await?;
        assert_eq!(years, [2024]);
        let months: Vec<i64> = Article::objects().annotate("m", F("published_at__month")).values_list_flat(&db, "m").await?;
        assert_eq!(months, [3]);
        Ok(())
    }
}

djorm::backend_tests! {
    models = [Author, Article];

    async fn raw_sql_with_two_statements_is_refused_on_both_backends(db) {
        Author::objects().create(&db, Author::new("kept", "kept@example.com")).await?;
        let err = Author::objects()
            .raw(&db, "SELECT * FROM blog_author; DELETE FROM blog_author", [])
            .await
            .expect_err("two statements");
        assert!(err.to_string().contains("the SQL holds more than one statement"), "{err}");
        let err = db
            .execute(&djorm::sql::Compiled { sql: "DELETE FROM blog_author; SELECT 1".into(), params: Vec::new() })
            .await
            .expect_err("two statements");
        assert!(err.to_string().contains("the SQL holds more than one statement"), "{err}");
        // A trailing semicolon or comment is still one statement.
        let found = Author::objects().raw(&db, "SELECT * FROM blog_author; -- the one", []).await?;
        assert_eq!(found.len(), 1);
        assert_eq!(Author::objects().count(&db).await?, 1, "nothing was deleted");
        Ok(())
    }
}

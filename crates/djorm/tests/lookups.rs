//! Every lookup of the chapter, with Django's semantics, on both backends.

mod common;
use common::*;
use djorm::prelude::*;
use djorm::Rhs;

async fn seed(db: &Db) -> djorm::Result<()> {
    let rows = [
        (
            "Django Tips",
            "django-tips",
            Some("Learn Django"),
            10,
            Some(4.5),
            true,
            Some("2023-03-15 10:30:00"),
            Status::Published,
        ),
        (
            "Rust 100%",
            "rust-100",
            Some("Fast_and_safe"),
            25,
            None,
            true,
            Some("2023-11-05 23:59:59"),
            Status::Published,
        ),
        ("drafty", "drafty", None, 0, Some(2.0), false, None, Status::Draft),
        ("Python_Notes", "python-notes", Some(""), 7, Some(3.0), true, Some("2022-06-18 08:00:00"), Status::Published),
    ];
    for (title, slug, tagline, views, rating, published, at, status) in rows {
        let a = Article {
            title: title.into(),
            slug: slug.into(),
            body: format!("About {title}"),
            tagline: tagline.map(Into::into),
            views,
            rating,
            published,
            published_at: at.map(ts),
            birthday: at.map(|s| ts(s).date_naive()),
            alarm: at.map(|s| ts(s).time()),
            status,
            ..Default::default()
        };
        Article::objects().create(db, a).await?;
    }
    Ok(())
}

async fn titles(db: &Db, q: Q) -> djorm::Result<Vec<String>> {
    let mut t: Vec<String> = Article::objects().filter(q).all(db).await?.into_iter().map(|a| a.title).collect();
    t.sort();
    Ok(t)
}

djorm::backend_tests! {
    models = [Article];

    async fn exact_and_iexact(db) {
        seed(&db).await?;
        assert_eq!(titles(&db, q!(Article, title = "drafty")).await?, ["drafty"]);
        // MySQL and MariaDB compare text by the column's collation, case-insensitive by
        // default: Django documents that `exact` matches "Drafty" there.
        let case_sensitive: &[&str] = if db.vendor() == "mysql" { &["drafty"] } else { &[] };
        assert_eq!(titles(&db, q!(Article, title__exact = "Drafty")).await?, case_sensitive);
        assert_eq!(titles(&db, q!(Article, title__iexact = "DRAFTY")).await?, ["drafty"]);
        // exact None is IS NULL
        assert_eq!(titles(&db, q!(Article, tagline = None::<String>)).await?, ["drafty"]);
        assert_eq!(titles(&db, Q::new("tagline__exact", Value::Null)).await?, ["drafty"]);
        assert_eq!(titles(&db, q!(Article, status = Status::Draft)).await?, ["drafty"]);
        Ok(())
    }

    async fn contains_family_is_case_correct_and_literal(db) {
        seed(&db).await?;
        assert_eq!(titles(&db, q!(Article, title__contains = "jango")).await?, ["Django Tips"]);
        assert_eq!(titles(&db, q!(Article, title__contains = "DJANGO")).await?, Vec::<String>::new());
        assert_eq!(titles(&db, q!(Article, title__icontains = "DJANGO")).await?, ["Django Tips"]);
        assert_eq!(titles(&db, q!(Article, title__startswith = "Dj")).await?, ["Django Tips"]);
        assert_eq!(titles(&db, q!(Article, title__startswith = "dj")).await?, Vec::<String>::new());
        assert_eq!(titles(&db, q!(Article, title__istartswith = "dj")).await?, ["Django Tips"]);
        assert_eq!(titles(&db, q!(Article, title__endswith = "Tips")).await?, ["Django Tips"]);
        assert_eq!(titles(&db, q!(Article, title__iendswith = "TIPS")).await?, ["Django Tips"]);
        // % and _ match literally, not as wildcards
        assert_eq!(titles(&db, q!(Article, title__contains = "%")).await?, ["Rust 100%"]);
        assert_eq!(titles(&db, q!(Article, title__icontains = "0%")).await?, ["Rust 100%"]);
        assert_eq!(titles(&db, q!(Article, title__contains = "_")).await?, ["Python_Notes"]);
        assert_eq!(titles(&db, q!(Article, tagline__icontains = "_and_")).await?, ["Rust 100%"]);
        assert_eq!(titles(&db, q!(Article, title__startswith = "Python_")).await?, ["Python_Notes"]);
        assert_eq!(titles(&db, q!(Article, title__contains = "*")).await?, Vec::<String>::new());
        assert_eq!(titles(&db, q!(Article, title__contains = "[")).await?, Vec::<String>::new());
        Ok(())
    }

    async fn in_and_empty_in(db) {
        seed(&db).await?;
        let ids: Vec<i64> = Article::objects().order_by(["title"]).values_list_flat(&db, "id").await?;
        let picked = titles(&db, q!(Article, id__in = [ids[0], ids[2]])).await?;
        assert_eq!(picked.len(), 2);
        assert_eq!(titles(&db, q!(Article, title__in = ["drafty", "nope"])).await?, ["drafty"]);
        // An empty list matches nothing and runs no query.
        let before = db.queries_executed();
        let none = Article::objects().filter(q!(Article, id__in = Vec::<i64>::new())).all(&db).await?;
        assert!(none.is_empty());
        assert_eq!(Article::objects().filter(Q::new("id__in", Rhs::List(vec![]))).count(&db).await?, 0);
        assert_eq!(db.queries_executed(), before, "empty `in` must not query");
        // ... but OR-ed with something else it still lets the other branch match
        let either = titles(&db, q!(Article, id__in = Vec::<i64>::new()) | q!(Article, title = "drafty")).await?;
        assert_eq!(either, ["drafty"]);
        Ok(())
    }

    async fn comparisons_and_range(db) {
        seed(&db).await?;
        assert_eq!(titles(&db, q!(Article, views__gt = 10)).await?, ["Rust 100%"]);
        assert_eq!(titles(&db, q!(Article, views__gte = 10)).await?, ["Django Tips", "Rust 100%"]);
        assert_eq!(titles(&db, q!(Article, views__lt = 7)).await?, ["drafty"]);
        assert_eq!(titles(&db, q!(Article, views__lte = 7)).await?, ["Python_Notes", "drafty"]);
        assert_eq!(titles(&db, q!(Article, views__range = (7, 10))).await?, ["Django Tips", "Python_Notes"]);
        assert_eq!(titles(&db, q!(Article, rating__gt = 2.5)).await?, ["Django Tips", "Python_Notes"]);
        let start = ts("2023-01-01 00:00:00");
        assert_eq!(titles(&db, q!(Article, published_at__gte = start)).await?, ["Django Tips", "Rust 100%"]);
        Ok(())
    }

    async fn date_transforms(db) {
        seed(&db).await?;
        // Post.objects.filter(created_at__year=2023)
        assert_eq!(titles(&db, q!(Article, published_at__year = 2023)).await?, ["Django Tips", "Rust 100%"]);
        assert_eq!(titles(&db, q!(Article, published_at__year__lt = 2023)).await?, ["Python_Notes"]);
        assert_eq!(titles(&db, q!(Article, published_at__month = 11)).await?, ["Rust 100%"]);
        assert_eq!(titles(&db, q!(Article, published_at__day = 15)).await?, ["Django Tips"]);
        // 2023-03-15 was a Wednesday: Django's week_day counts Sunday = 1, so Wednesday = 4.
        assert_eq!(titles(&db, q!(Article, published_at__week_day = 4)).await?, ["Django Tips"]);
        // 2022-06-18 was a Saturday = 7; iso_week_day Saturday = 6.
        assert_eq!(titles(&db, q!(Article, published_at__week_day = 7)).await?, ["Python_Notes"]);
        assert_eq!(titles(&db, q!(Article, published_at__iso_week_day = 6)).await?, ["Python_Notes"]);
        assert_eq!(titles(&db, q!(Article, published_at__quarter = 4)).await?, ["Rust 100%"]);
        assert_eq!(titles(&db, q!(Article, published_at__hour = 23)).await?, ["Rust 100%"]);
        assert_eq!(titles(&db, q!(Article, published_at__minute = 30)).await?, ["Django Tips"]);
        assert_eq!(titles(&db, q!(Article, published_at__second = 59)).await?, ["Rust 100%"]);
        // Posts created between two dates: created_at__date__range=[date(2023,1,1), date(2023,12,31)]
        let range = [NaiveDate::from_ymd_opt(2023, 1, 1).unwrap_or_default(), NaiveDate::from_ymd_opt(2023, 12, 31).unwrap_or_default()];
        assert_eq!(titles(&db, q!(Article, published_at__date__range = range)).await?, ["Django Tips", "Rust 100%"]);
        let day = NaiveDate::from_ymd_opt(2023, 11, 5).unwrap_or_default();
        assert_eq!(titles(&db, q!(Article, published_at__date = day)).await?, ["Rust 100%"]);
        let noon = NaiveTime::from_hms_opt(10, 30, 0).unwrap_or_default();
        assert_eq!(titles(&db, q!(Article, published_at__time = noon)).await?, ["Django Tips"]);
        // Date fields take the date transforms too; the dynamic form accepts strings.
        assert_eq!(titles(&db, q!(Article, birthday__year = 2022)).await?, ["Python_Notes"]);
        assert_eq!(titles(&db, Q::new("birthday__gte", "2023-06-01")).await?, ["Rust 100%"]);
        assert_eq!(titles(&db, Q::new("published_at__date", "2023-03-15")).await?, ["Django Tips"]);
        Ok(())
    }

    async fn isnull_and_regex(db) {
        seed(&db).await?;
        assert_eq!(titles(&db, q!(Article, published_at__isnull = true)).await?, ["drafty"]);
        assert_eq!(titles(&db, q!(Article, published_at__isnull = false)).await?.len(), 3);
        assert_eq!(titles(&db, q!(Article, title__regex = r"^[A-Z][a-z]+ \d+%$")).await?, ["Rust 100%"]);
        assert_eq!(titles(&db, q!(Article, title__regex = "^django")).await?, Vec::<String>::new());
        assert_eq!(titles(&db, q!(Article, title__iregex = "^django")).await?, ["Django Tips"]);
        Ok(())
    }

    async fn typed_paths_match_the_macro_and_the_string_form(db) {
        seed(&db).await?;
        let typed = titles(&db, Article::title().icontains("tips")).await?;
        let macro_form = titles(&db, q!(Article, title__icontains = "tips")).await?;
        let dynamic = titles(&db, Q::new("title__icontains", "tips")).await?;
        assert_eq!(typed, ["Django Tips"]);
        assert_eq!(typed, macro_form);
        assert_eq!(typed, dynamic);
        assert_eq!(titles(&db, Article::published_at().year().gte(2023)).await?.len(), 2);
        Ok(())
    }
}

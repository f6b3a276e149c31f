//! Database functions, Case/When and Cast in annotations, filters and updates, on both backends.

#[path = "common/blog.rs"]
mod blog;
use blog::*;
use djorm::prelude::*;
use djorm::{Arg, FieldKind};

async fn seed(db: &Db) -> djorm::Result<()> {
    let ann = Author::objects().create(db, Author { name: "Ann Lee".into(), ..Default::default() }).await?;
    for (title, views, published) in [("Rust Tips", 25u32, true), ("Go", 5, false), ("Python Notes", 12, true)] {
        Post::objects()
            .create(db, Post { title: title.into(), views, published, author: (&ann).into(), ..Default::default() })
            .await?;
    }
    Ok(())
}

fn column<T: djorm::FieldType>(rows: &[djorm::ValuesRow], name: &str) -> Vec<T> {
    rows.iter().map(|r| r.get_as::<T>(name).unwrap_or_else(|e| panic!("{name}: {e}"))).collect()
}

djorm::backend_tests! {
    models = [User, Author, Tag, Post, PostTag, Comment, Profile];

    async fn text_functions(db) {
        seed(&db).await?;
        let rows = Post::objects()
            .annotate("lower", Lower("title"))
            .annotate("upper", Upper("title"))
            .annotate("len", Length("title"))
            .annotate("label", Concat([Arg::from("title"), Arg::from(Expression::value(" by ")), Arg::from("author__name")]))
            .annotate("first3", Substr("title", 1, Some(3)))
            .annotate("dashed", Replace("title", " ", "-"))
            .order_by(["id"])
            .values(&db, &["lower", "upper", "len", "label", "first3", "dashed"])
            .await?;
        assert_eq!(column::<String>(&rows, "lower"), ["rust tips", "go", "python notes"]);
        assert_eq!(column::<String>(&rows, "upper")[0], "RUST TIPS");
        assert_eq!(column::<i64>(&rows, "len"), [9, 2, 12]);
        assert_eq!(column::<String>(&rows, "label")[1], "Go by Ann Lee");
        assert_eq!(column::<String>(&rows, "first3"), ["Rus", "Go", "Pyt"]);
        assert_eq!(column::<String>(&rows, "dashed")[2], "Python-Notes");
        // A filter on a plain annotation is a WHERE.
        let long = Post::objects().annotate("len", Length("title")).filter(Q::new("len__gt", 8)).count(&db).await?;
        assert_eq!(long, 2);
        Ok(())
    }

    async fn numeric_functions_and_cast(db) {
        seed(&db).await?;
        let rows = Post::objects()
            .annotate("big", Greatest([Arg::from("views"), Arg::from(10)]))
            .annotate("small", Least([Arg::from("views"), Arg::from(10)]))
            .annotate("nulled", NullIf("views", 5))
            .annotate("neg", Abs(F("views") - 30))
            .annotate("third", Round(F("views") / 3.0, 2))
            .annotate("text", Cast("views", FieldKind::TextField))
            .annotate("now", Now())
            .order_by(["id"])
            .values(&db, &["big", "small", "nulled", "neg", "third", "text", "now"])
            .await?;
        assert_eq!(column::<i64>(&rows, "big"), [25, 10, 12]);
        assert_eq!(column::<i64>(&rows, "small"), [10, 5, 10]);
        assert_eq!(rows[1].get("nulled"), Some(&Value::Null));
        assert_eq!(column::<i64>(&rows, "neg"), [5, 25, 18]);
        assert_eq!(column::<f64>(&rows, "third")[0], 8.33);
        assert_eq!(column::<String>(&rows, "text"), ["25", "5", "12"]);
        let now: Vec<DateTime<Utc>> = column(&rows, "now");
        assert!((now[0] - Utc::now()).num_seconds().abs() < 60, "{:?}", now[0]);
        let rows = Post::objects()
            .annotate("rating", Coalesce([Arg::from(NullIf("views", 5)), Arg::from(0)]))
            .order_by(["id"])
            .values(&db, &["rating"])
            .await?;
        assert_eq!(column::<i64>(&rows, "rating"), [25, 0, 12]);
        Ok(())
    }

    async fn case_when_in_annotations_and_updates(db) {
        seed(&db).await?;
        let rows = Post::objects()
            .annotate(
                "bucket",
                Case(
                    [
                        When::new(q!(Post, views__gte = 20u32), Expression::value("popular")),
                        When::new(q!(Post, published = false), Expression::value("draft")),
                    ],
                    Expression::value("normal"),
                ),
            )
            .order_by(["id"])
            .values(&db, &["title", "bucket"])
            .await?;
        assert_eq!(column::<String>(&rows, "bucket"), ["popular", "draft", "normal"]);
        // Case/When in update(): one statement, decided per row by the database.
        let n = Post::objects()
            .update(&db, [("views", Case([When::new(q!(Post, published = true), F("views") + 100)], 0))])
            .await?;
        assert_eq!(n, 3);
        let views: Vec<u32> = Post::objects().order_by(["id"]).values_list_flat(&db, "views").await?;
        assert_eq!(views, [125, 0, 112]);
        // Aggregating a Case: Django's conditional aggregation.
        let r = Post::objects().aggregate(&db, [("published", Count("id").filter(q!(Post, published = true)))]).await?;
        assert_eq!(r.get_as::<i64>("published")?, 2);
        Ok(())
    }
}

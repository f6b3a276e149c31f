//! Django's math, text and further date functions through the typed API, on every backend
//! (the differential suite compares the shell's spelling of each with real Django).

use djorm::functions::{
    Ceil, ExtractIsoWeekDay, LPad, Left, Log, Mod, Power, RPad, Repeat, Reverse, Right, Sqrt, StrIndex, TruncDate,
    TruncSecond, MD5, SHA256,
};
use djorm::prelude::*;

#[derive(Model, Debug, Clone)]
#[djorm(app = "functions", ordering = ["id"])]
struct Page {
    id: AutoId,
    #[djorm(max_length = 20)]
    title: String,
    words: i32,
    written: DateTime<Utc>,
}

async fn seed(db: &Db) -> Result<()> {
    let at = |s: &str| s.parse::<DateTime<Utc>>().expect("a timestamp");
    for (title, words, written) in [("crème", 16, at("2024-01-15T10:30:59.5Z")), ("ab", 2, at("2021-01-03T23:59:59Z"))]
    {
        Page::objects().create(db, Page { title: title.into(), words, written, ..Default::default() }).await?;
    }
    Ok(())
}

async fn column(db: &Db, expression: Expression) -> Result<Vec<Value>> {
    let rows = Page::objects().annotate("v", expression).values_list(db, &["v"]).await?;
    Ok(rows.into_iter().map(|mut r| r.remove(0)).collect())
}

djorm::backend_tests! {
    models = [Page];

    /// Math functions give Django's output types: a float from integers, an integer kept by
    /// Ceil, NULL outside the domain on SQLite as its own math functions answer.
    async fn math_functions_compute_in_the_database(db) {
        seed(&db).await?;
        assert_eq!(column(&db, Sqrt("words")).await?, [Value::F64(4.0), Value::F64(2f64.sqrt())]);
        assert_eq!(column(&db, Power("words", 2)).await?, [Value::F64(256.0), Value::F64(4.0)]);
        assert_eq!(column(&db, Log(2, "words")).await?, [Value::F64(4.0), Value::F64(1.0)]);
        assert_eq!(column(&db, Mod("words", 5)).await?, [Value::F64(1.0), Value::F64(2.0)]);
        assert_eq!(column(&db, Ceil("words")).await?, [Value::I32(16), Value::I32(2)]);
        let big = Page::objects().filter(Q::new("words__gt", Sqrt(Expression::value(100.0)))).count(&db).await?;
        assert_eq!(big, 1);
        Ok(())
    }

    /// Text functions count characters, not bytes, and pad, cut, repeat, reverse and digest
    /// as PostgreSQL does.
    async fn text_functions_work_on_characters(db) {
        seed(&db).await?;
        let text = |vs: Vec<Value>| vs.into_iter().map(|v| v.to_string()).collect::<Vec<_>>();
        assert_eq!(text(column(&db, Left("title", 3)).await?), ["crè", "ab"]);
        assert_eq!(text(column(&db, Right("title", 3)).await?), ["ème", "ab"]);
        assert_eq!(text(column(&db, LPad("title", 4, Some("*"))).await?), ["crèm", "**ab"]);
        assert_eq!(text(column(&db, RPad("title", 4, None)).await?), ["crèm", "ab  "]);
        assert_eq!(text(column(&db, Repeat("title", 2)).await?), ["crèmecrème", "abab"]);
        assert_eq!(text(column(&db, Reverse("title")).await?), ["emèrc", "ba"]);
        assert_eq!(text(column(&db, StrIndex("title", Expression::value("è"))).await?), ["3", "0"]);
        assert_eq!(text(column(&db, MD5("title")).await?)[1], "187ef4436122d1cc2f40dc2b92f0eba0");
        assert_eq!(
            text(column(&db, SHA256("title")).await?)[1],
            "fb8e20fc2e4c3f248c60c39bd652f3c1347298bb977b8b4d5903b85055620603"
        );
        Ok(())
    }

    /// TruncDate, TruncSecond and ExtractIsoWeekDay in UTC.
    async fn date_functions_truncate_and_extract(db) {
        seed(&db).await?;
        let dates = column(&db, TruncDate("written")).await?;
        assert_eq!(dates, [Value::Date("2024-01-15".parse().expect("a date")), Value::Date("2021-01-03".parse().expect("a date"))]);
        let seconds = column(&db, TruncSecond("written")).await?;
        assert_eq!(seconds[0], Value::DateTime("2024-01-15T10:30:59Z".parse().expect("a date")));
        // 2021-01-03 is a Sunday: 7 in ISO numbering.
        let days = column(&db, ExtractIsoWeekDay("written")).await?;
        assert_eq!(days.iter().map(|v| v.as_i64()).collect::<Vec<_>>(), [Some(1), Some(7)]);
        Ok(())
    }
}

//! Django's current time zone (`USE_TZ = True`), on every backend: timestamps are stored in UTC,
//! and date lookups, `Extract`, `Trunc`, `dates()` and `datetimes()` read them on the current
//! zone's clocks — the zone `timezone::scope` sets for the task, or one an expression names.

use djorm::functions::{ExtractHour, ExtractMinute, Trunc, TruncDay};
use djorm::prelude::*;
use djorm::sql::TruncUnit;
use djorm::timezone::{self, Tz};

#[derive(Model, Debug, Clone)]
#[djorm(app = "zones", ordering = ["id"])]
struct Event {
    id: AutoId,
    #[djorm(max_length = 40)]
    name: String,
    at: DateTime<Utc>,
}

fn utc(s: &str) -> DateTime<Utc> {
    s.parse().expect("a timestamp")
}

fn zone(name: &str) -> Tz {
    timezone::parse(name).expect("a zone")
}

/// New Year in UTC is still New Year's Eve in New York (19:00); 07:30 UTC on 10 March 2024 is
/// 03:30 in New York, just after its clocks skipped an hour.
async fn seed(db: &Db) -> Result<()> {
    for (name, at) in [("new year", "2023-01-01T00:00:00Z"), ("spring", "2024-03-10T07:30:00Z")] {
        Event::objects().create(db, Event { name: name.into(), at: utc(at), ..Default::default() }).await?;
    }
    Ok(())
}

async fn names(db: &Db, q: Q) -> Result<Vec<String>> {
    Event::objects().filter(q).values_list_flat(db, "name").await
}

djorm::backend_tests! {
    models = [Event];

    /// `__year`, `__date`, `__hour` and `__week_day` match the wall-clock time of the current
    /// zone, and the same query in UTC matches UTC's.
    async fn date_lookups_read_the_current_zones_clocks(db) {
        seed(&db).await?;
        let new_york = zone("America/New_York");
        let in_new_york = |q: Q| timezone::scope(new_york, names(&db, q));
        assert_eq!(in_new_york(Q::new("at__year", 2022)).await?, ["new year"]);
        assert_eq!(in_new_york(Q::new("at__year", 2023)).await?, Vec::<String>::new());
        assert_eq!(in_new_york(Q::new("at__year__lt", 2023)).await?, ["new year"]);
        assert_eq!(in_new_york(Q::new("at__date", "2022-12-31")).await?, ["new year"]);
        assert_eq!(in_new_york(Q::new("at__hour", 19)).await?, ["new year"]);
        assert_eq!(in_new_york(Q::new("at__hour", 3)).await?, ["spring"]);
        // Saturday 31 December (Django counts Sunday as 1).
        assert_eq!(in_new_york(Q::new("at__week_day", 7)).await?, ["new year"]);
        assert_eq!(names(&db, Q::new("at__year", 2023)).await?, ["new year"]);
        assert_eq!(names(&db, Q::new("at__hour", 0)).await?, ["new year"]);
        Ok(())
    }

    /// `Trunc` truncates on the zone's clocks and answers an instant (New York's midnight of 31
    /// December is 05:00 UTC); `.tzinfo(...)` names another zone than the current one, and
    /// `Extract` reads parts there (Kathmandu is 5:45 ahead).
    async fn trunc_and_extract_use_the_zone_they_are_given(db) {
        seed(&db).await?;
        let query = Event::objects()
            .annotate("day", TruncDay("at"))
            .annotate("tokyo_day", TruncDay("at").tzinfo("Asia/Tokyo")?)
            .annotate("minute", ExtractMinute("at").tzinfo("Asia/Kathmandu")?)
            .annotate("hour", ExtractHour("at"));
        let rows = timezone::scope(zone("America/New_York"), query.values_list(&db, &["day", "tokyo_day", "minute", "hour"])).await?;
        assert_eq!(
            rows[0],
            [
                Value::DateTime(utc("2022-12-31T05:00:00Z")),
                Value::DateTime(utc("2022-12-31T15:00:00Z")),
                Value::I64(45),
                Value::I64(19),
            ]
        );
        // After the spring change New York is 4 hours behind: its midnight is 04:00 UTC.
        assert_eq!(rows[1][0], Value::DateTime(utc("2024-03-10T05:00:00Z")));
        let months = timezone::scope(zone("America/New_York"), Event::objects().datetimes(&db, "at", TruncUnit::Month)).await?;
        assert_eq!(months, [utc("2022-12-01T05:00:00Z"), utc("2024-03-01T05:00:00Z")]);
        let dates = timezone::scope(zone("Asia/Kathmandu"), Event::objects().dates(&db, "at", TruncUnit::Day)).await?;
        assert_eq!(dates, ["2023-01-01".parse::<NaiveDate>().expect("a date"), "2024-03-10".parse().expect("a date")]);
        Ok(())
    }

    /// An unknown zone is refused with Python's message before any query runs; `tzinfo` on
    /// anything but Extract and Trunc is refused too.
    async fn unknown_zones_are_refused(db) {
        let err = TruncDay("at").tzinfo("Mars/Olympus").expect_err("no such zone");
        assert_eq!(err.to_string(), "No time zone found with key Mars/Olympus");
        let err = Upper("name").tzinfo("UTC").expect_err("not zoned");
        assert_eq!(err.to_string(), "tzinfo applies to Extract and Trunc only");
        let trunc = Trunc("at", TruncUnit::Day, Some("Nowhere/Land"));
        let err = Event::objects().annotate("d", trunc).count(&db).await.expect_err("no such zone");
        assert_eq!(err.class(), "ValueError", "{err}");
        Ok(())
    }
}

//! DurationField (`chrono::TimeDelta`, or `std::time::Duration` for spans that cannot be
//! negative) and date/time arithmetic with Django's output types, on every backend:
//! PostgreSQL's `interval`, SQLite's microseconds.

use djorm::prelude::*;

#[derive(Model, Debug, Clone)]
#[djorm(app = "durations", ordering = ["id"])]
struct Task {
    id: AutoId,
    started: DateTime<Utc>,
    ended: Option<DateTime<Utc>>,
    estimate: Option<TimeDelta>,
    timeout: std::time::Duration,
}

fn at(s: &str) -> DateTime<Utc> {
    s.parse().expect("a timestamp")
}

async fn seed(db: &Db) -> Result<()> {
    let rows = [
        ("2024-01-01T10:00:00Z", Some("2024-01-01T12:30:00.25Z"), Some(TimeDelta::hours(2)), 30),
        ("2024-01-31T23:00:00Z", Some("2024-02-02T01:00:00Z"), Some(TimeDelta::seconds(-90)), 0),
        ("2024-03-01T00:00:00Z", None, None, 3600),
    ];
    for (started, ended, estimate, timeout) in rows {
        let task = Task {
            started: at(started),
            ended: ended.map(at),
            estimate,
            timeout: std::time::Duration::from_secs(timeout),
            ..Default::default()
        };
        Task::objects().create(db, task).await?;
    }
    Ok(())
}

djorm::backend_tests! {
    models = [Task];

    /// Durations keep their sign and microseconds through a save and a read, and compare as
    /// durations (a negative one is less than zero).
    async fn durations_round_trip_and_compare(db) {
        seed(&db).await?;
        let tasks = Task::objects().all(&db).await?;
        let estimates: Vec<Option<TimeDelta>> = tasks.iter().map(|t| t.estimate).collect();
        assert_eq!(estimates, [Some(TimeDelta::hours(2)), Some(TimeDelta::seconds(-90)), None]);
        assert_eq!(tasks[2].timeout, std::time::Duration::from_secs(3600));
        let negative = Task::objects().filter(Q::new("estimate__lt", TimeDelta::zero())).count(&db).await?;
        assert_eq!(negative, 1);
        let by_text = Task::objects().filter(Q::new("estimate", "2:00:00")).count(&db).await?;
        assert_eq!(by_text, 1);
        let err = Task::objects().filter(Q::new("estimate", "soon")).count(&db).await.expect_err("no duration");
        assert_eq!(err.class(), "ValueError", "{err}");
        Ok(())
    }

    /// Django's output types: a timestamp minus a timestamp is a duration, a timestamp plus a
    /// duration a timestamp; a timestamp plus a timestamp is its FieldError.
    async fn date_arithmetic_gives_djangos_types(db) {
        seed(&db).await?;
        let took = Task::objects()
            .annotate("took", F("ended") - F("started"))
            .values_list(&db, &["took"])
            .await?;
        let took: Vec<Value> = took.into_iter().map(|mut r| r.remove(0)).collect();
        assert_eq!(
            took,
            [
                Value::Duration(TimeDelta::minutes(150) + TimeDelta::milliseconds(250)),
                Value::Duration(TimeDelta::hours(26)),
                Value::Null,
            ]
        );
        let due = Task::objects()
            .annotate("due", F("started") + F("estimate"))
            .values_list(&db, &["due"])
            .await?;
        assert_eq!(due[0][0], Value::DateTime(at("2024-01-01T12:00:00Z")));
        assert_eq!(due[1][0], Value::DateTime(at("2024-01-31T22:58:30Z")));
        // Late tasks: ended after started + estimate.
        let late = Task::objects()
            .filter(Q::new("ended__gt", F("started") + F("estimate")))
            .values_list_flat::<i64>(&db, "id")
            .await?;
        assert_eq!(late, [1, 2]);
        let shifted = Task::objects()
            .filter(Q::new("started__lt", F("ended") - TimeDelta::days(1)))
            .values_list_flat::<i64>(&db, "id")
            .await?;
        assert_eq!(shifted, [2]);
        let err = Task::objects()
            .annotate("x", F("started") + F("ended"))
            .values_list(&db, &["x"])
            .await
            .expect_err("a timestamp plus a timestamp");
        assert_eq!(
            (err.class(), err.to_string().contains("Cannot infer type of '+' expression involving these types: DateTimeField, DateTimeField. You must set output_field.")),
            ("FieldError", true),
            "{err}"
        );
        Ok(())
    }

    /// Sum, Avg and Max of a DurationField are durations.
    async fn duration_aggregates_are_durations(db) {
        seed(&db).await?;
        let row = Task::objects()
            .aggregate(&db, [("total", Sum("estimate")), ("mean", Avg("estimate")), ("most", Max("estimate"))])
            .await?;
        assert_eq!(row.get("total"), Some(&Value::Duration(TimeDelta::seconds(7110))));
        assert_eq!(row.get("mean"), Some(&Value::Duration(TimeDelta::seconds(3555))));
        assert_eq!(row.get("most"), Some(&Value::Duration(TimeDelta::hours(2))));
        Ok(())
    }
}

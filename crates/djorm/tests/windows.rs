//! Django's window expressions through the typed API on every backend: ranks per partition,
//! running totals over frames, and filters on windows applied after them (Django 4.2+), in
//! reads, counts and deletes.

use djorm::functions::{DenseRank, Lag, RowNumber};
use djorm::prelude::*;
use djorm::{RowRange, Window};

#[derive(Model, Debug, Clone)]
#[djorm(app = "windows", ordering = ["id"])]
struct Score {
    id: AutoId,
    #[djorm(max_length = 10)]
    player: String,
    points: i32,
}

async fn seed(db: &Db) -> Result<()> {
    for (player, points) in [("ann", 10), ("ann", 30), ("ann", 30), ("bob", 5), ("bob", 50)] {
        Score::objects().create(db, Score { player: player.into(), points, ..Default::default() }).await?;
    }
    Ok(())
}

fn ints(rows: Vec<Vec<Value>>) -> Vec<Vec<Option<i64>>> {
    rows.into_iter().map(|r| r.iter().map(Value::as_i64).collect()).collect()
}

djorm::backend_tests! {
    models = [Score];

    /// A dense rank per player by points, a running total over a frame and the previous row's
    /// value, each computed by the database.
    async fn windows_rank_and_total_per_partition(db) {
        seed(&db).await?;
        let rows = Score::objects()
            .annotate("rank", Window::new(DenseRank()).partition_by(["player"]).order_by(["-points"]))
            .annotate("total", Window::new(Sum("points")).order_by(["id"]).frame(RowRange(Some(-1), Some(0))))
            .annotate("before", Window::new(Lag("points", 1, None)).order_by(["id"]))
            .values_list(&db, &["id", "rank", "total", "before"])
            .await?;
        assert_eq!(
            ints(rows),
            [
                [Some(1), Some(2), Some(10), None],
                [Some(2), Some(1), Some(40), Some(10)],
                [Some(3), Some(1), Some(60), Some(30)],
                [Some(4), Some(2), Some(35), Some(30)],
                [Some(5), Some(1), Some(55), Some(5)],
            ]
        );
        Ok(())
    }

    /// A filter on a window keeps the rows the window picks, after the other filters of the
    /// call narrowed the rows it runs over; count() and delete() honour it.
    async fn filters_on_windows_apply_after_them(db) {
        seed(&db).await?;
        let best = || {
            Score::objects()
                .annotate("n", Window::new(RowNumber()).partition_by(["player"]).order_by(["-points", "id"]))
                .filter(Q::new("n", 1))
        };
        let ids = best().values_list_flat::<i64>(&db, "id").await?;
        assert_eq!(ids, [2, 5]);
        assert_eq!(best().count(&db).await?, 2);
        // Only ann's rows take part in the window when the same call filters on the player.
        let ann = Score::objects()
            .annotate("n", Window::new(RowNumber()).order_by(["id"]))
            .filter(Q::new("n__gt", 1) & q!(Score, player = "ann"))
            .values_list_flat::<i64>(&db, "id")
            .await?;
        assert_eq!(ann, [2, 3]);
        // Delete every score but each player's best.
        let worse = Score::objects()
            .annotate("n", Window::new(RowNumber()).partition_by(["player"]).order_by(["-points", "id"]))
            .filter(Q::new("n__gt", 1));
        worse.delete(&db).await?;
        let left = Score::objects().values_list_flat::<i64>(&db, "id").await?;
        assert_eq!(left, [2, 5]);
        Ok(())
    }

    /// Django's refusals: a window in update(), an expression that cannot be windowed.
    async fn windows_are_refused_where_django_refuses_them(db) {
        seed(&db).await?;
        let err = Score::objects().update(&db, [("points", Expression::from(Window::new(Max("points"))))]).await.expect_err("a window in update()");
        assert_eq!(err.class(), "FieldError", "{err}");
        let err = Score::objects()
            .annotate("x", Window::new(Upper("player")))
            .values_list(&db, &["x"])
            .await
            .expect_err("Upper() cannot be windowed");
        assert_eq!(
            (err.class(), err.to_string().contains("Expression 'Upper' isn't compatible with OVER clauses.")),
            ("ValueError", true),
            "{err}"
        );
        assert_eq!(Score::objects().filter(q!(Score, points = 10)).count(&db).await?, 1);
        Ok(())
    }
}

//! Golden SQL per dialect for each expression: functions, Case/When, Cast, Extract, Trunc,
//! aggregates; every value a bound parameter.

#[path = "common/blog.rs"]
mod blog;
use blog::*;
use djorm::functions::{ExtractYear, Trunc};
use djorm::postgres::PostgresDialect;
use djorm::prelude::*;
use djorm::sql::{Dialect, TruncUnit};
use djorm::sqlite::SqliteDialect;
use djorm::{Arg, FieldKind};

/// The SQL of the annotation `x` (between the select list's last column and `AS "x"`), and the
/// parameters.
fn rendered(dialect: &dyn Dialect, e: Expression) -> (String, Vec<Value>) {
    let compiled = Post::objects().annotate("x", e).sql_for(dialect).expect("compiles").expect("query");
    let start = compiled.sql.find(r#""blog_post"."views", "#).expect("select list") + r#""blog_post"."views", "#.len();
    let end = compiled.sql.find(r#" AS "x""#).expect("alias");
    (compiled.sql[start..end].to_owned(), compiled.params)
}

fn check(e: Expression, postgres: &str, sqlite: &str, params: Vec<Value>) {
    assert_eq!(rendered(&PostgresDialect, e.clone()), (postgres.to_owned(), params.clone()), "postgresql");
    assert_eq!(rendered(&SqliteDialect, e), (sqlite.to_owned(), params), "sqlite");
}

const TITLE: &str = r#""blog_post"."title""#;
const VIEWS: &str = r#""blog_post"."views""#;

#[test]
fn text_functions() {
    check(Lower("title"), &format!("LOWER({TITLE})"), &format!("LOWER({TITLE})"), vec![]);
    check(Upper("title"), &format!("UPPER({TITLE})"), &format!("UPPER({TITLE})"), vec![]);
    check(Length("title"), &format!("LENGTH({TITLE})"), &format!("LENGTH({TITLE})"), vec![]);
    check(Trim("title"), &format!("TRIM({TITLE})"), &format!("TRIM({TITLE})"), vec![]);
    let concat = format!("(COALESCE({TITLE}, '') || COALESCE($1, ''))");
    check(
        Concat([Arg::from("title"), Arg::from(Expression::value("!"))]),
        &concat,
        &concat.replace("$1", "?1"),
        vec![Value::from("!")],
    );
    check(
        Replace("title", "a", "b"),
        &format!("REPLACE({TITLE}, $1, $2)"),
        &format!("REPLACE({TITLE}, ?1, ?2)"),
        vec![Value::from("a"), Value::from("b")],
    );
    check(
        Substr("title", 2, Some(3)),
        &format!("SUBSTR({TITLE}, $1, $2)"),
        &format!("SUBSTR({TITLE}, ?1, ?2)"),
        vec![Value::I64(2), Value::I64(3)],
    );
}

#[test]
fn numeric_and_conditional_functions() {
    check(Abs("views"), &format!("ABS({VIEWS})"), &format!("ABS({VIEWS})"), vec![]);
    check(
        Round("views", 1),
        &format!("ROUND(CAST({VIEWS} AS numeric), $1)"),
        &format!("ROUND({VIEWS}, ?1)"),
        vec![Value::I32(1)],
    );
    check(
        Greatest([Arg::from("views"), Arg::from(3)]),
        &format!("GREATEST({VIEWS}, $1)"),
        &format!("MAX({VIEWS}, ?1)"),
        vec![Value::I32(3)],
    );
    check(
        Least([Arg::from("views"), Arg::from(3)]),
        &format!("LEAST({VIEWS}, $1)"),
        &format!("MIN({VIEWS}, ?1)"),
        vec![Value::I32(3)],
    );
    check(NullIf("views", 0), &format!("NULLIF({VIEWS}, $1)"), &format!("NULLIF({VIEWS}, ?1)"), vec![Value::I32(0)]);
    check(
        Coalesce([Arg::from("views"), Arg::from(0)]),
        &format!("COALESCE({VIEWS}, $1)"),
        &format!("COALESCE({VIEWS}, ?1)"),
        vec![Value::I32(0)],
    );
    check(
        Cast("views", FieldKind::TextField),
        &format!("CAST({VIEWS} AS text)"),
        &format!("CAST({VIEWS} AS text)"),
        vec![],
    );
    check(
        Case([When::new(q!(Post, views__gt = 1u32), 1)], 0),
        // A Case's integer results say their type (PostgreSQL would take text for them).
        &format!("CASE WHEN {VIEWS} > $1 THEN CAST($2 AS integer) ELSE CAST($3 AS integer) END"),
        &format!("CASE WHEN {VIEWS} > ?1 THEN CAST(?2 AS integer) ELSE CAST(?3 AS integer) END"),
        vec![Value::I64(1), Value::I32(1), Value::I32(0)],
    );
    check(
        F("views") / 3.0,
        &format!("{VIEWS} / CAST($1 AS double precision)"),
        &format!("{VIEWS} / CAST(?1 AS real)"),
        vec![Value::F64(3.0)],
    );
}

#[test]
fn dates_and_aggregates() {
    let at = r#""blog_posttag"."added_at""#;
    let compile = |dialect: &dyn Dialect, e: Expression| {
        let sql = PostTag::objects().annotate("x", e).sql_for(dialect).expect("ok").expect("q").sql;
        let end = sql.find(r#" AS "x""#).expect("alias");
        let start = sql[..end].rfind(&format!(r#"{at}, "#)).map_or(0, |i| i + at.len() + 2);
        sql[start..end].to_owned()
    };
    assert_eq!(
        compile(&PostgresDialect, ExtractYear("added_at")),
        format!("(CAST(FLOOR(EXTRACT(YEAR FROM {at} AT TIME ZONE 'UTC')) AS integer))")
    );
    assert_eq!(compile(&SqliteDialect, ExtractYear("added_at")), format!("(CAST(strftime('%Y', {at}) AS INTEGER))"));
    assert_eq!(
        compile(&PostgresDialect, Trunc("added_at", TruncUnit::Month, Some("Asia/Tokyo"))),
        format!("DATE_TRUNC('month', {at} AT TIME ZONE 'Asia/Tokyo') AT TIME ZONE 'Asia/Tokyo'")
    );
    assert_eq!(
        compile(&SqliteDialect, Trunc("added_at", TruncUnit::Month, None)),
        format!("strftime('%Y-%m-01 00:00:00', {at})")
    );
    check(Count("id").into(), r#"COUNT("blog_post"."id")"#, r#"COUNT("blog_post"."id")"#, vec![]);
    check(
        Sum("views").default(0).into(),
        &format!("COALESCE(SUM({VIEWS}), $1)"),
        &format!("COALESCE(SUM({VIEWS}), ?1)"),
        vec![Value::I32(0)],
    );
    check(Avg("views").distinct().into(), &format!("AVG(DISTINCT {VIEWS})"), &format!("AVG(DISTINCT {VIEWS})"), vec![]);
}

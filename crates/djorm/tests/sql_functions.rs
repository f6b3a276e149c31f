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
use djorm::{Arg, FieldKind, RowRange, ValueRange, Window};

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

#[test]
fn math_text_and_digest_functions_per_dialect() {
    use djorm::functions::{Log, Mod, Random, Right, StrIndex, SHA1, SHA256};
    check(
        Log(2, "views"),
        &format!("LOG(CAST($1 AS numeric), CAST({VIEWS} AS numeric))"),
        &format!("LOG(?1, {VIEWS})"),
        vec![Value::I32(2)],
    );
    check(
        Mod("views", 3),
        &format!("MOD(CAST({VIEWS} AS numeric), CAST($1 AS numeric))"),
        &format!("MOD({VIEWS}, ?1)"),
        vec![Value::I32(3)],
    );
    check(Random(), "RANDOM()", "(RANDOM() / 18446744073709551616.0 + 0.5)", vec![]);
    // SQLite has no RIGHT: the last n characters, and none for n = 0.
    assert_eq!(rendered(&PostgresDialect, Right("title", 2)), (format!("RIGHT({TITLE}, $1)"), vec![Value::I64(2)]));
    assert_eq!(
        rendered(&SqliteDialect, Right("title", 2)),
        (format!("SUBSTR({TITLE}, -(?1), ?2)"), vec![Value::I64(2), Value::I64(2)])
    );
    check(
        StrIndex("title", Expression::value("x")),
        &format!("STRPOS({TITLE}, $1)"),
        &format!("INSTR({TITLE}, ?1)"),
        vec![Value::from("x")],
    );
    check(SHA1("title"), &format!("ENCODE(DIGEST({TITLE}, 'sha1'), 'hex')"), &format!("SHA1({TITLE})"), vec![]);
    check(
        SHA256("title"),
        &format!("ENCODE(SHA256(CONVERT_TO({TITLE}, 'UTF8')), 'hex')"),
        &format!("SHA256({TITLE})"),
        vec![],
    );
}

#[test]
fn windows_write_over_clauses_and_frames() {
    use djorm::functions::{Lag, Rank};
    let over = format!("RANK() OVER (PARTITION BY \"blog_post\".\"author_id\" ORDER BY {VIEWS} DESC)");
    check(Window::new(Rank()).partition_by(["author"]).order_by(["-views"]).into(), &over, &over, vec![]);
    let framed =
        format!("SUM({VIEWS}) OVER (ORDER BY \"blog_post\".\"id\" ASC ROWS BETWEEN 2 PRECEDING AND CURRENT ROW)");
    check(
        Window::new(Sum("views")).order_by(["id"]).frame(RowRange(Some(-2), Some(0))).into(),
        &framed,
        &framed,
        vec![],
    );
    let unbounded = format!("LAG({VIEWS}, $1) OVER (RANGE BETWEEN UNBOUNDED PRECEDING AND 1 FOLLOWING)");
    check(
        Window::new(Lag("views", 1, None)).frame(ValueRange(None, Some(1))).into(),
        &unbounded,
        &unbounded.replace("$1", "?1"),
        vec![Value::I64(1)],
    );
}

/// A filter on a window applies after it: the query is wrapped, its columns named, the
/// condition a column of the inner query, the order and the slice outside.
#[test]
fn a_filter_on_a_window_wraps_the_query() {
    use djorm::functions::RowNumber;
    let qs = Post::objects()
        .annotate("n", Window::new(RowNumber()).order_by(["id"]))
        .filter(Q::new("n__lte", 2))
        .filter(q!(Post, published = true))
        .order_by(["-views"]);
    let sql = qs.sql_for(&PostgresDialect).expect("compiles").expect("query").sql;
    assert!(sql.starts_with(r#"SELECT "qualify"."col1", "#), "{sql}");
    assert!(sql.contains(r#"ROW_NUMBER() OVER (ORDER BY "blog_post"."id" ASC) <= $1 AS "__djorm_qualify""#), "{sql}");
    assert!(
        sql.contains(r#"WHERE "blog_post"."published" = $2) "qualify" WHERE "qualify"."__djorm_qualify""#),
        "{sql}"
    );
    assert!(sql.ends_with(r#"ORDER BY "qualify"."col6" DESC"#), "{sql}");
}

#[test]
fn collations_are_quoted_names_and_json_objects_bind_their_keys() {
    use djorm::functions::{Collate, JSONObject};
    check(Collate("title", "C"), &format!("{TITLE} COLLATE \"C\""), &format!("{TITLE} COLLATE \"C\""), vec![]);
    check(
        JSONObject([("t", Arg::from("title"))]),
        &format!("JSONB_BUILD_OBJECT(CAST($1 AS text), {TITLE})"),
        &format!("JSON_OBJECT(?1, {TITLE})"),
        vec![Value::from("t")],
    );
}

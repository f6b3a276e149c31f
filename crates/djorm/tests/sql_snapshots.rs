//! Golden SQL per dialect, with no database: each lookup's SQL and its bound parameters.

use djorm::postgres::PostgresDialect;
use djorm::prelude::*;
use djorm::sql::Dialect;
use djorm::sqlite::SqliteDialect;

#[derive(Model, Debug, Clone)]
#[djorm(app = "blog", ordering = ["-created_at"], index(fields = ["author_name", "-created_at"]))]
struct Post {
    pub id: AutoId,
    #[djorm(max_length = 200)]
    pub title: String,
    #[djorm(slug, unique)]
    pub slug: String,
    #[djorm(max_length = 100, db_index)]
    pub author_name: String,
    #[djorm(default = 0)]
    pub views: u32,
    pub published_at: Option<DateTime<Utc>>,
    #[djorm(auto_now_add)]
    pub created_at: DateTime<Utc>,
}

const SELECT: &str = r#"SELECT "blog_post"."id", "blog_post"."title", "blog_post"."slug", "blog_post"."author_name", "blog_post"."views", "blog_post"."published_at", "blog_post"."created_at" FROM "blog_post""#;
const ORDER: &str = r#" ORDER BY "blog_post"."created_at" DESC"#;

/// The WHERE clause and parameters `q` compiles to in `dialect`.
fn where_of(dialect: &dyn Dialect, q: Q) -> (String, Vec<Value>) {
    let compiled = Post::objects().filter(q).sql_for(dialect).expect("compiles").expect("runs a query");
    let sql = compiled.sql.strip_prefix(SELECT).expect("select list").strip_suffix(ORDER).expect("ordering");
    (sql.strip_prefix(" WHERE ").unwrap_or(sql).to_owned(), compiled.params)
}

fn check(q: Q, postgres: &str, sqlite: &str, params: Vec<Value>) {
    let (pg_sql, pg_params) = where_of(&PostgresDialect, q.clone());
    assert_eq!(pg_sql, postgres, "postgresql");
    assert_eq!(pg_params, params, "postgresql params");
    let (lite_sql, lite_params) = where_of(&SqliteDialect, q);
    assert_eq!(lite_sql, sqlite, "sqlite");
    assert_eq!(lite_params, params, "sqlite params");
}

fn s(v: &str) -> Value {
    Value::String(v.into())
}

#[test]
fn exact_and_null() {
    check(q!(Post, title = "a"), r#""blog_post"."title" = $1"#, r#""blog_post"."title" = ?1"#, vec![s("a")]);
    check(
        q!(Post, published_at = None::<DateTime<Utc>>),
        r#""blog_post"."published_at" IS NULL"#,
        r#""blog_post"."published_at" IS NULL"#,
        vec![],
    );
    check(
        q!(Post, published_at__isnull = false),
        r#""blog_post"."published_at" IS NOT NULL"#,
        r#""blog_post"."published_at" IS NOT NULL"#,
        vec![],
    );
}

#[test]
fn text_lookups_escape_wildcards() {
    check(
        q!(Post, title__iexact = "A_b"),
        r#"UPPER("blog_post"."title") LIKE UPPER($1) ESCAPE '\'"#,
        r#""blog_post"."title" LIKE ?1 ESCAPE '\'"#,
        vec![s("A\\_b")],
    );
    let pg = r#""blog_post"."title" LIKE $1 ESCAPE '\'"#;
    let pgi = r#"UPPER("blog_post"."title") LIKE UPPER($1) ESCAPE '\'"#;
    let lite = r#""blog_post"."title" GLOB ?1"#;
    let litei = r#""blog_post"."title" LIKE ?1 ESCAPE '\'"#;
    let (pg_p, glob) = (|v: &str| vec![s(v)], |v: &str| vec![s(v)]);
    let (pg_sql, pg_params) = where_of(&PostgresDialect, q!(Post, title__contains = "100%"));
    assert_eq!((pg_sql.as_str(), pg_params), (pg, pg_p("%100\\%%")));
    let (l_sql, l_params) = where_of(&SqliteDialect, q!(Post, title__contains = "a*b"));
    assert_eq!((l_sql.as_str(), l_params), (lite, glob("*a[*]b*")));
    check(q!(Post, title__icontains = "x"), pgi, litei, vec![s("%x%")]);
    let (pg_sql, pg_params) = where_of(&PostgresDialect, q!(Post, title__startswith = "a_"));
    assert_eq!((pg_sql.as_str(), pg_params), (pg, pg_p("a\\_%")));
    let (l_sql, l_params) = where_of(&SqliteDialect, q!(Post, title__endswith = "?"));
    assert_eq!((l_sql.as_str(), l_params), (lite, glob("*[?]")));
    check(q!(Post, title__istartswith = "x"), pgi, litei, vec![s("x%")]);
    check(q!(Post, title__iendswith = "x"), pgi, litei, vec![s("%x")]);
}

#[test]
fn comparison_in_and_range() {
    check(
        q!(Post, views__gt = 1u32),
        r#""blog_post"."views" > $1"#,
        r#""blog_post"."views" > ?1"#,
        vec![Value::I64(1)],
    );
    check(
        q!(Post, views__gte = 1u32),
        r#""blog_post"."views" >= $1"#,
        r#""blog_post"."views" >= ?1"#,
        vec![Value::I64(1)],
    );
    check(
        q!(Post, views__lt = 1u32),
        r#""blog_post"."views" < $1"#,
        r#""blog_post"."views" < ?1"#,
        vec![Value::I64(1)],
    );
    check(
        q!(Post, views__lte = 1u32),
        r#""blog_post"."views" <= $1"#,
        r#""blog_post"."views" <= ?1"#,
        vec![Value::I64(1)],
    );
    // PostgreSQL binds the list as one array, so one prepared statement serves every length.
    let ids = vec![Value::I64(1), Value::I64(3), Value::I64(5)];
    let (pg, pg_params) = where_of(&PostgresDialect, q!(Post, id__in = [1, 3, 5]));
    assert_eq!((pg.as_str(), pg_params), (r#""blog_post"."id" = ANY($1)"#, vec![Value::Array(ids.clone())]));
    let (lite, lite_params) = where_of(&SqliteDialect, q!(Post, id__in = [1, 3, 5]));
    assert_eq!((lite.as_str(), lite_params), (r#""blog_post"."id" IN (?1, ?2, ?3)"#, ids));
    check(
        q!(Post, views__range = (1u32, 9u32)),
        r#""blog_post"."views" BETWEEN $1 AND $2"#,
        r#""blog_post"."views" BETWEEN ?1 AND ?2"#,
        vec![Value::I64(1), Value::I64(9)],
    );
    check(
        q!(Post, title__regex = "^a"),
        r#""blog_post"."title" ~ $1"#,
        r#""blog_post"."title" REGEXP ?1"#,
        vec![s("^a")],
    );
    check(
        q!(Post, title__iregex = "^a"),
        r#""blog_post"."title" ~* $1"#,
        r#""blog_post"."title" REGEXP '(?i)' || ?1"#,
        vec![s("^a")],
    );
}

#[test]
fn empty_in_compiles_to_no_query() {
    assert!(Post::objects()
        .filter(q!(Post, id__in = Vec::<i64>::new()))
        .sql_for(&PostgresDialect)
        .expect("ok")
        .is_none());
}

#[test]
fn date_transforms() {
    // `__year` with a number is a range of the column itself, as Django writes it (an index
    // on the column serves it); other lookups after `__year` extract the year.
    let instant = |s: &str| DateTime::parse_from_rfc3339(s).expect("instant").with_timezone(&Utc);
    check(
        q!(Post, published_at__year = 2023),
        r#""blog_post"."published_at" BETWEEN $1 AND $2"#,
        r#""blog_post"."published_at" BETWEEN ?1 AND ?2"#,
        vec![Value::DateTime(instant("2023-01-01T00:00:00Z")), Value::DateTime(instant("2023-12-31T23:59:59.999999Z"))],
    );
    check(
        q!(Post, published_at__year__gt = 2023),
        r#""blog_post"."published_at" > $1"#,
        r#""blog_post"."published_at" > ?1"#,
        vec![Value::DateTime(instant("2023-12-31T23:59:59.999999Z"))],
    );
    check(
        q!(Post, published_at__year__range = [2020, 2023]),
        r#"(CAST(FLOOR(EXTRACT(YEAR FROM "blog_post"."published_at" AT TIME ZONE 'UTC')) AS integer)) BETWEEN $1 AND $2"#,
        r#"(CAST(strftime('%Y', "blog_post"."published_at") AS INTEGER)) BETWEEN ?1 AND ?2"#,
        vec![Value::I64(2020), Value::I64(2023)],
    );
    check(
        q!(Post, published_at__week_day = 1),
        r#"(CAST(FLOOR(EXTRACT(DOW FROM "blog_post"."published_at" AT TIME ZONE 'UTC')) AS integer) + 1) = $1"#,
        r#"(CAST(strftime('%w', "blog_post"."published_at") AS INTEGER) + 1) = ?1"#,
        vec![Value::I64(1)],
    );
    let d = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("date");
    check(
        q!(Post, published_at__date__range = [d("2023-01-01"), d("2023-12-31")]),
        r#"("blog_post"."published_at" AT TIME ZONE 'UTC')::date BETWEEN $1 AND $2"#,
        r#"date("blog_post"."published_at") BETWEEN ?1 AND ?2"#,
        vec![Value::Date(d("2023-01-01")), Value::Date(d("2023-12-31"))],
    );
    check(
        q!(Post, published_at__time = NaiveTime::from_hms_opt(1, 2, 3).expect("time")),
        r#"("blog_post"."published_at" AT TIME ZONE 'UTC')::time = $1"#,
        r#"substr("blog_post"."published_at", 12) = ?1"#,
        vec![Value::Time(NaiveTime::from_hms_opt(1, 2, 3).expect("time"))],
    );
}

#[test]
fn q_trees_and_negation_of_nullable_columns() {
    check(
        q!(Post, title = "a") | (q!(Post, views = 1u32) & !q!(Post, slug = "b")),
        r#"("blog_post"."title" = $1) OR (("blog_post"."views" = $2) AND NOT ("blog_post"."slug" = $3))"#,
        r#"("blog_post"."title" = ?1) OR (("blog_post"."views" = ?2) AND NOT ("blog_post"."slug" = ?3))"#,
        vec![s("a"), Value::I64(1), s("b")],
    );
    let year = 2020;
    check(
        !q!(Post, published_at__year = year),
        r#"NOT (("blog_post"."published_at" BETWEEN $1 AND $2) AND ("blog_post"."published_at" IS NOT NULL))"#,
        r#"NOT (("blog_post"."published_at" BETWEEN ?1 AND ?2) AND ("blog_post"."published_at" IS NOT NULL))"#,
        vec![
            Value::DateTime(DateTime::parse_from_rfc3339("2020-01-01T00:00:00Z").expect("instant").with_timezone(&Utc)),
            Value::DateTime(
                DateTime::parse_from_rfc3339("2020-12-31T23:59:59.999999Z").expect("instant").with_timezone(&Utc),
            ),
        ],
    );
    check(
        q!(Post, views = F("id") + 1),
        r#""blog_post"."views" = ("blog_post"."id" + $1)"#,
        r#""blog_post"."views" = ("blog_post"."id" + ?1)"#,
        vec![Value::I32(1)],
    );
}

#[test]
fn statements_other_than_select() {
    let pg: &dyn Dialect = &PostgresDialect;
    let qs = Post::objects().filter(q!(Post, title = "a")).order_by(["title"]).slice(5..15);
    let sql = qs.sql_for(pg).expect("ok").expect("query").sql;
    assert!(
        sql.ends_with(r#" WHERE "blog_post"."title" = $1 ORDER BY "blog_post"."title" ASC LIMIT 10 OFFSET 5"#),
        "{sql}"
    );
    let lite = Post::objects().slice(5..).sql_for(&SqliteDialect).expect("ok").expect("query").sql;
    assert!(lite.ends_with(" LIMIT -1 OFFSET 5"), "{lite}");
    let nulls =
        Post::objects().order_by([Post::published_at().desc().nulls_last()]).sql_for(pg).expect("ok").expect("q").sql;
    assert!(nulls.ends_with(r#"ORDER BY "blog_post"."published_at" DESC NULLS LAST"#), "{nulls}");
}

#[test]
fn create_table_ddl_follows_django() {
    let pg = djorm::schema::create_model(&PostgresDialect, Post::meta()).expect("ddl");
    assert_eq!(
        pg,
        [
            r#"CREATE TABLE "blog_post" ("id" bigint NOT NULL PRIMARY KEY GENERATED BY DEFAULT AS IDENTITY, "title" varchar(200) NOT NULL, "slug" varchar(50) NOT NULL UNIQUE, "author_name" varchar(100) NOT NULL, "views" integer NOT NULL CHECK ("views" >= 0), "published_at" timestamp with time zone NULL, "created_at" timestamp with time zone NOT NULL)"#,
            // Django's PostgreSQL editor: each field's index, then its `_like` index (a unique
            // or indexed varchar gets one); Meta.indexes last.
            r#"CREATE INDEX "blog_post_slug_b95473f2_like" ON "blog_post" ("slug" varchar_pattern_ops)"#,
            r#"CREATE INDEX "blog_post_author_name_026bce33" ON "blog_post" ("author_name")"#,
            r#"CREATE INDEX "blog_post_author_name_026bce33_like" ON "blog_post" ("author_name" varchar_pattern_ops)"#,
            r#"CREATE INDEX "blog_post_author__b0b478_idx" ON "blog_post" ("author_name", "created_at" DESC)"#,
        ]
    );
    let lite = djorm::schema::create_model(&SqliteDialect, Post::meta()).expect("ddl");
    assert_eq!(
        lite[0],
        r#"CREATE TABLE "blog_post" ("id" integer NOT NULL PRIMARY KEY AUTOINCREMENT, "title" varchar(200) NOT NULL, "slug" varchar(50) NOT NULL UNIQUE, "author_name" varchar(100) NOT NULL, "views" integer unsigned NOT NULL CHECK ("views" >= 0), "published_at" datetime NULL, "created_at" datetime NOT NULL)"#
    );
}

/// One schema editor for test databases and migrations: options such as CONCURRENTLY are
/// written only where the database has them, and PostgreSQL's own spellings (USING, the
/// name of a column's UNIQUE) come from its dialect.
#[test]
fn the_schema_editor_asks_the_dialect_for_what_differs() {
    use djorm::schema::state::{IndexState, ModelState};
    use djorm::schema::SchemaEditor;
    let index = IndexState { name: "blog_post_views_idx".into(), columns: vec!["-views".into()] };
    assert_eq!(
        SchemaEditor::new(&PostgresDialect).add_index("blog_post", &index, true),
        r#"CREATE INDEX CONCURRENTLY "blog_post_views_idx" ON "blog_post" ("views" DESC)"#
    );
    assert_eq!(
        SchemaEditor::new(&SqliteDialect).add_index("blog_post", &index, true),
        r#"CREATE INDEX "blog_post_views_idx" ON "blog_post" ("views" DESC)"#
    );

    let before = ModelState::from_meta(Post::meta());
    let mut after = before.clone();
    let slug = after.fields.iter_mut().find(|f| f.name == "slug").expect("slug");
    slug.unique = false;
    slug.max_length = Some(80);
    let (old, new) = (before.field("slug").expect("slug"), after.field("slug").expect("slug"));
    let pg = SchemaEditor::new(&PostgresDialect).alter_field(&before, &after, old, new).expect("ddl");
    assert_eq!(
        pg,
        [
            r#"ALTER TABLE "blog_post" ALTER COLUMN "slug" TYPE varchar(80) USING "slug"::varchar(80)"#,
            r#"ALTER TABLE "blog_post" DROP CONSTRAINT IF EXISTS "blog_post_slug_key""#,
            r#"ALTER TABLE "blog_post" DROP CONSTRAINT IF EXISTS "blog_post_slug_b95473f2_uniq""#,
            // A SlugField is indexed; its unique constraint was the index until now.
            r#"CREATE INDEX "blog_post_slug_b95473f2" ON "blog_post" ("slug")"#,
        ]
    );
    // SQLite cannot alter a column: the table is rebuilt and its rows copied.
    let lite = SchemaEditor::new(&SqliteDialect).alter_field(&before, &after, old, new).expect("ddl");
    assert!(lite[0].starts_with(r#"CREATE TABLE "new__blog_post""#), "{lite:?}");
    assert!(lite[1].starts_with(r#"INSERT INTO "new__blog_post""#), "{lite:?}");
}

/// A check constraint holds lookups a schema can spell without the query compiler; any other
/// is refused with the constraint's name, by test databases and migrations alike.
#[test]
fn a_check_constraint_with_a_lookup_a_schema_cannot_hold_is_refused() {
    use djorm::schema::state::{CheckState, Literal};
    let ok = CheckState { name: "views_gte_0".into(), conditions: vec![("views__gte".into(), Literal::Int(0))] };
    assert!(djorm::schema::editor::check_condition(&ok).is_ok());
    let bad = CheckState {
        name: "title_has_a".into(),
        conditions: vec![("title__contains".into(), Literal::Text("a".into()))],
    };
    let err = djorm::schema::editor::check_condition(&bad).expect_err("refused");
    assert!(err.to_string().contains("check constraint title_has_a: the lookup 'contains'"), "{err}");
}

/// A chain of ANDs is flat; a long chain of ORs is written in parenthesised groups of at most
/// 64, so its parse depth stays far under SQLite's limit of 1000.
#[test]
fn long_junctions_are_grouped() {
    let three = Q::new("views", 1) | Q::new("views", 2) | Q::new("views", 3);
    check(
        three,
        r#"("blog_post"."views" = $1) OR ("blog_post"."views" = $2) OR ("blog_post"."views" = $3)"#,
        r#"("blog_post"."views" = ?1) OR ("blog_post"."views" = ?2) OR ("blog_post"."views" = ?3)"#,
        vec![Value::I64(1), Value::I64(2), Value::I64(3)],
    );
    let wide = (0..130).fold(Q::Or(Vec::new()), |q, i| q | Q::new("views", i));
    let (sql, params) = where_of(&SqliteDialect, wide);
    assert_eq!(params.len(), 130);
    // 130 conditions in 44 groups of at most 3: `(("…" = ?1) OR (…) OR (…)) OR ((…) …`.
    assert_eq!(sql.matches(")) OR ((").count(), 43, "{sql}");
    assert_eq!(sql.matches(" OR ").count(), 129);
}

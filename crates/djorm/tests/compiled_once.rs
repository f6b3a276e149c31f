//! Compile once per query shape: a model read's SQL is learnt once per shape and later reads
//! bind their own values into it. What must never change is the answer: a read from a template
//! sends exactly what lowering it afresh sends (a property test over paths, lookups, value kinds,
//! negations and lists, on both dialects), and values that lowering rewrites (wildcards escaped,
//! `NULL` turned into `IS NULL`, lists of another length, the current time zone) still reach the
//! database rewritten (tests on every backend). INSERTs are remembered per model, row count and
//! key handling, and checked against fresh lowering the same way.

use djorm::postgres::PostgresDialect;
use djorm::prelude::*;
use djorm::query::{insert_sql, model_read_sql};
use djorm::sql::Dialect;
use djorm::sqlite::SqliteDialect;
use djorm::timezone;
use djorm::Rhs;
use proptest::prelude::*;

#[derive(Model, Debug, Clone)]
#[djorm(app = "shapes", ordering = ["id"])]
struct Writer {
    id: AutoId,
    #[djorm(max_length = 100)]
    name: String,
}

#[derive(Model, Debug, Clone)]
#[djorm(app = "shapes", ordering = ["id"])]
struct Note {
    id: AutoId,
    #[djorm(max_length = 200)]
    title: String,
    #[djorm(default = 0)]
    views: i32,
    published_at: Option<DateTime<Utc>>,
    #[djorm(on_delete = Cascade)]
    writer: ForeignKey<Writer>,
}

/// Paths as the dynamic front end spells them, and the right-hand side each takes.
const PATHS: &[(&str, Side)] = &[
    ("title", Side::One),
    ("title__iexact", Side::One),
    ("title__contains", Side::One),
    ("title__icontains", Side::One),
    ("title__startswith", Side::One),
    ("title__iendswith", Side::One),
    ("title__regex", Side::One),
    ("title__gt", Side::One),
    ("title__in", Side::List),
    ("views", Side::One),
    ("views__gte", Side::One),
    ("views__lt", Side::One),
    ("views__range", Side::Range),
    ("id", Side::One),
    ("pk__in", Side::List),
    ("published_at", Side::One),
    ("published_at__gte", Side::One),
    ("published_at__year", Side::One),
    ("published_at__date", Side::One),
    ("published_at__hour", Side::One),
    ("published_at__isnull", Side::One),
    ("writer", Side::One),
    ("writer__name", Side::One),
    ("writer__name__icontains", Side::One),
    ("writer__id__in", Side::List),
];

#[derive(Debug, Clone, Copy)]
enum Side {
    One,
    List,
    Range,
}

/// The kind of a value; booleans and NULL are their own kinds (they are part of a shape).
#[derive(Debug, Clone, Copy)]
enum Kind {
    I64,
    I32,
    Text,
    Float,
    True,
    False,
    Null,
    Instant,
    Day,
}

/// What one value of a kind is made from.
type Seed = (i64, String, f64);

fn value(kind: Kind, (n, text, float): &Seed) -> Value {
    match kind {
        Kind::I64 => Value::I64(*n),
        Kind::I32 => Value::I32(*n as i32),
        Kind::Text => Value::String(text.clone()),
        Kind::Float => Value::F64(*float),
        Kind::True => Value::Bool(true),
        Kind::False => Value::Bool(false),
        Kind::Null => Value::Null,
        Kind::Instant => Value::DateTime(DateTime::from_timestamp(n.rem_euclid(4_000_000_000), 0).unwrap_or_default()),
        Kind::Day => {
            Value::Date(NaiveDate::from_num_days_from_ce_opt((n.rem_euclid(800_000)) as i32 + 1).unwrap_or_default())
        }
    }
}

fn kind() -> impl Strategy<Value = Kind> {
    prop::sample::select(vec![
        Kind::I64,
        Kind::I32,
        Kind::Text,
        Kind::Float,
        Kind::True,
        Kind::False,
        Kind::Null,
        Kind::Instant,
        Kind::Day,
    ])
}

fn seed() -> impl Strategy<Value = Seed> {
    (
        prop_oneof![Just(1i64), Just(2024), Just(-3), 0i64..100_000, any::<i64>()],
        prop_oneof![
            "[a-zA-Z0-9%_\\\\ '*?\\[\\]-]{0,8}",
            Just("2024-03-10".to_owned()),
            Just("12".to_owned()),
            Just(String::new()),
        ],
        prop_oneof![Just(0.5f64), -1e6f64..1e6],
    )
}

/// One condition: a path, the kinds of its values and two seeds per value (one query each).
#[derive(Debug, Clone)]
struct Condition {
    path: usize,
    kinds: Vec<Kind>,
    seeds: Vec<(Seed, Seed)>,
    negated: bool,
}

fn condition() -> impl Strategy<Value = Condition> {
    (0..PATHS.len(), 1usize..4, any::<bool>()).prop_flat_map(|(path, len, negated)| {
        let count = match PATHS[path].1 {
            Side::One => 1,
            Side::Range => 2,
            Side::List => len,
        };
        (prop::collection::vec(kind(), count), prop::collection::vec((seed(), seed()), count))
            .prop_map(move |(kinds, seeds)| Condition { path, kinds, seeds, negated })
    })
}

/// The `Q` of `condition` with its first (`second == false`) or second values.
fn q_of(condition: &Condition, second: bool) -> Q {
    let values: Vec<Value> = condition
        .kinds
        .iter()
        .zip(&condition.seeds)
        .map(|(kind, (a, b))| value(*kind, if second { b } else { a }))
        .collect();
    let (path, side) = PATHS[condition.path];
    let q = match side {
        Side::One => Q::new(path, values[0].clone()),
        Side::Range => Q::new(path, Rhs::Range(values[0].clone(), values[1].clone())),
        Side::List => Q::new(path, Rhs::List(values)),
    };
    if condition.negated {
        !q
    } else {
        q
    }
}

/// The read of `conditions` (each its own filter, or with `either` every second one ORed into
/// one), ordered and sliced.
fn read(conditions: &[Condition], second: bool, either: bool, slice: Option<usize>) -> QuerySet<Note> {
    let mut qs = Note::objects().select_related(["writer"]);
    let mut any: Option<Q> = None;
    for (i, c) in conditions.iter().enumerate() {
        if either && i % 2 == 1 {
            let q = q_of(c, second);
            any = Some(match any {
                Some(before) => before | q,
                None => q,
            });
        } else {
            qs = qs.filter(q_of(c, second));
        }
    }
    if let Some(any) = any {
        qs = qs.filter(any);
    }
    let qs = qs.order_by(["-views", "id"]);
    match slice {
        Some(n) => qs.slice(..n as u64),
        None => qs,
    }
}

/// What lowering `qs` afresh sends, and what the template path sends, agree (errors included).
fn same_as_fresh(qs: &QuerySet<Note>, dialect: &dyn Dialect) -> Result<(), TestCaseError> {
    let fresh = qs.sql_for(dialect);
    let templated = model_read_sql(qs.query(), dialect);
    match (fresh, templated) {
        (Ok(a), Ok(b)) => prop_assert_eq!(a, b, "{:?}", qs.query().filters),
        (Err(a), Err(b)) => prop_assert_eq!(a.to_string(), b.to_string()),
        (a, b) => prop_assert!(false, "fresh {a:?} but templated {b:?} for {:?}", qs.query().filters),
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    /// Two queries of one shape with different values, read in turn (the first learns the
    /// template, the second binds into it, then the first again): each sends exactly the SQL
    /// and parameters lowering it afresh gives, on both dialects.
    #[test]
    fn a_template_sends_what_fresh_lowering_sends(
        conditions in prop::collection::vec(condition(), 1..4),
        either in any::<bool>(),
        slice in prop::option::of(1usize..30),
    ) {
        let first = read(&conditions, false, either, slice);
        let second = read(&conditions, true, either, slice);
        for dialect in [&PostgresDialect as &dyn Dialect, &SqliteDialect] {
            same_as_fresh(&first, dialect)?;
            same_as_fresh(&second, dialect)?;
            same_as_fresh(&first, dialect)?;
        }
    }
}

/// A row of `Note` in field order (id, title, views, published_at, writer), its values made
/// from `seeds` and `kinds` (any kind in any field: the statement must not depend on them).
fn note_row(kinds: &[Kind; 5], seeds: &[Seed; 5]) -> Vec<Value> {
    kinds.iter().zip(seeds).map(|(kind, seed)| value(*kind, seed)).collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(500))]

    /// An INSERT's text is remembered per model, dialect, row count and key handling: inserts of
    /// other values after the first send exactly what lowering and writing them afresh sends.
    #[test]
    fn an_insert_sends_what_fresh_lowering_sends(
        rows in prop::collection::vec((prop::array::uniform5(kind()), prop::array::uniform5(seed())), 1..5),
        returning_pk in any::<bool>(),
    ) {
        let rows: Vec<Vec<Value>> = rows.iter().map(|(kinds, seeds)| note_row(kinds, seeds)).collect();
        let reversed: Vec<Vec<Value>> = rows.iter().rev().cloned().collect();
        let meta = Note::meta();
        for dialect in [&PostgresDialect as &dyn Dialect, &SqliteDialect] {
            for rows in [&rows, &reversed, &rows] {
                let fresh = dialect.compile_insert(&djorm::query::lower::Lowerer::new(meta).insert(rows.clone(), returning_pk));
                prop_assert_eq!(insert_sql(meta, dialect, rows, returning_pk), fresh);
            }
        }
    }
}

async fn seed_notes(db: &Db) -> Result<()> {
    let ann = Writer::objects().create(db, Writer { name: "Ann".into(), ..Default::default() }).await?;
    let at = |s: &str| Some(s.parse::<DateTime<Utc>>().expect("an instant"));
    for (title, views, published_at) in [
        ("100% real", 3, at("2023-01-01T00:00:00Z")),
        ("100 real", 5, None),
        ("a_b", 7, at("2024-03-10T07:30:00Z")),
        ("axb", 9, None),
    ] {
        let note = Note { title: title.into(), views, published_at, writer: (&ann).into(), ..Default::default() };
        Note::objects().create(db, note).await?;
    }
    Ok(())
}

async fn titles(db: &Db, q: Q) -> Result<Vec<String>> {
    Ok(Note::objects().filter(q).all(db).await?.into_iter().map(|n| n.title).collect())
}

djorm::backend_tests! {
    models = [Writer, Note];

    /// A pattern lookup learnt from plain text still escapes the wildcards of the next value:
    /// `%` and `_` match themselves, as Django's `contains` promises.
    async fn wildcards_are_escaped_after_plain_text(db) {
        seed_notes(&db).await?;
        assert_eq!(titles(&db, Q::new("title__contains", "real")).await?, ["100% real", "100 real"]);
        assert_eq!(titles(&db, Q::new("title__contains", "100%")).await?, ["100% real"]);
        assert_eq!(titles(&db, Q::new("title__icontains", "X")).await?, ["axb"]);
        assert_eq!(titles(&db, Q::new("title__icontains", "A_B")).await?, ["a_b"]);
        assert_eq!(titles(&db, Q::new("title__iexact", "AXB")).await?, ["axb"]);
        assert_eq!(titles(&db, Q::new("title__iexact", "a_b")).await?, ["a_b"]);
        assert_eq!(titles(&db, Q::new("title__startswith", "100")).await?, ["100% real", "100 real"]);
        assert_eq!(titles(&db, Q::new("title__startswith", "100%")).await?, ["100% real"]);
        Ok(())
    }

    /// `isnull=True` and `False`, and `None` against a value, are different statements.
    async fn null_and_booleans_are_part_of_the_shape(db) {
        seed_notes(&db).await?;
        assert_eq!(titles(&db, Q::new("published_at__isnull", true)).await?, ["100 real", "axb"]);
        assert_eq!(titles(&db, Q::new("published_at__isnull", false)).await?, ["100% real", "a_b"]);
        assert_eq!(titles(&db, Q::new("published_at", Value::Null)).await?, ["100 real", "axb"]);
        let instant: DateTime<Utc> = "2023-01-01T00:00:00Z".parse().expect("an instant");
        assert_eq!(titles(&db, Q::new("published_at", instant)).await?, ["100% real"]);
        Ok(())
    }

    /// Lists of other lengths, and with NULL in them (which never matches), read right.
    async fn lists_of_other_lengths(db) {
        seed_notes(&db).await?;
        let keys = |k: &[i64]| Rhs::List(k.iter().map(|n| Value::I64(*n)).collect());
        assert_eq!(titles(&db, Q::new("pk__in", keys(&[1]))).await?, ["100% real"]);
        assert_eq!(titles(&db, Q::new("pk__in", keys(&[2, 4]))).await?, ["100 real", "axb"]);
        assert_eq!(titles(&db, Q::new("pk__in", keys(&[3, 4]))).await?, ["a_b", "axb"]);
        let with_null = Rhs::List(vec![Value::Null, Value::I64(3)]);
        assert_eq!(titles(&db, Q::new("pk__in", with_null)).await?, ["a_b"]);
        Ok(())
    }

    /// The same `__date` read in two zones: each reads its own zone's clocks (New Year in UTC
    /// is still 31 December in New York).
    async fn the_current_zone_is_part_of_the_shape(db) {
        seed_notes(&db).await?;
        let new_york = timezone::parse("America/New_York")?;
        let on = |day: &'static str| Q::new("published_at__date", day);
        assert_eq!(titles(&db, on("2023-01-01")).await?, ["100% real"]);
        assert_eq!(timezone::scope(new_york, titles(&db, on("2023-01-01"))).await?, Vec::<String>::new());
        assert_eq!(timezone::scope(new_york, titles(&db, on("2022-12-31"))).await?, ["100% real"]);
        assert_eq!(titles(&db, on("2022-12-31")).await?, Vec::<String>::new());
        assert_eq!(titles(&db, Q::new("published_at__year", 2024)).await?, ["a_b"]);
        assert_eq!(titles(&db, Q::new("published_at__year", 2023)).await?, ["100% real"]);
        Ok(())
    }

    /// Repeated `get`s by key, typed and dynamic, each return their own row, and a missing key
    /// is still DoesNotExist after many hits.
    async fn repeated_gets_return_each_keys_row(db) {
        seed_notes(&db).await?;
        for round in 0..3 {
            for (key, title) in [(1i64, "100% real"), (2, "100 real"), (3, "a_b"), (4, "axb")] {
                assert_eq!(Note::objects().get(&db, q!(Note, id = key)).await?.title, title, "round {round}");
                assert_eq!(Note::objects().get(&db, Q::new("pk", key)).await?.title, title);
            }
        }
        let missing = Note::objects().get(&db, q!(Note, id = 99)).await.expect_err("no such note");
        assert!(matches!(missing, Error::DoesNotExist { .. }), "{missing:?}");
        let views: Vec<i32> = Note::objects().filter(q!(Note, views__gte = 5)).all(&db).await?.iter().map(|n| n.views).collect();
        assert_eq!(views, [5, 7, 9]);
        let views: Vec<i32> = Note::objects().filter(q!(Note, views__gte = 8)).all(&db).await?.iter().map(|n| n.views).collect();
        assert_eq!(views, [9]);
        Ok(())
    }
}

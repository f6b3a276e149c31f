//! Model fields decode from columns whose database types differ from the ones djorm would
//! create (a legacy schema, `inspectdb` output): PostgreSQL hands its rows to the models
//! undecoded and each field reads its column directly, SQLite goes through values; both must
//! give the same objects, and a NULL where the Rust type has no room for one is an error.

use djorm::prelude::*;
use djorm::testing::TestDatabase;
use djorm::ValueKind;

#[derive(Model, Debug, Clone, PartialEq)]
#[djorm(app = "decoding", db_table = "legacy_reading")]
struct Reading {
    id: AutoId,
    small: i64,
    count: i32,
    ratio: f64,
    #[djorm(max_length = 20)]
    label: String,
    flag: bool,
    note: Option<String>,
    score: Option<i64>,
    amount: i64,
}

/// The same DDL reads as different storage on each backend (SQLite keeps `real`, `numeric`...
/// by affinity).
const TABLE: &str = "CREATE TABLE legacy_reading (id integer PRIMARY KEY, small smallint NOT NULL, \
     count bigint NOT NULL, ratio real NOT NULL, label char(5), flag boolean NOT NULL, note text, \
     score integer, amount numeric(12, 0) NOT NULL)";
const ROWS: &str = "INSERT INTO legacy_reading VALUES (1, 7, 40000, 0.5, 'ab', true, NULL, 12, 99), \
     (2, -3, 1, 2.25, 'xyz', false, 'seen', NULL, 0)";

fn expected() -> Vec<Reading> {
    vec![
        Reading {
            id: AutoId::new(1),
            small: 7,
            count: 40000,
            ratio: 0.5,
            label: "ab".into(),
            flag: true,
            note: None,
            score: Some(12),
            amount: 99,
        },
        Reading {
            id: AutoId::new(2),
            small: -3,
            count: 1,
            ratio: 2.25,
            label: "xyz".into(),
            flag: false,
            note: Some("seen".into()),
            score: None,
            amount: 0,
        },
    ]
}

async fn legacy(test: &TestDatabase) -> Db {
    let db = test.db().clone();
    db.execute_script(&[TABLE.to_owned(), ROWS.to_owned()]).await.expect("legacy table");
    db
}

/// `char(5)` pads on PostgreSQL (as Django reads it too); SQLite keeps the text as written.
fn unpadded(mut readings: Vec<Reading>) -> Vec<Reading> {
    for r in &mut readings {
        r.label = r.label.trim_end().to_owned();
    }
    readings
}

/// `iterator()`'s objects, one at a time (its rows come one by one on PostgreSQL, packed in
/// batches from SQLite's stepping thread: other paths than all()'s).
async fn streamed<M: Model>(db: &Db) -> djorm::Result<Vec<M>> {
    use futures_util::TryStreamExt;
    M::objects().order_by(["id"]).iterator(db).await?.try_collect().await
}

async fn check_decoding(db: &Db) {
    let all = Reading::objects().order_by(["id"]).all(db).await.expect("every type decodes");
    assert_eq!(unpadded(all), expected());
    assert_eq!(unpadded(streamed::<Reading>(db).await.expect("iterator()")), expected());
    let one = Reading::objects().get(db, q!(Reading, score__isnull = true)).await.expect("get");
    assert_eq!(one.note.as_deref(), Some("seen"));
    let raw = Reading::objects()
        .raw(db, "SELECT * FROM legacy_reading WHERE small < %s ORDER BY id", [Value::I64(0)])
        .await
        .expect("raw() decodes the same way");
    assert_eq!(unpadded(raw), expected()[1..].to_vec());
    // raw() SQL that leaves out columns the model needs: an error naming the problem, no panic.
    let err = Reading::objects()
        .raw(db, "SELECT id, small FROM legacy_reading", [])
        .await
        .expect_err("two columns cannot fill nine fields");
    assert!(matches!(err, djorm::Error::Decode(_)), "{err:?}");
}

/// The undecoded rows, turned into values, are exactly what the value path decodes.
async fn check_native_rows_match_values(db: &Db) {
    let compiled = Reading::objects().order_by(["id"]).sql(db).expect("sql").expect("a query");
    let kinds: Vec<ValueKind> = Reading::meta().fields.iter().map(|f| f.value_kind()).collect();
    let values = db.fetch(&compiled, &kinds).await.expect("values");
    let native = db.fetch_native(&compiled, &kinds, None).await.expect("native").into_rows().expect("decoded");
    assert_eq!(native, values);
    assert_eq!((native.width, native.len()), (9, 2));
}

async fn check_null_is_an_error(db: &Db) {
    db.execute_script(&["UPDATE legacy_reading SET label = NULL WHERE id = 2".to_owned()]).await.expect("null");
    let err = Reading::objects().order_by(["id"]).all(db).await.expect_err("a NULL in a String field");
    assert!(matches!(err, djorm::Error::Decode(_)), "{err:?}");
    assert!(err.to_string().contains("NULL"), "{err}");
    let err = streamed::<Reading>(db).await.expect_err("iterator(): a NULL in a String field");
    assert!(matches!(err, djorm::Error::Decode(_)) && err.to_string().contains("NULL"), "{err:?}");
    // The row with a value still decodes: nothing was consumed by the failure.
    let first = Reading::objects().get(db, q!(Reading, id = 1)).await.expect("the other row");
    assert_eq!(first.label.trim_end(), "ab");
}

/// A model whose every column PostgreSQL hands over whole and undecoded (`RawColumn`): dates,
/// times, UUIDs, JSON and bytes decode from the binary format in djorm rather than the driver.
#[derive(Model, Debug, Clone, PartialEq)]
#[djorm(app = "decoding", db_table = "decoding_moment")]
struct Moment {
    id: AutoId,
    at: chrono::DateTime<chrono::Utc>,
    day: Option<chrono::NaiveDate>,
    alarm: Option<chrono::NaiveTime>,
    token: Option<uuid::Uuid>,
    doc: Option<serde_json::Value>,
    payload: Option<Vec<u8>>,
    ratio: f64,
    small: i16,
    flag: bool,
    #[djorm(max_length = 20)]
    label: String,
}

fn moments() -> Vec<Moment> {
    let at = |s: &str| s.parse::<chrono::DateTime<chrono::Utc>>().expect("instant");
    vec![
        Moment {
            id: AutoId::default(),
            at: at("1999-12-31T23:59:59.999999Z"),
            day: chrono::NaiveDate::from_ymd_opt(1969, 7, 20),
            alarm: chrono::NaiveTime::from_hms_micro_opt(23, 59, 59, 500_000),
            token: Some(uuid::Uuid::from_u128(0x0123_4567_89ab_cdef_0123_4567_89ab_cdef)),
            doc: Some(serde_json::json!({"tags": ["a", "b"], "n": 1.5, "none": null})),
            payload: Some(vec![0, 1, 254, 255]),
            ratio: -0.125,
            small: -32768,
            flag: true,
            label: "été".into(),
        },
        Moment {
            id: AutoId::default(),
            at: at("2031-05-06T07:08:09Z"),
            day: None,
            alarm: None,
            token: None,
            doc: None,
            payload: None,
            ratio: 1e300,
            small: 32767,
            flag: false,
            label: String::new(),
        },
    ]
}

/// Saved moments load back equal, through the query path and a select on each field's value.
async fn check_moments(db: &Db) {
    let mut created = Vec::new();
    for moment in moments() {
        created.push(Moment::objects().create(db, moment).await.expect("create"));
    }
    let loaded = Moment::objects().order_by(["id"]).all(db).await.expect("every column decodes");
    assert_eq!(loaded, created);
    assert_eq!(streamed::<Moment>(db).await.expect("iterator() decodes every column"), created);
    let late = Moment::objects().get(db, q!(Moment, day__isnull = true)).await.expect("get");
    assert_eq!(late, created[1]);
}

#[tokio::test]
async fn postgres_hands_rows_of_simple_types_over_whole_and_they_decode_like_the_driver() {
    let test = TestDatabase::new("postgresql", &[Moment::meta()]).await.expect("postgres");
    let db = test.db();
    check_moments(db).await;
    let compiled = Moment::objects().order_by(["id"]).sql(db).expect("sql").expect("a query");
    let kinds: Vec<ValueKind> = Moment::meta().fields.iter().map(|f| f.value_kind()).collect();
    let djorm::backend::Fetched::Native(rows) = db.fetch_native(&compiled, &kinds, None).await.expect("native") else {
        panic!("PostgreSQL returns its own rows");
    };
    assert!(djorm::backend::NativeRows::all_raw(&*rows), "every column of Moment is read from its bytes");
    // Each raw column, turned into a value, is what the driver decodes.
    let mut from_bytes = Vec::new();
    for index in 0..rows.len() {
        let mut columns = vec![djorm::backend::RawColumn::NULL; rows.width()];
        rows.raw_row(index, &mut columns).expect("raw row");
        for column in columns {
            from_bytes.push(column.value().expect("decodes"));
        }
    }
    // The cursor decodes each column through the driver's own types.
    let native = db.fetch_native(&compiled, &kinds, None).await.expect("native");
    let driver = native.into_rows().expect("the driver decodes");
    assert_eq!(from_bytes, driver.values);
    assert_eq!(driver.width, 11);
    // values() and aggregates read whole rows the same undecoded way.
    assert_eq!(db.fetch(&compiled, &kinds).await.expect("values").values, driver.values);
}

#[tokio::test]
async fn sqlite_round_trips_the_same_moments() {
    let test = TestDatabase::new("sqlite", &[Moment::meta()]).await.expect("sqlite");
    check_moments(test.db()).await;
}

#[tokio::test]
async fn postgres_columns_of_other_types_decode_into_the_fields() {
    let test = TestDatabase::new("postgresql", &[]).await.expect("postgres");
    let db = legacy(&test).await;
    check_decoding(&db).await;
    check_native_rows_match_values(&db).await;
    check_null_is_an_error(&db).await;
}

#[tokio::test]
async fn sqlite_columns_of_other_types_decode_into_the_fields() {
    let test = TestDatabase::new("sqlite", &[]).await.expect("sqlite");
    let db = legacy(&test).await;
    check_decoding(&db).await;
    check_native_rows_match_values(&db).await;
    check_null_is_an_error(&db).await;
}

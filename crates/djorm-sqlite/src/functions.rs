//! The SQL functions Django adds to every SQLite connection, in Rust: `REGEXP`, the math
//! functions the bundled SQLite is built without, padding, repeating and reversing text, and
//! the digests. Each gives what the PostgreSQL function of the same name gives, and NULL for
//! a NULL argument.

use md5::Md5;
use rusqlite::functions::{Context, FunctionFlags};
use rusqlite::types::{Value as SqlValue, ValueRef};
use rusqlite::Connection;
use sha1::Sha1;
use sha2::{Digest, Sha224, Sha256, Sha384, Sha512};

type FnResult<T> = rusqlite::Result<T>;
type Unary = fn(f64) -> f64;
type Binary = fn(f64, f64) -> f64;

const FLAGS: FunctionFlags = FunctionFlags::SQLITE_UTF8.union(FunctionFlags::SQLITE_DETERMINISTIC);

/// Registers every function on a new connection.
pub(crate) fn register(conn: &Connection) -> FnResult<()> {
    // `x REGEXP y` calls regexp(y, x).
    conn.create_scalar_function("regexp", 2, FLAGS, |ctx| {
        let regex = ctx.get_or_create_aux(
            0,
            |v| -> std::result::Result<regex::Regex, Box<dyn std::error::Error + Send + Sync>> {
                Ok(regex::Regex::new(v.as_str()?)?)
            },
        )?;
        let text: Option<String> = ctx.get(1)?;
        Ok(text.map(|t| regex.is_match(&t)))
    })?;
    register_math(conn)?;
    register_text(conn)?;
    register_temporal(conn)?;
    crate::time_zones::register(conn)?;
    register_digests(conn)
}

/// A number argument as a float: integers, reals and numeric text (decimals); `None` for NULL
/// and for anything that is not a number, as SQLite's own math functions read arguments.
fn number(ctx: &Context<'_>, i: usize) -> FnResult<Option<f64>> {
    Ok(match ctx.get_raw(i) {
        ValueRef::Integer(v) => Some(v as f64),
        ValueRef::Real(v) => Some(v),
        ValueRef::Text(t) => std::str::from_utf8(t).ok().and_then(|t| t.trim().parse().ok()),
        ValueRef::Null | ValueRef::Blob(_) => None,
    })
}

/// A float result; NULL outside the function's domain (the square root of -1), as SQLite's
/// own math functions answer (PostgreSQL raises an error there).
fn real(v: f64) -> FnResult<SqlValue> {
    Ok(if v.is_nan() { SqlValue::Null } else { SqlValue::Real(v) })
}

fn unary(conn: &Connection, name: &str, f: Unary) -> FnResult<()> {
    conn.create_scalar_function(name, 1, FLAGS, move |ctx| match number(ctx, 0)? {
        Some(x) => real(f(x)),
        None => Ok(SqlValue::Null),
    })
}

fn binary(conn: &Connection, name: &str, f: Binary) -> FnResult<()> {
    conn.create_scalar_function(name, 2, FLAGS, move |ctx| match (number(ctx, 0)?, number(ctx, 1)?) {
        (Some(x), Some(y)) => real(f(x, y)),
        _ => Ok(SqlValue::Null),
    })
}

/// `CEILING` and `FLOOR` keep an integer an integer, as PostgreSQL's do.
fn rounding(conn: &Connection, name: &str, f: Unary) -> FnResult<()> {
    conn.create_scalar_function(name, 1, FLAGS, move |ctx| {
        Ok(match ctx.get_raw(0) {
            ValueRef::Integer(v) => SqlValue::Integer(v),
            _ => match number(ctx, 0)? {
                Some(x) => SqlValue::Real(f(x)),
                None => SqlValue::Null,
            },
        })
    })
}

fn register_math(conn: &Connection) -> FnResult<()> {
    let unary_fns: [(&str, Unary); 12] = [
        ("ACOS", f64::acos),
        ("ASIN", f64::asin),
        ("ATAN", f64::atan),
        ("COS", f64::cos),
        ("COT", |x| 1.0 / x.tan()),
        ("DEGREES", f64::to_degrees),
        ("EXP", f64::exp),
        ("LN", |x| if x > 0.0 { x.ln() } else { f64::NAN }),
        ("RADIANS", f64::to_radians),
        ("SIN", f64::sin),
        ("SQRT", f64::sqrt),
        ("TAN", f64::tan),
    ];
    for (name, f) in unary_fns {
        unary(conn, name, f)?;
    }
    let binary_fns: [(&str, Binary); 4] = [
        ("ATAN2", f64::atan2),
        // Django's Log(base, x).
        ("LOG", |base, x| if base > 0.0 && x > 0.0 && base != 1.0 { x.log(base) } else { f64::NAN }),
        ("MOD", |x, y| if y == 0.0 { f64::NAN } else { x % y }),
        ("POWER", f64::powf),
    ];
    for (name, f) in binary_fns {
        binary(conn, name, f)?;
    }
    rounding(conn, "CEILING", f64::ceil)?;
    rounding(conn, "FLOOR", f64::floor)?;
    conn.create_scalar_function("PI", 0, FLAGS, |_| Ok(std::f64::consts::PI))
}

/// A text argument; `None` for NULL (numbers are shown as SQLite shows them).
fn text(ctx: &Context<'_>, i: usize) -> FnResult<Option<String>> {
    Ok(match ctx.get_raw(i) {
        ValueRef::Null => None,
        ValueRef::Integer(v) => Some(v.to_string()),
        ValueRef::Real(v) => Some(v.to_string()),
        ValueRef::Text(t) | ValueRef::Blob(t) => Some(String::from_utf8_lossy(t).into_owned()),
    })
}

/// The longest text these functions make: SQLite's own limit (`SQLITE_MAX_LENGTH`), so a huge
/// count is an error, never an allocation the process cannot survive.
const MAX_TEXT_BYTES: usize = 1_000_000_000;

fn too_big() -> rusqlite::Error {
    rusqlite::Error::SqliteFailure(
        rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_TOOBIG),
        Some("string or blob too big".into()),
    )
}

/// A count argument (a length or a repeat count); negative counts as 0, as PostgreSQL does.
fn count(ctx: &Context<'_>, i: usize) -> FnResult<Option<usize>> {
    Ok(number(ctx, i)?.map(|n| if n > 0.0 { n.min(usize::MAX as f64) as usize } else { 0 }))
}

/// Refuses a result longer than [`MAX_TEXT_BYTES`] before building it.
fn within_limit(chars: usize, bytes_per_char: usize) -> FnResult<()> {
    match chars.checked_mul(bytes_per_char.max(1)) {
        Some(bytes) if bytes <= MAX_TEXT_BYTES => Ok(()),
        _ => Err(too_big()),
    }
}

/// Pads `text` to `length` characters with `fill` (cut to `length` when longer), on the left
/// or the right.
fn pad(text: &str, length: usize, fill: &str, left: bool) -> String {
    let chars = text.chars().count();
    if chars >= length {
        return text.chars().take(length).collect();
    }
    if fill.is_empty() {
        return text.to_owned();
    }
    let padding: String = fill.chars().cycle().take(length - chars).collect();
    if left {
        padding + text
    } else {
        text.to_owned() + &padding
    }
}

fn register_text(conn: &Connection) -> FnResult<()> {
    for (name, left) in [("LPAD", true), ("RPAD", false)] {
        conn.create_scalar_function(name, 3, FLAGS, move |ctx| {
            Ok(match (text(ctx, 0)?, count(ctx, 1)?, text(ctx, 2)?) {
                (Some(t), Some(n), Some(fill)) => {
                    within_limit(n, fill.len().max(t.len() / t.chars().count().max(1)))?;
                    Some(pad(&t, n, &fill, left))
                }
                _ => None,
            })
        })?;
    }
    conn.create_scalar_function("REPEAT", 2, FLAGS, |ctx| {
        Ok(match (text(ctx, 0)?, count(ctx, 1)?) {
            (Some(t), Some(n)) => {
                within_limit(n, t.len())?;
                Some(t.repeat(n))
            }
            _ => None,
        })
    })?;
    conn.create_scalar_function("REVERSE", 1, FLAGS, |ctx| {
        Ok(text(ctx, 0)?.map(|t| t.chars().rev().collect::<String>()))
    })
}

/// A stored date, time or timestamp, told apart by its text form.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Temporal {
    Date(chrono::NaiveDate),
    Time(chrono::NaiveTime),
    DateTime(chrono::NaiveDateTime),
}

fn temporal(ctx: &Context<'_>, i: usize) -> FnResult<Option<Temporal>> {
    let Some(t) = text(ctx, i)? else { return Ok(None) };
    let t = t.trim();
    Ok(if t.len() == 10 {
        chrono::NaiveDate::parse_from_str(t, "%Y-%m-%d").ok().map(Temporal::Date)
    } else if !t.contains('-') {
        djorm_core::lower::parse_time(t).map(Temporal::Time)
    } else {
        djorm_core::lower::parse_datetime(t).map(|d| Temporal::DateTime(d.naive_utc()))
    })
}

impl Temporal {
    /// A point on one line for differences: a date is its midnight, a time a time of day 1970-01-01.
    fn instant(self) -> chrono::NaiveDateTime {
        match self {
            Temporal::Date(d) => d.and_time(chrono::NaiveTime::MIN),
            Temporal::Time(t) => chrono::NaiveDate::default().and_time(t),
            Temporal::DateTime(dt) => dt,
        }
    }
}

/// `DJORM_TEMPORAL_DIFF(a, b)`: `a - b` in microseconds (a DurationField's storage);
/// `DJORM_TEMPORAL_ADD(point, micros)`: a date or timestamp moved by a duration, as a timestamp
/// (Django: a date plus a duration is a DateTimeField), a time as a time of day (wrapping as
/// PostgreSQL's `time + interval` does).
fn register_temporal(conn: &Connection) -> FnResult<()> {
    conn.create_scalar_function("DJORM_TEMPORAL_DIFF", 2, FLAGS, |ctx| {
        Ok(match (temporal(ctx, 0)?, temporal(ctx, 1)?) {
            (Some(a), Some(b)) => (a.instant() - b.instant()).num_microseconds(),
            _ => None,
        })
    })?;
    conn.create_scalar_function("DJORM_TEMPORAL_ADD", 2, FLAGS, |ctx| {
        let micros = match ctx.get_raw(1) {
            ValueRef::Integer(i) => i,
            ValueRef::Real(f) => f.round() as i64,
            _ => return Ok(None),
        };
        let delta = chrono::TimeDelta::microseconds(micros);
        Ok(match temporal(ctx, 0)? {
            Some(Temporal::Time(t)) => {
                Some(crate::types::storage_text(&djorm_sql::Value::Time(t.overflowing_add_signed(delta).0)))
            }
            Some(point) => point
                .instant()
                .checked_add_signed(delta)
                .map(|dt| crate::types::storage_text(&djorm_sql::Value::DateTime(dt.and_utc()))),
            None => None,
        })
    })
}

fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    bytes.iter().fold(String::with_capacity(bytes.len() * 2), |mut out, b| {
        let _ = write!(out, "{b:02x}");
        out
    })
}

fn digest<D: Digest>(conn: &Connection, name: &str) -> FnResult<()> {
    conn.create_scalar_function(name, 1, FLAGS, |ctx| Ok(text(ctx, 0)?.map(|t| hex(&D::digest(t.as_bytes())))))
}

fn register_digests(conn: &Connection) -> FnResult<()> {
    digest::<Md5>(conn, "MD5")?;
    digest::<Sha1>(conn, "SHA1")?;
    digest::<Sha224>(conn, "SHA224")?;
    digest::<Sha256>(conn, "SHA256")?;
    digest::<Sha384>(conn, "SHA384")?;
    digest::<Sha512>(conn, "SHA512")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one(conn: &Connection, sql: &str) -> SqlValue {
        conn.query_row(sql, [], |r| r.get(0)).expect(sql)
    }

    #[test]
    fn the_functions_answer_as_postgresql_does() {
        let conn = Connection::open_in_memory().expect("an in-memory database");
        register(&conn).expect("the functions register");
        assert_eq!(one(&conn, "SELECT SQRT(16)"), SqlValue::Real(4.0));
        assert_eq!(one(&conn, "SELECT CEILING(7)"), SqlValue::Integer(7));
        assert_eq!(one(&conn, "SELECT FLOOR(-1.5)"), SqlValue::Real(-2.0));
        assert_eq!(one(&conn, "SELECT LOG(2, 8)"), SqlValue::Real(3.0));
        assert_eq!(one(&conn, "SELECT SQRT(NULL)"), SqlValue::Null);
        assert_eq!(one(&conn, "SELECT SQRT(-1)"), SqlValue::Null);
        assert_eq!(one(&conn, "SELECT MOD(1, 0)"), SqlValue::Null);
        assert_eq!(one(&conn, "SELECT SQRT('Ann')"), SqlValue::Null);
        assert_eq!(one(&conn, "SELECT LPAD('ab', 5, 'xy')"), SqlValue::Text("xyxab".into()));
        assert_eq!(one(&conn, "SELECT LPAD('abcdef', 3, 'x')"), SqlValue::Text("abc".into()));
        assert_eq!(one(&conn, "SELECT RPAD('zoë', 5, '.')"), SqlValue::Text("zoë..".into()));
        assert_eq!(one(&conn, "SELECT REPEAT('ab', 3)"), SqlValue::Text("ababab".into()));
        assert_eq!(one(&conn, "SELECT REPEAT('ab', -1)"), SqlValue::Text(String::new()));
        // A huge count is SQLite's "string or blob too big", never an allocation that aborts.
        for sql in ["SELECT REPEAT('ab', 1e12)", "SELECT LPAD('a', 9e18, 'xy')", "SELECT RPAD('a', 1e300, 'x')"] {
            let err = conn.query_row(sql, [], |r| r.get::<_, String>(0)).expect_err(sql);
            assert!(err.to_string().contains("too big"), "{sql}: {err}");
        }
        assert_eq!(one(&conn, "SELECT REVERSE('crème')"), SqlValue::Text("emèrc".into()));
        assert_eq!(
            one(&conn, "SELECT DJORM_TEMPORAL_DIFF('2024-01-02 00:00:00.5', '2024-01-01')"),
            SqlValue::Integer(86_400_500_000)
        );
        assert_eq!(one(&conn, "SELECT DJORM_TEMPORAL_DIFF('10:00:00', '12:30:00')"), SqlValue::Integer(-9_000_000_000));
        assert_eq!(
            one(&conn, "SELECT DJORM_TEMPORAL_ADD('2024-12-31 23:59:59', 1000001)"),
            SqlValue::Text("2025-01-01 00:00:00.000001".into())
        );
        assert_eq!(
            one(&conn, "SELECT DJORM_TEMPORAL_ADD('2024-02-28', 86400000000)"),
            SqlValue::Text("2024-02-29 00:00:00".into())
        );
        assert_eq!(one(&conn, "SELECT DJORM_TEMPORAL_ADD('23:00:00', 7200000000)"), SqlValue::Text("01:00:00".into()));
        assert_eq!(one(&conn, "SELECT MD5('')"), SqlValue::Text("d41d8cd98f00b204e9800998ecf8427e".into()));
        assert_eq!(
            one(&conn, "SELECT SHA256('abc')"),
            SqlValue::Text("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad".into())
        );
    }
}

//! djorm values in and out of MariaDB's wire values, stored as Django stores them on MySQL:
//! booleans as `TINYINT(1)`, UUIDs as 32 hex digits, durations as microseconds, datetimes as
//! UTC wall-clock time with microseconds, JSON as its text.

use chrono::{Datelike, NaiveDate, NaiveDateTime, NaiveTime, TimeDelta, Timelike};
use djorm_core::lower::{parse_datetime, parse_time};
use djorm_core::{Error, Result};
use djorm_sql::{Value, ValueKind};
use mysql_async::Value as My;
use rust_decimal::Decimal;

/// A value as the text a literal holds (`sqlmigrate`'s defaults), as stored.
pub fn literal_text(value: &Value) -> String {
    match value {
        Value::DateTime(dt) => dt.naive_utc().format("%Y-%m-%d %H:%M:%S%.6f").to_string(),
        Value::Time(t) => t.format("%H:%M:%S%.6f").to_string(),
        Value::Date(d) => d.format("%Y-%m-%d").to_string(),
        Value::Uuid(u) => u.simple().to_string(),
        other => other.to_string(),
    }
}

fn date_time(dt: NaiveDateTime) -> My {
    My::Date(
        dt.year().clamp(0, 9999) as u16,
        dt.month() as u8,
        dt.day() as u8,
        dt.hour() as u8,
        dt.minute() as u8,
        dt.second() as u8,
        dt.nanosecond() / 1_000 % 1_000_000,
    )
}

/// One parameter as the driver sends it.
pub fn param(value: &Value) -> Result<My> {
    Ok(match value {
        Value::Null => My::NULL,
        Value::Bool(b) => My::Int(i64::from(*b)),
        Value::I16(i) => My::Int(i64::from(*i)),
        Value::I32(i) => My::Int(i64::from(*i)),
        Value::I64(i) => My::Int(*i),
        Value::F64(f) => My::Double(*f),
        Value::Decimal(d) => My::Bytes(d.to_string().into_bytes()),
        Value::String(s) => My::Bytes(s.as_bytes().to_vec()),
        Value::Bytes(b) => My::Bytes(b.clone()),
        Value::Uuid(u) => My::Bytes(u.simple().to_string().into_bytes()),
        Value::Date(d) => My::Date(d.year().clamp(0, 9999) as u16, d.month() as u8, d.day() as u8, 0, 0, 0, 0),
        Value::Time(t) => {
            My::Time(false, 0, t.hour() as u8, t.minute() as u8, t.second() as u8, t.nanosecond() / 1_000 % 1_000_000)
        }
        Value::DateTime(dt) => date_time(dt.naive_utc()),
        Value::Duration(d) => match djorm_sql::duration_micros(*d) {
            Some(micros) => My::Int(micros),
            None => return Err(Error::Decode("a duration beyond ±292,000 years".into())),
        },
        Value::Json(j) => My::Bytes(j.to_string().into_bytes()),
        Value::Array(_) => {
            return Err(Error::NotSupported { backend: "mysql", what: "array parameters".into() });
        }
    })
}

/// Every parameter of a statement.
pub fn params(values: &[Value]) -> Result<mysql_async::Params> {
    if values.is_empty() {
        return Ok(mysql_async::Params::Empty);
    }
    Ok(mysql_async::Params::Positional(values.iter().map(param).collect::<Result<_>>()?))
}

fn bad(kind: ValueKind, v: &My) -> Error {
    Error::Decode(format!("MariaDB {v:?} as {kind:?}"))
}

fn text(bytes: &[u8]) -> String {
    match std::str::from_utf8(bytes) {
        Ok(text) => text.to_owned(),
        Err(_) => String::from_utf8_lossy(bytes).into_owned(),
    }
}

/// The driver's bytes as text, kept in place when they are UTF-8 (no copy).
fn owned_text(bytes: Vec<u8>) -> String {
    String::from_utf8(bytes).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
}

fn naive_date_time(v: &My) -> Option<NaiveDateTime> {
    match *v {
        My::Date(y, mo, d, h, mi, s, us) => NaiveDate::from_ymd_opt(i32::from(y), u32::from(mo), u32::from(d))?
            .and_hms_micro_opt(u32::from(h), u32::from(mi), u32::from(s), us),
        _ => None,
    }
}

fn time_of_day(v: &My) -> Option<NaiveTime> {
    match *v {
        My::Time(false, 0, h, mi, s, us) => {
            NaiveTime::from_hms_micro_opt(u32::from(h), u32::from(mi), u32::from(s), us)
        }
        _ => None,
    }
}

/// Reads a column as `kind`; `Any` takes what the server sent.
pub fn decode(v: My, kind: ValueKind) -> Result<Value> {
    use ValueKind as K;
    Ok(match (kind, v) {
        (_, My::NULL) => Value::Null,
        (K::Bool, My::Int(i)) => Value::Bool(i != 0),
        (K::Bool, My::UInt(i)) => Value::Bool(i != 0),
        (K::Bool, My::Bytes(b)) => Value::Bool(b.as_slice() != b"0"),
        (K::I16 | K::I32 | K::I64, My::Int(i)) => Value::I64(i).conform(kind),
        (K::I16 | K::I32 | K::I64, My::UInt(i)) => Value::I64(i64::try_from(i).unwrap_or(i64::MAX)).conform(kind),
        (K::I16 | K::I32 | K::I64, v @ My::Bytes(_)) => {
            let My::Bytes(b) = &v else { unreachable!() };
            let parsed = text(b).trim().parse::<Decimal>().map_err(|_| bad(kind, &v))?;
            Value::I64(i64::try_from(parsed.trunc()).map_err(|_| bad(kind, &v))?).conform(kind)
        }
        (K::I16 | K::I32 | K::I64, My::Double(f)) => Value::I64(f as i64).conform(kind),
        (K::F64, My::Double(f)) => Value::F64(f),
        (K::F64, My::Float(f)) => Value::F64(f64::from(f)),
        (K::F64, My::Int(i)) => Value::F64(i as f64),
        (K::F64, My::UInt(i)) => Value::F64(i as f64),
        (K::F64, v @ My::Bytes(_)) => {
            let My::Bytes(b) = &v else { unreachable!() };
            Value::F64(text(b).trim().parse().map_err(|_| bad(kind, &v))?)
        }
        (K::Decimal, My::Int(i)) => Value::Decimal(Decimal::from(i)),
        (K::Decimal, My::UInt(i)) => Value::Decimal(Decimal::from(i)),
        (K::Decimal, My::Double(f)) => Value::Decimal(Decimal::try_from(f).map_err(|e| Error::Decode(e.to_string()))?),
        (K::Decimal, v @ My::Bytes(_)) => {
            let My::Bytes(b) = &v else { unreachable!() };
            let t = text(b);
            let parsed = t.parse::<Decimal>().or_else(|_| Decimal::from_scientific(&t)).map_err(|_| bad(kind, &v))?;
            Value::Decimal(parsed)
        }
        (K::String, My::Bytes(b)) => Value::String(owned_text(b)),
        (K::String, My::Int(i)) => Value::String(i.to_string()),
        (K::String, My::UInt(i)) => Value::String(i.to_string()),
        (K::String, My::Double(f)) => Value::String(f.to_string()),
        (K::String, v @ My::Date(..)) => {
            Value::String(naive_date_time(&v).map(|d| d.to_string()).ok_or_else(|| bad(kind, &v))?)
        }
        (K::Bytes, My::Bytes(b)) => Value::Bytes(b),
        (K::Uuid, v @ My::Bytes(_)) => {
            let My::Bytes(b) = &v else { unreachable!() };
            Value::Uuid(text(b).parse().map_err(|_| bad(kind, &v))?)
        }
        (K::Date, v @ My::Date(..)) => Value::Date(naive_date_time(&v).ok_or_else(|| bad(kind, &v))?.date()),
        (K::Date, v @ My::Bytes(_)) => {
            let My::Bytes(b) = &v else { unreachable!() };
            let s = text(b);
            Value::Date(NaiveDate::parse_from_str(s.get(..10).unwrap_or(&s), "%Y-%m-%d").map_err(|_| bad(kind, &v))?)
        }
        (K::Time, v @ My::Time(..)) => Value::Time(time_of_day(&v).ok_or_else(|| bad(kind, &v))?),
        (K::Time, v @ My::Date(..)) => Value::Time(naive_date_time(&v).ok_or_else(|| bad(kind, &v))?.time()),
        (K::Time, v @ My::Bytes(_)) => {
            let My::Bytes(b) = &v else { unreachable!() };
            Value::Time(parse_time(&text(b)).ok_or_else(|| bad(kind, &v))?)
        }
        (K::DateTime, v @ My::Date(..)) => Value::DateTime(naive_date_time(&v).ok_or_else(|| bad(kind, &v))?.and_utc()),
        (K::DateTime, v @ My::Bytes(_)) => {
            let My::Bytes(b) = &v else { unreachable!() };
            Value::DateTime(parse_datetime(&text(b)).ok_or_else(|| bad(kind, &v))?)
        }
        (K::Duration, My::Int(i)) => Value::Duration(TimeDelta::microseconds(i)),
        (K::Duration, v @ My::Bytes(_)) => {
            let My::Bytes(b) = &v else { unreachable!() };
            // AVG of microseconds is a decimal: rounded half to even, as Python's timedelta does.
            let micros = text(b).trim().parse::<Decimal>().map_err(|_| bad(kind, &v))?;
            let whole = micros.round_dp_with_strategy(0, rust_decimal::RoundingStrategy::MidpointNearestEven);
            Value::Duration(TimeDelta::microseconds(i64::try_from(whole).map_err(|_| bad(kind, &v))?))
        }
        (K::Json, v @ My::Bytes(_)) => {
            let My::Bytes(b) = &v else { unreachable!() };
            Value::Json(serde_json::from_slice(b).map_err(|_| bad(kind, &v))?)
        }
        (K::Json, My::Int(i)) => Value::Json(serde_json::Value::from(i)),
        (K::Json, My::Double(f)) => Value::Json(serde_json::Value::from(f)),
        (K::Any, My::Bytes(b)) => match String::from_utf8(b) {
            Ok(s) => Value::String(s),
            Err(e) => Value::Bytes(e.into_bytes()),
        },
        (K::Any, My::Int(i)) => Value::I64(i),
        (K::Any, My::UInt(i)) => match i64::try_from(i) {
            Ok(i) => Value::I64(i),
            Err(_) => Value::Decimal(Decimal::from(i)),
        },
        (K::Any, My::Float(f)) => Value::F64(f64::from(f)),
        (K::Any, My::Double(f)) => Value::F64(f),
        (K::Any, v @ My::Date(..)) => Value::DateTime(naive_date_time(&v).ok_or_else(|| bad(kind, &v))?.and_utc()),
        (K::Any, v @ My::Time(..)) => match time_of_day(&v) {
            Some(t) => Value::Time(t),
            None => return Err(bad(kind, &v)),
        },
        (kind, v) => return Err(bad(kind, &v)),
    })
}

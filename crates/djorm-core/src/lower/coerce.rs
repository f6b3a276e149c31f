//! Converting lookup values to the type of the column they are compared with, so the dynamic
//! front end may pass `"2023-01-01"` for a date, as Django accepts.

use chrono::{DateTime, NaiveDate, NaiveDateTime, NaiveTime, Utc};
use djorm_sql::{Value, ValueKind};
use rust_decimal::Decimal;

use crate::{Error, Result};

fn expected(field: &str, what: &str, got: &Value) -> Error {
    Error::InvalidValue(format!("Field '{field}' expected {what} but got {}.", python_repr(got)))
}

/// A value as Python's `repr` shows it, as Django's messages quote it: `'abc'`, `None`, `True`.
pub(crate) fn python_repr(value: &Value) -> String {
    match value {
        Value::Null => "None".into(),
        Value::Bool(true) => "True".into(),
        Value::Bool(false) => "False".into(),
        Value::String(s) => format!("'{}'", s.replace('\\', "\\\\").replace('\'', "\\'")),
        other => other.to_string(),
    }
}

/// Converts `value` to `kind`, or says which field expected what.
pub fn coerce(value: Value, kind: ValueKind, field: &str) -> Result<Value> {
    use ValueKind as K;
    let v = value;
    Ok(match (kind, v) {
        (_, Value::Null) => Value::Null,
        (K::Any, v) => v,
        (K::I16 | K::I32 | K::I64, Value::I64(i)) => Value::I64(i),
        (K::I16 | K::I32 | K::I64, v) => Value::I64(to_int(&v).ok_or_else(|| expected(field, "a number", &v))?),
        (K::F64, v) => Value::F64(to_float(&v).ok_or_else(|| expected(field, "a number", &v))?),
        (K::Decimal, v) => Value::Decimal(to_decimal(&v).ok_or_else(|| expected(field, "a decimal number", &v))?),
        (K::String, Value::String(s)) => Value::String(s),
        (K::String, v @ (Value::I16(_) | Value::I32(_) | Value::I64(_) | Value::F64(_) | Value::Decimal(_))) => {
            Value::String(v.to_string())
        }
        (K::Bool, Value::Bool(b)) => Value::Bool(b),
        (K::Bool, v) => Value::Bool(to_bool(&v).ok_or_else(|| expected(field, "a boolean", &v))?),
        (K::Date, Value::Date(d)) => Value::Date(d),
        (K::Date, Value::DateTime(dt)) => Value::Date(dt.date_naive()),
        (K::Date, Value::String(s)) => Value::Date(
            NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d")
                .map_err(|_| expected(field, "a date (YYYY-MM-DD)", &Value::String(s)))?,
        ),
        (K::Time, Value::Time(t)) => Value::Time(t),
        (K::Time, Value::String(s)) => Value::Time(
            parse_time(&s).ok_or_else(|| expected(field, "a time (HH:MM[:SS])", &Value::String(s.clone())))?,
        ),
        (K::DateTime, Value::DateTime(dt)) => Value::DateTime(dt),
        (K::DateTime, Value::Date(d)) => Value::DateTime(d.and_time(NaiveTime::MIN).and_utc()),
        (K::DateTime, Value::String(s)) => Value::DateTime(
            parse_datetime(&s).ok_or_else(|| expected(field, "a date and time", &Value::String(s.clone())))?,
        ),
        (K::Duration, Value::Duration(d)) => Value::Duration(d),
        (K::Duration, Value::String(s)) => Value::Duration(
            super::parse_duration(&s)
                .ok_or_else(|| expected(field, "a duration ([DD] [[HH:]MM:]ss[.uuuuuu])", &Value::String(s.clone())))?,
        ),
        (K::Uuid, Value::Uuid(u)) => Value::Uuid(u),
        (K::Uuid, Value::String(s)) => {
            Value::Uuid(s.trim().parse().map_err(|_| expected(field, "a UUID", &Value::String(s.clone())))?)
        }
        (K::Json, Value::Json(j)) => Value::Json(j),
        (K::Json, v) => Value::Json(to_json(v)),
        (K::Bytes, Value::Bytes(b)) => Value::Bytes(b),
        (K::Bytes, Value::String(s)) => Value::Bytes(s.into_bytes()),
        (_, v) => return Err(expected(field, &format!("{kind:?}").to_lowercase(), &v)),
    })
}

fn to_int(v: &Value) -> Option<i64> {
    match v {
        Value::String(s) => s.trim().parse().ok(),
        Value::F64(f) if f.fract() == 0.0 => Some(*f as i64),
        Value::Bool(b) => Some(i64::from(*b)),
        Value::Decimal(d) if d.fract().is_zero() => i64::try_from(*d).ok(),
        other => other.as_i64(),
    }
}

fn to_float(v: &Value) -> Option<f64> {
    match v {
        Value::F64(f) => Some(*f),
        Value::String(s) => s.trim().parse().ok(),
        Value::Decimal(d) => d.to_string().parse().ok(),
        other => other.as_i64().map(|i| i as f64),
    }
}

fn to_decimal(v: &Value) -> Option<Decimal> {
    match v {
        Value::Decimal(d) => Some(*d),
        Value::String(s) => s.trim().parse().ok(),
        Value::F64(f) => Decimal::try_from(*f).ok(),
        other => other.as_i64().map(Decimal::from),
    }
}

fn to_bool(v: &Value) -> Option<bool> {
    match v {
        Value::String(s) => match s.as_str() {
            "t" | "True" | "true" | "1" => Some(true),
            "f" | "False" | "false" | "0" => Some(false),
            _ => None,
        },
        other => other.as_i64().and_then(|i| match i {
            0 => Some(false),
            1 => Some(true),
            _ => None,
        }),
    }
}

fn to_json(v: Value) -> serde_json::Value {
    match v {
        Value::Bool(b) => b.into(),
        Value::String(s) => s.into(),
        Value::F64(f) => f.into(),
        other => match other.as_i64() {
            Some(i) => i.into(),
            None => serde_json::Value::String(other.to_string()),
        },
    }
}

/// Parses `HH:MM`, `HH:MM:SS` and `HH:MM:SS.ffffff`.
pub fn parse_time(s: &str) -> Option<NaiveTime> {
    let s = s.trim();
    NaiveTime::parse_from_str(s, "%H:%M:%S%.f").or_else(|_| NaiveTime::parse_from_str(s, "%H:%M")).ok()
}

/// Parses RFC 3339 and Django's `YYYY-MM-DD HH:MM[:SS[.ffffff]][+HH:MM]`; a time without an
/// offset is taken as UTC, a bare date as its midnight.
pub fn parse_datetime(s: &str) -> Option<DateTime<Utc>> {
    let s = s.trim();
    if let Ok(dt) = DateTime::parse_from_rfc3339(s) {
        return Some(dt.with_timezone(&Utc));
    }
    for fmt in ["%Y-%m-%d %H:%M:%S%.f%:z", "%Y-%m-%d %H:%M:%S%.f%#z", "%Y-%m-%dT%H:%M:%S%.f%:z"] {
        if let Ok(dt) = DateTime::parse_from_str(s, fmt) {
            return Some(dt.with_timezone(&Utc));
        }
    }
    for fmt in ["%Y-%m-%d %H:%M:%S%.f", "%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M"] {
        if let Ok(dt) = NaiveDateTime::parse_from_str(s, fmt) {
            return Some(dt.and_utc());
        }
    }
    NaiveDate::parse_from_str(s, "%Y-%m-%d").ok().map(|d| d.and_time(NaiveTime::MIN).and_utc())
}

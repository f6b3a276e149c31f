//! djorm values in and out of SQLite's storage classes, stored as Django stores them.

use djorm_core::lower::{parse_datetime, parse_time};
use djorm_core::{Error, Result};
use djorm_sql::{Value, ValueKind};
use rusqlite::types::{ToSqlOutput, Value as SqlValue, ValueRef};
use rust_decimal::Decimal;

/// Django's text form of a value on SQLite: UTC timestamps as `YYYY-MM-DD HH:MM:SS[.ffffff]`,
/// UUIDs as 32 hex digits.
pub fn storage_text(value: &Value) -> String {
    match value {
        Value::DateTime(dt) => {
            let naive = dt.naive_utc();
            if naive.and_utc().timestamp_subsec_micros() == 0 {
                naive.format("%Y-%m-%d %H:%M:%S").to_string()
            } else {
                naive.format("%Y-%m-%d %H:%M:%S%.6f").to_string()
            }
        }
        Value::Time(t) => {
            if t.format("%.f").to_string().is_empty() {
                t.format("%H:%M:%S").to_string()
            } else {
                t.format("%H:%M:%S%.6f").to_string()
            }
        }
        Value::Date(d) => d.format("%Y-%m-%d").to_string(),
        Value::Uuid(u) => u.simple().to_string(),
        other => other.to_string(),
    }
}

/// A [`Value`] bound as a parameter.
#[derive(Debug)]
pub struct SqlParam<'a>(pub &'a Value);

/// The decimal's significant digits (`39.99` has 4, `0.001` has 1).
fn significant_digits(d: &Decimal) -> usize {
    d.normalize().mantissa().unsigned_abs().to_string().len()
}

impl rusqlite::ToSql for SqlParam<'_> {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(match self.0 {
            Value::Null => ToSqlOutput::Owned(SqlValue::Null),
            Value::Bool(b) => ToSqlOutput::Owned(SqlValue::Integer(i64::from(*b))),
            Value::I16(i) => ToSqlOutput::Owned(SqlValue::Integer(i64::from(*i))),
            Value::I32(i) => ToSqlOutput::Owned(SqlValue::Integer(i64::from(*i))),
            Value::I64(i) => ToSqlOutput::Owned(SqlValue::Integer(*i)),
            Value::F64(f) => ToSqlOutput::Owned(SqlValue::Real(*f)),
            // A decimal is a number to SQLite, as the column keeps it: bound as text it would
            // compare as text with an expression that has no column affinity (`AVG(price) >= '20'`
            // is false). Beyond 15 significant digits a double would round it: text keeps it.
            Value::Decimal(d) if significant_digits(d) <= 15 => match d.to_string().parse::<f64>() {
                Ok(f) => ToSqlOutput::Owned(SqlValue::Real(f)),
                Err(_) => ToSqlOutput::Owned(SqlValue::Text(d.to_string())),
            },
            Value::String(s) => ToSqlOutput::Borrowed(ValueRef::Text(s.as_bytes())),
            Value::Bytes(b) => ToSqlOutput::Borrowed(ValueRef::Blob(b)),
            Value::Json(j) => ToSqlOutput::Owned(SqlValue::Text(j.to_string())),
            // Microseconds, as Django stores a DurationField on SQLite.
            Value::Duration(d) => match djorm_sql::duration_micros(*d) {
                Some(micros) => ToSqlOutput::Owned(SqlValue::Integer(micros)),
                None => return Err(rusqlite::Error::ToSqlConversionFailure("a duration beyond ±292,000 years".into())),
            },
            Value::Array(items) => ToSqlOutput::Owned(SqlValue::Text(Value::Array(items.clone()).to_string())),
            other => ToSqlOutput::Owned(SqlValue::Text(storage_text(other))),
        })
    }
}

/// Text as Django reads it from SQLite: valid UTF-8 as it is, anything else repaired.
pub(crate) fn text(v: ValueRef<'_>) -> Option<String> {
    match v {
        // Checked first as UTF-8 (a fast scan), the lossy repair only for text that is not:
        // `from_utf8_lossy` walks every string in chunks, a tenth of a read's instructions.
        ValueRef::Text(t) => Some(match std::str::from_utf8(t) {
            Ok(text) => text.to_owned(),
            Err(_) => String::from_utf8_lossy(t).into_owned(),
        }),
        ValueRef::Integer(i) => Some(i.to_string()),
        ValueRef::Real(f) => Some(f.to_string()),
        _ => None,
    }
}

fn bad(kind: ValueKind, v: ValueRef<'_>) -> Error {
    Error::Decode(format!("SQLite {:?} as {kind:?}", v.data_type()))
}

/// Decodes one column into the requested kind.
pub fn decode(v: ValueRef<'_>, kind: ValueKind) -> Result<Value> {
    use ValueKind as K;
    if let ValueRef::Null = v {
        return Ok(Value::Null);
    }
    Ok(match (kind, v) {
        (K::Bool, ValueRef::Integer(i)) => Value::Bool(i != 0),
        (K::I16 | K::I32 | K::I64, ValueRef::Integer(i)) => Value::I64(i).conform(kind),
        (K::I16 | K::I32 | K::I64, ValueRef::Real(f)) => Value::I64(f as i64).conform(kind),
        (K::F64, ValueRef::Real(f)) => Value::F64(f),
        (K::F64, ValueRef::Integer(i)) => Value::F64(i as f64),
        (K::Decimal, ValueRef::Integer(i)) => Value::Decimal(Decimal::from(i)),
        (K::Decimal, ValueRef::Real(f)) => {
            Value::Decimal(Decimal::try_from(f).map_err(|e| Error::Decode(e.to_string()))?)
        }
        (K::Decimal, v @ ValueRef::Text(_)) => {
            Value::Decimal(text(v).unwrap_or_default().parse().map_err(|_| bad(kind, v))?)
        }
        (K::String, v) if !matches!(v, ValueRef::Blob(_)) => Value::String(text(v).unwrap_or_default()),
        (K::Bytes | K::Any, ValueRef::Blob(b)) => Value::Bytes(b.to_vec()),
        (K::Uuid, v @ ValueRef::Text(_)) => Value::Uuid(text(v).unwrap_or_default().parse().map_err(|_| bad(kind, v))?),
        (K::Date, v @ ValueRef::Text(_)) => {
            let s = text(v).unwrap_or_default();
            Value::Date(
                chrono::NaiveDate::parse_from_str(s.get(..10).unwrap_or(&s), "%Y-%m-%d").map_err(|_| bad(kind, v))?,
            )
        }
        (K::Time, v @ ValueRef::Text(_)) => {
            Value::Time(parse_time(&text(v).unwrap_or_default()).ok_or_else(|| bad(kind, v))?)
        }
        (K::DateTime, v @ ValueRef::Text(_)) => {
            Value::DateTime(parse_datetime(&text(v).unwrap_or_default()).ok_or_else(|| bad(kind, v))?)
        }
        (K::Duration, ValueRef::Integer(i)) => Value::Duration(chrono::TimeDelta::microseconds(i)),
        (K::Duration, ValueRef::Real(f)) => Value::Duration(chrono::TimeDelta::microseconds(f.round() as i64)),
        (K::Json, v @ ValueRef::Text(_)) => {
            Value::Json(serde_json::from_str(&text(v).unwrap_or_default()).map_err(|e| Error::Decode(e.to_string()))?)
        }
        (K::Json, ValueRef::Integer(i)) => Value::Json(i.into()),
        (K::Json, ValueRef::Real(f)) => Value::Json(f.into()),
        (_, ValueRef::Integer(i)) => Value::I64(i),
        (_, ValueRef::Real(f)) => Value::F64(f),
        (_, v @ ValueRef::Text(_)) => Value::String(text(v).unwrap_or_default()),
        (kind, v) => return Err(bad(kind, v)),
    })
}

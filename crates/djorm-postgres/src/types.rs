//! djorm values in and out of PostgreSQL's binary protocol.

use std::error::Error as StdError;

use bytes::BytesMut;
use chrono::{DateTime, NaiveDate, NaiveDateTime, NaiveTime, Utc};
use djorm_core::{Error, Result};
use djorm_sql::{Value, ValueKind};
use rust_decimal::Decimal;
use tokio_postgres::types::{to_sql_checked, IsNull, Kind, ToSql, Type};
use tokio_postgres::Row;
use uuid::Uuid;

type BoxError = Box<dyn StdError + Sync + Send>;

/// A [`Value`] bound as a parameter, converted to whatever type the server inferred for its
/// placeholder (an `i64` for an `integer` column, a number for a `numeric`, ...).
#[derive(Debug)]
pub struct PgParam<'a>(pub &'a Value);

fn int_to_sql(i: i64, ty: &Type, out: &mut BytesMut) -> Result<IsNull, BoxError> {
    match *ty {
        Type::INT2 => i16::try_from(i)?.to_sql(ty, out),
        Type::INT4 => i32::try_from(i)?.to_sql(ty, out),
        Type::FLOAT4 => (i as f32).to_sql(ty, out),
        Type::FLOAT8 => (i as f64).to_sql(ty, out),
        Type::NUMERIC => Decimal::from(i).to_sql(ty, out),
        Type::BOOL => (i != 0).to_sql(ty, out),
        Type::TEXT | Type::VARCHAR | Type::BPCHAR | Type::NAME | Type::UNKNOWN => i.to_string().to_sql(ty, out),
        Type::JSON | Type::JSONB => serde_json::Value::from(i).to_sql(ty, out),
        _ => i.to_sql(ty, out),
    }
}

/// A list bound as one array: integer keys (the common case: `__in` lookups, prefetch and
/// delete key lists) as a plain `i64`/`i32` array, anything else value by value.
fn array_to_sql(items: &[Value], ty: &Type, out: &mut BytesMut) -> Result<IsNull, BoxError> {
    let ints = || items.iter().map(Value::as_i64).collect::<Option<Vec<i64>>>();
    match *ty {
        Type::INT8_ARRAY => {
            if let Some(ints) = ints() {
                return ints.to_sql(ty, out);
            }
        }
        Type::INT4_ARRAY => {
            if let Some(ints) = ints() {
                let narrow = ints.into_iter().map(i32::try_from).collect::<Result<Vec<i32>, _>>()?;
                return narrow.to_sql(ty, out);
            }
        }
        _ => {}
    }
    items.iter().map(PgParam).collect::<Vec<_>>().to_sql(ty, out)
}

impl ToSql for PgParam<'_> {
    fn to_sql(&self, ty: &Type, out: &mut BytesMut) -> Result<IsNull, BoxError> {
        let is_text = matches!(*ty, Type::TEXT | Type::VARCHAR | Type::BPCHAR | Type::NAME | Type::UNKNOWN);
        match self.0 {
            Value::Null => Ok(IsNull::Yes),
            // Never a raw byte into text: a boolean where the server expects text is its word.
            Value::Bool(b) if is_text => (if *b { "true" } else { "false" }).to_sql(ty, out),
            Value::Bool(b) => b.to_sql(ty, out),
            Value::I16(i) => int_to_sql(i64::from(*i), ty, out),
            Value::I32(i) => int_to_sql(i64::from(*i), ty, out),
            Value::I64(i) => int_to_sql(*i, ty, out),
            Value::F64(f) => match *ty {
                Type::FLOAT4 => (*f as f32).to_sql(ty, out),
                Type::NUMERIC => Decimal::try_from(*f)?.to_sql(ty, out),
                _ if is_text => f.to_string().to_sql(ty, out),
                _ => f.to_sql(ty, out),
            },
            Value::Decimal(d) => match *ty {
                Type::FLOAT8 => d.to_string().parse::<f64>()?.to_sql(ty, out),
                Type::FLOAT4 => d.to_string().parse::<f32>()?.to_sql(ty, out),
                Type::INT2 | Type::INT4 | Type::INT8 => int_to_sql(i64::try_from(*d)?, ty, out),
                _ if is_text => d.to_string().to_sql(ty, out),
                _ => d.to_sql(ty, out),
            },
            Value::String(s) => match *ty {
                Type::JSON | Type::JSONB => serde_json::Value::String(s.clone()).to_sql(ty, out),
                Type::INET => s.parse::<std::net::IpAddr>()?.to_sql(ty, out),
                _ if matches!(ty.kind(), Kind::Enum(_)) => {
                    // An enum's binary form is its label.
                    out.extend_from_slice(s.as_bytes());
                    Ok(IsNull::No)
                }
                _ => s.as_str().to_sql(ty, out),
            },
            Value::Bytes(b) => b.as_slice().to_sql(ty, out),
            Value::Uuid(u) if is_text => u.to_string().to_sql(ty, out),
            Value::Uuid(u) => u.to_sql(ty, out),
            Value::Date(d) => match *ty {
                Type::TIMESTAMPTZ => d.and_time(NaiveTime::MIN).and_utc().to_sql(ty, out),
                Type::TIMESTAMP => d.and_time(NaiveTime::MIN).to_sql(ty, out),
                _ if is_text => d.to_string().to_sql(ty, out),
                _ => d.to_sql(ty, out),
            },
            Value::Time(t) if is_text => t.to_string().to_sql(ty, out),
            Value::Time(t) => t.to_sql(ty, out),
            Value::DateTime(dt) => match *ty {
                Type::TIMESTAMP => dt.naive_utc().to_sql(ty, out),
                Type::DATE => dt.date_naive().to_sql(ty, out),
                _ if is_text => dt.to_rfc3339().to_sql(ty, out),
                _ => dt.to_sql(ty, out),
            },
            Value::Duration(d) => {
                let micros = djorm_sql::duration_micros(*d).ok_or("a duration beyond ±292,000 years")?;
                match *ty {
                    Type::INTERVAL => {
                        // Binary interval: microseconds, days, months. Whole days go in the day
                        // field, as psycopg sends a timedelta.
                        const DAY: i64 = 86_400_000_000;
                        out.extend_from_slice(&(micros % DAY).to_be_bytes());
                        out.extend_from_slice(&i32::try_from(micros / DAY)?.to_be_bytes());
                        out.extend_from_slice(&0i32.to_be_bytes());
                        Ok(IsNull::No)
                    }
                    _ if is_text => format!("{micros} microseconds").to_sql(ty, out),
                    _ => int_to_sql(micros, ty, out),
                }
            }
            Value::Json(j) if is_text => j.to_string().to_sql(ty, out),
            Value::Json(j) => j.to_sql(ty, out),
            Value::Array(items) => array_to_sql(items, ty, out),
        }
    }

    fn accepts(_ty: &Type) -> bool {
        true
    }

    to_sql_checked!();
}

/// A `time`, decoded as the undecoded path decodes it: `24:00:00` is an error, not the
/// driver's silent `00:00:00`.
struct PgTime(NaiveTime);

impl<'a> tokio_postgres::types::FromSql<'a> for PgTime {
    fn from_sql(_ty: &Type, raw: &'a [u8]) -> Result<Self, BoxError> {
        let micros = i64::from_be_bytes(raw.try_into()?);
        Ok(PgTime(djorm_core::time_from_micros(micros)?))
    }

    fn accepts(ty: &Type) -> bool {
        *ty == Type::TIME
    }
}

/// An `interval`, as Django reads one: a month counts 30 days (psycopg's rule), a day 24 hours.
struct PgInterval(chrono::TimeDelta);

impl<'a> tokio_postgres::types::FromSql<'a> for PgInterval {
    fn from_sql(_ty: &Type, raw: &'a [u8]) -> Result<Self, BoxError> {
        let micros = i64::from_be_bytes(raw.get(..8).ok_or("a short interval")?.try_into()?);
        let days = i32::from_be_bytes(raw.get(8..12).ok_or("a short interval")?.try_into()?);
        let months = i32::from_be_bytes(raw.get(12..16).ok_or("a short interval")?.try_into()?);
        let total_days = i64::from(days) + i64::from(months) * 30;
        let total = total_days
            .checked_mul(86_400_000_000)
            .and_then(|d| d.checked_add(micros))
            .ok_or("an interval beyond ±292,000 years")?;
        Ok(PgInterval(chrono::TimeDelta::microseconds(total)))
    }

    fn accepts(ty: &Type) -> bool {
        *ty == Type::INTERVAL
    }
}

/// A PostgreSQL enum value: its binary form is the label's text.
struct EnumLabel(String);

impl<'a> tokio_postgres::types::FromSql<'a> for EnumLabel {
    fn from_sql(_ty: &Type, raw: &'a [u8]) -> Result<Self, BoxError> {
        Ok(EnumLabel(std::str::from_utf8(raw)?.to_owned()))
    }

    fn accepts(ty: &Type) -> bool {
        matches!(ty.kind(), Kind::Enum(_))
    }
}

/// Column `idx` as `T` (`None` for NULL).
#[inline]
pub(crate) fn get<'a, T: tokio_postgres::types::FromSql<'a>>(row: &'a Row, idx: usize) -> Result<Option<T>> {
    row.try_get::<_, Option<T>>(idx).map_err(|e| match std::error::Error::source(&e) {
        Some(cause) => Error::Decode(format!("column {idx}: {cause}")),
        None => Error::Decode(format!("column {idx}: {e}")),
    })
}

/// The type of column `idx`, or a decode error when the row has no such column (a `raw()` query
/// returning fewer columns than the model has fields).
#[inline]
pub(crate) fn column_type(row: &Row, idx: usize) -> Result<&Type> {
    match row.columns().get(idx) {
        Some(column) => Ok(column.type_()),
        None => Err(Error::Decode(format!("the row has {} columns, no column {idx}", row.len()))),
    }
}

/// Decodes column `idx` by its PostgreSQL type.
pub fn decode(row: &Row, idx: usize, kind: ValueKind) -> Result<Value> {
    let ty = column_type(row, idx)?;
    let value = match *ty {
        Type::BOOL => get::<bool>(row, idx)?.map(Value::Bool),
        Type::INT2 => get::<i16>(row, idx)?.map(Value::I16),
        Type::INT4 => get::<i32>(row, idx)?.map(Value::I32),
        Type::INT8 => get::<i64>(row, idx)?.map(Value::I64),
        Type::FLOAT4 => get::<f32>(row, idx)?.map(|f| Value::F64(f64::from(f))),
        Type::FLOAT8 => get::<f64>(row, idx)?.map(Value::F64),
        Type::NUMERIC => get::<Decimal>(row, idx)?.map(Value::Decimal),
        Type::BYTEA => get::<Vec<u8>>(row, idx)?.map(Value::Bytes),
        Type::UUID => get::<Uuid>(row, idx)?.map(Value::Uuid),
        Type::DATE => get::<NaiveDate>(row, idx)?.map(Value::Date),
        Type::TIME => get::<PgTime>(row, idx)?.map(|t| Value::Time(t.0)),
        Type::TIMESTAMPTZ => get::<DateTime<Utc>>(row, idx)?.map(Value::DateTime),
        Type::TIMESTAMP => get::<NaiveDateTime>(row, idx)?.map(|d| Value::DateTime(d.and_utc())),
        Type::INTERVAL => get::<PgInterval>(row, idx)?.map(|d| Value::Duration(d.0)),
        Type::JSON | Type::JSONB => get::<serde_json::Value>(row, idx)?.map(Value::Json),
        Type::INET => get::<std::net::IpAddr>(row, idx)?.map(|ip| Value::String(ip.to_string())),
        _ if matches!(ty.kind(), Kind::Enum(_)) => get::<EnumLabel>(row, idx)?.map(|l| Value::String(l.0)),
        _ => get::<String>(row, idx)?.map(Value::String),
    };
    Ok(match value {
        Some(v) => v.conform(kind),
        None => Value::Null,
    })
}

/// A parameter of an unnamed statement behind a transaction-mode pooler: sent in PostgreSQL's
/// text input syntax with no type, so the server infers its type from the statement, exactly as
/// it does when preparing one (and as it types a quoted literal).
pub(crate) struct TextParam<'a>(pub &'a Value);

impl std::fmt::Debug for TextParam<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

/// The type an unnamed statement's parameter is declared with: none (oid 0), for the server
/// to infer.
pub(crate) fn unspecified() -> Type {
    Type::new("unspecified".into(), 0, Kind::Pseudo, "pg_catalog".into())
}

impl ToSql for TextParam<'_> {
    fn to_sql(&self, _: &Type, out: &mut BytesMut) -> Result<IsNull, BoxError> {
        if self.0.is_null() {
            return Ok(IsNull::Yes);
        }
        write_text(self.0, out);
        Ok(IsNull::No)
    }

    fn accepts(_: &Type) -> bool {
        true
    }

    fn encode_format(&self, _: &Type) -> tokio_postgres::types::Format {
        tokio_postgres::types::Format::Text
    }

    to_sql_checked!();
}

/// `value` in PostgreSQL's text input syntax.
fn write_text(value: &Value, out: &mut BytesMut) {
    use std::fmt::Write;
    let _ = match value {
        Value::Null => write!(out, "NULL"),
        Value::Bool(b) => write!(out, "{}", if *b { "true" } else { "false" }),
        Value::I16(i) => write!(out, "{i}"),
        Value::I32(i) => write!(out, "{i}"),
        Value::I64(i) => write!(out, "{i}"),
        Value::F64(f) if f.is_nan() => write!(out, "NaN"),
        Value::F64(f) if f.is_infinite() => write!(out, "{}", if *f > 0.0 { "Infinity" } else { "-Infinity" }),
        Value::F64(f) => write!(out, "{f:?}"),
        Value::Decimal(d) => write!(out, "{d}"),
        Value::String(s) => write!(out, "{s}"),
        Value::Bytes(b) => {
            let _ = write!(out, "\\x");
            b.iter().try_for_each(|byte| write!(out, "{byte:02x}"))
        }
        Value::Uuid(u) => write!(out, "{u}"),
        Value::Date(d) => write!(out, "{}", d.format("%Y-%m-%d")),
        Value::Time(t) => write!(out, "{}", t.format("%H:%M:%S%.6f")),
        Value::DateTime(dt) => write!(out, "{}", dt.format("%Y-%m-%d %H:%M:%S%.6f+00")),
        Value::Duration(d) => {
            // Whole days in the day field, the rest in microseconds, as the binary form does.
            let micros = d.num_microseconds().unwrap_or(i64::MAX);
            write!(out, "{} days {} microseconds", micros / 86_400_000_000, micros % 86_400_000_000)
        }
        Value::Json(j) => write!(out, "{j}"),
        Value::Array(items) => {
            let _ = write!(out, "{{");
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    let _ = write!(out, ",");
                }
                if item.is_null() {
                    let _ = write!(out, "NULL");
                    continue;
                }
                let mut element = BytesMut::new();
                write_text(item, &mut element);
                let text = String::from_utf8_lossy(&element);
                let _ = write!(out, "\"{}\"", text.replace('\\', "\\\\").replace('"', "\\\""));
            }
            write!(out, "}}")
        }
    };
}

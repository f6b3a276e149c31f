//! [`RawColumn`]: one column of a driver's row as the server sent it, decoded here when a field
//! reads it. A backend whose rows are all of the types below hands them over a row at a time, so
//! reading a field costs no call through the driver per column.

use chrono::{NaiveDate, NaiveDateTime, NaiveTime, TimeDelta};
use djorm_sql::{Value, ValueKind};

use crate::{Error, FieldType, Result};

/// The column types a [`RawColumn`] decodes itself, in PostgreSQL's binary format (big-endian
/// integers and floats, one byte per boolean, UTF-8 text, times counted from 2000-01-01).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColumnClass {
    /// `bigint`.
    Int8,
    /// `integer`.
    Int4,
    /// `smallint`.
    Int2,
    /// `text`, `varchar`, `char(n)`, `name`.
    Text,
    /// `boolean`.
    Bool,
    /// `double precision`.
    Float8,
    /// `real`.
    Float4,
    /// `timestamp with time zone` and `timestamp` (microseconds since 2000-01-01, UTC).
    Timestamp,
    /// `date` (days since 2000-01-01).
    Date,
    /// `time` (microseconds since midnight).
    Time,
    /// `uuid`.
    Uuid,
    /// `bytea`.
    Bytes,
    /// `json` (text).
    Json,
    /// `jsonb` (a version byte, then text).
    Jsonb,
    /// Anything else: the driver decodes it.
    Other,
}

/// One column of one row, undecoded: its bytes (`None` for NULL), its type, and the kind the
/// query asked for when it is read as a [`Value`].
#[derive(Debug, Clone, Copy)]
pub struct RawColumn<'a> {
    /// The value in the server's binary format, `None` for NULL.
    pub bytes: Option<&'a [u8]>,
    /// The column's type.
    pub class: ColumnClass,
    /// The kind a [`Value`] read from it is given.
    pub kind: ValueKind,
}

impl RawColumn<'_> {
    /// A NULL of no particular type: what a buffer of columns starts as.
    pub const NULL: RawColumn<'static> = RawColumn { bytes: None, class: ColumnClass::Other, kind: ValueKind::Any };
}

/// The `N` bytes of a fixed-width value, or a decode error naming what was expected.
#[inline]
fn fixed<const N: usize>(bytes: &[u8], what: &str) -> Result<[u8; N]> {
    bytes.try_into().map_err(|_| Error::Decode(format!("{what}: expected {N} bytes, got {}", bytes.len())))
}

impl RawColumn<'_> {
    /// The column as an integer (`None` for NULL), converting other types as a value would.
    #[inline]
    pub fn i64(&self) -> Result<Option<i64>> {
        let Some(bytes) = self.bytes else { return Ok(None) };
        Ok(Some(match self.class {
            ColumnClass::Int8 => i64::from_be_bytes(fixed(bytes, "bigint")?),
            ColumnClass::Int4 => i64::from(i32::from_be_bytes(fixed(bytes, "integer")?)),
            ColumnClass::Int2 => i64::from(i16::from_be_bytes(fixed(bytes, "smallint")?)),
            _ => return self.converted(ValueKind::I64),
        }))
    }

    /// The column as text (`None` for NULL).
    #[inline]
    pub fn string(&self) -> Result<Option<String>> {
        match (self.bytes, self.class) {
            (None, _) => Ok(None),
            (Some(bytes), ColumnClass::Text) => Ok(Some(text(bytes)?.to_owned())),
            _ => self.converted(ValueKind::String),
        }
    }

    /// The column as a boolean (`None` for NULL).
    #[inline]
    pub fn bool(&self) -> Result<Option<bool>> {
        match (self.bytes, self.class) {
            (None, _) => Ok(None),
            (Some(bytes), ColumnClass::Bool) => Ok(Some(fixed::<1>(bytes, "boolean")?[0] != 0)),
            _ => self.converted(ValueKind::Bool),
        }
    }

    /// The column as a float (`None` for NULL).
    #[inline]
    pub fn f64(&self) -> Result<Option<f64>> {
        match (self.bytes, self.class) {
            (None, _) => Ok(None),
            (Some(bytes), ColumnClass::Float8) => Ok(Some(f64::from_be_bytes(fixed(bytes, "double precision")?))),
            (Some(bytes), ColumnClass::Float4) => Ok(Some(f64::from(f32::from_be_bytes(fixed(bytes, "real")?)))),
            _ => self.converted(ValueKind::F64),
        }
    }

    /// The column as a value of its query's kind.
    pub fn value(&self) -> Result<Value> {
        self.value_as(self.kind)
    }

    fn value_as(&self, kind: ValueKind) -> Result<Value> {
        let Some(bytes) = self.bytes else { return Ok(Value::Null) };
        let value = match self.class {
            ColumnClass::Int8 => Value::I64(i64::from_be_bytes(fixed(bytes, "bigint")?)),
            ColumnClass::Int4 => Value::I32(i32::from_be_bytes(fixed(bytes, "integer")?)),
            ColumnClass::Int2 => Value::I16(i16::from_be_bytes(fixed(bytes, "smallint")?)),
            ColumnClass::Text => Value::String(text(bytes)?.to_owned()),
            ColumnClass::Bool => Value::Bool(fixed::<1>(bytes, "boolean")?[0] != 0),
            ColumnClass::Float8 => Value::F64(f64::from_be_bytes(fixed(bytes, "double precision")?)),
            ColumnClass::Float4 => Value::F64(f64::from(f32::from_be_bytes(fixed(bytes, "real")?))),
            ColumnClass::Timestamp => {
                let micros = i64::from_be_bytes(fixed(bytes, "timestamp")?);
                Value::DateTime(
                    epoch()
                        .checked_add_signed(TimeDelta::microseconds(micros))
                        .ok_or_else(|| out_of_range("timestamp"))?
                        .and_utc(),
                )
            }
            ColumnClass::Date => {
                let days = i32::from_be_bytes(fixed(bytes, "date")?);
                Value::Date(
                    epoch()
                        .date()
                        .checked_add_signed(TimeDelta::days(days.into()))
                        .ok_or_else(|| out_of_range("date"))?,
                )
            }
            ColumnClass::Time => Value::Time(time_from_micros(i64::from_be_bytes(fixed(bytes, "time")?))?),
            ColumnClass::Uuid => Value::Uuid(uuid::Uuid::from_bytes(fixed(bytes, "uuid")?)),
            ColumnClass::Bytes => Value::Bytes(bytes.to_vec()),
            ColumnClass::Json => Value::Json(json(bytes)?),
            ColumnClass::Jsonb => match bytes.split_first() {
                Some((1, rest)) => Value::Json(json(rest)?),
                _ => return Err(Error::Decode("jsonb: unknown format version".into())),
            },
            ColumnClass::Other => {
                return Err(Error::Decode("a column of another type was handed over undecoded".into()))
            }
        };
        Ok(value.conform(kind))
    }

    /// Another type read as `T`: decoded as a value of `kind`, then converted.
    fn converted<T: FieldType>(&self, kind: ValueKind) -> Result<Option<T>> {
        Option::<T>::from_value(self.value_as(kind)?)
    }
}

/// PostgreSQL's epoch for dates and times.
/// A time of day from microseconds after midnight, as PostgreSQL sends a `time`. PostgreSQL
/// allows `24:00:00`, which chrono's `NaiveTime` (like Python's `datetime.time`) cannot hold:
/// that is an error, never a silent `00:00:00`.
pub fn time_from_micros(micros: i64) -> Result<NaiveTime> {
    const DAY: i64 = 86_400_000_000;
    if !(0..DAY).contains(&micros) {
        let (hours, rest) = (micros / 3_600_000_000, micros % 3_600_000_000);
        return Err(Error::Decode(format!(
            "the time {hours:02}:{:02}:{:02} is outside a day (00:00:00 to 23:59:59.999999): a TimeField reads \
             into chrono's NaiveTime, which has no 24:00:00",
            rest / 60_000_000,
            (rest / 1_000_000) % 60
        )));
    }
    let (seconds, micros) = (micros / 1_000_000, micros % 1_000_000);
    NaiveTime::from_num_seconds_from_midnight_opt(seconds as u32, (micros * 1000) as u32)
        .ok_or_else(|| out_of_range("time"))
}

fn epoch() -> NaiveDateTime {
    NaiveDate::from_ymd_opt(2000, 1, 1).unwrap_or_default().and_time(NaiveTime::MIN)
}

/// The error for a date or time chrono cannot hold (`infinity`, say).
fn out_of_range(what: &str) -> Error {
    Error::Decode(format!("{what}: out of the range a date and time can hold"))
}

/// A JSON document.
fn json(bytes: &[u8]) -> Result<serde_json::Value> {
    serde_json::from_slice(bytes).map_err(|e| Error::Decode(format!("json: {e}")))
}

/// A text column's characters.
#[inline]
fn text(bytes: &[u8]) -> Result<&str> {
    std::str::from_utf8(bytes).map_err(|e| Error::Decode(format!("text: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn column(bytes: Option<&[u8]>, class: ColumnClass) -> RawColumn<'_> {
        RawColumn { bytes, class, kind: ValueKind::Any }
    }

    #[test]
    fn integers_of_every_width_read_as_i64_and_null_as_none() {
        assert_eq!(column(Some(&(-5i64).to_be_bytes()), ColumnClass::Int8).i64().expect("decodes"), Some(-5));
        assert_eq!(column(Some(&70_000i32.to_be_bytes()), ColumnClass::Int4).i64().expect("decodes"), Some(70_000));
        assert_eq!(column(Some(&(-3i16).to_be_bytes()), ColumnClass::Int2).i64().expect("decodes"), Some(-3));
        assert_eq!(column(None, ColumnClass::Int8).i64().expect("decodes"), None);
    }

    #[test]
    fn text_bool_and_floats_decode_and_convert_like_values() {
        assert_eq!(column(Some(b"caf\xc3\xa9"), ColumnClass::Text).string().expect("decodes").as_deref(), Some("café"));
        assert_eq!(column(Some(&[1]), ColumnClass::Bool).bool().expect("decodes"), Some(true));
        assert_eq!(column(Some(&1.5f32.to_be_bytes()), ColumnClass::Float4).f64().expect("decodes"), Some(1.5));
        assert!(column(Some(b"42"), ColumnClass::Text).i64().is_err(), "text is no integer, as with a value");
        assert_eq!(
            column(Some(&3i32.to_be_bytes()), ColumnClass::Int4).f64().expect("decodes"),
            Some(3.0),
            "integers widen"
        );
        let id = RawColumn { bytes: Some(&7i64.to_be_bytes()), class: ColumnClass::Int8, kind: ValueKind::I32 };
        assert_eq!(id.value().expect("decodes"), Value::I32(7), "a value takes the query's kind");
    }

    #[test]
    fn dates_times_uuids_and_json_decode_from_the_binary_format() {
        let day = 24 * 3600 * 1_000_000i64;
        let at = column(Some(&(day + 1_500_000).to_be_bytes()), ColumnClass::Timestamp).value().expect("decodes");
        assert_eq!(at.to_string(), Value::DateTime("2000-01-02T00:00:01.5Z".parse().expect("instant")).to_string());
        let date = column(Some(&(-1i32).to_be_bytes()), ColumnClass::Date).value().expect("decodes");
        assert_eq!(date, Value::Date(NaiveDate::from_ymd_opt(1999, 12, 31).expect("date")));
        let time = column(Some(&(3_600_000_000i64).to_be_bytes()), ColumnClass::Time).value().expect("decodes");
        assert_eq!(time, Value::Time(NaiveTime::from_hms_opt(1, 0, 0).expect("time")));
        let id = [7u8; 16];
        assert_eq!(
            column(Some(&id), ColumnClass::Uuid).value().expect("decodes"),
            Value::Uuid(uuid::Uuid::from_bytes(id))
        );
        let doc = column(Some(b"\x01{\"a\":1}"), ColumnClass::Jsonb).value().expect("decodes");
        assert_eq!(doc, Value::Json(serde_json::json!({"a": 1})));
        assert!(column(Some(&i64::MAX.to_be_bytes()), ColumnClass::Timestamp).value().is_err(), "infinity");
    }

    #[test]
    fn malformed_bytes_are_decode_errors_not_panics() {
        assert!(matches!(column(Some(&[1, 2, 3]), ColumnClass::Int8).i64(), Err(Error::Decode(_))));
        assert!(matches!(column(Some(b"\xff"), ColumnClass::Text).string(), Err(Error::Decode(_))));
        assert!(matches!(column(Some(&[]), ColumnClass::Bool).bool(), Err(Error::Decode(_))));
    }
}

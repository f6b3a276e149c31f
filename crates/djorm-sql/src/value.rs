//! The values that travel between models, queries and drivers.

use chrono::{DateTime, NaiveDate, NaiveTime, TimeDelta, Utc};
use rust_decimal::Decimal;
use uuid::Uuid;

/// One SQL value: a bound parameter on the way in, a decoded column on the way out.
///
/// Backends convert it to and from their driver's types; nothing renders it into SQL text
/// except [`crate::Dialect::write_literal`], which only DDL (check constraints) uses.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// SQL NULL.
    Null,
    /// A boolean.
    Bool(bool),
    /// A 16-bit integer (SmallIntegerField).
    I16(i16),
    /// A 32-bit integer (IntegerField).
    I32(i32),
    /// A 64-bit integer (BigIntegerField, BigAutoField).
    I64(i64),
    /// A double-precision float (FloatField).
    F64(f64),
    /// An exact decimal (DecimalField).
    Decimal(Decimal),
    /// Text (CharField, TextField and friends).
    String(String),
    /// Raw bytes (BinaryField).
    Bytes(Vec<u8>),
    /// A UUID (UUIDField).
    Uuid(Uuid),
    /// A calendar date (DateField).
    Date(NaiveDate),
    /// A time of day (TimeField).
    Time(NaiveTime),
    /// A point in time, always UTC (DateTimeField).
    DateTime(DateTime<Utc>),
    /// A span of time, to the microsecond, possibly negative (DurationField: `interval` on
    /// PostgreSQL, microseconds on SQLite).
    Duration(TimeDelta),
    /// A JSON document (JSONField).
    Json(serde_json::Value),
    /// A list bound as one array parameter (PostgreSQL's `= ANY($1)`).
    Array(Vec<Value>),
}

impl Value {
    /// True for SQL NULL.
    pub fn is_null(&self) -> bool {
        matches!(self, Value::Null)
    }

    /// The value as an `i64`, when it is any integer.
    #[inline]
    pub fn as_i64(&self) -> Option<i64> {
        match self {
            Value::I16(v) => Some(i64::from(*v)),
            Value::I32(v) => Some(i64::from(*v)),
            Value::I64(v) => Some(*v),
            _ => None,
        }
    }

    /// The same value in the integer or float width `kind` asks for, when it fits; anything
    /// else is returned unchanged. Backends use it so every database hands back the same
    /// [`Value`] variant for the same field.
    #[inline]
    pub fn conform(self, kind: ValueKind) -> Value {
        let already = matches!(
            (kind, &self),
            (ValueKind::Any | ValueKind::String | ValueKind::Bool | ValueKind::DateTime, _)
                | (ValueKind::I64, Value::I64(_))
                | (ValueKind::I32, Value::I32(_))
                | (ValueKind::I16, Value::I16(_))
                | (ValueKind::F64, Value::F64(_))
        );
        if already {
            self
        } else {
            self.convert(kind)
        }
    }

    /// The conversions of [`Value::conform`], out of line so its common no-op case inlines.
    #[inline(never)]
    fn convert(self, kind: ValueKind) -> Value {
        match (kind, self.as_i64()) {
            (ValueKind::I16, Some(i)) => i16::try_from(i).map_or(self, Value::I16),
            (ValueKind::I32, Some(i)) => i32::try_from(i).map_or(self, Value::I32),
            (ValueKind::I64, Some(i)) => Value::I64(i),
            (ValueKind::F64, Some(i)) => Value::F64(i as f64),
            (ValueKind::F64, None) => match self {
                Value::Decimal(d) => d.to_string().parse().map_or(Value::Decimal(d), Value::F64),
                other => other,
            },
            (ValueKind::I64 | ValueKind::I32 | ValueKind::I16, None) => match self {
                Value::Decimal(d) if d.fract().is_zero() => {
                    d.to_string().parse::<i64>().map_or(Value::Decimal(d), |i| Value::I64(i).conform(kind))
                }
                // A whole float where an integer is expected (PostgreSQL's CEILING of an
                // integer is a double).
                Value::F64(f) if f.fract() == 0.0 && f.abs() < 9.0e15 => Value::I64(f as i64).conform(kind),
                other => other,
            },
            _ => self,
        }
    }

    /// The value as text, when it is text.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::String(s) => Some(s),
            _ => None,
        }
    }
}

impl std::fmt::Display for Value {
    /// Shows the value as a person reads it in a result table (not SQL).
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Value::Null => f.write_str("NULL"),
            Value::Bool(v) => write!(f, "{v}"),
            Value::I16(v) => write!(f, "{v}"),
            Value::I32(v) => write!(f, "{v}"),
            Value::I64(v) => write!(f, "{v}"),
            Value::F64(v) => write!(f, "{v}"),
            Value::Decimal(v) => write!(f, "{v}"),
            Value::String(v) => f.write_str(v),
            Value::Bytes(v) => write!(f, "<{} bytes>", v.len()),
            Value::Uuid(v) => write!(f, "{v}"),
            Value::Date(v) => write!(f, "{v}"),
            Value::Time(v) => write!(f, "{v}"),
            Value::DateTime(v) => write!(f, "{}", v.format("%Y-%m-%d %H:%M:%S%.f%:z")),
            Value::Duration(v) => f.write_str(&python_duration(*v)),
            Value::Json(v) => write!(f, "{v}"),
            Value::Array(items) => {
                f.write_str("[")?;
                for (i, v) in items.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{v}")?;
                }
                f.write_str("]")
            }
        }
    }
}

/// What a result column should decode into.
///
/// PostgreSQL knows its column types; SQLite stores dates, decimals and UUIDs as text or
/// numbers, so the backend needs this hint to give back the same [`Value`] on both.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ValueKind {
    /// Whatever the driver reports.
    Any,
    /// [`Value::Bool`].
    Bool,
    /// [`Value::I16`].
    I16,
    /// [`Value::I32`].
    I32,
    /// [`Value::I64`].
    I64,
    /// [`Value::F64`].
    F64,
    /// [`Value::Decimal`].
    Decimal,
    /// [`Value::String`].
    String,
    /// [`Value::Bytes`].
    Bytes,
    /// [`Value::Uuid`].
    Uuid,
    /// [`Value::Date`].
    Date,
    /// [`Value::Time`].
    Time,
    /// [`Value::DateTime`].
    DateTime,
    /// [`Value::Duration`].
    Duration,
    /// [`Value::Json`].
    Json,
}

macro_rules! value_from {
    ($($t:ty => $variant:ident),* $(,)?) => {$(
        impl From<$t> for Value {
            fn from(v: $t) -> Self { Value::$variant(v) }
        }
    )*};
}

value_from!(
    bool => Bool, i16 => I16, i32 => I32, i64 => I64, f64 => F64, Decimal => Decimal,
    String => String, Vec<u8> => Bytes, Uuid => Uuid, NaiveDate => Date, NaiveTime => Time,
    DateTime<Utc> => DateTime, TimeDelta => Duration, serde_json::Value => Json,
);

/// A duration as Python prints a `timedelta` (what Django users read in the shell):
/// `1 day, 2:03:04.000005`, `-1 day, 23:59:59`, `0:30:00`.
pub fn python_duration(d: TimeDelta) -> String {
    const DAY: i64 = 86_400_000_000;
    let micros = d.num_microseconds().unwrap_or(if d < TimeDelta::zero() { i64::MIN } else { i64::MAX });
    let (days, rest) = (micros.div_euclid(DAY), micros.rem_euclid(DAY));
    let (seconds, fraction) = (rest / 1_000_000, rest % 1_000_000);
    let mut out = String::new();
    if days != 0 {
        out.push_str(&format!("{days} day{}, ", if days.abs() == 1 { "" } else { "s" }));
    }
    out.push_str(&format!("{}:{:02}:{:02}", seconds / 3600, seconds / 60 % 60, seconds % 60));
    if fraction != 0 {
        out.push_str(&format!(".{fraction:06}"));
    }
    out
}

/// A duration as a whole number of microseconds (how SQLite stores a DurationField), or
/// `None` beyond ±292,000 years.
pub fn duration_micros(d: TimeDelta) -> Option<i64> {
    d.num_microseconds()
}

impl From<&str> for Value {
    fn from(v: &str) -> Self {
        Value::String(v.to_owned())
    }
}

impl From<u32> for Value {
    fn from(v: u32) -> Self {
        Value::I64(i64::from(v))
    }
}

impl From<f32> for Value {
    fn from(v: f32) -> Self {
        Value::F64(f64::from(v))
    }
}

impl<T: Into<Value>> From<Option<T>> for Value {
    fn from(v: Option<T>) -> Self {
        match v {
            Some(v) => v.into(),
            None => Value::Null,
        }
    }
}

//! Rust types that can be model fields, and how they map to [`Value`]s.

use chrono::{DateTime, NaiveDate, NaiveTime, Utc};
use djorm_sql::Value;
use rust_decimal::Decimal;
use uuid::Uuid;

use crate::{Error, FieldKind, Result, RowReader};

/// A Rust type usable as a model field.
///
/// Implemented for the standard column types, for `Option<T>` (a nullable column, Django's
/// `null=True`) and by `#[derive(Choices)]` for choice enums.
pub trait FieldType: Sized + Send + Sync + 'static {
    /// The Django field class this type maps to when no option says otherwise.
    const KIND: FieldKind;
    /// True when the column accepts NULL.
    const NULLABLE: bool = false;
    /// `(value, label)` pairs for a choices type.
    const CHOICES: &'static [(&'static str, &'static str)] = &[];
    /// A `max_length` implied by the type (the longest choice), when none is given.
    const IMPLIED_MAX_LENGTH: Option<u32> = None;

    /// The value to bind.
    fn to_value(&self) -> Value;

    /// Decodes a column value.
    fn from_value(value: Value) -> Result<Self>;

    /// Reads the next column of a row (a backend may hand it over without a [`Value`]).
    #[inline]
    fn read(reader: &mut RowReader<'_>) -> Result<Self> {
        Self::from_value(reader.read_value()?)
    }

    /// Reads the next column of a row, NULL as `None`.
    #[inline]
    fn read_nullable(reader: &mut RowReader<'_>) -> Result<Option<Self>> {
        if reader.is_null_ahead(0) {
            reader.skip(1);
            return Ok(None);
        }
        Self::read(reader).map(Some)
    }

    /// True for a key to an object that was never saved (saving it would store NULL).
    fn is_unsaved_reference(&self) -> bool {
        false
    }
}

/// The error for a NULL in a column whose Rust type cannot hold one.
fn null_in(expected: &str) -> Error {
    Error::Decode(format!("NULL as {expected}"))
}

fn mismatch<T>(expected: &str, got: &Value) -> Result<T> {
    Err(Error::Decode(format!("{got:?} as {expected}")))
}

macro_rules! field_type {
    ($t:ty, $kind:ident, read $read:ident as |$r:ident| $conv:expr, |$v:ident| $to:expr, { $($pat:pat => $out:expr),* $(,)? }) => {
        field_type!(@impl $t, $kind, |$v| $to, { $($pat => $out),* },
            #[inline]
            fn read(reader: &mut RowReader<'_>) -> Result<Self> {
                match reader.$read()? {
                    Some($r) => $conv,
                    None => Err(null_in(stringify!($t))),
                }
            }

            #[inline]
            fn read_nullable(reader: &mut RowReader<'_>) -> Result<Option<Self>> {
                match reader.$read()? {
                    Some($r) => $conv.map(Some),
                    None => Ok(None),
                }
            }
        );
    };
    ($t:ty, $kind:ident, |$v:ident| $to:expr, { $($pat:pat => $out:expr),* $(,)? }) => {
        field_type!(@impl $t, $kind, |$v| $to, { $($pat => $out),* },);
    };
    (@impl $t:ty, $kind:ident, |$v:ident| $to:expr, { $($pat:pat => $out:expr),* }, $($read:item)*) => {
        impl FieldType for $t {
            $($read)*
            const KIND: FieldKind = FieldKind::$kind;
            #[inline]
            fn to_value(&self) -> Value {
                let $v = self;
                $to
            }
            #[inline]
            fn from_value(value: Value) -> Result<Self> {
                match value {
                    $($pat => $out,)*
                    other => mismatch(stringify!($t), &other),
                }
            }
        }
    };
}

fn int_from<T: TryFrom<i64>>(v: i64, name: &str) -> Result<T> {
    T::try_from(v).map_err(|_| Error::Decode(format!("{v} does not fit {name}")))
}

field_type!(String, TextField, read read_string as |s| Ok(s), |v| Value::String(v.clone()), { Value::String(s) => Ok(s) });
// Only a boolean column reads as `bool` (SQLite's 0/1 arrive as booleans when the column is a
// BooleanField): an integer column asked for as a bool is a mismatch, never a guess.
field_type!(bool, BooleanField, read read_bool as |b| Ok(b), |v| Value::Bool(*v), {
    Value::Bool(b) => Ok(b),
});
field_type!(i16, SmallIntegerField, read read_i64 as |i| int_from(i, "i16"), |v| Value::I16(*v), {
    Value::I16(i) => Ok(i),
    Value::I32(i) => int_from(i64::from(i), "i16"),
    Value::I64(i) => int_from(i, "i16"),
});
field_type!(i32, IntegerField, read read_i64 as |i| int_from(i, "i32"), |v| Value::I32(*v), {
    Value::I32(i) => Ok(i),
    Value::I16(i) => Ok(i32::from(i)),
    Value::I64(i) => int_from(i, "i32"),
});
field_type!(i64, BigIntegerField, read read_i64 as |i| Ok(i), |v| Value::I64(*v), {
    Value::I64(i) => Ok(i),
    Value::I32(i) => Ok(i64::from(i)),
    Value::I16(i) => Ok(i64::from(i)),
});
field_type!(u32, PositiveIntegerField, read read_i64 as |i| int_from(i, "u32"), |v| Value::I64(i64::from(*v)), {
    Value::I64(i) => int_from(i, "u32"),
    Value::I32(i) => int_from(i64::from(i), "u32"),
    Value::I16(i) => int_from(i64::from(i), "u32"),
});
field_type!(f64, FloatField, read read_f64 as |f| Ok(f), |v| Value::F64(*v), {
    Value::F64(f) => Ok(f),
    Value::I64(i) => Ok(i as f64),
    Value::I32(i) => Ok(f64::from(i)),
});
field_type!(Decimal, DecimalField, |v| Value::Decimal(*v), {
    Value::Decimal(d) => Ok(d),
    Value::I64(i) => Ok(Decimal::from(i)),
    Value::F64(f) => Decimal::try_from(f).map_err(|e| Error::Decode(e.to_string())),
    Value::String(s) => s.parse().map_err(|e: rust_decimal::Error| Error::Decode(e.to_string())),
});
field_type!(DateTime<Utc>, DateTimeField, |v| Value::DateTime(*v), { Value::DateTime(d) => Ok(d) });
field_type!(NaiveDate, DateField, |v| Value::Date(*v), { Value::Date(d) => Ok(d) });
field_type!(NaiveTime, TimeField, |v| Value::Time(*v), { Value::Time(d) => Ok(d) });
field_type!(Uuid, UUIDField, |v| Value::Uuid(*v), { Value::Uuid(u) => Ok(u) });
field_type!(chrono::TimeDelta, DurationField, |v| Value::Duration(*v), { Value::Duration(d) => Ok(d) });
field_type!(std::time::Duration, DurationField, |v| Value::Duration(
    chrono::TimeDelta::from_std(*v).unwrap_or(chrono::TimeDelta::MAX)
), {
    Value::Duration(d) => d.to_std().map_err(|_| Error::Decode(format!(
        "the duration {} is negative: a std::time::Duration cannot hold it (use chrono::TimeDelta)",
        djorm_sql::python_duration(d)
    ))),
});
field_type!(serde_json::Value, JSONField, |v| Value::Json(v.clone()), { Value::Json(j) => Ok(j) });
field_type!(Vec<u8>, BinaryField, |v| Value::Bytes(v.clone()), { Value::Bytes(b) => Ok(b) });

impl<T: FieldType> FieldType for Option<T> {
    const KIND: FieldKind = T::KIND;
    const NULLABLE: bool = true;
    const CHOICES: &'static [(&'static str, &'static str)] = T::CHOICES;
    const IMPLIED_MAX_LENGTH: Option<u32> = T::IMPLIED_MAX_LENGTH;

    #[inline]
    fn to_value(&self) -> Value {
        match self {
            Some(v) => v.to_value(),
            None => Value::Null,
        }
    }

    #[inline]
    fn from_value(value: Value) -> Result<Self> {
        match value {
            Value::Null => Ok(None),
            v => T::from_value(v).map(Some),
        }
    }

    #[inline]
    fn read(reader: &mut RowReader<'_>) -> Result<Self> {
        T::read_nullable(reader)
    }

    fn is_unsaved_reference(&self) -> bool {
        self.as_ref().is_some_and(T::is_unsaved_reference)
    }
}

/// An auto-incrementing primary key (Django's default `BigAutoField` named `id`).
///
/// It is unset until the row is saved; the database assigns it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct AutoId(Option<i64>);

impl AutoId {
    /// An id not assigned yet (the object was never saved).
    pub const fn unset() -> Self {
        AutoId(None)
    }

    /// A known id.
    pub const fn new(id: i64) -> Self {
        AutoId(Some(id))
    }

    /// The id, once the row has been saved.
    pub fn get(self) -> Option<i64> {
        self.0
    }

    /// True once the database has assigned the id.
    pub fn is_set(self) -> bool {
        self.0.is_some()
    }
}

impl std::fmt::Display for AutoId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.0 {
            Some(id) => write!(f, "{id}"),
            None => f.write_str("None"),
        }
    }
}

impl From<i64> for AutoId {
    fn from(id: i64) -> Self {
        AutoId(Some(id))
    }
}

impl From<AutoId> for Value {
    fn from(id: AutoId) -> Self {
        id.to_value()
    }
}

impl PartialEq<i64> for AutoId {
    fn eq(&self, other: &i64) -> bool {
        self.0 == Some(*other)
    }
}

impl FieldType for AutoId {
    const KIND: FieldKind = FieldKind::BigAutoField;

    fn to_value(&self) -> Value {
        match self.0 {
            Some(id) => Value::I64(id),
            None => Value::Null,
        }
    }

    #[inline]
    fn from_value(value: Value) -> Result<Self> {
        match value {
            Value::Null => Ok(AutoId(None)),
            v => i64::from_value(v).map(|i| AutoId(Some(i))),
        }
    }

    #[inline]
    fn read(reader: &mut RowReader<'_>) -> Result<Self> {
        reader.read_i64().map(AutoId)
    }

    #[inline]
    fn read_nullable(reader: &mut RowReader<'_>) -> Result<Option<Self>> {
        Ok(reader.read_i64()?.map(AutoId::new))
    }
}

/// A `#[derive(Choices)]` enum: a closed set of values, stored as text (Django's TextChoices)
/// or, when every variant has an integer discriminant, as an integer (its IntegerChoices).
pub trait Choices: Sized + Copy + 'static {
    /// `(stored value, human label)` for every variant, in declaration order.
    const CHOICES: &'static [(&'static str, &'static str)];

    /// The stored value of this variant.
    fn value(&self) -> &'static str;

    /// The human label of this variant (Django's `get_FOO_display()`).
    fn label(&self) -> &'static str;

    /// The variant stored as `value`.
    fn from_stored(value: &str) -> Option<Self>;
}

/// The longest stored value of a choices list, as a `max_length`.
pub const fn longest_choice(choices: &[(&str, &str)]) -> Option<u32> {
    let mut longest = 0usize;
    let mut i = 0;
    while i < choices.len() {
        if choices[i].0.len() > longest {
            longest = choices[i].0.len();
        }
        i += 1;
    }
    if longest == 0 {
        None
    } else {
        Some(longest as u32)
    }
}

//! Django's field classes, as a plain enum.

use djorm_sql::{ColumnType, ValueKind};

/// Which Django field class a model field is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FieldKind {
    /// 32-bit auto-incrementing key.
    AutoField,
    /// 64-bit auto-incrementing key (the default primary key).
    BigAutoField,
    /// 16-bit auto-incrementing key.
    SmallAutoField,
    /// Short text with a `max_length`.
    CharField,
    /// Unbounded text.
    TextField,
    /// 32-bit integer.
    IntegerField,
    /// 16-bit integer.
    SmallIntegerField,
    /// 64-bit integer.
    BigIntegerField,
    /// Non-negative 32-bit integer.
    PositiveIntegerField,
    /// Non-negative 16-bit integer.
    PositiveSmallIntegerField,
    /// Non-negative 64-bit integer.
    PositiveBigIntegerField,
    /// Double-precision float.
    FloatField,
    /// Exact decimal with `max_digits` and `decimal_places`.
    DecimalField,
    /// Boolean.
    BooleanField,
    /// Timezone-aware timestamp, stored as UTC.
    DateTimeField,
    /// Calendar date.
    DateField,
    /// Time of day.
    TimeField,
    /// A span of time (`chrono::TimeDelta`).
    DurationField,
    /// Validated e-mail address.
    EmailField,
    /// Validated URL.
    URLField,
    /// Validated slug (letters, digits, `-`, `_`).
    SlugField,
    /// UUID.
    UUIDField,
    /// JSON document.
    JSONField,
    /// Raw bytes.
    BinaryField,
    /// A key to another model (many-to-one).
    ForeignKey,
    /// A unique key to another model (one-to-one).
    OneToOneField,
}

impl FieldKind {
    /// Every field class, in declaration order.
    pub const ALL: [FieldKind; 26] = [
        FieldKind::AutoField,
        FieldKind::BigAutoField,
        FieldKind::SmallAutoField,
        FieldKind::CharField,
        FieldKind::TextField,
        FieldKind::IntegerField,
        FieldKind::SmallIntegerField,
        FieldKind::BigIntegerField,
        FieldKind::PositiveIntegerField,
        FieldKind::PositiveSmallIntegerField,
        FieldKind::PositiveBigIntegerField,
        FieldKind::FloatField,
        FieldKind::DecimalField,
        FieldKind::BooleanField,
        FieldKind::DateTimeField,
        FieldKind::DateField,
        FieldKind::TimeField,
        FieldKind::DurationField,
        FieldKind::EmailField,
        FieldKind::URLField,
        FieldKind::SlugField,
        FieldKind::UUIDField,
        FieldKind::JSONField,
        FieldKind::BinaryField,
        FieldKind::ForeignKey,
        FieldKind::OneToOneField,
    ];

    /// The field class with Django's name `name` (`"CharField"`).
    pub fn from_name(name: &str) -> Option<FieldKind> {
        FieldKind::ALL.into_iter().find(|k| k.name() == name)
    }

    /// Django's class name, for messages.
    pub fn name(self) -> &'static str {
        match self {
            FieldKind::AutoField => "AutoField",
            FieldKind::BigAutoField => "BigAutoField",
            FieldKind::SmallAutoField => "SmallAutoField",
            FieldKind::CharField => "CharField",
            FieldKind::TextField => "TextField",
            FieldKind::IntegerField => "IntegerField",
            FieldKind::SmallIntegerField => "SmallIntegerField",
            FieldKind::BigIntegerField => "BigIntegerField",
            FieldKind::PositiveIntegerField => "PositiveIntegerField",
            FieldKind::PositiveSmallIntegerField => "PositiveSmallIntegerField",
            FieldKind::PositiveBigIntegerField => "PositiveBigIntegerField",
            FieldKind::FloatField => "FloatField",
            FieldKind::DecimalField => "DecimalField",
            FieldKind::BooleanField => "BooleanField",
            FieldKind::DateTimeField => "DateTimeField",
            FieldKind::DateField => "DateField",
            FieldKind::TimeField => "TimeField",
            FieldKind::DurationField => "DurationField",
            FieldKind::EmailField => "EmailField",
            FieldKind::URLField => "URLField",
            FieldKind::SlugField => "SlugField",
            FieldKind::UUIDField => "UUIDField",
            FieldKind::JSONField => "JSONField",
            FieldKind::BinaryField => "BinaryField",
            FieldKind::ForeignKey => "ForeignKey",
            FieldKind::OneToOneField => "OneToOneField",
        }
    }

    /// True for the text-like fields that take text lookups (`contains`, `regex`, ...).
    pub fn is_text(self) -> bool {
        matches!(
            self,
            FieldKind::CharField
                | FieldKind::TextField
                | FieldKind::EmailField
                | FieldKind::URLField
                | FieldKind::SlugField
        )
    }

    /// True for the auto-incrementing key fields.
    pub fn is_auto(self) -> bool {
        matches!(self, FieldKind::AutoField | FieldKind::BigAutoField | FieldKind::SmallAutoField)
    }

    /// The value kind a column of this field decodes into.
    pub fn value_kind(self) -> ValueKind {
        match self {
            FieldKind::AutoField | FieldKind::IntegerField => ValueKind::I32,
            FieldKind::BigAutoField
            | FieldKind::BigIntegerField
            | FieldKind::PositiveBigIntegerField
            | FieldKind::ForeignKey
            | FieldKind::OneToOneField => ValueKind::I64,
            FieldKind::PositiveIntegerField => ValueKind::I64,
            FieldKind::SmallIntegerField | FieldKind::SmallAutoField => ValueKind::I16,
            FieldKind::PositiveSmallIntegerField => ValueKind::I32,
            FieldKind::FloatField => ValueKind::F64,
            FieldKind::DecimalField => ValueKind::Decimal,
            FieldKind::BooleanField => ValueKind::Bool,
            FieldKind::DateTimeField => ValueKind::DateTime,
            FieldKind::DateField => ValueKind::Date,
            FieldKind::TimeField => ValueKind::Time,
            FieldKind::DurationField => ValueKind::Duration,
            FieldKind::UUIDField => ValueKind::Uuid,
            FieldKind::JSONField => ValueKind::Json,
            FieldKind::BinaryField => ValueKind::Bytes,
            FieldKind::CharField
            | FieldKind::TextField
            | FieldKind::EmailField
            | FieldKind::URLField
            | FieldKind::SlugField => ValueKind::String,
        }
    }

    /// The dialect-neutral column type, given the field's size options.
    pub fn column_type(
        self,
        max_length: Option<u32>,
        max_digits: Option<u32>,
        decimal_places: Option<u32>,
    ) -> ColumnType {
        match self {
            FieldKind::AutoField => ColumnType::AutoInt,
            FieldKind::BigAutoField => ColumnType::AutoBigInt,
            FieldKind::SmallAutoField => ColumnType::AutoSmallInt,
            FieldKind::CharField => ColumnType::Varchar(max_length.unwrap_or(255)),
            FieldKind::EmailField => ColumnType::Varchar(max_length.unwrap_or(254)),
            FieldKind::URLField => ColumnType::Varchar(max_length.unwrap_or(200)),
            FieldKind::SlugField => ColumnType::Varchar(max_length.unwrap_or(50)),
            FieldKind::TextField => ColumnType::Text,
            FieldKind::IntegerField => ColumnType::Integer,
            FieldKind::SmallIntegerField => ColumnType::SmallInt,
            FieldKind::BigIntegerField | FieldKind::ForeignKey | FieldKind::OneToOneField => ColumnType::BigInt,
            FieldKind::PositiveIntegerField => ColumnType::PositiveInteger,
            FieldKind::PositiveSmallIntegerField => ColumnType::PositiveSmallInt,
            FieldKind::PositiveBigIntegerField => ColumnType::PositiveBigInt,
            FieldKind::FloatField => ColumnType::Double,
            FieldKind::DecimalField => ColumnType::Decimal {
                max_digits: max_digits.unwrap_or(10),
                decimal_places: decimal_places.unwrap_or(2),
            },
            FieldKind::BooleanField => ColumnType::Boolean,
            FieldKind::DateTimeField => ColumnType::TimestampTz,
            FieldKind::DateField => ColumnType::Date,
            FieldKind::TimeField => ColumnType::Time,
            FieldKind::DurationField => ColumnType::Duration,
            FieldKind::UUIDField => ColumnType::Uuid,
            FieldKind::JSONField => ColumnType::Json,
            FieldKind::BinaryField => ColumnType::Binary,
        }
    }

    /// True for the integer fields that must not be negative.
    pub fn is_positive(self) -> bool {
        matches!(
            self,
            FieldKind::PositiveIntegerField | FieldKind::PositiveSmallIntegerField | FieldKind::PositiveBigIntegerField
        )
    }
}

#[cfg(test)]
mod tests {
    use super::FieldKind;

    #[test]
    fn every_class_is_found_by_its_django_name() {
        for kind in FieldKind::ALL {
            assert_eq!(FieldKind::from_name(kind.name()), Some(kind));
        }
        let mut names: Vec<&str> = FieldKind::ALL.iter().map(|k| k.name()).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), FieldKind::ALL.len(), "ALL lists each class once");
        assert_eq!(FieldKind::from_name("NoSuchField"), None);
    }
}

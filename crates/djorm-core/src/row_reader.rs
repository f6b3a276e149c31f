//! [`RowReader`]: one row's columns handed out in order to `Model::from_row`.

use djorm_sql::Value;

use crate::{FieldType, NativeRows, Result};

/// Hands out a row's columns one at a time, in order, from decoded values or straight from the
/// driver's row.
pub struct RowReader<'a> {
    source: Source<'a>,
}

enum Source<'a> {
    Values(&'a mut std::vec::IntoIter<Value>),
    Native(&'a mut dyn NativeRows),
}

impl std::fmt::Debug for RowReader<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.source {
            Source::Values(values) => f.debug_tuple("RowReader").field(&values.as_slice()).finish(),
            Source::Native(_) => f.write_str("RowReader(native)"),
        }
    }
}

/// The typed reads of the values path: the next value through `T::from_value`.
macro_rules! typed_read {
    ($($(#[$doc:meta])* $name:ident -> $t:ty, via $native:ident;)*) => {$(
        $(#[$doc])*
        #[inline]
        pub fn $name(&mut self) -> Result<Option<$t>> {
            match &mut self.source {
                Source::Values(values) => Option::<$t>::from_value(values.next().unwrap_or(Value::Null)),
                Source::Native(rows) => rows.$native(),
            }
        }
    )*};
}

impl<'a> RowReader<'a> {
    /// A reader taking the next row's columns from `values`.
    #[inline]
    pub fn new(values: &'a mut std::vec::IntoIter<Value>) -> Self {
        RowReader { source: Source::Values(values) }
    }

    /// A reader taking the current row's columns from a driver's rows.
    #[inline]
    pub fn native(rows: &'a mut dyn NativeRows) -> Self {
        RowReader { source: Source::Native(rows) }
    }

    /// The next column, decoded as `T`.
    #[inline]
    pub fn read<T: FieldType>(&mut self) -> Result<T> {
        T::read(self)
    }

    /// The next column as it came from the database.
    #[inline]
    pub fn read_value(&mut self) -> Result<Value> {
        match &mut self.source {
            Source::Values(values) => Ok(values.next().unwrap_or(Value::Null)),
            Source::Native(rows) => rows.value(),
        }
    }

    typed_read! {
        /// The next column as an integer (`None` for NULL).
        read_i64 -> i64, via i64;
        /// The next column as text (`None` for NULL).
        read_string -> String, via string;
        /// The next column as a boolean (`None` for NULL).
        read_bool -> bool, via bool;
        /// The next column as a float (`None` for NULL).
        read_f64 -> f64, via f64;
    }

    /// True when the column `offset` places ahead is NULL (or past the row's end).
    #[inline]
    pub fn is_null_ahead(&self, offset: usize) -> bool {
        match &self.source {
            Source::Values(values) => values.as_slice().get(offset).is_none_or(Value::is_null),
            Source::Native(rows) => rows.is_null_ahead(offset),
        }
    }

    /// The value of the column `offset` places ahead, without consuming anything.
    pub fn value_ahead(&mut self, offset: usize) -> Result<Value> {
        match &mut self.source {
            Source::Values(values) => Ok(values.as_slice().get(offset).cloned().unwrap_or(Value::Null)),
            Source::Native(rows) => rows.value_ahead(offset),
        }
    }

    /// The integer in the column `offset` places ahead (`None` for NULL), without consuming
    /// anything.
    #[inline]
    pub fn i64_ahead(&self, offset: usize) -> Result<Option<i64>> {
        match &self.source {
            Source::Values(values) => {
                Option::<i64>::from_value(values.as_slice().get(offset).cloned().unwrap_or(Value::Null))
            }
            Source::Native(rows) => rows.i64_ahead(offset),
        }
    }

    /// Skips `n` columns.
    pub fn skip(&mut self, n: usize) {
        match &mut self.source {
            Source::Values(values) => {
                for _ in 0..n {
                    values.next();
                }
            }
            Source::Native(rows) => rows.skip(n),
        }
    }
}

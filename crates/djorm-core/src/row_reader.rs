//! [`RowReader`]: one row's columns handed out in order to `Model::from_row`.

use djorm_sql::Value;

use crate::{Error, FieldType, NativeRows, RawColumn, Result};

/// Hands out a row's columns one at a time, in order, from decoded values or straight from the
/// driver's row.
pub struct RowReader<'a> {
    source: Source<'a>,
    db: Option<&'static str>,
}

enum Source<'a> {
    Values(RowValues<'a>),
    Native(&'a mut dyn NativeRows),
    Raw(RawRow<'a>),
}

/// One row's columns undecoded, and the next one to read.
struct RawRow<'a> {
    columns: &'a [RawColumn<'a>],
    next: usize,
}

impl<'a> RawRow<'a> {
    /// The next column; the cursor moves past it.
    #[inline]
    fn next(&mut self) -> Result<&'a RawColumn<'a>> {
        let index = self.next;
        self.next += 1;
        self.columns
            .get(index)
            .ok_or_else(|| Error::Decode(format!("the row has {} columns, no column {index}", self.columns.len())))
    }

    /// The column `offset` places ahead, if the row has it.
    #[inline]
    fn ahead(&self, offset: usize) -> Option<&'a RawColumn<'a>> {
        self.columns.get(self.next + offset)
    }
}

/// One row's columns at the front of a flat buffer of values: reads stop at the row's end, so a
/// short row reads as NULLs instead of running into the next one.
struct RowValues<'a> {
    values: &'a mut std::vec::IntoIter<Value>,
    left: usize,
}

impl RowValues<'_> {
    #[inline]
    fn next(&mut self) -> Value {
        if self.left == 0 {
            return Value::Null;
        }
        self.left -= 1;
        match self.values.next() {
            Some(value) => value,
            None => Value::Null,
        }
    }

    #[inline]
    fn peek(&self, offset: usize) -> Option<&Value> {
        if offset >= self.left {
            return None;
        }
        self.values.as_slice().get(offset)
    }

    fn skip(&mut self, n: usize) {
        for _ in 0..n.min(self.left) {
            self.next();
        }
    }
}

impl std::fmt::Debug for RowReader<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.source {
            Source::Values(row) => {
                let shown = row.values.as_slice();
                f.debug_tuple("RowReader").field(&&shown[..row.left.min(shown.len())]).finish()
            }
            Source::Native(_) => f.write_str("RowReader(native)"),
            Source::Raw(row) => {
                f.debug_tuple("RowReader").field(&&row.columns[row.next.min(row.columns.len())..]).finish()
            }
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
                Source::Values(row) => Option::<$t>::from_value(row.next()),
                Source::Native(rows) => rows.$native(),
                Source::Raw(row) => row.next()?.$native(),
            }
        }
    )*};
}

impl<'a> RowReader<'a> {
    /// A reader taking the next row's columns from `values`, as many as there are.
    #[inline]
    pub fn new(values: &'a mut std::vec::IntoIter<Value>) -> Self {
        RowReader { source: Source::Values(RowValues { values, left: usize::MAX }), db: None }
    }

    /// A reader taking the next `width` values as one row's columns (and no more).
    #[inline]
    pub fn row(values: &'a mut std::vec::IntoIter<Value>, width: usize) -> Self {
        RowReader { source: Source::Values(RowValues { values, left: width }), db: None }
    }

    /// A reader taking the current row's columns from a driver's rows.
    #[inline]
    pub fn native(rows: &'a mut dyn NativeRows) -> Self {
        RowReader { source: Source::Native(rows), db: None }
    }

    /// A reader over one row's undecoded columns.
    #[inline]
    pub fn raw(columns: &'a [RawColumn<'a>]) -> Self {
        RowReader { source: Source::Raw(RawRow { columns, next: 0 }), db: None }
    }

    /// The reader, telling the objects it builds that their row came from the database `db`.
    #[inline]
    pub fn from_database(mut self, db: &'static str) -> Self {
        self.db = Some(db);
        self
    }

    /// The alias of the database the row came from, when the reader was told (what an
    /// instance's [`InstanceState`](crate::InstanceState) starts with).
    #[inline]
    pub fn database(&self) -> Option<&'static str> {
        self.db
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
            Source::Values(row) => Ok(row.next()),
            Source::Native(rows) => rows.value(),
            Source::Raw(row) => row.next()?.value(),
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
            Source::Values(row) => row.peek(offset).is_none_or(Value::is_null),
            Source::Native(rows) => rows.is_null_ahead(offset),
            Source::Raw(row) => row.ahead(offset).is_none_or(|c| c.bytes.is_none()),
        }
    }

    /// The value of the column `offset` places ahead, without consuming anything.
    pub fn value_ahead(&mut self, offset: usize) -> Result<Value> {
        match &mut self.source {
            Source::Values(row) => Ok(row.peek(offset).cloned().unwrap_or(Value::Null)),
            Source::Native(rows) => rows.value_ahead(offset),
            Source::Raw(row) => row.ahead(offset).map_or(Ok(Value::Null), RawColumn::value),
        }
    }

    /// The integer in the column `offset` places ahead (`None` for NULL), without consuming
    /// anything.
    #[inline]
    pub fn i64_ahead(&self, offset: usize) -> Result<Option<i64>> {
        match &self.source {
            Source::Values(row) => Option::<i64>::from_value(row.peek(offset).cloned().unwrap_or(Value::Null)),
            Source::Native(rows) => rows.i64_ahead(offset),
            Source::Raw(row) => row.ahead(offset).map_or(Ok(None), RawColumn::i64),
        }
    }

    /// Skips `n` columns.
    pub fn skip(&mut self, n: usize) {
        match &mut self.source {
            Source::Values(row) => row.skip(n),
            Source::Native(rows) => rows.skip(n),
            Source::Raw(row) => row.next += n,
        }
    }
}

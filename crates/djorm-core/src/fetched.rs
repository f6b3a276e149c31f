//! Query results on their way to model objects: either decoded [`Value`]s, or the driver's own
//! rows, read column by column straight into typed fields (no `Value` in between).

use djorm_sql::Value;

use crate::{FieldType, RawColumn, Result, RowReader, Rows};

/// A query's rows as the driver returned them, behind a cursor: [`NativeRows::seek`] picks a
/// row, then each read takes the next column of it.
///
/// A backend returns these from [`crate::Backend::fetch_native`] so that `#[derive(Model)]`
/// types decode from the wire format directly; the typed reads (`i64`, `string`, ...) are the
/// fast path, [`NativeRows::value`] serves every other type.
pub trait NativeRows: Send {
    /// How many rows there are.
    fn len(&self) -> usize;

    /// True when there is no row.
    fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Columns per row.
    fn width(&self) -> usize;

    /// Moves to row `index`, before its first column.
    fn seek(&mut self, index: usize);

    /// True when the column `offset` places ahead of the cursor is NULL (or past the end).
    fn is_null_ahead(&self, offset: usize) -> bool;

    /// Skips `n` columns.
    fn skip(&mut self, n: usize);

    /// The value of the column `offset` places ahead, without moving the cursor.
    fn value_ahead(&self, offset: usize) -> Result<Value>;

    /// The integer in the column `offset` places ahead (`None` for NULL), without moving the
    /// cursor: how a related object's key is looked at before it is decoded.
    fn i64_ahead(&self, offset: usize) -> Result<Option<i64>> {
        Option::<i64>::from_value(self.value_ahead(offset)?)
    }

    /// The next column, decoded as the kind the query asked for.
    fn value(&mut self) -> Result<Value>;

    /// The next column as an integer (`None` for NULL).
    fn i64(&mut self) -> Result<Option<i64>>;

    /// The next column as text (`None` for NULL).
    fn string(&mut self) -> Result<Option<String>>;

    /// The next column as a boolean (`None` for NULL).
    fn bool(&mut self) -> Result<Option<bool>>;

    /// The next column as a float (`None` for NULL).
    fn f64(&mut self) -> Result<Option<f64>>;

    /// True when every column has a type [`RawColumn`] decodes, so rows can be handed over
    /// whole with [`NativeRows::raw_row`] instead of read through the cursor.
    fn all_raw(&self) -> bool {
        false
    }

    /// Row `index`'s columns, undecoded, written over `out`, which holds one per column
    /// ([`NativeRows::width`]; only called when [`NativeRows::all_raw`] holds).
    fn raw_row<'a>(&'a self, index: usize, out: &mut [RawColumn<'a>]) -> Result<()> {
        let _ = (index, out);
        Err(crate::Error::Decode("these rows cannot be read undecoded".into()))
    }
}

/// What [`crate::Backend::fetch_native`] returns: decoded values, or the driver's rows.
pub enum Fetched {
    /// Rows already decoded into values (backends without a native path).
    Values(Rows),
    /// The driver's rows, decoded as they are read.
    Native(Box<dyn NativeRows>),
}

impl std::fmt::Debug for Fetched {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Fetched::Values(rows) => f.debug_tuple("Values").field(rows).finish(),
            Fetched::Native(rows) => write!(f, "Native({} rows of {})", rows.len(), rows.width()),
        }
    }
}

impl Fetched {
    /// How many rows there are.
    pub fn len(&self) -> usize {
        match self {
            Fetched::Values(rows) => rows.len(),
            Fetched::Native(rows) => rows.len(),
        }
    }

    /// True when there is no row.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Columns per row.
    pub fn width(&self) -> usize {
        match self {
            Fetched::Values(rows) => rows.width,
            Fetched::Native(rows) => rows.width(),
        }
    }

    /// Calls `each` with a reader on every row in turn; whatever columns `each` leaves unread
    /// are skipped, so every call starts at its row's first column. `db` is the alias of the
    /// database the rows came from, which the objects built remember.
    pub fn read_each(self, db: &'static str, mut each: impl FnMut(&mut RowReader<'_>) -> Result<()>) -> Result<()> {
        match self {
            Fetched::Values(rows) => {
                let (n, width) = (rows.len(), rows.width);
                let mut values = rows.values.into_iter();
                for _ in 0..n {
                    let end = values.len().saturating_sub(width);
                    each(&mut RowReader::row(&mut values, width).from_database(db))?;
                    while values.len() > end {
                        values.next();
                    }
                }
            }
            // Rows of simple column types are handed over whole and decoded as fields read
            // them; others are read column by column through the driver.
            Fetched::Native(rows) if rows.all_raw() => {
                // On the stack for rows of up to 16 columns: a `get` allocates nothing here.
                let mut columns: smallvec::SmallVec<[RawColumn<'_>; 16]> =
                    smallvec::smallvec![RawColumn::NULL; rows.width()];
                for index in 0..rows.len() {
                    rows.raw_row(index, &mut columns)?;
                    each(&mut RowReader::raw(&columns).from_database(db))?;
                }
            }
            Fetched::Native(mut rows) => {
                for index in 0..rows.len() {
                    rows.seek(index);
                    each(&mut RowReader::native(&mut *rows).from_database(db))?;
                }
            }
        }
        Ok(())
    }

    /// Every row's values (for callers that want plain values).
    pub fn into_rows(self) -> Result<Rows> {
        match self {
            Fetched::Values(rows) => Ok(rows),
            Fetched::Native(mut rows) => {
                let width = rows.width();
                let mut values = Vec::with_capacity(rows.len() * width);
                for index in 0..rows.len() {
                    rows.seek(index);
                    for _ in 0..width {
                        values.push(rows.value()?);
                    }
                }
                Ok(Rows { width, values })
            }
        }
    }
}

//! Query rows handed to the models as the driver returned them: each column is decoded straight
//! into its field's type when it is read (see `djorm_core::NativeRows`).

use djorm_core::{ColumnClass, Error, FieldType, NativeRows, RawColumn, Result};
use djorm_sql::{Value, ValueKind};
use tokio_postgres::types::{FromSql, Type};
use tokio_postgres::{Column, Row};

use crate::types::{decode, get};

/// A column's type as the typed reads tell them apart, worked out once per query rather than
/// once per value.
fn class_of(ty: &Type) -> ColumnClass {
    match *ty {
        Type::INT8 => ColumnClass::Int8,
        Type::INT4 => ColumnClass::Int4,
        Type::INT2 => ColumnClass::Int2,
        Type::TEXT | Type::VARCHAR | Type::BPCHAR | Type::NAME => ColumnClass::Text,
        Type::BOOL => ColumnClass::Bool,
        Type::FLOAT8 => ColumnClass::Float8,
        Type::FLOAT4 => ColumnClass::Float4,
        Type::TIMESTAMPTZ | Type::TIMESTAMP => ColumnClass::Timestamp,
        Type::DATE => ColumnClass::Date,
        Type::TIME => ColumnClass::Time,
        Type::UUID => ColumnClass::Uuid,
        Type::BYTEA => ColumnClass::Bytes,
        Type::JSON => ColumnClass::Json,
        Type::JSONB => ColumnClass::Jsonb,
        _ => ColumnClass::Other,
    }
}

/// A column's bytes as the server sent them, whatever its type (`None` for NULL).
struct RawBytes<'a>(Option<&'a [u8]>);

impl<'a> FromSql<'a> for RawBytes<'a> {
    fn from_sql(_: &Type, raw: &'a [u8]) -> std::result::Result<Self, Box<dyn std::error::Error + Sync + Send>> {
        Ok(RawBytes(Some(raw)))
    }

    fn from_sql_null(_: &Type) -> std::result::Result<Self, Box<dyn std::error::Error + Sync + Send>> {
        Ok(RawBytes(None))
    }

    fn accepts(_: &Type) -> bool {
        true
    }
}

/// Each column's type and the kind it is read as, worked out once per query; decodes whole rows
/// into values, the types [`RawColumn`] knows from their bytes without the driver's type
/// dispatch.
pub(crate) struct RowDecoder {
    /// Each column's type and the kind it is read as; inline up to 16 columns, so reading a
    /// model's rows allocates nothing for it.
    columns: smallvec::SmallVec<[(ColumnClass, ValueKind); 16]>,
}

impl RowDecoder {
    /// A decoder for a statement returning `columns`, read as `kinds` (`Any` past the ones given).
    pub(crate) fn new(columns: &[Column], kinds: &[ValueKind]) -> Self {
        let columns = columns
            .iter()
            .enumerate()
            .map(|(i, c)| (class_of(c.type_()), kinds.get(i).copied().unwrap_or(ValueKind::Any)))
            .collect();
        RowDecoder { columns }
    }

    /// Columns per row.
    pub(crate) fn width(&self) -> usize {
        self.columns.len()
    }

    /// The type of column `column`, if the statement has it.
    fn class(&self, column: usize) -> Option<ColumnClass> {
        self.columns.get(column).map(|&(class, _)| class)
    }

    /// The kind column `column` is read as.
    fn kind(&self, column: usize) -> ValueKind {
        self.columns.get(column).map_or(ValueKind::Any, |&(_, kind)| kind)
    }

    /// True when every column has a type [`RawColumn`] decodes.
    fn all_raw(&self) -> bool {
        self.columns.iter().all(|&(class, _)| class != ColumnClass::Other)
    }

    /// Column `column` of `row`, undecoded.
    #[inline]
    fn raw<'a>(row: &'a Row, column: usize, class: ColumnClass, kind: ValueKind) -> Result<RawColumn<'a>> {
        let bytes = row.try_get::<_, RawBytes>(column).map_err(|e| Error::Decode(format!("column {column}: {e}")))?;
        Ok(RawColumn { bytes: bytes.0, class, kind })
    }

    /// Every column of `row`, undecoded, appended to `out`.
    fn raw_row<'a>(&self, row: &'a Row, out: &mut [RawColumn<'a>]) -> Result<()> {
        for (slot, (column, &(class, kind))) in out.iter_mut().zip(self.columns.iter().enumerate()) {
            *slot = RowDecoder::raw(row, column, class, kind)?;
        }
        Ok(())
    }

    /// Appends every column of `row` to `out`.
    pub(crate) fn decode_into(&self, row: &Row, out: &mut Vec<Value>) -> Result<()> {
        for (column, &(class, kind)) in self.columns.iter().enumerate() {
            out.push(match class {
                ColumnClass::Other => decode(row, column, kind)?,
                class => RowDecoder::raw(row, column, class, kind)?.value()?,
            });
        }
        Ok(())
    }
}

/// A statement's rows: one (a `get`, a `first()`) is held without an allocation of its own.
pub(crate) type RowList = smallvec::SmallVec<[Row; 1]>;

/// Every row of `stream`: the first held inline, then grown as a `Vec` grows (4, 8, 16, …), so
/// many rows cost no more allocations than collecting a `Vec`.
pub(crate) async fn collect_rows(stream: tokio_postgres::RowStream) -> Result<RowList, tokio_postgres::Error> {
    futures_util::pin_mut!(stream);
    let mut rows = RowList::new();
    while let Some(row) = futures_util::TryStreamExt::try_next(&mut stream).await? {
        if rows.len() == rows.inline_size() {
            rows.reserve(3);
        }
        rows.push(row);
    }
    Ok(rows)
}

/// The rows of one query and a cursor over them.
pub(crate) struct PgRows {
    rows: RowList,
    decoder: RowDecoder,
    row: usize,
    column: usize,
}

impl PgRows {
    /// `rows` of a statement returning `columns`, to be decoded as `kinds` when read as values.
    pub(crate) fn new(rows: RowList, columns: &[Column], kinds: &[ValueKind]) -> Self {
        Self::with_decoder(rows, RowDecoder::new(columns, kinds))
    }

    /// Rows with the decoder made for them.
    pub(crate) fn with_decoder(rows: RowList, decoder: RowDecoder) -> Self {
        PgRows { rows, decoder, row: 0, column: 0 }
    }

    /// Holds `row` alone (the previous one is freed first), before its first column: how rows
    /// read one at a time reuse one holder.
    pub(crate) fn hold_only(&mut self, row: Row) {
        if let [held] = self.rows.as_mut_slice() {
            *held = row;
        } else {
            self.rows.clear();
            self.rows.push(row);
        }
        self.row = 0;
        self.column = 0;
    }

    /// The current row, the index of the next column and its class; the cursor moves past it.
    #[inline]
    fn next_typed(&mut self) -> Result<(&Row, usize, ColumnClass)> {
        let column = self.column;
        self.column += 1;
        match (self.rows.get(self.row), self.decoder.class(column)) {
            (Some(row), Some(class)) => Ok((row, column, class)),
            (None, _) => Err(Error::Decode(format!("no row {} to read", self.row))),
            (Some(row), None) => Err(Error::Decode(format!("the row has {} columns, no column {column}", row.len()))),
        }
    }

    /// The current row and the index of the next column, which the cursor moves past.
    #[inline]
    fn next_column(&mut self) -> Result<(&Row, usize)> {
        let column = self.column;
        self.column += 1;
        match self.rows.get(self.row) {
            Some(row) => Ok((row, column)),
            None => Err(Error::Decode(format!("no row {} to read", self.row))),
        }
    }
}

/// Whether a column holds a value, whatever its type (read without decoding it).
struct Present(bool);

impl<'a> FromSql<'a> for Present {
    fn from_sql(_: &Type, _: &'a [u8]) -> std::result::Result<Self, Box<dyn std::error::Error + Sync + Send>> {
        Ok(Present(true))
    }

    fn from_sql_null(_: &Type) -> std::result::Result<Self, Box<dyn std::error::Error + Sync + Send>> {
        Ok(Present(false))
    }

    fn accepts(_: &Type) -> bool {
        true
    }
}

/// Any other column type: decoded as a value of `kind`, then converted as `T`.
fn converted<T: FieldType>(row: &Row, column: usize, kind: ValueKind) -> Result<Option<T>> {
    Option::<T>::from_value(decode(row, column, kind)?)
}

impl NativeRows for PgRows {
    fn len(&self) -> usize {
        self.rows.len()
    }

    fn width(&self) -> usize {
        self.decoder.width()
    }

    fn seek(&mut self, index: usize) {
        self.row = index;
        self.column = 0;
    }

    fn is_null_ahead(&self, offset: usize) -> bool {
        let Some(row) = self.rows.get(self.row) else { return true };
        !matches!(row.try_get::<_, Present>(self.column + offset), Ok(Present(true)))
    }

    fn skip(&mut self, n: usize) {
        self.column += n;
    }

    fn value_ahead(&self, offset: usize) -> Result<Value> {
        let column = self.column + offset;
        match self.rows.get(self.row) {
            Some(row) => decode(row, column, self.decoder.kind(column)),
            None => Ok(Value::Null),
        }
    }

    #[inline]
    fn i64_ahead(&self, offset: usize) -> Result<Option<i64>> {
        let column = self.column + offset;
        let Some(row) = self.rows.get(self.row) else { return Ok(None) };
        match self.decoder.class(column) {
            Some(ColumnClass::Int8) => get::<i64>(row, column),
            Some(ColumnClass::Int4) => Ok(get::<i32>(row, column)?.map(i64::from)),
            _ => converted(row, column, ValueKind::I64),
        }
    }

    fn value(&mut self) -> Result<Value> {
        let kind = self.decoder.kind(self.column);
        let (row, column) = self.next_column()?;
        decode(row, column, kind)
    }

    #[inline]
    fn i64(&mut self) -> Result<Option<i64>> {
        match self.next_typed()? {
            (row, column, ColumnClass::Other) => converted(row, column, ValueKind::I64),
            (row, column, class) => RowDecoder::raw(row, column, class, ValueKind::I64)?.i64(),
        }
    }

    #[inline]
    fn string(&mut self) -> Result<Option<String>> {
        match self.next_typed()? {
            (row, column, ColumnClass::Other) => converted(row, column, ValueKind::String),
            (row, column, class) => RowDecoder::raw(row, column, class, ValueKind::String)?.string(),
        }
    }

    #[inline]
    fn bool(&mut self) -> Result<Option<bool>> {
        match self.next_typed()? {
            (row, column, ColumnClass::Other) => converted(row, column, ValueKind::Bool),
            (row, column, class) => RowDecoder::raw(row, column, class, ValueKind::Bool)?.bool(),
        }
    }

    #[inline]
    fn all_raw(&self) -> bool {
        self.decoder.all_raw()
    }

    fn raw_row<'a>(&'a self, index: usize, out: &mut [RawColumn<'a>]) -> Result<()> {
        let row = self.rows.get(index).ok_or_else(|| Error::Decode(format!("no row {index} to read")))?;
        self.decoder.raw_row(row, out)
    }

    fn f64(&mut self) -> Result<Option<f64>> {
        match self.next_typed()? {
            (row, column, ColumnClass::Other) => converted(row, column, ValueKind::F64),
            (row, column, class) => RowDecoder::raw(row, column, class, ValueKind::F64)?.f64(),
        }
    }
}

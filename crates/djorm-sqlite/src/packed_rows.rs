//! `iterator()`'s rows on their way from the thread that steps the statement to the caller:
//! each batch packs its rows' columns into two buffers (the cells, and the bytes of their text
//! and blobs), and the caller decodes each column into its field on its own thread.
//!
//! Decoding on the stepping thread made every string of every object there and freed it on the
//! caller's: each allocation and each free then took malloc's slow path (a thread's cache only
//! serves what that thread frees). A batch is two allocations, whatever its rows hold.

use std::sync::Arc;

use djorm_core::{FieldType, NativeRows, Result};
use djorm_sql::{Value, ValueKind};
use rusqlite::types::ValueRef;

use crate::error::map_error;
use crate::types::{decode, text};

/// One column of a packed row; text and blobs are a range of the batch's bytes.
#[derive(Debug, Clone, Copy)]
enum Cell {
    Null,
    Integer(i64),
    Real(f64),
    Text { start: usize, end: usize },
    Blob { start: usize, end: usize },
}

/// Rows read from a statement, packed, and a cursor over them.
pub(crate) struct PackedRows {
    cells: Vec<Cell>,
    bytes: Vec<u8>,
    /// The kind each column is read as when read as a value (`Any` past the ones given).
    kinds: Arc<[ValueKind]>,
    width: usize,
    row: usize,
    column: usize,
}

impl PackedRows {
    /// An empty batch of rows `width` columns wide, with room for `rows` rows and `bytes`
    /// bytes of text and blobs (the last batch's, so the buffer is not grown step by step).
    pub(crate) fn with_capacity(width: usize, rows: usize, bytes: usize, kinds: Arc<[ValueKind]>) -> Self {
        PackedRows {
            cells: Vec::with_capacity(width * rows),
            bytes: Vec::with_capacity(bytes),
            kinds,
            width,
            row: 0,
            column: 0,
        }
    }

    /// How many bytes of text and blobs the batch holds.
    pub(crate) fn byte_len(&self) -> usize {
        self.bytes.len()
    }

    /// Appends the statement's current row.
    pub(crate) fn push(&mut self, row: &rusqlite::Row<'_>) -> Result<()> {
        for i in 0..self.width {
            let cell = match row.get_ref(i).map_err(map_error)? {
                ValueRef::Null => Cell::Null,
                ValueRef::Integer(i) => Cell::Integer(i),
                ValueRef::Real(f) => Cell::Real(f),
                ValueRef::Text(t) => {
                    let start = self.bytes.len();
                    self.bytes.extend_from_slice(t);
                    Cell::Text { start, end: self.bytes.len() }
                }
                ValueRef::Blob(b) => {
                    let start = self.bytes.len();
                    self.bytes.extend_from_slice(b);
                    Cell::Blob { start, end: self.bytes.len() }
                }
            };
            self.cells.push(cell);
        }
        Ok(())
    }

    /// Column `column` of the current row as SQLite gave it (NULL past the end).
    fn value_ref(&self, column: usize) -> ValueRef<'_> {
        if column >= self.width {
            return ValueRef::Null;
        }
        match self.cells.get(self.row * self.width + column) {
            None | Some(Cell::Null) => ValueRef::Null,
            Some(&Cell::Integer(i)) => ValueRef::Integer(i),
            Some(&Cell::Real(f)) => ValueRef::Real(f),
            Some(&Cell::Text { start, end }) => ValueRef::Text(self.bytes.get(start..end).unwrap_or_default()),
            Some(&Cell::Blob { start, end }) => ValueRef::Blob(self.bytes.get(start..end).unwrap_or_default()),
        }
    }

    /// The kind column `column` is read as.
    fn kind(&self, column: usize) -> ValueKind {
        self.kinds.get(column).copied().unwrap_or(ValueKind::Any)
    }

    /// The next column as `T`: straight from SQLite's storage where `direct` reads it (as
    /// decoding would, without the value in between), else decoded as `kind`.
    #[inline]
    fn next_read<T: FieldType>(
        &mut self,
        kind: ValueKind,
        direct: impl FnOnce(ValueRef<'_>) -> Option<T>,
    ) -> Result<Option<T>> {
        if let Some(read) = direct(self.value_ref(self.column)) {
            self.column += 1;
            return Ok(Some(read));
        }
        self.next_as(kind)
    }

    /// The next column, read as `T` (decoded as `kind`, as the batch of values would be).
    fn next_as<T: FieldType>(&mut self, kind: ValueKind) -> Result<Option<T>> {
        let value = decode(self.value_ref(self.column), kind)?;
        self.column += 1;
        Option::<T>::from_value(value)
    }
}

impl NativeRows for PackedRows {
    fn len(&self) -> usize {
        self.cells.len().checked_div(self.width).unwrap_or(0)
    }

    fn width(&self) -> usize {
        self.width
    }

    fn seek(&mut self, index: usize) {
        self.row = index;
        self.column = 0;
    }

    fn is_null_ahead(&self, offset: usize) -> bool {
        matches!(self.value_ref(self.column + offset), ValueRef::Null)
    }

    fn skip(&mut self, n: usize) {
        self.column += n;
    }

    fn value_ahead(&self, offset: usize) -> Result<Value> {
        let column = self.column + offset;
        decode(self.value_ref(column), self.kind(column))
    }

    fn value(&mut self) -> Result<Value> {
        let column = self.column;
        self.column += 1;
        decode(self.value_ref(column), self.kind(column))
    }

    #[inline]
    fn i64(&mut self) -> Result<Option<i64>> {
        self.next_read(ValueKind::I64, |v| match v {
            ValueRef::Integer(i) => Some(i),
            _ => None,
        })
    }

    #[inline]
    fn string(&mut self) -> Result<Option<String>> {
        self.next_read(ValueKind::String, |v| match v {
            ValueRef::Text(_) => text(v),
            _ => None,
        })
    }

    #[inline]
    fn bool(&mut self) -> Result<Option<bool>> {
        self.next_read(ValueKind::Bool, |v| match v {
            ValueRef::Integer(i) => Some(i != 0),
            _ => None,
        })
    }

    #[inline]
    fn f64(&mut self) -> Result<Option<f64>> {
        self.next_read(ValueKind::F64, |v| match v {
            ValueRef::Real(f) => Some(f),
            _ => None,
        })
    }
}

//! Rows one at a time, as `iterator()` reads them: each row is decoded into its object while
//! the driver's copy of it is still fresh, and freed before the next arrives, so streaming a
//! million rows costs what decoding them costs (no batch of thousands of rows and objects alive
//! at once, which pushed every allocation onto the allocator's slow path).

use std::task::{Context, Poll};

use djorm_sql::Value;

use crate::{Fetched, Result, RowReader, RowStream};

/// What reads one row: called with a reader on the row's first column; columns it leaves
/// unread are skipped.
pub type ReadRow<'r> = dyn FnMut(RowReader<'_>) -> Result<()> + 'r;

/// A query's rows, handed over one at a time as the driver receives them.
///
/// A backend returns one from [`crate::Backend::stream_rows`]; the default adapts the batches
/// of [`crate::Backend::stream`].
pub trait RowSource: Send {
    /// Waits for the next row and calls `read` with a reader on it: `Ready(Some(Ok(())))` once
    /// it was read, `Ready(None)` after the last row, `Ready(Some(Err(_)))` when the database
    /// or `read` failed (the source is then finished).
    fn poll_next_row(&mut self, cx: &mut Context<'_>, read: &mut ReadRow<'_>) -> Poll<Option<Result<()>>>;
}

/// The rows of a [`RowStream`]'s batches, one at a time: how a backend without a row-by-row
/// path serves [`crate::Backend::stream_rows`].
pub(crate) struct BatchRows {
    batches: RowStream,
    batch: Batch,
}

/// The batch being read and where in it.
enum Batch {
    /// None yet, or the last was read to its end.
    Empty,
    /// Decoded values, `width` per row, `left` rows still to read.
    Values { values: std::vec::IntoIter<Value>, width: usize, left: usize },
    /// The driver's rows; `next` is the index of the next row.
    Native { rows: Box<dyn crate::NativeRows>, next: usize },
}

impl BatchRows {
    /// Reads `batches` row by row.
    pub(crate) fn new(batches: RowStream) -> Self {
        BatchRows { batches, batch: Batch::Empty }
    }

    /// Reads the next row of the current batch, if it has one.
    fn read_current(&mut self, read: &mut ReadRow<'_>) -> Option<Result<()>> {
        match &mut self.batch {
            Batch::Empty => None,
            Batch::Values { left: 0, .. } => None,
            Batch::Values { values, width, left } => {
                *left -= 1;
                let end = values.len().saturating_sub(*width);
                let outcome = read(RowReader::row(values, *width));
                while values.len() > end {
                    values.next();
                }
                Some(outcome)
            }
            Batch::Native { rows, next } if *next >= rows.len() => None,
            Batch::Native { rows, next } => {
                rows.seek(*next);
                *next += 1;
                Some(read(RowReader::native(&mut **rows)))
            }
        }
    }
}

impl RowSource for BatchRows {
    fn poll_next_row(&mut self, cx: &mut Context<'_>, read: &mut ReadRow<'_>) -> Poll<Option<Result<()>>> {
        loop {
            if let Some(outcome) = self.read_current(read) {
                return Poll::Ready(Some(outcome));
            }
            self.batch = match std::task::ready!(self.batches.as_mut().poll_next(cx)) {
                None => return Poll::Ready(None),
                Some(Err(e)) => return Poll::Ready(Some(Err(e))),
                Some(Ok(Fetched::Values(rows))) => {
                    let (width, left) = (rows.width, rows.len());
                    Batch::Values { values: rows.values.into_iter(), width, left }
                }
                Some(Ok(Fetched::Native(rows))) => Batch::Native { rows, next: 0 },
            };
        }
    }
}

/// A source whose errors mark the transaction it runs in for rollback, as any failed
/// statement's do.
pub(crate) struct ObservedRows {
    pub(crate) inner: Box<dyn RowSource>,
    pub(crate) state: std::sync::Arc<crate::transaction::TxState>,
}

impl RowSource for ObservedRows {
    fn poll_next_row(&mut self, cx: &mut Context<'_>, read: &mut ReadRow<'_>) -> Poll<Option<Result<()>>> {
        match self.inner.poll_next_row(cx, read) {
            Poll::Ready(Some(outcome)) => Poll::Ready(Some(self.state.observe(outcome))),
            other => other,
        }
    }
}

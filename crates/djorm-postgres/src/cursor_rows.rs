//! `iterator()`'s rows one at a time: each FETCH's rows are decoded as they arrive from the
//! server and freed before the next, as a hand-written tokio-postgres loop does, instead of
//! collecting the 2,000 rows of a FETCH first.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use djorm_core::{ReadRow, Result, RowReader, RowSource};
use djorm_sql::{Value, ValueKind};
use futures_util::Stream;
use tokio_postgres::Row;

use crate::backend::PgBackend;
use crate::cursor::{declare, timed_out, Chunk, Cursor, CHUNK};
use crate::error::map_error;
use crate::native_rows::{PgRows, RowDecoder, RowList};

/// The next FETCH being sent: the cursor comes back with its outcome.
type Step = Pin<Box<dyn Future<Output = (Cursor, Result<Option<Chunk>>)> + Send>>;

/// A cursor's rows, one at a time.
struct CursorRows {
    /// The cursor between FETCHes and while one's rows arrive; `None` while a step holds it,
    /// and for good once finished.
    cursor: Option<Cursor>,
    /// The current FETCH's rows.
    chunk: Option<Chunk>,
    /// Rows of the current FETCH read so far (fewer than a chunk means the last one).
    read_in_chunk: usize,
    /// Sending the next FETCH.
    step: Option<Step>,
    /// Closing the cursor after the last row.
    closing: Option<Pin<Box<dyn Future<Output = ()> + Send>>>,
    /// How long to wait for the server's next row, and the wait's alarm once armed.
    bound: Option<std::time::Duration>,
    alarm: Option<Pin<Box<tokio::time::Sleep>>>,
    /// The alarm is set for the current wait.
    waiting: bool,
    /// The row being read, in a holder made once (its decoder worked out from the first row).
    current: Option<PgRows>,
    kinds: Vec<ValueKind>,
}

/// Declares a cursor for `sql` and reads its rows one at a time.
pub(crate) async fn stream_rows(
    backend: &PgBackend,
    sql: String,
    params: Vec<Value>,
    kinds: Vec<ValueKind>,
) -> Result<Box<dyn RowSource>> {
    let cursor = declare(backend, &sql, &params, &kinds).await?;
    let bound = backend.options.client_statement_timeout();
    Ok(Box::new(CursorRows {
        cursor: None,
        chunk: None,
        read_in_chunk: 0,
        step: Some(next_fetch(cursor)),
        closing: None,
        bound,
        alarm: None,
        waiting: false,
        current: None,
        kinds,
    }))
}

fn next_fetch(mut cursor: Cursor) -> Step {
    Box::pin(async move {
        let outcome = cursor.next_rows().await;
        (cursor, outcome)
    })
}

impl CursorRows {
    /// Hands `row` to `read` through the holder.
    fn read(&mut self, row: Row, read: &mut ReadRow<'_>) -> Result<()> {
        let kinds = &self.kinds;
        let current = self
            .current
            .get_or_insert_with(|| PgRows::with_decoder(RowList::new(), RowDecoder::new(row.columns(), kinds)));
        current.hold_only(row);
        read(RowReader::native(current))
    }

    /// The FETCH's rows are all read: send the next one, or close the cursor after a short one.
    fn after_chunk(&mut self) {
        self.chunk = None;
        let Some(mut cursor) = self.cursor.take() else { return };
        if cursor.done {
            self.closing = Some(Box::pin(async move { cursor.close().await }));
        } else {
            self.step = Some(next_fetch(cursor));
        }
    }

    /// Waits for the server within the bound: `Ready` with the error once it has passed.
    fn wait(&mut self, cx: &mut Context<'_>) -> Poll<Option<Result<()>>> {
        let Some(bound) = self.bound else { return Poll::Pending };
        let alarm = self.alarm.get_or_insert_with(|| Box::pin(tokio::time::sleep(bound)));
        if !self.waiting {
            alarm.as_mut().reset(tokio::time::Instant::now() + bound);
            self.waiting = true;
        }
        if alarm.as_mut().poll(cx).is_pending() {
            return Poll::Pending;
        }
        // Dropping the cursor closes its connection, which ends the FETCH on the server.
        let error = self.cursor.take().map(|cursor| timed_out(&cursor.backend));
        self.chunk = None;
        Poll::Ready(error.map(Err))
    }
}

impl RowSource for CursorRows {
    fn poll_next_row(&mut self, cx: &mut Context<'_>, read: &mut ReadRow<'_>) -> Poll<Option<Result<()>>> {
        loop {
            if let Some(closing) = self.closing.as_mut() {
                std::task::ready!(closing.as_mut().poll(cx));
                self.closing = None;
                return Poll::Ready(None);
            }
            if let Some(step) = self.step.as_mut() {
                let (cursor, outcome) = std::task::ready!(step.as_mut().poll(cx));
                self.step = None;
                match outcome {
                    Ok(Some(chunk)) => {
                        self.cursor = Some(cursor);
                        self.chunk = Some(chunk);
                        self.read_in_chunk = 0;
                    }
                    Ok(None) => {
                        let mut cursor = cursor;
                        self.closing = Some(Box::pin(async move { cursor.close().await }));
                        continue;
                    }
                    // The cursor is dropped: its own connection closes, ending its transaction.
                    Err(e) => return Poll::Ready(Some(Err(e))),
                }
            }
            let Some(chunk) = self.chunk.as_mut() else { return Poll::Ready(None) };
            match chunk {
                Chunk::Arriving(rows) => match rows.as_mut().poll_next(cx) {
                    Poll::Ready(Some(Ok(row))) => {
                        self.waiting = false;
                        self.read_in_chunk += 1;
                        return Poll::Ready(Some(self.read(row, read)));
                    }
                    Poll::Ready(Some(Err(e))) => {
                        self.chunk = None;
                        self.cursor = None;
                        return Poll::Ready(Some(Err(map_error(e))));
                    }
                    Poll::Ready(None) => {
                        self.waiting = false;
                        if self.read_in_chunk < CHUNK {
                            if let Some(cursor) = self.cursor.as_mut() {
                                cursor.done = true;
                            }
                        }
                        self.after_chunk();
                    }
                    Poll::Pending => return self.wait(cx),
                },
                Chunk::Read(rows) => match rows.next() {
                    Some(row) => return Poll::Ready(Some(self.read(row, read))),
                    None => self.after_chunk(),
                },
            }
        }
    }
}

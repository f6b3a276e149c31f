//! `iterator()`: rows in chunks of 2,000 through a server-side cursor (Django's chunk size),
//! so memory stays bounded, each FETCH is a statement of its own under the statement timeout,
//! and a stream dropped halfway costs nothing: no rows are drained.
//!
//! Outside a transaction the cursor lives in a transaction of its own on a pooled connection;
//! dropping the stream early closes that connection, which ends the transaction and the
//! cursor on the server. Inside a transaction the cursor shares the transaction's connection,
//! taking it only for each FETCH, so other statements of the transaction run between chunks.

use djorm_core::{Error, Fetched, Result, RowStream};
use djorm_sql::{Value, ValueKind};
use futures_util::TryStreamExt;
use tokio_postgres::{Row, Statement};

use crate::backend::PgBackend;
use crate::error::map_error;
use crate::guard::{ClientGuard, Running};
use crate::manager::PgConnection;

use crate::native_rows::{PgRows, RowDecoder, RowList};
use crate::types::PgParam;

/// Rows per FETCH, as Django's `iterator()` chunk size.
pub(crate) const CHUNK: usize = 2000;

pub(crate) struct Cursor {
    pub(crate) backend: PgBackend,
    /// Outside a transaction: the pooled connection of its own, inside `BEGIN`, closed if the
    /// stream is dropped early. Inside one (`None`): the transaction's, taken for each FETCH.
    own: Option<Running>,
    name: String,
    fetch: Fetch,
    pub(crate) kinds: Vec<ValueKind>,
    /// The last FETCH came back short: every row was read.
    pub(crate) done: bool,
}

/// The FETCH: a prepared statement, or its text run unnamed (behind a transaction-mode pooler).
enum Fetch {
    Prepared(Statement),
    Unnamed(String),
}

impl Fetch {
    /// Runs the FETCH and reads its rows whole.
    async fn rows(&self, client: &PgConnection) -> std::result::Result<Vec<Row>, tokio_postgres::Error> {
        self.start(client).await?.try_collect().await
    }

    /// Sends the FETCH; its rows then arrive through the stream one at a time.
    async fn start(
        &self,
        client: &PgConnection,
    ) -> std::result::Result<tokio_postgres::RowStream, tokio_postgres::Error> {
        match self {
            Fetch::Prepared(statement) => client.query_raw(statement, std::iter::empty::<PgParam>()).await,
            Fetch::Unnamed(sql) => client.query_unnamed(sql, &[]).await,
        }
    }
}

/// A FETCH's rows on their way: arriving from the server (the cursor's own connection), or
/// read whole (a transaction's connection, which other statements need between FETCHes).
pub(crate) enum Chunk {
    Arriving(std::pin::Pin<Box<tokio_postgres::RowStream>>),
    Read(std::vec::IntoIter<Row>),
}

/// Streams the rows of `sql` through a cursor.
pub(crate) async fn stream(
    backend: &PgBackend,
    sql: String,
    params: Vec<Value>,
    kinds: Vec<ValueKind>,
) -> Result<RowStream> {
    let cursor = declare(backend, &sql, &params, &kinds).await?;
    // One FETCH's rows per item, read as fetch_native's are; after the last (or an error)
    // the cursor closes once.
    Ok(Box::pin(futures_util::stream::unfold(Some(cursor), |cursor| async move {
        let mut cursor = cursor?;
        match cursor.next_chunk().await {
            Ok(Some(rows)) => Some((Ok(rows), Some(cursor))),
            Ok(None) => {
                cursor.close().await;
                None
            }
            Err(e) => {
                cursor.close().await;
                Some((Err(e), None))
            }
        }
    })))
}

/// Declares the cursor for `sql`, within the statement bound.
pub(crate) async fn declare(backend: &PgBackend, sql: &str, params: &[Value], kinds: &[ValueKind]) -> Result<Cursor> {
    let bound = backend.options.client_statement_timeout();
    match tokio::time::timeout(bound.unwrap_or(std::time::Duration::MAX), open(backend, sql, params, kinds)).await {
        Ok(cursor) => cursor,
        Err(_) => Err(timed_out(backend)),
    }
}

pub(crate) fn timed_out(backend: &PgBackend) -> Error {
    Error::Timeout {
        what: "fetching rows for iterator() got no answer; the cursor was closed".into(),
        after: backend.options.statement_timeout.unwrap_or_default(),
    }
}

async fn open(backend: &PgBackend, sql: &str, params: &[Value], kinds: &[ValueKind]) -> Result<Cursor> {
    let mut client = backend.client().await?;
    let name = match &mut client {
        ClientGuard::Pinned(guard) => {
            guard.cursors += 1;
            format!("djorm_iter_{}", guard.cursors)
        }
        ClientGuard::Pooled(_) => "djorm_iter".to_owned(),
    };
    let client = Running::new(client);
    let prepared = async {
        if backend.pinned.is_none() {
            client.batch_execute("BEGIN").await?;
        }
        let declare = format!("DECLARE {name} NO SCROLL CURSOR FOR {sql}");
        let fetch = format!("FETCH {CHUNK} FROM {name}");
        if client.unnamed() {
            client.query_unnamed(&declare, params).await?.try_collect::<Vec<_>>().await?;
            return Ok(Fetch::Unnamed(fetch));
        }
        let declare = client.prepare(&declare).await?;
        client.execute_raw(&declare, params.iter().map(PgParam)).await?;
        Ok::<_, tokio_postgres::Error>(Fetch::Prepared(client.prepare(&fetch).await?))
    }
    .await;
    let fetch = match prepared {
        Ok(fetch) => fetch,
        Err(e) => {
            // A pooled connection is left inside a failed BEGIN: close it. The transaction's
            // connection stays (the transaction layer marks it for rollback) unless it broke.
            let broken = backend.pinned.is_none() || e.as_db_error().is_none();
            client.settle(broken);
            return Err(map_error(e));
        }
    };
    let own = if backend.pinned.is_some() {
        client.finish();
        None
    } else {
        Some(client)
    };
    Ok(Cursor { backend: backend.clone(), own, name, fetch, kinds: kinds.to_vec(), done: false })
}

impl Cursor {
    /// The next FETCH's rows as they come, or `None` once every row was read. On its own
    /// connection the FETCH's rows arrive one at a time (the caller sets `done` when they come
    /// back short); on a transaction's they are read whole, so the connection is free again
    /// between FETCHes.
    pub(crate) async fn next_rows(&mut self) -> Result<Option<Chunk>> {
        if self.done {
            return Ok(None);
        }
        let bound = self.backend.options.client_statement_timeout().unwrap_or(std::time::Duration::MAX);
        match &self.own {
            Some(client) => match tokio::time::timeout(bound, self.fetch.start(client)).await {
                Ok(rows) => Ok(Some(Chunk::Arriving(Box::pin(rows.map_err(map_error)?)))),
                Err(_) => Err(timed_out(&self.backend)),
            },
            None if self.backend.pinned.is_none() => Ok(None),
            None => {
                let rows = self.fetch_in_transaction(bound).await?;
                if rows.len() < CHUNK {
                    self.done = true;
                }
                Ok(Some(Chunk::Read(rows.into_iter())))
            }
        }
    }

    /// The next FETCH's rows, or `None` once every row was read.
    async fn next_chunk(&mut self) -> Result<Option<Fetched>> {
        if self.done {
            return Ok(None);
        }
        let bound = self.backend.options.client_statement_timeout().unwrap_or(std::time::Duration::MAX);
        let rows = match &self.own {
            Some(client) => match tokio::time::timeout(bound, self.fetch.rows(client)).await {
                Ok(rows) => rows.map_err(map_error)?,
                Err(_) => return Err(timed_out(&self.backend)),
            },
            None if self.backend.pinned.is_none() => return Ok(None),
            None => self.fetch_in_transaction(bound).await?,
        };
        if rows.len() < CHUNK {
            self.done = true;
        }
        let Some(first) = rows.first() else { return Ok(None) };
        let decoder = RowDecoder::new(first.columns(), &self.kinds);
        Ok(Some(Fetched::Native(Box::new(PgRows::with_decoder(RowList::from_vec(rows), decoder)))))
    }

    /// One FETCH on the transaction's connection, read whole: the connection is taken for it
    /// only, so the transaction's other statements run between FETCHes.
    async fn fetch_in_transaction(&self, bound: std::time::Duration) -> Result<Vec<Row>> {
        let client = Running::new(self.backend.client().await?);
        let rows = match tokio::time::timeout(bound, self.fetch.rows(&client)).await {
            Ok(rows) => rows,
            Err(_) => return Err(timed_out(&self.backend)),
        };
        client.finish();
        rows.map_err(map_error)
    }

    /// Every row was read: close the cursor and hand the connection back, within the bound.
    pub(crate) async fn close(&mut self) {
        let bound = self.backend.options.client_statement_timeout().unwrap_or(self.backend.options.acquire_timeout);
        if let Some(client) = self.own.take() {
            match tokio::time::timeout(bound, client.batch_execute("COMMIT")).await {
                Ok(Ok(())) => client.finish(),
                _ => client.discard(),
            }
        } else if self.backend.pinned.is_some() {
            if let Ok(client) = self.backend.client().await {
                let client = Running::new(client);
                match tokio::time::timeout(bound, client.batch_execute(&format!("CLOSE {}", self.name))).await {
                    Ok(Ok(())) => client.finish(),
                    // The transaction's COMMIT finds out (it fails in an aborted transaction).
                    Ok(Err(_)) => client.finish(),
                    Err(_) => drop(client),
                }
            }
        }
    }
}

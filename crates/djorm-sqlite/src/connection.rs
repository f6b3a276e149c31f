//! One SQLite connection and the bounded way every call reaches it: the wait for the
//! connection is bounded by `acquire_timeout`, the work runs on tokio's blocking pool, and a
//! statement running past `statement_timeout` (or whose caller stopped waiting, as Ctrl-C in
//! the shell does) is interrupted.

use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use djorm_core::{ConnectOptions, Error, Result};
use rusqlite::{Connection, InterruptHandle, OpenFlags};
use tokio::sync::Mutex;

use crate::error::map_error;
use crate::inline::{Inline, InlineBudget};

/// Opens a connection with djorm's settings: foreign keys on, WAL, the busy timeout for
/// writers of other processes, and the functions Django adds to SQLite ([`crate::functions`]).
pub(crate) fn open(target: &Path, busy_timeout: Duration) -> Result<Connection> {
    let flags = OpenFlags::SQLITE_OPEN_READ_WRITE
        | OpenFlags::SQLITE_OPEN_CREATE
        | OpenFlags::SQLITE_OPEN_URI
        | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let conn = Connection::open_with_flags(target, flags)
        .map_err(|e| Error::Connection(format!("could not open SQLite database {}: {e}", target.display())))?;
    conn.busy_timeout(busy_timeout).map_err(map_error)?;
    conn.execute_batch("PRAGMA foreign_keys = ON; PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;")
        .map_err(map_error)?;
    conn.set_prepared_statement_cache_capacity(256);
    crate::functions::register(&conn).map_err(map_error)?;
    Ok(conn)
}

/// A connection shared by the calls that use it, one at a time. `None` once it is closed
/// (a transaction that ended).
#[derive(Clone)]
pub(crate) struct Slot {
    conn: Arc<Mutex<Option<Connection>>>,
    interrupt: Arc<InterruptHandle>,
    /// For a transaction's connection: set when SQLite ended the transaction by itself (an
    /// interrupted write rolls the whole transaction back), so nothing more runs in autocommit
    /// believing it is inside the transaction.
    lost: Option<Arc<AtomicBool>>,
    /// The deadline of a read running inline ([`crate::inline`]).
    budget: Arc<InlineBudget>,
}

impl Slot {
    /// The shared connection of statements outside transactions.
    pub(crate) fn new(conn: Connection) -> Self {
        let interrupt = Arc::new(conn.get_interrupt_handle());
        let budget = Arc::new(InlineBudget::default());
        InlineBudget::install(&budget, &conn);
        Slot { conn: Arc::new(Mutex::new(Some(conn))), interrupt, lost: None, budget }
    }

    /// Runs the read `job` on the caller's thread if the connection is free, within the inline
    /// budget ([`crate::inline`]).
    pub(crate) fn try_inline<T>(
        &self,
        options: &ConnectOptions,
        budget: Duration,
        job: impl FnOnce(&mut Connection) -> Result<T>,
    ) -> Inline<T> {
        let lost = self.lost.as_ref();
        if lost.is_some_and(|l| l.load(Ordering::Relaxed)) {
            return Inline::NotNow;
        }
        let Ok(mut guard) = self.conn.try_lock() else { return Inline::NotNow };
        match guard.as_mut() {
            // A transaction SQLite ended by itself: the pool path reports it.
            Some(conn) if lost.is_some() && conn.is_autocommit() => Inline::NotNow,
            Some(conn) => self.budget.run(conn, options.busy_timeout, budget, job),
            None => Inline::NotNow,
        }
    }

    /// A transaction's own connection, inside BEGIN.
    pub(crate) fn transaction(conn: Connection) -> Self {
        Slot { lost: Some(Arc::new(AtomicBool::new(false))), ..Slot::new(conn) }
    }

    /// Runs `job` on the connection within the bounds of `options`. On a transaction's
    /// connection, refuses once the transaction was lost, and notices when a job loses it.
    pub(crate) async fn run<T: Send + 'static>(
        &self,
        options: &ConnectOptions,
        job: impl FnOnce(&mut Connection) -> Result<T> + Send + 'static,
    ) -> Result<T> {
        let lost = self.lost.clone();
        if lost.as_ref().is_some_and(|l| l.load(Ordering::Relaxed)) {
            return Err(lost_transaction());
        }
        self.run_any(options, move |conn| {
            // Checked before the job too: an earlier call may have lost the transaction while
            // this one waited for the connection, and its statement must not run in autocommit.
            let check = |conn: &Connection| match &lost {
                Some(lost) if conn.is_autocommit() => {
                    lost.store(true, Ordering::Relaxed);
                    Err(lost_transaction())
                }
                _ => Ok(()),
            };
            check(conn)?;
            let result = job(conn);
            check(conn)?;
            result
        })
        .await
    }

    /// Ends a transaction with `sql` (COMMIT or ROLLBACK): an error if SQLite already ended it.
    pub(crate) async fn end(&self, options: &ConnectOptions, sql: &'static str) -> Result<()> {
        let lost = self.lost.as_ref().is_some_and(|l| l.load(Ordering::Relaxed));
        self.run_any(options, move |conn| {
            if lost || conn.is_autocommit() {
                return Err(lost_transaction());
            }
            let outcome = conn.execute_batch(sql).map_err(map_error);
            if outcome.is_err() && !conn.is_autocommit() {
                let _ = conn.execute_batch("ROLLBACK");
            }
            outcome
        })
        .await
    }

    async fn run_any<T: Send + 'static>(
        &self,
        options: &ConnectOptions,
        job: impl FnOnce(&mut Connection) -> Result<T> + Send + 'static,
    ) -> Result<T> {
        let mut guard =
            tokio::time::timeout(options.acquire_timeout, self.conn.clone().lock_owned()).await.map_err(|_| {
                Error::Timeout {
                    what: "waiting for the SQLite connection: another call kept it busy".into(),
                    after: options.acquire_timeout,
                }
            })?;
        let mut interrupt = InterruptOnDrop { handle: Some(self.interrupt.clone()) };
        let work = tokio::task::spawn_blocking(move || match guard.as_mut() {
            Some(conn) => job(conn),
            None => {
                Err(Error::TransactionManagement("The transaction has already been committed or rolled back.".into()))
            }
        });
        let joined = match options.statement_timeout {
            Some(bound) => match tokio::time::timeout(bound, work).await {
                Ok(joined) => joined,
                Err(_) => {
                    // `interrupt` stops the statement as it is dropped.
                    return Err(Error::Timeout {
                        what: "the statement ran longer than statement_timeout and was interrupted".into(),
                        after: bound,
                    });
                }
            },
            None => work.await,
        };
        interrupt.handle = None;
        joined.map_err(|e| Error::Connection(format!("SQLite worker failed: {e}")))?
    }

    /// Takes the connection out, closing the slot: later calls find no connection.
    pub(crate) async fn close(&self) -> Option<Connection> {
        self.conn.lock().await.take()
    }

    /// Closes the slot without waiting, if no call holds it now.
    pub(crate) fn try_close(&self) -> Option<Option<Connection>> {
        self.conn.try_lock().ok().map(|mut guard| guard.take())
    }
}

fn lost_transaction() -> Error {
    Error::TransactionManagement(
        "SQLite rolled the transaction back by itself (a statement in it was interrupted or failed hard); \
         nothing more runs in it"
            .into(),
    )
}

/// Interrupts the statement of a call whose caller stopped waiting (timeout, Ctrl-C).
struct InterruptOnDrop {
    handle: Option<Arc<InterruptHandle>>,
}

impl Drop for InterruptOnDrop {
    fn drop(&mut self) {
        if let Some(handle) = self.handle.take() {
            handle.interrupt();
        }
    }
}

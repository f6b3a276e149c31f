//! Connections and I/O: statements outside a transaction share one connection, each
//! transaction has a connection of its own, and writers queue for the database's write lock
//! (see `writer`) within `busy_timeout`.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use djorm_core::{Backend, ConnectOptions, Error, Fetched, NativeRows, Result, RowStream, Rows};
use djorm_sql::{Dialect, TransactionMode, Value, ValueKind};
use rusqlite::Connection;

use crate::connection::{open, Slot};
use crate::dialect::SqliteDialect;
use crate::error::map_error;
use crate::inline::{configured_budget, Inline, SlowReads};
use crate::packed_rows::PackedRows;
use crate::statements::{check_single, execute_one, query_into, query_packed};
use crate::types::SqlParam;
use crate::writer::{WritePermit, WriterLock};

static DIALECT: SqliteDialect = SqliteDialect;

/// How many rows `iterator()` hands over at a time, and how many such batches may wait.
/// (A batch of 256 rows of 150 bytes is ~40 KB: memory stays flat.)
const STREAM_BATCH_ROWS: usize = 256;
const STREAM_BATCHES_IN_FLIGHT: usize = 4;
static MEMORY_DATABASES: AtomicU64 = AtomicU64::new(0);

/// What every handle on one database shares.
struct Shared {
    /// The path or URI every connection opens.
    target: PathBuf,
    description: String,
    memory: bool,
    options: ConnectOptions,
    /// The connection statements outside a transaction run on (SQLite serialises writers
    /// anyway). It also keeps a memory database alive.
    main: Slot,
    writer: Arc<WriterLock>,
    /// Reads that ran out of the inline budget once: they take the blocking pool.
    slow_reads: SlowReads,
    /// How long a read may run on the caller's thread (`None`: never).
    inline_budget: Option<Duration>,
}

/// The connection of one transaction and the write lock it holds.
struct TxConn {
    slot: Slot,
    permit: Mutex<Option<WritePermit>>,
}

impl TxConn {
    fn release(&self) {
        if let Ok(mut permit) = self.permit.lock() {
            permit.take();
        }
    }
}

/// A SQLite database file (or a private in-memory database).
#[derive(Clone)]
pub struct SqliteBackend {
    shared: Arc<Shared>,
    /// The transaction this backend is bound to, if any.
    tx: Option<Arc<TxConn>>,
}

impl std::fmt::Debug for SqliteBackend {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqliteBackend").field("database", &self.shared.description).finish_non_exhaustive()
    }
}

/// True for a statement that does not write, so it needs no write lock.
fn is_read(sql: &str) -> bool {
    let head = sql.trim_start().as_bytes();
    let starts = |word: &[u8]| head.len() >= word.len() && head[..word.len()].eq_ignore_ascii_case(word);
    starts(b"select") || starts(b"explain") || starts(b"pragma")
}

impl SqliteBackend {
    /// Opens (creating if needed) the database file at `path`; `":memory:"` opens a private
    /// in-memory database that lives as long as this backend. Settings come from the
    /// environment and the defaults ([`ConnectOptions`]).
    pub async fn open(path: impl AsRef<Path>) -> Result<Self> {
        Self::open_with(path, ConnectOptions::from_env()?).await
    }

    /// Like [`SqliteBackend::open`], with every setting given.
    pub async fn open_with(path: impl AsRef<Path>, options: ConnectOptions) -> Result<Self> {
        let path = path.as_ref();
        let memory = path.as_os_str() == ":memory:";
        let (target, description) = if memory {
            let n = MEMORY_DATABASES.fetch_add(1, Ordering::Relaxed);
            let uri = format!("file:djorm-memory-{}-{n}?mode=memory&cache=shared", std::process::id());
            (PathBuf::from(uri), "sqlite::memory:".to_owned())
        } else {
            (path.to_path_buf(), format!("sqlite://{}", path.display()))
        };
        let inline_budget = configured_budget()?;
        let (opened, busy) = (target.clone(), options.busy_timeout);
        let conn = tokio::task::spawn_blocking(move || open(&opened, busy))
            .await
            .map_err(|e| Error::Connection(e.to_string()))??;
        let shared = Shared {
            target,
            description,
            memory,
            options,
            main: Slot::new(conn),
            writer: WriterLock::new(),
            slow_reads: SlowReads::default(),
            inline_budget,
        };
        Ok(SqliteBackend { shared: Arc::new(shared), tx: None })
    }

    /// The settings this backend runs with.
    pub fn options(&self) -> &ConnectOptions {
        &self.shared.options
    }

    /// Runs `job` on the transaction's connection, or on the shared one; a statement that
    /// writes (any statement, on a memory database, whose tables lock as wholes) first queues
    /// for the write lock.
    async fn run<T: Send + 'static>(
        &self,
        sql: &str,
        job: impl FnOnce(&mut Connection) -> Result<T> + Send + 'static,
    ) -> Result<T> {
        let options = &self.shared.options;
        if let Some(tx) = &self.tx {
            return tx.slot.run(options, job).await;
        }
        let permit = if self.shared.memory || !is_read(sql) {
            Some(self.shared.writer.acquire(options.busy_timeout, false).await?)
        } else {
            None
        };
        let result = self.shared.main.run(options, job).await;
        drop(permit);
        result
    }

    /// A short read, run here without the hop to the blocking pool (see `inline`); `None` when
    /// it must take the pool: a write, a memory database's read (it queues for the write lock),
    /// a read known to be long, or one that ran out of its budget (remembered as long).
    fn read_inline(&self, sql: &str, params: &[Value], kinds: &[ValueKind]) -> Option<Result<Rows>> {
        let budget = self.shared.inline_budget.filter(|_| !self.shared.memory && is_read(sql))?;
        if self.shared.slow_reads.contains(sql) {
            return None;
        }
        let slot = self.tx.as_ref().map_or(&self.shared.main, |tx| &tx.slot);
        match slot.try_inline(&self.shared.options, budget, |conn| query_into(conn, sql, params, kinds)) {
            Inline::Done(result) => Some(result),
            Inline::OutOfTime => {
                self.shared.slow_reads.insert(sql);
                None
            }
            Inline::NotNow => None,
        }
    }

    /// Ends the transaction with COMMIT or ROLLBACK, closes its connection and lets the write
    /// lock go.
    async fn finish(&self, sql: &'static str) -> Result<()> {
        let Some(tx) = &self.tx else {
            return Err(Error::InvalidQuery("no transaction is open on this handle".into()));
        };
        let result = tx.slot.end(&self.shared.options, sql).await;
        drop(tx.slot.close().await);
        tx.release();
        result
    }
}

#[async_trait::async_trait]
impl Backend for SqliteBackend {
    async fn introspect(&self) -> Result<Vec<djorm_core::introspection::TableDescription>> {
        crate::introspection::introspect(self).await
    }

    fn dialect(&self) -> &'static dyn Dialect {
        &DIALECT
    }

    fn describe(&self) -> String {
        self.shared.description.clone()
    }

    /// `VACUUM INTO`: SQLite's own consistent copy of a live database, a database file.
    async fn backup_to(&self, path: &std::path::Path) -> Result<()> {
        if path.exists() {
            return Err(djorm_core::Error::InvalidValue(format!(
                "{} already exists; a backup never overwrites",
                path.display()
            )));
        }
        let target =
            path.to_str().ok_or_else(|| djorm_core::Error::InvalidValue("the backup path is not UTF-8".into()))?;
        let sql = format!("VACUUM INTO '{}'", target.replace('\'', "''"));
        self.execute(&sql, &[]).await.map(drop)
    }

    async fn execute(&self, sql: &str, params: &[Value]) -> Result<u64> {
        let (owned, params) = (sql.to_owned(), params.to_vec());
        self.run(sql, move |conn| execute_one(conn, &owned, &params)).await
    }

    async fn fetch(&self, sql: &str, params: &[Value], kinds: &[ValueKind]) -> Result<Rows> {
        if let Some(read) = self.read_inline(sql, params, kinds) {
            return read;
        }
        let (owned, params, kinds) = (sql.to_owned(), params.to_vec(), kinds.to_vec());
        self.run(sql, move |conn| query_into(conn, &owned, &params, &kinds)).await
    }

    /// A short read runs here and its rows are decoded as values; a longer one runs on the
    /// blocking pool and its rows come back packed, to be decoded on the caller's thread (an
    /// object's strings made on a pool thread and freed on the caller's took malloc's slow
    /// path both ways).
    async fn fetch_native(&self, sql: &str, params: &[Value], kinds: &[ValueKind]) -> Result<Fetched> {
        if let Some(read) = self.read_inline(sql, params, kinds) {
            return read.map(Fetched::Values);
        }
        let (owned, params, kinds) = (sql.to_owned(), params.to_vec(), kinds.to_vec());
        let packed = self.run(sql, move |conn| query_packed(conn, &owned, &params, &kinds)).await?;
        Ok(Fetched::Native(Box::new(packed)))
    }

    /// Outside a transaction, streams on a connection of its own (so the caller may run other
    /// queries meanwhile), handing rows over a small bounded channel; a dropped stream stops
    /// reading. Inside one, the rows must come from the transaction's own connection (they
    /// include its uncommitted writes): they are read whole, then handed over; so are a memory
    /// database's.
    async fn stream(&self, sql: String, params: Vec<Value>, kinds: Vec<ValueKind>) -> Result<RowStream> {
        // A memory database's tables lock as wholes: a reader held open by a stream would make
        // every write fail at once ("table is locked"). Read it whole instead, as in a
        // transaction.
        if self.tx.is_some() || self.shared.memory {
            let rows = self.fetch(&sql, &params, &kinds).await?;
            return Ok(Box::pin(futures_util::stream::iter([Ok(Fetched::Values(rows))])));
        }
        // Rows cross to the caller in batches: one channel hand-off per row cost more than
        // reading the row. A few batches in flight keep memory flat. They cross packed, and
        // the caller decodes them (see `packed_rows`).
        let (sender, receiver) = tokio::sync::mpsc::channel::<Result<PackedRows>>(STREAM_BATCHES_IN_FLIGHT);
        let target = self.shared.target.clone();
        let busy = self.shared.options.busy_timeout;
        let keep_memory_db_alive = self.shared.clone();
        tokio::task::spawn_blocking(move || {
            let _alive = keep_memory_db_alive;
            let work = || -> Result<()> {
                let conn = open(&target, busy)?;
                check_single(&conn, &sql)?;
                let mut statement = conn.prepare(&sql).map_err(map_error)?;
                let width = statement.column_count();
                let kinds: Arc<[ValueKind]> = kinds.into();
                let mut rows =
                    statement.query(rusqlite::params_from_iter(params.iter().map(SqlParam))).map_err(map_error)?;
                let batch = |bytes| PackedRows::with_capacity(width, STREAM_BATCH_ROWS, bytes, kinds.clone());
                let mut packed = batch(0);
                while let Some(row) = rows.next().map_err(map_error)? {
                    packed.push(row)?;
                    if packed.len() >= STREAM_BATCH_ROWS {
                        let next = batch(packed.byte_len() + packed.byte_len() / 8);
                        let full = std::mem::replace(&mut packed, next);
                        if sender.blocking_send(Ok(full)).is_err() {
                            return Ok(()); // the consumer dropped the stream
                        }
                    }
                }
                if !packed.is_empty() {
                    let _ = sender.blocking_send(Ok(packed));
                }
                Ok(())
            };
            if let Err(e) = work() {
                let _ = sender.blocking_send(Err(e));
            }
        });
        Ok(Box::pin(futures_util::stream::unfold(receiver, |mut receiver| async move {
            receiver.recv().await.map(|batch| (batch.map(|rows| Fetched::Native(Box::new(rows))), receiver))
        })))
    }

    /// Django's way on SQLite: foreign keys off (outside the transaction) while tables are
    /// rebuilt, `PRAGMA foreign_key_check` before committing, foreign keys back on.
    async fn execute_migration(&self, statements: &[(String, Vec<Value>)]) -> Result<Vec<u64>> {
        let statements = statements.to_vec();
        self.run("MIGRATE", move |conn| {
            conn.execute_batch("PRAGMA foreign_keys = OFF").map_err(map_error)?;
            let result = (|| -> Result<Vec<u64>> {
                let transaction = conn.transaction().map_err(map_error)?;
                let mut counts = Vec::with_capacity(statements.len());
                for (sql, params) in &statements {
                    check_single(&transaction, sql)?;
                    let mut statement = transaction.prepare(sql).map_err(map_error)?;
                    let n = statement
                        .execute(rusqlite::params_from_iter(params.iter().map(SqlParam)))
                        .map_err(map_error)?;
                    counts.push(n as u64);
                }
                {
                    let mut check = transaction.prepare("PRAGMA foreign_key_check").map_err(map_error)?;
                    let mut rows = check.query([]).map_err(map_error)?;
                    if let Some(row) = rows.next().map_err(map_error)? {
                        let table: String = row.get(0).unwrap_or_default();
                        return Err(Error::Integrity {
                            kind: djorm_core::IntegrityKind::ForeignKey,
                            constraint: None,
                            message: format!("the migration leaves rows of {table} pointing at missing rows"),
                        });
                    }
                }
                transaction.commit().map_err(map_error)?;
                Ok(counts)
            })();
            conn.execute_batch("PRAGMA foreign_keys = ON").map_err(map_error)?;
            result
        })
        .await
    }

    async fn acquire_migration_lock(&self) -> Result<djorm_core::MigrationLock> {
        if self.shared.memory {
            return Ok(djorm_core::MigrationLock(Box::new(())));
        }
        crate::migration_lock::acquire(&self.shared.target, self.shared.options.migration_lock_timeout).await
    }

    async fn begin(&self, mode: &TransactionMode) -> Result<Arc<dyn Backend>> {
        if self.tx.is_some() {
            return Err(Error::InvalidQuery("a transaction is already open on this handle".into()));
        }
        // A writing transaction queues for the write lock here; a read-only one takes none
        // (except on a memory database, whose tables lock as wholes for readers too).
        let permit = if mode.read_only && !self.shared.memory {
            None
        } else {
            Some(self.shared.writer.acquire(self.shared.options.busy_timeout, true).await?)
        };
        let (target, busy) = (self.shared.target.clone(), self.shared.options.busy_timeout);
        let begin = DIALECT.begin_transaction(mode);
        let conn = tokio::task::spawn_blocking(move || -> Result<Connection> {
            let conn = open(&target, busy)?;
            conn.execute_batch(&begin).map_err(map_error)?;
            Ok(conn)
        })
        .await
        .map_err(|e| Error::Connection(e.to_string()))??;
        let tx = TxConn { slot: Slot::transaction(conn), permit: Mutex::new(permit) };
        Ok(Arc::new(SqliteBackend { shared: self.shared.clone(), tx: Some(Arc::new(tx)) }))
    }

    async fn commit(&self) -> Result<()> {
        self.finish("COMMIT").await
    }

    async fn rollback(&self) -> Result<()> {
        self.finish("ROLLBACK").await
    }

    /// Closing the connection rolls the transaction back; if a call holds it right now, a
    /// task waits for that call to end first.
    fn abandon(&self) {
        let Some(tx) = self.tx.clone() else { return };
        match tx.slot.try_close() {
            Some(conn) => {
                drop(conn);
                tx.release();
            }
            None => {
                if let Ok(runtime) = tokio::runtime::Handle::try_current() {
                    runtime.spawn(async move {
                        drop(tx.slot.close().await);
                        tx.release();
                    });
                }
            }
        }
    }

    fn in_transaction(&self) -> bool {
        self.tx.is_some()
    }

    async fn execute_script(&self, statements: &[String]) -> Result<()> {
        let statements = statements.to_vec();
        self.run("SCRIPT", move |conn| {
            let transaction = conn.savepoint().map_err(map_error)?;
            for sql in &statements {
                transaction.execute_batch(sql).map_err(map_error)?;
            }
            transaction.commit().map_err(map_error)
        })
        .await
    }
}

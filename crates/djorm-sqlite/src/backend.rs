//! Connections and I/O: each call runs on tokio's blocking pool with its own connection lock.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use djorm_core::{Backend, Error, Result, RowStream, Rows};
use djorm_sql::{Dialect, TransactionMode, Value, ValueKind};
use rusqlite::functions::FunctionFlags;
use rusqlite::{Connection, OpenFlags};

use crate::dialect::SqliteDialect;
use crate::error::map_error;
use crate::types::{decode, SqlParam};

static DIALECT: SqliteDialect = SqliteDialect;
static MEMORY_DATABASES: AtomicU64 = AtomicU64::new(0);

/// A SQLite database file (or a private in-memory database).
#[derive(Clone)]
pub struct SqliteBackend {
    /// The path or URI every connection opens.
    target: PathBuf,
    description: String,
    /// The connection every statement runs on (SQLite serialises writers anyway).
    conn: Arc<Mutex<Connection>>,
    /// True when `conn` is a connection of its own inside BEGIN IMMEDIATE (a transaction).
    in_transaction: bool,
}

impl std::fmt::Debug for SqliteBackend {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqliteBackend").field("database", &self.description).finish_non_exhaustive()
    }
}

fn open(target: &Path) -> Result<Connection> {
    let flags = OpenFlags::SQLITE_OPEN_READ_WRITE
        | OpenFlags::SQLITE_OPEN_CREATE
        | OpenFlags::SQLITE_OPEN_URI
        | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let conn = Connection::open_with_flags(target, flags)
        .map_err(|e| Error::Connection(format!("could not open SQLite database {}: {e}", target.display())))?;
    conn.busy_timeout(std::time::Duration::from_secs(10)).map_err(map_error)?;
    conn.execute_batch("PRAGMA foreign_keys = ON; PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;")
        .map_err(map_error)?;
    conn.set_prepared_statement_cache_capacity(256);
    // `x REGEXP y` calls regexp(y, x); Django registers the same function.
    conn.create_scalar_function("regexp", 2, FunctionFlags::SQLITE_UTF8 | FunctionFlags::SQLITE_DETERMINISTIC, |ctx| {
        let regex = ctx.get_or_create_aux(
            0,
            |v| -> std::result::Result<regex::Regex, Box<dyn std::error::Error + Send + Sync>> {
                Ok(regex::Regex::new(v.as_str()?)?)
            },
        )?;
        let text: Option<String> = ctx.get(1)?;
        Ok(text.map(|t| regex.is_match(&t)))
    })
    .map_err(map_error)?;
    Ok(conn)
}

fn query_into(conn: &Connection, sql: &str, params: &[Value], kinds: &[ValueKind]) -> Result<Rows> {
    let mut statement = conn.prepare_cached(sql).map_err(map_error)?;
    let width = statement.column_count();
    let mut rows = statement.query(rusqlite::params_from_iter(params.iter().map(SqlParam))).map_err(map_error)?;
    let mut values = Vec::new();
    while let Some(row) = rows.next().map_err(map_error)? {
        for i in 0..width {
            let raw = row.get_ref(i).map_err(map_error)?;
            values.push(decode(raw, kinds.get(i).copied().unwrap_or(ValueKind::Any))?);
        }
    }
    Ok(Rows { width, values })
}

impl SqliteBackend {
    /// Opens (creating if needed) the database file at `path`; `":memory:"` opens a private
    /// in-memory database that lives as long as this backend.
    pub async fn open(path: impl AsRef<Path>) -> Result<Self> {
        let path = path.as_ref();
        let (target, description) = if path.as_os_str() == ":memory:" {
            let n = MEMORY_DATABASES.fetch_add(1, Ordering::Relaxed);
            let uri = format!("file:djorm-memory-{}-{n}?mode=memory&cache=shared", std::process::id());
            (PathBuf::from(uri), "sqlite::memory:".to_owned())
        } else {
            (path.to_path_buf(), format!("sqlite://{}", path.display()))
        };
        let opened = target.clone();
        let conn = tokio::task::spawn_blocking(move || open(&opened))
            .await
            .map_err(|e| Error::Connection(e.to_string()))??;
        Ok(SqliteBackend { target, description, conn: Arc::new(Mutex::new(conn)), in_transaction: false })
    }

    async fn run<T: Send + 'static>(
        &self,
        job: impl FnOnce(&mut Connection) -> Result<T> + Send + 'static,
    ) -> Result<T> {
        let conn = self.conn.clone();
        tokio::task::spawn_blocking(move || {
            let mut guard = conn.lock().map_err(|_| Error::Connection("SQLite connection lock poisoned".into()))?;
            job(&mut guard)
        })
        .await
        .map_err(|e| Error::Connection(format!("SQLite worker failed: {e}")))?
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
        self.description.clone()
    }

    async fn execute(&self, sql: &str, params: &[Value]) -> Result<u64> {
        let (sql, params) = (sql.to_owned(), params.to_vec());
        self.run(move |conn| {
            let mut statement = conn.prepare_cached(&sql).map_err(map_error)?;
            let n = statement.execute(rusqlite::params_from_iter(params.iter().map(SqlParam))).map_err(map_error)?;
            Ok(n as u64)
        })
        .await
    }

    async fn fetch(&self, sql: &str, params: &[Value], kinds: &[ValueKind]) -> Result<Rows> {
        let (sql, params, kinds) = (sql.to_owned(), params.to_vec(), kinds.to_vec());
        self.run(move |conn| query_into(conn, &sql, &params, &kinds)).await
    }

    /// Streams on a connection of its own (so the caller may run other queries meanwhile),
    /// handing rows over a small bounded channel.
    async fn stream(&self, sql: String, params: Vec<Value>, kinds: Vec<ValueKind>) -> Result<RowStream> {
        let (sender, receiver) = tokio::sync::mpsc::channel::<Result<Vec<Value>>>(64);
        let target = self.target.clone();
        let keep_memory_db_alive = self.conn.clone();
        tokio::task::spawn_blocking(move || {
            let _alive = keep_memory_db_alive;
            let work = || -> Result<()> {
                let conn = open(&target)?;
                let mut statement = conn.prepare(&sql).map_err(map_error)?;
                let width = statement.column_count();
                let mut rows =
                    statement.query(rusqlite::params_from_iter(params.iter().map(SqlParam))).map_err(map_error)?;
                while let Some(row) = rows.next().map_err(map_error)? {
                    let mut values = Vec::with_capacity(width);
                    for i in 0..width {
                        let raw = row.get_ref(i).map_err(map_error)?;
                        values.push(decode(raw, kinds.get(i).copied().unwrap_or(ValueKind::Any))?);
                    }
                    if sender.blocking_send(Ok(values)).is_err() {
                        return Ok(()); // the consumer dropped the stream
                    }
                }
                Ok(())
            };
            if let Err(e) = work() {
                let _ = sender.blocking_send(Err(e));
            }
        });
        let stream = futures_util_stream(receiver);
        Ok(stream)
    }

    /// Django's way on SQLite: foreign keys off (outside the transaction) while tables are
    /// rebuilt, `PRAGMA foreign_key_check` before committing, foreign keys back on.
    async fn execute_migration(&self, statements: &[(String, Vec<Value>)]) -> Result<Vec<u64>> {
        let statements = statements.to_vec();
        self.run(move |conn| {
            conn.execute_batch("PRAGMA foreign_keys = OFF").map_err(map_error)?;
            let result = (|| -> Result<Vec<u64>> {
                let transaction = conn.transaction().map_err(map_error)?;
                let mut counts = Vec::with_capacity(statements.len());
                for (sql, params) in &statements {
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
        if self.description == "sqlite::memory:" {
            return Ok(djorm_core::MigrationLock(Box::new(())));
        }
        let mut path = self.target.clone().into_os_string();
        path.push(".migrate-lock");
        let file = tokio::task::spawn_blocking(move || -> Result<std::fs::File> {
            let file = std::fs::OpenOptions::new()
                .create(true)
                .truncate(false)
                .write(true)
                .open(&path)
                .map_err(|e| Error::Connection(format!("cannot open the migration lock file: {e}")))?;
            file.lock().map_err(|e| Error::Connection(format!("cannot take the migration lock: {e}")))?;
            Ok(file)
        })
        .await
        .map_err(|e| Error::Connection(e.to_string()))??;
        Ok(djorm_core::MigrationLock(Box::new(file)))
    }

    async fn begin(&self, mode: &TransactionMode) -> Result<Arc<dyn Backend>> {
        if self.in_transaction {
            return Err(Error::InvalidQuery("a transaction is already open on this handle".into()));
        }
        let target = self.target.clone();
        let begin = DIALECT.begin_transaction(mode);
        let conn = tokio::task::spawn_blocking(move || -> Result<Connection> {
            let conn = open(&target)?;
            conn.execute_batch(&begin).map_err(map_error)?;
            Ok(conn)
        })
        .await
        .map_err(|e| Error::Connection(e.to_string()))??;
        Ok(Arc::new(SqliteBackend {
            target: self.target.clone(),
            description: self.description.clone(),
            conn: Arc::new(Mutex::new(conn)),
            in_transaction: true,
        }))
    }

    async fn commit(&self) -> Result<()> {
        if !self.in_transaction {
            return Err(Error::InvalidQuery("no transaction is open on this handle".into()));
        }
        self.run(|conn| conn.execute_batch("COMMIT").map_err(map_error)).await
    }

    async fn rollback(&self) -> Result<()> {
        if !self.in_transaction {
            return Err(Error::InvalidQuery("no transaction is open on this handle".into()));
        }
        self.run(|conn| conn.execute_batch("ROLLBACK").map_err(map_error)).await
    }

    fn in_transaction(&self) -> bool {
        self.in_transaction
    }

    async fn execute_script(&self, statements: &[String]) -> Result<()> {
        let statements = statements.to_vec();
        self.run(move |conn| {
            let transaction = conn.savepoint().map_err(map_error)?;
            for sql in &statements {
                transaction.execute_batch(sql).map_err(map_error)?;
            }
            transaction.commit().map_err(map_error)
        })
        .await
    }
}

/// Adapts the channel's receiver into a `Stream`.
fn futures_util_stream(receiver: tokio::sync::mpsc::Receiver<Result<Vec<Value>>>) -> RowStream {
    Box::pin(futures_util::stream::unfold(receiver, |mut receiver| async move {
        receiver.recv().await.map(|item| (item, receiver))
    }))
}

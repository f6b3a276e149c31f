//! Connections and I/O: statements outside a transaction take a pooled connection for the
//! statement, each transaction holds one connection until it commits or rolls back.

use std::sync::Arc;

use djorm_core::{Backend, ConnectOptions, Error, Fetched, Result, RowStream, Rows};
use djorm_sql::{Dialect, TransactionMode, Value, ValueKind};
use mysql_async::prelude::Queryable;
use mysql_async::{Conn, Pool, Row, Transaction, TxOpts};
use tokio::sync::Mutex;

use crate::dialect::MariaDbDialect;
use crate::error::{map_error, map_statement_error};

static DIALECT: MariaDbDialect = MariaDbDialect;

/// How many rows `iterator()` hands over at a time, and how many such batches may wait.
const STREAM_BATCH_ROWS: usize = 256;
const STREAM_BATCHES_IN_FLIGHT: usize = 4;

/// The transaction a backend is bound to: the driver's transaction (which owns its pooled
/// connection and rolls back if dropped unfinished), until commit or rollback takes it.
type TxSlot = Arc<Mutex<Option<Transaction<'static>>>>;

/// A MariaDB server, reached through a pool of connections.
#[derive(Clone)]
pub struct MySqlBackend {
    pool: Pool,
    opts: mysql_async::Opts,
    options: Arc<ConnectOptions>,
    description: Arc<str>,
    tx: Option<TxSlot>,
}

impl std::fmt::Debug for MySqlBackend {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MySqlBackend").field("server", &self.description).finish_non_exhaustive()
    }
}

/// Runs `$body` with `$q` bound to whichever connection the call holds.
macro_rules! on_lease {
    ($lease:expr, |$q:ident| $body:expr) => {
        match $lease {
            Lease::Pooled($q) => $body,
            Lease::Tx(guard) => match guard.as_mut() {
                Some($q) => $body,
                None => Err(ended()),
            },
        }
    };
}

/// The connection one call runs on.
enum Lease<'a> {
    Pooled(Conn),
    Tx(tokio::sync::MutexGuard<'a, Option<Transaction<'static>>>),
}

fn ended() -> Error {
    Error::TransactionManagement("the transaction this handle belonged to has ended".into())
}

/// Reads every row of a result, decoding column `i` as `kinds[i]` (as the server sent it
/// where `kinds` is shorter).
fn decode_rows(rows: Vec<Row>, kinds: &[ValueKind]) -> Result<Rows> {
    let width = rows.first().map_or(kinds.len(), Row::len);
    let mut values = Vec::with_capacity(rows.len() * width);
    for row in rows {
        decode_row(row, kinds, &mut values)?;
    }
    Ok(Rows { width, values })
}

fn decode_row(row: Row, kinds: &[ValueKind], out: &mut Vec<Value>) -> Result<()> {
    for (i, value) in row.unwrap_raw().into_iter().enumerate() {
        let kind = kinds.get(i).copied().unwrap_or(ValueKind::Any);
        out.push(crate::types::decode(value.unwrap_or(mysql_async::Value::NULL), kind)?);
    }
    Ok(())
}

async fn execute_on<Q: Queryable>(q: &mut Q, sql: &str, params: &[Value]) -> Result<u64> {
    let params = crate::types::params(params)?;
    let result = q.exec_iter(sql, params).await.map_err(|e| map_statement_error(sql, e))?;
    let affected = result.affected_rows();
    result.drop_result().await.map_err(map_error)?;
    Ok(affected)
}

async fn fetch_on<Q: Queryable>(q: &mut Q, sql: &str, params: &[Value]) -> Result<Vec<Row>> {
    let params = crate::types::params(params)?;
    q.exec(sql, params).await.map_err(|e| map_statement_error(sql, e))
}

/// Runs text statements one by one (schema changes, transaction control).
async fn script_on<Q: Queryable>(q: &mut Q, statements: &[String]) -> Result<()> {
    for statement in statements {
        q.query_drop(statement.as_str()).await.map_err(map_error)?;
    }
    Ok(())
}

/// Sends a query's rows, a batch at a time, to `sender`; stops when the receiver is gone.
async fn stream_on<Q: Queryable>(
    q: &mut Q,
    sql: &str,
    params: Vec<Value>,
    kinds: &[ValueKind],
    sender: &tokio::sync::mpsc::Sender<Result<Fetched>>,
) -> Result<()> {
    let params = crate::types::params(&params)?;
    let mut result = q.exec_iter(sql, params).await.map_err(map_error)?;
    let width = result.columns_ref().len();
    let mut values = Vec::with_capacity(width * STREAM_BATCH_ROWS);
    while let Some(row) = result.next().await.map_err(map_error)? {
        decode_row(row, kinds, &mut values)?;
        if values.len() >= width.max(1) * STREAM_BATCH_ROWS {
            let batch = std::mem::replace(&mut values, Vec::with_capacity(width * STREAM_BATCH_ROWS));
            if sender.send(Ok(Fetched::Values(Rows { width, values: batch }))).await.is_err() {
                return Ok(());
            }
        }
    }
    if !values.is_empty() {
        let _ = sender.send(Ok(Fetched::Values(Rows { width, values }))).await;
    }
    Ok(())
}

/// Whether the server reporting `version` (`SELECT VERSION()`) is one djorm serves.
fn supported(version: &str) -> Result<()> {
    let numbers: Vec<u32> = version.split(['.', '-']).take(2).filter_map(|n| n.parse().ok()).collect();
    let refuse = |what: String| Err(Error::NotSupported { backend: "mysql", what });
    if !version.contains("MariaDB") {
        return refuse(format!(
            "MySQL {version} (djorm-mysql serves MariaDB 10.5 or later so far: MySQL has no INSERT ... RETURNING, \
             and reading keys through LAST_INSERT_ID is not built yet)"
        ));
    }
    match numbers.as_slice() {
        [major, minor] if (*major, *minor) >= (10, 5) => Ok(()),
        _ => refuse(format!("MariaDB {version} (MariaDB 10.5 or later is required, as Django 5.2 requires it)")),
    }
}

impl MySqlBackend {
    /// A backend on a new pool for `opts`, described (without credentials) as `description`.
    pub(crate) fn new(opts: mysql_async::Opts, options: ConnectOptions, description: String) -> Self {
        let pool = Pool::new(opts.clone());
        MySqlBackend { pool, opts, options: Arc::new(options), description: description.into(), tx: None }
    }

    /// The settings this backend runs with.
    pub fn options(&self) -> &ConnectOptions {
        &self.options
    }

    /// The driver's view of the server and credentials (for `mariadb-dump`).
    pub(crate) fn opts(&self) -> mysql_async::Opts {
        self.opts.clone()
    }

    /// A connection from the pool within the acquire timeout.
    pub(crate) async fn checkout(&self) -> Result<Conn> {
        let bound = self.options.acquire_timeout.max(self.options.connect_timeout);
        // Boxed: the driver's connect future is large, and debug builds keep its frames.
        match tokio::time::timeout(bound, Box::pin(self.pool.get_conn())).await {
            Ok(conn) => conn.map_err(map_error),
            Err(_) => Err(Error::Timeout {
                what: format!(
                    "a connection to {} (raise acquire_timeout or pool_size, or check that the server is up)",
                    self.description
                ),
                after: bound,
            }),
        }
    }

    /// Refuses a server this backend cannot serve: MariaDB before 10.5 (Django 5.2's
    /// minimum, and the first with `INSERT ... RETURNING`), and MySQL, whose generated keys
    /// come through `LAST_INSERT_ID`, which djorm does not read yet.
    pub(crate) async fn check_server(&self) -> Result<()> {
        let mut conn = self.checkout().await?;
        let version: Option<String> = conn.query_first("SELECT VERSION()").await.map_err(map_error)?;
        let version = version.unwrap_or_default();
        supported(&version)
    }

    async fn lease(&self) -> Result<Lease<'_>> {
        match &self.tx {
            Some(slot) => Ok(Lease::Tx(slot.lock().await)),
            None => Ok(Lease::Pooled(self.checkout().await?)),
        }
    }

    /// Bounds a statement on the client side too: the server's `max_statement_time` stops it
    /// there, and a server that stops answering is given up on a little later.
    async fn bounded<T>(&self, work: impl std::future::Future<Output = Result<T>>) -> Result<T> {
        let Some(grace) = self.options.client_statement_timeout() else { return work.await };
        tokio::time::timeout(grace, work).await.unwrap_or_else(|_| {
            Err(Error::Timeout { what: "a statement (the statement_timeout setting)".into(), after: grace })
        })
    }
}

#[async_trait::async_trait]
impl Backend for MySqlBackend {
    fn dialect(&self) -> &'static dyn Dialect {
        &DIALECT
    }

    fn describe(&self) -> String {
        self.description.to_string()
    }

    async fn execute(&self, sql: &str, params: &[Value]) -> Result<u64> {
        let mut lease = self.lease().await?;
        self.bounded(async { on_lease!(&mut lease, |q| execute_on(q, sql, params).await) }).await
    }

    async fn fetch(&self, sql: &str, params: &[Value], kinds: &[ValueKind]) -> Result<Rows> {
        let mut lease = self.lease().await?;
        let rows = self.bounded(async { on_lease!(&mut lease, |q| fetch_on(q, sql, params).await) }).await?;
        decode_rows(rows, kinds)
    }

    async fn stream(&self, sql: String, params: Vec<Value>, kinds: Vec<ValueKind>) -> Result<RowStream> {
        let (sender, receiver) = tokio::sync::mpsc::channel(STREAM_BATCHES_IN_FLIGHT);
        match &self.tx {
            // One connection cannot read a result while it runs another statement, and the
            // transaction's statements share one: inside a transaction the rows are read
            // whole first, as Django's MySQL driver reads every result.
            Some(_) => {
                let rows = self.fetch(&sql, &params, &kinds).await?;
                let batches = futures_util::stream::iter([Ok(Fetched::Values(rows))]);
                return Ok(Box::pin(batches));
            }
            None => {
                let mut conn = self.checkout().await?;
                tokio::spawn(async move {
                    if let Err(e) = stream_on(&mut conn, &sql, params, &kinds, &sender).await {
                        let _ = sender.send(Err(e)).await;
                    }
                });
            }
        }
        let batches = futures_util::stream::unfold(receiver, |mut receiver| async move {
            receiver.recv().await.map(|batch| (batch, receiver))
        });
        Ok(Box::pin(batches))
    }

    /// MariaDB commits DDL as it runs: a migration's statements run one by one, as Django
    /// runs them there, and the executor records the migration only after the last.
    async fn execute_migration(&self, statements: &[(String, Vec<Value>)]) -> Result<Vec<u64>> {
        let mut counts = Vec::with_capacity(statements.len());
        for (sql, params) in statements {
            counts.push(self.execute(sql, params).await?);
        }
        Ok(counts)
    }

    async fn begin(&self, mode: &TransactionMode) -> Result<Arc<dyn Backend>> {
        if self.tx.is_some() {
            return Err(Error::TransactionManagement("a transaction is already open on this handle".into()));
        }
        let mut options = TxOpts::default();
        options.with_readonly(Some(mode.read_only).filter(|r| *r));
        if let Some(level) = mode.isolation {
            options.with_isolation_level(crate::session::isolation(level));
        }
        let bound = self.options.acquire_timeout.max(self.options.connect_timeout);
        let tx = match tokio::time::timeout(bound, Box::pin(self.pool.start_transaction(options))).await {
            Ok(tx) => tx.map_err(map_error)?,
            Err(_) => {
                return Err(Error::Timeout {
                    what: format!(
                        "a connection to {} for a transaction (raise acquire_timeout or pool_size)",
                        self.description
                    ),
                    after: bound,
                })
            }
        };
        let mut bound = self.clone();
        bound.tx = Some(Arc::new(Mutex::new(Some(tx))));
        Ok(Arc::new(bound))
    }

    async fn commit(&self) -> Result<()> {
        let slot = self.tx.as_ref().ok_or_else(|| Error::TransactionManagement("no transaction to commit".into()))?;
        let tx = slot.lock().await.take().ok_or_else(ended)?;
        self.bounded(async { tx.commit().await.map_err(map_error) }).await
    }

    async fn rollback(&self) -> Result<()> {
        let slot =
            self.tx.as_ref().ok_or_else(|| Error::TransactionManagement("no transaction to roll back".into()))?;
        let tx = slot.lock().await.take().ok_or_else(ended)?;
        self.bounded(async { tx.rollback().await.map_err(map_error) }).await
    }

    /// Dropping the driver's transaction unfinished marks it for rollback: the pool rolls it
    /// back before the connection serves anyone else.
    fn abandon(&self) {
        if let Some(slot) = &self.tx {
            if let Ok(mut guard) = slot.try_lock() {
                guard.take();
            } else {
                let slot = slot.clone();
                if let Ok(handle) = tokio::runtime::Handle::try_current() {
                    handle.spawn(async move {
                        slot.lock().await.take();
                    });
                }
            }
        }
    }

    fn in_transaction(&self) -> bool {
        self.tx.is_some()
    }

    async fn acquire_migration_lock(&self) -> Result<djorm_core::MigrationLock> {
        crate::migration_lock::acquire(self).await
    }

    async fn backup_to(&self, path: &std::path::Path) -> Result<()> {
        crate::backup::backup(self, path).await
    }

    async fn introspect(&self) -> Result<Vec<djorm_core::introspection::TableDescription>> {
        crate::introspection::introspect(self).await
    }

    async fn execute_script(&self, statements: &[String]) -> Result<()> {
        let mut lease = self.lease().await?;
        self.bounded(async { on_lease!(&mut lease, |q| script_on(q, statements).await) }).await
    }
}

#[cfg(test)]
mod tests {
    use super::supported;

    #[test]
    fn mariadb_from_10_5_is_served_and_mysql_is_refused_with_the_reason() {
        assert!(supported("10.11.19-MariaDB-0+deb12u1").is_ok());
        assert!(supported("10.5.0-MariaDB").is_ok());
        assert!(supported("11.4.2-MariaDB").is_ok());
        let old = supported("10.4.32-MariaDB").expect_err("too old").to_string();
        assert!(old.contains("MariaDB 10.5 or later is required"), "{old}");
        let mysql = supported("8.0.36").expect_err("MySQL").to_string();
        assert!(mysql.contains("LAST_INSERT_ID"), "{mysql}");
    }
}

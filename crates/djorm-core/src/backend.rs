//! The backend seam: what the query layer needs from a database, and nothing more.

use std::pin::Pin;

use djorm_sql::{Dialect, TransactionMode, Value, ValueKind};
use futures_core::Stream;

use crate::introspection::TableDescription;
use crate::{Fetched, Result};

/// A stream of rows in batches (a few hundred or thousand rows each), every batch read as
/// `fetch_native`'s rows are: handing rows over one at a time cost more than decoding them.
pub type RowStream = Pin<Box<dyn Stream<Item = Result<Fetched>> + Send>>;

/// Holds the migration lock; dropping it releases the lock.
pub struct MigrationLock(pub Box<dyn Send + Sync>);

impl std::fmt::Debug for MigrationLock {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("MigrationLock")
    }
}

/// Result rows, stored flat: `width` values per row.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Rows {
    /// Columns per row.
    pub width: usize,
    /// All values, row after row.
    pub values: Vec<Value>,
}

impl Rows {
    /// How many rows there are.
    pub fn len(&self) -> usize {
        self.values.len().checked_div(self.width).unwrap_or(0)
    }

    /// True when there is no row.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The rows with only their first `width` columns.
    pub fn leading(self, width: usize) -> Rows {
        if width >= self.width {
            return self;
        }
        let values = self.values.chunks(self.width.max(1)).flat_map(|row| row[..width].iter().cloned()).collect();
        Rows { width, values }
    }

    /// The rows, each as its own vector.
    pub fn into_rows(self) -> Vec<Vec<Value>> {
        let width = self.width.max(1);
        let mut out = Vec::with_capacity(self.len());
        let mut iter = self.values.into_iter();
        loop {
            let row: Vec<Value> = iter.by_ref().take(width).collect();
            if row.is_empty() {
                break;
            }
            out.push(row);
        }
        out
    }
}

/// One database: a driver and its pool behind a dialect.
///
/// A connection pool's state, for dashboards and `djorm dbstatus`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct PoolStatus {
    /// Most connections the pool opens.
    pub max_size: usize,
    /// Connections open now.
    pub size: usize,
    /// Open connections waiting for work.
    pub idle: usize,
    /// Connections running a call or held by a transaction.
    pub in_use: usize,
    /// Callers waiting for a connection.
    pub waiting: usize,
    /// Callers that gave up waiting (`acquire_timeout`) since the pool started.
    pub timeouts: u64,
    /// Connections opened since the pool started.
    pub opened: u64,
}

/// Implementors MUST run each call on a pooled connection without blocking the async runtime,
/// bind every parameter (never interpolate), map the driver's errors to [`crate::Error`]
/// kinds (a unique violation is `Error::Integrity`), and decode each column into the
/// requested [`ValueKind`]. They SHOULD cache prepared statements per connection.
#[async_trait::async_trait]
pub trait Backend: Send + Sync + std::fmt::Debug {
    /// The SQL dialect of this database.
    fn dialect(&self) -> &'static dyn Dialect;

    /// Where this backend connects, with any password redacted.
    fn describe(&self) -> String;

    /// Writes a consistent copy of the whole database to `path` while it stays in use (the
    /// chapter's "back up before migrate"): `pg_dump`'s custom format on PostgreSQL, SQLite's
    /// `VACUUM INTO` (a database file). Not supported by default.
    async fn backup_to(&self, path: &std::path::Path) -> Result<()> {
        let _ = path;
        Err(crate::Error::NotSupported { backend: self.dialect().name(), what: "backups (dbbackup)".into() })
    }

    /// Django's `check --deploy` findings about how this database is reached (TLS, the role's
    /// powers); none by default.
    async fn deploy_checks(&self) -> Result<Vec<crate::checks::CheckMessage>> {
        Ok(Vec::new())
    }

    /// The pool's gauges and counters, for a backend that pools connections.
    fn pool_status(&self) -> Option<PoolStatus> {
        None
    }

    /// Runs a statement and returns the number of rows it changed.
    async fn execute(&self, sql: &str, params: &[Value]) -> Result<u64>;

    /// Runs a query and returns every row, decoding column `i` as `kinds[i]`.
    async fn fetch(&self, sql: &str, params: &[Value], kinds: &[ValueKind]) -> Result<Rows>;

    /// Runs a query whose rows become model objects. A backend may return the driver's rows
    /// undecoded ([`Fetched::Native`]) so each column is read straight into its field; the
    /// default decodes them into values with [`Backend::fetch`].
    async fn fetch_native(&self, sql: &str, params: &[Value], kinds: &[ValueKind]) -> Result<Fetched> {
        Ok(Fetched::Values(self.fetch(sql, params, kinds).await?))
    }

    /// Runs a query and streams its rows in batches, holding only a bounded number in memory.
    async fn stream(&self, sql: String, params: Vec<Value>, kinds: Vec<ValueKind>) -> Result<RowStream>;

    /// Runs a query and hands its rows over one at a time (what `iterator()` reads), holding
    /// only a bounded number in memory. The default reads [`Backend::stream`]'s batches row by
    /// row; a backend whose driver receives rows one at a time overrides it, so each row is
    /// decoded and freed before the next.
    async fn stream_rows(
        &self,
        sql: String,
        params: Vec<Value>,
        kinds: Vec<ValueKind>,
    ) -> Result<Box<dyn crate::RowSource>> {
        Ok(Box::new(crate::row_source::BatchRows::new(self.stream(sql, params, kinds).await?)))
    }

    /// Runs one migration's statements in one transaction, all or nothing. Databases whose
    /// foreign keys must be switched off while a table is rebuilt (SQLite) override this and
    /// check the keys before committing.
    async fn execute_migration(&self, statements: &[(String, Vec<Value>)]) -> Result<Vec<u64>> {
        let tx = self.begin(&TransactionMode::default()).await?;
        let mut counts = Vec::with_capacity(statements.len());
        for (sql, params) in statements {
            match tx.execute(sql, params).await {
                Ok(n) => counts.push(n),
                Err(e) => {
                    let _ = tx.rollback().await;
                    return Err(e);
                }
            }
        }
        tx.commit().await?;
        Ok(counts)
    }

    /// Starts a transaction in `mode` on a connection of its own and returns a backend bound
    /// to it: every call through it runs inside the transaction until `commit` or `rollback`.
    /// Implementors MUST bound the wait for a connection (and, where writers queue, for the
    /// write lock), and MUST roll back when the returned backend is dropped or abandoned
    /// without either. Savepoints are the transaction layer's job, not the backend's.
    async fn begin(&self, mode: &TransactionMode) -> Result<std::sync::Arc<dyn Backend>>;

    /// Commits the transaction this backend is bound to.
    async fn commit(&self) -> Result<()>;

    /// Rolls back the transaction this backend is bound to.
    async fn rollback(&self) -> Result<()>;

    /// Ends the transaction this backend is bound to without waiting (its handle was dropped):
    /// the work is rolled back and the connection let go, even while other clones of this
    /// backend are alive. Later calls through it fail.
    fn abandon(&self) {}

    /// True when this backend is bound to a transaction.
    fn in_transaction(&self) -> bool;

    /// Takes the database-wide lock that lets one `migrate` run at a time (PostgreSQL: a
    /// session advisory lock; SQLite: a lock file beside the database). The lock is held until
    /// the returned guard is dropped, or the process dies.
    async fn acquire_migration_lock(&self) -> Result<MigrationLock>;

    /// Runs schema statements, in one transaction where the database allows it.
    async fn execute_script(&self, statements: &[String]) -> Result<()>;

    /// Describes every table of the database (its current schema on PostgreSQL) from the
    /// database's own catalog, sorted by name — what `inspectdb` writes models from.
    async fn introspect(&self) -> Result<Vec<TableDescription>> {
        Err(crate::Error::NotSupported { backend: self.dialect().name(), what: "introspection".into() })
    }
}

//! `Db`: the cheap, cloneable handle every terminal QuerySet method takes.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use djorm_sql::{Compiled, Dialect, ValueKind};

use crate::{Backend, Result, RowStream, Rows};

/// One executed statement, as recorded by [`Db::capture_queries`].
#[derive(Debug, Clone, PartialEq)]
pub struct CapturedQuery {
    /// The SQL text with placeholders.
    pub sql: String,
    /// The bound parameters.
    pub params: Vec<djorm_sql::Value>,
}

#[derive(Debug)]
struct Inner {
    backend: Arc<dyn Backend>,
    executed: AtomicU64,
    capturing: AtomicBool,
    captured: Mutex<Vec<CapturedQuery>>,
}

/// A handle on a configured database: pass `&db` to every terminal QuerySet method.
///
/// Cloning is cheap and clones share the pool and the query counters.
#[derive(Debug, Clone)]
pub struct Db {
    inner: Arc<Inner>,
}

impl Db {
    /// Wraps a backend.
    pub fn new(backend: Arc<dyn Backend>) -> Self {
        Db {
            inner: Arc::new(Inner {
                backend,
                executed: AtomicU64::new(0),
                capturing: AtomicBool::new(false),
                captured: Mutex::new(Vec::new()),
            }),
        }
    }

    /// The backend behind this handle.
    pub fn backend(&self) -> &dyn Backend {
        &*self.inner.backend
    }

    /// The SQL dialect of the database.
    pub fn dialect(&self) -> &'static dyn Dialect {
        self.inner.backend.dialect()
    }

    /// The database's name: `"postgresql"` or `"sqlite"`.
    pub fn vendor(&self) -> &'static str {
        self.dialect().name()
    }

    /// How many statements ran through this handle (and its clones) so far.
    pub fn queries_executed(&self) -> u64 {
        self.inner.executed.load(Ordering::Relaxed)
    }

    /// Starts recording every statement until the returned guard is dropped, as Django's
    /// `CaptureQueriesContext`.
    pub fn capture_queries(&self) -> QueryCapture {
        if let Ok(mut captured) = self.inner.captured.lock() {
            captured.clear();
        }
        self.inner.capturing.store(true, Ordering::Relaxed);
        QueryCapture { db: self.clone() }
    }

    fn record(&self, compiled: &Compiled) {
        self.inner.executed.fetch_add(1, Ordering::Relaxed);
        if self.inner.capturing.load(Ordering::Relaxed) {
            if let Ok(mut captured) = self.inner.captured.lock() {
                captured.push(CapturedQuery {
                    sql: compiled.sql.clone(),
                    params: compiled.params.clone(),
                });
            }
        }
    }

    /// Runs a compiled query and returns its rows.
    pub async fn fetch(&self, compiled: &Compiled, kinds: &[ValueKind]) -> Result<Rows> {
        self.record(compiled);
        self.inner
            .backend
            .fetch(&compiled.sql, &compiled.params, kinds)
            .await
    }

    /// Runs a compiled statement and returns how many rows it changed.
    pub async fn execute(&self, compiled: &Compiled) -> Result<u64> {
        self.record(compiled);
        self.inner
            .backend
            .execute(&compiled.sql, &compiled.params)
            .await
    }

    /// Runs a compiled query and streams its rows.
    pub async fn stream(&self, compiled: Compiled, kinds: Vec<ValueKind>) -> Result<RowStream> {
        self.record(&compiled);
        self.inner
            .backend
            .stream(compiled.sql, compiled.params, kinds)
            .await
    }

    /// Runs schema statements, atomically where the database allows.
    pub async fn execute_script(&self, statements: &[String]) -> Result<()> {
        for sql in statements {
            self.record(&Compiled {
                sql: sql.clone(),
                params: Vec::new(),
            });
        }
        self.inner.backend.execute_script(statements).await
    }

    /// Creates the tables, indexes and constraints of `models` (in the given order).
    pub async fn create_tables(&self, models: &[&crate::ModelMeta]) -> Result<()> {
        let statements: Vec<String> = models
            .iter()
            .flat_map(|m| crate::schema::create_model(self.dialect(), m))
            .collect();
        self.execute_script(&statements).await
    }

    /// Drops the tables of `models` (in the given order), if they exist.
    pub async fn drop_tables(&self, models: &[&crate::ModelMeta]) -> Result<()> {
        let statements: Vec<String> = models
            .iter()
            .map(|m| crate::schema::drop_model(self.dialect(), m))
            .collect();
        self.execute_script(&statements).await
    }
}

/// Records statements while alive; see [`Db::capture_queries`].
#[derive(Debug)]
pub struct QueryCapture {
    db: Db,
}

impl QueryCapture {
    /// The statements recorded so far.
    pub fn queries(&self) -> Vec<CapturedQuery> {
        self.db
            .inner
            .captured
            .lock()
            .map(|c| c.clone())
            .unwrap_or_default()
    }

    /// Returns and forgets the statements recorded so far.
    pub fn take(&self) -> Vec<CapturedQuery> {
        self.db
            .inner
            .captured
            .lock()
            .map(|mut c| std::mem::take(&mut *c))
            .unwrap_or_default()
    }
}

impl Drop for QueryCapture {
    fn drop(&mut self) {
        self.db.inner.capturing.store(false, Ordering::Relaxed);
    }
}

//! `Db`: the cheap, cloneable handle every terminal QuerySet method takes.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use djorm_sql::{Compiled, Dialect, ValueKind};

use crate::transaction::TxHandle;
use crate::{Backend, Fetched, Result, RowStream, Rows};

/// One executed statement, as recorded by [`Db::capture_queries`].
#[derive(Debug, Clone, PartialEq)]
pub struct CapturedQuery {
    /// The SQL text with placeholders.
    pub sql: String,
    /// The bound parameters.
    pub params: Vec<djorm_sql::Value>,
    /// Where a lazy relation access ran it, with the advice to avoid it (for the N+1 report).
    pub trace: Option<String>,
}

#[derive(Debug)]
struct Inner {
    backend: Arc<dyn Backend>,
    log: crate::query_log::QueryLog,
    executed: AtomicU64,
    capturing: AtomicBool,
    captured: Mutex<Vec<CapturedQuery>>,
}

/// One statement's SQL and parameters, borrowed from wherever they are held: a [`Compiled`],
/// or a model read's SQL shared with its shape's template and parameters of its own.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Statement<'a> {
    pub sql: &'a str,
    pub params: &'a [djorm_sql::Value],
}

impl<'a> From<&'a Compiled> for Statement<'a> {
    fn from(compiled: &'a Compiled) -> Self {
        Statement { sql: &compiled.sql, params: &compiled.params }
    }
}

/// A handle on a configured database: pass `&db` to every terminal QuerySet method.
///
/// Cloning is cheap and clones share the pool and the query counters. A handle bound to a
/// transaction (see [`Db::begin`], [`Db::atomic`]) runs every statement inside it and shares
/// the counters of the handle it was opened from.
#[derive(Debug, Clone)]
pub struct Db {
    inner: Arc<Inner>,
    /// The transaction (and the level of it) this handle runs in.
    pub(crate) tx: Option<TxHandle>,
    /// This database's alias (`default` for a lone database).
    alias: &'static str,
    /// The set of databases this one belongs to, with its routers.
    cluster: Option<Arc<crate::routing::Cluster>>,
    /// True when the database was chosen (by `using()` or a router): run here, do not route.
    pinned: bool,
}

impl Db {
    /// Wraps a backend.
    pub fn new(backend: Arc<dyn Backend>) -> Self {
        Db {
            inner: Arc::new(Inner {
                backend,
                log: crate::query_log::QueryLog::from_env(),
                executed: AtomicU64::new(0),
                capturing: AtomicBool::new(false),
                captured: Mutex::new(Vec::new()),
            }),
            tx: None,
            alias: "default",
            cluster: None,
            pinned: false,
        }
    }

    /// This handle's counters, bound to a level of a transaction.
    pub(crate) fn bound_to(&self, tx: TxHandle) -> Db {
        Db { tx: Some(tx), pinned: true, ..self.clone() }
    }

    pub(crate) fn with_alias(&self, alias: &'static str) -> Db {
        Db { alias, ..self.clone() }
    }

    pub(crate) fn in_cluster(&self, cluster: Arc<crate::routing::Cluster>) -> Db {
        Db { cluster: Some(cluster), pinned: true, ..self.clone() }
    }

    pub(crate) fn unpinned(self) -> Db {
        Db { pinned: false, ..self }
    }

    /// The alias of this handle's database (Django's `using`): `default` unless it came from a
    /// [`crate::Databases`] set under another name.
    pub fn alias(&self) -> &'static str {
        self.alias
    }

    /// The database `alias` of this handle's set (Django's `using`): queries given the handle run
    /// there without asking the routers. The handle's own alias gives the handle itself (inside
    /// its transaction, if any); an alias the set lacks is Django's "The connection '…' doesn't
    /// exist.".
    pub fn using(&self, alias: &str) -> Result<Db> {
        if alias == self.alias {
            return Ok(Db { pinned: true, ..self.clone() });
        }
        match &self.cluster {
            Some(cluster) => cluster.handle(alias),
            None => Err(crate::Error::ConnectionDoesNotExist {
                alias: alias.escape_debug().to_string(),
                hint: String::new(),
            }),
        }
    }

    /// Where a read (or a write) of `model` runs: the alias the query names, else this handle
    /// when it is pinned, in a transaction or alone, else the database the routers choose.
    pub(crate) fn route(
        &self,
        model: &'static crate::ModelMeta,
        using: Option<&str>,
        write: bool,
        hints: &crate::routing::Hints<'_>,
    ) -> Result<std::borrow::Cow<'_, Db>> {
        use std::borrow::Cow;
        if let Some(alias) = using {
            return self.using(alias).map(Cow::Owned);
        }
        match &self.cluster {
            Some(cluster) if !self.pinned && self.tx.is_none() => {
                let alias = cluster.choose(write, model, hints);
                cluster.handle(&alias).map(Cow::Owned)
            }
            _ => Ok(Cow::Borrowed(self)),
        }
    }

    /// Where `query` reads (see [`Db::route`]).
    pub(crate) fn for_read(&self, query: &crate::Query) -> Result<std::borrow::Cow<'_, Db>> {
        let hints = crate::routing::Hints { instance: None, instance_db: query.instance_db };
        self.route(query.model, query.using.as_deref(), false, &hints)
    }

    /// Where `query` writes (see [`Db::route`]).
    pub(crate) fn for_write(&self, query: &crate::Query) -> Result<std::borrow::Cow<'_, Db>> {
        let hints = crate::routing::Hints { instance: None, instance_db: query.instance_db };
        self.route(query.model, query.using.as_deref(), true, &hints)
    }

    /// Whether the routers of this handle's set let `a` and `b` be related (Django's
    /// `allow_relation`; without routers, whether they are on the same database).
    pub(crate) fn allow_relation(
        &self,
        a: &crate::routing::RelationEnd<'_>,
        b: &crate::routing::RelationEnd<'_>,
    ) -> bool {
        match &self.cluster {
            Some(cluster) => cluster.allow_relation(a, b),
            None => a.db == b.db,
        }
    }

    /// Whether the routers let migrations of `app_label` (`model_name`) run on this database
    /// (Django's `allow_migrate`; yes without routers).
    pub fn allow_migrate(&self, app_label: &str, model_name: Option<&str>) -> bool {
        self.cluster.as_ref().is_none_or(|c| c.allow_migrate(self.alias, app_label, model_name))
    }

    /// The backend statements run on: the transaction's connection, or the pool.
    pub fn backend(&self) -> &dyn Backend {
        &**self.backend_arc()
    }

    pub(crate) fn backend_arc(&self) -> &Arc<dyn Backend> {
        match &self.tx {
            Some(handle) => handle.state.backend(),
            None => &self.inner.backend,
        }
    }

    /// The SQL dialect of the database.
    pub fn dialect(&self) -> &'static dyn Dialect {
        self.inner.backend.dialect()
    }

    /// The database's name: `"postgresql"` or `"sqlite"`.
    pub fn vendor(&self) -> &'static str {
        self.dialect().name()
    }

    /// Statements slower than `threshold` are reported at WARN (target `djorm::query`), or none
    /// when `None`; for this handle and its clones (see [`crate::query_log`]).
    pub fn set_slow_query_threshold(&self, threshold: Option<std::time::Duration>) {
        self.inner.log.set_slow(threshold);
    }

    /// Whether query events show the bound parameters (off by default: they may be personal
    /// data); for this handle and its clones.
    pub fn set_log_parameters(&self, on: bool) {
        self.inner.log.set_parameters(on);
    }

    /// Runs `call`, reporting the statement to `tracing` when someone listens.
    async fn logged<T>(
        &self,
        statement: Statement<'_>,
        rows: impl FnOnce(&T) -> Option<u64>,
        call: impl std::future::Future<Output = Result<T>>,
    ) -> Result<T> {
        let Some(started) = self.inner.log.begin() else { return call.await };
        let result = call.await;
        let outcome = result.as_ref().map(rows);
        self.inner.log.end(self.alias, self.vendor(), started, statement, outcome);
        result
    }

    /// Writes a consistent copy of the database to `path` (see [`Backend::backup_to`]).
    pub async fn backup_to(&self, path: &std::path::Path) -> Result<()> {
        self.inner.backend.backup_to(path).await
    }

    /// Asks the database for its cheapest answer ([`Dialect::ping_statement`]) and says how
    /// long the round trip took.
    pub async fn ping(&self) -> Result<std::time::Duration> {
        let started = std::time::Instant::now();
        let ping = Compiled { sql: self.dialect().ping_statement().to_owned(), params: Vec::new() };
        self.fetch(&ping, &[ValueKind::Any]).await?;
        Ok(started.elapsed())
    }

    /// The backend's `check --deploy` findings (see [`Backend::deploy_checks`]).
    pub async fn deploy_checks(&self) -> Result<Vec<crate::checks::CheckMessage>> {
        self.inner.backend.deploy_checks().await
    }

    /// The connection pool's state (PostgreSQL), or `None` for a backend without a pool.
    pub fn pool_status(&self) -> Option<crate::PoolStatus> {
        self.inner.backend.pool_status()
    }

    /// Describes the database's tables from its catalog (see [`crate::introspection`]).
    pub async fn introspect(&self) -> Result<Vec<crate::introspection::TableDescription>> {
        self.inner.backend.introspect().await
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

    fn record(&self, statement: Statement<'_>, trace: Option<&str>) {
        self.inner.executed.fetch_add(1, Ordering::Relaxed);
        if self.inner.capturing.load(Ordering::Relaxed) {
            if let Ok(mut captured) = self.inner.captured.lock() {
                captured.push(CapturedQuery {
                    sql: statement.sql.to_owned(),
                    params: statement.params.to_vec(),
                    trace: trace.map(str::to_owned),
                });
            }
        }
    }

    /// Records a statement without parameters that the transaction layer sends itself.
    pub(crate) fn record_sql(&self, sql: &str) {
        self.record(Statement { sql, params: &[] }, None);
    }

    /// Refuses a statement with more parameters than the database takes, before the driver
    /// sends a malformed message (PostgreSQL counts them in 16 bits).
    fn check_params(&self, statement: Statement<'_>) -> Result<()> {
        let limit = self.dialect().features().max_query_params;
        if statement.params.len() > limit {
            return Err(crate::Error::InvalidQuery(format!(
                "the statement has {} parameters; {} takes at most {limit}. Filter a long list with __in \
                 (one parameter on PostgreSQL) or split the work",
                statement.params.len(),
                self.vendor()
            )));
        }
        Ok(())
    }

    /// Runs one call on the backend; inside a transaction, checks first that the transaction
    /// can still run statements, and marks it for rollback when the call fails.
    async fn run<'a, T, Fut>(&'a self, call: impl FnOnce(&'a dyn Backend) -> Fut) -> Result<T>
    where
        Fut: std::future::Future<Output = Result<T>> + 'a,
    {
        match &self.tx {
            None => call(&*self.inner.backend).await,
            // Boxed, so the transaction's bookkeeping does not make every call's future (moved
            // at each await) bigger.
            Some(handle) => {
                Box::pin(async move {
                    handle.state.ready(handle.level).await?;
                    handle.state.observe(call(&**handle.state.backend()).await)
                })
                .await
            }
        }
    }

    /// Runs a compiled query and returns its rows.
    pub async fn fetch(&self, compiled: &Compiled, kinds: &[ValueKind]) -> Result<Rows> {
        self.fetch_traced(compiled, kinds, None).await
    }

    /// Like [`Db::fetch`], labelled with the relation access that caused it.
    pub async fn fetch_traced(&self, compiled: &Compiled, kinds: &[ValueKind], trace: Option<&str>) -> Result<Rows> {
        let statement = Statement::from(compiled);
        self.check_params(statement)?;
        self.record(statement, trace);
        let call = self.run(|b| b.fetch(&compiled.sql, &compiled.params, kinds));
        self.logged(statement, |rows: &Rows| Some(rows.len() as u64), call).await
    }

    /// Like [`Db::fetch_traced`], for rows that become model objects: the backend may hand over
    /// its driver's rows for the models to read directly (see [`Backend::fetch_native`]).
    pub async fn fetch_native(&self, compiled: &Compiled, kinds: &[ValueKind], trace: Option<&str>) -> Result<Fetched> {
        self.fetch_statement(compiled.into(), kinds, trace).await
    }

    /// [`Db::fetch_native`] for SQL and parameters held apart (a model read's SQL is shared
    /// with its shape's template, its parameters are its own).
    pub(crate) async fn fetch_statement(
        &self,
        statement: Statement<'_>,
        kinds: &[ValueKind],
        trace: Option<&str>,
    ) -> Result<Fetched> {
        self.check_params(statement)?;
        self.record(statement, trace);
        let call = self.run(|b| b.fetch_native(statement.sql, statement.params, kinds));
        self.logged(statement, |_: &Fetched| None, call).await
    }

    /// Runs a compiled statement and returns how many rows it changed.
    pub async fn execute(&self, compiled: &Compiled) -> Result<u64> {
        let statement = Statement::from(compiled);
        self.check_params(statement)?;
        self.record(statement, None);
        let call = self.run(|b| b.execute(&compiled.sql, &compiled.params));
        self.logged(statement, |n: &u64| Some(*n), call).await
    }

    /// Runs statements as one unit, all or nothing (in a savepoint inside a transaction);
    /// returns each one's row count.
    pub async fn execute_atomic(&self, statements: &[Compiled]) -> Result<Vec<u64>> {
        self.atomic_write(statements.len(), |tx| async move {
            let mut counts = Vec::with_capacity(statements.len());
            for c in statements {
                counts.push(tx.execute(c).await?);
            }
            Ok(counts)
        })
        .await
    }

    /// Runs one migration's statements atomically (see [`Backend::execute_migration`]).
    pub async fn execute_migration(&self, statements: &[Compiled]) -> Result<Vec<u64>> {
        for c in statements {
            self.record(c.into(), None);
        }
        let owned: Vec<(String, Vec<djorm_sql::Value>)> =
            statements.iter().map(|c| (c.sql.clone(), c.params.clone())).collect();
        self.run(|b| b.execute_migration(&owned)).await
    }

    /// Runs a compiled query and streams its rows. Inside a transaction, an error from the
    /// stream marks the transaction for rollback like any failed statement.
    pub async fn stream(&self, compiled: Compiled, kinds: Vec<ValueKind>) -> Result<RowStream> {
        self.check_params((&compiled).into())?;
        self.record((&compiled).into(), None);
        let stream = self.run(|b| b.stream(compiled.sql, compiled.params, kinds)).await?;
        match &self.tx {
            None => Ok(stream),
            Some(handle) => {
                let state = handle.state.clone();
                Ok(Box::pin(futures_util::StreamExt::map(stream, move |item| state.observe(item))))
            }
        }
    }

    /// Runs a compiled query and hands its rows over one at a time (see
    /// [`Backend::stream_rows`]). Inside a transaction, an error from the rows marks the
    /// transaction for rollback like any failed statement.
    pub async fn stream_rows(&self, compiled: Compiled, kinds: Vec<ValueKind>) -> Result<Box<dyn crate::RowSource>> {
        self.check_params((&compiled).into())?;
        self.record((&compiled).into(), None);
        let rows = self.run(|b| b.stream_rows(compiled.sql, compiled.params, kinds)).await?;
        match &self.tx {
            None => Ok(rows),
            Some(handle) => Ok(Box::new(crate::row_source::ObservedRows { inner: rows, state: handle.state.clone() })),
        }
    }

    /// True when this handle runs inside a transaction.
    pub fn in_transaction(&self) -> bool {
        self.tx.is_some()
    }

    /// Takes the lock that lets one `migrate` run at a time; released when dropped.
    pub async fn acquire_migration_lock(&self) -> Result<crate::MigrationLock> {
        self.inner.backend.acquire_migration_lock().await
    }

    /// Runs schema statements, atomically where the database allows.
    pub async fn execute_script(&self, statements: &[String]) -> Result<()> {
        for sql in statements {
            self.record(Statement { sql, params: &[] }, None);
        }
        self.run(|b| b.execute_script(statements)).await
    }

    /// Creates the tables (with their many-to-many join tables), indexes and constraints of
    /// `models`, in one transaction.
    pub async fn create_tables(&self, models: &[&'static crate::ModelMeta]) -> Result<()> {
        let statements = crate::schema::create_models(self.dialect(), models)?;
        self.execute_script(&statements).await
    }

    /// Drops the tables of `models` and their join tables, if they exist.
    pub async fn drop_tables(&self, models: &[&'static crate::ModelMeta]) -> Result<()> {
        let statements = crate::schema::drop_models(self.dialect(), models);
        self.execute_script(&statements).await
    }

    /// Starts watching for N+1 queries: the same statement run again and again by lazy
    /// relation access. `report()` names the relation to select_related or prefetch_related;
    /// in debug builds the report is also printed when the detector is dropped.
    pub fn detect_n_plus_one(&self) -> NPlusOneDetector {
        NPlusOneDetector { capture: self.capture_queries() }
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
        self.db.inner.captured.lock().map(|c| c.clone()).unwrap_or_default()
    }

    /// Returns and forgets the statements recorded so far.
    pub fn take(&self) -> Vec<CapturedQuery> {
        self.db.inner.captured.lock().map(|mut c| std::mem::take(&mut *c)).unwrap_or_default()
    }
}

impl Drop for QueryCapture {
    fn drop(&mut self) {
        self.db.inner.capturing.store(false, Ordering::Relaxed);
    }
}

/// One repeated query found by the N+1 detector.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NPlusOne {
    /// The statement.
    pub sql: String,
    /// How many times it ran.
    pub count: usize,
    /// Where it came from and what to do (`Post.author: use select_related("author")`).
    pub advice: String,
}

impl std::fmt::Display for NPlusOne {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "N+1 queries: {} ran {} times ({})", self.advice, self.count, self.sql)
    }
}

/// Watches a unit of work for N+1 queries; see [`Db::detect_n_plus_one`].
#[derive(Debug)]
pub struct NPlusOneDetector {
    capture: QueryCapture,
}

impl NPlusOneDetector {
    /// The statements that lazy relation access ran more than once, with advice.
    pub fn report(&self) -> Vec<NPlusOne> {
        let mut found: Vec<NPlusOne> = Vec::new();
        for q in self.capture.queries() {
            let Some(trace) = q.trace else { continue };
            match found.iter_mut().find(|n| n.sql == q.sql && n.advice == trace) {
                Some(n) => n.count += 1,
                None => found.push(NPlusOne { sql: q.sql, count: 1, advice: trace }),
            }
        }
        found.retain(|n| n.count > 1);
        found
    }
}

/// When the detector ends, each finding is a WARN event (target `djorm::n_plus_one`), in the
/// same stream as the query events; debug builds without a subscriber print it to stderr.
impl Drop for NPlusOneDetector {
    fn drop(&mut self) {
        let listening = tracing::enabled!(target: "djorm::n_plus_one", tracing::Level::WARN);
        for n in self.report() {
            if listening {
                tracing::warn!(target: "djorm::n_plus_one", sql = %n.sql, count = n.count, advice = %n.advice, "N+1 queries");
            } else if cfg!(debug_assertions) {
                eprintln!("djorm: {n}");
            }
        }
    }
}

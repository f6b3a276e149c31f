//! The pool and the I/O: every call takes a pooled connection and a cached statement, within
//! the bounds of [`ConnectOptions`], and a call that cannot have reached the server (its
//! connection was killed while idle) runs again on another connection.

use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use deadpool::managed::{TimeoutType, Timeouts};
use deadpool::Runtime;
use djorm_core::{Backend, ConnectOptions, Error, Fetched, Result, RowStream, Rows};
use djorm_sql::{Dialect, TransactionMode, Value, ValueKind};
use futures_util::StreamExt;
use tokio::sync::Mutex;

use crate::dialect::PostgresDialect;
use crate::error::{map_error, outcome, Outcome, Stage};
use crate::guard::{ClientGuard, Pinned, Running, SharedPinned};
use crate::manager::{Lifetime, Object, PgManager, Pool, PoolError};
use crate::native_rows::{collect_rows, PgRows, RowDecoder, RowList};
use crate::tls::TlsOptions;
use crate::types::PgParam;

pub(crate) static DIALECT: PostgresDialect = PostgresDialect;

/// A PostgreSQL database behind a connection pool.
#[derive(Clone)]
pub struct PgBackend {
    pub(crate) pool: Pool,
    pub(crate) description: String,
    pub(crate) options: Arc<ConnectOptions>,
    /// The connection of the transaction this backend is bound to, if any.
    pub(crate) pinned: Option<SharedPinned>,
    /// Callers that gave up waiting for a connection.
    pub(crate) timeouts: Arc<std::sync::atomic::AtomicU64>,
    /// The TLS mode in effect, and whether any host is another machine (for `check --deploy`).
    pub(crate) reach: (crate::tls::SslMode, bool),
}

impl std::fmt::Debug for PgBackend {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PgBackend").field("database", &self.description).finish_non_exhaustive()
    }
}

/// `user@host:port/dbname`, never the password.
fn describe(config: &tokio_postgres::Config) -> String {
    let host = config
        .get_hosts()
        .first()
        .map(|h| match h {
            tokio_postgres::config::Host::Tcp(h) => h.clone(),
            tokio_postgres::config::Host::Unix(p) => p.display().to_string(),
        })
        .unwrap_or_else(|| "localhost".into());
    let port = config.get_ports().first().copied().unwrap_or(5432);
    let shown =
        format!("postgresql://{}@{host}:{port}/{}", config.get_user().unwrap_or(""), config.get_dbname().unwrap_or(""));
    // A malformed URL can leave the password inside another part: never show it.
    match config.get_password().map(String::from_utf8_lossy).filter(|p| !p.is_empty()) {
        Some(secret) => shown.replace(&*secret, "***"),
        None => shown,
    }
}

/// A driver error with its causes (`error performing TLS handshake: invalid peer certificate:
/// UnknownIssuer`): the driver's own text stops at the first.
fn with_causes(e: &tokio_postgres::Error) -> String {
    let mut text = e.to_string();
    let mut source = std::error::Error::source(e);
    while let Some(cause) = source {
        let cause_text = cause.to_string();
        if !text.contains(&cause_text) {
            text.push_str(": ");
            text.push_str(&cause_text);
        }
        source = cause.source();
    }
    text
}

/// Behind a transaction-mode pooler: the statement's rows, run unnamed, and their decoder. Out
/// of line (and boxed by its callers), so the common path's futures stay small.
async fn unnamed_rows(
    client: &Running,
    sql: &str,
    params: &[Value],
    kinds: &[ValueKind],
) -> Result<(RowList, RowDecoder), CallError> {
    let stream = client.query_unnamed(sql, params).await.map_err(at(Stage::Run))?;
    let rows = collect_rows(stream).await.map_err(at(Stage::Run))?;
    let decoder = RowDecoder::new(rows.first().map_or(&[][..], |r| r.columns()), kinds);
    Ok((rows, decoder))
}

/// Behind a transaction-mode pooler: a statement run unnamed, and the rows it changed.
async fn unnamed_execute(client: &Running, sql: &str, params: &[Value]) -> Result<u64, CallError> {
    let stream = client.query_unnamed(sql, params).await.map_err(at(Stage::Run))?;
    futures_util::pin_mut!(stream);
    while stream.next().await.transpose().map_err(at(Stage::Run))?.is_some() {}
    Ok(stream.rows_affected().unwrap_or(0))
}

/// A call that failed, and whether running it again on another connection is safe.
pub(crate) struct Failure {
    error: Error,
    retry: bool,
    /// The watchdog cut the connection: the statement outlived the client's bound.
    timed_out: bool,
}

impl Failure {
    /// Classifies a driver error; also says whether the connection broke. `terminated` says
    /// the server had ended the session while the connection was idle.
    fn new(e: tokio_postgres::Error, stage: Stage, read: bool, terminated: bool) -> (Self, bool) {
        let Outcome { broken, retry } = outcome(&e, stage, read, terminated);
        (Failure { error: map_error(e), retry, timed_out: false }, broken)
    }
}

/// How one attempt failed: in the driver (at a stage), or in djorm (a row that would not
/// decode), which leaves the connection fine and is never retried.
pub(crate) enum CallError {
    Driver(tokio_postgres::Error, Stage),
    Other(Error),
}

/// Tags a driver error with the stage it happened at.
fn at(stage: Stage) -> impl Fn(tokio_postgres::Error) -> CallError {
    move |e| CallError::Driver(e, stage)
}

/// True for a statement that only reads, so running it twice does no harm.
fn is_read(sql: &str) -> bool {
    let head = sql.trim_start().as_bytes();
    head.len() >= 6 && head[..6].eq_ignore_ascii_case(b"select")
}

/// Runs one statement's prepare-and-run on `client` within `bound` (watched, see
/// [`crate::watchdog`]), settling the connection by the outcome.
async fn attempt<T>(
    client: Running,
    read: bool,
    bound: Option<std::time::Duration>,
    run: impl AsyncFnOnce(&Running) -> Result<T, CallError>,
) -> Result<T, Failure> {
    if let Some(bound) = bound {
        client.watch().start(bound);
    }
    let result = run(&client).await;
    client.watch().stop();
    if client.watch().fired() {
        // The watchdog cut the connection (perhaps just as the statement ended): it never goes
        // back to the pool.
        client.discard();
        return match result {
            Ok(value) => Ok(value),
            Err(_) => {
                Err(Failure { error: Error::Connection("cut by the watchdog".into()), retry: false, timed_out: true })
            }
        };
    }
    match result {
        Ok(value) => {
            client.finish();
            Ok(value)
        }
        Err(CallError::Driver(e, stage)) => {
            let (failure, broken) = Failure::new(e, stage, read, client.terminated_while_idle());
            client.settle(broken);
            Err(failure)
        }
        Err(CallError::Other(error)) => {
            client.finish();
            Err(Failure { error, retry: false, timed_out: false })
        }
    }
}

impl PgBackend {
    /// Connects to the database a `postgres://` URL or key=value string names, with a pool
    /// of at most `max_connections` and the other settings from the URL, the environment and
    /// the defaults ([`ConnectOptions`]). Checks the server answers before returning.
    pub async fn connect(url: &str, max_connections: usize) -> Result<Self> {
        let mut options = ConnectOptions::from_env()?;
        options.pool_size = max_connections.max(1);
        Self::connect_with(url, options).await
    }

    /// Like [`PgBackend::connect`], with every setting given; djorm's settings in the URL's
    /// query string (`?statement_timeout=30s&acquire_timeout=5`) override them, and libpq's TLS
    /// settings there (`sslmode`, `sslrootcert`, `sslcert`, `sslkey`) choose the TLS
    /// ([`TlsOptions`]).
    pub async fn connect_with(url: &str, mut options: ConnectOptions) -> Result<Self> {
        let url = options.take_from_url(url)?;
        let (config, tls) = crate::tls::parse_url(&url)?;
        Self::from_config_tls(config, tls, options).await
    }

    /// Like [`PgBackend::connect`], from a driver configuration.
    pub async fn from_config(config: tokio_postgres::Config, max_connections: usize) -> Result<Self> {
        let mut options = ConnectOptions::from_env()?;
        options.pool_size = max_connections.max(1);
        Self::from_config_with(config, options).await
    }

    /// Like [`PgBackend::connect_with`], from a driver configuration, with the default TLS
    /// ([`TlsOptions::default`]: plain text on a loopback address or socket, `verify-full` elsewhere).
    pub async fn from_config_with(config: tokio_postgres::Config, options: ConnectOptions) -> Result<Self> {
        Self::from_config_tls(config, TlsOptions::default(), options).await
    }

    /// Like [`PgBackend::from_config_with`], with the TLS given in code. The statement and lock
    /// timeouts go to the server at startup (`-c statement_timeout=…`), so it cancels long
    /// statements itself; the client gives up a little later if the server does not answer.
    pub async fn from_config_tls(
        mut config: tokio_postgres::Config,
        tls: TlsOptions,
        options: ConnectOptions,
    ) -> Result<Self> {
        let description = describe(&config);
        let reach = (tls.effective_mode(&config), !config.get_hosts().iter().all(crate::tls::is_local));
        let tls = tls.connector(&mut config)?;
        let hint_from = tls.clone();
        if config.get_connect_timeout().is_none() {
            config.connect_timeout(options.connect_timeout);
        }
        let mut startup = config.get_options().unwrap_or("").to_owned();
        // A pooler in transaction mode refuses startup options (and would not keep session
        // settings): the timeouts are the server's or the role's there, and the client's
        // watchdog still bounds each statement.
        if let Some(t) = options.statement_timeout.filter(|_| !options.transaction_pooling) {
            startup.push_str(&format!(" -c statement_timeout={}", t.as_millis()));
        }
        if let Some(t) = options.lock_timeout.filter(|_| !options.transaction_pooling) {
            startup.push_str(&format!(" -c lock_timeout={}", t.as_millis()));
        }
        if !startup.trim().is_empty() {
            config.options(startup.trim());
        }
        if config.get_application_name().is_none() {
            config.application_name("djorm");
        }
        // A checkout costs no round trip (a verifying pool adds ~40 µs/query): a connection
        // the server closed is caught by the recycle check or by the retry in `call` instead.
        let lifetime = Lifetime {
            max_age: options.conn_max_age,
            idle_timeout: options.idle_timeout,
            health_checks: options.conn_health_checks,
            ping_bound: options.connect_timeout,
            unnamed: options.transaction_pooling,
        };
        let manager = PgManager { config: Arc::new(config), tls, lifetime, opened: AtomicU64::new(0) };
        let pool = Pool::builder(manager)
            .max_size(options.pool_size.max(1))
            .runtime(Runtime::Tokio1)
            .wait_timeout(Some(options.acquire_timeout))
            .create_timeout(Some(options.connect_timeout))
            // Recycling checks the connection's task and age, and bounds its own health check.
            .recycle_timeout(None)
            .build()
            .map_err(|e| Error::Config(e.to_string()))?;
        crate::reaper::spawn(&pool, lifetime, options.min_idle);
        let backend = PgBackend {
            pool,
            description,
            options: Arc::new(options),
            pinned: None,
            timeouts: Arc::new(AtomicU64::new(0)),
            reach,
        };
        let _verified = backend.pooled().await.map_err(|e| match e {
            Error::Connection(m) => {
                let hint = hint_from.hint(&m).map(|h| format!(" ({h})")).unwrap_or_default();
                Error::Connection(format!("could not connect to {}: {m}{hint}", backend.description))
            }
            // The server refused the session (pg_hba.conf, authentication): its words, and the
            // TLS setting when that is what decides.
            Error::Database { kind, sqlstate, message } => {
                let hint = hint_from.hint(&message).map(|h| format!(" ({h})")).unwrap_or_default();
                Error::Database { kind, sqlstate, message: format!("{message}{hint}") }
            }
            other => other,
        })?;
        Ok(backend)
    }

    /// The settings this backend runs with.
    pub fn options(&self) -> &ConnectOptions {
        &self.options
    }

    /// A pool error as djorm's error, saying which bound ran out and what to do.
    pub(crate) fn pool_error(&self, e: PoolError) -> Error {
        let o = &self.options;
        if matches!(e, PoolError::Timeout(TimeoutType::Wait)) {
            self.timeouts.fetch_add(1, Ordering::Relaxed);
        }
        match e {
            PoolError::Timeout(TimeoutType::Wait) => Error::Timeout {
                what: format!(
                    "every one of the {} pooled connections to {} stayed busy (raise DJORM_POOL_SIZE or \
                     acquire_timeout, or look for tasks that hold a transaction open while they query \
                     through the pool)",
                    o.pool_size, self.description
                ),
                after: o.acquire_timeout,
            },
            PoolError::Timeout(_) => Error::Timeout {
                what: format!(
                    "connecting to {}: the server did not finish the connection (TCP, TLS and startup)",
                    self.description
                ),
                after: o.connect_timeout,
            },
            PoolError::Backend(e) => match e.as_db_error() {
                Some(_) => map_error(e),
                None => Error::Connection(with_causes(&e)),
            },
            other => Error::Connection(other.to_string()),
        }
    }

    /// A connection from the pool, waiting at most `acquire_timeout` for one to be free. A free
    /// one is taken without arming a timer (a timer per query costs more than the query's own
    /// bookkeeping); only a caller that has to wait gets one.
    pub(crate) async fn pooled(&self) -> Result<Object> {
        let at_once = Timeouts {
            wait: Some(std::time::Duration::ZERO),
            create: Some(self.options.connect_timeout),
            recycle: None,
        };
        match self.pool.timeout_get(&at_once).await {
            Err(PoolError::Timeout(TimeoutType::Wait)) => {
                let waiting = Timeouts { wait: Some(self.options.acquire_timeout), ..at_once };
                // Boxed: the waiting path is rare, and its future would double the size of
                // every call's (copied at each await).
                Box::pin(self.pool.timeout_get(&waiting)).await.map_err(|e| self.pool_error(e))
            }
            other => other.map_err(|e| self.pool_error(e)),
        }
    }

    /// The connection for one call: the transaction's, or one from the pool.
    pub(crate) async fn client(&self) -> Result<ClientGuard> {
        match &self.pinned {
            Some(pinned) => {
                let guard = tokio::time::timeout(self.options.acquire_timeout, pinned.clone().lock_owned())
                    .await
                    .map_err(|_| Error::Timeout {
                        what: "another call on this transaction kept its connection busy".into(),
                        after: self.options.acquire_timeout,
                    })?;
                if guard.client.is_none() || guard.finished {
                    return Err(Error::TransactionManagement(
                        "The transaction has already been committed or rolled back.".into(),
                    ));
                }
                Ok(ClientGuard::Pinned(guard))
            }
            None => self.pooled().await.map(ClientGuard::Pooled),
        }
    }

    fn statement_timed_out(&self) -> Error {
        Error::Timeout {
            what: format!(
                "the statement got no answer from {}; it was cancelled and its connection closed",
                self.description
            ),
            after: self.options.statement_timeout.unwrap_or_default(),
        }
    }

    /// A statement timeout or lock timeout the server reported, as [`Error::Timeout`].
    fn refine(&self, e: Error) -> Error {
        match &e {
            Error::Database { sqlstate: Some(code), message, .. }
                if code == "57014" && message.contains("statement timeout") =>
            {
                Error::Timeout {
                    what: "the statement ran longer than statement_timeout; the server cancelled it".into(),
                    after: self.options.statement_timeout.unwrap_or_default(),
                }
            }
            Error::Database { sqlstate: Some(code), message, .. }
                if code == "55P03" && message.contains("lock timeout") =>
            {
                Error::Timeout {
                    what: "the statement waited longer than lock_timeout for a lock; the server cancelled it".into(),
                    after: self.options.lock_timeout.unwrap_or_default(),
                }
            }
            _ => e,
        }
    }

    /// Runs `once` on a connection (it gets the client's statement bound to watch), and again
    /// on another connection when it failed in a way that proves the statement never ran (a
    /// connection the server had closed). Inside a transaction nothing is retried.
    async fn call<T, F, Fut>(&self, mut once: F) -> Result<T>
    where
        F: FnMut(Running, Option<std::time::Duration>) -> Fut,
        Fut: Future<Output = Result<T, Failure>>,
    {
        let attempts = if self.pinned.is_some() { 1 } else { self.options.pool_size + 1 };
        let bound = self.options.client_statement_timeout();
        let mut attempt = 0;
        loop {
            attempt += 1;
            let client = Running::new(self.client().await?);
            match once(client, bound).await {
                Ok(value) => return Ok(value),
                Err(failure) if failure.timed_out => return Err(self.statement_timed_out()),
                Err(failure) if failure.retry && attempt < attempts => continue,
                Err(failure) => return Err(self.refine(failure.error)),
            }
        }
    }

    /// Ends the transaction with COMMIT or ROLLBACK, within the statement bound.
    ///
    /// PostgreSQL answers COMMIT in a transaction an earlier error aborted with a ROLLBACK and
    /// no error, so COMMIT goes behind a `SELECT 1` in one round trip: in an aborted transaction
    /// that statement fails (25P02) and COMMIT never runs, so a lost transaction cannot report
    /// success whatever the transaction layer saw.
    async fn finish(&self, sql: &str) -> Result<()> {
        let Some(pinned) = &self.pinned else {
            return Err(Error::InvalidQuery("no transaction is open on this handle".into()));
        };
        let mut guard =
            tokio::time::timeout(self.options.acquire_timeout, pinned.clone().lock_owned()).await.map_err(|_| {
                Error::Timeout {
                    what: "another call on this transaction kept its connection busy".into(),
                    after: self.options.acquire_timeout,
                }
            })?;
        let Some(client) = guard.client.as_ref() else {
            return Err(Error::TransactionManagement(
                "The transaction has already been committed or rolled back.".into(),
            ));
        };
        let batch = if sql == "COMMIT" { "SELECT 1; COMMIT" } else { sql };
        let bound = self.options.client_statement_timeout().unwrap_or(self.options.acquire_timeout);
        match tokio::time::timeout(bound, client.batch_execute(batch)).await {
            Ok(Ok(())) => {
                guard.finished = true;
                // The transaction was the unit of work of a single-use connection.
                if guard.client.as_ref().is_some_and(|c| c.single_use()) {
                    guard.discard();
                }
                Ok(())
            }
            Ok(Err(e)) => {
                // A failed COMMIT or ROLLBACK leaves the connection in an unknown state: closing
                // it makes the server roll back whatever is still open.
                guard.discard();
                match e.code() {
                    Some(code) if *code == tokio_postgres::error::SqlState::IN_FAILED_SQL_TRANSACTION => {
                        Err(Error::TransactionManagement(
                            "An error occurred in the current transaction, so it was rolled back instead of committed."
                                .into(),
                        ))
                    }
                    _ => Err(map_error(e)),
                }
            }
            Err(_) => {
                guard.discard();
                Err(Error::Timeout {
                    what: format!(
                        "{sql} got no answer from {}; the connection was closed, and whether the transaction \
                         committed is unknown",
                        self.description
                    ),
                    after: bound,
                })
            }
        }
    }
}

#[async_trait::async_trait]
impl Backend for PgBackend {
    async fn introspect(&self) -> Result<Vec<djorm_core::introspection::TableDescription>> {
        crate::introspection::introspect(self).await
    }

    fn dialect(&self) -> &'static dyn Dialect {
        &DIALECT
    }

    fn describe(&self) -> String {
        self.description.clone()
    }

    async fn backup_to(&self, path: &std::path::Path) -> Result<()> {
        crate::backup::backup(self, path).await
    }

    async fn deploy_checks(&self) -> Result<Vec<djorm_core::checks::CheckMessage>> {
        use crate::tls::SslMode;
        use djorm_core::checks::CheckMessage;
        let mut out = Vec::new();
        let (mode, remote) = self.reach;
        if remote && mode != SslMode::VerifyFull {
            out.push(CheckMessage::warning(
                "djorm.W002",
                &self.description,
                format!(
                    "The connection to another machine is {} (sslmode={}).",
                    if mode == SslMode::Disable { "not encrypted" } else { "not authenticated by certificate" },
                    mode.name()
                ),
                Some(
                    "Use sslmode=verify-full with sslrootcert set to the CA that signed the server's certificate."
                        .into(),
                ),
            ));
        }
        let rows = self
            .fetch(
                "SELECT current_user::text, rolsuper FROM pg_roles WHERE rolname = current_user",
                &[],
                &[ValueKind::String, ValueKind::Bool],
            )
            .await?;
        if let [Value::String(role), Value::Bool(true)] = rows.values.as_slice() {
            out.push(CheckMessage::warning(
                "djorm.W003",
                &self.description,
                format!("The application connects as the superuser '{role}'."),
                Some(
                    "Connect the application as a role that may only read and write rows (GRANT SELECT, INSERT, \
                     UPDATE, DELETE) and run migrations as the role that owns the tables."
                        .into(),
                ),
            ));
        }
        Ok(out)
    }

    fn pool_status(&self) -> Option<djorm_core::PoolStatus> {
        let status = self.pool.status();
        Some(djorm_core::PoolStatus {
            max_size: status.max_size,
            size: status.size,
            idle: status.available,
            in_use: status.size - status.available,
            waiting: status.waiting,
            timeouts: self.timeouts.load(Ordering::Relaxed),
            opened: self.pool.manager().opened.load(Ordering::Relaxed),
        })
    }

    async fn execute(&self, sql: &str, params: &[Value]) -> Result<u64> {
        let read = is_read(sql);
        self.call(|client, bound| {
            attempt(client, read, bound, async move |client: &Running| {
                if client.unnamed() {
                    return Box::pin(unnamed_execute(client, sql, params)).await;
                }
                let statement = client.prepare_cached(sql).await.map_err(at(Stage::Prepare))?;
                client.execute_raw(&statement, params.iter().map(PgParam)).await.map_err(at(Stage::Run))
            })
        })
        .await
    }

    async fn fetch(&self, sql: &str, params: &[Value], kinds: &[ValueKind]) -> Result<Rows> {
        let read = is_read(sql);
        self.call(|client, bound| {
            attempt(client, read, bound, async move |client: &Running| {
                if client.unnamed() {
                    let (rows, decoder) = Box::pin(unnamed_rows(client, sql, params, kinds)).await?;
                    let mut values = Vec::with_capacity(rows.len() * decoder.width());
                    for row in &rows {
                        decoder.decode_into(row, &mut values).map_err(CallError::Other)?;
                    }
                    return Ok(Rows { width: if rows.is_empty() { kinds.len() } else { decoder.width() }, values });
                }
                let statement = client.prepare_cached(sql).await.map_err(at(Stage::Prepare))?;
                let decoder = RowDecoder::new(statement.columns(), kinds);
                let width = decoder.width();
                let stream = client.query_raw(&statement, params.iter().map(PgParam)).await.map_err(at(Stage::Run))?;
                futures_util::pin_mut!(stream);
                let mut values = Vec::new();
                while let Some(row) = stream.next().await {
                    if values.len() == width {
                        // A second row is coming: room for 64 at once instead of doubling from one.
                        values.reserve(width * 63);
                    }
                    let row = row.map_err(at(Stage::Run))?;
                    decoder.decode_into(&row, &mut values).map_err(CallError::Other)?;
                }
                Ok(Rows { width, values })
            })
        })
        .await
    }

    async fn fetch_native(&self, sql: &str, params: &[Value], kinds: &[ValueKind]) -> Result<Fetched> {
        let read = is_read(sql);
        let rows = self
            .call(|client, bound| {
                attempt(client, read, bound, async move |client: &Running| {
                    if client.unnamed() {
                        let (rows, decoder) = Box::pin(unnamed_rows(client, sql, params, kinds)).await?;
                        return Ok(PgRows::with_decoder(rows, decoder));
                    }
                    let statement = client.prepare_cached(sql).await.map_err(at(Stage::Prepare))?;
                    let stream =
                        client.query_raw(&statement, params.iter().map(PgParam)).await.map_err(at(Stage::Run))?;
                    let rows = collect_rows(stream).await.map_err(at(Stage::Run))?;
                    Ok(PgRows::new(rows, statement.columns(), kinds))
                })
            })
            .await?;
        Ok(Fetched::Native(Box::new(rows)))
    }

    async fn stream(&self, sql: String, params: Vec<Value>, kinds: Vec<ValueKind>) -> Result<RowStream> {
        crate::cursor::stream(self, sql, params, kinds).await
    }

    async fn stream_rows(
        &self,
        sql: String,
        params: Vec<Value>,
        kinds: Vec<ValueKind>,
    ) -> Result<Box<dyn djorm_core::RowSource>> {
        crate::cursor_rows::stream_rows(self, sql, params, kinds).await
    }

    async fn acquire_migration_lock(&self) -> Result<djorm_core::MigrationLock> {
        crate::migration_lock::acquire(self).await
    }

    async fn begin(&self, mode: &TransactionMode) -> Result<Arc<dyn Backend>> {
        if self.pinned.is_some() {
            return Err(Error::InvalidQuery("a transaction is already open on this handle".into()));
        }
        let begin = DIALECT.begin_transaction(mode);
        let client = self
            .call(|client, bound| {
                let begin = begin.clone();
                async move {
                    if let Some(bound) = bound {
                        client.watch().start(bound);
                    }
                    let outcome = client.batch_execute(&begin).await;
                    client.watch().stop();
                    match outcome {
                        Ok(()) => client.into_pooled().ok_or_else(|| Failure {
                            error: Error::Connection("a transaction needs a pooled connection".into()),
                            retry: false,
                            timed_out: false,
                        }),
                        Err(_) if client.watch().fired() => {
                            client.discard();
                            Err(Failure { error: Error::Connection("cut".into()), retry: false, timed_out: true })
                        }
                        Err(e) => {
                            // BEGIN changes nothing: it is safe to send again.
                            let (failure, broken) = Failure::new(e, Stage::Prepare, true, false);
                            client.settle(broken);
                            Err(failure)
                        }
                    }
                }
            })
            .await?;
        Ok(Arc::new(PgBackend {
            pool: self.pool.clone(),
            description: self.description.clone(),
            options: self.options.clone(),
            pinned: Some(Arc::new(Mutex::new(Pinned::new(client)))),
            timeouts: self.timeouts.clone(),
            reach: self.reach,
        }))
    }

    async fn commit(&self) -> Result<()> {
        self.finish("COMMIT").await
    }

    async fn rollback(&self) -> Result<()> {
        self.finish("ROLLBACK").await
    }

    fn abandon(&self) {
        let Some(pinned) = &self.pinned else { return };
        // Closing the connection makes the server roll back. If a call holds it right now,
        // a task waits for that call and closes it then.
        match pinned.clone().try_lock_owned() {
            Ok(mut guard) => guard.discard(),
            Err(_) => {
                if let Ok(runtime) = tokio::runtime::Handle::try_current() {
                    let pinned = pinned.clone();
                    runtime.spawn(async move { pinned.lock_owned().await.discard() });
                }
            }
        }
    }

    fn in_transaction(&self) -> bool {
        self.pinned.is_some()
    }

    async fn execute_script(&self, statements: &[String]) -> Result<()> {
        if self.pinned.is_some() {
            for sql in statements {
                self.call(|client, bound| {
                    attempt(client, false, bound, async move |client: &Running| {
                        client.batch_execute(sql).await.map_err(at(Stage::Run))
                    })
                })
                .await?;
            }
            return Ok(());
        }
        let tx = self.begin(&TransactionMode::default()).await?;
        for sql in statements {
            if let Err(e) = tx.execute_script(std::slice::from_ref(sql)).await {
                let _ = tx.rollback().await;
                return Err(e);
            }
        }
        tx.commit().await
    }
}

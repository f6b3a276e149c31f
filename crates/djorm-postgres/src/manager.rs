//! The pool's connections: opening one, its cache of prepared statements, and why its
//! connection task ended — which tells a statement lost with the connection from one the
//! server never saw.

use std::collections::HashMap;
use std::sync::{Arc, OnceLock, RwLock};

use deadpool::managed::{Metrics, RecycleError, RecycleResult};
use tokio::task::JoinHandle;
use tokio_postgres::tls::{MakeTlsConnect, TlsConnect};
use tokio_postgres::{Client, NoTls, Socket, Statement};

use crate::cancel::Canceller;
use crate::tls::Tls;
use crate::watchdog::Watch;

/// How a connection's task ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Exit {
    /// The server ended the session while no statement was waiting for an answer (57P01
    /// admin shutdown, 57P02 crash shutdown, 57P03 cannot connect now): nothing sent after
    /// that was read, let alone run.
    Terminated,
    /// The connection was lost or closed some other way.
    Lost,
}

/// One pooled connection. Kept to two pointers (the pool moves it several times on every
/// checkout, and every call's future holds it): what is not its task lives behind one pointer,
/// the client too (a `Client` is some 200 bytes of socket settings).
pub(crate) struct PgConnection {
    task: JoinHandle<()>,
    shared: Arc<Shared>,
}

/// A connection's client, statement cache, how its task ended, its statement deadline, and
/// where and how (TLS) a cancel request goes.
struct Shared {
    client: Client,
    statements: RwLock<HashMap<String, Statement, foldhash::fast::RandomState>>,
    exit: Arc<OnceLock<Exit>>,
    watch: Arc<Watch>,
    config: Arc<tokio_postgres::Config>,
    tls: Tls,
    /// `conn_max_age = 0`: closed when its unit of work ends instead of going back to the pool.
    single_use: bool,
    /// Behind a transaction-mode pooler: unnamed statements only.
    unnamed: bool,
}

impl std::ops::Deref for PgConnection {
    type Target = Client;

    fn deref(&self) -> &Client {
        &self.shared.client
    }
}

impl Drop for PgConnection {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl PgConnection {
    /// The statement prepared for `sql` on this connection, preparing it the first time.
    pub(crate) async fn prepare_cached(&self, sql: &str) -> Result<Statement, tokio_postgres::Error> {
        if let Some(statement) = self.shared.statements.read().ok().and_then(|cache| cache.get(sql).cloned()) {
            return Ok(statement);
        }
        // Boxed: preparing is the rare path (once per statement and connection), and its
        // state would otherwise sit in every call's future, copied and allocated per call.
        let statement = Box::pin(self.shared.client.prepare(sql)).await?;
        if let Ok(mut cache) = self.shared.statements.write() {
            cache.insert(sql.to_owned(), statement.clone());
        }
        Ok(statement)
    }

    /// The deadline of the statement running on this connection.
    pub(crate) fn watch(&self) -> &Watch {
        &self.shared.watch
    }

    /// What cancelling the statement running on this connection needs, kept apart from the
    /// connection (which may be closed before the request is sent).
    pub(crate) fn canceller(&self) -> Canceller {
        Canceller { token: self.cancel_token(), config: self.shared.config.clone(), tls: self.shared.tls.clone() }
    }

    /// Runs `sql` as one unnamed statement (Parse, Bind, Execute and Sync in one message train):
    /// what a pooler in transaction mode allows, since it may give the next message train
    /// another server connection. Parameters go as text with no type, so the server infers
    /// their types from the statement as it does when preparing one.
    pub(crate) async fn query_unnamed(
        &self,
        sql: &str,
        params: &[djorm_sql::Value],
    ) -> Result<tokio_postgres::RowStream, tokio_postgres::Error> {
        let untyped = params.iter().map(|v| (crate::types::TextParam(v), crate::types::unspecified()));
        self.shared.client.query_typed_raw(sql, untyped).await
    }

    /// True when statements must not be prepared by name (a transaction-mode pooler).
    pub(crate) fn unnamed(&self) -> bool {
        self.shared.unnamed
    }

    /// True when this connection serves one unit of work only (`conn_max_age = 0`).
    pub(crate) fn single_use(&self) -> bool {
        self.shared.single_use
    }

    /// True when the server ended this connection's session while it was idle: a statement
    /// that then failed with "connection closed" never ran.
    pub(crate) fn terminated_while_idle(&self) -> bool {
        self.shared.exit.get() == Some(&Exit::Terminated)
    }
}

/// Opens connections with one configuration and checks them on the way out of the pool.
pub(crate) struct PgManager {
    pub(crate) config: Arc<tokio_postgres::Config>,
    pub(crate) tls: Tls,
    /// When connections retire, and whether they are pinged first.
    pub(crate) lifetime: Lifetime,
    /// Connections opened so far.
    pub(crate) opened: std::sync::atomic::AtomicU64,
}

/// Django's `CONN_MAX_AGE` and `CONN_HEALTH_CHECKS`, and an idle timeout.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Lifetime {
    pub max_age: Option<std::time::Duration>,
    pub idle_timeout: Option<std::time::Duration>,
    pub health_checks: bool,
    /// Bound on the health check's round trip.
    pub ping_bound: std::time::Duration,
    /// A transaction-mode pooler is in between: no named statements.
    pub unnamed: bool,
}

impl Lifetime {
    /// Whether a pooled connection with these metrics is still fit to hand out.
    pub(crate) fn keeps(&self, metrics: &Metrics) -> bool {
        self.max_age.is_none_or(|max| metrics.age() < max)
            && self.idle_timeout.is_none_or(|idle| metrics.last_used() < idle)
    }
}

/// Opens one connection and spawns its task, which records how it ended.
async fn open<T>(
    config: &tokio_postgres::Config,
    tls: T,
) -> Result<(Client, JoinHandle<()>, Arc<OnceLock<Exit>>), tokio_postgres::Error>
where
    T: MakeTlsConnect<Socket>,
    T::Stream: Send + 'static,
    T::TlsConnect: Send,
    <T::TlsConnect as TlsConnect<Socket>>::Future: Send,
{
    let (client, mut connection) = config.connect(tls).await?;
    let exit = Arc::new(OnceLock::new());
    let cell = exit.clone();
    let task = tokio::spawn(async move {
        let result = (&mut connection).await;
        // Recorded before the connection (and with it every request still waiting) is
        // dropped, so a statement that sees "connection closed" finds the reason here.
        let reason = match result {
            Err(e) if e.code().is_some_and(|c| c.code().starts_with("57P0")) => Exit::Terminated,
            _ => Exit::Lost,
        };
        let _ = cell.set(reason);
        drop(connection);
    });
    Ok((client, task, exit))
}

impl deadpool::managed::Manager for PgManager {
    type Type = PgConnection;
    type Error = tokio_postgres::Error;

    async fn create(&self) -> Result<PgConnection, tokio_postgres::Error> {
        // Boxed: the TLS handshake's state is large, and every checkout's future (moved into a
        // box per call) would carry room for it.
        let (client, task, exit) = match &self.tls {
            Tls::Plain => Box::pin(open(&self.config, NoTls)).await?,
            Tls::Rustls(connector, _) => Box::pin(open(&self.config, connector.clone())).await?,
        };
        let watch = Watch::new(task.abort_handle());
        self.opened.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let shared = Arc::new(Shared {
            client,
            statements: RwLock::new(HashMap::default()),
            exit,
            watch,
            config: self.config.clone(),
            tls: self.tls.clone(),
            single_use: self.lifetime.max_age == Some(std::time::Duration::ZERO),
            unnamed: self.lifetime.unnamed,
        });
        Ok(PgConnection { task, shared })
    }

    /// A connection whose task has ended, that is older than `conn_max_age` or idle longer than
    /// `idle_timeout`, is not handed out again; with health checks, neither is one that does not
    /// answer a ping within the connect timeout.
    async fn recycle(&self, connection: &mut PgConnection, metrics: &Metrics) -> RecycleResult<tokio_postgres::Error> {
        if connection.is_closed() {
            return Err(RecycleError::message("the connection was closed"));
        }
        if !self.lifetime.keeps(metrics) {
            return Err(RecycleError::message("the connection reached conn_max_age or idle_timeout"));
        }
        if self.lifetime.health_checks {
            // Boxed: health checks are opt-in, and the query's state would otherwise sit in
            // every checkout's future.
            match Box::pin(tokio::time::timeout(self.lifetime.ping_bound, connection.simple_query(""))).await {
                Ok(Ok(_)) => {}
                Ok(Err(e)) => return Err(RecycleError::Backend(e)),
                Err(_) => return Err(RecycleError::message("the connection did not answer the health check")),
            }
        }
        Ok(())
    }
}

/// The pool of connections to one database.
pub(crate) type Pool = deadpool::managed::Pool<PgManager>;
/// A connection taken from the pool.
pub(crate) type Object = deadpool::managed::Object<PgManager>;
/// Why the pool could not hand out a connection.
pub(crate) type PoolError = deadpool::managed::PoolError<tokio_postgres::Error>;

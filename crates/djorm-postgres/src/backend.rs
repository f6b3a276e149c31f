//! The pool and the I/O: every call takes a pooled connection and a cached statement.

use std::str::FromStr;
use std::sync::Arc;

use tokio::sync::{Mutex, OwnedMutexGuard};

use deadpool_postgres::{Manager, ManagerConfig, Pool, RecyclingMethod};
use djorm_core::{Backend, Error, Fetched, Result, RowStream, Rows};
use djorm_sql::{Dialect, TransactionMode, Value, ValueKind};
use futures_util::{StreamExt, TryStreamExt};
use tokio_postgres::NoTls;

use crate::dialect::PostgresDialect;
use crate::error::{map_error, map_pool_error};
use crate::native_rows::{PgRows, RowDecoder};
use crate::types::PgParam;

static DIALECT: PostgresDialect = PostgresDialect;

/// A PostgreSQL database behind a connection pool.
#[derive(Clone)]
pub struct PgBackend {
    pool: Pool,
    description: String,
    /// The connection of the transaction this backend is bound to, if any.
    pinned: Option<Arc<Mutex<Pinned>>>,
}

/// A connection inside a transaction. If it is dropped before COMMIT or ROLLBACK, the
/// connection is closed rather than pooled, so the server rolls the transaction back.
struct Pinned {
    client: Option<deadpool_postgres::Object>,
    finished: bool,
}

impl Pinned {
    /// Lets the connection go without returning it to the pool: the server rolls back
    /// whatever transaction was open on it.
    fn discard(&mut self) {
        if let Some(object) = self.client.take() {
            drop(deadpool_postgres::Object::take(object));
        }
        self.finished = true;
    }
}

impl Drop for Pinned {
    fn drop(&mut self) {
        if !self.finished {
            self.discard();
        }
    }
}

/// A pooled connection, or the transaction's own. It lives on the stack for one call; boxing
/// the large variant would cost an allocation on every query.
#[allow(clippy::large_enum_variant)]
enum ClientGuard {
    Pooled(deadpool_postgres::Object),
    Pinned(OwnedMutexGuard<Pinned>),
}

impl std::ops::Deref for ClientGuard {
    type Target = deadpool_postgres::ClientWrapper;

    fn deref(&self) -> &Self::Target {
        match self {
            ClientGuard::Pooled(object) => object,
            // The client is present until the transaction finishes, and a finished one is
            // never handed out (see `client`).
            ClientGuard::Pinned(guard) => guard.client.as_deref().unwrap_or_else(|| unreachable_client()),
        }
    }
}

#[allow(clippy::panic)]
fn unreachable_client() -> &'static deadpool_postgres::ClientWrapper {
    panic!("a finished transaction's connection was used")
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
    format!("postgresql://{}@{host}:{port}/{}", config.get_user().unwrap_or(""), config.get_dbname().unwrap_or(""))
}

impl PgBackend {
    /// Connects to the database a `postgres://` URL or key=value string names, with a pool
    /// of at most `max_connections`. Checks the server answers before returning.
    pub async fn connect(url: &str, max_connections: usize) -> Result<Self> {
        let config = tokio_postgres::Config::from_str(url)
            .map_err(|e| Error::Config(format!("invalid PostgreSQL connection string: {e}")))?;
        Self::from_config(config, max_connections).await
    }

    /// Like [`PgBackend::connect`], from a driver configuration.
    pub async fn from_config(config: tokio_postgres::Config, max_connections: usize) -> Result<Self> {
        let description = describe(&config);
        // Fast recycling: a checkout costs no round trip (a verifying pool adds ~40 µs/query).
        let manager = Manager::from_config(config, NoTls, ManagerConfig { recycling_method: RecyclingMethod::Fast });
        let pool = Pool::builder(manager)
            .max_size(max_connections.max(1))
            .build()
            .map_err(|e| Error::Config(e.to_string()))?;
        let backend = PgBackend { pool, description, pinned: None };
        let _verified = backend.pool.get().await.map_err(|e| {
            Error::Connection(format!("could not connect to {}: {}", backend.description, map_pool_error(e)))
        })?;
        Ok(backend)
    }

    async fn client(&self) -> Result<ClientGuard> {
        match &self.pinned {
            Some(pinned) => {
                let guard = pinned.clone().lock_owned().await;
                if guard.client.is_none() || guard.finished {
                    return Err(Error::InvalidQuery("the transaction is already committed or rolled back".into()));
                }
                Ok(ClientGuard::Pinned(guard))
            }
            None => self.pool.get().await.map(ClientGuard::Pooled).map_err(map_pool_error),
        }
    }

    async fn finish(&self, sql: &str) -> Result<()> {
        let Some(pinned) = &self.pinned else {
            return Err(Error::InvalidQuery("no transaction is open on this handle".into()));
        };
        let mut guard = pinned.clone().lock_owned().await;
        let client =
            guard.client.as_ref().ok_or_else(|| Error::InvalidQuery("the transaction is already finished".into()))?;
        client.batch_execute(sql).await.map_err(map_error)?;
        guard.finished = true;
        Ok(())
    }
}

/// A pooled connection running one statement. If the future running it is dropped before
/// [`Running::finish`] (Ctrl-C in the shell, a timeout), the statement is cancelled on the
/// server — PostgreSQL would otherwise keep executing it — and the connection leaves the pool,
/// so the cancel cannot hit the next statement of whoever reuses it. Transactions' own
/// connections are left alone.
struct Running {
    client: Option<ClientGuard>,
    /// True until the statement ends; the cancel token is only made if it never does.
    armed: bool,
}

impl Running {
    fn new(client: ClientGuard) -> Self {
        Running { client: Some(client), armed: true }
    }

    /// The statement ended (with or without an error): the connection goes back as usual.
    fn finish(mut self) {
        self.armed = false;
    }
}

impl std::ops::Deref for Running {
    type Target = deadpool_postgres::ClientWrapper;

    fn deref(&self) -> &Self::Target {
        match &self.client {
            Some(client) => client,
            None => unreachable_client(),
        }
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        if !self.armed || !matches!(self.client, Some(ClientGuard::Pooled(_))) {
            return;
        }
        let Ok(runtime) = tokio::runtime::Handle::try_current() else { return };
        let Some(ClientGuard::Pooled(object)) = self.client.take() else { return };
        let cancel = object.cancel_token();
        let connection = deadpool_postgres::Object::take(object);
        runtime.spawn(async move {
            let _ = cancel.cancel_query(NoTls).await;
            drop(connection);
        });
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

    async fn execute(&self, sql: &str, params: &[Value]) -> Result<u64> {
        let client = Running::new(self.client().await?);
        let count = async {
            let statement = client.prepare_cached(sql).await.map_err(map_error)?;
            client.execute_raw(&statement, params.iter().map(PgParam)).await.map_err(map_error)
        }
        .await;
        client.finish();
        count
    }

    async fn fetch(&self, sql: &str, params: &[Value], kinds: &[ValueKind]) -> Result<Rows> {
        let client = Running::new(self.client().await?);
        let rows = async {
            let statement = client.prepare_cached(sql).await.map_err(map_error)?;
            let decoder = RowDecoder::new(statement.columns(), kinds);
            let width = decoder.width();
            let stream = client.query_raw(&statement, params.iter().map(PgParam)).await.map_err(map_error)?;
            futures_util::pin_mut!(stream);
            let mut values = Vec::new();
            while let Some(row) = stream.next().await {
                if values.len() == width {
                    // A second row is coming: room for 64 at once instead of doubling from one.
                    values.reserve(width * 63);
                }
                decoder.decode_into(&row.map_err(map_error)?, &mut values)?;
            }
            Ok(Rows { width, values })
        }
        .await;
        client.finish();
        rows
    }

    async fn fetch_native(&self, sql: &str, params: &[Value], kinds: &[ValueKind]) -> Result<Fetched> {
        let client = Running::new(self.client().await?);
        let rows = async {
            let statement = client.prepare_cached(sql).await.map_err(map_error)?;
            let stream = client.query_raw(&statement, params.iter().map(PgParam)).await.map_err(map_error)?;
            let rows: Vec<tokio_postgres::Row> = stream.try_collect().await.map_err(map_error)?;
            Ok::<_, Error>(PgRows::new(rows, statement.columns(), kinds))
        }
        .await;
        client.finish();
        Ok(Fetched::Native(Box::new(rows?)))
    }

    async fn stream(&self, sql: String, params: Vec<Value>, kinds: Vec<ValueKind>) -> Result<RowStream> {
        let client = self.client().await?;
        let statement = client.prepare_cached(&sql).await.map_err(map_error)?;
        // The driver reads rows off the socket only as fast as they are consumed, so memory
        // stays bounded; the pooled connection lives as long as the stream.
        let rows = client.query_raw(&statement, params.iter().map(PgParam)).await.map_err(map_error)?;
        let decoder = RowDecoder::new(statement.columns(), &kinds);
        let state = (client, Box::pin(rows), decoder);
        let stream = futures_util::stream::unfold(state, |(client, mut rows, decoder)| async move {
            let next = rows.next().await?;
            let item = next.map_err(map_error).and_then(|row| {
                let mut values = Vec::with_capacity(decoder.width());
                decoder.decode_into(&row, &mut values).map(|()| values)
            });
            Some((item, (client, rows, decoder)))
        });
        Ok(Box::pin(stream))
    }

    async fn acquire_migration_lock(&self) -> Result<djorm_core::MigrationLock> {
        /// Wraps the connection holding the session lock; dropping it closes the connection
        /// (rather than returning it to the pool), which releases the lock.
        struct Held(Option<deadpool_postgres::Object>);
        impl Drop for Held {
            fn drop(&mut self) {
                if let Some(object) = self.0.take() {
                    drop(deadpool_postgres::Object::take(object));
                }
            }
        }
        let client = self.pool.get().await.map_err(map_pool_error)?;
        client.batch_execute("SELECT pg_advisory_lock(7226224758049793645)").await.map_err(map_error)?;
        Ok(djorm_core::MigrationLock(Box::new(Held(Some(client)))))
    }

    async fn begin(&self, mode: &TransactionMode) -> Result<Arc<dyn Backend>> {
        if self.pinned.is_some() {
            return Err(Error::InvalidQuery("a transaction is already open on this handle".into()));
        }
        let client = self.pool.get().await.map_err(map_pool_error)?;
        client.batch_execute(&DIALECT.begin_transaction(mode)).await.map_err(map_error)?;
        let pinned = Pinned { client: Some(client), finished: false };
        Ok(Arc::new(PgBackend {
            pool: self.pool.clone(),
            description: self.description.clone(),
            pinned: Some(Arc::new(Mutex::new(pinned))),
        }))
    }

    async fn commit(&self) -> Result<()> {
        self.finish("COMMIT").await
    }

    async fn rollback(&self) -> Result<()> {
        self.finish("ROLLBACK").await
    }

    fn in_transaction(&self) -> bool {
        self.pinned.is_some()
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

    async fn execute_script(&self, statements: &[String]) -> Result<()> {
        if self.pinned.is_some() {
            let client = self.client().await?;
            for sql in statements {
                client.batch_execute(sql).await.map_err(map_error)?;
            }
            return Ok(());
        }
        let mut client = self.pool.get().await.map_err(map_pool_error)?;
        let transaction = client.transaction().await.map_err(map_error)?;
        for sql in statements {
            transaction.batch_execute(sql).await.map_err(map_error)?;
        }
        transaction.commit().await.map_err(map_error)
    }
}

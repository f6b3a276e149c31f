//! The pool and the I/O: every call takes a pooled connection and a cached statement.

use std::str::FromStr;

use deadpool_postgres::{Manager, ManagerConfig, Pool, RecyclingMethod};
use djorm_core::{Backend, Error, Result, RowStream, Rows};
use djorm_sql::{Dialect, Value, ValueKind};
use futures_util::StreamExt;
use tokio_postgres::NoTls;

use crate::dialect::PostgresDialect;
use crate::error::{map_error, map_pool_error};
use crate::types::{decode_row_into, PgParam};

static DIALECT: PostgresDialect = PostgresDialect;

/// A PostgreSQL database behind a connection pool.
#[derive(Clone)]
pub struct PgBackend {
    pool: Pool,
    description: String,
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
        let backend = PgBackend { pool, description };
        let _verified = backend.pool.get().await.map_err(|e| {
            Error::Connection(format!("could not connect to {}: {}", backend.description, map_pool_error(e)))
        })?;
        Ok(backend)
    }

    async fn client(&self) -> Result<deadpool_postgres::Object> {
        self.pool.get().await.map_err(map_pool_error)
    }
}

#[async_trait::async_trait]
impl Backend for PgBackend {
    fn dialect(&self) -> &'static dyn Dialect {
        &DIALECT
    }

    fn describe(&self) -> String {
        self.description.clone()
    }

    async fn execute(&self, sql: &str, params: &[Value]) -> Result<u64> {
        let client = self.client().await?;
        let statement = client.prepare_cached(sql).await.map_err(map_error)?;
        client.execute_raw(&statement, params.iter().map(PgParam)).await.map_err(map_error)
    }

    async fn fetch(&self, sql: &str, params: &[Value], kinds: &[ValueKind]) -> Result<Rows> {
        let client = self.client().await?;
        let statement = client.prepare_cached(sql).await.map_err(map_error)?;
        let width = statement.columns().len();
        let stream = client.query_raw(&statement, params.iter().map(PgParam)).await.map_err(map_error)?;
        futures_util::pin_mut!(stream);
        let mut values = Vec::new();
        while let Some(row) = stream.next().await {
            decode_row_into(&row.map_err(map_error)?, kinds, &mut values)?;
        }
        Ok(Rows { width, values })
    }

    async fn stream(&self, sql: String, params: Vec<Value>, kinds: Vec<ValueKind>) -> Result<RowStream> {
        let client = self.client().await?;
        let statement = client.prepare_cached(&sql).await.map_err(map_error)?;
        // The driver reads rows off the socket only as fast as they are consumed, so memory
        // stays bounded; the pooled connection lives as long as the stream.
        let rows = client.query_raw(&statement, params.iter().map(PgParam)).await.map_err(map_error)?;
        let state = (client, Box::pin(rows), kinds);
        let stream = futures_util::stream::unfold(state, |(client, mut rows, kinds)| async move {
            let next = rows.next().await?;
            let item = next.map_err(map_error).and_then(|row| {
                let mut values = Vec::with_capacity(row.len());
                decode_row_into(&row, &kinds, &mut values).map(|()| values)
            });
            Some((item, (client, rows, kinds)))
        });
        Ok(Box::pin(stream))
    }

    async fn execute_atomic(&self, statements: &[(String, Vec<Value>)]) -> Result<Vec<u64>> {
        let mut client = self.client().await?;
        let transaction = client.transaction().await.map_err(map_error)?;
        let mut counts = Vec::with_capacity(statements.len());
        for (sql, params) in statements {
            let statement = transaction.prepare_cached(sql).await.map_err(map_error)?;
            counts.push(transaction.execute_raw(&statement, params.iter().map(PgParam)).await.map_err(map_error)?);
        }
        transaction.commit().await.map_err(map_error)?;
        Ok(counts)
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
        let client = self.client().await?;
        client.batch_execute("SELECT pg_advisory_lock(7226224758049793645)").await.map_err(map_error)?;
        Ok(djorm_core::MigrationLock(Box::new(Held(Some(client)))))
    }

    async fn execute_script(&self, statements: &[String]) -> Result<()> {
        let mut client = self.client().await?;
        let transaction = client.transaction().await.map_err(map_error)?;
        for sql in statements {
            transaction.batch_execute(sql).await.map_err(map_error)?;
        }
        transaction.commit().await.map_err(map_error)
    }
}

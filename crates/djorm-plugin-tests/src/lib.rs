//! Extensions defined outside djorm: lookups, a transform and a function ([`vocabulary`]),
//! and a backend.
//!
//! A backend defined outside djorm, through the facade's public API only: `recording://path`
//! opens a SQLite file through djorm's SQLite backend and records every statement it runs. It
//! registers itself, so `djorm::connect("recording://…")`, the test helpers
//! (`backend_tests!` runs the conformance tests on it too) and the CLI accept it with no edit
//! to djorm's crates.

pub mod vocabulary;

use std::sync::{Arc, Mutex};

use djorm::backend::{
    async_trait, register_backend, Backend, BackendRegistration, BoxFuture, ConnectOptions, Fetched, MigrationLock,
    RowStream, Rows, TestDatabases, TransactionMode,
};
use djorm::introspection::TableDescription;
use djorm::{Result, Value, ValueKind};

/// Every statement a recording backend ran, in order, across the process.
pub static STATEMENTS: Mutex<Vec<String>> = Mutex::new(Vec::new());

/// The statements recorded so far whose text contains `needle`.
pub fn recorded(needle: &str) -> Vec<String> {
    STATEMENTS.lock().map(|s| s.iter().filter(|q| q.contains(needle)).cloned().collect()).unwrap_or_default()
}

fn record(sql: &str) {
    if let Ok(mut statements) = STATEMENTS.lock() {
        statements.push(sql.to_owned());
    }
}

/// A backend that records each statement and hands it to the backend it wraps.
#[derive(Debug)]
pub struct RecordingBackend {
    inner: Arc<dyn Backend>,
}

#[async_trait]
impl Backend for RecordingBackend {
    fn dialect(&self) -> &'static dyn djorm::sql::Dialect {
        self.inner.dialect()
    }

    fn describe(&self) -> String {
        format!("recording {}", self.inner.describe())
    }

    async fn execute(&self, sql: &str, params: &[Value]) -> Result<u64> {
        record(sql);
        self.inner.execute(sql, params).await
    }

    async fn fetch(&self, sql: &str, params: &[Value], kinds: &[ValueKind]) -> Result<Rows> {
        record(sql);
        self.inner.fetch(sql, params, kinds).await
    }

    async fn fetch_native(&self, sql: &str, params: &[Value], kinds: &[ValueKind]) -> Result<Fetched> {
        record(sql);
        self.inner.fetch_native(sql, params, kinds).await
    }

    async fn stream(&self, sql: String, params: Vec<Value>, kinds: Vec<ValueKind>) -> Result<RowStream> {
        record(&sql);
        self.inner.stream(sql, params, kinds).await
    }

    async fn execute_migration(&self, statements: &[(String, Vec<Value>)]) -> Result<Vec<u64>> {
        for (sql, _) in statements {
            record(sql);
        }
        self.inner.execute_migration(statements).await
    }

    async fn begin(&self, mode: &TransactionMode) -> Result<Arc<dyn Backend>> {
        record("BEGIN");
        Ok(Arc::new(RecordingBackend { inner: self.inner.begin(mode).await? }))
    }

    async fn commit(&self) -> Result<()> {
        record("COMMIT");
        self.inner.commit().await
    }

    async fn rollback(&self) -> Result<()> {
        record("ROLLBACK");
        self.inner.rollback().await
    }

    fn abandon(&self) {
        self.inner.abandon();
    }

    fn in_transaction(&self) -> bool {
        self.inner.in_transaction()
    }

    async fn acquire_migration_lock(&self) -> Result<MigrationLock> {
        self.inner.acquire_migration_lock().await
    }

    async fn execute_script(&self, statements: &[String]) -> Result<()> {
        for sql in statements {
            record(sql);
        }
        self.inner.execute_script(statements).await
    }

    async fn introspect(&self) -> Result<Vec<TableDescription>> {
        self.inner.introspect().await
    }
}

/// `recording://path` → `sqlite://path`.
fn inner_url(url: &str) -> String {
    format!("sqlite://{}", url.strip_prefix("recording://").unwrap_or(url))
}

fn connect(url: String, options: ConnectOptions) -> BoxFuture<'static, Result<Arc<dyn Backend>>> {
    Box::pin(async move {
        let sqlite = djorm::backend::backend_for_url(&inner_url(&url))?;
        let inner = (sqlite.connect)(inner_url(&url), options).await?;
        Ok(Arc::new(RecordingBackend { inner }) as Arc<dyn Backend>)
    })
}

fn create_test_database(_admin: String, name: String) -> BoxFuture<'static, Result<String>> {
    Box::pin(async move {
        Ok(format!("recording://{}", djorm::backend::temporary_path(&format!("{name}.sqlite3")).display()))
    })
}

fn drop_test_database(_admin: &str, name: &str) {
    let path = djorm::backend::temporary_path(&format!("{name}.sqlite3"));
    for suffix in ["", "-wal", "-shm"] {
        let mut p = path.clone().into_os_string();
        p.push(suffix);
        let _ = std::fs::remove_file(p);
    }
}

static TEST_DATABASES: TestDatabases = TestDatabases {
    admin_url_var: "DJORM_TEST_RECORDING_DIR",
    default_admin_url: "",
    create: create_test_database,
    drop: drop_test_database,
    unreachable_hint: "the temporary folder must be writable",
};

register_backend! {
    BackendRegistration {
        name: "recording",
        schemes: &["recording"],
        features: &djorm::sqlite::FEATURES,
        connect,
        redact: |url| url.to_owned(),
        from_parts: None,
        default_url: None,
        test_databases: Some(&TEST_DATABASES),
        client: None,
    }
}

//! Test helpers, for djorm's own tests and yours: a fresh database per test on every backend,
//! and query counting.
//!
//! ```no_run
//! use djorm::prelude::*;
//!
//! #[derive(Model, Debug, Clone)]
//! #[djorm(app = "blog")]
//! pub struct Author {
//!     pub id: AutoId,
//!     #[djorm(max_length = 100)]
//!     pub name: String,
//! }
//!
//! djorm::backend_tests! {
//!     models = [Author];
//!     async fn create_and_count(db) {
//!         Author::objects().create(&db, Author { name: "Jane".into(), ..Default::default() }).await?;
//!         assert_eq!(Author::objects().count(&db).await?, 1);
//!         Ok(())
//!     }
//! }
//! # fn main() {}
//! ```
//! expands to `create_and_count::postgres` and `create_and_count::sqlite`, each on its own,
//! freshly created database, so tests run in parallel.

use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use djorm_core::{Db, Error, ModelMeta, Result};

static COUNTER: AtomicU64 = AtomicU64::new(0);

/// The PostgreSQL server tests use: `DJORM_TEST_POSTGRES_URL`, by default
/// `postgres://root@127.0.0.1:5432/test`.
pub fn postgres_admin_url() -> String {
    std::env::var("DJORM_TEST_POSTGRES_URL").unwrap_or_else(|_| "postgres://root@127.0.0.1:5432/test".into())
}

fn unique_name() -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or_default();
    format!("djorm_test_{}_{}_{nanos}", std::process::id(), COUNTER.fetch_add(1, Ordering::Relaxed))
}

/// Which backend a test database lives on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TestBackend {
    /// A fresh database on the test PostgreSQL server.
    Postgres,
    /// A fresh SQLite file in the temporary directory.
    Sqlite,
}

#[derive(Debug)]
enum Cleanup {
    #[cfg(feature = "postgres")]
    Postgres { admin_url: String, name: String },
    #[cfg(feature = "sqlite")]
    Sqlite { path: PathBuf },
}

/// A database created for one test and removed when dropped.
#[derive(Debug)]
pub struct TestDatabase {
    db: Db,
    cleanup: Option<Cleanup>,
}

impl TestDatabase {
    /// A fresh database on `backend` with the tables of `models` created (in order).
    pub async fn new(backend: TestBackend, models: &[&'static ModelMeta]) -> Result<Self> {
        let test_db = match backend {
            TestBackend::Postgres => Self::postgres_empty().await?,
            TestBackend::Sqlite => Self::sqlite_empty().await?,
        };
        test_db.db.create_tables(models).await?;
        Ok(test_db)
    }

    /// A fresh PostgreSQL database with the tables of `models`.
    pub async fn postgres(models: &[&'static ModelMeta]) -> Result<Self> {
        Self::new(TestBackend::Postgres, models).await
    }

    /// A fresh SQLite file with the tables of `models`.
    pub async fn sqlite(models: &[&'static ModelMeta]) -> Result<Self> {
        Self::new(TestBackend::Sqlite, models).await
    }

    #[cfg(feature = "postgres")]
    async fn postgres_empty() -> Result<Self> {
        let admin_url = postgres_admin_url();
        let name = unique_name();
        djorm_postgres::creation::create_database(&admin_url, &name).await.map_err(|e| {
            let shown = crate::DatabaseConfig::from_url(&admin_url).map(|c| c.to_string()).unwrap_or_default();
            Error::Connection(format!(
                "PostgreSQL is not reachable at {shown} ({e}). Start it with \
                 `pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start`, \
                 or point DJORM_TEST_POSTGRES_URL at a server where this role may create databases."
            ))
        })?;
        let cleanup = Some(Cleanup::Postgres { admin_url: admin_url.clone(), name: name.clone() });
        let config = djorm_postgres::creation::url_for_database(&admin_url, &name)?;
        let backend = djorm_postgres::PgBackend::from_config(config, 8).await?;
        Ok(TestDatabase { db: Db::new(Arc::new(backend)), cleanup })
    }

    #[cfg(not(feature = "postgres"))]
    async fn postgres_empty() -> Result<Self> {
        Err(Error::Config("djorm was built without the `postgres` feature".into()))
    }

    #[cfg(feature = "sqlite")]
    async fn sqlite_empty() -> Result<Self> {
        let path = std::env::temp_dir().join(format!("{}.sqlite3", unique_name()));
        let backend = djorm_sqlite::SqliteBackend::open(&path).await?;
        Ok(TestDatabase { db: Db::new(Arc::new(backend)), cleanup: Some(Cleanup::Sqlite { path }) })
    }

    #[cfg(not(feature = "sqlite"))]
    async fn sqlite_empty() -> Result<Self> {
        Err(Error::Config("djorm was built without the `sqlite` feature".into()))
    }

    /// The database's URL (for tools and child processes), without credentials beyond what
    /// DJORM_TEST_POSTGRES_URL holds.
    pub fn url(&self) -> Option<String> {
        match &self.cleanup {
            #[cfg(feature = "postgres")]
            Some(Cleanup::Postgres { admin_url, name }) => {
                let (base, _) = admin_url.rsplit_once('/')?;
                Some(format!("{base}/{name}"))
            }
            #[cfg(feature = "sqlite")]
            Some(Cleanup::Sqlite { path }) => Some(format!("sqlite://{}", path.display())),
            None => None,
        }
    }

    /// The handle to pass to QuerySet methods.
    pub fn db(&self) -> &Db {
        &self.db
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        match self.cleanup.take() {
            #[cfg(feature = "postgres")]
            Some(Cleanup::Postgres { admin_url, name }) => {
                // Drop runs inside the test's runtime, which cannot block on itself: use a
                // runtime of our own on another thread. WITH (FORCE) closes pooled connections.
                let dropper = std::thread::spawn(move || {
                    if let Ok(rt) = tokio::runtime::Builder::new_current_thread().enable_all().build() {
                        let _ = rt.block_on(djorm_postgres::creation::drop_database(&admin_url, &name));
                    }
                });
                let _ = dropper.join();
            }
            #[cfg(feature = "sqlite")]
            Some(Cleanup::Sqlite { path }) => {
                for suffix in ["", "-wal", "-shm"] {
                    let mut p = path.clone().into_os_string();
                    p.push(suffix);
                    let _ = std::fs::remove_file(p);
                }
            }
            None => {}
        }
    }
}

/// Runs `body` and checks it ran exactly `expected` statements on `db`, listing them if not
/// (Django's `assertNumQueries`).
pub async fn assert_num_queries<T>(db: &Db, expected: usize, body: impl std::future::Future<Output = T>) -> T {
    let capture = db.capture_queries();
    let out = body.await;
    let queries = capture.take();
    assert!(
        queries.len() == expected,
        "expected {expected} queries, {} ran:\n{}",
        queries.len(),
        queries.iter().map(|q| format!("  {}", q.sql)).collect::<Vec<_>>().join("\n")
    );
    out
}

/// Declares tests that each run on a fresh PostgreSQL database and a fresh SQLite file.
///
/// Each `async fn name(db) { ... Ok(()) }` becomes a module `name` with the tests `postgres`
/// and `sqlite`; the body gets `db: Db` and returns `djorm::Result<()>`.
#[macro_export]
macro_rules! backend_tests {
    (models = $models:tt; $(async fn $name:ident($db:ident) $body:block)*) => {$(
        mod $name {
            #[allow(unused_imports)]
            use super::*;

            async fn body($db: $crate::Db) -> $crate::Result<()> $body

            #[$crate::__private::tokio::test(crate = "djorm::__private::tokio")]
            async fn postgres() {
                let test_db = $crate::testing::TestDatabase::postgres($crate::__model_metas!$models)
                    .await
                    .unwrap_or_else(|e| panic!("{e}"));
                if let Err(e) = body(test_db.db().clone()).await {
                    panic!("on postgresql: {e}");
                }
            }

            #[$crate::__private::tokio::test(crate = "djorm::__private::tokio")]
            async fn sqlite() {
                let test_db = $crate::testing::TestDatabase::sqlite($crate::__model_metas!$models)
                    .await
                    .unwrap_or_else(|e| panic!("{e}"));
                if let Err(e) = body(test_db.db().clone()).await {
                    panic!("on sqlite: {e}");
                }
            }
        }
    )*};
}

/// `[A, B]` into `&[A::meta(), B::meta()]`, for [`backend_tests!`].
#[doc(hidden)]
#[macro_export]
macro_rules! __model_metas {
    [$($model:ty),* $(,)?] => { &[$(<$model as $crate::Model>::meta()),*] };
}

//! Test helpers, for djorm's own tests and yours: a fresh database per test on every backend
//! that can make one, and query counting.
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
//! expands to a test `create_and_count::on_every_backend` that runs the body on a freshly
//! created database of every backend linked into the test binary (PostgreSQL and SQLite for
//! djorm's own suite, and any backend your crate registers), one after the other.
//! `DJORM_TEST_BACKENDS=sqlite` (a comma-separated list of names) limits which.
//!
//! The helpers know backends only through their registration
//! ([`djorm_core::BackendRegistration::test_databases`]): a backend crate that registers one
//! is tested by every `backend_tests!` without an edit here.

use std::sync::atomic::{AtomicU64, Ordering};

use djorm_core::{backend_named, registered_backends, BackendRegistration, Db, Error, ModelMeta, Result};

static COUNTER: AtomicU64 = AtomicU64::new(0);

fn unique_name() -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or_default();
    format!("djorm_test_{}_{}_{nanos}", std::process::id(), COUNTER.fetch_add(1, Ordering::Relaxed))
}

/// The backends tests run on: every registered one that makes test databases, limited to the
/// names in `DJORM_TEST_BACKENDS` when it is set.
pub fn test_backends() -> Vec<&'static str> {
    let wanted = std::env::var("DJORM_TEST_BACKENDS").ok().filter(|v| !v.trim().is_empty());
    registered_backends()
        .into_iter()
        .filter(|b| b.test_databases.is_some())
        .map(|b| b.name)
        .filter(|name| wanted.as_deref().is_none_or(|w| w.split(',').any(|n| n.trim() == *name)))
        .collect()
}

/// A database created for one test and removed when dropped.
#[derive(Debug)]
pub struct TestDatabase {
    db: Db,
    url: String,
    backend: &'static BackendRegistration,
    admin_url: String,
    name: String,
}

impl TestDatabase {
    /// A fresh database on the backend named `backend` (`"postgresql"`, `"sqlite"`, or one your
    /// crate registers) with the tables of `models` created (in order).
    pub async fn new(backend: &str, models: &[&'static ModelMeta]) -> Result<Self> {
        let test_db = Self::empty(backend).await?;
        test_db.db.create_tables(models).await?;
        Ok(test_db)
    }

    /// A fresh, empty database on the backend named `backend`.
    pub async fn empty(backend: &str) -> Result<Self> {
        let registration = backend_named(backend)?;
        let support = registration
            .test_databases
            .ok_or_else(|| Error::NotSupported { backend: registration.name, what: "test databases".into() })?;
        let admin_url = std::env::var(support.admin_url_var).unwrap_or_else(|_| support.default_admin_url.to_owned());
        let name = unique_name();
        let unreachable = |e: Error| {
            let shown = (registration.redact)(&admin_url);
            Error::Connection(format!(
                "{} is not reachable at {shown} ({e}). {}",
                registration.name, support.unreachable_hint
            ))
        };
        let url = (support.create)(admin_url.clone(), name.clone()).await.map_err(unreachable)?;
        // A test database is private to one test: a small pool is plenty.
        let mut options = djorm_core::ConnectOptions::from_env()?;
        options.pool_size = options.pool_size.min(8);
        let backend_handle =
            (registration.connect)(url.clone(), options).await.inspect_err(|_| (support.drop)(&admin_url, &name))?;
        Ok(TestDatabase { db: Db::new(backend_handle), url, backend: registration, admin_url, name })
    }

    /// The database's URL (for tools and child processes); it holds no credentials beyond what
    /// the backend's test-server variable (`DJORM_TEST_POSTGRES_URL`) holds.
    pub fn url(&self) -> Option<String> {
        Some(self.url.clone())
    }

    /// The name of the backend the database lives on.
    pub fn backend(&self) -> &'static str {
        self.backend.name
    }

    /// The handle to pass to QuerySet methods.
    pub fn db(&self) -> &Db {
        &self.db
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        if let Some(support) = self.backend.test_databases {
            (support.drop)(&self.admin_url, &self.name);
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

/// Declares tests that each run on a fresh database of every backend that makes test
/// databases (see [`test_backends`]).
///
/// Each `async fn name(db) { ... Ok(()) }` becomes a module `name` with the test
/// `on_every_backend`; the body gets `db: Db` and returns `djorm::Result<()>`.
#[macro_export]
macro_rules! backend_tests {
    (models = $models:tt; $($(#[$doc:meta])* async fn $name:ident($db:ident) $body:block)*) => {$(
        $(#[$doc])*
        mod $name {
            #[allow(unused_imports)]
            use super::*;

            async fn body($db: $crate::Db) -> $crate::Result<()> $body

            #[$crate::__private::tokio::test(crate = "djorm::__private::tokio")]
            async fn on_every_backend() {
                let backends = $crate::testing::test_backends();
                assert!(!backends.is_empty(), "no backend to test on (DJORM_TEST_BACKENDS names none that is linked)");
                for backend in backends {
                    eprintln!("{}: on {backend}", module_path!());
                    let test_db = $crate::testing::TestDatabase::new(backend, $crate::__model_metas!$models)
                        .await
                        .unwrap_or_else(|e| panic!("{e}"));
                    if let Err(e) = body(test_db.db().clone()).await {
                        panic!("on {backend}: {e}");
                    }
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

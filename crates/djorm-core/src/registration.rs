//! Backends register themselves: a backend crate submits one [`BackendRegistration`] (with
//! `inventory::submit!`), and everything above it — `djorm::connect(url)`, the test-database
//! helpers, `dbshell`, the migration linter — finds it by URL scheme or by name. No crate above
//! the backends holds a list of them or a vendor's name.

use std::path::PathBuf;
use std::sync::Arc;

use futures_util::future::BoxFuture;

use crate::{Backend, ConnectOptions, Error, Result};

/// How a backend opens a database: its URL (with djorm's own settings already taken out)
/// and the settings.
pub type ConnectFn = fn(url: String, options: ConnectOptions) -> BoxFuture<'static, Result<Arc<dyn Backend>>>;

/// One database backend, as the crate that implements it describes it.
#[derive(Debug)]
pub struct BackendRegistration {
    /// The backend's name, as its dialect gives it (`"postgresql"`).
    pub name: &'static str,
    /// The URL schemes it serves (`["postgres", "postgresql"]`).
    pub schemes: &'static [&'static str],
    /// The capabilities of its dialect, for tools that work without a connection (the linter).
    pub features: &'static djorm_sql::Features,
    /// Opens a database.
    pub connect: ConnectFn,
    /// A URL as it may be shown: no password, ever.
    pub redact: fn(url: &str) -> String,
    /// The URL of a database given Django's `DB_NAME`, `DB_USER`, `DB_PASSWORD`, `DB_HOST` and
    /// `DB_PORT` parts, for a backend that serves them (a server database).
    pub from_parts: Option<fn(&DatabaseParts) -> Result<String>>,
    /// The URL djorm opens when nothing is configured, for the embedded default backend.
    pub default_url: Option<&'static str>,
    /// Fresh databases for tests, where the backend can make them.
    pub test_databases: Option<&'static TestDatabases>,
    /// The database's own interactive client, for `dbshell`.
    pub client: Option<fn(url: &str) -> Result<ClientCommand>>,
}

inventory::collect!(BackendRegistration);

/// Registers a backend with djorm from the crate that implements it:
/// `djorm::register_backend!(BackendRegistration { name: "mine", .. })`. Once the crate is
/// linked into a binary, `connect("mine://…")`, the test helpers and the CLI find it.
#[macro_export]
macro_rules! register_backend {
    ($registration:expr) => {
        $crate::__private::inventory::submit! { $registration }
    };
}

/// Django's `DB_*` settings, as the environment gives them.
#[derive(Debug, Clone, Default)]
pub struct DatabaseParts {
    /// `DB_NAME`.
    pub name: String,
    /// `DB_USER`.
    pub user: Option<String>,
    /// `DB_PASSWORD`.
    pub password: Option<String>,
    /// `DB_HOST`.
    pub host: Option<String>,
    /// `DB_PORT`.
    pub port: Option<String>,
}

/// How a backend makes and removes a database per test.
#[derive(Debug)]
pub struct TestDatabases {
    /// The environment variable naming the server tests use (`DJORM_TEST_POSTGRES_URL`).
    pub admin_url_var: &'static str,
    /// The server tests use when the variable is not set.
    pub default_admin_url: &'static str,
    /// Creates the database `name` through the admin URL and returns its URL.
    pub create: fn(admin_url: String, name: String) -> BoxFuture<'static, Result<String>>,
    /// Removes the database `name` (closing its connections), on a blocking thread of its own.
    pub drop: fn(admin_url: &str, name: &str),
    /// What to tell a user whose server is unreachable.
    pub unreachable_hint: &'static str,
}

/// A client program to start, with its arguments and environment.
#[derive(Debug, Clone, Default)]
pub struct ClientCommand {
    /// The program (`psql`).
    pub program: String,
    /// Its arguments.
    pub args: Vec<std::ffi::OsString>,
    /// Environment variables for it (a password goes here, never on the command line).
    pub env: Vec<(String, String)>,
    /// The package that provides it, for the "not installed" message.
    pub package: &'static str,
}

/// Every backend linked into this binary, by name.
pub fn registered_backends() -> Vec<&'static BackendRegistration> {
    let mut all: Vec<&'static BackendRegistration> = inventory::iter::<BackendRegistration>().collect();
    all.sort_by_key(|r| r.name);
    all
}

/// The backend registered under `name`.
pub fn backend_named(name: &str) -> Result<&'static BackendRegistration> {
    registered_backends()
        .into_iter()
        .find(|r| r.name == name)
        .ok_or_else(|| Error::Config(format!("no backend named '{name}' in this build of djorm (it has {})", names())))
}

/// The backend serving `url`'s scheme. The error never repeats the URL (it may hold a password).
pub fn backend_for_url(url: &str) -> Result<&'static BackendRegistration> {
    let scheme = url.split_once(':').map_or("", |(scheme, _)| scheme);
    registered_backends().into_iter().find(|r| r.schemes.contains(&scheme)).ok_or_else(|| {
        Error::Config(format!(
            "unsupported database URL scheme '{}': this build of djorm understands {}",
            scheme.escape_debug(),
            schemes()
        ))
    })
}

fn names() -> String {
    registered_backends().iter().map(|r| r.name).collect::<Vec<_>>().join(", ")
}

fn schemes() -> String {
    let all: Vec<String> =
        registered_backends().iter().flat_map(|r| r.schemes.iter().map(|s| format!("{s}://"))).collect();
    all.join(", ")
}

/// A path in the system's temporary folder, for backends whose test databases are files.
pub fn temporary_path(name: &str) -> PathBuf {
    std::env::temp_dir().join(name)
}

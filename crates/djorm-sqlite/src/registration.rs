//! How djorm finds this backend: `sqlite://path` (and `sqlite::memory:`), the embedded default
//! `db.sqlite3`, a file per test, and `sqlite3` for `dbshell`.

use std::path::PathBuf;
use std::sync::Arc;

use djorm_core::{BackendRegistration, ClientCommand, ConnectOptions, Error, Result, TestDatabases};

use crate::backend::SqliteBackend;

djorm_core::register_backend! {
    BackendRegistration {
        name: "sqlite",
        schemes: &["sqlite"],
        features: &crate::FEATURES,
        connect,
        redact,
        from_parts: None,
        default_url: Some("sqlite://db.sqlite3"),
        test_databases: Some(&TEST_DATABASES),
        client: Some(client),
    }
}

/// The path a `sqlite://path`, `sqlite:path` or `sqlite::memory:` URL names.
pub fn path_of(url: &str) -> Result<PathBuf> {
    let rest = url.strip_prefix("sqlite:").ok_or_else(|| Error::Config("a SQLite URL starts with sqlite:".into()))?;
    let path = rest.strip_prefix("//").unwrap_or(rest);
    if path.is_empty() {
        return Err(Error::Config("a sqlite URL needs a path: sqlite://db.sqlite3".into()));
    }
    Ok(PathBuf::from(path))
}

fn connect(
    url: String,
    options: ConnectOptions,
) -> futures_util::future::BoxFuture<'static, Result<Arc<dyn djorm_core::Backend>>> {
    Box::pin(async move {
        let backend = SqliteBackend::open_with(path_of(&url)?, options).await?;
        Ok(Arc::new(backend) as Arc<dyn djorm_core::Backend>)
    })
}

/// A SQLite URL holds no credentials: shown as given.
fn redact(url: &str) -> String {
    url.to_owned()
}

static TEST_DATABASES: TestDatabases = TestDatabases {
    admin_url_var: "DJORM_TEST_SQLITE_DIR",
    default_admin_url: "",
    create: create_test_database,
    drop: drop_test_database,
    unreachable_hint: "Point DJORM_TEST_SQLITE_DIR at a folder this user may write to.",
};

fn folder(admin: &str) -> PathBuf {
    if admin.is_empty() {
        std::env::temp_dir()
    } else {
        PathBuf::from(admin)
    }
}

fn create_test_database(admin: String, name: String) -> futures_util::future::BoxFuture<'static, Result<String>> {
    Box::pin(async move { Ok(format!("sqlite://{}", folder(&admin).join(format!("{name}.sqlite3")).display())) })
}

fn drop_test_database(admin: &str, name: &str) {
    let path = folder(admin).join(format!("{name}.sqlite3"));
    for suffix in ["", "-wal", "-shm", ".migrate-lock"] {
        let mut p = path.clone().into_os_string();
        p.push(suffix);
        let _ = std::fs::remove_file(p);
    }
}

fn client(url: &str) -> Result<ClientCommand> {
    Ok(ClientCommand {
        program: "sqlite3".into(),
        args: vec![path_of(url)?.into_os_string()],
        env: Vec::new(),
        package: "sqlite3",
    })
}

//! Where the database is: `DATABASE_URL`, Django's `DB_*` variables, or `./db.sqlite3`; and
//! how to reach it: pool size and timeouts ([`ConnectOptions`]) from the URL's query string,
//! `DJORM_*` variables, or the defaults.
//!
//! Credentials come only from the environment and never appear in `Debug`, `Display` or any
//! error message.

use std::fmt;
use std::path::PathBuf;
use std::sync::Arc;

use djorm_core::{ConnectOptions, Db, Error, Result};

/// A database to connect to: where it is, and the settings to connect with.
#[derive(Clone)]
pub struct DatabaseConfig {
    /// Where the database is.
    pub location: DatabaseLocation,
    /// Pool size and timeouts.
    pub options: ConnectOptions,
}

/// Where a database is.
#[derive(Clone)]
pub enum DatabaseLocation {
    /// A PostgreSQL server.
    #[cfg(feature = "postgres")]
    Postgres(Box<tokio_postgres::Config>),
    /// A SQLite file (`":memory:"` for a private in-memory database).
    #[cfg(feature = "sqlite")]
    Sqlite(PathBuf),
}

impl fmt::Debug for DatabaseConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DatabaseConfig").field("location", &self.location).field("options", &self.options).finish()
    }
}

impl fmt::Display for DatabaseConfig {
    /// The location without any password: `postgresql://user:***@host:5432/name`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.location, f)
    }
}

impl fmt::Debug for DatabaseLocation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl fmt::Display for DatabaseLocation {
    /// The location without any password: `postgresql://user:***@host:5432/name`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            #[cfg(feature = "postgres")]
            DatabaseLocation::Postgres(c) => {
                let host = c
                    .get_hosts()
                    .first()
                    .map(|h| match h {
                        tokio_postgres::config::Host::Tcp(h) => h.clone(),
                        tokio_postgres::config::Host::Unix(p) => p.display().to_string(),
                    })
                    .unwrap_or_else(|| "localhost".into());
                let password = if c.get_password().is_some() { ":***" } else { "" };
                let shown = format!(
                    "postgresql://{}{password}@{host}:{}/{}",
                    c.get_user().unwrap_or(""),
                    c.get_ports().first().copied().unwrap_or(5432),
                    c.get_dbname().unwrap_or("")
                );
                // A malformed URL can leave the password inside another part (the database
                // name of `postgres://u:pw@h//x:pw@h/db`): it is never shown anywhere.
                match c.get_password().map(String::from_utf8_lossy).filter(|p| !p.is_empty()) {
                    Some(secret) => f.write_str(&shown.replace(&*secret, "***")),
                    None => f.write_str(&shown),
                }
            }
            #[cfg(feature = "sqlite")]
            DatabaseLocation::Sqlite(path) => write!(f, "sqlite://{}", path.display()),
        }
    }
}

fn scheme_of(url: &str) -> &str {
    url.split_once(':').map_or("", |(scheme, _)| scheme)
}

impl DatabaseConfig {
    /// A PostgreSQL database, with settings from the environment and the defaults.
    #[cfg(feature = "postgres")]
    pub fn postgres(config: tokio_postgres::Config) -> Result<Self> {
        Ok(DatabaseConfig {
            location: DatabaseLocation::Postgres(Box::new(config)),
            options: ConnectOptions::from_env()?,
        })
    }

    /// A SQLite file, with settings from the environment and the defaults.
    #[cfg(feature = "sqlite")]
    pub fn sqlite(path: impl Into<PathBuf>) -> Result<Self> {
        Ok(DatabaseConfig { location: DatabaseLocation::Sqlite(path.into()), options: ConnectOptions::from_env()? })
    }

    /// Parses `postgres://…`, `postgresql://…`, `sqlite://path`, `sqlite:path` or
    /// `sqlite::memory:`; djorm's settings in the query string (`?statement_timeout=30s`,
    /// see [`ConnectOptions`]) override the environment's. Errors never echo the URL (it may
    /// hold a password).
    pub fn from_url(url: &str) -> Result<Self> {
        let mut options = ConnectOptions::from_env()?;
        let url = options.take_from_url(url)?;
        let location = DatabaseLocation::from_url(&url)?;
        Ok(DatabaseConfig { location, options })
    }
}

impl DatabaseLocation {
    /// Parses a database URL without djorm's settings.
    fn from_url(url: &str) -> Result<Self> {
        let scheme = scheme_of(url);
        match scheme {
            #[cfg(feature = "postgres")]
            "postgres" | "postgresql" => url
                .parse::<tokio_postgres::Config>()
                .map(|c| DatabaseLocation::Postgres(Box::new(c)))
                .map_err(|e| Error::Config(format!("invalid PostgreSQL URL: {e}"))),
            #[cfg(feature = "sqlite")]
            "sqlite" => {
                let rest = &url["sqlite:".len()..];
                let path = rest.strip_prefix("//").unwrap_or(rest);
                if path.is_empty() {
                    return Err(Error::Config("a sqlite URL needs a path: sqlite://db.sqlite3".into()));
                }
                Ok(DatabaseLocation::Sqlite(PathBuf::from(path)))
            }
            other => Err(Error::Config(format!(
                "unsupported database URL scheme '{other}': this build of djorm understands {}",
                supported_schemes()
            ))),
        }
    }
}

impl DatabaseConfig {
    /// Reads `DATABASE_URL`; else Django's `DB_NAME`, `DB_USER`, `DB_PASSWORD`, `DB_HOST`
    /// (default `localhost`), `DB_PORT` (default 5432) for PostgreSQL; else SQLite
    /// `db.sqlite3` in the working directory.
    pub fn from_env() -> Result<Self> {
        let var = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
        if let Some(url) = var("DATABASE_URL") {
            return Self::from_url(&url);
        }
        if let Some(name) = var("DB_NAME") {
            #[cfg(feature = "postgres")]
            {
                let mut config = tokio_postgres::Config::new();
                config.dbname(&name);
                config.host(var("DB_HOST").as_deref().unwrap_or("localhost"));
                let port = var("DB_PORT").unwrap_or_else(|| "5432".into());
                config.port(port.parse().map_err(|_| Error::Config(format!("DB_PORT is not a port number: {port}")))?);
                if let Some(user) = var("DB_USER") {
                    config.user(&user);
                }
                if let Some(password) = var("DB_PASSWORD") {
                    config.password(password);
                }
                return Self::postgres(config);
            }
            #[cfg(not(feature = "postgres"))]
            return Err(Error::Config(format!(
                "DB_NAME={name} names a PostgreSQL database, but djorm was built without the `postgres` feature"
            )));
        }
        #[cfg(feature = "sqlite")]
        return Self::sqlite("db.sqlite3");
        #[cfg(not(feature = "sqlite"))]
        Err(Error::Config("set DATABASE_URL (or DB_NAME, DB_USER, DB_PASSWORD, DB_HOST, DB_PORT)".into()))
    }

    /// Opens the database: a pool of `options.pool_size` connections for PostgreSQL, a
    /// bundled SQLite file otherwise, each wait bounded by `options`.
    pub async fn connect(&self) -> Result<Db> {
        let options = self.options.clone();
        match &self.location {
            #[cfg(feature = "postgres")]
            DatabaseLocation::Postgres(config) => {
                let backend = djorm_postgres::PgBackend::from_config_with((**config).clone(), options).await?;
                Ok(Db::new(Arc::new(backend)))
            }
            #[cfg(feature = "sqlite")]
            DatabaseLocation::Sqlite(path) => {
                Ok(Db::new(Arc::new(djorm_sqlite::SqliteBackend::open_with(path, options).await?)))
            }
        }
    }
}

fn supported_schemes() -> &'static str {
    match (cfg!(feature = "postgres"), cfg!(feature = "sqlite")) {
        (true, true) => "postgres:// and sqlite://",
        (true, false) => "postgres://",
        _ => "sqlite://",
    }
}

/// Connects to the database a URL names (`postgres://…` or `sqlite://…`).
pub async fn connect(url: &str) -> Result<Db> {
    DatabaseConfig::from_url(url)?.connect().await
}

/// Connects to the database the environment describes (see [`DatabaseConfig::from_env`]).
pub async fn connect_from_env() -> Result<Db> {
    DatabaseConfig::from_env()?.connect().await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_never_shows_the_password() {
        let config = DatabaseConfig::from_url("postgres://app:s3cret@db.internal:6543/shop").expect("valid url");
        let shown = format!("{config} {config:?}");
        assert!(!shown.contains("s3cret"), "{shown}");
        assert!(shown.contains("postgresql://app:***@db.internal:6543/shop"), "{shown}");
    }

    #[test]
    fn bad_url_errors_do_not_echo_the_url() {
        let err = DatabaseConfig::from_url("mysql://app:s3cret@host/db").expect_err("unsupported");
        assert!(!err.to_string().contains("s3cret"));
        assert!(err.to_string().contains("unsupported database URL scheme 'mysql'"));
    }

    #[test]
    fn sqlite_urls() {
        let location = |url: &str| DatabaseConfig::from_url(url).map(|c| c.location);
        assert!(
            matches!(location("sqlite://db.sqlite3"), Ok(DatabaseLocation::Sqlite(p)) if p.as_os_str() == "db.sqlite3")
        );
        assert!(matches!(location("sqlite::memory:"), Ok(DatabaseLocation::Sqlite(p)) if p.as_os_str() == ":memory:"));
        let tuned = DatabaseConfig::from_url("sqlite://db.sqlite3?busy_timeout=250ms").expect("valid");
        assert!(matches!(&tuned.location, DatabaseLocation::Sqlite(p) if p.as_os_str() == "db.sqlite3"));
        assert_eq!(tuned.options.busy_timeout, std::time::Duration::from_millis(250));
    }
}

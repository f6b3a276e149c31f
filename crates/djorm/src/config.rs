//! Where the database is: `DATABASE_URL`, Django's `DB_*` variables, or the embedded default;
//! and how to reach it: pool size and timeouts ([`ConnectOptions`]) from the URL's query string,
//! `DJORM_*` variables, or the defaults. The backend serving the URL's scheme is found among the
//! registered ones ([`djorm_core::BackendRegistration`]): this file names none.
//!
//! Credentials come only from the environment and never appear in `Debug`, `Display` or any
//! error message.

use std::fmt;

use djorm_core::{
    backend_for_url, registered_backends, BackendRegistration, ConnectOptions, DatabaseParts, Db, Error, Result,
};

/// A database to connect to: where it is, and the settings to connect with.
#[derive(Clone)]
pub struct DatabaseConfig {
    /// The URL without djorm's settings; it may hold a password, so it is never shown.
    url: String,
    /// Pool size and timeouts.
    pub options: ConnectOptions,
    backend: &'static BackendRegistration,
}

impl fmt::Debug for DatabaseConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DatabaseConfig")
            .field("url", &(self.backend.redact)(&self.url))
            .field("options", &self.options)
            .finish()
    }
}

impl fmt::Display for DatabaseConfig {
    /// The location without any password: `postgresql://user:***@host:5432/name`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&(self.backend.redact)(&self.url))
    }
}

impl DatabaseConfig {
    /// Parses a database URL (`postgres://…`, `sqlite://path`, `sqlite::memory:`, or any scheme a
    /// linked backend registers); djorm's settings in the query string (`?statement_timeout=30s`,
    /// see [`ConnectOptions`]) override the environment's. Errors never echo the URL (it may
    /// hold a password).
    pub fn from_url(url: &str) -> Result<Self> {
        let mut options = ConnectOptions::from_env()?;
        let url = options.take_from_url(url)?;
        let backend = backend_for_url(&url)?;
        Ok(DatabaseConfig { url, options, backend })
    }

    /// Reads `DATABASE_URL` (from the environment, or a `.env` file, see [`djorm_core::env`]);
    /// else Django's `DB_NAME`, `DB_USER`, `DB_PASSWORD`, `DB_HOST`,
    /// `DB_PORT` (for the backend named by `DB_ENGINE`, or the one that serves them); else the
    /// embedded default (`db.sqlite3` in the working directory).
    pub fn from_env() -> Result<Self> {
        djorm_core::env::check_dotenv()?;
        let var = djorm_core::env::var;
        if let Some(url) = var("DATABASE_URL") {
            return Self::from_url(&url);
        }
        let backends = registered_backends();
        if let Some(name) = var("DB_NAME") {
            let parts = DatabaseParts {
                name,
                user: var("DB_USER"),
                password: var("DB_PASSWORD"),
                host: var("DB_HOST"),
                port: var("DB_PORT"),
            };
            let engine = var("DB_ENGINE");
            let backend = backends
                .iter()
                .filter(|b| b.from_parts.is_some())
                .find(|b| engine.as_deref().is_none_or(|e| e == b.name))
                .ok_or_else(|| {
                    Error::Config(
                        "DB_NAME is set, but this build of djorm has no server backend for the DB_* settings (or none \
                         named by DB_ENGINE)"
                            .into(),
                    )
                })?;
            let url = (backend.from_parts.ok_or_else(|| Error::Config("no DB_* support".into()))?)(&parts)?;
            return Self::from_url(&url);
        }
        match backends.iter().find_map(|b| b.default_url) {
            Some(url) => Self::from_url(url),
            None => Err(Error::Config("set DATABASE_URL (or DB_NAME, DB_USER, DB_PASSWORD, DB_HOST, DB_PORT)".into())),
        }
    }

    /// The database the environment gives `alias`: [`DatabaseConfig::from_env`] for `default`,
    /// `DATABASE_URL_<ALIAS>` (upper case) for any other; Django's `ConnectionDoesNotExist`
    /// when that is not set.
    pub fn from_env_alias(alias: &str) -> Result<Self> {
        if alias == "default" {
            return Self::from_env();
        }
        let name = format!("DATABASE_URL_{}", alias.to_ascii_uppercase());
        match djorm_core::env::var(&name) {
            Some(url) => Self::from_url(&url),
            None => Err(Error::ConnectionDoesNotExist {
                alias: alias.escape_debug().to_string(),
                hint: format!(" Set {name} to its URL."),
            }),
        }
    }

    /// Parses `target`, a URL (`postgres://…`, `sqlite://…`) or an alias (`replica`, see
    /// [`DatabaseConfig::from_env_alias`]), as Django's `--database` names an alias.
    pub fn from_url_or_alias(target: &str) -> Result<Self> {
        if target.contains(':') {
            Self::from_url(target)
        } else {
            Self::from_env_alias(target)
        }
    }

    /// The name of the backend serving this database (`"postgresql"`).
    pub fn vendor(&self) -> &'static str {
        self.backend.name
    }

    /// The backend serving this database.
    pub fn backend(&self) -> &'static BackendRegistration {
        self.backend
    }

    /// The database's own interactive client (`psql`, `sqlite3`), ready to start.
    pub fn client_command(&self) -> Result<djorm_core::ClientCommand> {
        let client = self.backend.client.ok_or_else(|| Error::NotSupported {
            backend: self.backend.name,
            what: "an interactive client (dbshell)".into(),
        })?;
        client(&self.url)
    }

    /// Opens the database, each wait bounded by `options`.
    pub async fn connect(&self) -> Result<Db> {
        Ok(Db::new((self.backend.connect)(self.url.clone(), self.options.clone()).await?))
    }
}

/// Connects to the database a URL names (`postgres://…`, `sqlite://…`).
pub async fn connect(url: &str) -> Result<Db> {
    DatabaseConfig::from_url(url)?.connect().await
}

/// Every database the environment names, connected, one pool each: `default` as
/// [`connect_from_env`] finds it, and one per `DATABASE_URL_<ALIAS>` variable (the alias in
/// lower case: `DATABASE_URL_REPLICA` is `replica`). `DJORM_READ_REPLICAS=replica,replica2`
/// installs the built-in [`PrimaryReplicaRouter`](djorm_core::PrimaryReplicaRouter) over them
/// (with `DJORM_READ_YOUR_WRITES=2s` for its window), so going from one database to a primary
/// with replicas is configuration only. Add routers of your own, then
/// [`Databases::build`](djorm_core::Databases::build):
///
/// ```no_run
/// # async fn run() -> djorm::Result<()> {
/// let db = djorm::databases_from_env()
///     .await?
///     .router(djorm::PrimaryReplicaRouter::new("default", ["replica"]))
///     .build()?;
/// # Ok(()) }
/// ```
pub async fn databases_from_env() -> Result<djorm_core::Databases> {
    let mut set = djorm_core::Databases::new().database("default", connect_from_env().await?);
    let mut aliases: Vec<String> = djorm_core::env::vars_with_prefix("DATABASE_URL_")
        .into_iter()
        .filter_map(|(name, _)| {
            name.strip_prefix("DATABASE_URL_").filter(|a| !a.is_empty()).map(str::to_ascii_lowercase)
        })
        .collect();
    aliases.sort();
    for alias in &aliases {
        let db = DatabaseConfig::from_env_alias(alias)?.connect().await?;
        set = set.database(alias.clone(), db);
    }
    if let Some(replicas) = djorm_core::env::var("DJORM_READ_REPLICAS") {
        let replicas: Vec<String> =
            replicas.split(',').map(|r| r.trim().to_ascii_lowercase()).filter(|r| !r.is_empty()).collect();
        if let Some(missing) = replicas.iter().find(|r| !aliases.contains(r)) {
            return Err(Error::ConnectionDoesNotExist {
                alias: missing.clone(),
                hint: format!(" DJORM_READ_REPLICAS names it: set DATABASE_URL_{}.", missing.to_ascii_uppercase()),
            });
        }
        let mut router = djorm_core::PrimaryReplicaRouter::new("default", replicas);
        if let Some(window) = djorm_core::env::var("DJORM_READ_YOUR_WRITES") {
            let window = djorm_core::parse_duration("DJORM_READ_YOUR_WRITES", &window)?;
            router = router.read_your_writes(window.unwrap_or_default());
        }
        set = set.router(router);
    }
    Ok(set)
}

/// Connects to the database the environment describes (see [`DatabaseConfig::from_env`]), and
/// takes the default time zone from `TIME_ZONE` when it is set (Django's setting: date lookups,
/// `Extract` and `Trunc` read timestamps in it; see [`djorm_core::timezone`]).
pub async fn connect_from_env() -> Result<Db> {
    djorm_core::timezone::set_default_from_env()?;
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
        let vendor = |url: &str| DatabaseConfig::from_url(url).map(|c| (c.vendor(), c.to_string()));
        assert_eq!(vendor("sqlite://db.sqlite3").expect("valid"), ("sqlite", "sqlite://db.sqlite3".to_owned()));
        assert_eq!(vendor("sqlite::memory:").expect("valid").0, "sqlite");
        let tuned = DatabaseConfig::from_url("sqlite://db.sqlite3?busy_timeout=250ms").expect("valid");
        assert_eq!(tuned.to_string(), "sqlite://db.sqlite3");
        assert_eq!(tuned.options.busy_timeout, std::time::Duration::from_millis(250));
    }
}

//! Connection settings every backend reads: pool size and the bound on every wait.
//!
//! Each value comes from code, else from the database URL's query string
//! (`postgres://…/shop?statement_timeout=30s&acquire_timeout=5`), else from the environment
//! (`DJORM_STATEMENT_TIMEOUT=30s`), else from the defaults below. A duration is a number of
//! seconds, or a number with `ms`, `s` or `min`; `0` (or `off`) switches an optional bound off.

use std::time::Duration;

use crate::{Error, Result};

/// How many connections to keep and how long to wait for each thing a query waits on.
///
/// The defaults, and why:
/// - `connect_timeout` 10 s: TCP, TLS and the server's startup answer together. libpq and
///   Django wait forever; 10 s is ample for a cross-region handshake and short enough that a
///   dead or stalled host fails a request (or a deploy) quickly.
/// - `acquire_timeout` 30 s: waiting for a pooled connection when all are busy, as SQLx's
///   default. Pool exhaustion (say, tasks that each hold a transaction and query through the
///   pool) becomes an error naming the pool size instead of a hang.
/// - `statement_timeout` 5 min: the server cancels a statement running longer (PostgreSQL's
///   `statement_timeout`, SQLite's interrupt), and the client gives up a little after that if
///   the server does not answer at all. Long enough for reports and most migrations; set it
///   higher (or `0`) for longer work.
/// - `lock_timeout` off: a statement blocked on a lock is bounded by `statement_timeout`; set
///   it (PostgreSQL's `lock_timeout`) to fail lock waits sooner, as migrations often should.
/// - `migration_lock_timeout` 10 min: how long `migrate` waits for another process's
///   `migrate` to finish before saying who holds the lock.
/// - `busy_timeout` 5 s: how long a SQLite writer queues for the database's write lock,
///   Django's default `timeout` for SQLite.
/// - `pool_size` 16 connections (PostgreSQL).
/// - `conn_max_age` unlimited: Django's `CONN_MAX_AGE` for the pool — `0` closes a connection
///   after each unit of work (a statement, or a transaction), `N` seconds retires connections
///   older than that (a connection in use finishes its work first), `none` keeps them.
/// - `conn_health_checks` off: Django's `CONN_HEALTH_CHECKS` — a pooled connection answers a
///   ping before it is handed out (a round trip per checkout; without it a connection the server
///   closed is caught when a statement fails before running, and that statement runs again).
/// - `idle_timeout` off: connections unused that long are closed.
/// - `min_idle` 0: connections kept open and ready even when nothing runs.
/// - `transaction_pooling` off: set it behind pgbouncer in transaction mode (see the field).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConnectOptions {
    /// Most connections in the pool.
    pub pool_size: usize,
    /// Bound on opening one connection (TCP, TLS, startup and authentication).
    pub connect_timeout: Duration,
    /// Bound on waiting for a free pooled connection.
    pub acquire_timeout: Duration,
    /// Bound on one statement, or none.
    pub statement_timeout: Option<Duration>,
    /// Bound on waiting for a row or table lock inside a statement, or none.
    pub lock_timeout: Option<Duration>,
    /// Bound on waiting for the migration lock.
    pub migration_lock_timeout: Duration,
    /// Bound on a SQLite writer's wait for the write lock.
    pub busy_timeout: Duration,
    /// Most age of a pooled connection (`Some(ZERO)`: one per unit of work), or unlimited.
    pub conn_max_age: Option<Duration>,
    /// Ping a pooled connection before handing it out.
    pub conn_health_checks: bool,
    /// Close connections idle this long, or never.
    pub idle_timeout: Option<Duration>,
    /// Connections kept open even when idle.
    pub min_idle: usize,
    /// A pooler in transaction mode (pgbouncer's `pool_mode = transaction`) sits in between:
    /// no named prepared statements and no startup options, each statement one unnamed,
    /// typed round trip.
    pub transaction_pooling: bool,
}

impl Default for ConnectOptions {
    fn default() -> Self {
        ConnectOptions {
            pool_size: 16,
            connect_timeout: Duration::from_secs(10),
            acquire_timeout: Duration::from_secs(30),
            statement_timeout: Some(Duration::from_secs(300)),
            lock_timeout: None,
            migration_lock_timeout: Duration::from_secs(600),
            busy_timeout: Duration::from_secs(5),
            conn_max_age: None,
            conn_health_checks: false,
            idle_timeout: None,
            min_idle: 0,
            transaction_pooling: false,
        }
    }
}

/// The settings a URL's query string or the environment may carry, with their variables.
const SETTINGS: [(&str, &str); 12] = [
    ("pool_size", "DJORM_POOL_SIZE"),
    ("connect_timeout", "DJORM_CONNECT_TIMEOUT"),
    ("acquire_timeout", "DJORM_ACQUIRE_TIMEOUT"),
    ("statement_timeout", "DJORM_STATEMENT_TIMEOUT"),
    ("lock_timeout", "DJORM_LOCK_TIMEOUT"),
    ("migration_lock_timeout", "DJORM_MIGRATION_LOCK_TIMEOUT"),
    ("busy_timeout", "DJORM_BUSY_TIMEOUT"),
    ("conn_max_age", "DJORM_CONN_MAX_AGE"),
    ("conn_health_checks", "DJORM_CONN_HEALTH_CHECKS"),
    ("idle_timeout", "DJORM_IDLE_TIMEOUT"),
    ("min_idle", "DJORM_MIN_IDLE"),
    ("transaction_pooling", "DJORM_TRANSACTION_POOLING"),
];

impl ConnectOptions {
    /// The defaults overridden by any `DJORM_*` variable set in the environment.
    pub fn from_env() -> Result<Self> {
        let mut options = ConnectOptions::default();
        for (name, var) in SETTINGS {
            if let Some(value) = crate::env::var(var) {
                options.set(name, &value).map_err(|e| Error::Config(format!("{var}: {e}")))?;
            }
        }
        Ok(options)
    }

    /// Sets one setting by its name, from its text form. Returns `Ok(false)` for a name that is
    /// not one of these settings.
    pub fn set(&mut self, name: &str, value: &str) -> Result<bool> {
        match name {
            "pool_size" => {
                self.pool_size =
                    value.trim().parse::<usize>().ok().filter(|n| *n > 0).ok_or_else(|| {
                        Error::Config(format!("pool_size must be a whole number above 0, not '{value}'"))
                    })?;
            }
            "connect_timeout" => self.connect_timeout = required(name, value)?,
            "acquire_timeout" => self.acquire_timeout = required(name, value)?,
            "statement_timeout" => self.statement_timeout = parse_duration(name, value)?,
            "lock_timeout" => self.lock_timeout = parse_duration(name, value)?,
            "migration_lock_timeout" => self.migration_lock_timeout = required(name, value)?,
            "busy_timeout" => self.busy_timeout = required(name, value)?,
            "conn_max_age" => self.conn_max_age = max_age(value)?,
            "conn_health_checks" => self.conn_health_checks = flag(name, value)?,
            "transaction_pooling" => self.transaction_pooling = flag(name, value)?,
            "idle_timeout" => self.idle_timeout = parse_duration(name, value)?,
            "min_idle" => {
                self.min_idle = value
                    .trim()
                    .parse::<usize>()
                    .map_err(|_| Error::Config(format!("min_idle must be a whole number, not '{value}'")))?;
            }
            _ => return Ok(false),
        }
        Ok(true)
    }

    /// Takes djorm's settings out of a URL's query string, returning the URL without them (so
    /// the driver sees only its own parameters). Values are applied over `self`.
    pub fn take_from_url(&mut self, url: &str) -> Result<String> {
        let Some((base, query)) = url.split_once('?') else { return Ok(url.to_owned()) };
        let mut kept: Vec<&str> = Vec::new();
        for pair in query.split('&').filter(|p| !p.is_empty()) {
            let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
            // connect_timeout is the driver's too: keep it there (it bounds the TCP connect)
            // and apply it to the whole connection setup here.
            if name == "connect_timeout" {
                self.set(name, value)?;
                kept.push(pair);
            } else if !self.set(name, value)? {
                kept.push(pair);
            }
        }
        Ok(if kept.is_empty() { base.to_owned() } else { format!("{base}?{}", kept.join("&")) })
    }

    /// The time after which the client stops waiting for a statement the server should have
    /// cancelled by itself: the statement timeout plus a grace period for the cancel to arrive.
    pub fn client_statement_timeout(&self) -> Option<Duration> {
        self.statement_timeout.map(|t| t + Duration::from_secs(2).min(t))
    }
}

/// Django's `CONN_MAX_AGE`: `0` is a duration here (a connection per unit of work), `none`
/// (or `unlimited`, Django's `None`) keeps connections for as long as they work.
fn max_age(value: &str) -> Result<Option<Duration>> {
    match value.trim().to_ascii_lowercase().as_str() {
        "none" | "unlimited" | "off" => Ok(None),
        "0" => Ok(Some(Duration::ZERO)),
        _ => parse_duration("conn_max_age", value),
    }
}

fn flag(name: &str, value: &str) -> Result<bool> {
    match value.trim().to_ascii_lowercase().as_str() {
        "1" | "true" | "yes" | "on" => Ok(true),
        "0" | "false" | "no" | "off" => Ok(false),
        _ => Err(Error::Config(format!("{name} must be true or false, not '{value}'"))),
    }
}

fn required(name: &str, value: &str) -> Result<Duration> {
    parse_duration(name, value)?
        .ok_or_else(|| Error::Config(format!("{name} bounds a wait that must end: give it a duration above 0")))
}

/// `"30"`, `"30s"`, `"500ms"`, `"2min"`; `"0"`, `"off"` and `"none"` are `None`.
pub fn parse_duration(name: &str, value: &str) -> Result<Option<Duration>> {
    let text = value.trim().to_ascii_lowercase();
    if matches!(text.as_str(), "off" | "none") {
        return Ok(None);
    }
    let (number, unit_ms) = if let Some(n) = text.strip_suffix("ms") {
        (n, 1.0)
    } else if let Some(n) = text.strip_suffix("min") {
        (n, 60_000.0)
    } else if let Some(n) = text.strip_suffix('s') {
        (n, 1000.0)
    } else {
        (text.as_str(), 1000.0)
    };
    let amount: f64 = number.trim().parse().map_err(|_| {
        Error::Config(format!("{name} must be a duration such as 30, 30s, 500ms or 2min, not '{value}'"))
    })?;
    if !amount.is_finite() || amount < 0.0 || amount * unit_ms > 1e12 {
        return Err(Error::Config(format!("{name} is out of range: '{value}'")));
    }
    let millis = (amount * unit_ms).round() as u64;
    Ok((millis > 0).then(|| Duration::from_millis(millis)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_in_every_spelling() {
        let d = |v: &str| parse_duration("t", v).expect("parses");
        assert_eq!(d("30"), Some(Duration::from_secs(30)));
        assert_eq!(d("1.5s"), Some(Duration::from_millis(1500)));
        assert_eq!(d("250ms"), Some(Duration::from_millis(250)));
        assert_eq!(d("2min"), Some(Duration::from_secs(120)));
        assert_eq!(d("0"), None);
        assert_eq!(d("off"), None);
        assert!(parse_duration("t", "soon").is_err());
        assert!(parse_duration("t", "-1").is_err());
        assert!(parse_duration("t", "1e300").is_err());
    }

    #[test]
    fn url_settings_are_taken_out_and_applied() {
        let mut options = ConnectOptions::default();
        let url = options
            .take_from_url("postgres://u@h/db?sslmode=disable&statement_timeout=250ms&pool_size=4&connect_timeout=3")
            .expect("valid");
        assert_eq!(url, "postgres://u@h/db?sslmode=disable&connect_timeout=3");
        assert_eq!(options.statement_timeout, Some(Duration::from_millis(250)));
        assert_eq!(options.pool_size, 4);
        assert_eq!(options.connect_timeout, Duration::from_secs(3));
        let err = options.take_from_url("postgres://h/db?acquire_timeout=0").expect_err("must be bounded");
        assert!(err.to_string().contains("acquire_timeout bounds a wait that must end"), "{err}");
    }
}

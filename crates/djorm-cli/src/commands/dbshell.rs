//! `dbshell`: the database's own client on the configured connection. A PostgreSQL password
//! goes to `psql` through `PGPASSWORD`, never on the command line.

use std::process::{Command as Process, ExitCode};

use djorm::{DatabaseConfig, DatabaseLocation, Error, Result};

use crate::args::Cli;

pub(crate) fn run(cli: &Cli) -> Result<ExitCode> {
    let config = match &cli.database {
        Some(url) => DatabaseConfig::from_url(url)?,
        None => DatabaseConfig::from_env()?,
    };
    let (program, package, mut process) = client(&config);
    let status = match process.status() {
        Ok(status) => status,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(Error::Config(format!(
                "the '{program}' client is not installed (on Debian/Ubuntu: apt-get install {package})"
            )))
        }
        Err(e) => return Err(Error::Config(format!("cannot start {program}: {e}"))),
    };
    Ok(ExitCode::from(status.code().unwrap_or(1).clamp(0, 255) as u8))
}

/// The client program, its Debian package, and the command that opens `config`.
fn client(config: &DatabaseConfig) -> (&'static str, &'static str, Process) {
    match &config.location {
        DatabaseLocation::Postgres(c) => {
            let mut p = Process::new("psql");
            if let Some(user) = c.get_user() {
                p.args(["-U", user]);
            }
            if let Some(host) = c.get_hosts().first() {
                match host {
                    tokio_postgres::config::Host::Tcp(h) => p.args(["-h", h]),
                    tokio_postgres::config::Host::Unix(path) => p.arg("-h").arg(path),
                };
            }
            if let Some(port) = c.get_ports().first() {
                p.args(["-p", &port.to_string()]);
            }
            if let Some(db) = c.get_dbname() {
                p.arg(db);
            }
            if let Some(password) = c.get_password() {
                p.env("PGPASSWORD", String::from_utf8_lossy(password).into_owned());
            }
            ("psql", "postgresql-client", p)
        }
        DatabaseLocation::Sqlite(path) => {
            let mut p = Process::new("sqlite3");
            p.arg(path);
            ("sqlite3", "sqlite3", p)
        }
    }
}

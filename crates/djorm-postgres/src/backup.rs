//! Backups with `pg_dump` (the custom format `pg_restore` reads), run against the pool's own
//! server, database and role: the password goes through the environment, never the command
//! line, and the run is bounded by the migration lock timeout.

use std::path::Path;
use std::process::Command;

use djorm_core::{Error, Result};
use tokio_postgres::config::Host;

use crate::backend::PgBackend;

pub(crate) async fn backup(backend: &PgBackend, path: &Path) -> Result<()> {
    if path.exists() {
        return Err(Error::InvalidValue(format!("{} already exists; a backup never overwrites", path.display())));
    }
    let config = &backend.pool.manager().config;
    let mut command = Command::new("pg_dump");
    command.arg("--format=custom").arg("--file").arg(path);
    if let Some(host) = config.get_hosts().first() {
        match host {
            Host::Tcp(name) => command.arg("--host").arg(name),
            Host::Unix(dir) => command.arg("--host").arg(dir),
        };
    }
    if let Some(port) = config.get_ports().first() {
        command.arg("--port").arg(port.to_string());
    }
    if let Some(user) = config.get_user() {
        command.arg("--username").arg(user);
    }
    if let Some(password) = config.get_password() {
        command.env("PGPASSWORD", String::from_utf8_lossy(password).into_owned());
    }
    command.env("PGSSLMODE", backend.reach.0.name()).arg("--no-password");
    command.arg(config.get_dbname().unwrap_or("postgres"));
    let bound = backend.options.migration_lock_timeout;
    let run = tokio::task::spawn_blocking(move || command.output());
    let output = match tokio::time::timeout(bound, run).await {
        Ok(Ok(Ok(output))) => output,
        Ok(Ok(Err(e))) => {
            return Err(Error::Config(format!("could not run pg_dump ({e}): install the postgresql-client package")))
        }
        Ok(Err(e)) => return Err(Error::Config(format!("pg_dump did not finish: {e}"))),
        Err(_) => return Err(Error::Timeout { what: "pg_dump writing the backup".into(), after: bound }),
    };
    if !output.status.success() {
        return Err(Error::Database {
            kind: djorm_core::DatabaseErrorKind::Operational,
            sqlstate: None,
            message: format!("pg_dump failed: {}", String::from_utf8_lossy(&output.stderr).trim()),
        });
    }
    Ok(())
}

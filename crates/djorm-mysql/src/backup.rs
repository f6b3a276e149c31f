//! Backups with `mariadb-dump` (an SQL script the `mariadb` client replays), run against the
//! pool's own server, database and user: one consistent snapshot (`--single-transaction`,
//! InnoDB), the password through the environment, never the command line, and the run
//! bounded by the migration lock timeout.

use std::path::Path;
use std::process::Command;

use djorm_core::{Error, Result};

use crate::backend::MySqlBackend;

pub(crate) async fn backup(backend: &MySqlBackend, path: &Path) -> Result<()> {
    if path.exists() {
        return Err(Error::InvalidValue(format!("{} already exists; a backup never overwrites", path.display())));
    }
    let opts = backend.opts();
    let mut command = Command::new("mariadb-dump");
    command
        .arg("--single-transaction")
        .arg("--routines")
        .arg(format!("--result-file={}", path.display()))
        .arg(format!("--host={}", opts.ip_or_hostname()))
        .arg(format!("--port={}", opts.tcp_port()))
        .arg("--protocol=tcp");
    if let Some(user) = opts.user() {
        command.arg(format!("--user={user}"));
    }
    if let Some(password) = opts.pass() {
        command.env("MYSQL_PWD", password);
    }
    command.arg(opts.db_name().unwrap_or_default());
    let bound = backend.options().migration_lock_timeout;
    let run = tokio::task::spawn_blocking(move || command.output());
    let output = match tokio::time::timeout(bound, run).await {
        Ok(Ok(Ok(output))) => output,
        Ok(Ok(Err(e))) => {
            return Err(Error::Config(format!("could not run mariadb-dump ({e}): install the mariadb-client package")))
        }
        Ok(Err(e)) => return Err(Error::Config(format!("mariadb-dump did not finish: {e}"))),
        Err(_) => return Err(Error::Timeout { what: "mariadb-dump writing the backup".into(), after: bound }),
    };
    if !output.status.success() {
        let _ = std::fs::remove_file(path);
        return Err(Error::Database {
            kind: djorm_core::DatabaseErrorKind::Operational,
            sqlstate: None,
            message: format!("mariadb-dump failed: {}", String::from_utf8_lossy(&output.stderr).trim()),
        });
    }
    Ok(())
}

//! `dbshell`: the database's own client on the configured connection, as the backend
//! describes it. A password goes through the environment, never on the command line.

use std::process::{Command as Process, ExitCode};

use djorm::DatabaseConfig;

use crate::args::Cli;
use crate::error::{CommandError, Result};

pub(crate) fn run(cli: &Cli) -> Result<ExitCode> {
    let config = match &cli.database {
        Some(target) => DatabaseConfig::from_url_or_alias(target)?,
        None => DatabaseConfig::from_env()?,
    };
    let client = config.client_command()?;
    let mut process = Process::new(&client.program);
    process.args(&client.args);
    for (name, value) in &client.env {
        process.env(name, value);
    }
    let status = match process.status() {
        Ok(status) => status,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(CommandError::Usage(format!(
                "the '{}' client is not installed (on Debian/Ubuntu: apt-get install {})",
                client.program, client.package
            )))
        }
        Err(e) => return Err(CommandError::Usage(format!("cannot start {}: {e}", client.program))),
    };
    Ok(ExitCode::from(status.code().unwrap_or(1).clamp(0, 255) as u8))
}

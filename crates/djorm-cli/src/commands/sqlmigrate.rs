//! `sqlmigrate`: the SQL a migration runs, exactly as `migrate` runs it.

use std::io::Write;
use std::process::ExitCode;

use super::{connect, find, io, load};
use crate::args::{Cli, Command};
use crate::error::Result;

pub(crate) async fn run(cli: &Cli, out: &mut dyn Write) -> Result<ExitCode> {
    let Command::Sqlmigrate { app, name, backwards } = &cli.command else {
        return Ok(ExitCode::from(2));
    };
    let migrations = load(cli)?;
    let migration = find(&migrations, app, name)?;
    let db = connect(cli).await?;
    let sql = djorm_migrations::executor::sql_for(db.dialect(), &migrations, app, &migration.name, *backwards)?;
    if migration.atomic {
        writeln!(out, "BEGIN;").map_err(io)?;
    }
    for op in &migration.operations {
        writeln!(out, "--\n-- {}\n--", op.describe()).map_err(io)?;
    }
    for statement in sql {
        writeln!(out, "{statement};").map_err(io)?;
    }
    if migration.atomic {
        writeln!(out, "COMMIT;").map_err(io)?;
    }
    Ok(ExitCode::SUCCESS)
}

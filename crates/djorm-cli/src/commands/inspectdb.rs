//! `inspectdb`: models for an existing database, printed for the user to review and keep.

use std::io::Write;
use std::process::ExitCode;

use crate::args::{Cli, Command};
use crate::error::{CommandError, Result};
use crate::inspect::{write_models, Options};

pub(crate) async fn run(cli: &Cli, out: &mut dyn Write) -> Result<ExitCode> {
    let Command::Inspectdb { tables: chosen, app } = &cli.command else { unreachable!("dispatched on Inspectdb") };
    let db = super::connect(cli).await?;
    let mut tables = db.introspect().await?;
    if chosen.is_empty() {
        tables.retain(|t| t.name != djorm_migrations::recorder::TABLE);
    } else {
        if let Some(missing) = chosen.iter().find(|c| !tables.iter().any(|t| &t.name == *c)) {
            return Err(CommandError::Usage(format!(
                "table '{missing}' does not exist in {}",
                db.backend().describe()
            )));
        }
        tables.retain(|t| chosen.contains(&t.name));
    }
    let source = write_models(&tables, &Options { app: app.clone() });
    out.write_all(source.as_bytes()).map_err(super::io)?;
    Ok(ExitCode::SUCCESS)
}

//! `shell`: Django query syntax against the live database (`-c` runs one line and exits).

use std::io::{BufRead, Write};
use std::process::ExitCode;

use super::{connect, io};
use crate::args::{Cli, Command};
use crate::error::{CommandError, Result};
use crate::shell::{execute, repl, Format, Session, ShellError};
use crate::Project;

/// The standalone binary has no models linked in: they are rebuilt from the migration files
/// (what the files record; no defaults, choices or related names).
pub(crate) fn models_from_migrations(cli: &Cli) -> Result<Vec<&'static djorm::ModelMeta>> {
    let migrations = super::load(cli)?;
    if migrations.is_empty() {
        return Err(CommandError::Usage(format!(
            "no migration files under '{}': point --dir at them, or run the shell from the app's manage binary",
            cli.dir.display()
        )));
    }
    let state = super::state_of(&migrations)?;
    let models = djorm_migrations::runtime::models_from_state(&state);
    djorm::apps::register_runtime_models(&models);
    Ok(models)
}

pub(crate) async fn run(cli: &Cli, project: &Project, out: &mut dyn Write) -> Result<ExitCode> {
    let Command::Shell { command, format, yes, max_rows } = &cli.command else { unreachable!("dispatched on Shell") };
    let models = match project.models.clone() {
        Some(models) => models,
        None => models_from_migrations(cli)?,
    };
    let db = connect(cli).await?;
    let assume_yes = *yes;
    let interactive = command.is_none();
    let confirm = Box::new(move |what: &str| {
        if assume_yes {
            return true;
        }
        if !interactive {
            return false;
        }
        eprint!("This will {what}. Type 'yes' to continue: ");
        let mut answer = String::new();
        let _ = std::io::stdin().lock().read_line(&mut answer);
        answer.trim() == "yes"
    });
    let mut session = Session::new(db, models, confirm);
    session.set_max_rows(Some(*max_rows));
    session.set_assume_yes(assume_yes);
    match command {
        Some(line) => match execute(&mut session, line, *format).await {
            Ok(text) => {
                if !text.is_empty() {
                    writeln!(out, "{text}").map_err(io)?;
                }
                Ok(ExitCode::SUCCESS)
            }
            Err(error) => {
                let error = if error.is_cancelled() {
                    ShellError::new("Cancelled", "refusing to change a whole table without --yes")
                } else {
                    error
                };
                if *format == Format::Json {
                    let shown = serde_json::json!({ "error": { "class": error.class, "message": error.message } });
                    writeln!(out, "{}", serde_json::to_string_pretty(&shown).unwrap_or_default()).map_err(io)?;
                } else {
                    writeln!(out, "{}: {}", error.class, error.message).map_err(io)?;
                }
                Ok(ExitCode::from(2))
            }
        },
        None => {
            repl(session, *format, out).await.map_err(|e| CommandError::Usage(e.to_string()))?;
            Ok(ExitCode::SUCCESS)
        }
    }
}

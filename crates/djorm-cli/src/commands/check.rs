//! `check`: Django's system check — the model checks (reverse accessor clashes, orderings that
//! name nothing), migrations not applied to the database, and with `--deploy` how the database
//! is reached (TLS, a superuser connection). Printed as Django prints them; errors fail.

use std::io::Write;
use std::process::ExitCode;

use djorm::checks::{CheckMessage, Level};

use super::{connect, io, load};
use crate::args::{Cli, Command};
use crate::error::Result;
use crate::Project;

pub(crate) async fn run(cli: &Cli, project: &Project, out: &mut dyn Write) -> Result<ExitCode> {
    let Command::Check { deploy } = &cli.command else { return Ok(ExitCode::from(2)) };
    let models = match project.models.clone() {
        Some(models) => models,
        None => super::shell::models_from_migrations(cli)?,
    };
    let mut messages = djorm::checks::check_models(&models);
    messages.extend(database_checks(cli, *deploy).await?);
    report(&messages, out)
}

/// Unapplied migrations, and with `deploy` the backend's findings; a database that cannot be
/// reached is a warning here (the model checks need none).
async fn database_checks(cli: &Cli, deploy: bool) -> Result<Vec<CheckMessage>> {
    let migrations = load(cli)?;
    let db = match connect(cli).await {
        Ok(db) => db,
        Err(e) => {
            let hint = Some("Start the database, or point --database or DATABASE_URL at it.".to_owned());
            return Ok(vec![CheckMessage::warning("djorm.W004", "database", format!("Could not connect: {e}"), hint)]);
        }
    };
    let mut out = Vec::new();
    // Read-only: a database without the history table has applied nothing (and the app's role
    // may not create it).
    let recorded = db.introspect().await?.iter().any(|t| t.name == djorm_migrations::recorder::TABLE);
    let applied =
        if recorded { djorm_migrations::recorder::applied(&db).await? } else { std::collections::BTreeSet::new() };
    let pending: Vec<_> = migrations
        .iter()
        .filter(|m| m.replaces.is_empty() && !applied.contains(&(m.app.clone(), m.name.clone())))
        .collect();
    if !pending.is_empty() {
        let mut apps: Vec<&str> = pending.iter().map(|m| m.app.as_str()).collect();
        apps.sort();
        apps.dedup();
        out.push(CheckMessage::warning(
            "djorm.W001",
            db.alias(),
            format!(
                "You have {} unapplied migration(s). Your project may not work properly until you apply the \
                 migrations for app(s): {}.",
                pending.len(),
                apps.join(", ")
            ),
            Some("Run 'djorm migrate' to apply them.".into()),
        ));
    }
    if deploy {
        out.extend(db.deploy_checks().await?);
    }
    Ok(out)
}

fn report(messages: &[CheckMessage], out: &mut dyn Write) -> Result<ExitCode> {
    if messages.is_empty() {
        writeln!(out, "System check identified no issues (0 silenced).").map_err(io)?;
        return Ok(ExitCode::SUCCESS);
    }
    writeln!(out, "System check identified some issues:").map_err(io)?;
    for (level, heading) in [(Level::Error, "ERRORS:"), (Level::Warning, "WARNINGS:")] {
        let of_level: Vec<&CheckMessage> = messages.iter().filter(|m| m.level == level).collect();
        if of_level.is_empty() {
            continue;
        }
        writeln!(out, "\n{heading}").map_err(io)?;
        for message in of_level {
            writeln!(out, "{message}").map_err(io)?;
        }
    }
    let n = messages.len();
    writeln!(out, "\nSystem check identified {n} issue{} (0 silenced).", if n == 1 { "" } else { "s" }).map_err(io)?;
    Ok(if messages.iter().any(|m| m.level == Level::Error) { ExitCode::FAILURE } else { ExitCode::SUCCESS })
}

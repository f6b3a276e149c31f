//! `showmigrations`: every migration per app, `[X]` when applied, as Django prints it.

use std::io::Write;
use std::process::ExitCode;

use super::{connect, io, load};
use crate::args::{Cli, Command};
use crate::error::Result;

pub(crate) async fn run(cli: &Cli, out: &mut dyn Write) -> Result<ExitCode> {
    let Command::Showmigrations { apps } = &cli.command else {
        return Ok(ExitCode::from(2));
    };
    let migrations = load(cli)?;
    let db = connect(cli).await?;
    djorm_migrations::recorder::ensure_table(&db).await?;
    let applied = djorm_migrations::recorder::applied(&db).await?;
    let mut current = None;
    for m in &migrations {
        if !apps.is_empty() && !apps.contains(&m.app) {
            continue;
        }
        if current != Some(&m.app) {
            writeln!(out, "{}", m.app).map_err(io)?;
            current = Some(&m.app);
        }
        let mark = if applied.contains(&(m.app.clone(), m.name.clone())) { "X" } else { " " };
        writeln!(out, " [{mark}] {}", m.name).map_err(io)?;
    }
    if current.is_none() {
        writeln!(out, "(no migrations)").map_err(io)?;
    }
    Ok(ExitCode::SUCCESS)
}

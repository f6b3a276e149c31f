//! `squashmigrations`: one migration that replaces an app's first ones.

use std::io::Write;
use std::process::ExitCode;

use super::{find, io, load};
use crate::args::{Cli, Command};
use crate::error::Result;

pub(crate) fn run(cli: &Cli, out: &mut dyn Write) -> Result<ExitCode> {
    let Command::Squashmigrations { app, upto, squashed_name } = &cli.command else {
        return Ok(ExitCode::from(2));
    };
    let migrations = load(cli)?;
    let upto = find(&migrations, app, upto)?.name.clone();
    let squashed = djorm_migrations::loader::squash(&migrations, app, &upto, squashed_name.as_deref())?;
    let path = djorm_migrations::writer::write(&cli.dir, &squashed)?;
    writeln!(out, "Created new squashed migration {}", path.display()).map_err(io)?;
    writeln!(
        out,
        "  It replaces {} migration(s); once every database has applied it, the originals can be deleted.",
        squashed.replaces.len()
    )
    .map_err(io)?;
    Ok(ExitCode::SUCCESS)
}

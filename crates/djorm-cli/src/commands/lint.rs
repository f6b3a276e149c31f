//! `lint`: flags backward-incompatible and locking operations; exits 1 on findings.

use std::io::Write;
use std::process::ExitCode;

use super::{io, load};
use crate::args::{Cli, Command};
use crate::error::Result;

pub(crate) fn run(cli: &Cli, out: &mut dyn Write) -> Result<ExitCode> {
    let Command::Lint { vendor } = &cli.command else {
        return Ok(ExitCode::from(2));
    };
    let migrations = load(cli)?;
    // One backend's checks, or every linked backend's (the strictest) by default.
    let features: Vec<&djorm::sql::Features> = match vendor {
        Some(name) => vec![djorm::backend::backend_named(name)?.features],
        None => djorm::backend::registered_backends().iter().map(|b| b.features).collect(),
    };
    let findings = djorm_migrations::linter::lint(&migrations, &features)?;
    for f in &findings {
        writeln!(out, "{f}").map_err(io)?;
    }
    if findings.is_empty() {
        writeln!(out, "{} migrations checked: no unsafe operation.", migrations.len()).map_err(io)?;
        Ok(ExitCode::SUCCESS)
    } else {
        writeln!(
            out,
            "{} unsafe operation(s); review them, then list their index in the migration's lint_allow.",
            findings.len()
        )
        .map_err(io)?;
        Ok(ExitCode::from(1))
    }
}

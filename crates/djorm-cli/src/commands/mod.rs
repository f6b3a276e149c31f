//! One module per command.

mod check;
mod dbshell;
mod dbstatus;
mod fixtures;
mod graph_models;
mod inspectdb;
mod lint;
mod makemigrations;
mod migrate;
mod shell;
mod showmigrations;
mod sqlmigrate;
mod squashmigrations;

use std::io::Write;
use std::process::ExitCode;

use djorm::Db;
use djorm_migrations::Migration;

use crate::args::{Cli, Command};
use crate::error::{CommandError, Result};
use crate::Project;

/// The database of `--database`, or the environment's set of databases (its `default`, with
/// the other aliases and `DJORM_READ_REPLICAS`' router, see `djorm::databases_from_env`);
/// `TIME_ZONE` from the environment either way.
pub(crate) async fn connect(cli: &Cli) -> Result<Db> {
    djorm::timezone::set_default_from_env()?;
    match &cli.database {
        Some(target) => Ok(djorm::DatabaseConfig::from_url_or_alias(target)?.connect().await?),
        None => Ok(djorm::databases_from_env().await?.build()?),
    }
}

pub(crate) fn load(cli: &Cli) -> Result<Vec<Migration>> {
    Ok(djorm_migrations::loader::load(&cli.dir)?)
}

/// The project state the migration files describe (squashed ones standing in for what they
/// replace), replayed in dependency order.
pub(crate) fn state_of(migrations: &[Migration]) -> Result<djorm_migrations::ProjectState> {
    let effective = djorm_migrations::loader::effective(migrations);
    let ordered = djorm_migrations::loader::ordered(&effective)?;
    Ok(djorm_migrations::replay(ordered.iter().copied())?)
}

/// Finds a migration by full name or unique prefix, as Django does.
pub(crate) fn find<'a>(migrations: &'a [Migration], app: &str, name: &str) -> Result<&'a Migration> {
    let matches: Vec<&Migration> = migrations.iter().filter(|m| m.app == app && m.name.starts_with(name)).collect();
    match matches.as_slice() {
        [one] => Ok(one),
        [] => Err(CommandError::Usage(format!("Cannot find a migration matching '{name}' from app '{app}'."))),
        many => Err(CommandError::Usage(format!(
            "More than one migration matches '{name}' in app '{app}': {}. Please be more specific.",
            many.iter().map(|m| m.name.as_str()).collect::<Vec<_>>().join(", ")
        ))),
    }
}

pub(crate) async fn dispatch(cli: Cli, project: &Project, out: &mut dyn Write) -> Result<ExitCode> {
    match &cli.command {
        Command::Makemigrations { .. } => makemigrations::run(&cli, project, out),
        Command::Migrate { .. } => migrate::run(&cli, project, out).await,
        Command::Sqlmigrate { .. } => sqlmigrate::run(&cli, out).await,
        Command::Showmigrations { .. } => showmigrations::run(&cli, out).await,
        Command::Squashmigrations { .. } => squashmigrations::run(&cli, out),
        Command::Lint { .. } => lint::run(&cli, out),
        Command::Shell { .. } => shell::run(&cli, project, out).await,
        Command::Dbshell => dbshell::run(&cli),
        Command::Dbstatus => dbstatus::run(&cli, out).await,
        Command::Dbbackup { output } => {
            connect(&cli).await?.backup_to(output).await?;
            writeln!(out, "Backed up to {}", output.display()).map_err(io)?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Check { .. } => check::run(&cli, project, out).await,
        Command::Dumpdata { .. } => fixtures::dumpdata(&cli, project, out).await,
        Command::Loaddata { .. } => fixtures::loaddata(&cli, project, out).await,
        Command::Flush { .. } => fixtures::flush(&cli, project, out).await,
        Command::Inspectdb { .. } => inspectdb::run(&cli, out).await,
        Command::GraphModels { .. } => graph_models::run(&cli, project, out),
        Command::Installed(args) => installed(&cli, args, out).await,
    }
}

/// A command an installed app added (`djorm_auth::install()` adds `createsuperuser` and
/// `changepassword`), or Django's "Unknown command".
async fn installed(cli: &Cli, args: &[String], out: &mut dyn Write) -> Result<ExitCode> {
    let name = args.first().map(String::as_str).unwrap_or_default();
    let Some(command) = djorm::apps::installed_command(name) else {
        let known: Vec<&str> = djorm::apps::installed_commands().iter().map(|c| c.name).collect();
        let hint =
            if known.is_empty() { String::new() } else { format!(" (installed apps add: {})", known.join(", ")) };
        return Err(CommandError::Usage(format!("Unknown command: '{name}'. Type 'djorm --help' for usage.{hint}")));
    };
    let db = connect(cli).await?;
    let report = (command.run)(&db, &args[1..]).await.map_err(CommandError::Usage)?;
    for line in report {
        writeln!(out, "{line}").map_err(io)?;
    }
    Ok(ExitCode::SUCCESS)
}

pub(crate) fn io(e: std::io::Error) -> CommandError {
    CommandError::Output(e)
}

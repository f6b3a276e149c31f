//! The `djorm` command line, and `manage()` for an app's own binary (Django's `manage.py`).
//!
//! Commands that need the models (`makemigrations`) run inside the app binary, where the
//! models are linked in; the others (`migrate`, `sqlmigrate`, `showmigrations`, `lint`) need only
//! the migration files and the database, so the standalone `djorm` binary runs them too.
//! One file per command under `commands/`.

mod advice;
mod args;
mod commands;
mod error;
pub mod inspect;
mod progress;
pub mod shell;

use std::io::Write;
use std::process::ExitCode;

pub use args::Cli;
// The MySQL and MariaDB backend registers itself: linking it is all the command line needs.
use clap::{CommandFactory, FromArgMatches};
use djorm::ModelMeta;
pub use djorm_migrations::executor::CodeRegistry;
use djorm_mysql as _;

/// What a command runs with: the app's models (none for the standalone binary) and its
/// registered data-migration functions.
#[derive(Debug, Default, Clone)]
pub struct Project {
    /// The models `makemigrations` compares with the files; `None` outside an app binary.
    pub models: Option<Vec<&'static ModelMeta>>,
    /// Functions `RunCode` operations call, by name.
    pub code: CodeRegistry,
}

impl Project {
    /// An app binary's project: every model linked into it.
    pub fn from_registry() -> Self {
        Project { models: Some(djorm::apps::registered_models()), ..Project::default() }
    }
}

/// Runs one command line (`args` without the program name) and writes its report, errors
/// included, to `out`. Returns the process exit code: 0 on success, 1 for `--check`/`lint`
/// findings, 2 for errors.
pub async fn run(args: &[String], project: &Project, out: &mut dyn Write) -> ExitCode {
    run_reporting(args, project, out, None).await
}

/// Like [`run`], with errors (a `CommandError` and its hint, a mistake in the command line)
/// written to `errors` instead, as Django's commands write them to stderr: what the `manage`
/// binaries do, so a command's output piped to a file or another program never holds its
/// error.
pub async fn run_split(args: &[String], project: &Project, out: &mut dyn Write, errors: &mut dyn Write) -> ExitCode {
    run_reporting(args, project, out, Some(errors)).await
}

/// Runs the command; errors go to `errors`, or to `out` when there is none.
async fn run_reporting(
    args: &[String],
    project: &Project,
    out: &mut dyn Write,
    mut errors: Option<&mut dyn Write>,
) -> ExitCode {
    let mut argv = vec!["djorm".to_owned()];
    argv.extend(args.iter().cloned());
    let cli = match installed_commands_help(Cli::command()).try_get_matches_from(argv) {
        Ok(matches) => match Cli::from_arg_matches(&matches) {
            Ok(cli) => cli,
            Err(e) => {
                let _ = match errors.as_deref_mut() {
                    Some(errors) => write!(errors, "{e}"),
                    None => write!(out, "{e}"),
                };
                return ExitCode::from(2);
            }
        },
        // `--help` and `--version` are output, not errors (clap says which).
        Err(e) if !e.use_stderr() => {
            let _ = write!(out, "{e}");
            return ExitCode::SUCCESS;
        }
        Err(e) => {
            let _ = match errors.as_deref_mut() {
                Some(errors) => write!(errors, "{e}"),
                None => write!(out, "{e}"),
            };
            return ExitCode::from(2);
        }
    };
    match commands::dispatch(cli, project, out).await {
        Ok(code) => code,
        Err(e) => {
            match errors {
                Some(errors) => report(errors, &e),
                None => report(out, &e),
            }
            ExitCode::from(2)
        }
    }
}

/// Writes a command's error as Django does (`CommandError: …`), with the next step to take
/// when one is known.
fn report(errors: &mut dyn Write, e: &error::CommandError) {
    let _ = writeln!(errors, "CommandError: {e}");
    if let Some(step) = e.djorm().and_then(advice::next_step) {
        let _ = writeln!(errors, "HINT: {step}");
    }
}

/// The help lists the commands installed apps add (`createsuperuser`, `changepassword`), as
/// Django's `manage.py help` lists each app's.
fn installed_commands_help(command: clap::Command) -> clap::Command {
    let installed = djorm::apps::installed_commands();
    if installed.is_empty() {
        return command;
    }
    let lines: Vec<String> = installed.iter().map(|c| format!("  {:<18}{}", c.name, c.about)).collect();
    command.after_help(format!("Commands of installed apps:\n{}", lines.join("\n")))
}

/// Like [`manage`], with the models listed explicitly (the safest way: the linker cannot drop
/// models the binary names).
pub async fn manage_with(models: Vec<&'static ModelMeta>, code: CodeRegistry) -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let project = Project { models: Some(models), code };
    run_split(&args, &project, &mut std::io::stdout(), &mut std::io::stderr()).await
}

/// The entry point of an app's `manage` binary: every linked model, plus `code` for RunCode.
///
/// ```no_run
/// #[tokio::main]
/// async fn main() -> std::process::ExitCode {
///     djorm_cli::manage(djorm_cli::CodeRegistry::default()).await
/// }
/// ```
pub async fn manage(code: CodeRegistry) -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let project = Project { code, ..Project::from_registry() };
    run_split(&args, &project, &mut std::io::stdout(), &mut std::io::stderr()).await
}

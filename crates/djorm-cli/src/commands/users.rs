//! `createsuperuser` and `changepassword` (djorm-auth's, on the project's user model).

use std::io::Write;
use std::process::ExitCode;

use djorm_auth::commands::{Console, SuperuserOptions, Terminal};

use super::{connect, io};
use crate::args::{Cli, Command};
use crate::error::{CommandError, Result};
use crate::Project;

/// The terminal when a person is there; otherwise answers go to the command's report and
/// nothing can be asked.
struct CliConsole {
    terminal: Terminal,
    report: Vec<String>,
}

impl Console for CliConsole {
    fn out(&mut self, line: &str) {
        if self.terminal.is_interactive() {
            self.terminal.out(line);
        } else {
            self.report.push(line.to_owned());
        }
    }

    fn err(&mut self, line: &str) {
        self.terminal.err(line);
    }

    fn input(&mut self, prompt: &str) -> std::io::Result<String> {
        self.terminal.input(prompt)
    }

    fn secret(&mut self, prompt: &str) -> std::io::Result<String> {
        self.terminal.secret(prompt)
    }

    fn is_interactive(&self) -> bool {
        self.terminal.is_interactive()
    }
}

pub(crate) async fn run(cli: &Cli, project: &Project, out: &mut dyn Write) -> Result<ExitCode> {
    let db = connect(cli).await?;
    let mut console = CliConsole { terminal: Terminal, report: Vec::new() };
    let outcome = match &cli.command {
        Command::Createsuperuser { username, email, no_input } => {
            let options = SuperuserOptions { username: username.clone(), email: email.clone(), no_input: *no_input };
            (project.users.createsuperuser)(&db, &options, &mut console).await.map(|()| None)
        }
        Command::Changepassword { username } => {
            (project.users.changepassword)(&db, username.as_deref(), &mut console).await.map(Some)
        }
        _ => return Ok(ExitCode::from(2)),
    };
    for line in &console.report {
        writeln!(out, "{line}").map_err(io)?;
    }
    match outcome {
        Ok(Some(done)) => {
            writeln!(out, "{done}").map_err(io)?;
            Ok(ExitCode::SUCCESS)
        }
        Ok(None) => Ok(ExitCode::SUCCESS),
        Err(e) => Err(CommandError::Usage(e.0)),
    }
}

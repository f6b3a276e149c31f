//! `makemigrations`: diff the models against the files and write the next migrations.

use std::collections::BTreeMap;
use std::io::{IsTerminal, Write};
use std::process::ExitCode;

use djorm_migrations::autodetector::{self, FieldRename, Questioner};
use djorm_migrations::{loader, writer, Migration, ProjectState};

use super::{io, load};
use crate::args::{Cli, Command};
use crate::error::{CommandError, Result};
use crate::Project;

/// The longest `--name` taken: file systems keep 255 bytes a name, and the number and the
/// `.toml` come on top.
const MAX_NAME: usize = 100;

fn parse_rename(spec: &str) -> Result<FieldRename> {
    let bad = || CommandError::Usage(format!("--rename takes app.Model.old=new, got '{spec}'"));
    let (path, new) = spec.split_once('=').ok_or_else(bad)?;
    let (model, old) = path.rsplit_once('.').ok_or_else(bad)?;
    if !model.contains('.') {
        return Err(bad());
    }
    Ok(FieldRename { model: model.to_owned(), old: old.to_owned(), new: new.to_owned() })
}

/// `--merge`: one migration per conflicted app, depending on every latest one.
fn write_merges(cli: &Cli, existing: &[Migration], out: &mut dyn Write) -> Result<ExitCode> {
    let conflicts = loader::conflicts(existing);
    if conflicts.is_empty() {
        writeln!(out, "No conflicts detected to merge.").map_err(io)?;
        return Ok(ExitCode::SUCCESS);
    }
    for (app, mut leaves) in conflicts {
        leaves.sort();
        let number = existing
            .iter()
            .filter(|m| m.app == app)
            .filter_map(|m| m.name.get(..4).and_then(|n| n.parse::<u32>().ok()))
            .max()
            .unwrap_or(0)
            + 1;
        let migration = Migration {
            app: app.clone(),
            name: format!("{number:04}_merge_{}", leaves.join("_")),
            dependencies: leaves.iter().map(|l| (app.clone(), l.clone())).collect(),
            atomic: true,
            lint_allow: Vec::new(),
            replaces: Vec::new(),
            operations: Vec::new(),
        };
        let path = writer::write(&cli.dir, &migration)?;
        writeln!(out, "Created new merge migration {}", path.display()).map_err(io)?;
    }
    Ok(ExitCode::SUCCESS)
}

pub(crate) fn run(cli: &Cli, project: &Project, out: &mut dyn Write) -> Result<ExitCode> {
    let Command::Makemigrations { apps, name, empty, dry_run, check, merge, renames, model_renames, no_input } =
        &cli.command
    else {
        return Ok(ExitCode::from(2));
    };
    let Some(models) = &project.models else {
        return Err(CommandError::Usage(
            "makemigrations needs the models: run it from your app's manage binary (djorm_cli::manage)".into(),
        ));
    };
    if let Some(name) = name.as_deref().filter(|n| !djorm_migrations::loader::is_identifier(n)) {
        // Django's own words (makemigrations --name); the name also becomes a file name.
        return Err(CommandError::Usage(format!(
            "The migration name must be a valid Python identifier. ('{}' is not)",
            name.escape_debug()
        )));
    }
    if let Some(name) = name.as_deref().filter(|n| n.len() > MAX_NAME) {
        return Err(CommandError::Usage(format!(
            "The migration name is {} bytes long; keep it to {MAX_NAME} (it becomes part of a file name)",
            name.len()
        )));
    }
    let existing = load(cli)?;
    if *merge {
        return write_merges(cli, &existing, out);
    }
    if let Some((app, leaves)) = loader::conflicts(&existing).first() {
        return Err(CommandError::Usage(format!(
            "Conflicting migrations detected; multiple leaf nodes in the migration graph: ({} in {app}).",
            leaves.join(", ")
        )));
    }
    let from = super::state_of(&existing)?;
    let mut to = ProjectState::from_metas(models);
    if !apps.is_empty() {
        // Only the named apps change; the others keep the state the files give them.
        to.models.retain(|_, m| apps.contains(&m.app));
        for (label, m) in &from.models {
            if !apps.contains(&m.app) {
                to.models.insert(label.clone(), m.clone());
            }
        }
    }
    let leaves: BTreeMap<String, String> =
        loader::leaves(&existing).into_iter().filter_map(|(app, mut l)| l.pop().map(|n| (app, n))).collect();
    let changes = if *empty {
        apps.iter().map(|a| (a.clone(), Vec::new())).collect()
    } else {
        let model_renames = model_renames
            .iter()
            .map(|spec| {
                let (model, new_name) = spec
                    .split_once('=')
                    .filter(|(m, _)| m.contains('.'))
                    .ok_or_else(|| CommandError::Usage(format!("--rename-model takes app.Old=New, got '{spec}'")))?;
                Ok(autodetector::ModelRename { model: model.to_owned(), new_name: new_name.to_owned() })
            })
            .collect::<Result<_>>()?;
        let ask: Option<autodetector::Ask> = (!*no_input && !*check && std::io::stdin().is_terminal()).then(|| {
            let ask: autodetector::Ask = std::sync::Arc::new(|question: &str| {
                print!("{question} ");
                let _ = std::io::stdout().flush();
                let mut answer = String::new();
                std::io::stdin().read_line(&mut answer).is_ok() && matches!(answer.trim(), "y" | "Y" | "yes")
            });
            ask
        });
        let questioner =
            Questioner { renames: renames.iter().map(|r| parse_rename(r)).collect::<Result<_>>()?, model_renames, ask };
        autodetector::changes(&from, &to, &questioner)?
    };
    let mut migrations: Vec<Migration> = autodetector::arrange(changes, &leaves, name.as_deref());
    if *empty {
        migrations.retain(|m| apps.contains(&m.app));
    }
    if migrations.is_empty() {
        writeln!(out, "No changes detected").map_err(io)?;
        return Ok(ExitCode::SUCCESS);
    }
    for m in &migrations {
        writeln!(out, "Migrations for '{}':", m.app).map_err(io)?;
        writeln!(out, "  {}", writer::path(&cli.dir, m).display()).map_err(io)?;
        for op in &m.operations {
            writeln!(out, "    - {}", op.describe()).map_err(io)?;
        }
        if !*check && !*dry_run {
            writer::write(&cli.dir, m)?;
        }
    }
    Ok(if *check { ExitCode::from(1) } else { ExitCode::SUCCESS })
}

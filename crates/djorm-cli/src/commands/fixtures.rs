//! `dumpdata`, `loaddata` and `flush`, as Django's: fixtures in Django's JSON format (see
//! `djorm::fixtures`), and every row of the project's models deleted (asking first).

use std::io::Write;
use std::process::ExitCode;

use super::{connect, io};
use crate::args::{Cli, Command};
use crate::error::{CommandError, Result};
use crate::progress::Bar;
use crate::Project;

fn models(cli: &Cli, project: &Project) -> Result<Vec<&'static djorm::ModelMeta>> {
    match project.models.clone() {
        Some(models) => Ok(models),
        None => super::shell::models_from_migrations(cli),
    }
}

/// The models `labels` name (`blog`, `blog.Post`), all when none, in Django's order (app, model).
fn selected(models: Vec<&'static djorm::ModelMeta>, labels: &[String]) -> Result<Vec<&'static djorm::ModelMeta>> {
    let mut chosen: Vec<_> = models
        .into_iter()
        .filter(|m| {
            labels.is_empty()
                || labels
                    .iter()
                    .any(|l| l == m.app_label || l.eq_ignore_ascii_case(&format!("{}.{}", m.app_label, m.object_name)))
        })
        .collect();
    if chosen.is_empty() && !labels.is_empty() {
        return Err(CommandError::Usage(format!("No installed app or model with label '{}'.", labels.join(", "))));
    }
    chosen.sort_by_key(|m| (m.app_label, m.object_name));
    Ok(chosen)
}

pub(crate) async fn dumpdata(cli: &Cli, project: &Project, out: &mut dyn Write) -> Result<ExitCode> {
    let Command::Dumpdata { labels, output, indent } = &cli.command else { return Ok(ExitCode::from(2)) };
    let chosen = selected(models(cli, project)?, labels)?;
    let db = connect(cli).await?;
    let fixture = djorm::fixtures::dump(&db, &chosen).await?;
    let text = match indent {
        Some(_) => serde_json::to_string_pretty(&fixture),
        None => serde_json::to_string(&fixture),
    }
    .map_err(|e| CommandError::Usage(e.to_string()))?;
    match output {
        Some(path) => std::fs::write(path, text).map_err(io)?,
        None => writeln!(out, "{text}").map_err(io)?,
    }
    Ok(ExitCode::SUCCESS)
}

pub(crate) async fn loaddata(cli: &Cli, project: &Project, out: &mut dyn Write) -> Result<ExitCode> {
    let Command::Loaddata { files } = &cli.command else { return Ok(ExitCode::from(2)) };
    let all = models(cli, project)?;
    let db = connect(cli).await?;
    let mut total = 0;
    for file in files {
        let text = std::fs::read_to_string(file).map_err(io)?;
        let fixture: serde_json::Value = serde_json::from_str(&text)
            .map_err(|e| CommandError::Usage(format!("Problem installing fixture '{}': {e}", file.display())))?;
        // On a terminal, a bar per fixture file: objects loaded of the file's total.
        let objects = fixture.as_array().map_or(0, Vec::len) as u64;
        let bar = Bar::new(objects, !cli.no_progress);
        bar.message(file.display().to_string());
        total += djorm::fixtures::load_reporting(&db, &all, &fixture, |_, _| bar.inc()).await?;
    }
    writeln!(out, "Installed {total} object(s) from {} fixture(s)", files.len()).map_err(io)?;
    Ok(ExitCode::SUCCESS)
}

pub(crate) async fn flush(cli: &Cli, project: &Project, out: &mut dyn Write) -> Result<ExitCode> {
    let Command::Flush { no_input } = &cli.command else { return Ok(ExitCode::from(2)) };
    let all = models(cli, project)?;
    if !no_input {
        eprint!("This will delete every row of {} model(s). Type 'yes' to continue: ", all.len());
        let mut answer = String::new();
        std::io::stdin().read_line(&mut answer).map_err(io)?;
        if answer.trim() != "yes" {
            writeln!(out, "Flush cancelled.").map_err(io)?;
            return Ok(ExitCode::FAILURE);
        }
    }
    let db = connect(cli).await?;
    // Automatic join tables first, then the models' tables; keys are checked at commit.
    let mut tables: Vec<String> = Vec::new();
    for model in &all {
        for m2m in model.many_to_many.iter().filter(|m| m.through.is_none()) {
            tables.push(djorm::relations::join_table(model, m2m)?.table);
        }
    }
    tables.extend(all.iter().map(|m| m.db_table.to_owned()));
    db.atomic(|tx| async move {
        // Where keys are checked at each statement (MySQL), off while every row goes, as
        // Django's sql_flush does there.
        let checks = tx.dialect().constraint_checks_off();
        let statement = |sql: &str| djorm::sql::Compiled { sql: sql.to_owned(), params: Vec::new() };
        if let Some((off, _)) = checks {
            tx.execute(&statement(off)).await?;
        }
        let mut deleted = Ok(0);
        for table in tables {
            let delete = djorm::sql::Delete { table, filter: None };
            deleted = tx.execute(&tx.dialect().compile_delete(&delete)).await;
            if deleted.is_err() {
                break;
            }
        }
        if let Some((_, on)) = checks {
            tx.execute(&statement(on)).await?;
        }
        deleted.map(drop)
    })
    .await?;
    writeln!(out, "Deleted every row of {} model(s).", all.len()).map_err(io)?;
    Ok(ExitCode::SUCCESS)
}

//! `migrate`: apply or unapply migrations, one transaction each, under the migration lock.

use std::io::Write;
use std::process::ExitCode;

use djorm_migrations::executor::{self, Options, Progress, Target};

use super::{connect, find, io, load};
use crate::args::{Cli, Command};
use crate::error::Result;
use crate::progress::Bar;
use crate::Project;

pub(crate) async fn run(cli: &Cli, project: &Project, out: &mut dyn Write) -> Result<ExitCode> {
    let Command::Migrate { app, target, plan, fake, fake_initial, backup_to } = &cli.command else {
        return Ok(ExitCode::from(2));
    };
    let migrations = load(cli)?;
    let target = match (app, target) {
        (None, _) => Target::Latest,
        (Some(app), None) => Target::App(app.clone()),
        (Some(app), Some(t)) if t == "zero" => Target::Zero(app.clone()),
        (Some(app), Some(t)) => Target::To(app.clone(), find(&migrations, app, t)?.name.clone()),
    };
    let db = connect(cli).await?;
    if *plan {
        djorm_migrations::recorder::ensure_table(&db).await?;
        let applied = djorm_migrations::recorder::applied(&db).await?;
        executor::check_consistency(&migrations, &applied)?;
        let steps = executor::plan(&migrations, &applied, &target)?;
        writeln!(out, "Planned operations:").map_err(io)?;
        if steps.is_empty() {
            writeln!(out, "  No planned migration operations.").map_err(io)?;
        }
        for step in steps {
            write!(out, "{step}").map_err(io)?;
        }
        return Ok(ExitCode::SUCCESS);
    }
    if let Some(path) = backup_to {
        db.backup_to(path).await?;
        writeln!(out, "Backed up to {}", path.display()).map_err(io)?;
    }
    writeln!(out, "Operations to perform:").map_err(io)?;
    match &target {
        Target::Latest => writeln!(out, "  Apply all migrations: {}", apps(&migrations)),
        Target::App(app) => writeln!(out, "  Apply all migrations: {app}"),
        Target::To(app, name) => writeln!(out, "  Target specific migration: {name}, from {app}"),
        Target::Zero(app) => writeln!(out, "  Unapply all migrations: {app}"),
    }
    .map_err(io)?;
    writeln!(out, "Running migrations:").map_err(io)?;
    if !db.dialect().features().supports_transactional_ddl {
        // As Django runs migrations on MySQL: no transaction could undo DDL there.
        writeln!(
            out,
            "  ({} commits schema changes as they run: each migration runs statement by statement, \
             and one that fails partway leaves the statements before it applied and is not recorded.)",
            db.vendor()
        )
        .map_err(io)?;
    }
    let options = Options { fake: *fake, fake_initial: *fake_initial };
    // Each step is reported as it starts and ends, as Django's migrate does: a failure shows
    // which migrations were applied before it. On a terminal a progress bar shows the rest.
    let mut bar: Option<Bar> = None;
    let mut unfinished = false;
    let mut written: std::io::Result<()> = Ok(());
    let mut report = |progress: Progress<'_>| {
        let result = match progress {
            Progress::Starting { step, total, .. } => {
                let bar = bar.get_or_insert_with(|| Bar::new(total as u64, !cli.no_progress));
                bar.message(line(step));
                unfinished = true;
                if bar.shown() {
                    Ok(())
                } else {
                    write!(out, "  {}...", line(step)).and_then(|()| out.flush())
                }
            }
            Progress::Done { step } => {
                let suffix = if step.faked { " FAKED" } else { " OK" };
                unfinished = false;
                match &bar {
                    Some(bar) if bar.shown() => {
                        bar.inc();
                        bar.suspend(|| writeln!(out, "  {}...{suffix}", line(step)))
                    }
                    _ => writeln!(out, "{suffix}"),
                }
            }
        };
        if written.is_ok() {
            written = result;
        }
    };
    let migrated = executor::migrate_reporting(&db, &migrations, &target, &options, &project.code, &mut report).await;
    drop(bar);
    if unfinished {
        // The step that failed: end its line before the error is printed.
        writeln!(out).map_err(io)?;
    }
    written.map_err(io)?;
    if migrated?.is_empty() {
        writeln!(out, "  No migrations to apply.").map_err(io)?;
    }
    // Django's post_migrate: linked apps (djorm-auth's permissions) finish their work.
    let models = project.models.clone().unwrap_or_else(djorm::apps::registered_models);
    djorm::apps::post_migrate(&db, &models).await?;
    Ok(ExitCode::SUCCESS)
}

/// `Applying blog.0001_initial` (or `Unapplying ...`).
fn line(step: &executor::Step) -> String {
    let verb = if step.backwards { "Unapplying" } else { "Applying" };
    format!("{verb} {}.{}", step.migration.app, step.migration.name)
}

fn apps(migrations: &[djorm_migrations::Migration]) -> String {
    let mut apps: Vec<&str> = migrations.iter().map(|m| m.app.as_str()).collect();
    apps.dedup();
    apps.join(", ")
}

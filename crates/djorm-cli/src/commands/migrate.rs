//! `migrate`: apply or unapply migrations, one transaction each, under the migration lock.

use std::io::Write;
use std::process::ExitCode;

use djorm_migrations::executor::{self, Options, Target};

use super::{connect, find, io, load};
use crate::args::{Cli, Command};
use crate::error::Result;
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
    let options = Options { fake: *fake, fake_initial: *fake_initial };
    let steps = executor::migrate(&db, &migrations, &target, &options, &project.code).await?;
    if steps.is_empty() {
        writeln!(out, "  No migrations to apply.").map_err(io)?;
    }
    for step in &steps {
        let verb = if step.backwards { "Unapplying" } else { "Applying" };
        let suffix = if step.faked { " FAKED" } else { " OK" };
        writeln!(out, "  {verb} {}.{}...{suffix}", step.migration.app, step.migration.name).map_err(io)?;
    }
    // Django's post_migrate: linked apps (djorm-auth's permissions) finish their work.
    let models = project.models.clone().unwrap_or_else(djorm::apps::registered_models);
    djorm::apps::post_migrate(&db, &models).await?;
    Ok(ExitCode::SUCCESS)
}

fn apps(migrations: &[djorm_migrations::Migration]) -> String {
    let mut apps: Vec<&str> = migrations.iter().map(|m| m.app.as_str()).collect();
    apps.dedup();
    apps.join(", ")
}

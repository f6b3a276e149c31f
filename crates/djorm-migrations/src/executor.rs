//! The executor: plans which migrations to apply or unapply, and runs each in one
//! transaction (where the database allows) together with its record, under the migration
//! lock, so two deploys started together apply every migration exactly once.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use djorm_core::Db;
use djorm_sql::{Compiled, Expr, Select, SelectItem};
use futures_util::future::BoxFuture;

use crate::error::{MigrationError, Result};
use crate::loader::{ordered, Key};
use crate::{editor, recorder, Migration, Operation, ProjectState};

/// A Rust function a `RunCode` operation runs, registered by name.
pub type CodeFn = Arc<dyn Fn(Db) -> BoxFuture<'static, djorm_core::Result<()>> + Send + Sync>;

/// The `RunCode` functions of the app binary, by name.
#[derive(Clone, Default)]
pub struct CodeRegistry {
    functions: BTreeMap<String, CodeFn>,
}

impl std::fmt::Debug for CodeRegistry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.functions.keys()).finish()
    }
}

impl CodeRegistry {
    /// Registers `function` under `name`, for `RunCode { code = "name" }`.
    pub fn register(
        &mut self,
        name: &str,
        function: impl Fn(Db) -> BoxFuture<'static, djorm_core::Result<()>> + Send + Sync + 'static,
    ) {
        self.functions.insert(name.to_owned(), Arc::new(function));
    }

    fn get(&self, name: &str) -> Result<CodeFn> {
        self.functions.get(name).cloned().ok_or_else(|| MigrationError::MissingFunction(name.to_owned()))
    }
}

/// Where `migrate` should go.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// Every migration of every app.
    Latest,
    /// Every migration of one app (and what it depends on).
    App(String),
    /// One app, forwards or backwards to this migration.
    To(String, String),
    /// One app, all the way back (`migrate app zero`).
    Zero(String),
}

/// One step of a plan.
#[derive(Debug, Clone)]
pub struct Step {
    /// The migration.
    pub migration: Migration,
    /// True when it is unapplied.
    pub backwards: bool,
    /// Recorded without running (`--fake`, or `--fake-initial` finding its tables): Django's
    /// "FAKED".
    pub faked: bool,
}

impl std::fmt::Display for Step {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        writeln!(
            f,
            "{}.{}{}",
            self.migration.app,
            self.migration.name,
            if self.backwards { " (unapply)" } else { "" }
        )?;
        for op in &self.migration.operations {
            writeln!(f, "    {}{}", if self.backwards { "Undo " } else { "" }, op.describe())?;
        }
        Ok(())
    }
}

/// Options of `migrate`.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// Record without running (Django's `--fake`).
    pub fake: bool,
    /// Record an initial migration whose tables already exist (Django's `--fake-initial`).
    pub fake_initial: bool,
}

fn key(m: &Migration) -> Key {
    (m.app.clone(), m.name.clone())
}

/// Checks the recorded history against the files before anything runs.
pub fn check_consistency(migrations: &[Migration], applied: &BTreeSet<Key>) -> Result<()> {
    // A squashed migration vouches for the files it replaces (they may be deleted).
    let known: BTreeSet<Key> =
        migrations.iter().map(key).chain(migrations.iter().flat_map(|m| m.replaces.iter().cloned())).collect();
    for (app, name) in applied {
        if !known.contains(&(app.clone(), name.clone())) {
            return Err(MigrationError::InconsistentHistory(format!(
                "Migration {app}.{name} is applied in the database but its file is missing; restore it before migrating"
            )));
        }
    }
    for m in migrations.iter().filter(|m| m.replaces.is_empty()) {
        if applied.contains(&key(m)) {
            for dep in &m.dependencies {
                if !applied.contains(dep) {
                    return Err(MigrationError::InconsistentHistory(format!(
                        "Migration {}.{} is applied before its dependency {}.{}",
                        m.app, m.name, dep.0, dep.1
                    )));
                }
            }
        }
    }
    let conflicts = crate::loader::conflicts(migrations);
    if let Some((app, leaves)) = conflicts.first() {
        return Err(MigrationError::Conflict { app: app.clone(), leaves: leaves.join(", ") });
    }
    Ok(())
}

/// The steps that bring `applied` to `target`.
pub fn plan(migrations: &[Migration], applied: &BTreeSet<Key>, target: &Target) -> Result<Vec<Step>> {
    let order = ordered(migrations)?;
    let forward = |wanted: &dyn Fn(&Migration) -> bool| -> Vec<Step> {
        // A wanted migration pulls in its dependencies.
        let mut needed: BTreeSet<Key> = order.iter().filter(|m| wanted(m)).map(|m| key(m)).collect();
        for m in order.iter().rev() {
            if needed.contains(&key(m)) {
                needed.extend(m.dependencies.iter().cloned());
            }
        }
        order
            .iter()
            .filter(|m| needed.contains(&key(m)) && !applied.contains(&key(m)))
            .map(|m| Step { migration: (*m).clone(), backwards: false, faked: false })
            .collect()
    };
    let backward = |app: &str, keep: &dyn Fn(&Migration) -> bool| -> Vec<Step> {
        order
            .iter()
            .rev()
            .filter(|m| m.app == app && !keep(m) && applied.contains(&key(m)))
            .map(|m| Step { migration: (*m).clone(), backwards: true, faked: false })
            .collect()
    };
    Ok(match target {
        Target::Latest => forward(&|_| true),
        Target::App(app) => forward(&|m| &m.app == app),
        Target::Zero(app) => backward(app, &|_| false),
        Target::To(app, name) => {
            let position = order.iter().position(|m| &m.app == app && &m.name == name).ok_or_else(|| {
                MigrationError::UnknownMigration(format!("Cannot find a migration matching '{name}' from app '{app}'."))
            })?;
            if applied.contains(&(app.clone(), name.clone())) {
                let later: BTreeSet<Key> =
                    order[position + 1..].iter().filter(|m| &m.app == app).map(|m| key(m)).collect();
                backward(app, &|m| !later.contains(&key(m)))
            } else {
                let upto: BTreeSet<Key> = order[..=position].iter().filter(|m| &m.app == app).map(|m| key(m)).collect();
                forward(&|m| upto.contains(&key(m)))
            }
        }
    })
}

/// The project state before `target` (every migration ordered before it replayed).
fn state_before(migrations: &[Migration], target: &Migration) -> Result<ProjectState> {
    let order = ordered(migrations)?;
    let mut state = ProjectState::default();
    for m in order {
        if m.app == target.app && m.name == target.name {
            break;
        }
        for op in &m.operations {
            op.state_forwards(&mut state)?;
        }
    }
    Ok(state)
}

/// One piece of a migration's work: SQL to run together, or a Rust function.
enum Segment {
    Sql(Vec<String>),
    Code(String),
}

/// Which operations run on this database (Django's `allow_migrate` through the routers).
type Allow<'a> = &'a dyn Fn(&Migration, &Operation) -> bool;

fn segments(
    dialect: &dyn djorm_sql::Dialect,
    migrations: &[Migration],
    m: &Migration,
    backwards: bool,
    allow: Allow<'_>,
) -> Result<Vec<Segment>> {
    let mut state = state_before(migrations, m)?;
    let mut per_op = Vec::new();
    for op in &m.operations {
        let before = state.clone();
        op.state_forwards(&mut state)?;
        per_op.push((op, before, state.clone()));
    }
    let mut out: Vec<Segment> = Vec::new();
    let push_sql = |out: &mut Vec<Segment>, sql: Vec<String>| match out.last_mut() {
        Some(Segment::Sql(existing)) => existing.extend(sql),
        _ => out.push(Segment::Sql(sql)),
    };
    let steps: Box<dyn Iterator<Item = &(&Operation, ProjectState, ProjectState)>> =
        if backwards { Box::new(per_op.iter().rev()) } else { Box::new(per_op.iter()) };
    for (op, before, after) in steps.filter(|(op, _, _)| allow(m, op)) {
        match op {
            Operation::RunCode { code, reverse_code } => {
                let name = if backwards {
                    reverse_code.clone().ok_or_else(|| {
                        MigrationError::Irreversible(format!("Operation RunCode {code} is not reversible"))
                    })?
                } else {
                    code.clone()
                };
                out.push(Segment::Code(name));
            }
            _ => {
                let sql = if backwards {
                    editor::backwards(dialect, op, before, after)
                } else {
                    editor::forwards(dialect, op, before, after)
                }
                .map_err(|e| e.in_migration(&m.app, &m.name))?;
                push_sql(&mut out, sql);
            }
        }
    }
    Ok(out)
}

/// The SQL `migrate` runs for one migration (Django's `sqlmigrate`); RunCode steps appear as
/// comments.
pub fn sql_for(
    dialect: &dyn djorm_sql::Dialect,
    migrations: &[Migration],
    app: &str,
    name: &str,
    backwards: bool,
) -> Result<Vec<String>> {
    // A squashed migration runs in place of its originals; an original runs without them.
    let squashed = migrations.iter().any(|m| m.app == app && m.name == name && !m.replaces.is_empty());
    let migrations: Vec<Migration> = if squashed {
        crate::loader::effective(migrations)
    } else {
        migrations.iter().filter(|m| m.replaces.is_empty()).cloned().collect()
    };
    let migrations = migrations.as_slice();
    let m = migrations.iter().find(|m| m.app == app && m.name == name).ok_or_else(|| {
        MigrationError::UnknownMigration(format!("Cannot find a migration matching '{name}' from app '{app}'."))
    })?;
    Ok(segments(dialect, migrations, m, backwards, &|_, _| true)?
        .into_iter()
        .flat_map(|s| match s {
            Segment::Sql(sql) => sql,
            Segment::Code(code) => vec![format!("-- RunCode {code} (Rust, not SQL)")],
        })
        .collect())
}

async fn table_exists(db: &Db, table: &str) -> bool {
    let mut select = Select::from_table(table);
    select.columns = vec![SelectItem { expr: Expr::Const(true), alias: Some("a".into()) }];
    select.limit = Some(0);
    db.fetch(&db.dialect().compile_select(&select), &[]).await.is_ok()
}

/// Applies or unapplies `migrations` towards `target`, under the migration lock. Returns the
/// steps taken (a second process that waited for the lock finds nothing left to do).
pub async fn migrate(
    db: &Db,
    migrations: &[Migration],
    target: &Target,
    options: &Options,
    code: &CodeRegistry,
) -> Result<Vec<Step>> {
    migrate_reporting(db, migrations, target, options, code, &mut |_| {}).await
}

/// Where [`migrate_reporting`] is: a step about to run (with its place among all of them), or
/// one finished. Django's `migrate` prints "Applying x..." and "OK" at these two moments.
#[derive(Debug)]
pub enum Progress<'a> {
    /// `step` is the `index`-th (from 0) of `total` and starts now.
    Starting {
        /// The step.
        step: &'a Step,
        /// Its place.
        index: usize,
        /// How many steps the plan has.
        total: usize,
    },
    /// `step` is applied (or unapplied, or recorded as faked) and recorded.
    Done {
        /// The step.
        step: &'a Step,
    },
}

/// [`migrate`], telling `report` as each step starts and ends, so a long run shows where it
/// is and a failure shows which steps were applied before it.
pub async fn migrate_reporting(
    db: &Db,
    migrations: &[Migration],
    target: &Target,
    options: &Options,
    code: &CodeRegistry,
    report: &mut impl FnMut(Progress<'_>),
) -> Result<Vec<Step>> {
    let _lock = db.acquire_migration_lock().await?;
    recorder::ensure_table(db).await?;
    let recorded = recorder::applied(db).await?;
    check_consistency(migrations, &recorded)?;
    let (migrations, applied) = crate::loader::resolve_replacements(migrations, &recorded);
    let migrations = migrations.as_slice();
    let mut steps = plan(migrations, &applied, target)?;
    let total = steps.len();
    for (index, step) in steps.iter_mut().enumerate() {
        report(Progress::Starting { step, index, total });
        apply_step(db, migrations, step, options, code).await?;
        report(Progress::Done { step });
    }
    Ok(steps)
}

/// Applies (or unapplies, or records) one step of the plan.
async fn apply_step(
    db: &Db,
    migrations: &[Migration],
    step: &mut Step,
    options: &Options,
    code: &CodeRegistry,
) -> Result<()> {
    let dialect = db.dialect();
    {
        let m = &step.migration;
        // A squashed migration is recorded together with every migration it replaces.
        let names: Vec<(String, String)> =
            std::iter::once((m.app.clone(), m.name.clone())).chain(m.replaces.iter().cloned()).collect();
        let records: Vec<Compiled> =
            names.iter().flat_map(|(app, name)| recorder::records(dialect, app, name, step.backwards)).collect();
        let initial_done = options.fake_initial
            && !step.backwards
            && m.name.ends_with("_initial")
            && futures_util::future::join_all(m.operations.iter().filter_map(|op| match op {
                Operation::CreateModel { model } => Some(table_exists(db, &model.db_table)),
                _ => None,
            }))
            .await
            .into_iter()
            .all(|exists| exists);
        if options.fake || initial_done {
            step.faked = true;
            for record in &records {
                db.execute(record).await?;
            }
            return Ok(());
        }
        // An operation the routers keep off this database is skipped; the migration is still
        // recorded as applied, as Django records it.
        let allow = |m: &Migration, op: &Operation| db.allow_migrate(&m.app, op.model_name());
        let segments = segments(dialect, migrations, m, step.backwards, &allow)?;
        let last = segments.len().saturating_sub(1);
        let mut recorded = false;
        for (i, segment) in segments.into_iter().enumerate() {
            match segment {
                Segment::Code(name) => code.get(&name)?(db.clone()).await?,
                Segment::Sql(sql) => {
                    let mut statements: Vec<Compiled> =
                        sql.into_iter().map(|s| Compiled { sql: s, params: Vec::new() }).collect();
                    if i == last {
                        statements.extend(records.iter().cloned());
                        recorded = true;
                    }
                    // Where DDL cannot roll back, a transaction would promise what it cannot keep:
                    // statements run one by one, as for a migration marked non-atomic.
                    if m.atomic && db.dialect().features().supports_transactional_ddl {
                        db.execute_migration(&statements).await?;
                    } else {
                        for s in &statements {
                            db.execute(s).await?;
                        }
                    }
                }
            }
        }
        if !recorded {
            for record in &records {
                db.execute(record).await?;
            }
        }
    }
    Ok(())
}

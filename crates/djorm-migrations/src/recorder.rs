//! The recorder: which migrations ran, in the `djorm_migrations` table (and, for the apps whose
//! migrations are Django's own, in Django's `django_migrations` too).

use std::collections::BTreeSet;

use djorm_core::{Db, Result};
use djorm_sql::{
    BinOp, ColumnDef, ColumnType, Compiled, CreateTable, Delete, Dialect, Expr, Insert, Select, SelectItem, Value,
    ValueKind,
};

/// The recorder's table.
pub const TABLE: &str = "djorm_migrations";

/// Django's recorder table, shared for the apps whose migrations are Django's own.
pub const DJANGO_TABLE: &str = "django_migrations";

/// Whether `app`'s migrations are recorded in Django's table too (a linked
/// [`djorm_core::MigrationPackage`] says so: `djorm-auth`'s `auth` and `contenttypes`).
pub fn shares_django_history(app: &str) -> bool {
    djorm_core::migration_packages().iter().any(|p| p.app == app && p.django_history)
}

fn any_django_history() -> bool {
    djorm_core::migration_packages().iter().any(|p| p.django_history)
}

fn column(name: &str, ty: ColumnType, primary_key: bool) -> ColumnDef {
    ColumnDef {
        name: name.into(),
        ty,
        nullable: false,
        primary_key,
        unique: false,
        default: None,
        check: None,
        references: None,
    }
}

/// `CREATE TABLE IF NOT EXISTS djorm_migrations (...)`.
pub fn ensure_table_sql(dialect: &dyn Dialect) -> String {
    recorder_table_sql(dialect, TABLE, ColumnType::AutoBigInt)
}

/// A recorder table: `id`, `app`, `name`, `applied`, as Django's.
fn recorder_table_sql(dialect: &dyn Dialect, table: &str, id: ColumnType) -> String {
    dialect.compile_create_table(&CreateTable {
        name: table.into(),
        columns: vec![
            column("id", id, true),
            column("app", ColumnType::Varchar(255), false),
            column("name", ColumnType::Varchar(255), false),
            column("applied", ColumnType::TimestampTz, false),
        ],
        constraints: Vec::new(),
        if_not_exists: true,
    })
}

/// Creates the table if needed (and Django's, when a linked app shares Django's history).
pub async fn ensure_table(db: &Db) -> Result<()> {
    let mut script = vec![ensure_table_sql(db.dialect())];
    if any_django_history() {
        script.push(recorder_table_sql(db.dialect(), DJANGO_TABLE, ColumnType::AutoInt));
    }
    db.execute_script(&script).await
}

/// The applied migrations, as `(app, name)`: djorm's records, and Django's for the apps that
/// share Django's history.
pub async fn applied(db: &Db) -> Result<BTreeSet<(String, String)>> {
    let mut out = applied_in(db, TABLE).await?;
    if any_django_history() {
        // Django's table may not be there (a database djorm made before the app was linked).
        if let Ok(django) = applied_in(db, DJANGO_TABLE).await {
            out.extend(django.into_iter().filter(|(app, _)| shares_django_history(app)));
        }
    }
    Ok(out)
}

async fn applied_in(db: &Db, table: &str) -> Result<BTreeSet<(String, String)>> {
    let mut select = Select::from_table(table);
    select.columns = ["app", "name"]
        .iter()
        .map(|c| SelectItem { expr: Expr::Column { table: None, column: (*c).into() }, alias: None })
        .collect();
    let rows = db.fetch(&db.dialect().compile_select(&select), &[ValueKind::String, ValueKind::String]).await?;
    Ok(rows
        .into_rows()
        .into_iter()
        .filter_map(|r| match (r.first(), r.get(1)) {
            (Some(Value::String(a)), Some(Value::String(n))) => Some((a.clone(), n.clone())),
            _ => None,
        })
        .collect())
}

/// The statements that record a migration as applied (or, `backwards`, forget it): in djorm's
/// table, and in Django's for an app that shares Django's history.
pub fn records(dialect: &dyn Dialect, app: &str, name: &str, backwards: bool) -> Vec<Compiled> {
    let mut tables = vec![TABLE];
    if shares_django_history(app) {
        tables.push(DJANGO_TABLE);
    }
    tables
        .into_iter()
        .map(|table| {
            if backwards {
                record_unapplied_in(dialect, table, app, name)
            } else {
                record_applied_in(dialect, table, app, name)
            }
        })
        .collect()
}

/// The statement that records a migration as applied.
pub fn record_applied(dialect: &dyn Dialect, app: &str, name: &str) -> Compiled {
    record_applied_in(dialect, TABLE, app, name)
}

fn record_applied_in(dialect: &dyn Dialect, table: &str, app: &str, name: &str) -> Compiled {
    let now = chrono::SubsecRound::trunc_subsecs(chrono::Utc::now(), 6);
    dialect.compile_insert(&Insert {
        table: table.into(),
        columns: vec!["app".into(), "name".into(), "applied".into()],
        rows: vec![vec![Expr::param(app), Expr::param(name), Expr::Param(Value::DateTime(now))]],
        returning: Vec::new(),
        ignore_conflicts: false,
    })
}

/// The statement that forgets a migration (it was unapplied).
pub fn record_unapplied(dialect: &dyn Dialect, app: &str, name: &str) -> Compiled {
    record_unapplied_in(dialect, TABLE, app, name)
}

fn record_unapplied_in(dialect: &dyn Dialect, table: &str, app: &str, name: &str) -> Compiled {
    let col = |c: &str| Expr::Column { table: None, column: c.into() };
    dialect.compile_delete(&Delete {
        table: table.into(),
        filter: Some(
            col("app").binary(BinOp::Eq, Expr::param(app)).and(col("name").binary(BinOp::Eq, Expr::param(name))),
        ),
    })
}

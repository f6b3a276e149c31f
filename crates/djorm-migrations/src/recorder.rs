//! The recorder: which migrations ran, in the `djorm_migrations` table.

use std::collections::BTreeSet;

use djorm_core::{Db, Result};
use djorm_sql::{
    BinOp, ColumnDef, ColumnType, Compiled, CreateTable, Delete, Dialect, Expr, Insert, Select, SelectItem, Value,
    ValueKind,
};

/// The recorder's table.
pub const TABLE: &str = "djorm_migrations";

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
    dialect.compile_create_table(&CreateTable {
        name: TABLE.into(),
        columns: vec![
            column("id", ColumnType::AutoBigInt, true),
            column("app", ColumnType::Varchar(255), false),
            column("name", ColumnType::Varchar(255), false),
            column("applied", ColumnType::TimestampTz, false),
        ],
        constraints: Vec::new(),
        if_not_exists: true,
    })
}

/// Creates the table if needed.
pub async fn ensure_table(db: &Db) -> Result<()> {
    db.execute_script(&[ensure_table_sql(db.dialect())]).await
}

/// The applied migrations, as `(app, name)`.
pub async fn applied(db: &Db) -> Result<BTreeSet<(String, String)>> {
    let mut select = Select::from_table(TABLE);
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

/// The statement that records a migration as applied.
pub fn record_applied(dialect: &dyn Dialect, app: &str, name: &str) -> Compiled {
    let now = chrono::SubsecRound::trunc_subsecs(chrono::Utc::now(), 6);
    dialect.compile_insert(&Insert {
        table: TABLE.into(),
        columns: vec!["app".into(), "name".into(), "applied".into()],
        rows: vec![vec![Expr::param(app), Expr::param(name), Expr::Param(Value::DateTime(now))]],
        returning: Vec::new(),
        ignore_conflicts: false,
    })
}

/// The statement that forgets a migration (it was unapplied).
pub fn record_unapplied(dialect: &dyn Dialect, app: &str, name: &str) -> Compiled {
    let col = |c: &str| Expr::Column { table: None, column: c.into() };
    dialect.compile_delete(&Delete {
        table: TABLE.into(),
        filter: Some(
            col("app").binary(BinOp::Eq, Expr::param(app)).and(col("name").binary(BinOp::Eq, Expr::param(name))),
        ),
    })
}

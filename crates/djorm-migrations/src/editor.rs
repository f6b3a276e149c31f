//! The migration schema editor: an operation, with the project state before and after it,
//! into DDL for one dialect. Databases that cannot alter columns in place (SQLite) get
//! Django's table rebuild: create the new table, copy the rows, drop the old one, rename.

use djorm_core::naming::create_index_name;
use djorm_core::FieldKind;
use djorm_sql::{
    AddForeignKey, AlterChange, AlterTable, ColumnDef, ColumnType, CopyRows, CreateIndex, CreateTable, Dialect,
    DropIndex, DropTable, Expr, ForeignKeyRef, TableConstraint, Value,
};

use crate::state::{kind_from_name, FieldState, IndexState, ManyToManyState, ModelState, ProjectState};
use crate::Operation;

type Result<T> = std::result::Result<T, String>;

/// The column type of a field (a key takes its target's type, without auto-increment).
pub fn column_type(f: &FieldState) -> ColumnType {
    let kind = match &f.relation {
        Some(rel) => kind_from_name(&rel.to_kind).unwrap_or(FieldKind::BigIntegerField),
        None => f.field_kind(),
    };
    match kind.column_type(f.max_length, f.max_digits, f.decimal_places) {
        ColumnType::AutoBigInt if f.relation.is_some() => ColumnType::BigInt,
        ColumnType::AutoInt if f.relation.is_some() => ColumnType::Integer,
        other => other,
    }
}

fn column_def(dialect: &dyn Dialect, f: &FieldState, with_default: bool) -> ColumnDef {
    let check = f.field_kind().is_positive().then(|| {
        Expr::Column { table: None, column: f.column.clone() }
            .binary(djorm_sql::BinOp::GtEq, Expr::Param(Value::I64(0)))
    });
    ColumnDef {
        name: f.column.clone(),
        ty: column_type(f),
        nullable: f.null,
        primary_key: f.primary_key,
        unique: f.unique,
        default: if with_default { f.default.as_ref().map(|d| d.to_value()) } else { None },
        check,
        references: if dialect.features().inline_foreign_keys { reference(f) } else { None },
    }
}

fn reference(f: &FieldState) -> Option<ForeignKeyRef> {
    f.relation.as_ref().map(|r| ForeignKeyRef {
        table: r.to_table.clone(),
        column: r.to_column.clone(),
        deferrable: true,
    })
}

fn max_name(dialect: &dyn Dialect) -> usize {
    dialect.features().max_name_length
}

fn field_index(dialect: &dyn Dialect, table: &str, f: &FieldState) -> Option<CreateIndex> {
    (f.db_index && !f.unique && !f.primary_key).then(|| CreateIndex {
        name: create_index_name(table, &[&f.column], "", max_name(dialect)),
        table: table.to_owned(),
        columns: vec![(f.column.clone(), false)],
        unique: false,
    })
}

fn meta_index(table: &str, index: &IndexState) -> CreateIndex {
    CreateIndex {
        name: index.name.clone(),
        table: table.to_owned(),
        columns: index.columns.iter().map(|c| (c.trim_start_matches('-').to_owned(), c.starts_with('-'))).collect(),
        unique: false,
    }
}

fn foreign_key(dialect: &dyn Dialect, table: &str, f: &FieldState) -> Option<String> {
    if dialect.features().inline_foreign_keys {
        return None;
    }
    let target = reference(f)?;
    let suffix = format!("_fk_{}_{}", target.table, target.column);
    Some(dialect.compile_add_foreign_key(&AddForeignKey {
        name: create_index_name(table, &[&f.column], &suffix, max_name(dialect)),
        table: table.to_owned(),
        column: f.column.clone(),
        references: target,
    }))
}

/// A check constraint's condition as SQL AST (`"views" >= 0 AND ...`).
pub fn check_condition(check: &crate::CheckState) -> Expr {
    let mut acc = Expr::Const(true);
    for (path, value) in &check.conditions {
        let (column, lookup) = path.rsplit_once("__").unwrap_or((path.as_str(), "exact"));
        let col = Expr::Column { table: None, column: column.to_owned() };
        let v = Expr::Param(value.to_value());
        use djorm_sql::BinOp::*;
        let cond = match lookup {
            "gt" => col.binary(Gt, v),
            "gte" => col.binary(GtEq, v),
            "lt" => col.binary(Lt, v),
            "lte" => col.binary(LtEq, v),
            "isnull" => Expr::IsNull { expr: Box::new(col), negated: value != &crate::Literal::Bool(true) },
            _ => col.binary(Eq, v),
        };
        acc = acc.and(cond);
    }
    acc
}

fn create_table_ast(dialect: &dyn Dialect, m: &ModelState, name: &str) -> CreateTable {
    let mut constraints: Vec<TableConstraint> = m
        .unique_together
        .iter()
        .map(|(n, cols)| TableConstraint::Unique { name: n.clone(), columns: cols.clone() })
        .collect();
    constraints.extend(
        m.checks.iter().map(|c| TableConstraint::Check { name: c.name.clone(), condition: check_condition(c) }),
    );
    CreateTable {
        name: name.to_owned(),
        columns: m.fields.iter().map(|f| column_def(dialect, f, false)).collect(),
        constraints,
        if_not_exists: false,
    }
}

fn indexes_of(dialect: &dyn Dialect, m: &ModelState) -> Vec<String> {
    let mut out: Vec<String> = m
        .fields
        .iter()
        .filter_map(|f| field_index(dialect, &m.db_table, f))
        .map(|i| dialect.compile_create_index(&i))
        .collect();
    out.extend(m.indexes.iter().map(|i| dialect.compile_create_index(&meta_index(&m.db_table, i))));
    out
}

fn join_table(dialect: &dyn Dialect, owner: &ModelState, j: &ManyToManyState) -> Vec<String> {
    let owner_pk = owner.pk().cloned();
    let key = |column: &str, table: &str, pk: &str| FieldState {
        name: column.to_owned(),
        column: column.to_owned(),
        kind: "BigIntegerField".into(),
        null: false,
        primary_key: false,
        unique: false,
        db_index: true,
        max_length: None,
        max_digits: None,
        decimal_places: None,
        default: None,
        relation: Some(crate::RelationState {
            to: String::new(),
            to_table: table.to_owned(),
            to_column: pk.to_owned(),
            on_delete: "CASCADE".into(),
            to_kind: "BigAutoField".into(),
            one_to_one: false,
            related_name: None,
            related_query_name: None,
        }),
    };
    let id = FieldState {
        name: "id".into(),
        column: "id".into(),
        kind: "BigAutoField".into(),
        null: false,
        primary_key: true,
        unique: false,
        db_index: false,
        max_length: None,
        max_digits: None,
        decimal_places: None,
        default: None,
        relation: None,
    };
    let source_pk = owner_pk.map_or_else(|| "id".to_owned(), |p| p.column);
    let model = ModelState {
        app: owner.app.clone(),
        name: format!("{}_{}", owner.name, j.name),
        db_table: j.table.clone(),
        fields: vec![
            id,
            key(&j.source_column, &owner.db_table, &source_pk),
            key(&j.target_column, &j.target_table, &j.target_pk),
        ],
        ordering: Vec::new(),
        indexes: Vec::new(),
        unique_together: vec![(
            create_index_name(&j.table, &[&j.source_column, &j.target_column], "_uniq", max_name(dialect)),
            vec![j.source_column.clone(), j.target_column.clone()],
        )],
        many_to_many: Vec::new(),
        checks: Vec::new(),
    };
    create_model(dialect, &model)
}

/// Every statement that creates a model: table, indexes, foreign keys, join tables.
pub fn create_model(dialect: &dyn Dialect, m: &ModelState) -> Vec<String> {
    let mut out = vec![dialect.compile_create_table(&create_table_ast(dialect, m, &m.db_table))];
    out.extend(indexes_of(dialect, m));
    out.extend(m.fields.iter().filter_map(|f| foreign_key(dialect, &m.db_table, f)));
    for j in &m.many_to_many {
        out.extend(join_table(dialect, m, j));
    }
    out
}

fn drop_table(dialect: &dyn Dialect, table: &str) -> String {
    dialect.compile_drop_table(&DropTable { name: table.to_owned(), if_exists: false })
}

/// Every statement that drops a model and its join tables.
pub fn delete_model(dialect: &dyn Dialect, m: &ModelState) -> Vec<String> {
    let mut out: Vec<String> = m.many_to_many.iter().map(|j| drop_table(dialect, &j.table)).collect();
    out.push(drop_table(dialect, &m.db_table));
    out
}

fn alter(dialect: &dyn Dialect, table: &str, change: AlterChange) -> String {
    dialect.compile_alter_table(&AlterTable { table: table.to_owned(), change })
}

/// Django's `_remake_table`: rebuild `new` from the rows of `old`'s table. `fill` gives the
/// expression for each new column (by column name) — an old column, or a default.
fn remake_table(
    dialect: &dyn Dialect,
    old: &ModelState,
    new: &ModelState,
    fill: &dyn Fn(&FieldState) -> Option<Expr>,
) -> Vec<String> {
    let temp = format!("new__{}", new.db_table);
    let mut out = vec![dialect.compile_create_table(&create_table_ast(dialect, new, &temp))];
    let (mut columns, mut values) = (Vec::new(), Vec::new());
    for f in &new.fields {
        if let Some(expr) = fill(f) {
            columns.push(f.column.clone());
            values.push(expr);
        }
    }
    if !columns.is_empty() {
        out.push(dialect.compile_copy_rows(&CopyRows {
            table: temp.clone(),
            columns,
            values,
            source: old.db_table.clone(),
        }));
    }
    out.push(drop_table(dialect, &old.db_table));
    out.push(alter(dialect, &temp, AlterChange::RenameTo(new.db_table.clone())));
    out.extend(indexes_of(dialect, new));
    out
}

fn old_column(old: &ModelState, column: &str) -> Option<Expr> {
    old.fields.iter().any(|f| f.column == column).then(|| Expr::Column { table: None, column: column.to_owned() })
}

fn coalesce_default(expr: Expr, f: &FieldState) -> Expr {
    match (&f.default, f.null) {
        (Some(d), false) => Expr::Coalesce(vec![expr, Expr::Param(d.to_value())]),
        _ => expr,
    }
}

fn model<'a>(state: &'a ProjectState, label: &str) -> Result<&'a ModelState> {
    state.models.get(label).ok_or_else(|| format!("unknown model {label}"))
}

fn not_null_without_default(f: &FieldState) -> bool {
    !f.null && f.default.is_none() && !f.primary_key && !f.field_kind().is_auto()
}

/// The statements that apply `op`, which turns state `from` into state `to`.
pub fn forwards(dialect: &dyn Dialect, op: &Operation, from: &ProjectState, to: &ProjectState) -> Result<Vec<String>> {
    let rebuild = !dialect.features().can_alter_columns;
    Ok(match op {
        Operation::CreateModel { model } => create_model(dialect, model),
        Operation::DeleteModel { model: label } => delete_model(dialect, model(from, label)?),
        Operation::RenameModel { model: label, new_name, .. } => {
            let (old, new) = (
                model(from, label)?,
                model(to, &format!("{}.{new_name}", label.split('.').next().unwrap_or_default()))?,
            );
            if old.db_table == new.db_table {
                Vec::new()
            } else {
                vec![alter(dialect, &old.db_table, AlterChange::RenameTo(new.db_table.clone()))]
            }
        }
        Operation::AlterModelTable { model: label, table } => {
            vec![alter(dialect, &model(from, label)?.db_table, AlterChange::RenameTo(table.clone()))]
        }
        Operation::AlterModelOptions { .. } => Vec::new(),
        Operation::AddField { model: label, field } => {
            let (old, new) = (model(from, label)?, model(to, label)?);
            if not_null_without_default(field) {
                return Err(format!(
                    "cannot add the NOT NULL field {}.{} without a default to a table that may have rows",
                    label, field.name
                ));
            }
            if rebuild {
                remake_table(dialect, old, new, &|f| {
                    if f.column == field.column {
                        field.default.as_ref().map(|d| Expr::Param(d.to_value()))
                    } else {
                        old_column(old, &f.column)
                    }
                })
            } else {
                let mut out =
                    vec![alter(dialect, &new.db_table, AlterChange::AddColumn(column_def(dialect, field, true)))];
                if field.default.is_some() {
                    out.push(alter(dialect, &new.db_table, AlterChange::DropDefault(field.column.clone())));
                }
                out.extend(field_index(dialect, &new.db_table, field).map(|i| dialect.compile_create_index(&i)));
                out.extend(foreign_key(dialect, &new.db_table, field));
                out
            }
        }
        Operation::RemoveField { model: label, name } => {
            let (old, new) = (model(from, label)?, model(to, label)?);
            let field = old.field(name).ok_or_else(|| format!("{label} has no field {name}"))?;
            if rebuild {
                remake_table(dialect, old, new, &|f| old_column(old, &f.column))
            } else {
                vec![alter(dialect, &old.db_table, AlterChange::DropColumn(field.column.clone()))]
            }
        }
        Operation::AlterField { model: label, field } => {
            let (old, new) = (model(from, label)?, model(to, label)?);
            let before = old.field(&field.name).ok_or_else(|| format!("{label} has no field {}", field.name))?;
            if before.same_in_database(field) {
                // on_delete or a reverse name: the ORM's business, nothing in the database.
                Vec::new()
            } else if rebuild {
                remake_table(dialect, old, new, &|f| {
                    let e = old_column(old, &f.column)?;
                    Some(if f.column == field.column { coalesce_default(e, field) } else { e })
                })
            } else {
                alter_field(dialect, &new.db_table, before, field)
            }
        }
        Operation::RenameField { model: label, old_name, new_name } => {
            let (old, new) = (model(from, label)?, model(to, label)?);
            let (a, b) = (old.field(old_name), new.field(new_name));
            match (a, b) {
                (Some(a), Some(b)) if a.column != b.column => {
                    vec![alter(
                        dialect,
                        &new.db_table,
                        AlterChange::RenameColumn { from: a.column.clone(), to: b.column.clone() },
                    )]
                }
                (Some(_), Some(_)) => Vec::new(),
                _ => return Err(format!("{label} has no field {old_name}")),
            }
        }
        Operation::AddManyToMany { model: label, field } => join_table(dialect, model(to, label)?, field),
        Operation::RemoveManyToMany { model: label, name } => {
            let j = model(from, label)?
                .many_to_many
                .iter()
                .find(|j| &j.name == name)
                .ok_or_else(|| format!("{label} has no field {name}"))?;
            vec![drop_table(dialect, &j.table)]
        }
        Operation::AlterManyToMany { model: label, field } => {
            let before = model(from, label)?
                .many_to_many
                .iter()
                .find(|j| j.name == field.name)
                .ok_or_else(|| format!("{label} has no field {}", field.name))?;
            if !before.same_in_database(field) {
                return Err(format!(
                    "{label}.{}: changing a many-to-many field's target or join table in place is not supported; \
                     remove the field in one migration and add it back in another",
                    field.name
                ));
            }
            Vec::new()
        }
        Operation::AddIndex { model: label, index, concurrently } => {
            let sql = dialect.compile_create_index(&meta_index(&model(to, label)?.db_table, index));
            if *concurrently {
                vec![sql.replacen("CREATE INDEX", "CREATE INDEX CONCURRENTLY", 1)]
            } else {
                vec![sql]
            }
        }
        Operation::RemoveIndex { name, .. } => {
            vec![dialect.compile_drop_index(&DropIndex { name: name.clone(), table: String::new() })]
        }
        Operation::AddConstraint { model: label, name, columns } => {
            let (old, new) = (model(from, label)?, model(to, label)?);
            if rebuild {
                remake_table(dialect, old, new, &|f| old_column(old, &f.column))
            } else {
                let c = TableConstraint::Unique { name: name.clone(), columns: columns.clone() };
                vec![alter(dialect, &new.db_table, AlterChange::AddConstraint(c))]
            }
        }
        Operation::AddCheckConstraint { model: label, check } => {
            let (old, new) = (model(from, label)?, model(to, label)?);
            if rebuild {
                remake_table(dialect, old, new, &|f| old_column(old, &f.column))
            } else {
                let c = TableConstraint::Check { name: check.name.clone(), condition: check_condition(check) };
                vec![alter(dialect, &new.db_table, AlterChange::AddConstraint(c))]
            }
        }
        Operation::RemoveCheckConstraint { model: label, name } => {
            let (old, new) = (model(from, label)?, model(to, label)?);
            if rebuild {
                remake_table(dialect, old, new, &|f| old_column(old, &f.column))
            } else {
                vec![alter(dialect, &new.db_table, AlterChange::DropConstraint(name.clone()))]
            }
        }
        Operation::RemoveConstraint { model: label, name } => {
            let (old, new) = (model(from, label)?, model(to, label)?);
            if rebuild {
                remake_table(dialect, old, new, &|f| old_column(old, &f.column))
            } else {
                vec![alter(dialect, &new.db_table, AlterChange::DropConstraint(name.clone()))]
            }
        }
        Operation::RunSQL { sql, .. } => sql.clone(),
        Operation::RunCode { .. } => Vec::new(),
    })
}

/// In-place ALTERs for a changed column (PostgreSQL).
fn alter_field(dialect: &dyn Dialect, table: &str, before: &FieldState, after: &FieldState) -> Vec<String> {
    let mut out = Vec::new();
    let column = after.column.clone();
    if before.column != after.column {
        out.push(alter(dialect, table, AlterChange::RenameColumn { from: before.column.clone(), to: column.clone() }));
    }
    if column_type(before) != column_type(after) {
        out.push(alter(dialect, table, AlterChange::AlterType { column: column.clone(), ty: column_type(after) }));
    }
    if before.null != after.null {
        if !after.null {
            if let Some(default) = &after.default {
                let update = djorm_sql::Update {
                    table: table.to_owned(),
                    assignments: vec![(column.clone(), Expr::Param(default.to_value()))],
                    filter: Some(Expr::IsNull {
                        expr: Box::new(Expr::Column { table: None, column: column.clone() }),
                        negated: false,
                    }),
                };
                let mut w = djorm_sql::SqlWriter::for_ddl(dialect);
                w.update(&update);
                out.push(w.finish().sql);
            }
        }
        out.push(alter(dialect, table, AlterChange::SetNotNull { column: column.clone(), not_null: !after.null }));
    }
    let unique_name = create_index_name(table, &[&column], "_uniq", max_name(dialect));
    if before.unique && !after.unique {
        out.push(alter(dialect, table, AlterChange::DropConstraint(format!("{table}_{column}_key"))));
        out.push(alter(dialect, table, AlterChange::DropConstraint(unique_name.clone())));
    }
    if !before.unique && after.unique {
        out.push(alter(
            dialect,
            table,
            AlterChange::AddConstraint(TableConstraint::Unique { name: unique_name, columns: vec![column.clone()] }),
        ));
    }
    let (was, is) = (field_index(dialect, table, before), field_index(dialect, table, after));
    if let (Some(i), None) = (&was, &is) {
        out.push(dialect.compile_drop_index(&DropIndex { name: i.name.clone(), table: table.to_owned() }));
    }
    if let (None, Some(i)) = (&was, &is) {
        out.push(dialect.compile_create_index(i));
    }
    out
}

/// The statements that unapply `op` (turning state `to` back into `from`).
pub fn backwards(dialect: &dyn Dialect, op: &Operation, from: &ProjectState, to: &ProjectState) -> Result<Vec<String>> {
    let inverse = match op {
        Operation::CreateModel { model } => Operation::DeleteModel { model: model.label() },
        Operation::DeleteModel { model: label } => Operation::CreateModel { model: model(from, label)?.clone() },
        Operation::RenameModel { model: label, new_name, .. } => {
            let app = label.split('.').next().unwrap_or_default();
            let old = model(from, label)?;
            Operation::RenameModel {
                model: format!("{app}.{new_name}"),
                new_name: old.name.clone(),
                new_table: old.db_table.clone(),
            }
        }
        Operation::AlterModelTable { model: label, .. } => {
            Operation::AlterModelTable { model: label.clone(), table: model(from, label)?.db_table.clone() }
        }
        Operation::AlterModelOptions { .. } => return Ok(Vec::new()),
        Operation::AddField { model: label, field } => {
            Operation::RemoveField { model: label.clone(), name: field.name.clone() }
        }
        Operation::RemoveField { model: label, name } => Operation::AddField {
            model: label.clone(),
            field: model(from, label)?.field(name).cloned().ok_or_else(|| format!("{label} had no field {name}"))?,
        },
        Operation::AlterField { model: label, field } => Operation::AlterField {
            model: label.clone(),
            field: model(from, label)?
                .field(&field.name)
                .cloned()
                .ok_or_else(|| format!("{label} had no field {}", field.name))?,
        },
        Operation::RenameField { model: label, old_name, new_name } => {
            Operation::RenameField { model: label.clone(), old_name: new_name.clone(), new_name: old_name.clone() }
        }
        Operation::AddManyToMany { model: label, field } => {
            Operation::RemoveManyToMany { model: label.clone(), name: field.name.clone() }
        }
        Operation::AlterManyToMany { model: label, field } => Operation::AlterManyToMany {
            model: label.clone(),
            field: model(from, label)?
                .many_to_many
                .iter()
                .find(|j| j.name == field.name)
                .cloned()
                .ok_or_else(|| format!("{label} had no field {}", field.name))?,
        },
        Operation::RemoveManyToMany { model: label, name } => Operation::AddManyToMany {
            model: label.clone(),
            field: model(from, label)?
                .many_to_many
                .iter()
                .find(|j| &j.name == name)
                .cloned()
                .ok_or_else(|| format!("{label} had no field {name}"))?,
        },
        Operation::AddIndex { model: label, index, .. } => {
            Operation::RemoveIndex { model: label.clone(), name: index.name.clone() }
        }
        Operation::RemoveIndex { model: label, name } => Operation::AddIndex {
            model: label.clone(),
            index: model(from, label)?
                .indexes
                .iter()
                .find(|i| &i.name == name)
                .cloned()
                .ok_or_else(|| format!("{label} had no index {name}"))?,
            concurrently: false,
        },
        Operation::AddConstraint { model: label, name, .. } => {
            Operation::RemoveConstraint { model: label.clone(), name: name.clone() }
        }
        Operation::AddCheckConstraint { model: label, check } => {
            Operation::RemoveCheckConstraint { model: label.clone(), name: check.name.clone() }
        }
        Operation::RemoveCheckConstraint { model: label, name } => Operation::AddCheckConstraint {
            model: label.clone(),
            check: model(from, label)?
                .checks
                .iter()
                .find(|c| &c.name == name)
                .cloned()
                .ok_or_else(|| format!("{label} had no constraint {name}"))?,
        },
        Operation::RemoveConstraint { model: label, name } => {
            let columns = model(from, label)?
                .unique_together
                .iter()
                .find(|(n, _)| n == name)
                .map(|(_, c)| c.clone())
                .ok_or_else(|| format!("{label} had no constraint {name}"))?;
            Operation::AddConstraint { model: label.clone(), name: name.clone(), columns }
        }
        Operation::RunSQL { reverse_sql, .. } => match reverse_sql {
            Some(sql) => return Ok(sql.clone()),
            None => return Err("Operation RunSQL is not reversible (it has no reverse_sql)".into()),
        },
        Operation::RunCode { reverse_code, code } => match reverse_code {
            Some(_) => return Ok(Vec::new()),
            None => return Err(format!("Operation RunCode {code} is not reversible (it has no reverse_code)")),
        },
    };
    forwards(dialect, &inverse, to, from)
}

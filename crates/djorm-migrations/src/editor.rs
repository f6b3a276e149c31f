//! Migration operations into DDL: each [`Operation`] becomes calls on djorm-core's one
//! [`SchemaEditor`], the editor test databases use too, with the project state before and
//! after the operation.

use djorm_core::schema::editor::check_condition;
use djorm_core::schema::SchemaEditor;
use djorm_sql::{Dialect, TableConstraint};

pub use djorm_core::schema::editor::column_type;

use crate::state::{ModelState, ProjectState};
use crate::Operation;

use crate::error::{MigrationError, Result};

fn model<'a>(state: &'a ProjectState, label: &str) -> Result<&'a ModelState> {
    state.models.get(label).ok_or_else(|| MigrationError::invalid(format!("unknown model {label}")))
}

fn not_null_without_default(f: &crate::FieldState) -> bool {
    !f.null && f.default.is_none() && !f.primary_key && !f.field_kind().is_auto()
}

fn schema(result: djorm_core::Result<Vec<String>>) -> Result<Vec<String>> {
    Ok(result?)
}

/// The statements that apply `op`, which turns state `from` into state `to`.
pub fn forwards(dialect: &dyn Dialect, op: &Operation, from: &ProjectState, to: &ProjectState) -> Result<Vec<String>> {
    let editor = SchemaEditor::new(dialect);
    let field_of = |m: &ModelState, label: &str, name: &str| {
        m.field(name).cloned().ok_or_else(|| MigrationError::invalid(format!("{label} has no field {name}")))
    };
    let many_to_many_of = |m: &ModelState, label: &str, name: &str| {
        let found = m.many_to_many.iter().find(|j| j.name == name).cloned();
        found.ok_or_else(|| MigrationError::invalid(format!("{label} has no field {name}")))
    };
    match op {
        Operation::CreateModel { model } => {
            schema(editor.create_model(model).map(|t| t.into_iter().flat_map(|t| t.statements()).collect()))
        }
        Operation::DeleteModel { model: label } => Ok(editor.delete_model(model(from, label)?, false)),
        Operation::RenameModel { model: label, new_name, .. } => {
            let app = label.split('.').next().unwrap_or_default();
            let (old, new) = (model(from, label)?, model(to, &format!("{app}.{new_name}"))?);
            Ok(if old.db_table == new.db_table {
                Vec::new()
            } else {
                vec![editor.rename_table(&old.db_table, &new.db_table)]
            })
        }
        Operation::AlterModelTable { model: label, table } => {
            Ok(vec![editor.rename_table(&model(from, label)?.db_table, table)])
        }
        Operation::AlterModelOptions { .. } | Operation::AlterModelManagers { .. } | Operation::RunCode { .. } => {
            Ok(Vec::new())
        }
        Operation::AddField { model: label, field } => {
            if not_null_without_default(field) {
                return Err(MigrationError::Unsupported(format!(
                    "cannot add the NOT NULL field {}.{} without a default to a table that may have rows",
                    label, field.name
                )));
            }
            schema(editor.add_field(model(from, label)?, model(to, label)?, field))
        }
        Operation::RemoveField { model: label, name } => {
            let old = model(from, label)?;
            schema(editor.remove_field(old, model(to, label)?, &field_of(old, label, name)?))
        }
        Operation::AlterField { model: label, field } => {
            let old = model(from, label)?;
            schema(editor.alter_field(old, model(to, label)?, &field_of(old, label, &field.name)?, field))
        }
        Operation::RenameField { model: label, old_name, new_name } => {
            let (old, new) = (model(from, label)?, model(to, label)?);
            let (a, b) = (field_of(old, label, old_name)?, field_of(new, label, new_name)?);
            Ok(if a.column == b.column {
                Vec::new()
            } else {
                vec![editor.rename_column(&new.db_table, &a.column, &b.column)]
            })
        }
        Operation::AddManyToMany { model: label, field } => schema(editor.add_many_to_many(model(to, label)?, field)),
        Operation::RemoveManyToMany { model: label, name } => {
            Ok(vec![editor.remove_many_to_many(&many_to_many_of(model(from, label)?, label, name)?)])
        }
        Operation::AlterManyToMany { model: label, field } => {
            let before = many_to_many_of(model(from, label)?, label, &field.name)?;
            if !before.same_in_database(field) {
                return Err(MigrationError::Unsupported(format!(
                    "{label}.{}: changing a many-to-many field's target or join table in place is not supported; \
                     remove the field in one migration and add it back in another",
                    field.name
                )));
            }
            Ok(Vec::new())
        }
        Operation::AddIndex { model: label, index, concurrently } => {
            Ok(vec![editor.add_index(&model(to, label)?.db_table, index, *concurrently)])
        }
        Operation::RemoveIndex { model: label, name } => {
            let table = from.models.get(label).map_or("", |m| m.db_table.as_str());
            Ok(vec![editor.remove_index(table, name)])
        }
        Operation::AddConstraint { model: label, name, columns } => {
            let unique = TableConstraint::Unique { name: name.clone(), columns: columns.clone() };
            schema(editor.add_constraint(model(from, label)?, model(to, label)?, unique))
        }
        Operation::AddCheckConstraint { model: label, check } => {
            let condition = check_condition(check)?;
            let constraint = TableConstraint::Check { name: check.name.clone(), condition };
            schema(editor.add_constraint(model(from, label)?, model(to, label)?, constraint))
        }
        Operation::RemoveCheckConstraint { model: label, name }
        | Operation::RemoveConstraint { model: label, name } => {
            schema(editor.remove_constraint(model(from, label)?, model(to, label)?, name))
        }
        Operation::RunSQL { sql, .. } => Ok(sql.clone()),
    }
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
        Operation::AlterModelOptions { .. } | Operation::AlterModelManagers { .. } => return Ok(Vec::new()),
        Operation::AddField { model: label, field } => {
            Operation::RemoveField { model: label.clone(), name: field.name.clone() }
        }
        Operation::RemoveField { model: label, name } => Operation::AddField {
            model: label.clone(),
            field: model(from, label)?
                .field(name)
                .cloned()
                .ok_or_else(|| MigrationError::invalid(format!("{label} had no field {name}")))?,
        },
        Operation::AlterField { model: label, field } => Operation::AlterField {
            model: label.clone(),
            field: model(from, label)?
                .field(&field.name)
                .cloned()
                .ok_or_else(|| MigrationError::invalid(format!("{label} had no field {}", field.name)))?,
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
                .ok_or_else(|| MigrationError::invalid(format!("{label} had no field {}", field.name)))?,
        },
        Operation::RemoveManyToMany { model: label, name } => Operation::AddManyToMany {
            model: label.clone(),
            field: model(from, label)?
                .many_to_many
                .iter()
                .find(|j| &j.name == name)
                .cloned()
                .ok_or_else(|| MigrationError::invalid(format!("{label} had no field {name}")))?,
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
                .ok_or_else(|| MigrationError::invalid(format!("{label} had no index {name}")))?,
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
                .ok_or_else(|| MigrationError::invalid(format!("{label} had no constraint {name}")))?,
        },
        Operation::RemoveConstraint { model: label, name } => {
            let columns = model(from, label)?
                .unique_together
                .iter()
                .find(|(n, _)| n == name)
                .map(|(_, c)| c.clone())
                .ok_or_else(|| MigrationError::invalid(format!("{label} had no constraint {name}")))?;
            Operation::AddConstraint { model: label.clone(), name: name.clone(), columns }
        }
        Operation::RunSQL { reverse_sql, .. } => match reverse_sql {
            Some(sql) => return Ok(sql.clone()),
            None => {
                return Err(MigrationError::Irreversible(
                    "Operation RunSQL is not reversible (it has no reverse_sql)".into(),
                ))
            }
        },
        Operation::RunCode { reverse_code, code } => match reverse_code {
            Some(_) => return Ok(Vec::new()),
            None => {
                return Err(MigrationError::Irreversible(format!(
                    "Operation RunCode {code} is not reversible (it has no reverse_code)"
                )))
            }
        },
    };
    forwards(dialect, &inverse, to, from)
}

//! Operations: what a migration does, as data, and how each changes the project state.

use serde::{Deserialize, Serialize};

use crate::error::{MigrationError, Result};
use crate::state::{FieldState, IndexState, ManyToManyState, ModelState, ProjectState};

/// One migration file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Migration {
    /// The app it belongs to.
    pub app: String,
    /// Its name (`0002_post_slug`).
    pub name: String,
    /// Migrations that must run first: `[app, name]`.
    #[serde(default)]
    pub dependencies: Vec<(String, String)>,
    /// False for statements that cannot run in a transaction (`CREATE INDEX CONCURRENTLY`).
    #[serde(default = "yes")]
    pub atomic: bool,
    /// Operations the linter was told to accept (by index), after review.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub lint_allow: Vec<usize>,
    /// For a squashed migration: the migrations it stands for.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub replaces: Vec<(String, String)>,
    /// What it does.
    #[serde(default)]
    pub operations: Vec<Operation>,
}

fn yes() -> bool {
    true
}

/// One schema or data change, with Django's operation names.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type")]
pub enum Operation {
    /// Creates a table (and its join tables and indexes).
    CreateModel {
        /// The model.
        model: ModelState,
    },
    /// Drops a table.
    DeleteModel {
        /// `app.Name`.
        model: String,
    },
    /// Renames a model (and its table, when the table name was derived).
    RenameModel {
        /// `app.Old`.
        model: String,
        /// The new object name.
        new_name: String,
        /// The new table name.
        new_table: String,
    },
    /// Adds a column.
    AddField {
        /// `app.Name`.
        model: String,
        /// The column.
        field: FieldState,
    },
    /// Drops a column.
    RemoveField {
        /// `app.Name`.
        model: String,
        /// Field name.
        name: String,
    },
    /// Changes a column's type, null, default, max_length, unique or db_index.
    AlterField {
        /// `app.Name`.
        model: String,
        /// The field as it is now.
        field: FieldState,
    },
    /// Renames a column.
    RenameField {
        /// `app.Name`.
        model: String,
        /// Old name.
        old_name: String,
        /// New name.
        new_name: String,
    },
    /// Adds a many-to-many field (its join table).
    AddManyToMany {
        /// `app.Name`.
        model: String,
        /// The field.
        field: ManyToManyState,
    },
    /// Removes a many-to-many field (its join table).
    RemoveManyToMany {
        /// `app.Name`.
        model: String,
        /// Field name.
        name: String,
    },
    /// Changes a many-to-many field's reverse names or symmetry (no SQL while its join table
    /// stays the same).
    AlterManyToMany {
        /// `app.Name`.
        model: String,
        /// The field as it is now.
        field: ManyToManyState,
    },
    /// Adds a `Meta.indexes` entry.
    AddIndex {
        /// `app.Name`.
        model: String,
        /// The index.
        index: IndexState,
        /// PostgreSQL's `CREATE INDEX CONCURRENTLY` (needs `atomic = false`).
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        concurrently: bool,
    },
    /// Drops a `Meta.indexes` entry.
    RemoveIndex {
        /// `app.Name`.
        model: String,
        /// Index name.
        name: String,
    },
    /// Adds a unique constraint over several columns.
    AddConstraint {
        /// `app.Name`.
        model: String,
        /// Constraint name.
        name: String,
        /// The columns, together unique.
        columns: Vec<String>,
    },
    /// Drops a unique constraint.
    RemoveConstraint {
        /// `app.Name`.
        model: String,
        /// Constraint name.
        name: String,
    },
    /// Adds a check constraint.
    AddCheckConstraint {
        /// `app.Name`.
        model: String,
        /// The constraint.
        check: crate::CheckState,
    },
    /// Drops a check constraint.
    RemoveCheckConstraint {
        /// `app.Name`.
        model: String,
        /// Constraint name.
        name: String,
    },
    /// Renames the table.
    AlterModelTable {
        /// `app.Name`.
        model: String,
        /// New table name.
        table: String,
    },
    /// Changes options with no effect on the schema (ordering).
    AlterModelOptions {
        /// `app.Name`.
        model: String,
        /// The new ordering.
        ordering: Vec<String>,
    },
    /// Changes which managers the files record (`use_in_migrations`); no SQL.
    AlterModelManagers {
        /// `app.Name`.
        model: String,
        /// The managers' names, in declaration order.
        managers: Vec<String>,
    },
    /// Raw SQL, with the SQL that undoes it.
    RunSQL {
        /// Statements to apply.
        sql: Vec<String>,
        /// Statements to unapply; without them the operation is irreversible.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        reverse_sql: Option<Vec<String>>,
    },
    /// A Rust function registered by name in the app binary (a data migration).
    RunCode {
        /// The registered forward function.
        code: String,
        /// The registered backward function; without it the operation is irreversible.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        reverse_code: Option<String>,
    },
}

fn split(label: &str) -> (&str, &str) {
    label.split_once('.').unwrap_or((label, label))
}

impl Operation {
    /// A one-line description, as Django's `describe()`.
    pub fn describe(&self) -> String {
        match self {
            Operation::CreateModel { model } => format!("Create model {}", model.name),
            Operation::DeleteModel { model } => format!("Delete model {}", split(model).1),
            Operation::RenameModel { model, new_name, .. } => format!("Rename model {} to {new_name}", split(model).1),
            Operation::AddField { model, field } => {
                format!("Add field {} to {}", field.name, split(model).1.to_lowercase())
            }
            Operation::RemoveField { model, name } => {
                format!("Remove field {name} from {}", split(model).1.to_lowercase())
            }
            Operation::AlterField { model, field } => {
                format!("Alter field {} on {}", field.name, split(model).1.to_lowercase())
            }
            Operation::RenameField { model, old_name, new_name } => {
                format!("Rename field {old_name} on {} to {new_name}", split(model).1.to_lowercase())
            }
            Operation::AddManyToMany { model, field } => {
                format!("Add field {} to {}", field.name, split(model).1.to_lowercase())
            }
            Operation::RemoveManyToMany { model, name } => {
                format!("Remove field {name} from {}", split(model).1.to_lowercase())
            }
            Operation::AlterManyToMany { model, field } => {
                format!("Alter field {} on {}", field.name, split(model).1.to_lowercase())
            }
            Operation::AddIndex { model, index, .. } => format!("Create index {} on {}", index.name, split(model).1),
            Operation::RemoveIndex { model, name } => format!("Remove index {name} from {}", split(model).1),
            Operation::AddConstraint { model, name, .. } => {
                format!("Create constraint {name} on model {}", split(model).1.to_lowercase())
            }
            Operation::AddCheckConstraint { model, check } => {
                format!("Create constraint {} on model {}", check.name, split(model).1.to_lowercase())
            }
            Operation::RemoveCheckConstraint { model, name } => {
                format!("Remove constraint {name} from model {}", split(model).1.to_lowercase())
            }
            Operation::RemoveConstraint { model, name } => {
                format!("Remove constraint {name} from model {}", split(model).1.to_lowercase())
            }
            Operation::AlterModelTable { model, table } => {
                format!("Rename table for {} to {table}", split(model).1.to_lowercase())
            }
            Operation::AlterModelOptions { model, .. } => {
                format!("Change Meta options on {}", split(model).1.to_lowercase())
            }
            Operation::AlterModelManagers { model, .. } => {
                format!("Change managers on {}", split(model).1.to_lowercase())
            }
            Operation::RunSQL { .. } => "Raw SQL operation".into(),
            Operation::RunCode { code, .. } => format!("Raw Rust operation {code}"),
        }
    }

    /// A short fragment for automatic migration names (`post_slug`).
    pub fn name_fragment(&self) -> String {
        match self {
            Operation::CreateModel { model } => model.name.to_lowercase(),
            Operation::DeleteModel { model } => format!("delete_{}", split(model).1.to_lowercase()),
            Operation::RenameModel { new_name, .. } => format!("rename_{}", new_name.to_lowercase()),
            Operation::AddField { model, field } => format!("{}_{}", split(model).1.to_lowercase(), field.name),
            Operation::AddManyToMany { model, field } => format!("{}_{}", split(model).1.to_lowercase(), field.name),
            Operation::AlterManyToMany { model, field } => {
                format!("alter_{}_{}", split(model).1.to_lowercase(), field.name)
            }
            Operation::RemoveField { model, name } | Operation::RemoveManyToMany { model, name } => {
                format!("remove_{}_{name}", split(model).1.to_lowercase())
            }
            Operation::AlterField { model, field } => format!("alter_{}_{}", split(model).1.to_lowercase(), field.name),
            Operation::RenameField { model, new_name, .. } => {
                format!("rename_{}_{new_name}", split(model).1.to_lowercase())
            }
            Operation::AddIndex { index, .. } => index.name.to_lowercase(),
            Operation::RemoveIndex { name, .. } => format!("remove_{}", name.to_lowercase()),
            Operation::AddConstraint { name, .. } => name.to_lowercase(),
            Operation::AddCheckConstraint { check, .. } => check.name.to_lowercase(),
            Operation::RemoveCheckConstraint { name, .. } => format!("remove_{}", name.to_lowercase()),
            Operation::RemoveConstraint { name, .. } => format!("remove_{}", name.to_lowercase()),
            Operation::AlterModelTable { model, .. } => format!("alter_{}_table", split(model).1.to_lowercase()),
            Operation::AlterModelOptions { model, .. } => format!("alter_{}_options", split(model).1.to_lowercase()),
            Operation::AlterModelManagers { model, .. } => format!("alter_{}_managers", split(model).1.to_lowercase()),
            Operation::RunSQL { .. } | Operation::RunCode { .. } => "auto".into(),
        }
    }

    /// The name of the model the operation changes (`Post`), for routers' `allow_migrate`;
    /// `None` for RunSQL and RunCode.
    pub fn model_name(&self) -> Option<&str> {
        let label = match self {
            Operation::CreateModel { model } => return Some(&model.name),
            Operation::RunSQL { .. } | Operation::RunCode { .. } => return None,
            Operation::DeleteModel { model }
            | Operation::RenameModel { model, .. }
            | Operation::AddField { model, .. }
            | Operation::RemoveField { model, .. }
            | Operation::AlterField { model, .. }
            | Operation::RenameField { model, .. }
            | Operation::AddManyToMany { model, .. }
            | Operation::AlterManyToMany { model, .. }
            | Operation::RemoveManyToMany { model, .. }
            | Operation::AddIndex { model, .. }
            | Operation::RemoveIndex { model, .. }
            | Operation::AddConstraint { model, .. }
            | Operation::RemoveConstraint { model, .. }
            | Operation::AddCheckConstraint { model, .. }
            | Operation::RemoveCheckConstraint { model, .. }
            | Operation::AlterModelTable { model, .. }
            | Operation::AlterModelOptions { model, .. }
            | Operation::AlterModelManagers { model, .. } => model,
        };
        Some(split(label).1)
    }

    /// False for RunSQL / RunCode without their reverse.
    pub fn is_reversible(&self) -> bool {
        match self {
            Operation::RunSQL { reverse_sql, .. } => reverse_sql.is_some(),
            Operation::RunCode { reverse_code, .. } => reverse_code.is_some(),
            _ => true,
        }
    }

    /// Applies the operation to the project state (Django's `state_forwards`).
    pub fn state_forwards(&self, state: &mut ProjectState) -> Result<()> {
        let missing = |label: &str| MigrationError::invalid(format!("migration refers to unknown model {label}"));
        match self {
            Operation::CreateModel { model } => {
                state.models.insert(model.label(), model.clone());
            }
            Operation::DeleteModel { model } => {
                state.models.remove(model).ok_or_else(|| missing(model))?;
            }
            Operation::RenameModel { model, new_name, new_table } => {
                let mut m = state.models.remove(model).ok_or_else(|| missing(model))?;
                m.name = new_name.clone();
                m.db_table = new_table.clone();
                state.models.insert(m.label(), m);
            }
            Operation::AddField { model, field } => {
                let m = state.models.get_mut(model).ok_or_else(|| missing(model))?;
                m.fields.push(field.clone());
            }
            Operation::RemoveField { model, name } => {
                let m = state.models.get_mut(model).ok_or_else(|| missing(model))?;
                m.fields.retain(|f| &f.name != name);
            }
            Operation::AlterField { model, field } => {
                let m = state.models.get_mut(model).ok_or_else(|| missing(model))?;
                let slot = m
                    .fields
                    .iter_mut()
                    .find(|f| f.name == field.name)
                    .ok_or_else(|| MigrationError::invalid(format!("{model} has no field {}", field.name)))?;
                *slot = field.clone();
            }
            Operation::RenameField { model, old_name, new_name } => {
                let m = state.models.get_mut(model).ok_or_else(|| missing(model))?;
                let f = m
                    .fields
                    .iter_mut()
                    .find(|f| &f.name == old_name)
                    .ok_or_else(|| MigrationError::invalid(format!("{model} has no field {old_name}")))?;
                let old_column = f.column.clone();
                f.name = new_name.clone();
                if f.column == *old_name {
                    f.column = new_name.clone();
                } else if f.column == format!("{old_name}_id") {
                    f.column = format!("{new_name}_id");
                }
                let new_column = f.column.clone();
                for index in &mut m.indexes {
                    for c in &mut index.columns {
                        if c.trim_start_matches('-') == old_column {
                            *c = if c.starts_with('-') { format!("-{new_column}") } else { new_column.clone() };
                        }
                    }
                }
            }
            Operation::AddManyToMany { model, field } => {
                let m = state.models.get_mut(model).ok_or_else(|| missing(model))?;
                m.many_to_many.push(field.clone());
            }
            Operation::RemoveManyToMany { model, name } => {
                let m = state.models.get_mut(model).ok_or_else(|| missing(model))?;
                m.many_to_many.retain(|f| &f.name != name);
            }
            Operation::AlterManyToMany { model, field } => {
                let m = state.models.get_mut(model).ok_or_else(|| missing(model))?;
                let slot = m.many_to_many.iter_mut().find(|f| f.name == field.name).ok_or_else(|| {
                    MigrationError::invalid(format!("{model} has no many-to-many field {}", field.name))
                })?;
                *slot = field.clone();
            }
            Operation::AddIndex { model, index, .. } => {
                let m = state.models.get_mut(model).ok_or_else(|| missing(model))?;
                m.indexes.push(index.clone());
            }
            Operation::RemoveIndex { model, name } => {
                let m = state.models.get_mut(model).ok_or_else(|| missing(model))?;
                m.indexes.retain(|i| &i.name != name);
            }
            Operation::AddConstraint { model, name, columns } => {
                let m = state.models.get_mut(model).ok_or_else(|| missing(model))?;
                m.unique_together.push((name.clone(), columns.clone()));
            }
            Operation::AddCheckConstraint { model, check } => {
                state.models.get_mut(model).ok_or_else(|| missing(model))?.checks.push(check.clone());
            }
            Operation::RemoveCheckConstraint { model, name } => {
                state.models.get_mut(model).ok_or_else(|| missing(model))?.checks.retain(|c| &c.name != name);
            }
            Operation::RemoveConstraint { model, name } => {
                let m = state.models.get_mut(model).ok_or_else(|| missing(model))?;
                m.unique_together.retain(|(n, _)| n != name);
            }
            Operation::AlterModelTable { model, table } => {
                state.models.get_mut(model).ok_or_else(|| missing(model))?.db_table = table.clone();
            }
            Operation::AlterModelOptions { model, ordering } => {
                state.models.get_mut(model).ok_or_else(|| missing(model))?.ordering = ordering.clone();
            }
            Operation::AlterModelManagers { model, managers } => {
                state.models.get_mut(model).ok_or_else(|| missing(model))?.managers = managers.clone();
            }
            Operation::RunSQL { .. } | Operation::RunCode { .. } => {}
        }
        Ok(())
    }
}

/// Replays `migrations` in order onto an empty state.
pub fn replay<'a>(migrations: impl IntoIterator<Item = &'a Migration>) -> Result<ProjectState> {
    let mut state = ProjectState::default();
    for m in migrations {
        for op in &m.operations {
            op.state_forwards(&mut state).map_err(|e| e.in_migration(&m.app, &m.name))?;
        }
    }
    Ok(state)
}

//! The migration linter (as django-migration-linter): flags operations that break running code
//! or lock tables in production.

use crate::state::ProjectState;
use crate::{Migration, Operation};

/// One finding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    /// `app.name` of the migration.
    pub migration: String,
    /// The operation's index in the migration.
    pub index: usize,
    /// The operation, described.
    pub operation: String,
    /// Why it is unsafe.
    pub reason: String,
}

impl std::fmt::Display for Finding {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} [#{}] {}: {}", self.migration, self.index, self.operation, self.reason)
    }
}

fn reason(op: &Operation, before: &ProjectState, locking_indexes: bool) -> Option<String> {
    Some(match op {
        Operation::DeleteModel { .. } => "drops a table: code still reading it breaks (backward incompatible)".into(),
        Operation::RemoveField { .. } | Operation::RemoveManyToMany { .. } => {
            "drops a column: code still reading it breaks (backward incompatible)".into()
        }
        Operation::RenameField { .. } => {
            "renames a column: code using the old name breaks (backward incompatible)".into()
        }
        Operation::RenameModel { .. } | Operation::AlterModelTable { .. } => {
            "renames a table: code using the old name breaks (backward incompatible)".into()
        }
        Operation::AddField { field, .. } if !field.null && field.default.is_none() => {
            "adds a NOT NULL column without a default: inserts from running code fail".into()
        }
        Operation::AlterField { model, field } => {
            let old = before.models.get(model).and_then(|m| m.field(&field.name))?;
            if crate::editor::column_type(old) != crate::editor::column_type(field) {
                "alters a column's type: rewrites and locks the table, and running code may break".into()
            } else if old.null && !field.null {
                "makes a column NOT NULL: fails on existing NULLs and breaks code inserting NULL".into()
            } else {
                return None;
            }
        }
        Operation::AddIndex { concurrently: false, .. } if locking_indexes => {
            "creates an index without CONCURRENTLY: locks the table against writes while it builds".into()
        }
        Operation::RunSQL { reverse_sql: None, .. } => {
            "RunSQL without reverse_sql: the migration cannot be rolled back".into()
        }
        Operation::RunCode { reverse_code: None, .. } => {
            "RunCode without reverse_code: the migration cannot be rolled back".into()
        }
        _ => return None,
    })
}

/// Lints `migrations` (in dependency order) for databases with these `features`: an index
/// built without CONCURRENTLY is flagged where one of them could build it without locking.
/// Operations listed in a migration's `lint_allow` were reviewed and pass.
pub fn lint(migrations: &[Migration], features: &[&djorm_sql::Features]) -> crate::Result<Vec<Finding>> {
    let locking_indexes = features.iter().any(|f| f.supports_concurrent_index);
    let effective = crate::loader::effective(migrations);
    let order = crate::loader::ordered(&effective)?;
    let mut state = ProjectState::default();
    let mut out = Vec::new();
    for m in order {
        let initial = m.dependencies.iter().all(|(app, _)| app != &m.app) && m.name.ends_with("_initial");
        for (index, op) in m.operations.iter().enumerate() {
            let before = state.clone();
            op.state_forwards(&mut state)?;
            if initial || m.lint_allow.contains(&index) {
                continue;
            }
            if let Some(reason) = reason(op, &before, locking_indexes) {
                out.push(Finding {
                    migration: format!("{}.{}", m.app, m.name),
                    index,
                    operation: op.describe(),
                    reason,
                });
            }
        }
    }
    Ok(out)
}

//! `inspectdb`: models for an existing database, printed for the user to review and keep.

use std::io::Write;
use std::process::ExitCode;

use crate::args::{Cli, Command};
use crate::error::{CommandError, Result};
use crate::inspect::{write_models, Options};
use djorm::introspection::{ConstraintDescription, ConstraintKind, TableDescription};

pub(crate) async fn run(cli: &Cli, out: &mut dyn Write) -> Result<ExitCode> {
    let Command::Inspectdb { tables: chosen, app } = &cli.command else { unreachable!("dispatched on Inspectdb") };
    let db = super::connect(cli).await?;
    let mut tables = db.introspect().await?;
    if chosen.is_empty() {
        tables.retain(|t| t.name != djorm_migrations::recorder::TABLE);
    } else {
        if let Some(missing) = chosen.iter().find(|c| !tables.iter().any(|t| &t.name == *c)) {
            return Err(CommandError::Usage(format!(
                "table '{missing}' does not exist in {}",
                db.backend().describe()
            )));
        }
        tables.retain(|t| chosen.contains(&t.name));
    }
    if db.dialect().foreign_keys_make_their_index() {
        tables.iter_mut().for_each(fold_key_indexes);
    }
    let source = write_models(&tables, &Options { app: app.clone() });
    out.write_all(source.as_bytes()).map_err(super::io)?;
    Ok(ExitCode::SUCCESS)
}

/// On a database whose foreign keys index themselves (InnoDB), the index named after a key's
/// constraint is the key's own, and a key column is always indexed, by that index or by one
/// that starts with it: both are the field's `db_index`, as the model that made the table has
/// it, so neither is written as an index of its own.
fn fold_key_indexes(table: &mut TableDescription) {
    let keys: Vec<(Option<String>, String)> = table
        .constraints
        .iter()
        .filter(|c| matches!(c.kind, ConstraintKind::ForeignKey(_)) && c.columns.len() == 1)
        .map(|c| (c.name.clone(), c.columns[0].clone()))
        .collect();
    table.constraints.retain(|c| {
        !(c.kind == ConstraintKind::Index
            && keys.iter().any(|(name, column)| c.name == *name && c.columns == [column.clone()]))
    });
    for (_, column) in keys {
        let name = djorm::naming::create_index_name(&table.name, &[column.as_str()], "", 63);
        table.constraints.push(ConstraintDescription {
            name: Some(name),
            kind: ConstraintKind::Index,
            columns: vec![column],
            descending: vec![false],
        });
    }
}

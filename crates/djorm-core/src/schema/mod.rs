//! Schemas: models as plain data ([`state`]) and the one [`editor`] that turns them into DDL.
//!
//! Migrations diff and replay [`state::ProjectState`]s; test databases build theirs straight
//! from the compiled models. Both write their DDL through [`editor::SchemaEditor`], so a test
//! database and a migrated one are the same schema.

pub mod editor;
pub mod state;

use djorm_sql::Dialect;

pub use editor::{SchemaEditor, TableDdl};
pub use state::{ModelState, ProjectState};

use crate::{ModelMeta, Result};

/// Every statement that creates `models`: tables and join tables first, then indexes, then
/// (where the database adds them afterwards) foreign keys, so the order of `models` does not
/// matter.
pub fn create_models(dialect: &dyn Dialect, models: &[&'static ModelMeta]) -> Result<Vec<String>> {
    let editor = SchemaEditor::new(dialect);
    let (mut tables, mut indexes, mut foreign_keys) = (Vec::new(), Vec::new(), Vec::new());
    for meta in models {
        for ddl in editor.create_model(&ModelState::from_meta(meta))? {
            tables.push(ddl.table);
            indexes.extend(ddl.indexes);
            foreign_keys.extend(ddl.foreign_keys);
        }
    }
    tables.extend(indexes);
    tables.extend(foreign_keys);
    Ok(tables)
}

/// Every statement that creates one model's table, indexes and join tables.
pub fn create_model(dialect: &dyn Dialect, meta: &'static ModelMeta) -> Result<Vec<String>> {
    let tables = SchemaEditor::new(dialect).create_model(&ModelState::from_meta(meta))?;
    Ok(tables.into_iter().flat_map(TableDdl::statements).collect())
}

/// The statements that drop `models` and their join tables (join tables first, then models
/// in reverse order, so children go before their parents).
pub fn drop_models(dialect: &dyn Dialect, models: &[&'static ModelMeta]) -> Vec<String> {
    let editor = SchemaEditor::new(dialect);
    let states: Vec<ModelState> = models.iter().map(|m| ModelState::from_meta(m)).collect();
    let join_tables = states.iter().flat_map(|m| &m.many_to_many).map(|j| j.table.as_str());
    let tables = join_tables.chain(states.iter().rev().map(|m| m.db_table.as_str()));
    tables.map(|table| editor.drop_table(table, true)).collect()
}

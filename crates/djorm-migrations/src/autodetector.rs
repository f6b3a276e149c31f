//! The autodetector: the difference between the state the migration files build and the
//! state of the compiled models, as operations, one new migration per app.

use std::collections::BTreeMap;

use crate::error::{MigrationError, Result};
use crate::state::{ModelState, ProjectState};
use crate::{Migration, Operation};

/// A rename the user confirmed (Django asks on a terminal; here it is a flag):
/// `model` is `app.Name`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldRename {
    /// `app.Name`.
    pub model: String,
    /// The old field name.
    pub old: String,
    /// The new field name.
    pub new: String,
}

/// A model rename the user confirmed: `model` is `app.Old`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModelRename {
    /// `app.Old`.
    pub model: String,
    /// The new object name.
    pub new_name: String,
}

/// Asks the user a yes/no question (on a terminal); `None` answers no to everything.
pub type Ask = std::sync::Arc<dyn Fn(&str) -> bool + Send + Sync>;

/// What the autodetector needs besides the two states: the renames the user confirmed with
/// flags, and a way to ask about likely ones on a terminal (Django's questioner).
#[derive(Clone, Default)]
pub struct Questioner {
    /// Confirmed field renames.
    pub renames: Vec<FieldRename>,
    /// Confirmed model renames.
    pub model_renames: Vec<ModelRename>,
    /// Asks "was X renamed to Y?" for a removed and an added field of the same type.
    pub ask: Option<Ask>,
}

impl std::fmt::Debug for Questioner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Questioner")
            .field("renames", &self.renames)
            .field("model_renames", &self.model_renames)
            .field("interactive", &self.ask.is_some())
            .finish()
    }
}

/// True when two fields differ only by name (a rename candidate).
fn same_but_name(a: &crate::FieldState, b: &crate::FieldState) -> bool {
    let mut b = b.clone();
    b.name = a.name.clone();
    b.column = if b.relation.is_some() { format!("{}_id", a.name) } else { a.name.clone() };
    let mut a = a.clone();
    a.column = b.column.clone();
    a == b
}

/// Orders new models so that a model comes after the models its keys point to. Models whose
/// keys point at each other (a cycle) are created without the keys that close it, which are
/// added once every table exists (Django's CreateModel + AddField): the second list.
fn creation_order(models: Vec<&ModelState>) -> (Vec<ModelState>, Vec<Operation>) {
    let mut done: Vec<ModelState> = Vec::new();
    let mut deferred = Vec::new();
    let mut pending: Vec<ModelState> = models.into_iter().cloned().collect();
    while !pending.is_empty() {
        let before = pending.len();
        let mut i = 0;
        while i < pending.len() {
            let m = &pending[i];
            // Keys and many-to-many join tables need their target's table first.
            let mut targets = m
                .fields
                .iter()
                .filter_map(|f| f.relation.as_ref().map(|r| &r.to))
                .chain(m.many_to_many.iter().map(|j| &j.to));
            let waits = targets.any(|to| *to != m.label() && pending.iter().any(|p| &p.label() == to));
            if waits {
                i += 1;
            } else {
                done.push(pending.remove(i));
            }
        }
        if pending.len() == before {
            // A cycle: create the first waiting model without its keys to waiting models.
            let mut first = pending.remove(0);
            let waiting: Vec<String> = pending.iter().map(ModelState::label).collect();
            let label = first.label();
            let (keys, kept): (Vec<_>, Vec<_>) = std::mem::take(&mut first.fields)
                .into_iter()
                .partition(|f| f.relation.as_ref().is_some_and(|r| r.to != label && waiting.contains(&r.to)));
            first.fields = kept;
            deferred.extend(keys.into_iter().map(|field| Operation::AddField { model: label.clone(), field }));
            done.push(first);
        }
    }
    (done, deferred)
}

/// The operations per app that turn `from` into `to`.
pub fn changes(
    from: &ProjectState,
    to: &ProjectState,
    questioner: &Questioner,
) -> Result<BTreeMap<String, Vec<Operation>>> {
    let mut out: BTreeMap<String, Vec<Operation>> = BTreeMap::new();
    let mut from = from.clone();
    for r in &questioner.model_renames {
        let app = r.model.split('.').next().unwrap_or_default();
        let new_label = format!("{app}.{}", r.new_name);
        if let (Some(_), Some(new), None) =
            (from.models.get(&r.model), to.models.get(&new_label), to.models.get(&r.model))
        {
            let op = Operation::RenameModel {
                model: r.model.clone(),
                new_name: r.new_name.clone(),
                new_table: new.db_table.clone(),
            };
            op.state_forwards(&mut from)?;
            out.entry(app.to_owned()).or_default().push(op);
        }
    }
    let from = &from;
    let created: Vec<&ModelState> = to.models.values().filter(|m| !from.models.contains_key(&m.label())).collect();
    let (created, deferred_keys) = creation_order(created);
    for m in created {
        out.entry(m.app.clone()).or_default().push(Operation::CreateModel { model: m });
    }
    for op in deferred_keys {
        if let Operation::AddField { model, .. } = &op {
            let app = model.split('.').next().unwrap_or_default().to_owned();
            out.entry(app).or_default().push(op);
        }
    }
    for (label, old) in &from.models {
        let Some(new) = to.models.get(label) else { continue };
        let ops = out.entry(new.app.clone()).or_default();
        if old.db_table != new.db_table
            && !questioner.model_renames.iter().any(|r| label.ends_with(&format!(".{}", r.new_name)))
        {
            ops.push(Operation::AlterModelTable { model: label.clone(), table: new.db_table.clone() });
        }
        let mut renames: Vec<FieldRename> = questioner.renames.iter().filter(|r| &r.model == label).cloned().collect();
        if let Some(ask) = &questioner.ask {
            let removed_fields: Vec<&crate::FieldState> = old
                .fields
                .iter()
                .filter(|f| new.field(&f.name).is_none() && !renames.iter().any(|r| r.old == f.name))
                .collect();
            for removed in removed_fields {
                let candidate = new.fields.iter().find(|f| {
                    old.field(&f.name).is_none()
                        && !renames.iter().any(|r| r.new == f.name)
                        && same_but_name(removed, f)
                });
                if let Some(added) = candidate {
                    let question = format!(
                        "Was {}.{} renamed to {}.{} (a {})? [y/N]",
                        new.name.to_lowercase(),
                        removed.name,
                        new.name.to_lowercase(),
                        added.name,
                        added.kind
                    );
                    if ask(&question) {
                        renames.push(FieldRename {
                            model: label.clone(),
                            old: removed.name.clone(),
                            new: added.name.clone(),
                        });
                    }
                }
            }
        }
        let mut old_state = old.clone();
        for r in &renames {
            if old.field(&r.old).is_some() && new.field(&r.new).is_some() {
                ops.push(Operation::RenameField {
                    model: label.clone(),
                    old_name: r.old.clone(),
                    new_name: r.new.clone(),
                });
                let op =
                    Operation::RenameField { model: label.clone(), old_name: r.old.clone(), new_name: r.new.clone() };
                let mut tmp = ProjectState::default();
                tmp.models.insert(label.clone(), old_state.clone());
                op.state_forwards(&mut tmp)?;
                old_state = tmp.models.remove(label).unwrap_or(old_state);
            }
        }
        for f in &old_state.fields {
            if new.field(&f.name).is_none() {
                ops.push(Operation::RemoveField { model: label.clone(), name: f.name.clone() });
            }
        }
        for f in &new.fields {
            match old_state.field(&f.name) {
                None => {
                    if !f.null && f.default.is_none() && !f.primary_key {
                        return Err(MigrationError::Unsupported(format!(
                            "It is impossible to add a non-nullable field '{}' to {} without specifying a default. \
                             Give it a `default = ...` (or make it `Option<..>`), then run makemigrations again.",
                            f.name, new.name
                        )));
                    }
                    ops.push(Operation::AddField { model: label.clone(), field: f.clone() });
                }
                Some(before) if before != f => {
                    ops.push(Operation::AlterField { model: label.clone(), field: f.clone() })
                }
                Some(_) => {}
            }
        }
        for j in &old.many_to_many {
            if !new.many_to_many.iter().any(|n| n.name == j.name) {
                ops.push(Operation::RemoveManyToMany { model: label.clone(), name: j.name.clone() });
            }
        }
        for j in &new.many_to_many {
            match old.many_to_many.iter().find(|o| o.name == j.name) {
                None => ops.push(Operation::AddManyToMany { model: label.clone(), field: j.clone() }),
                Some(before) if before != j => {
                    ops.push(Operation::AlterManyToMany { model: label.clone(), field: j.clone() })
                }
                Some(_) => {}
            }
        }
        for i in &old_state.indexes {
            if !new.indexes.contains(i) {
                ops.push(Operation::RemoveIndex { model: label.clone(), name: i.name.clone() });
            }
        }
        for i in &new.indexes {
            if !old_state.indexes.contains(i) {
                ops.push(Operation::AddIndex { model: label.clone(), index: i.clone(), concurrently: false });
            }
        }
        for (name, columns) in &old_state.unique_together {
            if !new.unique_together.iter().any(|(n, c)| n == name && c == columns) {
                ops.push(Operation::RemoveConstraint { model: label.clone(), name: name.clone() });
            }
        }
        for (name, columns) in &new.unique_together {
            if !old_state.unique_together.iter().any(|(n, c)| n == name && c == columns) {
                ops.push(Operation::AddConstraint {
                    model: label.clone(),
                    name: name.clone(),
                    columns: columns.clone(),
                });
            }
        }
        for c in &old_state.checks {
            if !new.checks.contains(c) {
                ops.push(Operation::RemoveCheckConstraint { model: label.clone(), name: c.name.clone() });
            }
        }
        for c in &new.checks {
            if !old_state.checks.contains(c) {
                ops.push(Operation::AddCheckConstraint { model: label.clone(), check: c.clone() });
            }
        }
        if old.ordering != new.ordering {
            ops.push(Operation::AlterModelOptions { model: label.clone(), ordering: new.ordering.clone() });
        }
        if old.managers != new.managers {
            ops.push(Operation::AlterModelManagers { model: label.clone(), managers: new.managers.clone() });
        }
    }
    for (label, old) in &from.models {
        if !to.models.contains_key(label) {
            out.entry(old.app.clone()).or_default().push(Operation::DeleteModel { model: label.clone() });
        }
    }
    out.retain(|_, ops| !ops.is_empty());
    Ok(out)
}

/// Django's automatic name for a migration: `0001_initial`, `0002_post_slug`, ...
pub fn migration_name(number: u32, operations: &[Operation], initial: bool) -> String {
    if initial {
        return format!("{number:04}_initial");
    }
    let mut fragments: Vec<String> = operations.iter().map(Operation::name_fragment).collect();
    fragments.dedup();
    let mut name = fragments.join("_");
    if name.len() > 52 || name.is_empty() {
        name = fragments.first().cloned().unwrap_or_else(|| "auto".into());
        if fragments.len() > 1 {
            name.push_str("_and_more");
        }
    }
    format!("{number:04}_{name}")
}

/// New migrations for the changes, numbered after each app's latest one and depending on it
/// (and on the latest migration of every app their keys point to).
pub fn arrange(
    changes: BTreeMap<String, Vec<Operation>>,
    leaves: &BTreeMap<String, String>,
    custom_name: Option<&str>,
) -> Vec<Migration> {
    // The migrations being written are the new leaves that other apps' keys depend on.
    let mut names: BTreeMap<String, String> = BTreeMap::new();
    for (app, operations) in &changes {
        let previous = leaves.get(app);
        let number = previous.and_then(|n| n.get(..4)).and_then(|n| n.parse::<u32>().ok()).map_or(1, |n| n + 1);
        let name = match custom_name {
            Some(custom) => format!("{number:04}_{custom}"),
            None => migration_name(number, operations, previous.is_none()),
        };
        names.insert(app.clone(), name);
    }
    let mut new_leaves = leaves.clone();
    new_leaves.extend(names.clone());
    let mut out = Vec::new();
    for (app, operations) in changes {
        let previous = leaves.get(&app);
        let name = names.get(&app).cloned().unwrap_or_default();
        let mut dependencies: Vec<(String, String)> =
            previous.map(|p| vec![(app.clone(), p.clone())]).unwrap_or_default();
        for op in &operations {
            let relations: Vec<&str> = match op {
                Operation::CreateModel { model } => model
                    .fields
                    .iter()
                    .filter_map(|f| f.relation.as_ref().map(|r| r.to.as_str()))
                    .chain(model.many_to_many.iter().map(|j| j.to.as_str()))
                    .collect(),
                Operation::AddManyToMany { field, .. } => vec![field.to.as_str()],
                Operation::AddField { field, .. } | Operation::AlterField { field, .. } => {
                    field.relation.iter().map(|r| r.to.as_str()).collect()
                }
                _ => Vec::new(),
            };
            for target in relations {
                let target_app = target.split('.').next().unwrap_or_default();
                if target_app != app {
                    if let Some(leaf) = new_leaves.get(target_app) {
                        let dep = (target_app.to_owned(), leaf.clone());
                        if !dependencies.contains(&dep) {
                            dependencies.push(dep);
                        }
                    }
                }
            }
        }
        out.push(Migration {
            app,
            name,
            dependencies,
            atomic: true,
            lint_allow: Vec::new(),
            replaces: Vec::new(),
            operations,
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::{FieldState, Literal};

    fn field(name: &str, kind: &str) -> FieldState {
        FieldState {
            name: name.into(),
            column: name.into(),
            kind: kind.into(),
            null: false,
            primary_key: name == "id",
            unique: false,
            db_index: false,
            max_length: (kind == "CharField").then_some(50),
            max_digits: None,
            decimal_places: None,
            default: None,
            relation: None,
            verbose_name: None,
            help_text: None,
        }
    }

    fn model(fields: Vec<FieldState>) -> ProjectState {
        let m = ModelState {
            app: "shop".into(),
            name: "Item".into(),
            db_table: "shop_item".into(),
            fields,
            ordering: Vec::new(),
            indexes: Vec::new(),
            unique_together: Vec::new(),
            many_to_many: Vec::new(),
            checks: Vec::new(),
            managers: Vec::new(),
        };
        let mut state = ProjectState::default();
        state.models.insert(m.label(), m);
        state
    }

    fn described(from: &ProjectState, to: &ProjectState) -> Vec<String> {
        let ops = changes(from, to, &Questioner::default()).expect("diff");
        ops.values().flatten().map(Operation::describe).collect()
    }

    #[test]
    fn a_new_model_is_created_and_an_unchanged_one_gives_nothing() {
        let state = model(vec![field("id", "BigAutoField"), field("name", "CharField")]);
        assert_eq!(described(&ProjectState::default(), &state), ["Create model Item"]);
        assert!(described(&state, &state).is_empty());
    }

    #[test]
    fn fields_added_removed_and_altered_become_one_operation_each() {
        let before = model(vec![field("id", "BigAutoField"), field("name", "CharField"), field("old", "IntegerField")]);
        let mut wider = field("name", "CharField");
        wider.max_length = Some(100);
        let mut price = field("price", "IntegerField");
        price.default = Some(Literal::Int(0));
        let after = model(vec![field("id", "BigAutoField"), wider, price]);
        let mut ops = described(&before, &after);
        ops.sort();
        assert_eq!(ops, ["Add field price to item", "Alter field name on item", "Remove field old from item"]);
    }

    #[test]
    fn a_not_null_field_without_a_default_is_refused_with_djangos_advice() {
        let before = model(vec![field("id", "BigAutoField")]);
        let after = model(vec![field("id", "BigAutoField"), field("sku", "CharField")]);
        let err = changes(&before, &after, &Questioner::default()).expect_err("refused");
        assert!(matches!(err, MigrationError::Unsupported(_)), "{err:?}");
        assert!(err.to_string().starts_with("It is impossible to add a non-nullable field 'sku' to Item"), "{err}");
    }

    #[test]
    fn a_confirmed_rename_keeps_the_column_data() {
        let before = model(vec![field("id", "BigAutoField"), field("title", "CharField")]);
        let after = model(vec![field("id", "BigAutoField"), field("headline", "CharField")]);
        let questioner = Questioner {
            renames: vec![FieldRename { model: "shop.Item".into(), old: "title".into(), new: "headline".into() }],
            ..Questioner::default()
        };
        let ops = changes(&before, &after, &questioner).expect("diff");
        let described: Vec<String> = ops.values().flatten().map(Operation::describe).collect();
        assert_eq!(described, ["Rename field title on item to headline"]);
    }
}

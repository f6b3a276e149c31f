//! The deletion collector: Django's `on_delete` rules, applied in the ORM.
//!
//! It finds every row a delete reaches through reverse relations (CASCADE over any number of
//! levels), refuses PROTECT and unsatisfied RESTRICT before writing anything, then runs the
//! SET NULL / SET DEFAULT updates, the join-table cleanups and the deletes (children before
//! parents) in one transaction.
//!
//! Its query counts are Django's: rows nothing needs first go by a plain DELETE (Django's
//! "fast delete") — the whole query when the model can be, a cascade's children by their key
//! without being read — and a DO_NOTHING relation never touches its table.

use std::collections::{BTreeMap, HashSet};

use djorm_sql::{Delete, Expr, Update, Value};

use crate::lower::{Columns, Lowerer};
use crate::relations::{join_table, reverse_relations, ReverseKind};
use crate::signals::{self, Signal};
use crate::{Db, Deleted, Error, ModelMeta, OnDelete, Query, Result, Rhs, Q};

fn key(v: &Value) -> String {
    format!("{v:?}")
}

#[derive(Default)]
struct Collector {
    /// Models in the order they were reached (parents first), with the keys to delete.
    order: Vec<(&'static ModelMeta, Vec<Value>, HashSet<String>)>,
    updates: Vec<(&'static ModelMeta, &'static str, Value, Vec<Value>)>,
    protected: Vec<(String, Value)>,
    protected_fields: Vec<String>,
    restricted: Vec<(&'static ModelMeta, Vec<Value>, String)>,
    /// Cascaded rows deleted by their key column without being read: model, column, keys.
    fast_deletes: Vec<(&'static ModelMeta, &'static str, Vec<Value>)>,
}

/// Django's `can_fast_delete`: rows of `model` can go by a plain DELETE when nothing needs them
/// first — no delete receivers, every relation pointing at the model DO_NOTHING, no automatic
/// many-to-many table holding them — and none of its own keys is RESTRICT (whose check needs
/// the rows).
fn can_fast_delete(model: &'static ModelMeta) -> bool {
    let no_receivers =
        !signals::has_receivers(Signal::PreDelete, model) && !signals::has_receivers(Signal::PostDelete, model);
    let nothing_points_here = reverse_relations(model).iter().all(|rel| {
        rel.kind != ReverseKind::ManyToMany
            && rel.field.and_then(|f| f.relation.as_ref()).is_none_or(|r| r.on_delete == OnDelete::DoNothing)
    });
    let no_join_rows = !model.many_to_many.iter().any(|m| m.through.is_none());
    let no_restrict =
        model.fields.iter().all(|f| f.relation.as_ref().is_none_or(|r| r.on_delete != OnDelete::Restrict));
    no_receivers && nothing_points_here && no_join_rows && no_restrict
}

impl Collector {
    fn entry(&mut self, meta: &'static ModelMeta) -> usize {
        match self.order.iter().position(|(m, _, _)| m.is(meta)) {
            Some(i) => i,
            None => {
                self.order.push((meta, Vec::new(), HashSet::new()));
                self.order.len() - 1
            }
        }
    }

    /// Adds keys of `meta`; returns the ones not seen before.
    fn add(&mut self, meta: &'static ModelMeta, keys: Vec<Value>) -> Vec<Value> {
        let i = self.entry(meta);
        let (_, list, seen) = &mut self.order[i];
        let mut fresh = Vec::new();
        for k in keys {
            if seen.insert(key(&k)) {
                list.push(k.clone());
                fresh.push(k);
            }
        }
        fresh
    }

    fn is_collected(&self, meta: &ModelMeta, k: &Value) -> bool {
        self.order.iter().any(|(m, _, seen)| m.is(meta) && seen.contains(&key(k)))
    }
}

/// The primary keys of `model` rows whose `field` is one of `keys`.
async fn keys_pointing_at(db: &Db, model: &'static ModelMeta, field: &str, keys: &[Value]) -> Result<Vec<Value>> {
    let mut out = Vec::new();
    let batch = (db.dialect().features().max_query_params - 1).max(1);
    for chunk in keys.chunks(batch) {
        let mut query = Query::new(model);
        query.order_by = Some(Vec::new());
        query.add_filter(Q::new(format!("{field}__in"), Rhs::List(chunk.to_vec())));
        let lowerer = Lowerer::new(model);
        if let Some(lowered) = lowerer.select(&query, &Columns::Fields(vec!["pk".into()]))? {
            let rows = db.fetch(&db.dialect().compile_select(&lowered.select), &lowered.kinds).await?;
            out.extend(rows.values);
        }
    }
    Ok(out)
}

async fn collect(db: &Db, c: &mut Collector, meta: &'static ModelMeta, keys: Vec<Value>) -> Result<()> {
    let fresh = c.add(meta, keys);
    if fresh.is_empty() {
        return Ok(());
    }
    for rel in reverse_relations(meta) {
        let Some(field) = rel.field else { continue };
        let Some(relation) = &field.relation else { continue };
        // Django never looks at a DO_NOTHING relation.
        if relation.on_delete == OnDelete::DoNothing {
            continue;
        }
        let target_keys = if relation.to_field.is_some() {
            // A key to another field than the primary key: read that field's values.
            let mut query = Query::new(meta);
            query.add_filter(Q::new("pk__in", Rhs::List(fresh.clone())));
            let target = relation.target_field().name.to_owned();
            match Lowerer::new(meta).select(&query, &Columns::Fields(vec![target]))? {
                Some(l) => db.fetch(&db.dialect().compile_select(&l.select), &l.kinds).await?.values,
                None => Vec::new(),
            }
        } else {
            fresh.clone()
        };
        if relation.on_delete == OnDelete::Cascade && can_fast_delete(rel.model) {
            c.fast_deletes.push((rel.model, field.column, target_keys));
            continue;
        }
        let related = keys_pointing_at(db, rel.model, field.name, &target_keys).await?;
        if related.is_empty() {
            continue;
        }
        match relation.on_delete {
            OnDelete::Cascade => Box::pin(collect(db, c, rel.model, related)).await?,
            OnDelete::Protect => {
                c.protected_fields.push(format!("'{}.{}'", rel.model.object_name, field.name));
                c.protected.extend(related.into_iter().map(|k| (rel.model.label(), k)));
            }
            OnDelete::Restrict => {
                c.restricted.push((rel.model, related, format!("'{}.{}'", rel.model.object_name, field.name)))
            }
            OnDelete::SetNull => c.updates.push((rel.model, field.column, Value::Null, related)),
            OnDelete::SetDefault => {
                let default = field.default.map(crate::meta::FieldDefault::value).ok_or_else(|| {
                    Error::InvalidQuery(format!(
                        "{}.{} uses SET_DEFAULT but has no default",
                        rel.model.object_name, field.name
                    ))
                })?;
                c.updates.push((rel.model, field.column, default, related));
            }
            OnDelete::DoNothing => {}
        }
    }
    Ok(())
}

/// Loads the instances with these keys, type-erased, for delete receivers.
async fn load(
    db: &Db,
    model: &'static ModelMeta,
    keys: &[Value],
) -> Result<Vec<std::sync::Arc<dyn std::any::Any + Send + Sync>>> {
    let mut out = Vec::new();
    for chunk in keys.chunks((db.dialect().features().max_query_params - 1).max(1)) {
        let mut query = Query::new(model);
        query.order_by = Some(Vec::new());
        query.add_filter(Q::new("pk__in", Rhs::List(chunk.to_vec())));
        if let Some(lowered) = Lowerer::new(model).select(&query, &Columns::Model)? {
            let rows = db.fetch_native(&db.dialect().compile_select(&lowered.select), &lowered.kinds, None).await?;
            rows.read_each(db.alias(), |reader| {
                out.push((model.vtable.decode)(reader)?);
                Ok(())
            })?;
        }
    }
    Ok(out)
}

fn in_list(column: Expr, keys: &[Value]) -> Expr {
    Expr::InValues { expr: Box::new(column), values: keys.to_vec() }
}

/// Deletes the rows `query` matches and everything on_delete reaches, atomically.
pub(crate) async fn delete(db: &Db, query: &Query) -> Result<Deleted> {
    let meta = query.model;
    let mut root = query.clone();
    root.order_by = Some(Vec::new());
    root.select_related.clear();
    if can_fast_delete(meta) {
        // One DELETE, nothing read first.
        let Some(delete) = Lowerer::new(meta).delete(&root)? else { return Ok(Deleted::default()) };
        let n = db.execute(&db.dialect().compile_delete(&delete)).await?;
        let per_model = if n > 0 { BTreeMap::from([(meta.label(), n)]) } else { BTreeMap::new() };
        return Ok(Deleted { total: n, per_model });
    }
    let keys = match Lowerer::new(meta).select(&root, &Columns::Fields(vec!["pk".into()]))? {
        Some(l) => db.fetch(&db.dialect().compile_select(&l.select), &l.kinds).await?.values,
        None => return Ok(Deleted::default()),
    };
    if keys.is_empty() {
        return Ok(Deleted::default());
    }
    let mut c = Collector::default();
    collect(db, &mut c, meta, keys).await?;
    if !c.protected.is_empty() {
        return Err(Error::Protected {
            message: format!(
                "Cannot delete some instances of model '{}' because they are referenced through protected foreign keys: {}.",
                meta.object_name,
                c.protected_fields.join(", ")
            ),
            objects: c.protected,
        });
    }
    for (model, related, field) in &c.restricted {
        let blocking: Vec<(String, Value)> =
            related.iter().filter(|k| !c.is_collected(model, k)).map(|k| (model.label(), k.clone())).collect();
        if !blocking.is_empty() {
            return Err(Error::Restricted {
                message: format!(
                    "Cannot delete some instances of model '{}' because they are referenced through restricted foreign keys: {field}.",
                    meta.object_name
                ),
                objects: blocking,
            });
        }
    }

    let batch = (db.dialect().features().max_query_params / 2).max(1);
    let mut statements: Vec<(djorm_sql::Compiled, Option<String>)> = Vec::new();
    for (model, column, value, related) in &c.updates {
        let remaining: Vec<Value> = related.iter().filter(|k| !c.is_collected(model, k)).cloned().collect();
        for chunk in remaining.chunks(batch) {
            let pk = Expr::Column { table: None, column: model.pk().column.to_owned() };
            let update = Update {
                table: model.db_table.to_owned(),
                assignments: vec![((*column).to_owned(), Expr::Param(value.clone()))],
                filter: Some(in_list(pk, chunk)),
            };
            statements.push((db.dialect().compile_update(&update), None));
        }
    }
    for (model, column, keys) in &c.fast_deletes {
        for chunk in keys.chunks(batch) {
            let key = Expr::Column { table: None, column: (*column).to_owned() };
            let delete = Delete { table: model.db_table.to_owned(), filter: Some(in_list(key, chunk)) };
            statements.push((db.dialect().compile_delete(&delete), Some(model.label())));
        }
    }
    for (model, keys, _) in &c.order {
        for m2m_owner in crate::registered_models() {
            for m2m in m2m_owner.many_to_many.iter().filter(|m| m.through.is_none()) {
                let table = join_table(m2m_owner, m2m)?;
                let mut columns = Vec::new();
                if table.source.is(model) {
                    columns.push(table.source_column.clone());
                }
                if table.target.is(model) {
                    columns.push(table.target_column.clone());
                }
                for column in columns {
                    for chunk in keys.chunks(batch) {
                        let delete = Delete {
                            table: table.table.clone(),
                            filter: Some(in_list(Expr::Column { table: None, column: column.clone() }, chunk)),
                        };
                        let label = format!("{}.{}_{}", m2m_owner.app_label, m2m_owner.object_name, m2m.name);
                        statements.push((db.dialect().compile_delete(&delete), Some(label)));
                    }
                }
            }
        }
    }
    for (model, keys, _) in c.order.iter().rev() {
        for chunk in keys.chunks(batch) {
            let pk = Expr::Column { table: None, column: model.pk().column.to_owned() };
            let delete = Delete { table: model.db_table.to_owned(), filter: Some(in_list(pk, chunk)) };
            statements.push((db.dialect().compile_delete(&delete), Some(model.label())));
        }
    }
    // Instances are loaded only for models with delete receivers (Django's fast delete).
    let mut instances: Vec<(&'static ModelMeta, Vec<std::sync::Arc<dyn std::any::Any + Send + Sync>>)> = Vec::new();
    for (model, keys, _) in &c.order {
        if signals::has_receivers(Signal::PreDelete, model) || signals::has_receivers(Signal::PostDelete, model) {
            instances.push((model, load(db, model, keys).await?));
        }
    }
    for (model, objects) in &instances {
        for object in objects {
            signals::send(Signal::PreDelete, model, db, &**object, false).await?;
        }
    }
    let compiled: Vec<djorm_sql::Compiled> = statements.iter().map(|(c, _)| c.clone()).collect();
    let counts = db.execute_atomic(&compiled).await?;
    for (model, objects) in &instances {
        for object in objects {
            signals::send(Signal::PostDelete, model, db, &**object, false).await?;
        }
    }
    let mut per_model: BTreeMap<String, u64> = BTreeMap::new();
    let mut total = 0;
    for ((_, label), n) in statements.iter().zip(counts) {
        if let Some(label) = label {
            if n > 0 {
                *per_model.entry(label.clone()).or_default() += n;
                total += n;
            }
        }
    }
    let _ = ReverseKind::ForeignKey;
    Ok(Deleted { total, per_model })
}

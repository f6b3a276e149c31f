//! `prefetch_related()` for [`DynQuerySet`]: one query per relation level whatever the number
//! of rows, with the related rows attached to each row as [`DynObject`]s (the shell prints them).

use std::collections::{BTreeMap, HashMap, HashSet};

use djorm_sql::Value;

use super::{DynQuerySet, ValuesRow};
use crate::relations::{reverse_by_accessor, reverse_relations, ReverseKind};
use crate::{Db, Error, ModelMeta, Result, Rhs, F, Q};

/// A row with the related rows `prefetch_related()` loaded for it.
#[derive(Debug, Clone)]
pub struct DynObject {
    /// The row's fields (and annotations).
    pub row: ValuesRow,
    /// The prefetched relations, in the order they were named.
    pub related: Vec<DynRelated>,
}

/// The objects one prefetched relation holds for one row.
#[derive(Debug, Clone)]
pub struct DynRelated {
    /// The relation's name on the row's model (`tags`, `posts`, `author`).
    pub name: String,
    /// The related model.
    pub model: &'static ModelMeta,
    /// True for a key on the row (`post.author`): at most one object.
    pub single: bool,
    /// The related objects.
    pub objects: Vec<DynObject>,
}

/// How one path segment reaches the related model.
#[derive(Debug, Clone, Copy)]
enum Step {
    /// A key on the row (`post.author`): related rows are found by the key's value.
    Forward { field: &'static str, target_field: &'static str },
    /// Rows of `model` pointing back (reverse keys, many-to-many both ways): filtered by
    /// `back__in = keys` and matched through `back`'s primary key.
    Back { back: &'static str, key: &'static str },
}

/// The related model `segment` reaches from `meta`, and how.
fn step(meta: &'static ModelMeta, segment: &str) -> Option<(&'static ModelMeta, Step)> {
    if let Some(field) = meta.fields.iter().find(|f| f.name == segment) {
        let rel = field.relation.as_ref()?;
        let target = rel.target.get();
        return Some((target, Step::Forward { field: field.name, target_field: rel.target_field().name }));
    }
    if let Some(m2m) = meta.many_to_many_field(segment) {
        let target = m2m.target.get();
        let back = if m2m.symmetrical && target.is(meta) {
            m2m.name
        } else {
            let reverse = reverse_relations(target).iter().find(|r| r.m2m.is_some_and(|m| std::ptr::eq(m, m2m)))?;
            reverse.query_name.as_str()
        };
        return Some((target, Step::Back { back, key: meta.pk().name }));
    }
    let reverse = reverse_by_accessor(meta, segment)
        .or_else(|| reverse_relations(meta).iter().find(|r| r.query_name == segment && !r.is_hidden()))?;
    let back = match (reverse.kind, reverse.field, reverse.m2m) {
        (ReverseKind::ManyToMany, _, Some(m2m)) => m2m.name,
        (_, Some(field), _) => field.name,
        _ => return None,
    };
    let key = match reverse.field.and_then(|f| f.relation.as_ref()) {
        Some(rel) => rel.target_field().name,
        None => meta.pk().name,
    };
    Some((reverse.model, Step::Back { back, key }))
}

/// Checks every path against the models (Django's error when one does not lead anywhere).
pub(super) fn validate(model: &'static ModelMeta, path: &str) -> Result<()> {
    let mut meta = model;
    for segment in path.split("__") {
        meta = step(meta, segment).map(|(m, _)| m).ok_or_else(|| {
            Error::field(format!(
                "Cannot find '{segment}' on {} object, '{path}' is an invalid parameter to prefetch_related()",
                meta.object_name
            ))
        })?;
    }
    Ok(())
}

/// The paths as a tree: first segment → the rest of each path starting with it.
fn tree(paths: &[String]) -> BTreeMap<String, Vec<String>> {
    let mut out: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for path in paths {
        let (head, rest) = path.split_once("__").map_or((path.as_str(), None), |(h, r)| (h, Some(r)));
        let children = out.entry(head.to_owned()).or_default();
        if let Some(rest) = rest {
            children.push(rest.to_owned());
        }
    }
    out
}

const PARENT: &str = "djorm_prefetch_parent";

/// Loads the related rows of `objects` (all of model `meta`) along `paths`, one query per level.
pub(super) async fn prefetch(
    db: &Db,
    meta: &'static ModelMeta,
    objects: &mut [DynObject],
    paths: &[String],
) -> Result<()> {
    for (segment, rest) in tree(paths) {
        let Some((target, how)) = step(meta, &segment) else {
            return validate(meta, &segment);
        };
        let (key_of_parent, children): (&str, Vec<(Value, DynObject)>) = match how {
            Step::Forward { field, target_field } => {
                let keys = distinct(objects.iter().filter_map(|o| o.row.get(field).cloned()));
                let rows = if keys.is_empty() {
                    Vec::new()
                } else {
                    DynQuerySet::new(target)
                        .filter(Q::new(format!("{target_field}__in"), Rhs::List(keys)))?
                        .rows(db)
                        .await?
                };
                let linked =
                    rows.into_iter().map(|row| (row.get(target_field).cloned().unwrap_or(Value::Null), leaf(row)));
                (field, linked.collect())
            }
            Step::Back { back, key } => {
                let keys = distinct(objects.iter().filter_map(|o| o.row.get(key).cloned()));
                let rows = if keys.is_empty() {
                    Vec::new()
                } else {
                    DynQuerySet::new(target)
                        .filter(Q::new(format!("{back}__in"), Rhs::List(keys)))?
                        .annotate(PARENT, F(&format!("{back}__{key}")))
                        .rows(db)
                        .await?
                };
                (key, rows.into_iter().map(split_parent).collect())
            }
        };
        let mut related: Vec<DynObject> = children.iter().map(|(_, c)| c.clone()).collect();
        if !rest.is_empty() {
            Box::pin(prefetch(db, target, &mut related, &rest)).await?;
        }
        let mut by_parent: HashMap<String, Vec<DynObject>> = HashMap::new();
        for ((link, _), loaded) in children.iter().zip(related) {
            by_parent.entry(link_key(link)).or_default().push(loaded);
        }
        for object in objects.iter_mut() {
            let mine = object.row.get(key_of_parent).map(link_key).unwrap_or_default();
            let attached = by_parent.get(&mine).cloned().unwrap_or_default();
            let single = matches!(how, Step::Forward { .. });
            object.related.push(DynRelated { name: segment.clone(), model: target, single, objects: attached });
        }
    }
    Ok(())
}

fn leaf(row: ValuesRow) -> DynObject {
    DynObject { row, related: Vec::new() }
}

/// Takes the parent key annotation off a child row: (parent key, the row without it).
fn split_parent(row: ValuesRow) -> (Value, DynObject) {
    let parent = row.get(PARENT).cloned().unwrap_or(Value::Null);
    let (names, values): (Vec<String>, Vec<Value>) =
        row.iter().filter(|(n, _)| *n != PARENT).map(|(n, v)| (n.to_owned(), v.clone())).unzip();
    (parent, leaf(ValuesRow::from_parts(names, values)))
}

/// A key value as text, integers of every width alike, so rows and keys match in a map.
fn link_key(v: &Value) -> String {
    match v.as_i64() {
        Some(i) => i.to_string(),
        None => format!("{v:?}"),
    }
}

/// The non-NULL values, each once, in first-seen order.
fn distinct(values: impl Iterator<Item = Value>) -> Vec<Value> {
    let mut seen = HashSet::new();
    values.filter(|v| *v != Value::Null && seen.insert(link_key(v))).collect()
}

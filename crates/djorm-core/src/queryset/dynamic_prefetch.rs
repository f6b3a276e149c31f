//! `prefetch_related()` for [`DynQuerySet`]: one query per relation level whatever the number
//! of rows, with the related rows attached to each row as [`DynObject`]s (the shell prints them).

use std::collections::{HashMap, HashSet};

use djorm_sql::Value;

use super::prefetch_path::level;
use super::{DynQuerySet, ValuesRow};
use crate::{Db, Error, ModelMeta, Prefetch, Result, Rhs, F, Q};

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

/// One relation to load at a level: the segment, the name its objects go under (`to_attr`
/// or the segment), the QuerySet of a `Prefetch` ending here, and the deeper lookups.
struct Branch {
    segment: String,
    name: String,
    query: Option<crate::Query>,
    rest: Vec<Prefetch>,
}

/// The lookups as a tree of branches, in the order they were named: a lookup ending here
/// with `to_attr` is a branch of its own (Django keeps both caches).
fn tree(lookups: &[Prefetch]) -> Vec<Branch> {
    let mut out: Vec<Branch> = Vec::new();
    for lookup in lookups {
        let (head, rest) = lookup.path.split_once("__").map_or((lookup.path.as_str(), None), |(h, r)| (h, Some(r)));
        let name = match (rest, &lookup.to_attr) {
            (None, Some(attr)) => attr.clone(),
            _ => head.to_owned(),
        };
        let index = match out.iter().position(|b| b.name == name && b.segment == head) {
            Some(i) => i,
            None => {
                out.push(Branch { segment: head.to_owned(), name, query: None, rest: Vec::new() });
                out.len() - 1
            }
        };
        match rest {
            Some(rest) => out[index].rest.push(Prefetch {
                path: rest.to_owned(),
                query: lookup.query.clone(),
                to_attr: lookup.to_attr.clone(),
            }),
            None => out[index].query = lookup.query.clone().or(out[index].query.take()),
        }
    }
    out
}

const PARENT: &str = "djorm_prefetch_parent";

/// Loads the related rows of `objects` (all of model `meta`) along `lookups`, one query per
/// level; a `Prefetch` QuerySet filters and orders its level.
pub(super) async fn prefetch(
    db: &Db,
    meta: &'static ModelMeta,
    objects: &mut [DynObject],
    lookups: &[Prefetch],
) -> Result<()> {
    for Branch { segment, name, query, rest } in tree(lookups) {
        let level = level(meta, &segment).map_err(Error::FieldError)?;
        let parent_key = meta.fields[level.parent_key].name;
        let keys = distinct(objects.iter().filter_map(|o| o.row.get(parent_key).cloned()));
        let base = match query {
            Some(query) => DynQuerySet { query, ..DynQuerySet::new(level.child) },
            None => DynQuerySet::new(level.child),
        };
        let rows = if keys.is_empty() {
            Vec::new()
        } else {
            base.filter(Q::new(format!("{}__in", level.link), Rhs::List(keys)))
                .annotate(PARENT, F(&level.link))
                .rows(db)
                .await?
        };
        let children: Vec<(Value, DynObject)> = rows.into_iter().map(split_parent).collect();
        let mut related: Vec<DynObject> = children.iter().map(|(_, c)| c.clone()).collect();
        if !rest.is_empty() {
            Box::pin(prefetch(db, level.child, &mut related, &rest)).await?;
        }
        let mut by_parent: HashMap<String, Vec<DynObject>> = HashMap::new();
        for ((link, _), loaded) in children.iter().zip(related) {
            by_parent.entry(link_key(link)).or_default().push(loaded);
        }
        for object in objects.iter_mut() {
            let mine = object.row.get(parent_key).map(link_key).unwrap_or_default();
            let attached = by_parent.get(&mine).cloned().unwrap_or_default();
            let related = DynRelated { name: name.clone(), model: level.child, single: !level.many, objects: attached };
            object.related.push(related);
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

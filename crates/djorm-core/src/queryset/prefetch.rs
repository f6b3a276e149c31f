//! prefetch_related: one query per level, whatever the number of objects, handled without
//! knowing the Rust types (through each model's vtable).

use std::any::Any;
use std::sync::Arc;

use djorm_sql::Value;

use super::keys::GroupIndex;
use super::prefetch_path::level;
use crate::lower::{Columns, Lowerer};
use crate::meta::ErasedVec;
use crate::{Db, Error, ModelMeta, Query, QuerySet, Related, Result, Rhs, Q};

/// One `prefetch_related` lookup, optionally with its own QuerySet (Django's `Prefetch`).
#[derive(Debug, Clone, PartialEq)]
pub struct Prefetch {
    /// The relation path (`"posts"`, `"posts__tags"`).
    pub path: String,
    /// The QuerySet for the last level (filters and ordering), when given.
    pub query: Option<Query>,
    /// Store the objects on this field instead of the relation's own (Django's `to_attr`);
    /// declare it on the model as a `Reverse<T>`.
    pub to_attr: Option<String>,
}

impl Prefetch {
    /// Prefetches `path` with a QuerySet of your own, e.g. filtered and ordered.
    pub fn new<M: crate::Model>(path: impl Into<String>, queryset: QuerySet<M>) -> Self {
        Prefetch { path: path.into(), query: Some(queryset.query().clone()), to_attr: None }
    }

    /// Stores the prefetched objects on `field` (Django's `to_attr`), leaving the relation's
    /// own cache alone — for a filtered subset such as "recent posts".
    pub fn to_attr(mut self, field: impl Into<String>) -> Self {
        self.to_attr = Some(field.into());
        self
    }
}

impl From<&str> for Prefetch {
    fn from(path: &str) -> Self {
        Prefetch { path: path.to_owned(), query: None, to_attr: None }
    }
}

impl From<String> for Prefetch {
    fn from(path: String) -> Self {
        Prefetch { path, query: None, to_attr: None }
    }
}

/// One relation to load at this level: its name, its own QuerySet, the deeper lookups, and
/// the attribute to store it on.
type Group = (String, Option<Query>, Vec<Prefetch>, Option<String>);

/// Loads `lookups` for `parents` (instances of `meta`) and stores them on each parent.
pub(crate) async fn prefetch(
    db: &Db,
    meta: &'static ModelMeta,
    parents: &mut [&mut (dyn Any + Send + Sync)],
    lookups: &[Prefetch],
) -> Result<()> {
    let mut groups: Vec<Group> = Vec::new();
    for lookup in lookups {
        let (head, rest) = match lookup.path.split_once("__") {
            Some((h, r)) => (h.to_owned(), Some(r.to_owned())),
            None => (lookup.path.clone(), None),
        };
        let attr = if rest.is_none() { lookup.to_attr.clone() } else { None };
        let index = match groups.iter().position(|g| g.0 == head && g.3 == attr) {
            Some(i) => i,
            None => {
                groups.push((head, None, Vec::new(), attr));
                groups.len() - 1
            }
        };
        match rest {
            Some(rest) => groups[index].2.push(Prefetch {
                path: rest,
                query: lookup.query.clone(),
                to_attr: lookup.to_attr.clone(),
            }),
            None => groups[index].1 = lookup.query.clone().or(groups[index].1.take()),
        }
    }
    for (name, custom, children, attr) in groups {
        let level = level(meta, &name).map_err(Error::FieldError)?;
        // One group per distinct parent key (the children whose link equals it); each parent
        // keeps its group's number, each new key goes into the query's list (moved, not copied).
        let mut group_index = GroupIndex::default();
        let mut wanted: Vec<Value> = Vec::new();
        let parent_groups: Vec<Option<usize>> = parents
            .iter()
            .map(|p| {
                let key = (meta.vtable.field_value)(&**p, level.parent_key);
                let (group, new) = group_index.insert(&key)?;
                if new {
                    wanted.push(key);
                }
                Some(group)
            })
            .collect();
        // The children, decoded straight into one group per parent key.
        let mut found: Option<ErasedVec> = None;
        if !wanted.is_empty() {
            let mut query = custom.unwrap_or_else(|| Query::new(level.child));
            query.add_filter(Q::new(format!("{}__in", level.link), Rhs::List(std::mem::take(&mut wanted))));
            let lowerer = Lowerer::new(level.child);
            // A reverse key's link is a column of the child itself: read it from there instead
            // of selecting it twice. Many-to-many links come from the join, after the columns.
            let local = level.child.fields.iter().position(|f| f.name == level.link && f.relation.is_some());
            let columns = Columns::ModelPlus(if local.is_some() { Vec::new() } else { vec![level.link.clone()] });
            if let Some(lowered) = lowerer.select(&query, &columns)? {
                let rows = db.fetch_native(&db.dialect().compile_select(&lowered.select), &lowered.kinds, None).await?;
                // Columns past the link (a custom QuerySet's annotations) are skipped.
                let link = local.unwrap_or(level.child.fields.len());
                found = Some((level.child.vtable.decode_groups)(rows, db.alias(), link, &group_index)?);
            }
        }
        if let (false, Some(objects)) = (children.is_empty(), found.as_mut()) {
            let mut refs = (level.child.vtable.elements_mut)(&mut **objects);
            if !refs.is_empty() {
                Box::pin(prefetch(db, level.child, &mut refs, &children)).await?;
            }
        }
        // Many objects per parent: every parent shares the level's groups, each reading its own.
        // One object per parent: each gets its group's object (shared when keys repeat).
        let (shared, singles) = match found {
            Some(objects) if level.many => (Some(Arc::<dyn Any + Send + Sync>::from(objects)), Vec::new()),
            Some(objects) => (None, (level.child.vtable.into_singles)(objects)),
            None => (None, Vec::new()),
        };
        for (parent, group) in parents.iter_mut().zip(parent_groups) {
            let related = match (&shared, group) {
                (Some(groups), Some(index)) => Related::Group(groups.clone(), index),
                _ if level.many => Related::Many(Vec::new()),
                _ => Related::One(group.and_then(|g| singles.get(g).cloned().flatten())),
            };
            (meta.vtable.set_related)(&mut **parent, attr.as_deref().unwrap_or(&name), related)?;
        }
    }
    Ok(())
}

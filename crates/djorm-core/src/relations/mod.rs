//! Relations: ForeignKey, OneToOne and ManyToMany fields, their reverse sides, the registry of
//! reverse relations, and the join tables of many-to-many fields.

mod containers;
mod foreign_key;
mod many;
mod paths;
mod reverse;

use std::any::Any;
use std::collections::HashMap;
use std::sync::{PoisonError, RwLock};

pub use containers::{Binding, CachedGroup};
pub use foreign_key::{
    key_matches_to_field, ForeignKey, KeyDatabase, KeyField, KeyOrigin, KeyType, OneToOne, ReferencedBy,
};
pub use many::{add_links, remove_links, ManyToMany};
pub use paths::RelatedPath;
pub use reverse::{Reverse, ReverseOne};

use crate::{registered_models, Error, FieldMeta, ManyToManyMeta, ModelMeta, Result};

/// Related objects handed to a model instance by select_related / prefetch_related.
#[derive(Debug)]
pub enum Related {
    /// One object (or none), for a forward key or a reverse one-to-one.
    One(Option<std::sync::Arc<dyn Any + Send + Sync>>),
    /// Many objects, for a reverse key or a many-to-many field.
    Many(Vec<std::sync::Arc<dyn Any + Send + Sync>>),
    /// Many objects: group `index` of a prefetch level, whose groups (a `Vec<Vec<T>>` of their
    /// model, from [`crate::ModelVTable::decode_groups`]) every parent of the level shares.
    Group(std::sync::Arc<dyn Any + Send + Sync>, usize),
}

/// Which kind of relation points back at a model.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReverseKind {
    /// A ForeignKey on another model (many objects point here).
    ForeignKey,
    /// A OneToOneField on another model (one object points here).
    OneToOne,
    /// A ManyToManyField on another model.
    ManyToMany,
}

/// A relation seen from its target: `author.posts` for `Post.author`.
#[derive(Debug, Clone)]
pub struct ReverseRelation {
    /// The name lookups use (`posts__title`): related_query_name, related_name, or the model name.
    pub query_name: String,
    /// The accessor's name (`posts`, or Django's default `post_set` / `profile`).
    pub accessor_name: String,
    /// The model that declares the relation.
    pub model: &'static ModelMeta,
    /// The key field, for ForeignKey and OneToOne.
    pub field: Option<&'static FieldMeta>,
    /// The many-to-many field.
    pub m2m: Option<&'static ManyToManyMeta>,
    /// Which kind.
    pub kind: ReverseKind,
}

impl ReverseRelation {
    /// True when many objects can be on the other side.
    pub fn is_multi(&self) -> bool {
        self.kind != ReverseKind::OneToOne
    }

    /// True for the hidden reverse side of a symmetrical many-to-many (not listed, not an
    /// accessor, but usable internally).
    pub fn is_hidden(&self) -> bool {
        self.query_name.ends_with('+')
    }
}

type ReverseIndex = HashMap<usize, Vec<ReverseRelation>>;

/// The reverse index, built on first use from the registry and rebuilt after models are
/// registered at run time (the old one is leaked: registration happens a handful of times).
static INDEX: RwLock<Option<&'static ReverseIndex>> = RwLock::new(None);

/// Forgets the reverse index, so the next lookup sees newly registered models.
pub(crate) fn invalidate_reverse_index() {
    *INDEX.write().unwrap_or_else(PoisonError::into_inner) = None;
}

fn index() -> &'static ReverseIndex {
    if let Some(index) = *INDEX.read().unwrap_or_else(PoisonError::into_inner) {
        return index;
    }
    let mut slot = INDEX.write().unwrap_or_else(PoisonError::into_inner);
    if let Some(index) = *slot {
        return index; // built by another thread meanwhile
    }
    let index: &'static ReverseIndex = Box::leak(Box::new(build_index()));
    *slot = Some(index);
    index
}

fn build_index() -> ReverseIndex {
    let mut index: ReverseIndex = HashMap::new();
    for model in registered_models() {
        let model_name = model.model_name();
        for field in model.fields {
            let Some(rel) = &field.relation else { continue };
            let target = rel.target.get();
            let accessor = rel.related_name.map(str::to_owned).unwrap_or_else(|| {
                if rel.one_to_one {
                    model_name.clone()
                } else {
                    format!("{model_name}_set")
                }
            });
            let query = rel.related_query_name.or(rel.related_name).map_or_else(|| model_name.clone(), str::to_owned);
            index.entry(target as *const ModelMeta as usize).or_default().push(ReverseRelation {
                query_name: query,
                accessor_name: accessor,
                model,
                field: Some(field),
                m2m: None,
                kind: if rel.one_to_one { ReverseKind::OneToOne } else { ReverseKind::ForeignKey },
            });
        }
        for m2m in model.many_to_many {
            let target = m2m.target.get();
            let symmetrical = m2m.symmetrical && target.is(model);
            let (query, accessor) = if symmetrical {
                let hidden = format!("{}_rel_+", m2m.name);
                (hidden.clone(), hidden)
            } else {
                let accessor = m2m.related_name.map_or_else(|| format!("{model_name}_set"), str::to_owned);
                let query =
                    m2m.related_query_name.or(m2m.related_name).map_or_else(|| model_name.clone(), str::to_owned);
                (query, accessor)
            };
            index.entry(target as *const ModelMeta as usize).or_default().push(ReverseRelation {
                query_name: query,
                accessor_name: accessor,
                model,
                field: None,
                m2m: Some(m2m),
                kind: ReverseKind::ManyToMany,
            });
        }
    }
    index
}

/// Every relation that points at `meta` from a registered model.
pub fn reverse_relations(meta: &ModelMeta) -> &'static [ReverseRelation] {
    index().get(&(meta as *const ModelMeta as usize)).map(Vec::as_slice).unwrap_or_default()
}

/// The reverse relation of `meta` whose lookup name is `name`.
pub fn reverse_by_query_name(meta: &ModelMeta, name: &str) -> Option<&'static ReverseRelation> {
    reverse_relations(meta).iter().find(|r| r.query_name == name)
}

/// The reverse relation of `meta` whose accessor is `name`.
pub fn reverse_by_accessor(meta: &ModelMeta, name: &str) -> Option<&'static ReverseRelation> {
    reverse_relations(meta).iter().find(|r| r.accessor_name == name)
}

/// The table behind a many-to-many field and its two key columns.
#[derive(Debug, Clone)]
pub struct JoinTable {
    /// The join table (Django's `<app>_<model>_<field>`, or the through model's table).
    pub table: String,
    /// The column pointing at the model that declares the field.
    pub source_column: String,
    /// The column pointing at the target model.
    pub target_column: String,
    /// The model that declares the field.
    pub source: &'static ModelMeta,
    /// The target model.
    pub target: &'static ModelMeta,
    /// The through model, when the field names one.
    pub through: Option<&'static ModelMeta>,
    /// The ManyToManyField's name on `source`.
    pub field: &'static str,
}

/// Resolves the join table of `owner.m2m`.
pub fn join_table(owner: &'static ModelMeta, m2m: &ManyToManyMeta) -> Result<JoinTable> {
    let target = m2m.target.get();
    if let Some(through) = m2m.through {
        let through = through.get();
        let keys: Vec<&FieldMeta> = through.fields.iter().filter(|f| f.relation.is_some()).collect();
        let points_to = |f: &&FieldMeta, m: &ModelMeta| f.relation.as_ref().is_some_and(|r| r.target.get().is(m));
        let source = keys.iter().find(|f| points_to(f, owner));
        let target_key =
            keys.iter().filter(|f| points_to(f, target)).find(|f| source.is_none_or(|s| s.column != f.column));
        let (Some(source), Some(target_key)) = (source, target_key) else {
            return Err(Error::field(format!(
                "the through model {} needs a ForeignKey to {} and one to {}",
                through.object_name, owner.object_name, target.object_name
            )));
        };
        return Ok(JoinTable {
            table: through.db_table.to_owned(),
            source_column: source.column.to_owned(),
            target_column: target_key.column.to_owned(),
            source: owner,
            target,
            through: Some(through),
            field: m2m.name,
        });
    }
    let (source_column, target_column) = if owner.is(target) {
        (format!("from_{}_id", owner.model_name()), format!("to_{}_id", owner.model_name()))
    } else {
        (format!("{}_id", owner.model_name()), format!("{}_id", target.model_name()))
    };
    Ok(JoinTable {
        table: m2m.db_table.map_or_else(|| format!("{}_{}", owner.db_table, m2m.name), str::to_owned),
        source_column,
        target_column,
        source: owner,
        target,
        through: None,
        field: m2m.name,
    })
}

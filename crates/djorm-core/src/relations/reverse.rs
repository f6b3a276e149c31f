//! `Reverse<T>` and `ReverseOne<T>`: the other side of a ForeignKey, OneToOneField or
//! ManyToManyField, declared on the target model (`pub posts: Reverse<Post>`).

use std::sync::Arc;

use djorm_sql::{Expr, Update, Value};

use super::containers::{bound, Binding, CachedGroup};
use super::many::Side;
use super::{join_table, reverse_by_accessor, ReverseKind, ReverseRelation};
use crate::lower::Lowerer;
use crate::{Db, Error, Model, Query, QuerySet, Result, Rhs, Q};

fn relation(binding: &Binding) -> Result<&'static ReverseRelation> {
    reverse_by_accessor(binding.owner, binding.name).ok_or_else(|| {
        Error::field(format!(
            "{}.{} matches no relation: declare it on the other model with related_name = \"{}\"",
            binding.owner.object_name, binding.name, binding.name
        ))
    })
}

/// The forward path from the related model back to the owner (`author` for `Post.author`,
/// `tags` for `Post.tags`).
fn forward_name(rel: &ReverseRelation) -> &'static str {
    match (rel.field, rel.m2m) {
        (Some(f), _) => f.name,
        (None, Some(m)) => m.name,
        (None, None) => "pk",
    }
}

/// True when the relation's key holds the owner's primary key (not another field, `to_field`).
fn references_pk(rel: &ReverseRelation) -> bool {
    rel.field.and_then(|f| f.relation.as_ref()).is_none_or(|r| r.target_field().primary_key)
}

/// The lookup from the related model to the owner's primary key: the key itself, or through
/// the join (`account__pk`) when the key holds another field of the owner.
fn owner_lookup(rel: &ReverseRelation) -> String {
    if references_pk(rel) {
        forward_name(rel).to_owned()
    } else {
        format!("{}__pk", forward_name(rel))
    }
}

/// The value the relation's key holds for the owner: its primary key, or the field `to_field`
/// names, read in one query.
async fn key_value(db: &Db, b: &Binding, rel: &ReverseRelation) -> Result<Value> {
    let target = match rel.field.and_then(|f| f.relation.as_ref()) {
        Some(r) if !r.target_field().primary_key => r.target_field(),
        _ => return Ok(b.pk.clone()),
    };
    let mut query = Query::new(b.owner);
    query.add_filter(Q::new("pk", Rhs::Value(b.pk.clone())));
    let (_, rows) = crate::queryset::fetch_fields(db, &query, &[target.name]).await?;
    rows.values.into_iter().next().ok_or(Error::DoesNotExist { model: b.owner.object_name })
}

/// The many objects on the other side of a relation: Django's related manager
/// (`author.posts.all()`, `author.posts.create(...)`, `tag.posts.all()`).
pub struct Reverse<T: Model> {
    binding: Option<Binding>,
    cached: Option<CachedGroup<T>>,
}

super::containers::bound_container!(Reverse);

impl<T: Model> Reverse<T> {
    super::containers::cached_many!();

    /// A QuerySet over the related objects.
    pub fn queryset(&self) -> Result<QuerySet<T>> {
        let b = bound(&self.binding, T::meta().object_name)?;
        let rel = relation(b)?;
        let mut qs = T::objects().filter(Q::new(owner_lookup(rel), Rhs::Value(b.pk.clone()))).around_instance_of(b.db);
        qs = qs.traced(format!("{}.{}: use prefetch_related(\"{}\")", b.owner.object_name, b.name, b.name));
        Ok(qs)
    }

    /// Every related object: the prefetched ones when prefetch_related loaded them (no
    /// query, as Django answers `all()` from its prefetch cache), else one query.
    pub async fn all(&self, db: &Db) -> Result<Vec<T>>
    where
        T: Clone,
    {
        if let Some(cached) = self.cached() {
            return Ok(cached.to_vec());
        }
        self.queryset()?.all(db).await
    }

    /// The related objects matching `q`.
    pub fn filter(&self, q: impl Into<Q>) -> Result<QuerySet<T>> {
        Ok(self.queryset()?.filter(q))
    }

    /// How many objects are related: the prefetched ones counted without a query when
    /// prefetch_related loaded them, as Django does.
    pub async fn count(&self, db: &Db) -> Result<u64> {
        if let Some(cached) = self.cached() {
            return Ok(cached.len() as u64);
        }
        self.queryset()?.count(db).await
    }

    /// Creates an object pointing at the owner (the key is set for you) and returns it.
    pub async fn create(&self, db: &Db, mut object: T) -> Result<T> {
        let b = bound(&self.binding, T::meta().object_name)?;
        let rel = relation(b)?;
        match rel.kind {
            ReverseKind::ManyToMany => {
                let object = T::objects().around_instance_of(b.db).create(db, object).await?;
                self.side(b, rel)?.add(db, &b.pk, std::slice::from_ref(&object.pk_value()), &[]).await?;
                Ok(object)
            }
            _ => {
                object.set_value(forward_name(rel), key_value(db, b, rel).await?)?;
                T::objects().around_instance_of(b.db).create(db, object).await
            }
        }
    }

    fn side(&self, b: &Binding, rel: &ReverseRelation) -> Result<Side> {
        let m2m = rel.m2m.ok_or_else(|| Error::InvalidQuery("not a many-to-many relation".into()))?;
        let table = join_table(rel.model, m2m)?;
        let (own, other) = (table.target_column.clone(), table.source_column.clone());
        Ok(Side { table, own, other, symmetrical: false, owner_db: b.db })
    }

    async fn set_keys(&self, db: &Db, b: &Binding, rel: &ReverseRelation, keys: &[Value], to: Value) -> Result<()> {
        let Some(field) = rel.field else { return Ok(()) };
        if keys.is_empty() {
            return Ok(());
        }
        let model = rel.model;
        let db = &*db.route(model, None, true, &crate::Hints { instance: None, instance_db: b.db })?;
        let pk_column = Lowerer::new(model).pk_column();
        let update = Update {
            table: model.db_table.to_owned(),
            assignments: vec![(field.column.to_owned(), Expr::Param(to))],
            filter: Some(Expr::InValues { expr: Box::new(pk_column), values: keys.to_vec() }),
        };
        db.execute(&db.dialect().compile_update(&update)).await?;
        Ok(())
    }

    /// Points the objects at the owner (a ForeignKey is updated; a many-to-many row added).
    pub async fn add<'a>(&self, db: &Db, objects: impl IntoIterator<Item = &'a T>) -> Result<()> {
        let b = bound(&self.binding, T::meta().object_name)?;
        let rel = relation(b)?;
        let keys = super::many::checked_keys(db, b, objects)?;
        match rel.kind {
            ReverseKind::ManyToMany => {
                // The owner is on the target side of the join table: its key fills the
                // target column, the added objects' keys the source column.
                self.side(b, rel)?.add(db, &b.pk, &keys, &[]).await
            }
            _ => self.set_keys(db, b, rel, &keys, key_value(db, b, rel).await?).await,
        }
    }

    fn require_nullable(&self, rel: &ReverseRelation) -> Result<()> {
        match rel.field {
            Some(f) if !f.null => Err(Error::InvalidQuery(format!(
                "remove() and clear() need {}.{} to be nullable (Option<ForeignKey<..>>)",
                rel.model.object_name, f.name
            ))),
            _ => Ok(()),
        }
    }

    /// Detaches the objects (the key is set to NULL; a many-to-many row removed).
    pub async fn remove<'a>(&self, db: &Db, objects: impl IntoIterator<Item = &'a T>) -> Result<()> {
        let b = bound(&self.binding, T::meta().object_name)?;
        let rel = relation(b)?;
        let keys: Vec<Value> = objects.into_iter().map(Model::pk_value).collect();
        match rel.kind {
            ReverseKind::ManyToMany => self.side(b, rel)?.remove(db, &b.pk, Some(&keys)).await,
            _ => {
                self.require_nullable(rel)?;
                self.set_keys(db, b, rel, &keys, Value::Null).await
            }
        }
    }

    /// Makes the related set exactly `objects`: the others are detached (Django's `set()`).
    pub async fn set<'a>(&self, db: &Db, objects: impl IntoIterator<Item = &'a T>) -> Result<()> {
        let wanted: Vec<&T> = objects.into_iter().collect();
        // Refused relations are refused before anything is detached.
        let keys = super::many::checked_keys(db, bound(&self.binding, T::meta().object_name)?, wanted.iter().copied())?;
        let current: Vec<Value> = self.queryset()?.values_list(db, &["pk"]).await?.into_iter().flatten().collect();
        let stale: Vec<Value> = current.into_iter().filter(|k| !keys.contains(k)).collect();
        if !stale.is_empty() {
            let b = bound(&self.binding, T::meta().object_name)?;
            let rel = relation(b)?;
            match rel.kind {
                ReverseKind::ManyToMany => {
                    self.side(b, rel)?.remove(db, &b.pk, Some(&stale)).await?;
                }
                _ => {
                    self.require_nullable(rel)?;
                    self.set_keys(db, b, rel, &stale, Value::Null).await?;
                }
            }
        }
        self.add(db, wanted).await
    }

    /// Detaches every related object.
    pub async fn clear(&self, db: &Db) -> Result<()> {
        let b = bound(&self.binding, T::meta().object_name)?;
        let rel = relation(b)?;
        if rel.kind != ReverseKind::ManyToMany {
            self.require_nullable(rel)?;
        }
        match rel.kind {
            ReverseKind::ManyToMany => self.side(b, rel)?.remove(db, &b.pk, None).await,
            _ => {
                let keys: Vec<Value> = self.queryset()?.values_list(db, &["pk"]).await?.into_iter().flatten().collect();
                self.set_keys(db, b, rel, &keys, Value::Null).await
            }
        }
    }
}

/// The one object on the other side of a OneToOneField (`user.profile`).
pub struct ReverseOne<T: Model> {
    binding: Option<Binding>,
    /// `Some(None)`: loaded, and there is no related object (a cached miss).
    cached: Option<Option<Arc<T>>>,
}

super::containers::bound_container!(ReverseOne);

impl<T: Model> ReverseOne<T> {
    /// Connects the accessor to its instance (called by the derive).
    #[doc(hidden)]
    pub fn bind(&mut self, binding: Binding) {
        self.binding = Some(binding);
    }

    /// The related object when select_related or prefetch_related loaded it.
    pub fn cached(&self) -> Option<&T> {
        self.cached.as_ref().and_then(|c| c.as_deref())
    }

    /// True when select_related or prefetch_related looked the object up, found or not.
    pub fn is_cached(&self) -> bool {
        self.cached.is_some()
    }

    /// Stores the loaded related object (`None`: there is none, remembered as Django
    /// remembers a miss).
    pub fn set_cached(&mut self, object: Option<T>) {
        self.cached = Some(object.map(Arc::new));
    }

    /// Stores a loaded object already shared (how select_related hands it over).
    #[doc(hidden)]
    pub fn set_cached_shared(&mut self, object: Option<Arc<T>>) {
        self.cached = Some(object);
    }

    /// The related object, or `DoesNotExist` when there is none; no query when select_related
    /// or prefetch_related looked it up (a miss included).
    pub async fn get(&self, db: &Db) -> Result<T>
    where
        T: Clone,
    {
        match &self.cached {
            Some(Some(cached)) => return Ok((**cached).clone()),
            Some(None) => return Err(Error::DoesNotExist { model: T::meta().object_name }),
            None => {}
        }
        let b = bound(&self.binding, T::meta().object_name)?;
        let rel = relation(b)?;
        T::objects()
            .traced(format!("{}.{}: use select_related(\"{}\")", b.owner.object_name, b.name, b.name))
            .get(db, Q::new(owner_lookup(rel), Rhs::Value(b.pk.clone())))
            .await
    }
}

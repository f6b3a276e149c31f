//! `ManyToMany<T>`: the forward side of a many-to-many field and its manager.

use djorm_sql::{BinOp, Delete, Expr, Insert, Select, SelectItem, Value};

use super::containers::{bound, Binding, CachedGroup};
use super::{join_table, reverse_relations, JoinTable, ReverseKind};
use crate::signals::{self, M2mAction, M2mChange};
use crate::{Db, Error, Model, ModelMeta, QuerySet, Result, Rhs, Q};

/// A ManyToManyField to `T`. Not a column: the rows live in a join table. Use it as Django's
/// manager: `post.tags.add(&db, [&django, &rust])`, `post.tags.all(&db)`.
pub struct ManyToMany<T: Model> {
    binding: Option<Binding>,
    cached: Option<CachedGroup<T>>,
}

super::containers::bound_container!(ManyToMany);

/// Rows of a join table, seen from one side: `own` is the column of the instance that owns the
/// manager, `other` the column of the objects added.
#[derive(Clone)]
pub(crate) struct Side {
    pub table: JoinTable,
    pub own: String,
    pub other: String,
    pub symmetrical: bool,
    /// The database the manager's owner is on, when it remembers: where the links are written
    /// when no router answers.
    pub owner_db: Option<&'static str>,
}

impl Side {
    /// The models of the `own` and `other` columns.
    fn models(&self) -> (&'static ModelMeta, &'static ModelMeta) {
        if self.own == self.table.source_column {
            (self.table.source, self.table.target)
        } else {
            (self.table.target, self.table.source)
        }
    }

    /// An `m2m_changed` for this side's relation.
    fn change<'a>(&self, action: M2mAction, own: &'a Value, pk_set: Option<&'a [Value]>) -> M2mChange<'a> {
        let (instance_model, model) = self.models();
        M2mChange {
            action,
            field_model: self.table.source,
            field: self.table.field,
            instance_model,
            instance_pk: own,
            reverse: self.own != self.table.source_column,
            model,
            pk_set,
        }
    }

    /// Where the links are written: the routers' choice for the owner's model, else the
    /// owner's database, else `default`.
    fn write_db<'d>(&self, db: &'d Db) -> Result<std::borrow::Cow<'d, Db>> {
        db.route(self.models().0, None, true, &crate::Hints { instance: None, instance_db: self.owner_db })
    }

    fn listened(&self) -> bool {
        signals::has_m2m_receivers(self.table.source, self.table.field)
    }

    /// Django's guards: the owner must be saved before its relation is used, and every object
    /// added must be saved (a NULL key would be stored or matched).
    fn check_saved(&self, own: &Value, others: &[Value]) -> Result<()> {
        let (own_model, other_model) = self.models();
        if own.is_null() {
            return Err(Error::InvalidValue(format!(
                "\"<{0}: {0} object (None)>\" needs to have a value for field \"{1}\" before this many-to-many \
                 relationship can be used.",
                own_model.object_name,
                own_model.pk().name
            )));
        }
        if others.iter().any(Value::is_null) {
            return Err(Error::InvalidValue(format!(
                "Cannot add \"<{0}: {0} object (None)>\": the value for field \"{1}\" is None",
                other_model.object_name,
                self.other.strip_suffix("_id").unwrap_or(&self.other)
            )));
        }
        Ok(())
    }

    fn pairs_filter(&self, own: &Value, others: Option<&[Value]>) -> Expr {
        let mut cond =
            Expr::Column { table: None, column: self.own.clone() }.binary(BinOp::Eq, Expr::Param(own.clone()));
        if let Some(others) = others {
            let values = others.to_vec();
            cond = cond.and(Expr::InValues {
                expr: Box::new(Expr::Column { table: None, column: self.other.clone() }),
                values,
            });
        }
        cond
    }

    /// The keys already linked to `own` among `others`.
    async fn existing(&self, db: &Db, own: &Value, others: &[Value]) -> Result<Vec<Value>> {
        let mut select = Select::from_table(self.table.table.clone());
        select.columns =
            vec![SelectItem { expr: Expr::Column { table: None, column: self.other.clone() }, alias: None }];
        select.filter = Some(self.pairs_filter(own, Some(others)));
        let kind = self.table.target.pk().value_kind();
        Ok(db.fetch(&db.dialect().compile_select(&select), &[kind]).await?.values)
    }

    /// The values of a through model's own fields for a new link: `through_defaults`, then
    /// the field's default, `auto_now`, or NULL.
    fn through_values(&self, defaults: &[(String, Value)]) -> Result<(Vec<String>, Vec<Value>)> {
        let (mut columns, mut values) = (Vec::new(), Vec::new());
        let Some(through) = self.table.through else { return Ok((columns, values)) };
        for field in through.fields {
            if field.primary_key || field.column == self.own || field.column == self.other {
                continue;
            }
            let value = if let Some((_, v)) = defaults.iter().find(|(n, _)| n == field.name) {
                v.clone()
            } else if field.auto_now || field.auto_now_add {
                Value::DateTime(chrono::SubsecRound::trunc_subsecs(chrono::Utc::now(), 6))
            } else if let Some(default) = field.default {
                default.value()
            } else if field.null {
                Value::Null
            } else {
                return Err(Error::InvalidQuery(format!(
                    "adding to a relation through {} needs a value for '{}': pass it in through_defaults",
                    through.object_name, field.name
                )));
            };
            columns.push(field.column.to_owned());
            values.push(value);
        }
        Ok((columns, values))
    }

    /// One INSERT of `pairs` (own, other) that skips pairs already linked, so concurrent adds
    /// of the same pair both succeed (`ON CONFLICT DO NOTHING`).
    async fn insert_pairs(&self, db: &Db, pairs: &[(Value, Value)], defaults: &[(String, Value)]) -> Result<()> {
        if pairs.is_empty() {
            return Ok(());
        }
        let (extra_columns, extra) = self.through_values(defaults)?;
        let mut columns = vec![self.own.clone(), self.other.clone()];
        columns.extend(extra_columns);
        let rows = pairs
            .iter()
            .map(|(own, other)| {
                let mut row = vec![Expr::Param(own.clone()), Expr::Param(other.clone())];
                row.extend(extra.iter().cloned().map(Expr::Param));
                row
            })
            .collect();
        let insert =
            Insert { table: self.table.table.clone(), columns, rows, returning: Vec::new(), ignore_conflicts: true };
        db.execute(&db.dialect().compile_insert(&insert)).await?;
        Ok(())
    }

    /// Adds links from `own` to `others` (and back, for a symmetrical relation), skipping
    /// those already there. An automatic join table has a unique pair, so this is one
    /// `INSERT ... ON CONFLICT DO NOTHING`; a through model may not, so its missing pairs are
    /// looked up first, in the same transaction.
    pub async fn add(&self, db: &Db, own: &Value, others: &[Value], defaults: &[(String, Value)]) -> Result<()> {
        self.check_saved(own, others)?;
        let db = &*self.write_db(db)?;
        let mut distinct: Vec<Value> = Vec::with_capacity(others.len());
        for v in others {
            if !distinct.contains(v) {
                distinct.push(v.clone());
            }
        }
        if distinct.is_empty() {
            return Ok(());
        }
        let listened = self.listened();
        if self.table.through.is_none() && !listened {
            return self.insert_pairs(db, &self.pairs(own, &distinct), defaults).await;
        }
        // The keys not linked yet, found and linked in one unit; receivers hear them as
        // Django's pk_set, inside it, as Django sends m2m_changed.
        db.atomic_write(2, |tx| async move {
            let existing = self.existing(&tx, own, &distinct).await?;
            let missing: Vec<Value> = distinct.into_iter().filter(|v| !existing.contains(v)).collect();
            if listened {
                signals::send_m2m_changed(&tx, self.change(M2mAction::PreAdd, own, Some(&missing))).await?;
            }
            if !missing.is_empty() {
                self.insert_pairs(&tx, &self.pairs(own, &missing), defaults).await?;
            }
            if listened {
                signals::send_m2m_changed(&tx, self.change(M2mAction::PostAdd, own, Some(&missing))).await?;
            }
            Ok(())
        })
        .await
    }

    /// The join rows linking `own` to each of `missing` (and back, when symmetrical).
    fn pairs(&self, own: &Value, missing: &[Value]) -> Vec<(Value, Value)> {
        let mut pairs: Vec<(Value, Value)> = missing.iter().map(|o| (own.clone(), o.clone())).collect();
        if self.symmetrical {
            pairs.extend(missing.iter().filter(|o| *o != own).map(|o| (o.clone(), own.clone())));
        }
        pairs
    }

    /// Removes links (all of them when `others` is `None`), both ways for a symmetrical
    /// relation, in one DELETE.
    pub async fn remove(&self, db: &Db, own: &Value, others: Option<&[Value]>) -> Result<()> {
        self.check_saved(own, &[])?;
        let db = &*self.write_db(db)?;
        let listened = self.listened();
        let (pre, post) = match others {
            Some(_) => (M2mAction::PreRemove, M2mAction::PostRemove),
            None => (M2mAction::PreClear, M2mAction::PostClear),
        };
        if listened {
            signals::send_m2m_changed(db, self.change(pre, own, others)).await?;
        }
        let mut filter = self.pairs_filter(own, others);
        if self.symmetrical {
            let back = Side { own: self.other.clone(), other: self.own.clone(), ..self.clone() };
            filter = filter.binary(BinOp::Or, back.pairs_filter(own, others));
        }
        let delete = Delete { table: self.table.table.clone(), filter: Some(filter) };
        db.execute(&db.dialect().compile_delete(&delete)).await?;
        if listened {
            signals::send_m2m_changed(db, self.change(post, own, others)).await?;
        }
        Ok(())
    }
}

/// The keys of `objects` about to be related to the owner of `b`, after Django's guard: an
/// object of another database than the owner's is refused unless the routers allow the
/// relation (Django's "Cannot add ...: instance is on database ..., value is on database ...").
pub(crate) fn checked_keys<'a, T: Model + 'a>(
    db: &Db,
    b: &Binding,
    objects: impl IntoIterator<Item = &'a T>,
) -> Result<Vec<Value>> {
    let mut keys = Vec::new();
    for object in objects {
        if let (Some(owner_db), Some(object_db)) = (b.db, object.instance_state().and_then(crate::InstanceState::db)) {
            let value = crate::RelationEnd { model: T::meta(), db: object_db, instance: Some(object) };
            let owner = crate::RelationEnd { model: b.owner, db: owner_db, instance: None };
            if !db.allow_relation(&value, &owner) {
                return Err(Error::InvalidValue(format!(
                    "Cannot add \"<{model}: {model} object ({pk})>\": instance is on database \"{owner_db}\", value is \
                     on database \"{object_db}\"",
                    model = T::meta().object_name,
                    pk = object.pk_value(),
                )));
            }
        }
        keys.push(object.pk_value());
    }
    Ok(keys)
}

impl<T: Model> ManyToMany<T> {
    super::containers::cached_many!();

    fn side(&self) -> Result<(Side, Value)> {
        let b = bound(&self.binding, T::meta().object_name)?;
        let m2m = b
            .owner
            .many_to_many_field(b.name)
            .ok_or_else(|| Error::field(format!("{} has no many-to-many field '{}'", b.owner.object_name, b.name)))?;
        let table = join_table(b.owner, m2m)?;
        let symmetrical = m2m.symmetrical && table.source.is(table.target);
        let (own, other) = (table.source_column.clone(), table.target_column.clone());
        Ok((Side { table, own, other, symmetrical, owner_db: b.db }, b.pk.clone()))
    }

    /// A QuerySet over the related objects, to chain further (`post.tags.queryset()?.filter(...)`).
    pub fn queryset(&self) -> Result<QuerySet<T>> {
        let b = bound(&self.binding, T::meta().object_name)?;
        let reverse = reverse_relations(T::meta())
            .iter()
            .find(|r| {
                r.kind == ReverseKind::ManyToMany && r.model.is(b.owner) && r.m2m.is_some_and(|m| m.name == b.name)
            })
            .ok_or_else(|| Error::field(format!("no reverse side for {}.{}", b.owner.object_name, b.name)))?;
        Ok(T::objects().filter(Q::new(reverse.query_name.clone(), Rhs::Value(b.pk.clone()))).around_instance_of(b.db))
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

    /// Links the objects (already linked ones are left alone), as Django's `add()`.
    pub async fn add<'a>(&self, db: &Db, objects: impl IntoIterator<Item = &'a T>) -> Result<()> {
        let (side, own) = self.side()?;
        let keys = checked_keys(db, bound(&self.binding, T::meta().object_name)?, objects)?;
        side.add(db, &own, &keys, &[]).await
    }

    /// Links the objects through the through model, filling its extra fields from
    /// `through_defaults` (field name → value), as Django's `add(..., through_defaults=...)`.
    pub async fn add_with<'a>(
        &self,
        db: &Db,
        objects: impl IntoIterator<Item = &'a T>,
        through_defaults: &[(&str, Value)],
    ) -> Result<()> {
        let (side, own) = self.side()?;
        let defaults: Vec<(String, Value)> =
            through_defaults.iter().map(|(k, v)| ((*k).to_owned(), v.clone())).collect();
        let keys = checked_keys(db, bound(&self.binding, T::meta().object_name)?, objects)?;
        side.add(db, &own, &keys, &defaults).await
    }

    /// Unlinks the objects.
    pub async fn remove<'a>(&self, db: &Db, objects: impl IntoIterator<Item = &'a T>) -> Result<()> {
        let (side, own) = self.side()?;
        let keys: Vec<Value> = objects.into_iter().map(Model::pk_value).collect();
        side.remove(db, &own, Some(&keys)).await
    }

    /// Unlinks every object.
    pub async fn clear(&self, db: &Db) -> Result<()> {
        let (side, own) = self.side()?;
        side.remove(db, &own, None).await
    }

    /// Makes the related set exactly `objects`, in one transaction (a savepoint inside one):
    /// a failure leaves the set as it was.
    pub async fn set<'a>(&self, db: &Db, objects: impl IntoIterator<Item = &'a T>) -> Result<()> {
        let (side, own) = self.side()?;
        let wanted = checked_keys(db, bound(&self.binding, T::meta().object_name)?, objects)?;
        let queryset = self.queryset()?;
        db.atomic_write(3, |tx| async move {
            let current: Vec<Value> = queryset.values_list(&tx, &["pk"]).await?.into_iter().flatten().collect();
            let stale: Vec<Value> = current.iter().filter(|v| !wanted.contains(v)).cloned().collect();
            if !stale.is_empty() {
                side.remove(&tx, &own, Some(&stale)).await?;
            }
            side.add(&tx, &own, &wanted, &[]).await
        })
        .await
    }
}

/// The many-to-many field `field` of `owner`, seen from `owner`'s side, for callers that know
/// models only by their metadata (the shell).
fn dynamic_side(owner: &'static ModelMeta, field: &str) -> Result<Side> {
    let m2m = owner
        .many_to_many_field(field)
        .ok_or_else(|| Error::field(format!("{} has no many-to-many field '{field}'", owner.object_name)))?;
    let table = join_table(owner, m2m)?;
    let symmetrical = m2m.symmetrical && table.source.is(table.target);
    let (own, other) = (table.source_column.clone(), table.target_column.clone());
    Ok(Side { table, own, other, symmetrical, owner_db: None })
}

/// `obj.field.add(*others)` by primary keys: links `own` to each of `others` (already linked
/// ones are skipped).
pub async fn add_links(db: &Db, owner: &'static ModelMeta, field: &str, own: &Value, others: &[Value]) -> Result<()> {
    dynamic_side(owner, field)?.add(db, own, others, &[]).await
}

/// `obj.field.remove(*others)` by primary keys, or `obj.field.clear()` when `others` is `None`.
pub async fn remove_links(
    db: &Db,
    owner: &'static ModelMeta,
    field: &str,
    own: &Value,
    others: Option<&[Value]>,
) -> Result<()> {
    dynamic_side(owner, field)?.remove(db, own, others).await
}

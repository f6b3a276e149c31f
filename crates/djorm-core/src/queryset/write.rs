//! Terminal methods that write: create, bulk_create, get_or_create, update_or_create,
//! update, delete.

use std::collections::BTreeMap;

use djorm_sql::Value;

use super::QuerySet;
use crate::signals::{self, Signal};
use crate::{Db, Error, Expression, Model, Result, Q};

/// What a `delete()` removed: the total and the count per model label, as Django's
/// `(total, {"app.Model": n})`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Deleted {
    /// Rows deleted in all.
    pub total: u64,
    /// Rows deleted per model label (`"blog.Author"`).
    pub per_model: BTreeMap<String, u64>,
}

/// `e`, naming the field whose value among `rows` of `M` the database refused.
fn refused<M: Model>(rows: impl Iterator<Item = Vec<Value>>, e: Error) -> Error {
    let rows: Vec<Vec<Value>> = rows.collect();
    super::insert::refused(M::meta(), &rows, e)
}

/// The most objects one `bulk_update()` statement carries.
const BULK_UPDATE_BATCH: usize = 1000;

/// Inserts `objects` (all without a primary key) and stores the keys the database hands back.
async fn insert_returning<M: Model>(db: &Db, objects: &mut [M]) -> Result<()> {
    let mut rows: Vec<Vec<Value>> = objects.iter().map(Model::field_values).collect();
    super::insert::returning(db, M::meta(), &mut rows).await?;
    for (obj, row) in objects.iter_mut().zip(rows) {
        obj.set_pk_value(row[M::meta().pk_index].clone())?;
    }
    Ok(())
}

/// Inserts objects whose primary key is already set.
async fn insert_with_pk<M: Model>(db: &Db, objects: &[M]) -> Result<()> {
    let rows: Vec<Vec<Value>> = objects.iter().map(Model::field_values).collect();
    super::insert::with_pk(db, M::meta(), &rows).await
}

/// The database a write of `obj` goes to: the one `using` names, else the routers' answer
/// (given the instance), else the database the instance came from, else the one its keys'
/// objects are on (Django sets that when a key is assigned), else the database of the instance
/// the write is `around` (a related manager's owner), else `default`. Keys to objects of
/// another database are refused unless the routers allow the relation.
fn write_target<'d, M: Model>(
    db: &'d Db,
    using: Option<&str>,
    around: Option<&'static str>,
    obj: &M,
) -> Result<std::borrow::Cow<'d, Db>> {
    let keys = obj.key_databases();
    let own = obj.instance_state().and_then(crate::InstanceState::db);
    let instance_db = own.or_else(|| keys.first().map(|k| k.db)).or(around);
    let hints = crate::Hints { instance: Some(obj), instance_db };
    let target = db.route(M::meta(), using, true, &hints)?;
    let this = crate::RelationEnd { model: M::meta(), db: target.alias(), instance: Some(obj) };
    for key in &keys {
        let other = crate::RelationEnd { model: key.target, db: key.db, instance: None };
        if !target.allow_relation(&other, &this) {
            return Err(Error::InvalidValue(format!(
                "Cannot assign \"<{model}: {model} object ({pk})>\" to {owner}.{field}: the current database router prevents \
                 this relation (the {model} is on database \"{from}\", the {owner} is saved to \"{to}\").",
                model = key.target.object_name,
                pk = key.key,
                owner = M::meta().object_name,
                field = key.field,
                from = key.db,
                to = target.alias(),
            )));
        }
    }
    Ok(target)
}

/// After a write to `db`: the instance remembers the database, and its managers and keys too.
fn saved_to<M: Model>(db: &Db, obj: &mut M) {
    if let Some(state) = obj.instance_state_mut() {
        if state.db() != Some(db.alias()) {
            state.set_db(db.alias());
            obj.bind_relations();
        }
    }
}

/// Saves one instance: INSERT when it has no primary key yet, else UPDATE, falling back to
/// INSERT when no row has that key (Django's `save()`).
pub(crate) async fn save_instance<M: Model>(db: &Db, obj: &mut M) -> Result<()> {
    let db = &*write_target(db, None, None, obj)?;
    let created = save_row(db, obj).await?;
    saved_to(db, obj);
    signals::send(Signal::PostSave, M::meta(), db, &*obj, created).await
}

/// Django's `save(update_fields=[...])`: an UPDATE of those fields only (after pre_save and
/// `auto_now`), with Django's errors for a field that cannot be updated, an object without a
/// key, and a row that is not there. No fields: nothing is saved and no signal is sent.
pub(crate) async fn save_fields<M: Model>(db: &Db, obj: &mut M, names: &[&str]) -> Result<()> {
    let db = &*write_target(db, None, None, obj)?;
    if names.is_empty() {
        return Ok(());
    }
    let meta = M::meta();
    let pk = meta.pk_index;
    let mut columns = Vec::with_capacity(names.len());
    let mut not_updatable = Vec::new();
    for name in names {
        match meta.fields.iter().position(|f| f.name == *name || f.attname() == *name) {
            Some(i) if i != pk => columns.push(i),
            _ => not_updatable.push(*name),
        }
    }
    if !not_updatable.is_empty() {
        return Err(Error::InvalidValue(format!(
            "The following fields do not exist in this model, are m2m fields, primary keys, or are non-concrete \
             fields: {}",
            not_updatable.join(", ")
        )));
    }
    if obj.pk_value().is_null() {
        return Err(Error::InvalidValue("Cannot force an update in save() with no primary key.".into()));
    }
    signals::send(Signal::PreSave, meta, db, &*obj, false).await?;
    obj.pre_save(false);
    let mut update = crate::lower::Lowerer::new(meta).update_instance(obj.field_values());
    let chosen: Vec<&str> = columns.iter().map(|i| meta.fields[*i].column).collect();
    update.assignments.retain(|(column, _)| chosen.contains(&column.as_str()));
    let changed = db
        .execute(&db.dialect().compile_update(&update))
        .await
        .map_err(|e| refused::<M>(std::iter::once(obj.field_values()), e))?;
    if changed == 0 {
        return Err(Error::Database {
            kind: crate::DatabaseErrorKind::Other,
            sqlstate: None,
            message: "Save with update_fields did not affect any rows.".into(),
        });
    }
    saved_to(db, obj);
    signals::send(Signal::PostSave, meta, db, &*obj, false).await
}

/// Django's guard before a write: a key to an object never saved would store NULL and lose
/// the relation.
fn refuse_unsaved_relation<M: Model>(obj: &M, operation: &str) -> Result<()> {
    match obj.unsaved_relation() {
        Some(field) => Err(Error::InvalidValue(format!(
            "{operation}() prohibited to prevent data loss due to unsaved related object '{field}'."
        ))),
        None => Ok(()),
    }
}

/// Inserts one instance, whether or not it has a key (`create()`, Django's
/// `save(force_insert=True)`): a key already taken is an IntegrityError, and nothing changes.
pub(crate) async fn insert_instance<M: Model>(db: &Db, obj: &mut M) -> Result<()> {
    let db = &*write_target(db, None, None, obj)?;
    refuse_unsaved_relation(obj, "save")?;
    signals::send(Signal::PreSave, M::meta(), db, &*obj, false).await?;
    obj.pre_save(true);
    if obj.pk_value().is_null() {
        insert_returning(db, std::slice::from_mut(obj)).await?;
    } else {
        insert_with_pk(db, std::slice::from_ref(obj)).await?;
    }
    saved_to(db, obj);
    signals::send(Signal::PostSave, M::meta(), db, &*obj, true).await
}

/// Writes one instance (insert or update) after pre_save; returns whether it was created.
async fn save_row<M: Model>(db: &Db, obj: &mut M) -> Result<bool> {
    refuse_unsaved_relation(obj, "save")?;
    signals::send(Signal::PreSave, M::meta(), db, &*obj, false).await?;
    if obj.pk_value().is_null() {
        obj.pre_save(true);
        insert_returning(db, std::slice::from_mut(obj)).await?;
        return Ok(true);
    }
    obj.pre_save(false);
    let changed = super::insert::update_row(db, M::meta(), obj.field_values())
        .await
        .map_err(|e| refused::<M>(std::iter::once(obj.field_values()), e))?;
    if changed == 0 {
        obj.pre_save(true);
        insert_with_pk(db, std::slice::from_ref(obj)).await?;
        return Ok(true);
    }
    Ok(false)
}

impl<M: Model> QuerySet<M> {
    /// Inserts `obj` and returns it with its primary key set (Django's `create()`).
    ///
    /// ```
    /// # djorm_doc_examples::run(|db| async move {
    /// # use djorm_doc_examples::{Author, Post, Tag};
    /// use djorm::prelude::*;
    /// let ann = Author::objects()
    ///     .create(&db, Author { name: "Ann Lee".into(), email: "ann@example.com".into(), ..Default::default() })
    ///     .await?;
    /// assert!(ann.id.get().is_some()); // the key the database gave it
    /// assert_eq!(Author::objects().count(&db).await?, 3);
    /// # Ok(()) });
    /// ```
    pub async fn create(&self, db: &Db, mut obj: M) -> Result<M> {
        // Routers see the new instance, as Django passes it.
        let query = &self.inner.query;
        let db = &*write_target(db, query.using.as_deref(), query.instance_db, &obj)?;
        insert_instance(db, &mut obj).await?;
        Ok(obj)
    }

    /// Inserts many objects in as few statements as possible and returns them with their
    /// primary keys set (Django's `bulk_create()`). All batches go in one transaction (a
    /// savepoint inside one): if any row fails, none is inserted.
    ///
    /// ```
    /// # djorm_doc_examples::run(|db| async move {
    /// # use djorm_doc_examples::{Author, Post, Tag};
    /// use djorm::prelude::*;
    /// let tags = ["python", "sql"].map(|name| Tag { name: name.into(), ..Default::default() });
    /// let created = Tag::objects().bulk_create(&db, tags).await?;
    /// assert!(created.iter().all(|t| t.id.get().is_some()));
    /// assert_eq!(Tag::objects().count(&db).await?, 4);
    /// # Ok(()) });
    /// ```
    pub async fn bulk_create(&self, db: &Db, objects: impl IntoIterator<Item = M>) -> Result<Vec<M>> {
        let db = &*db.for_write(&self.inner.query)?;
        let mut objects: Vec<M> = objects.into_iter().collect();
        for obj in &objects {
            refuse_unsaved_relation(obj, "bulk_create")?;
        }
        for obj in &mut objects {
            obj.pre_save(true);
        }
        let rows = objects.iter().map(Model::field_values).collect();
        let stored = super::insert::bulk(db, M::meta(), rows).await?;
        // The rows come back keyed ones first, as they were inserted; objects follow them.
        let (mut without_pk, mut with_key): (Vec<M>, Vec<M>) =
            objects.into_iter().partition(|o| o.pk_value().is_null());
        for (obj, row) in without_pk.iter_mut().zip(stored.iter().skip(with_key.len())) {
            obj.set_pk_value(row[M::meta().pk_index].clone())?;
        }
        with_key.extend(without_pk);
        for obj in &mut with_key {
            saved_to(db, obj);
        }
        Ok(with_key)
    }

    /// The object matching `q`, or a new one from `create()` saved to the database. The flag
    /// says whether it was created. The INSERT runs in a savepoint when inside a transaction,
    /// so a concurrent insert of the same unique key is caught, the transaction stays usable,
    /// and the winner's row is returned, as Django does.
    ///
    /// ```
    /// # djorm_doc_examples::run(|db| async move {
    /// # use djorm_doc_examples::{Author, Post, Tag};
    /// use djorm::prelude::*;
    /// let (rust, created) = Tag::objects().get_or_create(&db, q!(Tag, name = "rust"), Tag::default).await?;
    /// assert!(!created && rust.id.get() == Some(2));
    /// let (_, created) =
    ///     Tag::objects().get_or_create(&db, q!(Tag, name = "sql"), || Tag { name: "sql".into(), ..Default::default() }).await?;
    /// assert!(created);
    /// # Ok(()) });
    /// ```
    pub async fn get_or_create(&self, db: &Db, q: impl Into<Q>, create: impl FnOnce() -> M) -> Result<(M, bool)> {
        let db = &*db.for_write(&self.inner.query)?;
        let q = q.into();
        match self.get(db, q.clone()).await {
            Ok(obj) => Ok((obj, false)),
            Err(Error::DoesNotExist { .. }) => {
                let obj = create();
                match db.atomic_write(1, |tx| async move { self.create(&tx, obj).await }).await {
                    Ok(obj) => Ok((obj, true)),
                    Err(e @ Error::Integrity { .. }) => match self.get(db, q).await {
                        Ok(obj) => Ok((obj, false)),
                        // The row that won is not there after all: the insert's own error says why.
                        Err(Error::DoesNotExist { .. }) => Err(e),
                        // Reading it failed (a deadlock on InnoDB's locks, say): that is the error.
                        Err(read) => Err(read),
                    },
                    Err(e) => Err(e),
                }
            }
            Err(e) => Err(e),
        }
    }

    /// Updates the object matching `q` with `defaults` and saves it, or creates one from
    /// `create()` with `defaults` applied (Django's `update_or_create()`). It runs in one
    /// transaction (a savepoint inside one) and locks the row it reads (`SELECT ... FOR
    /// UPDATE` where the database has row locks), so concurrent calls on one key each apply
    /// their defaults in turn. `defaults` may run twice when a concurrent call creates the
    /// row first: once on the new object, then on the row that won.
    ///
    /// ```
    /// # djorm_doc_examples::run(|db| async move {
    /// # use djorm_doc_examples::{Author, Post, Tag};
    /// use djorm::prelude::*;
    /// let (jane, created) = Author::objects()
    ///     .update_or_create(&db, q!(Author, email = "jane@example.com"), |a| a.name = "Jane Roe".into(), Author::default)
    ///     .await?;
    /// assert!(!created);
    /// assert_eq!(Author::objects().get(&db, q!(Author, id = jane.id)).await?.name, "Jane Roe");
    /// # Ok(()) });
    /// ```
    pub async fn update_or_create(
        &self,
        db: &Db,
        q: impl Into<Q>,
        defaults: impl Fn(&mut M),
        create: impl FnOnce() -> M,
    ) -> Result<(M, bool)> {
        let db = &*db.for_write(&self.inner.query)?;
        let q = q.into();
        let locked = self.select_for_update(false, false, &[]);
        db.atomic(|tx| async move {
            match locked
                .get_or_create(&tx, q, || {
                    let mut obj = create();
                    defaults(&mut obj);
                    obj
                })
                .await?
            {
                (obj, true) => Ok((obj, true)),
                (mut obj, false) => {
                    defaults(&mut obj);
                    save_instance(&tx, &mut obj).await?;
                    Ok((obj, false))
                }
            }
        })
        .await
    }

    /// Writes the named fields of many objects in one UPDATE per batch (Django's
    /// `bulk_update()`): `SET f = CASE WHEN pk = 1 THEN .. WHEN pk = 2 THEN .. END`, all batches
    /// in one transaction (a savepoint inside one). Returns the number of rows updated. Sends
    /// no signals, as in Django.
    ///
    /// ```
    /// # djorm_doc_examples::run(|db| async move {
    /// # use djorm_doc_examples::{Author, Post, Tag};
    /// use djorm::prelude::*;
    /// let mut posts = Post::objects().all(&db).await?;
    /// for post in &mut posts {
    ///     post.views += 1;
    /// }
    /// assert_eq!(Post::objects().bulk_update(&db, &posts, &["views"]).await?, 3);
    /// assert_eq!(Post::objects().aggregate(&db, [("v", Sum("views"))]).await?.get_as::<i64>("v")?, 38);
    /// # Ok(()) });
    /// ```
    pub async fn bulk_update(&self, db: &Db, objects: &[M], fields: &[&str]) -> Result<u64> {
        let db = &*db.for_write(&self.inner.query)?;
        use djorm_sql::{BinOp, Expr, Update};
        let meta = M::meta();
        if fields.is_empty() {
            return Err(Error::InvalidQuery("bulk_update() needs at least one field name".into()));
        }
        let indexes: Vec<usize> = fields
            .iter()
            .map(|name| {
                let field = meta.field_or_error(name)?;
                if field.primary_key {
                    return Err(Error::InvalidQuery("bulk_update() cannot be used with primary key fields.".into()));
                }
                Ok(meta.fields.iter().position(|f| std::ptr::eq(f, field)).unwrap_or(0))
            })
            .collect::<Result<_>>()?;
        if objects.iter().any(|o| o.pk_value().is_null()) {
            return Err(Error::InvalidQuery("All bulk_update() objects must have a primary key set.".into()));
        }
        let pk_column = || Expr::Column { table: None, column: meta.pk().column.to_owned() };
        let per_object = 2 * fields.len() + 1;
        // Each row tests every WHEN of its statement: cap the batch so the work stays near
        // linear instead of growing with the square of the parameter limit.
        let batch = (db.dialect().features().max_query_params / per_object).clamp(1, BULK_UPDATE_BATCH);
        let mut statements = Vec::with_capacity(objects.len().div_ceil(batch));
        for chunk in objects.chunks(batch) {
            let rows: Vec<(djorm_sql::Value, Vec<djorm_sql::Value>)> =
                chunk.iter().map(|o| (o.pk_value(), o.field_values())).collect();
            let assignments = indexes
                .iter()
                .map(|&i| {
                    let column = meta.fields[i].column.to_owned();
                    let whens = rows
                        .iter()
                        .map(|(pk, values)| {
                            (pk_column().binary(BinOp::Eq, Expr::Param(pk.clone())), Expr::Param(values[i].clone()))
                        })
                        .collect();
                    let own = Expr::Column { table: None, column: column.clone() };
                    (column, Expr::Case { whens, default: Box::new(own) })
                })
                .collect();
            let values = rows.iter().map(|(pk, _)| pk.clone()).collect();
            let update = Update {
                table: meta.db_table.to_owned(),
                assignments,
                filter: Some(Expr::InValues { expr: Box::new(pk_column()), values }),
            };
            statements.push(db.dialect().compile_update(&update));
        }
        let counts = db
            .execute_atomic(&statements)
            .await
            .map_err(|e| refused::<M>(objects.iter().map(Model::field_values), e))?;
        Ok(counts.into_iter().sum())
    }

    /// Sets fields on every matching row in one UPDATE and returns how many rows matched
    /// (Django's `update()`). Values may be `F()` expressions, evaluated by the database:
    /// `[("views", F("views") + 1)]` or typed `[Post::views().set(F("views") + 1)]`.
    ///
    /// ```
    /// # djorm_doc_examples::run(|db| async move {
    /// # use djorm_doc_examples::{Author, Post, Tag};
    /// use djorm::prelude::*;
    /// let bumped = Post::objects().filter(q!(Post, published = true)).update(&db, [("views", F("views") + 1)]).await?;
    /// assert_eq!(bumped, 2);
    /// let published = Post::objects().filter(q!(Post, published = false)).update(&db, [("published", true)]).await?;
    /// assert_eq!(published, 1);
    /// # Ok(()) });
    /// ```
    pub async fn update<K, E>(&self, db: &Db, assignments: impl IntoIterator<Item = (K, E)>) -> Result<u64>
    where
        K: Into<String>,
        E: Into<Expression>,
    {
        self.validity()?;
        let assignments: Vec<(String, Expression)> =
            assignments.into_iter().map(|(k, e)| (k.into(), e.into())).collect();
        super::untyped::update(db, &self.inner.query, &assignments).await
    }

    /// Deletes every matching row, applying each relation's `on_delete` (CASCADE through any
    /// number of levels, PROTECT, RESTRICT, SET_NULL, SET_DEFAULT, DO_NOTHING) in one
    /// transaction, and returns Django's counts (total and per model).
    ///
    /// ```
    /// # djorm_doc_examples::run(|db| async move {
    /// # use djorm_doc_examples::{Author, Post, Tag};
    /// use djorm::prelude::*;
    /// // John and, by CASCADE, his post.
    /// let deleted = Author::objects().filter(q!(Author, name = "John Smith")).delete(&db).await?;
    /// assert_eq!(deleted.total, 2);
    /// assert_eq!(Post::objects().count(&db).await?, 2);
    /// # Ok(()) });
    /// ```
    pub async fn delete(&self, db: &Db) -> Result<Deleted> {
        self.validity()?;
        super::untyped::delete(db, &self.inner.query).await
    }
}

/// Helper used by instance methods: a filter on one primary key.
pub(crate) fn pk_filter(pk: Value) -> Q {
    Q::new("pk", pk)
}

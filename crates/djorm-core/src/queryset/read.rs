//! Terminal methods that read: all, get, first, last, count, exists, iterator, values, in_bulk.

use std::any::Any;
use std::collections::HashMap;
use std::hash::Hash;
use std::sync::Arc;

use djorm_sql::{Compiled, Value, ValueKind};
use futures_core::Stream;

use super::keys::{key_of, Key};
use super::{QuerySet, ValuesRow};
use crate::lower::{Columns, Lowerer, RelatedNode};
use crate::{Db, Error, Fetched, FieldType, Model, Related, Result, RowReader, Rows, Q};

fn decode_all<M: Model>(db: &Db, rows: Fetched, related: &[RelatedNode]) -> Result<Vec<M>> {
    let mut out = Vec::new();
    decode_into(db, rows, related, &mut out)?;
    Ok(out)
}

/// Where a read's objects go: a `Vec` for `all()`, a one-object buffer on the stack for
/// `get()`, which almost always finds one (more only to report how many).
trait Objects<M>: Default {
    fn reserve(&mut self, additional: usize);
    fn push(&mut self, object: M);
    fn as_mut_slice(&mut self) -> &mut [M];
}

impl<M> Objects<M> for Vec<M> {
    fn reserve(&mut self, additional: usize) {
        Vec::reserve(self, additional);
    }
    fn push(&mut self, object: M) {
        Vec::push(self, object);
    }
    fn as_mut_slice(&mut self) -> &mut [M] {
        self
    }
}

impl<M> Objects<M> for smallvec::SmallVec<[M; 1]> {
    fn reserve(&mut self, additional: usize) {
        smallvec::SmallVec::reserve(self, additional);
    }
    fn push(&mut self, object: M) {
        smallvec::SmallVec::push(self, object);
    }
    fn as_mut_slice(&mut self) -> &mut [M] {
        self
    }
}

/// Decodes `rows` into objects (and their select_related objects), appended to `out`.
fn decode_into<M: Model>(db: &Db, rows: Fetched, related: &[RelatedNode], out: &mut impl Objects<M>) -> Result<()> {
    if rows.width() > row_width::<M>(related) {
        for (object, _) in decode_annotated::<M>(db, rows, related)? {
            out.push(object);
        }
        return Ok(());
    }
    // No annotation columns: straight into the result, without an (object, columns) pair each.
    out.reserve(rows.len());
    let mut seen = Seen::default();
    rows.read_each(db.alias(), |reader| {
        out.push(decode_object::<M>(reader, related, &mut seen)?);
        Ok(())
    })
}

/// The select_related objects one result has decoded, by plan node and primary key. Rows that
/// join the same object share it (an `Arc`, read-only) instead of decoding its columns again:
/// 500 posts by 10 authors make 10 author objects, not 500.
///
/// Made on the first select_related object, so a read without select_related (a `get`)
/// seeds and drops no maps.
#[derive(Default)]
struct Seen {
    maps: Option<SeenMaps>,
}

#[derive(Default)]
struct SeenMaps {
    /// Objects with an integer key (the common case), hashed without building a [`Key`].
    ints: foldhash::HashMap<(*const RelatedNode, i64), Arc<dyn Any + Send + Sync>>,
    others: foldhash::HashMap<(*const RelatedNode, Key), Arc<dyn Any + Send + Sync>>,
}

impl Seen {
    fn get(&self, node: *const RelatedNode, key: &Key) -> Option<&Arc<dyn Any + Send + Sync>> {
        let maps = self.maps.as_ref()?;
        match key {
            Key::Int(i) => maps.ints.get(&(node, *i)),
            other => maps.others.get(&(node, other.clone())),
        }
    }

    fn insert(&mut self, node: *const RelatedNode, key: Key, object: Arc<dyn Any + Send + Sync>) {
        let maps = self.maps.get_or_insert_with(SeenMaps::default);
        match key {
            Key::Int(i) => maps.ints.insert((node, i), object),
            other => maps.others.insert((node, other), object),
        };
    }
}

/// The columns one object and its select_related objects take.
fn row_width<M: Model>(related: &[RelatedNode]) -> usize {
    M::meta().fields.len() + related.iter().map(RelatedNode::width).sum::<usize>()
}

/// One object and its select_related objects, from the next columns.
fn decode_object<M: Model>(reader: &mut RowReader<'_>, related: &[RelatedNode], seen: &mut Seen) -> Result<M> {
    let mut object = M::from_row(reader)?;
    for node in related {
        let loaded = decode_related(node, reader, seen)?;
        object.set_related(&node.name, Related::One(loaded))?;
    }
    Ok(object)
}

/// Decodes objects, their select_related objects, and the annotation columns after them.
fn decode_annotated<M: Model>(db: &Db, rows: Fetched, related: &[RelatedNode]) -> Result<Vec<(M, Vec<Value>)>> {
    let extra = rows.width().saturating_sub(row_width::<M>(related));
    let mut out = Vec::with_capacity(rows.len());
    let mut seen = Seen::default();
    rows.read_each(db.alias(), |reader| {
        let object = decode_object::<M>(reader, related, &mut seen)?;
        let annotations = (0..extra).map(|_| reader.read_value()).collect::<Result<_>>()?;
        out.push((object, annotations));
        Ok(())
    })?;
    Ok(out)
}

/// Decodes one select_related object (and its own related objects), shares the one already
/// decoded for the same key, or skips its columns when the LEFT OUTER JOIN found none.
fn decode_related(
    node: &RelatedNode,
    reader: &mut RowReader<'_>,
    seen: &mut Seen,
) -> Result<Option<Arc<dyn Any + Send + Sync>>> {
    // Integer keys (the common case) are looked at without building a value.
    let key = if node.int_key {
        reader.i64_ahead(node.meta.pk_index)?.map(Key::Int)
    } else {
        Some(reader.value_ahead(node.meta.pk_index)?).filter(|v| !v.is_null()).map(key_of)
    };
    let Some(key) = key else {
        reader.skip(node.width());
        return Ok(None);
    };
    let id = node as *const RelatedNode;
    if let Some(object) = seen.get(id, &key) {
        reader.skip(node.width());
        return Ok(Some(object.clone()));
    }
    let mut object = (node.meta.vtable.decode)(reader)?;
    for child in &node.children {
        let loaded = decode_related(child, reader, seen)?;
        let unique = Arc::get_mut(&mut object)
            .ok_or_else(|| Error::Decode("a just-decoded related object was already shared".into()))?;
        (node.meta.vtable.set_related)(unique, &child.name, Related::One(loaded))?;
    }
    seen.insert(id, key, object.clone());
    Ok(Some(object))
}

impl<M: Model> QuerySet<M> {
    fn lowerer(&self) -> Lowerer {
        Lowerer::new(M::meta())
    }

    /// The SQL and parameters this QuerySet runs on `db` (Django's `str(qs.query)`), or `None`
    /// when it can match nothing and would not query at all.
    ///
    /// ```
    /// # djorm_doc_examples::run(|db| async move {
    /// # use djorm_doc_examples::{Author, Post, Tag};
    /// use djorm::prelude::*;
    /// let compiled = Post::objects().filter(q!(Post, id = 2)).sql(&db)?.expect("a query");
    /// assert!(compiled.sql.ends_with(r#"WHERE "docs_post"."id" = ?1 ORDER BY "docs_post"."id" ASC"#), "{}", compiled.sql);
    /// assert_eq!(compiled.params, [Value::I64(2)]);
    /// # Ok(()) });
    /// ```
    pub fn sql(&self, db: &Db) -> Result<Option<Compiled>> {
        self.sql_for(db.dialect())
    }

    /// The SQL this QuerySet compiles to in `dialect`, without any database.
    ///
    /// ```
    /// # djorm_doc_examples::run(|db| async move {
    /// # use djorm_doc_examples::{Author, Post, Tag};
    /// use djorm::prelude::*;
    /// let compiled = Post::objects().filter(q!(Post, id = 2)).sql_for(&djorm::postgres::PostgresDialect)?.expect("a query");
    /// assert!(compiled.sql.contains(r#"WHERE "docs_post"."id" = $1"#), "{}", compiled.sql);
    /// # Ok(()) });
    /// ```
    pub fn sql_for(&self, dialect: &dyn djorm_sql::Dialect) -> Result<Option<Compiled>> {
        self.validity()?;
        Ok(self.lowerer().select(&self.inner.query, &Columns::Model)?.map(|l| dialect.compile_select(&l.select)))
    }

    /// `only()`: the named fields, each set on a default instance.
    async fn fetch_only(&self, db: &Db, fields: &[String]) -> Result<Vec<M>> {
        let mut query = self.inner.query.clone();
        query.select_related.clear();
        let Some(lowered) = self.lowerer().select(&query, &Columns::Fields(fields.to_vec()))? else {
            return Ok(Vec::new());
        };
        let rows = db.fetch(&db.dialect().compile_select(&lowered.select), &lowered.kinds).await?;
        let mut out = Vec::with_capacity(rows.len());
        for row in rows.into_rows() {
            let mut object = M::default();
            for (name, value) in fields.iter().zip(row) {
                object.set_value(name, value)?;
            }
            if let Some(state) = object.instance_state_mut() {
                state.set_db(db.alias());
            }
            object.bind_relations();
            out.push(object);
        }
        Ok(out)
    }

    /// The distinct dates (Django's `dates(field, kind)`): `field` truncated to `unit`, in
    /// order.
    ///
    /// ```
    /// # djorm_doc_examples::run(|db| async move {
    /// # use djorm_doc_examples::{Author, Post, Tag};
    /// use djorm::prelude::*;
    /// let years = Post::objects().dates(&db, "created_at", djorm::sql::TruncUnit::Year).await?;
    /// let years: Vec<String> = years.iter().map(|d| d.to_string()).collect();
    /// assert_eq!(years, ["2024-01-01", "2025-01-01"]);
    /// # Ok(()) });
    /// ```
    pub async fn dates(&self, db: &Db, field: &str, unit: djorm_sql::TruncUnit) -> Result<Vec<chrono::NaiveDate>> {
        self.inner.dates(db, field, unit, false).await
    }

    /// The distinct instants (Django's `datetimes(field, kind)`), truncated to `unit` in the
    /// current time zone ([`crate::timezone`]).
    ///
    /// ```
    /// # djorm_doc_examples::run(|db| async move {
    /// # use djorm_doc_examples::{Author, Post, Tag};
    /// use djorm::prelude::*;
    /// let months = Post::objects().datetimes(&db, "created_at", djorm::sql::TruncUnit::Month).await?;
    /// assert_eq!(months.len(), 3);
    /// assert_eq!(months[0].to_rfc3339(), "2024-01-01T00:00:00+00:00");
    /// # Ok(()) });
    /// ```
    pub async fn datetimes(
        &self,
        db: &Db,
        field: &str,
        unit: djorm_sql::TruncUnit,
    ) -> Result<Vec<chrono::DateTime<chrono::Utc>>> {
        self.inner.datetimes(db, field, unit, false).await
    }

    /// The database's plan for this QuerySet (Django's `explain()`).
    ///
    /// ```
    /// # djorm_doc_examples::run(|db| async move {
    /// # use djorm_doc_examples::{Author, Post, Tag};
    /// use djorm::prelude::*;
    /// let plan = Post::objects().filter(q!(Post, id = 1)).explain(&db).await?;
    /// assert!(!plan.is_empty());
    /// # Ok(()) });
    /// ```
    pub async fn explain(&self, db: &Db) -> Result<String> {
        self.inner.explain(db).await
    }

    /// Maps the rows of your own SQL onto `M` (Django's `raw()`): the query must return every
    /// field's column, in declaration order. `%s` marks each parameter, which is always bound,
    /// never spliced into the text.
    ///
    /// ```
    /// # djorm_doc_examples::run(|db| async move {
    /// # use djorm_doc_examples::{Author, Post, Tag};
    /// use djorm::prelude::*;
    /// let busy = Post::objects().raw(&db, "SELECT * FROM docs_post WHERE views > %s", [Value::I64(5)]).await?;
    /// assert_eq!(busy.len(), 2);
    /// # Ok(()) });
    /// ```
    pub async fn raw(&self, db: &Db, sql: &str, params: impl IntoIterator<Item = Value>) -> Result<Vec<M>> {
        let db = &*db.for_read(&self.inner.query)?;
        let compiled = super::dynamic_more::raw_compiled(db, sql, params.into_iter().collect())?;
        let kinds: Vec<ValueKind> = M::meta().fields.iter().map(|f| f.value_kind()).collect();
        let rows = db.fetch_native(&compiled, &kinds, None).await?;
        decode_all(db, rows, &[])
    }

    /// Refuses what the database cannot compute, naming the backend.
    fn check_backend(&self, db: &Db) -> Result<()> {
        super::untyped::check_backend(db, &self.inner.query)
    }

    /// The objects with their annotations (`annotate()` values), as Django's annotated
    /// instances.
    ///
    /// ```
    /// # djorm_doc_examples::run(|db| async move {
    /// # use djorm_doc_examples::{Author, Post, Tag};
    /// use djorm::prelude::*;
    /// let authors = Author::objects().annotate("n", Count("posts")).annotated(&db).await?;
    /// assert_eq!(authors[0].object.name, "Jane Doe");
    /// assert_eq!(authors[0].annotations.get_as::<i64>("n")?, 2);
    /// # Ok(()) });
    /// ```
    pub async fn annotated(&self, db: &Db) -> Result<Vec<crate::Annotated<M>>> {
        self.validity()?;
        let db = &*db.for_read(&self.inner.query)?;
        self.check_backend(db)?;
        let Some(lowered) = self.lowerer().select(&self.inner.query, &Columns::Model)? else {
            return Ok(Vec::new());
        };
        let rows = db.fetch_native(&db.dialect().compile_select(&lowered.select), &lowered.kinds, None).await?;
        let names: Arc<[String]> = self
            .inner
            .query
            .annotations
            .iter()
            .filter(|a| a.selected)
            .map(|a| a.name.clone())
            .collect::<Vec<_>>()
            .into();
        Ok(decode_annotated::<M>(db, rows, &lowered.related)?
            .into_iter()
            .map(|(object, values)| crate::Annotated { object, annotations: ValuesRow::new(names.clone(), values) })
            .collect())
    }

    /// Summary values over the matching rows (Django's `aggregate()`), by name:
    /// `aggregate(&db, [("total_posts", Count("id"))])`. Count over no rows is 0; the others
    /// are NULL unless given a `default`.
    ///
    /// ```
    /// # djorm_doc_examples::run(|db| async move {
    /// # use djorm_doc_examples::{Author, Post, Tag};
    /// use djorm::prelude::*;
    /// let totals = Post::objects().aggregate(&db, [("total", Sum("views")), ("most", Max("views")), ("posts", Count("id"))]).await?;
    /// assert_eq!(totals.get_as::<i64>("total")?, 35);
    /// assert_eq!(totals.get_as::<i64>("most")?, 25);
    /// assert_eq!(totals.get_as::<i64>("posts")?, 3);
    /// # Ok(()) });
    /// ```
    pub async fn aggregate<S: Into<String>>(
        &self,
        db: &Db,
        aggregates: impl IntoIterator<Item = (S, crate::Aggregate)>,
    ) -> Result<ValuesRow> {
        self.validity()?;
        let aggregates: Vec<(String, crate::Aggregate)> = aggregates.into_iter().map(|(n, a)| (n.into(), a)).collect();
        super::untyped::aggregate(db, &self.inner.query, &aggregates).await
    }

    /// Runs the query and returns every matching object, with select_related objects loaded
    /// from the same rows and prefetch_related lookups loaded with one query per level.
    ///
    /// ```
    /// # djorm_doc_examples::run(|db| async move {
    /// # use djorm_doc_examples::{Author, Post, Tag};
    /// use djorm::prelude::*;
    /// let posts = Post::objects().all(&db).await?;
    /// assert_eq!(posts.len(), 3);
    /// assert_eq!(posts[0].title, "First Post");
    /// # Ok(()) });
    /// ```
    pub async fn all(&self, db: &Db) -> Result<Vec<M>> {
        self.read_objects(db).await
    }

    /// The objects this QuerySet reads, into `C`: what `all()` and `get()` share.
    async fn read_objects<C: Objects<M>>(&self, db: &Db) -> Result<C> {
        self.validity()?;
        // Rows locked for update are read where they will be written (Django's rule).
        let query = &self.inner.query;
        let hints = crate::Hints { instance: None, instance_db: query.instance_db };
        let db = &*db.route(M::meta(), query.using.as_deref(), query.lock.is_some(), &hints)?;
        self.check_backend(db)?;
        if self.inner.query.lock.is_some() && !db.in_transaction() {
            return Err(Error::InvalidQuery("select_for_update cannot be used outside of a transaction.".into()));
        }
        let mut objects = C::default();
        match &self.inner.query.only {
            Some(fields) => {
                for object in self.fetch_only(db, fields).await? {
                    objects.push(object);
                }
            }
            None => {
                let Some(read) = super::templates::model_select(&self.inner.query, db.dialect())? else {
                    return Ok(objects);
                };
                let rows = db.fetch_statement(read.statement(), &read.plan.kinds, self.inner.trace.as_deref()).await?;
                decode_into(db, rows, &read.plan.related, &mut objects)?;
            }
        }
        if !self.inner.query.prefetch.is_empty() && !objects.as_mut_slice().is_empty() {
            let mut refs: Vec<&mut (dyn Any + Send + Sync)> =
                objects.as_mut_slice().iter_mut().map(|o| o as &mut (dyn Any + Send + Sync)).collect();
            super::prefetch::prefetch(db, M::meta(), &mut refs, &self.inner.query.prefetch).await?;
        }
        Ok(objects)
    }

    /// The one object matching `q` (use `Q::all()` for no extra condition).
    ///
    /// Errors with `DoesNotExist` when none matches and `MultipleObjectsReturned` when more do.
    ///
    /// ```
    /// # djorm_doc_examples::run(|db| async move {
    /// # use djorm_doc_examples::{Author, Post, Tag};
    /// use djorm::prelude::*;
    /// let post = Post::objects().get(&db, q!(Post, id = 2)).await?;
    /// assert_eq!(post.title, "Django ORM in Rust");
    /// let missing = Post::objects().get(&db, q!(Post, title = "Nope")).await;
    /// assert!(matches!(missing, Err(Error::DoesNotExist { model: "Post" })));
    /// let two = Post::objects().get(&db, q!(Post, published = true)).await;
    /// assert!(matches!(two, Err(Error::MultipleObjectsReturned { count: 2, .. })));
    /// # Ok(()) });
    /// ```
    pub async fn get(&self, db: &Db, q: impl Into<Q>) -> Result<M> {
        let mut objects: smallvec::SmallVec<[M; 1]> = Self::wrap(self.inner.for_get(q)).read_objects(db).await?;
        match objects.len() {
            0 => Err(Error::DoesNotExist { model: M::meta().object_name }),
            1 => Ok(objects.remove(0)),
            n => Err(Error::MultipleObjectsReturned { model: M::meta().object_name, count: n as u64 }),
        }
    }

    /// The first object in order (by primary key when unordered), or `None`.
    ///
    /// ```
    /// # djorm_doc_examples::run(|db| async move {
    /// # use djorm_doc_examples::{Author, Post, Tag};
    /// use djorm::prelude::*;
    /// assert_eq!(Post::objects().first(&db).await?.map(|p| p.title), Some("First Post".into()));
    /// assert!(Post::objects().filter(q!(Post, views__gt = 100)).first(&db).await?.is_none());
    /// # Ok(()) });
    /// ```
    pub async fn first(&self, db: &Db) -> Result<Option<M>> {
        Ok(Self::wrap(self.inner.for_first()).all(db).await?.into_iter().next())
    }

    /// The last object in order (by primary key when unordered), or `None`.
    ///
    /// ```
    /// # djorm_doc_examples::run(|db| async move {
    /// # use djorm_doc_examples::{Author, Post, Tag};
    /// use djorm::prelude::*;
    /// assert_eq!(Post::objects().last(&db).await?.map(|p| p.title), Some("Draft".into()));
    /// # Ok(()) });
    /// ```
    pub async fn last(&self, db: &Db) -> Result<Option<M>> {
        Ok(Self::wrap(self.inner.for_last()?).all(db).await?.into_iter().next())
    }

    /// The first object by `fields` (Django's `earliest()`), or `DoesNotExist`.
    ///
    /// ```
    /// # djorm_doc_examples::run(|db| async move {
    /// # use djorm_doc_examples::{Author, Post, Tag};
    /// use djorm::prelude::*;
    /// assert_eq!(Post::objects().earliest(&db, &["created_at"]).await?.title, "First Post");
    /// # Ok(()) });
    /// ```
    pub async fn earliest(&self, db: &Db, fields: &[&str]) -> Result<M> {
        let fields: Vec<String> = fields.iter().map(|f| (*f).to_owned()).collect();
        let object = Self::wrap(self.inner.for_earliest(&fields, false)?).all(db).await?.into_iter().next();
        object.ok_or(Error::DoesNotExist { model: M::meta().object_name })
    }

    /// The last object by `fields` (Django's `latest()`), or `DoesNotExist`.
    ///
    /// ```
    /// # djorm_doc_examples::run(|db| async move {
    /// # use djorm_doc_examples::{Author, Post, Tag};
    /// use djorm::prelude::*;
    /// assert_eq!(Post::objects().latest(&db, &["created_at"]).await?.title, "Draft");
    /// # Ok(()) });
    /// ```
    pub async fn latest(&self, db: &Db, fields: &[&str]) -> Result<M> {
        let fields: Vec<String> = fields.iter().map(|f| (*f).to_owned()).collect();
        let object = Self::wrap(self.inner.for_earliest(&fields, true)?).all(db).await?.into_iter().next();
        object.ok_or(Error::DoesNotExist { model: M::meta().object_name })
    }

    /// How many rows match (`SELECT COUNT(*)`).
    ///
    /// ```
    /// # djorm_doc_examples::run(|db| async move {
    /// # use djorm_doc_examples::{Author, Post, Tag};
    /// use djorm::prelude::*;
    /// assert_eq!(Post::objects().count(&db).await?, 3);
    /// assert_eq!(Post::objects().filter(q!(Post, author__name = "Jane Doe")).count(&db).await?, 2);
    /// # Ok(()) });
    /// ```
    pub async fn count(&self, db: &Db) -> Result<u64> {
        self.validity()?;
        super::untyped::count(db, &self.inner.query, self.inner.trace.as_deref()).await
    }

    /// True when at least one row matches.
    ///
    /// ```
    /// # djorm_doc_examples::run(|db| async move {
    /// # use djorm_doc_examples::{Author, Post, Tag};
    /// use djorm::prelude::*;
    /// assert!(Post::objects().filter(q!(Post, published = false)).exists(&db).await?);
    /// assert!(!Post::objects().filter(q!(Post, views__gt = 100)).exists(&db).await?);
    /// # Ok(()) });
    /// ```
    pub async fn exists(&self, db: &Db) -> Result<bool> {
        self.validity()?;
        super::untyped::exists(db, &self.inner.query).await
    }

    /// Streams the matching objects without loading them all (Django's `iterator()`): memory
    /// stays flat however many rows there are.
    ///
    /// ```
    /// # djorm_doc_examples::run(|db| async move {
    /// # use djorm_doc_examples::{Author, Post, Tag};
    /// use djorm::prelude::*;
    /// use futures_util::StreamExt;
    /// let mut views = 0;
    /// let mut posts = std::pin::pin!(Post::objects().iterator(&db).await?);
    /// while let Some(post) = posts.next().await {
    ///     views += post?.views;
    /// }
    /// assert_eq!(views, 35);
    /// # Ok(()) });
    /// ```
    pub async fn iterator(&self, db: &Db) -> Result<impl Stream<Item = Result<M>> + Send + use<M>> {
        self.validity()?;
        if !self.inner.query.select_related.is_empty() || !self.inner.query.prefetch.is_empty() {
            return Err(Error::InvalidQuery(
                "iterator() does not load related objects; drop select_related/prefetch_related".into(),
            ));
        }
        let db = &*db.for_read(&self.inner.query)?;
        let mut source = match self.lowerer().select(&self.inner.query, &Columns::Model)? {
            Some(l) => Some(db.stream_rows(db.dialect().compile_select(&l.select), l.kinds).await?),
            None => None,
        };
        let alias = db.alias();
        // Each row is decoded as all()'s rows are, straight from the driver's row where the
        // backend hands it over undecoded, when the caller asks for its object.
        Ok(futures_util::stream::poll_fn(move |cx| {
            let Some(rows) = source.as_mut() else { return std::task::Poll::Ready(None) };
            let mut object = None;
            let mut read = |reader: crate::RowReader<'_>| {
                object = Some(M::from_row(&mut reader.from_database(alias))?);
                Ok(())
            };
            let outcome = std::task::ready!(rows.poll_next_row(cx, &mut read));
            std::task::Poll::Ready(match outcome {
                Some(Ok(())) => object.map(Ok),
                Some(Err(e)) => {
                    source = None; // nothing is read after an error
                    Some(Err(e))
                }
                None => {
                    source = None;
                    None
                }
            })
        }))
    }

    async fn fetch_fields(&self, db: &Db, fields: &[&str]) -> Result<(Vec<String>, Rows)> {
        self.validity()?;
        self.check_backend(db)?;
        super::untyped::fetch_fields(db, &self.inner.query, fields).await
    }

    /// The named fields of each row (every field when `fields` is empty; paths may cross
    /// relations, as `"author__name"`), like Django's `values()` dictionaries.
    ///
    /// ```
    /// # djorm_doc_examples::run(|db| async move {
    /// # use djorm_doc_examples::{Author, Post, Tag};
    /// use djorm::prelude::*;
    /// let rows = Author::objects().values(&db, &["name", "email"]).await?;
    /// assert_eq!(rows[1].get_as::<String>("email")?, "john@example.com");
    /// # Ok(()) });
    /// ```
    pub async fn values(&self, db: &Db, fields: &[&str]) -> Result<Vec<ValuesRow>> {
        self.validity()?;
        self.check_backend(db)?;
        super::untyped::values(db, &self.inner.query, fields).await
    }

    /// The named fields of each row as a list (Django's `values_list()`).
    ///
    /// ```
    /// # djorm_doc_examples::run(|db| async move {
    /// # use djorm_doc_examples::{Author, Post, Tag};
    /// use djorm::prelude::*;
    /// let rows = Author::objects().values_list(&db, &["name", "email"]).await?;
    /// assert_eq!(rows[0], [Value::String("Jane Doe".into()), Value::String("jane@example.com".into())]);
    /// # Ok(()) });
    /// ```
    pub async fn values_list(&self, db: &Db, fields: &[&str]) -> Result<Vec<Vec<Value>>> {
        Ok(self.fetch_fields(db, fields).await?.1.into_rows())
    }

    /// One field of each row (Django's `values_list(field, flat=True)`), decoded as `T`.
    ///
    /// ```
    /// # djorm_doc_examples::run(|db| async move {
    /// # use djorm_doc_examples::{Author, Post, Tag};
    /// use djorm::prelude::*;
    /// let titles = Post::objects().filter(q!(Post, published = true)).values_list_flat::<String>(&db, "title").await?;
    /// assert_eq!(titles, ["First Post", "Django ORM in Rust"]);
    /// # Ok(()) });
    /// ```
    pub async fn values_list_flat<T: FieldType>(&self, db: &Db, field: &str) -> Result<Vec<T>> {
        let (_, rows) = self.fetch_fields(db, &[field]).await?;
        rows.values.into_iter().map(T::from_value).collect()
    }

    /// The objects whose primary keys are in `ids`, keyed by primary key (Django's
    /// `in_bulk()`); an empty list runs no query.
    ///
    /// ```
    /// # djorm_doc_examples::run(|db| async move {
    /// # use djorm_doc_examples::{Author, Post, Tag};
    /// use djorm::prelude::*;
    /// let by_id = Post::objects().in_bulk(&db, [1i64, 3]).await?;
    /// assert_eq!(by_id.len(), 2);
    /// assert_eq!(by_id[&3].title, "Draft");
    /// # Ok(()) });
    /// ```
    pub async fn in_bulk<K>(&self, db: &Db, ids: impl IntoIterator<Item = K>) -> Result<HashMap<K, M>>
    where
        K: FieldType + Into<Value> + Hash + Eq,
    {
        let list: Vec<Value> = ids.into_iter().map(Into::into).collect();
        let objects = Self::wrap(self.inner.for_in_bulk(list, "pk")?).all(db).await?;
        objects.into_iter().map(|o| Ok((K::from_value(o.pk_value())?, o))).collect()
    }
}

//! `QuerySet<M>`: Django's lazy, chainable query builder, typed by model.
//!
//! Builder methods return a new QuerySet and never run anything; the async terminal methods
//! (in `read` and `write`) take a [`crate::Db`] and run exactly one statement each, except the
//! documented compound ones (`get_or_create`, `update_or_create`).

mod chain;
#[cfg(test)]
mod doc_coverage;
mod dynamic;
mod dynamic_more;
mod dynamic_prefetch;
mod insert;
pub(crate) mod insert_sql;
mod keys;
pub mod methods;
mod prefetch;
mod prefetch_path;
mod read;
mod templates;
mod untyped;

pub(crate) use untyped::fetch_fields;
mod values;
mod write;

use std::marker::PhantomData;
use std::ops::RangeBounds;

pub use chain::{DynQuerySet, RowShape};
pub use dynamic_prefetch::{DynObject, DynRelated};
pub use insert_sql::insert_sql;
pub use keys::GroupIndex;
pub use prefetch::Prefetch;
pub use templates::model_read_sql;
pub use values::{Annotated, ValuesRow};
pub use write::Deleted;
pub(crate) use write::{insert_instance, pk_filter, save_fields, save_instance};

use crate::{Model, OrderBy, Query, Q};

/// A lazy query over the rows of model `M`: the one untyped engine ([`DynQuerySet`]) with
/// the rows it returns typed as `M`. Chain methods are the engine's, forwarded below; the
/// terminal methods in `read` and `write` decide the row shape.
#[derive(Debug)]
pub struct QuerySet<M> {
    inner: DynQuerySet,
    _model: PhantomData<fn() -> M>,
}

impl<M> Clone for QuerySet<M> {
    fn clone(&self) -> Self {
        QuerySet { inner: self.inner.clone(), _model: PhantomData }
    }
}

impl<M: Model> Default for QuerySet<M> {
    fn default() -> Self {
        Self::new()
    }
}

/// Forwards chain methods to the engine, re-typing what they return: every builder method
/// of `QuerySet<M>` is one line here and one implementation in `chain.rs`.
macro_rules! forward {
    ($($(#[$doc:meta])* fn $name:ident(&self $(, $arg:ident: $ty:ty)*);)*) => {
        impl<M: Model> QuerySet<M> {$(
            $(#[$doc])*
            pub fn $name(&self $(, $arg: $ty)*) -> Self {
                Self::wrap(self.inner.$name($($arg),*))
            }
        )*}
    };
}

forward! {
    /// Rows matching `q` (Django's `filter()`).
    ///
    /// ```
    /// # djorm_doc_examples::run(|db| async move {
    /// # use djorm_doc_examples::{Author, Post, Tag};
    /// use djorm::prelude::*;
    /// let published = Post::objects().filter(q!(Post, published = true, views__gte = 20)).all(&db).await?;
    /// assert_eq!(published.iter().map(|p| p.title.as_str()).collect::<Vec<_>>(), ["Django ORM in Rust"]);
    /// # Ok(()) });
    /// ```
    fn filter(&self, q: impl Into<Q>);
    /// Rows not matching `q` (Django's `exclude()`). Across a many-valued relation this
    /// excludes rows with *any* related row matching, as Django does.
    ///
    /// ```
    /// # djorm_doc_examples::run(|db| async move {
    /// # use djorm_doc_examples::{Author, Post, Tag};
    /// use djorm::prelude::*;
    /// let kept = Post::objects().exclude(q!(Post, published = false)).values_list_flat::<String>(&db, "title").await?;
    /// assert_eq!(kept, ["First Post", "Django ORM in Rust"]);
    /// # Ok(()) });
    /// ```
    fn exclude(&self, q: impl Into<Q>);
    /// Orders by the given keys: `"name"`, `"-created_at"`, `"?"`, or typed
    /// `Post::published_at().desc().nulls_last()`. An empty list clears all ordering.
    ///
    /// ```
    /// # djorm_doc_examples::run(|db| async move {
    /// # use djorm_doc_examples::{Author, Post, Tag};
    /// use djorm::prelude::*;
    /// let by_views = Post::objects().order_by(["-views", "title"]).values_list_flat::<String>(&db, "title").await?;
    /// assert_eq!(by_views, ["Django ORM in Rust", "First Post", "Draft"]);
    /// # Ok(()) });
    /// ```
    fn order_by(&self, keys: impl IntoIterator<Item = impl Into<OrderBy>>);
    /// Reverses the ordering in force.
    ///
    /// ```
    /// # djorm_doc_examples::run(|db| async move {
    /// # use djorm_doc_examples::{Author, Post, Tag};
    /// use djorm::prelude::*;
    /// // Post's Meta.ordering is ["id"].
    /// let newest_first = Post::objects().reverse().values_list_flat::<String>(&db, "title").await?;
    /// assert_eq!(newest_first, ["Draft", "Django ORM in Rust", "First Post"]);
    /// # Ok(()) });
    /// ```
    fn reverse(&self);
    /// Takes a slice, as Python's `qs[low:high]`: `slice(..5)`, `slice(5..10)`, `slice(10..)`.
    /// Slices compose like Django's: each is relative to the previous one.
    ///
    /// ```
    /// # djorm_doc_examples::run(|db| async move {
    /// # use djorm_doc_examples::{Author, Post, Tag};
    /// use djorm::prelude::*;
    /// assert_eq!(Post::objects().slice(..1).values_list_flat::<String>(&db, "title").await?, ["First Post"]); // qs[:1]
    /// assert_eq!(Post::objects().slice(1..).values_list_flat::<String>(&db, "title").await?, ["Django ORM in Rust", "Draft"]); // qs[1:]
    /// # Ok(()) });
    /// ```
    fn slice(&self, range: impl RangeBounds<u64>);
    /// At most `n` rows (`qs[:n]`).
    ///
    /// ```
    /// # djorm_doc_examples::run(|db| async move {
    /// # use djorm_doc_examples::{Author, Post, Tag};
    /// use djorm::prelude::*;
    /// assert_eq!(Post::objects().limit(2).values_list_flat::<String>(&db, "title").await?, ["First Post", "Django ORM in Rust"]);
    /// # Ok(()) });
    /// ```
    fn limit(&self, n: u64);
    /// Skips `n` rows (`qs[n:]`).
    ///
    /// ```
    /// # djorm_doc_examples::run(|db| async move {
    /// # use djorm_doc_examples::{Author, Post, Tag};
    /// use djorm::prelude::*;
    /// assert_eq!(Post::objects().offset(2).values_list_flat::<String>(&db, "title").await?, ["Draft"]);
    /// # Ok(()) });
    /// ```
    fn offset(&self, n: u64);
    /// Runs on the database `alias` of the handle's set, not where the routers would send it
    /// (Django's `using()`).
    ///
    /// ```
    /// # djorm_doc_examples::run(|db| async move {
    /// # use djorm_doc_examples::{Author, Post, Tag};
    /// use djorm::prelude::*;
    /// assert_eq!(Post::objects().using("default").count(&db).await?, 3);
    /// # Ok(()) });
    /// ```
    fn using(&self, alias: &str);
    /// `SELECT DISTINCT`.
    ///
    /// ```
    /// # djorm_doc_examples::run(|db| async move {
    /// # use djorm_doc_examples::{Author, Post, Tag};
    /// use djorm::prelude::*;
    /// // Post 2 has both tags, so the join meets it twice.
    /// let tagged = Post::objects().filter(q!(Post, tags__name__in = ["django", "rust"]));
    /// assert_eq!(tagged.count(&db).await?, 3);
    /// assert_eq!(tagged.distinct().count(&db).await?, 2);
    /// # Ok(()) });
    /// ```
    fn distinct(&self);
    /// One row per distinct value of these fields (PostgreSQL's `DISTINCT ON`, Django's
    /// `distinct(*fields)`); order by the same fields first.
    ///
    /// ```
    /// # djorm_doc_examples::run(|db| async move {
    /// # use djorm_doc_examples::{Author, Post, Tag};
    /// use djorm::prelude::*;
    /// let first_per_author = Post::objects().order_by(["author", "-views"]).distinct_on(["author"]);
    /// let sql = first_per_author.sql_for(&djorm::postgres::PostgresDialect)?.expect("a query").sql;
    /// assert!(sql.starts_with("SELECT DISTINCT ON"), "{sql}");
    /// // SQLite has no DISTINCT ON: the query is refused, naming the backend.
    /// assert!(first_per_author.all(&db).await.is_err());
    /// # Ok(()) });
    /// ```
    fn distinct_on(&self, fields: impl IntoIterator<Item = impl Into<String>>);
    /// A QuerySet that matches nothing and never queries the database.
    ///
    /// ```
    /// # djorm_doc_examples::run(|db| async move {
    /// # use djorm_doc_examples::{Author, Post, Tag};
    /// use djorm::prelude::*;
    /// let nothing = Post::objects().none();
    /// assert!(nothing.all(&db).await?.is_empty());
    /// assert_eq!(nothing.count(&db).await?, 0); // answered without a query
    /// # Ok(()) });
    /// ```
    fn none(&self);
    /// Adds a per-object computed value (Django's `annotate(name=Count("posts"))`); read it
    /// with [`QuerySet::annotated`] or [`QuerySet::values`]. Filtering on it is a HAVING;
    /// filters made before it restrict what it counts, filters made after do not.
    ///
    /// ```
    /// # djorm_doc_examples::run(|db| async move {
    /// # use djorm_doc_examples::{Author, Post, Tag};
    /// use djorm::prelude::*;
    /// let rows = Author::objects().annotate("n", Count("posts")).values(&db, &["name", "n"]).await?;
    /// assert_eq!(rows[0].get_as::<String>("name")?, "Jane Doe");
    /// assert_eq!(rows[0].get_as::<i64>("n")?, 2);
    /// # Ok(()) });
    /// ```
    fn annotate(&self, name: &str, expression: impl Into<crate::Expression>);
    /// Like [`QuerySet::annotate`], but not selected: a name to filter or order by
    /// (Django's `alias()`).
    ///
    /// ```
    /// # djorm_doc_examples::run(|db| async move {
    /// # use djorm_doc_examples::{Author, Post, Tag};
    /// use djorm::prelude::*;
    /// let prolific = Author::objects().alias("n", Count("posts")).filter(Q::new("n__gte", 2));
    /// assert_eq!(prolific.values_list_flat::<String>(&db, "name").await?, ["Jane Doe"]);
    /// # Ok(()) });
    /// ```
    fn alias(&self, name: &str, expression: impl Into<crate::Expression>);
    /// Groups by these paths before `annotate()` (Django's `values("author").annotate(...)`):
    /// one row per distinct combination, read with [`QuerySet::values`].
    ///
    /// ```
    /// # djorm_doc_examples::run(|db| async move {
    /// # use djorm_doc_examples::{Author, Post, Tag};
    /// use djorm::prelude::*;
    /// let per_author = Post::objects()
    ///     .values_group(["author__name"])
    ///     .annotate("views", Sum("views"))
    ///     .order_by(["author__name"])
    ///     .values(&db, &["author__name", "views"])
    ///     .await?;
    /// assert_eq!(per_author[0].get_as::<String>("author__name")?, "Jane Doe");
    /// assert_eq!(per_author[0].get_as::<i64>("views")?, 35);
    /// # Ok(()) });
    /// ```
    fn values_group(&self, paths: impl IntoIterator<Item = impl Into<String>>);
    /// Loads the related objects of these ForeignKey / OneToOne paths in the same query, with
    /// joins (`["author", "author__user"]`); nullable keys use LEFT OUTER JOIN.
    ///
    /// ```
    /// # djorm_doc_examples::run(|db| async move {
    /// # use djorm_doc_examples::{Author, Post, Tag};
    /// use djorm::prelude::*;
    /// let posts = Post::objects().select_related(["author"]).all(&db).await?; // one query, a JOIN
    /// assert_eq!(posts[0].author.cached().map(|a| a.name.as_str()), Some("Jane Doe"));
    /// # Ok(()) });
    /// ```
    fn select_related(&self, paths: impl IntoIterator<Item = impl Into<String>>);
    /// Loads related objects (keys, reverse keys, many-to-many, several levels as
    /// `"posts__tags"`) with one extra query per level, whatever the number of objects.
    ///
    /// ```
    /// # djorm_doc_examples::run(|db| async move {
    /// # use djorm_doc_examples::{Author, Post, Tag};
    /// use djorm::prelude::*;
    /// let authors = Author::objects().prefetch_related(["posts"]).all(&db).await?; // two queries
    /// let capture = db.capture_queries();
    /// assert_eq!(authors[0].posts.count(&db).await?, 2); // from the prefetched rows
    /// assert!(capture.queries().is_empty());
    /// # Ok(()) });
    /// ```
    fn prefetch_related(&self, lookups: impl IntoIterator<Item = impl Into<crate::Prefetch>>);
    /// Loads only these fields (and the primary key); the others keep their `default`
    /// (Django's `only()`; there is no lazy loading: `refresh_from_db()` loads the rest).
    ///
    /// ```
    /// # djorm_doc_examples::run(|db| async move {
    /// # use djorm_doc_examples::{Author, Post, Tag};
    /// use djorm::prelude::*;
    /// let light = Post::objects().only(["title"]).all(&db).await?;
    /// assert_eq!(light[0].title, "First Post");
    /// assert_eq!(light[0].views, 0); // not loaded: the field's default
    /// # Ok(()) });
    /// ```
    fn only(&self, fields: impl IntoIterator<Item = impl Into<String>>);
    /// Loads every field but these (Django's `defer()`); see [`QuerySet::only`].
    ///
    /// ```
    /// # djorm_doc_examples::run(|db| async move {
    /// # use djorm_doc_examples::{Author, Post, Tag};
    /// use djorm::prelude::*;
    /// let without_title = Post::objects().defer(["title"]).all(&db).await?;
    /// assert_eq!((without_title[0].title.as_str(), without_title[0].views), ("", 10));
    /// # Ok(()) });
    /// ```
    fn defer(&self, fields: impl IntoIterator<Item = impl Into<String>>);
    /// Locks the selected rows until the transaction ends (`SELECT ... FOR UPDATE`): `nowait`
    /// fails at once on a locked row, `skip_locked` leaves locked rows out, `of` names the
    /// relations to lock. Only inside a transaction, as in Django.
    ///
    /// ```
    /// # djorm_doc_examples::run(|db| async move {
    /// # use djorm_doc_examples::{Author, Post, Tag};
    /// use djorm::prelude::*;
    /// // Outside a transaction it is refused, as in Django.
    /// assert!(Post::objects().select_for_update(false, false, &[]).all(&db).await.is_err());
    /// let views = db
    ///     .atomic(|tx| async move {
    ///         let mut post = Post::objects().select_for_update(false, false, &[]).get(&tx, q!(Post, id = 1)).await?;
    ///         post.views += 1;
    ///         post.save(&tx).await?;
    ///         Ok(post.views)
    ///     })
    ///     .await?;
    /// assert_eq!(views, 11);
    /// # Ok(()) });
    /// ```
    fn select_for_update(&self, nowait: bool, skip_locked: bool, of: &[&str]);
}

impl<M: Model> QuerySet<M> {
    /// Every row of `M` (Django's `Model.objects.all()`).
    ///
    /// ```
    /// # djorm_doc_examples::run(|db| async move {
    /// # use djorm_doc_examples::{Author, Post, Tag};
    /// use djorm::prelude::*;
    /// assert_eq!(QuerySet::<Post>::new().count(&db).await?, 3);
    /// # Ok(()) });
    /// ```
    pub fn new() -> Self {
        Self::wrap(DynQuerySet::new(M::meta()))
    }

    fn wrap(inner: DynQuerySet) -> Self {
        QuerySet { inner, _model: PhantomData }
    }

    /// A typed QuerySet over an untyped one of `M`'s model (a manager's `get_queryset`); one
    /// of another model is refused when it runs.
    ///
    /// ```
    /// # djorm_doc_examples::run(|db| async move {
    /// # use djorm_doc_examples::{Author, Post, Tag};
    /// use djorm::prelude::*;
    /// let untyped = Post::objects().filter(q!(Post, published = true)).untyped().clone();
    /// assert_eq!(QuerySet::<Post>::from_untyped(untyped).count(&db).await?, 2);
    /// # Ok(()) });
    /// ```
    pub fn from_untyped(inner: DynQuerySet) -> Self {
        if std::ptr::eq(inner.model(), M::meta()) {
            return Self::wrap(inner);
        }
        let message =
            format!("a QuerySet of {} cannot stand for one of {}", inner.model().object_name, M::meta().object_name);
        Self::wrap(inner.invalid(chain::Invalid::Query(message)))
    }

    /// The query this QuerySet will run.
    ///
    /// ```
    /// # djorm_doc_examples::run(|db| async move {
    /// # use djorm_doc_examples::{Author, Post, Tag};
    /// use djorm::prelude::*;
    /// let qs = Post::objects().filter(q!(Post, published = true)).order_by(["-views"]);
    /// assert_eq!(qs.query().filters.len(), 1);
    /// assert!(qs.query().order_by.is_some());
    /// # Ok(()) });
    /// ```
    pub fn query(&self) -> &Query {
        &self.inner.query
    }

    /// The untyped QuerySet underneath (what the shell and tools work with).
    ///
    /// ```
    /// # djorm_doc_examples::run(|db| async move {
    /// # use djorm_doc_examples::{Author, Post, Tag};
    /// use djorm::prelude::*;
    /// assert_eq!(Post::objects().untyped().model().object_name, "Post");
    /// # Ok(()) });
    /// ```
    pub fn untyped(&self) -> &DynQuerySet {
        &self.inner
    }

    /// Rows of this QuerySet or `other` (Django's `union()`; `all` keeps duplicates).
    ///
    /// ```
    /// # djorm_doc_examples::run(|db| async move {
    /// # use djorm_doc_examples::{Author, Post, Tag};
    /// use djorm::prelude::*;
    /// let popular = Post::objects().filter(q!(Post, views__gte = 20));
    /// let drafts = Post::objects().filter(q!(Post, published = false));
    /// assert_eq!(popular.union(&drafts, false).count(&db).await?, 2);
    /// # Ok(()) });
    /// ```
    pub fn union(&self, other: &QuerySet<M>, all: bool) -> Self {
        Self::wrap(self.inner.union(&other.inner, all))
    }

    /// Rows in both (Django's `intersection()`).
    ///
    /// ```
    /// # djorm_doc_examples::run(|db| async move {
    /// # use djorm_doc_examples::{Author, Post, Tag};
    /// use djorm::prelude::*;
    /// let popular = Post::objects().filter(q!(Post, views__gte = 20));
    /// let published = Post::objects().filter(q!(Post, published = true));
    /// assert_eq!(popular.intersection(&published).count(&db).await?, 1);
    /// # Ok(()) });
    /// ```
    pub fn intersection(&self, other: &QuerySet<M>) -> Self {
        Self::wrap(self.inner.intersection(&other.inner))
    }

    /// Rows of this QuerySet not in `other` (Django's `difference()`).
    ///
    /// ```
    /// # djorm_doc_examples::run(|db| async move {
    /// # use djorm_doc_examples::{Author, Post, Tag};
    /// use djorm::prelude::*;
    /// let published = Post::objects().filter(q!(Post, published = true));
    /// let popular = Post::objects().filter(q!(Post, views__gte = 20));
    /// assert_eq!(published.difference(&popular).count(&db).await?, 1);
    /// # Ok(()) });
    /// ```
    pub fn difference(&self, other: &QuerySet<M>) -> Self {
        Self::wrap(self.inner.difference(&other.inner))
    }

    /// Labels the queries this QuerySet runs, for the N+1 detector.
    #[doc(hidden)]
    pub fn traced(self, trace: String) -> Self {
        Self::wrap(self.inner.traced(trace))
    }

    /// Runs around an instance of the database `db`: where the queries go when no router
    /// answers (Django's fallback to the `instance` hint's `_state.db`).
    #[doc(hidden)]
    pub fn around_instance_of(self, db: Option<&'static str>) -> Self {
        Self::wrap(self.inner.around_instance_of(db))
    }

    fn validity(&self) -> crate::Result<()> {
        self.inner.validity()
    }
}

//! `QuerySet<M>`: Django's lazy, chainable query builder, typed by model.
//!
//! Builder methods return a new QuerySet and never run anything; the async terminal methods
//! (in `read` and `write`) take a [`crate::Db`] and run exactly one statement each, except the
//! documented compound ones (`get_or_create`, `update_or_create`).

mod chain;
mod dynamic;
mod dynamic_more;
mod dynamic_prefetch;
mod insert;
mod keys;
pub mod methods;
mod prefetch;
mod prefetch_path;
mod read;
mod untyped;

pub(crate) use untyped::fetch_fields;
mod values;
mod write;

use std::marker::PhantomData;
use std::ops::RangeBounds;

pub use chain::{DynQuerySet, RowShape};
pub use dynamic_prefetch::{DynObject, DynRelated};
pub use keys::GroupIndex;
pub use prefetch::Prefetch;
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
    fn filter(&self, q: impl Into<Q>);
    /// Rows not matching `q` (Django's `exclude()`). Across a many-valued relation this
    /// excludes rows with *any* related row matching, as Django does.
    fn exclude(&self, q: impl Into<Q>);
    /// Orders by the given keys: `"name"`, `"-created_at"`, `"?"`, or typed
    /// `Post::published_at().desc().nulls_last()`. An empty list clears all ordering.
    fn order_by(&self, keys: impl IntoIterator<Item = impl Into<OrderBy>>);
    /// Reverses the ordering in force.
    fn reverse(&self);
    /// Takes a slice, as Python's `qs[low:high]`: `slice(..5)`, `slice(5..10)`, `slice(10..)`.
    /// Slices compose like Django's: each is relative to the previous one.
    fn slice(&self, range: impl RangeBounds<u64>);
    /// At most `n` rows (`qs[:n]`).
    fn limit(&self, n: u64);
    /// Skips `n` rows (`qs[n:]`).
    fn offset(&self, n: u64);
    /// Runs on the database `alias` of the handle's set, not where the routers would send it
    /// (Django's `using()`).
    fn using(&self, alias: &str);
    /// `SELECT DISTINCT`.
    fn distinct(&self);
    /// One row per distinct value of these fields (PostgreSQL's `DISTINCT ON`, Django's
    /// `distinct(*fields)`); order by the same fields first.
    fn distinct_on(&self, fields: impl IntoIterator<Item = impl Into<String>>);
    /// A QuerySet that matches nothing and never queries the database.
    fn none(&self);
    /// Adds a per-object computed value (Django's `annotate(name=Count("posts"))`); read it
    /// with [`QuerySet::annotated`] or [`QuerySet::values`]. Filtering on it is a HAVING;
    /// filters made before it restrict what it counts, filters made after do not.
    fn annotate(&self, name: &str, expression: impl Into<crate::Expression>);
    /// Like [`QuerySet::annotate`], but not selected: a name to filter or order by
    /// (Django's `alias()`).
    fn alias(&self, name: &str, expression: impl Into<crate::Expression>);
    /// Groups by these paths before `annotate()` (Django's `values("author").annotate(...)`):
    /// one row per distinct combination, read with [`QuerySet::values`].
    fn values_group(&self, paths: impl IntoIterator<Item = impl Into<String>>);
    /// Loads the related objects of these ForeignKey / OneToOne paths in the same query, with
    /// joins (`["author", "author__user"]`); nullable keys use LEFT OUTER JOIN.
    fn select_related(&self, paths: impl IntoIterator<Item = impl Into<String>>);
    /// Loads related objects (keys, reverse keys, many-to-many, several levels as
    /// `"posts__tags"`) with one extra query per level, whatever the number of objects.
    fn prefetch_related(&self, lookups: impl IntoIterator<Item = impl Into<crate::Prefetch>>);
    /// Loads only these fields (and the primary key); the others keep their `default`
    /// (Django's `only()`; there is no lazy loading: `refresh_from_db()` loads the rest).
    fn only(&self, fields: impl IntoIterator<Item = impl Into<String>>);
    /// Loads every field but these (Django's `defer()`); see [`QuerySet::only`].
    fn defer(&self, fields: impl IntoIterator<Item = impl Into<String>>);
    /// Locks the selected rows until the transaction ends (`SELECT ... FOR UPDATE`): `nowait`
    /// fails at once on a locked row, `skip_locked` leaves locked rows out, `of` names the
    /// relations to lock. Only inside a transaction, as in Django.
    fn select_for_update(&self, nowait: bool, skip_locked: bool, of: &[&str]);
}

impl<M: Model> QuerySet<M> {
    /// Every row of `M` (Django's `Model.objects.all()`).
    pub fn new() -> Self {
        Self::wrap(DynQuerySet::new(M::meta()))
    }

    fn wrap(inner: DynQuerySet) -> Self {
        QuerySet { inner, _model: PhantomData }
    }

    /// A typed QuerySet over an untyped one of `M`'s model (a manager's `get_queryset`); one
    /// of another model is refused when it runs.
    pub fn from_untyped(inner: DynQuerySet) -> Self {
        if std::ptr::eq(inner.model(), M::meta()) {
            return Self::wrap(inner);
        }
        let message =
            format!("a QuerySet of {} cannot stand for one of {}", inner.model().object_name, M::meta().object_name);
        Self::wrap(inner.invalid(chain::Invalid::Query(message)))
    }

    /// The query this QuerySet will run.
    pub fn query(&self) -> &Query {
        &self.inner.query
    }

    /// The untyped QuerySet underneath (what the shell and tools work with).
    pub fn untyped(&self) -> &DynQuerySet {
        &self.inner
    }

    /// Rows of this QuerySet or `other` (Django's `union()`; `all` keeps duplicates).
    pub fn union(&self, other: &QuerySet<M>, all: bool) -> Self {
        Self::wrap(self.inner.union(&other.inner, all))
    }

    /// Rows in both (Django's `intersection()`).
    pub fn intersection(&self, other: &QuerySet<M>) -> Self {
        Self::wrap(self.inner.intersection(&other.inner))
    }

    /// Rows of this QuerySet not in `other` (Django's `difference()`).
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

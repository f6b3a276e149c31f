//! `QuerySet<M>`: Django's lazy, chainable query builder, typed by model.
//!
//! Builder methods return a new QuerySet and never run anything; the async terminal methods
//! (in `read` and `write`) take a [`crate::Db`] and run exactly one statement each, except the
//! documented compound ones (`get_or_create`, `update_or_create`).

mod dynamic;
mod dynamic_prefetch;
mod keys;
mod prefetch;
mod read;
mod untyped;

pub(crate) use untyped::fetch_fields;
mod values;
mod write;

use std::marker::PhantomData;
use std::ops::{Bound, RangeBounds};

pub use dynamic::DynQuerySet;
pub use dynamic_prefetch::{DynObject, DynRelated};
pub use keys::GroupIndex;
pub use prefetch::Prefetch;
pub use values::{Annotated, ValuesRow};
pub use write::Deleted;
pub(crate) use write::{pk_filter, save_instance};

use crate::{Model, OrderBy, Query, Q};

/// A misuse of a QuerySet found while chaining, reported when it runs (a chained builder
/// cannot fail on the spot as Django's methods raise).
#[derive(Debug, Clone)]
enum Invalid {
    /// Django's `TypeError`s (filtering a sliced QuerySet, ...).
    Query(&'static str),
    /// A field name the model does not have.
    Field(String),
}

/// A lazy query over the rows of model `M`.
#[derive(Debug)]
pub struct QuerySet<M> {
    query: Query,
    /// A misuse found while chaining (e.g. filtering a sliced QuerySet), reported when it runs.
    invalid: Option<Invalid>,
    trace: Option<std::sync::Arc<str>>,
    _model: PhantomData<fn() -> M>,
}

impl<M> Clone for QuerySet<M> {
    fn clone(&self) -> Self {
        QuerySet {
            query: self.query.clone(),
            invalid: self.invalid.clone(),
            trace: self.trace.clone(),
            _model: PhantomData,
        }
    }
}

impl<M: Model> Default for QuerySet<M> {
    fn default() -> Self {
        Self::new()
    }
}

impl<M: Model> QuerySet<M> {
    /// Every row of `M` (Django's `Model.objects.all()`).
    pub fn new() -> Self {
        QuerySet { query: Query::new(M::meta()), invalid: None, trace: None, _model: PhantomData }
    }

    /// The query this QuerySet will run.
    pub fn query(&self) -> &Query {
        &self.query
    }

    fn with(&self, change: impl FnOnce(&mut Query)) -> Self {
        let mut next = self.clone();
        change(&mut next.query);
        next
    }

    fn check_not_sliced(mut self, what: &'static str) -> Self {
        if self.query.is_sliced() && self.invalid.is_none() {
            self.invalid = Some(Invalid::Query(what));
        }
        self
    }

    /// Rows matching `q` (Django's `filter()`).
    pub fn filter(&self, q: impl Into<Q>) -> Self {
        let q = q.into();
        self.with(|query| query.add_filter(q)).check_not_sliced("Cannot filter a query once a slice has been taken.")
    }

    /// Rows not matching `q` (Django's `exclude()`). Across a many-valued relation this
    /// excludes rows with *any* related row matching, as Django does.
    pub fn exclude(&self, q: impl Into<Q>) -> Self {
        let q = q.into();
        self.with(|query| {
            if !q.is_empty() {
                query.add_filter(!q)
            }
        })
        .check_not_sliced("Cannot filter a query once a slice has been taken.")
    }

    /// Loads the related objects of these ForeignKey / OneToOne paths in the same query, with
    /// joins (`["author", "author__user"]`); nullable keys use LEFT OUTER JOIN.
    pub fn select_related<S: Into<String>>(&self, paths: impl IntoIterator<Item = S>) -> Self {
        let paths: Vec<String> = paths.into_iter().map(Into::into).collect();
        self.with(|query| {
            for p in paths {
                if !query.select_related.contains(&p) {
                    query.select_related.push(p);
                }
            }
        })
    }

    /// Loads related objects (reverse keys, many-to-many, several levels as `"posts__tags"`)
    /// with one extra query per level, whatever the number of objects.
    pub fn prefetch_related<P: Into<crate::Prefetch>>(&self, lookups: impl IntoIterator<Item = P>) -> Self {
        let lookups: Vec<crate::Prefetch> = lookups.into_iter().map(Into::into).collect();
        self.with(|query| query.prefetch.extend(lookups))
    }

    /// Adds a per-object computed value (Django's `annotate(name=Count("posts"))`); read it
    /// with [`QuerySet::annotated`] or [`QuerySet::values`]. Filtering on it is a HAVING;
    /// filters made before it restrict what it counts, filters made after do not.
    pub fn annotate(&self, name: &str, expression: impl Into<crate::Expression>) -> Self {
        let name = name.to_owned();
        let expression = expression.into();
        self.with(|query| query.add_annotation(name, expression, true))
    }

    /// Like [`QuerySet::annotate`], but not selected: a name to filter or order by
    /// (Django's `alias()`).
    pub fn alias(&self, name: &str, expression: impl Into<crate::Expression>) -> Self {
        let name = name.to_owned();
        let expression = expression.into();
        self.with(|query| query.add_annotation(name, expression, false))
    }

    /// One row per distinct value of these fields (PostgreSQL's `DISTINCT ON`, Django's
    /// `distinct(*fields)`); order by the same fields first.
    pub fn distinct_on<S: Into<String>>(&self, fields: impl IntoIterator<Item = S>) -> Self {
        let fields: Vec<String> = fields.into_iter().map(Into::into).collect();
        self.with(|query| query.distinct_on = fields)
    }

    /// Loads only these fields (and the primary key); the others keep their `default`
    /// (Django's `only()`; there is no lazy loading: `refresh_from_db()` loads the rest).
    pub fn only<S: Into<String>>(&self, fields: impl IntoIterator<Item = S>) -> Self {
        let mut fields: Vec<String> = fields.into_iter().map(Into::into).collect();
        let pk = M::meta().pk().name.to_owned();
        if !fields.contains(&pk) {
            fields.insert(0, pk);
        }
        self.with(|query| query.only = Some(fields))
    }

    /// Loads every field but these (Django's `defer()`); see [`QuerySet::only`].
    pub fn defer<S: Into<String>>(&self, fields: impl IntoIterator<Item = S>) -> Self {
        let deferred: Vec<String> = fields.into_iter().map(Into::into).collect();
        let kept: Vec<String> =
            M::meta().fields.iter().map(|f| f.name.to_owned()).filter(|n| !deferred.contains(n)).collect();
        let mut next = self.only(kept);
        if let Some(unknown) = deferred.iter().find(|n| M::meta().field(n).is_none()) {
            // Django: FieldDoesNotExist("Post has no field named 'titel'").
            next.invalid
                .get_or_insert(Invalid::Field(format!("{} has no field named '{unknown}'", M::meta().object_name)));
        }
        next
    }

    /// Groups by these paths before `annotate()` (Django's `values("author").annotate(...)`):
    /// one row per distinct combination, read with [`QuerySet::values`].
    pub fn values_group<S: Into<String>>(&self, paths: impl IntoIterator<Item = S>) -> Self {
        let paths: Vec<String> = paths.into_iter().map(Into::into).collect();
        self.with(|query| query.group_by = Some(paths))
    }

    /// Locks the selected rows until the transaction ends (`SELECT ... FOR UPDATE`): `nowait`
    /// fails at once on a locked row, `skip_locked` leaves locked rows out, `of` names the
    /// relations to lock. Only inside a transaction, as in Django.
    pub fn select_for_update(&self, nowait: bool, skip_locked: bool, of: &[&str]) -> Self {
        let of: Vec<String> =
            of.iter().map(|o| if *o == "self" { M::meta().db_table.to_owned() } else { (*o).to_owned() }).collect();
        self.with(|query| query.lock = Some(djorm_sql::RowLock { nowait, skip_locked, of }))
    }

    /// Rows of this QuerySet or `other` (Django's `union()`; `all` keeps duplicates).
    pub fn union(&self, other: &QuerySet<M>, all: bool) -> Self {
        let op = if all { djorm_sql::SetOp::UnionAll } else { djorm_sql::SetOp::Union };
        self.combine(op, other)
    }

    /// Rows in both (Django's `intersection()`).
    pub fn intersection(&self, other: &QuerySet<M>) -> Self {
        self.combine(djorm_sql::SetOp::Intersect, other)
    }

    /// Rows of this QuerySet not in `other` (Django's `difference()`).
    pub fn difference(&self, other: &QuerySet<M>) -> Self {
        self.combine(djorm_sql::SetOp::Except, other)
    }

    fn combine(&self, op: djorm_sql::SetOp, other: &QuerySet<M>) -> Self {
        let other = other.query.clone();
        self.with(|query| query.combined.push((op, other)))
    }

    /// Labels the queries this QuerySet runs, for the N+1 detector.
    #[doc(hidden)]
    pub fn traced(mut self, trace: String) -> Self {
        self.trace = Some(std::sync::Arc::from(trace));
        self
    }

    /// Orders by the given keys: `"name"`, `"-created_at"`, `"?"`, or typed
    /// `Post::published_at().desc().nulls_last()`. An empty list clears all ordering.
    pub fn order_by<O: Into<OrderBy>>(&self, keys: impl IntoIterator<Item = O>) -> Self {
        let keys: Vec<OrderBy> = keys.into_iter().map(Into::into).collect();
        self.with(|query| query.set_ordering(keys))
            .check_not_sliced("Cannot reorder a query once a slice has been taken.")
    }

    /// Reverses the ordering in force.
    pub fn reverse(&self) -> Self {
        self.with(|query| query.reversed = !query.reversed)
    }

    /// Takes a slice, as Python's `qs[low:high]`: `slice(..5)`, `slice(5..10)`, `slice(10..)`.
    /// Slices compose like Django's: each is relative to the previous one.
    pub fn slice(&self, range: impl RangeBounds<u64>) -> Self {
        let low = match range.start_bound() {
            Bound::Included(l) => Some(*l),
            Bound::Excluded(l) => Some(l.saturating_add(1)),
            Bound::Unbounded => None,
        };
        let high = match range.end_bound() {
            Bound::Included(h) => Some(h.saturating_add(1)),
            Bound::Excluded(h) => Some(*h),
            Bound::Unbounded => None,
        };
        self.with(|query| query.set_limits(low, high))
    }

    /// At most `n` rows (`qs[:n]`).
    pub fn limit(&self, n: u64) -> Self {
        self.slice(..n)
    }

    /// Skips `n` rows (`qs[n:]`).
    pub fn offset(&self, n: u64) -> Self {
        self.slice(n..)
    }

    /// `SELECT DISTINCT`.
    pub fn distinct(&self) -> Self {
        self.with(|query| query.distinct = true)
    }

    /// A QuerySet that matches nothing and never queries the database.
    pub fn none(&self) -> Self {
        self.with(|query| query.empty = true)
    }

    fn validity(&self) -> crate::Result<()> {
        match &self.invalid {
            Some(Invalid::Query(message)) => Err(crate::Error::InvalidQuery((*message).to_owned())),
            Some(Invalid::Field(message)) => Err(crate::Error::FieldError(message.clone())),
            None => Ok(()),
        }
    }
}

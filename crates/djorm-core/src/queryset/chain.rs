//! The one QuerySet engine's builder: every chainable method, once. `DynQuerySet` is the
//! QuerySet over a model known by its metadata; `QuerySet<M>` wraps it and only chooses how
//! rows come back, and the shell calls the same methods by name (see `methods.rs`).
//!
//! Builder methods never run anything and never fail on the spot: a misuse (filtering a
//! sliced QuerySet, deferring a field the model lacks, prefetching a path that leads nowhere)
//! is kept and reported by the terminal method, as Django raises it when the QuerySet is used.

use std::ops::{Bound, RangeBounds};
use std::sync::Arc;

use crate::{Error, Expression, OrderBy, Prefetch, Query, Result, Q};

/// A misuse found while chaining, reported when the QuerySet runs.
#[derive(Debug, Clone)]
pub(crate) enum Invalid {
    /// Django's `TypeError`s (filtering a sliced QuerySet, ...).
    Query(String),
    /// Django's `ValueError`s (an option that contradicts another).
    Value(String),
    /// A field or path the model does not have.
    Field(String),
}

/// What each row of an untyped QuerySet is, as Django's `values()` / `values_list()` choose.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum RowShape {
    /// Model instances (every field, then the annotations).
    #[default]
    Objects,
    /// `values()`: one dictionary per row.
    Dicts,
    /// `values_list()`: one tuple per row.
    Tuples,
    /// `values_list(field, flat=True)`: the one value of each row.
    Flat,
    /// `values_list(..., named=True)`: one named tuple per row.
    Named,
}

/// A lazy query on a model known by its metadata: the untyped QuerySet every front end
/// (typed Rust, the shell, tools building queries from input) runs through.
#[derive(Debug, Clone)]
pub struct DynQuerySet {
    pub(crate) query: Query,
    pub(crate) invalid: Option<Invalid>,
    pub(crate) trace: Option<Arc<str>>,
    pub(crate) shape: RowShape,
}

impl DynQuerySet {
    /// Every row of `model` (Django's `Model.objects.all()`).
    pub fn new(model: &'static crate::ModelMeta) -> Self {
        DynQuerySet { query: Query::new(model), invalid: None, trace: None, shape: RowShape::Objects }
    }

    /// The queried model.
    pub fn model(&self) -> &'static crate::ModelMeta {
        self.query.model
    }

    /// The query this QuerySet will run.
    pub fn query(&self) -> &Query {
        &self.query
    }

    /// What each row is (instances, or the shape `values()` / `values_list()` chose).
    pub fn shape(&self) -> RowShape {
        self.shape
    }

    /// The paths each row holds after `values()` / `values_list()`.
    pub fn value_fields(&self) -> &[String] {
        self.query.values.as_deref().unwrap_or_default()
    }

    /// The misuse found while chaining, if any (what the next terminal method reports).
    pub fn validity(&self) -> Result<()> {
        match &self.invalid {
            Some(Invalid::Query(message)) => Err(Error::InvalidQuery(message.clone())),
            Some(Invalid::Value(message)) => Err(Error::InvalidValue(message.clone())),
            Some(Invalid::Field(message)) => Err(Error::FieldError(message.clone())),
            None => Ok(()),
        }
    }

    fn with(&self, change: impl FnOnce(&mut Query)) -> Self {
        self.clone().changed(change)
    }

    /// This QuerySet (already a copy) with its query changed in place: no second clone.
    fn changed(mut self, change: impl FnOnce(&mut Query)) -> Self {
        change(&mut self.query);
        self
    }

    /// This QuerySet, made to fail with Django's `TypeError` and `message` when it runs (for
    /// tools that hand out a QuerySet they know cannot work, such as a manager whose code is
    /// not linked).
    pub fn refused(self, message: impl Into<String>) -> Self {
        self.invalid(Invalid::Query(message.into()))
    }

    pub(crate) fn invalid(mut self, invalid: Invalid) -> Self {
        self.invalid.get_or_insert(invalid);
        self
    }

    fn unsliced(self, what: &str) -> Self {
        if self.query.is_sliced() {
            let message = format!("Cannot {what} a query once a slice has been taken.");
            return self.invalid(Invalid::Query(message));
        }
        self
    }

    /// Rows matching `q` (Django's `filter()`).
    pub fn filter(&self, q: impl Into<Q>) -> Self {
        let mut qs = self.clone();
        qs.add_filter_in_place(q.into());
        qs
    }

    /// `filter(q)` on this copy, in place: a QuerySet is large, and each move copies it.
    pub(crate) fn add_filter_in_place(&mut self, q: Q) {
        if self.query.is_sliced() {
            let message = "Cannot filter a query once a slice has been taken.".to_owned();
            self.invalid.get_or_insert(Invalid::Query(message));
        } else {
            self.query.add_filter(q);
        }
    }

    /// Rows not matching `q` (Django's `exclude()`). Across a many-valued relation this
    /// excludes rows with *any* related row matching, as Django does.
    pub fn exclude(&self, q: impl Into<Q>) -> Self {
        let q = q.into();
        self.clone().unsliced("filter").changed(|query| {
            if !q.is_empty() {
                query.add_filter(!q)
            }
        })
    }

    /// Orders by the given keys: `"name"`, `"-created_at"`, `"?"`, or typed
    /// `Post::published_at().desc().nulls_last()`. An empty list clears all ordering.
    pub fn order_by(&self, keys: impl IntoIterator<Item = impl Into<OrderBy>>) -> Self {
        let keys: Vec<OrderBy> = keys.into_iter().map(Into::into).collect();
        self.clone().unsliced("reorder").changed(|query| query.set_ordering(keys))
    }

    /// Reverses the ordering in force.
    pub fn reverse(&self) -> Self {
        let next = self.with(|query| query.reversed = !query.reversed);
        if self.query.is_sliced() {
            return next.invalid(Invalid::Query("Cannot reverse a query once a slice has been taken.".into()));
        }
        next
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

    /// Runs on the database `alias` of the handle's set, not where the routers would send it
    /// (Django's `using()`).
    pub fn using(&self, alias: &str) -> Self {
        let alias = alias.to_owned();
        self.with(|query| query.using = Some(alias))
    }

    /// `SELECT DISTINCT`.
    pub fn distinct(&self) -> Self {
        self.with(|query| query.distinct = true)
    }

    /// One row per distinct value of these fields (PostgreSQL's `DISTINCT ON`, Django's
    /// `distinct(*fields)`); order by the same fields first.
    pub fn distinct_on(&self, fields: impl IntoIterator<Item = impl Into<String>>) -> Self {
        let fields: Vec<String> = fields.into_iter().map(Into::into).collect();
        self.with(|query| query.distinct_on = fields)
    }

    /// A QuerySet that matches nothing and never queries the database.
    pub fn none(&self) -> Self {
        self.with(|query| query.empty = true)
    }

    /// Adds a per-row computed value (Django's `annotate(name=Count("posts"))`). Filtering
    /// on it is a HAVING; filters made before it restrict what it counts, filters made after
    /// do not. After `values()`, an aggregate groups by the values() fields.
    pub fn annotate(&self, name: &str, expression: impl Into<Expression>) -> Self {
        let (name, expression) = (name.to_owned(), expression.into());
        self.with(|query| query.add_annotation(name, expression, true))
    }

    /// Like [`DynQuerySet::annotate`], but not selected: a name to filter or order by
    /// (Django's `alias()`).
    pub fn alias(&self, name: &str, expression: impl Into<Expression>) -> Self {
        let (name, expression) = (name.to_owned(), expression.into());
        self.with(|query| query.add_annotation(name, expression, false))
    }

    /// Rows as these paths (Django's `values(*fields)`, every field and annotation when
    /// empty); an aggregate annotated after it groups by them.
    pub fn values_select(&self, fields: impl IntoIterator<Item = impl Into<String>>) -> Self {
        let fields: Vec<String> = fields.into_iter().map(Into::into).collect();
        self.with(|query| query.set_values(fields))
    }

    /// Django's `values(*fields)` / `values_list(*fields, flat=, named=)` as a QuerySet: rows
    /// become `shape` (a flat list takes exactly one field, as Django says).
    pub fn values_as(&self, fields: impl IntoIterator<Item = impl Into<String>>, shape: RowShape) -> Self {
        let mut next = self.values_select(fields);
        next.shape = shape;
        if shape == RowShape::Flat && next.value_fields().len() != 1 {
            let message = "'flat' is not valid when values_list is called with more than one field.";
            return next.invalid(Invalid::Query(message.into()));
        }
        next
    }

    /// Groups by these paths before `annotate()` (Django's `values("author").annotate(...)`):
    /// one row per distinct combination.
    pub fn values_group(&self, paths: impl IntoIterator<Item = impl Into<String>>) -> Self {
        let paths: Vec<String> = paths.into_iter().map(Into::into).collect();
        self.with(|query| query.group_by = Some(paths))
    }

    /// Loads the related objects of these ForeignKey / OneToOne paths in the same query, with
    /// joins (`["author", "author__user"]`); nullable keys use LEFT OUTER JOIN.
    pub fn select_related(&self, paths: impl IntoIterator<Item = impl Into<String>>) -> Self {
        let paths: Vec<String> = paths.into_iter().map(Into::into).collect();
        self.with(|query| {
            for p in paths {
                if !query.select_related.contains(&p) {
                    query.select_related.push(p);
                }
            }
        })
    }

    /// Loads related objects (keys, reverse keys, many-to-many both ways, several levels as
    /// `"posts__tags"`) with one extra query per level, whatever the number of rows. A path
    /// that leads nowhere is Django's error when the QuerySet runs.
    pub fn prefetch_related(&self, lookups: impl IntoIterator<Item = impl Into<Prefetch>>) -> Self {
        let lookups: Vec<Prefetch> = lookups.into_iter().map(Into::into).collect();
        let mut next = self.clone();
        for lookup in &lookups {
            match super::prefetch_path::validate_prefetch(self.query.model, lookup) {
                Err(crate::Error::FieldError(message)) => next = next.invalid(Invalid::Field(message)),
                Err(crate::Error::InvalidValue(message)) => next = next.invalid(Invalid::Value(message)),
                Err(other) => next = next.invalid(Invalid::Value(other.to_string())),
                Ok(()) => {}
            }
        }
        next.changed(|query| query.prefetch.extend(lookups))
    }

    /// Loads only these fields (and the primary key); the others keep their `default`
    /// (Django's `only()`; there is no lazy loading: `refresh_from_db()` loads the rest).
    pub fn only(&self, fields: impl IntoIterator<Item = impl Into<String>>) -> Self {
        let mut fields: Vec<String> = fields.into_iter().map(Into::into).collect();
        let meta = self.query.model;
        let mut next = self.clone();
        if let Some(unknown) = fields.iter().find(|n| !n.contains("__") && meta.field(n).is_none() && *n != "pk") {
            next = next.invalid(Invalid::Field(format!("{} has no field named '{unknown}'", meta.object_name)));
        }
        let pk = meta.pk().name.to_owned();
        if !fields.contains(&pk) {
            fields.insert(0, pk);
        }
        next.changed(|query| query.only = Some(fields))
    }

    /// Loads every field but these (Django's `defer()`); see [`DynQuerySet::only`].
    pub fn defer(&self, fields: impl IntoIterator<Item = impl Into<String>>) -> Self {
        let deferred: Vec<String> = fields.into_iter().map(Into::into).collect();
        let meta = self.query.model;
        let kept: Vec<String> =
            meta.fields.iter().map(|f| f.name.to_owned()).filter(|n| !deferred.contains(n)).collect();
        let next = self.only(kept);
        match deferred.iter().find(|n| meta.field(n).is_none()) {
            // Django: FieldDoesNotExist("Post has no field named 'titel'").
            Some(unknown) => {
                next.invalid(Invalid::Field(format!("{} has no field named '{unknown}'", meta.object_name)))
            }
            None => next,
        }
    }

    /// Locks the selected rows until the transaction ends (`SELECT ... FOR UPDATE`): `nowait`
    /// fails at once on a locked row, `skip_locked` leaves locked rows out, `of` names the
    /// relations to lock (`"self"` for this model). Only inside a transaction, as in Django.
    pub fn select_for_update(&self, nowait: bool, skip_locked: bool, of: &[&str]) -> Self {
        let of: Vec<String> = of.iter().map(|o| (*o).to_owned()).collect();
        let next = self.with(|query| query.lock = Some(djorm_sql::RowLock { nowait, skip_locked, of }));
        if nowait && skip_locked {
            return next.invalid(Invalid::Value("The nowait option cannot be used with skip_locked.".into()));
        }
        next
    }

    /// Rows of this QuerySet or `other` (Django's `union()`; `all` keeps duplicates).
    pub fn union(&self, other: &DynQuerySet, all: bool) -> Self {
        let op = if all { djorm_sql::SetOp::UnionAll } else { djorm_sql::SetOp::Union };
        self.combine(op, other)
    }

    /// Rows in both (Django's `intersection()`).
    pub fn intersection(&self, other: &DynQuerySet) -> Self {
        self.combine(djorm_sql::SetOp::Intersect, other)
    }

    /// Rows of this QuerySet not in `other` (Django's `difference()`).
    pub fn difference(&self, other: &DynQuerySet) -> Self {
        self.combine(djorm_sql::SetOp::Except, other)
    }

    fn combine(&self, op: djorm_sql::SetOp, other: &DynQuerySet) -> Self {
        let mut next = self.with(|query| query.combined.push((op, other.query.clone())));
        if let Some(invalid) = &other.invalid {
            next = next.invalid(invalid.clone());
        }
        next
    }

    /// Labels the queries this QuerySet runs, for the N+1 detector.
    #[doc(hidden)]
    pub fn traced(mut self, trace: String) -> Self {
        self.trace = Some(Arc::from(trace));
        self
    }

    /// Runs around an instance of the database `db`: where the queries go when no router
    /// answers (a related manager's owner, an instance's own refresh or delete).
    #[doc(hidden)]
    pub fn around_instance_of(self, db: Option<&'static str>) -> Self {
        if db.is_none() {
            return self;
        }
        self.with(|query| query.instance_db = db)
    }
}

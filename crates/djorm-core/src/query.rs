//! The model-level query IR: what a QuerySet means, before any SQL exists.

use crate::{ModelMeta, OrderBy, Q};

/// Django's `MAX_GET_RESULTS`: `get()` fetches at most this many rows to report a count.
pub(crate) const MAX_GET_RESULTS: u64 = 21;

impl Query {
    /// Adds one `annotate()` (`selected`) or `alias()` call, evaluated after the filters so far.
    pub fn add_annotation(&mut self, name: String, expression: crate::Expression, selected: bool) {
        let after_filters = self.filters.len();
        if let Some(values) = &mut self.values {
            // Django: after values(), an aggregate groups by the values() fields (whatever was
            // annotated before), and a selected annotation joins the values() row.
            if expression.contains_aggregate() {
                let annotations = &self.annotations;
                let grouped = values
                    .iter()
                    .filter(|v| !annotations.iter().any(|a| &a.name == *v && a.expression.contains_aggregate()));
                self.group_by = Some(grouped.cloned().collect());
            }
            if selected {
                values.push(name.clone());
            }
        }
        self.annotations.push(crate::Annotation { name, expression, after_filters, selected });
    }

    /// `values(fields)` as a QuerySet (Django's `values()` before it is evaluated): rows hold
    /// these paths (every field and annotation when empty), and annotations added after it
    /// group by them.
    pub fn set_values(&mut self, fields: Vec<String>) {
        let fields = if fields.is_empty() {
            let names = self.model.fields.iter().map(|f| f.attname().into_owned());
            names.chain(self.annotations.iter().filter(|a| a.selected).map(|a| a.name.clone())).collect()
        } else {
            fields
        };
        self.values = Some(fields);
    }

    /// Replaces the ordering (`order_by()`), undoing any `reverse()`.
    pub fn set_ordering(&mut self, keys: Vec<OrderBy>) {
        self.order_by = Some(keys);
        self.reversed = false;
    }

    /// Adds one `filter()` call.
    pub fn add_filter(&mut self, q: Q) {
        if !q.is_empty() {
            self.filters.push(q);
        }
    }
}

/// An immutable description of a query on one model.
///
/// QuerySet methods return modified copies, so a chained QuerySet never changes its parent.
#[derive(Debug, PartialEq)]
pub struct Query {
    /// The queried model.
    pub model: &'static ModelMeta,
    /// One `Q` per `filter()`/`exclude()` call, ANDed. Calls are kept apart because a
    /// many-valued relation is joined once per call, as Django does. The first is held inline:
    /// most queries (every `get()`) have exactly one.
    pub filters: smallvec::SmallVec<[Q; 1]>,
    /// `select_related` paths.
    pub select_related: Vec<String>,
    /// `prefetch_related` lookups.
    pub prefetch: Vec<crate::Prefetch>,
    /// `annotate()` calls, in order.
    pub annotations: Vec<crate::Annotation>,
    /// `values(...)` before `annotate()`: group by these paths instead of the whole row.
    pub group_by: Option<Vec<String>>,
    /// `select_for_update(...)`.
    pub lock: Option<djorm_sql::RowLock>,
    /// `union()` / `intersection()` / `difference()` with other queries on the same model.
    pub combined: Vec<(djorm_sql::SetOp, Query)>,
    /// Explicit ordering; the model's `Meta.ordering` applies when `None`.
    pub order_by: Option<Vec<OrderBy>>,
    /// `reverse()` was called an odd number of times.
    pub reversed: bool,
    /// Rows skipped (`OFFSET`).
    pub low_mark: u64,
    /// One past the last row taken, counted from the start (`LIMIT high - low`).
    pub high_mark: Option<u64>,
    /// `SELECT DISTINCT`.
    pub distinct: bool,
    /// `distinct(fields)`: PostgreSQL's `DISTINCT ON`.
    pub distinct_on: Vec<String>,
    /// `only(fields)`: load just these fields (the others keep their defaults).
    pub only: Option<Vec<String>>,
    /// `none()`: matches nothing and runs no query.
    pub empty: bool,
    /// `values(fields)`: the paths each row holds, in order (Django's `values_select` and the
    /// annotations added after it).
    pub values: Option<Vec<String>>,
    /// `using(alias)`: the database this query runs on, whatever the routers say.
    pub using: Option<String>,
    /// The database of the instance this query reads around (a related manager's owner, a
    /// key's object): where the query runs when no router answers (Django's fallback to the
    /// `instance` hint's `_state.db`).
    pub instance_db: Option<&'static str>,
}

/// Field by field, with the empty lists (most of them, in most queries) made new rather than
/// cloned: every QuerySet method clones its parent's query, and a derived clone calls out to
/// clone each empty list.
impl Clone for Query {
    fn clone(&self) -> Self {
        // Destructured so that a new field cannot be forgotten here.
        let Query {
            model,
            filters,
            select_related,
            prefetch,
            annotations,
            group_by,
            lock,
            combined,
            order_by,
            reversed,
            low_mark,
            high_mark,
            distinct,
            distinct_on,
            only,
            empty,
            values,
            using,
            instance_db,
        } = self;
        Query {
            model,
            filters: filters.clone(),
            select_related: clone_list(select_related),
            prefetch: clone_list(prefetch),
            annotations: clone_list(annotations),
            group_by: group_by.clone(),
            lock: lock.clone(),
            combined: clone_list(combined),
            order_by: order_by.clone(),
            reversed: *reversed,
            low_mark: *low_mark,
            high_mark: *high_mark,
            distinct: *distinct,
            distinct_on: clone_list(distinct_on),
            only: only.clone(),
            empty: *empty,
            values: values.clone(),
            using: using.clone(),
            instance_db: *instance_db,
        }
    }
}

/// A copy of `list`; an empty one costs nothing.
#[inline]
fn clone_list<T: Clone>(list: &[T]) -> Vec<T> {
    if list.is_empty() {
        Vec::new()
    } else {
        list.to_vec()
    }
}

impl Query {
    /// A query for every row of `model`.
    pub fn new(model: &'static ModelMeta) -> Self {
        Query {
            model,
            filters: smallvec::SmallVec::new(),
            select_related: Vec::new(),
            prefetch: Vec::new(),
            annotations: Vec::new(),
            group_by: None,
            lock: None,
            combined: Vec::new(),
            order_by: None,
            reversed: false,
            low_mark: 0,
            high_mark: None,
            distinct: false,
            distinct_on: Vec::new(),
            only: None,
            empty: false,
            values: None,
            using: None,
            instance_db: None,
        }
    }

    /// True once a slice has been taken (Django forbids filtering or updating after that).
    pub fn is_sliced(&self) -> bool {
        self.low_mark > 0 || self.high_mark.is_some()
    }

    /// Applies a slice relative to the current one, as Django's `set_limits`.
    pub fn set_limits(&mut self, low: Option<u64>, high: Option<u64>) {
        if let Some(high) = high {
            let absolute = self.low_mark.saturating_add(high);
            self.high_mark = Some(self.high_mark.map_or(absolute, |h| h.min(absolute)));
        }
        if let Some(low) = low {
            let absolute = self.low_mark.saturating_add(low);
            self.low_mark = self.high_mark.map_or(absolute, |h| h.min(absolute));
        }
    }

    /// The ordering in force: explicit, else `Meta.ordering` (which, as in Django, does not
    /// apply to a grouped `values().annotate()`); flipped by `reverse()`.
    pub fn effective_ordering(&self) -> Vec<OrderBy> {
        let mut ordering = match &self.order_by {
            Some(o) => o.clone(),
            None if self.group_by.is_some() => Vec::new(),
            None => self.model.ordering.iter().map(|s| OrderBy::parse(s)).collect(),
        };
        if self.reversed {
            for o in &mut ordering {
                o.descending = !o.descending;
                o.nulls = o.nulls.map(|n| match n {
                    djorm_sql::Nulls::First => djorm_sql::Nulls::Last,
                    djorm_sql::Nulls::Last => djorm_sql::Nulls::First,
                });
            }
        }
        ordering
    }

    /// True when some ordering applies (explicit or `Meta.ordering`).
    pub fn is_ordered(&self) -> bool {
        match &self.order_by {
            Some(o) => !o.is_empty(),
            None => !self.model.ordering.is_empty(),
        }
    }
}

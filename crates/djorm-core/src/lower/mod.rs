//! Lowering: the model-level [`Query`] IR into table-level SQL AST. Pure functions, no I/O.
//!
//! Names are resolved here against [`ModelMeta`] (fields, relations both ways), so a misspelt
//! field becomes a `FieldError` before any SQL exists; the joins a path crosses are collected
//! with Django's rules (aliases, reuse within one `filter()` call, LEFT OUTER where a missing
//! row must still match).

mod annotate;
mod coerce;
mod duration;
mod functions;
mod joins;
mod lookup;
mod ordering;
mod path;
mod related;
mod resolve;
pub(crate) mod shape;
mod window;
mod writes;
mod zone;

use std::cell::RefCell;

pub use coerce::{coerce, parse_datetime, parse_time};
pub use duration::parse_duration;
pub use path::ResolvedPath;
pub use related::RelatedNode;

use djorm_sql::{BinOp, Expr, OrderItem, Select, SelectItem, Source, Value, ValueKind};

use crate::{Error, Expression, FieldMeta, ModelMeta, Query, Result, Q};
use joins::JoinSet;

#[derive(Debug)]
struct State {
    joins: JoinSet,
    scope: usize,
    in_or: bool,
    /// Paths outside filter() (ordering, values) reuse any join of the same relation.
    reuse_any: bool,
    /// Lowered annotations: name, SQL, decode kind.
    annotations: Vec<(String, Expr, ValueKind)>,
    /// Filters on annotations, for HAVING.
    having: Option<Expr>,
    /// Filters on windows, applied to the rows once the windows are computed.
    window_filter: Option<Expr>,
    /// The query's annotations, to tell HAVING filters apart.
    annotation_defs: Vec<crate::Annotation>,
    /// How deep lowering is inside nested expressions and conditions.
    depth: usize,
}

/// The deepest nesting of expressions and conditions a query may have: SQLite's own limit
/// (`SQLITE_MAX_EXPR_DEPTH`), held on every database so a query means the same everywhere.
pub const MAX_DEPTH: usize = 1000;

/// One level of nesting (and its depth); leaving it (dropping the guard) steps back out.
struct Level<'a>(&'a Lowerer, usize);

impl Level<'_> {
    fn depth(&self) -> usize {
        self.1
    }
}

impl Drop for Level<'_> {
    fn drop(&mut self) {
        self.0.state.borrow_mut().depth -= 1;
    }
}

/// Lowers queries on one model. One lowerer per statement: it collects that statement's joins.
#[derive(Debug)]
pub struct Lowerer {
    meta: &'static ModelMeta,
    qualify: bool,
    /// The root table's alias (its name, or `U0`… inside a subquery).
    alias: String,
    /// For a subquery: the outer query's model and root alias, for `OuterRef`.
    outer: Option<(&'static ModelMeta, String)>,
    state: RefCell<State>,
}

/// The kind a constant decodes into.
/// `query` as the inner query of a count or an aggregate: its order matters only to which
/// rows a slice keeps (and under DISTINCT it would add its columns to the rows counted).
pub(super) fn feeding(query: &Query) -> Query {
    let mut inner = query.clone();
    if !query.is_sliced() {
        inner.set_ordering(Vec::new());
    }
    inner
}

pub(super) fn value_kind_of(v: &Value) -> ValueKind {
    match v {
        Value::Null | Value::Array(_) => ValueKind::Any,
        Value::Bool(_) => ValueKind::Bool,
        Value::I16(_) | Value::I32(_) | Value::I64(_) => ValueKind::I64,
        Value::F64(_) => ValueKind::F64,
        Value::Decimal(_) => ValueKind::Decimal,
        Value::String(_) => ValueKind::String,
        Value::Bytes(_) => ValueKind::Bytes,
        Value::Uuid(_) => ValueKind::Uuid,
        Value::Date(_) => ValueKind::Date,
        Value::Time(_) => ValueKind::Time,
        Value::DateTime(_) => ValueKind::DateTime,
        Value::Duration(_) => ValueKind::Duration,
        Value::Json(_) => ValueKind::Json,
    }
}

/// Which columns a SELECT returns.
#[derive(Debug, Clone)]
pub enum Columns {
    /// Every concrete field, in declaration order (for model instances).
    Model,
    /// Every concrete field, then the named paths (prefetch_related's keys).
    ModelPlus(Vec<String>),
    /// The named paths (for `values()` / `values_list()`).
    Fields(Vec<String>),
}

/// A lowered SELECT: the statement, how to decode each column, and the related objects
/// select_related put after the model's own columns.
#[derive(Debug)]
pub struct LoweredSelect {
    /// The statement.
    pub select: Select,
    /// One decode hint per column.
    pub kinds: Vec<ValueKind>,
    /// select_related objects, in column order.
    pub related: Vec<RelatedNode>,
    /// Trailing columns selected only so DISTINCT can order by them (Django adds the
    /// ordering's columns to a `values().distinct()`); the rows' readers drop them.
    pub hidden: usize,
}

impl Lowerer {
    /// A lowerer for `meta`.
    pub fn new(meta: &'static ModelMeta) -> Self {
        Lowerer {
            meta,
            qualify: true,
            alias: meta.db_table.to_owned(),
            outer: None,
            state: RefCell::new(State {
                joins: JoinSet::new(meta.db_table),
                scope: 0,
                in_or: false,
                reuse_any: false,
                annotations: Vec::new(),
                having: None,
                window_filter: None,
                depth: 0,
                annotation_defs: Vec::new(),
            }),
        }
    }

    /// A lowerer that leaves columns unqualified, for check constraints inside CREATE TABLE.
    pub fn unqualified(meta: &'static ModelMeta) -> Self {
        Lowerer { qualify: false, ..Lowerer::new(meta) }
    }

    fn root_alias(&self) -> String {
        self.alias.clone()
    }

    /// A lowerer for a subquery on `meta` inside the query `outer` lowers: its root table is
    /// aliased `U<depth>` so `OuterRef` can name the outer table even when it is the same one.
    pub fn nested(meta: &'static ModelMeta, outer: &Lowerer) -> Self {
        let depth = outer.alias.strip_prefix('U').and_then(|n| n.parse::<usize>().ok()).map_or(0, |n| n + 1);
        let alias = format!("U{depth}");
        let mut inner = Lowerer::new(meta);
        inner.state = RefCell::new(State {
            joins: JoinSet::new(&alias),
            scope: 0,
            in_or: false,
            reuse_any: false,
            annotations: Vec::new(),
            having: None,
            window_filter: None,
            annotation_defs: Vec::new(),
            // A subquery is one more level of the query it sits in.
            depth: outer.state.borrow().depth,
        });
        inner.alias = alias;
        inner.outer = Some((outer.meta, outer.alias.clone()));
        inner
    }

    /// `SELECT ... FROM table` with this lowerer's alias.
    fn base_select(&self) -> Select {
        let mut select = Select::from_table(self.meta.db_table);
        if self.alias != self.meta.db_table {
            select.from = Source::Table { name: self.meta.db_table.to_owned(), alias: Some(self.alias.clone()) };
        }
        select
    }

    fn qualified(&self, alias: &str, column: &str) -> Expr {
        if self.qualify {
            Expr::column(alias, column)
        } else {
            Expr::Column { table: None, column: column.to_owned() }
        }
    }

    fn column(&self, field: &FieldMeta) -> Expr {
        self.qualified(&self.alias, field.column)
    }

    /// `field`'s column `expr` as a select list reads it: a decimal with its places.
    pub(crate) fn read_column(expr: Expr, field: &FieldMeta) -> Expr {
        match (field.relation.is_none(), field.decimal_places) {
            (true, Some(places)) => Expr::Quantized { expr: Box::new(expr), places },
            _ => expr,
        }
    }

    /// The primary key column of the root table.
    pub fn pk_column(&self) -> Expr {
        self.column(self.meta.pk())
    }

    /// Lowers one `Q` tree as one `filter()` call; `Expr::Const(false)` means "matches nothing".
    pub fn filter(&self, q: &Q) -> Result<Expr> {
        self.q(q, false)
    }

    /// Names the query gives that would silently do nothing: an annotation named like a field
    /// (Django refuses it), a `values()` grouping path that leads nowhere.
    fn check_names(&self, query: &Query) -> Result<()> {
        // Django checks each annotate() against the model's fields (and a key's `_id` name),
        // or, after values(), against the values() fields. An annotation the values() grouping
        // names was made before values(); one it does not name came after and cannot clash.
        let is_field = |name: &str| {
            self.meta.field(name).is_some()
                || self.meta.many_to_many_field(name).is_some()
                || name.strip_suffix("_id").and_then(|n| self.meta.field(n)).is_some_and(|f| f.relation.is_some())
        };
        let conflicts = |name: &str| match &query.group_by {
            Some(fields) => fields.iter().any(|f| f == name) && is_field(name),
            None => is_field(name),
        };
        for a in &query.annotations {
            if conflicts(&a.name) {
                return Err(Error::InvalidValue(format!(
                    "The annotation '{}' conflicts with a field on the model.",
                    a.name
                )));
            }
        }
        if let Some(group) = &query.group_by {
            // Resolved on a lowerer of its own, so checking adds no join to this statement.
            let probe = Lowerer::new(self.meta);
            for path in group.iter().filter(|p| !query.annotations.iter().any(|a| &a.name == *p)) {
                probe.resolve(path)?;
            }
        }
        Ok(())
    }

    fn filters(&self, filters: &[Q], annotations: &[crate::Annotation]) -> Result<Expr> {
        self.state.borrow_mut().annotation_defs = annotations.to_vec();
        let mut acc = Expr::Const(true);
        let mut having = Expr::Const(true);
        let mut window_filter = Expr::Const(true);
        for (scope, q) in filters.iter().enumerate() {
            self.annotations_at(annotations, scope)?;
            self.state.borrow_mut().scope = scope;
            if Self::uses_window(q, annotations) {
                let (before, after) = Self::split_window_filter(q, annotations);
                for q in before {
                    acc = acc.and(self.q(q, false)?);
                }
                for q in after {
                    window_filter = window_filter.and(self.q(q, false)?);
                }
            } else if !annotations.is_empty() && Self::uses_annotation(q, annotations) {
                having = having.and(self.q(q, false)?);
            } else {
                acc = acc.and(self.q(q, false)?);
            }
        }
        self.annotations_at(annotations, filters.len())?;
        self.state.borrow_mut().scope = filters.len();
        if having != Expr::Const(true) {
            self.state.borrow_mut().having = Some(having);
        }
        if window_filter != Expr::Const(true) {
            self.state.borrow_mut().window_filter = Some(window_filter);
        }
        Ok(acc)
    }

    fn q(&self, q: &Q, negated: bool) -> Result<Expr> {
        let level = self.deeper()?;
        djorm_sql::at_depth(level.depth(), || self.q_here(q, negated))
    }

    /// Steps one level deeper into the query, refusing to go past [`MAX_DEPTH`].
    fn deeper(&self) -> Result<Level<'_>> {
        let mut state = self.state.borrow_mut();
        if state.depth >= MAX_DEPTH {
            return Err(Error::InvalidQuery(format!(
                "the query nests expressions or conditions more than {MAX_DEPTH} levels deep (say, F() + 1 \
                 chained that often); SQLite refuses deeper ones, so djorm refuses them on every database"
            )));
        }
        state.depth += 1;
        Ok(Level(self, state.depth))
    }

    fn q_here(&self, q: &Q, negated: bool) -> Result<Expr> {
        match q {
            Q::Lookup { path, rhs } => self.lookup(path, rhs, negated),
            Q::And(children) => {
                let mut acc = Expr::Const(true);
                for child in children {
                    acc = acc.and(self.q(child, negated)?);
                }
                Ok(acc)
            }
            Q::Or(children) => {
                let was = std::mem::replace(&mut self.state.borrow_mut().in_or, children.len() > 1);
                let mut acc = Expr::Const(false);
                let mut result = Ok(());
                for child in children {
                    match self.q(child, negated) {
                        Ok(e) => acc = acc.or(e),
                        Err(e) => {
                            result = Err(e);
                            break;
                        }
                    }
                }
                self.state.borrow_mut().in_or = was;
                result.map(|()| acc)
            }
            Q::Xor(children) => self.xor(children, negated),
            Q::Not(inner) => Ok(self.q(inner, !negated)?.negate()),
            Q::Expr(e) => self.expression(e),
        }
    }

    /// Django's XOR where the database has none: at least one child holds and the number
    /// that hold is odd, `(a OR b) AND (CASE WHEN a THEN 1 ELSE 0 END + ...) % 2 = 1`.
    fn xor(&self, children: &[Q], negated: bool) -> Result<Expr> {
        let was = std::mem::replace(&mut self.state.borrow_mut().in_or, children.len() > 1);
        let conditions: Result<Vec<Expr>> = children.iter().map(|c| self.q(c, negated)).collect();
        self.state.borrow_mut().in_or = was;
        let conditions = conditions?;
        let any = conditions.iter().cloned().fold(Expr::Const(false), Expr::or);
        let Some(count) = conditions
            .into_iter()
            .map(|c| Expr::Case { whens: vec![(c, Expr::Int(1))], default: Box::new(Expr::Int(0)) })
            .reduce(|a, b| a.binary(BinOp::Add, b))
        else {
            return Ok(Expr::Const(false));
        };
        let parity = if children.len() > 2 { count.binary(BinOp::Mod, Expr::Int(2)) } else { count };
        Ok(any.and(parity.binary(BinOp::Eq, Expr::Int(1))))
    }

    /// Lowers an expression (paths may cross relations).
    pub fn expression(&self, e: &Expression) -> Result<Expr> {
        Ok(self.expression_typed(e)?.0)
    }

    /// Lowers an expression, with the kind its value decodes into.
    pub fn expression_typed(&self, e: &Expression) -> Result<(Expr, ValueKind)> {
        let level = self.deeper()?;
        djorm_sql::at_depth(level.depth(), || self.expression_here(e))
    }

    fn expression_here(&self, e: &Expression) -> Result<(Expr, ValueKind)> {
        Ok(match e {
            Expression::Field(name) => {
                if let Some(found) = self.annotation(name) {
                    return Ok(found);
                }
                self.resolve_value(name)?
            }
            Expression::Value(v) => (Expr::Param(v.clone()), value_kind_of(v)),
            Expression::Arith { op, lhs, rhs } => {
                // A float or decimal constant keeps its type (the database would otherwise take
                // the other operand's, turning `views / 3.0` into integer division); an integer
                // takes the other operand's.
                let typed = |e: &Expression| -> Result<(Expr, ValueKind)> {
                    if let Expression::Value(v) = e {
                        let kind = value_kind_of(v);
                        let param = Expr::Param(v.clone());
                        return Ok(match kind {
                            ValueKind::F64 => {
                                (Expr::Cast { expr: Box::new(param), ty: djorm_sql::ColumnType::Double }, kind)
                            }
                            // `timestamptz - $1` would take $1 for a timestamp.
                            ValueKind::Duration => {
                                (Expr::Cast { expr: Box::new(param), ty: djorm_sql::ColumnType::Duration }, kind)
                            }
                            _ => (param, kind),
                        });
                    }
                    self.expression_typed(e)
                };
                let (l, lk) = typed(lhs)?;
                let (r, rk) = typed(rhs)?;
                if let Some(kind) = functions::temporal_kind(*op, lk, rk)? {
                    let (lhs, rhs) = (Box::new(l), Box::new(r));
                    return Ok((Expr::Temporal { op: *op, lhs, lhs_kind: lk, rhs, rhs_kind: rk }, kind));
                }
                let kind = match (lk, rk) {
                    (ValueKind::F64, _) | (_, ValueKind::F64) => ValueKind::F64,
                    (ValueKind::Decimal, _) | (_, ValueKind::Decimal) => ValueKind::Decimal,
                    (k, _) => k,
                };
                (l.binary(*op, r), kind)
            }
            Expression::Func { func, args } => {
                if !func.takes(args.len()) {
                    return Err(Error::InvalidQuery(format!(
                        "{}() takes {} argument(s), not {}",
                        func.name,
                        match func.max_args {
                            Some(max) if max == func.min_args => max.to_string(),
                            Some(max) => format!("{} to {max}", func.min_args),
                            None => format!("at least {}", func.min_args),
                        },
                        args.len()
                    )));
                }
                if func.name == "Collate" {
                    functions::check_collation(args)?;
                }
                if matches!(func.name, "Coalesce" | "Greatest" | "Least" | "NullIf") {
                    self.check_same_output(args)?;
                }
                let (lowered, kinds): (Vec<Expr>, Vec<ValueKind>) =
                    args.iter().map(|a| self.expression_typed(a)).collect::<Result<Vec<_>>>()?.into_iter().unzip();
                (zone::call(func, lowered, &kinds), (func.output)(&kinds))
            }
            Expression::Case { whens, default } => {
                let (default, default_kind) = self.standalone(default)?;
                let mut kind = default_kind;
                let mut lowered = Vec::with_capacity(whens.len());
                for (i, (q, value)) in whens.iter().enumerate() {
                    let (v, k) = self.standalone(value)?;
                    if i == 0 && k != ValueKind::Any {
                        kind = k;
                    }
                    lowered.push((self.q(q, false)?, v));
                }
                (Expr::Case { whens: lowered, default: Box::new(default) }, kind)
            }
            Expression::Cast { expr, to } => {
                let (inner, _) = self.expression_typed(expr)?;
                (
                    Expr::Cast { expr: Box::new(inner), ty: to.column_type(Some(255), Some(30), Some(10)) },
                    to.value_kind(),
                )
            }
            Expression::Aggregate(a) => self.aggregate_expr(a)?,
            Expression::Raw { sql, params, kind } => {
                let placeholders = sql.matches("%s").count();
                if placeholders != params.len() {
                    return Err(Error::InvalidQuery(format!(
                        "RawSQL has {placeholders} %s placeholders but {} parameters",
                        params.len()
                    )));
                }
                (Expr::Raw { sql: sql.clone(), params: params.clone() }, kind.value_kind())
            }
            Expression::OuterRef(path) => {
                let Some((meta, alias)) = &self.outer else {
                    return Err(Error::InvalidQuery(format!(
                        "OuterRef(\"{path}\") is only valid inside a Subquery or Exists"
                    )));
                };
                let field = meta.field_or_error(path)?;
                (Expr::column(alias.clone(), field.column), field.value_kind())
            }
            Expression::Subquery { query, field } => {
                let inner = Lowerer::nested(query.model, self);
                match inner.select(query, &Columns::Fields(vec![field.clone()]))? {
                    Some(lowered) => {
                        let kind = lowered.kinds.first().copied().unwrap_or(ValueKind::Any);
                        (Expr::Subquery(Box::new(lowered.select)), kind)
                    }
                    None => (Expr::Param(Value::Null), ValueKind::Any),
                }
            }
            Expression::Exists(query) => {
                let inner = Lowerer::nested(query.model, self);
                match inner.exists(query)? {
                    Some(select) => (Expr::Exists(Box::new(select)), ValueKind::Bool),
                    None => (Expr::Const(false), ValueKind::Bool),
                }
            }
            Expression::Extract { expr, part, tz } => {
                let (inner, kind) = self.expression_typed(expr)?;
                let local = zone::wall_clock(inner, kind, zone::zone(tz.as_deref())?);
                (Expr::DatePart { part: *part, expr: Box::new(local) }, ValueKind::I64)
            }
            Expression::Typed { expr, kind } => {
                let lowered = match &**expr {
                    // An explicit output field lifts Django's mixed-types check.
                    Expression::Func { func, args } if func.takes(args.len()) => {
                        let (args, kinds): (Vec<Expr>, Vec<ValueKind>) = args
                            .iter()
                            .map(|a| self.expression_typed(a))
                            .collect::<Result<Vec<_>>>()?
                            .into_iter()
                            .unzip();
                        zone::call(func, args, &kinds)
                    }
                    other => self.standalone(other)?.0,
                };
                (lowered, kind.value_kind())
            }
            Expression::Window(w) => self.window(w)?,
            Expression::WindowFunc { func, args } => self.window_func(*func, args)?,
            Expression::Trunc { expr, unit, tz } => {
                let (inner, kind) = self.expression_typed(expr)?;
                (zone::trunc(*unit, inner, kind, zone::zone(tz.as_deref())?), kind)
            }
        })
    }

    fn where_clause(&self, query: &Query) -> Result<Option<Expr>> {
        self.check_names(query)?;
        if query.empty {
            return Ok(Some(Expr::Const(false)));
        }
        Ok(match self.filters(&query.filters, &query.annotations)? {
            Expr::Const(true) => None,
            e => Some(e),
        })
    }

    fn finish(&self, mut select: Select) -> Select {
        select.joins = self.state.borrow().joins.to_ast();
        select
    }

    /// The SELECT for `query`, or `None` when the query can match nothing (an empty `in`,
    /// `none()`) and need not run.
    pub fn select(&self, query: &Query, columns: &Columns) -> Result<Option<LoweredSelect>> {
        let filter = self.where_clause(query)?;
        if filter == Some(Expr::Const(false)) {
            return Ok(None);
        }
        self.state.borrow_mut().reuse_any = true;
        let mut select = self.base_select();
        let mut kinds = Vec::new();
        let model_fields = |select: &mut Select, kinds: &mut Vec<ValueKind>| {
            for f in self.meta.fields {
                select.columns.push(SelectItem { expr: Self::read_column(self.column(f), f), alias: None });
                kinds.push(f.value_kind());
            }
        };
        let mut related = Vec::new();
        match columns {
            Columns::Model => {
                model_fields(&mut select, &mut kinds);
                related = self.select_related(&query.select_related, &mut select, &mut kinds)?;
            }
            Columns::ModelPlus(extra) => {
                model_fields(&mut select, &mut kinds);
                for path in extra {
                    let (expr, kind) = self.resolve_value(path)?;
                    select.columns.push(SelectItem { expr, alias: None });
                    kinds.push(kind);
                }
            }
            Columns::Fields(paths) => {
                for path in paths {
                    if let Some((expr, kind)) = self.annotation(path) {
                        kinds.push(kind);
                        select.columns.push(SelectItem { expr, alias: Some(path.clone()) });
                        continue;
                    }
                    let (expr, kind) = self.resolve_value(path)?;
                    let expr = match self.resolve(path) {
                        Ok(r) if r.transforms.is_empty() => Self::read_column(expr, r.field),
                        _ => expr,
                    };
                    kinds.push(kind);
                    select.columns.push(SelectItem { expr, alias: None });
                }
            }
        }
        let aggregated: Vec<(String, Expr, ValueKind)> = self.state.borrow().annotations.clone();
        let grouped = query.annotations.iter().any(|a| a.expression.contains_aggregate());
        if grouped {
            // Group by every plain column selected (Django groups by the selected fields).
            select.group_by = select
                .columns
                .iter()
                .filter(|c| {
                    !query.annotations.iter().any(|a| {
                        (a.expression.contains_aggregate() || a.expression.contains_over())
                            && c.alias.as_deref() == Some(a.name.as_str())
                    })
                })
                .map(|c| c.expr.clone())
                .collect();
            // values(...).annotate(...).values(...): the groups stay those of the first
            // values(), whatever the last one selects.
            for path in query.group_by.iter().flatten() {
                let expr = match self.annotation(path) {
                    Some((expr, _)) => expr,
                    None => self.resolve_value(path)?.0,
                };
                if !matches!(expr, Expr::Aggregate { .. }) && !select.group_by.contains(&expr) {
                    select.group_by.push(expr);
                }
            }
            // annotate() before values(): one group per object, as Django groups by the key.
            let pk = self.pk_column();
            if query.group_by.is_none() && !select.group_by.contains(&pk) {
                select.group_by.push(pk);
            }
        }
        if matches!(columns, Columns::Model | Columns::ModelPlus(_)) {
            for (name, expr, kind) in aggregated {
                if query.annotations.iter().any(|a| a.name == name && a.selected) {
                    select.columns.push(SelectItem { expr, alias: Some(name) });
                    kinds.push(kind);
                }
            }
        }
        for path in &query.distinct_on {
            select.distinct_on.push(match self.annotation(path) {
                Some((expr, _)) => expr,
                None => self.resolve_value(path)?.0,
            });
        }
        select.having = self.state.borrow_mut().having.take();
        select.distinct = query.distinct;
        select.filter = filter;
        select.order_by = self.order_items(&query.effective_ordering())?;
        let mut hidden = 0;
        if select.distinct && query.combined.is_empty() && matches!(columns, Columns::Fields(_)) {
            for item in &select.order_by {
                if !matches!(item.expr, Expr::Random) && !select.columns.iter().any(|c| c.expr == item.expr) {
                    select.columns.push(SelectItem { expr: item.expr.clone(), alias: None });
                    kinds.push(ValueKind::Any);
                    hidden += 1;
                }
            }
        }
        if let Some(high) = query.high_mark {
            select.limit = Some(high.saturating_sub(query.low_mark));
        }
        select.offset = Some(query.low_mark).filter(|l| *l > 0);
        select.lock = match &query.lock {
            Some(lock) => Some(djorm_sql::RowLock { of: self.lock_of(&lock.of, &related)?, ..lock.clone() }),
            None => None,
        };
        if !query.combined.is_empty() {
            // ORDER BY and LIMIT apply to the combined rows; each part is a plain select.
            let positions: Vec<OrderItem> = select
                .order_by
                .iter()
                .map(|o| {
                    let position = select.columns.iter().position(|c| c.expr == o.expr).map_or(1, |p| p + 1);
                    OrderItem { expr: Expr::Position(position), descending: o.descending, nulls: o.nulls }
                })
                .collect();
            select.order_by = positions;
            for (op, other) in &query.combined {
                let mut part = other.clone();
                part.order_by = Some(Vec::new());
                match Lowerer::new(self.meta).select(&part, columns)? {
                    Some(lowered) => select.compound.push((*op, lowered.select)),
                    None if *op == djorm_sql::SetOp::Intersect => return Ok(None),
                    None => {}
                }
            }
        }
        let mut select = self.finish(select);
        if let Some(flag) = self.state.borrow_mut().window_filter.take() {
            select = window::qualify(select, flag)?;
        }
        Ok(Some(LoweredSelect { select, kinds, related, hidden }))
    }

    /// `SELECT COUNT(*)` for `query`, or `None` when it can match nothing.
    pub fn count(&self, query: &Query) -> Result<Option<Select>> {
        let count = SelectItem { expr: Expr::Count { expr: Box::new(Expr::Star), distinct: false }, alias: None };
        if query.distinct
            || query.is_sliced()
            || !query.annotations.is_empty()
            || query.group_by.is_some()
            || !query.combined.is_empty()
            || Self::filters_on_window(query)
        {
            let columns = match (&query.values, &query.group_by) {
                (Some(values), _) => Columns::Fields(values.clone()),
                (None, Some(group)) => Columns::Fields(group.clone()),
                (None, None) => Columns::Model,
            };
            // The order matters only to which rows a slice keeps (and, under DISTINCT, would
            // add its columns to the rows counted).
            let query = &feeding(query);
            let Some(lowered) = self.select(query, &columns)? else { return Ok(None) };
            let mut inner = lowered.select;
            if !query.is_sliced() {
                inner.order_by.clear();
            }
            let mut outer = Select::from_table("");
            outer.from = Source::Subquery { select: Box::new(inner), alias: "subquery".into() };
            outer.columns = vec![count];
            return Ok(Some(outer));
        }
        let filter = self.where_clause(query)?;
        if filter == Some(Expr::Const(false)) {
            return Ok(None);
        }
        let mut select = self.base_select();
        select.columns = vec![count];
        select.filter = filter;
        Ok(Some(self.finish(select)))
    }

    /// `SELECT 1 ... LIMIT 1` for `exists()`, or `None` when it can match nothing.
    pub fn exists(&self, query: &Query) -> Result<Option<Select>> {
        let mut query = query.clone();
        query.select_related.clear();
        let Some(lowered) = self.select(&query, &Columns::Model)? else { return Ok(None) };
        let mut select = lowered.select;
        select.columns = vec![SelectItem { expr: Expr::Const(true), alias: Some("a".into()) }];
        select.order_by.clear();
        select.distinct = false;
        let remaining = query.high_mark.map(|h| h.saturating_sub(query.low_mark));
        select.limit = Some(remaining.map_or(1, |r| r.min(1)));
        Ok(Some(select))
    }
}

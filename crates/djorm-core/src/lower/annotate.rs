//! Lowering annotations and aggregates: `Count("posts")` into `COUNT("blog_post"."id")` over a
//! LEFT OUTER JOIN, GROUP BY the selected columns, HAVING for filters on annotations.

use djorm_sql::{Expr, Select, SelectItem, Source, ValueKind};

use super::{Columns, Lowerer};
use crate::{Aggregate, Annotation, Error, Query, Result, Q};

impl Lowerer {
    /// The SQL of one aggregate, with the kind its result decodes into. Its joins are LEFT
    /// OUTER (a row with nothing related still counts 0) and reuse the joins of earlier
    /// filter() calls, so filter-then-annotate counts only what the filter kept.
    pub(super) fn aggregate_expr(&self, aggregate: &Aggregate) -> Result<(Expr, ValueKind)> {
        let was = {
            let mut state = self.state.borrow_mut();
            let was = (state.in_or, state.reuse_any);
            state.in_or = true;
            state.reuse_any = true;
            was
        };
        let result = (|| {
            let (expr, column_kind) = match &aggregate.expression {
                Some(e) => self.expression_typed(e)?,
                None if aggregate.path == "*" => (Expr::Star, ValueKind::I64),
                None => self.resolve_value(&aggregate.path)?,
            };
            let filter = match &aggregate.filter {
                Some(q) => Some(Box::new(self.q(q, false)?)),
                None => None,
            };
            let mut sql =
                Expr::Aggregate { func: aggregate.func, expr: Box::new(expr), distinct: aggregate.distinct, filter };
            if let Some(default) = &aggregate.default {
                sql = Expr::Coalesce(vec![sql, Expr::Param(default.clone())]);
            }
            Ok((sql, aggregate.output_kind(column_kind)))
        })();
        let mut state = self.state.borrow_mut();
        (state.in_or, state.reuse_any) = was;
        result
    }

    /// Lowers the annotations made after `filters` filter() calls.
    pub(super) fn annotations_at(&self, annotations: &[Annotation], filters: usize) -> Result<()> {
        for a in annotations.iter().filter(|a| a.after_filters == filters) {
            let was = std::mem::replace(&mut self.state.borrow_mut().reuse_any, true);
            let lowered = self.standalone(&a.expression);
            self.state.borrow_mut().reuse_any = was;
            let lowered = lowered?;
            self.state.borrow_mut().annotations.push((a.name.clone(), lowered.0, lowered.1));
        }
        Ok(())
    }

    /// The lowered annotation called `name`.
    pub(super) fn annotation(&self, name: &str) -> Option<(Expr, ValueKind)> {
        self.state.borrow().annotations.iter().find(|(n, _, _)| n == name).map(|(_, e, k)| (e.clone(), *k))
    }

    /// True when some lookup of `q` starts at an annotation (it belongs in HAVING).
    pub(super) fn uses_annotation(q: &Q, annotations: &[Annotation]) -> bool {
        match q {
            Q::Lookup { path, .. } => {
                let head = path.head();
                annotations.iter().any(|a| a.name == head && a.expression.contains_aggregate())
            }
            Q::And(children) | Q::Or(children) | Q::Xor(children) => {
                children.iter().any(|c| Self::uses_annotation(c, annotations))
            }
            Q::Not(inner) => Self::uses_annotation(inner, annotations),
            Q::Expr(_) => false,
        }
    }

    /// `SELECT agg AS name, ... FROM ... WHERE ...` for `aggregate()`.
    pub fn aggregate(
        &self,
        query: &Query,
        aggregates: &[(String, Aggregate)],
    ) -> Result<Option<(Select, Vec<ValueKind>)>> {
        if aggregates.is_empty() {
            return Err(Error::InvalidQuery("aggregate() needs at least one aggregate".into()));
        }
        let grouped = query.annotations.iter().any(|a| a.expression.contains_aggregate())
            || query.group_by.is_some()
            || Self::filters_on_window(query);
        if query.is_sliced() || query.distinct || grouped {
            return self.aggregate_over_subquery(query, aggregates);
        }
        let filter = self.where_clause(query)?;
        if filter == Some(Expr::Const(false)) {
            return Ok(None);
        }
        let mut select = self.base_select();
        let mut kinds = Vec::new();
        for (name, aggregate) in aggregates {
            let (expr, kind) = self.aggregate_expr(aggregate)?;
            select.columns.push(SelectItem { expr, alias: Some(name.clone()) });
            kinds.push(kind);
        }
        select.filter = filter;
        select.having = self.state.borrow_mut().having.take();
        Ok(Some((self.finish(select), kinds)))
    }

    /// Django's aggregate over a subquery, for a sliced, distinct or grouped QuerySet (or one
    /// whose annotations aggregate): `SELECT SUM("__col1") FROM (the query's rows) subquery`.
    fn aggregate_over_subquery(
        &self,
        query: &Query,
        aggregates: &[(String, Aggregate)],
    ) -> Result<Option<(Select, Vec<ValueKind>)>> {
        if aggregates.iter().any(|(_, a)| a.filter.is_some()) {
            return Err(Error::InvalidQuery(
                "aggregate() with filter= over a sliced, distinct or grouped QuerySet is not supported yet".into(),
            ));
        }
        // DISTINCT applies to whole rows: the inner query keeps them (the values() fields, or
        // every field), and the aggregated paths join them.
        let mut names: Vec<String> = match (query.distinct, &query.values) {
            (true, Some(values)) => values.clone(),
            (true, None) => self.meta.fields.iter().map(|f| f.attname().into_owned()).collect(),
            (false, _) => Vec::new(),
        };
        let mut refs = Vec::with_capacity(aggregates.len());
        // The query feeding the outer aggregates: its order matters only to a slice, and an
        // aggregated expression is one of its (unselected) annotations.
        let mut inner_query = super::feeding(query);
        for (i, (_, a)) in aggregates.iter().enumerate() {
            let path = match &a.expression {
                Some(e) => {
                    let name = format!("__djorm_aggregated_{i}");
                    inner_query.add_annotation(name.clone(), (**e).clone(), false);
                    name
                }
                None if a.path == "*" => {
                    refs.push(None);
                    continue;
                }
                None => a.path.clone(),
            };
            let position = names.iter().position(|n| *n == path).unwrap_or_else(|| {
                names.push(path);
                names.len() - 1
            });
            refs.push(Some(position));
        }
        if names.is_empty() {
            names.push("pk".to_owned());
        }
        let Some(lowered) = Lowerer::new(self.meta).select(&inner_query, &Columns::Fields(names))? else {
            return Ok(None);
        };
        let mut inner = lowered.select;
        for (i, column) in inner.columns.iter_mut().enumerate() {
            column.alias = Some(format!("__col{}", i + 1));
        }
        let mut outer = Select::from_table("");
        outer.from = Source::Subquery { select: Box::new(inner), alias: "subquery".into() };
        let mut kinds = Vec::with_capacity(aggregates.len());
        for ((name, a), position) in aggregates.iter().zip(refs) {
            let (expr, column_kind) = match position {
                None => (Expr::Star, ValueKind::I64),
                Some(i) => (
                    Expr::column("subquery", format!("__col{}", i + 1)),
                    lowered.kinds.get(i).copied().unwrap_or(ValueKind::Any),
                ),
            };
            let mut sql = Expr::Aggregate { func: a.func, expr: Box::new(expr), distinct: a.distinct, filter: None };
            if let Some(default) = &a.default {
                sql = Expr::Coalesce(vec![sql, Expr::Param(default.clone())]);
            }
            outer.columns.push(SelectItem { expr: sql, alias: Some(name.clone()) });
            kinds.push(a.output_kind(column_kind));
        }
        Ok(Some((outer, kinds)))
    }
}

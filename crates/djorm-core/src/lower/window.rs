//! Window expressions: `Window(Rank(), partition_by=..., order_by=...)` into
//! `RANK() OVER (PARTITION BY ... ORDER BY ...)`, and filters on them as Django 4.2+ applies
//! them: after the window is computed, by wrapping the query
//! (`SELECT ... FROM (SELECT ..., cond AS flag ...) "qualify" WHERE flag`).

use djorm_sql::{Expr, OrderItem, Select, SelectItem, Source, ValueKind, WindowFunc};

use super::Lowerer;
use crate::{Annotation, Error, Expression, Result, Q};

/// The column of the wrapped query that holds the window filter's outcome.
const QUALIFY_FLAG: &str = "__djorm_qualify";

/// Django's class name of an expression, for its messages.
fn class_name(e: &Expression) -> &'static str {
    match e {
        Expression::Field(_) => "F",
        Expression::Value(_) => "Value",
        Expression::Arith { .. } => "CombinedExpression",
        Expression::Func { func, .. } => func.name,
        Expression::Case { .. } => "Case",
        Expression::Cast { .. } => "Cast",
        Expression::Typed { .. } => "ExpressionWrapper",
        Expression::Extract { .. } => "Extract",
        Expression::Trunc { .. } => "Trunc",
        Expression::Raw { .. } => "RawSQL",
        Expression::OuterRef(_) => "OuterRef",
        Expression::Subquery { .. } => "Subquery",
        Expression::Exists(_) => "Exists",
        Expression::Window(_) => "Window",
        Expression::Aggregate(_) | Expression::WindowFunc { .. } => "",
    }
}

impl Lowerer {
    /// `func(args)`, with the kind Django gives it: a rank or row number is an integer, a
    /// percent rank or cumulative distribution a float, a row's value (Lag, FirstValue, ...)
    /// the kind of its expression.
    pub(super) fn window_func(&self, func: WindowFunc, args: &[Expression]) -> Result<(Expr, ValueKind)> {
        let (lowered, kinds): (Vec<Expr>, Vec<ValueKind>) =
            args.iter().map(|a| self.expression_typed(a)).collect::<Result<Vec<_>>>()?.into_iter().unzip();
        let kind = match func {
            WindowFunc::RowNumber | WindowFunc::Rank | WindowFunc::DenseRank | WindowFunc::Ntile => ValueKind::I64,
            WindowFunc::PercentRank | WindowFunc::CumeDist => ValueKind::F64,
            _ => kinds.first().copied().unwrap_or(ValueKind::Any),
        };
        if func == WindowFunc::Ntile
            && matches!(args.first(), Some(Expression::Value(v)) if v.as_i64().is_some_and(|n| n <= 0))
        {
            return Err(Error::InvalidValue("num_buckets must be greater than 0.".into()));
        }
        if matches!(func, WindowFunc::Lag | WindowFunc::Lead)
            && matches!(args.get(1), Some(Expression::Value(v)) if v.as_i64().is_some_and(|n| n <= 0))
        {
            return Err(Error::InvalidValue(format!(
                "{} requires a positive integer for the offset.",
                if func == WindowFunc::Lag { "Lag" } else { "Lead" }
            )));
        }
        if func == WindowFunc::NthValue
            && matches!(args.get(1), Some(Expression::Value(v)) if v.as_i64().is_some_and(|n| n <= 0))
        {
            return Err(Error::InvalidValue("NthValue requires a positive integer as for nth.".into()));
        }
        Ok((Expr::WindowFunc { func, args: lowered }, kind))
    }

    /// `expression OVER (...)`: only an aggregate or a window function may be windowed, as
    /// Django checks.
    pub(super) fn window(&self, w: &crate::Window) -> Result<(Expr, ValueKind)> {
        let (expr, kind) = match &w.expression {
            Expression::Aggregate(a) => self.aggregate_expr(a)?,
            Expression::WindowFunc { func, args } => self.window_func(*func, args)?,
            other => {
                return Err(Error::InvalidValue(format!(
                    "Expression '{}' isn't compatible with OVER clauses.",
                    class_name(other)
                )))
            }
        };
        let partition_by = w.partition_by.iter().map(|e| self.expression(e)).collect::<Result<Vec<_>>>()?;
        let order_by = self.order_items(&w.order_by)?;
        let window = Box::new(djorm_sql::WindowSpec { partition_by, order_by, frame: w.frame });
        Ok((Expr::Over { expr: Box::new(expr), window }, kind))
    }

    /// True when `q` compares a window: an annotation holding one, or a window on its
    /// right-hand side. Such a condition holds only once the window is computed.
    pub(super) fn uses_window(q: &Q, annotations: &[Annotation]) -> bool {
        Self::uses_window_at(q, annotations, 0)
    }

    /// [`Self::uses_window`] at nesting `depth`: recursive without allocating (it runs for
    /// every filter of every query), with the stack looked at as conditions nest deeper.
    fn uses_window_at(q: &Q, annotations: &[Annotation], depth: usize) -> bool {
        let is_window = |name: &str| annotations.iter().any(|a| a.name == name && a.expression.contains_over());
        let windowed = |e: &Expression| {
            e.any(&|e| match e {
                Expression::Window(_) => true,
                Expression::Field(name) => is_window(name),
                _ => false,
            })
        };
        match q {
            // (No annotations: no name to look up, which spares splitting the path.)
            Q::Lookup { path, rhs } => {
                (!annotations.is_empty() && is_window(path.head())) || matches!(rhs, crate::Rhs::Expr(e) if windowed(e))
            }
            Q::And(children) | Q::Or(children) | Q::Xor(children) => {
                djorm_sql::at_depth(depth, || children.iter().any(|c| Self::uses_window_at(c, annotations, depth + 1)))
            }
            Q::Not(inner) => djorm_sql::at_depth(depth, || Self::uses_window_at(inner, annotations, depth + 1)),
            Q::Expr(e) => windowed(e),
        }
    }

    /// Splits one filter() call as Django does: in a conjunction, the conditions on windows
    /// apply after them and the others before; any other shape applies whole after them.
    pub(super) fn split_window_filter<'q>(q: &'q Q, annotations: &[Annotation]) -> (Vec<&'q Q>, Vec<&'q Q>) {
        match q {
            Q::And(children) => children.iter().partition(|c| !Self::uses_window(c, annotations)),
            q if Self::uses_window(q, annotations) => (Vec::new(), vec![q]),
            q => (vec![q], Vec::new()),
        }
    }

    /// True when some filter of the query compares a window.
    pub fn filters_on_window(query: &crate::Query) -> bool {
        query.filters.iter().any(|q| Self::uses_window(q, &query.annotations))
    }
}

/// Wraps `inner` so `flag` (a condition over its windows) filters its rows: the inner query
/// selects its columns as `col1...` and the flag, the outer one those columns, where the flag
/// holds, in the inner query's order, with its slice.
pub(super) fn qualify(mut inner: Select, flag: Expr) -> Result<Select> {
    if !inner.compound.is_empty() {
        return Err(Error::InvalidQuery("A filter on a window cannot apply to a combined query.".into()));
    }
    let mut outer = Select::from_table("");
    for (i, column) in inner.columns.iter_mut().enumerate() {
        let alias = format!("col{}", i + 1);
        column.alias = Some(alias.clone());
        outer.columns.push(SelectItem { expr: Expr::column("qualify", alias), alias: None });
    }
    // The order moves out; a key not selected is selected by the inner query, unshown.
    for item in std::mem::take(&mut inner.order_by) {
        let position = match inner.columns.iter().position(|c| c.expr == item.expr) {
            Some(p) => p,
            None => {
                inner.columns.push(SelectItem { expr: item.expr.clone(), alias: None });
                inner.columns.len() - 1
            }
        };
        let alias = format!("col{}", position + 1);
        inner.columns[position].alias = Some(alias.clone());
        outer.order_by.push(OrderItem { expr: Expr::column("qualify", alias), ..item });
    }
    inner.columns.push(SelectItem { expr: flag, alias: Some(QUALIFY_FLAG.into()) });
    outer.filter = Some(Expr::column("qualify", QUALIFY_FLAG));
    outer.distinct = std::mem::take(&mut inner.distinct);
    outer.limit = inner.limit.take();
    outer.offset = inner.offset.take();
    outer.from = Source::Subquery { select: Box::new(inner), alias: "qualify".into() };
    Ok(outer)
}

//! Lowering one lookup (`name__icontains = "ann"`) into a SQL condition: the registered
//! definition builds the condition, this file supplies what every lookup shares (coercing
//! the value to the field's kind, `IN`, `BETWEEN`, `IS NULL`, Django's NULL rules under NOT).

use djorm_sql::vocabulary::{LookupDef, RhsShape};
use djorm_sql::{Expr, Select, SelectItem, Value, ValueKind};

use super::coerce::coerce;
use super::path::{check_tail, unsupported, ResolvedPath};
use super::Lowerer;
use crate::q::LookupPath;
use crate::vocabulary;
use crate::{Error, Result, Rhs};

impl Lowerer {
    /// The transformed left-hand side of a resolved path.
    pub(super) fn lhs(&self, resolved: &ResolvedPath) -> Expr {
        let mut expr = resolved.column.clone();
        let mut kind = resolved.field.value_kind();
        for t in &resolved.transforms {
            expr = super::zone::transform(t, expr, kind);
            kind = (t.output)(kind);
        }
        expr
    }

    /// Lowers `path = rhs`; `negated` says whether an odd number of NOTs encloses it.
    pub(super) fn lookup(&self, path: &LookupPath, rhs: &Rhs, negated: bool) -> Result<Expr> {
        let text = path.as_str();
        if negated && self.qualify && self.crosses_multi_valued(text) {
            return self.excluded_through_subquery(path, rhs);
        }
        if let Some((expr, kind)) = self.annotation(path.head()) {
            return self.annotation_lookup(path, expr, kind, rhs);
        }
        let mut resolved = if negated {
            let was = std::mem::replace(&mut self.state.borrow_mut().in_or, true);
            let r = self.resolve(text);
            self.state.borrow_mut().in_or = was;
            r?
        } else {
            self.resolve(text)?
        };
        if let Some(tail) = path.tail() {
            check_tail(resolved.field, &tail.transforms, tail.lookup)?;
            resolved.transforms.clone_from(&tail.transforms);
            resolved.lookup = tail.lookup;
        }
        let cond = match year_bounds(&resolved, rhs) {
            Some(cond) => cond,
            None => {
                let lhs = self.lhs(&resolved);
                self.condition(resolved.lookup, lhs, resolved.output_kind(), rhs, resolved.field.name)?
            }
        };
        match &cond {
            // isnull=True on a joined row must keep rows without one.
            Expr::IsNull { negated: false, .. } if resolved.lookup.rhs == RhsShape::Bool => {
                if let Some(alias) = &resolved.last_join {
                    self.state.borrow_mut().joins.promote(alias);
                }
                Ok(cond)
            }
            Expr::IsNull { .. } | Expr::Const(_) => Ok(cond),
            // Django: under a negation, a nullable column must not turn NOT(NULL = x) into
            // NULL. A column reached through a LEFT OUTER JOIN can be NULL as well.
            _ if negated && (resolved.field.null || resolved.last_join.is_some()) => {
                Ok(cond.and(Expr::IsNull { expr: Box::new(resolved.column), negated: true }))
            }
            _ => Ok(cond),
        }
    }

    /// The condition `lhs <lookup> rhs`, with values coerced to `kind` (`name` labels errors).
    fn condition(&self, lookup: &LookupDef, lhs: Expr, kind: ValueKind, rhs: &Rhs, name: &str) -> Result<Expr> {
        Ok(match (lookup.rhs, rhs) {
            (RhsShape::Bool, Rhs::Value(Value::Bool(is_null))) => {
                Expr::IsNull { expr: Box::new(lhs), negated: !is_null }
            }
            (RhsShape::Bool, Rhs::Value(other)) => {
                return Err(Error::InvalidQuery(format!(
                    "The QuerySet value for an {} lookup must be True or False, got {other:?}.",
                    lookup.name
                )))
            }
            (RhsShape::List, Rhs::List(values)) => {
                // NULL never matches IN, as in Django: it is left out.
                let mut list = Vec::with_capacity(values.len());
                for value in values.iter().filter(|v| !v.is_null()) {
                    list.push(coerce(value.clone(), kind, name)?);
                }
                if list.is_empty() {
                    return Ok(Expr::Const(false));
                }
                Expr::InValues { expr: Box::new(lhs), values: list }
            }
            (RhsShape::Range, Rhs::Range(low, high)) => Expr::Between {
                expr: Box::new(lhs),
                low: Box::new(Expr::Param(coerce(low.clone(), kind, name)?)),
                high: Box::new(Expr::Param(coerce(high.clone(), kind, name)?)),
            },
            (RhsShape::One, Rhs::Value(Value::Null)) if lookup.none_is_null => {
                Expr::IsNull { expr: Box::new(lhs), negated: false }
            }
            (RhsShape::One, Rhs::Value(Value::Null)) => {
                return Err(Error::InvalidValue("Cannot use None as a query value".into()));
            }
            // `field__in = queryset`: the QuerySet's key (or its one values() field) as a subquery.
            (RhsShape::List, Rhs::Expr(e @ crate::Expression::Subquery { .. })) => match self.expression(e)? {
                Expr::Subquery(select) => Expr::InSubquery { expr: Box::new(lhs), select },
                _ => Expr::Const(false),
            },
            (RhsShape::One, Rhs::Value(v)) => (lookup.lower)(lhs, Expr::Param(coerce(v.clone(), kind, name)?)),
            // A QuerySet compared as one value must be limited to one row, as Django says.
            (RhsShape::One, Rhs::Expr(crate::Expression::Subquery { query, .. }))
                if lookup.name == "exact"
                    && query.high_mark.is_none_or(|high| high.saturating_sub(query.low_mark) > 1) =>
            {
                return Err(Error::InvalidValue(
                    "The QuerySet value for an exact lookup must be limited to one result using slicing.".into(),
                ));
            }
            (RhsShape::One, Rhs::Expr(e)) => (lookup.lower)(lhs, self.expression(e)?),
            (_, Rhs::Expr(_)) => {
                return Err(Error::InvalidQuery(format!(
                    "the '{}' lookup on '{name}' cannot compare with an expression",
                    lookup.name
                )))
            }
            _ => {
                return Err(Error::InvalidQuery(format!(
                    "the '{}' lookup on '{name}' got the wrong kind of value (in takes a list, range two bounds)",
                    lookup.name
                )))
            }
        })
    }

    /// Django's exclude() across a many-valued relation: "no related row matches", written as
    /// `pk IN (SELECT pk ... WHERE <positive condition>)` under the enclosing NOT.
    fn excluded_through_subquery(&self, path: &LookupPath, rhs: &Rhs) -> Result<Expr> {
        let inner = Lowerer::new(self.meta);
        let cond = inner.lookup(path, rhs, false)?;
        let mut select = Select::from_table(self.meta.db_table);
        select.columns = vec![SelectItem { expr: inner.pk_column(), alias: None }];
        select.filter = Some(cond);
        let select = inner.finish(select);
        Ok(Expr::InSubquery { expr: Box::new(self.pk_column()), select: Box::new(select) })
    }

    /// A lookup on an annotation (`post_count__gt = 1`), for HAVING.
    fn annotation_lookup(&self, path: &LookupPath, expr: Expr, kind: ValueKind, rhs: &Rhs) -> Result<Expr> {
        let text = path.as_str();
        let mut kind_now = kind;
        let mut lhs = expr;
        let lookup = match path.tail() {
            Some(tail) => {
                for t in &tail.transforms {
                    lhs = super::zone::transform(t, lhs, kind_now);
                    kind_now = (t.output)(kind_now);
                }
                tail.lookup
            }
            None => {
                let rest: Vec<&str> = super::path::segments(text).skip(1).collect();
                let mut lookup = &vocabulary::EXACT;
                for (i, part) in rest.iter().enumerate() {
                    if let Some(t) = vocabulary::transform(part, kind_now) {
                        lhs = super::zone::transform(t, lhs, kind_now);
                        kind_now = (t.output)(kind_now);
                    } else if let Some(l) = vocabulary::lookup(part).filter(|_| i + 1 == rest.len()) {
                        lookup = l;
                    } else {
                        return Err(Error::field(format!("Unsupported lookup '{part}' for an annotation")));
                    }
                }
                lookup
            }
        };
        if !(lookup.applies_to)(kind_now) {
            return Err(unsupported(lookup.name, djorm_sql::vocabulary::class_name(kind_now)));
        }
        self.condition(lookup, lhs, kind_now, rhs, path.head())
    }
}

/// Django's year lookups on a date or timestamp as a range of the column itself, so an index on
/// it serves them: `pub_date__year=2024` is `pub_date BETWEEN 2024-01-01 AND 2024-12-31`
/// (the last microsecond of the year for a timestamp), `__year__gt=2024` is `> the year's end`,
/// `__year__gte` `>= its start`, `__year__lt` `< its start`, `__year__lte` `<= its end`.
fn year_bounds(resolved: &ResolvedPath, rhs: &Rhs) -> Option<Expr> {
    use chrono::{NaiveDate, NaiveTime};
    if resolved.transforms.len() != 1 || !std::ptr::eq(resolved.transforms[0], &vocabulary::YEAR) {
        return None;
    }
    let year = match rhs {
        Rhs::Value(Value::I64(y)) => i32::try_from(*y).ok()?,
        Rhs::Value(Value::I32(y)) => *y,
        Rhs::Value(Value::I16(y)) => i32::from(*y),
        _ => return None,
    };
    if !(1..=9999).contains(&year) {
        return None;
    }
    let (first, last) = (NaiveDate::from_ymd_opt(year, 1, 1)?, NaiveDate::from_ymd_opt(year, 12, 31)?);
    let (start, end) = match resolved.field.value_kind() {
        ValueKind::Date => (Value::Date(first), Value::Date(last)),
        ValueKind::DateTime => {
            // The year's first and last microsecond on the current zone's clocks (Django's
            // `year_lookup_bounds_for_datetime_field`).
            let zone = crate::timezone::current();
            let end_of_day = NaiveTime::from_hms_micro_opt(23, 59, 59, 999_999)?;
            (
                Value::DateTime(crate::timezone::instant(first.and_time(NaiveTime::MIN), zone)),
                Value::DateTime(crate::timezone::instant(last.and_time(end_of_day), zone)),
            )
        }
        _ => return None,
    };
    let column = Box::new(resolved.column.clone());
    let compare = |op, bound| Some(resolved.column.clone().binary(op, Expr::Param(bound)));
    use djorm_sql::BinOp;
    match resolved.lookup.name {
        "exact" => {
            Some(Expr::Between { expr: column, low: Box::new(Expr::Param(start)), high: Box::new(Expr::Param(end)) })
        }
        "gt" => compare(BinOp::Gt, end),
        "gte" => compare(BinOp::GtEq, start),
        "lt" => compare(BinOp::Lt, start),
        "lte" => compare(BinOp::LtEq, end),
        _ => None,
    }
}

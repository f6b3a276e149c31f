//! Lowering one lookup (`name__icontains = "ann"`) into a SQL condition.

use djorm_sql::{BinOp, Expr, PatternKind, Value};

use djorm_sql::{Select, SelectItem};

use super::coerce::coerce;
use super::path::{LookupKind, ResolvedPath, Transform};
use super::Lowerer;
use crate::{Error, Result, Rhs};

impl Lowerer {
    /// The transformed left-hand side of a resolved path.
    pub(super) fn lhs(&self, resolved: &ResolvedPath) -> Expr {
        let mut expr = resolved.column.clone();
        let mut is_datetime = resolved.field.value_kind() == djorm_sql::ValueKind::DateTime;
        for t in &resolved.transforms {
            expr = match t {
                Transform::Date => {
                    is_datetime = false;
                    Expr::DateOf(Box::new(expr))
                }
                Transform::Time => Expr::TimeOf(Box::new(expr)),
                Transform::Part(part) => Expr::DatePart { part: *part, expr: Box::new(expr), is_datetime },
            };
        }
        expr
    }

    /// Lowers `path = rhs`; `negated` says whether an odd number of NOTs encloses it.
    pub(super) fn lookup(&self, path: &str, rhs: &Rhs, negated: bool) -> Result<Expr> {
        if negated && self.qualify && self.crosses_multi_valued(path) {
            return self.excluded_through_subquery(path, rhs);
        }
        let head = path.split("__").next().unwrap_or_default();
        if let Some((expr, kind)) = self.annotation(head) {
            return self.annotation_lookup(path, expr, kind, rhs);
        }
        let resolved = if negated {
            let was = std::mem::replace(&mut self.state.borrow_mut().in_or, true);
            let r = self.resolve(path);
            self.state.borrow_mut().in_or = was;
            r?
        } else {
            self.resolve(path)?
        };
        let lhs = self.lhs(&resolved);
        let kind = resolved.output_kind();
        let name = resolved.field.name;
        let cond = match (resolved.lookup, rhs) {
            (LookupKind::IsNull, Rhs::Value(v)) => {
                let is_null = match v {
                    Value::Bool(b) => *b,
                    other => {
                        return Err(Error::InvalidQuery(format!(
                            "The QuerySet value for an isnull lookup must be True or False, got {other:?}."
                        )))
                    }
                };
                if is_null {
                    if let Some(alias) = &resolved.last_join {
                        self.state.borrow_mut().joins.promote(alias);
                    }
                }
                return Ok(Expr::IsNull { expr: Box::new(lhs), negated: !is_null });
            }
            (LookupKind::In, Rhs::List(values)) => {
                // NULL never matches IN, as in Django: it is left out.
                let mut list = Vec::with_capacity(values.len());
                for value in values.iter().filter(|v| !v.is_null()) {
                    list.push(coerce(value.clone(), kind, name)?);
                }
                if list.is_empty() {
                    return Ok(Expr::Const(false));
                }
                Expr::InValues { expr: Box::new(lhs.clone()), values: list }
            }
            (LookupKind::Range, Rhs::Range(low, high)) => Expr::Between {
                expr: Box::new(lhs.clone()),
                low: Box::new(Expr::Param(coerce(low.clone(), kind, name)?)),
                high: Box::new(Expr::Param(coerce(high.clone(), kind, name)?)),
            },
            (LookupKind::Exact | LookupKind::IExact, Rhs::Value(Value::Null)) => {
                return Ok(Expr::IsNull { expr: Box::new(lhs), negated: false });
            }
            (lookup, Rhs::Value(v)) => {
                let v = coerce(v.clone(), kind, name)?;
                self.compare(lookup, lhs.clone(), v)?
            }
            (lookup, Rhs::Expr(e)) => {
                let rhs = self.expression(e)?;
                self.compare_expr(lookup, lhs.clone(), rhs)?
            }
            (lookup, _) => {
                return Err(Error::InvalidQuery(format!(
                "the '{lookup:?}' lookup on '{name}' got the wrong kind of value (in takes a list, range two bounds)"
            )))
            }
        };
        // Django: under a negation, a nullable column must not turn NOT(NULL = x) into NULL.
        // A column reached through a LEFT OUTER JOIN can be NULL as well.
        if negated && (resolved.field.null || resolved.last_join.is_some()) {
            let column = resolved.column.clone();
            return Ok(cond.and(Expr::IsNull { expr: Box::new(column), negated: true }));
        }
        Ok(cond)
    }

    /// Django's exclude() across a many-valued relation: "no related row matches", written as
    /// `pk IN (SELECT pk ... WHERE <positive condition>)` under the enclosing NOT.
    fn excluded_through_subquery(&self, path: &str, rhs: &Rhs) -> Result<Expr> {
        let inner = Lowerer::new(self.meta);
        let cond = inner.lookup(path, rhs, false)?;
        let mut select = Select::from_table(self.meta.db_table);
        select.columns = vec![SelectItem { expr: inner.pk_column(), alias: None }];
        select.filter = Some(cond);
        let select = inner.finish(select);
        Ok(Expr::InSubquery { expr: Box::new(self.pk_column()), select: Box::new(select) })
    }

    /// A lookup on an annotation (`post_count__gt = 1`), for HAVING.
    fn annotation_lookup(&self, path: &str, expr: Expr, kind: djorm_sql::ValueKind, rhs: &Rhs) -> Result<Expr> {
        let lookup = match path.split_once("__") {
            Some((_, name)) => LookupKind::from_name(name)
                .ok_or_else(|| Error::field(format!("Unsupported lookup '{name}' for an annotation")))?,
            None => LookupKind::Exact,
        };
        match (lookup, rhs) {
            (LookupKind::IsNull, Rhs::Value(Value::Bool(b))) => Ok(Expr::IsNull { expr: Box::new(expr), negated: !b }),
            (LookupKind::In, Rhs::List(values)) => {
                let values = values.iter().map(|v| coerce(v.clone(), kind, path)).collect::<Result<Vec<_>>>()?;
                Ok(if values.is_empty() { Expr::Const(false) } else { Expr::InValues { expr: Box::new(expr), values } })
            }
            (LookupKind::Range, Rhs::Range(low, high)) => Ok(Expr::Between {
                expr: Box::new(expr),
                low: Box::new(Expr::Param(coerce(low.clone(), kind, path)?)),
                high: Box::new(Expr::Param(coerce(high.clone(), kind, path)?)),
            }),
            (lookup, Rhs::Value(v)) => self.compare(lookup, expr, coerce(v.clone(), kind, path)?),
            (lookup, Rhs::Expr(e)) => {
                let rhs = self.expression(e)?;
                self.compare_expr(lookup, expr, rhs)
            }
            (lookup, _) => Err(Error::InvalidQuery(format!("the '{lookup:?}' lookup got the wrong kind of value"))),
        }
    }

    fn compare(&self, lookup: LookupKind, lhs: Expr, v: Value) -> Result<Expr> {
        let needle = |v: Value| match v {
            Value::String(s) => s,
            other => other.to_string(),
        };
        let pattern =
            |kind, ci, v| Expr::Pattern { expr: Box::new(lhs.clone()), kind, needle: needle(v), case_insensitive: ci };
        Ok(match lookup {
            LookupKind::Exact => lhs.binary(BinOp::Eq, Expr::Param(v)),
            LookupKind::Gt => lhs.binary(BinOp::Gt, Expr::Param(v)),
            LookupKind::Gte => lhs.binary(BinOp::GtEq, Expr::Param(v)),
            LookupKind::Lt => lhs.binary(BinOp::Lt, Expr::Param(v)),
            LookupKind::Lte => lhs.binary(BinOp::LtEq, Expr::Param(v)),
            LookupKind::IExact => pattern(PatternKind::Exact, true, v),
            LookupKind::Contains => pattern(PatternKind::Contains, false, v),
            LookupKind::IContains => pattern(PatternKind::Contains, true, v),
            LookupKind::StartsWith => pattern(PatternKind::StartsWith, false, v),
            LookupKind::IStartsWith => pattern(PatternKind::StartsWith, true, v),
            LookupKind::EndsWith => pattern(PatternKind::EndsWith, false, v),
            LookupKind::IEndsWith => pattern(PatternKind::EndsWith, true, v),
            LookupKind::Regex | LookupKind::IRegex => Expr::Regex {
                expr: Box::new(lhs),
                pattern: Box::new(Expr::Param(v)),
                case_insensitive: lookup == LookupKind::IRegex,
            },
            LookupKind::In | LookupKind::Range | LookupKind::IsNull => {
                return Err(Error::InvalidQuery(format!("the {lookup:?} lookup needs a list or two bounds")))
            }
        })
    }

    fn compare_expr(&self, lookup: LookupKind, lhs: Expr, rhs: Expr) -> Result<Expr> {
        let pattern = |kind, ci| Expr::PatternExpr {
            expr: Box::new(lhs.clone()),
            kind,
            needle: Box::new(rhs.clone()),
            case_insensitive: ci,
        };
        Ok(match lookup {
            LookupKind::Exact => lhs.binary(BinOp::Eq, rhs),
            LookupKind::Gt => lhs.binary(BinOp::Gt, rhs),
            LookupKind::Gte => lhs.binary(BinOp::GtEq, rhs),
            LookupKind::Lt => lhs.binary(BinOp::Lt, rhs),
            LookupKind::Lte => lhs.binary(BinOp::LtEq, rhs),
            LookupKind::IExact => pattern(PatternKind::Exact, true),
            LookupKind::Contains => pattern(PatternKind::Contains, false),
            LookupKind::IContains => pattern(PatternKind::Contains, true),
            LookupKind::StartsWith => pattern(PatternKind::StartsWith, false),
            LookupKind::IStartsWith => pattern(PatternKind::StartsWith, true),
            LookupKind::EndsWith => pattern(PatternKind::EndsWith, false),
            LookupKind::IEndsWith => pattern(PatternKind::EndsWith, true),
            LookupKind::Regex | LookupKind::IRegex => Expr::Regex {
                expr: Box::new(lhs),
                pattern: Box::new(rhs),
                case_insensitive: lookup == LookupKind::IRegex,
            },
            LookupKind::In | LookupKind::Range | LookupKind::IsNull => {
                return Err(Error::InvalidQuery(format!("the {lookup:?} lookup cannot compare with an expression")))
            }
        })
    }
}

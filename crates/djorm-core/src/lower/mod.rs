//! Lowering: the model-level [`Query`] IR into table-level SQL AST. Pure functions, no I/O.
//!
//! Names are resolved here against [`ModelMeta`], so a misspelt field becomes a `FieldError`
//! before any SQL exists.

mod coerce;
mod lookup;
mod path;

pub use coerce::{parse_datetime, parse_time};
pub use path::{resolve, LookupKind, ResolvedPath, Transform, LOOKUP_NAMES};

use djorm_sql::{
    BinOp, Delete, Expr, Insert, OrderItem, Select, SelectItem, Source, Update, Value, ValueKind,
};

use crate::{Error, Expression, FieldMeta, ModelMeta, OrderBy, Query, Result, Q};

/// Lowers queries on one model.
#[derive(Debug, Clone, Copy)]
pub struct Lowerer<'m> {
    meta: &'m ModelMeta,
    qualify: bool,
}

/// Which columns a SELECT returns.
#[derive(Debug, Clone)]
pub enum Columns {
    /// Every concrete field, in declaration order (for model instances).
    Model,
    /// The named fields (for `values()` / `values_list()`).
    Fields(Vec<String>),
}

impl<'m> Lowerer<'m> {
    /// A lowerer for `meta`.
    pub fn new(meta: &'m ModelMeta) -> Self {
        Lowerer {
            meta,
            qualify: true,
        }
    }

    /// A lowerer that leaves columns unqualified, for check constraints inside CREATE TABLE.
    pub fn unqualified(meta: &'m ModelMeta) -> Self {
        Lowerer {
            meta,
            qualify: false,
        }
    }

    fn column(&self, field: &FieldMeta) -> Expr {
        if self.qualify {
            Expr::column(self.meta.db_table, field.column)
        } else {
            Expr::Column {
                table: None,
                column: field.column.to_owned(),
            }
        }
    }

    /// Lowers a `Q` tree; `Expr::Const(false)` means "matches nothing".
    pub fn filter(&self, q: &Q) -> Result<Expr> {
        self.q(q, false)
    }

    fn q(&self, q: &Q, negated: bool) -> Result<Expr> {
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
                let mut acc = Expr::Const(false);
                for child in children {
                    acc = acc.or(self.q(child, negated)?);
                }
                Ok(acc)
            }
            Q::Not(inner) => Ok(self.q(inner, !negated)?.negate()),
        }
    }

    /// Lowers an `F()` expression.
    pub fn expression(&self, e: &Expression) -> Result<Expr> {
        Ok(match e {
            Expression::Field(name) => self.column(self.meta.field_or_error(name)?),
            Expression::Value(v) => Expr::Param(v.clone()),
            Expression::Arith { op, lhs, rhs } => {
                self.expression(lhs)?.binary(*op, self.expression(rhs)?)
            }
        })
    }

    fn where_clause(&self, query: &Query) -> Result<Option<Expr>> {
        if query.empty {
            return Ok(Some(Expr::Const(false)));
        }
        Ok(match self.filter(&query.filter)? {
            Expr::Const(true) => None,
            e => Some(e),
        })
    }

    fn order_items(&self, ordering: &[OrderBy]) -> Result<Vec<OrderItem>> {
        ordering
            .iter()
            .map(|o| {
                let expr = if o.path == "?" {
                    Expr::Random
                } else {
                    self.column(self.meta.field_or_error(&o.path)?)
                };
                Ok(OrderItem {
                    expr,
                    descending: o.descending,
                    nulls: o.nulls,
                })
            })
            .collect()
    }

    /// The SELECT for `query`, with the kinds its columns decode into, or `None` when the
    /// query can match nothing (an empty `in`, `none()`) and need not run.
    pub fn select(
        &self,
        query: &Query,
        columns: &Columns,
    ) -> Result<Option<(Select, Vec<ValueKind>)>> {
        let filter = self.where_clause(query)?;
        if filter == Some(Expr::Const(false)) {
            return Ok(None);
        }
        let fields: Vec<&FieldMeta> = match columns {
            Columns::Model => self.meta.fields.iter().collect(),
            Columns::Fields(names) => names
                .iter()
                .map(|n| self.meta.field_or_error(n))
                .collect::<Result<_>>()?,
        };
        let mut select = Select::from_table(self.meta.db_table);
        select.distinct = query.distinct;
        select.columns = fields
            .iter()
            .map(|f| SelectItem {
                expr: self.column(f),
                alias: None,
            })
            .collect();
        select.filter = filter;
        select.order_by = self.order_items(&query.effective_ordering())?;
        if let Some(high) = query.high_mark {
            select.limit = Some(high.saturating_sub(query.low_mark));
        }
        select.offset = Some(query.low_mark).filter(|l| *l > 0);
        let kinds = fields.iter().map(|f| f.kind.value_kind()).collect();
        Ok(Some((select, kinds)))
    }

    /// `SELECT COUNT(*)` for `query`, or `None` when it can match nothing.
    pub fn count(&self, query: &Query) -> Result<Option<Select>> {
        let count = SelectItem {
            expr: Expr::Count {
                expr: Box::new(Expr::Star),
                distinct: false,
            },
            alias: None,
        };
        if query.distinct || query.is_sliced() {
            let Some((mut inner, _)) = self.select(query, &Columns::Model)? else {
                return Ok(None);
            };
            inner.order_by.clear();
            let mut outer = Select::from_table("");
            outer.from = Source::Subquery {
                select: Box::new(inner),
                alias: "subquery".into(),
            };
            outer.columns = vec![count];
            return Ok(Some(outer));
        }
        let filter = self.where_clause(query)?;
        if filter == Some(Expr::Const(false)) {
            return Ok(None);
        }
        let mut select = Select::from_table(self.meta.db_table);
        select.columns = vec![count];
        select.filter = filter;
        Ok(Some(select))
    }

    /// `SELECT 1 ... LIMIT 1` for `exists()`, or `None` when it can match nothing.
    pub fn exists(&self, query: &Query) -> Result<Option<Select>> {
        let Some((mut select, _)) = self.select(query, &Columns::Model)? else {
            return Ok(None);
        };
        select.columns = vec![SelectItem {
            expr: Expr::Const(true),
            alias: Some("a".into()),
        }];
        select.order_by.clear();
        select.distinct = false;
        let remaining = query.high_mark.map(|h| h.saturating_sub(query.low_mark));
        select.limit = Some(remaining.map_or(1, |r| r.min(1)));
        Ok(Some(select))
    }

    /// The UPDATE for `query`, or `None` when it can match nothing.
    pub fn update(
        &self,
        query: &Query,
        assignments: &[(String, Expression)],
    ) -> Result<Option<Update>> {
        if query.is_sliced() {
            return Err(Error::InvalidQuery(
                "Cannot update a query once a slice has been taken.".into(),
            ));
        }
        let filter = self.where_clause(query)?;
        if filter == Some(Expr::Const(false)) {
            return Ok(None);
        }
        let assignments = assignments
            .iter()
            .map(|(name, e)| {
                let field = self.meta.field_or_error(name)?;
                let value = match e {
                    Expression::Value(v) => Expr::Param(coerce::coerce(
                        v.clone(),
                        field.kind.value_kind(),
                        field.name,
                    )?),
                    other => self.expression(other)?,
                };
                Ok((field.column.to_owned(), value))
            })
            .collect::<Result<_>>()?;
        Ok(Some(Update {
            table: self.meta.db_table.into(),
            assignments,
            filter,
        }))
    }

    /// The DELETE for `query`, or `None` when it can match nothing.
    pub fn delete(&self, query: &Query) -> Result<Option<Delete>> {
        if query.is_sliced() {
            return Err(Error::InvalidQuery(
                "Cannot use 'limit' or 'offset' with delete().".into(),
            ));
        }
        if query.distinct {
            return Err(Error::InvalidQuery(
                "Cannot call delete() after .distinct().".into(),
            ));
        }
        let filter = self.where_clause(query)?;
        if filter == Some(Expr::Const(false)) {
            return Ok(None);
        }
        Ok(Some(Delete {
            table: self.meta.db_table.into(),
            filter,
        }))
    }

    /// An INSERT of model rows (each holding every concrete field in order). An unset auto
    /// primary key is left to the database and handed back with `RETURNING`.
    pub fn insert(&self, rows: Vec<Vec<Value>>, returning_pk: bool) -> Insert {
        let pk = self.meta.pk_index;
        let skip_pk = returning_pk && self.meta.pk().kind.is_auto();
        let columns = self
            .meta
            .fields
            .iter()
            .enumerate()
            .filter(|(i, _)| !(skip_pk && *i == pk))
            .map(|(_, f)| f.column.to_owned())
            .collect();
        let rows = rows
            .into_iter()
            .map(|row| {
                row.into_iter()
                    .enumerate()
                    .filter(|(i, _)| !(skip_pk && *i == pk))
                    .map(|(_, v)| Expr::Param(v))
                    .collect()
            })
            .collect();
        Insert {
            table: self.meta.db_table.into(),
            columns,
            rows,
            returning: if returning_pk {
                vec![self.meta.pk().column.to_owned()]
            } else {
                Vec::new()
            },
        }
    }

    /// `UPDATE ... SET every non-key field WHERE pk = ?` for saving one instance.
    pub fn update_instance(&self, values: Vec<Value>) -> Update {
        let pk = self.meta.pk_index;
        let mut pk_value = Value::Null;
        let mut assignments = Vec::with_capacity(values.len());
        for (i, v) in values.into_iter().enumerate() {
            if i == pk {
                pk_value = v;
            } else {
                assignments.push((self.meta.fields[i].column.to_owned(), Expr::Param(v)));
            }
        }
        let filter = self
            .column(self.meta.pk())
            .binary(BinOp::Eq, Expr::Param(pk_value));
        Update {
            table: self.meta.db_table.into(),
            assignments,
            filter: Some(filter),
        }
    }
}

//! UPDATE, DELETE and INSERT statements: their filters, the fields `update()` may set, and
//! Django's refusals (slices, distinct fields, values(), joined references, aggregates).

use djorm_sql::{BinOp, Delete, Expr, Insert, Select, SelectItem, Update, Value};

use super::{coerce, Lowerer};
use crate::{Error, Expression, FieldMeta, Query, Result};

/// The first aggregate inside `e`, for Django's messages that name it.
fn first_aggregate(e: &Expression) -> Option<&crate::Aggregate> {
    match e {
        Expression::Aggregate(a) => Some(a),
        Expression::Arith { lhs, rhs, .. } => first_aggregate(lhs).or_else(|| first_aggregate(rhs)),
        Expression::Func { args, .. } => args.iter().find_map(first_aggregate),
        _ => None,
    }
}

impl Lowerer {
    /// The WHERE of an UPDATE or DELETE: when the filters need joins, `pk IN (SELECT ...)`.
    fn write_filter(&self, query: &Query) -> Result<Option<Option<Expr>>> {
        let filter = self.where_clause(query)?;
        if filter == Some(Expr::Const(false)) {
            return Ok(None);
        }
        let window_filter = self.state.borrow_mut().window_filter.take();
        if self.state.borrow().joins.is_empty() && window_filter.is_none() {
            return Ok(Some(filter));
        }
        let mut inner = Select::from_table(self.meta.db_table);
        inner.columns = vec![SelectItem { expr: self.pk_column(), alias: None }];
        inner.filter = filter;
        let mut inner = self.finish(inner);
        if let Some(flag) = window_filter {
            // A filter on a window: the keys of the rows it keeps.
            inner = super::window::qualify(inner, flag)?;
        }
        Ok(Some(Some(Expr::InSubquery { expr: Box::new(self.pk_column()), select: Box::new(inner) })))
    }

    /// The UPDATE for `query`, or `None` when it can match nothing.
    pub fn update(&self, query: &Query, assignments: &[(String, Expression)]) -> Result<Option<Update>> {
        if query.is_sliced() {
            return Err(Error::InvalidQuery("Cannot update a query once a slice has been taken.".into()));
        }
        let assignments = assignments
            .iter()
            .map(|(name, e)| {
                let field = self.updatable_field(name)?;
                let value = match e {
                    Expression::Value(v) => Expr::Param(coerce::coerce(v.clone(), field.value_kind(), field.name)?),
                    other => {
                        let lowerer = Lowerer::new(self.meta);
                        let value = lowerer.expression(other)?;
                        if !lowerer.state.borrow().joins.to_ast().is_empty() {
                            return Err(Error::FieldError(
                                "Joined field references are not permitted in this query".into(),
                            ));
                        }
                        if other.contains_over() {
                            return Err(Error::FieldError(format!(
                                "Window expressions are not allowed in this query ({name}=Window(...))."
                            )));
                        }
                        if let Some(a) = first_aggregate(other) {
                            return Err(Error::FieldError(format!(
                                "Aggregate functions are not allowed in this query ({name}={:?}(F({}))).",
                                a.func, a.path
                            )));
                        }
                        value
                    }
                };
                Ok((field.column.to_owned(), value))
            })
            .collect::<Result<_>>()?;
        let Some(filter) = self.write_filter(query)? else { return Ok(None) };
        Ok(Some(Update { table: self.meta.db_table.into(), assignments, filter }))
    }

    /// The field `update(name=...)` sets: a concrete field or a key; a many-to-many or reverse
    /// relation is Django's FieldError, a name the model lacks its FieldDoesNotExist.
    fn updatable_field(&self, name: &str) -> Result<&'static FieldMeta> {
        if let Some(field) = self.meta.field(name).or_else(|| self.meta.field_by_attname(name)) {
            return Ok(field);
        }
        if self.meta.many_to_many_field(name).is_some()
            || crate::relations::reverse_by_query_name(self.meta, name).is_some()
        {
            return Err(Error::FieldError(format!(
                "Cannot update model field '{name}' (only non-relations and foreign keys permitted)."
            )));
        }
        Err(Error::FieldDoesNotExist(format!("{} has no field named '{name}'", self.meta.object_name)))
    }

    /// The DELETE for `query`, or `None` when it can match nothing.
    pub fn delete(&self, query: &Query) -> Result<Option<Delete>> {
        if query.is_sliced() {
            return Err(Error::InvalidQuery("Cannot use 'limit' or 'offset' with delete().".into()));
        }
        if !query.distinct_on.is_empty() {
            return Err(Error::InvalidQuery("Cannot call delete() after .distinct(*fields).".into()));
        }
        if query.values.is_some() {
            return Err(Error::InvalidQuery("Cannot call delete() after .values() or .values_list()".into()));
        }
        let Some(filter) = self.write_filter(query)? else { return Ok(None) };
        Ok(Some(Delete { table: self.meta.db_table.into(), filter }))
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
            returning: if returning_pk { vec![self.meta.pk().column.to_owned()] } else { Vec::new() },
            ignore_conflicts: false,
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
        let filter = self.column(self.meta.pk()).binary(BinOp::Eq, Expr::Param(pk_value));
        Update { table: self.meta.db_table.into(), assignments, filter: Some(filter) }
    }
}

//! Terminal operations on a bare [`Query`], shared by the typed `QuerySet<M>` and the dynamic
//! `DynQuerySet` (the shell's), so both run exactly the same SQL.

use std::sync::Arc;

use djorm_sql::{Value, ValueKind};

use super::{Deleted, ValuesRow};
use crate::lower::{Columns, Lowerer};
use crate::{Db, Error, Expression, Query, Result, Rows};

/// `SELECT COUNT(*)` over the rows `query` matches.
pub(crate) async fn count(db: &Db, query: &Query, trace: Option<&str>) -> Result<u64> {
    let db = &*db.for_read(query)?;
    let Some(select) = Lowerer::new(query.model).count(query)? else { return Ok(0) };
    let compiled = db.dialect().compile_select(&select);
    let rows = db.fetch_traced(&compiled, &[ValueKind::I64], trace).await?;
    Ok(rows.values.first().and_then(Value::as_i64).unwrap_or(0).max(0) as u64)
}

/// True when `query` matches at least one row.
pub(crate) async fn exists(db: &Db, query: &Query) -> Result<bool> {
    let db = &*db.for_read(query)?;
    let Some(select) = Lowerer::new(query.model).exists(query)? else { return Ok(false) };
    let rows = db.fetch(&db.dialect().compile_select(&select), &[ValueKind::Any]).await?;
    Ok(!rows.is_empty())
}

/// Django's `aggregate()`: one row of named summary values.
pub(crate) async fn aggregate(db: &Db, query: &Query, aggregates: &[(String, crate::Aggregate)]) -> Result<ValuesRow> {
    let db = &*db.for_read(query)?;
    let statistics = aggregates
        .iter()
        .any(|(_, a)| matches!(a.func, djorm_sql::AggregateFunc::StdDev | djorm_sql::AggregateFunc::Variance));
    if statistics && !db.dialect().features().supports_statistical_aggregates {
        return Err(Error::NotSupported { backend: db.vendor(), what: "StdDev/Variance".into() });
    }
    let names: Arc<[String]> = aggregates.iter().map(|(n, _)| n.clone()).collect::<Vec<_>>().into();
    let values = match Lowerer::new(query.model).aggregate(query, aggregates)? {
        Some((select, kinds)) => db.fetch(&db.dialect().compile_select(&select), &kinds).await?.values,
        None => aggregates
            .iter()
            .map(|(_, a)| match (&a.default, a.func) {
                (Some(d), _) => d.clone(),
                (None, djorm_sql::AggregateFunc::Count) => Value::I64(0),
                _ => Value::Null,
            })
            .collect(),
    };
    Ok(ValuesRow::new(names, values))
}

/// The column names `values(fields)` returns: the given ones, else the `values()` grouping
/// and the annotations, else every field and the annotations.
pub(crate) fn value_names(query: &Query, fields: &[&str]) -> Vec<String> {
    let annotation_names = query.annotations.iter().filter(|a| a.selected).map(|a| a.name.clone());
    if !fields.is_empty() {
        fields.iter().map(|f| (*f).to_owned()).collect()
    } else if let Some(group) = &query.group_by {
        group.iter().cloned().chain(annotation_names).collect()
    } else {
        query.model.fields.iter().map(|f| f.attname().into_owned()).chain(annotation_names).collect()
    }
}

/// Fetches the named paths of every matching row (`values()` / `values_list()`).
pub(crate) async fn fetch_fields(db: &Db, query: &Query, fields: &[&str]) -> Result<(Vec<String>, Rows)> {
    let db = &*db.for_read(query)?;
    let names = value_names(query, fields);
    let mut query = query.clone();
    query.select_related.clear();
    let Some(lowered) = Lowerer::new(query.model).select(&query, &Columns::Fields(names.clone()))? else {
        return Ok((names, Rows { width: fields.len(), values: Vec::new() }));
    };
    let rows = db.fetch(&db.dialect().compile_select(&lowered.select), &lowered.kinds).await?;
    let width = rows.width - lowered.hidden;
    Ok((names, rows.leading(width)))
}

/// Django's `values()`: one named row per match.
pub(crate) async fn values(db: &Db, query: &Query, fields: &[&str]) -> Result<Vec<ValuesRow>> {
    let (names, rows) = fetch_fields(db, query, fields).await?;
    let names: Arc<[String]> = names.into();
    Ok(rows.into_rows().into_iter().map(|r| ValuesRow::new(names.clone(), r)).collect())
}

/// Django's `update()`: one UPDATE, returning the number of rows matched.
pub(crate) async fn update(db: &Db, query: &Query, assignments: &[(String, Expression)]) -> Result<u64> {
    let db = &*db.for_write(query)?;
    if assignments.is_empty() {
        return Err(Error::InvalidQuery("update() needs at least one field to set.".into()));
    }
    let Some(update) = Lowerer::new(query.model).update(query, assignments)? else {
        return Ok(0);
    };
    db.execute(&db.dialect().compile_update(&update)).await
}

/// Django's `delete()` with every relation's `on_delete`, in one transaction.
pub(crate) async fn delete(db: &Db, query: &Query) -> Result<Deleted> {
    let db = &*db.for_write(query)?;
    // Validate the query (slices, distinct) the way Django does before collecting.
    let _ = Lowerer::new(query.model).delete(query)?;
    crate::deletion::delete(db, query).await
}

/// Refuses distinct(fields), `select_for_update(of=...)` and aggregates the database cannot
/// compute, naming the backend.
pub(crate) fn check_backend(db: &Db, query: &Query) -> Result<()> {
    use crate::Expression as E;
    let features = db.dialect().features();
    let statistics = |e: &E| matches!(e, E::Aggregate(g) if matches!(g.func, djorm_sql::AggregateFunc::StdDev | djorm_sql::AggregateFunc::Variance));
    let names_tables = query.lock.as_ref().is_some_and(|lock| !lock.of.is_empty());
    if names_tables && features.has_select_for_update && !features.has_select_for_update_of {
        return Err(Error::NotSupported { backend: db.vendor(), what: "FOR UPDATE OF".into() });
    }
    if !query.distinct_on.is_empty() && !features.supports_distinct_on {
        return Err(Error::NotSupported { backend: db.vendor(), what: "distinct(fields) (DISTINCT ON)".into() });
    }
    for a in &query.annotations {
        if !features.supports_statistical_aggregates && a.expression.any(&statistics) {
            return Err(Error::NotSupported { backend: db.vendor(), what: "StdDev/Variance".into() });
        }
    }
    Ok(())
}

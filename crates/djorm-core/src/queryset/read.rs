//! Terminal methods that read: all, get, first, last, count, exists, iterator, values, in_bulk.

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::Arc;

use djorm_sql::{Compiled, Value};
use futures_core::Stream;
use futures_util::StreamExt;

use super::{QuerySet, ValuesRow};
use crate::lower::{Columns, Lowerer};
use crate::{Db, Error, FieldType, Model, OrderBy, Result, Rhs, RowReader, Rows, Q};

/// Django's `MAX_GET_RESULTS`: `get()` fetches at most this many rows to report a count.
const MAX_GET_RESULTS: u64 = 21;

fn decode_all<M: Model>(rows: Rows) -> Result<Vec<M>> {
    let n = rows.len();
    let mut out = Vec::with_capacity(n);
    let mut iter = rows.values.into_iter();
    for _ in 0..n {
        out.push(M::from_row(&mut RowReader::new(&mut iter))?);
    }
    Ok(out)
}

impl<M: Model> QuerySet<M> {
    fn lowerer(&self) -> Lowerer<'static> {
        Lowerer::new(M::meta())
    }

    /// The SQL and parameters this QuerySet runs on `db` (Django's `str(qs.query)`), or `None`
    /// when it can match nothing and would not query at all.
    pub fn sql(&self, db: &Db) -> Result<Option<Compiled>> {
        self.sql_for(db.dialect())
    }

    /// The SQL this QuerySet compiles to in `dialect`, without any database.
    pub fn sql_for(&self, dialect: &dyn djorm_sql::Dialect) -> Result<Option<Compiled>> {
        self.validity()?;
        Ok(self
            .lowerer()
            .select(&self.query, &Columns::Model)?
            .map(|(s, _)| dialect.compile_select(&s)))
    }

    /// Runs the query and returns every matching object.
    pub async fn all(&self, db: &Db) -> Result<Vec<M>> {
        self.validity()?;
        let Some((select, kinds)) = self.lowerer().select(&self.query, &Columns::Model)? else {
            return Ok(Vec::new());
        };
        let rows = db
            .fetch(&db.dialect().compile_select(&select), &kinds)
            .await?;
        decode_all(rows)
    }

    /// The one object matching `q` (use `Q::all()` for no extra condition).
    ///
    /// Errors with `DoesNotExist` when none matches and `MultipleObjectsReturned` when more do.
    pub async fn get(&self, db: &Db, q: impl Into<Q>) -> Result<M> {
        let mut qs = self.filter(q);
        if !qs.query.is_sliced() {
            qs.query.order_by = Some(Vec::new());
            qs.query.high_mark = Some(MAX_GET_RESULTS);
        }
        let mut objects = qs.all(db).await?;
        match objects.len() {
            0 => Err(Error::DoesNotExist {
                model: M::meta().object_name,
            }),
            1 => Ok(objects.remove(0)),
            n => Err(Error::MultipleObjectsReturned {
                model: M::meta().object_name,
                count: n as u64,
            }),
        }
    }

    /// The first object in order (by primary key when unordered), or `None`.
    pub async fn first(&self, db: &Db) -> Result<Option<M>> {
        let mut qs = if self.query.is_ordered() {
            self.clone()
        } else {
            self.order_by(["pk"])
        };
        qs = qs.limit(1);
        Ok(qs.all(db).await?.into_iter().next())
    }

    /// The last object in order (by primary key when unordered), or `None`.
    pub async fn last(&self, db: &Db) -> Result<Option<M>> {
        if self.query.is_sliced() {
            return Err(Error::InvalidQuery(
                "Cannot reverse a query once a slice has been taken.".into(),
            ));
        }
        let qs = if self.query.is_ordered() {
            self.reverse()
        } else {
            self.order_by([OrderBy::parse("-pk")])
        };
        Ok(qs.limit(1).all(db).await?.into_iter().next())
    }

    /// How many rows match (`SELECT COUNT(*)`).
    pub async fn count(&self, db: &Db) -> Result<u64> {
        self.validity()?;
        let Some(select) = self.lowerer().count(&self.query)? else {
            return Ok(0);
        };
        let rows = db
            .fetch(
                &db.dialect().compile_select(&select),
                &[djorm_sql::ValueKind::I64],
            )
            .await?;
        Ok(rows
            .values
            .first()
            .and_then(Value::as_i64)
            .unwrap_or(0)
            .max(0) as u64)
    }

    /// True when at least one row matches.
    pub async fn exists(&self, db: &Db) -> Result<bool> {
        self.validity()?;
        let Some(select) = self.lowerer().exists(&self.query)? else {
            return Ok(false);
        };
        let rows = db
            .fetch(
                &db.dialect().compile_select(&select),
                &[djorm_sql::ValueKind::Any],
            )
            .await?;
        Ok(!rows.is_empty())
    }

    /// Streams the matching objects without loading them all (Django's `iterator()`): memory
    /// stays flat however many rows there are.
    pub async fn iterator(&self, db: &Db) -> Result<impl Stream<Item = Result<M>> + Send + use<M>> {
        self.validity()?;
        let lowered = self.lowerer().select(&self.query, &Columns::Model)?;
        let stream = match lowered {
            Some((select, kinds)) => Some(
                db.stream(db.dialect().compile_select(&select), kinds)
                    .await?,
            ),
            None => None,
        };
        let rows = futures_util::stream::iter(stream).flatten();
        Ok(rows.map(|row| {
            row.and_then(|values| M::from_row(&mut RowReader::new(&mut values.into_iter())))
        }))
    }

    async fn fetch_fields(&self, db: &Db, fields: &[&str]) -> Result<(Vec<String>, Rows)> {
        self.validity()?;
        let names: Vec<String> = if fields.is_empty() {
            M::meta().fields.iter().map(|f| f.name.to_owned()).collect()
        } else {
            fields.iter().map(|f| (*f).to_owned()).collect()
        };
        let Some((select, kinds)) = self
            .lowerer()
            .select(&self.query, &Columns::Fields(names.clone()))?
        else {
            return Ok((
                names,
                Rows {
                    width: fields.len(),
                    values: Vec::new(),
                },
            ));
        };
        let rows = db
            .fetch(&db.dialect().compile_select(&select), &kinds)
            .await?;
        Ok((names, rows))
    }

    /// The named fields of each row (every field when `fields` is empty), like Django's
    /// `values()` dictionaries.
    pub async fn values(&self, db: &Db, fields: &[&str]) -> Result<Vec<ValuesRow>> {
        let (names, rows) = self.fetch_fields(db, fields).await?;
        let names: Arc<[String]> = names.into();
        Ok(rows
            .into_rows()
            .into_iter()
            .map(|r| ValuesRow::new(names.clone(), r))
            .collect())
    }

    /// The named fields of each row as a list (Django's `values_list()`).
    pub async fn values_list(&self, db: &Db, fields: &[&str]) -> Result<Vec<Vec<Value>>> {
        Ok(self.fetch_fields(db, fields).await?.1.into_rows())
    }

    /// One field of each row (Django's `values_list(field, flat=True)`), decoded as `T`.
    pub async fn values_list_flat<T: FieldType>(&self, db: &Db, field: &str) -> Result<Vec<T>> {
        let (_, rows) = self.fetch_fields(db, &[field]).await?;
        rows.values.into_iter().map(T::from_value).collect()
    }

    /// The objects whose primary keys are in `ids`, keyed by primary key (Django's
    /// `in_bulk()`); an empty list runs no query.
    pub async fn in_bulk<K>(
        &self,
        db: &Db,
        ids: impl IntoIterator<Item = K>,
    ) -> Result<HashMap<K, M>>
    where
        K: FieldType + Into<Value> + Hash + Eq,
    {
        let list: Vec<Value> = ids.into_iter().map(Into::into).collect();
        let objects = self
            .filter(Q::new("pk__in", Rhs::List(list)))
            .order_by(Vec::<OrderBy>::new())
            .all(db)
            .await?;
        objects
            .into_iter()
            .map(|o| Ok((K::from_value(o.pk_value())?, o)))
            .collect()
    }
}

//! More of the untyped QuerySet's terminal methods — the ones Django has beyond the basics
//! (earliest/latest, in_bulk, explain, dates/datetimes, raw, get_or_create,
//! update_or_create, bulk_create) — written once: the typed QuerySet calls the same code.

use djorm_sql::{Compiled, TruncUnit, Value, ValueKind};

use super::{DynQuerySet, ValuesRow};
use crate::lower::{Columns, Lowerer};
use crate::{Db, Error, OrderBy, Result, Rhs, Q};

impl DynQuerySet {
    /// `get(q)`'s query: the filter, no ordering, at most a few rows (enough to say how many
    /// more than one matched).
    pub(crate) fn for_get(&self, q: impl Into<Q>) -> Self {
        let mut qs = self.clone();
        qs.add_filter_in_place(q.into());
        if !qs.query.is_sliced() {
            qs.query.order_by = Some(Vec::new());
            qs.query.high_mark = Some(crate::query::MAX_GET_RESULTS);
        }
        qs
    }

    /// `first()`'s query: one row in order, by primary key when unordered.
    pub(crate) fn for_first(&self) -> Self {
        let qs = if self.query.is_ordered() { self.clone() } else { self.order_by([OrderBy::parse("pk")]) };
        qs.limit(1)
    }

    /// `last()`'s query: the ordering reversed (by primary key when unordered), one row.
    pub(crate) fn for_last(&self) -> Result<Self> {
        if self.query.is_sliced() {
            return Err(Error::InvalidQuery("Cannot reverse a query once a slice has been taken.".into()));
        }
        let qs = if self.query.is_ordered() { self.reverse() } else { self.order_by([OrderBy::parse("-pk")]) };
        Ok(qs.limit(1))
    }

    /// `earliest(*fields)` / `latest(*fields)`'s query: ordered by the fields (descending for
    /// latest), one row. Django refuses it without fields.
    pub(crate) fn for_earliest(&self, fields: &[String], latest: bool) -> Result<Self> {
        if fields.is_empty() {
            return Err(Error::InvalidValue(
                "earliest() and latest() require either fields as positional arguments or 'get_latest_by' in the \
                 model's Meta."
                    .into(),
            ));
        }
        if self.query.is_sliced() {
            return Err(Error::InvalidQuery("Cannot change a query once a slice has been taken.".into()));
        }
        let keys = fields.iter().map(|f| {
            let key = OrderBy::parse(f);
            if latest {
                OrderBy { descending: !key.descending, ..key }
            } else {
                key
            }
        });
        Ok(self.order_by(keys.collect::<Vec<_>>()).limit(1))
    }

    /// `in_bulk(ids, field_name)`'s query: rows whose `field` is one of `ids`, unordered.
    pub(crate) fn for_in_bulk(&self, ids: Vec<Value>, field: &str) -> Result<Self> {
        if self.query.is_sliced() {
            return Err(Error::InvalidQuery("Cannot use 'limit' or 'offset' with in_bulk().".into()));
        }
        let meta = self.query.model;
        if field != "pk" && !meta.field_or_error(field)?.unique && !meta.field_or_error(field)?.primary_key {
            return Err(Error::InvalidValue(format!(
                "in_bulk()'s field_name must be a unique field but '{field}' isn't."
            )));
        }
        Ok(self.filter(Q::new(format!("{field}__in"), Rhs::List(ids))).order_by(Vec::<OrderBy>::new()))
    }

    /// The one row matching `q` (`DoesNotExist` / `MultipleObjectsReturned` otherwise).
    pub async fn get(&self, db: &Db, q: impl Into<Q>) -> Result<ValuesRow> {
        let mut rows = self.for_get(q).rows(db).await?;
        match rows.len() {
            0 => Err(Error::DoesNotExist { model: self.query.model.object_name }),
            1 => Ok(rows.remove(0)),
            n => Err(Error::MultipleObjectsReturned { model: self.query.model.object_name, count: n as u64 }),
        }
    }

    /// The first row in order (by primary key when unordered).
    pub async fn first(&self, db: &Db) -> Result<Option<ValuesRow>> {
        Ok(self.for_first().rows(db).await?.into_iter().next())
    }

    /// The last row in order (by primary key when unordered).
    pub async fn last(&self, db: &Db) -> Result<Option<ValuesRow>> {
        Ok(self.for_last()?.rows(db).await?.into_iter().next())
    }

    /// The first row by `fields` (Django's `earliest()`), or `DoesNotExist`.
    pub async fn earliest(&self, db: &Db, fields: &[String]) -> Result<ValuesRow> {
        let row = self.for_earliest(fields, false)?.rows(db).await?.into_iter().next();
        row.ok_or(Error::DoesNotExist { model: self.query.model.object_name })
    }

    /// The last row by `fields` (Django's `latest()`), or `DoesNotExist`.
    pub async fn latest(&self, db: &Db, fields: &[String]) -> Result<ValuesRow> {
        let row = self.for_earliest(fields, true)?.rows(db).await?.into_iter().next();
        row.ok_or(Error::DoesNotExist { model: self.query.model.object_name })
    }

    /// The rows whose `field` (a unique field, `pk` by default) is one of `ids`, keyed by it
    /// (Django's `in_bulk()`); an empty list runs no query.
    pub async fn in_bulk(&self, db: &Db, ids: Vec<Value>, field: &str) -> Result<Vec<(Value, ValuesRow)>> {
        let rows = self.for_in_bulk(ids, field)?.rows(db).await?;
        let name = if field == "pk" { self.query.model.pk().name } else { field };
        Ok(rows.into_iter().map(|row| (row.get(name).cloned().unwrap_or(Value::Null), row)).collect())
    }

    /// The database's plan for this QuerySet (Django's `explain()`).
    pub async fn explain(&self, db: &Db) -> Result<String> {
        let db = &*db.for_read(&self.query)?;
        self.validity()?;
        let Some(lowered) = Lowerer::new(self.query.model).select(&self.query, &Columns::Model)? else {
            return Ok("the query matches nothing and would not run".into());
        };
        let mut compiled = db.dialect().compile_select(&lowered.select);
        compiled.sql = format!("{} {}", db.dialect().explain_prefix(), compiled.sql);
        let rows = db.fetch(&compiled, &[]).await?;
        Ok(rows
            .into_rows()
            .into_iter()
            .map(|r| r.iter().map(ToString::to_string).collect::<Vec<_>>().join(" "))
            .collect::<Vec<_>>()
            .join("\n"))
    }

    /// The distinct instants `field` takes, truncated to `unit` in the current time zone, in order (Django's
    /// `datetimes()`; `dates()` takes their dates). `descending` for `order="DESC"`.
    pub async fn datetimes(
        &self,
        db: &Db,
        field: &str,
        unit: TruncUnit,
        descending: bool,
    ) -> Result<Vec<chrono::DateTime<chrono::Utc>>> {
        const TRUNC: &str = "__djorm_trunc";
        if let Some(f) = self.query.model.field(field) {
            if !matches!(f.value_kind(), ValueKind::Date | ValueKind::DateTime | ValueKind::Time) {
                return Err(Error::InvalidQuery(format!("'{field}' isn't a DateField, TimeField, or DateTimeField.")));
            }
        }
        let order = if descending { format!("-{TRUNC}") } else { TRUNC.to_owned() };
        let qs = self.annotate(TRUNC, crate::Trunc(field, unit, None)).distinct().order_by([order]);
        let rows = qs.values(db, &[TRUNC]).await?;
        rows.into_iter()
            .filter_map(|r| r.values().first().cloned())
            .filter(|v| !v.is_null())
            .map(|v| match v {
                Value::DateTime(d) => Ok(d),
                Value::Date(d) => Ok(d.and_time(chrono::NaiveTime::MIN).and_utc()),
                Value::String(s) => crate::lower::parse_datetime(&s).ok_or(Error::Decode(s)),
                other => Err(Error::Decode(format!("{other:?} as a date"))),
            })
            .collect()
    }

    /// The distinct dates `field` takes, truncated to `unit` (Django's `dates()`): a timestamp's
    /// date on the current time zone's calendar.
    pub async fn dates(
        &self,
        db: &Db,
        field: &str,
        unit: TruncUnit,
        descending: bool,
    ) -> Result<Vec<chrono::NaiveDate>> {
        let instants = self.datetimes(db, field, unit, descending).await?;
        let zoned = self.query.model.field(field).is_some_and(|f| f.value_kind() == ValueKind::DateTime);
        let zone = crate::timezone::current();
        Ok(instants
            .into_iter()
            .map(|d| if zoned { d.with_timezone(&zone).date_naive() } else { d.date_naive() })
            .collect())
    }

    /// The rows of your own SQL as this model's rows (Django's `raw()`): the query must
    /// return every field's column, in declaration order; `%s` marks each bound parameter.
    pub async fn raw(&self, db: &Db, sql: &str, params: Vec<Value>) -> Result<Vec<ValuesRow>> {
        let db = &*db.for_read(&self.query)?;
        let meta = self.query.model;
        let kinds: Vec<ValueKind> = meta.fields.iter().map(|f| f.value_kind()).collect();
        let rows = db.fetch(&raw_compiled(db, sql, params)?, &kinds).await?;
        let names: std::sync::Arc<[String]> = meta.fields.iter().map(|f| f.name.to_owned()).collect::<Vec<_>>().into();
        Ok(rows.into_rows().into_iter().map(|values| ValuesRow::new(names.clone(), values)).collect())
    }

    /// The row matching `lookups`, or one created from `lookups` and `defaults` (Django's
    /// `get_or_create()`); the flag says whether it was created. The INSERT runs in a
    /// savepoint inside a transaction, and a concurrent insert of the same key returns the
    /// winner's row.
    pub async fn get_or_create(
        &self,
        db: &Db,
        lookups: Vec<(String, Value)>,
        defaults: Vec<(String, Value)>,
    ) -> Result<(ValuesRow, bool)> {
        let db = &*db.for_write(&self.query)?;
        let q = lookups.iter().fold(Q::all(), |q, (k, v)| q & Q::new(k.clone(), v.clone()));
        match self.get(db, q.clone()).await {
            Ok(row) => Ok((row, false)),
            Err(Error::DoesNotExist { .. }) => {
                let values: Vec<(String, Value)> =
                    lookups.into_iter().filter(|(k, _)| !k.contains("__")).chain(defaults).collect();
                match db.atomic_write(1, |tx| async move { self.create(&tx, values).await }).await {
                    Ok(row) => Ok((row, true)),
                    Err(e @ Error::Integrity { .. }) => self.get(db, q).await.map(|row| (row, false)).map_err(|_| e),
                    Err(e) => Err(e),
                }
            }
            Err(e) => Err(e),
        }
    }

    /// Updates the row matching `lookups` with `defaults`, or creates one from `lookups`,
    /// `defaults` and `create_defaults` (Django's `update_or_create()`), in one transaction
    /// with the row locked (`SELECT ... FOR UPDATE` where the database has row locks).
    pub async fn update_or_create(
        &self,
        db: &Db,
        lookups: Vec<(String, Value)>,
        defaults: Vec<(String, Value)>,
        create_defaults: Option<Vec<(String, Value)>>,
    ) -> Result<(ValuesRow, bool)> {
        let db = &*db.for_write(&self.query)?;
        let locked = if db.dialect().features().has_select_for_update {
            self.select_for_update(false, false, &[])
        } else {
            self.clone()
        };
        db.atomic(|tx| async move {
            let on_create = create_defaults.unwrap_or_else(|| defaults.clone());
            match locked.get_or_create(&tx, lookups, on_create).await? {
                (row, true) => Ok((row, true)),
                (row, false) => {
                    let mut changed = row;
                    for (name, value) in defaults {
                        changed = changed.with(&name, value);
                    }
                    Ok((self.save(&tx, &changed).await?, false))
                }
            }
        })
        .await
    }

    /// Inserts every row (each `name = value` pairs) in as few statements as possible, in one
    /// transaction (a savepoint inside one): if one fails, none is inserted (Django's
    /// `bulk_create()`, which sends no signals).
    pub async fn bulk_create(&self, db: &Db, rows: Vec<Vec<(String, Value)>>) -> Result<Vec<ValuesRow>> {
        let db = &*db.for_write(&self.query)?;
        let meta = self.query.model;
        let rows = rows.into_iter().map(|pairs| self.full_row(pairs)).collect::<Result<Vec<_>>>()?;
        let stored = super::insert::bulk(db, meta, rows).await?;
        let names: std::sync::Arc<[String]> = meta.fields.iter().map(|f| f.name.to_owned()).collect::<Vec<_>>().into();
        Ok(stored.into_iter().map(|row| ValuesRow::new(names.clone(), row)).collect())
    }
}

/// Your own SQL with `%s` for each parameter, as the database's placeholders; the count of
/// placeholders must match the parameters.
pub(crate) fn raw_compiled(db: &Db, sql: &str, params: Vec<Value>) -> Result<Compiled> {
    let mut text = String::with_capacity(sql.len());
    let mut pieces = sql.split("%s");
    if let Some(first) = pieces.next() {
        text.push_str(first);
    }
    let mut n = 0;
    for piece in pieces {
        n += 1;
        db.dialect().write_placeholder(&mut text, n);
        text.push_str(piece);
    }
    if n != params.len() {
        return Err(Error::InvalidQuery(format!(
            "raw(): the SQL has {n} %s placeholders but {} parameters were given",
            params.len()
        )));
    }
    Ok(Compiled { sql: text, params })
}

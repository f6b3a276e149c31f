//! The untyped QuerySet's terminal methods: rows come back as [`ValuesRow`]s (and
//! [`super::DynObject`]s with their prefetched relations) instead of structs, for the shell and
//! for tools that build queries from user input. Lowering and SQL are the typed QuerySet's.

use chrono::{SubsecRound, Utc};
use djorm_sql::{Compiled, Value, ValueKind};

use super::{untyped, Deleted, DynQuerySet, ValuesRow};
use crate::lower::{coerce, Columns, Lowerer, RelatedNode};
use crate::signals::{self, Signal};
use crate::{Aggregate, Db, Expression, FieldKind, FieldMeta, ModelMeta, Result};

impl DynQuerySet {
    /// Every matching row with its prefetched relations attached.
    /// select_related objects come from the same query, nested the same way.
    pub async fn objects(&self, db: &Db) -> Result<Vec<super::DynObject>> {
        let db = &*db.for_read(&self.query)?;
        self.validity()?;
        let mut objects: Vec<super::DynObject> = if self.query.select_related.is_empty() {
            self.rows(db).await?.into_iter().map(|row| super::DynObject { row, related: Vec::new() }).collect()
        } else {
            self.joined_objects(db).await?
        };
        if !objects.is_empty() && !self.query.prefetch.is_empty() {
            super::dynamic_prefetch::prefetch(db, self.query.model, &mut objects, &self.query.prefetch).await?;
        }
        Ok(objects)
    }

    /// Rows with their select_related objects, from one query with joins.
    async fn joined_objects(&self, db: &Db) -> Result<Vec<super::DynObject>> {
        untyped::check_backend(db, &self.query)?;
        let meta = self.query.model;
        let Some(lowered) = Lowerer::new(meta).select(&self.query, &Columns::Model)? else {
            return Ok(Vec::new());
        };
        let rows = db.fetch(&db.dialect().compile_select(&lowered.select), &lowered.kinds).await?;
        let used = meta.fields.len() + lowered.related.iter().map(RelatedNode::width).sum::<usize>();
        let annotations: Vec<String> =
            self.query.annotations.iter().filter(|a| a.selected).map(|a| a.name.clone()).collect();
        let mut names: Vec<String> = meta.fields.iter().map(|f| f.name.to_owned()).collect();
        names.extend(annotations.into_iter().take(rows.width.saturating_sub(used)));
        let names: std::sync::Arc<[String]> = names.into();
        let n = rows.len();
        let mut values = rows.values.into_iter();
        let mut out = Vec::with_capacity(n);
        for _ in 0..n {
            let mut own: Vec<Value> = values.by_ref().take(meta.fields.len()).collect();
            let related = lowered.related.iter().map(|node| joined_related(node, &mut values)).collect();
            own.extend(values.by_ref().take(names.len() - meta.fields.len()));
            out.push(super::DynObject { row: ValuesRow::new(names.clone(), own), related });
        }
        Ok(out)
    }

    /// The names of the columns each row has: every field, then the annotations.
    fn row_names(&self) -> Vec<String> {
        let fields = self.query.model.fields.iter().map(|f| f.name.to_owned());
        let annotations = self.query.annotations.iter().filter(|a| a.selected).map(|a| a.name.clone());
        fields.chain(annotations).collect()
    }

    /// The SQL the rows of this QuerySet are read with, or `None` when it would not query.
    pub fn sql(&self, db: &Db) -> Result<Option<Compiled>> {
        self.validity()?;
        let lowered = Lowerer::new(self.query.model).select(&self.query, &Columns::Fields(self.row_names()))?;
        Ok(lowered.map(|l| db.dialect().compile_select(&l.select)))
    }

    /// Every matching row with all its fields and annotations (Django's instances).
    pub async fn rows(&self, db: &Db) -> Result<Vec<ValuesRow>> {
        let db = &*db.for_read(&self.query)?;
        self.validity()?;
        untyped::check_backend(db, &self.query)?;
        let names = self.row_names();
        let fields: Vec<&str> = names.iter().map(String::as_str).collect();
        untyped::values(db, &self.query, &fields).await
    }

    /// How many rows match.
    pub async fn count(&self, db: &Db) -> Result<u64> {
        self.validity()?;
        untyped::count(db, &self.query, self.trace.as_deref()).await
    }

    /// True when at least one row matches.
    pub async fn exists(&self, db: &Db) -> Result<bool> {
        self.validity()?;
        untyped::exists(db, &self.query).await
    }

    /// Named summary values over the matching rows (Django's `aggregate()`).
    pub async fn aggregate(&self, db: &Db, aggregates: &[(String, Aggregate)]) -> Result<ValuesRow> {
        self.validity()?;
        untyped::aggregate(db, &self.query, aggregates).await
    }

    /// The named paths of each row (every field when `fields` is empty).
    pub async fn values(&self, db: &Db, fields: &[&str]) -> Result<Vec<ValuesRow>> {
        self.validity()?;
        untyped::check_backend(db, &self.query)?;
        untyped::values(db, &self.query, fields).await
    }

    /// Sets fields on every matching row; returns how many matched.
    pub async fn update(&self, db: &Db, assignments: &[(String, Expression)]) -> Result<u64> {
        self.validity()?;
        untyped::update(db, &self.query, assignments).await
    }

    /// Deletes the matching rows with every relation's `on_delete`.
    pub async fn delete(&self, db: &Db) -> Result<Deleted> {
        self.validity()?;
        untyped::delete(db, &self.query).await
    }

    /// Inserts one row from `name = value` pairs (Django's `create(**kwargs)`) and returns it
    /// as stored. Values are converted to each field's type (`"2024-05-01"` for a date);
    /// fields not given take their default, `auto_now`/`auto_now_add` the current time.
    pub async fn create(&self, db: &Db, values: Vec<(String, Value)>) -> Result<ValuesRow> {
        let db = &*db.for_write(&self.query)?;
        let meta = self.query.model;
        let mut row = self.full_row(values)?;
        send_signal(db, meta, Signal::PreSave, &row, false).await?;
        // The row as written, with the key the database gave it: no second query, as the
        // typed create() (and Django's) does.
        if row[meta.pk_index].is_null() {
            super::insert::returning(db, meta, std::slice::from_mut(&mut row)).await?;
        } else {
            super::insert::with_pk(db, meta, std::slice::from_ref(&row)).await?;
        }
        send_signal(db, meta, Signal::PostSave, &row, true).await?;
        Ok(ValuesRow::from_parts(meta.fields.iter().map(|f| f.name.to_owned()).collect(), row))
    }

    /// Every field of a new row, in order: the given `name = value` pairs converted to each
    /// field's type, the others their initial value.
    pub(crate) fn full_row(&self, values: Vec<(String, Value)>) -> Result<Vec<Value>> {
        let meta = self.query.model;
        let mut row = Vec::with_capacity(meta.fields.len());
        for field in meta.fields {
            row.push(initial_value(field)?);
        }
        for (name, value) in values {
            let index = field_index(meta, &name)?;
            let field = &meta.fields[index];
            row[index] = coerce(value, field.value_kind(), field.name)?;
        }
        Ok(row)
    }

    /// Writes every field of `row` back to its table row (Django's `obj.save()`), refreshing
    /// `auto_now` fields; a row no longer there is inserted with its key, an object never
    /// saved is created. Returns the row as saved.
    pub async fn save(&self, db: &Db, row: &ValuesRow) -> Result<ValuesRow> {
        let db = &*db.for_write(&self.query)?;
        let meta = self.query.model;
        if row.get(meta.pk().name).is_none_or(Value::is_null) {
            // An object never saved: what it was given; every other field takes its default.
            let pairs = row.iter().filter(|(n, _)| *n != meta.pk().name).map(|(n, v)| (n.to_owned(), v.clone()));
            return self.create(db, pairs.collect()).await;
        }
        let mut values = Vec::with_capacity(meta.fields.len());
        for field in meta.fields {
            let value = row.get(field.name).cloned().unwrap_or(Value::Null);
            let value = if field.auto_now { now_value(field.kind) } else { value };
            values.push(coerce(value, field.value_kind(), field.name)?);
        }
        send_signal(db, meta, Signal::PreSave, &values, false).await?;
        // Django's save(): an UPDATE, and an INSERT with the key when no row had it.
        let created = super::insert::update_row(db, meta, values.clone()).await? == 0;
        if created {
            super::insert::with_pk(db, meta, std::slice::from_ref(&values)).await?;
        }
        send_signal(db, meta, Signal::PostSave, &values, created).await?;
        Ok(ValuesRow::from_parts(meta.fields.iter().map(|f| f.name.to_owned()).collect(), values))
    }
}

/// One select_related object (and its own) from the next columns; none when the LEFT OUTER
/// JOIN found no row.
fn joined_related(node: &RelatedNode, values: &mut std::vec::IntoIter<Value>) -> super::DynRelated {
    let own: Vec<Value> = values.by_ref().take(node.meta.fields.len()).collect();
    let related = node.children.iter().map(|child| joined_related(child, values)).collect();
    let found = own.get(node.meta.pk_index).is_some_and(|pk| !pk.is_null());
    let names = node.meta.fields.iter().map(|f| f.name.to_owned()).collect();
    let objects =
        if found { vec![super::DynObject { row: ValuesRow::from_parts(names, own), related }] } else { Vec::new() };
    super::DynRelated { name: node.name.clone(), model: node.meta, single: true, objects }
}

/// Sends `signal` for a row of `meta` (its fields in order) as the model's Rust instance —
/// built only when a receiver listens, so compiled models' receivers fire for shell writes too.
async fn send_signal(db: &Db, meta: &'static ModelMeta, signal: Signal, fields: &[Value], flag: bool) -> Result<()> {
    if !signals::has_receivers(signal, meta) {
        return Ok(());
    }
    let owned: Vec<Value> = fields.iter().take(meta.fields.len()).cloned().collect();
    let mut values = owned.into_iter();
    let object = (meta.vtable.decode)(&mut crate::RowReader::new(&mut values).from_database(db.alias()))?;
    signals::send(signal, meta, db, &*object, flag).await
}

/// The index of field `name` (`pk` and a key's `<name>_id` too), or a `FieldError` listing
/// the choices.
fn field_index(meta: &'static ModelMeta, name: &str) -> Result<usize> {
    let key = name.strip_suffix("_id").and_then(|n| meta.field(n)).filter(|f| f.relation.is_some());
    let field = match key {
        Some(field) => field,
        None => meta.field_or_error(name)?,
    };
    Ok(meta.fields.iter().position(|f| std::ptr::eq(f, field)).unwrap_or(meta.pk_index))
}

/// What a field holds before the caller sets it: its default, the current time for
/// `auto_now(_add)`, an empty string for text (Django's `empty_strings_allowed`), else NULL.
fn initial_value(field: &FieldMeta) -> Result<Value> {
    if let Some(default) = field.default {
        return Ok(default.value());
    }
    if field.auto_now || field.auto_now_add {
        return Ok(now_value(field.kind));
    }
    if !field.null && field.value_kind() == ValueKind::String && field.relation.is_none() {
        return Ok(Value::String(String::new()));
    }
    Ok(Value::Null)
}

fn now_value(kind: FieldKind) -> Value {
    let now = Utc::now().trunc_subsecs(6);
    match kind {
        FieldKind::DateField => Value::Date(now.date_naive()),
        FieldKind::TimeField => Value::Time(now.time()),
        _ => Value::DateTime(now),
    }
}

//! Django's fixtures (`dumpdata` / `loaddata`) in Django's JSON format, so a fixture dumped by
//! Django loads here and the other way round: a list of `{"model": "app.name", "pk": …,
//! "fields": {…}}`, a key as the related primary key, a many-to-many field (automatic join
//! table) as the list of related keys, values as Django's encoder writes them (decimals and
//! durations as text, timestamps in ISO 8601 with milliseconds and `Z`).
//!
//! `loaddata` runs in one transaction: an object whose key exists is updated, others inserted,
//! keys checked at commit (the constraints are deferred), and PostgreSQL's key sequences moved
//! past the loaded keys; any error leaves the database as it was.

use serde_json::{json, Map, Value as Json};

use djorm_sql::{Value, ValueKind};

use crate::queryset::DynQuerySet;
use crate::{Db, Error, ModelMeta, Result, Q};

fn label(model: &ModelMeta) -> String {
    format!("{}.{}", model.app_label, model.model_name())
}

/// The objects of `models` as Django's `dumpdata` writes them, by model then key.
pub async fn dump(db: &Db, models: &[&'static ModelMeta]) -> Result<Json> {
    let mut out = Vec::new();
    for model in models {
        let pk = model.pk();
        let names: Vec<&str> = model.fields.iter().map(|f| f.name).collect();
        let rows = DynQuerySet::new(model).order_by(["pk"]).values(db, &names).await?;
        let automatic: Vec<_> = model.many_to_many.iter().filter(|m| m.through.is_none()).collect();
        for row in rows {
            let key = row.get(pk.name).cloned().unwrap_or(Value::Null);
            let mut fields = Map::new();
            for field in model.fields.iter().filter(|f| !f.primary_key) {
                fields.insert(field.name.to_owned(), encode(row.get(field.name).unwrap_or(&Value::Null)));
            }
            for m2m in &automatic {
                let path = format!("{}__pk", m2m.name);
                let related = DynQuerySet::new(model)
                    .filter(Q::new("pk", key.clone()))
                    .filter(Q::new(format!("{}__isnull", m2m.name), false))
                    .order_by([path.as_str()])
                    .values(db, &[path.as_str()])
                    .await?
                    .into_iter()
                    .filter_map(|r| r.get(&path).cloned())
                    .collect::<Vec<_>>();
                fields.insert(m2m.name.to_owned(), Json::Array(related.iter().map(encode).collect()));
            }
            out.push(json!({ "model": label(model), "pk": encode(&key), "fields": fields }));
        }
    }
    Ok(Json::Array(out))
}

/// A value as Django's JSON encoder writes it.
fn encode(value: &Value) -> Json {
    match value {
        Value::Null => Json::Null,
        Value::Bool(b) => json!(b),
        Value::I16(i) => json!(i),
        Value::I32(i) => json!(i),
        Value::I64(i) => json!(i),
        Value::F64(f) => json!(f),
        Value::Decimal(d) => json!(d.to_string()),
        Value::String(s) => json!(s),
        Value::Uuid(u) => json!(u.to_string()),
        Value::Date(d) => json!(d.format("%Y-%m-%d").to_string()),
        Value::Time(t) => json!(milliseconds(&t.format("%H:%M:%S%.6f").to_string())),
        Value::DateTime(dt) => {
            json!(format!("{}Z", milliseconds(&dt.naive_utc().format("%Y-%m-%dT%H:%M:%S%.6f").to_string())))
        }
        Value::Duration(d) => json!(duration_string(*d)),
        Value::Json(j) => j.clone(),
        Value::Bytes(b) => json!(base64(b)),
        Value::Array(items) => Json::Array(items.iter().map(encode).collect()),
    }
}

/// Django's `duration_string`: `05:30:00`, `2 00:00:00`, `-1 23:58:30`, `00:00:00.000001`.
fn duration_string(d: chrono::TimeDelta) -> String {
    const DAY: i64 = 86_400_000_000;
    let micros = d.num_microseconds().unwrap_or(if d < chrono::TimeDelta::zero() { i64::MIN } else { i64::MAX });
    let (days, rest) = (micros.div_euclid(DAY), micros.rem_euclid(DAY));
    let (seconds, fraction) = (rest / 1_000_000, rest % 1_000_000);
    let mut out = format!("{:02}:{:02}:{:02}", seconds / 3600, seconds / 60 % 60, seconds % 60);
    if days != 0 {
        out = format!("{days} {out}");
    }
    if fraction != 0 {
        out.push_str(&format!(".{fraction:06}"));
    }
    out
}

/// Python's `isoformat()` cut to milliseconds as Django's encoder cuts it: no fraction when it
/// is zero, three digits otherwise.
fn milliseconds(text: &str) -> String {
    match text.split_once('.') {
        Some((whole, fraction)) if fraction.trim_end_matches('0').is_empty() => whole.to_owned(),
        Some((whole, fraction)) => format!("{whole}.{}", &fraction[..3]),
        None => text.to_owned(),
    }
}

fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let n = chunk.iter().enumerate().fold(0u32, |n, (i, b)| n | (u32::from(*b) << (16 - 8 * i)));
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ALPHABET[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// A JSON value as a value of `kind`.
fn decode(json: &Json, kind: ValueKind, field: &str) -> Result<Value> {
    let raw = match json {
        Json::Null => return Ok(Value::Null),
        Json::Bool(b) => Value::Bool(*b),
        Json::Number(n) => match n.as_i64() {
            Some(i) => Value::I64(i),
            None => Value::F64(n.as_f64().unwrap_or(f64::NAN)),
        },
        Json::String(s) => Value::String(s.clone()),
        other if kind == ValueKind::Json => return Ok(Value::Json(other.clone())),
        other => return Err(Error::InvalidValue(format!("'{field}' cannot hold {other}"))),
    };
    if kind == ValueKind::Json {
        return Ok(Value::Json(json.clone()));
    }
    crate::lower::coerce(raw, kind, field)
}

/// Loads a fixture (Django's `loaddata`) in one transaction; returns how many objects it held.
pub async fn load(db: &Db, models: &[&'static ModelMeta], fixture: &Json) -> Result<usize> {
    load_reporting(db, models, fixture, |_, _| {}).await
}

/// [`load`], calling `report(loaded, total)` after each object, for a progress bar.
pub async fn load_reporting(
    db: &Db,
    models: &[&'static ModelMeta],
    fixture: &Json,
    report: impl Fn(usize, usize),
) -> Result<usize> {
    let objects =
        fixture.as_array().ok_or_else(|| Error::InvalidValue("a fixture is a JSON list of objects".into()))?;
    let count = objects.len();
    let report = &report;
    db.atomic(|tx| async move {
        let mut touched: Vec<&'static ModelMeta> = Vec::new();
        // Where keys cannot wait for the commit, checks are off while rows load (a fixture may
        // name a row before the row it points at), then every loaded key is checked.
        let checks = tx.dialect().constraint_checks_off();
        if let Some((off, _)) = checks {
            tx.execute(&djorm_sql::Compiled { sql: off.into(), params: Vec::new() }).await?;
        }
        let mut loaded = Ok(());
        for (i, object) in objects.iter().enumerate() {
            let step = match model_of(models, object) {
                Ok(model) => load_one(&tx, model, object).await.map(|()| model),
                Err(e) => Err(e),
            };
            match step {
                Ok(model) => {
                    report(i + 1, count);
                    if !touched.iter().any(|m| m.is(model)) {
                        touched.push(model);
                    }
                }
                Err(e) => {
                    loaded = Err(problem(i, e));
                    break;
                }
            }
        }
        if let Some((_, on)) = checks {
            // Back on whatever happened: the session outlives this load.
            let restored = tx.execute(&djorm_sql::Compiled { sql: on.into(), params: Vec::new() }).await;
            std::mem::replace(&mut loaded, Ok(()))?;
            restored?;
            check_keys(&tx, &touched).await?;
        }
        loaded?;
        for model in touched {
            if let Some(sql) = tx.dialect().reset_sequence_sql(model.db_table, model.pk().column) {
                tx.execute(&djorm_sql::Compiled { sql, params: Vec::new() }).await?;
            }
        }
        Ok(count)
    })
    .await
}

/// Django's `check_constraints` after loading with checks off: the first key among `models`'
/// rows that points at no row is an IntegrityError, worded as Django words it.
async fn check_keys(db: &Db, models: &[&'static ModelMeta]) -> Result<()> {
    use djorm_sql::{Expr, Join, JoinKind, Select, SelectItem, Source};
    for model in models {
        for field in model.fields.iter() {
            let Some(relation) = &field.relation else { continue };
            let target = relation.target.get();
            let target_column = relation.target_field().column;
            // SELECT c.pk, c.key FROM child c LEFT JOIN parent p ON c.key = p.referenced
            // WHERE c.key IS NOT NULL AND p.referenced IS NULL LIMIT 1
            let (key, referenced) = (Expr::column("c", field.column), Expr::column("p", target_column));
            let is_null = |expr: Expr, negated| Expr::IsNull { expr: Box::new(expr), negated };
            let mut select = Select::from_table(model.db_table);
            select.from = Source::Table { name: model.db_table.to_owned(), alias: Some("c".into()) };
            select.columns = [Expr::column("c", model.pk().column), key.clone()]
                .into_iter()
                .map(|expr| SelectItem { expr, alias: None })
                .collect();
            select.joins.push(Join {
                kind: JoinKind::LeftOuter,
                table: target.db_table.to_owned(),
                alias: Some("p".into()),
                on: key.clone().binary(djorm_sql::BinOp::Eq, referenced.clone()),
            });
            select.filter = Some(is_null(key, true).and(is_null(referenced, false)));
            select.limit = Some(1);
            let rows = db.fetch(&db.dialect().compile_select(&select), &[ValueKind::Any, ValueKind::Any]).await?;
            if let [pk, value, ..] = rows.values.as_slice() {
                return Err(Error::Integrity {
                    kind: crate::IntegrityKind::ForeignKey,
                    constraint: None,
                    message: format!(
                        "The row in table '{}' with primary key '{pk}' has an invalid foreign key: {}.{} contains a \
                         value '{value}' that does not have a corresponding value in {}.{}.",
                        model.db_table, model.db_table, field.column, target.db_table, target_column
                    ),
                });
            }
        }
    }
    Ok(())
}

fn problem(index: usize, e: Error) -> Error {
    match e {
        Error::InvalidValue(m) => Error::InvalidValue(format!("Problem installing fixture, object {index}: {m}")),
        Error::FieldError(m) => Error::FieldError(format!("Problem installing fixture, object {index}: {m}")),
        other => other,
    }
}

fn model_of(models: &[&'static ModelMeta], object: &Json) -> Result<&'static ModelMeta> {
    let name = object.get("model").and_then(Json::as_str).ok_or_else(|| Error::InvalidValue("no \"model\"".into()))?;
    models
        .iter()
        .copied()
        .find(|m| label(m).eq_ignore_ascii_case(name))
        .ok_or_else(|| Error::InvalidValue(format!("Invalid model identifier: '{name}'")))
}

async fn load_one(db: &Db, model: &'static ModelMeta, object: &Json) -> Result<()> {
    let empty = Map::new();
    let fields = object.get("fields").and_then(Json::as_object).unwrap_or(&empty);
    let pk = model.pk();
    let key = decode(object.get("pk").unwrap_or(&Json::Null), pk.value_kind(), pk.name)?;
    let mut values: Vec<(String, Value)> = Vec::new();
    for (name, json) in fields {
        if model.many_to_many.iter().any(|m| m.name == name) {
            continue;
        }
        let field = model
            .field(name)
            .ok_or_else(|| Error::field(format!("{} has no field named '{name}'", model.object_name)))?;
        values.push((field.attname().into_owned(), decode(json, field.value_kind(), name)?));
    }
    let qs = DynQuerySet::new(model);
    let existing = !key.is_null() && qs.filter(Q::new("pk", key.clone())).exists(db).await?;
    if existing {
        let assignments: Vec<(String, crate::Expression)> =
            values.into_iter().map(|(n, v)| (n, crate::Expression::Value(v))).collect();
        if !assignments.is_empty() {
            qs.filter(Q::new("pk", key.clone())).update(db, &assignments).await?;
        }
    } else {
        if !key.is_null() {
            values.push((pk.name.to_owned(), key.clone()));
        }
        qs.create(db, values).await?;
    }
    for m2m in model.many_to_many.iter().filter(|m| m.through.is_none()) {
        let Some(Json::Array(related)) = fields.get(m2m.name) else { continue };
        let target_pk = m2m.target.get().pk();
        let others: Vec<Value> =
            related.iter().map(|j| decode(j, target_pk.value_kind(), m2m.name)).collect::<Result<_>>()?;
        crate::relations::remove_links(db, model, m2m.name, &key, None).await?;
        crate::relations::add_links(db, model, m2m.name, &key, &others).await?;
    }
    Ok(())
}

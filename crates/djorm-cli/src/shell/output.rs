//! Printing shell results: aligned tables, JSON or CSV.

use super::error::ShellError;
use comfy_table::{presets::UTF8_FULL_CONDENSED, Table};
use djorm::{Db, DynObject, ModelMeta, Value, ValuesRow};
use serde_json::{json, Map, Value as Json};

use djorm::RowShape;

use super::value::Val;

/// How results are printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum Format {
    /// Aligned tables, Django-style reprs and plain numbers.
    #[default]
    Table,
    /// One JSON document per result.
    Json,
    /// Comma-separated values with a header row.
    Csv,
}

/// How many rows a table shows by default, as Django's QuerySet repr (`REPR_OUTPUT_SIZE`).
pub const DEFAULT_MAX_ROWS: usize = 20;

/// Django's marker for rows left out of a QuerySet's repr.
const TRUNCATED: &str = "...(remaining elements truncated)...";

/// A fully evaluated result: rows with column names, or one scalar-like thing.
enum Shown {
    Rows {
        model: Option<&'static ModelMeta>,
        names: Vec<String>,
        rows: Vec<Vec<Value>>,
        shape: RowShape,
        /// True when more rows matched than were fetched to show.
        truncated: bool,
    },
    Object(&'static ModelMeta, ValuesRow),
    /// Rows with the relations `prefetch_related()` loaded for them (and whether more matched).
    Objects(&'static ModelMeta, Vec<DynObject>, bool),
    Text(String),
    Json(Json),
    /// `delete()`'s pair: the total and the rows per model (JSON `[total, {label: rows}]`).
    Deleted(djorm::Deleted),
}

/// Runs whatever `v` still needs from the database and renders it in `format`. A QuerySet
/// the user did not slice shows at most `max_rows` rows (then Django's truncation marker),
/// fetching only those: printing a table of 200,000 rows would build it all in memory.
pub async fn render(db: &Db, v: Val, format: Format, max_rows: Option<usize>) -> Result<String, ShellError> {
    // JSON nests related objects; a table or CSV lists their reprs in a column each.
    let shown = evaluate(db, v, max_rows).await?;
    Ok(match format {
        Format::Table => table(shown),
        Format::Json => serde_json::to_string_pretty(&to_json(shown)).unwrap_or_default(),
        Format::Csv => csv(shown)?,
    })
}

/// `qs` limited to one row more than `max_rows`, unless it is sliced already (then the user
/// asked for those rows).
fn capped(qs: djorm::DynQuerySet, max_rows: Option<usize>) -> (djorm::DynQuerySet, Option<usize>) {
    let unsliced = qs.query().low_mark == 0 && qs.query().high_mark.is_none();
    match max_rows {
        Some(n) if unsliced => (qs.slice(..(n as u64).saturating_add(1)), Some(n)),
        _ => (qs, None),
    }
}

/// Keeps the first `cap` rows; true when there were more.
fn cut<T>(rows: &mut Vec<T>, cap: Option<usize>) -> bool {
    match cap {
        Some(n) if rows.len() > n => {
            rows.truncate(n);
            true
        }
        _ => false,
    }
}

async fn evaluate(db: &Db, v: Val, max_rows: Option<usize>) -> Result<Shown, ShellError> {
    let e = ShellError::from;
    Ok(match v {
        Val::QuerySet(qs)
        | Val::ManyRelated(super::value::ManyRelated { qs, .. })
        | Val::ReverseRelated(super::value::ReverseRelated { qs, .. })
            if qs.shape() == RowShape::Objects
                && (!qs.query().prefetch.is_empty() || !qs.query().select_related.is_empty()) =>
        {
            let (qs, cap) = capped(qs, max_rows);
            let mut objects = qs.objects(db).await.map_err(e)?;
            let truncated = cut(&mut objects, cap);
            Shown::Objects(qs.model(), objects, truncated)
        }
        Val::QuerySet(qs)
        | Val::ManyRelated(super::value::ManyRelated { qs, .. })
        | Val::ReverseRelated(super::value::ReverseRelated { qs, .. })
            if qs.shape() == RowShape::Objects =>
        {
            let (qs, cap) = capped(qs, max_rows);
            let mut rows = qs.rows(db).await.map_err(e)?;
            let truncated = cut(&mut rows, cap);
            let names = names_of(&rows, || qs.model().field_names());
            Shown::Rows { model: Some(qs.model()), names, rows: values_of(rows), shape: RowShape::Dicts, truncated }
        }
        Val::QuerySet(qs)
        | Val::ManyRelated(super::value::ManyRelated { qs, .. })
        | Val::ReverseRelated(super::value::ReverseRelated { qs, .. }) => {
            let fields: Vec<String> = qs.value_fields().to_vec();
            let (qs, cap) = capped(qs, max_rows);
            let names: Vec<&str> = fields.iter().map(String::as_str).collect();
            let mut rows = qs.values(db, &names).await.map_err(e)?;
            let truncated = cut(&mut rows, cap);
            let names = names_of(&rows, || fields.clone());
            Shown::Rows { model: None, names, rows: values_of(rows), shape: qs.shape(), truncated }
        }
        Val::Map(keys, values) => {
            let mut out = Map::new();
            for (key, value) in keys.into_iter().zip(values) {
                out.insert(key, to_json(Box::pin(evaluate(db, value, max_rows)).await?));
            }
            Shown::Json(Json::Object(out))
        }
        Val::Instance(meta, row) => Shown::Object(meta, row),
        Val::Dict(row) => Shown::Json(row_json(&row)),
        Val::Deleted(d) => Shown::Deleted(d),
        Val::Value(Value::String(s)) => Shown::Text(s),
        Val::Value(v) => Shown::Json(value_json(&v)),
        Val::List(items) => {
            let mut out = Vec::with_capacity(items.len());
            for item in items {
                out.push(to_json(Box::pin(evaluate(db, item, max_rows)).await?));
            }
            Shown::Json(Json::Array(out))
        }
        other => Shown::Text(format!("<{}>", other.type_name())),
    })
}

fn names_of(rows: &[ValuesRow], fallback: impl FnOnce() -> Vec<String>) -> Vec<String> {
    rows.first().map(|r| r.names().to_vec()).unwrap_or_else(fallback)
}

fn values_of(rows: Vec<ValuesRow>) -> Vec<Vec<Value>> {
    rows.into_iter().map(|r| r.values().to_vec()).collect()
}

/// A database value as JSON: numbers stay numbers, decimals and dates become strings.
pub fn value_json(v: &Value) -> Json {
    match v {
        Value::Null => Json::Null,
        Value::Bool(b) => json!(b),
        Value::I16(i) => json!(i),
        Value::I32(i) => json!(i),
        Value::I64(i) => json!(i),
        Value::F64(f) => json!(f),
        Value::Json(j) => j.clone(),
        Value::Array(items) => Json::Array(items.iter().map(value_json).collect()),
        // As Python's isoformat(): six digits of fraction when there is one.
        Value::DateTime(d) if d.timestamp_subsec_micros() == 0 => {
            json!(d.format("%Y-%m-%dT%H:%M:%S+00:00").to_string())
        }
        Value::DateTime(d) => json!(d.format("%Y-%m-%dT%H:%M:%S%.6f+00:00").to_string()),
        Value::Time(t) if t.format("%f").to_string().trim_start_matches('0').is_empty() => {
            json!(t.format("%H:%M:%S").to_string())
        }
        Value::Time(t) => json!(t.format("%H:%M:%S%.6f").to_string()),
        other => json!(other.to_string()),
    }
}

fn row_json(row: &ValuesRow) -> Json {
    Json::Object(row.iter().map(|(k, v)| (k.to_owned(), value_json(v))).collect())
}

/// A row as JSON with each prefetched relation nested: a list, or for a key on the row the
/// object itself in place of the key's value.
fn object_json(object: &DynObject) -> Json {
    let mut map: Map<String, Json> = object.row.iter().map(|(k, v)| (k.to_owned(), value_json(v))).collect();
    for related in &object.related {
        let nested = if related.single {
            related.objects.first().map_or(Json::Null, object_json)
        } else {
            Json::Array(related.objects.iter().map(object_json).collect())
        };
        map.insert(related.name.clone(), nested);
    }
    Json::Object(map)
}

/// Rows whose prefetched relations become one column each, listing the related reprs.
fn objects_as_rows(meta: &'static ModelMeta, objects: Vec<DynObject>, truncated: bool) -> Shown {
    let mut names: Vec<String> = objects.first().map(|o| o.row.names().to_vec()).unwrap_or_else(|| meta.field_names());
    if let Some(first) = objects.first() {
        names.extend(
            first.related.iter().filter(|r| !names.contains(&r.name)).map(|r| r.name.clone()).collect::<Vec<_>>(),
        );
    }
    let rows = objects
        .into_iter()
        .map(|o| {
            let mut row = o.row.values().to_vec();
            row.resize(names.len(), Value::Null);
            for related in &o.related {
                let reprs: Vec<String> =
                    related.objects.iter().map(|r| repr(related.model, r.row.names(), r.row.values())).collect();
                if let Some(i) = names.iter().position(|n| *n == related.name) {
                    // A key's column shows its object's repr, as `post.author` does in Django.
                    row[i] = Value::String(reprs.join(", "));
                }
            }
            row
        })
        .collect();
    Shown::Rows { model: Some(meta), names, rows, shape: RowShape::Dicts, truncated }
}

fn to_json(shown: Shown) -> Json {
    match shown {
        Shown::Rows { names, rows, shape, .. } => Json::Array(
            rows.into_iter()
                .map(|row| match shape {
                    RowShape::Objects | RowShape::Dicts | RowShape::Named => {
                        Json::Object(names.iter().cloned().zip(row.iter().map(value_json)).collect())
                    }
                    RowShape::Tuples => Json::Array(row.iter().map(value_json).collect()),
                    RowShape::Flat => row.first().map(value_json).unwrap_or(Json::Null),
                })
                .collect(),
        ),
        Shown::Object(_, row) => row_json(&row),
        Shown::Objects(_, objects, _) => Json::Array(objects.iter().map(object_json).collect()),
        Shown::Text(s) => json!(s),
        Shown::Json(j) => j,
        Shown::Deleted(d) => {
            let per_model: Map<String, Json> = d.per_model.iter().map(|(k, v)| (k.clone(), json!(v))).collect();
            json!([d.total, per_model])
        }
    }
}

/// `delete()`'s pair as Django's shell prints it: `(2, {'blog.Author': 1, 'blog.Post': 1})`
/// (models in label order; Django lists them in the order it deleted them).
fn deleted_repr(d: &djorm::Deleted) -> String {
    let quoted = |label: &str| format!("'{}'", label.replace('\\', "\\\\").replace('\'', "\\'"));
    let per_model: Vec<String> = d.per_model.iter().map(|(label, n)| format!("{}: {n}", quoted(label))).collect();
    format!("({}, {{{}}})", d.total, per_model.join(", "))
}

/// Django's repr: `<Post: title>` with the model's `str` field, else `<Post: Post object (1)>`.
pub(super) fn repr(meta: &ModelMeta, names: &[String], row: &[Value]) -> String {
    let value = |name: &str| names.iter().position(|n| n == name).and_then(|i| row.get(i)).cloned();
    if let Some(text) = meta.str_field.and_then(value) {
        return format!("<{}: {text}>", meta.object_name);
    }
    let pk = value(meta.pk().name).unwrap_or(Value::Null);
    format!("<{}: {} object ({pk})>", meta.object_name, meta.object_name)
}

fn table(shown: Shown) -> String {
    match shown {
        Shown::Objects(meta, objects, truncated) => table(objects_as_rows(meta, objects, truncated)),
        Shown::Object(meta, row) => {
            let names = row.names().to_vec();
            let rows = vec![row.values().to_vec()];
            format!("{}\n{}", repr(meta, &names, &rows[0]), grid(&names, &rows))
        }
        Shown::Rows { model, names, rows, shape, truncated } => {
            let count = rows.len();
            let noun = match model {
                Some(meta) => format!("{} object{}", meta.object_name, if count == 1 { "" } else { "s" }),
                None => format!("row{}", if count == 1 { "" } else { "s" }),
            };
            let grid = if shape == RowShape::Flat && !names.is_empty() {
                grid(&names[..1], &rows)
            } else {
                grid(&names, &rows)
            };
            if truncated {
                format!(
                    "{grid}\n{TRUNCATED}\n(the first {count} {noun}; slice the QuerySet, or start the shell with \
                     --max-rows, to see more)"
                )
            } else {
                format!("{grid}\n({count} {noun})")
            }
        }
        Shown::Text(s) => s,
        Shown::Json(Json::Object(map)) => {
            let names: Vec<String> = map.keys().cloned().collect();
            let row: Vec<String> = map.values().map(json_text).collect();
            let mut t = new_table();
            t.set_header(names);
            t.add_row(row);
            t.to_string()
        }
        Shown::Json(j) => json_text(&j),
        Shown::Deleted(d) => deleted_repr(&d),
    }
}

fn json_text(j: &Json) -> String {
    match j {
        Json::String(s) => s.clone(),
        Json::Null => "None".into(),
        Json::Bool(true) => "True".into(),
        Json::Bool(false) => "False".into(),
        other => other.to_string(),
    }
}

fn new_table() -> Table {
    let mut t = Table::new();
    t.load_preset(UTF8_FULL_CONDENSED);
    t
}

fn grid(names: &[String], rows: &[Vec<Value>]) -> String {
    let mut t = new_table();
    t.set_header(names.to_vec());
    for row in rows {
        t.add_row(row.iter().take(names.len()).map(|v| if v.is_null() { "None".to_owned() } else { v.to_string() }));
    }
    t.to_string()
}

fn csv(shown: Shown) -> Result<String, ShellError> {
    let mut writer = ::csv::Writer::from_writer(Vec::new());
    let e = |e: ::csv::Error| e.to_string();
    match shown {
        Shown::Objects(meta, objects, truncated) => return csv(objects_as_rows(meta, objects, truncated)),
        Shown::Rows { names, rows, shape, .. } => {
            let width = if shape == RowShape::Flat { 1 } else { names.len() };
            writer.write_record(names.iter().take(width)).map_err(e)?;
            for row in rows {
                writer
                    .write_record(
                        row.iter().take(width).map(|v| if v.is_null() { String::new() } else { v.to_string() }),
                    )
                    .map_err(e)?;
            }
        }
        Shown::Object(_, row) => {
            writer.write_record(row.names()).map_err(e)?;
            writer
                .write_record(row.values().iter().map(|v| if v.is_null() { String::new() } else { v.to_string() }))
                .map_err(e)?;
        }
        Shown::Json(Json::Object(map)) => {
            writer.write_record(map.keys()).map_err(e)?;
            writer.write_record(map.values().map(json_text)).map_err(e)?;
        }
        Shown::Json(j) => writer.write_record([json_text(&j)]).map_err(e)?,
        Shown::Text(s) => writer.write_record([s]).map_err(e)?,
        Shown::Deleted(d) => writer.write_record([deleted_repr(&d)]).map_err(e)?,
    }
    let os = |e: String| ShellError::new("OSError", e);
    String::from_utf8(writer.into_inner().map_err(|e| os(e.to_string()))?).map_err(|e| os(e.to_string()))
}

//! Attributes and methods of shell values: managers, QuerySets, objects and related managers.

use super::error::ShellError;
use djorm::relations::reverse_by_accessor;
use djorm::{DynQuerySet, ModelMeta, OrderBy, Value, Q};

use djorm::apps::MethodOwner;
use djorm::methods::{MethodArg, MethodOutput};

use super::convert;
use super::eval::Session;
use super::value::{ManyRelated, ReverseRelated, Val};

/// The QuerySet methods, for `help` and Tab completion: djorm's method table.
pub fn queryset_methods() -> Vec<&'static str> {
    djorm::methods::methods().iter().map(|m| m.name).collect()
}

/// `target.name`.
pub async fn attribute(session: &mut Session, target: Val, name: &str) -> Result<Val, ShellError> {
    let target = match target {
        Val::ManyRelated(m) if !matches!(name, "add" | "remove" | "clear") => Val::QuerySet(m.qs),
        Val::ReverseRelated(r) if !matches!(name, "create" | "get_or_create") => Val::QuerySet(r.qs),
        other => other,
    };
    match target {
        target @ (Val::ManyRelated(_) | Val::ReverseRelated(_)) => Ok(Val::Method(Box::new(target), name.to_owned())),
        Val::Model(meta) => meta.manager(name).map(Val::QuerySet).ok_or_else(|| {
            ShellError::new("AttributeError", format!("type object '{}' has no attribute '{name}'", meta.object_name))
        }),
        Val::Instance(meta, row) => instance_attribute(session, meta, row, name).await,
        Val::Dict(row) => row
            .get(name)
            .cloned()
            .map(Val::Value)
            .ok_or_else(|| ShellError::new("KeyError", format!("no key '{name}': {}", row.names().join(", ")))),
        target @ Val::QuerySet(_) if djorm::methods::method(name).is_some() => {
            Ok(Val::Method(Box::new(target), name.to_owned()))
        }
        target @ Val::QuerySet(_) if manager_method(&target, name).is_some() => {
            Ok(Val::Method(Box::new(target), name.to_owned()))
        }
        // Django's QuerySet.ordered: an order_by() or the model's default ordering applies.
        Val::QuerySet(qs) if name == "ordered" => Ok(Val::Value(Value::Bool(qs.query().is_ordered()))),
        Val::QuerySet(_) => Err(ShellError::new(
            "AttributeError",
            format!("'QuerySet' object has no attribute '{name}'. Methods are: {}", queryset_methods().join(", ")),
        )),
        target @ Val::Expr(_) if matches!(name, "asc" | "desc") => Ok(Val::Method(Box::new(target), name.to_owned())),
        other => {
            Err(ShellError::new("AttributeError", format!("'{}' object has no attribute '{name}'", other.type_name())))
        }
    }
}

async fn instance_attribute(
    session: &mut Session,
    meta: &'static ModelMeta,
    row: djorm::ValuesRow,
    name: &str,
) -> Result<Val, ShellError> {
    if matches!(name, "save" | "delete" | "refresh_from_db")
        || djorm::apps::app_method(meta, MethodOwner::Object, name).is_some()
    {
        return Ok(Val::Method(Box::new(Val::Instance(meta, row)), name.to_owned()));
    }
    let pk = row.get(meta.pk().name).cloned().unwrap_or(Value::Null);
    if name == "pk" {
        return Ok(Val::Value(pk));
    }
    if let Some(field) = meta.field(name) {
        let value = row.get(field.name).cloned().unwrap_or(Value::Null);
        let Some(relation) = &field.relation else { return Ok(Val::Value(value)) };
        if value.is_null() {
            return Ok(Val::Value(Value::Null));
        }
        let target = relation.target.get();
        let key = relation.target_field().name;
        let related = DynQuerySet::new(target).get(&session.db, Q::new(key, value)).await.map_err(ShellError::from)?;
        return Ok(Val::Instance(target, related));
    }
    if let Some(field) = name.strip_suffix("_id").and_then(|n| meta.field(n)).filter(|f| f.relation.is_some()) {
        return Ok(Val::Value(row.get(field.name).cloned().unwrap_or(Value::Null)));
    }
    if let Some(reverse) = reverse_by_accessor(meta, name) {
        let qs = reverse.model.default_queryset().filter(Q::new(format!("{}__pk", reverse_path(reverse)), pk.clone()));
        if let (true, Some(field)) = (reverse.is_multi(), reverse.field) {
            // The key holds the referenced field's value (the pk, unless it names a to_field).
            let referenced = field.relation.as_ref().map_or(meta.pk().name, |r| r.target_field().name);
            let value = row.get(referenced).cloned().unwrap_or(pk);
            return Ok(Val::ReverseRelated(ReverseRelated { qs, field: field.name, value }));
        }
        if reverse.is_multi() {
            return Ok(Val::QuerySet(qs));
        }
        let object = qs.get(&session.db, Q::all()).await.map_err(ShellError::from)?;
        return Ok(Val::Instance(reverse.model, object));
    }
    if let Some(m2m) = meta.many_to_many_field(name) {
        let target = m2m.target.get();
        let back = djorm::relations::reverse_relations(target)
            .iter()
            .find(|r| r.m2m.is_some_and(|f| std::ptr::eq(f, m2m)))
            .ok_or_else(|| format!("no reverse relation for {name}"))?;
        let qs = target.default_queryset().filter(Q::new(format!("{}__pk", back.query_name), pk.clone()));
        return Ok(Val::ManyRelated(ManyRelated { owner: meta, field: m2m.name, pk, qs }));
    }
    Err(ShellError::new(
        "AttributeError",
        format!(
            "'{}' object has no attribute '{name}'. Fields are: {}",
            meta.object_name,
            meta.field_names().join(", ")
        ),
    ))
}

/// The lookup from the related model back to this one (`author` for `author.posts`).
fn reverse_path(reverse: &djorm::relations::ReverseRelation) -> String {
    match (reverse.field, reverse.m2m) {
        (Some(field), _) => field.name.to_owned(),
        (None, Some(m2m)) => m2m.name.to_owned(),
        (None, None) => reverse.query_name.clone(),
    }
}

/// Converts a value for `field` of `meta`, checking the field exists.
pub fn field_value(meta: &'static ModelMeta, field: &str, v: Val) -> Result<Value, ShellError> {
    let f = meta.field_or_error(field).map_err(ShellError::from)?;
    let value = convert::value(v)?;
    djorm::query::lower::coerce(value, f.value_kind(), f.name).map_err(ShellError::from)
}

/// `Post(title="x")`: an unsaved object (Django's model constructor), for `save()` and
/// `bulk_create()`; fields not given take their defaults when it is saved.
pub fn instantiate(meta: &'static ModelMeta, args: Vec<Val>, kwargs: Vec<(String, Val)>) -> Result<Val, ShellError> {
    if !args.is_empty() {
        return Err(ShellError::from(format!("{}() takes field values as keyword arguments", meta.object_name)));
    }
    let mut names = Vec::with_capacity(kwargs.len());
    let mut values = Vec::with_capacity(kwargs.len());
    for (name, v) in kwargs {
        values.push(field_value(meta, &name, v)?);
        names.push(meta.field_or_error(&name).map_err(ShellError::from)?.name.to_owned());
    }
    Ok(Val::Instance(meta, djorm::ValuesRow::from_parts(names, values)))
}

/// Calls `target.method(args, kwargs)`.
pub async fn call(
    session: &mut Session,
    target: Val,
    method: &str,
    args: Vec<Val>,
    kwargs: Vec<(String, Val)>,
) -> Result<Val, ShellError> {
    if let Val::Instance(meta, row) = target {
        return instance_method(session, meta, row, method, args, kwargs).await;
    }
    if let Val::ManyRelated(m) = target {
        return many_method(session, m, method, args).await;
    }
    if let Val::ReverseRelated(r) = target {
        // Django's RelatedManager.create(): the key is the manager's object, whatever was given.
        let mut kwargs: Vec<(String, Val)> = kwargs.into_iter().filter(|(k, _)| k != r.field).collect();
        kwargs.push((r.field.to_owned(), Val::Value(r.value)));
        return Box::pin(call(session, Val::QuerySet(r.qs), method, args, kwargs)).await;
    }
    if let Val::Expr(djorm::Expression::Field(field)) = &target {
        return ordering(OrderBy::parse(field), method, args, kwargs);
    }
    if let Val::Expr(expression) = target {
        if matches!(method, "asc" | "desc") {
            return ordering(OrderBy::expression(expression, false), method, args, kwargs);
        }
        return Err(ShellError::new("AttributeError", format!("'expression' object has no attribute '{method}'")));
    }
    let Val::QuerySet(qs) = target else {
        return Err(ShellError::new(
            "AttributeError",
            format!("'{}' object has no method {method}()", target.type_name()),
        ));
    };
    let Some(spec) = djorm::methods::method(method) else {
        if let Some(app) = djorm::apps::app_method(qs.model(), MethodOwner::Manager, method) {
            return Ok(call_app_method(session, app, None, args, kwargs).await?.0);
        }
        return Err(ShellError::new("AttributeError", format!("'QuerySet' object has no attribute '{method}'")));
    };
    let positional = args.into_iter().map(method_arg).collect::<Result<Vec<_>, _>>()?;
    let keyword = kwargs.into_iter().map(|(k, v)| Ok((k, method_arg(v)?))).collect::<Result<Vec<_>, ShellError>>()?;
    let call_args = djorm::methods::Args::new(positional, keyword);
    if spec.writes_every_match && !confirm_whole_table(session, &qs, method).await? {
        return Err(ShellError::cancelled());
    }
    let db = session.db.clone();
    let output = spec.call(&qs, &db, call_args).await.map_err(ShellError::from)?;
    Ok(output_value(qs.model(), output))
}

/// A method's output as a shell value; rows are objects of `model`.
fn output_value(model: &'static ModelMeta, output: MethodOutput) -> Val {
    match output {
        MethodOutput::QuerySet(next) => Val::QuerySet(*next),
        MethodOutput::Row(row) => Val::Instance(model, row),
        MethodOutput::MaybeRow(row) => row.map_or(Val::Value(Value::Null), |r| Val::Instance(model, r)),
        MethodOutput::Created(row, created) => {
            Val::List(vec![Val::Instance(model, row), Val::Value(Value::Bool(created))])
        }
        MethodOutput::Rows(rows) => Val::List(rows.into_iter().map(|r| Val::Instance(model, r)).collect()),
        MethodOutput::Keyed(rows) => {
            let (names, values): (Vec<String>, Vec<Val>) =
                rows.into_iter().map(|(k, r)| (key_text(&k), Val::Instance(model, r))).unzip();
            Val::Map(names, values)
        }
        MethodOutput::Number(n) => Val::Value(Value::I64(i64::try_from(n).unwrap_or(i64::MAX))),
        MethodOutput::Bool(b) => Val::Value(Value::Bool(b)),
        MethodOutput::Text(t) => Val::Value(Value::String(t)),
        MethodOutput::Summary(row) => Val::Dict(row),
        MethodOutput::Deleted(d) => Val::Deleted(d),
        MethodOutput::Values(values) => Val::List(values.into_iter().map(Val::Value).collect()),
    }
}

/// The installed app method `name` of the manager whose QuerySet `target` is.
fn manager_method(target: &Val, name: &str) -> Option<&'static djorm::apps::AppMethod> {
    let Val::QuerySet(qs) = target else { return None };
    djorm::apps::app_method(qs.model(), MethodOwner::Manager, name)
}

/// Calls a method an installed app added (auth's `create_user`, `set_password`): its value,
/// and the object after the call when the method changed it in memory.
pub async fn call_app_method(
    session: &mut Session,
    method: &'static djorm::apps::AppMethod,
    object: Option<djorm::ValuesRow>,
    args: Vec<Val>,
    kwargs: Vec<(String, Val)>,
) -> Result<(Val, Option<djorm::ValuesRow>), ShellError> {
    let positional = args.into_iter().map(method_arg).collect::<Result<Vec<_>, _>>()?;
    let keyword = kwargs.into_iter().map(|(k, v)| Ok((k, method_arg(v)?))).collect::<Result<Vec<_>, ShellError>>()?;
    let call_args = djorm::methods::Args::new(positional, keyword).called(method.name);
    let db = session.db.clone();
    let out = (method.run)(&db, object, call_args).await.map_err(ShellError::from)?;
    Ok((output_value((method.model)(), out.output), out.object))
}

/// A shell value as a QuerySet method's argument: an object is its key (an unsaved one, its
/// fields), a related manager or values() query its QuerySet.
fn method_arg(v: Val) -> Result<MethodArg, ShellError> {
    Ok(match v {
        Val::Value(v) => MethodArg::Value(v),
        Val::List(items) => MethodArg::List(items.into_iter().map(method_arg).collect::<Result<_, _>>()?),
        Val::Instance(meta, row) => match row.get(meta.pk().name) {
            Some(pk) if !pk.is_null() => MethodArg::Value(pk.clone()),
            _ => MethodArg::Dict(row.iter().map(|(k, v)| (k.to_owned(), MethodArg::Value(v.clone()))).collect()),
        },
        Val::Dict(row) => {
            MethodArg::Dict(row.iter().map(|(k, v)| (k.to_owned(), MethodArg::Value(v.clone()))).collect())
        }
        Val::Q(q) => MethodArg::Q(q),
        Val::Expr(e) => MethodArg::Expression(e),
        Val::Aggregate(a) => MethodArg::Aggregate(a),
        Val::OrderBy(o) => MethodArg::OrderBy(o),
        Val::Prefetch(p) => MethodArg::Prefetch(p),
        Val::QuerySet(qs)
        | Val::ManyRelated(ManyRelated { qs, .. })
        | Val::ReverseRelated(ReverseRelated { qs, .. }) => MethodArg::QuerySet(Box::new(qs)),
        other => {
            return Err(ShellError::from(format!("a {} cannot be passed to a QuerySet method", other.type_name())))
        }
    })
}

/// A key as a dictionary key: text as it is, other values in their text form.
fn key_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// `F("views").desc(nulls_last=True)` / `.asc(nulls_first=True)`.
fn ordering(mut key: OrderBy, method: &str, args: Vec<Val>, kwargs: Vec<(String, Val)>) -> Result<Val, ShellError> {
    if !args.is_empty() {
        return Err(ShellError::from(format!("{method}() takes only nulls_first= and nulls_last=")));
    }
    key.descending = method == "desc";
    for (name, v) in kwargs {
        key = match (name.as_str(), v) {
            ("nulls_first", Val::Value(Value::Bool(true))) => key.nulls_first(),
            ("nulls_last", Val::Value(Value::Bool(true))) => key.nulls_last(),
            ("nulls_first" | "nulls_last", Val::Value(Value::Bool(false) | Value::Null)) => key,
            (other, _) => {
                return Err(ShellError::from(format!("{method}() got an unexpected keyword argument '{other}'")))
            }
        };
    }
    Ok(Val::OrderBy(key))
}

/// Asks before an `update()` or `delete()` that reaches every row of its table: one with no
/// filter, or one whose filter (`exclude(pk=None)`, `pk__gte=0`) happens to match them all.
async fn confirm_whole_table(session: &mut Session, qs: &DynQuerySet, verb: &str) -> Result<bool, ShellError> {
    if session.assume_yes {
        return Ok(true);
    }
    let model = qs.model();
    let e = ShellError::from;
    if !qs.query().filters.is_empty() {
        let total = DynQuerySet::new(model).count(&session.db).await.map_err(e)?;
        let matched = qs.count(&session.db).await.map_err(e)?;
        if total == 0 || matched < total {
            return Ok(true);
        }
    }
    Ok((session.confirm)(&format!("{verb} every {} row", model.object_name)))
}

async fn instance_method(
    session: &mut Session,
    meta: &'static ModelMeta,
    row: djorm::ValuesRow,
    method: &str,
    args: Vec<Val>,
    kwargs: Vec<(String, Val)>,
) -> Result<Val, ShellError> {
    if let Some(app) = djorm::apps::app_method(meta, MethodOwner::Object, method) {
        return Ok(call_app_method(session, app, Some(row), args, kwargs).await?.0);
    }
    let db = session.db.clone();
    let qs = DynQuerySet::new(meta);
    let pk = row.get(meta.pk().name).cloned().unwrap_or(Value::Null);
    let e = ShellError::from;
    match method {
        "save" => {
            qs.save(&db, &row).await.map_err(e)?;
            Ok(Val::Value(Value::Null))
        }
        "refresh_from_db" => Ok(Val::Instance(meta, qs.get(&db, Q::new("pk", pk)).await.map_err(e)?)),
        "delete" => Ok(Val::Deleted(qs.filter(Q::new("pk", pk)).delete(&db).await.map_err(e)?)),
        other => {
            Err(ShellError::new("AttributeError", format!("'{}' object has no method {other}()", meta.object_name)))
        }
    }
}

/// A related manager as the QuerySet of its objects.
fn plain(v: Val) -> Val {
    match v {
        Val::ManyRelated(m) => Val::QuerySet(m.qs),
        Val::ReverseRelated(r) => Val::QuerySet(r.qs),
        other => other,
    }
}

/// `qs[i]`, `row["field"]`, `list[i]`.
pub async fn index(session: &mut Session, target: Val, index: Val) -> Result<Val, ShellError> {
    match (plain(target), index) {
        (Val::QuerySet(qs), Val::Value(Value::I64(i))) => {
            let i =
                u64::try_from(i).map_err(|_| ShellError::new("ValueError", "Negative indexing is not supported."))?;
            let mut rows = qs.slice(i..i.saturating_add(1)).rows(&session.db).await.map_err(ShellError::from)?;
            match rows.pop() {
                Some(row) => Ok(Val::Instance(qs.model(), row)),
                None => Err(ShellError::new("IndexError", "list index out of range")),
            }
        }
        (Val::List(items), Val::Value(Value::I64(i))) => {
            let len = items.len() as i64;
            let at = if i < 0 { len + i } else { i };
            usize::try_from(at)
                .ok()
                .and_then(|at| items.into_iter().nth(at))
                .ok_or_else(|| ShellError::new("IndexError", "list index out of range"))
        }
        (Val::Dict(row), Val::Value(Value::String(key))) => {
            row.get(&key).cloned().map(Val::Value).ok_or_else(|| ShellError::new("KeyError", format!("'{key}'")))
        }
        (target, index) => {
            Err(ShellError::from(format!("'{}' cannot be indexed by {}", target.type_name(), index.type_name())))
        }
    }
}

/// `qs[low:high]`.
/// `[low:high]` as range bounds.
fn bounds(low: u64, high: Option<u64>) -> (std::ops::Bound<u64>, std::ops::Bound<u64>) {
    (std::ops::Bound::Included(low), high.map_or(std::ops::Bound::Unbounded, std::ops::Bound::Excluded))
}

/// `qs[low:high]` (a QuerySet still), `qs[low:high:step]` (its rows, every step-th, as
/// Django evaluates a stepped slice), `list[low:high:step]`.
pub async fn slice(
    session: &mut Session,
    target: Val,
    low: Option<Val>,
    high: Option<Val>,
    step: Option<Val>,
) -> Result<Val, ShellError> {
    let bound = |v: Option<Val>| -> Result<Option<u64>, ShellError> {
        match v {
            None | Some(Val::Value(Value::Null)) => Ok(None),
            Some(Val::Value(Value::I64(i))) => u64::try_from(i)
                .map(Some)
                .map_err(|_| ShellError::new("ValueError", "Negative indexing is not supported.")),
            Some(other) => {
                Err(ShellError::from(format!("slice indices must be integers or None, not {}", other.type_name())))
            }
        }
    };
    let (low, high) = (bound(low)?.unwrap_or(0), bound(high)?);
    let step = match bound(step)? {
        Some(0) => return Err("slice step cannot be zero".into()),
        step => step.unwrap_or(1) as usize,
    };
    match plain(target) {
        Val::QuerySet(qs) if step == 1 => Ok(Val::QuerySet(qs.slice(bounds(low, high)))),
        Val::QuerySet(qs) => {
            let rows = qs.slice(bounds(low, high)).rows(&session.db).await.map_err(ShellError::from)?;
            Ok(Val::List(rows.into_iter().step_by(step).map(|r| Val::Instance(qs.model(), r)).collect()))
        }
        Val::List(items) => {
            let end = high.map_or(items.len(), |h| usize::try_from(h).unwrap_or(usize::MAX).min(items.len()));
            let start = usize::try_from(low).unwrap_or(usize::MAX);
            Ok(Val::List(items.into_iter().take(end).skip(start).step_by(step).collect()))
        }
        other => Err(ShellError::from(format!("'{}' cannot be sliced", other.type_name()))),
    }
}

/// `post.tags.add(t, ...)`, `.remove(t, ...)`, `.clear()`.
async fn many_method(session: &mut Session, m: ManyRelated, method: &str, args: Vec<Val>) -> Result<Val, ShellError> {
    let target = m.qs.model();
    let keys: Vec<Value> = args
        .into_iter()
        .map(|arg| match arg {
            // Django: "'Tag' instance expected, got <Author: Author object (1)>".
            Val::Instance(meta, row) if !std::ptr::eq(meta, target) => Err(ShellError::from(format!(
                "'{}' instance expected, got {}",
                target.object_name,
                super::output::repr(meta, row.names(), row.values())
            ))),
            other => convert::value(other),
        })
        .collect::<Result<_, _>>()?;
    let db = &session.db;
    let result = match method {
        "add" => djorm::relations::add_links(db, m.owner, m.field, &m.pk, &keys).await,
        "remove" => djorm::relations::remove_links(db, m.owner, m.field, &m.pk, Some(&keys)).await,
        _ if keys.is_empty() => djorm::relations::remove_links(db, m.owner, m.field, &m.pk, None).await,
        _ => return Err("clear() takes no arguments".into()),
    };
    result.map_err(ShellError::from)?;
    Ok(Val::Value(Value::Null))
}

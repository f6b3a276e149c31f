//! Attributes and methods of shell values: managers, QuerySets, objects and related managers.

use djorm::relations::reverse_by_accessor;
use djorm::{DynQuerySet, Expression, ModelMeta, OrderBy, Value, Q};

use super::convert::{self, q_from_kwargs, texts};
use super::eval::Session;
use super::value::{ManyRelated, ReverseRelated, Shape, Val, ValuesQuery};

/// The QuerySet methods, for `help` and Tab completion.
pub const QUERYSET_METHODS: &[&str] = &[
    "all",
    "filter",
    "exclude",
    "order_by",
    "reverse",
    "distinct",
    "none",
    "annotate",
    "select_related",
    "prefetch_related",
    "values",
    "values_list",
    "get",
    "first",
    "last",
    "count",
    "exists",
    "aggregate",
    "create",
    "get_or_create",
    "update",
    "delete",
];

/// `target.name`.
pub async fn attribute(session: &mut Session, target: Val, name: &str) -> Result<Val, String> {
    let target = match target {
        Val::ManyRelated(m) if !matches!(name, "add" | "remove" | "clear") => Val::QuerySet(m.qs),
        Val::ReverseRelated(r) if !matches!(name, "create" | "get_or_create") => Val::QuerySet(r.qs),
        other => other,
    };
    match target {
        target @ (Val::ManyRelated(_) | Val::ReverseRelated(_)) => Ok(Val::Method(Box::new(target), name.to_owned())),
        Val::Model(meta) if name == "objects" => Ok(Val::QuerySet(DynQuerySet::new(meta))),
        Val::Model(meta) => Err(format!("type object '{}' has no attribute '{name}'", meta.object_name)),
        Val::Instance(meta, row) => instance_attribute(session, meta, row, name).await,
        Val::Dict(row) => {
            row.get(name).cloned().map(Val::Value).ok_or_else(|| format!("no key '{name}': {}", row.names().join(", ")))
        }
        target @ (Val::QuerySet(_) | Val::Values(_)) if QUERYSET_METHODS.contains(&name) => {
            Ok(Val::Method(Box::new(target), name.to_owned()))
        }
        Val::QuerySet(_) | Val::Values(_) => {
            Err(format!("'QuerySet' object has no attribute '{name}'. Methods are: {}", QUERYSET_METHODS.join(", ")))
        }
        other => Err(format!("'{}' object has no attribute '{name}'", other.type_name())),
    }
}

async fn instance_attribute(
    session: &mut Session,
    meta: &'static ModelMeta,
    row: djorm::ValuesRow,
    name: &str,
) -> Result<Val, String> {
    if matches!(name, "save" | "delete" | "refresh_from_db") {
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
        let related = DynQuerySet::new(target).get(&session.db, Q::new(key, value)).await.map_err(|e| e.to_string())?;
        return Ok(Val::Instance(target, related));
    }
    if let Some(field) = name.strip_suffix("_id").and_then(|n| meta.field(n)).filter(|f| f.relation.is_some()) {
        return Ok(Val::Value(row.get(field.name).cloned().unwrap_or(Value::Null)));
    }
    if let Some(reverse) = reverse_by_accessor(meta, name) {
        let qs = DynQuerySet::new(reverse.model).filter(Q::new(format!("{}__pk", reverse_path(reverse)), pk.clone()));
        if let (true, Some(field)) = (reverse.is_multi(), reverse.field) {
            // The key holds the referenced field's value (the pk, unless it names a to_field).
            let referenced = field.relation.as_ref().map_or(meta.pk().name, |r| r.target_field().name);
            let value = row.get(referenced).cloned().unwrap_or(pk);
            return Ok(Val::ReverseRelated(ReverseRelated { qs, field: field.name, value }));
        }
        if reverse.is_multi() {
            return Ok(Val::QuerySet(qs));
        }
        let object = qs.get(&session.db, Q::all()).await.map_err(|e| e.to_string())?;
        return Ok(Val::Instance(reverse.model, object));
    }
    if let Some(m2m) = meta.many_to_many_field(name) {
        let target = m2m.target.get();
        let back = djorm::relations::reverse_relations(target)
            .iter()
            .find(|r| r.m2m.is_some_and(|f| std::ptr::eq(f, m2m)))
            .ok_or_else(|| format!("no reverse relation for {name}"))?;
        let qs = DynQuerySet::new(target).filter(Q::new(format!("{}__pk", back.query_name), pk.clone()));
        return Ok(Val::ManyRelated(ManyRelated { owner: meta, field: m2m.name, pk, qs }));
    }
    Err(format!(
        "'{}' object has no attribute '{name}'. Fields are: {}",
        meta.object_name,
        meta.field_names().join(", ")
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
pub fn field_value(meta: &'static ModelMeta, field: &str, v: Val) -> Result<Value, String> {
    let f = meta.field_or_error(field).map_err(|e| e.to_string())?;
    let value = convert::value(v)?;
    djorm::lower::coerce(value, f.value_kind(), f.name).map_err(|e| e.to_string())
}

fn queryset(target: &Val) -> Result<DynQuerySet, String> {
    match target {
        Val::QuerySet(qs) => Ok(qs.clone()),
        Val::Values(v) => Ok(v.qs.clone()),
        other => Err(format!("'{}' object has no QuerySet methods", other.type_name())),
    }
}

/// Keeps the `values()` shape around a changed QuerySet.
fn rewrap(target: &Val, qs: DynQuerySet) -> Val {
    match target {
        Val::Values(v) => Val::Values(ValuesQuery { qs, ..v.clone() }),
        _ => Val::QuerySet(qs),
    }
}

fn no_args(method: &str, args: &[Val], kwargs: &[(String, Val)]) -> Result<(), String> {
    if args.is_empty() && kwargs.is_empty() {
        Ok(())
    } else {
        Err(format!("{method}() takes no arguments"))
    }
}

fn filter_q(args: Vec<Val>, kwargs: Vec<(String, Val)>) -> Result<Q, String> {
    let mut q = q_from_kwargs(kwargs)?;
    for a in args {
        q = q & match a {
            Val::Q(other) => other,
            Val::Expr(e) => Q::from(e),
            other => return Err(format!("filter() takes Q objects or lookups, not {}", other.type_name())),
        };
    }
    Ok(q)
}

/// Calls `target.method(args, kwargs)`.
pub async fn call(
    session: &mut Session,
    target: Val,
    method: &str,
    args: Vec<Val>,
    kwargs: Vec<(String, Val)>,
) -> Result<Val, String> {
    if let Val::Instance(meta, row) = target {
        return instance_method(session, meta, row, method).await;
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
    let db = session.db.clone();
    let qs = queryset(&target)?;
    let e = |e: djorm::Error| e.to_string();
    Ok(match method {
        "all" => {
            no_args(method, &args, &kwargs)?;
            target
        }
        "filter" => rewrap(&target, qs.filter(filter_q(args, kwargs)?)),
        "exclude" => rewrap(&target, qs.exclude(filter_q(args, kwargs)?)),
        "order_by" => {
            let keys: Vec<OrderBy> = texts(args, "order_by")?.iter().map(|k| OrderBy::parse(k)).collect();
            rewrap(&target, qs.order_by(keys))
        }
        "reverse" => rewrap(&target, qs.reverse()),
        "distinct" => rewrap(&target, qs.distinct()),
        "none" => rewrap(&target, qs.none()),
        "select_related" => rewrap(&target, qs.select_related(texts(args, "select_related")?)),
        "prefetch_related" => rewrap(&target, qs.prefetch_related(texts(args, "prefetch_related")?)),
        "annotate" => annotate(&target, qs, args, kwargs)?,
        "values" | "values_list" => {
            let flat = kwargs.iter().any(|(k, v)| k == "flat" && matches!(v, Val::Value(Value::Bool(true))));
            if let Some((k, _)) = kwargs.iter().find(|(k, _)| k != "flat" || method == "values") {
                return Err(format!("{method}() got an unexpected keyword argument '{k}'"));
            }
            let fields = texts(args, method)?;
            if flat && fields.len() != 1 {
                return Err("'flat' is not valid when values_list is called with more than one field.".into());
            }
            let shape = match (method, flat) {
                ("values", _) => Shape::Dicts,
                (_, true) => Shape::Flat,
                _ => Shape::Tuples,
            };
            let qs = qs.values_select(fields);
            let fields = qs.query().values.clone().unwrap_or_default();
            Val::Values(ValuesQuery { qs, fields, shape })
        }
        "get" => {
            let row = qs.get(&db, filter_q(args, kwargs)?).await.map_err(e)?;
            Val::Instance(qs.model(), row)
        }
        "first" | "last" => {
            no_args(method, &args, &kwargs)?;
            let row = if method == "first" { qs.first(&db).await } else { qs.last(&db).await }.map_err(e)?;
            row.map_or(Val::Value(Value::Null), |r| Val::Instance(qs.model(), r))
        }
        "count" => {
            no_args(method, &args, &kwargs)?;
            Val::Value(Value::I64(qs.count(&db).await.map_err(e)? as i64))
        }
        "exists" => {
            no_args(method, &args, &kwargs)?;
            Val::Value(Value::Bool(qs.exists(&db).await.map_err(e)?))
        }
        "aggregate" => {
            let mut aggregates = Vec::new();
            for a in args {
                match a {
                    Val::Aggregate(agg) => {
                        aggregates.push((default_alias(&agg), agg));
                    }
                    other => return Err(format!("aggregate() takes aggregates, not {}", other.type_name())),
                }
            }
            for (name, v) in kwargs {
                match v {
                    Val::Aggregate(agg) => aggregates.push((name, agg)),
                    other => return Err(format!("{name}= must be an aggregate, not {}", other.type_name())),
                }
            }
            Val::Dict(qs.aggregate(&db, &aggregates).await.map_err(e)?)
        }
        "create" => {
            let values = kwargs_to_values(kwargs)?;
            Val::Instance(qs.model(), qs.create(&db, values).await.map_err(e)?)
        }
        "get_or_create" => {
            let mut defaults = Vec::new();
            let mut lookups = Vec::new();
            for (k, v) in kwargs {
                match (k.as_str(), v) {
                    ("defaults", Val::Dict(row)) => {
                        defaults.extend(row.iter().map(|(n, v)| (n.to_owned(), Val::Value(v.clone()))))
                    }
                    (_, v) => lookups.push((k, v)),
                }
            }
            match qs.get(&db, q_from_kwargs(lookups.clone())?).await {
                Ok(row) => Val::List(vec![Val::Instance(qs.model(), row), Val::Value(Value::Bool(false))]),
                Err(djorm::Error::DoesNotExist { .. }) => {
                    let values = kwargs_to_values(lookups.into_iter().chain(defaults).collect())?;
                    let row = qs.create(&db, values).await.map_err(e)?;
                    Val::List(vec![Val::Instance(qs.model(), row), Val::Value(Value::Bool(true))])
                }
                Err(other) => return Err(other.to_string()),
            }
        }
        "update" => {
            let mut assignments = Vec::new();
            for (k, v) in kwargs {
                let expression = match v {
                    Val::Value(value) => Expression::Value(value),
                    other => convert::expression(other)?,
                };
                assignments.push((k, expression));
            }
            if !confirm_whole_table(session, &qs, "update").await? {
                return Err("cancelled".into());
            }
            Val::Value(Value::I64(qs.update(&db, &assignments).await.map_err(e)? as i64))
        }
        "delete" => {
            no_args(method, &args, &kwargs)?;
            if !confirm_whole_table(session, &qs, "delete").await? {
                return Err("cancelled".into());
            }
            Val::Deleted(qs.delete(&db).await.map_err(e)?)
        }
        other => return Err(format!("unknown method {other}()")),
    })
}

/// Asks before an `update()` or `delete()` that reaches every row of its table: one with no
/// filter, or one whose filter (`exclude(pk=None)`, `pk__gte=0`) happens to match them all.
async fn confirm_whole_table(session: &mut Session, qs: &DynQuerySet, verb: &str) -> Result<bool, String> {
    let model = qs.model();
    let e = |e: djorm::Error| e.to_string();
    if !qs.query().filters.is_empty() {
        let total = DynQuerySet::new(model).count(&session.db).await.map_err(e)?;
        let matched = qs.count(&session.db).await.map_err(e)?;
        if total == 0 || matched < total {
            return Ok(true);
        }
    }
    Ok((session.confirm)(&format!("{verb} every {} row", model.object_name)))
}

fn kwargs_to_values(kwargs: Vec<(String, Val)>) -> Result<Vec<(String, Value)>, String> {
    kwargs
        .into_iter()
        .map(|(k, v)| {
            let value = match v {
                Val::Instance(target, row) => row.get(target.pk().name).cloned().unwrap_or(Value::Null),
                other => convert::value(other)?,
            };
            Ok((k, value))
        })
        .collect()
}

/// Django's name for an unnamed aggregate: `views__avg`.
fn default_alias(agg: &djorm::Aggregate) -> String {
    format!("{}__{}", agg.path, format!("{:?}", agg.func).to_lowercase())
}

fn annotate(target: &Val, qs: DynQuerySet, args: Vec<Val>, kwargs: Vec<(String, Val)>) -> Result<Val, String> {
    // After values(), the engine groups an aggregate by the values() fields and adds the
    // annotation to each row, as Django does.
    let mut qs = qs;
    for a in args {
        match a {
            Val::Aggregate(agg) => {
                let name = default_alias(&agg);
                qs = qs.annotate(&name, agg);
            }
            other => return Err(format!("annotate() without a name takes aggregates, not {}", other.type_name())),
        }
    }
    for (name, v) in kwargs {
        qs = qs.annotate(&name, convert::expression(v)?);
    }
    Ok(match target {
        Val::Values(v) => {
            let fields = qs.query().values.clone().unwrap_or_default();
            Val::Values(ValuesQuery { qs, fields, shape: v.shape })
        }
        other => rewrap(other, qs),
    })
}

async fn instance_method(
    session: &mut Session,
    meta: &'static ModelMeta,
    row: djorm::ValuesRow,
    method: &str,
) -> Result<Val, String> {
    let db = session.db.clone();
    let qs = DynQuerySet::new(meta);
    let pk = row.get(meta.pk().name).cloned().unwrap_or(Value::Null);
    let e = |e: djorm::Error| e.to_string();
    match method {
        "save" => {
            qs.save(&db, &row).await.map_err(e)?;
            Ok(Val::Value(Value::Null))
        }
        "refresh_from_db" => Ok(Val::Instance(meta, qs.get(&db, Q::new("pk", pk)).await.map_err(e)?)),
        "delete" => Ok(Val::Deleted(qs.filter(Q::new("pk", pk)).delete(&db).await.map_err(e)?)),
        other => Err(format!("'{}' object has no method {other}()", meta.object_name)),
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
pub async fn index(session: &mut Session, target: Val, index: Val) -> Result<Val, String> {
    match (plain(target), index) {
        (Val::QuerySet(qs), Val::Value(Value::I64(i))) => {
            let i = u64::try_from(i).map_err(|_| "Negative indexing is not supported.".to_owned())?;
            let mut rows = qs.slice(i..i.saturating_add(1)).rows(&session.db).await.map_err(|e| e.to_string())?;
            match rows.pop() {
                Some(row) => Ok(Val::Instance(qs.model(), row)),
                None => Err("list index out of range".into()),
            }
        }
        (Val::List(items), Val::Value(Value::I64(i))) => {
            let len = items.len() as i64;
            let at = if i < 0 { len + i } else { i };
            usize::try_from(at)
                .ok()
                .and_then(|at| items.into_iter().nth(at))
                .ok_or_else(|| "list index out of range".into())
        }
        (Val::Dict(row), Val::Value(Value::String(key))) => {
            row.get(&key).cloned().map(Val::Value).ok_or_else(|| format!("KeyError: '{key}'"))
        }
        (target, index) => Err(format!("'{}' cannot be indexed by {}", target.type_name(), index.type_name())),
    }
}

/// `qs[low:high]`.
/// `[low:high]` as range bounds.
fn bounds(low: u64, high: Option<u64>) -> (std::ops::Bound<u64>, std::ops::Bound<u64>) {
    (std::ops::Bound::Included(low), high.map_or(std::ops::Bound::Unbounded, std::ops::Bound::Excluded))
}

pub fn slice(target: Val, low: Option<Val>, high: Option<Val>) -> Result<Val, String> {
    let bound = |v: Option<Val>| -> Result<Option<u64>, String> {
        match v {
            None => Ok(None),
            Some(Val::Value(Value::I64(i))) => {
                u64::try_from(i).map(Some).map_err(|_| "Negative indexing is not supported.".to_owned())
            }
            Some(other) => Err(format!("slice bounds must be integers, not {}", other.type_name())),
        }
    };
    let (low, high) = (bound(low)?.unwrap_or(0), bound(high)?);
    match plain(target) {
        Val::QuerySet(qs) => Ok(Val::QuerySet(qs.slice(bounds(low, high)))),
        Val::Values(v) => Ok(Val::Values(ValuesQuery { qs: v.qs.slice(bounds(low, high)), ..v })),
        Val::List(items) => {
            let end = high.map_or(items.len(), |h| (h as usize).min(items.len()));
            Ok(Val::List(items.into_iter().take(end).skip(low as usize).collect()))
        }
        other => Err(format!("'{}' cannot be sliced", other.type_name())),
    }
}

/// `post.tags.add(t, ...)`, `.remove(t, ...)`, `.clear()`.
async fn many_method(session: &mut Session, m: ManyRelated, method: &str, args: Vec<Val>) -> Result<Val, String> {
    let target = m.qs.model();
    let keys: Vec<Value> = args
        .into_iter()
        .map(|arg| match arg {
            // Django: "'Tag' instance expected, got <Author: Author object (1)>".
            Val::Instance(meta, row) if !std::ptr::eq(meta, target) => Err(format!(
                "'{}' instance expected, got {}",
                target.object_name,
                super::output::repr(meta, row.names(), row.values())
            )),
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
    result.map_err(|e| e.to_string())?;
    Ok(Val::Value(Value::Null))
}

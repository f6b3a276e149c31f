//! Compile once per query shape: a model read whose SQL depends only on its shape
//! (`lower/shape.rs`) is lowered and written once per shape, dialect and time zone; later
//! reads of that shape share its SQL and bind their own values in the places the first one
//! found. A repeated `get(pk=…)` or `filter(...)[:10]` skips resolving, lowering and writing.
//!
//! Where each value lands is not assumed, it is observed: the first read of a shape is lowered
//! twice, once as given and once with every value replaced by a marker of the same kind that
//! no rewriting leaves alone (text with wildcards, escapes, quotes, spaces and both cases;
//! numbers, dates and keys no one uses). The shape is kept only when both give the same SQL
//! and every parameter is a value passed through unchanged (an integer may be widened to 64
//! bits), or a constant both agree on. A value that is escaped, wrapped in `%`, turned into
//! bounds or parsed from text makes its shape one that is lowered every time (remembered, so it
//! costs one lowering, not three).

use std::collections::HashMap;
use std::sync::{Arc, OnceLock, RwLock};

use djorm_sql::{Compiled, Dialect, Value, ValueKind};
use smallvec::SmallVec;

use crate::db::Statement;

use crate::lower::shape;
use crate::lower::{Columns, Lowerer, RelatedNode};
use crate::{Query, Result};

/// How many shapes are remembered; past it the cache starts again (a program has a bounded set
/// of query shapes, so this only trims programs that build shapes from unbounded input).
const CAPACITY: usize = 4096;

/// What a model read needs besides its SQL: how to decode each column and the select_related
/// objects after the model's own columns.
#[derive(Debug)]
pub(crate) struct ReadPlan {
    /// One decode hint per column.
    pub kinds: Vec<ValueKind>,
    /// select_related objects, in column order.
    pub related: Vec<RelatedNode>,
}

/// A shape's SQL, where its parameters come from, and its read plan.
#[derive(Debug)]
struct Template {
    sql: Arc<str>,
    params: Vec<Param>,
    /// The parameters are the slots, each once, in walk order (the common case: they are
    /// copied straight from the query).
    in_order: bool,
    plan: Arc<ReadPlan>,
}

/// Where one parameter of a template comes from.
#[derive(Debug, Clone, PartialEq)]
enum Param {
    /// The slot's value as it is.
    Slot(usize),
    /// The slot's integer as a 64-bit one (how lowering binds a smaller integer).
    Widened(usize),
    /// The same value whatever the slots hold (a boolean or NULL the shape fixes).
    Fixed(Value),
}

/// A model read ready to run: its SQL (shared with its shape's template, so a read copies no
/// text), its parameters (held inline up to four, so a `get(pk=…)` allocates none for them)
/// and its read plan.
pub(crate) struct ModelRead {
    sql: Sql,
    params: SmallVec<[Value; 4]>,
    pub plan: Arc<ReadPlan>,
}

/// A read's SQL: its template's, or written for it alone.
enum Sql {
    Shared(Arc<str>),
    Own(String),
}

impl ModelRead {
    /// The statement to run.
    pub fn statement(&self) -> Statement<'_> {
        let sql = match &self.sql {
            Sql::Shared(sql) => sql,
            Sql::Own(sql) => sql.as_str(),
        };
        Statement { sql, params: &self.params }
    }

    fn lowered((compiled, plan): (Compiled, Arc<ReadPlan>)) -> Self {
        ModelRead { sql: Sql::Own(compiled.sql), params: SmallVec::from_vec(compiled.params), plan }
    }
}

type Cache = HashMap<Box<[u8]>, Option<Arc<Template>>, foldhash::fast::FixedState>;

thread_local! {
    /// The buffer each read's shape is written into, kept per thread so a read allocates none.
    static KEY: std::cell::Cell<Vec<u8>> = const { std::cell::Cell::new(Vec::new()) };
}

fn cache() -> &'static RwLock<Cache> {
    static CACHE: OnceLock<RwLock<Cache>> = OnceLock::new();
    CACHE.get_or_init(|| RwLock::new(Cache::default()))
}

/// The SQL and read plan of `query` read as model rows on `dialect`, from its shape's template
/// when it has one; `None` when the query matches nothing and runs no statement.
pub(crate) fn model_select(query: &Query, dialect: &dyn Dialect) -> Result<Option<ModelRead>> {
    let zone = crate::timezone::current();
    let mut key = KEY.take();
    let selected = match shape::model_read(query, &[dialect.name(), zone.name()], &mut key) {
        Some(()) => select_by_shape(query, dialect, &key),
        None => Ok(lower_now(query, dialect)?.map(ModelRead::lowered)),
    };
    KEY.set(key);
    selected
}

/// The read of `query`, whose shape is `key`: bound into its template, lowered afresh when
/// the shape has none, learnt on the shape's first read.
fn select_by_shape(query: &Query, dialect: &dyn Dialect, key: &[u8]) -> Result<Option<ModelRead>> {
    let known = cache().read().unwrap_or_else(|p| p.into_inner()).get(key).cloned();
    match known {
        Some(Some(template)) => Ok(Some(bind(&template, query))),
        Some(None) => Ok(lower_now(query, dialect)?.map(ModelRead::lowered)),
        None => {
            let Some((compiled, plan)) = lower_now(query, dialect)? else {
                return Ok(None);
            };
            let template = learn(query, dialect, &shape::slots(query), &compiled, &plan).map(Arc::new);
            let mut cache = cache().write().unwrap_or_else(|p| p.into_inner());
            if cache.len() >= CAPACITY {
                cache.clear();
            }
            cache.insert(key.into(), template);
            Ok(Some(ModelRead::lowered((compiled, plan))))
        }
    }
}

/// The SQL a model read of `query` sends on `dialect` (what `all()`, `get()` and `first()`
/// run): written from its shape's template when an earlier read learnt one, lowered otherwise
/// (and its template learnt); `None` when the query matches nothing and sends no statement.
/// It always equals what lowering `query` afresh writes; the template only saves the work.
pub fn model_read_sql(query: &Query, dialect: &dyn Dialect) -> Result<Option<Compiled>> {
    Ok(model_select(query, dialect)?.map(|read| {
        let statement = read.statement();
        Compiled { sql: statement.sql.to_owned(), params: statement.params.to_vec() }
    }))
}

/// Lowers and writes `query` as every read did before templates.
fn lower_now(query: &Query, dialect: &dyn Dialect) -> Result<Option<(Compiled, Arc<ReadPlan>)>> {
    let Some(lowered) = Lowerer::new(query.model).select(query, &Columns::Model)? else {
        return Ok(None);
    };
    let compiled = dialect.compile_select(&lowered.select);
    Ok(Some((compiled, Arc::new(ReadPlan { kinds: lowered.kinds, related: lowered.related }))))
}

/// The template of `shape`, whose query lowered to `compiled`, or `None` when its SQL or
/// parameters depend on its values in a way a template cannot repeat.
fn learn(
    query: &Query,
    dialect: &dyn Dialect,
    slots: &[&Value],
    compiled: &Compiled,
    plan: &Arc<ReadPlan>,
) -> Option<Template> {
    let markers: Vec<Value> = slots.iter().enumerate().map(|(i, v)| marker(i, v)).collect::<Option<_>>()?;
    let mut marked = query.clone();
    let mut next = markers.iter();
    shape::slots_mut(&mut marked, &mut |v| {
        if let Some(m) = next.next() {
            *v = m.clone();
        }
    });
    let (marked_sql, _) = lower_now(&marked, dialect).ok()??;
    if marked_sql.sql != compiled.sql || marked_sql.params.len() != compiled.params.len() {
        return None;
    }
    let mut params = Vec::with_capacity(compiled.params.len());
    for (seen, real) in marked_sql.params.iter().zip(&compiled.params) {
        let from_marker = markers.iter().position(|m| is_marker(m) && m == seen).map(Param::Slot).or_else(|| {
            let wide = seen.as_i64().filter(|_| matches!(seen, Value::I64(_)))?;
            markers
                .iter()
                .position(|m| matches!(m, Value::I16(_) | Value::I32(_)) && m.as_i64() == Some(wide))
                .map(Param::Widened)
        });
        let param = match from_marker {
            Some(p) => p,
            None if seen == real && !markers.iter().any(|m| is_marker(m) && m == seen) => Param::Fixed(real.clone()),
            None => return None,
        };
        // The real query must get from its own values what it actually bound.
        if resolve(&param, slots) != *real {
            return None;
        }
        params.push(param);
    }
    let in_order = params.len() == slots.len() && params.iter().enumerate().all(|(i, p)| *p == Param::Slot(i));
    Some(Template { sql: compiled.sql.as_str().into(), params, in_order, plan: Arc::clone(plan) })
}

/// `template` with `query`'s values bound.
fn bind(template: &Template, query: &Query) -> ModelRead {
    let params = if template.in_order {
        let mut params = SmallVec::with_capacity(template.params.len());
        shape::for_each_slot(query, &mut |v| params.push(v.clone()));
        params
    } else {
        let slots = shape::slots(query);
        template.params.iter().map(|p| resolve(p, &slots)).collect()
    };
    ModelRead { sql: Sql::Shared(Arc::clone(&template.sql)), params, plan: Arc::clone(&template.plan) }
}

fn resolve(param: &Param, slots: &[&Value]) -> Value {
    match param {
        Param::Slot(i) => slots[*i].clone(),
        Param::Widened(i) => slots[*i].as_i64().map_or(Value::Null, Value::I64),
        Param::Fixed(v) => v.clone(),
    }
}

/// Whether `m` is a marker that stands for one slot alone (booleans and NULL are part of the
/// shape and stand for themselves).
fn is_marker(m: &Value) -> bool {
    !matches!(m, Value::Null | Value::Bool(_))
}

/// A value of `like`'s kind that stands for slot `i`: one no lowering leaves as it is unless it
/// passes values through, and no program compares with. An integer that could be a year gets
/// a marker that could be one too (its shape says so); there are 8,000 of those, and a query
/// with more such slots gets no template.
fn marker(i: usize, like: &Value) -> Option<Value> {
    use chrono::{NaiveDate, NaiveTime, TimeDelta};
    let n = i as i64;
    let text = || format!(" \u{1}Djorm%_\\[*?]'\"Slot {i} ");
    let day = NaiveDate::from_ymd_opt(1001, 2, 3).unwrap_or_default() + TimeDelta::days(n);
    let time = NaiveTime::from_hms_micro_opt(1, 2, 3, 456_789).unwrap_or_default();
    if shape::could_be_a_year(like) {
        let year = 1000 + i16::try_from(i).ok().filter(|i| *i < 8000)?;
        return Some(match like {
            Value::I16(_) => Value::I16(year),
            Value::I32(_) => Value::I32(year.into()),
            _ => Value::I64(year.into()),
        });
    }
    Some(match like {
        Value::Null | Value::Bool(_) => like.clone(),
        Value::I16(_) => Value::I16(-32_000 + i as i16),
        Value::I32(_) => Value::I32(-2_000_000_000 + n as i32),
        Value::I64(_) => Value::I64(-7_000_000_000_000_000_000 + n),
        Value::F64(_) => Value::F64(-1.234_567e300 - n as f64 * 1e290),
        Value::Decimal(_) => Value::Decimal(rust_decimal::Decimal::new(-987_654_321_987 - n, 7)),
        Value::String(_) => Value::String(text()),
        Value::Bytes(_) => Value::Bytes(text().into_bytes()),
        Value::Uuid(_) => Value::Uuid(uuid::Uuid::from_u128(0xd07a_5107_0000_0000_0000_0000_0000 + i as u128)),
        Value::Date(_) => Value::Date(day),
        Value::Time(_) => Value::Time(time + TimeDelta::microseconds(n)),
        Value::DateTime(_) => Value::DateTime(day.and_time(time).and_utc() + TimeDelta::microseconds(n)),
        Value::Duration(_) => Value::Duration(TimeDelta::microseconds(-987_654_321_012 - n)),
        Value::Json(_) => Value::Json(serde_json::Value::String(text())),
        Value::Array(_) => Value::Array(Vec::new()),
    })
}

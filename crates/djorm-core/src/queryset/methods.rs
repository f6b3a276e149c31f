//! The QuerySet's methods by Django's name, for front ends that call them with Python-like
//! arguments (the shell, tools): one table, next to the engine, so a method added to the
//! QuerySet is added here once and works in every front end that reads the table.

use futures_util::future::BoxFuture;

use djorm_sql::{TruncUnit, Value};

use super::{Deleted, DynQuerySet, RowShape, ValuesRow};
use crate::{Aggregate, Db, Error, Expression, OrderBy, Result, Rhs, Q};

/// One argument, as a dynamic front end passes it.
#[derive(Debug, Clone)]
pub enum MethodArg {
    /// A literal: text, a number, a date, `True`, `None` (a model object passes its key).
    Value(Value),
    /// A list or tuple.
    List(Vec<MethodArg>),
    /// A dictionary (`defaults={...}`), or an unsaved object's fields for `bulk_create`.
    Dict(Vec<(String, MethodArg)>),
    /// A condition (`Q(...)`).
    Q(Q),
    /// A database expression (`F("views") + 1`, `Lower("name")`).
    Expression(Expression),
    /// An aggregate (`Count("posts")`).
    Aggregate(Aggregate),
    /// An ordering (`F("views").desc(nulls_last=True)`).
    OrderBy(OrderBy),
    /// Another QuerySet (for `union()`, or a subquery on the right of a lookup).
    QuerySet(Box<DynQuerySet>),
    /// A `Prefetch(lookup, queryset=..., to_attr=...)`.
    Prefetch(Box<crate::Prefetch>),
}

impl MethodArg {
    fn kind(&self) -> &'static str {
        match self {
            MethodArg::Value(Value::String(_)) => "str",
            MethodArg::Value(_) => "value",
            MethodArg::List(_) => "list",
            MethodArg::Dict(_) => "dict",
            MethodArg::Q(_) => "Q",
            MethodArg::Expression(_) => "expression",
            MethodArg::Aggregate(_) => "aggregate",
            MethodArg::OrderBy(_) => "ordering",
            MethodArg::QuerySet(_) => "QuerySet",
            MethodArg::Prefetch(_) => "Prefetch",
        }
    }

    /// The argument as a plain value (a literal).
    pub fn into_value(self) -> Result<Value> {
        match self {
            MethodArg::Value(v) => Ok(v),
            other => Err(type_error(format!("expected a value, got {}", other.kind()))),
        }
    }

    /// The argument as a database expression: a string names a field, as in Django's
    /// functions (`Lower("name")`); other literals are values.
    pub fn into_expression(self) -> Result<Expression> {
        match self {
            MethodArg::Expression(e) => Ok(e),
            MethodArg::Aggregate(a) => Ok(a.into()),
            MethodArg::Value(Value::String(s)) => Ok(Expression::Field(s)),
            MethodArg::Value(v) => Ok(Expression::Value(v)),
            other => Err(type_error(format!("expected an expression, got {}", other.kind()))),
        }
    }

    /// The right-hand side of the lookup `path`: a value, a list (two bounds for `range`),
    /// a QuerySet (as a subquery of its key, or of its one `values()` field) or an expression.
    pub fn into_rhs(self, path: &str) -> Result<Rhs> {
        // An unsaved object (its fields, no key) would match NULL keys: Django's guard.
        let unsaved = || Error::InvalidValue("Model instances passed to related filters must be saved.".into());
        Ok(match self {
            MethodArg::List(items) => {
                let values: Vec<Value> = items
                    .into_iter()
                    .map(|item| match item {
                        MethodArg::Dict(_) => Err(unsaved()),
                        item => item.into_value(),
                    })
                    .collect::<Result<_>>()?;
                match (path.ends_with("__range"), <[Value; 2]>::try_from(values)) {
                    (true, Ok([a, b])) => Rhs::Range(a, b),
                    (true, Err(_)) => return Err(type_error(format!("{path} takes a list of two bounds"))),
                    (false, Ok(pair)) => Rhs::List(pair.to_vec()),
                    (false, Err(values)) => Rhs::List(values),
                }
            }
            MethodArg::QuerySet(qs) => {
                let field = match qs.value_fields() {
                    [one] => one.clone(),
                    [] => "pk".to_owned(),
                    _ => return Err(type_error("a subquery returns one column: use values() with one field".into())),
                };
                Rhs::Expr(Expression::Subquery { query: Box::new(qs.query.clone()), field })
            }
            MethodArg::Expression(e) => Rhs::Expr(e),
            MethodArg::Aggregate(a) => Rhs::Expr(a.into()),
            MethodArg::Value(v) => Rhs::Value(v),
            MethodArg::Dict(_) => return Err(unsaved()),
            other => return Err(type_error(format!("{path} cannot compare with a {}", other.kind()))),
        })
    }
}

/// Django's `TypeError` for a call with the wrong arguments.
fn type_error(message: String) -> Error {
    Error::InvalidQuery(message)
}

/// The arguments of one call: positional, then keyword, as Python passes them.
#[derive(Debug, Clone, Default)]
pub struct Args {
    method: &'static str,
    positional: std::collections::VecDeque<MethodArg>,
    keyword: Vec<(String, MethodArg)>,
}

impl Args {
    /// The arguments of a call.
    pub fn new(positional: Vec<MethodArg>, keyword: Vec<(String, MethodArg)>) -> Self {
        Args { method: "", positional: positional.into(), keyword }
    }

    /// The same arguments, for the method `name` (named in the errors about them).
    pub fn called(mut self, name: &'static str) -> Self {
        self.method = name;
        self
    }

    /// The name of the method these arguments were passed to.
    pub fn method(&self) -> &'static str {
        self.method
    }

    /// The parameter `name`, bound as Python binds it: the next positional argument, or else
    /// the keyword argument of that name.
    pub fn parameter(&mut self, name: &str) -> Option<MethodArg> {
        self.positional.pop_front().or_else(|| self.keyword(name))
    }

    /// The required text parameter `name` (Django's `TypeError` when it is missing or not text).
    pub fn text_parameter(&mut self, name: &str) -> Result<String> {
        match self.parameter(name) {
            Some(MethodArg::Value(Value::String(s))) => Ok(s),
            Some(other) => {
                Err(type_error(format!("{}() expects {name} as a string, got {}", self.method, other.kind())))
            }
            None => Err(type_error(format!("{}() missing 1 required positional argument: '{name}'", self.method))),
        }
    }

    /// The optional parameter `name` as a value (`None` when absent or `None`).
    pub fn value_parameter(&mut self, name: &str) -> Result<Option<Value>> {
        match self.parameter(name) {
            None | Some(MethodArg::Value(Value::Null)) => Ok(None),
            Some(arg) => arg.into_value().map(Some),
        }
    }

    /// The remaining keyword arguments as field values (`create_user(..., first_name="Ada")`).
    pub fn rest_as_field_values(&mut self) -> Result<Vec<(String, Value)>> {
        self.field_values()
    }

    /// Fails with Django's `TypeError` when an argument was not used.
    pub fn finish(self) -> Result<()> {
        self.done()
    }

    fn keyword(&mut self, name: &str) -> Option<MethodArg> {
        let i = self.keyword.iter().position(|(k, _)| k == name)?;
        Some(self.keyword.remove(i).1)
    }

    fn flag(&mut self, name: &str) -> Result<bool> {
        match self.keyword(name) {
            None => Ok(false),
            Some(MethodArg::Value(Value::Bool(b))) => Ok(b),
            Some(other) => {
                Err(type_error(format!("{}() {name}= takes True or False, not {}", self.method, other.kind())))
            }
        }
    }

    fn text(&mut self, what: &str) -> Result<String> {
        match self.positional.pop_front() {
            Some(MethodArg::Value(Value::String(s))) => Ok(s),
            Some(other) => {
                Err(type_error(format!("{}() expects {what} as a string, got {}", self.method, other.kind())))
            }
            None => Err(type_error(format!("{}() missing required argument: '{what}'", self.method))),
        }
    }

    fn texts(&mut self) -> Result<Vec<String>> {
        std::mem::take(&mut self.positional)
            .into_iter()
            .map(|a| match a {
                MethodArg::Value(Value::String(s)) => Ok(s),
                other => Err(type_error(format!("{}() expects field names, got {}", self.method, other.kind()))),
            })
            .collect()
    }

    /// Every remaining argument must be used: Django's `TypeError` otherwise.
    fn done(self) -> Result<()> {
        if let Some((name, _)) = self.keyword.first() {
            return Err(type_error(format!("{}() got an unexpected keyword argument '{name}'", self.method)));
        }
        if !self.positional.is_empty() {
            return Err(type_error(format!(
                "{}() got {} positional argument(s) it does not take",
                self.method,
                self.positional.len()
            )));
        }
        Ok(())
    }

    /// Positional Q objects and keyword lookups, ANDed (`filter(Q(...), name="x")`).
    fn conditions(&mut self) -> Result<Q> {
        let mut q = Q::all();
        for arg in std::mem::take(&mut self.positional) {
            match arg {
                MethodArg::Q(other) => q = q & other,
                MethodArg::Expression(e) => q = q & Q::from(e),
                other => {
                    return Err(type_error(format!(
                        "{}() takes Q objects or lookups, not {}",
                        self.method,
                        other.kind()
                    )))
                }
            }
        }
        for (path, arg) in std::mem::take(&mut self.keyword) {
            let rhs = arg.into_rhs(&path)?;
            q = q & Q::new(path, rhs);
        }
        Ok(q)
    }

    /// The remaining keywords as field values (`create(title="x")`).
    fn field_values(&mut self) -> Result<Vec<(String, Value)>> {
        std::mem::take(&mut self.keyword)
            .into_iter()
            .map(|(k, v)| match v {
                // An unsaved object (its fields, no key) as a field's value: Django's guard.
                MethodArg::Dict(_) => Err(Error::InvalidValue(format!(
                    "save() prohibited to prevent data loss due to unsaved related object '{k}'."
                ))),
                v => Ok((k, v.into_value()?)),
            })
            .collect()
    }

    /// A `defaults={...}` dictionary.
    fn dict(&mut self, name: &str) -> Result<Option<Vec<(String, Value)>>> {
        match self.keyword(name) {
            None | Some(MethodArg::Value(Value::Null)) => Ok(None),
            Some(MethodArg::Dict(pairs)) => {
                Ok(Some(pairs.into_iter().map(|(k, v)| Ok((k, v.into_value()?))).collect::<Result<_>>()?))
            }
            Some(other) => Err(type_error(format!("{}() {name}= takes a dict, not {}", self.method, other.kind()))),
        }
    }

    fn querysets(&mut self) -> Result<Vec<DynQuerySet>> {
        std::mem::take(&mut self.positional)
            .into_iter()
            .map(|a| match a {
                MethodArg::QuerySet(qs) => Ok(*qs),
                other => Err(type_error(format!("{}() takes QuerySets, not {}", self.method, other.kind()))),
            })
            .collect()
    }
}

/// What a method gives back.
#[derive(Debug)]
pub enum MethodOutput {
    /// A new QuerySet (every chain method; shown by evaluating it).
    QuerySet(Box<DynQuerySet>),
    /// One row (`get`, `earliest`, `create`).
    Row(ValuesRow),
    /// One row or none (`first`, `last`).
    MaybeRow(Option<ValuesRow>),
    /// A row and whether it was created (`get_or_create`, `update_or_create`).
    Created(ValuesRow, bool),
    /// Rows (`bulk_create`, `raw`, `iterator`).
    Rows(Vec<ValuesRow>),
    /// Rows by key (`in_bulk`).
    Keyed(Vec<(Value, ValuesRow)>),
    /// A number (`count`, `update`).
    Number(u64),
    /// True or false (`exists`, `contains`).
    Bool(bool),
    /// Text (`explain`).
    Text(String),
    /// Named summary values (`aggregate`).
    Summary(ValuesRow),
    /// What `delete()` deleted.
    Deleted(Deleted),
    /// Dates or instants (`dates`, `datetimes`).
    Values(Vec<Value>),
}

type Chain = fn(&DynQuerySet, &mut Args) -> Result<DynQuerySet>;
type Terminal = for<'a> fn(&'a DynQuerySet, &'a Db, Args) -> BoxFuture<'a, Result<MethodOutput>>;

#[derive(Clone, Copy)]
enum Run {
    Chain(Chain),
    Terminal(Terminal),
}

/// One QuerySet method by Django's name.
#[derive(Clone, Copy)]
pub struct Method {
    /// Django's name (`filter`).
    pub name: &'static str,
    /// Its arguments, as Django documents them (for help).
    pub signature: &'static str,
    /// True for `update()` and `delete()`, which change every row they match (the shell asks
    /// before one reaches a whole table).
    pub writes_every_match: bool,
    run: Run,
}

impl std::fmt::Debug for Method {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}{}", self.name, self.signature)
    }
}

impl Method {
    /// True for a chain method (it returns a QuerySet and runs nothing).
    pub fn is_chain(&self) -> bool {
        matches!(self.run, Run::Chain(_))
    }

    /// Calls the method on `qs`; chain methods never touch `db`.
    pub async fn call(&self, qs: &DynQuerySet, db: &Db, mut args: Args) -> Result<MethodOutput> {
        args.method = self.name;
        match self.run {
            Run::Chain(chain) => {
                let next = chain(qs, &mut args)?;
                args.done()?;
                Ok(MethodOutput::QuerySet(Box::new(next)))
            }
            Run::Terminal(terminal) => terminal(qs, db, args).await,
        }
    }

    /// Calls a chain method without a database; `None` for a terminal method.
    pub fn chain(&self, qs: &DynQuerySet, mut args: Args) -> Option<Result<DynQuerySet>> {
        args.method = self.name;
        match self.run {
            Run::Chain(chain) => Some(chain(qs, &mut args).and_then(|next| args.done().map(|()| next))),
            Run::Terminal(_) => None,
        }
    }
}

/// The method called `name`.
pub fn method(name: &str) -> Option<&'static Method> {
    METHODS.iter().find(|m| m.name == name)
}

/// Every method, for help and completion.
pub fn methods() -> &'static [Method] {
    METHODS
}

macro_rules! chain {
    ($name:literal, $signature:literal, |$qs:ident, $args:ident| $body:expr) => {
        Method {
            name: $name,
            signature: $signature,
            writes_every_match: false,
            run: Run::Chain(|$qs: &DynQuerySet, $args: &mut Args| -> Result<DynQuerySet> { $body }),
        }
    };
}

macro_rules! terminal {
    ($name:literal, $signature:literal, $writes:literal, $function:path) => {
        Method { name: $name, signature: $signature, writes_every_match: $writes, run: Run::Terminal($function) }
    };
}

/// Declares a terminal method's function: the arguments are checked before the query runs.
macro_rules! run {
    ($(fn $name:ident($qs:ident, $db:ident, $args:ident) $body:block)*) => {$(
        #[allow(unused_mut)]
        fn $name<'a>($qs: &'a DynQuerySet, $db: &'a Db, mut $args: Args) -> BoxFuture<'a, Result<MethodOutput>> {
            Box::pin(async move { $body })
        }
    )*};
}

fn annotate(qs: &DynQuerySet, args: &mut Args, selected: bool) -> Result<DynQuerySet> {
    let mut next = qs.clone();
    for arg in std::mem::take(&mut args.positional) {
        match arg {
            MethodArg::Aggregate(agg) if selected => {
                let name = agg.default_alias()?;
                next = next.annotate(&name, agg);
            }
            other => {
                return Err(type_error(format!(
                    "{}() without a name takes aggregates, not {}",
                    args.method,
                    other.kind()
                )))
            }
        }
    }
    for (name, arg) in std::mem::take(&mut args.keyword) {
        let expression = arg.into_expression()?;
        next = if selected { next.annotate(&name, expression) } else { next.alias(&name, expression) };
    }
    Ok(next)
}

fn values(qs: &DynQuerySet, args: &mut Args, shape: RowShape) -> Result<DynQuerySet> {
    let mut fields = args.texts()?;
    let mut next = qs.clone();
    // values(lower=Lower("name")): annotate, then select the name.
    if shape == RowShape::Dicts {
        for (name, arg) in std::mem::take(&mut args.keyword) {
            next = next.annotate(&name, arg.into_expression()?);
            fields.push(name);
        }
    }
    Ok(next.values_as(fields, shape))
}

fn order_keys(args: &mut Args) -> Result<Vec<OrderBy>> {
    std::mem::take(&mut args.positional)
        .into_iter()
        .map(|a| match a {
            MethodArg::Value(Value::String(s)) => Ok(OrderBy::parse(&s)),
            MethodArg::OrderBy(o) => Ok(o),
            MethodArg::Expression(Expression::Field(f)) => Ok(OrderBy::parse(&f)),
            MethodArg::Expression(e) => Ok(OrderBy::expression(e, false)),
            MethodArg::Aggregate(a) => Ok(OrderBy::expression(a, false)),
            other => Err(type_error(format!("order_by() takes field names or orderings, not {}", other.kind()))),
        })
        .collect()
}

fn unit(kind: &str, dates_only: bool) -> Result<TruncUnit> {
    Ok(match kind {
        "year" => TruncUnit::Year,
        "quarter" => TruncUnit::Quarter,
        "month" => TruncUnit::Month,
        "week" => TruncUnit::Week,
        "day" => TruncUnit::Day,
        "hour" if !dates_only => TruncUnit::Hour,
        "minute" if !dates_only => TruncUnit::Minute,
        "second" if !dates_only => TruncUnit::Second,
        _ if dates_only => {
            return Err(Error::InvalidValue("'kind' must be one of 'year', 'month', 'week', or 'day'.".into()));
        }
        _ => {
            return Err(Error::InvalidValue(
                "'kind' must be one of 'year', 'month', 'week', 'day', 'hour', 'minute', or 'second'.".into(),
            ));
        }
    })
}

fn descending(args: &mut Args) -> Result<bool> {
    match args.keyword("order") {
        None => Ok(false),
        Some(MethodArg::Value(Value::String(s))) if s == "ASC" => Ok(false),
        Some(MethodArg::Value(Value::String(s))) if s == "DESC" => Ok(true),
        Some(_) => Err(type_error("'order' must be either 'ASC' or 'DESC'.".into())),
    }
}

run! {
    fn get(qs, db, args) {
        let q = args.conditions()?;
        args.done()?;
        Ok(MethodOutput::Row(qs.get(db, q).await?))
    }
    fn first(qs, db, args) {
        args.done()?;
        Ok(MethodOutput::MaybeRow(qs.first(db).await?))
    }
    fn last(qs, db, args) {
        args.done()?;
        Ok(MethodOutput::MaybeRow(qs.last(db).await?))
    }
    fn earliest(qs, db, args) {
        let fields = args.texts()?;
        args.done()?;
        Ok(MethodOutput::Row(qs.earliest(db, &fields).await?))
    }
    fn latest(qs, db, args) {
        let fields = args.texts()?;
        args.done()?;
        Ok(MethodOutput::Row(qs.latest(db, &fields).await?))
    }
    fn count(qs, db, args) {
        args.done()?;
        Ok(MethodOutput::Number(qs.count(db).await?))
    }
    fn exists(qs, db, args) {
        args.done()?;
        Ok(MethodOutput::Bool(qs.exists(db).await?))
    }
    fn contains(qs, db, args) {
        let pk = match args.positional.pop_front() {
            Some(MethodArg::Value(v)) if !v.is_null() => v,
            _ => return Err(type_error("contains() takes a saved object".into())),
        };
        args.done()?;
        Ok(MethodOutput::Bool(qs.filter(Q::new("pk", pk)).exists(db).await?))
    }
    fn aggregate(qs, db, args) {
        let mut aggregates: Vec<(String, Aggregate)> = Vec::new();
        for arg in std::mem::take(&mut args.positional) {
            match arg {
                MethodArg::Aggregate(agg) => aggregates.push((agg.default_alias()?, agg)),
                other => return Err(type_error(format!("aggregate() takes aggregates, not {}", other.kind()))),
            }
        }
        for (name, arg) in std::mem::take(&mut args.keyword) {
            match arg {
                MethodArg::Aggregate(agg) => aggregates.push((name, agg)),
                other => return Err(type_error(format!("{name}= must be an aggregate, not {}", other.kind()))),
            }
        }
        args.done()?;
        Ok(MethodOutput::Summary(qs.aggregate(db, &aggregates).await?))
    }
    fn in_bulk(qs, db, args) {
        let ids = match args.positional.pop_front().or_else(|| args.keyword("id_list")) {
            Some(MethodArg::List(items)) => items.into_iter().map(MethodArg::into_value).collect::<Result<Vec<_>>>()?,
            Some(other) => return Err(type_error(format!("in_bulk() takes a list of keys, not {}", other.kind()))),
            None => return Err(type_error("in_bulk() needs id_list (djorm does not load a whole table by key)".into())),
        };
        let field = match args.keyword("field_name") {
            Some(MethodArg::Value(Value::String(s))) => s,
            Some(other) => return Err(type_error(format!("field_name= takes a field name, not {}", other.kind()))),
            None => "pk".to_owned(),
        };
        args.done()?;
        Ok(MethodOutput::Keyed(qs.in_bulk(db, ids, &field).await?))
    }
    fn explain(qs, db, args) {
        args.done()?;
        Ok(MethodOutput::Text(qs.explain(db).await?))
    }
    fn iterator(qs, db, args) {
        let _chunk_size = args.keyword("chunk_size");
        args.done()?;
        Ok(MethodOutput::Rows(qs.rows(db).await?))
    }
    fn dates(qs, db, args) {
        let field = args.text("field_name")?;
        let kind = args.text("kind")?;
        let descending = descending(&mut args)?;
        args.done()?;
        let dates = qs.dates(db, &field, unit(&kind, true)?, descending).await?;
        Ok(MethodOutput::Values(dates.into_iter().map(Value::Date).collect()))
    }
    fn datetimes(qs, db, args) {
        let field = args.text("field_name")?;
        let kind = args.text("kind")?;
        let descending = descending(&mut args)?;
        args.done()?;
        let instants = qs.datetimes(db, &field, unit(&kind, false)?, descending).await?;
        Ok(MethodOutput::Values(instants.into_iter().map(Value::DateTime).collect()))
    }
    fn raw(qs, db, args) {
        let sql = args.text("raw_query")?;
        let params = match args.positional.pop_front().or_else(|| args.keyword("params")) {
            Some(MethodArg::List(items)) => items.into_iter().map(MethodArg::into_value).collect::<Result<Vec<_>>>()?,
            Some(other) => return Err(type_error(format!("raw() params= takes a list, not {}", other.kind()))),
            None => Vec::new(),
        };
        args.done()?;
        Ok(MethodOutput::Rows(qs.raw(db, &sql, params).await?))
    }
    fn create(qs, db, args) {
        let values = args.field_values()?;
        args.done()?;
        Ok(MethodOutput::Row(qs.create(db, values).await?))
    }
    fn get_or_create(qs, db, args) {
        let defaults = args.dict("defaults")?.unwrap_or_default();
        let lookups = args.field_values()?;
        args.done()?;
        let (row, created) = qs.get_or_create(db, lookups, defaults).await?;
        Ok(MethodOutput::Created(row, created))
    }
    fn update_or_create(qs, db, args) {
        let defaults = args.dict("defaults")?.unwrap_or_default();
        let create_defaults = args.dict("create_defaults")?;
        let lookups = args.field_values()?;
        args.done()?;
        let (row, created) = qs.update_or_create(db, lookups, defaults, create_defaults).await?;
        Ok(MethodOutput::Created(row, created))
    }
    fn bulk_create(qs, db, args) {
        let objects = match args.positional.pop_front().or_else(|| args.keyword("objs")) {
            Some(MethodArg::List(items)) => items
                .into_iter()
                .map(|item| match item {
                    MethodArg::Dict(pairs) => pairs.into_iter().map(|(k, v)| Ok((k, v.into_value()?))).collect(),
                    other => Err(type_error(format!("bulk_create() takes unsaved objects, not {}", other.kind()))),
                })
                .collect::<Result<Vec<_>>>()?,
            _ => return Err(type_error("bulk_create() takes a list of unsaved objects".into())),
        };
        args.done()?;
        Ok(MethodOutput::Rows(qs.bulk_create(db, objects).await?))
    }
    fn update(qs, db, args) {
        let mut assignments = Vec::new();
        for (name, arg) in std::mem::take(&mut args.keyword) {
            let expression = match arg {
                MethodArg::Value(v) => Expression::Value(v),
                other => other.into_expression()?,
            };
            assignments.push((name, expression));
        }
        args.done()?;
        Ok(MethodOutput::Number(qs.update(db, &assignments).await?))
    }
    fn delete(qs, db, args) {
        args.done()?;
        Ok(MethodOutput::Deleted(qs.delete(db).await?))
    }
}

static METHODS: &[Method] = &[
    chain!("all", "()", |qs, _args| Ok(qs.clone())),
    chain!("filter", "(*args, **kwargs)", |qs, args| Ok(qs.filter(args.conditions()?))),
    chain!("exclude", "(*args, **kwargs)", |qs, args| Ok(qs.exclude(args.conditions()?))),
    chain!("order_by", "(*fields)", |qs, args| Ok(qs.order_by(order_keys(args)?))),
    chain!("reverse", "()", |qs, _args| Ok(qs.reverse())),
    chain!("distinct", "(*fields)", |qs, args| {
        let fields = args.texts()?;
        Ok(if fields.is_empty() { qs.distinct() } else { qs.distinct_on(fields) })
    }),
    chain!("none", "()", |qs, _args| Ok(qs.none())),
    chain!("using", "(alias)", |qs, args| Ok(qs.using(&args.text("alias")?))),
    chain!("annotate", "(*args, **kwargs)", |qs, args| annotate(qs, args, true)),
    chain!("alias", "(**kwargs)", |qs, args| annotate(qs, args, false)),
    chain!("values", "(*fields, **expressions)", |qs, args| values(qs, args, RowShape::Dicts)),
    chain!("values_list", "(*fields, flat=False, named=False)", |qs, args| {
        let (flat, named) = (args.flag("flat")?, args.flag("named")?);
        if flat && named {
            return Err(type_error("'flat' and 'named' can't be used together.".into()));
        }
        let shape = if flat {
            RowShape::Flat
        } else if named {
            RowShape::Named
        } else {
            RowShape::Tuples
        };
        values(qs, args, shape)
    }),
    chain!("select_related", "(*fields)", |qs, args| Ok(qs.select_related(args.texts()?))),
    chain!("prefetch_related", "(*lookups)", |qs, args| {
        let lookups = std::mem::take(&mut args.positional)
            .into_iter()
            .map(|a| match a {
                MethodArg::Value(Value::String(path)) => Ok(crate::Prefetch::from(path)),
                MethodArg::Prefetch(p) => Ok(*p),
                other => Err(type_error(format!(
                    "prefetch_related() takes lookups (a path or Prefetch()), not {}",
                    other.kind()
                ))),
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(qs.prefetch_related(lookups))
    }),
    chain!("only", "(*fields)", |qs, args| Ok(qs.only(args.texts()?))),
    chain!("defer", "(*fields)", |qs, args| Ok(qs.defer(args.texts()?))),
    chain!("select_for_update", "(nowait=False, skip_locked=False, of=())", |qs, args| {
        let (nowait, skip_locked) = (args.flag("nowait")?, args.flag("skip_locked")?);
        let of: Vec<String> = match args.keyword("of") {
            Some(MethodArg::List(items)) => items
                .into_iter()
                .map(|i| match i {
                    MethodArg::Value(Value::String(s)) => Ok(s),
                    other => Err(type_error(format!("of= takes relation names, not {}", other.kind()))),
                })
                .collect::<Result<_>>()?,
            Some(other) => return Err(type_error(format!("of= takes a tuple of names, not {}", other.kind()))),
            None => Vec::new(),
        };
        let of: Vec<&str> = of.iter().map(String::as_str).collect();
        Ok(qs.select_for_update(nowait, skip_locked, &of))
    }),
    chain!("union", "(*other_qs, all=False)", |qs, args| {
        let all = args.flag("all")?;
        Ok(args.querysets()?.iter().fold(qs.clone(), |acc, other| acc.union(other, all)))
    }),
    chain!("intersection", "(*other_qs)", |qs, args| {
        Ok(args.querysets()?.iter().fold(qs.clone(), |acc, other| acc.intersection(other)))
    }),
    chain!("difference", "(*other_qs)", |qs, args| {
        Ok(args.querysets()?.iter().fold(qs.clone(), |acc, other| acc.difference(other)))
    }),
    terminal!("get", "(*args, **kwargs)", false, get),
    terminal!("first", "()", false, first),
    terminal!("last", "()", false, last),
    terminal!("earliest", "(*fields)", false, earliest),
    terminal!("latest", "(*fields)", false, latest),
    terminal!("count", "()", false, count),
    terminal!("exists", "()", false, exists),
    terminal!("contains", "(obj)", false, contains),
    terminal!("aggregate", "(*args, **kwargs)", false, aggregate),
    terminal!("in_bulk", "(id_list, *, field_name='pk')", false, in_bulk),
    terminal!("explain", "()", false, explain),
    terminal!("iterator", "(chunk_size=None)", false, iterator),
    terminal!("dates", "(field, kind, order='ASC')", false, dates),
    terminal!("datetimes", "(field_name, kind, order='ASC')", false, datetimes),
    terminal!("raw", "(raw_query, params=())", false, raw),
    terminal!("create", "(**kwargs)", false, create),
    terminal!("get_or_create", "(defaults=None, **kwargs)", false, get_or_create),
    terminal!("update_or_create", "(defaults=None, create_defaults=None, **kwargs)", false, update_or_create),
    terminal!("bulk_create", "(objs)", false, bulk_create),
    terminal!("update", "(**kwargs)", true, update),
    terminal!("delete", "()", true, delete),
];

//! The names `shell_plus` puts in scope: Q, F, the aggregates and the database functions.

use super::error::ShellError;
use djorm::{Aggregate, Arg, Expression, Value, Q};

use super::convert::{expression, q_from_kwargs, text};
use super::value::Val;

/// The shell's own names; the database functions come from djorm's registry
/// ([`names`] lists both).
const BUILTINS: &[&str] = &[
    "Q",
    "F",
    "Value",
    "Count",
    "Sum",
    "Avg",
    "Min",
    "Max",
    "StdDev",
    "Variance",
    "Case",
    "When",
    "ExtractYear",
    "ExtractQuarter",
    "ExtractMonth",
    "ExtractWeek",
    "ExtractDay",
    "ExtractWeekDay",
    "ExtractHour",
    "ExtractMinute",
    "ExtractSecond",
    "ExtractIsoYear",
    "ExtractIsoWeekDay",
    "TruncYear",
    "TruncQuarter",
    "TruncMonth",
    "TruncWeek",
    "TruncDay",
    "TruncHour",
    "TruncMinute",
    "TruncSecond",
    "Exists",
    "Subquery",
    "OuterRef",
    "timedelta",
    "ZoneInfo",
    "Prefetch",
    "Collate",
    "JSONObject",
    "Cast",
    "ExpressionWrapper",
    "help",
    "sql",
];

/// Every name the shell knows, for `help` and Tab completion: its own and every registered
/// database function.
pub fn names() -> Vec<&'static str> {
    let mut names: Vec<&'static str> = BUILTINS.to_vec();
    names.extend(djorm::FieldKind::ALL.iter().map(|k| k.name()));
    names.extend(super::window::NAMES);
    names.extend(djorm::vocabulary::function_names());
    names
}

/// The built-in or registered function called `name`, if there is one.
pub fn lookup(name: &str) -> Option<&'static str> {
    BUILTINS
        .iter()
        .chain(super::window::NAMES)
        .find(|b| **b == name)
        .copied()
        .or_else(|| djorm::FieldKind::from_name(name).map(|k| k.name()))
        .or_else(|| djorm::vocabulary::function(name).map(|f| f.name))
}

/// The field class an `output_field=` names (`FloatField()`).
fn field_class(v: Val) -> Result<djorm::FieldKind, ShellError> {
    match v {
        Val::FieldClass(kind) => Ok(kind),
        other => Err(ShellError::new(
            "TypeError",
            format!("output_field takes a field, such as FloatField(), not {}", other.type_name()),
        )),
    }
}

/// Calls built-in `name` with positional and keyword arguments; an `output_field=` on a
/// function, Value, Case or aggregate says what its result is read as (Django's rule).
pub fn call(name: &str, args: Vec<Val>, mut kwargs: Vec<(String, Val)>) -> Result<Val, ShellError> {
    if let Some(kind) = djorm::FieldKind::from_name(name) {
        // `FloatField()`, `DecimalField(max_digits=8, decimal_places=2)`: a field class.
        let _ = (args, kwargs);
        return Ok(Val::FieldClass(kind));
    }
    if name.starts_with("Extract") || name.starts_with("Trunc") {
        return zoned(name, args, kwargs);
    }
    if !matches!(name, "Cast" | "ExpressionWrapper") {
        if let Some(i) = kwargs.iter().position(|(k, _)| k == "output_field") {
            let kind = field_class(kwargs.remove(i).1)?;
            return Ok(match call_plain(name, args, kwargs)? {
                Val::Expr(e) => Val::Expr(e.output_field(kind)),
                Val::Aggregate(a) => Val::Expr(Expression::from(a).output_field(kind)),
                other => {
                    return Err(ShellError::new(
                        "TypeError",
                        format!("{name}() takes no output_field (it makes a {})", other.type_name()),
                    ))
                }
            });
        }
    }
    call_plain(name, args, kwargs)
}

fn call_plain(name: &str, args: Vec<Val>, kwargs: Vec<(String, Val)>) -> Result<Val, ShellError> {
    let one = |args: &[Val]| -> Result<Expression, ShellError> {
        match args {
            [a] => expression(a.clone()),
            _ => Err(ShellError::from(format!("{name}() takes exactly one argument ({} given)", args.len()))),
        }
    };
    Ok(match name {
        "Q" => {
            let mut q = q_from_kwargs(kwargs)?;
            for a in args {
                match a {
                    Val::Q(other) => q = q & other,
                    other => {
                        return Err(ShellError::from(format!(
                            "Q() takes conditions or Q objects, not {}",
                            other.type_name()
                        )))
                    }
                }
            }
            Val::Q(q)
        }
        "F" => Val::Expr(djorm::F(&text(&args, 0, "F")?)),
        "Value" => match args.into_iter().next() {
            Some(Val::Value(v)) => Val::Expr(Expression::Value(v)),
            _ => return Err("Value() takes one literal".into()),
        },
        "OuterRef" => Val::Expr(djorm::OuterRef(&text(&args, 0, "OuterRef")?)),
        "Count" | "Sum" | "Avg" | "Min" | "Max" | "StdDev" | "Variance" => aggregate(name, &args, kwargs)?,
        "When" => when(args, kwargs)?,
        "timedelta" => timedelta(args, kwargs)?,
        "ZoneInfo" => {
            let key = text(&args, 0, "ZoneInfo")?;
            djorm::timezone::parse(&key).map_err(|e| ShellError::new("ZoneInfoNotFoundError", e.to_string()))?;
            Val::Value(Value::String(key))
        }
        "Prefetch" => prefetch(args, kwargs)?,
        // Cast(expression, output_field) / ExpressionWrapper(expression, output_field).
        "Cast" | "ExpressionWrapper" => {
            let mut args = args.into_iter();
            let expr = expression(
                args.next().ok_or_else(|| ShellError::new("TypeError", format!("{name}() takes an expression")))?,
            )?;
            let target = match (args.next(), kwargs.into_iter().find(|(k, _)| k == "output_field")) {
                (Some(v), None) | (None, Some((_, v))) => field_class(v)?,
                _ => return Err(ShellError::new("TypeError", format!("{name}() takes output_field=..."))),
            };
            Val::Expr(if name == "Cast" {
                djorm::functions::Cast(Arg(expr), target)
            } else {
                djorm::ExpressionWrapper(Arg(expr), target)
            })
        }
        // The collation is a name, not a field: Collate("name", collation="C").
        "Collate" => {
            let mut args = args.into_iter();
            let expr = expression(args.next().ok_or("Collate() takes an expression")?)?;
            let collation = match (args.next(), kwargs.into_iter().find(|(k, _)| k == "collation")) {
                (Some(Val::Value(v)), None) | (None, Some((_, Val::Value(v)))) => v,
                _ => return Err(ShellError::new("TypeError", "Collate() takes collation=\"name\"")),
            };
            Val::Expr(Expression::call(&djorm::vocabulary::COLLATE, [Arg(expr), Arg(Expression::Value(collation))]))
        }
        "JSONObject" => {
            if !args.is_empty() {
                return Err(ShellError::new("TypeError", "JSONObject() takes keyword arguments only"));
            }
            let mut pairs = Vec::with_capacity(kwargs.len() * 2);
            for (key, value) in kwargs {
                pairs.push(Arg(Expression::Value(Value::String(key))));
                pairs.push(Arg(expression(value)?));
            }
            Val::Expr(Expression::call(&djorm::vocabulary::JSON_OBJECT, pairs))
        }
        "Case" => case(args, kwargs)?,
        "ExtractYear" => Val::Expr(djorm::functions::ExtractYear(Arg(one(&args)?))),
        "ExtractQuarter" => Val::Expr(djorm::functions::ExtractQuarter(Arg(one(&args)?))),
        "ExtractMonth" => Val::Expr(djorm::functions::ExtractMonth(Arg(one(&args)?))),
        "ExtractWeek" => Val::Expr(djorm::functions::ExtractWeek(Arg(one(&args)?))),
        "ExtractDay" => Val::Expr(djorm::functions::ExtractDay(Arg(one(&args)?))),
        "ExtractWeekDay" => Val::Expr(djorm::functions::ExtractWeekDay(Arg(one(&args)?))),
        "ExtractHour" => Val::Expr(djorm::functions::ExtractHour(Arg(one(&args)?))),
        "ExtractMinute" => Val::Expr(djorm::functions::ExtractMinute(Arg(one(&args)?))),
        "ExtractSecond" => Val::Expr(djorm::functions::ExtractSecond(Arg(one(&args)?))),
        "TruncYear" => Val::Expr(djorm::functions::TruncYear(Arg(one(&args)?))),
        "TruncQuarter" => Val::Expr(djorm::functions::TruncQuarter(Arg(one(&args)?))),
        "TruncMonth" => Val::Expr(djorm::functions::TruncMonth(Arg(one(&args)?))),
        "TruncWeek" => Val::Expr(djorm::functions::TruncWeek(Arg(one(&args)?))),
        "TruncDay" => Val::Expr(djorm::functions::TruncDay(Arg(one(&args)?))),
        "TruncHour" => Val::Expr(djorm::functions::TruncHour(Arg(one(&args)?))),
        "TruncMinute" => Val::Expr(djorm::functions::TruncMinute(Arg(one(&args)?))),
        "TruncSecond" => Val::Expr(djorm::functions::TruncSecond(Arg(one(&args)?))),
        "ExtractIsoYear" => Val::Expr(djorm::functions::ExtractIsoYear(Arg(one(&args)?))),
        "ExtractIsoWeekDay" => Val::Expr(djorm::functions::ExtractIsoWeekDay(Arg(one(&args)?))),
        "Exists" => match args.into_iter().next() {
            Some(Val::QuerySet(qs)) => Val::Expr(Expression::Exists(Box::new(qs.query().clone()))),
            _ => return Err("Exists() takes a QuerySet".into()),
        },
        "Subquery" => match args.into_iter().next() {
            Some(Val::QuerySet(qs)) if qs.value_fields().len() == 1 => Val::Expr(Expression::Subquery {
                query: Box::new(qs.query().clone()),
                field: qs.value_fields()[0].clone(),
            }),
            _ => return Err("Subquery() takes qs.values(\"field\") (one field)".into()),
        },
        window if super::window::NAMES.contains(&window) => super::window::call(window, args, kwargs)?,
        other => match djorm::vocabulary::function(other) {
            Some(def) => {
                if !kwargs.is_empty() {
                    return Err(ShellError::from(format!("{other}() takes no keyword arguments")));
                }
                if !def.takes(args.len()) {
                    return Err(ShellError::from(format!("{other}() cannot take {} argument(s)", args.len())));
                }
                let exprs: Vec<Expression> = args.into_iter().map(expression).collect::<Result<_, _>>()?;
                Val::Expr(Expression::call(def, exprs.into_iter().map(Arg)))
            }
            None => return Err(ShellError::from(format!("{other}() cannot be called here"))),
        },
    })
}

/// `ExtractYear(...)`, `TruncMonth(..., tzinfo=ZoneInfo("Asia/Tokyo"))`: Django's `TimezoneMixin`
/// functions, whose only keyword is the zone a timestamp is read in (`output_field` for Trunc).
fn zoned(name: &str, args: Vec<Val>, mut kwargs: Vec<(String, Val)>) -> Result<Val, ShellError> {
    let zone = match kwargs.iter().position(|(k, _)| k == "tzinfo") {
        Some(i) => match kwargs.remove(i).1 {
            Val::Value(Value::String(zone)) => Some(zone),
            Val::Value(Value::Null) => None,
            other => {
                return Err(ShellError::from(format!("tzinfo takes a ZoneInfo(...), not {}", other.type_name())));
            }
        },
        None => None,
    };
    let kind = match kwargs.iter().position(|(k, _)| k == "output_field") {
        Some(i) => Some(field_class(kwargs.remove(i).1)?),
        None => None,
    };
    if let Some((key, _)) = kwargs.first() {
        return Err(ShellError::from(format!("{name}() got an unexpected keyword argument '{key}'")));
    }
    let mut expr = match call_plain(name, args, Vec::new())? {
        Val::Expr(e) => e,
        other => return Ok(other),
    };
    if let Some(zone) = zone {
        expr = expr.tzinfo(&zone).map_err(|e| match e {
            djorm::Error::InvalidQuery(_) => {
                ShellError::from(format!("{name}() got an unexpected keyword argument 'tzinfo'"))
            }
            other => ShellError::new("ZoneInfoNotFoundError", other.to_string()),
        })?;
    }
    Ok(Val::Expr(match kind {
        Some(kind) => expr.output_field(kind),
        None => expr,
    }))
}

fn aggregate(name: &str, args: &[Val], kwargs: Vec<(String, Val)>) -> Result<Val, ShellError> {
    // A field name, or any expression (`Sum(F("price") * F("qty"))`, `Count(Case(...))`).
    let source: djorm::AggregateSource = match args.first() {
        Some(Val::Value(Value::String(path))) => path.clone().into(),
        Some(Val::Aggregate(_)) => {
            return Err(ShellError::new("TypeError", format!("{name}() cannot aggregate an aggregate")));
        }
        Some(other) => expression(other.clone())?.into(),
        None => text(args, 0, name)?.into(),
    };
    let mut agg: Aggregate = match name {
        "Count" => djorm::Count(source),
        "Sum" => djorm::Sum(source),
        "Avg" => djorm::Avg(source),
        "Min" => djorm::Min(source),
        "Max" => djorm::Max(source),
        "StdDev" => djorm::StdDev(source),
        _ => djorm::Variance(source),
    };
    for (key, value) in kwargs {
        agg = match (key.as_str(), value) {
            ("distinct", Val::Value(Value::Bool(true))) => agg.distinct(),
            ("distinct", Val::Value(Value::Bool(false))) => agg,
            ("filter", Val::Q(q)) => agg.filter(q),
            ("default", Val::Value(v)) => agg.default(v),
            (key, v) => return Err(ShellError::from(format!("{name}() got an unexpected {key}={}", v.type_name()))),
        };
    }
    Ok(Val::Aggregate(agg))
}

fn when(args: Vec<Val>, kwargs: Vec<(String, Val)>) -> Result<Val, ShellError> {
    let mut condition = Q::all();
    let mut then = None;
    let mut lookups = Vec::new();
    for (key, value) in kwargs {
        if key == "then" {
            then = Some(expression(value)?);
        } else {
            lookups.push((key, value));
        }
    }
    condition = condition & q_from_kwargs(lookups)?;
    for a in args {
        match a {
            Val::Q(q) => condition = condition & q,
            other => {
                return Err(ShellError::from(format!("When() takes Q objects or lookups, not {}", other.type_name())))
            }
        }
    }
    let then = then.ok_or("When() needs then=...")?;
    Ok(Val::When(condition, then))
}

fn case(args: Vec<Val>, kwargs: Vec<(String, Val)>) -> Result<Val, ShellError> {
    let mut whens = Vec::new();
    for a in args {
        match a {
            Val::When(q, then) => whens.push(djorm::When(q, then)),
            other => {
                return Err(ShellError::from(format!("Case() takes When(...) arguments, not {}", other.type_name())))
            }
        }
    }
    let mut default = Expression::Value(Value::Null);
    for (key, value) in kwargs {
        match key.as_str() {
            "default" => default = expression(value)?,
            other => return Err(ShellError::from(format!("Case() got an unexpected keyword {other}"))),
        }
    }
    Ok(Val::Expr(djorm::Case(whens, Arg(default))))
}

/// Python's `timedelta(days, seconds, microseconds, milliseconds, minutes, hours, weeks)`.
fn timedelta(args: Vec<Val>, kwargs: Vec<(String, Val)>) -> Result<Val, ShellError> {
    const UNITS: [(&str, f64); 7] = [
        ("days", 86_400e6),
        ("seconds", 1e6),
        ("microseconds", 1.0),
        ("milliseconds", 1e3),
        ("minutes", 60e6),
        ("hours", 3_600e6),
        ("weeks", 604_800e6),
    ];
    if args.len() > UNITS.len() {
        return Err(ShellError::new(
            "TypeError",
            format!("timedelta() takes at most 7 arguments ({} given)", args.len()),
        ));
    }
    let named = kwargs.into_iter().map(|(k, v)| match UNITS.iter().find(|(u, _)| *u == k) {
        Some((_, scale)) => Ok((*scale, v)),
        None => Err(ShellError::new("TypeError", format!("'{k}' is an invalid keyword argument for timedelta()"))),
    });
    let positional = args.into_iter().zip(UNITS).map(|(v, (_, scale))| Ok((scale, v)));
    let mut micros = 0f64;
    for part in positional.chain(named) {
        let (scale, v) = part?;
        let amount = match v {
            Val::Value(Value::F64(f)) => f,
            Val::Value(v) if v.as_i64().is_some() => v.as_i64().unwrap_or_default() as f64,
            other => {
                return Err(ShellError::new(
                    "TypeError",
                    format!("unsupported type for timedelta component: {}", other.type_name()),
                ))
            }
        };
        micros += amount * scale;
    }
    if micros.abs() >= 86_400e6 * 1_000_000_000.0 {
        return Err(ShellError::new("OverflowError", "days=1000000000; must have magnitude <= 999999999"));
    }
    Ok(Val::Value(Value::Duration(djorm::prelude::TimeDelta::microseconds(micros.round() as i64))))
}

/// Django's `Prefetch(lookup, queryset=None, to_attr=None)`.
fn prefetch(args: Vec<Val>, kwargs: Vec<(String, Val)>) -> Result<Val, ShellError> {
    let mut args = args.into_iter();
    let mut lookup = args.next();
    let mut queryset = args.next();
    let mut to_attr = args.next();
    if args.next().is_some() {
        return Err(ShellError::new("TypeError", "Prefetch() takes at most 3 arguments"));
    }
    for (key, value) in kwargs {
        let slot = match key.as_str() {
            "lookup" => &mut lookup,
            "queryset" => &mut queryset,
            "to_attr" => &mut to_attr,
            other => {
                return Err(ShellError::new(
                    "TypeError",
                    format!("Prefetch() got an unexpected keyword argument '{other}'"),
                ))
            }
        };
        *slot = Some(value);
    }
    let Some(Val::Value(Value::String(path))) = lookup else {
        return Err(ShellError::new("TypeError", "Prefetch() takes the lookup as a string"));
    };
    let query = match queryset {
        None | Some(Val::Value(Value::Null)) => None,
        Some(Val::QuerySet(qs)) if qs.shape() != djorm::RowShape::Objects => {
            return Err(ShellError::new(
                "ValueError",
                "Prefetch querysets cannot use raw(), values(), and values_list().",
            ))
        }
        Some(Val::QuerySet(qs)) => Some(qs.query().clone()),
        Some(other) => {
            return Err(ShellError::new(
                "TypeError",
                format!("Prefetch() queryset= takes a QuerySet, not {}", other.type_name()),
            ))
        }
    };
    let to_attr = match to_attr {
        None | Some(Val::Value(Value::Null)) => None,
        Some(Val::Value(Value::String(s))) => Some(s),
        Some(other) => {
            return Err(ShellError::new(
                "TypeError",
                format!("Prefetch() to_attr= takes a name, not {}", other.type_name()),
            ))
        }
    };
    Ok(Val::Prefetch(Box::new(djorm::Prefetch { path, query, to_attr })))
}

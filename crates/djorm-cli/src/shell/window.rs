//! The shell's window expressions: `Window(Rank(), partition_by=F("author"), order_by="-pages")`,
//! the window functions and the `RowRange` / `ValueRange` frames, as Django spells them.

use djorm::{Expression, OrderBy, Value};

use super::convert::expression;
use super::error::ShellError;
use super::value::Val;

/// The window names the shell knows.
pub const NAMES: &[&str] = &[
    "Window",
    "RowNumber",
    "Rank",
    "DenseRank",
    "PercentRank",
    "CumeDist",
    "Ntile",
    "Lag",
    "Lead",
    "FirstValue",
    "LastValue",
    "NthValue",
    "RowRange",
    "ValueRange",
];

/// Positional and keyword arguments matched to parameter names, Python's way.
fn bind(
    function: &str,
    params: &[&str],
    args: Vec<Val>,
    kwargs: Vec<(String, Val)>,
) -> Result<Vec<Option<Val>>, ShellError> {
    if args.len() > params.len() {
        return Err(ShellError::new(
            "TypeError",
            format!("{function}() takes at most {} positional arguments ({} given)", params.len(), args.len()),
        ));
    }
    let mut bound: Vec<Option<Val>> = args.into_iter().map(Some).collect();
    bound.resize(params.len(), None);
    for (key, value) in kwargs {
        let Some(i) = params.iter().position(|p| *p == key) else {
            return Err(ShellError::new(
                "TypeError",
                format!("{function}() got an unexpected keyword argument '{key}'"),
            ));
        };
        if bound[i].is_some() {
            return Err(ShellError::new("TypeError", format!("{function}() got multiple values for argument '{key}'")));
        }
        bound[i] = Some(value);
    }
    Ok(bound)
}

fn integer(function: &str, v: Option<Val>, default: Option<i64>) -> Result<Option<i64>, ShellError> {
    match v {
        None | Some(Val::Value(Value::Null)) => Ok(default),
        Some(Val::Value(v)) if v.as_i64().is_some() => Ok(v.as_i64()),
        Some(other) => {
            Err(ShellError::new("ValueError", format!("{function}() takes an integer, not {}", other.type_name())))
        }
    }
}

fn required(function: &str, v: Option<Val>) -> Result<Expression, ShellError> {
    match v {
        Some(v) => expression(v),
        None => Err(ShellError::new("TypeError", format!("{function}() missing 1 required positional argument"))),
    }
}

/// A list argument or one item.
fn items(v: Val) -> Vec<Val> {
    match v {
        Val::List(items) => items,
        one => vec![one],
    }
}

fn order_key(v: Val) -> Result<OrderBy, ShellError> {
    Ok(match v {
        Val::Value(Value::String(s)) => OrderBy::parse(&s),
        Val::OrderBy(o) => o,
        Val::Expr(Expression::Field(f)) => OrderBy::parse(&f),
        other => OrderBy::expression(expression(other)?, false),
    })
}

/// Calls window name `name`.
pub fn call(name: &str, args: Vec<Val>, kwargs: Vec<(String, Val)>) -> Result<Val, ShellError> {
    Ok(match name {
        "Window" => {
            let [expr, partition_by, order_by, frame] = <[Option<Val>; 4]>::try_from(bind(
                name,
                &["expression", "partition_by", "order_by", "frame"],
                args,
                kwargs,
            )?)
            .map_err(|_| ShellError::from("Window() arguments"))?;
            let mut window = djorm::Window::new(djorm::Arg(required(name, expr)?));
            if let Some(keys) = partition_by {
                let keys: Vec<Expression> = items(keys).into_iter().map(expression).collect::<Result<_, _>>()?;
                window = window.partition_by(keys.into_iter().map(djorm::Arg));
            }
            if let Some(keys) = order_by {
                let keys: Vec<OrderBy> = items(keys).into_iter().map(order_key).collect::<Result<_, _>>()?;
                window = window.order_by(keys);
            }
            match frame {
                None | Some(Val::Value(Value::Null)) => {}
                Some(Val::Frame(frame)) => window = window.frame(frame),
                Some(other) => {
                    return Err(ShellError::new(
                        "ValueError",
                        format!("Window() frame= takes RowRange(...) or ValueRange(...), not {}", other.type_name()),
                    ))
                }
            }
            Val::Expr(window.into())
        }
        "RowRange" | "ValueRange" => {
            let [start, end] = <[Option<Val>; 2]>::try_from(bind(name, &["start", "end"], args, kwargs)?)
                .map_err(|_| ShellError::from("frame arguments"))?;
            let (start, end) = (integer(name, start, None)?, integer(name, end, None)?);
            Val::Frame(if name == "RowRange" { djorm::RowRange(start, end) } else { djorm::ValueRange(start, end) })
        }
        "RowNumber" | "Rank" | "DenseRank" | "PercentRank" | "CumeDist" => {
            bind(name, &[], args, kwargs)?;
            Val::Expr(match name {
                "RowNumber" => djorm::functions::RowNumber(),
                "Rank" => djorm::functions::Rank(),
                "DenseRank" => djorm::functions::DenseRank(),
                "PercentRank" => djorm::functions::PercentRank(),
                _ => djorm::functions::CumeDist(),
            })
        }
        "Ntile" => {
            let [n] = <[Option<Val>; 1]>::try_from(bind(name, &["num_buckets"], args, kwargs)?)
                .map_err(|_| ShellError::from("Ntile() arguments"))?;
            Val::Expr(djorm::functions::Ntile(integer(name, n, Some(1))?.unwrap_or(1)))
        }
        "Lag" | "Lead" => {
            let [expr, offset, default] =
                <[Option<Val>; 3]>::try_from(bind(name, &["expression", "offset", "default"], args, kwargs)?)
                    .map_err(|_| ShellError::from("Lag() arguments"))?;
            let expr = djorm::Arg(required(name, expr)?);
            let offset = integer(name, offset, Some(1))?.unwrap_or(1);
            let default = match default {
                None | Some(Val::Value(Value::Null)) => None,
                Some(v) => Some(djorm::Arg(expression(v)?)),
            };
            Val::Expr(if name == "Lag" {
                djorm::functions::Lag(expr, offset, default)
            } else {
                djorm::functions::Lead(expr, offset, default)
            })
        }
        "FirstValue" | "LastValue" => {
            let [expr] = <[Option<Val>; 1]>::try_from(bind(name, &["expression"], args, kwargs)?)
                .map_err(|_| ShellError::from("FirstValue() arguments"))?;
            let expr = djorm::Arg(required(name, expr)?);
            Val::Expr(if name == "FirstValue" {
                djorm::functions::FirstValue(expr)
            } else {
                djorm::functions::LastValue(expr)
            })
        }
        "NthValue" => {
            let [expr, nth] = <[Option<Val>; 2]>::try_from(bind(name, &["expression", "nth"], args, kwargs)?)
                .map_err(|_| ShellError::from("NthValue() arguments"))?;
            let expr = djorm::Arg(required(name, expr)?);
            Val::Expr(djorm::functions::NthValue(expr, integer(name, nth, Some(1))?.unwrap_or(1)))
        }
        other => return Err(ShellError::from(format!("{other}() cannot be called here"))),
    })
}

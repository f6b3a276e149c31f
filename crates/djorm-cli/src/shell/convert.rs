//! Turning shell values into the library's types: lookups, expressions, field values.

use super::error::ShellError;
use djorm::{Expression, Rhs, Value, Q};

use super::value::Val;

/// A field value or lookup right-hand side from a shell value.
pub fn value(v: Val) -> Result<Value, ShellError> {
    match v {
        Val::Value(v) => Ok(v),
        Val::Instance(meta, row) => Ok(row.get(meta.pk().name).cloned().unwrap_or(Value::Null)),
        other => Err(ShellError::from(format!("expected a value, got {}", other.type_name()))),
    }
}

/// A value compared in a lookup: an object passes its key, and must have one (Django's guard
/// against matching NULL keys).
fn lookup_value(v: Val) -> Result<Value, ShellError> {
    match v {
        Val::Instance(meta, row) if row.get(meta.pk().name).is_none_or(Value::is_null) => {
            Err(ShellError::new("ValueError", "Model instances passed to related filters must be saved."))
        }
        other => value(other),
    }
}

/// A lookup's right-hand side: a value, a list (`__in`, `__range`), an object (its key) or an
/// expression (`F("x")`).
pub fn rhs(path: &str, v: Val) -> Result<Rhs, ShellError> {
    Ok(match v {
        Val::List(items) => {
            let values: Vec<Value> = items.into_iter().map(lookup_value).collect::<Result<_, _>>()?;
            match (path.ends_with("__range"), <[Value; 2]>::try_from(values)) {
                (true, Ok([a, b])) => Rhs::Range(a, b),
                (true, Err(_)) => return Err(ShellError::from(format!("{path} takes a list of two bounds"))),
                (false, Ok(pair)) => Rhs::List(pair.to_vec()),
                (false, Err(values)) => Rhs::List(values),
            }
        }
        Val::QuerySet(qs)
        | Val::ManyRelated(super::value::ManyRelated { qs, .. })
        | Val::ReverseRelated(super::value::ReverseRelated { qs, .. }) => {
            let field = match qs.value_fields() {
                [one] => one.clone(),
                _ => "pk".into(),
            };
            Rhs::Expr(Expression::Subquery { query: Box::new(qs.query().clone()), field })
        }
        Val::Expr(e) => Rhs::Expr(e),
        Val::Aggregate(a) => Rhs::Expr(a.into()),
        other => Rhs::Value(lookup_value(other)?),
    })
}

/// `Q(a=1, b=2)`: the keyword lookups ANDed.
pub fn q_from_kwargs(kwargs: Vec<(String, Val)>) -> Result<Q, ShellError> {
    let mut q = Q::all();
    for (path, v) in kwargs {
        q = q & Q::new(path.clone(), rhs(&path, v)?);
    }
    Ok(q)
}

/// A database expression: `F(...)`, a function, an aggregate or a literal.
pub fn expression(v: Val) -> Result<Expression, ShellError> {
    match v {
        Val::Expr(e) => Ok(e),
        Val::Aggregate(a) => Ok(a.into()),
        Val::Value(Value::String(s)) => Ok(Expression::Field(s)),
        Val::Value(v) => Ok(Expression::Value(v)),
        other => Err(ShellError::from(format!("expected an expression, got {}", other.type_name()))),
    }
}

/// Positional argument `i`, which must be a string.
pub fn text(args: &[Val], i: usize, function: &str) -> Result<String, ShellError> {
    match args.get(i) {
        Some(Val::Value(Value::String(s))) => Ok(s.clone()),
        Some(other) => {
            Err(ShellError::from(format!("{function}() expects a field name string, got {}", other.type_name())))
        }
        None => Err(ShellError::from(format!("{function}() is missing a field name"))),
    }
}

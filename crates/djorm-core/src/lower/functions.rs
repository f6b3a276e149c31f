//! Django's typing rules for expressions: a function whose type is its arguments' refuses
//! mixed field classes, and a constant standing alone says its type.

use djorm_sql::{BinOp, Expr, Value, ValueKind};

use super::{value_kind_of, Lowerer};
use crate::{Error, Expression, Result};

/// Whether a field of class `class` is an instance of `parent` in Django's field hierarchy
/// (an AutoField is an IntegerField, an EmailField a CharField, a DateTimeField a DateField).
fn is_instance_of(class: &str, parent: &str) -> bool {
    let parents: &[&str] = match class {
        "AutoField" | "SmallIntegerField" | "PositiveIntegerField" | "BigIntegerField" => &["IntegerField"],
        "BigAutoField" | "PositiveBigIntegerField" => &["BigIntegerField", "IntegerField"],
        "SmallAutoField" | "PositiveSmallIntegerField" => &["SmallIntegerField", "IntegerField"],
        "EmailField" | "SlugField" | "URLField" => &["CharField"],
        "DateTimeField" => &["DateField"],
        _ => &[],
    };
    class == parent || parents.contains(&parent)
}

impl Lowerer {
    /// Django's rule for a function whose type is its arguments' (Coalesce, Greatest, Least,
    /// NullIf): every argument is of the first one's field class or a parent of it, else
    /// "Expression contains mixed types: A, B. You must set output_field." Arguments whose
    /// class is not known here (other expressions, NULL) are left out, as Django leaves out None.
    pub(super) fn check_same_output(&self, args: &[Expression]) -> Result<()> {
        let classes: Vec<&'static str> = args.iter().filter_map(|a| self.field_class(a)).collect();
        let Some(first) = classes.first() else { return Ok(()) };
        for other in &classes[1..] {
            if !is_instance_of(first, other) {
                return Err(Error::FieldError(format!(
                    "Expression contains mixed types: {first}, {other}. You must set output_field."
                )));
            }
        }
        Ok(())
    }

    /// The Django field class an argument has: a plain field's, or a constant's
    /// (`Value(0)` is an IntegerField, `Value("x")` a CharField).
    fn field_class(&self, e: &Expression) -> Option<&'static str> {
        match e {
            Expression::Field(path) => {
                let resolved = self.resolve(path).ok()?;
                if !resolved.transforms.is_empty() || resolved.field.relation.is_some() {
                    return None;
                }
                Some(resolved.field.kind.name())
            }
            Expression::Value(v) => match value_kind_of(v) {
                ValueKind::Any | ValueKind::Json | ValueKind::Bytes => None,
                kind => Some(djorm_sql::vocabulary::class_name(kind)),
            },
            _ => None,
        }
    }

    /// `e` where nothing around it gives a placeholder its type (an annotation, a Case
    /// branch): Django's `Value(True)` or `Value(1)` says its type, which PostgreSQL would
    /// otherwise take for text.
    pub(crate) fn standalone(&self, e: &Expression) -> Result<(Expr, ValueKind)> {
        let ty = match e {
            Expression::Value(Value::Bool(_)) => djorm_sql::ColumnType::Boolean,
            Expression::Value(v @ (Value::I16(_) | Value::I32(_) | Value::I64(_))) => {
                match v.as_i64().map(i32::try_from) {
                    Some(Ok(_)) => djorm_sql::ColumnType::Integer,
                    _ => djorm_sql::ColumnType::BigInt,
                }
            }
            _ => return self.expression_typed(e),
        };
        let (param, kind) = self.expression_typed(e)?;
        Ok((Expr::Cast { expr: Box::new(param), ty }, kind))
    }
}

fn is_temporal(kind: ValueKind) -> bool {
    matches!(kind, ValueKind::Date | ValueKind::DateTime | ValueKind::Time | ValueKind::Duration)
}

/// Django's connector as its messages show it.
fn connector(op: BinOp) -> &'static str {
    match op {
        BinOp::Add => "+",
        BinOp::Sub => "-",
        BinOp::Mul => "*",
        BinOp::Div => "/",
        BinOp::Mod => "%%",
        _ => "?",
    }
}

/// The type of arithmetic involving a date, a time or a duration, by Django's table
/// (`_connector_combinations`): a point minus a point is a duration, a date or timestamp
/// moved by a duration a timestamp, a time moved by one a time, durations added a duration;
/// any other mix is Django's FieldError. `None` when neither side is temporal (or one is a
/// NULL of no type), for the numeric rules.
pub(super) fn temporal_kind(op: BinOp, lk: ValueKind, rk: ValueKind) -> Result<Option<ValueKind>> {
    use ValueKind as K;
    if !(is_temporal(lk) || is_temporal(rk)) || lk == K::Any || rk == K::Any {
        return Ok(None);
    }
    let point = |k: ValueKind| matches!(k, K::Date | K::DateTime);
    let kind = match (op, lk, rk) {
        (BinOp::Add | BinOp::Sub, l, K::Duration) if point(l) => K::DateTime,
        (BinOp::Add, K::Duration, r) if point(r) => K::DateTime,
        (BinOp::Add | BinOp::Sub, K::Time, K::Duration) | (BinOp::Add, K::Duration, K::Time) => K::Time,
        (BinOp::Add | BinOp::Sub, K::Duration, K::Duration) => K::Duration,
        (BinOp::Sub, l, r) if point(l) && point(r) => K::Duration,
        (BinOp::Sub, K::Time, K::Time) => K::Duration,
        _ => {
            return Err(Error::FieldError(format!(
                "Cannot infer type of '{}' expression involving these types: {}, {}. You must set output_field.",
                connector(op),
                djorm_sql::vocabulary::class_name(lk),
                djorm_sql::vocabulary::class_name(rk)
            )))
        }
    };
    Ok(Some(kind))
}

/// Django's check of `Collate(expr, collation)`: the collation is a name of the database
/// (letters, digits, `_`, `-`), given as text.
pub(super) fn check_collation(args: &[Expression]) -> Result<()> {
    match args.get(1) {
        Some(Expression::Value(Value::String(name)))
            if !name.is_empty() && name.chars().all(|c| c.is_alphanumeric() || c == '_' || c == '-') =>
        {
            Ok(())
        }
        Some(Expression::Value(Value::String(name))) => {
            Err(Error::InvalidValue(format!("Invalid collation name: '{}'.", name.replace('\'', "\\'"))))
        }
        _ => Err(Error::InvalidValue("Collate() takes a collation name as text.".into())),
    }
}

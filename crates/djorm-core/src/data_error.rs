//! Naming the field behind a value the database refused: PostgreSQL says "value too long for
//! type character varying(100)" or "integer out of range", and a parameter that does not fit
//! its column fails as "error serializing parameter 3" — none of which says which field. When
//! a write of model objects fails like that, the objects' values are checked against their
//! fields to find the one, and the error names it.

use djorm_sql::Value;

use crate::{DatabaseErrorKind, Error, FieldKind, FieldMeta, ModelMeta};

/// True for an error about a value that does not fit its column.
fn is_data_error(e: &Error) -> bool {
    match e {
        Error::Database { kind: DatabaseErrorKind::Data, .. } => true,
        Error::Database { message, .. } => message.starts_with("error serializing parameter"),
        _ => false,
    }
}

/// The widest integer a column of this kind holds on PostgreSQL, the database that refuses.
fn integer_range(kind: FieldKind) -> Option<(i64, i64)> {
    match kind {
        FieldKind::SmallIntegerField => Some((i16::MIN.into(), i16::MAX.into())),
        FieldKind::PositiveSmallIntegerField => Some((0, i16::MAX.into())),
        FieldKind::IntegerField | FieldKind::AutoField => Some((i32::MIN.into(), i32::MAX.into())),
        FieldKind::PositiveIntegerField => Some((0, i32::MAX.into())),
        FieldKind::PositiveBigIntegerField => Some((0, i64::MAX)),
        _ => None,
    }
}

/// Why `value` does not fit `field`, if it does not.
fn misfit(field: &FieldMeta, value: &Value) -> Option<String> {
    if let (Some(max), Some(text)) = (field.max_length, value.as_str()) {
        let length = text.chars().count();
        if length > max as usize {
            return Some(format!("is {length} characters long; max_length is {max}"));
        }
    }
    if let (Some((low, high)), Some(i)) = (integer_range(field.kind), value.as_i64()) {
        if i < low || i > high {
            return Some(format!("{i} is outside the column's range {low} to {high}"));
        }
    }
    if let (Value::Decimal(d), Some(digits), Some(places)) = (value, field.max_digits, field.decimal_places) {
        let whole = d.trunc().abs().to_string().trim_start_matches('0').len() as u32;
        if whole > digits.saturating_sub(places) {
            return Some(format!(
                "{d} has {whole} digits before the point; max_digits {digits} with decimal_places {places} allows {}",
                digits.saturating_sub(places)
            ));
        }
    }
    None
}

/// `e`, naming the field of `model` whose value in `rows` (each row the model's field values
/// in order) the database refused, when `e` is such an error and the field can be found.
pub(crate) fn name_the_field<'a>(model: &ModelMeta, rows: impl IntoIterator<Item = &'a [Value]>, e: Error) -> Error {
    if !is_data_error(&e) {
        return e;
    }
    for row in rows {
        for (field, value) in model.fields.iter().zip(row) {
            if let Some(why) = misfit(field, value) {
                let (kind, sqlstate, message) = match e {
                    Error::Database { kind, sqlstate, message } => (kind, sqlstate, message),
                    other => return other,
                };
                return Error::Database {
                    kind,
                    sqlstate,
                    message: format!("{}.{}: {why} ({message})", model.object_name, field.name),
                };
            }
        }
    }
    e
}

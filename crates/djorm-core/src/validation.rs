//! Django's validation: `clean_fields()` in Rust, `validate_unique()` against the database,
//! `full_clean()` both.

use std::sync::LazyLock;

use djorm_sql::Value;
use regex::Regex;
use rust_decimal::Decimal;

use crate::{FieldKind, FieldMeta, Model, ValidationError};

#[allow(clippy::unwrap_used)] // constant patterns, checked by the tests below
static EMAIL_USER: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"(?i)^(?:[-!#$%&'*+/=?^_`{}|~0-9a-z]+(?:\.[-!#$%&'*+/=?^_`{}|~0-9a-z]+)*|"(?:[\x01-\x08\x0b\x0c\x0e-\x1f!#-\[\]-\x7f]|\\[\x01-\x09\x0b\x0c\x0e-\x7f])*")$"#).unwrap()
});
#[allow(clippy::unwrap_used)]
static EMAIL_DOMAIN: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)^(?:(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z0-9-]{2,63}|localhost|\[[0-9a-f:.]+\])$")
        .unwrap()
});
#[allow(clippy::unwrap_used)]
static URL: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(concat!(
        r"(?i)^(?:http|ftp)s?://",
        r"(?:[^\s:@/]+(?::[^\s:@/]*)?@)?",
        r"(?:localhost|(?:[a-z0-9\x{a1}-\x{ffff}](?:[a-z0-9\x{a1}-\x{ffff}-]{0,61}[a-z0-9\x{a1}-\x{ffff}])?\.)+(?:[a-z\x{a1}-\x{ffff}]{2,63}|xn--[a-z0-9]{1,59})\.?",
        r"|\d{1,3}(?:\.\d{1,3}){3}|\[[0-9a-f:.]+\])",
        r"(?::\d{1,5})?(?:[/?#]\S*)?$"
    ))
    .unwrap()
});
#[allow(clippy::unwrap_used)]
static SLUG: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"^[-a-zA-Z0-9_]+$").unwrap());

/// True when `value` is an e-mail address Django's `EmailValidator` accepts.
pub fn is_valid_email(value: &str) -> bool {
    match value.rsplit_once('@') {
        Some((user, domain)) => {
            value.len() <= 320 && EMAIL_USER.is_match(user) && EMAIL_DOMAIN.is_match(domain) && !domain.ends_with('-')
        }
        None => false,
    }
}

/// True when `value` is a URL Django's `URLValidator` accepts (http, https, ftp, ftps).
pub fn is_valid_url(value: &str) -> bool {
    value.len() <= 2048 && URL.is_match(value)
}

/// True when `value` is a slug (letters, digits, `-` and `_`).
pub fn is_valid_slug(value: &str) -> bool {
    SLUG.is_match(value)
}

fn check_decimal(field: &FieldMeta, d: &Decimal, errors: &mut ValidationError) {
    let normalized = d.normalize();
    let digits_str = normalized.abs().mantissa().to_string();
    let scale = normalized.scale();
    let digits = if digits_str == "0" { 1 } else { digits_str.len() as u32 };
    let whole = digits.saturating_sub(scale);
    let total = digits.max(scale);
    if let Some(max) = field.max_digits {
        if total > max {
            errors.add(field.name, format!("Ensure that there are no more than {max} digits in total."));
            return;
        }
    }
    if let Some(places) = field.decimal_places {
        if scale > places {
            errors.add(field.name, format!("Ensure that there are no more than {places} decimal places."));
            return;
        }
        if let Some(max) = field.max_digits {
            if whole > max - places {
                errors.add(
                    field.name,
                    format!("Ensure that there are no more than {} digits before the decimal point.", max - places),
                );
            }
        }
    }
}

fn clean_field(field: &FieldMeta, value: &Value, errors: &mut ValidationError) {
    if field.kind.is_auto() || !field.editable || field.auto_now || field.auto_now_add {
        return;
    }
    let is_empty = match value {
        Value::Null => true,
        Value::String(s) => s.is_empty(),
        _ => false,
    };
    if is_empty && field.blank {
        return;
    }
    match value {
        Value::Null => {
            if !field.null {
                errors.add(field.name, "This field cannot be null.");
            }
            return;
        }
        Value::String(s) if s.is_empty() => {
            errors.add(field.name, "This field cannot be blank.");
            return;
        }
        _ => {}
    }
    if !field.choices.is_empty() {
        let stored = value.to_string();
        if !field.choices.iter().any(|(v, _)| *v == stored) {
            errors.add(field.name, format!("Value '{stored}' is not a valid choice."));
            return;
        }
    }
    if let Value::String(s) = value {
        let length = s.chars().count();
        if let Some(max) = field.max_length {
            if field.kind.is_text() && length > max as usize {
                errors.add(field.name, format!("Ensure this value has at most {max} characters (it has {length})."));
            }
        }
        match field.kind {
            FieldKind::EmailField if !is_valid_email(s) => errors.add(field.name, "Enter a valid email address."),
            FieldKind::URLField if !is_valid_url(s) => errors.add(field.name, "Enter a valid URL."),
            FieldKind::SlugField if !is_valid_slug(s) => {
                errors.add(field.name, "Enter a valid “slug” consisting of letters, numbers, underscores or hyphens.")
            }
            _ => {}
        }
    }
    if let Value::Decimal(d) = value {
        check_decimal(field, d, errors);
    }
    if field.kind.is_positive() && value.as_i64().is_some_and(|i| i < 0) {
        errors.add(field.name, "Ensure this value is greater than or equal to 0.");
    }
}

/// Validates every field of `obj` as Django's `Model.clean_fields()` does (the checks that
/// need no database), collecting messages per field.
pub fn clean_fields<M: Model>(obj: &M) -> Result<(), ValidationError> {
    let mut errors = ValidationError::default();
    for (field, value) in M::meta().fields.iter().zip(obj.field_values()) {
        clean_field(field, &value, &mut errors);
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors)
    }
}

/// Django's `capfirst`.
fn capfirst(text: &str) -> String {
    let mut chars = text.chars();
    chars.next().map_or_else(String::new, |first| first.to_uppercase().chain(chars).collect())
}

/// Django's `get_text_list(labels, "and")`: `A`, `A and B`, `A, B and C`.
fn text_list(labels: &[String]) -> String {
    match labels {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}

/// Django's `Model.validate_unique()`: for each unique field and each unique set of fields
/// (`unique_together`, a `UniqueConstraint` of fields) whose values are all set, whether
/// another row already holds them — "Country with this Code already exists." on the field,
/// "Book with this Title and Author already exists." under `__all__`. The object's own row
/// (by its key, when it has one) does not count.
pub async fn validate_unique<M: Model>(db: &crate::Db, obj: &M, skip: &[String]) -> crate::Result<ValidationError> {
    let meta = M::meta();
    let values = obj.field_values();
    let pk = values[meta.pk_index].clone();
    let model = capfirst(meta.verbose_name);
    let mut errors = ValidationError::default();
    let taken = |pairs: Vec<(&'static str, Value)>| {
        let mut qs = crate::DynQuerySet::new(meta);
        for (name, value) in pairs {
            qs = qs.filter(crate::Q::new(name, value));
        }
        if !pk.is_null() {
            qs = qs.exclude(crate::Q::new("pk", pk.clone()));
        }
        async move { qs.exists(db).await }
    };
    for (i, field) in meta.fields.iter().enumerate() {
        if !field.unique || field.primary_key || values[i].is_null() || skip.iter().any(|s| s == field.name) {
            continue;
        }
        if taken(vec![(field.name, values[i].clone())]).await? {
            errors.add(field.name, format!("{model} with this {} already exists.", capfirst(field.verbose_name)));
        }
    }
    for unique in meta.unique_constraints {
        let mut pairs = Vec::with_capacity(unique.fields.len());
        let mut labels = Vec::with_capacity(unique.fields.len());
        for name in unique.fields {
            let Some(index) = meta.fields.iter().position(|f| f.name == *name) else { continue };
            pairs.push((meta.fields[index].name, values[index].clone()));
            labels.push(capfirst(meta.fields[index].verbose_name));
        }
        let incomplete = pairs.iter().any(|(name, v)| v.is_null() || skip.iter().any(|s| s == name));
        if incomplete || pairs.len() != unique.fields.len() {
            continue;
        }
        if taken(pairs).await? {
            errors.add("__all__", format!("{model} with this {} already exists.", text_list(&labels)));
        }
    }
    Ok(errors)
}

/// Django's `Model.full_clean()`: every field's checks, then the unique checks against the
/// database for the fields that passed them; all messages together.
pub async fn full_clean<M: Model>(db: &crate::Db, obj: &M) -> crate::Result<()> {
    let mut errors = clean_fields(obj).err().unwrap_or_default();
    let failed: Vec<String> = errors.errors.keys().cloned().collect();
    let unique = validate_unique(db, obj, &failed).await?;
    for (field, messages) in unique.errors {
        for message in messages {
            errors.add(&field, message);
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(crate::Error::Validation(errors))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails() {
        assert!(is_valid_email("jane@example.com"));
        assert!(is_valid_email("first.last+tag@sub.example.co.uk"));
        assert!(!is_valid_email("jane"));
        assert!(!is_valid_email("jane@"));
        assert!(!is_valid_email("jane@example"));
        assert!(!is_valid_email("ja ne@example.com"));
    }

    #[test]
    fn urls() {
        assert!(is_valid_url("https://www.djangoproject.com/"));
        assert!(is_valid_url("http://localhost:8000/path?q=1"));
        assert!(is_valid_url("http://127.0.0.1/"));
        assert!(!is_valid_url("www.example.com"));
        assert!(!is_valid_url("javascript:alert(1)"));
        assert!(!is_valid_url("http://exa mple.com"));
    }

    #[test]
    fn slugs() {
        assert!(is_valid_slug("hello-world_2"));
        assert!(!is_valid_slug("hello world"));
        assert!(!is_valid_slug("héllo"));
    }
}
